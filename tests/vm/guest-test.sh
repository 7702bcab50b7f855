#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs INSIDE the test VM (tests/vm/run.sh boots it; tests/vm/init starts
# this with the host's bash, chrooted on the host's root): gnvtrace on
# Debian 12's own kernel (6.1), which has Geneve, no tcx, and a verifier
# three years older than the host's.
#
#   1. the verifier accepts gnvtrace's programs (XDP and TC)
#   2. a real collect_md Geneve tunnel between two namespaces over a veth
#      underlay, OVN's option set by the route: gnvtrace decodes it on
#      ingress (XDP) and on egress, where 6.1 has no tcx and gnvtrace falls
#      back to a clsact filter, removed on exit and by --cleanup; then at
#      MTU 9000, native XDP with 8 KB frames (veth has multi-buffer XDP)
#   3. Open vSwitch on the kernel datapath creates genev_sys_6081, and
#      Geneve crosses it both ways (the OVS helpers, in their own block,
#      are for tests of gnvtrace there)
#   4. a real driver, virtio_net (two virtio-net NICs on a QEMU hub): native
#      XDP at MTU 1500; at MTU 9000 6.1 refuses it, --xdp-mode native says
#      why in one line, auto falls back to generic; Geneve decoded both ways
#   5. a NIC that strips VLAN tags, e1000 (two QEMU e1000 NICs on a hub of
#      their own): gnvtrace warns once, and the tag tcpdump sees arriving is
#      not in the frame generic XDP gets; with rx-vlan-offload off, no
#      warning, and the event has the VLAN
#
# Usage: guest-test.sh BUILD_DIR. Environment from init: GNV_VM_PKG (the
# unpacked kernel package, for modprobe -d), GNV_VM_SHARE (read-write on the
# host: logs are left there). Everything is torn down at the end.
set -u

BUILD=${1:-${GNV_VM_BUILD:-build}}
GNV=$BUILD/gnvtrace
SHARE=${GNV_VM_SHARE:-/tmp}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CAPS=${CAPTURES:-$REPO/../shared/captures}
NS_A=gnvvm-a
NS_B=gnvvm-b
TMP=$(mktemp -d)

A_UNDER=10.0.0.1 B_UNDER=10.0.0.2
A_OVER=192.168.100.1 B_OVER=192.168.100.2
A_MAC=02:00:00:00:00:01 B_MAC=02:00:00:00:00:02
VNI=5

# shellcheck source=tests/testlib.sh
. "$REPO/tests/testlib.sh"
# The verifier takes seconds under emulation.
GNV_ATTACH_WAIT=60
a() { ip netns exec "$NS_A" "$@"; }
b() { ip netns exec "$NS_B" "$@"; }
t() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(t)" 'BEGIN { printf "%.1f", b - a }'; }

cleanup() {
	[ -n "$GNV_PID" ] && kill -9 "$GNV_PID" 2>/dev/null
	ovs_stop
	ip netns del "$NS_VA" 2>/dev/null
	ip netns del "$NS_VB" 2>/dev/null
	e1000_stop_tcpdump
	ip netns del "$NS_EA" 2>/dev/null
	ip netns del "$NS_EB" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# 0. The kernel

test_kernel() {
	local k
	k=$(uname -r)
	echo "# kernel $k, $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)"
	check "guest runs Debian's 6.1 kernel ($k)" bash -c "case $k in 6.1.*) true ;; *) false ;; esac"
	for m in geneve veth openvswitch sch_ingress cls_bpf virtio_net e1000; do
		check "module $m loaded from the unpacked package" test -d "/sys/module/$m"
	done
}

# ---------------------------------------------------------------------------
# 1. The verifier

# show_verifier_log LOG: the end of libbpf's log, where the verifier says
# why it refused, and the whole log into the share.
show_verifier_log() {
	cp "$1" "$SHARE/verifier-$(basename "$1")" 2>/dev/null
	echo "  --- last 40 lines of libbpf's log (whole log: $SHARE/verifier-$(basename "$1")) ---"
	tail -40 "$1" | sed 's/^/  | /'
}

test_verifier() {
	local t0 rc
	t0=$(t)
	"$GNV" -i lo --duration 1 >"$TMP/v.out" 2>"$TMP/v.err"
	rc=$?
	echo "# gnvtrace -i lo --duration 1: exit $rc in $(secs "$t0") s"
	sed 's/^/  stderr: /' "$TMP/v.err"
	check "verifier: gnvtrace -i lo (XDP in, TC out) starts and exits 0" test $rc -eq 0
	# Only the lines a good run prints: tracing, the 6.1 fallback, lo's
	# generic XDP, the summary.
	check "verifier: nothing else on stderr" \
		bash -c "! grep -vE '^gnvtrace: (tracing |this kernel has no tcx|.*generic mode|[0-9]+ packets seen)' $TMP/v.err"
	check "verifier: it said it was tracing lo both ways" grep -q "^gnvtrace: tracing lo, in (.*), out (.*)" "$TMP/v.err"
	if [ $rc -ne 0 ]; then
		"$GNV" -v -v -i lo --duration 1 >/dev/null 2>"$TMP/libbpf.log"
		show_verifier_log "$TMP/libbpf.log"
	fi
	# Each program's verification on its own, with the kernel's numbers.
	for dir in in out; do
		"$GNV" -i lo --direction "$dir" --duration 0.5 >/dev/null 2>"$TMP/v-$dir.err"
		rc=$?
		check "verifier: --direction $dir alone exits 0" test $rc -eq 0
		if [ $rc -ne 0 ]; then
			sed 's/^/  stderr: /' "$TMP/v-$dir.err"
			"$GNV" -v -v -i lo --direction "$dir" --duration 0.5 >/dev/null 2>"$TMP/libbpf-$dir.log"
			show_verifier_log "$TMP/libbpf-$dir.log"
		fi
	done
}

# The XDP program under BPF_PROG_TEST_RUN on every shared capture, field for
# field against the host parser: the kernel suite, on 6.1.
test_kern_suite() {
	local t0
	if [ ! -x "$BUILD/tests/kern/test_kern" ] || [ ! -d "$CAPS" ]; then
		echo "# test_kern or the captures ($CAPS) missing: skipped"
		return
	fi
	t0=$(t)
	"$BUILD/tests/kern/test_kern" "$CAPS" >"$TMP/kern.log" 2>&1
	local rc=$? line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$TMP/kern.log" | tail -1)
	echo "# tests/kern/test_kern on 6.1: ${line:-no result line}, exit $rc, $(secs "$t0") s"
	check "kern suite (BPF_PROG_TEST_RUN) passes on 6.1" test $rc -eq 0 -a -n "$line"
	if [ $rc -ne 0 ]; then
		cp "$TMP/kern.log" "$SHARE/kern.log"
		grep -v '^ok ' "$TMP/kern.log" | tail -30 | sed 's/^/  | /'
	fi
}

# ---------------------------------------------------------------------------
# 2. A real Geneve tunnel: collect_md devices, OVN's option from the route

geneve_setup() {
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add vethA netns "$NS_A" type veth peer name vethB netns "$NS_B" &&
	a ip link set lo up && b ip link set lo up &&
	a ip addr add "$A_UNDER/24" dev vethA && a ip link set vethA up &&
	b ip addr add "$B_UNDER/24" dev vethB && b ip link set vethB up &&
	# collect_md ("external"): the tunnel key and options come with each
	# packet, here from the routes' lightweight tunnel encap.
	a ip link add gnv0 address "$A_MAC" type geneve external &&
	b ip link add gnv0 address "$B_MAC" type geneve external &&
	a ip addr add "$A_OVER/32" dev gnv0 && a ip link set gnv0 up &&
	b ip addr add "$B_OVER/32" dev gnv0 && b ip link set gnv0 up &&
	# OVN's option: class 0x0102, type 0x80, data = ingress key (15 bits
	# after a reserved one), egress key (16 bits). iproute2 reads class and
	# type with base 0, so 0102 would be octal.
	a ip route add "$B_OVER/32" encap ip id "$VNI" dst "$B_UNDER" ttl 64 \
		geneve_opts 0x0102:0x80:00010002 dev gnv0 &&
	b ip route add "$A_OVER/32" encap ip id "$VNI" dst "$A_UNDER" ttl 64 \
		geneve_opts 0x0102:0x80:00020001 dev gnv0 &&
	# ARP cannot cross a collect_md device (its requests carry no tunnel
	# metadata), so the neighbours are static.
	a ip neigh add "$B_OVER" lladdr "$B_MAC" dev gnv0 nud permanent &&
	b ip neigh add "$A_OVER" lladdr "$A_MAC" dev gnv0 nud permanent
}

ping_b() { a ping -c "${1:-1}" -i 0.2 -W 3 "$B_OVER" >"$TMP/ping.out" 2>&1; }

# json_grep FILE FIELD... : the lines of FILE that have every "key":value given
json_grep() {
	local f=$1 pat
	shift
	pat=$(printf '%s\n' "$@")
	awk -v pat="$pat" 'BEGIN { n = split(pat, p, "\n") }
		{ for (i = 1; i <= n; i++) if (index($0, p[i]) == 0) next; print }' "$f"
}

# json_has FILE FIELD... : a line of FILE has every "key":value given
json_has() { [ -n "$(json_grep "$@")" ]; }

request_fields() {
	echo '"vni":5' '"ovn_inport":1' '"ovn_outport":2' "\"outer_src\":\"$A_UNDER\"" \
		"\"outer_dst\":\"$B_UNDER\"" '"outer_dport":6081' "\"inner_src\":\"$A_OVER\"" \
		"\"inner_dst\":\"$B_OVER\"" '"inner_proto":"icmp"' '"icmp_type":8' \
		"\"inner_eth_src\":\"$A_MAC\"" "\"inner_eth_dst\":\"$B_MAC\""
}

test_geneve_ping() {
	if ! geneve_setup; then
		fail "Geneve lab setup (ip link add ... type geneve external, encap routes)"
		return 1
	fi
	echo "# $NS_A: $(a ip route show "$B_OVER/32")"
	check "ping $A_OVER -> $B_OVER through the collect_md Geneve devices" ping_b 2 ||
		sed 's/^/  | /' "$TMP/ping.out"
}

test_ingress_xdp() {
	local f=$TMP/in.json
	start_gnvtrace "$NS_B" vethB "$f" -o json --direction in || { fail "ingress: gnvtrace on vethB"; return; }
	check "ingress: XDP program attached to vethB" bash -c "ip -n $NS_B -d link show vethB | grep -q 'prog/xdp'"
	ping_b 3
	sleep 0.5
	stop_gnvtrace
	check "ingress: gnvtrace exits 0 on SIGINT" test $? -eq 0
	echo "# vethB in: $(head -1 "$f")"
	# shellcheck disable=SC2046
	check "ingress (XDP): VNI 5, OVN 1->2, ICMP echo request from $A_OVER, dir in" \
		json_has "$f" '"ifname":"vethB"' '"dir":"in"' $(request_fields)
	check "ingress: 3 echo requests, nothing else (replies leave, not enter)" \
		test "$(grep -c '"icmp_type":8' "$f")" -eq 3 -a "$(wc -l <"$f")" -eq 3
	check "ingress: summary counts 3 Geneve, 3 matched, 0 lost, 0 malformed" \
		grep -q "3 Geneve, 3 matched, 0 lost, 0 malformed" "$f.err" || sed 's/^/  stderr: /' "$f.err"
	check "ingress: XDP detached on exit" bash -c "! ip -n $NS_B -d link show vethB | grep -q 'prog/xdp'"
}

tc_egress_empty() { [ -z "$(a tc filter show dev vethA egress 2>/dev/null)" ]; }

test_egress_clsact() {
	local f=$TMP/out.json
	start_gnvtrace "$NS_A" vethA "$f" -o json --direction out || { fail "egress: gnvtrace on vethA"; return; }
	check "egress: the 6.1 fallback is announced" grep -qx \
		"gnvtrace: this kernel has no tcx (Linux 6.6+): attaching to vethA egress through a clsact filter" "$f.err" ||
		sed 's/^/  stderr: /' "$f.err"
	check "egress: gnvtrace's filter is on vethA's clsact egress" \
		bash -c "ip netns exec $NS_A tc filter show dev vethA egress | grep -q tc_egress"
	ping_b 3
	sleep 0.5
	stop_gnvtrace
	check "egress: gnvtrace exits 0 on SIGINT" test $? -eq 0
	echo "# vethA out: $(head -1 "$f")"
	# shellcheck disable=SC2046
	check "egress (clsact): the same echo request, dir out" \
		json_has "$f" '"ifname":"vethA"' '"dir":"out"' $(request_fields)
	check "egress: 3 events" test "$(wc -l <"$f")" -eq 3
	check "egress: no filter left on vethA egress after exit" tc_egress_empty ||
		a tc filter show dev vethA egress | sed 's/^/  | /'
	check "egress: the clsact qdisc gnvtrace made is gone too" \
		bash -c "! ip netns exec $NS_A tc qdisc show dev vethA | grep -q clsact"
}

test_both_directions() { # requests in, replies out, on the same veth
	local f=$TMP/both.json
	start_gnvtrace "$NS_B" vethB "$f" -o json || { fail "both: gnvtrace on vethB"; return; }
	ping_b 2
	sleep 0.5
	stop_gnvtrace
	check "both: requests in (OVN 1->2) on vethB" \
		test "$(grep '"dir":"in"' "$f" | grep '"ovn_inport":1,"ovn_outport":2' | grep -c '"icmp_type":8')" -eq 2
	check "both: replies out (OVN 2->1, to $A_OVER) on vethB" \
		test "$(grep '"dir":"out"' "$f" | grep '"ovn_inport":2,"ovn_outport":1' | grep "\"inner_dst\":\"$A_OVER\"" | grep -c '"icmp_type":0')" -eq 2
}

test_text_and_filter() {
	local f=$TMP/txt
	start_gnvtrace "$NS_B" vethB "$f" vni 5 and icmp-type echo-reply || { fail "text: gnvtrace on vethB"; return; }
	ping_b 2
	sleep 0.5
	stop_gnvtrace
	check "text + filter (vni 5 and icmp-type echo-reply): 2 lines, replies out, ovn 2->1" \
		test "$(grep -c " vethB out $B_UNDER > $A_UNDER vni 5 ovn 2->1 | $B_MAC > $A_MAC $B_OVER > $A_OVER: ICMP echo reply" "$f")" -eq 2 ||
		sed 's/^/  | /' "$f"
}

# Filters of inner protocols and VNIs alone, judged by their tables (no
# event buffer, no filter call), on 6.1's verifier: by protocol, and by
# protocol and VNI (each its own path in the program), taken and
# rejected, in (XDP) and out (TC). The echoes are VNI 5's.
test_table_filter() {
	local f filter
	for filter in "icmp" "vni 5 and icmp"; do
		f=$TMP/table-${filter// /-}.json
		start_gnvtrace "$NS_B" vethB "$f" -o json "$filter" ||
			{ fail "table: gnvtrace '$filter' on vethB"; return; }
		ping_b 2
		sleep 0.5
		stop_gnvtrace
		check "table ($filter) on vethB: 2 requests in, 2 replies out, nothing else" \
			test "$(grep -c '"dir":"in".*"icmp_type":8' "$f")" -eq 2 -a \
			"$(grep -c '"dir":"out".*"icmp_type":0' "$f")" -eq 2 -a \
			"$(wc -l <"$f")" -eq 4
	done
	# 4 echoes, and any neighbour discovery of the inner hosts (ARP).
	for filter in "tcp or icmp6" "vni 6 or tcp"; do
		f=$TMP/table-none-${filter// /-}.json
		start_gnvtrace "$NS_B" vethB "$f" -o json "$filter" ||
			{ fail "table: gnvtrace '$filter' on vethB"; return; }
		ping_b 2
		sleep 0.5
		stop_gnvtrace
		check "table ($filter) on vethB: the Geneve frames counted, none taken" \
			test "$(wc -l <"$f")" -eq 0 -a \
			"$(grep -cE '([4-9]|[1-9][0-9]+) Geneve, 0 matched, 0 lost, 0 malformed' "$f.err")" -eq 1 ||
			sed 's/^/  stderr: /' "$f.err"
	done
}

# A byte expression, libpcap's program translated into the programs on
# 6.1's verifier: on the veth (XDP in, TC out), and on the collect_md
# device, whose frames are the inner ones themselves.
test_bytes_filter() {
	local f=$TMP/bytes.json g=$TMP/bytes-gnv0.json
	start_gnvtrace "$NS_B" vethB "$f" -o json 'icmp[icmptype] = icmp-echoreply' ||
		{ fail "bytes: gnvtrace on vethB"; return; }
	ping_b 2
	sleep 0.5
	stop_gnvtrace
	check "bytes (icmp[icmptype] = icmp-echoreply) on vethB: the 2 replies out, nothing else" \
		test "$(grep -c '"dir":"out".*"icmp_type":0' "$f")" -eq 2 -a "$(wc -l <"$f")" -eq 2
	start_gnvtrace "$NS_B" gnv0 "$g" -o json 'icmp[icmptype] = icmp-echo' ||
		{ fail "bytes: gnvtrace on gnv0"; return; }
	ping_b 2
	sleep 0.5
	stop_gnvtrace
	check "bytes (icmp[icmptype] = icmp-echo) on gnv0: the 2 requests in, nothing else" \
		test "$(grep -c '"dir":"in".*"icmp_type":8' "$g")" -eq 2 -a "$(wc -l <"$g")" -eq 2
}

# On the receiving collect_md device itself: the kernel has decapsulated,
# and gnvtrace reads the tunnel metadata (TC on both sides, no XDP).
test_decap_collect_md() {
	local f=$TMP/decap.json
	start_gnvtrace "$NS_B" gnv0 "$f" -o json || { fail "decap: gnvtrace on gnv0"; return; }
	check "decap: gnv0 is taken for a Geneve device, TC both ways" grep -qx \
		"gnvtrace: tracing gnv0 (a Geneve device: decapsulated), in (clsact), out (clsact)" "$f.err" ||
		sed 's/^/  stderr: /' "$f.err"
	ping_b 3
	sleep 0.5
	stop_gnvtrace
	check "decap: gnvtrace exits 0 on SIGINT" test $? -eq 0
	echo "# gnv0 in: $(grep '"dir":"in"' "$f" | head -1)"
	echo "# gnv0 out: $(grep '"dir":"out"' "$f" | head -1)"
	check "decap in: VNI 5, OVN 1->2 and the underlay from the tunnel metadata" \
		json_has "$f" '"ifname":"gnv0"' '"dir":"in"' "\"outer_src\":\"$A_UNDER\"" \
		"\"outer_dst\":\"$B_UNDER\"" '"decap":true' '"vni":5' '"ovn_inport":1' \
		'"ovn_outport":2' "\"inner_src\":\"$A_OVER\"" '"icmp_type":8' \
		'"options":[{"class":258,"type":128,"data":"00010002"}]'
	check "decap out: the replies, VNI 5, OVN 2->1, to $A_UNDER" \
		json_has "$f" '"dir":"out"' '"decap":true' "\"outer_dst\":\"$A_UNDER\"" \
		'"vni":5' '"ovn_inport":2' '"ovn_outport":1' '"icmp_type":0'
	check "decap: no UDP port is invented" bash -c "! grep -q outer_sport $f"
	check "decap: 3 requests in, 3 replies out" test \
		"$(grep -c '"dir":"in".*"icmp_type":8' "$f")" -eq 3 -a \
		"$(grep -c '"dir":"out".*"icmp_type":0' "$f")" -eq 3
	check "decap: nothing left on gnv0 after exit" test -z \
		"$(b tc filter show dev gnv0 ingress)$(b tc filter show dev gnv0 egress)"
}

# An IPv6 underlay on the same devices: the tunnel key is read for the
# IPv6 family (the helper answers only for the family asked about).
geneve6_setup() {
	a ip addr add fd00::1/64 dev vethA nodad && b ip addr add fd00::2/64 dev vethB nodad &&
	a ip addr add 192.168.101.1/32 dev gnv0 && b ip addr add 192.168.101.2/32 dev gnv0 &&
	a ip route add 192.168.101.2/32 encap ip6 id 6 dst fd00::2 hoplimit 64 \
		geneve_opts 0x0102:0x80:00030004 dev gnv0 &&
	b ip route add 192.168.101.1/32 encap ip6 id 6 dst fd00::1 hoplimit 64 \
		geneve_opts 0x0102:0x80:00040003 dev gnv0 &&
	a ip neigh add 192.168.101.2 lladdr "$B_MAC" dev gnv0 nud permanent &&
	b ip neigh add 192.168.101.1 lladdr "$A_MAC" dev gnv0 nud permanent
}

test_decap_ipv6_underlay() {
	local f=$TMP/decap6.json
	check "IPv6 underlay: routes with encap ip6" geneve6_setup || return
	start_gnvtrace "$NS_B" gnv0 "$f" -o json --direction in ||
		{ fail "decap (IPv6): gnvtrace on gnv0"; return; }
	a ping -c 2 -i 0.2 -W 3 -I 192.168.101.1 192.168.101.2 >"$TMP/ping6.out" 2>&1
	check "IPv6 underlay: ping through the tunnel" grep -q " 0% packet loss" "$TMP/ping6.out"
	sleep 0.5
	stop_gnvtrace
	echo "# gnv0 in (IPv6 underlay): $(head -1 "$f")"
	check "decap (IPv6 underlay): VNI 6, OVN 3->4, fd00::1 > fd00::2" \
		json_has "$f" '"dir":"in"' '"decap":true' '"outer_src":"fd00::1"' \
		'"outer_dst":"fd00::2"' '"vni":6' '"ovn_inport":3' '"ovn_outport":4' \
		'"inner_src":"192.168.101.1"' '"icmp_type":8'
}

test_egress_kill9() {
	local f=$TMP/k.txt reaper
	start_gnvtrace "$NS_A" vethA "$f" --direction out --tc-mode clsact || { fail "kill -9: gnvtrace on vethA"; return; }
	kill -9 "$GNV_PID"
	wait "$GNV_PID" 2>/dev/null
	GNV_PID=
	for _ in $(seq 50); do tc_egress_empty && break; sleep 0.1; done
	check "kill -9 (clsact): gnvtrace's child removed the filter" tc_egress_empty
	start_gnvtrace "$NS_A" vethA "$f" --direction out --tc-mode clsact || { fail "kill -9: gnvtrace on vethA"; return; }
	reaper=$(pgrep -P "$GNV_PID")
	kill -9 $reaper "$GNV_PID"
	wait "$GNV_PID" 2>/dev/null
	GNV_PID=
	check "kill -9 of gnvtrace and its child: the filter stays, as the kernel keeps it" \
		bash -c "ip netns exec $NS_A tc filter show dev vethA egress | grep -q tc_egress"
	a "$GNV" --cleanup vethA 2>"$TMP/cl.err"
	check "--cleanup vethA: removes it" tc_egress_empty
	check "--cleanup vethA: says what it removed" \
		grep -q "^gnvtrace: removed gnvtrace's egress filter (program id [0-9]*) from vethA$" "$TMP/cl.err" ||
		sed 's/^/  stderr: /' "$TMP/cl.err"
	a "$GNV" --cleanup vethA 2>"$TMP/cl.err"
	check "--cleanup again: nothing left" grep -qx "gnvtrace: nothing of gnvtrace's on vethA" "$TMP/cl.err"
	check "kill -9 then --cleanup: no program of gnvtrace left loaded" \
		bash -c "! bpftool prog show 2>/dev/null | grep -qE 'name (xdp_ingress|tc_egress|tc_geneve_)'"
}

# Full-size frames of a VM at MTU 1500 and 8000-byte ones, over a jumbo
# underlay: ping -s N sends an inner IPv4 packet of N + 28 bytes; the frame
# on the underlay adds the inner Ethernet header (14), Geneve with OVN's
# option (16), UDP (8), IPv4 (20) and Ethernet (14): N + 100 bytes.
JUMBO_SIZES="1472 7972"
frame_len() { echo $(($1 + 100)); }

# ping_jumbo NS DST: 2 pings of each size, never fragmented (-M do)
ping_jumbo() {
	local ns=$1 dst=$2 s rc=0
	for s in $JUMBO_SIZES; do
		ip netns exec "$ns" ping -c 2 -i 0.2 -W 3 -M 'do' -s "$s" "$dst" >"$TMP/ping-$s.out" 2>&1 ||
			{ rc=1; sed 's/^/  | /' "$TMP/ping-$s.out"; }
	done
	return $rc
}

# count_len FILE DIR LEN: events of FILE in direction DIR with frame length LEN
count_len() { grep "\"dir\":\"$2\"" "$1" | grep -c "\"len\":$3[,}]"; }

# veth has multi-buffer XDP on 6.1: at MTU 9000 the multi-buffer program
# attaches natively and reads 8 KB frames across buffers.
test_veth_jumbo() {
	local f=$TMP/vj.json s len t0
	t0=$(t)
	check "veth MTU 9000: vethA, vethB to 9000, gnv0 to 8900" bash -c \
		"ip -n $NS_A link set vethA mtu 9000 && ip -n $NS_B link set vethB mtu 9000 &&
		 ip -n $NS_A link set gnv0 mtu 8900 && ip -n $NS_B link set gnv0 mtu 8900" || return
	start_gnvtrace "$NS_B" vethB "$f" -o json || { fail "veth MTU 9000: gnvtrace on vethB"; return; }
	check "veth MTU 9000: native multi-buffer XDP and clsact" grep -qx \
		"gnvtrace: tracing vethB, in (XDP native), out (clsact)" "$f.err" ||
		sed 's/^/  stderr: /' "$f.err"
	check "veth MTU 9000: pings of 1500- and 8000-byte inner packets, unfragmented" ping_jumbo "$NS_A" "$B_OVER"
	sleep 0.5
	stop_gnvtrace
	check "veth MTU 9000: gnvtrace exits 0 on SIGINT" test $? -eq 0
	echo "# vethB in, MTU 9000: $(grep '"dir":"in"' "$f" | tail -1)"
	for s in $JUMBO_SIZES; do
		len=$(frame_len "$s")
		# shellcheck disable=SC2046
		check "veth MTU 9000: $len-byte requests decoded in (VNI 5, OVN 1->2, whole length)" \
			test "$(json_grep "$f" '"dir":"in"' $(request_fields) | grep -c "\"len\":${len}[,}]")" -eq 2
		check "veth MTU 9000: $len-byte replies out" test "$(count_len "$f" out "$len")" -eq 2
	done
	check "veth MTU 9000: summary: 8 Geneve, 8 matched, 0 lost, 0 malformed, in (XDP native)" \
		grep -q "8 Geneve, 8 matched, 0 lost, 0 malformed; vethB in (XDP native), out (clsact)" "$f.err" ||
		sed 's/^/  stderr: /' "$f.err"
	echo "# veth MTU 9000: $(secs "$t0") s"
}

# ---------------------------------------------------------------------------
# 3. Open vSwitch on the kernel datapath

# ===========================================================================
# OVS helpers, for tests of gnvtrace on genev_sys_6081 (none yet: the lead
# is writing that program). They need only what is above this block (TMP,
# check, ok, fail, secs; start_gnvtrace takes "-" for the root namespace,
# where genev_sys_6081 is). OVS runs from the host's binaries with
# everything of its own under $OVS_DIR (the host's /etc and /var are
# read-only here). A test of gnvtrace there would read:
#
#   test_genev_sys() {
#       ovs_lab_up || { fail "OVS lab"; ovs_lab_down; return; }
#       start_gnvtrace - genev_sys_6081 "$TMP/g.json" -o json || ...
#       ovs_lab_ping 3
#       stop_gnvtrace
#       check "..." json_has "$TMP/g.json" '"vni":7' '"ovn_inport":3' ...
#       ovs_lab_down
#   }
#
#   ovs_lab_up      all of the below: OVS up, br-int, genev_sys_6081, a
#                   remote chassis, flows, and a first ping through; Geneve
#                   flows both ways through genev_sys_6081 once it returns 0
#   ovs_lab_ping N  N pings from the remote chassis to br-int's address,
#                   each answered: ingress on genev_sys_6081 (decapsulated,
#                   VNI 7, OVN option 3->4), egress (VNI 7, option 4->3)
#   ovs_lab_down    everything down, genev_sys_6081 removed
#
# The pieces:
#   ovs_start             ovsdb-server + ovs-vswitchd, db under $OVS_DIR
#   ovs_geneve_bridge     br-int with a flow-based Geneve port "gnv": the
#                         kernel datapath creates genev_sys_6081
#   ovs_wait_genev_sys    until genev_sys_6081 exists (or 30 s)
#   ovs_remote_chassis_up namespace $OVS_REMOTE_NS: veth underlay ovs-ul0
#                         (10.1.0.1, root ns) <-> ovs-ul1 (10.1.0.2), a
#                         collect_md gnv0 (192.168.200.2) routing
#                         192.168.200.1 into Geneve with OVN's option
#   ovs_flows             br-int (internal port, 192.168.200.1): frames from
#                         the tunnel go to it, its frames go back into the
#                         tunnel to 10.1.0.2 with VNI 7 and OVN's option
#                         (tun_metadata0 mapped to class 0x0102 type 0x80)
#   ovs_wait_ready        until a ping gets through (30 tries)
OVS_DIR=/tmp/ovs
OVS_REMOTE_NS=gnvvm-ovs-remote
OVS_UP=
OVS_BR_MAC=02:00:00:00:01:02
OVS_REMOTE_MAC=02:00:00:00:01:01
ovs() { OVS_RUNDIR=$OVS_DIR OVS_LOGDIR=$OVS_DIR OVS_DBDIR=$OVS_DIR OVS_SYSCONFDIR=$OVS_DIR "$@"; }

# OVS 3.1 counts the CPUs for its upcall handler threads only once its
# monotonic clock is past 10 s (count_cpu_cores() refreshes every 10 s from
# a start of 0): on a guest that booted seconds ago it starts with no
# handler ("Overriding n-handler-threads to 0" in its log), the datapath
# drops every flow miss ("lost" in dpctl/show), and the per-CPU handlers
# that come later did not get them flowing again. So it starts after 11 s.
ovs_start() {
	while awk '{ exit !($1 < 11) }' /proc/uptime; do sleep 0.2; done
	mkdir -p "$OVS_DIR"
	ovs ovsdb-tool create "$OVS_DIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema &&
	ovs ovsdb-server "$OVS_DIR/conf.db" --remote="punix:$OVS_DIR/db.sock" \
		--pidfile --detach --log-file >/dev/null 2>&1 &&
	OVS_UP=1 &&
	ovs ovs-vsctl --no-wait init &&
	ovs ovs-vswitchd "unix:$OVS_DIR/db.sock" --pidfile --detach --log-file >/dev/null 2>&1
}

ovs_geneve_bridge() {
	ovs ovs-vsctl --timeout=60 add-br br-int -- add-port br-int gnv -- \
		set interface gnv type=geneve options:remote_ip=flow options:key=flow
}

ovs_wait_genev_sys() {
	for _ in $(seq 300); do
		ip link show genev_sys_6081 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

ovs_remote_chassis_up() {
	local ns=$OVS_REMOTE_NS
	ip netns add "$ns" &&
	ip link add ovs-ul0 type veth peer name ovs-ul1 netns "$ns" &&
	ip addr add 10.1.0.1/24 dev ovs-ul0 && ip link set ovs-ul0 up &&
	ip -n "$ns" addr add 10.1.0.2/24 dev ovs-ul1 && ip -n "$ns" link set ovs-ul1 up &&
	ip -n "$ns" link set lo up &&
	ip -n "$ns" link add gnv0 address "$OVS_REMOTE_MAC" type geneve external &&
	ip -n "$ns" addr add 192.168.200.2/32 dev gnv0 && ip -n "$ns" link set gnv0 up &&
	ip -n "$ns" route add 192.168.200.1/32 encap ip id 7 dst 10.1.0.1 ttl 64 \
		geneve_opts 0x0102:0x80:00030004 dev gnv0 &&
	ip -n "$ns" neigh add 192.168.200.1 lladdr "$OVS_BR_MAC" dev gnv0 nud permanent
}

ovs_flows() {
	# OVS owns the bridge's MAC: set through ip, it would be reset.
	ovs ovs-vsctl set bridge br-int other-config:hwaddr="$OVS_BR_MAC" &&
	ip addr add 192.168.200.1/24 dev br-int && ip link set br-int up &&
	ip neigh add 192.168.200.2 lladdr "$OVS_REMOTE_MAC" dev br-int nud permanent &&
	ovs ovs-ofctl add-tlv-map br-int "{class=0x0102,type=0x80,len=4}->tun_metadata0" &&
	ovs ovs-ofctl del-flows br-int &&
	ovs ovs-ofctl add-flow br-int "in_port=gnv,actions=LOCAL" &&
	ovs ovs-ofctl add-flow br-int "in_port=LOCAL,actions=set_field:10.1.0.2->tun_dst,set_field:7->tun_id,set_field:0x00040003->tun_metadata0,output:gnv"
}

# Ready when a ping gets through: ovs-vswitchd installs the datapath flows
# on the first packets.
ovs_wait_ready() {
	for _ in $(seq 30); do
		ip netns exec "$OVS_REMOTE_NS" ping -c 1 -W 1 192.168.200.1 >/dev/null 2>&1 && return 0
	done
	return 1
}

ovs_lab_up() {
	ovs_start && ovs_geneve_bridge && ovs_wait_genev_sys &&
	ovs_remote_chassis_up && ovs_flows && ovs_wait_ready
}

ovs_lab_ping() { # N: exit 0 when every ping was answered
	ip netns exec "$OVS_REMOTE_NS" ping -c "${1:-1}" -i 0.2 -W 3 192.168.200.1 >"$TMP/ovs-ping.out" 2>&1
}

ovs_stop() {
	[ -n "$OVS_UP" ] || return 0
	ovs ovs-vsctl --timeout=10 --if-exists del-br br-int >/dev/null 2>&1
	ovs ovs-appctl -t ovs-vswitchd exit --cleanup >/dev/null 2>&1
	ovs ovs-appctl -t ovsdb-server exit >/dev/null 2>&1
	ip link del ovs-ul0 2>/dev/null
	ip netns del "$OVS_REMOTE_NS" 2>/dev/null
	ip link del genev_sys_6081 2>/dev/null
	OVS_UP=
}
ovs_lab_down() { ovs_stop; }

# A VM on the kernel datapath: 192.168.200.1 moves from br-int's own port
# to a namespace behind a veth in br-int, bound to logical port vm1 as
# ovn-controller binds a VM (external_ids:iface-id), and the flows send
# the tunnel's frames to it and its frames into the tunnel.
OVS_VM_NS=gnvvm-ovs-vm
ovs_vm_up() {
	ip addr del 192.168.200.1/24 dev br-int &&
	ip netns add "$OVS_VM_NS" &&
	ip link add ovs-vm0 type veth peer name eth0 netns "$OVS_VM_NS" &&
	ip link set ovs-vm0 up &&
	ip -n "$OVS_VM_NS" link set eth0 address "$OVS_BR_MAC" up &&
	ip -n "$OVS_VM_NS" addr add 192.168.200.1/24 dev eth0 &&
	ip -n "$OVS_VM_NS" neigh add 192.168.200.2 lladdr "$OVS_REMOTE_MAC" dev eth0 nud permanent &&
	ovs ovs-vsctl add-port br-int ovs-vm0 -- \
		set interface ovs-vm0 external_ids:iface-id=vm1 &&
	ovs ovs-ofctl del-flows br-int &&
	ovs ovs-ofctl add-flow br-int "in_port=gnv,actions=output:ovs-vm0" &&
	ovs ovs-ofctl add-flow br-int "in_port=ovs-vm0,actions=set_field:10.1.0.2->tun_dst,set_field:7->tun_id,set_field:0x00040003->tun_metadata0,output:gnv" &&
	ovs_wait_ready
}

# ===========================================================================

stat_of() { cat "/sys/class/net/$1/statistics/$2" 2>/dev/null || echo 0; }

test_ovs() {
	local t0 rx0 tx0 rx1 tx1
	if ! command -v ovs-vswitchd >/dev/null; then
		fail "OVS: openvswitch-switch is not installed on the host (tools/install-deps.sh --test)"
		return
	fi
	t0=$(t)
	check "OVS: ovsdb-server and ovs-vswitchd start (db under $OVS_DIR)" ovs_start ||
		{ tail -5 "$OVS_DIR"/*.log 2>/dev/null | sed 's/^/  | /'; return; }
	check "OVS: br-int with a Geneve port (remote_ip=flow, key=flow)" ovs_geneve_bridge
	if ovs_wait_genev_sys; then
		ok "OVS: the kernel datapath created genev_sys_6081 ($(secs "$t0") s)"
		echo "# $(ip -d link show genev_sys_6081 | sed -n '1p;/geneve/p' | tr -s ' ' | tr '\n' ' ')"
	else
		fail "OVS: genev_sys_6081 did not appear"
		tail -20 "$OVS_DIR/ovs-vswitchd.log" | sed 's/^/  | /'
		return
	fi
	check "OVS: genev_sys_6081 is a port of the datapath" \
		bash -c "OVS_RUNDIR=$OVS_DIR ovs-appctl dpctl/show | grep -q genev_sys_6081"
	# What tests of gnvtrace on genev_sys_6081 will build on: Geneve
	# both ways through it.
	check "OVS: a remote chassis namespace over a veth underlay" ovs_remote_chassis_up
	check "OVS: flows and OVN's option mapped to tun_metadata0" ovs_flows
	check "OVS: ready: a first ping crosses br-int ($(secs "$t0") s after the start)" ovs_wait_ready ||
		grep -E 'handler|WARN|ERR' "$OVS_DIR/ovs-vswitchd.log" | tail -10 | sed 's/^/  | /'
	rx0=$(stat_of genev_sys_6081 rx_packets)
	tx0=$(stat_of genev_sys_6081 tx_packets)
	start_gnvtrace - genev_sys_6081 "$TMP/g.json" -o json ||
		fail "OVS: gnvtrace on genev_sys_6081"
	check "OVS: pings from the remote chassis answered through br-int" ovs_lab_ping 3 ||
		sed 's/^/  | /' "$TMP/ovs-ping.out"
	sleep 0.5
	stop_gnvtrace
	echo "# genev_sys_6081 in: $(grep '"dir":"in"' "$TMP/g.json" | head -1)"
	echo "# genev_sys_6081 out: $(grep '"dir":"out"' "$TMP/g.json" | head -1)"
	check "genev_sys_6081 in: decapsulated, VNI 7, OVN 3->4, from the remote chassis" \
		json_has "$TMP/g.json" '"ifname":"genev_sys_6081"' '"dir":"in"' \
		'"decap":true' '"vni":7' '"ovn_inport":3' '"ovn_outport":4' \
		'"outer_src":"10.1.0.2"' '"icmp_type":8'
	check "genev_sys_6081 out: the replies, VNI 7, OVN 4->3, to the remote chassis" \
		json_has "$TMP/g.json" '"dir":"out"' '"decap":true' '"vni":7' \
		'"ovn_inport":4' '"ovn_outport":3' '"outer_dst":"10.1.0.2"' '"icmp_type":0'
	rx1=$(stat_of genev_sys_6081 rx_packets)
	tx1=$(stat_of genev_sys_6081 tx_packets)
	check "OVS: genev_sys_6081 received the requests (rx_packets $rx0 -> $rx1)" test "$rx1" -ge $((rx0 + 3))
	check "OVS: genev_sys_6081 sent the replies (tx_packets $tx0 -> $tx1)" test "$tx1" -ge $((tx0 + 3))
	test_internal_port_journey
	test_kernel_journey
	ovs_lab_down
	check "OVS: stopped, genev_sys_6081 removed" bash -c "! ip link show genev_sys_6081 >/dev/null 2>&1"
	echo "# OVS: $(secs "$t0") s"
}

# An OVS internal port (br-int's own, where 192.168.200.1 is) as the
# host's port: what the host sends leaves through its egress (TC), what it
# receives comes in through its ingress (XDP): "in" and "out" as for a VM.
test_internal_port_journey() {
	local f=$TMP/ij.json
	start_gnvtrace - genev_sys_6081 "$f" -i vm:br-int --journey=0.5 \
		-o json icmp ||
		{ fail "internal port: gnvtrace on genev_sys_6081 and br-int"; return; }
	check "internal port: said so, in through TC, out through XDP" grep -Eq \
		"^gnvtrace: tracing br-int \(an OVS internal port, the host's: in is what it sends\), in \((tcx|clsact)\), out \(XDP " \
		"$f.err" || sed 's/^/  | /' "$f.err"
	check "internal port: pings from the remote chassis answered" ovs_lab_ping 2 ||
		sed 's/^/  | /' "$TMP/ovs-ping.out"
	sleep 1
	stop_gnvtrace
	check "internal port: each request genev_sys_6081 in -> br-int out" \
		test "$(grep -c '"icmp_type":8,.*"point":"genev_sys_6081 in".*"point":"br-int out".*"hop_err_ns":0}]}$' "$f")" -eq 2 ||
		cat "$f"
	check "internal port: each reply br-int in -> genev_sys_6081 out" \
		test "$(grep -c '"icmp_type":0,.*"point":"br-int in".*"point":"genev_sys_6081 out".*"hop_err_ns":0}]}$' "$f")" -eq 2
}

# Journeys through the kernel's own Geneve path: the NIC (the underlay
# veth), genev_sys_6081 and a VM's port on the kernel datapath, found by
# its logical port in OVS's DB; each ping and reply one journey through
# the three, in order.
test_kernel_journey() {
	local f=$TMP/kj.json
	check "journey: a VM behind a veth in br-int, bound to vm1" ovs_vm_up ||
		{ sed 's/^/  | /' "$TMP/ovs-ping.out" 2>/dev/null; return; }
	start_gnvtrace - ovs-ul0 "$f" -i genev_sys_6081 -i lport:vm1 \
		--ovs-db "unix:$OVS_DIR/db.sock" --journey=0.5 -o json icmp ||
		{ fail "journey: gnvtrace on ovs-ul0, genev_sys_6081 and vm1"; return; }
	check "journey: the VM's port found by its logical port" \
		grep -q "^gnvtrace: tracing ovs-vm0 (a VM's port, logical port vm1), in (XDP" "$f.err"
	check "journey: pings from the remote chassis answered by the VM" ovs_lab_ping 3 ||
		sed 's/^/  | /' "$TMP/ovs-ping.out"
	sleep 1
	stop_gnvtrace
	echo "# $(grep -m1 '"icmp_type":8' "$f")"
	check "journey: each request ovs-ul0 in -> genev_sys_6081 in -> vm1(ovs-vm0) out" \
		test "$(grep -c '"icmp_type":8,.*"point":"ovs-ul0 in".*"point":"genev_sys_6081 in".*"hop_ns".*"point":"vm1(ovs-vm0) out".*"hop_ns":[0-9]*,"hop_err_ns":0}]}$' "$f")" -eq 3 ||
		cat "$f"
	check "journey: each reply vm1(ovs-vm0) in -> genev_sys_6081 out -> ovs-ul0 out" \
		test "$(grep -c '"icmp_type":0,.*"point":"vm1(ovs-vm0) in".*"point":"genev_sys_6081 out".*"point":"ovs-ul0 out".*"hop_err_ns":0}]}$' "$f")" -eq 3
	check "journey: none lost" test "$(grep -c '"lost":"' "$f")" -eq 0
	ip netns del "$OVS_VM_NS" 2>/dev/null
}

# ---------------------------------------------------------------------------
# 4. A real driver: virtio_net

# run.sh gives the guest two virtio-net NICs joined by a QEMU hub (host_mtu
# 9000). Each goes into a namespace of its own, with a collect_md Geneve
# device over it as in 2. On 6.1, virtio_net's XDP is single-buffer (its
# multi-buffer XDP came in 6.3): native XDP up to an MTU of about a page,
# refused above, where gnvtrace falls back to generic XDP.
NS_VA=gnvvm-va
NS_VB=gnvvm-vb
VA_IF='' VB_IF=''
VA_UNDER=10.3.0.1 VB_UNDER=10.3.0.2
VA_OVER=192.168.103.1 VB_OVER=192.168.103.2
V_VNI=9
va() { ip netns exec "$NS_VA" "$@"; }
vb() { ip netns exec "$NS_VB" "$@"; }
# What virtio_net 6.1 answers a native XDP program at MTU 9000 (extack).
VIRTIO_REFUSAL='the kernel says "virtio_net: MTU too large to enable XDP" (Invalid argument)'

virtio_nics() { # the interfaces virtio_net drives
	local d drv
	for d in /sys/class/net/*; do
		drv=$(readlink "$d/device/driver" 2>/dev/null) || continue
		[ "${drv##*/}" = virtio_net ] && echo "${d##*/}"
	done
}

# tunnel_end NS MAC OVER PEER_OVER PEER_UNDER PEER_MAC OPT: a collect_md
# Geneve device in NS routing PEER_OVER to PEER_UNDER, VNI $V_VNI, OVN's
# option OPT
tunnel_end() {
	ip -n "$1" link add gnv0 address "$2" type geneve external &&
	ip -n "$1" addr add "$3/32" dev gnv0 && ip -n "$1" link set gnv0 up &&
	ip -n "$1" route add "$4/32" encap ip id "$V_VNI" dst "$5" ttl 64 \
		geneve_opts "0x0102:0x80:$7" dev gnv0 &&
	ip -n "$1" neigh add "$4" lladdr "$6" dev gnv0 nud permanent
}

virtio_setup() {
	ip netns add "$NS_VA" && ip netns add "$NS_VB" &&
	ip link set "$VA_IF" netns "$NS_VA" && ip link set "$VB_IF" netns "$NS_VB" &&
	va ip link set lo up && vb ip link set lo up &&
	va ip addr add "$VA_UNDER/24" dev "$VA_IF" && va ip link set "$VA_IF" mtu 1500 up &&
	vb ip addr add "$VB_UNDER/24" dev "$VB_IF" && vb ip link set "$VB_IF" mtu 1500 up &&
	tunnel_end "$NS_VA" "$A_MAC" "$VA_OVER" "$VB_OVER" "$VB_UNDER" "$B_MAC" 00030004 &&
	tunnel_end "$NS_VB" "$B_MAC" "$VB_OVER" "$VA_OVER" "$VA_UNDER" "$A_MAC" 00040003
}

vping() { va ping -c "$1" -i 0.2 -W 5 "$VB_OVER" >"$TMP/vping.out" 2>&1; }

virtio_request_fields() {
	echo "\"ifname\":\"$VB_IF\"" '"dir":"in"' "\"vni\":$V_VNI" '"ovn_inport":3' \
		'"ovn_outport":4' "\"outer_src\":\"$VA_UNDER\"" "\"outer_dst\":\"$VB_UNDER\"" \
		'"outer_dport":6081' "\"inner_src\":\"$VA_OVER\"" "\"inner_dst\":\"$VB_OVER\"" \
		'"inner_proto":"icmp"' '"icmp_type":8' "\"inner_eth_src\":\"$A_MAC\""
}

virtio_reply_fields() {
	echo "\"ifname\":\"$VB_IF\"" '"dir":"out"' "\"vni\":$V_VNI" '"ovn_inport":4' \
		'"ovn_outport":3' "\"outer_dst\":\"$VA_UNDER\"" "\"inner_dst\":\"$VA_OVER\"" \
		'"icmp_type":0'
}

# Nothing of gnvtrace's on VB_IF: no XDP program, no clsact qdisc.
virtio_clean() {
	! vb ip -d link show dev "$VB_IF" | grep -q xdp &&
		! vb tc qdisc show dev "$VB_IF" | grep -q clsact
}

# xdp_flag: how VB_IF's XDP is attached, as ip link shows it ("xdp" native,
# "xdpgeneric"), or nothing
xdp_flag() { vb ip link show dev "$VB_IF" | grep -owE 'xdp(generic|drv|offload)?' | head -1; }

virtio_mtu() { # MTU: both NICs to MTU, the Geneve devices 100 below
	va ip link set "$VA_IF" mtu "$1" && vb ip link set "$VB_IF" mtu "$1" &&
		va ip link set gnv0 mtu $(($1 - 100)) && vb ip link set gnv0 mtu $(($1 - 100))
}

test_virtio_native() {
	local f=$TMP/vn.json
	start_gnvtrace "$NS_VB" "$VB_IF" "$f" -o json || { fail "virtio MTU 1500: gnvtrace on $VB_IF"; return; }
	check "virtio MTU 1500: native XDP in, clsact out" grep -qx \
		"gnvtrace: tracing $VB_IF, in (XDP native), out (clsact)" "$f.err" ||
		sed 's/^/  stderr: /' "$f.err"
	check "virtio MTU 1500: ip link shows the program in the driver (xdp)" test "$(xdp_flag)" = xdp
	check "virtio MTU 1500: pings through Geneve over virtio" vping 3 || sed 's/^/  | /' "$TMP/vping.out"
	sleep 0.5
	stop_gnvtrace
	check "virtio MTU 1500: gnvtrace exits 0 on SIGINT" test $? -eq 0
	echo "# $VB_IF in: $(grep '"dir":"in"' "$f" | head -1)"
	# shellcheck disable=SC2046
	check "virtio MTU 1500: 3 requests in (XDP native): VNI $V_VNI, OVN 3->4, 156 bytes" \
		test "$(json_grep "$f" $(virtio_request_fields) '"len":156' | wc -l)" -eq 3
	# shellcheck disable=SC2046
	check "virtio MTU 1500: 3 replies out: OVN 4->3" \
		test "$(json_grep "$f" $(virtio_reply_fields) | wc -l)" -eq 3
	check "virtio MTU 1500: summary: 6 Geneve, 6 matched, 0 lost, 0 malformed" \
		grep -q "6 Geneve, 6 matched, 0 lost, 0 malformed; $VB_IF in (XDP native), out (clsact)$" "$f.err" ||
		sed 's/^/  stderr: /' "$f.err"
	check "virtio MTU 1500: nothing left on $VB_IF after exit" virtio_clean
}

test_virtio_refused() {
	local pid rc
	vb "$GNV" -i "$VB_IF" --xdp-mode native --duration 3 >"$TMP/vr.out" 2>"$TMP/vr.err" &
	pid=$!
	wait_bounded "$pid" 60
	rc=$?
	sed 's/^/  stderr: /' "$TMP/vr.err"
	check "virtio MTU 9000, --xdp-mode native: exit 1" test "$rc" -eq 1
	check "virtio MTU 9000, --xdp-mode native: one line, the driver, the MTU and the kernel's reason" \
		test "$(cat "$TMP/vr.err")" = "gnvtrace: $VB_IF (virtio_net, MTU 9000) refused native XDP: $VIRTIO_REFUSAL; use --xdp-mode generic (or auto)"
	check "virtio MTU 9000, --xdp-mode native: nothing attached (no XDP, no clsact)" virtio_clean ||
		{ vb ip -d link show dev "$VB_IF"; vb tc qdisc show dev "$VB_IF"; } | sed 's/^/  | /'
	check "virtio MTU 9000, --xdp-mode native: no program of gnvtrace left loaded" \
		bash -c "! bpftool prog show 2>/dev/null | grep -qE 'name (xdp_ingress|tc_egress|tc_geneve_)'"
	echo "# the kernel's log: $(dmesg | grep -o 'XDP requires MTU less than [0-9]*' | tail -1)"
}

test_virtio_generic() {
	local f=$TMP/vg.json pcap=$TMP/vg.pcap td s len t0
	t0=$(t)
	start_gnvtrace "$NS_VB" "$VB_IF" "$f" -o json || { fail "virtio MTU 9000: gnvtrace on $VB_IF"; return; }
	sed 's/^/  stderr: /' "$f.err"
	check "virtio MTU 9000, auto: the refusal said, then generic mode" grep -qxF \
		"gnvtrace: $VB_IF (virtio_net, MTU 9000) refused native XDP: $VIRTIO_REFUSAL; attaching in generic mode (slower: each frame is made an skb before the program sees it)" \
		"$f.err"
	check "virtio MTU 9000, auto: tracing in generic XDP, clsact out" grep -qx \
		"gnvtrace: tracing $VB_IF, in (XDP generic), out (clsact)" "$f.err"
	check "virtio MTU 9000, auto: ip link shows xdpgeneric" test "$(xdp_flag)" = xdpgeneric
	# tcpdump beside it: the frames' lengths as the packet socket sees them
	vb tcpdump -i "$VB_IF" -n -w "$pcap" -c 8 udp port 6081 2>"$TMP/td.err" &
	td=$!
	for _ in $(seq 100); do grep -q listening "$TMP/td.err" && break; sleep 0.1; done
	check "virtio MTU 9000: pings of 1500- and 8000-byte inner packets, unfragmented" \
		ping_jumbo "$NS_VA" "$VB_OVER"
	sleep 0.5
	stop_gnvtrace
	check "virtio MTU 9000: gnvtrace exits 0 on SIGINT" test $? -eq 0
	wait_bounded "$td" 5
	echo "# virtio MTU 9000: traced in $(secs "$t0") s"
	echo "# $VB_IF in, MTU 9000: $(grep '"dir":"in"' "$f" | tail -1)"
	for s in $JUMBO_SIZES; do
		len=$(frame_len "$s")
		# shellcheck disable=SC2046
		check "virtio MTU 9000: $len-byte requests decoded in (VNI $V_VNI, OVN 3->4, whole length)" \
			test "$(json_grep "$f" $(virtio_request_fields) | grep -c "\"len\":${len}[,}]")" -eq 2
		# shellcheck disable=SC2046
		check "virtio MTU 9000: $len-byte replies out (OVN 4->3)" \
			test "$(json_grep "$f" $(virtio_reply_fields) | grep -c "\"len\":${len}[,}]")" -eq 2
	done
	# The same lengths, in the same order, as tcpdump's (the outer frame's:
	# with -e it prints the inner Ethernet header's too, further on)
	tcpdump -r "$pcap" -n -e 2>/dev/null |
		sed -n 's/^[^,]*, ethertype IPv4 (0x0800), length \([0-9]*\): .*/\1/p' >"$TMP/td.len"
	grep -o '"len":[0-9]*' "$f" | cut -d: -f2 >"$TMP/gnv.len"
	echo "# frame lengths, tcpdump: $(tr '\n' ' ' <"$TMP/td.len")"
	check "virtio MTU 9000: every len equals tcpdump's frame length (8 frames)" \
		bash -c "[ \$(wc -l <$TMP/td.len) -eq 8 ] && cmp -s $TMP/td.len $TMP/gnv.len" ||
		echo "  gnvtrace's: $(tr '\n' ' ' <"$TMP/gnv.len")"
	check "virtio MTU 9000: summary: 8 Geneve, 8 matched, 0 lost, 0 malformed, in (XDP generic)" \
		grep -q "8 Geneve, 8 matched, 0 lost, 0 malformed; $VB_IF in (XDP generic), out (clsact)$" "$f.err" ||
		sed 's/^/  stderr: /' "$f.err"
	check "virtio MTU 9000: nothing left on $VB_IF after exit" virtio_clean
}

test_virtio() {
	local t0 nics i
	t0=$(t)
	nics=$(virtio_nics | paste -sd ' ')
	# shellcheck disable=SC2086
	set -- $nics
	if ! check "virtio: two virtio-net NICs ($nics)" test $# -eq 2; then
		ip -br link | sed 's/^/  | /'
		return
	fi
	VA_IF=$1 VB_IF=$2
	for i in "$VA_IF" "$VB_IF"; do
		check "virtio: ethtool -i $i: driver virtio_net" bash -c "ethtool -i $i | grep -qx 'driver: virtio_net'"
		echo "# $i: $(ip -d link show "$i" | grep -owE '(mtu|maxmtu) [0-9]+' | tr '\n' ' ')"
	done
	check "virtio: $VA_IF in $NS_VA, $VB_IF in $NS_VB, collect_md Geneve devices over them" virtio_setup ||
		return
	if ! check "virtio: ping $VA_OVER -> $VB_OVER through Geneve over virtio" vping 1; then
		sed 's/^/  | /' "$TMP/vping.out"
		return
	fi
	echo "# virtio: set up in $(secs "$t0") s"
	test_virtio_native
	echo "# virtio: MTU 1500 done after $(secs "$t0") s"
	check "virtio: MTU 9000 on both NICs, 8900 on the Geneve devices" virtio_mtu 9000 || return
	test_virtio_refused
	echo "# virtio: native refusal done after $(secs "$t0") s"
	test_virtio_generic
	echo "# virtio: $(secs "$t0") s"
}

# nics_home NS_A IF_A NS_B IF_B: the namespaces deleted, until their two
# NICs are back in the root namespace (at most 5 s). IF_A empty: nothing
# was moved.
nics_home() {
	ip netns del "$1" 2>/dev/null
	ip netns del "$3" 2>/dev/null
	[ -n "$2" ] || return 0
	for _ in $(seq 50); do
		ip link show "$2" >/dev/null 2>&1 && ip link show "$4" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

virtio_down() { nics_home "$NS_VA" "$VA_IF" "$NS_VB" "$VB_IF"; }

# ---------------------------------------------------------------------------
# 5. A NIC that strips VLAN tags: e1000

# run.sh gives the guest two emulated e1000 NICs on a QEMU hub of their
# own. With rx-vlan-offload on (the driver's default) e1000 sets CTRL.VME
# and QEMU's e1000 takes the 802.1Q tag out of each frame it receives,
# handing it over in the descriptor; the driver puts it in the skb's
# metadata. With it off the tag stays in the frame, and the stack moves it
# to the metadata itself (skb_vlan_untag), but only after generic XDP has
# run. e1000 has no native XDP: gnvtrace attaches in generic mode, where
# the frame is the skb's data. One VLAN-tagged Geneve frame (the shared
# capture: VLAN 1, VNI 0, OVN 1->2, broadcast, 104 bytes) is sent from one
# NIC to the other in each setting; tcpdump on the receiving NIC, which
# reads the tag from the metadata either way, witnesses that it arrived
# tagged.
#
# Every program started costs a few tenths of a second under emulation:
# what can be read with bash alone is. e1000's link comes up seconds after
# the NIC does, so the NICs are set up first thing (e1000_up, from main)
# and have their link by the time test_e1000 runs.
NS_EA=gnvvm-ea
NS_EB=gnvvm-eb
EA_IF='' EB_IF='' E1000_UP=''
E1000_TD='' E1000_WARM=''
VLAN_CAP=$CAPS/scapy-geneve-ovn-vlan-icmp.pcap
# The frame as tcpdump -e shows it arriving
VLAN_TD='ethertype 802.1Q (0x8100), length 104: vlan 1, p 0, ethertype IPv4 (0x0800), 127.0.0.1.57025 > 127.0.0.1.6081: Geneve'
eb() { ip netns exec "$NS_EB" "$@"; }

e1000_nics() { # the interfaces whose driver is e1000 (uevent, then ethtool -i)
	local d l
	for d in /sys/class/net/*; do
		[ -r "$d/device/uevent" ] || continue
		while read -r l; do
			[ "$l" = DRIVER=e1000 ] || continue
			[[ "$(ethtool -i "${d##*/}" 2>/dev/null)" == "driver: e1000"$'\n'* ]] && echo "${d##*/}"
		done <"$d/device/uevent"
	done
}

# The warning gnvtrace gives for IFACE in generic mode, e1000's only
# one (user/kernel/attach_xdp.c)
vlan_warning() {
	echo "gnvtrace: $1 strips VLAN tags before XDP sees them (rx-vlan-offload), and generic XDP cannot read them: underlay VLAN IDs coming in show only with 'ethtool -K $1 rxvlan off'"
}

# count_lines FILE LINE: the lines of FILE equal to LINE
count_lines() {
	local n=0 l
	while IFS= read -r l; do [ "$l" = "$2" ] && n=$((n + 1)); done <"$1"
	echo $n
}

# count_has FILE TEXT: the lines of FILE holding TEXT
count_has() {
	local n=0 l
	while IFS= read -r l; do [[ "$l" == *"$2"* ]] && n=$((n + 1)); done <"$1"
	echo $n
}

# Each NIC in its namespace, up, without IPv6: nothing but the frames sent
# crosses the wire
e1000_setup() {
	printf '%s\n' "netns add $NS_EA" "netns add $NS_EB" "link set $EA_IF netns $NS_EA" \
		"link set $EB_IF netns $NS_EB" | ip -batch - &&
	ip netns exec "$NS_EA" sysctl -qw "net.ipv6.conf.$EA_IF.disable_ipv6=1" &&
	ip netns exec "$NS_EB" sysctl -qw "net.ipv6.conf.$EB_IF.disable_ipv6=1" &&
	ip -n "$NS_EA" link set "$EA_IF" up && ip -n "$NS_EB" link set "$EB_IF" up
}

e1000_up() { # from main, first: the NICs found, in their namespaces, up
	local nics t0
	t0=$(t)
	nics=$(e1000_nics | paste -sd ' ')
	# shellcheck disable=SC2086
	set -- $nics
	if ! check "e1000: two e1000 NICs, by ethtool -i ($nics)" test $# -eq 2; then
		ip -br link | sed 's/^/  | /'
		return 1
	fi
	EA_IF=$1 EB_IF=$2
	check "e1000: $EA_IF in $NS_EA, $EB_IF in $NS_EB, up, no IPv6 (their links come up while other tests run)" \
		e1000_setup && E1000_UP=1
	echo "# e1000: set up in $(secs "$t0") s"
}

e1000_carrier() { # both NICs have their link (e1000's watchdog saw it), at most 10 s
	for _ in $(seq 50); do
		[[ "$(ip -n "$NS_EA" link show "$EA_IF") $(ip -n "$NS_EB" link show "$EB_IF")" == *LOWER_UP*LOWER_UP* ]] &&
			return 0
		sleep 0.2
	done
	return 1
}

rxvlan() { # on|off: is rx-vlan-offload $1 on EB_IF (ethtool -k)
	[[ "$(eb ethtool -k "$EB_IF")" == *$'\n'"rx-vlan-offload: $1"* ]]
}

e1000_stop_tcpdump() {
	[ -n "$E1000_TD" ] || return 0
	kill -INT "$E1000_TD" 2>/dev/null
	wait_bounded "$E1000_TD" 5 >/dev/null
	E1000_TD=
}

# td_frames: the Geneve frames tcpdump has seen arrive, tagged VLAN 1
td_frames() { count_has "$TMP/e1k.td" "$VLAN_TD"; }

# e1000_send N: one frame from EA_IF; tcpdump has N by the end (3 s at most)
e1000_send() {
	if [ -n "$E1000_WARM" ]; then
		wait_bounded "$E1000_WARM" 5
		E1000_WARM=
	fi
	ip netns exec "$NS_EA" tcpreplay -i "$EA_IF" "$VLAN_CAP" >"$TMP/e1k.replay" 2>&1
	[[ "$(<"$TMP/e1k.replay")" =~ Failed\ packets:\ +0([^0-9]|$) ]] || sed 's/^/  tcpreplay: /' "$TMP/e1k.replay"
	for _ in $(seq 60); do
		[ "$(td_frames)" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# e1000_trace FILE ARGS...: gnvtrace -i EB_IF --direction in -c 1 ARGS,
# one frame sent; gnvtrace's exit status once it had it (125: no start)
e1000_trace() {
	local f=$1 n
	shift
	n=$(($(td_frames) + 1))
	start_gnvtrace "$NS_EB" "$EB_IF" "$f" --direction in -c 1 "$@" || return 125
	e1000_send "$n" || echo "  tcpdump did not see the frame: $(cat "$TMP/e1k.td")"
	wait_bounded "$GNV_PID" 5
	n=$?
	GNV_PID=
	return $n
}

# A live JSON event without what only a live run has: the offline run's
# fields ({"ts":...,"node":"...","ifname":"eth3","dir":"in",
# "hook":"xdp-generic",...)
json_offline() {
	local l=${1#*,}
	l=${l#\"node\":\"*\",}
	echo "{${l/\"ifname\":\"$EB_IF\",\"dir\":\"in\",\"hook\":\"xdp-generic\",/}"
}

test_e1000_rxvlan_on() {
	local f=$TMP/e1k-on.json rc off want
	check "e1000 rx-vlan-offload on: ethtool -k $EB_IF says so (the default)" rxvlan on ||
		eb ethtool -k "$EB_IF" | grep vlan | sed 's/^/  | /'
	e1000_trace "$f" -o json
	rc=$?
	sed 's/^/  stderr: /' "$f.err"
	[ $rc -eq 125 ] && { fail "e1000 rx-vlan-offload on: gnvtrace on $EB_IF"; return; }
	check "e1000 rx-vlan-offload on: gnvtrace -c 1 exits 0 after the frame" test $rc -eq 0
	check "e1000 rx-vlan-offload on: no native XDP: generic mode, said" test "$(count_lines "$f.err" \
		"gnvtrace: $EB_IF's driver e1000 has no native XDP; attaching in generic mode (slower: each frame is made an skb before the program sees it)")" -eq 1
	check "e1000 rx-vlan-offload on: tracing $EB_IF in (XDP generic)" \
		test "$(count_lines "$f.err" "gnvtrace: tracing $EB_IF, in (XDP generic)")" -eq 1
	check "e1000 rx-vlan-offload on: the VLAN stripping warning, exactly once" \
		test "$(count_lines "$f.err" "$(vlan_warning "$EB_IF")")" -eq 1 -a "$(count_has "$f.err" VLAN)" -eq 1
	check "e1000 rx-vlan-offload on: tcpdump sees the frame arrive tagged, VLAN 1, 104 bytes" \
		test "$(td_frames)" -eq 1
	echo "# $EB_IF in, rx-vlan-offload on: $(<"$f")"
	# What XDP got is the frame without its 4 bytes of tag: the offline
	# run's event less the VLAN, 100 bytes
	off=$(<"$TMP/e1k-cap.json")
	want=${off#*,}
	want="{${want/\"vlan\":1,/}"
	want=${want/%\"len\":104\}/\"len\":100\}}
	check "e1000 rx-vlan-offload on: the event has no VLAN: the offline event less \"vlan\":1, 100 bytes" \
		test "$(count_has "$f" '"ts":')" -eq 1 -a "$(json_offline "$(<"$f")")" = "$want" ||
		echo "  wanted: $want"
	check "e1000 rx-vlan-offload on: summary: 1 Geneve, 1 matched, 0 lost, 0 malformed" \
		test "$(count_has "$f.err" " 1 Geneve, 1 matched, 0 lost, 0 malformed; $EB_IF in (XDP generic)")" -eq 1
}

test_e1000_rxvlan_off() {
	local f=$TMP/e1k-off.txt rc ts ifn dir rest
	eb ethtool -K "$EB_IF" rxvlan off >/dev/null 2>&1
	check "e1000 rx-vlan-offload off: ethtool -K $EB_IF rxvlan off, ethtool -k says off" rxvlan off ||
		return
	e1000_trace "$f" 'outer vlan 1'
	rc=$?
	sed 's/^/  stderr: /' "$f.err"
	[ $rc -eq 125 ] && { fail "e1000 rx-vlan-offload off: gnvtrace on $EB_IF"; return; }
	check "e1000 rx-vlan-offload off: gnvtrace -c 1 exits 0 after the frame" test $rc -eq 0
	check "e1000 rx-vlan-offload off: tracing $EB_IF in (XDP generic), no VLAN warning" \
		test "$(count_lines "$f.err" "gnvtrace: tracing $EB_IF, in (XDP generic)")" -eq 1 -a \
		"$(count_has "$f.err" VLAN)" -eq 0
	check "e1000 rx-vlan-offload off: tcpdump sees the same frame arrive, VLAN 1, 104 bytes" \
		test "$(td_frames)" -eq 2
	echo "# $EB_IF in, rx-vlan-offload off: $(<"$f")"
	# "HH:MM:SS.us eth3 in 127.0.0.1 > ...", offline "HH:MM:SS.us 127.0.0.1 > ..."
	read -r ts ifn dir rest <"$f"
	check "e1000 rx-vlan-offload off: one event, matching 'outer vlan 1', showing it: the offline line, 104 bytes" \
		test "$(count_has "$f" " $EB_IF in ")" -eq 1 -a "$ifn $dir ${ts//[0-9]/0} $rest" = \
		"$EB_IF in 00:00:00.000000 $(<"$TMP/e1k-cap.txt")"
	eb ethtool -K "$EB_IF" rxvlan on >/dev/null 2>&1
}

test_e1000() {
	local t0 off
	t0=$(t)
	[ -n "$E1000_UP" ] || return
	if [ ! -f "$VLAN_CAP" ]; then
		fail "e1000: no $VLAN_CAP"
		return
	fi
	# The offline run's event and line, as the live ones are to be
	"$GNV" -r "$VLAN_CAP" -o json >"$TMP/e1k-cap.json" 2>/dev/null
	off=$("$GNV" -r "$VLAN_CAP" 2>/dev/null)
	echo "${off#* }" >"$TMP/e1k-cap.txt"
	# One tcpdump for both settings; not through eb: $! must be tcpdump
	ip netns exec "$NS_EB" tcpdump -p -i "$EB_IF" --immediate-mode -nn -e -l \
		>"$TMP/e1k.td" 2>"$TMP/e1k.td.err" &
	E1000_TD=$!
	# tcpreplay read in while gnvtrace's program is verified: its first
	# start takes seconds here
	tcpreplay -V >/dev/null 2>&1 &
	E1000_WARM=$!
	check "e1000: both links up" e1000_carrier ||
		{ ip -n "$NS_EA" link show "$EA_IF"; ip -n "$NS_EB" link show "$EB_IF"; } | sed 's/^/  | /'
	for _ in $(seq 100); do [[ "$(<"$TMP/e1k.td.err")" == *listening* ]] && break; sleep 0.05; done
	test_e1000_rxvlan_on
	echo "# e1000: rx-vlan-offload on done after $(secs "$t0") s"
	test_e1000_rxvlan_off
	e1000_stop_tcpdump
	sed '/^$/d; s/^/  tcpdump: /' "$TMP/e1k.td"
	echo "# e1000: $(secs "$t0") s"
}

e1000_down() { nics_home "$NS_EA" "$EA_IF" "$NS_EB" "$EB_IF"; }

# ---------------------------------------------------------------------------

main() {
	local t0
	t0=$(t)
	if [ ! -x "$GNV" ]; then
		fail "no $GNV in the guest"
		finish
		exit 1
	fi
	test_kernel
	e1000_up
	test_verifier
	test_kern_suite
	echo "# verifier and kern suite: $(secs "$t0") s"
	if test_geneve_ping; then
		test_ingress_xdp
		test_egress_clsact
		test_both_directions
		test_text_and_filter
		test_table_filter
		test_bytes_filter
		test_decap_collect_md
		test_decap_ipv6_underlay
		test_egress_kill9
		test_veth_jumbo
	fi
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	echo "# Geneve tests done: $(secs "$t0") s"
	test_ovs
	test_virtio
	check "virtio: namespaces gone, $VA_IF and $VB_IF back in the root namespace" virtio_down
	test_e1000
	check "e1000: namespaces gone, $EA_IF and $EB_IF back in the root namespace" e1000_down
	echo "# guest tests: $(secs "$t0") s"
	finish
}

main
