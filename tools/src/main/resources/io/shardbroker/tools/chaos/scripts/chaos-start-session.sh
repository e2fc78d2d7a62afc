#!/bin/sh
# The start script of a chaos run's real agent: the example start-session.sh beside it, plus the
# VM's own record, which the run checks at its end (RealAgents). The agent must never let this VM
# run more sessions than its capacity, and a restarted agent must know the sessions that still run;
# this script does not trust it: the starts on one VM take turns (a lock), and each first counts
# the sessions the VM already runs, the files in SESSIONS_DIR that list-sessions.sh lists.
# After a session has started, STARTS_LOG gets the line "<session id> <user> <sessions already there>".
set -eu
: "${SESSIONS_DIR:?SESSIONS_DIR must name the VM's session directory}"
: "${STARTS_LOG:?STARTS_LOG must name the file of the VM's starts}"
mkdir -p "$SESSIONS_DIR"
exec 9>>"$STARTS_LOG.lock"
flock 9
already=$(($(find "$SESSIONS_DIR" -maxdepth 1 -name '*.json' | wc -l)))
"$(dirname "$0")/start-session.sh"
echo "$SHARDBROKER_SESSION_ID $SHARDBROKER_USER $already" >> "$STARTS_LOG"
