#!/bin/sh
# Example start script for the exec session host. The agent sets SHARDBROKER_SESSION_ID,
# SHARDBROKER_USER, SHARDBROKER_POOL and SHARDBROKER_VM_ID; the script prepares the session
# (create the account, start xrdp, ...) and prints where the user connects, as one JSON object.
set -eu
echo "starting session $SHARDBROKER_SESSION_ID for $SHARDBROKER_USER" >&2
printf '{"protocol": "rdp", "host": "%s", "port": 3389}\n' "$(hostname)"
