#!/usr/bin/env bash
# Builds the fuzz targets (the fuzz preset: clang and libFuzzer, under AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs each for SECONDS over its seed corpus, every finding's
# reproducer included. New inputs go to build-fuzz/corpus/TARGET, never into the tree; a crash
# leaves its input in build-fuzz/artifacts and fails the run.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (20 seconds, every target, by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in tests/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
passed=0
failed=0
mkdir -p build-fuzz/artifacts build-fuzz/logs
for target in "${targets[@]}"; do
  work="build-fuzz/corpus/$target"
  log="build-fuzz/logs/$target.log"
  mkdir -p "$work"
  if build-fuzz/bin/"$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=30 \
      -rss_limit_mb=4096 -artifact_prefix="build-fuzz/artifacts/$target-" \
      "$work" "tests/fuzz/corpus/$target" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    printf '%-26s %12s executions in %ss, %s inputs in its corpus: ok\n' "$target" "${runs:-?}" \
      "$seconds" "$(find "$work" -type f | wc -l)"
    passed=$((passed + 1))
  else
    echo "$target: FAILED; its log:"
    tail -60 "$log"
    failed=$((failed + 1))
  fi
done
echo "fuzz: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
