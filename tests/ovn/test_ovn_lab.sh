#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End to end on a real OVN cluster (tests/ovn/lab.sh: ovn-northd, two
# chassis with ovs-vswitchd's userspace datapath and ovn-controller, VMs in
# network namespaces): gnvtrace on chassis 1's underlay names what crosses
# it from the Southbound DB, live, and from ovn-sbctl's JSON, offline; and
# filters by those names, following them when they change.
#
# Usage: test_ovn_lab.sh BUILD_DIR
BUILD=$(cd "${1:-build}" && pwd)
# shellcheck source=tests/ovn/labtest.sh
. "$(dirname "$0")/labtest.sh"
labtest_init gnvtl 16651 16652
LABX=$(mktemp -d /tmp/gnvlabx.XXXXXX)	# the same with OVN's VXLAN
labtest_more_cleanup() {
	GNVLAB_PREFIX=gnvtx "$HERE/lab.sh" down "$LABX" >/dev/null 2>&1
	rm -rf "$LABX"
}

ch1() { ip netns exec "$CH1_NS" "$@"; }
GNV_PID=
nbctl() { ovn-nbctl --db="$NB" "$@"; }
sbctl() { ovn-sbctl --db="$SB" "$@"; }

# trace OUT ARGS...: gnvtrace on ch1's underlay in the background.
trace() {
	local out=$1
	shift
	start_gnvtrace "$CH1_NS" "$CH1_UNDERLAY" "$out" "$@"
}

untrace() { stop_gnvtrace; }

ping_vm() { # ping_vm FROM_NS TO_IP COUNT
	ip netns exec "$1" ping -q -c "$3" -i 0.2 -W 1 "$2" >/dev/null
}

# json_count FILE JQ-LIKE-PYTHON-CONDITION: events of FILE for which it holds
json_count() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if eval(sys.argv[2], {}, {"e": e}):
        n += 1
print(n)
EOF
}

test_live_names() {
	trace "$TMP/live.json" --ovn-sb "$SB" -o json icmp ||
		{ fail "live names: gnvtrace did not start"; return; }
	ping_vm "$VM1_NS" "$VM2_IP" 3
	ping_vm "$VM1_NS" "$VM3_IP" 3
	sleep 0.3
	untrace
	check "live names: vm1 -> vm2 out, on ls0's key, named" test "$(json_count \
		"$TMP/live.json" "e['dir'] == 'out' and e['vni'] == $LS0_KEY and \
		e['datapath'] == 'ls0' and e['ovn_inport'] == $VM1_LSP_KEY and \
		e['ovn_inport_name'] == 'ls0-vm1' and e['ovn_outport'] == $VM2_LSP_KEY \
		and e['ovn_outport_name'] == 'ls0-vm2'")" -eq 3
	check "live names: the replies vm2 -> vm1 in" test "$(json_count \
		"$TMP/live.json" "e['dir'] == 'in' and e['datapath'] == 'ls0' and \
		e['ovn_inport_name'] == 'ls0-vm2' and \
		e['ovn_outport_name'] == 'ls0-vm1' and e['icmp_type'] == 0")" -eq 3
	check "live names: routed vm1 -> vm3 leaves on ls1 from its router port" \
		test "$(json_count "$TMP/live.json" "e['dir'] == 'out' and \
		e['vni'] == $LS1_KEY and e['datapath'] == 'ls1' and \
		e['ovn_inport_name'] == 'ls1-lr0' and \
		e['ovn_outport_name'] == 'ls1-vm3'")" -eq 3
	check "live names: its reply comes back on ls0 to vm1" test "$(json_count \
		"$TMP/live.json" "e['dir'] == 'in' and e['vni'] == $LS0_KEY and \
		e['ovn_inport_name'] == 'ls0-lr0' and \
		e['ovn_outport_name'] == 'ls0-vm1' and e['inner_src'] == '$VM3_IP'")" \
		-eq 3
}

test_text_and_hist() {
	trace "$TMP/text" --ovn-sb "$SB" --hist size \
		--metrics-file "$TMP/lab.prom" icmp ||
		{ fail "text: gnvtrace did not start"; return; }
	ping_vm "$VM1_NS" "$VM2_IP" 2
	sleep 0.3
	untrace
	check "text: vni, datapath, keys and names on the line" grep -q \
		" out .* vni $LS0_KEY (ls0) ovn $VM1_LSP_KEY->$VM2_LSP_KEY (ls0-vm1 -> ls0-vm2) |" \
		"$TMP/text"
	check "hist: the heading names the datapath, the port and the chassis" grep -q \
		"^vni $LS0_KEY (ls0) port $VM1_LSP_KEY (ls0-vm1) out $CH1_HOST($CH1_ENCAP_IP) > $CH2_HOST($CH2_ENCAP_IP): 2 packets" \
		"$TMP/text"
	check "metrics: the series carry datapath, port_name and chassis labels" grep -q \
		"^gnvtrace_port_packets_total{vni=\"$LS0_KEY\",datapath=\"ls0\",port=\"$VM1_LSP_KEY\",port_name=\"ls0-vm1\",direction=\"out\",outer_src=\"$CH1_ENCAP_IP\",outer_dst=\"$CH2_ENCAP_IP\",outer_src_chassis=\"$CH1_HOST\",outer_dst_chassis=\"$CH2_HOST\"} 2$" \
		"$TMP/lab.prom"
}

test_filter_by_name() {
	trace "$TMP/f.json" --ovn-sb "$SB" -o json outport ls0-vm2 ||
		{ fail "filter: gnvtrace did not start"; return; }
	ping_vm "$VM1_NS" "$VM2_IP" 2
	ping_vm "$VM1_NS" "$VM3_IP" 2
	sleep 0.3
	untrace
	check "filter outport ls0-vm2: the requests to vm2 only" test "$(json_count \
		"$TMP/f.json" "e['ovn_outport_name'] == 'ls0-vm2'")" -ge 2 -a \
		"$(json_count "$TMP/f.json" "e['ovn_outport_name'] != 'ls0-vm2'")" -eq 0
}

# OVN's names and tcpdump's words in one expression: vm2's traffic both
# ways (requests to it, out; its replies, in), ICMP, not to or from vm3.
test_filter_expression() {
	trace "$TMP/fx.json" --ovn-sb "$SB" -o json \
		"(outport ls0-vm2 or inport ls0-vm2) and icmp and not host $VM3_IP" ||
		{ fail "filter expression: gnvtrace did not start"; return; }
	ping_vm "$VM1_NS" "$VM2_IP" 2
	ping_vm "$VM1_NS" "$VM3_IP" 2
	wait_lines "$TMP/fx.json" 4
	untrace
	check "filter expression: vm1's 2 requests to vm2, out" test "$(json_count "$TMP/fx.json" \
		"e['dir'] == 'out' and e['ovn_outport_name'] == 'ls0-vm2' and e['icmp_type'] == 8")" -eq 2
	check "filter expression: vm2's 2 replies, in" test "$(json_count "$TMP/fx.json" \
		"e['dir'] == 'in' and e['ovn_inport_name'] == 'ls0-vm2' and e['icmp_type'] == 0")" -eq 2
	check "filter expression: nothing else (vm3's pings left out)" \
		test "$(wc -l <"$TMP/fx.json")" -eq 4
}

# A port that does not exist yet: the filter says so, then follows the
# Southbound DB when it appears, and when it moves to another key.
test_filter_follows_db() {
	trace "$TMP/late.json" --ovn-sb "$SB" -o json lport ls0-late ||
		{ fail "late port: gnvtrace did not start"; return; }
	check "late port: said to be unknown" grep -q \
		"^gnvtrace: OVN has no ls0-late (yet)" "$TMP/late.json.err"
	nbctl lsp-add ls0 ls0-late -- lsp-set-addresses ls0-late unknown
	local ok=1
	for _ in $(seq 50); do
		grep -q "names changed under the filter: updated" \
			"$TMP/late.json.err" && { ok=0; break; }
		sleep 0.1
	done
	check "late port: the filter was updated when it appeared" test $ok -eq 0
	# Flooded frames (ARP for an unknown address) cross to the other
	# chassis with the multicast key; nothing carries ls0-late itself,
	# so only the update is visible here.
	untrace
	nbctl lsp-del ls0-late
}

# The same packet has the same identity on both chassis: leaving ch1's
# underlay and arriving on ch2's, switched (vm1 -> vm2) and routed by the
# logical router (vm1 -> vm3: MACs and TTL rewritten), the replies too.
test_pkt_id_across_chassis() {
	local ch2
	start_gnvtrace "$CH2_NS" "$CH2_UNDERLAY" "$TMP/id2.json" -o json icmp ||
		{ fail "pkt_id: gnvtrace on ch2"; return; }
	ch2=$GNV_PID
	if ! trace "$TMP/id1.json" -o json icmp; then
		fail "pkt_id: gnvtrace on ch1"
		GNV_PID=$ch2
		untrace
		return
	fi
	ping_vm "$VM1_NS" "$VM2_IP" 2
	ping_vm "$VM1_NS" "$VM3_IP" 2
	wait_lines "$TMP/id1.json" 8
	wait_lines "$TMP/id2.json" 8
	untrace
	GNV_PID=$ch2
	untrace
	ids() { grep -o '"pkt_id":"[0-9a-f]*"' "$TMP/$1.json"; }
	check "pkt_id: 8 packets on ch1, each with an identity of its own" \
		test "$(ids id1 | sort -u | wc -l)" -eq 8
	check "pkt_id: the same identities on ch2, in the same order" \
		test "$(ids id1)" = "$(ids id2)"
}

# A port that appears while tracing carries traffic the filter then
# catches: vm2's interface is rebound to a new logical port ls0-vm9 (a
# migration, as a cloud does it), and the pings to it and its replies
# match an expression of OVN's names and tcpdump's words whose names
# named nothing when gnvtrace started (the program interprets such a
# filter, swapped in when the names come). Changes the lab: run last on it.
test_new_port_matches() {
	trace "$TMP/mig.json" --ovn-sb "$SB" -o json \
		"icmp and (outport ls0-vm9 or inport ls0-vm9) and not arp" ||
		{ fail "new port: gnvtrace did not start"; return; }
	# Two transactions: in one, ovn-nbctl sees vm2's address twice.
	nbctl lsp-del ls0-vm2
	nbctl lsp-add ls0 ls0-vm9 -- lsp-set-addresses ls0-vm9 "$VM2_MAC $VM2_IP"
	ovs-vsctl --db="$CH2_OVS_DB" set Interface vm2 \
		external_ids:iface-id=ls0-vm9
	nbctl --timeout=10 wait-until Logical_Switch_Port ls0-vm9 up=true
	nbctl --timeout=10 --wait=hv sync
	ping_vm "$VM1_NS" "$VM2_IP" 3
	untrace
	check "new port: its pings matched once it existed" test "$(json_count \
		"$TMP/mig.json" "e['ovn_outport_name'] == 'ls0-vm9' and \
		e['icmp_type'] == 8")" -ge 2
	check "new port: and its replies" test "$(json_count "$TMP/mig.json" \
		"e['ovn_inport_name'] == 'ls0-vm9' and e['icmp_type'] == 0")" -ge 2
	check "new port: nothing but its ICMP" test "$(json_count \
		"$TMP/mig.json" "e.get('inner_proto') != 'icmp' or \
		'ls0-vm9' not in (e.get('ovn_inport_name'), \
		e.get('ovn_outport_name'))")" -eq 0
}

test_offline_names() {
	# Not through ch1 (a function): $! must be tcpdump itself, for the kill.
	ip netns exec "$CH1_NS" tcpdump -U -ni "$CH1_UNDERLAY" -w "$TMP/lab.pcap" udp port 6081 \
		2>/dev/null &
	local dump=$!
	sleep 0.5
	ping_vm "$VM1_NS" "$VM2_IP" 2
	ping_vm "$VM1_NS" "$VM3_IP" 2
	sleep 0.3
	kill "$dump"
	wait_bounded "$dump" >/dev/null
	{
		sbctl --format=json list Datapath_Binding
		sbctl --format=json list Port_Binding
		sbctl --format=json list Multicast_Group
		sbctl --format=json list Chassis
		sbctl --format=json list Encap
	} >"$TMP/names.json"
	"$GNV" -r "$TMP/lab.pcap" --ovn-names "$TMP/names.json" -o json icmp \
		>"$TMP/off.json" 2>"$TMP/off.err"
	check "offline --ovn-names: the 8 echoes named as live" test "$(json_count \
		"$TMP/off.json" "'datapath' in e and 'ovn_inport_name' in e and \
		'ovn_outport_name' in e")" -eq 8
	check "offline --ovn-names: vm1 -> vm2" test "$(json_count "$TMP/off.json" \
		"e['ovn_inport_name'] == 'ls0-vm1' and \
		e['ovn_outport_name'] == 'ls0-vm2'")" -eq 2
	"$GNV" -r "$TMP/lab.pcap" --ovn-sb "$SB" -o json icmp >"$TMP/off2.json" \
		2>/dev/null
	check "offline --ovn-sb: the same names as from the file" \
		cmp -s "$TMP/off.json" "$TMP/off2.json"
	"$GNV" -r "$TMP/lab.pcap" --ovn-names "$TMP/names.json" -o json \
		datapath ls1 >"$TMP/dp.json" 2>/dev/null
	check "filter datapath ls1: the 2 requests routed to vm3, on its key" \
		test "$(json_count "$TMP/dp.json" "e['vni'] == $LS1_KEY")" -eq 2 -a \
		"$(wc -l <"$TMP/dp.json")" -eq 2
}

# The tunnel's ends named by their chassis (Chassis.hostname via Encap.ip).
test_chassis_names() {
	local h1 h2
	h1=$(sbctl get Chassis "$CH1_CHASSIS" hostname | tr -d '"')
	h2=$(sbctl get Chassis "$CH2_CHASSIS" hostname | tr -d '"')
	trace "$TMP/ch.json" --ovn-sb "$SB" -o json \
		outer dst chassis "$CH2_CHASSIS" and icmp ||
		{ fail "chassis: gnvtrace did not start"; return; }
	ping_vm "$VM1_NS" "$VM2_IP" 2
	untrace
	check "chassis: both ends named in JSON" test "$(json_count "$TMP/ch.json" \
		"e['outer_src_chassis'] == '$h1' and \
		e['outer_dst_chassis'] == '$h2'")" -eq 2
	check "chassis: 'outer dst chassis $CH2_CHASSIS' kept only what goes there" \
		test "$(wc -l <"$TMP/ch.json")" -eq 2
	"$GNV" -r "$TMP/lab.pcap" --ovn-names "$TMP/names.json" icmp \
		>"$TMP/ch.txt" 2>/dev/null
	check "chassis: offline text, hostname(address) on both sides" grep -q \
		" $h2($CH2_ENCAP_IP) > $h1($CH1_ENCAP_IP) vni " "$TMP/ch.txt"
}

test_errors() {
	"$GNV" -r "$TMP/demo.pcap" --ovn-sb tcp:127.0.0.1:1 >"$TMP/e.out" 2>&1
	check "a wrong remote: exit 1" test $? -eq 1
	check "a wrong remote: one line" test "$(wc -l <"$TMP/e.out")" -eq 1
	"$GNV" -r "$TMP/demo.pcap" --ovn-sb ssl:127.0.0.1:6642 >"$TMP/e3.out" 2>&1
	check "ssl: without credentials: exit 1" test $? -eq 1
	check "ssl: without credentials: says which are missing" grep -q \
		"needs --ovn-ssl-key, --ovn-ssl-cert and --ovn-ssl-ca" "$TMP/e3.out"
	"$GNV" -r "$TMP/demo.pcap" inport ls0-vm1 >"$TMP/e2.out" 2>&1
	check "a port name without names: usage error" test $? -eq 2
	check "a port name without names: says what is needed" grep -q \
		"names need --ovn-sb, --ovn-names or --ovn-ic-sb" "$TMP/e2.out"
}

# OVN's VXLAN encoding (a second lab, ovn-encap-type=vxlan): the 24-bit
# VNI is the egress port key above the datapath key; no ingress port.
test_vxlan() {
	if ! GNVLAB_PREFIX=gnvtx GNVLAB_NB_PORT=16661 GNVLAB_SB_PORT=16662 \
	     GNVLAB_ENCAP=vxlan "$HERE/lab.sh" up "$LABX" >"$TMP/labx.env" \
	     2>"$TMP/labx.err"; then
		fail "the VXLAN lab did not come up"
		tail -5 "$TMP/labx.err"
		return
	fi
	# shellcheck disable=SC1091
	. "$TMP/labx.env"
	# Not through ch1 (a function): $! must be tcpdump itself, for the kill.
	ip netns exec "$CH1_NS" tcpdump -U -ni "$CH1_UNDERLAY" -w "$TMP/vx.pcap" udp port 4789 \
		2>/dev/null &
	local dump=$!
	trace "$TMP/vx.json" --vxlan --ovn-sb "$SB" -o json ||
		{ fail "vxlan: gnvtrace did not start"; kill "$dump"; return; }
	ping_vm "$VM1_NS" "$VM2_IP" 2
	ping_vm "$VM1_NS" "$VM3_IP" 2
	ip netns exec "$VM1_NS" ping -q -c 1 -W 1 10.0.0.98 >/dev/null
	sleep 0.5
	untrace
	kill "$dump"
	wait_bounded "$dump" >/dev/null
	check "vxlan: vm1 -> vm2 on ls0's key, egress port named" \
		test "$(json_count "$TMP/vx.json" "e.get('encap') == 'vxlan' and \
		e['dir'] == 'out' and e['vni'] == $LS0_KEY and \
		e['datapath'] == 'ls0' and e['ovn_outport'] == $VM2_LSP_KEY and \
		e['ovn_outport_name'] == 'ls0-vm2' and 'ovn_inport' not in e and \
		e.get('icmp_type') == 8")" -eq 2
	check "vxlan: routed to vm3 on ls1's key" test "$(json_count \
		"$TMP/vx.json" "e['vni'] == $LS1_KEY and \
		e['ovn_outport_name'] == 'ls1-vm3'")" -eq 2
	check "vxlan: the ARP flood to _MC_flood (32768, 2048 on the wire)" \
		test "$(json_count "$TMP/vx.json" "e['ovn_outport'] == 32768 and \
		e['ovn_outport_name'] == '_MC_flood' and \
		e['vxlan_vni'] == (2048 << 12 | $LS0_KEY)")" -ge 1
	# tshark as the oracle of the VNI on the wire, frame by frame.
	tshark -r "$TMP/vx.pcap" -T fields -e vxlan.vni 2>/dev/null \
		>"$TMP/vx.tshark"
	"$GNV" -r "$TMP/vx.pcap" --vxlan -o json 2>/dev/null |
		/usr/bin/python3 -c 'import json, sys
print("\n".join(str(json.loads(l)["vxlan_vni"]) for l in sys.stdin))' \
		>"$TMP/vx.ours"
	check "vxlan: every VNI as tshark reads it" \
		test -s "$TMP/vx.ours" -a "$(sort "$TMP/vx.ours" | md5sum)" = \
		"$(sort "$TMP/vx.tshark" | md5sum)" ||
		{ diff <(sort "$TMP/vx.ours") <(sort "$TMP/vx.tshark") | head -5
		  tshark -r "$TMP/vx.pcap" 2>&1 | head -20; }
	"$GNV" -r "$TMP/vx.pcap" --vxlan --ovn-sb "$SB" -o json outport ls0-vm2 \
		>"$TMP/vxf.json" 2>/dev/null
	check "vxlan: filter outport ls0-vm2" test "$(wc -l <"$TMP/vxf.json")" \
		-eq 2
	"$GNV" -r "$TMP/vx.pcap" --vxlan -o json inport 0 >"$TMP/vxi.json" \
		2>/dev/null
	check "vxlan: no ingress port, so inport never matches" \
		test ! -s "$TMP/vxi.json"
	GNVLAB_PREFIX=gnvtx "$HERE/lab.sh" down "$LABX" >/dev/null 2>&1
}

main() {
	for c in ovn-nbctl ovn-sbctl ovn-northd ovs-vswitchd tcpdump; do
		command -v "$c" >/dev/null ||
			{ fail "$c is missing (tools/install-deps.sh --test)"; finish; exit 1; }
	done
	labtest_up
	"$BUILD/tools/gnv-pktgen" demo "$TMP/demo.pcap"
	test_live_names
	test_text_and_hist
	test_filter_by_name
	test_filter_expression
	test_filter_follows_db
	test_offline_names
	test_chassis_names
	test_errors
	test_pkt_id_across_chassis
	test_new_port_matches
	"$HERE/lab.sh" down "$LAB" >/dev/null 2>&1
	test_vxlan
	finish
}

main
