# shellcheck shell=bash
# Shared by bench/run.sh, bench/lifecycle.sh and bench/favorites.sh: source it (do not run it) right after `set -euo pipefail`.
#
# Sourcing it moves to the repository root and sets the paths and timeouts both scripts use. The script
# sets LOG_NAME (the prefix of its log lines) and SERVICE_LOG, then calls install_cleanup before it starts
# anything; it may redefine cleanup_extra for temporary files of its own.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

JAR="standalone/target/picflow-standalone.jar"
CLASSES="bench/target/classes"
RESULTS="bench/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-180}"
STOP_TIMEOUT="${STOP_TIMEOUT:-60}"

SERVICE_PID=""
DATA_DIR=""

log() { printf '[%s] %s\n' "$LOG_NAME" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Dies unless every command named is on the PATH.
require_commands() {
  local name
  for name in "$@"; do
    command -v "$name" >/dev/null || die "$name is not on the PATH"
  done
}

# Waits up to $2 seconds for pid $1 to end; returns non-zero if it is still running.
wait_gone() {
  local pid="$1" limit="$2" i
  for ((i = 0; i < limit * 4; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  ! kill -0 "$pid" 2>/dev/null
}

# Stops the process whose pid is on the first line of file $1 (a child the service left behind).
stop_pid_file() {
  local file="$1" pid
  [[ -f "$file" ]] || return 0
  pid="$(head -n 1 "$file" | tr -dc '0-9')"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  # Only a process that belongs to this run's data directory (a pid file can outlive its process).
  # Elasticsearch's server JVM gets its settings on stdin: its environment (ES_PATH_CONF) names the directory.
  if ! { tr '\0' ' ' <"/proc/$pid/cmdline"; tr '\0' ' ' <"/proc/$pid/environ"; } 2>/dev/null | grep -qF -- "$DATA_DIR"; then
    log "not stopping pid $pid from $file: it does not look like this run's process"
    return 0
  fi
  log "stopping left-over child process $pid (from $file)"
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" 30 || kill -KILL "$pid" 2>/dev/null || true
}

# Runs in cleanup after the data directory is gone; a script redefines it for temporary files of its own.
cleanup_extra() { :; }

cleanup() {
  local rc=$?
  trap - EXIT
  trap '' INT TERM # cleanup is bounded; let it finish
  if [[ -n "$SERVICE_PID" ]] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    log "stopping the service (pid $SERVICE_PID)"
    kill -TERM "$SERVICE_PID" 2>/dev/null || true
    if ! wait_gone "$SERVICE_PID" "$STOP_TIMEOUT"; then
      log "the service did not stop within ${STOP_TIMEOUT}s; killing it"
      kill -KILL "$SERVICE_PID" 2>/dev/null || true
      wait_gone "$SERVICE_PID" 10 || true
    fi
  fi
  if [[ -n "$SERVICE_PID" ]]; then
    wait "$SERVICE_PID" 2>/dev/null || true
  fi
  if [[ -n "$DATA_DIR" && -d "$DATA_DIR" ]]; then
    # Normally already stopped by the service's shutdown; these only matter after a SIGKILL.
    stop_pid_file "$DATA_DIR/postgres/postmaster.pid"
    stop_pid_file "$DATA_DIR/elasticsearch/elasticsearch.pid"
    rm -rf -- "$DATA_DIR"
  fi
  cleanup_extra
  if (( rc != 0 )) && [[ -f "$SERVICE_LOG" ]]; then
    log "failed (exit $rc); last lines of the service log $SERVICE_LOG:"
    tail -n 40 "$SERVICE_LOG" >&2 || true
  fi
  exit "$rc"
}

install_cleanup() {
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Builds everything unless SKIP_BUILD=1, and dies if the service jar is then missing.
build_if_needed() {
  if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    log "building: ./mvnw -q -B -DskipTests install"
    ./mvnw -q -B -DskipTests install
  fi
  [[ -f "$JAR" ]] || die "$JAR not found; build with ./mvnw -q -B -DskipTests install (or unset SKIP_BUILD)"
}

# Compiles the benchmark client into $CLASSES with javac if $1 (its main class file) is missing or older
# than one of the sources. $2: the classpath, empty for none (plain JDK); the rest: the sources.
compile_client() {
  local class_file="$1" classpath="$2" stale=0 src cp=()
  shift 2
  [[ -f "$class_file" ]] || stale=1
  for src in "$@"; do
    if [[ "$src" -nt "$class_file" ]]; then stale=1; fi
  done
  if (( stale )); then
    # Normally compiled by the install above; this covers SKIP_BUILD=1 after an edit.
    log "compiling the benchmark client into $CLASSES"
    mkdir -p "$CLASSES"
    if [[ -n "$classpath" ]]; then cp=(-cp "$classpath"); fi
    javac --release 17 -d "$CLASSES" ${cp[@]+"${cp[@]}"} "$@"
  fi
}

# Sets PG_JAR to the PostgreSQL JDBC driver (the benchmarks read the service's database counters with it):
# $PG_JAR if set, otherwise the newest in the local Maven repository; dies if there is none.
find_pg_jar() {
  if [[ -z "${PG_JAR:-}" ]]; then
    local m2_repo="${M2_REPO:-$HOME/.m2/repository}"
    PG_JAR="$(ls -1 "$m2_repo"/org/postgresql/postgresql/*/postgresql-*.jar 2>/dev/null \
      | grep -E '/postgresql-[0-9][0-9.]*\.jar$' | sort -V | tail -n 1 || true)"
  fi
  [[ -n "${PG_JAR:-}" && -f "$PG_JAR" ]] || die "no PostgreSQL JDBC driver jar found (set PG_JAR)"
}

# Sets PG_PORT to the port the embedded PostgreSQL logged (EmbeddedPostgresServer), if it differs from the one asked.
use_logged_pg_port() {
  local logged_port
  logged_port="$(grep -o 'Embedded PostgreSQL listening on 127\.0\.0\.1:[0-9]*' "$SERVICE_LOG" | tail -n 1 | sed 's/.*://' || true)"
  if [[ -n "$logged_port" && "$logged_port" != "$PG_PORT" ]]; then
    log "PostgreSQL logged port $logged_port (asked for $PG_PORT); using $logged_port"
    PG_PORT="$logged_port"
  fi
}

# Sets HTTP_PORT and PG_PORT to two free ports on 127.0.0.1.
pick_free_ports() {
  read -r HTTP_PORT PG_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks:
    s.close()
')
  [[ -n "${HTTP_PORT:-}" && -n "${PG_PORT:-}" ]] || die "could not pick free ports"
}

# Starts $JAR in the background on 127.0.0.1:$HTTP_PORT, with its embedded PostgreSQL on $PG_PORT and its
# data in $DATA_DIR, output to $SERVICE_LOG, and sets SERVICE_PID (env execs java, so it is the JVM's pid).
# Unsets what would point the service at external servers: the benchmarks need the embedded ones. Also the
# JWT secret and issuer: the benchmarks get dev tokens, which exist only with the secret the run generates.
# $1: the heap flag; $2: more environment variables to unset, space-separated ("" for none); the rest: extra
# arguments for the service.
start_service() {
  local heap="$1" more_unset="$2" name unset_args=()
  shift 2
  for name in PICFLOW_DB_URL SPRING_DATASOURCE_URL PICFLOW_ELASTICSEARCH_URL PICFLOW_JWT_SECRET PICFLOW_JWT_ISSUER $more_unset; do
    unset_args+=(-u "$name")
  done
  # shellcheck disable=SC2086
  env "${unset_args[@]}" \
    PICFLOW_DATA_DIR="$DATA_DIR" PICFLOW_HTTP_PORT="$HTTP_PORT" PICFLOW_HTTP_ADDRESS=127.0.0.1 \
    PICFLOW_ALLOW_PRIVATE_ADDRESSES=true \
    java "$heap" -Daxoniq.update-checker.disabled=true -Ddisable-axoniq-console-message=true ${SERVICE_JAVA_OPTS:-} \
    -jar "$JAR" --picflow.embedded.postgres-port="$PG_PORT" "$@" \
    >"$SERVICE_LOG" 2>&1 &
  SERVICE_PID=$!
}

# Waits for $1/actuator/health to answer 200 (it is 503 until Elasticsearch is ready); dies if the service
# exits first or HEALTH_TIMEOUT passes.
wait_healthy() {
  local base_url="$1" deadline status=""
  log "waiting up to ${HEALTH_TIMEOUT}s for $base_url/actuator/health to answer 200"
  deadline=$((SECONDS + HEALTH_TIMEOUT))
  while :; do
    kill -0 "$SERVICE_PID" 2>/dev/null || die "the service exited during start-up"
    status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base_url/actuator/health" || true)"
    [[ "$status" == "200" ]] && break
    (( SECONDS < deadline )) || die "no 200 from /actuator/health within ${HEALTH_TIMEOUT}s (last status: ${status:-none})"
    sleep 1
  done
}
