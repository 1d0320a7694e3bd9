#!/usr/bin/env bash
# Rewrites the settings table in each shipped plugin's README.md from what the plugin
# declares (`sluice describe NAME --format markdown`), after a setting was added or changed.
# A test fails while a README differs; run this on a built tree (the default preset) to bring
# them in line, then read the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
for readme in plugins/*/README.md; do
  name=$(basename "$(dirname "$readme")")
  plugins="$build/lib/sluice/plugins"
  [ -e "$plugins/$name.so" ] || continue
  table=$(mktemp)
  "$build/bin/sluice" describe "$name" --plugin-dir "$plugins" --format markdown >"$table"
  # The table is the first block of lines starting with '| key |' and its rows.
  awk -v table="$table" '
    !done && /^\| key \|/ { while ((getline line < table) > 0) print line; skipping = 1; next }
    skipping && /^\|/ { next }
    skipping { skipping = 0; done = 1 }
    { print }
  ' "$readme" >"$readme.new"
  mv "$readme.new" "$readme"
  rm -f "$table"
done
