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
# shellcheck source=bench/query-side-bench.sh
source "$(dirname "$0")/query-side-bench.sh"
run_query_side_bench RebuildBench "Rebuilds" rebuild "${1:-1000000}"
