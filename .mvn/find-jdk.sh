# Sourced by ./mvnw, ./shardbroker and .ci/run (POSIX sh): makes JAVA_HOME point
# at a JDK 21 or newer, or stops with a message that says how to get one.
# Order: $JAVA_HOME, the `java` on PATH, then the newest JDK under /usr/lib/jvm.

shardbroker_java_major() {
  # Prints the feature version of the JDK at $1 ("17", "21", "25"), or nothing.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

shardbroker_find_jdk() {
  if [ -n "${JAVA_HOME-}" ]; then
    major=$(shardbroker_java_major "$JAVA_HOME")
    [ "${major:-0}" -ge 21 ] && return 0
    echo "shardbroker: JAVA_HOME=$JAVA_HOME is not a JDK 21+ (found version ${major:-none}); looking for another" >&2
  fi
  if command -v javac >/dev/null 2>&1; then
    home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    major=$(shardbroker_java_major "$home")
    if [ "${major:-0}" -ge 21 ]; then JAVA_HOME=$home; export JAVA_HOME; return 0; fi
  fi
  best=""; best_major=0
  globbing_was_off=""
  case $- in *f*) globbing_was_off=1; set +f;; esac  # mvnw runs with `set -f`
  for home in /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -d "$home" ] || continue
    major=$(shardbroker_java_major "$home")
    if [ "${major:-0}" -ge 21 ] && [ "${major:-0}" -gt "$best_major" ]; then best=$home; best_major=$major; fi
  done
  [ -z "$globbing_was_off" ] || set -f
  if [ -n "$best" ]; then JAVA_HOME=$best; export JAVA_HOME; return 0; fi
  echo "shardbroker: no JDK 21 or newer found (looked at JAVA_HOME, PATH and /usr/lib/jvm)." >&2
  echo "shardbroker: install one (for example Temurin 21 or 25) and set JAVA_HOME to it." >&2
  exit 1
}

shardbroker_find_jdk
