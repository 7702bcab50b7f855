#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make check`: every test suite, each closing with "N passed, N failed";
# the totals close this run in the same form.
#
# Each suite says what it needs: root, the shared captures, and the
# commands it runs. As root (a full run: `make check` has installed every
# test package first) a suite whose needs are missing fails at once and
# names them. As another user the suites that need root are skipped, and
# so are those whose tools or captures are missing, each with its reason;
# the unit suites (parser, metrics, split reader) need none of it.
# Every suite runs under a time limit: a hang costs minutes, not the run.
set -u
BUILD=${1:-build}
CAPS=${CAPTURES:-../shared/captures}
PY=/usr/bin/python3
LIMIT=${GNV_SUITE_LIMIT:-900} # seconds any one suite may take
total_pass=0
total_fail=0
failed_suites=()
skipped=()
ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1
HAVE_CAPS=0
[ -d "$CAPS" ] && HAVE_CAPS=1

# missing NEEDS...: the needs not met, separated by commas. A need is
# "root", "captures", "pkg:NAME" (a Debian package) or a command.
missing() {
	local need out=()
	for need in "$@"; do
		case $need in
		root) [ $ROOT -eq 1 ] || out+=("root") ;;
		captures) [ $HAVE_CAPS -eq 1 ] || out+=("the shared captures at $CAPS (set CAPTURES=DIR)") ;;
		pkg:*) dpkg-query -W -f='${Status}' "${need#pkg:}" 2>/dev/null | grep -q 'ok installed' ||
			out+=("the package ${need#pkg:}") ;;
		*) command -v "$need" >/dev/null 2>&1 || out+=("$need") ;;
		esac
	done
	local IFS=,
	echo "${out[*]}" | sed 's/,/, /g'
}

# suite NAME "NEEDS..." COMMAND...
suite() {
	local name=$1 needs=$2 line p f rc lack
	shift 2
	echo "== $name"
	# shellcheck disable=SC2086 # needs are words
	lack=$(missing $needs)
	if [ -n "$lack" ]; then
		if [ $ROOT -eq 1 ]; then
			echo "$name: FAIL, missing: $lack (tools/install-deps.sh --test installs the test packages)"
			failed_suites+=("$name")
			total_fail=$((total_fail + 1))
		else
			echo "$name: skipped, needs $lack"
			skipped+=("$name (needs $lack)")
		fi
		return
	fi
	timeout -k 10 "$LIMIT" "$@" 2>&1 | tee "$BUILD/test-$name.log" | grep -v '^ok ' | tail -40
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 124 ] && echo "$name: stopped after ${LIMIT}s (GNV_SUITE_LIMIT)"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$BUILD/test-$name.log" | tail -1)
	if [ -z "$line" ] || [ "$rc" -eq 124 ]; then
		[ -z "$line" ] && echo "$name: no result line (exit status $rc)"
		failed_suites+=("$name")
		total_fail=$((total_fail + 1))
		[ -z "$line" ] && return
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" -eq 0 ] || [[ " ${failed_suites[*]} " == *" $name "* ]] || failed_suites+=("$name")
}

# The generated captures: no root, no packages.
"$BUILD/tools/gnv-pktgen" mix -n 20000 -o "$BUILD/mix20k.pcap" 2>/dev/null
"$BUILD/tools/gnv-pktgen" rtt "$BUILD/rtt.pcap"
"$BUILD/tools/gnv-pktgen" mtu "$BUILD/mtu.pcap"
"$BUILD/tools/gnv-pktgen" bfd "$BUILD/bfd.pcap"
split_caps=()
[ $HAVE_CAPS -eq 1 ] && split_caps=("$CAPS")

suite unit "" "$BUILD/tests/unit/test_parse"
suite unit-filter "" "$BUILD/tests/unit/test_filter"
suite unit-journey "" "$BUILD/tests/unit/test_journey"
suite unit-health "" "$BUILD/tests/unit/test_health"
# tcpdump's compiler as the oracle: 20000 random expressions, on the
# generated mix and, when there, the shared captures.
suite filter-oracle "" "$BUILD/tests/unit/test_filter_oracle" "$CAPS" 20000
suite metrics "" "$BUILD/tests/metrics/test_metrics"
suite split "" "$BUILD/tests/split/test_split" "$BUILD/mix20k.pcap" "$BUILD/bfd.pcap" "${split_caps[@]}"
suite install-deps "root" tests/pkg/test_install_deps.sh "$BUILD"
suite docs "man groff lexgrog" tests/pkg/test_docs.sh "$BUILD"
suite deb "root captures dpkg-buildpackage lintian systemd-analyze" tests/pkg/test_deb.sh "$BUILD" "$CAPS"
# After deb: it builds the image from the package that suite made.
suite image "root podman runc catatonit nsenter tcpreplay bpftool mmdebstrap" tests/pkg/test_image.sh "$BUILD"
suite promtool "promtool" tests/metrics/check_promtool.sh "$BUILD"
suite ovn-names "root ovsdb-server ovsdb-tool ovs-pki ovn-sbctl ovn-ic-sbctl" \
	"$BUILD/tests/ovn/test_names"
suite ovn-zones "root ovsdb-server ovsdb-tool ovn-sbctl ovn-ic-sbctl" tests/ovn/test_zones.sh "$BUILD"
suite echo-order "llvm-objdump" "$PY" tests/kern/check_echo_order.py "$BUILD/gnvtrace.bpf.o"
suite kern "root captures" "$BUILD/tests/kern/test_kern" "$CAPS"
# The instruction counter of the bench's notes, on the program as built.
suite insn-count "root bpftool" "$PY" tools/insn-count.py --check "$BUILD/gnvtrace"
suite tshark "root captures tshark tcpdump" "$PY" tests/captures/check_tshark.py "$BUILD/gnvtrace" "$CAPS"
suite filters "root captures tshark tcpdump" \
	"$PY" tests/captures/check_tshark.py --filters "$BUILD/gnvtrace" "$CAPS"
# tcpdump itself, on the inner frames gnv-decap writes; --kernel on the mix.
suite filter-tcpdump "root captures tcpdump" \
	"$PY" tests/captures/check_filter_tcpdump.py "$BUILD" "$CAPS" "$BUILD/mix20k.pcap" 40
suite files "root captures tshark tcpdump" tests/captures/test_files.sh "$BUILD" "$CAPS"
suite hist "root tshark" "$PY" tests/captures/check_hist.py "$BUILD/gnvtrace" "$BUILD/rtt.pcap" "$BUILD/mtu.pcap" "$BUILD/mix20k.pcap"
suite fuzz "pkg:libclang-rt-14-dev" tests/fuzz/run.sh "$BUILD" 200000
suite e2e "root captures tcpreplay tcpdump tshark bpftool setpriv" tests/e2e/test_live.sh "$BUILD" "$CAPS"
suite prometheus "root prometheus promtool tcpreplay" tests/e2e/test_prometheus.sh "$BUILD"
suite ovn-lab "root ovn-northd ovn-controller ovs-vswitchd ovsdb-server ovn-nbctl tshark tcpdump ping ethtool" \
	tests/ovn/test_ovn_lab.sh "$BUILD"
suite ovn-journeys "root ovn-northd ovn-controller ovs-vswitchd ovsdb-server ovn-nbctl ping ethtool tc promtool" \
	tests/ovn/test_journeys.sh "$BUILD"
suite ovn-health "root ovn-northd ovn-controller ovs-vswitchd ovsdb-server ovn-nbctl ping ethtool tshark tc promtool" \
	tests/ovn/test_health.sh "$BUILD"
suite ovn-ic-lab "root ovn-ic ovn-northd ovn-controller ovs-vswitchd ovn-ic-nbctl tshark ping ethtool" \
	tests/ovn/test_ic_lab.sh "$BUILD"

[ ${#skipped[@]} -eq 0 ] || printf 'skipped: %s\n' "${skipped[@]}"
[ ${#failed_suites[@]} -eq 0 ] || echo "failed suites: ${failed_suites[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
