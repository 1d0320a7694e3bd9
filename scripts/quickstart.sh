#!/usr/bin/env bash
# Installs what is missing, builds, and runs the quickstart pipeline (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target sluice sluice_plugins
exec build/bin/sluice run -c configs/quickstart.yaml "$@"
