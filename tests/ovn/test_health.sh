#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The tunnels' health on a real OVN cluster (tests/ovn/lab.sh): TCP
# handshakes timed against tshark's reading of the same frames; MTU
# trouble (SYNs' MSS, an underlay MTU lowered, "fragmentation needed"
# from a VM routing to a smaller link); and BFD: the router's port toward
# ls1 on both chassis as gateways (two priorities), so that OVN has Open
# vSwitch run BFD between them inside Geneve; what gnvtrace decodes of it
# beside tshark's decode of the same frames and ovs-appctl bfd/show on
# both chassis.
#
# Usage: test_health.sh BUILD_DIR
BUILD=$(cd "${1:-build}" && pwd)
# shellcheck source=tests/ovn/labtest.sh
. "$(dirname "$0")/labtest.sh"
labtest_init gnvth 16671 16672

nbctl() { ovn-nbctl --db="$NB" "$@"; }
bfd_show() { ip netns exec "$1" ovs-appctl -t "$2" bfd/show; }

# bfd_field CHASSIS_NS CTL NAME: a field of bfd/show's only session.
bfd_field() { bfd_show "$1" "$2" | sed -n "s/^  $3: //p" | head -1; }
ch1_field() { bfd_field "$CH1_NS" "$CH1_VSWITCHD_CTL" "$1"; }

bfd_up_both() {
	[ "$(ch1_field 'Local Session State')" = up ] &&
		[ "$(bfd_field "$CH2_NS" "$CH2_VSWITCHD_CTL" 'Local Session State')" = up ]
}

wait_for_bfd() {
	for _ in $(seq 100); do
		bfd_up_both 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# ms_to_us "100ms": 100000
ms_to_us() { echo $((${1%ms} * 1000)); }

# The BFD session between the gateways, decoded each way and compared.
test_bfd_decoded() {
	local my your tx rx
	nbctl lrp-set-gateway-chassis "lr0-$LS1" "$CH1_CHASSIS" 10
	nbctl lrp-set-gateway-chassis "lr0-$LS1" "$CH2_CHASSIS" 20
	nbctl --wait=hv sync
	if ! wait_for_bfd; then
		fail "bfd: OVN turned BFD on between the gateways"
		bfd_show "$CH1_NS" "$CH1_VSWITCHD_CTL" | sed 's/^/  | /'
		return
	fi
	ok "bfd: OVN turned BFD on between the gateways, up on both"
	start_gnvtrace "$CH1_NS" "$CH1_UNDERLAY" "$TMP/bfd.json" -o json \
		-w "$TMP/bfd.pcap" bfd || { fail "bfd: gnvtrace did not start"; return; }
	# A packet a second each way.
	for _ in $(seq 100); do
		[ "$(grep -c '"len":' "$TMP/bfd.json")" -ge 4 ] && break
		sleep 0.1
	done
	stop_gnvtrace
	my=$(ch1_field 'Local Discriminator')
	your=$(ch1_field 'Remote Discriminator')
	tx=$(ch1_field 'Local Minimum TX Interval')
	rx=$(ch1_field 'Local Minimum RX Interval')
	check "bfd: ch1's packets out say Up with its discriminators (bfd/show: $my, $your)" \
		test "$(grep '"dir":"out"' "$TMP/bfd.json" | grep -c \
		"\"bfd_state\":\"Up\",\"bfd_diag\":0,.*\"bfd_my_disc\":$((my)),\"bfd_your_disc\":$((your)),")" -ge 1
	check "bfd: ch2's packets in, the other way round" \
		test "$(grep '"dir":"in"' "$TMP/bfd.json" | grep -c \
		"\"bfd_state\":\"Up\",.*\"bfd_my_disc\":$((your)),\"bfd_your_disc\":$((my)),")" -ge 1
	check "bfd: the intervals bfd/show gives (TX $tx, RX $rx)" \
		test "$(grep '"dir":"out"' "$TMP/bfd.json" | grep -c \
		"\"bfd_desired_min_tx_us\":$(ms_to_us "$tx"),\"bfd_required_min_rx_us\":$(ms_to_us "$rx"),")" -ge 1
	# tshark as the oracle of every field, frame by frame.
	tshark -r "$TMP/bfd.pcap" -T fields -E separator=, -e bfd.sta -e bfd.diag \
		-e bfd.detect_time_multiplier -e bfd.my_discriminator \
		-e bfd.your_discriminator -e bfd.desired_min_tx_interval \
		-e bfd.required_min_rx_interval -e bfd.flags.p -e bfd.flags.f \
		2>/dev/null >"$TMP/bfd.tshark.raw"
	# tshark writes some in hex, flags as True/False: numbers both sides.
	/usr/bin/python3 - "$TMP/bfd.json" "$TMP/bfd.tshark.raw" \
		"$TMP/bfd.ours" "$TMP/bfd.tshark" <<'EOF'
import json, sys
states = {"AdminDown": 0, "Down": 1, "Init": 2, "Up": 3}
flag = {"True": 1, "False": 0, "1": 1, "0": 0}
with open(sys.argv[3], "w") as out:
    for line in open(sys.argv[1]):
        e = json.loads(line)
        if "len" not in e:
            continue        # the sessions at the end
        print(",".join(str(v) for v in (
            states[e["bfd_state"]], e["bfd_diag"], e["bfd_detect_mult"],
            e["bfd_my_disc"], e["bfd_your_disc"], e["bfd_desired_min_tx_us"],
            e["bfd_required_min_rx_us"], int(e["bfd_poll"]),
            int(e["bfd_final"]))), file=out)
with open(sys.argv[4], "w") as out:
    for line in open(sys.argv[2]):
        f = line.rstrip("\n").split(",")
        print(",".join(str(v) for v in
                       [int(x, 0) for x in f[:7]] + [flag[x] for x in f[7:]]),
              file=out)
EOF
	check "bfd: every field as tshark decodes it, frame by frame ($(wc -l <"$TMP/bfd.ours") frames)" \
		test -s "$TMP/bfd.ours" -a "$(cat "$TMP/bfd.ours")" = "$(cat "$TMP/bfd.tshark")" ||
		diff "$TMP/bfd.ours" "$TMP/bfd.tshark" | head -5
	"$GNV" -r "$TMP/bfd.pcap" -o json bfd 2>/dev/null | grep '"len":' |
		sed 's/^{"ts":[0-9.]*,//' >"$TMP/bfd.off"
	check "bfd: offline, from the capture, the same decode" test \
		"$(grep '"len":' "$TMP/bfd.json" | sed 's/^{"ts":[0-9.]*,"node":"[^"]*","ifname":"[^"]*","dir":"[a-z]*","hook":"[^"]*",//')" = \
		"$(cat "$TMP/bfd.off")"
}

# bfd_state_is NS CTL STATE: bfd/show's local state there is STATE, within
# 15 s.
bfd_state_is() {
	for _ in $(seq 150); do
		[ "$(bfd_field "$1" "$2" 'Local Session State')" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# A trace's BFD changes and end-of-run sessions, without their times.
# Each session's changes, in their order, session by session: between
# sessions the order is a race of clocks (ch2's detection timer against
# gnvtrace's, started by the same last packet of ch1: live the loop's
# turn decides, offline the next packet's time; seen once in CI).
changes_of() { sed -n 's/^[0-9:.]* \(BFD .* -> .*\)$/\1/p' "$1" | sort -s -k2,4; }
sessions_of() { sed -n 's/^\(bfd .*\), last packet .*/\1/p' "$1"; }

flap_count() {
	ovs-vsctl --db="$CH1_OVS_DB" get Interface "ovn-$CH2_CHASSIS-0" \
		bfd_status:flap_count | tr -d '"'
}

# The underlay cut (what ch2 sends dropped on its egress) and restored:
# ch1's session goes Up -> Down with "Control Detection Time Expired" and
# Up again, each once, as many changes as OVS's flap_count; ch2's, silent
# meanwhile, counted Down past its detection time, then Up.
test_bfd_flap() {
	local f=$TMP/flap flaps0 flaps1
	local s12="$CH1_HOST($CH1_ENCAP_IP) > $CH2_HOST($CH2_ENCAP_IP)"
	local s21="$CH2_HOST($CH2_ENCAP_IP) > $CH1_HOST($CH1_ENCAP_IP)"
	flaps0=$(flap_count)
	start_gnvtrace "$CH1_NS" "$CH1_UNDERLAY" "$f" --ovn-sb "$SB" \
		--metrics-file "$TMP/flap.prom" -w "$TMP/flap.pcap" bfd ||
		{ fail "flap: gnvtrace did not start"; return; }
	# Both sessions seen before the cut (a packet a second each way).
	for _ in $(seq 50); do
		[ "$(grep -c " BFD Up," "$f")" -ge 2 ] &&
			grep -q " in .* BFD Up," "$f" && grep -q " out .* BFD Up," "$f" &&
			break
		sleep 0.1
	done
	if ! underlay_filter "$CH2_NS" "$CH2_UNDERLAY" tc_drop; then
		fail "flap: the dropping filter"
		stop_gnvtrace
		return
	fi
	check "flap: ch1's BFD goes down with the underlay cut" \
		bfd_state_is "$CH1_NS" "$CH1_VSWITCHD_CTL" down
	underlay_clear "$CH2_NS" "$CH2_UNDERLAY"
	check "flap: and up again once restored" \
		bfd_state_is "$CH1_NS" "$CH1_VSWITCHD_CTL" up
	sleep 2		# a packet or two each way, Up
	stop_gnvtrace
	flaps1=$(flap_count)
	check "flap: ch1 > ch2 Up -> Down, Control Detection Time Expired, once" \
		test "$(grep -c "BFD $s12: Up -> Down, diag Control Detection Time Expired$" "$f")" -eq 1 ||
		grep ' BFD ' "$f"
	check "flap: and -> Up again, once" \
		test "$(grep -c "BFD $s12: [A-Za-z]* -> Up," "$f")" -eq 1 ||
		grep " BFD " "$f"
	check "flap: ch2 > ch1, silent, counted Down past its detection time" \
		grep -q "BFD $s21: Up -> Down, diag Control Detection Time Expired (silent past its detection time)$" "$f"
	check "flap: both Up at the end" test "$(grep -c \
		"^bfd .*: Up, [0-9]* packets" "$f")" -eq 2
	# OVS counts a flap each time forwarding changes: into Up, out of it.
	check "flap: ch1 > ch2's changes into and out of Up are OVS's flaps ($flaps0 -> $flaps1)" \
		test "$(grep -c "BFD $s12: \(Up -> .*\|.* -> Up\)," "$f")" -eq \
		$((flaps1 - flaps0))
	check "flap: the metrics count every change the lines say" \
		grep -qx "gnvtrace_bfd_state_changes_total{from=\"$CH1_ENCAP_IP\",to=\"$CH2_ENCAP_IP\",from_chassis=\"$CH1_HOST\",to_chassis=\"$CH2_HOST\"} $(grep -c "^[0-9:.]* BFD $s12: " "$f")" \
		"$TMP/flap.prom"
	check "flap: the metrics pass promtool" \
		bash -c "promtool check metrics <'$TMP/flap.prom' >/dev/null 2>&1"
	# Offline, the capture's time the clock: the same changes, and the
	# same sessions at the end (but for the time since their last packet).
	"$GNV" -r "$TMP/flap.pcap" --ovn-sb "$SB" bfd >"$f.off" 2>/dev/null
	check "flap: offline, the same changes as live ($(grep -c ' -> ' "$f") lines)" \
		test "$(changes_of "$f")" = "$(changes_of "$f.off")" ||
		diff <(changes_of "$f") <(changes_of "$f.off")
	check "flap: offline, the same sessions at the end" \
		test "$(sessions_of "$f")" = "$(sessions_of "$f.off")"
	# The parallel reader (4 KiB chunks in test_split) on the flap twelve
	# times over, a minute apart: its BFD lines as the sequential one's.
	mkdir -p "$TMP/flaps"
	/usr/bin/python3 - "$TMP/flap.pcap" "$TMP/flaps/flaps.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
recs, i = [], 24
while i < len(d):
    ts, us, cl, ol = struct.unpack("<IIII", d[i:i + 16])
    recs.append((ts, us, d[i + 16:i + 16 + cl], ol))
    i += 16 + cl
with open(sys.argv[2], "wb") as out:
    out.write(d[:24])
    for k in range(12):
        for ts, us, data, ol in recs:
            out.write(struct.pack("<IIII", ts + 60 * k, us, len(data), ol) + data)
EOF
	check "flap: the parallel reader's BFD lines are the sequential one's" \
		bash -c "'$BUILD/tests/split/test_split' '$BUILD/mix20k.pcap' \
			'$TMP/flaps' >'$TMP/split.out' 2>&1" ||
		tail -3 "$TMP/split.out"
}

# connect VM_NS IP PORT: one TCP handshake, within 3 s.
connect() {
	ip netns exec "$1" timeout 3 /usr/bin/python3 -c \
		"import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 2).close()" \
		"$2" "$3"
}

# listen VM_NS PORT [drain]: accepts one connection (and with drain reads
# it to its end), for at most 30 s.
listen() {
	ip netns exec "$1" timeout 30 /usr/bin/python3 -c "
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', int(sys.argv[1])))
s.listen()
c = s.accept()[0]
while sys.argv[2] == 'drain' and c.recv(65536):
    pass
c.close()" "$2" "${3:-}" &
	PIDS+=($!)
	for _ in $(seq 40); do
		ip netns exec "$1" ss -ltn "sport = :$2" | grep -q LISTEN && return 0
		sleep 0.05
	done
	return 1
}

# size_of DIR PORT_KEY: the JSON --hist size line of ch1's key.
size_of() {
	grep '"hist":"size"' "$TMP/mtu.json" | grep "\"dir\":\"$1\"" |
		grep "\"port\":$2,"
}

# MTU trouble on real OVN, seen on ch1's underlay: vm1 with a jumbo MTU
# sends a SYN whose MSS (8960) will not fit the 1500 underlay with the
# tunnel's 98 bytes, vm2 answers with one that does (1360 on its 1400);
# the underlay lowered to 1450 while tracing, 1360 no longer fits either
# way. vm2 routes 10.99.0.0/24 through a link of MTU 1200: vm1's
# ping with DF gets "fragmentation needed" back through the tunnel, which
# vm1's kernel takes (its route to there says mtu 1200). tshark on a
# capture of the same underlay is the oracle of the MSS and the sizes.
test_mtu_trouble() {
	local vm1=(ip netns exec "$VM1_NS") vm2=(ip netns exec "$VM2_NS")
	local out in big
	start_gnvtrace "$CH1_NS" "$CH1_UNDERLAY" "$TMP/mtu.json" -q -o json \
		--hist size -w "$TMP/mtu.pcap" --metrics-file "$TMP/mtu.prom" \
		'tcp[tcpflags] & tcp-syn != 0 or icmp' ||
		{ fail "mtu: gnvtrace did not start"; return; }
	"${vm1[@]}" ip link set eth0 mtu 9000
	listen "$VM2_NS" 5001 && connect "$VM1_NS" "$VM2_IP" 5001 ||
		fail "mtu: a TCP connection vm1 -> vm2"
	"${vm1[@]}" ip link set eth0 mtu 1400
	ip netns exec "$CH1_NS" ip link set "$CH1_UNDERLAY" mtu 1450
	wait_count 1 grep -c "MTU 1500 -> 1450" "$TMP/mtu.json.err" ||
		fail "mtu: the underlay's new MTU noticed"
	listen "$VM2_NS" 5002 && connect "$VM1_NS" "$VM2_IP" 5002 ||
		fail "mtu: a second TCP connection vm1 -> vm2"
	ip netns exec "$CH1_NS" ip link set "$CH1_UNDERLAY" mtu 1500
	"${vm2[@]}" sysctl -qw net.ipv4.ip_forward=1 &&
		"${vm2[@]}" ip link add d0 type veth peer name d1 &&
		"${vm2[@]}" ip link set d0 mtu 1200 up &&
		"${vm2[@]}" ip link set d1 up &&
		"${vm2[@]}" ip addr add 10.99.0.1/24 dev d0 &&
		"${vm1[@]}" ip route add 10.99.0.0/24 via "$VM2_IP" ||
		fail "mtu: vm2 as a router to a 1200-byte link"
	"${vm1[@]}" ping -n -c 1 -W 2 -M do -s 1300 10.99.0.5 >"$TMP/ping" 2>&1
	sleep 0.5	# -q: nothing to wait for but the frames
	stop_gnvtrace
	out=$(size_of out "$VM1_LSP_KEY")
	in=$(size_of in "$VM1_LSP_KEY")
	check "mtu: vm1's SYNs over the MTU, 8960 at 1500 and 1360 at 1450" \
		grep -q '"mss_over":2,"mss_overhead":98,' <<<"$out" ||
		echo "  $out"
	check "mtu: tshark sees those MSS on the underlay (8960, 1360)" test \
		"$(tshark -r "$TMP/mtu.pcap" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0" \
			-T fields -e tcp.options.mss_val 2>/dev/null | tr '\n' ' ')" = "8960 1360 "
	check "mtu: vm2's SYN-ACKs: 1360 fits 1500, not 1450" \
		grep -q '"mss_over":1,"mss_overhead":98,' <<<"$in" || echo "  $in"
	check "mtu: one 'fragmentation needed' to vm1, MTU 1200 announced" \
		grep -q '"too_big":1,"too_big_mtu":1200,' <<<"$in"
	check "mtu: vm1's kernel took it (ping: mtu = 1200; its route cache)" \
		bash -c "grep -q 'mtu = 1200' '$TMP/ping' &&
			ip netns exec '$VM1_NS' ip route get 10.99.0.5 | grep -q 'mtu 1200'"
	big=$(tshark -r "$TMP/mtu.pcap" -Y "ip.src == $CH1_ENCAP_IP" -T fields \
		-e frame.len 2>/dev/null | sort -n | tail -1)
	check "mtu: the largest frame vm1 sent ($big bytes, tshark)" \
		grep -q "\"max_len\":${big:-none}," <<<"$out"
	check "mtu: the metrics say so (promtool, too big, SYNs)" bash -c "
		promtool check metrics <'$TMP/mtu.prom' >/dev/null 2>&1 &&
		grep -q '^gnvtrace_port_too_big_mtu_bytes{.*} 1200\$' '$TMP/mtu.prom' &&
		grep -q '^gnvtrace_port_syn_mss_over_mtu_total{.*} 2\$' '$TMP/mtu.prom'"
	"$GNV" -r "$TMP/mtu.pcap" -q -o json --hist size --mtu 1500 \
		2>/dev/null >"$TMP/mtu.off"
	check "mtu: offline (--mtu 1500), the 'too big' and the 8960 SYN the same" \
		bash -c "grep -q '\"too_big\":1,\"too_big_mtu\":1200,' '$TMP/mtu.off' &&
			grep -q '\"mss_over\":1,\"mss_overhead\":98,' '$TMP/mtu.off'"
}

# log2_slot US: the histograms' slot of a gap of US microseconds.
log2_slot() {
	local us=$1 k=0
	while [ "$us" -gt 1 ]; do us=$((us / 2)); k=$((k + 1)); done
	echo $k
}

# same_slots GAPS SLOTS: each gap (us, ascending) in the slot beside it,
# give or take the 1 us pcap's times round to at a slot's edge.
same_slots() {
	local gaps=($(tr ' ' '\n' <<<"$1" | sort -n)) slots=($2) i
	[ ${#gaps[@]} -eq ${#slots[@]} ] || return 1
	for i in "${!gaps[@]}"; do
		[ "$(log2_slot $((gaps[i] - 1)))" = "${slots[i]}" ] ||
			[ "$(log2_slot $((gaps[i] + 1)))" = "${slots[i]}" ] || return 1
	done
}

# TCP handshakes timed on ch1's underlay: vm1 -> vm2 (the network and
# vm2's stack), one whose first SYN the underlay drops (sent again after
# Linux's 1 s: the handshake counts from the first), and one to a closed
# port (RST: unanswered). The oracle: each handshake's SYN -> SYN-ACK gap
# in the same run's -w frames (the kernel's times), read by tshark, lands
# in the slot gnvtrace counted it in. --echo-timeout 2: the SYN sent again
# after 1 s must find the first still waiting.
test_handshakes() {
	local gaps json slots
	start_gnvtrace "$CH1_NS" "$CH1_UNDERLAY" "$TMP/hs.json" -q -o json \
		--hist rtt --echo-timeout 2 -w "$TMP/hs.pcap" \
		--metrics-file "$TMP/hs.prom" tcp ||
		{ fail "handshakes: gnvtrace did not start"; return; }
	listen "$VM2_NS" 5003 && connect "$VM1_NS" "$VM2_IP" 5003 ||
		fail "handshakes: a TCP connection vm1 -> vm2"
	listen "$VM2_NS" 5004 || fail "handshakes: vm2 listening on 5004"
	# ch1's egress drops for 0.5 s: gnvtrace (tcx, first) sees the SYN go.
	if underlay_filter "$CH1_NS" "$CH1_UNDERLAY" tc_drop; then
		connect "$VM1_NS" "$VM2_IP" 5004 &
		sleep 0.5
		underlay_clear "$CH1_NS" "$CH1_UNDERLAY"
		wait_bounded $! ||
			fail "handshakes: the connection whose SYN was lost"
	else
		fail "handshakes: the dropping filter"
	fi
	connect "$VM1_NS" "$VM2_IP" 5999 2>/dev/null	# refused
	sleep 3.2	# the refused SYN's timeout (2 s), and a reap
	stop_gnvtrace
	json=$(grep '"hist":"handshake"' "$TMP/hs.json" | grep '"dir":"out"')
	check "handshakes: 2 timed and 1 unanswered on vm1's port" \
		grep -q "\"port\":$VM1_LSP_KEY,.*\"count\":2,.*\"unanswered\":1," <<<"$json" ||
		echo "  $json"
	# tshark: per stream, the first SYN's time to the SYN-ACK's, in us.
	gaps=$(tshark -r "$TMP/hs.pcap" -Y "tcp.flags.syn == 1" -T fields \
		-e tcp.stream -e tcp.flags.ack -e frame.time_epoch 2>/dev/null |
		awk '$2 == 0 && !($1 in syn) { syn[$1] = $3 }
		     $2 == 1 && ($1 in syn) { printf "%d\n", ($3 - syn[$1]) * 1e6 }')
	slots=$(grep -o '"buckets":.*' <<<"$json" | grep -o '"min":[0-9]*' |
		while read -r m; do log2_slot "${m#\"min\":}"; done)
	check "handshakes: in tshark's slots (gaps $(echo $gaps) us, slots $(echo $slots))" \
		same_slots "$gaps" "$slots"
	check "handshakes: the lost SYN's over 1 s, from the first SYN" \
		test "$(echo $gaps | tr ' ' '\n' | sort -n | tail -1)" -ge 1000000
	# Offline the capture's times are the clock: the same slots (the
	# refused SYN's timeout is past the capture's end, not counted there).
	check "handshakes: offline, from the frames, the same handshakes" test \
		"$("$GNV" -r "$TMP/hs.pcap" -q -o json --hist rtt --echo-timeout 2 \
			2>/dev/null | grep '"hist":"handshake"' |
			grep -o '"count":[0-9]*\|"buckets":.*')" = \
		"$(grep -o '"count":[0-9]*\|"buckets":.*' <<<"$json")"
	check "handshakes: the metrics (promtool, 2 timed, 1 unanswered)" bash -c "
		promtool check metrics <'$TMP/hs.prom' >/dev/null 2>&1 &&
		grep -q '^gnvtrace_port_tcp_handshake_seconds_count{.*direction=\"out\".*} 2\$' '$TMP/hs.prom' &&
		grep -q '^gnvtrace_port_tcp_syn_unanswered_total{.*direction=\"out\".*} 1\$' '$TMP/hs.prom'"
}

# send_bulk VM_NS IP PORT BYTES OUT: sends BYTES to IP:PORT, waits until
# the peer has acked them all, then holds the connection 2 s (for ss to
# read) before closing; OUT gets "sent".
send_bulk() {
	ip netns exec "$1" timeout 30 /usr/bin/python3 -c "
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
s.setsockopt(socket.SOL_SOCKET, 47, 2000000)   # SO_MAX_PACING_RATE, B/s
s.sendall(b'x' * int(sys.argv[3]))
while s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[24:28] != bytes(4):
    time.sleep(0.05)          # tcpi_unacked: data not yet acked
print('sent', flush=True)
time.sleep(2)
s.close()" "$2" "$3" "$4" >"$5"
}

# resent_in PCAP: "DUPS LATE" of the TCP segments with data in PCAP, each
# flow's every byte range remembered (what gnvtrace keeps one gap of):
# DUPS resend bytes seen before, LATE come behind later bytes but bring
# their own (overtaken, or resent for a loss before the capture).
resent_in() {
	tshark -r "$1" -Y "tcp.len > 0" -T fields -e ip.src -e ip.dst \
		-e tcp.srcport -e tcp.dstport -e tcp.seq_raw -e tcp.len 2>/dev/null |
		/usr/bin/python3 -c "
import sys
flows, dups, late = {}, 0, 0
for line in sys.stdin:
    f = line.split()
    # The inner addresses come last (the outer's first).
    key = (f[0].split(',')[-1], f[1].split(',')[-1], f[2], f[3])
    seq, n = int(f[4]), int(f[5])
    seen = flows.setdefault(key, {'end': None, 'bytes': set()})
    new = set(range(seq, seq + n)) - seen['bytes']
    if seen['end'] is not None and seq < seen['end']:
        if not new:
            dups += 1
        else:
            late += 1
    seen['bytes'] |= set(range(seq, seq + n))
    seen['end'] = max(seen['end'] or 0, seq + n)
print(dups, late)"
}

# Retransmissions of real traffic: 4 MB from vm1 to vm2 (paced at 2 MB/s)
# over an underlay that loses one packet in twenty (a TC filter on ch1's
# egress, after gnvtrace's program, which sees every segment before). The
# oracle: the same run's frames (-w) read by tshark, each flow's every
# byte range remembered: gnvtrace counts each segment resending bytes
# seen before, and (remembering one gap of a flow, not all) may count
# some that come late behind later bytes, never more. vm1's kernel (ss
# -ti's retrans:/TOTAL) resent at least those of the resends that are not
# late (see the check).
test_retransmits() {
	local ours theirs json bulk dups late
	start_gnvtrace "$CH1_NS" "$CH1_UNDERLAY" "$TMP/rt.json" -q -o json \
		--hist tcp --direction out --metrics-file "$TMP/rt.prom" \
		-w "$TMP/rt.pcap" --snaplen 128 "tcp and host $VM1_IP" ||
		{ fail "retransmits: gnvtrace did not start"; return; }
	if ! underlay_filter "$CH1_NS" "$CH1_UNDERLAY" tc_loss; then
		fail "retransmits: the lossy filter"
		stop_gnvtrace
		return
	fi
	listen "$VM2_NS" 5005 drain || fail "retransmits: vm2 listening"
	send_bulk "$VM1_NS" "$VM2_IP" 5005 4000000 "$TMP/bulk" &
	bulk=$!
	for _ in $(seq 300); do		# 30 s at most
		grep -q sent "$TMP/bulk" 2>/dev/null && break
		sleep 0.1
	done
	theirs=$(ip netns exec "$VM1_NS" ss -tin dst "$VM2_IP:5005" |
		grep -o 'retrans:[0-9]*/[0-9]*' | cut -d/ -f2)
	wait_bounded "$bulk"
	underlay_clear "$CH1_NS" "$CH1_UNDERLAY"
	stop_gnvtrace
	json=$(grep '"hist":"tcp"' "$TMP/rt.json" | grep "\"port\":$VM1_LSP_KEY,")
	ours=$(grep -o '"retransmits":[0-9]*' <<<"$json" | cut -d: -f2)
	read -r dups late <<<"$(resent_in "$TMP/rt.pcap")"
	check "retransmits: every resend of bytes seen, at most the late ones more (tshark: ${dups:-?} resent, ${late:-?} late; gnvtrace: ${ours:-?})" \
		test -n "$ours" -a "${dups:-0}" -gt 0 -a "${ours:-0}" -ge "${dups:-0}" -a \
		"${ours:-0}" -le $((${dups:-0} + ${late:-0}))
	# Not all of them: twice in CI (never here) the capture held more
	# resends than vm1's kernel counted (168 > 154, 153 > 110), with
	# gnvtrace = tshark; a frame the lossy filter refused may be sent
	# again by the datapath behind it, a late copy vm1 never made. The
	# resends that are not late, vm1 made.
	check "retransmits: vm1 resent at least the ones not late (ss -ti: ${theirs:-?})" \
		test "${theirs:-0}" -ge $((${dups:-1} - ${late:-0}))
	check "retransmits: vm1's 4 MB in segments with data counted" \
		test "$(grep -o '"segments":[0-9]*' <<<"$json" | cut -d: -f2)" -ge $((4000000 / 1400))
	check "retransmits: the metrics (promtool, the same count)" bash -c "
		promtool check metrics <'$TMP/rt.prom' >/dev/null 2>&1 &&
		grep -q '^gnvtrace_port_tcp_retransmits_total{.*} ${ours:-none}\$' '$TMP/rt.prom' &&
		grep -q '^gnvtrace_tcp_flows_evicted_total 0\$' '$TMP/rt.prom'"
}

main() {
	need ovn-nbctl ovn-northd ovs-vswitchd tshark tc promtool || { finish; exit 1; }
	labtest_up
	test_retransmits
	test_handshakes
	test_mtu_trouble
	test_bfd_decoded
	test_bfd_flap
	finish
}

main
