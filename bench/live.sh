#!/usr/bin/env bash
# Append-to-frame latency of the WebSocket feed (see bench/README.md, "Live progress"), in two set-ups:
#   one    the standalone jar: the command side, the query side and /ws in one process;
#   split  a second process, the query side alone (query-side/target/picflow-query-side-exec.jar), serves /ws
#          from the same PostgreSQL: frames cross from one process to the other through the database.
#
# usage: bench/live.sh [LiveLatencyBench options...]      e.g. bench/live.sh --downloads 100 --concurrency 16
#
# Environment knobs: SKIP_BUILD=1, HEALTH_TIMEOUT=180, STOP_TIMEOUT=60, SERVICE_JAVA_OPTS, BENCH_JAVA_OPTS
# (as for bench/lifecycle.sh).
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh" # moves to the repository root; JAR, CLASSES, RESULTS, STAMP, timeouts

SRC_DIR="bench/src/main/java/io/picflow/bench"
SOURCES=("$SRC_DIR/LiveLatencyBench.java" "$SRC_DIR/BenchSupport.java")
CLASS_FILE="$CLASSES/io/picflow/bench/LiveLatencyBench.class"
QUERY_JAR="query-side/target/picflow-query-side-exec.jar"
RESULT_FILE="$RESULTS/live-$STAMP.md"
SERVICE_LOG="$RESULTS/live-$STAMP.service.log"
QUERY_LOG="$RESULTS/live-$STAMP.query-side.log"
LOG_NAME="live.sh"
QUERY_PID=""

# The second process of the split set-up.
cleanup_extra() {
  if [[ -n "$QUERY_PID" ]] && kill -0 "$QUERY_PID" 2>/dev/null; then
    kill -TERM "$QUERY_PID" 2>/dev/null || true
    wait_gone "$QUERY_PID" "$STOP_TIMEOUT" || kill -KILL "$QUERY_PID" 2>/dev/null || true
  fi
}

install_cleanup
require_commands java javac curl python3

build_if_needed
[[ -f "$QUERY_JAR" ]] || die "$QUERY_JAR not found"
compile_client "$CLASS_FILE" "" "${SOURCES[@]}"

pick_free_ports
ES_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
QUERY_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/picflow-live.XXXXXX")"
mkdir -p "$RESULTS"
BASE_URL="http://127.0.0.1:$HTTP_PORT"

log "starting $JAR on $BASE_URL (PostgreSQL on $PG_PORT, Elasticsearch on $ES_PORT, log $SERVICE_LOG)"
start_service "-Xmx512m" "PICFLOW_STORAGE_DIR" --picflow.embedded.elasticsearch-port="$ES_PORT"
wait_healthy "$BASE_URL"

log "starting the query side alone on 127.0.0.1:$QUERY_PORT (log $QUERY_LOG)"
env -u PICFLOW_STORAGE_DIR -u PICFLOW_JWT_ISSUER PICFLOW_DB_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" PICFLOW_DB_USER=postgres \
  PICFLOW_ELASTICSEARCH_URL="http://127.0.0.1:$ES_PORT" PICFLOW_JWT_SECRET="$(cat "$DATA_DIR/jwt-secret")" \
  PICFLOW_HTTP_PORT="$QUERY_PORT" PICFLOW_HTTP_ADDRESS=127.0.0.1 PICFLOW_DATA_DIR="$DATA_DIR" \
  java -Xmx256m -Daxoniq.update-checker.disabled=true -Ddisable-axoniq-console-message=true ${SERVICE_JAVA_OPTS:-} \
  -jar "$QUERY_JAR" >"$QUERY_LOG" 2>&1 &
QUERY_PID=$!
deadline=$((SECONDS + HEALTH_TIMEOUT))
until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$QUERY_PORT/actuator/health" || true)" == "200" ]]; do
  kill -0 "$QUERY_PID" 2>/dev/null || die "the query side exited during start-up (see $QUERY_LOG)"
  (( SECONDS < deadline )) || die "the query side did not become healthy within ${HEALTH_TIMEOUT}s"
  sleep 1
done

{
  echo "# Live progress: append-to-frame latency ($STAMP)"
  echo
  echo "- machine: $(nproc) cores; downloads trickled at 400 KB/s so that they report progress"
  echo "- one: POST and /ws on the standalone process; split: POST on the standalone, /ws on a second process"
  echo
} | tee "$RESULT_FILE"
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$CLASSES" io.picflow.bench.LiveLatencyBench --api-url "$BASE_URL" \
  --ws-url "ws://127.0.0.1:$HTTP_PORT" --label one "$@" | tee -a "$RESULT_FILE"
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$CLASSES" io.picflow.bench.LiveLatencyBench --api-url "$BASE_URL" \
  --ws-url "ws://127.0.0.1:$QUERY_PORT" --label split "$@" | tail -n +3 | tee -a "$RESULT_FILE"
log "report saved to $RESULT_FILE"
