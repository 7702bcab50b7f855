#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make check`: every test suite, each closing with "N passed, N failed";
# the totals close this run in the same form.
set -u
BUILD=${1:-build}
CAPS=${CAPTURES:-../shared/captures}
PY=/usr/bin/python3
total_pass=0
total_fail=0
failed_suites=()

if [ ! -d "$CAPS" ]; then
	echo "tests: the shared captures are missing at $CAPS (set CAPTURES=DIR)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "tests: the kernel and end-to-end tests need root" >&2
	exit 1
fi

run_suite() { # run_suite NAME COMMAND...
	local name=$1 line p f
	shift
	echo "== $name"
	"$@" 2>&1 | tee "$BUILD/test-$name.log" | grep -v '^ok ' | tail -40
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$BUILD/test-$name.log" | tail -1)
	if [ -z "$line" ]; then
		echo "$name: no result line (crashed?)"
		failed_suites+=("$name")
		total_fail=$((total_fail + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" -eq 0 ] || failed_suites+=("$name")
}

run_suite unit "$BUILD/tests/unit/test_parse"
run_suite metrics "$BUILD/tests/metrics/test_metrics"
run_suite promtool tests/metrics/check_promtool.sh "$BUILD"
run_suite ovn-names "$BUILD/tests/ovn/test_names"
run_suite ovn-zones tests/ovn/test_zones.sh "$BUILD"
"$BUILD/tools/gnv-pktgen" mix -n 20000 -o "$BUILD/mix20k.pcap" 2>/dev/null
"$BUILD/tools/gnv-pktgen" rtt "$BUILD/rtt.pcap"
run_suite split "$BUILD/tests/split/test_split" "$BUILD/mix20k.pcap" "$CAPS"
run_suite kern "$BUILD/tests/kern/test_kern" "$CAPS"
run_suite tshark "$PY" tests/captures/check_tshark.py "$BUILD/gnvtrace" "$CAPS"
run_suite filters "$PY" tests/captures/check_tshark.py --filters "$BUILD/gnvtrace" "$CAPS"
run_suite files tests/captures/test_files.sh "$BUILD" "$CAPS"
run_suite hist "$PY" tests/captures/check_hist.py "$BUILD/gnvtrace" "$BUILD/rtt.pcap" "$BUILD/mix20k.pcap"
run_suite fuzz tests/fuzz/run.sh "$BUILD" 200000
run_suite e2e tests/e2e/test_live.sh "$BUILD" "$CAPS"
run_suite prometheus tests/e2e/test_prometheus.sh "$BUILD"
run_suite ovn-lab tests/ovn/test_ovn_lab.sh "$BUILD"
run_suite ovn-ic-lab tests/ovn/test_ic_lab.sh "$BUILD"

[ ${#failed_suites[@]} -eq 0 ] || echo "failed suites: ${failed_suites[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
