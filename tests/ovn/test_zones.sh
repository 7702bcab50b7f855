#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Two availability zones, each a real ovsdb-server with OVN's Southbound
# schema, populated with ovsdb-client transact: the same VNI (5) is a
# different network in each, and a transit switch (VNI 7, as ovn-ic
# assigns it) is the same in both. gnvtrace with one --ovn-sb per zone
# names each packet in the zone of the chassis that sent it, live from the
# DBs and from ovn-sbctl's JSON per zone, and resolves filter names across
# zones only where they agree. The frames are gnv-pktgen's demo: compute-0
# (172.17.2.119, fd00:172:17::119) pings compute-1 (.143, ::143).
#
# Usage: test_zones.sh BUILD_DIR
set -u

BUILD=$(cd "${1:-build}" && pwd)
GNV=$BUILD/gnvtrace
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/gnvzones.XXXXXX)
SCHEMA=/usr/share/ovn/ovn-sb.ovsschema

# shellcheck source=tests/testlib.sh
. "$HERE/../testlib.sh"

cleanup() {
	for z in az1 az2; do
		[ -f "$TMP/$z.pid" ] && kill "$(cat "$TMP/$z.pid")" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_db() { # start_db ZONE
	ovsdb-tool create "$TMP/$1.db" "$SCHEMA" &&
	ovsdb-server "$TMP/$1.db" --remote="punix:$TMP/$1.sock" \
		--pidfile="$TMP/$1.pid" --unixctl="$TMP/$1.ctl" \
		--log-file="$TMP/$1.log" --detach --no-chdir 2>/dev/null
}

# Rows as ovsdb-client transact takes them.
dp() { # dp ID KEY NAME
	printf '{"op":"insert","table":"Datapath_Binding","uuid-name":"%s","row":{"tunnel_key":%s,"external_ids":["map",[["name","%s"]]]}},' "$1" "$2" "$3"
}
pb() { # pb DP_ID KEY LOGICAL_PORT
	printf '{"op":"insert","table":"Port_Binding","row":{"datapath":["named-uuid","%s"],"tunnel_key":%s,"logical_port":"%s"}},' "$1" "$2" "$3"
}
chassis() { # chassis NAME IPV4 IPV6
	printf '{"op":"insert","table":"Encap","uuid-name":"e4","row":{"type":"geneve","ip":"%s","chassis_name":"%s"}},' "$2" "$1"
	printf '{"op":"insert","table":"Encap","uuid-name":"e6","row":{"type":"geneve","ip":"%s","chassis_name":"%s"}},' "$3" "$1"
	printf '{"op":"insert","table":"Chassis","row":{"name":"%s","hostname":"%s","encaps":["set",[["named-uuid","e4"],["named-uuid","e6"]]]}}' "$1" "$1"
}

populate() { # populate ZONE ROWS
	ovsdb-client transact "unix:$TMP/$1.sock" \
		"[\"OVN_Southbound\",$2]" >"$TMP/$1.transact" 2>&1 &&
	! grep -q '"error"' "$TMP/$1.transact"
}

names_file() { # names_file ZONE: ovn-sbctl's JSON lists of the zone's DB
	local t
	for t in Datapath_Binding Port_Binding Multicast_Group Chassis Encap; do
		ovn-sbctl --db="unix:$TMP/$1.sock" --format=json list "$t"
	done >"$TMP/$1.json"
}

# field FILE N KEY: the KEY of the N-th JSON line (from 1)
field() {
	/usr/bin/python3 -c 'import json, sys
e = json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2]) - 1])
print(e.get(sys.argv[3], "-"))' "$@"
}

main() {
	local zones=(--ovn-sb "az1=unix:$TMP/az1.sock" --ovn-sb "az2=unix:$TMP/az2.sock")

	for c in ovsdb-tool ovsdb-server ovsdb-client ovn-sbctl; do
		command -v "$c" >/dev/null ||
			{ fail "$c is missing (tools/install-deps.sh --test)"; finish; exit 1; }
	done
	[ -f "$SCHEMA" ] || { fail "$SCHEMA is missing (ovn-common)"; finish; exit 1; }
	"$BUILD/tools/gnv-pktgen" demo "$TMP/demo.pcap"
	check "two Southbound DBs up" start_db az1
	check "two Southbound DBs up" start_db az2
	check "az1: net-a on VNI 5, the transit switch ts1 on 7, compute-0" \
		populate az1 "$(dp a 5 net-a; pb a 1 a-vm1; pb a 3 a-vm2-remote
			dp t 7 ts1; pb t 2 ts1-az1; pb t 4 ts1-az2
			pb a 9 shared
			chassis compute-0 172.17.2.119 fd00:172:17::119)"
	check "az2: net-b on VNI 5, the same ts1, compute-1" \
		populate az2 "$(dp b 5 net-b; pb b 1 b-vm9; pb b 3 b-vm2
			dp t 7 ts1; pb t 2 ts1-az1; pb t 4 ts1-az2
			pb b 8 shared
			chassis compute-1 172.17.2.143 fd00:172:17::143)"

	"$GNV" -r "$TMP/demo.pcap" "${zones[@]}" -o json >"$TMP/live.json" \
		2>"$TMP/live.err"
	check "request from compute-0: named in az1" test \
		"$(field "$TMP/live.json" 1 zone) $(field "$TMP/live.json" 1 datapath) $(field "$TMP/live.json" 1 ovn_inport_name) $(field "$TMP/live.json" 1 ovn_outport_name)" \
		= "az1 net-a a-vm1 a-vm2-remote"
	check "reply from compute-1: the same VNI named in az2" test \
		"$(field "$TMP/live.json" 2 zone) $(field "$TMP/live.json" 2 datapath) $(field "$TMP/live.json" 2 ovn_inport_name) $(field "$TMP/live.json" 2 ovn_outport_name)" \
		= "az2 net-b b-vm2 b-vm9"
	check "both chassis named, each from its zone" test \
		"$(field "$TMP/live.json" 2 outer_src_chassis) $(field "$TMP/live.json" 2 outer_dst_chassis)" \
		= "compute-1 compute-0"
	check "the transit switch named alike from both zones" test \
		"$(field "$TMP/live.json" 3 datapath) $(field "$TMP/live.json" 3 ovn_outport_name) $(field "$TMP/live.json" 4 datapath) $(field "$TMP/live.json" 4 ovn_inport_name)" \
		= "ts1 ts1-az2 ts1 ts1-az2"

	"$GNV" -r "$TMP/demo.pcap" "${zones[@]}" 2>/dev/null | head -2 >"$TMP/text"
	check "text: the zone before the datapath" grep -q \
		"vni 5 (az2:net-b) ovn 3->1 (b-vm2 -> b-vm9)" "$TMP/text"

	names_file az1
	names_file az2
	"$GNV" -r "$TMP/demo.pcap" --ovn-names "az1=$TMP/az1.json" \
		--ovn-names "az2=$TMP/az2.json" -o json >"$TMP/off.json" \
		2>/dev/null
	"$GNV" -r "$TMP/demo.pcap" "${zones[@]}" -o json >"$TMP/live-all.json" \
		2>/dev/null
	check "offline, one --ovn-names per zone: the same names" \
		cmp -s "$TMP/off.json" "$TMP/live-all.json"

	"$GNV" -r "$TMP/demo.pcap" "${zones[@]}" -o json datapath ts1 \
		>"$TMP/ts.json" 2>/dev/null
	check "filter datapath ts1: the zones agree on 7" \
		test "$(wc -l <"$TMP/ts.json")" -eq 6
	"$GNV" -r "$TMP/demo.pcap" "${zones[@]}" port shared >"$TMP/sh.out" 2>&1
	check "filter port shared: zones disagree, a usage error" test $? -eq 2
	check "filter port shared: says so" grep -q "zones disagree" "$TMP/sh.out"
	finish
}

main
