// A desktop in the browser: noVNC over a WebSocket to the broker, which relays it to the VM's
// agent. The portal hands over the session and its one-time ticket in this tab's sessionStorage
// (never in the address, where it would end up in histories and logs); this page takes them once.
// The broker takes the token and the ticket as WebSocket subprotocols, as browsers cannot set
// headers on a WebSocket.
import RFB from "/novnc/core/rfb.js";

const DISPLAY = "shardbroker.display";

// What the broker's close codes mean to a person.
const CLOSED = {
  4401: "This connection ticket was already used or has expired. Go back to your desktops and press Reconnect.",
  4410: "This desktop is gone: the session has ended.",
  4429: "Too many desktops are open right now. Close one, or try again in a moment.",
  4502: "The desktop does not answer right now. Please try again in a minute.",
};

function state(text) {
  $("desktop-state").textContent = text;
}

function open() {
  const handed = sessionStorage.getItem(DISPLAY);
  sessionStorage.removeItem(DISPLAY);  // a ticket opens one connection only
  if (!handed) {
    state("Not connected");
    say("Open a desktop from your desktops page: press Connect there, then Open in browser.", "info");
    return;
  }
  const session = JSON.parse(handed);
  $("desktop-name").textContent = session.pool + " on " + session.vmId;
  document.title = session.pool + " on " + session.vmId + " — shardbroker";
  const token = sessionStorage.getItem(TOKEN);
  if (!token) {
    state("Not connected");
    say("Your sign-in has ended. Go back to your desktops and sign in again.");
    return;
  }
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const url = scheme + "//" + location.host + "/api/v1/sessions/" + encodeURIComponent(session.sessionId) + "/display";
  const socket = new WebSocket(url,
    ["shardbroker.display.v1", "shardbroker.token." + token, "shardbroker.ticket." + session.ticket]);
  socket.binaryType = "arraybuffer";
  let closed = null;
  socket.addEventListener("close", (event) => { closed = event; });

  const rfb = new RFB($("screen"), socket, { shared: true });
  rfb.scaleViewport = true;
  rfb.focusOnClick = true;
  rfb.addEventListener("connect", () => {
    state("Connected");
    say("");
    $("log-off").hidden = false;
    rfb.focus();
  });
  rfb.addEventListener("desktopname", (event) => {
    $("screen").dataset.desktopName = event.detail.name;
  });
  rfb.addEventListener("disconnect", () => {
    state("Disconnected");
    // Logging off ends the desktop, which may close the connection before the logoff's answer
    // comes: then logOff says what happened, not explain.
    if (loggingOff) return;
    explain(closed, session.sessionId);
  });
  $("log-off").addEventListener("click", () => logOff(session.sessionId, rfb));
}

let loggingOff = false;

async function logOff(sessionId, rfb) {
  $("log-off").disabled = true;
  loggingOff = true;
  try {
    await api("DELETE", "/api/v1/sessions/" + encodeURIComponent(sessionId));
    rfb.disconnect();
    state("Logged off");
    $("log-off").hidden = true;
    say("You have logged off. The desktop is free for someone else.", "info");
  } catch (error) {
    loggingOff = false;
    failed(error);
  } finally {
    $("log-off").disabled = false;
  }
}

/** Why the desktop went away, in plain words: the broker's close code, else what the API says now. */
async function explain(closed, sessionId) {
  if (closed && CLOSED[closed.code]) {
    say(CLOSED[closed.code]);
    return;
  }
  if (closed && closed.code >= 4000 && closed.reason) {
    say(closed.reason);
    return;
  }
  // Refused before the WebSocket opened (the browser hides why), or the connection broke, or the
  // desktop ended: its end may reach the broker a moment after the connection drops.
  try {
    for (let look = 0; look < 3; look++) {
      const { sessions } = await api("GET", "/api/v1/sessions");
      if (loggingOff) return;  // the user pressed Log off meanwhile: logOff tells
      if (!sessions.some((s) => s.sessionId === sessionId)) {
        say("This session has ended: you logged off inside the desktop, or it was logged off.", "info");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    say("The connection to your desktop was lost. Go back to your desktops and press Reconnect.");
  } catch (error) {
    failed(error);
  }
}

open();
