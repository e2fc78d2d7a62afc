// The user portal: sign in, see the pools you may use and your sessions, connect, reconnect, log
// off. It talks only to the broker's HTTP API (see /api/openapi.yaml) with a bearer token from
// POST /api/v1/auth/login, kept for this browser tab only.
"use strict";

const TOKEN = "shardbroker.token";
const $ = (id) => document.getElementById(id);

// What each error code of the API means to a person; the API's own message is the fallback.
const PLAIN_WORDS = {
  unauthorized: "Your sign-in has ended. Please sign in again.",
  too_many_attempts: "Too many failed sign-ins. Please wait a moment and try again.",
  not_entitled: "You may not use that pool.",
  pool_exhausted: "No desktop is free in that pool right now. Please try again in a minute.",
  desktop_unavailable: "Your desktop cannot be reached right now. Please try again in a minute.",
  no_set_reachable: "The desktops cannot be reached right now. Please try again in a minute.",
  start_uncertain: "Your desktop may have started. Please try again: you will get the same one.",
  overloaded: "Many people are connecting right now. Please try again in a moment.",
  request_in_progress: "Your desktop is still being prepared. Please wait a moment.",
  session_not_found: "That session has already ended.",
  end_failed: "The desktop did not log off. Please try again.",
};

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  const token = sessionStorage.getItem(TOKEN);
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, "network", "The broker cannot be reached. Check your connection and try again.");
  }
  if (response.status === 204) return null;
  let answer = null;
  try {
    answer = await response.json();
  } catch (e) {
    // not JSON: handled below
  }
  if (!response.ok) {
    const code = answer && answer.error ? answer.error : "http_" + response.status;
    throw new ApiError(response.status, code, PLAIN_WORDS[code] || (answer && answer.message)
      || "Something went wrong (" + response.status + "). Please try again.");
  }
  return answer;
}

function say(text, kind) {
  const message = $("message");
  message.textContent = text;
  message.className = kind === "info" ? "info" : "";
  message.hidden = !text;
}

function failed(error) {
  if (error instanceof ApiError && error.status === 401 && sessionStorage.getItem(TOKEN)) {
    sessionStorage.removeItem(TOKEN);
    showSignIn();
  }
  say(error.message || String(error));
}

function showSignIn() {
  $("sign-in").hidden = false;
  $("desktops").hidden = true;
  $("who").hidden = true;
  $("username").focus();
}

async function signIn(event) {
  event.preventDefault();
  const button = event.submitter || $("sign-in").querySelector("button");
  button.disabled = true;
  try {
    const signedIn = await api("POST", "/api/v1/auth/login",
      { username: $("username").value, password: $("password").value });
    sessionStorage.setItem(TOKEN, signedIn.token);
    $("password").value = "";
    say("");
    await showDesktops();
  } catch (error) {
    say(error.code === "unauthorized" ? "Wrong user name or password." : error.message);
  } finally {
    button.disabled = false;
  }
}

async function signOut() {
  try {
    await api("POST", "/api/v1/auth/logout");
  } catch (error) {
    // signed out either way
  }
  sessionStorage.removeItem(TOKEN);
  $("connection").hidden = true;
  say("You are signed out.", "info");
  showSignIn();
}

async function showDesktops() {
  const me = await api("GET", "/api/v1/me");
  $("user-name").textContent = me.displayName || me.name;
  $("who").hidden = false;
  $("sign-in").hidden = true;
  $("desktops").hidden = false;
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
    detail.textContent = pool.protocol.toUpperCase();
    freeIn(pool.name).then((free) => {
      detail.textContent = pool.protocol.toUpperCase() + " · " + (free === null ? "free desktops unknown"
        : free === 1 ? "1 desktop free" : free + " desktops free");
      item.dataset.free = free === null ? "" : String(free);
    });
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Connect";
    button.addEventListener("click", () => connect(pool.name, button));
    item.append(text, button);
    list.append(item);
  }
}

async function freeIn(pool) {
  try {
    const vms = await api("GET", "/api/v1/vms?state=available&pool=" + encodeURIComponent(pool));
    return vms.count;
  } catch (error) {
    return null;
  }
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

$("sign-in").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", signOut);
if (sessionStorage.getItem(TOKEN)) {
  showDesktops().catch(failed);
} else {
  showSignIn();
}
