// The admin console: the topology, pools by state, the VMs with drain and undrain, the running
// sessions with end, and the audit log, refreshed every few seconds; users, groups and
// entitlements (accounts.js) less often, since they change only by hand. Admins only (the admin
// API refuses everyone else); common.js holds the calls.
"use strict";

const REFRESH_MS = 3000;
const ACCOUNTS_EVERY = 10;  // refreshes: users, groups and entitlements are at most 30 s old
const PAGE = 500;  // VMs the tables ask for: the concentrators filter, the broker sends a page
let refresher = null;
let refreshes = 0;
let outage = null;  // the message a failed refresh showed, cleared by the next that succeeds

async function showConsole() {
  const me = await api("GET", "/api/v1/me");
  if (!me.admin) {
    say("This console is for administrators. Your desktops are at the portal: " + location.origin + "/");
    showSignIn();
    return;
  }
  showSignedIn(me, $("console"));
  Charts.start();
  await Promise.all([refresh(), Accounts.reload()]);
  clearInterval(refresher);
  refresher = setInterval(() => refresh().catch(failed), REFRESH_MS);
}

async function refresh() {
  if ($("console").hidden) {
    clearInterval(refresher);
    return;
  }
  // Each part on its own: when the concentrators are down, the VM lists fail but the topology,
  // which says so, must still show.
  const parts = await Promise.allSettled([api("GET", "/api/v1/topology"), api("GET", "/api/v1/vms/summary"),
    api("GET", vmQuery()), api("GET", "/api/v1/vms?withSessions=true&limit=" + PAGE),
    api("GET", "/api/v1/admin/audit?limit=50")]);
  const [topology, summary, listed, running, audit] = parts.map((p) => (p.status === "fulfilled" ? p.value : null));
  if (++refreshes % ACCOUNTS_EVERY === 0) Accounts.reload().catch(failed);
  if (topology) {
    showTopology(topology);
    $("topology-age").textContent = "as of " + new Date().toLocaleTimeString();
  }
  if (summary) showPools(summary);
  if (listed) showVms(listed);
  if (running) showSessions(running);
  if (audit) showAudit(audit.entries);
  const failure = parts.find((p) => p.status === "rejected");
  if (failure) {
    failed(failure.reason);
    outage = $("message").textContent;
  } else if (outage !== null) {
    if ($("message").textContent === outage) say("");  // it is over; other messages stay
    outage = null;
  }
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "—" : String(text);
  if (className) td.className = className;
  row.append(td);
  return td;
}

function showTopology(topology) {
  const body = $("topology").tBodies[0];
  body.replaceChildren();
  for (const set of topology.sets) {
    for (const c of set.concentrators) {
      const row = body.insertRow();
      row.dataset.concentrator = c.id;
      cell(row, set.id);
      cell(row, c.id);
      cell(row, c.address);
      cell(row, c.status, "status-" + c.status);
      cell(row, c.attachedVms);
      cell(row, c.unreachableVms);
      cell(row, c.sessions);
    }
  }
}

/** Pools by state, as the concentrators count them (GET /api/v1/vms/summary), not from the VM listing. */
function showPools(summary) {
  const body = $("pools").tBodies[0];
  body.replaceChildren();
  const select = $("vm-pool");
  const chosen = select.value;
  select.replaceChildren(new Option("all", ""));
  for (const pool of summary.pools) {
    const row = body.insertRow();
    row.dataset.pool = pool.pool;
    cell(row, pool.pool);
    for (const count of ["available", "inUse", "pending", "draining", "unreachable", "inMaintenance", "freeSessions"]) {
      cell(row, pool[count]);
    }
    select.append(new Option(pool.pool, pool.pool, false, pool.pool === chosen));
  }
}

/** The VM table's request: its filters, applied by the concentrators, and a page of PAGE VMs. */
function vmQuery() {
  const query = new URLSearchParams({ limit: PAGE });
  const filters = { q: $("vm-search").value.trim(), pool: $("vm-pool").value, state: $("vm-state").value };
  for (const [name, value] of Object.entries(filters)) {
    if (value) query.set(name, value);
  }
  return "/api/v1/vms?" + query;
}

function showVms(listed) {
  const body = $("vms").tBodies[0];
  body.replaceChildren();
  for (const vm of listed.vms) {
    const row = body.insertRow();
    row.dataset.vm = vm.id;
    cell(row, vm.id);
    cell(row, vm.pool);
    cell(row, vm.state.replace("_", " ") + (vm.maintenance ? " · in maintenance" : ""), "state");
    cell(row, vm.sessions.join(", ") || "");
    cell(row, vm.concentrator);
    const button = document.createElement("button");
    button.type = "button";
    button.className = vm.maintenance ? "" : "secondary";
    button.textContent = vm.maintenance ? "Undrain" : "Drain";
    button.addEventListener("click", () => drain(vm, button));
    cell(row, "").append(button);
  }
  $("vm-count").textContent = listed.matching > listed.count ? "first " + listed.count + " of " + listed.matching
    : listed.count + " shown";
}

/** One row per user session, from the listing of VMs with sessions (which names each session's user). */
function showSessions(running) {
  const body = $("sessions").tBodies[0];
  body.replaceChildren();
  let count = 0;
  for (const vm of running.vms) {
    vm.sessions.forEach((user, i) => {
      count++;
      const row = body.insertRow();
      row.dataset.vm = vm.id;
      row.dataset.user = user;
      cell(row, user);
      cell(row, vm.id);
      cell(row, vm.pool);
      cell(row, (vm.displays && vm.displays[i]) || "");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = "End session";
      button.addEventListener("click", () => endSession(user, vm.id, button));
      cell(row, "").append(button);
    });
  }
  $("session-count").textContent = count + " running" + (running.matching > running.count
    ? " on the first " + running.count + " of " + running.matching + " VMs with sessions" : "");
}

async function endSession(user, vmId, button) {
  button.disabled = true;
  try {
    const mine = await api("GET", "/api/v1/admin/users/" + encodeURIComponent(user) + "/sessions");
    const session = mine.sessions.find((s) => s.vmId === vmId);
    if (!session) {
      say(user + " has no session on " + vmId + " any more.", "info");
    } else {
      await api("DELETE", "/api/v1/admin/users/" + encodeURIComponent(user) + "/sessions/"
        + encodeURIComponent(session.sessionId));
      say("Ended " + user + "'s session on " + vmId + ".", "info");
    }
    await refresh();
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
  }
}

function showAudit(entries) {
  const body = $("audit").tBodies[0];
  body.replaceChildren();
  for (const entry of entries) {
    const row = body.insertRow();
    row.dataset.action = entry.action;
    cell(row, new Date(entry.at).toLocaleString());
    cell(row, entry.actor);
    cell(row, entry.action);
    cell(row, entry.target);
    cell(row, entry.detail);
  }
}

async function drain(vm, button) {
  button.disabled = true;
  const path = "/api/v1/admin/vms/" + encodeURIComponent(vm.id) + "/maintenance";
  try {
    if (vm.maintenance) {
      await api("DELETE", path);
      say(vm.id + " takes new sessions again.", "info");
    } else {
      await api("PUT", path, { reason: "drained from the admin console" });
      say(vm.id + " is in maintenance: no new sessions start there; running ones go on.", "info");
    }
    await refresh();
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
  }
}

// A filter asks the broker again, once typing pauses.
let filtering = null;
for (const id of ["vm-search", "vm-pool", "vm-state"]) {
  $(id).addEventListener("input", () => {
    clearTimeout(filtering);
    filtering = setTimeout(() => api("GET", vmQuery()).then(showVms).catch(failed), 250);
  });
}
signInFlow(showConsole);
