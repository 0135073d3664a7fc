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

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh" # moves to the repository root; JAR, CLASSES, RESULTS, STAMP, timeouts

SRC_DIR="bench/src/main/java/io/picflow/bench"
SOURCES=("$SRC_DIR/DownloadRequestBench.java" "$SRC_DIR/ImageServer.java" "$SRC_DIR/BenchSupport.java"
  "$SRC_DIR/WorkMeter.java" "$SRC_DIR/InsertCeiling.java")
CLASS_FILE="$CLASSES/io/picflow/bench/DownloadRequestBench.class"
RESULT_FILE="$RESULTS/downloads-$STAMP.md"
SERVICE_LOG="$RESULTS/downloads-$STAMP.service.log"
LOG_NAME="run.sh"

install_cleanup
require_commands java curl python3

# 1. Build.
build_if_needed

# 2. The benchmark client's classpath: its classes and the PostgreSQL driver.
find_pg_jar
compile_client "$CLASS_FILE" "$PG_JAR" "${SOURCES[@]}"

# 3. Start the service on free ports with a fresh data directory.
pick_free_ports
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/picflow-bench.XXXXXX")"
mkdir -p "$RESULTS"
BASE_URL="http://127.0.0.1:$HTTP_PORT"

log "starting $JAR on $BASE_URL (PostgreSQL on 127.0.0.1:$PG_PORT, data in $DATA_DIR, log $SERVICE_LOG)"
# No limit in practice (16,000 requests/s); the per-minute rate is counted in PostgreSQL (RequestWindows).
# The benchmark's origin holds the fetches' answers while a level runs (--hold-fetches): a held fetch must not
# stall out (30 s by default) before the level ends.
# The service counts its own transactions by source for the units of work (--metrics-url below).
start_service -Xmx1g "" \
  --picflow.downloads.max-requests-per-minute=1000000 --picflow.downloads.max-active-per-user=100000000 \
  --picflow.downloads.stall-timeout=10m --picflow.diagnostics.count-transactions=true

# 4. Wait for health 200 (it is 503 until Elasticsearch is ready).
wait_healthy "$BASE_URL"
log "service is up (${SECONDS}s since the script started)"

use_logged_pg_port

# 5. Run the benchmark; the Markdown report goes to the terminal and to the results file.
log "running the benchmark; report: $RESULT_FILE"
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$CLASSES:$PG_JAR" io.picflow.bench.DownloadRequestBench \
  --base-url "$BASE_URL" \
  --jdbc-url "jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
  --service-pid "$SERVICE_PID" \
  --metrics-url "$BASE_URL/actuator/prometheus" \
  "$@" | tee "$RESULT_FILE"
log "report saved to $RESULT_FILE (service log: $SERVICE_LOG)"
