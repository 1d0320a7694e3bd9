#!/usr/bin/env bash
# Installs what is missing, builds, and runs the quickstart pipeline: this host's logs on
# standard output, and to Loki as well when LOKI_URL is set (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target sluice sluice_plugins
configs=(-c configs/quickstart.yaml)
if [ -n "${LOKI_URL:-}" ]; then
  configs+=(-c configs/quickstart-loki.yaml)
  echo "quickstart: shipping to $LOKI_URL as well" >&2
fi
exec build/bin/sluice run "${configs[@]}" "$@"
