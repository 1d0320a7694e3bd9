#!/usr/bin/env bash
# Installs, from Debian's packages only, what building and testing Sluice needs.
# Idempotent: when every package is present it does nothing (no apt-get update either).
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config git
  libboost-dev libboost-filesystem-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev prometheus-cpp-dev
  libre2-dev libsimdjson-dev catch2
  libprotobuf-dev protobuf-compiler libsnappy-dev libssl-dev zlib1g-dev libsystemd-dev
)
# Only the test suite needs these: promtool checks the /metrics output and the alert rules,
# systemd-analyze the service unit; the package is checked by lintian and installed into a
# root that debootstrap makes; docker_source's tests start their own Docker engine, with an image made from
# busybox-static; file_source's follow logrotate; loki_sink's TLS tests make their
# certificates with openssl.
# clang and its runtime bring libFuzzer, for the fuzz targets (tests/fuzz).
test_packages=(prometheus systemd debootstrap lintian docker.io busybox-static logrotate openssl clang libclang-rt-14-dev)
# Only making the Debian packages (cpack) needs these: dpkg-shlibdeps (dpkg-dev) and file
# find the libraries the package depends on. The tests make the packages too.
packaging_packages=(dpkg-dev file)
# Only the benchmarks need these: perf for the profile, curl and bc for the docker figures.
bench_packages=(linux-perf curl bc)

want=("${packages[@]}")
for arg in "$@"; do
  case "$arg" in
    --with-tests) want+=("${test_packages[@]}" "${packaging_packages[@]}") ;;
    --with-packaging) want+=("${packaging_packages[@]}") ;;
    --with-bench) want+=("${bench_packages[@]}") ;;
    *)
      echo "install-deps: unknown option $arg (use --with-tests, --with-packaging, --with-bench)" >&2
      exit 2
      ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
