# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# What a test on the OVN lab (tests/ovn/lab.sh) starts with, sourced after
# BUILD is set: a lab of its own (PREFIX, NB and SB ports, beside one
# someone may have up by hand), a temporary directory, testlib.sh, and
# everything torn down on any exit: the lab, TMP, gnvtrace, the processes
# in PIDS, and what labtest_more_cleanup does when the test defines it.
#
#   labtest_init PREFIX NB_PORT SB_PORT
#   labtest_up     the lab up and its KEY=VALUE lines in the environment,
#                  or the test ends with one failure
#   underlay_filter NS DEV NAME, underlay_clear NS DEV   (below)
set -u
# No file a test writes may grow past 64 MiB, whatever goes wrong.
ulimit -f 131072

# shellcheck disable=SC2034 # the tests that source this use it
GNV=$BUILD/gnvtrace
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/testlib.sh
. "$HERE/../testlib.sh"

PIDS=()
labtest_cleanup() {
	local p
	for p in "${PIDS[@]}" ${GNV_PID:-}; do kill -9 "$p" 2>/dev/null; done
	"$HERE/lab.sh" down "$LAB" >/dev/null 2>&1
	declare -F labtest_more_cleanup >/dev/null && labtest_more_cleanup
	rm -rf "$LAB" "$TMP"
}

labtest_init() {
	export GNVLAB_PREFIX=$1 GNVLAB_NB_PORT=$2 GNVLAB_SB_PORT=$3
	LAB=$(mktemp -d "/tmp/$1.XXXXXX")
	TMP=$(mktemp -d)
	trap labtest_cleanup EXIT
	trap 'exit 130' INT TERM
}

# underlay_filter NS DEV NAME: tests/e2e/NAME.bpf.c (tc_drop: every
# packet, tc_loss: one in twenty) on DEV's egress, where it runs after
# gnvtrace's tcx program (this kernel has no netem); underlay_clear NS
# DEV takes it away.
underlay_filter() {
	ip netns exec "$1" tc qdisc add dev "$2" clsact &&
		ip netns exec "$1" tc filter add dev "$2" egress bpf da \
			obj "$BUILD/tests/$3.bpf.o" sec tc
}
underlay_clear() { ip netns exec "$1" tc qdisc del dev "$2" clsact; }

labtest_up() {
	if ! "$HERE/lab.sh" up "$LAB" >"$TMP/lab.env" 2>"$TMP/lab.err"; then
		fail "the OVN lab did not come up"
		tail -5 "$TMP/lab.err"
		finish
		exit 1
	fi
	# shellcheck disable=SC1091
	. "$TMP/lab.env"
	ok "the OVN lab is up ($(tail -1 "$TMP/lab.err" | sed 's/^lab: //'))"
}
