# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# What the shell test suites share: counting checks, the closing
# "N passed, N failed" line, and running gnvtrace in the background until
# it says it is tracing. Sourced by tests/e2e, tests/captures and tests/vm.

PASS=0
FAIL=0
GNV_PID=

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

need() { # need TOOL...: every one is there, or a failure saying which
	local t missing=
	for t in "$@"; do
		[ -x "$t" ] || command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -z "$missing" ] && return 0
	fail "missing:$missing (install them: this test skips nothing)"
	return 1
}

check() { # check NAME COMMAND...: 1 when it failed, for diagnostics after ||
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; return 1; fi
}

finish() { # the closing line, and the exit status
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

# start_gnvtrace NS IFACE OUTFILE ARGS...: $GNV in the background in
# namespace NS ("-": this one), once it says it is tracing, which it does
# after attaching. Waits up to GNV_ATTACH_WAIT seconds (the verifier takes
# long under emulation). Not through a function or subshell: $! must be
# gnvtrace itself (ip netns exec execs it), for the signals sent to it.
# With more interfaces (-i in ARGS), once it says so of each.
start_gnvtrace() {
	local ns=$1 ifname=$2 out=$3 a ifaces=1
	shift 3
	for a in "$@"; do [ "$a" = -i ] && ifaces=$((ifaces + 1)); done
	if [ "$ns" = - ]; then
		"$GNV" -i "$ifname" "$@" >"$out" 2>"$out.err" &
	else
		ip netns exec "$ns" "$GNV" -i "$ifname" "$@" >"$out" 2>"$out.err" &
	fi
	GNV_PID=$!
	for _ in $(seq $((${GNV_ATTACH_WAIT:-5} * 20))); do
		[ "$(grep -c "^gnvtrace: tracing " "$out.err" 2>/dev/null)" -ge $ifaces ] && return 0
		kill -0 "$GNV_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "  gnvtrace did not attach: $(cat "$out.err")"
	kill -9 "$GNV_PID" 2>/dev/null
	wait "$GNV_PID" 2>/dev/null
	GNV_PID=
	return 1
}

# wait_count N CMD...: until CMD prints a number of at least N, at most
# 3 s: what was sent may still sit in the receiving veth's queue when the
# sender returns. CMD may fail (grep -c finding nothing prints 0, exits 1).
wait_count() {
	local n=$1 v
	shift
	for _ in $(seq 60); do
		v=$("$@" 2>/dev/null)
		[ "${v:-0}" -ge "$n" ] 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

count_lines_of() { wc -l <"$1"; }

# wait_lines FILE N: until FILE has N lines.
wait_lines() { wait_count "$2" count_lines_of "$1"; }

# wait_bounded PID [SECONDS]: wait for a child, at most SECONDS (10); one
# still running then is killed, and the status is 124 as timeout(1)'s.
wait_bounded() {
	local pid=$1 i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "  pid $pid still running after ${2:-10}s: killed"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# veth_lab NS_A IF_A NS_B IF_B: two new namespaces without IPv6 (no
# autoconfiguration chatter on the wire) joined by a veth pair, up, with
# their loopbacks up.
veth_lab() {
	local ns
	ip netns add "$1" && ip netns add "$3" &&
	for ns in "$1" "$3"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 ||
			return 1
	done &&
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up &&
	ip -n "$1" link set lo up && ip -n "$3" link set lo up
}

stop_gnvtrace() { # SIGINT, as an operator's Ctrl-C; its exit status
	local rc
	kill -INT "$GNV_PID" 2>/dev/null
	wait_bounded "$GNV_PID"
	rc=$?
	GNV_PID=
	return $rc
}
