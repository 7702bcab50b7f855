#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Packet journeys on a real OVN cluster (tests/ovn/lab.sh): gnvtrace on
# the VMs' ports and the underlay of both chassis, each packet's sightings
# joined in time order, live on one chassis and across both from their
# JSON streams, live (pipes) and offline (the saved streams, the same
# journeys); and where a packet is lost: an ACL on either side, the
# underlay (netem), told apart.
#
# Usage: test_journeys.sh BUILD_DIR
BUILD=$(cd "${1:-build}" && pwd)
# shellcheck source=tests/ovn/labtest.sh
. "$(dirname "$0")/labtest.sh"
labtest_init gnvtj 16661 16662

nbctl() { ovn-nbctl --db="$NB" "$@"; }

ping_vm() { # ping_vm FROM_NS TO_IP COUNT: its exit status ignored
	ip netns exec "$1" ping -q -c "$3" -i 0.2 -W 1 "$2" >/dev/null
	return 0
}

# wait_tracing ERRFILE N: until a tracer says it traces N interfaces,
# 10 s at most.
wait_tracing() {
	for _ in $(seq 200); do
		[ "$(grep -c "^gnvtrace: tracing " "$1" 2>/dev/null)" -ge "$2" ] &&
			return 0
		sleep 0.05
	done
	return 1
}

# What each chassis traces: its VMs' ports (by logical port, found in its
# OVS DB) and its underlay.
CH1_ARGS=()
CH2_ARGS=()
set_args() {
	CH1_ARGS=(-i "lport:$VM1_LSP" --ovs-db "$CH1_OVS_DB" --ovn-sb "$SB")
	CH2_ARGS=(-i "lport:$VM2_LSP" -i "lport:$VM3_LSP" --ovs-db "$CH2_OVS_DB"
		--ovn-sb "$SB")
	REQ_TO_VM2="['ch1:$VM1_LSP(vm1) in', 'ch1:$CH1_UNDERLAY out', 'ch2:$CH2_UNDERLAY in', 'ch2:$VM2_LSP(vm2) out']"
	REP_FROM_VM2="['ch2:$VM2_LSP(vm2) in', 'ch2:$CH2_UNDERLAY out', 'ch1:$CH1_UNDERLAY in', 'ch1:$VM1_LSP(vm1) out']"
}

# trace_both NAME ARGS...: a JSON stream from each chassis, into NAME.ch1
# and NAME.ch2: events, or with --journey in ARGS each chassis' own
# journeys, which name the points where nothing passed; GNV_PIDS their
# tracers.
GNV_PIDS=()
trace_both() {
	local name=$1
	shift
	start_gnvtrace "$CH1_NS" "$CH1_UNDERLAY" "$TMP/$name.ch1" -o json \
		"${CH1_ARGS[@]}" "$@" || return 1
	GNV_PIDS=("$GNV_PID")
	PIDS+=("$GNV_PID")
	start_gnvtrace "$CH2_NS" "$CH2_UNDERLAY" "$TMP/$name.ch2" -o json \
		"${CH2_ARGS[@]}" "$@" || return 1
	GNV_PIDS+=("$GNV_PID")
	PIDS+=("$GNV_PID")
}

untrace_both() {
	for GNV_PID in "${GNV_PIDS[@]}"; do stop_gnvtrace; done
	GNV_PIDS=()
}

# journeys NAME: the journeys of both streams as JSON (NAME.j), the text
# and counters (NAME.txt), the metrics (NAME.prom)
journeys() {
	"$GNV" --journey=0.5 -o json -r "$TMP/$1.ch1" -r "$TMP/$1.ch2" \
		>"$TMP/$1.j" 2>"$TMP/$1.jerr"
	"$GNV" --journey=0.5 -r "$TMP/$1.ch1" -r "$TMP/$1.ch2" \
		--metrics-file "$TMP/$1.prom" >"$TMP/$1.txt" 2>>"$TMP/$1.jerr"
}

# prom NAME SERIES VALUE: NAME.prom has the series with the value, and
# promtool finds nothing wrong in it.
prom() {
	grep -qxF "$2 $3" "$TMP/$1.prom" &&
		promtool check metrics <"$TMP/$1.prom" >/dev/null 2>&1
}

# jcount FILE PYTHON-CONDITION: journeys of FILE (its JSON lines) for
# which it holds, with path(e) the list of its points' names.
jcount() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    if not line.startswith('{'):
        continue            # the counters at the end
    e = json.loads(line)
    if 'hops' not in e:
        continue            # the points traced, the counters
    path = [h['point'] for h in e['hops']]
    if eval(sys.argv[2], {}, {"e": e, "path": path}):
        n += 1
print(n)
EOF
}

# A ping across chassis, switched and routed: every request and reply one
# journey through all four points, in order, named, none lost.
test_across_chassis() {
	trace_both ping icmp || { fail "across: tracers did not start"; untrace_both; return; }
	ping_vm "$VM1_NS" "$VM2_IP" 3
	ping_vm "$VM1_NS" "$VM3_IP" 2
	sleep 0.3
	untrace_both
	journeys ping
	check "across: 10 journeys, none lost" test "$(jcount "$TMP/ping.j" \
		"'lost' not in e")" -eq 10 -a "$(jcount "$TMP/ping.j" True)" -eq 10 ||
		cat "$TMP/ping.txt" "$TMP/ping.jerr"
	check "across: each request to vm2 through its four points in order" \
		test "$(jcount "$TMP/ping.j" "e['icmp_type'] == 8 and \
		e['inner_dst'] == '$VM2_IP' and path == $REQ_TO_VM2")" -eq 3
	check "across: each reply from vm2 back through them" \
		test "$(jcount "$TMP/ping.j" "e['icmp_type'] == 0 and \
		path == $REP_FROM_VM2")" -eq 3
	check "across: routed to vm3 (MACs and TTL changed): the same packets" \
		test "$(jcount "$TMP/ping.j" "e['inner_dst'] == '$VM3_IP' and \
		path[-1] == 'ch2:$VM3_LSP(vm3) out' and len(path) == 4")" -eq 2
	check "across: hop times never negative, within the clocks' error" \
		test "$(jcount "$TMP/ping.j" "all(h.get('hop_ns', 0) >= 0 and \
		h.get('hop_err_ns', 0) < 10**7 for h in e['hops'])")" -eq 10
	check "across: the text line, hop by hop" grep -q \
		": ch1:$VM1_LSP(vm1) in -> ch1:$CH1_UNDERLAY out +[0-9.]*[mu]s -> ch2:$CH2_UNDERLAY in +.* -> ch2:$VM2_LSP(vm2) out +[0-9.]*[mu]s$" \
		"$TMP/ping.txt" || head -3 "$TMP/ping.txt"
	check "across: the tunnel counted both ways" grep -q \
		"tunnel ch1 -> ch2: 5 sent, 5 arrived, 0 lost" "$TMP/ping.txt"
	check "across: ch2's clock compared with ch1's" grep -q \
		"clock of ch2: [-+][0-9.]*us against ch1's" "$TMP/ping.txt"
	check "across: metrics, the tunnel's packets" prom ping \
		'gnvtrace_tunnel_arrived_total{from="ch1",to="ch2"}' 5
	check "across: and its one-way times, once the clocks compared" grep -q \
		'^gnvtrace_tunnel_one_way_seconds_count{from="ch1",to="ch2"} [1-5]$' \
		"$TMP/ping.prom"
}

# One chassis, live: gnvtrace joins what it sees itself.
test_live_one_node() {
	start_gnvtrace "$CH1_NS" "$CH1_UNDERLAY" "$TMP/live1" --journey=0.3 \
		"${CH1_ARGS[@]}" -o json icmp ||
		{ fail "live: gnvtrace did not start"; return; }
	ping_vm "$VM1_NS" "$VM2_IP" 2
	sleep 0.5
	stop_gnvtrace
	check "live: requests vm1(vm1) in -> ul1 out" test "$(jcount \
		"$TMP/live1" "e['icmp_type'] == 8 and path == \
		['$VM1_LSP(vm1) in', '$CH1_UNDERLAY out']")" -eq 2 ||
		cat "$TMP/live1" "$TMP/live1.err"
	check "live: replies ul1 in -> vm1(vm1) out" test "$(jcount \
		"$TMP/live1" "e['icmp_type'] == 0 and path == \
		['$CH1_UNDERLAY in', '$VM1_LSP(vm1) out']")" -eq 2
}

# The streams joined live through pipes, each also saved: the saved
# files give the same journeys offline.
test_live_pipes() {
	local ch1 ch2 j
	"$GNV" --journey=0.5 -o json \
		-r <(ip netns exec "$CH1_NS" "$GNV" -o json -i "$CH1_UNDERLAY" \
			"${CH1_ARGS[@]}" icmp 2>"$TMP/p1.err" | tee "$TMP/pipe.ch1") \
		-r <(ip netns exec "$CH2_NS" "$GNV" -o json -i "$CH2_UNDERLAY" \
			"${CH2_ARGS[@]}" icmp 2>"$TMP/p2.err" | tee "$TMP/pipe.ch2") \
		>"$TMP/pipe.live" 2>"$TMP/pipe.err" &
	j=$!
	PIDS+=("$j")
	wait_tracing "$TMP/p1.err" 2
	wait_tracing "$TMP/p2.err" 3
	ping_vm "$VM1_NS" "$VM2_IP" 2
	sleep 0.3
	ch1=$(pgrep -f "gnvtrace -o json -i $CH1_UNDERLAY")
	ch2=$(pgrep -f "gnvtrace -o json -i $CH2_UNDERLAY")
	# shellcheck disable=SC2086
	kill -INT $ch1 $ch2 2>/dev/null
	wait_bounded "$j"
	check "pipes: 4 journeys, live, none lost" test "$(jcount \
		"$TMP/pipe.live" "'lost' not in e and len(e['hops']) == 4")" -eq 4 ||
		cat "$TMP/pipe.live" "$TMP/pipe.err"
	journeys pipe
	check "pipes: the saved streams give the same journeys offline" \
		test "$(grep '^{' "$TMP/pipe.j" | sort)" = \
		"$(grep '^{' "$TMP/pipe.live" | sort)" ||
		diff <(grep '^{' "$TMP/pipe.j" | sort) \
			<(grep '^{' "$TMP/pipe.live" | sort)
}

# with_acl NAME LS DIRECTION MATCH: 2 pings vm1 -> vm2 traced on both
# chassis (their own journeys) while an ACL drops MATCH; then joined.
with_acl() {
	nbctl acl-add "$2" "$3" 1001 "$4" drop
	nbctl --wait=hv sync
	if trace_both "$1" --journey=0.3 icmp; then
		ping_vm "$VM1_NS" "$VM2_IP" 2
		sleep 0.3
	else
		fail "$1: tracers did not start"
	fi
	untrace_both
	nbctl acl-del "$2"
	nbctl --wait=hv sync
	journeys "$1"
}

# A to-lport ACL drops on the receiving chassis (OVN runs the egress
# pipeline there): lost on ch2 between its underlay and vm2's port.
test_acl_to_lport() {
	with_acl acl2 "$VM2_LS" to-lport "outport == \"$VM2_LSP\" && icmp4"
	check "acl to-lport: requests lost on ch2 before vm2's port" test \
		"$(jcount "$TMP/acl2.j" "e.get('lost') == 'node' and \
		e['lost_before']['point'] == 'ch2:$VM2_LSP(vm2) out' and \
		path[-1] == 'ch2:$CH2_UNDERLAY in'")" -eq 2 || cat "$TMP/acl2.txt"
	check "acl to-lport: the text says where" grep -q \
		"ch2:$CH2_UNDERLAY in +.* -> LOST before ch2:$VM2_LSP(vm2) out (on ch2, in Open vSwitch" \
		"$TMP/acl2.txt"
	check "acl to-lport: counted on that hop" grep -Eq \
		"ch2:$CH2_UNDERLAY in -> ch2:$VM2_LSP\(vm2\) out +0 passed +2 lost" \
		"$TMP/acl2.txt"
	check "acl to-lport: and in the metrics" prom acl2 \
		"gnvtrace_journey_hop_lost_total{from=\"ch2:$CH2_UNDERLAY in\",to=\"ch2:$VM2_LSP(vm2) out\"}" 2
}

# A from-lport ACL drops on the sending chassis: lost on ch1 before the
# underlay.
test_acl_from_lport() {
	with_acl acl1 "$VM1_LS" from-lport "inport == \"$VM1_LSP\" && icmp4"
	check "acl from-lport: lost on ch1 before its underlay" test \
		"$(jcount "$TMP/acl1.j" "e.get('lost') == 'node' and \
		e['lost_before']['point'] == 'ch1:$CH1_UNDERLAY out' and \
		path == ['ch1:$VM1_LSP(vm1) in']")" -eq 2 || cat "$TMP/acl1.txt"
}

# The underlay drops what ch2 sends (a TC filter on its egress that drops
# all, after gnvtrace's tcx program; the kernel here has no netem): the
# replies are lost between ch2 and ch1.
test_underlay_loss() {
	if ! underlay_filter "$CH2_NS" "$CH2_UNDERLAY" tc_drop; then
		fail "underlay: the dropping filter"
		return
	fi
	trace_both ul --journey=0.3 icmp || { fail "underlay: tracers"; untrace_both; return; }
	ping_vm "$VM1_NS" "$VM2_IP" 2
	sleep 0.3
	untrace_both
	underlay_clear "$CH2_NS" "$CH2_UNDERLAY"
	journeys ul
	check "underlay: the requests arrive" test "$(jcount "$TMP/ul.j" \
		"path == $REQ_TO_VM2")" -eq 2 || cat "$TMP/ul.txt"
	check "underlay: the replies lost between ch2 and ch1" test \
		"$(jcount "$TMP/ul.j" "e.get('lost') == 'underlay' and \
		e['lost_before']['point'] == 'ch1:$CH1_UNDERLAY in' and \
		path[-1] == 'ch2:$CH2_UNDERLAY out'")" -eq 2
	check "underlay: the tunnel ch2 -> ch1 counts them lost" grep -q \
		"tunnel ch2 -> ch1: 2 sent, 0 arrived, 2 lost" "$TMP/ul.txt"
	check "underlay: and the metrics" prom ul \
		'gnvtrace_tunnel_lost_total{from="ch2",to="ch1"}' 2
}

# TCP and UDP, routed through lr0 to vm3: every segment and datagram one
# whole journey, the identity kept across the router.
test_tcp_udp_routed() {
	local srv
	ip netns exec "$VM3_NS" /usr/bin/python3 -c '
import socket, sys
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("0.0.0.0", 5001)); t.listen(1); t.settimeout(10)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 5002))
c, _ = t.accept(); c.settimeout(10)
data = b""
while len(data) < 3000:
    b = c.recv(65536)
    if not b: break
    data += b
c.sendall(b"ok"); c.close()
' &
	srv=$!
	PIDS+=("$srv")
	sleep 0.3
	trace_both tcp "tcp port 5001 or udp port 5002" ||
		{ fail "tcp: tracers"; untrace_both; return; }
	ip netns exec "$VM1_NS" /usr/bin/python3 -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3): u.sendto(b"datagram %d" % i, ("'"$VM3_IP"'", 5002))
c = socket.create_connection(("'"$VM3_IP"'", 5001), timeout=10)
c.sendall(b"x" * 3000); c.recv(16); c.close()
'
	wait_bounded "$srv"
	sleep 0.5
	untrace_both
	journeys tcp
	check "tcp: the client's segments vm1 -> vm3, whole journeys" test \
		"$(jcount "$TMP/tcp.j" "e['inner_proto'] == 'tcp' and \
		e['dport'] == 5001 and 'lost' not in e and \
		path[0] == 'ch1:$VM1_LSP(vm1) in' and \
		path[-1] == 'ch2:$VM3_LSP(vm3) out' and len(path) == 4")" -ge 4 ||
		cat "$TMP/tcp.txt"
	check "tcp: the server's back, whole" test "$(jcount "$TMP/tcp.j" \
		"e['inner_proto'] == 'tcp' and e['sport'] == 5001 and \
		'lost' not in e and len(path) == 4")" -ge 3
	check "tcp: as many journeys as segments vm1 sent" test \
		"$(jcount "$TMP/tcp.j" "e['inner_proto'] == 'tcp' and \
		e['dport'] == 5001")" -eq "$(grep -c '"ifname":"vm1","dir":"in".*"dport":5001' "$TMP/tcp.ch1")"
	check "udp: each datagram one whole journey" test "$(jcount \
		"$TMP/tcp.j" "e['inner_proto'] == 'udp' and len(path) == 4 and \
		'lost' not in e")" -eq 3
}

main() {
	need ovn-nbctl ovn-northd ovs-vswitchd tc promtool || { finish; exit 1; }
	labtest_up
	set_args
	ip netns exec "$CH1_NS" "$GNV" -i lport:ls0-nope --ovs-db "$CH1_OVS_DB" \
		>/dev/null 2>"$TMP/nope.err"
	check "lport: a logical port no interface is bound to: exit 1, one line" \
		test $? -eq 1 -a "$(cat "$TMP/nope.err")" = \
		"gnvtrace: -i lport:ls0-nope: no interface of this chassis is bound to it (ovs-vsctl find Interface external_ids:iface-id=NAME finds none)"
	test_across_chassis
	test_live_one_node
	test_live_pipes
	test_acl_to_lport
	test_acl_from_lport
	test_underlay_loss
	test_tcp_udp_routed
	finish
}

main
