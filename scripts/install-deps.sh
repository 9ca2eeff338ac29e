#!/bin/sh
# install-deps.sh [debootstrap] [chromium]: install, with apt-get, only the
# host packages that are missing among those asked for (all when none given):
#   debootstrap  - builds the sandbox image's base root filesystem
#   chromium     - chromium + chromium-driver for the browser (e2e) tests
set -eu

say() { printf 'install-deps: %s\n' "$*"; }
die() { printf 'install-deps: error: %s\n' "$*" >&2; exit 1; }

[ "$#" -gt 0 ] || set -- debootstrap chromium

missing=""
need() { # need PACKAGE: queue PACKAGE unless dpkg says it is installed
	if dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; then
		say "$1 is installed"
	else
		missing="$missing $1"
	fi
}

for group in "$@"; do
	case "$group" in
	debootstrap) need debootstrap ;;
	chromium) need chromium; need chromium-driver ;;
	*) die "unknown group '$group' (known: debootstrap, chromium)" ;;
	esac
done

if [ -z "$missing" ]; then
	say "nothing to install"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "must run as root to install:$missing"
say "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # the package list is meant to split
apt-get install -y -q $missing
say "installed:$missing"
