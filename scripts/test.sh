#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the whole suite on an optimised
# build and under AddressSanitizer + UndefinedBehaviorSanitizer, and the threading tests
# (queues, acknowledgements, backpressure, lifecycle) and the plugins' unit tests under
# ThreadSanitizer; then every fuzz target for a short while (tests/fuzz/run.sh) under ASan and
# UBSan. docker_source's tests start their own Docker engine (as root); where none can run
# they are skipped, loudly, unless SLUICE_REQUIRE_DOCKER is set (CI sets it).
# Pass preset names (default, asan, tsan, fuzz) to run only some of them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-tests

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(default asan tsan fuzz)

# Warnings are errors here, so that CI refuses them.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
for preset in "${presets[@]}"; do
  if [ "$preset" = fuzz ]; then
    # Each target over its seed corpus (every finding's reproducer) and what it finds anew in
    # SLUICE_FUZZ_SECONDS; long runs are the same script with more seconds.
    echo "=== fuzz: build and run"
    tests/fuzz/run.sh "${SLUICE_FUZZ_SECONDS:-20}"
    continue
  fi
  echo "=== ${preset}: build"
  cmake --preset "$preset" -DSLUICE_WERROR=ON >/dev/null
  cmake --build --preset "$preset"
  echo "=== ${preset}: test"
  if [ "$preset" = tsan ]; then
    # GCC 12's ThreadSanitizer cannot map its shadow memory under the address-space
    # randomisation of recent kernels, and fails at random; without it, it is reliable.
    setarch "$(uname -m)" -R ctest --preset "$preset" -j 2 --timeout 300
  elif [ "$preset" = asan ]; then
    # The optimised run holds docker_source's leak test for its full five minutes; under
    # the sanitizers a shorter one looks for what they find.
    SLUICE_DOCKER_LEAK_SECONDS=${SLUICE_DOCKER_LEAK_SECONDS:-90} \
      ctest --preset "$preset" -j 2 --timeout 900
  else
    ctest --preset "$preset" -j 2 --timeout 900
  fi
done
