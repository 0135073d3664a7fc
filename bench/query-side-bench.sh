# shellcheck shell=bash
# Shared by bench/projections.sh and bench/rebuild.sh: source it after `set -euo pipefail`, then call
#   run_query_side_bench MAIN_CLASS "Report title" RESULT_PREFIX N
# It builds (unless SKIP_BUILD=1), compiles bench/projections/MAIN_CLASS.java with RealisticEvents.java and BenchContexts.java
# against the query side's test classpath, and runs MAIN_CLASS N from query-side/ (so that the test services,
# embedded PostgreSQL and the build's Elasticsearch, live under query-side/target/test-services). The report
# is printed and saved to bench/results/RESULT_PREFIX-<UTC timestamp>.md.

run_query_side_bench() {
  local main="$1" title="$2" prefix="$3" events="$4"
  local root classes results stamp result_file cp
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$root"
  results="bench/results"
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  classes="bench/target/projections-classes"
  mkdir -p "$results" "$classes"

  if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    ./mvnw -q -B -DskipTests install
  fi
  ./mvnw -q -B -pl query-side dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$root/$classes/classpath.txt" >&2
  cp="query-side/target/classes:$(cat "$classes/classpath.txt")"
  javac --release 17 -d "$classes" -cp "$cp" "bench/projections/$main.java" bench/projections/RealisticEvents.java \
    bench/projections/BenchContexts.java

  result_file="$results/$prefix-$stamp.md"
  {
    echo "# $title ($stamp, $(nproc) cores)"
    echo
  } | tee "$result_file"
  # shellcheck disable=SC2086
  (cd query-side && java ${BENCH_JAVA_OPTS:--Xmx1g} -Daxoniq.update-checker.disabled=true \
    -cp "$root/$classes:$root/query-side/target/classes:$(cat "$root/$classes/classpath.txt")" "$main" "$events") | tee -a "$result_file"
  echo "report saved to $result_file" >&2
}
