#!/bin/sh
# Example start script for the exec session host. The agent sets SHARDBROKER_SESSION_ID,
# SHARDBROKER_USER, SHARDBROKER_POOL and SHARDBROKER_VM_ID; the script prepares the session
# (create the account, start xrdp, ...) and prints where the user connects, as one JSON object.
# It also notes the session in SESSIONS_DIR, where list-sessions.sh finds it again.
set -eu
SESSIONS_DIR=${SESSIONS_DIR:-/tmp/shardbroker-sessions}
echo "starting session $SHARDBROKER_SESSION_ID for $SHARDBROKER_USER" >&2
connection=$(printf '"protocol": "rdp", "host": "%s", "port": 3389' "$(hostname)")
mkdir -p "$SESSIONS_DIR"
printf '{"sessionId": "%s", "user": "%s", "pool": "%s", %s, "startedAt": "%s"}\n' \
  "$SHARDBROKER_SESSION_ID" "$SHARDBROKER_USER" "$SHARDBROKER_POOL" "$connection" \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$SESSIONS_DIR/$SHARDBROKER_SESSION_ID.json"
printf '{%s}\n' "$connection"
