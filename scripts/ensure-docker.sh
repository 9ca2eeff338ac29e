#!/bin/sh
# ensure-docker.sh: make sure a Docker engine is installed and answering.
# Idempotent: installs docker.io only if dockerd is missing, starts dockerd
# (in the background; there is no systemd here) only if `docker info` fails.
set -eu

log=/var/log/labd-dockerd.log
wait_seconds=60

say() { printf 'ensure-docker: %s\n' "$*"; }
die() { printf 'ensure-docker: error: %s\n' "$*" >&2; exit 1; }

engine_answers() {
	# Either docker CLI (Debian's 20.10 or a newer one in /usr/local/bin) will do.
	docker info >/dev/null 2>&1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it may install docker.io and start dockerd); try: sudo $0"

if command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then
	say "dockerd is installed ($(command -v dockerd))"
else
	say "installing docker.io with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q docker.io
fi

if engine_answers; then
	say "the Docker engine is running (server $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
	exit 0
fi

started=""
if pgrep -x dockerd >/dev/null 2>&1; then
	say "dockerd is running but not answering yet; waiting"
else
	say "starting dockerd in the background (log: $log)"
	nohup dockerd >"$log" 2>&1 &
	started=$!
fi

why="did not answer within ${wait_seconds}s"
i=0
while [ "$i" -lt "$wait_seconds" ]; do
	if engine_answers; then
		say "the Docker engine answers after ${i}s"
		exit 0
	fi
	if [ -n "$started" ] && ! kill -0 "$started" 2>/dev/null; then
		why="exited after ${i}s"
		break
	fi
	sleep 1
	i=$((i + 1))
done

printf 'ensure-docker: error: dockerd %s; the end of %s:\n' "$why" "$log" >&2
tail -n 25 "$log" >&2 2>/dev/null || true
exit 1
