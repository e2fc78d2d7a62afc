// What the user portal and the admin console share: calls to the broker's HTTP API with the bearer
// token from POST /api/v1/auth/login (kept for this browser tab only), errors in plain words,
// and signing in and out. A page calls signInFlow(show) with what to show once signed in.
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
  store_unavailable: "The service is having trouble right now. Please try again in a minute.",
  directory_unavailable: "Your password cannot be checked right now. Please try again in a minute.",
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
  for (const part of document.querySelectorAll("[data-signed-in]")) part.hidden = true;
  $("who").hidden = true;
  $("username").focus();
}

/** Shows the signed-in user's name and {@code main}, the page's part for them. */
function showSignedIn(me, main) {
  $("user-name").textContent = me.displayName || me.name;
  $("who").hidden = false;
  $("sign-in").hidden = true;
  main.hidden = false;
}

/** Wires the sign-in form (every page has an empty one) and the sign-out button; {@code show} runs once signed in. */
function signInFlow(show) {
  signedIn.show = show;
  $("sign-in").innerHTML = '<h2>Sign in</h2>'
    + '<label>User name <input id="username" name="username" autocomplete="username" required></label>'
    + '<label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>'
    + '<button type="submit">Sign in</button>';
  $("sign-in").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  showNotice();
  if (sessionStorage.getItem(TOKEN)) {
    show().catch(failed);
  } else {
    showSignIn();
  }
}

const signedIn = { show: async () => {} };

/** The operator's notice above the sign-in form (GET /api/v1/auth/login), when there is one. */
async function showNotice() {
  let form;
  try {
    form = await api("GET", "/api/v1/auth/login");
  } catch (error) {
    return;  // the form works without it
  }
  if (!form.notice) return;
  const notice = document.createElement("p");
  notice.id = "sign-in-notice";
  notice.textContent = form.notice;  // plain text, never HTML
  $("sign-in").querySelector("h2").after(notice);
}

async function signIn(event) {
  event.preventDefault();
  const button = event.submitter || $("sign-in").querySelector("button");
  button.disabled = true;
  try {
    const answer = await api("POST", "/api/v1/auth/login",
      { username: $("username").value, password: $("password").value });
    sessionStorage.setItem(TOKEN, answer.token);
    $("password").value = "";
    say("");
    await signedIn.show();
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
  for (const part of document.querySelectorAll("[data-signed-in]")) part.hidden = true;
  say("You are signed out.", "info");
  showSignIn();
}

