#!/bin/bash
# The image's HEALTHCHECK: GET PATH (default /healthz) on the port of
# $EVEXTRACT_HTTP, with bash's /dev/tcp, so the image needs no HTTP client.
# Exit 0 on "200", 1 otherwise (or after 3 s).
path="${1:-/healthz}"
addr="${EVEXTRACT_HTTP:-127.0.0.1:8080}"
port="${addr##*:}"
host="${addr%:*}"
case "$host" in
"" | 0.0.0.0 | "[::]" | "*") host=127.0.0.1 ;;
"["*"]") host="${host#[}"; host="${host%]}" ;;
esac
[ -n "$port" ] || exit 1
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$path" >&3
IFS= read -r -t 3 status <&3 || exit 1
case "$status" in
"HTTP/1."?" 200"*) exit 0 ;;
*) exit 1 ;;
esac
