#!/bin/sh
# Example list script for the exec session host: prints the sessions that really run on this VM
# as one JSON array, each {"sessionId", "user", "pool", "host", "port", "protocol"?, "startedAt"?}.
# The agent runs it at start, so that a restarted agent reports them before it takes a new session,
# and every host.listInterval, to see users who logged off inside the desktop. A real one asks the
# desktop stack (loginctl, xrdp's sessions, ...); this one reads what start-session.sh noted.
set -eu
SESSIONS_DIR=${SESSIONS_DIR:-/tmp/shardbroker-sessions}
printf '['
separator=''
for f in "$SESSIONS_DIR"/*.json; do
  [ -e "$f" ] || continue
  printf '%s' "$separator"
  cat "$f"
  separator=','
done
printf ']\n'
