#!/usr/bin/env bash
# Push and SMS (issue 19; see bench/README.md, "Push and SMS"): UserFavorited events appended straight into the event
# store become notifications pushed through FCM HTTP v1 to every device of their recipient, or texted through a
# Twilio-shaped API; both providers are the client's own servers on 127.0.0.1, answering after 50 ms.
# 1. 10,000 push deliveries from events appended at once (deliveries per second);
# 2. SMS alone at a steady rate, 3 runs; 3. the same while the FCM server fails every second call, 3 runs (medians).
#
# usage: bench/push.sh [PushBench options...]      e.g. bench/push.sh --pushes 5000 --sms 1000 --repeats 1
#
# Environment knobs: SKIP_BUILD=1, HEALTH_TIMEOUT=180, STOP_TIMEOUT=60, SERVICE_JAVA_OPTS, BENCH_JAVA_OPTS, PG_JAR.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh" # moves to the repository root; JAR, CLASSES, RESULTS, STAMP, timeouts

SRC_DIR="bench/src/main/java/io/picflow/bench"
SOURCES=("$SRC_DIR/PushBench.java" "$SRC_DIR/PushDatabase.java" "$SRC_DIR/ProviderSink.java" "$SRC_DIR/FcmCredentials.java"
  "$SRC_DIR/NotificationsBench.java" "$SRC_DIR/NotificationsDatabase.java" "$SRC_DIR/NotificationSockets.java"
  "$SRC_DIR/SmtpSink.java" "$SRC_DIR/FavoritesBench.java" "$SRC_DIR/BenchSupport.java" "$SRC_DIR/WorkMeter.java"
  "$SRC_DIR/InsertCeiling.java")
CLASS_FILE="$CLASSES/io/picflow/bench/PushBench.class"
RESULT_FILE="$RESULTS/push-$STAMP.md"
SERVICE_LOG="$RESULTS/push-$STAMP.service.log"
LOG_NAME="push.sh"
FCM_PROJECT="picflow-bench"
SMS_ACCOUNT_SID="ACbench00000000000000000000000000"
CREDENTIALS_FILE=""

cleanup_extra() {
  if [[ -n "$CREDENTIALS_FILE" ]]; then rm -f -- "$CREDENTIALS_FILE"; fi
}

# Sets FCM_PORT and SMS_PORT to two more free ports on 127.0.0.1 (call after pick_free_ports). The client's providers
# listen there; the service is told them at start and calls them only once the client appends events.
pick_provider_ports() {
  read -r FCM_PORT SMS_PORT < <(python3 -c '
import socket, sys
taken = set(sys.argv[1:])
ports = []
for _ in range(40):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    if str(port) not in taken and port not in ports:
        ports.append(port)
    if len(ports) == 2:
        break
print(*ports)
' "$HTTP_PORT" "$PG_PORT")
  [[ -n "${FCM_PORT:-}" && -n "${SMS_PORT:-}" ]] || die "could not pick free provider ports"
}

install_cleanup
require_commands java javac curl python3

build_if_needed
find_pg_jar # the client appends the events and reads the deliveries through the service's database
compile_client "$CLASS_FILE" "$PG_JAR" "${SOURCES[@]}"

pick_free_ports
pick_provider_ports
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/picflow-push.XXXXXX")"
CREDENTIALS_FILE="$(mktemp "${TMPDIR:-/tmp}/picflow-push-fcm.XXXXXX.json")"
mkdir -p "$RESULTS"
BASE_URL="http://127.0.0.1:$HTTP_PORT"

# A service account of its own, with a fresh RSA key, whose token_uri is the client's FCM server.
java -cp "$CLASSES" io.picflow.bench.FcmCredentials --file "$CREDENTIALS_FILE" \
  --token-uri "http://127.0.0.1:$FCM_PORT/token" --project-id "$FCM_PROJECT"

log "starting $JAR on $BASE_URL (PostgreSQL on $PG_PORT, FCM at 127.0.0.1:$FCM_PORT, SMS at 127.0.0.1:$SMS_PORT, data in $DATA_DIR, log $SERVICE_LOG)"
# The daily SMS cap (default 5) is raised out of the way: the client texts each SMS user about 30 times.
start_service "-Xmx1g" "" \
  --picflow.diagnostics.count-transactions=true \
  --picflow.notifications.fcm.base-url="http://127.0.0.1:$FCM_PORT" \
  --picflow.notifications.fcm.project-id="$FCM_PROJECT" \
  --picflow.notifications.fcm.credentials-file="$CREDENTIALS_FILE" \
  --picflow.notifications.sms.base-url="http://127.0.0.1:$SMS_PORT" \
  --picflow.notifications.sms.account-sid="$SMS_ACCOUNT_SID" \
  --picflow.notifications.sms.auth-token=bench-auth-token \
  --picflow.notifications.sms.from=+15005550006 \
  --picflow.notifications.sms.daily-cap=1000000
wait_healthy "$BASE_URL"
use_logged_pg_port

log "running the benchmark; report: $RESULT_FILE"
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$CLASSES:$PG_JAR" io.picflow.bench.PushBench --base-url "$BASE_URL" \
  --jwt-secret-file "$DATA_DIR/jwt-secret" --jdbc-url "jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
  --service-pid "$SERVICE_PID" --metrics-url "$BASE_URL/actuator/prometheus" \
  --fcm-port "$FCM_PORT" --sms-port "$SMS_PORT" --fcm-project "$FCM_PROJECT" --sms-account-sid "$SMS_ACCOUNT_SID" "$@" \
  | tee "$RESULT_FILE"
log "report saved to $RESULT_FILE (service log: $SERVICE_LOG)"
