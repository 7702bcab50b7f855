#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Capture files in and out: -r on every link type and from stdin, --kernel
# against the host parser, -w read back by tshark and by gnvtrace, and
# corrupt files refused with the file and packet named.
#
# Usage: test_files.sh BUILD_DIR CAPTURES_DIR
set -u

BUILD=$(cd "${1:-build}" && pwd)
CAPS=$(cd "${2:-../shared/captures}" && pwd)
GNV=$BUILD/gnvtrace
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# shellcheck source=tests/testlib.sh
. "$HERE/../testlib.sh"

# JSON lines of a run, without the time (which -w rounds to microseconds).
json() { "$GNV" -o json "$@" 2>/dev/null | sed 's/^{"ts":[0-9.]*,//'; }
summary() { "$GNV" -q "$@" 2>&1 >/dev/null | grep '^gnvtrace: .* packets seen'; }
same() { # same A B: two files are equal and not empty
	[ -s "$1" ] && cmp -s "$1" "$2" || { diff "$1" "$2" | head -5; return 1; }
}

ethernet_captures() { # capinfos calls Ethernet "ether"; the test fails on none
	for f in "$CAPS"/*.pcap "$CAPS"/*.pcapng; do
		[ "$(capinfos -T -E "$f" 2>/dev/null | tail -1 | cut -f2)" = ether ] && echo "$f"
	done
}

# The generated fixtures against tshark too, with TSVs made here by the
# command in the captures' README (plus 802.1ad tags, which the mix has).
test_fixtures_tshark() {
	local dir=$TMP/fixtures f
	mkdir -p "$dir"
	"$BUILD/tools/gnv-pktgen" demo "$dir/gnv-demo.pcap"
	"$BUILD/tools/gnv-pktgen" mix -n 3000 -s 7 -o "$dir/gnv-mix.pcap" 2>/dev/null
	for f in "$dir"/*.pcap; do
		tshark -r "$f" -T fields -E header=y -E separator=/t -E aggregator='|' \
			-E occurrence=a -e frame.number -e frame.len -e frame.protocols \
			-e vlan.id -e ieee8021ad.id -e ip.src -e ip.dst -e ipv6.src \
			-e ipv6.dst -e ip.proto -e ipv6.nxt -e udp.srcport -e udp.dstport \
			-e geneve.version -e geneve.flags.oam -e geneve.flags.critical \
			-e geneve.proto_type -e geneve.vni -e geneve.option.class \
			-e geneve.option.type -e geneve.option.length -e geneve.option \
			-e geneve.option.unknown.data -e eth.type -e icmp.type -e icmp.code \
			-e icmp.ident -e icmp.seq -e icmpv6.type -e tcp.srcport \
			-e tcp.dstport -e arp.opcode >"${f%.pcap}.tshark.tsv" 2>/dev/null
	done
	$PY "$HERE/check_tshark.py" "$GNV" "$dir" >"$TMP/fx.out" 2>&1
	check "generated fixtures agree with tshark field by field" \
		grep -qx "2 passed, 0 failed" "$TMP/fx.out" || cat "$TMP/fx.out"
}

# gnv-pktgen bfd's design (12 rounds of a flap, see lab/traffic.h): its
# changes of state and sessions, tshark counting the packets each way.
test_bfd_fixture() {
	local out=$TMP/bfd.txt a b
	"$BUILD/tools/gnv-pktgen" bfd "$TMP/bfd.pcap"
	"$GNV" -r "$TMP/bfd.pcap" bfd >"$out" 2>/dev/null
	a=$(tshark -r "$TMP/bfd.pcap" -Y "ip.src == 172.31.254.1 && bfd" 2>/dev/null | wc -l)
	b=$(tshark -r "$TMP/bfd.pcap" -Y "ip.src == 172.31.254.2 && bfd" 2>/dev/null | wc -l)
	check "bfd fixture: tshark sees 168 and 228 BFD packets ($a, $b)" \
		test "$a $b" = "168 228"
	check "bfd fixture: 118 changes (4 a round each way, 2 silences between rounds)" \
		test "$(grep -c ' -> ' "$out")" = 118
	check "bfd fixture: .1's silence from 10 s seen at 13 s, each round" \
		test "$(grep -c ':33.000000 BFD 172.31.254.1 > 172.31.254.2: Up -> Down, diag Control Detection Time Expired (silent' "$out")" = 12
	check "bfd fixture: .2 says Down for it at 13.5 s" \
		test "$(grep -c ':33.500000 BFD 172.31.254.2 > 172.31.254.1: Up -> Down, diag Control Detection Time Expired$' "$out")" = 12
	check "bfd fixture: the sessions at the end" \
		grep -q "^bfd 172.31.254.1 > 172.31.254.2: Up, $a packets, 59 changes" "$out"
	check "bfd fixture: the other way" \
		grep -q "^bfd 172.31.254.2 > 172.31.254.1: Up, $b packets, 59 changes" "$out"
}

test_kernel_agrees() {
	local f name
	for f in $(ethernet_captures); do
		name=$(basename "$f")
		json -r "$f" >"$TMP/host"
		json -r "$f" --kernel >"$TMP/kern"
		if [ -s "$TMP/host" ]; then
			check "--kernel $name: events equal the host parser's" same "$TMP/host" "$TMP/kern"
		else
			check "--kernel $name: no events either way" test ! -s "$TMP/kern"
		fi
		check "--kernel $name: same summary" \
			test "$(summary -r "$f")" = "$(summary -r "$f" --kernel)"
	done
	json -r "$CAPS/tcpdump-geneve.pcap" --kernel vni 10 and icmp >"$TMP/kern"
	check "--kernel with a filter: 3 events" test "$(wc -l <"$TMP/kern")" -eq 3
	"$GNV" -r "$CAPS/scapy-geneve-rawip.pcap" --kernel >/dev/null 2>"$TMP/err"
	check "--kernel on raw IP: refused in one line" \
		grep -qx "gnvtrace: $CAPS/scapy-geneve-rawip.pcap: --kernel runs the XDP program, which needs an Ethernet capture" "$TMP/err"
}

test_write_round_trip() {
	local f name
	for f in $(ethernet_captures); do
		name=$(basename "$f")
		"$GNV" -r "$f" -q -w "$TMP/out.pcap" 2>/dev/null
		json -r "$f" >"$TMP/a"
		[ -s "$TMP/a" ] || continue
		json -r "$TMP/out.pcap" >"$TMP/b"
		check "-w $name: gnvtrace reads back the same events" same "$TMP/a" "$TMP/b"
		tshark -r "$TMP/out.pcap" -T fields -e frame.len -e frame.cap_len \
			-e frame.time_epoch 2>/dev/null | awk '{ printf "%s %s %.6f\n", $1, $2, $3 }' >"$TMP/t1"
		# Expected: the matched frames of the original (by time and wire
		# length), their captured bytes cut at the default snaplen 65535.
		tshark -r "$f" -T fields -e frame.len -e frame.cap_len \
			-e frame.time_epoch 2>/dev/null >"$TMP/orig"
		"$GNV" -r "$f" -o json 2>/dev/null | $PY -c '
import json, sys
matched = {(e["len"], "%.6f" % e["ts"]) for e in map(json.loads, sys.stdin)}
for row in open(sys.argv[1]):
    length, cap, ts = row.split()
    ts = "%.6f" % float(ts)
    if (int(length), ts) in matched:
        print(length, min(int(cap), 65535), ts)' "$TMP/orig" >"$TMP/t2"
		check "-w $name: tshark reads every frame, lengths and times" same "$TMP/t2" "$TMP/t1"
	done

	"$GNV" -r "$CAPS/tcpdump-geneve.pcap" -q -w "$TMP/icmp.pcap" icmp 2>/dev/null
	check "-w with a filter keeps only the 6 ICMP packets" \
		test "$(tshark -r "$TMP/icmp.pcap" -Y icmp 2>/dev/null | wc -l)" -eq 6
	check "-w keeps the capture's link type (raw IPv4)" bash -c \
		"'$GNV' -r '$CAPS/scapy-geneve-rawip.pcap' -q -w '$TMP/raw.pcap' 2>/dev/null &&
		 capinfos -E '$TMP/raw.pcap' | grep -q 'Raw IPv4'"
	"$GNV" -r "$CAPS/tcpdump-geneve.pcap" -q --snaplen 100 -w "$TMP/snap.pcap" icmp 2>/dev/null
	check "--snaplen 100: frames cut to 100 bytes, wire length kept" \
		test "$(tshark -r "$TMP/snap.pcap" -T fields -e frame.cap_len -e frame.len 2>/dev/null | sort -u | tr '\t\n' ' ')" = "100 148 100 156 "
	check "-w - feeds tshark through a pipe" test \
		"$("$GNV" -r "$CAPS/tcpdump-geneve.pcap" icmp -w - 2>/dev/null | tshark -r - 2>/dev/null | grep -c ICMP)" -eq 6
	check "-w -: no text lines mixed into the capture" bash -c \
		"'$GNV' -r '$CAPS/tcpdump-geneve.pcap' -w - 2>/dev/null | capinfos -c - >/dev/null 2>&1 ||
		 '$GNV' -r '$CAPS/tcpdump-geneve.pcap' -w - 2>/dev/null | tshark -r - >/dev/null 2>&1"
	"$GNV" -r "$CAPS/tcpdump-geneve.pcap" -w /nonexistent/dir/x.pcap >/dev/null 2>"$TMP/err"
	check "-w to an unwritable path: exit 1" test $? -eq 1
	check "-w to an unwritable path: one line naming it" \
		grep -q "^gnvtrace: cannot write /nonexistent/dir/x.pcap: " "$TMP/err"
}

test_inputs() {
	json -r "$CAPS/tcpdump-geneve.pcap" >"$TMP/a"
	json -r - <"$CAPS/tcpdump-geneve.pcap" >"$TMP/b"
	check "-r - reads a pcap from stdin" same "$TMP/a" "$TMP/b"
	json -r "$CAPS/zeek-geneve-ipv6.pcap" >"$TMP/a"
	editcap -F pcapng "$CAPS/zeek-geneve-ipv6.pcap" "$TMP/ng.pcapng"
	json -r - <"$TMP/ng.pcapng" >"$TMP/b"
	check "-r - reads pcapng from stdin" same "$TMP/a" "$TMP/b"
	editcap -F nsecpcap "$CAPS/zeek-geneve-ipv6.pcap" "$TMP/ns.pcap"
	json -r "$TMP/ns.pcap" >"$TMP/b"
	check "nanosecond pcap" same "$TMP/a" "$TMP/b"

	# Linux cooked v1 and v2, as tcpdump -i any writes them, made from the
	# Ethernet captures: the same events must come out.
	for f in tcpdump-geneve.pcap scapy-geneve-ovn-vlan-icmp.pcap zeek-geneve-ipv6.pcap; do
		for v in 1 2; do
			$PY "$HERE/to_cooked.py" "$v" "$CAPS/$f" "$TMP/sll.pcap"
			# The same but for the frame length, which counts the link header.
			json -r "$CAPS/$f" | sed 's/,"len":[0-9]*}$/}/' >"$TMP/a"
			json -r "$TMP/sll.pcap" | sed 's/,"len":[0-9]*}$/}/' >"$TMP/b"
			check "cooked v$v $f: same events as Ethernet" same "$TMP/a" "$TMP/b"
			check "cooked v$v $f: tshark agrees it is Geneve" test \
				"$(tshark -r "$TMP/sll.pcap" -Y geneve 2>/dev/null | wc -l)" -eq "$(wc -l <"$TMP/b")"
		done
	done
}

expect_error() { # expect_error NAME FILE MESSAGE_REGEX
	"$GNV" -r "$2" -o json >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	check "$1: exit 1" test $rc -eq 1
	check "$1: one line naming the file and packet" \
		grep -qE "^gnvtrace: $3\$" "$TMP/err"
	check "$1: a single line" test "$(wc -l <"$TMP/err")" -eq 1
}

test_corrupt() {
	local src=$CAPS/tcpdump-geneve.pcap size
	size=$(stat -c %s "$src")
	head -c $((size - 10)) "$src" >"$TMP/trunc.pcap"
	expect_error "truncated file" "$TMP/trunc.pcap" \
		"$TMP/trunc.pcap: packet 39: truncated record \(148 bytes announced, 138 left in the file\)"
	check "truncated file: the 38 whole packets were printed" test "$(wc -l <"$TMP/out")" -eq 38
	head -c $((24 + 10)) "$src" >"$TMP/trunc2.pcap"
	expect_error "truncated record header" "$TMP/trunc2.pcap" \
		"$TMP/trunc2.pcap: packet 1: truncated record header \(the file ends after 10 of 16 bytes\)"
	head -c 100 /dev/urandom | tr -d '\324\241\242\262\323\303' >"$TMP/magic.pcap"
	expect_error "bad magic" "$TMP/magic.pcap" "cannot read $TMP/magic.pcap: unknown file format"
	$PY "$HERE/patch_pcap.py" snaplen 100 "$src" "$TMP/snap.pcap"
	expect_error "record longer than the snaplen" "$TMP/snap.pcap" \
		"$TMP/snap.pcap: packet 1: record of 156 bytes is longer than the file's snaplen 100"
	$PY "$HERE/patch_pcap.py" len1 100 "$src" "$TMP/len.pcap"
	expect_error "more captured than on the wire" "$TMP/len.pcap" \
		"$TMP/len.pcap: packet 1: 156 bytes captured of a 100-byte packet"
	$PY "$HERE/patch_pcap.py" linktype 105 "$src" "$TMP/wifi.pcap"
	expect_error "unsupported link type" "$TMP/wifi.pcap" \
		"$TMP/wifi.pcap: unsupported link type IEEE802_11 \(105\); gnvtrace reads Ethernet, Linux cooked v1/v2 and raw IP captures"
	expect_error "missing file" "$TMP/nosuch.pcap" \
		"cannot read $TMP/nosuch.pcap: $TMP/nosuch.pcap: No such file or directory"
	: >"$TMP/empty.pcap"
	expect_error "empty file" "$TMP/empty.pcap" "cannot read $TMP/empty.pcap: .*"
	editcap -F pcapng "$src" "$TMP/ng.pcapng"
	head -c $(($(stat -c %s "$TMP/ng.pcapng") - 40)) "$TMP/ng.pcapng" >"$TMP/ngtrunc.pcapng"
	expect_error "truncated pcapng" "$TMP/ngtrunc.pcapng" \
		"$TMP/ngtrunc.pcapng: packet 39: .*"
}

# Per-port histograms offline: exact counts on the demo's frames, and the
# kernel's (--kernel) equal to the host's on every capture.
test_hist() {
	local f
	"$BUILD/tools/gnv-pktgen" demo "$TMP/demo.pcap"
	"$GNV" -r "$TMP/demo.pcap" -q --hist size -o json >"$TMP/h" 2>/dev/null
	check "--hist: vm1's port 1 received 3 replies of 156 bytes from .143" grep -qx \
		'{"hist":"size","vni":5,"port":1,"dir":"in","outer_src":"172.17.2.143","outer_dst":"172.17.2.119","packets":3,"bytes":468,"max_len":156,"over_mtu":0,"too_big":0,"mss_over":0,"buckets":\[{"min":128,"max":255,"count":3}\]}' "$TMP/h"
	check "--hist: vm2's port 3: 3 pings, ssh and DNS (116 and 140 bytes)" grep -qx \
		'{"hist":"size","vni":5,"port":3,"dir":"in","outer_src":"172.17.2.119","outer_dst":"172.17.2.143","packets":5,"bytes":724,"max_len":156,"over_mtu":0,"too_big":0,"mss_over":0,"buckets":\[{"min":64,"max":127,"count":1},{"min":128,"max":255,"count":4}\]}' "$TMP/h"
	check "--hist: the ARP flood to multicast group 32768" grep -q \
		'"vni":5,"port":32768,"dir":"in","outer_src":"172.17.2.119","outer_dst":"172.17.2.143","packets":1,"bytes":100' "$TMP/h"
	check "--hist: an IPv6 tunnel's endpoints" grep -q \
		'"vni":7,"port":2,"dir":"in","outer_src":"fd00:172:17::143","outer_dst":"fd00:172:17::119","packets":3' "$TMP/h"
	check "--hist: 5 ports, no more" test "$(wc -l <"$TMP/h")" -eq 5
	"$GNV" -r "$TMP/demo.pcap" -q --hist size icmp6 -o json >"$TMP/h" 2>/dev/null
	check "--hist counts what the filter matched (icmp6: 2 ports of VNI 7)" \
		test "$(grep -c '"vni":7' "$TMP/h")" -eq 2 -a "$(wc -l <"$TMP/h")" -eq 2
	"$GNV" -r "$TMP/demo.pcap" -q --hist size >"$TMP/h" 2>/dev/null
	check "--hist text: a heading and bcc-style rows" bash -c \
		"grep -qx 'vni 5 port 1 in 172.17.2.143 > 172.17.2.119: 3 packets, 468 bytes' '$TMP/h' &&
		 grep -q '^       128 -> 255        : 3        |\*\{40\}|$' '$TMP/h'"
	# Under --kernel the program sees at most the captured bytes, and at
	# most the 3520 that BPF_PROG_TEST_RUN puts in the linear part: the
	# comparison is for captures whose frames it sees whole.
	for f in $(ethernet_captures) "$TMP/demo.pcap"; do
		tshark -r "$f" -T fields -e frame.len -e frame.cap_len 2>/dev/null |
			awk '$1 != $2 || $1 > 3520 { cut = 1 } END { exit !cut }' && continue
		"$GNV" -r "$f" -q --hist size -o json >"$TMP/a" 2>/dev/null
		"$GNV" -r "$f" -q --hist size -o json --kernel >"$TMP/b" 2>/dev/null
		check "--hist $(basename "$f"): the kernel counts as the host does" \
			cmp -s "$TMP/a" "$TMP/b"
	done
}

# Reading a file opens none of the libraries loaded on first use
# (lib/dynlib.h): the exporter's, the ssl: remotes'. The loader's own
# account, which a library linked again would fail.
test_lazy_libraries() {
	local f=$CAPS/scapy-geneve-ovn-vlan-icmp.pcap lib
	LD_DEBUG=files "$GNV" -r "$f" -q icmp >/dev/null 2>"$TMP/ld"
	check "-r: the dynamic loader's account was read" \
		grep -q 'file=libbpf.so.1' "$TMP/ld"
	for lib in libmicrohttpd libgnutls libssl libcrypto libpcap libdbus \
		   libsystemd; do
		check "-r FILE opens no $lib" \
			test "$(grep -c "file=$lib" "$TMP/ld")" = 0
	done
	# What needs libpcap loads it: standard input, -w, a byte expression.
	LD_DEBUG=files "$GNV" -r - -q -w "$TMP/lazy.pcap" 'ip[9] = 1' \
		<"$f" >/dev/null 2>"$TMP/ld"
	check "-r -, -w and a byte expression open libpcap" \
		grep -q 'file=libpcap.so.0.8' "$TMP/ld"
	check "... and write what they matched" \
		test "$(tshark -r "$TMP/lazy.pcap" 2>/dev/null | wc -l)" -gt 0
}

test_lazy_libraries
test_fixtures_tshark
test_bfd_fixture
test_hist
test_kernel_agrees
test_write_round_trip
test_inputs
test_corrupt
finish
