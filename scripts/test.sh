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
    # randomisation of recent kernels, and fails at random; without it, it is far less
    # likely. It still fails now and then to allocate its own memory ("ThreadSanitizer
    # failed to allocate", ENOMEM with gigabytes free), a fault of the runtime and not a
    # finding: a run that failed only so has its failed tests run once more. A race report,
    # or any other failure, stands.
    log=$(mktemp)
    if ! setarch "$(uname -m)" -R ctest --preset "$preset" -j 2 --timeout 300 2>&1 | tee "$log"; then
      if grep -q "ThreadSanitizer failed to allocate" "$log" &&
        ! grep -q "WARNING: ThreadSanitizer" "$log"; then
        echo "=== tsan: the runtime failed to allocate; the failed tests once more"
        setarch "$(uname -m)" -R ctest --preset "$preset" --rerun-failed \
          --timeout 300 || { rm -f "$log"; exit 1; }
      else
        rm -f "$log"
        exit 1
      fi
    fi
    rm -f "$log"
  elif [ "$preset" = asan ]; then
    # docker_source's leak test runs for SLUICE_DOCKER_LEAK_SECONDS: two minutes here (120
    # rotations of 50 streams), 90 s under the sanitizers; bench/docker-soak.sh holds it for
    # an hour. LeakSanitizer's own tracer now and then crashes while it stops the process's
    # threads at exit ("Tracer caught signal 11 ... LeakSanitizer has encountered a fatal
    # error"), a fault of the runtime and not a finding: as for TSan above, a run that failed
    # only so has its failed tests run once more. A leak or an error report stands.
    log=$(mktemp)
    if ! SLUICE_DOCKER_LEAK_SECONDS=${SLUICE_DOCKER_LEAK_SECONDS:-90} \
      ctest --preset "$preset" -j 2 --timeout 900 2>&1 | tee "$log"; then
      if grep -q "LeakSanitizer has encountered a fatal error" "$log" &&
        ! grep -qE "ERROR: (AddressSanitizer|LeakSanitizer: detected)|runtime error:" "$log" &&
        [ "$(grep -c "(Failed)" "$log")" -eq "$(grep -c "LeakSanitizer has encountered a fatal error" "$log")" ]; then
        echo "=== asan: LeakSanitizer's tracer failed; the failed tests once more"
        SLUICE_DOCKER_LEAK_SECONDS=${SLUICE_DOCKER_LEAK_SECONDS:-90} \
          ctest --preset "$preset" --rerun-failed --timeout 900 || { rm -f "$log"; exit 1; }
      else
        rm -f "$log"
        exit 1
      fi
    fi
    rm -f "$log"
  else
    SLUICE_DOCKER_LEAK_SECONDS=${SLUICE_DOCKER_LEAK_SECONDS:-120} \
      ctest --preset "$preset" -j 2 --timeout 900
  fi
done
