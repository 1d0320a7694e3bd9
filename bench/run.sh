#!/usr/bin/env bash
# Builds the optimised preset and prints the benchmarks' figures.
#   bench/run.sh            the graph: demo_source -> filter -> blackhole_sink
# Each run is a fresh process, so peak RSS is that run's own.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target graph_throughput >/dev/null

echo "graph: demo_source -> filter (RE2, keeps all) -> blackhole_sink, batches of 1000"
printf "%10s  %6s  %12s  %9s  %7s  %7s  %8s\n" records bytes events/s MB/s wall_s cpu_s rss_MiB
build/bin/graph_throughput 10000000 100
build/bin/graph_throughput 2000000 1024
