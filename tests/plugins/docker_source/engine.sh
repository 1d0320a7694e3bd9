#!/usr/bin/env bash
# A private Docker engine for docker_source's tests: its own data root, exec root and socket
# under DIR, no network set-up, and a tiny busybox image imported from the host's
# busybox-static (no registry is reachable).
#
#   engine.sh start DIR   starts it (or reports why it cannot) and imports local/busybox
#   engine.sh restart DIR stops the daemon alone (live-restore keeps the containers running)
#                         and starts it again
#   engine.sh stop DIR    removes every container, stops the daemon, removes DIR's state
#
# start writes DIR/socket (the daemon's address) on success, DIR/unavailable (the reason)
# when no engine can run here. It needs root.
set -uo pipefail
cmd=${1:?usage: engine.sh start|stop DIR}
dir=${2:?usage: engine.sh start|stop DIR}
dir=$(realpath -m "$dir")
sock="$dir/docker.sock"
docker_cli() { docker -H "unix://$sock" "$@"; }

unavailable() {
  echo "$*" > "$dir/unavailable"
  echo "engine.sh: no Docker engine: $*" >&2
  exit 0
}

start() {
  mkdir -p "$dir"
  rm -f "$dir/socket" "$dir/unavailable"
  [ "$(id -u)" -eq 0 ] || unavailable "the tests' Docker engine needs root"
  command -v dockerd >/dev/null || unavailable "dockerd is not installed (Debian package docker.io)"
  command -v docker >/dev/null || unavailable "the docker client is not installed"
  [ -x /bin/busybox ] || unavailable "/bin/busybox is missing (Debian package busybox-static)"
  # The engine is started where it can be stopped again: its own pid file, state, socket.
  dockerd --iptables=false --ip-forward=false --bridge=none --storage-driver=vfs \
    --live-restore --data-root "$dir/root" --exec-root "$dir/exec" \
    --pidfile "$dir/dockerd.pid" -H "unix://$sock" >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 120); do
    if docker_cli version >/dev/null 2>&1; then break; fi
    if ! kill -0 $! 2>/dev/null; then
      unavailable "dockerd exited: $(tail -n 3 "$dir/dockerd.log" | tr '\n' ' ')"
    fi
    sleep 0.25
  done
  docker_cli version >/dev/null 2>&1 || unavailable "dockerd did not answer within 30 s"
  if ! docker_cli image inspect local/busybox:latest >/dev/null 2>&1; then
    local rootfs="$dir/rootfs"
    rm -rf "$rootfs"
    mkdir -p "$rootfs/bin" "$rootfs/tmp"
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in $("$rootfs/bin/busybox" --list); do
      [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
    done
    tar -C "$rootfs" -c . | docker_cli import - local/busybox:latest >/dev/null ||
      unavailable "docker import of the busybox image failed"
    rm -rf "$rootfs"
  fi
  echo "unix://$sock" > "$dir/socket"
}

stop_daemon() {
  if [ -f "$dir/dockerd.pid" ]; then
    pid=$(cat "$dir/dockerd.pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null
  fi
}

stop() {
  if [ -S "$sock" ]; then
    ids=$(docker_cli ps -aq 2>/dev/null)
    [ -z "$ids" ] || docker_cli rm -f $ids >/dev/null 2>&1
  fi
  stop_daemon
  # containerd-shim processes outlive a daemon started with live-restore.
  pkill -f "containerd-shim.*$dir/" 2>/dev/null
  # vfs layers are plain directories, but each container has its own shm mount and more.
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf "$dir/root" "$dir/exec" "$dir/socket"
}

case "$cmd" in
  start) start ;;
  restart) stop_daemon; start ;;
  stop) stop ;;
  *) echo "usage: engine.sh start|stop DIR" >&2; exit 2 ;;
esac
