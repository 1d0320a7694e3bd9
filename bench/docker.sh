#!/usr/bin/env bash
# docker_source's benchmark, against a private Docker engine (tests/plugins/docker_source/engine.sh; root):
#   steady: 50 containers, each printing 500 lines a second for 60 s (25,000 lines/s in all),
#           into blackhole_sink: Sluice's CPU seconds and share of one core, peak RSS and
#           threads, beside the daemon's own CPU seconds; and whether every line arrived.
#   many:   200 containers, each printing 50 lines a second (10,000 lines/s in all), with
#           docker_source's defaults: Sluice's CPU and peak RSS once all run, the worst delay
#           from a line's daemon timestamp to the sink, and whether every line arrived.
#   flood:  one container's log of 2,000,000 lines, written before Sluice starts: the rate
#           Sluice delivers it at, beside the rate `docker logs -f` alone reads it at (and
#           `docker logs` without -f, which reads the file and ends).
# Targets (issue 4): steady under 5% of one core, peak RSS under 64 MiB, threads constant,
# nothing lost; flood at least 90% of the `docker logs -f` rate. many (issue 26): every
# container followed at once, nothing lost.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-tests --with-bench
cmake --preset default >/dev/null
cmake --build --preset default --target sluice sluice_plugins >/dev/null

work=$(mktemp -d)
engine="$work/engine"
cleanup() {
  [ -z "${sluice_pid:-}" ] || kill "$sluice_pid" 2>/dev/null || true
  tests/plugins/docker_source/engine.sh stop "$engine" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
tests/plugins/docker_source/engine.sh start "$engine" >/dev/null
if [ ! -f "$engine/socket" ]; then
  echo "no Docker engine: $(cat "$engine/unavailable")"
  exit 1
fi
host=$(cat "$engine/socket")
dk() { docker -H "$host" "$@"; }
ticks=$(getconf CLK_TCK)
cpu_seconds() { awk -v t="$ticks" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
port=19480
# The value of the metric series that begins with $1, into VALUE (empty while Sluice is not
# up). No process is started for it: the flood is timed on a 2-core machine, where a curl
# every 50 ms would take a fifth of a core from the daemon and Sluice.
metric_now() {
  VALUE=""
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 0
  printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
  local body key=$1
  IFS= read -r -d '' -N 4000000 body <&3 || true
  exec 3<&-
  [[ $body == *$'\n'"$key"* ]] || return 0
  body=${body#*$'\n'"$key"}
  body=${body%%$'\n'*}
  VALUE=${body##* }
}
# The sink's count of records sent, into SENT.
sent_now() {
  metric_now 'sluice_component_sent_events_total{component_id="sink"'
  SENT=$VALUE
}
# A sleep without a process: a read that times out on a pipe nobody writes to.
exec {nap}<> <(:)
nap() { read -r -t "$1" -u "$nap" _ || true; }

run_sluice() {
  rm -rf "$work/data"
  cat >"$work/bench.yaml" <<YAML
data_dir: $work/data
api:
  listen: 127.0.0.1:$port
sources:
  docker:
    type: docker_source
    host: $host
sinks:
  sink:
    type: blackhole_sink
    inputs: [docker]
    report_interval: 1h
    measure_delay: true
YAML
  build/bin/sluice run -c "$work/bench.yaml" >/dev/null 2>"$work/sluice.log" &
  sluice_pid=$!
  for _ in $(seq 1 100); do sent_now; [ -n "$SENT" ] && return; sleep 0.1; done
  echo "sluice did not start: $(tail -3 "$work/sluice.log")"
  exit 1
}

stop_sluice() {
  kill -TERM "$sluice_pid"
  wait "$sluice_pid" || true
  sluice_pid=""
}

echo "steady: 50 containers x 500 lines/s for 60 s"
containers=50 rate=500 seconds=60
total=$((containers * rate * seconds))
run_sluice
dockerd_pid=$(cat "$engine/dockerd.pid")
for i in $(seq 1 "$containers"); do
  dk run -d --network none --name "steady$i" local/busybox sh -c \
    "i=0; while [ \$i -lt $((rate * seconds)) ]; do i=\$((i+1)); echo \"steady line \$i of a container printing at a steady rate\"; \
     if [ \$((i % 50)) -eq 0 ]; then usleep 100000; fi; done; sleep 3600" >/dev/null
done
# Measured once every container runs, over the minute that follows.
cpu0=$(cpu_seconds "$sluice_pid") dcpu0=$(cpu_seconds "$dockerd_pid") t0=$(date +%s.%N)
threads_min=100000 threads_max=0
for _ in $(seq 1 "$seconds"); do
  sleep 1
  n=$(ls "/proc/$sluice_pid/task" | wc -l)
  [ "$n" -lt "$threads_min" ] && threads_min=$n
  [ "$n" -gt "$threads_max" ] && threads_max=$n
done
cpu1=$(cpu_seconds "$sluice_pid") dcpu1=$(cpu_seconds "$dockerd_pid") t1=$(date +%s.%N)
for _ in $(seq 1 600); do sent_now; [ "$SENT" = "$total" ] && break; sleep 0.1; done
delivered=$SENT
rss=$(awk '/VmHWM/ {print $2}' "/proc/$sluice_pid/status")
stop_sluice
awk -v c0="$cpu0" -v c1="$cpu1" -v d0="$dcpu0" -v d1="$dcpu1" -v t0="$t0" -v t1="$t1" \
  -v rss="$rss" -v tmin="$threads_min" -v tmax="$threads_max" -v got="$delivered" -v want="$total" \
  'BEGIN {
    w = t1 - t0
    printf "  sluice: %.2f CPU s over %.1f s = %.2f%% of one core (target < 5%%)\n", c1 - c0, w, 100 * (c1 - c0) / w
    printf "  dockerd: %.2f CPU s = %.2f%% of one core\n", d1 - d0, 100 * (d1 - d0) / w
    printf "  sluice peak RSS: %.1f MiB (target < 64); threads %d to %d\n", rss / 1024, tmin, tmax
    printf "  lines delivered: %d of %d%s\n", got, want, got == want ? "" : "  LOST"
  }'
dk rm -f $(dk ps -aq) >/dev/null

echo
echo "many: 200 containers x 50 lines/s, docker_source's defaults"
containers=200 rate=50 seconds=180
total=$((containers * rate * seconds))
run_sluice
started=$(date +%s.%N)
# Four at a time: the daemon starts one in about half a second, and more at once gain little.
seq 1 "$containers" | xargs -P 4 -I{} docker -H "$host" run -d --network none --name "many{}" \
  local/busybox sh -c "i=0; while [ \$i -lt $((rate * seconds)) ]; do i=\$((i+1)); \
    echo \"many line \$i of a container among two hundred\"; \
    if [ \$((i % $rate)) -eq 0 ]; then usleep 1000000; fi; done; sleep 3600" >/dev/null
start_s=$(echo "$(date +%s.%N) - $started" | bc)
metric_now 'sluice_docker_streams_active'
active=$VALUE
metric_now 'sluice_docker_streams_waiting'
waiting=$VALUE
cpu0=$(cpu_seconds "$sluice_pid") t0=$(date +%s.%N)
sleep 60
cpu1=$(cpu_seconds "$sluice_pid") t1=$(date +%s.%N)
for _ in $(seq 1 3000); do sent_now; [ "$SENT" = "$total" ] && break; sleep 0.1; done
delivered=$SENT
metric_now 'sluice_blackhole_delay_max_seconds'
delay=$VALUE
rss=$(awk '/VmHWM/ {print $2}' "/proc/$sluice_pid/status")
stop_sluice
awk -v c0="$cpu0" -v c1="$cpu1" -v t0="$t0" -v t1="$t1" -v rss="$rss" -v got="$delivered" \
  -v want="$total" -v delay="$delay" -v active="$active" -v waiting="$waiting" -v st="$start_s" \
  'BEGIN {
    w = t1 - t0
    printf "  containers started in %.0f s; then %d streams open, %d waiting\n", st, active, waiting
    printf "  sluice: %.2f CPU s over %.1f s = %.2f%% of one core\n", c1 - c0, w, 100 * (c1 - c0) / w
    printf "  sluice peak RSS: %.1f MiB\n", rss / 1024
    printf "  worst delay from a line'"'"'s timestamp to the sink: %.2f s\n", delay
    printf "  lines delivered: %d of %d%s\n", got, want, got == want ? "" : "  LOST"
  }'
dk rm -f $(dk ps -aq) >/dev/null

echo
echo "flood: one container's 2,000,000 lines, already written"
lines=2000000
# It stays running (a stopped container is read only past a checkpoint), and says when it
# has written everything, so that both readers start on the whole log.
dk run -d --network none --name flood local/busybox sh -c \
  "yes 'a flood line of about sixty bytes, written as fast as it can go' | head -n $lines; \
   echo flood done; sleep 3600" >/dev/null
for _ in $(seq 1 1200); do
  [ "$(dk logs --tail 1 flood 2>/dev/null)" = "flood done" ] && break
  sleep 0.1
done
lines=$((lines + 1))
# docker logs without -f reads the file and ends; with -f (what Sluice asks the daemon for)
# it follows, so it is timed to its last line, "flood done".
start=$(date +%s.%N)
dk logs --timestamps flood >/dev/null 2>&1
plain_s=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
grep -m1 -q '^[^ ]* flood done$' < <(dk logs -f --timestamps flood 2>&1)
follow_s=$(echo "$(date +%s.%N) - $start" | bc)
kill $! 2>/dev/null || true
start=$(date +%s.%N)
run_sluice
for _ in $(seq 1 6000); do sent_now; [ "$SENT" = "$lines" ] && break; nap 0.05; done
sluice_s=$(echo "$(date +%s.%N) - $start" | bc)
delivered=$SENT
stop_sluice
awk -v n="$lines" -v fs="$follow_s" -v ps="$plain_s" -v ss="$sluice_s" -v got="$delivered" 'BEGIN {
  printf "  docker logs -f: %.2f s, %.0f lines/s\n", fs, n / fs
  printf "  docker logs:    %.2f s, %.0f lines/s (reads the file and ends, not following)\n", ps, n / ps
  printf "  sluice:         %.2f s, %.0f lines/s = %.0f%% of docker logs -f (target >= 90%%), %.0f%% of docker logs; %d delivered\n", ss, n / ss, 100 * fs / ss, 100 * ps / ss, got
}'
