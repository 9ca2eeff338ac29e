#!/bin/sh
# fetch-assets.sh installs the pinned front-end packages (package-lock.json)
# with npm and copies the files the browser needs into web/static/vendor/.
# Idempotent: npm ci is skipped while node_modules matches the lockfile, and
# files are copied only when they differ.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

stamp=node_modules/.labd-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
	echo "fetch-assets: npm ci (package-lock.json changed or node_modules missing)"
	npm ci --no-audit --no-fund
	cp package-lock.json "$stamp"
fi

vendor=web/static/vendor/xterm
mkdir -p "$vendor"

# copy SRC DST: only when the content differs, so timestamps stay stable.
copy() {
	if ! cmp -s "$1" "$2" 2>/dev/null; then
		cp "$1" "$2"
		echo "fetch-assets: $2"
	fi
}

copy node_modules/@xterm/xterm/lib/xterm.mjs "$vendor/xterm.mjs"
copy node_modules/@xterm/xterm/css/xterm.css "$vendor/xterm.css"
copy node_modules/@xterm/addon-fit/lib/addon-fit.mjs "$vendor/addon-fit.mjs"
copy node_modules/@xterm/xterm/LICENSE "$vendor/LICENSE"
