// The user portal: sign in, see the pools you may use and your sessions, connect, reconnect, log
// off. It talks only to the broker's HTTP API (see /api/openapi.yaml); common.js holds the calls.
"use strict";

async function showDesktops() {
  const me = await api("GET", "/api/v1/me");
  showSignedIn(me, $("desktops"));
  await Promise.all([showPools(), showSessions()]);
}

async function showPools() {
  const { pools } = await api("GET", "/api/v1/pools");
  const list = $("pools");
  list.replaceChildren();
  if (pools.length === 0) {
    const item = document.createElement("li");
    item.textContent = "You may not use any pool yet. Ask your administrator.";
    list.append(item);
    return;
  }
  for (const pool of pools) {
    const item = document.createElement("li");
    item.dataset.pool = pool.name;
    const text = document.createElement("div");
    text.innerHTML = '<div class="name"></div><div class="detail"></div>';
    text.querySelector(".name").textContent = pool.displayName || pool.name;
    const detail = text.querySelector(".detail");
    detail.textContent = pool.protocol.toUpperCase() + " · " + availability(pool);
    item.dataset.free = pool.freeSessions === null ? "" : String(pool.freeSessions);
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Connect";
    button.addEventListener("click", () => connect(pool.name, button));
    item.append(text, button);
    list.append(item);
  }
}

/** What a pool has for the user: a dedicated pool keeps one desktop per user, so its free count says nothing to them. */
function availability(pool) {
  if (pool.kind === "dedicated") return "your own desktop";
  const free = pool.freeSessions;  // null when the desktops cannot be counted now
  const what = pool.sessionMode === "multi" ? ["session", "sessions"] : ["desktop", "desktops"];
  return free === null ? "free " + what[1] + " unknown" : free === 1 ? "1 " + what[0] + " free" : free + " " + what[1] + " free";
}

async function showSessions() {
  const { sessions } = await api("GET", "/api/v1/sessions");
  const list = $("sessions");
  list.replaceChildren();
  $("no-sessions").hidden = sessions.length > 0;
  for (const session of sessions) {
    const item = document.createElement("li");
    item.dataset.session = session.sessionId;
    const text = document.createElement("div");
    text.innerHTML = '<div class="name"></div><div class="detail"></div>';
    text.querySelector(".name").textContent = session.pool + " on " + session.vmId;
    text.querySelector(".detail").textContent = "started " + new Date(session.startedAt).toLocaleString()
      + (session.display ? " · " + session.display + " since " + new Date(session.displaySince).toLocaleTimeString() : "")
      + (session.reachable === false ? " · not reachable right now" : "");
    const reconnect = document.createElement("button");
    reconnect.type = "button";
    reconnect.textContent = "Reconnect";
    reconnect.addEventListener("click", () => connect(session.pool, reconnect));
    const logOff = document.createElement("button");
    logOff.type = "button";
    logOff.className = "secondary";
    logOff.textContent = "Log off";
    logOff.addEventListener("click", () => endSession(session.sessionId, logOff));
    const buttons = document.createElement("div");
    buttons.append(reconnect, " ", logOff);
    item.append(text, buttons);
    list.append(item);
  }
}

async function connect(pool, button) {
  button.disabled = true;
  say("Preparing your desktop…", "info");
  try {
    const session = await api("POST", "/api/v1/sessions", { pool });
    say("");
    showConnection(session);
    await Promise.all([showSessions(), showPools()]);
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
  }
}

function showConnection(session) {
  const c = session.connection;
  $("connection-desktop").textContent = session.vmId + (session.reconnected ? " (your running session)" : "");
  $("connection-address").textContent = c.host + ":" + c.port;
  $("connection-protocol").textContent = c.protocol.toUpperCase();
  $("connection-ticket").textContent = c.ticket || "none";
  $("connection-expiry").textContent = c.ticketExpiresAt
    ? "use before " + new Date(c.ticketExpiresAt).toLocaleTimeString() : "";
  const link = $("rdp-file");
  if (link.href) URL.revokeObjectURL(link.href);
  if (c.protocol === "rdp") {
    // The settings any RDP client reads; the ticket goes where a gateway expects a one-time password.
    const lines = ["full address:s:" + c.host + ":" + c.port, "username:s:" + session.user,
      "prompt for credentials:i:0", "screen mode id:i:2"];
    if (c.ticket) lines.push("gatewayaccesstoken:s:" + c.ticket);
    link.href = URL.createObjectURL(new Blob([lines.join("\r\n") + "\r\n"], { type: "application/x-rdp" }));
    link.download = session.vmId + ".rdp";
    link.hidden = false;
  } else {
    link.hidden = true;
  }
  // A VNC desktop opens in the browser through the broker; the ticket goes to the desktop page in
  // this tab's storage, which that page empties when it takes it.
  const openHere = $("open-in-browser");
  openHere.hidden = !(c.protocol === "vnc" && c.ticket);
  openHere.onclick = () => {
    sessionStorage.setItem("shardbroker.display", JSON.stringify(
      { sessionId: session.sessionId, ticket: c.ticket, pool: session.pool, vmId: session.vmId }));
    location.assign("/desktop");
  };
  $("connection").hidden = false;
}

async function endSession(sessionId, button) {
  button.disabled = true;
  try {
    await api("DELETE", "/api/v1/sessions/" + encodeURIComponent(sessionId));
    say("Your session has been logged off.", "info");
    $("connection").hidden = true;
    await Promise.all([showSessions(), showPools()]);
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
  }
}

signInFlow(showDesktops);
