#!/usr/bin/env bash
# Benchmarks POST /api/downloads against a fresh standalone picflow (see bench/README.md).
#
# usage: bench/run.sh [DownloadRequestBench options...]     e.g. bench/run.sh --requests 1000 --levels 32
#
# Environment knobs:
#   SKIP_BUILD=1           do not run ./mvnw -q -B -DskipTests install first (the jar must exist)
#   HEALTH_TIMEOUT=180     seconds to wait for GET /actuator/health to answer 200
#   STOP_TIMEOUT=60        seconds to wait for the service to stop after SIGTERM
#   SERVICE_JAVA_OPTS=...  extra JVM flags for the service (after -Xmx1g -Daxoniq.update-checker.disabled=true)
#   BENCH_JAVA_OPTS=...    JVM flags for the benchmark client
#   PG_JAR=path            the PostgreSQL JDBC driver jar (default: newest in the local Maven repository)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

JAR="standalone/target/picflow-standalone.jar"
SRC="bench/src/main/java/io/picflow/bench/DownloadRequestBench.java"
CLASSES="bench/target/classes"
CLASS_FILE="$CLASSES/io/picflow/bench/DownloadRequestBench.class"
RESULTS="bench/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULT_FILE="$RESULTS/downloads-$STAMP.md"
SERVICE_LOG="$RESULTS/downloads-$STAMP.service.log"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-180}"
STOP_TIMEOUT="${STOP_TIMEOUT:-60}"

SERVICE_PID=""
DATA_DIR=""

log() { printf '[run.sh] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

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
  if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DATA_DIR"; then
    log "not stopping pid $pid from $file: it does not look like this run's process"
    return 0
  fi
  log "stopping left-over child process $pid (from $file)"
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" 30 || kill -KILL "$pid" 2>/dev/null || true
}

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
  if (( rc != 0 )) && [[ -f "$SERVICE_LOG" ]]; then
    log "failed (exit $rc); last lines of the service log $SERVICE_LOG:"
    tail -n 40 "$SERVICE_LOG" >&2 || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v java >/dev/null || die "java is not on the PATH"
command -v curl >/dev/null || die "curl is not on the PATH"
command -v python3 >/dev/null || die "python3 is not on the PATH"

# 1. Build.
if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
  log "building: ./mvnw -q -B -DskipTests install"
  ./mvnw -q -B -DskipTests install
fi
[[ -f "$JAR" ]] || die "$JAR not found; build with ./mvnw -q -B -DskipTests install (or unset SKIP_BUILD)"

# 2. The benchmark client's classpath: its classes and the PostgreSQL driver.
if [[ -z "${PG_JAR:-}" ]]; then
  M2_REPO="${M2_REPO:-$HOME/.m2/repository}"
  PG_JAR="$(ls -1 "$M2_REPO"/org/postgresql/postgresql/*/postgresql-*.jar 2>/dev/null \
    | grep -E '/postgresql-[0-9][0-9.]*\.jar$' | sort -V | tail -n 1 || true)"
fi
[[ -n "${PG_JAR:-}" && -f "$PG_JAR" ]] || die "no PostgreSQL JDBC driver jar found (set PG_JAR)"
if [[ ! -f "$CLASS_FILE" || "$SRC" -nt "$CLASS_FILE" ]]; then
  # Normally compiled by the install above; this covers SKIP_BUILD=1 after an edit.
  log "compiling the benchmark client into $CLASSES"
  mkdir -p "$CLASSES"
  javac --release 17 -d "$CLASSES" -cp "$PG_JAR" "$SRC"
fi

# 3. Start the service on free ports with a fresh data directory.
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
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/picflow-bench.XXXXXX")"
mkdir -p "$RESULTS"
BASE_URL="http://127.0.0.1:$HTTP_PORT"

log "starting $JAR on $BASE_URL (PostgreSQL on 127.0.0.1:$PG_PORT, data in $DATA_DIR, log $SERVICE_LOG)"
# Unset what would point the service at external servers: the benchmark needs the embedded ones.
# shellcheck disable=SC2086
env -u PICFLOW_DB_URL -u SPRING_DATASOURCE_URL -u PICFLOW_ELASTICSEARCH_URL \
  PICFLOW_DATA_DIR="$DATA_DIR" PICFLOW_HTTP_PORT="$HTTP_PORT" PICFLOW_HTTP_ADDRESS=127.0.0.1 \
  PICFLOW_ALLOW_PRIVATE_ADDRESSES=true \
  java -Xmx1g -Daxoniq.update-checker.disabled=true -Ddisable-axoniq-console-message=true ${SERVICE_JAVA_OPTS:-} \
  -jar "$JAR" --picflow.embedded.postgres-port="$PG_PORT" \
  --picflow.downloads.max-requests-per-minute=100000000 --picflow.downloads.max-active-per-user=100000000 \
  >"$SERVICE_LOG" 2>&1 &
SERVICE_PID=$!

# 4. Wait for health 200 (it is 503 until Elasticsearch is ready).
log "waiting up to ${HEALTH_TIMEOUT}s for $BASE_URL/actuator/health to answer 200"
deadline=$((SECONDS + HEALTH_TIMEOUT))
status=""
while :; do
  kill -0 "$SERVICE_PID" 2>/dev/null || die "the service exited during start-up"
  status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE_URL/actuator/health" || true)"
  [[ "$status" == "200" ]] && break
  (( SECONDS < deadline )) || die "no 200 from /actuator/health within ${HEALTH_TIMEOUT}s (last status: ${status:-none})"
  sleep 1
done
log "service is up (${SECONDS}s since the script started)"

# The port PostgreSQL really listens on, as logged by EmbeddedPostgresServer.
logged_port="$(grep -o 'Embedded PostgreSQL listening on 127\.0\.0\.1:[0-9]*' "$SERVICE_LOG" | tail -n 1 | sed 's/.*://' || true)"
if [[ -n "$logged_port" && "$logged_port" != "$PG_PORT" ]]; then
  log "PostgreSQL logged port $logged_port (asked for $PG_PORT); using $logged_port"
  PG_PORT="$logged_port"
fi

# 5. Run the benchmark; the Markdown report goes to the terminal and to the results file.
log "running the benchmark; report: $RESULT_FILE"
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$CLASSES:$PG_JAR" io.picflow.bench.DownloadRequestBench \
  --base-url "$BASE_URL" \
  --jdbc-url "jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
  "$@" | tee "$RESULT_FILE"
log "report saved to $RESULT_FILE (service log: $SERVICE_LOG)"
