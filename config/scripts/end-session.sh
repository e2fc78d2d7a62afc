#!/bin/sh
# Example end script for the exec session host: log the user off.
set -eu
echo "ending session $SHARDBROKER_SESSION_ID of $SHARDBROKER_USER" >&2
