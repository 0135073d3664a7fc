#!/usr/bin/env bash
# The social graph under load (see bench/README.md, "Favorites"): registrations and favorite commands at
# concurrency 32 across 10,000 users, then the time from the favorite that completes a mutual to the
# mutual on the query side.
#
# usage: bench/favorites.sh [FavoritesBench options...]      e.g. bench/favorites.sh --users 2000 --favorites 5000
#
# Environment knobs: SKIP_BUILD=1, HEALTH_TIMEOUT=180, STOP_TIMEOUT=60, SERVICE_JAVA_OPTS, BENCH_JAVA_OPTS, PG_JAR.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh" # moves to the repository root; JAR, CLASSES, RESULTS, STAMP, timeouts

SRC_DIR="bench/src/main/java/io/picflow/bench"
SOURCES=("$SRC_DIR/FavoritesBench.java" "$SRC_DIR/BenchSupport.java" "$SRC_DIR/WorkMeter.java" "$SRC_DIR/InsertCeiling.java")
CLASS_FILE="$CLASSES/io/picflow/bench/FavoritesBench.class"
RESULT_FILE="$RESULTS/favorites-$STAMP.md"
SERVICE_LOG="$RESULTS/favorites-$STAMP.service.log"
LOG_NAME="favorites.sh"

install_cleanup
require_commands java javac curl python3

build_if_needed
find_pg_jar # the units of work read the service's database counters
compile_client "$CLASS_FILE" "$PG_JAR" "${SOURCES[@]}"

pick_free_ports
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/picflow-favorites.XXXXXX")"
mkdir -p "$RESULTS"
BASE_URL="http://127.0.0.1:$HTTP_PORT"

log "starting $JAR on $BASE_URL (PostgreSQL on $PG_PORT, data in $DATA_DIR, log $SERVICE_LOG)"
# The service counts its own transactions by source for the units of work (--metrics-url below).
start_service "-Xmx1g" "" --picflow.diagnostics.count-transactions=true
wait_healthy "$BASE_URL"
use_logged_pg_port

log "running the benchmark; report: $RESULT_FILE"
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$CLASSES:$PG_JAR" io.picflow.bench.FavoritesBench --base-url "$BASE_URL" \
  --jwt-secret-file "$DATA_DIR/jwt-secret" --jdbc-url "jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
  --service-pid "$SERVICE_PID" --metrics-url "$BASE_URL/actuator/prometheus" "$@" | tee "$RESULT_FILE"
log "report saved to $RESULT_FILE (service log: $SERVICE_LOG)"
