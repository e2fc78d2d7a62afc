// The admin console's users, groups, pools' settings and entitlements: lists, and forms to add,
// change and remove them through the admin API (/api/v1/admin/...). Every change is audited by the broker. The store
// refuses to disable or remove the last enabled admin; its message is shown as it is.
// Reloaded after each change and by admin.js every ACCOUNTS_EVERY refreshes; an open form is kept.
"use strict";

const Accounts = (() => {
  const ADMIN = "/api/v1/admin";
  let users = [];
  let groups = [];
  let pools = [];
  let editing = null;  // the user the user form edits; null: it adds one
  let editingPool = null;  // the pool the pool form edits; null: it adds one

  async function reload() {
    const [u, g, e, p] = await Promise.all([api("GET", ADMIN + "/users"), api("GET", ADMIN + "/groups"),
      api("GET", ADMIN + "/entitlements"), api("GET", ADMIN + "/pools")]);
    users = u.users;
    groups = g.groups;
    pools = p.pools;
    showUsers();
    showGroups();
    showPoolSettings();
    showEntitlements(e.entitlements);
    fillChoices();
  }

  /** Runs a change, says what it did, and reloads; an error is shown and changes nothing here. */
  async function change(button, action, done) {
    if (button) button.disabled = true;
    try {
      await action();
      say(done, "info");
      await reload();
      return true;
    } catch (error) {
      failed(error);
      return false;
    } finally {
      if (button) button.disabled = false;
    }
  }

  function button(text, onClick, className) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (className) b.className = className;
    b.addEventListener("click", () => onClick(b));
    return b;
  }

  /** A button that asks for a second click within 4 s before it does something that cannot be undone. */
  function removeButton(text, onConfirmed) {
    return button(text, (b) => {
      if (b.dataset.armed) {
        delete b.dataset.armed;
        onConfirmed(b);
        return;
      }
      b.dataset.armed = "yes";
      b.textContent = "Click again to confirm";
      b.className = "danger";
      setTimeout(() => {
        delete b.dataset.armed;
        b.textContent = text;
        b.className = "secondary";
      }, 4000);
    }, "secondary");
  }

  function actions(row, ...buttons) {
    const td = cell(row, "");
    td.className = "actions";
    td.append(...buttons);
  }

  // ---- users ---------------------------------------------------------------------------------

  function showUsers() {
    const search = $("user-search").value.trim().toLowerCase();
    const shown = users.filter((u) => !search || u.name.toLowerCase().includes(search)
      || (u.displayName || "").toLowerCase().includes(search) || u.groups.some((g) => g.toLowerCase().includes(search)));
    const body = $("users").tBodies[0];
    body.replaceChildren();
    for (const user of shown.slice(0, 200)) {
      const row = body.insertRow();
      row.dataset.user = user.name;
      cell(row, user.name);
      cell(row, user.displayName);
      cell(row, user.groups.join(", "));
      cell(row, user.enabled ? "enabled" : "disabled", user.enabled ? "" : "status-down");
      const path = ADMIN + "/users/" + encodeURIComponent(user.name);
      actions(row, button("Edit", () => openUserForm(user), "secondary"),
        // Ends the user's sign-ins at every broker; they may sign in again.
        button("Sign out", (b) => change(b, () => api("POST", path + "/sign-out"),
          user.name + " is signed out at every broker."), "secondary"),
        removeButton("Delete", (b) => change(b, () => api("DELETE", path), "Deleted user " + user.name + ".")));
    }
    $("user-count").textContent = shown.length > 200 ? "first 200 of " + shown.length : shown.length + " shown";
  }

  function openUserForm(user) {
    editing = user;
    const form = $("user-form");
    form.reset();
    $("user-form-title").textContent = user ? "Change " + user.name : "Add a user";
    $("user-name-input").value = user ? user.name : "";
    $("user-name-input").readOnly = !!user;
    $("user-display").value = user ? user.displayName : "";
    $("user-password").required = !user;
    $("user-password").placeholder = user ? "leave empty to keep the password" : "";
    $("user-enabled").checked = user ? user.enabled : true;
    const boxes = $("user-groups");
    boxes.replaceChildren();
    for (const group of groups) {
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = group.name;
      box.checked = !!user && user.groups.includes(group.name);
      label.append(box, " " + group.name);
      boxes.append(label);
    }
    form.hidden = false;
    (user ? $("user-display") : $("user-name-input")).focus();
  }

  async function saveUser(event) {
    event.preventDefault();
    const name = $("user-name-input").value.trim();
    const chosen = [...$("user-groups").querySelectorAll("input:checked")].map((box) => box.value);
    const password = $("user-password").value;
    const fields = { displayName: $("user-display").value.trim() || name, enabled: $("user-enabled").checked };
    let saved;
    if (editing) {
      const user = editing;
      if (password) fields.password = password;
      const path = ADMIN + "/users/" + encodeURIComponent(name);
      const member = (group) => ADMIN + "/groups/" + encodeURIComponent(group) + "/members/" + encodeURIComponent(name);
      saved = await change(event.submitter, async () => {
        await api("PATCH", path, fields);
        for (const group of chosen.filter((g) => !user.groups.includes(g))) await api("PUT", member(group));
        for (const group of user.groups.filter((g) => !chosen.includes(g))) await api("DELETE", member(group));
      }, "Saved " + name + ".");
    } else {
      saved = await change(event.submitter, () => api("POST", ADMIN + "/users",
        { name, password, groups: chosen, ...fields }), "Added user " + name + ".");
    }
    if (saved) closeUserForm();
  }

  function closeUserForm() {
    $("user-form").reset();
    $("user-form").hidden = true;
    editing = null;
  }

  // ---- groups --------------------------------------------------------------------------------

  function showGroups() {
    const body = $("groups").tBodies[0];
    body.replaceChildren();
    for (const group of groups) {
      const row = body.insertRow();
      row.dataset.group = group.name;
      cell(row, group.name);
      cell(row, group.description);
      cell(row, group.members.join(", "));
      actions(row, removeButton("Delete", (b) => change(b,
        () => api("DELETE", ADMIN + "/groups/" + encodeURIComponent(group.name)), "Deleted group " + group.name + ".")));
    }
  }

  async function addGroup(event) {
    event.preventDefault();
    const name = $("group-name").value.trim();
    if (await change(event.submitter, () => api("POST", ADMIN + "/groups",
      { name, description: $("group-description").value.trim() }), "Added group " + name + ".")) {
      $("group-form").reset();
    }
  }

  // ---- pools ---------------------------------------------------------------------------------

  function showPoolSettings() {
    const body = $("pool-settings").tBodies[0];
    body.replaceChildren();
    for (const pool of pools) {
      const row = body.insertRow();
      row.dataset.pool = pool.name;
      cell(row, pool.name);
      cell(row, pool.displayName);
      cell(row, pool.kind);
      cell(row, pool.sessionMode === "multi" ? "many per host" : "one per desktop");
      cell(row, pool.protocol);
      cell(row, logoffText(pool));
      cell(row, pool.enabled ? "enabled" : "disabled", pool.enabled ? "" : "status-down");
      const path = ADMIN + "/pools/" + encodeURIComponent(pool.name);
      actions(row,
        button("Edit", () => openPoolForm(pool), "secondary"),
        button(pool.enabled ? "Disable" : "Enable", (b) => change(b, () => api("PATCH", path, { enabled: !pool.enabled }),
          pool.name + (pool.enabled ? " takes no new sessions now." : " takes new sessions again.")), "secondary"),
        removeButton("Delete", (b) => change(b, () => api("DELETE", path), "Deleted pool " + pool.name + ".")));
    }
  }

  /** The pool's logoff limits in a few words: "never", "idle 2 h", "idle 2 h, disconnected 30 min". */
  function logoffText(pool) {
    const limits = [];
    if (pool.idleLogoffAfterSeconds != null) limits.push("idle " + limitText(pool.idleLogoffAfterSeconds));
    if (pool.disconnectedLogoffAfterSeconds != null) {
      limits.push("disconnected " + limitText(pool.disconnectedLogoffAfterSeconds));
    }
    return limits.length ? limits.join(", ") : "never";
  }

  /** A limit in whole seconds, in the largest unit that fits it exactly. */
  function limitText(seconds) {
    for (const [unit, size] of [["d", 86400], ["h", 3600], ["min", 60]]) {
      if (seconds % size === 0) return seconds / size + " " + unit;
    }
    return seconds + " s";
  }

  /** A limit as the form shows it: minutes, empty for never. */
  function limitMinutes(seconds) {
    return seconds === null || seconds === undefined ? "" : String(seconds / 60);
  }

  /** The form's minutes as the API takes them: whole seconds, null for never (an empty field). */
  function limitSeconds(minutes) {
    return minutes.trim() === "" ? null : Math.round(Number(minutes) * 60);
  }

  /** Fills the pool form to change {@code pool}; its name and kind cannot change. */
  function openPoolForm(pool) {
    editingPool = pool;
    $("pool-name-label").textContent = "Pool";
    $("pool-name").value = pool.name;
    $("pool-name").readOnly = true;
    $("pool-display").value = pool.displayName;
    $("pool-kind").value = pool.kind;
    $("pool-kind").disabled = true;
    $("pool-mode").value = pool.sessionMode;
    $("pool-protocol").value = pool.protocol;
    $("pool-idle").value = limitMinutes(pool.idleLogoffAfterSeconds);
    $("pool-disconnected").value = limitMinutes(pool.disconnectedLogoffAfterSeconds);
    $("pool-submit").textContent = "Save pool";
    $("pool-cancel").hidden = false;
    $("pool-display").focus();
  }

  function closePoolForm() {
    editingPool = null;
    $("pool-form").reset();
    $("pool-name-label").textContent = "New pool";
    $("pool-name").readOnly = false;
    $("pool-kind").disabled = false;
    $("pool-submit").textContent = "Add pool";
    $("pool-cancel").hidden = true;
  }

  async function savePool(event) {
    event.preventDefault();
    const name = $("pool-name").value.trim();
    const fields = { sessionMode: $("pool-mode").value, protocol: $("pool-protocol").value.trim(),
      displayName: $("pool-display").value.trim() || name };
    const limits = { idleLogoffAfterSeconds: $("pool-idle").value, disconnectedLogoffAfterSeconds: $("pool-disconnected").value };
    let saved;
    if (editingPool) {
      const pool = editingPool;
      // Only limits the admin changed are sent: a limit of whole seconds shown in minutes stays as it is.
      for (const [field, minutes] of Object.entries(limits)) {
        if (minutes !== limitMinutes(pool[field])) fields[field] = limitSeconds(minutes);
      }
      saved = await change(event.submitter, () => api("PATCH", ADMIN + "/pools/" + encodeURIComponent(name), fields),
        "Saved pool " + name + ".");
    } else {
      for (const [field, minutes] of Object.entries(limits)) fields[field] = limitSeconds(minutes);
      saved = await change(event.submitter, () => api("POST", ADMIN + "/pools",
        { name, kind: $("pool-kind").value, ...fields }), "Added pool " + name + ".");
    }
    if (saved) closePoolForm();
  }

  // ---- entitlements --------------------------------------------------------------------------

  function showEntitlements(entitlements) {
    const body = $("entitlements").tBodies[0];
    body.replaceChildren();
    for (const e of entitlements) {
      const row = body.insertRow();
      row.dataset.entitlement = e.pool + ":" + (e.group ? "group:" + e.group : "user:" + e.user);
      cell(row, e.pool);
      cell(row, e.group ? "group " + e.group : "user " + e.user);
      cell(row, new Date(e.createdAt).toLocaleString());
      actions(row, removeButton("Remove", (b) => change(b,
        () => api("DELETE", ADMIN + "/entitlements/" + e.id), "Removed the entitlement to " + e.pool + ".")));
    }
  }

  /** The choices of the entitlement form: pools, and groups or users as its second list says. */
  function fillChoices() {
    replaceOptions($("entitle-pool"), pools.map((p) => p.name));
    const kind = $("entitle-kind").value;
    replaceOptions($("entitle-who"), (kind === "user" ? users : groups).map((x) => x.name));
  }

  function replaceOptions(select, names) {
    const chosen = select.value;
    select.replaceChildren(...names.map((name) => new Option(name, name, false, name === chosen)));
  }

  async function entitle(event) {
    event.preventDefault();
    const pool = $("entitle-pool").value;
    const kind = $("entitle-kind").value;
    const who = $("entitle-who").value;
    await change(event.submitter, () => api("POST", ADMIN + "/entitlements", { pool, [kind]: who }),
      "The " + kind + " " + who + " may now use " + pool + ".");
  }

  $("user-search").addEventListener("input", showUsers);
  $("user-add").addEventListener("click", () => openUserForm(null));
  $("user-cancel").addEventListener("click", closeUserForm);
  $("user-form").addEventListener("submit", saveUser);
  $("group-form").addEventListener("submit", addGroup);
  $("pool-form").addEventListener("submit", savePool);
  $("pool-cancel").addEventListener("click", closePoolForm);
  $("entitle-kind").addEventListener("input", fillChoices);
  $("entitle-form").addEventListener("submit", entitle);

  return { reload };
})();
