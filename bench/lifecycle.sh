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
#   SERVICE_JAVA_OPTS=...  extra JVM flags for the service (after -Xmx512m -Daxoniq.update-checker.disabled=true)
#   BENCH_JAVA_OPTS=...    JVM flags for the benchmark client
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

JAR="standalone/target/picflow-standalone.jar"
SRC_DIR="bench/src/main/java/io/picflow/bench"
SOURCES=("$SRC_DIR/DownloadLifecycleBench.java" "$SRC_DIR"/Lifecycle*.java)
CLASSES="bench/target/classes"
CLASS_FILE="$CLASSES/io/picflow/bench/DownloadLifecycleBench.class"
RESULTS="bench/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULT_FILE="$RESULTS/lifecycle-$STAMP.md"
SERVICE_LOG="$RESULTS/lifecycle-$STAMP.service.log"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-180}"
STOP_TIMEOUT="${STOP_TIMEOUT:-60}"
APT_TIMEOUT="${APT_TIMEOUT:-900}"
SERVICE_HEAP="-Xmx512m"
CONVERT="/usr/bin/convert"

SERVICE_PID=""
DATA_DIR=""
BENCH_TMP=""

log() { printf '[lifecycle.sh] %s\n' "$*" >&2; }
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
  # The client's image set, curl's copies and the thumbnails (the client deletes them itself unless killed).
  if [[ -n "$BENCH_TMP" && -d "$BENCH_TMP" ]]; then
    rm -rf -- "$BENCH_TMP"
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
command -v javac >/dev/null || die "javac is not on the PATH"
command -v curl >/dev/null || die "curl is not on the PATH"
command -v xargs >/dev/null || die "xargs is not on the PATH"
command -v python3 >/dev/null || die "python3 is not on the PATH"

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
if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
  log "building: ./mvnw -q -B -DskipTests install"
  ./mvnw -q -B -DskipTests install
fi
[[ -f "$JAR" ]] || die "$JAR not found; build with ./mvnw -q -B -DskipTests install (or unset SKIP_BUILD)"

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

# 3. The benchmark client's classes (plain JDK: no dependencies).
stale=0
[[ -f "$CLASS_FILE" ]] || stale=1
for src in "${SOURCES[@]}"; do
  if [[ "$src" -nt "$CLASS_FILE" ]]; then stale=1; fi
done
if (( stale )); then
  # Normally compiled by the install above; this covers SKIP_BUILD=1 after an edit.
  log "compiling the benchmark client into $CLASSES"
  mkdir -p "$CLASSES"
  javac --release 17 -d "$CLASSES" "${SOURCES[@]}"
fi

# 4. Start the service on free ports with a fresh data directory.
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
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/picflow-lifecycle.XXXXXX")"
BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/picflow-lifecycle-client.XXXXXX")"
mkdir -p "$RESULTS"
BASE_URL="http://127.0.0.1:$HTTP_PORT"

log "starting $JAR ($SERVICE_HEAP) on $BASE_URL (PostgreSQL on 127.0.0.1:$PG_PORT, data in $DATA_DIR, log $SERVICE_LOG)"
# Unset what would point the service at external servers or another storage directory: the benchmark
# needs the embedded ones, with images under $DATA_DIR/images. env execs java, so $! is the JVM's pid.
# shellcheck disable=SC2086
env -u PICFLOW_DB_URL -u SPRING_DATASOURCE_URL -u PICFLOW_ELASTICSEARCH_URL -u PICFLOW_STORAGE_DIR \
  PICFLOW_DATA_DIR="$DATA_DIR" PICFLOW_HTTP_PORT="$HTTP_PORT" PICFLOW_HTTP_ADDRESS=127.0.0.1 \
  PICFLOW_ALLOW_PRIVATE_ADDRESSES=true \
  java "$SERVICE_HEAP" -Daxoniq.update-checker.disabled=true -Ddisable-axoniq-console-message=true ${SERVICE_JAVA_OPTS:-} \
  -jar "$JAR" --picflow.embedded.postgres-port="$PG_PORT" \
  --picflow.downloads.global-concurrency=16 --picflow.downloads.per-host-concurrency=16 \
  --picflow.downloads.max-requests-per-minute=100000000 --picflow.downloads.max-active-per-user=100000000 \
  --picflow.downloads.max-bytes=20000000 \
  >"$SERVICE_LOG" 2>&1 &
SERVICE_PID=$!

# 5. Wait for health 200 (it is 503 until Elasticsearch is ready).
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
log "service is up (pid $SERVICE_PID, ${SECONDS}s since the script started)"

# 6. Run the benchmark; the Markdown report goes to the terminal and to the results file.
log "running the benchmark; report: $RESULT_FILE"
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -Djava.io.tmpdir="$BENCH_TMP" -cp "$CLASSES" io.picflow.bench.DownloadLifecycleBench \
  --base-url "$BASE_URL" \
  --service-pid "$SERVICE_PID" \
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
