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
# Then the interconnection Southbound DB (a third ovsdb-server, with
# ovn-ic-db's schema): both chassis as the zones' gateways, the transit
# switch and its ports; az1's DB holds compute-1 as ovn-ic copies another
# zone's gateway (other_config:is-remote=true), which must not make it
# az1's. --ovn-ic-sb alone, beside one zone, offline (--ovn-ic-names),
# and naming what a zone does not know; histograms and metrics named
# from the zone of each key's tunnel.
#
# Usage: test_zones.sh BUILD_DIR
set -u

BUILD=$(cd "${1:-build}" && pwd)
GNV=$BUILD/gnvtrace
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/gnvzones.XXXXXX)
SCHEMA=/usr/share/ovn/ovn-sb.ovsschema
IC_SCHEMA=/usr/share/ovn/ovn-ic-sb.ovsschema

# shellcheck source=tests/testlib.sh
. "$HERE/../testlib.sh"

cleanup() {
	for z in az1 az2 az3 ic; do
		[ -f "$TMP/$z.pid" ] && kill "$(cat "$TMP/$z.pid")" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_db() { # start_db ZONE [SCHEMA]
	ovsdb-tool create "$TMP/$1.db" "${2:-$SCHEMA}" &&
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
chassis() { # chassis NAME IPV4 IPV6 [OTHER_CONFIG_PAIR]
	printf '{"op":"insert","table":"Encap","uuid-name":"e4%s","row":{"type":"geneve","ip":"%s","chassis_name":"%s"}},' "${1//-/}" "$2" "$1"
	printf '{"op":"insert","table":"Encap","uuid-name":"e6%s","row":{"type":"geneve","ip":"%s","chassis_name":"%s"}},' "${1//-/}" "$3" "$1"
	printf '{"op":"insert","table":"Chassis","row":{"name":"%s","hostname":"%s","other_config":["map",[%s]],"encaps":["set",[["named-uuid","e4%s"],["named-uuid","e6%s"]]]}}' "$1" "$1" "${4:-}" "${1//-/}" "${1//-/}"
}
# Another zone's gateway, as ovn-ic copies it into a zone's DB.
remote_chassis() { chassis "$@" '["is-remote","true"]'; }

# The interconnection DB's rows.
ic_az() { printf '{"op":"insert","table":"Availability_Zone","uuid-name":"%s","row":{"name":"%s"}},' "$1" "$1"; }
ic_gw() { # ic_gw NAME AZ IPV4 IPV6
	printf '{"op":"insert","table":"Encap","uuid-name":"e4%s","row":{"type":"geneve","ip":"%s","gateway_name":"%s"}},' "${1//-/}" "$3" "$1"
	printf '{"op":"insert","table":"Encap","uuid-name":"e6%s","row":{"type":"geneve","ip":"%s","gateway_name":"%s"}},' "${1//-/}" "$4" "$1"
	printf '{"op":"insert","table":"Gateway","row":{"name":"%s","hostname":"%s","availability_zone":["named-uuid","%s"],"encaps":["set",[["named-uuid","e4%s"],["named-uuid","e6%s"]]]}},' "$1" "$1" "$2" "${1//-/}" "${1//-/}"
}
ic_ts() { printf '{"op":"insert","table":"Datapath_Binding","row":{"transit_switch":"%s","tunnel_key":%s}},' "$1" "$2"; }
ic_pb() { # ic_pb TS KEY LOGICAL_PORT AZ
	printf '{"op":"insert","table":"Port_Binding","row":{"transit_switch":"%s","tunnel_key":%s,"logical_port":"%s","availability_zone":["named-uuid","%s"]}},' "$@"
}

populate() { # populate ZONE ROWS [DB]
	ovsdb-client transact "unix:$TMP/$1.sock" \
		"[\"${3:-OVN_Southbound}\",${2%,}]" >"$TMP/$1.transact" 2>&1 &&
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
			chassis compute-0 172.17.2.119 fd00:172:17::119
			printf ,
			remote_chassis compute-1 172.17.2.143 fd00:172:17::143)"
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
	check "reply from compute-1: the same VNI named in az2, not az1 (is-remote there)" test \
		"$(field "$TMP/live.json" 2 zone) $(field "$TMP/live.json" 2 datapath) $(field "$TMP/live.json" 2 ovn_inport_name) $(field "$TMP/live.json" 2 ovn_outport_name)" \
		= "az2 net-b b-vm2 b-vm9"
	check "both chassis named, each from its zone" test \
		"$(field "$TMP/live.json" 2 outer_src_chassis) $(field "$TMP/live.json" 2 outer_dst_chassis)" \
		= "compute-1 compute-0"
	# A remote copy lags behind the chassis' own zone (ovn-ic carries a
	# rename over seconds later): the own zone's name wins.
	check "az1's remote copy of compute-1 renamed (stale)" populate az1 \
		'{"op":"update","table":"Chassis","where":[["name","==","compute-1"]],"row":{"hostname":"compute-1-stale"}},'
	"$GNV" -r "$TMP/demo.pcap" "${zones[@]}" -o json >"$TMP/stale.json" 2>/dev/null
	check "a stale remote copy: the chassis named by its own zone" test \
		"$(field "$TMP/stale.json" 2 outer_src_chassis) $(field "$TMP/stale.json" 1 outer_dst_chassis)" \
		= "compute-1 compute-1"
	populate az1 '{"op":"update","table":"Chassis","where":[["name","==","compute-1"]],"row":{"hostname":"compute-1"}},'
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
	"$GNV" -r "$TMP/demo.pcap" "${zones[@]}" lport shared >"$TMP/sh.out" 2>&1
	check "filter lport shared: zones disagree, a usage error" test $? -eq 2
	check "filter lport shared: says so" grep -q "zones disagree" "$TMP/sh.out"

	test_metrics_named "${zones[@]}"
	test_interconnection
	finish
}

# Histograms and metrics have no packet: a key's tunnel picks the zone.
test_metrics_named() {
	"$GNV" -r "$TMP/demo.pcap" "$@" -q --hist size \
		--metrics-file "$TMP/z.prom" >"$TMP/z.hist" 2>/dev/null
	check "metrics: compute-0's requests named in az1, with both chassis and zones" grep -qx \
		'gnvtrace_port_packets_total{vni="5",zone="az1",datapath="net-a",port="3",port_name="a-vm2-remote",direction="in",outer_src="172.17.2.119",outer_dst="172.17.2.143",outer_src_chassis="compute-0",outer_dst_chassis="compute-1",outer_src_zone="az1",outer_dst_zone="az2"} 5' \
		"$TMP/z.prom"
	check "metrics: compute-1's replies on the same VNI named in az2" grep -qx \
		'gnvtrace_port_packets_total{vni="5",zone="az2",datapath="net-b",port="1",port_name="b-vm9",direction="in",outer_src="172.17.2.143",outer_dst="172.17.2.119",outer_src_chassis="compute-1",outer_dst_chassis="compute-0",outer_src_zone="az2",outer_dst_zone="az1"} 3' \
		"$TMP/z.prom"
	check "hist: the heading names the zone, its datapath and port, and the chassis" grep -qx \
		'vni 5 (az2:net-b) port 1 (b-vm9) in compute-1(172.17.2.143) > compute-0(172.17.2.119): 3 packets, 468 bytes' \
		"$TMP/z.hist"
}

# jq-less: KEY=VALUE of the JSON lines' fields, one line per event.
fields() { # fields FILE KEY...
	/usr/bin/python3 -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    print(" ".join(str(e.get(k, "-")) for k in sys.argv[2:]))' "$@"
}

test_interconnection() {
	local ic="unix:$TMP/ic.sock" t

	check "the interconnection DB up (ovn-ic-db's schema)" start_db ic "$IC_SCHEMA"
	check "ovn-ic's rows: two zones, their gateways, ts1 and its ports" \
		populate ic "$(ic_az az1; ic_az az2
			ic_gw compute-0 az1 172.17.2.119 fd00:172:17::119
			ic_gw compute-1 az2 172.17.2.143 fd00:172:17::143
			ic_ts ts1 7; ic_pb ts1 2 ts1-az1 az1; ic_pb ts1 4 ts1-az2 az2)" \
		OVN_IC_Southbound

	"$GNV" -r "$TMP/demo.pcap" --ovn-ic-sb "$ic" -o json icmp6 \
		>"$TMP/ic.json" 2>"$TMP/ic.err"
	check "--ovn-ic-sb alone: ts1, its ports, the gateways and their zones" test \
		"$(fields "$TMP/ic.json" datapath ovn_inport_name ovn_outport_name outer_src_chassis outer_src_zone outer_dst_zone | sort -u | tr '\n' ';')" \
		= "ts1 ts1-az1 ts1-az2 compute-0 az1 az2;ts1 ts1-az2 ts1-az1 compute-1 az2 az1;"
	"$GNV" -r "$TMP/demo.pcap" --ovn-ic-sb "$ic" -o json icmp \
		>"$TMP/ic5.json" 2>/dev/null
	check "--ovn-ic-sb alone: a zone's own VNI stays unnamed" test \
		"$(fields "$TMP/ic5.json" datapath outer_src_chassis | sort -u | tr '\n' ';')" \
		= "- compute-0;- compute-1;"

	"$GNV" -r "$TMP/demo.pcap" --ovn-sb "az1=unix:$TMP/az1.sock" \
		--ovn-ic-sb "$ic" -o json icmp6 >"$TMP/ic1.json" 2>/dev/null
	check "az1 and ovn-ic: compute-1 is az2's (ovn-ic), named from az1 (the receiver)" test \
		"$(fields "$TMP/ic1.json" outer_src_chassis outer_src_zone zone datapath ovn_inport_name | sort -u | tr '\n' ';')" \
		= "compute-0 az1 az1 ts1 ts1-az1;compute-1 az2 az1 ts1 ts1-az2;"

	for t in Datapath_Binding Port_Binding Availability_Zone Gateway Encap; do
		ovn-ic-sbctl --db="$ic" --format=json list "$t"
	done >"$TMP/ic-names.json"
	"$GNV" -r "$TMP/demo.pcap" --ovn-ic-names "$TMP/ic-names.json" \
		-o json >"$TMP/ic-off.json" 2>/dev/null
	"$GNV" -r "$TMP/demo.pcap" --ovn-ic-sb "$ic" -o json \
		>"$TMP/ic-live.json" 2>/dev/null
	check "--ovn-ic-names (ovn-ic-sbctl's JSON): the same as live" \
		cmp -s "$TMP/ic-off.json" "$TMP/ic-live.json"
	"$GNV" -r "$TMP/demo.pcap" --ovn-names "$TMP/ic-names.json" >"$TMP/e1" 2>&1
	check "the interconnection dump as --ovn-names: exit 1, says where it goes" \
		test $? -eq 1 -a "$(grep -c 'give the file with --ovn-ic-names' "$TMP/e1")" -eq 1
	"$GNV" -r "$TMP/demo.pcap" --ovn-ic-sb "unix:$TMP/az1.sock" >"$TMP/e2" 2>&1
	check "--ovn-ic-sb at a Southbound DB: exit 1, one line" \
		test $? -eq 1 -a "$(wc -l <"$TMP/e2")" -eq 1
	check "--ovn-ic-sb at a Southbound DB: says what it serves" grep -q \
		"is not an OVN interconnection Southbound DB (it serves OVN_Southbound)" "$TMP/e2"

	"$GNV" -r "$TMP/demo.pcap" --ovn-ic-sb "$ic" -o json inport ts1-az2 \
		>"$TMP/ic-f.json" 2>/dev/null
	check "filter inport ts1-az2, from ovn-ic's names: compute-1's 3 replies" test \
		"$(fields "$TMP/ic-f.json" outer_src_chassis ovn_inport | sort | uniq -c | tr -s ' ')" \
		= " 3 compute-1 4"

	# A zone that does not know ts1 (yet): ovn-ic names it, "ic:".
	check "a third DB: compute-1's zone without ts1" start_db az3
	check "a third DB: populated" populate az3 \
		"$(chassis compute-1 172.17.2.143 fd00:172:17::143)"
	"$GNV" -r "$TMP/demo.pcap" --ovn-sb "az2=unix:$TMP/az3.sock" \
		--ovn-ic-sb "$ic" icmp6 2>/dev/null >"$TMP/ic3.txt"
	check "text: what the zone lacks, named by ovn-ic (ic:ts1)" grep -q \
		"compute-1(fd00:172:17::143) > compute-0(fd00:172:17::119) vni 7 (ic:ts1) ovn 4->2 (ts1-az2 -> ts1-az1)" \
		"$TMP/ic3.txt"
}

main
