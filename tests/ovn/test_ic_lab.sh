#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End to end on real OVN interconnection (tests/ovn/ic_lab.sh: two
# availability zones, each with its NB, SB, ovn-northd and ovn-ic, joined
# by the transit switch ts1, a gateway chassis each): gnvtrace on gw1's
# underlay names the cross-zone pings from both zones' Southbound DBs and
# the interconnection DB, live and offline, agrees with tshark on the keys,
# labels its histograms and metrics with both chassis, filters by names
# from any of the DBs, and follows a gateway renamed while it traces (the
# change travels az2's SB -> ovn-ic -> the IC SB -> az1's SB).
#
# Usage: test_ic_lab.sh BUILD_DIR
set -u
ulimit -f 131072

BUILD=$(cd "${1:-build}" && pwd)
# Names and ports of its own, beside a lab someone may have up by hand.
export GNVIC_PREFIX=gnvti GNVIC_ICNB_PORT=16681 GNVIC_ICSB_PORT=16682 \
	GNVIC_AZ1_NB_PORT=16683 GNVIC_AZ1_SB_PORT=16684 \
	GNVIC_AZ2_NB_PORT=16685 GNVIC_AZ2_SB_PORT=16686
GNV=$BUILD/gnvtrace
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=$(mktemp -d /tmp/gnvic.XXXXXX)
TMP=$(mktemp -d)

# shellcheck source=tests/testlib.sh
. "$HERE/../testlib.sh"

cleanup() {
	[ -n "${GNV_PID:-}" ] && kill -9 "$GNV_PID" 2>/dev/null
	"$HERE/ic_lab.sh" down "$LAB" >/dev/null 2>&1
	rm -rf "$LAB" "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

GNV_PID=

trace() { # trace OUT ARGS...: gnvtrace on gw1's underlay, in the background
	local out=$1
	shift
	start_gnvtrace "$AZ1_GW_NS" "$AZ1_UNDERLAY" "$out" "$@"
}

ping_across() { # ping_across COUNT: vm1 (az1) -> vm2 (az2)
	ip netns exec "$AZ1_VM_NS" ping -q -c "$1" -i 0.2 -W 1 "$AZ2_VM_IP" \
		>/dev/null
}

# fields FILE KEY...: the events' fields, one line each, sorted, unique
fields() {
	/usr/bin/python3 -c 'import json, sys
out = set()
for l in open(sys.argv[1]):
    e = json.loads(l)
    out.add(" ".join(str(e.get(k, "-")) for k in sys.argv[2:]))
print(";".join(sorted(out)))' "$@"
}

count() { grep -c . "$1"; }

ALL_DBS=()

test_both_zones() {
	local out="$TMP/all.json" want_out want_in
	trace "$out" "${ALL_DBS[@]}" -o json -w "$TMP/ic.pcap" icmp ||
		{ fail "both zones: gnvtrace did not start"; return; }
	ping_across 3
	sleep 0.3
	stop_gnvtrace
	want_out="out $TS_KEY ts1 az1 $AZ1_TS_LSP $AZ2_TS_LSP $GW1_HOST $GW2_HOST az1 az2"
	want_in="in $TS_KEY ts1 az2 $AZ2_TS_LSP $AZ1_TS_LSP $GW2_HOST $GW1_HOST az2 az1"
	check "both zones + ovn-ic: 6 events" test "$(count "$out")" -eq 6
	check "each way named from its sender's zone: ts1, its ports, the gateways, their zones" \
		test "$(fields "$out" dir vni datapath zone ovn_inport_name \
			ovn_outport_name outer_src_chassis outer_dst_chassis \
			outer_src_zone outer_dst_zone)" = "$want_in;$want_out" ||
		fields "$out" dir vni datapath zone ovn_inport_name \
			ovn_outport_name outer_src_chassis outer_dst_chassis \
			outer_src_zone outer_dst_zone
	check "the keys are the interconnection DB's" test \
		"$(fields "$out" dir ovn_inport ovn_outport)" = \
		"in $AZ2_TS_LSP_KEY $AZ1_TS_LSP_KEY;out $AZ1_TS_LSP_KEY $AZ2_TS_LSP_KEY"
	tshark -r "$TMP/ic.pcap" -T fields -e geneve.vni \
		-e geneve.option.unknown.data 2>/dev/null | tr '\t' ' ' |
		sort -u | paste -sd';' >"$TMP/tshark.keys"
	printf '0x%06x %04x%04x\n' "$TS_KEY" "$AZ1_TS_LSP_KEY" "$AZ2_TS_LSP_KEY" \
		"$TS_KEY" "$AZ2_TS_LSP_KEY" "$AZ1_TS_LSP_KEY" | sort -u |
		paste -sd';' >"$TMP/want.keys"
	check "tshark reads the same VNI and OVN option off the capture" \
		cmp -s "$TMP/tshark.keys" "$TMP/want.keys" ||
		cat "$TMP/tshark.keys" "$TMP/want.keys"
}

test_one_zone() {
	local out="$TMP/one.json"
	trace "$out" --ovn-sb "az1=$AZ1_SB" --ovn-ic-sb "$IC_SB" -o json icmp ||
		{ fail "one zone: gnvtrace did not start"; return; }
	ping_across 2
	sleep 0.3
	stop_gnvtrace
	check "az1 + ovn-ic: gw2 is az2's (the IC DB), its packets named from az1" \
		test "$(fields "$out" dir outer_src_chassis outer_src_zone zone datapath ovn_inport_name)" = \
		"in $GW2_HOST az2 az1 ts1 $AZ2_TS_LSP;out $GW1_HOST az1 az1 ts1 $AZ1_TS_LSP"
	out="$TMP/ic.json"
	trace "$out" --ovn-ic-sb "$IC_SB" -o json icmp ||
		{ fail "ovn-ic only: gnvtrace did not start"; return; }
	ping_across 2
	sleep 0.3
	stop_gnvtrace
	check "ovn-ic alone names the transit switch, its ports, the gateways" \
		test "$(fields "$out" dir datapath ovn_inport_name outer_src_chassis outer_src_zone)" = \
		"in ts1 $AZ2_TS_LSP $GW2_HOST az2;out ts1 $AZ1_TS_LSP $GW1_HOST az1"
}

test_offline() {
	local t z
	for z in AZ1 AZ2; do
		local db=${z}_SB
		for t in Datapath_Binding Port_Binding Multicast_Group Chassis Encap; do
			ovn-sbctl --db="${!db}" --format=json list "$t"
		done >"$TMP/${z,,}.names"
	done
	for t in Datapath_Binding Port_Binding Availability_Zone Gateway Encap; do
		ovn-ic-sbctl --db="$IC_SB" --format=json list "$t"
	done >"$TMP/ic.names"
	"$GNV" -r "$TMP/ic.pcap" "${ALL_DBS[@]}" -o json >"$TMP/off-live.json" 2>/dev/null
	"$GNV" -r "$TMP/ic.pcap" --ovn-names "az1=$TMP/az1.names" \
		--ovn-names "az2=$TMP/az2.names" --ovn-ic-names "$TMP/ic.names" \
		-o json >"$TMP/off-files.json" 2>/dev/null
	check "offline: the three dumps name as the three DBs do" \
		cmp -s "$TMP/off-live.json" "$TMP/off-files.json"
	check "offline: the capture's 6 packets, named" test \
		"$(count "$TMP/off-files.json")" -eq 6 -a \
		"$(grep -c '"datapath":"ts1"' "$TMP/off-files.json")" -eq 6
}

test_hist_metrics() {
	local out="$TMP/h.txt" lbl
	trace "$out" "${ALL_DBS[@]}" -q --hist all \
		--metrics-file "$TMP/ic.prom" icmp ||
		{ fail "hist: gnvtrace did not start"; return; }
	ping_across 3
	sleep 0.3
	stop_gnvtrace
	lbl="vni=\"$TS_KEY\",zone=\"az1\",datapath=\"ts1\",port=\"$AZ1_TS_LSP_KEY\",port_name=\"$AZ1_TS_LSP\",direction=\"out\",outer_src=\"$AZ1_ENCAP_IP\",outer_dst=\"$AZ2_ENCAP_IP\",outer_src_chassis=\"$GW1_HOST\",outer_dst_chassis=\"$GW2_HOST\",outer_src_zone=\"az1\",outer_dst_zone=\"az2\""
	check "metrics: the requests' series, both gateways and their zones as labels" grep -qx \
		"gnvtrace_port_packets_total{$lbl} 3" "$TMP/ic.prom"
	check "metrics: their round trips, across the zones" grep -qx \
		"gnvtrace_port_icmp_rtt_seconds_count{$lbl} 3" "$TMP/ic.prom"
	check "hist: the heading names ts1, the port and both gateways" grep -q \
		"^vni $TS_KEY (az1:ts1) port $AZ1_TS_LSP_KEY ($AZ1_TS_LSP) out $GW1_HOST($AZ1_ENCAP_IP) > $GW2_HOST($AZ2_ENCAP_IP): 3 packets" \
		"$out" || grep "^vni" "$out"
}

test_filters() {
	local out="$TMP/f.json"
	trace "$out" "${ALL_DBS[@]}" -o json inport "$AZ2_TS_LSP" ||
		{ fail "filter: gnvtrace did not start"; return; }
	ping_across 2
	sleep 0.3
	stop_gnvtrace
	check "filter inport $AZ2_TS_LSP (the zones and ovn-ic agree): the 2 replies" \
		test "$(count "$out")" -eq 2 -a "$(fields "$out" dir icmp_type)" = "in 0"
}

# A gateway renamed while tracing: az2's chassis gets another hostname,
# which ovn-ic carries into the IC SB and into az1's SB as the remote
# chassis. The filter names it before it exists.
test_rename_live() {
	local out="$TMP/r.json" new=$GNVIC_PREFIX-gw2-renamed
	trace "$out" "${ALL_DBS[@]}" -o json outer src chassis "$new" ||
		{ fail "rename: gnvtrace did not start"; return; }
	check "rename: the name is unknown at first" grep -q \
		"OVN has no $new (yet)" "$out.err" || cat "$out.err"
	ping_across 2
	ovs-vsctl --db="$AZ2_OVS_DB" set Open_vSwitch . \
		external_ids:hostname="$new"
	# Until the new name has gone all the way (az2's SB, ovn-ic, the IC
	# SB): ovn-controller recomputes on its chassis' change, and a ping
	# sent meanwhile may be lost.
	for _ in $(seq 100); do
		grep -q "names changed under the filter" "$out.err" &&
			[ "$(ic_gw_hostname)" = "$new" ] && break
		sleep 0.1
	done
	ping_across 2
	sleep 0.3
	stop_gnvtrace
	check "rename: the filter follows the DBs" grep -q \
		"OVN's names changed under the filter: updated" "$out.err"
	check "rename: only the replies after it match, named anew" test \
		"$(count "$out")" -eq 2 -a \
		"$(fields "$out" outer_src_chassis outer_src_zone icmp_type)" = "$new az2 0" ||
		cat "$out" "$out.err"
	check "rename: the interconnection DB has it too" test "$(ic_gw_hostname)" = "$new"
}

ic_gw_hostname() { # az2's gateway's hostname in the IC SB
	ovn-ic-sbctl --db="$IC_SB" --bare --columns=hostname find Gateway name="$AZ2_GW"
}

main() {
	for c in ovn-ic ovn-ic-sbctl ovn-northd ovs-vswitchd tshark; do
		command -v "$c" >/dev/null ||
			{ fail "$c is missing (tools/install-deps.sh --test)"; finish; exit 1; }
	done
	if ! "$HERE/ic_lab.sh" up "$LAB" >"$TMP/lab.env" 2>"$TMP/lab.err"; then
		fail "the ovn-ic lab did not come up"
		tail -5 "$TMP/lab.err"
		finish
		exit 1
	fi
	# shellcheck disable=SC1091
	. "$TMP/lab.env"
	GW1_HOST=$GNVIC_PREFIX-gw1	# external_ids:hostname of the chassis
	GW2_HOST=$GNVIC_PREFIX-gw2
	ALL_DBS=(--ovn-sb "az1=$AZ1_SB" --ovn-sb "az2=$AZ2_SB" --ovn-ic-sb "$IC_SB")
	ok "the ovn-ic lab is up ($(tail -1 "$TMP/lab.err" | sed 's/^iclab: //'))"
	test_both_zones
	test_one_zone
	test_offline
	test_hist_metrics
	test_filters
	test_rename_live
	"$HERE/ic_lab.sh" down "$LAB" >/dev/null 2>&1
	finish
}

main
