#!/usr/bin/env bash
# Notifications end to end (see bench/README.md, "Notifications"): UserFavorited events appended straight into the
# event store, emailed at once to a real SMTP server (the client's own sink) and pushed to /ws?scope=notifications.
# Phase 1: 10,000 favorites among 2,000 users appended in one transaction (emails per second); phase 2: 100 per
# second for 30 s to 200 users with a socket open each (email and in-app latency from the source event).
#
# usage: bench/notifications.sh [NotificationsBench options...]      e.g. bench/notifications.sh --favorites 5000 --rate 50
#
# Environment knobs: SKIP_BUILD=1, HEALTH_TIMEOUT=180, STOP_TIMEOUT=60, SERVICE_JAVA_OPTS, BENCH_JAVA_OPTS, PG_JAR.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh" # moves to the repository root; JAR, CLASSES, RESULTS, STAMP, timeouts

SRC_DIR="bench/src/main/java/io/picflow/bench"
SOURCES=("$SRC_DIR/NotificationsBench.java" "$SRC_DIR/NotificationsDatabase.java" "$SRC_DIR/NotificationSockets.java"
  "$SRC_DIR/SmtpSink.java" "$SRC_DIR/FavoritesBench.java" "$SRC_DIR/BenchSupport.java" "$SRC_DIR/WorkMeter.java"
  "$SRC_DIR/InsertCeiling.java")
CLASS_FILE="$CLASSES/io/picflow/bench/NotificationsBench.class"
RESULT_FILE="$RESULTS/notifications-$STAMP.md"
SERVICE_LOG="$RESULTS/notifications-$STAMP.service.log"
LOG_NAME="notifications.sh"

# Sets SMTP_PORT to a free port on 127.0.0.1 other than HTTP_PORT and PG_PORT (call after pick_free_ports). The
# client's SMTP sink listens there; the service is told it at start and sends only once the client appends events.
pick_smtp_port() {
  SMTP_PORT="$(python3 -c '
import socket, sys
taken = set(sys.argv[1:])
for _ in range(20):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    if str(port) not in taken:
        print(port)
        break
' "$HTTP_PORT" "$PG_PORT")"
  [[ -n "${SMTP_PORT:-}" ]] || die "could not pick a free SMTP port"
}

install_cleanup
require_commands java javac curl python3

build_if_needed
find_pg_jar # the client appends the events and reads the deliveries through the service's database
compile_client "$CLASS_FILE" "$PG_JAR" "${SOURCES[@]}"

pick_free_ports
pick_smtp_port
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/picflow-notifications.XXXXXX")"
mkdir -p "$RESULTS"
BASE_URL="http://127.0.0.1:$HTTP_PORT"

log "starting $JAR on $BASE_URL (PostgreSQL on $PG_PORT, mail to 127.0.0.1:$SMTP_PORT, data in $DATA_DIR, log $SERVICE_LOG)"
# Mail goes to the client's sink: no embedded GreenMail, and no credentials from the environment (the sink offers no
# AUTH). The hourly cap stays at its default of 20: the client sends each recipient at most 15 per phase.
# The service counts its own transactions by source for the units of work (--metrics-url below).
start_service "-Xmx1g" "PICFLOW_MAIL_HOST PICFLOW_MAIL_PORT PICFLOW_MAIL_USERNAME PICFLOW_MAIL_PASSWORD SPRING_MAIL_USERNAME SPRING_MAIL_PASSWORD" \
  --picflow.diagnostics.count-transactions=true --spring.mail.host=127.0.0.1 --spring.mail.port="$SMTP_PORT"
wait_healthy "$BASE_URL"
use_logged_pg_port

log "running the benchmark; report: $RESULT_FILE"
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -cp "$CLASSES:$PG_JAR" io.picflow.bench.NotificationsBench --base-url "$BASE_URL" \
  --jwt-secret-file "$DATA_DIR/jwt-secret" --jdbc-url "jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" \
  --service-pid "$SERVICE_PID" --metrics-url "$BASE_URL/actuator/prometheus" --smtp-port "$SMTP_PORT" "$@" \
  | tee "$RESULT_FILE"
log "report saved to $RESULT_FILE (service log: $SERVICE_LOG)"
