#!/usr/bin/env bash
# The service unit (deploy/systemd/sluice.service) as systemd itself reads it:
# `systemd-analyze verify` finds no error, and `systemd-analyze security` rates its exposure
# at most MAX (on systemd's 0-100 scale; 14, shown as 1.4, when this was written).
#
#   systemd_unit.sh SLUICE_BINARY MAX
set -euo pipefail
binary=${1:?usage: systemd_unit.sh SLUICE_BINARY MAX}
max=${2:?usage: systemd_unit.sh SLUICE_BINARY MAX}
unit="$(dirname "$0")/../../deploy/systemd/sluice.service"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# verify checks that ExecStart's program exists: the one just built stands in for
# /usr/bin/sluice.
sed "s|/usr/bin/sluice|$binary|" "$unit" > "$dir/sluice.service"
cd "$dir"
out=$(systemd-analyze verify ./sluice.service 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then
  echo "systemd-analyze verify complained:"
  echo "$out"
  exit 1
fi
systemd-analyze security --offline=yes --threshold="$max" ./sluice.service | tail -n 1
grep -q '^Type=notify$' sluice.service
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' sluice.service
