#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Offline benchmark: `gnvtrace -r FILE -q icmp` (on every CPU, and pinned
# to one) against tcpdump with the byte-offset filter an operator would
# otherwise write, on one generated
# mix capture read from a warm page cache (best of 5 wall times); peak RSS
# on that file and on one twice its size; then where gnvtrace's
# instructions go. Usage: tools/bench-offline.sh [BUILD_DIR]
set -euo pipefail

BUILD=${1:-build}
GNV=$BUILD/gnvtrace
PKTGEN=$BUILD/tools/gnv-pktgen
N=1000000
N_BIG=2000000
N_PROFILE=100000
ROUNDS=5
# Geneve carrying Ethernet carrying IPv4 carrying ICMP, by byte offsets.
TCPDUMP_FILTER='udp port 6081 and udp[10:2] = 0x6558 and udp[(8 + (4 * (2 + (udp[8:1] & 0x3f))) + 12):2] = 0x0800 and udp[8 + (4 * (2 + (udp[8:1] & 0x3f))) + 14 + 9:1] = 1'

die() {
	echo "bench-offline: $*" >&2
	exit 1
}

for f in "$GNV" "$PKTGEN" /usr/bin/time; do
	[ -x "$f" ] || die "$f is missing (make all; tools/install-deps.sh)"
done
command -v tcpdump >/dev/null || die "tcpdump is missing (make test-deps)"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# gen COUNT FILE: the mix, its counts in FILE.counts, then into the page
# cache, written back first: the kernel's writeback of hundreds of MiB
# otherwise runs beside the first timed runs, on a CPU they need.
gen() {
	"$PKTGEN" mix -n "$1" -o "$2" 2>"$2.counts"
	sync "$2"
	cat "$2" >/dev/null
}

# count_of NAME FILE: a count gnv-pktgen wrote for FILE.
count_of() {
	awk -v k="$1" '$1 == k { print $2 }' "$2.counts"
}

# wall CMD...: one run's wall time in ns, stdin from $IN, CMD's stderr
# kept in $ERR. The clock is bash's own ($EPOCHREALTIME, read
# without a process) right around CMD: the command's time and no more.
# Read with `date` around a run under /usr/bin/time, as until 2026-12-05,
# it carried ~18 ms of their forks and execs on this VM (slow there):
# 20% of gnvtrace's time and 7% of tcpdump's, which skewed the ratios.
wall() {
	local t0 t1

	t0=${EPOCHREALTIME//[!0-9]/}
	"$@" <"${IN:-/dev/null}" >/dev/null 2>"$ERR"
	t1=${EPOCHREALTIME//[!0-9]/}
	echo "$(((t1 - t0) * 1000))"
}

# peak_rss CMD...: one run's peak RSS in KB, under /usr/bin/time.
peak_rss() {
	/usr/bin/time -f %M -o "$TMP/rss" "$@" <"${IN:-/dev/null}" \
		>/dev/null 2>/dev/null
	tail -1 "$TMP/rss"
}

# contender K FILE: the K-th command speed() times, on FILE; its stderr
# in $TMP/stderr.K.
contender() {
	local k=$1 f=$2

	case $k in
	0) ERR=$TMP/stderr.0 wall "$GNV" -r "$f" -q icmp ;;
	1) ERR=$TMP/stderr.1 wall taskset -c 0 "$GNV" -r "$f" -q icmp ;;
	2) ERR=$TMP/stderr.2 IN=$f wall "$GNV" -r - -q icmp ;;
	3) ERR=$TMP/stderr.3 wall tcpdump -nr "$f" -w /dev/null \
		   "$TCPDUMP_FILTER" ;;
	esac
}

# gnv_matched K: what gnvtrace's summary (contender K's) says matched.
gnv_matched() {
	sed -n 's/.* \([0-9][0-9]*\) matched.*/\1/p' "$TMP/stderr.$1"
}

tcpdump_matched() {
	tcpdump -nqr "$1" "$TCPDUMP_FILTER" 2>/dev/null | wc -l
}

# row NAME NS RSS MATCHED EXPECTED
row() {
	awk -v name="$1" -v ns="$2" -v rss="$3" -v m="$4" -v e="$5" -v n="$N" \
		'BEGIN { printf "%-30s %8.1f %9.2f M %9d KB %8d %s\n",
			 name, ns / 1e6, n / (ns / 1e9) / 1e6, rss, m,
			 (m == e ? "(expected)" : "(sent " e ": WRONG)") }'
}

# speed FILE: both tools on FILE; sets gnv_rss and tcp_rss.
speed() {
	local icmp4 plain gnv_ns one_ns pcap_ns pcap_rss tcp_ns best ns i k

	icmp4=$(count_of geneve-icmp4 "$1")
	plain=$(count_of geneve-icmp4-plain "$1")
	echo "== offline: $N-packet mix ($(($(stat -c %s "$1") >> 20)) MiB)," \
	     "warm page cache, best of $ROUNDS"
	printf '%-30s %8s %11s %12s %8s\n' \
		"" "wall ms" "packets/s" "peak RSS" "matched"
	# Round after round each command in turn, the best of each kept: a
	# slow minute on the host slows them all, not the one timed then.
	best=(0 0 0 0)
	for ((i = 0; i < ROUNDS; i++)); do
		for k in 0 1 2 3; do
			ns=$(contender $k "$1")
			((best[k] == 0 || ns < best[k])) && best[k]=$ns
		done
	done
	gnv_ns=${best[0]} one_ns=${best[1]} pcap_ns=${best[2]}
	tcp_ns=${best[3]}
	gnv_rss=$(peak_rss "$GNV" -r "$1" -q icmp)
	pcap_rss=$(IN=$1 peak_rss "$GNV" -r - -q icmp)
	tcp_rss=$(peak_rss tcpdump -nr "$1" -w /dev/null "$TCPDUMP_FILTER")
	row "gnvtrace -r FILE -q icmp" "$gnv_ns" "$gnv_rss" \
		"$(gnv_matched 0)" "$icmp4"
	row "  the same on one CPU" "$one_ns" "$gnv_rss" "$(gnv_matched 1)" \
		"$icmp4"
	row "gnvtrace -r - <FILE (libpcap)" "$pcap_ns" "$pcap_rss" \
		"$(gnv_matched 2)" "$icmp4"
	row "tcpdump -r FILE byte offsets" "$tcp_ns" "$tcp_rss" \
		"$(tcpdump_matched "$1")" "$plain"
	awk -v g="$gnv_ns" -v o="$one_ns" -v t="$tcp_ns" \
		-v cpus="$(nproc)" 'BEGIN { r = t / g; r1 = t / o
		printf "gnvtrace/tcpdump: %.2fx on one CPU (target >= 3x: " \
		       "%s), %.2fx on %d (target >= 5x: %s)\n", r1,
		       (r1 >= 3 ? "PASS" : "MISS"), r, cpus,
		       (r >= 5 ? "PASS" : "MISS") }'
	echo "matched differ by design: gnvtrace's icmp is inner ICMP over" \
	     "any underlay (IPv4 or"
	echo "IPv6, 0-2 VLAN tags); tcpdump's udp[] offsets see only" \
	     "untagged IPv4 underlay."
}

# growth FILE: peak RSS on FILE against the first file's.
growth() {
	local big_rss big_tcp_rss

	big_rss=$(peak_rss "$GNV" -r "$1" -q icmp)
	big_tcp_rss=$(peak_rss tcpdump -nr "$1" -w /dev/null \
				    "$TCPDUMP_FILTER")
	awk -v a="$gnv_rss" -v b="$big_rss" -v ta="$tcp_rss" \
		-v tb="$big_tcp_rss" -v n="$N" -v nb="$N_BIG" '
		BEGIN { g = (b - a) * 100 / a
		printf "peak RSS, %d -> %d packets: gnvtrace %d -> %d KB " \
		       "(%+.0f%%;\n  grows < 10%%: %s), tcpdump %d -> %d KB\n",
		       n, nb, a, b, g, (g < 10 ? "PASS" : "MISS"), ta, tb }'
}

# top10 CALLGRIND_OUT: the functions with the most instructions.
top10() {
	callgrind_annotate --threshold=100 "$1" |
	awk -v n="$N_PROFILE" -v root="$PWD/" '
	/PROGRAM TOTALS/ { t = $1; gsub(",", "", t)
		printf "callgrind: %.0f instructions/packet; top 10 " \
		       "(inlined code under its own file):\n", t / n }
	/^ *[0-9,]+ \(/ && !/PROGRAM TOTALS/ && k < 10 {
		ir = $1; pct = $0; fn = $0
		sub(/^ *[0-9,]+ \( */, "", pct); sub(/%.*/, "", pct)
		sub(/^[^)]*\) +/, "", fn); sub(/ \[.*/, "", fn)
		if (index(fn, root) == 1)
			fn = substr(fn, length(root) + 1)
		printf "  %2d %6.2f%% %12s  %s\n", ++k, pct, ir, fn }'
}

# profile FILE: perf's instruction count if the CPU has one, callgrind's.
profile() {
	echo "== where gnvtrace's instructions go ($N_PROFILE packets, icmp)"
	if perf stat -x, -e instructions -o "$TMP/perf" \
		"$GNV" -r "$1" -q icmp 2>/dev/null &&
	   ! grep -q 'not supported\|not counted' "$TMP/perf"; then
		awk -F, -v n="$N_PROFILE" '$3 ~ /^instructions/ {
			printf "perf: %.0f instructions/packet\n", $1 / n }' \
			"$TMP/perf"
	else
		echo "perf: no instruction counter here"
	fi
	if ! command -v valgrind >/dev/null; then
		echo "callgrind: valgrind is not installed, skipped"
		return
	fi
	valgrind -q --tool=callgrind --callgrind-out-file="$TMP/cg.out" \
		"$GNV" -r "$1" -q icmp 2>/dev/null
	top10 "$TMP/cg.out"
}

gen "$N" "$TMP/mix.pcap"
speed "$TMP/mix.pcap"
gen "$N_BIG" "$TMP/big.pcap"
growth "$TMP/big.pcap"
rm -f "$TMP/big.pcap"
gen "$N_PROFILE" "$TMP/small.pcap"
profile "$TMP/small.pcap"
