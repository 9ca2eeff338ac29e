# labd check helper library, sourced by every check, solution and setup
# block: `. /usr/local/lib/labd/check.sh || exit 2; <script>`.
# Each expect_* is silent on success; on failure it prints one plain
# sentence for the student and exits 1. Written by `labd sandbox-init`.

fail() {
	echo "$*"
	exit 1
}

pass() {
	echo "$*"
	exit 0
}

# _lab_name PATH [WHAT]: "WHAT (PATH)" when the author described it, else PATH.
_lab_name() { if [ -n "${2-}" ]; then echo "$2 ($1)"; else echo "$1"; fi; }

expect_file() {
	[ -e "$1" ] || fail "expected $(_lab_name "$1" "${2-}") to exist."
	[ -f "$1" ] || fail "expected $(_lab_name "$1" "${2-}") to be a regular file."
}

expect_dir() {
	[ -e "$1" ] || fail "expected $(_lab_name "$1" "${2-}") to exist."
	[ -d "$1" ] || fail "expected $(_lab_name "$1" "${2-}") to be a directory."
}

expect_executable() {
	[ -e "$1" ] || fail "expected $(_lab_name "$1" "${2-}") to exist."
	[ -f "$1" ] && [ -x "$1" ] || fail "expected $(_lab_name "$1" "${2-}") to be executable."
}

expect_contains() {
	[ -f "$1" ] || fail "expected $(_lab_name "$1" "${3-}") to exist."
	grep -qF -- "$2" "$1" || fail "expected $(_lab_name "$1" "${3-}") to contain \"$2\"."
}

expect_eq() {
	[ "$1" = "$2" ] || fail "expected ${3:-the value} to be $2, found ${1:-nothing}."
}

# expect_cmd WHAT -- CMD ARGS…: CMD must exit 0; its output is shown otherwise.
expect_cmd() {
	local what=$1
	shift
	if [ "${1-}" = "--" ]; then shift; fi
	[ $# -gt 0 ] || fail "expect_cmd: no command given for \"$what\" (a bug in this check)."
	local out rc
	out=$("$@" 2>&1) && rc=0 || rc=$?
	if [ $rc -ne 0 ]; then
		echo "expected $what (\`$*\` failed with exit status $rc)."
		[ -n "$out" ] && printf '%s\n' "$out" | tail -n 20
		exit 1
	fi
}

# expect_process PATTERN [WHAT]: like pgrep -f, but the check's own shell
# (whose command line contains PATTERN too) does not count.
expect_process() {
	local pid self
	self=$(tr '\0' ' ' </proc/$$/cmdline)
	for pid in $(pgrep -f -- "$1"); do
		[ "$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)" = "$self" ] && continue
		return 0
	done
	fail "expected ${2:-a process matching \"$1\"} to be running."
}

expect_container_running() {
	local state
	state=$(docker inspect --format '{{.State.Running}}' -- "$1" 2>/dev/null)
	case $state in
	true) ;;
	false) fail "expected container $1 to be running, but it is stopped." ;;
	*) fail "expected a container named $1 to be running, but there is none." ;;
	esac
}

expect_image() {
	docker image inspect -- "$1" >/dev/null 2>&1 || fail "expected the image $1 to exist (see \`docker images\`)."
}

# lab_wait_docker [SECONDS]: wait for the sandbox's Docker engine.
lab_wait_docker() {
	local limit=${1:-60} i=0
	while ! docker version >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt $((limit * 2)) ] || fail "the sandbox's Docker engine did not answer within ${limit}s."
		sleep 0.5
	done
	return 0
}

# lab_free_ports PORT...: for a lesson's setup. Stops (does not remove) the
# running containers that publish any of these host ports, so an earlier
# lesson's container does not make this lesson's `docker run -p` fail with
# "port is already allocated".
lab_free_ports() {
	local port id
	for port in "$@"; do
		for id in $(docker ps -q --filter "publish=$port"); do
			echo "stopping $(docker inspect --format '{{.Name}}' "$id" | tr -d /) (it holds port $port; docker start brings it back)"
			docker stop --time 3 "$id" >/dev/null
		done
	done
	return 0
}
