#!/usr/bin/env bash
# Rebuild throughput of every rebuildable read model on a large store (see bench/README.md, "Rebuilds"):
# appends N realistic events (default 1,000,000) through the event storage engine, then rebuilds each
# read model through the rebuild service (as POST /api/admin/projections/{name}/rebuild does) and prints
# events/s for each; also times the event browser's queries on that store.
#
# usage: bench/rebuild.sh [N]
#
# It uses the test services (embedded PostgreSQL and the build's Elasticsearch, under
# query-side/target/test-services) and the query side's test classpath. SKIP_BUILD=1 skips the build.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
RESULTS="bench/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
CLASSES="bench/target/projections-classes"
mkdir -p "$RESULTS" "$CLASSES"

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
  ./mvnw -q -B -DskipTests install
fi
./mvnw -q -B -pl query-side dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$ROOT/$CLASSES/classpath.txt" >&2
CP="query-side/target/classes:$(cat "$CLASSES/classpath.txt")"
javac --release 17 -d "$CLASSES" -cp "$CP" bench/projections/RebuildBench.java bench/projections/RealisticEvents.java

RESULT_FILE="$RESULTS/rebuild-$STAMP.md"
{
  echo "# Rebuilds ($STAMP, $(nproc) cores)"
  echo
} | tee "$RESULT_FILE"
# Run from query-side so that the test services live under query-side/target/test-services.
# shellcheck disable=SC2086
(cd query-side && java ${BENCH_JAVA_OPTS:--Xmx1g} -Daxoniq.update-checker.disabled=true -cp "$ROOT/$CLASSES:$ROOT/query-side/target/classes:$(cat "$ROOT/$CLASSES/classpath.txt")" \
  RebuildBench "${1:-1000000}") | tee -a "$RESULT_FILE"
echo "report saved to $RESULT_FILE" >&2
