#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# gnvtrace's /metrics scraped by a real Prometheus server. Two network
# namespaces joined by a veth pair; gnvtrace traces one end (XDP in, TC
# out) with --hist all --metrics, and Prometheus runs in the same
# namespace, scraping it every second. Crafted Geneve+OVN ICMP echo
# requests leave through the traced end, their replies come back into it
# 0.3 s later; the series Prometheus stored must count them exactly, and
# promtool must find nothing to say about the exposition. Then the CLI's
# error paths: a port in use, a bad --metrics, an unwritable
# --metrics-file. Everything is torn down on every exit path. Nothing is
# skipped: a missing tool is a failure.
#
# Usage: test_prometheus.sh BUILD_DIR
set -u
# No file a test writes may grow past 64 MiB, whatever goes wrong.
ulimit -f 131072

BUILD=$(cd "${1:-build}" && pwd)
GNV=$BUILD/gnvtrace
PY=${PYTHON:-/usr/bin/python3}
NS_A=gnvt-prom-a-$$		# traced, with Prometheus
NS_B=gnvt-prom-b-$$		# the far end
A_IF=gnvt-pa
B_IF=gnvt-pb
TMP=$(mktemp -d)
PROM_PID=
JOB=gnvtrace
# Both in NS_A, a namespace of its own: nothing else listens there.
METRICS_PORT=9677
PROM_PORT=9090

# What the crafted captures hold (see craft below).
N_ECHO=20	# echo requests VNI 5, OVN port 3 -> 7, and as many replies
N_NOOPT=3	# Geneve VNI 9 without OVN's option, inner UDP
N_OTHER=4	# plain UDP, not Geneve
MATCHED=$((2 * N_ECHO + N_NOOPT))

cleanup() {
	[ -n "$GNV_PID" ] && kill -9 "$GNV_PID" 2>/dev/null
	[ -n "$PROM_PID" ] && kill -9 "$PROM_PID" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"

a() { ip netns exec "$NS_A" "$@"; }
b() { ip netns exec "$NS_B" "$@"; }

setup() { veth_lab "$NS_A" "$A_IF" "$NS_B" "$B_IF"; }

# The helper: crafts the captures, finds free ports, fetches and queries.
cat >"$TMP/helper.py" <<'EOF'
import json, socket, struct, sys, time, urllib.parse, urllib.request

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000,
                    64, proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload

def eth(dst, src, payload):
    return bytes.fromhex(dst) + bytes.fromhex(src) + b"\x08\x00" + payload

def icmp_echo(typ, ident, seq):
    data = bytes(range(32))
    h = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + data
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]

def geneve(vni, inner, ovn=None):
    opts = b""
    if ovn is not None:
        inport, outport = ovn
        opts = struct.pack("!HBBHH", 0x0102, 0x80, 1, inport & 0x7fff, outport)
    h = struct.pack("!BBH", len(opts) // 4, 0, 0x6558) + struct.pack("!I", vni << 8)
    return h + opts + inner

def tunnel(src, dst, sport, vni, inner, ovn=None):
    macs = ("020000000002", "020000000001") if src == "10.0.0.1" else \
           ("020000000001", "020000000002")
    return eth(macs[0], macs[1],
               ipv4(src, dst, 17, udp(sport, 6081, geneve(vni, inner, ovn))))

def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            if len(fr) < 60:
                fr += bytes(60 - len(fr))
            f.write(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)) + fr)

def craft(out, n_echo, n_noopt, n_other):
    vm3, vm7 = "192.168.5.3", "192.168.5.7"
    mac3, mac7 = "0a0000000003", "0a0000000007"
    req, rep = [], []
    for seq in range(1, n_echo + 1):
        req.append(tunnel("10.0.0.1", "10.0.0.2", 40000 + seq, 5,
                          eth(mac7, mac3, ipv4(vm3, vm7, 1, icmp_echo(8, 0x77, seq))),
                          ovn=(3, 7)))
        rep.append(tunnel("10.0.0.2", "10.0.0.1", 41000 + seq, 5,
                          eth(mac3, mac7, ipv4(vm7, vm3, 1, icmp_echo(0, 0x77, seq))),
                          ovn=(7, 3)))
    for i in range(n_noopt):
        req.append(tunnel("10.0.0.1", "10.0.0.2", 42000 + i, 9,
                          eth(mac7, mac3, ipv4(vm3, vm7, 17, udp(1000 + i, 53, b"q" * 20)))))
    for i in range(n_other):
        req.append(eth("020000000002", "020000000001",
                       ipv4("10.0.0.1", "10.0.0.2", 17, udp(5000 + i, 53, b"x" * 30))))
    write_pcap(out + "/requests.pcap", req)
    write_pcap(out + "/replies.pcap", rep)
    # the length of an echo request frame, of a reply, and the median
    # histogram_quantile finds in the request's size bucket
    rl = max(60, len(req[0]))
    k = rl.bit_length() - 1
    lo, hi = 2 ** k - 1, 2 ** (k + 1) - 1
    print(rl, max(60, len(rep[0])), "%g" % (lo + (hi - lo) * 0.5))

def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()

def query(port, expr):
    url = "http://127.0.0.1:%s/api/v1/query?%s" % (
        port, urllib.parse.urlencode({"query": expr}))
    _, _, body = get(url)
    return json.loads(body)["data"]["result"]

def value(port, expr):
    """The one series' value, 'none' or 'many N'."""
    res = query(port, expr)
    if not res:
        return "none"
    if len(res) > 1:
        return "many %d" % len(res)
    v = float(res[0]["value"][1])
    return "%d" % v if v == int(v) else "%g" % v

def main():
    cmd = sys.argv[1]
    if cmd == "craft":
        craft(sys.argv[2], *map(int, sys.argv[3:6]))
    elif cmd == "fetch":    # fetch URL BODYFILE: prints status and type
        status, ctype, body = get(sys.argv[2])
        open(sys.argv[3], "w").write(body)
        print(status, ctype)
    elif cmd == "ready":    # ready URL SECONDS
        end = time.time() + float(sys.argv[3])
        while time.time() < end:
            try:
                if get(sys.argv[2], 1)[0] == 200:
                    return 0
            except Exception:
                pass
            time.sleep(0.2)
        return 1
    elif cmd == "value":    # value PROMPORT EXPR
        print(value(sys.argv[2], sys.argv[3]))
    elif cmd == "labels":   # labels PROMPORT EXPR: the one series' label names
        res = query(sys.argv[2], sys.argv[3])
        print(",".join(sorted(res[0]["metric"])) if len(res) == 1 else "%d series" % len(res))
    elif cmd == "wait":     # wait PROMPORT EXPR WANT SECONDS: until the value is WANT
        end = time.time() + float(sys.argv[5])
        got = "?"
        while time.time() < end:
            try:
                got = value(sys.argv[2], sys.argv[3])
                if got == sys.argv[4]:
                    return 0
            except Exception as e:
                got = repr(e)
            time.sleep(0.5)
        print("  %s: %s after %s s, not %s" % (sys.argv[3], got, sys.argv[5], sys.argv[4]))
        return 1
    return 0

sys.exit(main())
EOF

helper() { "$PY" "$TMP/helper.py" "$@"; }
ahelper() { a "$PY" "$TMP/helper.py" "$@"; }

replay() { # replay NS IFACE PCAP
	ip netns exec "$1" tcpreplay --topspeed -i "$2" "$3" >"$TMP/replay.out" 2>&1
	grep -q "Failed packets: *0$" "$TMP/replay.out" ||
		{ echo "  tcpreplay failed:"; grep -i "fail\|error" "$TMP/replay.out"; return 1; }
}

# is EXPR WANT NAME: Prometheus' value of EXPR is WANT
is() {
	local got
	got=$(ahelper value "$PROM_PORT" "$1" 2>&1)
	if [ "$got" = "$2" ]; then
		ok "$3"
	else
		fail "$3"
		echo "  $1 = $got, not $2"
	fi
}

start_prometheus() {
	cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: $JOB
    static_configs:
      - targets: ['127.0.0.1:$METRICS_PORT']
EOF
	# Not through a(): $! must be Prometheus itself, for the kill.
	ip netns exec "$NS_A" prometheus --config.file="$TMP/prometheus.yml" \
		--storage.tsdb.path="$TMP/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" \
		>"$TMP/prometheus.log" 2>&1 &
	PROM_PID=$!
	if ! ahelper ready "http://127.0.0.1:$PROM_PORT/-/ready" 30; then
		echo "  Prometheus did not become ready:"
		tail -5 "$TMP/prometheus.log"
		return 1
	fi
}

test_scraped() {
	local lens req_len rep_len q50 k5o k5i k9o

	start_gnvtrace "$NS_A" "$A_IF" "$TMP/gnv.out" --hist all -q --interval 1 \
		--metrics "127.0.0.1:$METRICS_PORT" --metrics-file "$TMP/gnv.prom" ||
		{ fail "gnvtrace --metrics started"; return 1; }
	ok "gnvtrace --hist all --metrics 127.0.0.1:$METRICS_PORT started"
	start_prometheus || { fail "Prometheus started"; return 1; }
	ok "Prometheus started"
	check "Prometheus: the target is up" \
		ahelper wait "$PROM_PORT" "up{job=\"$JOB\"}" 1 20

	lens=$(helper craft "$TMP" "$N_ECHO" "$N_NOOPT" "$N_OTHER") ||
		{ fail "crafting the captures"; return 1; }
	read -r req_len rep_len q50 <<<"$lens"
	# Requests leave through the traced end (TC: out); their replies come
	# back into it (XDP: in) 0.3 s later: round trips of 0.3 s and more.
	check "replay the requests out of $A_IF" replay "$NS_A" "$A_IF" "$TMP/requests.pcap"
	sleep 0.3
	check "replay the replies into $A_IF" replay "$NS_B" "$B_IF" "$TMP/replies.pcap"

	check "Prometheus scraped every matched frame" \
		ahelper wait "$PROM_PORT" gnvtrace_matched_packets_total "$MATCHED" 30
	# Every series comes from the same render: one more scrape settles all.
	sleep 2

	is "up{job=\"$JOB\"}" 1 "up{job=\"$JOB\"} == 1"
	is gnvtrace_matched_packets_total "$MATCHED" "gnvtrace_matched_packets_total == $MATCHED"
	is gnvtrace_geneve_packets_total "$MATCHED" "gnvtrace_geneve_packets_total == $MATCHED"
	is "gnvtrace_packets_total >= bool $((MATCHED + N_OTHER))" 1 \
		"gnvtrace_packets_total counts the frames that are not Geneve too"
	is gnvtrace_lost_events_total 0 "gnvtrace_lost_events_total == 0"
	is "count(gnvtrace_malformed_packets_total)" 20 \
		"gnvtrace_malformed_packets_total: a series per reason, from the start"
	is "sum(gnvtrace_malformed_packets_total)" 0 "no malformed frame"

	# Each key names its tunnel: the requests go 10.0.0.1 > 10.0.0.2.
	local to2='outer_src="10.0.0.1",outer_dst="10.0.0.2"'
	local to1='outer_src="10.0.0.2",outer_dst="10.0.0.1"'
	k5o="vni=\"5\",port=\"3\",direction=\"out\",$to2"
	k5i="vni=\"5\",port=\"3\",direction=\"in\",$to1"
	k9o="vni=\"9\",port=\"\",direction=\"out\",$to2"
	is "gnvtrace_port_packets_total{$k5o}" "$N_ECHO" "requests: port 3 out == $N_ECHO"
	is "gnvtrace_port_packets_total{$k5i}" "$N_ECHO" "replies: port 3 in == $N_ECHO"
	is "gnvtrace_port_packets_total{$k9o}" "$N_NOOPT" "no OVN option: vni 9 out == $N_NOOPT"
	check "no OVN option: the series has no port label" \
		test "$(ahelper labels "$PROM_PORT" "gnvtrace_port_packets_total{$k9o}")" = \
		"__name__,direction,instance,job,outer_dst,outer_src,vni"
	is "count(gnvtrace_port_packets_total)" 3 "three port keys, no other"
	is "sum(gnvtrace_port_packets_total)" "$MATCHED" "the port keys share the matched frames"
	is "gnvtrace_port_bytes_total{$k5o}" "$((N_ECHO * req_len))" \
		"requests: bytes == $N_ECHO x $req_len"
	is "gnvtrace_port_bytes_total{$k5i}" "$((N_ECHO * rep_len))" \
		"replies: bytes == $N_ECHO x $rep_len"
	is "gnvtrace_port_packet_size_bytes_count{$k5i}" "$N_ECHO" \
		"size histogram: _count == packets"
	is "gnvtrace_port_packet_size_bytes_bucket{$k5i,le=\"+Inf\"}" "$N_ECHO" \
		"size histogram: le=+Inf == packets"
	is "gnvtrace_port_packet_size_bytes_sum{$k5o}" "$((N_ECHO * req_len))" \
		"size histogram: _sum == bytes"
	is "count(gnvtrace_port_packet_size_bytes_bucket{$k5o})" 17 \
		"size histogram: 16 bounds and +Inf"
	is "histogram_quantile(0.5, gnvtrace_port_packet_size_bytes_bucket{$k5o})" "$q50" \
		"histogram_quantile: the median in the requests' ($req_len bytes) bucket"
	is "gnvtrace_port_icmp_rtt_seconds_count{$k5o}" "$N_ECHO" \
		"round trips: every request out answered in"
	is "gnvtrace_port_icmp_rtt_seconds_bucket{$k5o,le=\"0.262144\"}" 0 \
		"round trips: none under the 0.3 s gap"
	is "gnvtrace_port_icmp_rtt_seconds_bucket{$k5o,le=\"+Inf\"}" "$N_ECHO" \
		"round trips: le=+Inf == _count"
	is "gnvtrace_port_icmp_rtt_seconds_sum{$k5o} >= bool $N_ECHO * 0.3" 1 \
		"round trips: _sum in seconds, 0.3 s or more each"
	is "gnvtrace_port_icmp_unanswered_total{$k5o}" 0 "round trips: none unanswered"

	# The exposition itself.
	local fetched
	fetched=$(ahelper fetch "http://127.0.0.1:$METRICS_PORT/metrics" "$TMP/metrics.txt" 2>&1)
	check "GET /metrics: 200, the exposition format's content type" \
		test "$fetched" = "200 text/plain; version=0.0.4; charset=utf-8" ||
		echo "  got: $fetched"
	promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1
	check "promtool check metrics: clean, exit 0" test $? -eq 0
	check "promtool check metrics: says nothing" test ! -s "$TMP/promtool.out" ||
		head -20 "$TMP/promtool.out"
	check "/metrics: the size bucket line, labels in order" \
		grep -qx "gnvtrace_port_packet_size_bytes_bucket{$k5i,le=\"+Inf\"} $N_ECHO" "$TMP/metrics.txt"
	fetched=$(ahelper fetch "http://127.0.0.1:$METRICS_PORT/other" "$TMP/other.txt" 2>&1)
	check "GET /other: 404" grep -q "HTTP Error 404" <<<"$fetched"

	# --metrics-file, written every --interval.
	check "--metrics-file: written" test -s "$TMP/gnv.prom"
	check "--metrics-file: promtool finds nothing to say" \
		bash -c "promtool check metrics <'$TMP/gnv.prom' >'$TMP/pf.out' 2>&1 && test ! -s '$TMP/pf.out'"
	check "--metrics-file: the matched count" \
		grep -qx "gnvtrace_matched_packets_total $MATCHED" "$TMP/gnv.prom"
	check "--metrics-file: no temporary file left" \
		test -z "$(find "$TMP" -maxdepth 1 -name 'gnv.prom.tmp.*')"

	stop_gnvtrace
	check "gnvtrace exits 0 on SIGINT" test $? -eq 0
	check "/metrics is gone with gnvtrace" \
		bash -c "! ip netns exec $NS_A $PY $TMP/helper.py fetch http://127.0.0.1:$METRICS_PORT/metrics /dev/null >/dev/null 2>&1"
}

# The same frames with the series shaped (--metrics-labels port,direction
# --metrics-max-series 2): the three port keys become port 3 out, port 3
# in, and the key without a port folded into "other".
test_scraped_shaped() {
	start_gnvtrace "$NS_A" "$A_IF" "$TMP/gnv2.out" --hist all -q \
		--interval 1 --metrics "127.0.0.1:$METRICS_PORT" \
		--metrics-labels port,direction --metrics-max-series 2 ||
		{ fail "gnvtrace --metrics-labels started"; return 1; }
	check "shaped: replay the requests" replay "$NS_A" "$A_IF" "$TMP/requests.pcap"
	check "shaped: replay the replies" replay "$NS_B" "$B_IF" "$TMP/replies.pcap"
	check "shaped: Prometheus scraped every matched frame" \
		ahelper wait "$PROM_PORT" gnvtrace_matched_packets_total "$MATCHED" 30
	sleep 2
	is "count(gnvtrace_port_packets_total)" 3 "shaped: two series and other"
	is 'gnvtrace_port_packets_total{port="3",direction="out"}' "$N_ECHO" \
		"shaped: port 3 out, its tunnel summed away"
	is 'gnvtrace_port_packets_total{port="other",direction="other"}' "$N_NOOPT" \
		"shaped: the key without a port folded into other"
	is gnvtrace_port_series_folded 1 "shaped: one key folded"
	check "shaped: port 3's labels are port and direction alone" \
		test "$(ahelper labels "$PROM_PORT" 'gnvtrace_port_packets_total{port="3",direction="in"}')" = \
		"__name__,direction,instance,job,port"
	stop_gnvtrace
}

test_cli_errors() {
	local busy rc

	# A port in use: here, Prometheus' own.
	busy=$PROM_PORT
	a timeout 20 "$GNV" -i lo --direction in --duration 2 \
		--metrics "127.0.0.1:$busy" >"$TMP/e.out" 2>"$TMP/e.err"
	rc=$?
	check "--metrics on a port in use: exits non-zero" test $rc -ne 0 -a $rc -ne 124
	check "--metrics on a port in use: one line, 'address already in use'" \
		test "$(wc -l <"$TMP/e.err")" -eq 1 -a \
		"$(grep -c "127.0.0.1:$busy.*address already in use" "$TMP/e.err")" -eq 1 ||
		cat "$TMP/e.err"

	b timeout 20 "$GNV" -i lo --metrics abc >"$TMP/e.out" 2>"$TMP/e.err"
	check "--metrics abc: usage error, exit 2" test $? -eq 2
	check "--metrics abc: says what it takes" \
		grep -q "'abc' is not PORT, ADDR:PORT or \[ADDR6\]:PORT" "$TMP/e.err" ||
		cat "$TMP/e.err"

	b timeout 20 "$GNV" -i lo --metrics 99999 >"$TMP/e.out" 2>"$TMP/e.err"
	check "--metrics 99999: usage error, exit 2" test $? -eq 2
	check "--metrics 99999: the port's range" \
		grep -q "the port needs a number from 1 to 65535, not '99999'" "$TMP/e.err" ||
		cat "$TMP/e.err"

	b timeout 20 "$GNV" -i lo --direction in --duration 2 \
		--metrics 10.255.255.1:9677 >"$TMP/e.out" 2>"$TMP/e.err"
	rc=$?
	check "--metrics on an address not here: exits non-zero" test $rc -ne 0 -a $rc -ne 124
	check "--metrics on an address not here: one line" \
		test "$(wc -l <"$TMP/e.err")" -eq 1 -a \
		"$(grep -c "10.255.255.1:9677: no such address on this host" "$TMP/e.err")" -eq 1 ||
		cat "$TMP/e.err"

	b timeout 20 "$GNV" -i lo --direction in --duration 1 --hist all -q \
		--metrics-file /nonexistent-dir/x.prom >"$TMP/e.out" 2>"$TMP/e.err"
	rc=$?
	check "--metrics-file in a missing directory: exits non-zero" test $rc -ne 0 -a $rc -ne 124
	check "--metrics-file in a missing directory: one line saying so" \
		test "$(grep -c "^gnvtrace: cannot write metrics file /nonexistent-dir/x.prom: No such file or directory$" "$TMP/e.err")" -eq 1 ||
		cat "$TMP/e.err"
}

main() {
	need ip tcpreplay prometheus promtool timeout "$PY" "$GNV" || { finish; exit 1; }
	if ! setup; then
		fail "setup of the network namespaces"
		finish
		exit 1
	fi

	test_scraped
	test_scraped_shaped
	test_cli_errors

	finish
}

main
