#!/usr/bin/env bash
# Catch-up throughput of every query-side read model from an empty state (see bench/README.md,
# "Projections"): appends N realistic events (default 100,000) through the event storage engine, then
# starts a fresh query side and times each processing group to the head of the event store.
#
# usage: bench/projections.sh [N]
#
# It uses the test services (embedded PostgreSQL and the build's Elasticsearch, under
# query-side/target/test-services) and the query side's test classpath. SKIP_BUILD=1 skips the build.
set -euo pipefail
# shellcheck source=bench/query-side-bench.sh
source "$(dirname "$0")/query-side-bench.sh"
run_query_side_bench ProjectionCatchUpBench "Projection catch-up" projections "${1:-100000}"
