#!/bin/bash
# The image's HEALTHCHECK: /healthz of the API at SLUICE_API_LISTEN answers 200. bash's
# /dev/tcp, because the slim image has no HTTP client and needs none but this.
listen=${SLUICE_API_LISTEN:-127.0.0.1:9400}
host=${listen%:*}
port=${listen##*:}
case "$host" in 0.0.0.0 | "" | "[::]") host=127.0.0.1 ;; esac
host=${host#[}
host=${host%]}
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" >&3
IFS= read -r -t 5 status <&3 || exit 1
case "$status" in *" 200 "*) exit 0 ;; *) exit 1 ;; esac
