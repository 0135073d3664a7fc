#!/usr/bin/env bash
# One node against the local cluster (see bench/README.md): the same download and favorites load against a fresh
# standalone picflow and against scripts/cluster behind nginx, the live-progress latency across nodes, and the
# failover after kill -9 of a command node; with the cluster PostgreSQL's INSERT ceiling as the baseline.
#
# usage: bench/cluster.sh [ClusterBench options...]   e.g. bench/cluster.sh --downloads 500 --favorites 1000
#   --downloads 1000 --favorites 2000 --users 200 --concurrency 32 --live-samples 100 --in-flight 100
#
# Environment knobs: SKIP_BUILD=1 (use the jars as built), HEALTH_TIMEOUT, STOP_TIMEOUT, BENCH_JAVA_OPTS, PG_JAR,
# and the cluster's own (PICFLOW_CLUSTER_*, PICFLOW_CLAIM_TIMEOUT, ...: docs/operations.md, Running several nodes).
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

SRC_DIR="bench/src/main/java/io/picflow/bench"
SOURCES=("$SRC_DIR/ClusterBench.java" "$SRC_DIR/FavoritesBench.java" "$SRC_DIR/ImageServer.java" "$SRC_DIR/BenchSupport.java"
  "$SRC_DIR/WorkMeter.java" "$SRC_DIR/InsertCeiling.java")
CLASS_FILE="$CLASSES/io/picflow/bench/ClusterBench.class"
RESULT_FILE="$RESULTS/cluster-$STAMP.md"
SERVICE_LOG="$RESULTS/cluster-$STAMP.standalone.log"
LOG_NAME="cluster.sh"
export PICFLOW_CLUSTER_DIR="${PICFLOW_CLUSTER_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/picflow-bench-cluster.XXXXXX")}"
export PICFLOW_ALLOW_PRIVATE_ADDRESSES=true # the benchmark's image server is on 127.0.0.1
# The same per-user limits as bench/run.sh: the load is spread over users, but not thinly enough for the defaults.
export PICFLOW_DOWNLOADS_MAXREQUESTSPERMINUTE=1000000

cleanup_extra() {
  scripts/cluster stop >/dev/null 2>&1 || true
  rm -rf -- "$PICFLOW_CLUSTER_DIR"
}

install_cleanup
require_commands java curl python3
build_if_needed
find_pg_jar
compile_client "$CLASS_FILE" "$PG_JAR" "${SOURCES[@]}"
mkdir -p "$RESULTS"

# The standalone node: both sides in one JVM, its embedded PostgreSQL and Elasticsearch.
pick_free_ports
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/picflow-bench.XXXXXX")"
log "starting the standalone node on 127.0.0.1:$HTTP_PORT (log $SERVICE_LOG)"
start_service -Xmx1g "" --picflow.downloads.max-requests-per-minute=1000000
wait_healthy "http://127.0.0.1:$HTTP_PORT"
use_logged_pg_port

# The cluster: two command and two query JVMs of -Xmx384m each behind nginx.
log "starting the cluster in $PICFLOW_CLUSTER_DIR"
scripts/cluster start >&2
CLUSTER_PG_URL="$(sed -n 's/^url=//p' "$PICFLOW_CLUSTER_DIR/postgres.properties")"

log "running the benchmark; report: $RESULT_FILE"
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$CLASSES:$PG_JAR" io.picflow.bench.ClusterBench \
  --standalone-url "http://127.0.0.1:$HTTP_PORT" \
  --standalone-jdbc "jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
  --standalone-secret "$(cat "$DATA_DIR/jwt-secret")" \
  --cluster-url "http://127.0.0.1:${PICFLOW_CLUSTER_PORT:-8090}" \
  --cluster-jdbc "$CLUSTER_PG_URL" \
  --cluster-secret "$(cat "$PICFLOW_CLUSTER_DIR/jwt-secret")" \
  --cluster-dir "$PICFLOW_CLUSTER_DIR" \
  "$@" | tee "$RESULT_FILE"
log "report saved to $RESULT_FILE"
