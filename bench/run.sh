#!/usr/bin/env bash
# Builds the optimised preset and prints the benchmarks' figures:
#   - the graph, demo_source -> filter -> blackhole_sink, for 100-byte and 1 KiB records;
#   - file_source over one file of 2 million lines, and over 100 files of 20,000 lines;
#   - kubernetes_logs over 2 million CRI lines, written whole and written in two pieces each;
#   - loki_sink shipping 2 million lines to a receiver, for 10 and for 1,000 streams;
#   - each processor plugin over 2 million 200-byte lines on one thread;
#   - where its CPU goes: the engine's share (graph, queues, acknowledgements, batches)
#     against the plugins' own work, from a perf profile of the 100-byte run.
# Each run is a fresh process, so peak RSS is that run's own.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-bench
cmake --preset default >/dev/null
cmake --build --preset default --target graph_throughput file_throughput loki_throughput \
  processor_throughput >/dev/null

echo "graph: demo_source -> filter (RE2, keeps all) -> blackhole_sink, batches of 1000"
printf "%10s  %6s  %12s  %9s  %7s  %7s  %8s\n" records bytes events/s MB/s wall_s cpu_s rss_MiB
for run in 1 2 3; do build/bin/graph_throughput 10000000 100; done
for run in 1 2 3; do build/bin/graph_throughput 2000000 1024; done

echo
echo "file_source -> blackhole_sink, ~200-byte lines read from the page cache"
printf "%-9s  %6s  %9s  %6s  %12s  %9s  %7s  %7s  %8s\n" layout files lines bytes lines/s MB/s wall_s cpu_s rss_MiB
for run in 1 2 3; do build/bin/file_throughput 1 2000000 200; done
for run in 1 2 3; do build/bin/file_throughput 100 20000 200; done

echo
echo "kubernetes_logs -> blackhole_sink, 200-byte CRI lines in the kubelet's layout: whole (F),"
echo "and each in two pieces (P, F) joined again; lines/s counts joined lines"
printf "%-9s  %6s  %9s  %6s  %12s  %9s  %7s  %7s  %8s\n" layout files lines bytes lines/s MB/s wall_s cpu_s rss_MiB
for run in 1 2 3; do build/bin/file_throughput 1 2000000 200 cri; done
for run in 1 2 3; do build/bin/file_throughput 1 2000000 200 cri_split; done
for run in 1 2 3; do build/bin/file_throughput 100 20000 200 cri; done

echo
echo "file_source -> loki_sink -> the test receiver (another process, which decodes and counts"
echo "every entry), 200-byte lines, one stream per file; CPU and RSS are Sluice's alone"
printf "%6s  %9s  %6s  %9s  %12s  %9s  %7s  %7s  %8s\n" files lines bytes encoding entries/s MB/s wall_s cpu_s rss_MiB
for run in 1 2 3; do build/bin/loki_throughput 10 200000 200; done
for run in 1 2 3; do build/bin/loki_throughput 1000 2000 200; done
for run in 1 2 3; do build/bin/loki_throughput 10 200000 200 json; done

echo
echo "processors on one thread, 2M 200-byte lines in batches of 1000 (the host's copy included)"
printf "%-17s %9s %6s %9s %12s %7s %7s\n" workload lines bytes out lines/s wall_s cpu_s
for workload in json regex regex_common relabel relabel_distinct; do
  for run in 1 2 3; do build/bin/processor_throughput "$workload" 2000000; done
done

# One profile varies by a few points from run to run (scheduling on few cores), so the
# engine's share is taken over five runs for each batch size, and the median reported.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for batch in 1000 4096; do
  echo
  echo "CPU profile of 4M 100-byte records in batches of $batch (perf cpu-clock samples, each"
  echo "charged to whose code caused it), the middle of five runs by the engine's share:"
  shares=()
  for run in 1 2 3 4 5; do
    if ! perf record -q -e cpu-clock -F 4000 --call-graph dwarf,16384 -o "$profile/perf.data" \
        build/bin/graph_throughput 4000000 100 "$batch" >/dev/null 2>"$profile/err"; then
      echo "  perf could not record here: $(tail -1 "$profile/err")"
      break
    fi
    perf script -i "$profile/perf.data" 2>/dev/null | awk -f bench/attribute.awk >"$profile/run$run"
    shares+=("$(awk '/engine/ {print $1+0}' "$profile/run$run") $run")
  done
  [ ${#shares[@]} -eq 5 ] || continue
  median=$(printf '%s\n' "${shares[@]}" | sort -n | sed -n 3p | cut -d' ' -f2)
  cat "$profile/run$median"
  echo "  engine share over the five runs: $(printf '%s\n' "${shares[@]}" | sort -n | cut -d' ' -f1 | tr '\n' ' ')"
done
