#!/bin/sh
# Example end script for the exec session host: log the user off.
set -eu
SESSIONS_DIR=${SESSIONS_DIR:-/tmp/shardbroker-sessions}
echo "ending session $SHARDBROKER_SESSION_ID of $SHARDBROKER_USER" >&2
rm -f "$SESSIONS_DIR/$SHARDBROKER_SESSION_ID.json"
