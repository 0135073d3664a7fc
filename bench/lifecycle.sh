#!/usr/bin/env bash
# Benchmarks whole downloads (POST to COMPLETED) against a fresh standalone picflow, next to curl and
# ImageMagick on the same machine (see bench/README.md, "Download lifecycle").
#
# usage: bench/lifecycle.sh [DownloadLifecycleBench options...]     e.g. bench/lifecycle.sh --scenarios network
#
# Environment knobs:
#   SKIP_BUILD=1           do not run ./mvnw -q -B -DskipTests install first (the jar must exist)
#   HEALTH_TIMEOUT=180     seconds to wait for GET /actuator/health to answer 200
#   STOP_TIMEOUT=60        seconds to wait for the service to stop after SIGTERM
#   APT_TIMEOUT=900        seconds each apt-get call may take (installing ImageMagick)
#   SERVICE_JAVA_OPTS=...  extra JVM flags for the service (after -Xmx384m -Daxoniq.update-checker.disabled=true)
#   MALLOC_ARENA_MAX=2     glibc malloc arenas of the service (default 2, as in production)
#   BENCH_JAVA_OPTS=...    JVM flags for the benchmark client
#   PG_JAR=path            the PostgreSQL JDBC driver jar (default: newest in the local Maven repository)
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh" # moves to the repository root; JAR, CLASSES, RESULTS, STAMP, timeouts

SRC_DIR="bench/src/main/java/io/picflow/bench"
SOURCES=("$SRC_DIR/DownloadLifecycleBench.java" "$SRC_DIR"/Lifecycle*.java "$SRC_DIR/BenchSupport.java"
  "$SRC_DIR/WorkMeter.java" "$SRC_DIR/InsertCeiling.java")
CLASS_FILE="$CLASSES/io/picflow/bench/DownloadLifecycleBench.class"
RESULT_FILE="$RESULTS/lifecycle-$STAMP.md"
SERVICE_LOG="$RESULTS/lifecycle-$STAMP.service.log"
APT_TIMEOUT="${APT_TIMEOUT:-900}"
# The documented production memory settings (README, "Memory"): a 384 MB heap is 3-4 times the live set under
# these loads, and two malloc arenas keep native allocations (zlib, ImageIO) from spreading over one arena per thread.
SERVICE_HEAP="-Xmx384m"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
CONVERT="/usr/bin/convert"
LOG_NAME="lifecycle.sh"

BENCH_TMP=""

# The client's image set, curl's copies and the thumbnails (the client deletes them itself unless killed).
cleanup_extra() {
  if [[ -n "$BENCH_TMP" && -d "$BENCH_TMP" ]]; then
    rm -rf -- "$BENCH_TMP"
  fi
}

install_cleanup
require_commands java javac curl xargs python3

# Does the run include the cpu scenario (the default: all)? Only it needs ImageMagick.
wants_cpu() {
  local scenarios="all" i args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
      --scenarios=*) scenarios="${args[i]#--scenarios=}" ;;
      --scenarios) (( i + 1 < ${#args[@]} )) && scenarios="${args[i + 1]}" ;;
    esac
  done
  [[ ",$scenarios," == *,cpu,* || ",$scenarios," == *,all,* ]]
}

# /usr/bin/convert is ImageMagick (a stand-in elsewhere on the PATH does not count).
is_imagemagick() {
  local version
  [[ -x "$CONVERT" ]] || return 1
  version="$("$CONVERT" -version 2>/dev/null || true)"
  grep -q ImageMagick <<<"$version"
}

apt_get() {
  local sudo=()
  if (( EUID != 0 )); then
    command -v sudo >/dev/null || die "installing ImageMagick needs root or sudo"
    sudo=(sudo)
  fi
  timeout "$APT_TIMEOUT" ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get "$@" >&2
}

# 1. Build.
build_if_needed

# 2. ImageMagick for the cpu scenario's baseline, before anything is measured.
if wants_cpu "$@" && ! is_imagemagick; then
  log "$CONVERT is missing or not ImageMagick: apt-get install -y imagemagick"
  if ! apt_get install -y imagemagick; then
    log "apt-get install failed; running apt-get update first"
    apt_get update
    apt_get install -y imagemagick
  fi
  is_imagemagick || die "$CONVERT is still not ImageMagick after apt-get install -y imagemagick"
fi
if wants_cpu "$@"; then
  im_version="$("$CONVERT" -version 2>/dev/null | head -n 1 || true)"
  log "ImageMagick: $im_version"
fi

# 3. The benchmark client's classes (the JDK and the PostgreSQL driver, for the units of work).
find_pg_jar
compile_client "$CLASS_FILE" "$PG_JAR" "${SOURCES[@]}"

# 4. Start the service on free ports with a fresh data directory.
pick_free_ports
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/picflow-lifecycle.XXXXXX")"
BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/picflow-lifecycle-client.XXXXXX")"
mkdir -p "$RESULTS"
BASE_URL="http://127.0.0.1:$HTTP_PORT"

log "starting $JAR ($SERVICE_HEAP) on $BASE_URL (PostgreSQL on 127.0.0.1:$PG_PORT, data in $DATA_DIR, log $SERVICE_LOG)"
# Also unset another storage directory: images must land under $DATA_DIR/images.
# Requests per minute: no limit in practice (at most 500 requests per user here), but each user's request window
# is a long[max-requests-per-minute] ring (RequestWindows): 100,000,000 was 800 MB per user, an OutOfMemoryError
# on every POST with -Xmx384m. 100,000 is 800 KB per user.
# The service counts its own transactions by source for the units of work (--metrics-url below).
start_service "$SERVICE_HEAP" PICFLOW_STORAGE_DIR \
  --picflow.downloads.global-concurrency=16 --picflow.downloads.per-host-concurrency=16 \
  --picflow.downloads.max-requests-per-minute=100000 --picflow.downloads.max-active-per-user=100000000 \
  --picflow.downloads.max-bytes=20000000 --picflow.diagnostics.count-transactions=true

# 5. Wait for health 200 (it is 503 until Elasticsearch is ready).
wait_healthy "$BASE_URL"
log "service is up (pid $SERVICE_PID, ${SECONDS}s since the script started)"
use_logged_pg_port

# 6. Run the benchmark; the Markdown report goes to the terminal and to the results file.
log "running the benchmark; report: $RESULT_FILE"
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -Djava.io.tmpdir="$BENCH_TMP" -cp "$CLASSES:$PG_JAR" io.picflow.bench.DownloadLifecycleBench \
  --base-url "$BASE_URL" \
  --jdbc-url "jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
  --service-pid "$SERVICE_PID" \
  --metrics-url "$BASE_URL/actuator/prometheus" \
  "$@" | tee "$RESULT_FILE"

# What the service stored: identical bytes are stored once, so the network and cpu scenarios share files.
if [[ -d "$DATA_DIR/images/images" ]]; then
  stored_files="$(find "$DATA_DIR/images/images" -type f ! -name '.staging-*' | wc -l)"
  stored_bytes="$(find "$DATA_DIR/images/images" -type f ! -name '.staging-*' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"
  # shellcheck disable=SC2016
  printf -- '- stored under $PICFLOW_DATA_DIR/images/images at the end: %s files, %s bytes\n' \
    "$stored_files" "$stored_bytes" | tee -a "$RESULT_FILE"
fi
log "report saved to $RESULT_FILE (service log: $SERVICE_LOG)"
