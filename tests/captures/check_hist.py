#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Per-port histograms of `gnvtrace -r FILE --hist all` against tshark.

Usage: check_hist.py GNVTRACE_BINARY FILE...

For each capture, tshark's decode gives every Geneve frame's length, time,
VNI, OVN option and inner ICMP/ICMPv6 echo fields; from those this script
computes what the histograms must hold, the way the README defines them:
per (VNI, OVN egress port, "in", outer source, outer destination) key -
offline everything counts as
arriving - packets, bytes and log2 slots of frame lengths; and echo round
trips, a request remembered by (inner source, destination, id, sequence),
its reply counted within the timeout as a round trip of the request's key
(log2 slot of whole microseconds, sum in ns), a request older than the
timeout when a later frame is seen (or at the last frame) unanswered.
TCP retransmissions per key: each flow and direction's highest sequence
number seen (the end of its data, serial arithmetic) and the latest gap
below it; a segment with data starting before the end is resent, unless it
starts in the gap (filling it from either end narrows it) or is a
keep-alive (one byte just before the end).
Routers' "too big"s on the underlay (an outer ICMP "fragmentation needed"
or ICMPv6 "packet too big" quoting a UDP datagram to port 6081) per
tunnel, the quoted datagram's addresses: how many, the smallest MTU
announced, the router that sent the last.
MTU trouble per key: the largest frame; ICMP "fragmentation needed" and
ICMPv6 "packet too big" counted with the smallest MTU announced; TCP SYNs
with an MSS: the tunnel's overhead (the frame's bytes from the outer IP
header on, less the TCP options and payload), and those whose MSS plus
that overhead exceeds a 1500-byte MTU.
It then compares, exactly, gnvtrace's JSON histograms on the host path
and with --kernel (the BPF program under BPF_PROG_TEST_RUN), for the
default 5 s timeout and for --echo-timeout 0.5; but gnvtrace follows
TCP flows in a direct-mapped table, where a flow may take an active
one's slot (its summary counts "N TCP flows evicted"), and an evicted
flow starts over: the retransmits of at most that many keys may differ.

Prints one line per check, then `N passed, N failed`; exits 1 on failure.
"""

import json
import re
import subprocess
import sys

FIELDS = ["frame.len", "frame.time_epoch", "frame.protocols", "geneve.vni",
          "geneve.option",
          "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "icmp.type", "icmp.code",
          "icmp.ident", "icmp.seq", "icmpv6.type", "icmpv6.code",
          "icmpv6.echo.identifier", "icmpv6.echo.sequence_number",
          "icmp.mtu", "icmpv6.mtu", "tcp.flags.syn", "tcp.options.mss_val",
          "tcp.hdr_len", "tcp.len", "tcp.flags.ack", "tcp.flags.reset",
          "tcp.flags.fin", "tcp.srcport", "tcp.dstport", "tcp.seq_raw",
          "udp.dstport"]
MTU = 1500     # the underlay's, given to gnvtrace as --mtu
SIZE_SLOTS = 17
RTT_SLOTS = 27
OVN_CLASS_TYPE = "010280"

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)
    return ok


def slot(v, n):
    return min(max(v.bit_length() - 1, 0), n - 1)


def ns_of(epoch):
    sec, _, frac = epoch.partition(".")
    return int(sec) * 10**9 + int((frac + "000000000")[:9])


def last(field):
    return field.split(",")[-1] if field else ""


def ovn_outport(options):
    """The OVN option's egress port key, None without the option."""
    for opt in options.split(","):
        if opt.startswith(OVN_CLASS_TYPE) and len(opt) >= 16:
            return int(opt[8:16], 16) & 0xffff
    return None


def flag(r, f):
    return last(r["tcp.flags." + f]) in ("1", "True")


def echo_of(r):
    """(kind, key) of an echo request (1) or reply (2), a TCP SYN (1) or
    SYN-ACK (2), else (0, None)."""
    if r["tcp.flags.syn"] and not flag(r, "reset") and not flag(r, "fin"):
        kind = 2 if flag(r, "ack") else 1 if flag(r, "syn") else 0
        protos = r["frame.protocols"].split(":")
        v6 = protos[protos.index("tcp") - 1] == "ipv6"     # the inner IP
        fam = 6 if v6 else 4
        src = last(r["ipv6.src" if v6 else "ip.src"])
        dst = last(r["ipv6.dst" if v6 else "ip.dst"])
        ident, seq = last(r["tcp.srcport"]), last(r["tcp.dstport"])
        if kind == 2:
            ident, seq = seq, ident
        proto = "tcp"
    elif r["icmp.type"] and r["icmp.code"] == "0":
        kind = {"8": 1, "0": 2}.get(last(r["icmp.type"]), 0)
        fam, src, dst = 4, last(r["ip.src"]), last(r["ip.dst"])
        ident, seq = last(r["icmp.ident"]), last(r["icmp.seq"])
    elif r["icmpv6.type"] and r["icmpv6.code"] == "0":
        kind = {"128": 1, "129": 2}.get(last(r["icmpv6.type"]), 0)
        fam, src, dst = 6, last(r["ipv6.src"]), last(r["ipv6.dst"])
        ident = last(r["icmpv6.echo.identifier"])
        seq = last(r["icmpv6.echo.sequence_number"])
    else:
        return 0, None
    if not kind:
        return 0, None
    if r["tcp.flags.syn"] == "":
        proto = "icmp"
    if kind == 2:
        src, dst = dst, src
    return kind, (proto, fam, src, dst, int(ident, 0), int(seq, 0))


def tshark_rows(path):
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        r = dict(zip(FIELDS, line.split("\t")))
        if r.get("geneve.vni") or underlay_icmp(r):
            yield r


def underlay_icmp(r):
    """Whether the frame's first IP header carries ICMP (or ICMPv6)."""
    protos = [p for p in r["frame.protocols"].split(":")
              if p not in ("eth", "ethertype", "vlan", "ieee8021ad")]
    return protos[:2] in (["ip", "icmp"], ["ipv6", "icmpv6"])


def count_underlay(tunnels, r):
    """A router's "too big" about a Geneve datagram, to its tunnel."""
    v6 = r["frame.protocols"].find("icmpv6") >= 0
    first = {f: r[f].split(",")[0] for f in r}
    if first["udp.dstport"] != "6081":
        return
    if (v6 and first["icmpv6.type"] != "2") or (
            not v6 and (first["icmp.type"], first["icmp.code"]) != ("3", "4")):
        return
    fam = "ipv6" if v6 else "ip"
    src, dst = r[fam + ".src"].split(","), r[fam + ".dst"].split(",")
    t = tunnels.setdefault((src[1], dst[1]), {"too_big": 0, "too_big_mtu": 0})
    mtu = int(first["icmpv6.mtu" if v6 else "icmp.mtu"])
    t["too_big"] += 1
    if mtu and (not t["too_big_mtu"] or mtu < t["too_big_mtu"]):
        t["too_big_mtu"] = mtu
    t["router"] = src[0]


def tunnel_of(r):
    """The outer (first) IP header's addresses, as tshark prints them."""
    protos = r["frame.protocols"].split(":")
    v4 = protos.index("ip") if "ip" in protos else len(protos)
    v6 = protos.index("ipv6") if "ipv6" in protos else len(protos)
    fam = "ip" if v4 < v6 else "ipv6"
    return (r[fam + ".src"].split(",")[0], r[fam + ".dst"].split(",")[0])


def new_entry():
    return {"packets": 0, "bytes": 0, "size": [0] * SIZE_SLOTS,
            "count": 0, "sum_ns": 0, "rtt": [0] * RTT_SLOTS,
            "unanswered": 0, "syn_count": 0, "syn_sum_ns": 0,
            "syn_rtt": [0] * RTT_SLOTS, "syn_unanswered": 0,
            "segments": 0, "retransmits": 0, "max_len": 0, "too_big": 0, "too_big_mtu": 0,
            "mss_over": 0, "mss_overhead": 0}


def outer_tags(r):
    """VLAN tags before the tunnel's IP header."""
    protos = r["frame.protocols"].split(":")
    outer = protos[:protos.index("udp")]
    return outer.count("vlan") + outer.count("ieee8021ad")


def count_tcp(e, r, flows):
    """A TCP segment with data: its flow's end so far, resent or not."""
    if not r["tcp.len"] or not int(last(r["tcp.len"])):
        return
    protos = r["frame.protocols"].split(":")
    ip = protos[protos.index("tcp") - 1]            # the inner IP
    flow = (last(r[ip + ".src"]), last(r[ip + ".dst"]),
            last(r["tcp.srcport"]), last(r["tcp.dstport"]))
    seq, n = int(last(r["tcp.seq_raw"])), int(last(r["tcp.len"]))
    end = (seq + n) % 2**32

    def before(a, b):
        return (a - b) % 2**32 >= 2**31

    e["segments"] += 1
    if flow not in flows:
        flows[flow] = [end, end, end]       # the end, the gap's ends
        return
    f = flows[flow]
    if not before(seq, f[0]):
        if seq != f[0]:
            f[1], f[2] = f[0], seq
        f[0] = end
        return
    if not before(seq, f[1]) and before(seq, f[2]):
        if seq == f[1]:
            f[1] = end if before(end, f[2]) else f[2]
        elif end == f[2]:
            f[2] = seq
    elif not (n == 1 and end == f[0]):
        e["retransmits"] += 1
    if before(f[0], end):
        f[0] = end


def count_mtu(e, r, length):
    """What the frame adds to its key's MTU trouble."""
    e["max_len"] = max(e["max_len"], length)
    for mtu in (last(r["icmp.mtu"]), last(r["icmpv6.mtu"])):
        if mtu != "":
            e["too_big"] += 1
            if int(mtu) and (not e["too_big_mtu"] or
                             int(mtu) < e["too_big_mtu"]):
                e["too_big_mtu"] = int(mtu)
    if last(r["tcp.flags.syn"]) in ("1", "True") and \
            last(r["tcp.options.mss_val"]):
        l3 = length - 14 - 4 * outer_tags(r)
        overhead = l3 - (int(last(r["tcp.hdr_len"])) - 20) - \
            int(last(r["tcp.len"]))
        e["mss_overhead"] = overhead
        if int(last(r["tcp.options.mss_val"])) + overhead > MTU:
            e["mss_over"] += 1


def expected(path, timeout_ns):
    keys = {}
    pending = {}   # echo key -> (ts, port key), in the order seen
    flows = {}     # TCP flow and direction -> the end of its data
    now = 0

    def entry(k):
        return keys.setdefault(k, new_entry())

    def reap():
        for ek in [ek for ek, (ts, _) in pending.items()
                   if now - ts > timeout_ns]:
            entry(pending.pop(ek)[1])[prefix(ek) + "unanswered"] += 1

    def prefix(ek):
        return "syn_" if ek[0] == "tcp" else ""

    for r in tshark_rows(path):
        now = ns_of(r["frame.time_epoch"])
        if underlay_icmp(r):
            count_underlay(keys.setdefault("underlay", {}), r)
            continue
        length = int(r["frame.len"])
        key = (int(r["geneve.vni"].split(",")[0], 0),
               ovn_outport(r["geneve.option"])) + tunnel_of(r)
        e = entry(key)
        e["packets"] += 1
        e["bytes"] += length
        e["size"][slot(length, SIZE_SLOTS)] += 1
        count_mtu(e, r, length)
        count_tcp(e, r, flows)
        reap()
        kind, ek = echo_of(r)
        if kind == 1 and ek[0] == "tcp" and ek in pending:
            pass        # a SYN sent again: the handshake is from the first
        elif kind == 1:
            pending.pop(ek, None)
            pending[ek] = (now, key)
        elif kind == 2 and ek in pending:
            ts, req_key = pending.pop(ek)
            rtt = entry(req_key)
            p = prefix(ek)
            rtt[p + "count"] += 1
            rtt[p + "sum_ns"] += now - ts
            rtt[p + "rtt"][slot((now - ts) // 1000, RTT_SLOTS)] += 1
    reap()
    return keys


def slots_of(buckets, n):
    slots = [0] * n
    for b in buckets:
        slots[slot(b["min"], n)] = b["count"]
    return slots


def gnvtrace_hist(binary, path, extra):
    out = subprocess.run([binary, "-r", path, "--hist", "all", "-q",
                          "-o", "json", "--mtu", str(MTU)] + extra,
                         capture_output=True, text=True)
    if out.returncode:
        print(out.stderr.strip())
        return None, 0
    evicted = re.search(r", (\d+) TCP flows evicted", out.stderr)
    keys = {}
    for line in out.stdout.splitlines():
        js = json.loads(line)
        if js["hist"] == "underlay_too_big":
            keys.setdefault("underlay", {})[
                (js["outer_src"], js["outer_dst"])] = {
                    f: js.get(f, 0) for f in ("too_big", "too_big_mtu",
                                              "router")}
            continue
        if js.get("dir") != "in":
            return None, 0
        k = (js["vni"], js.get("port"), js["outer_src"], js["outer_dst"])
        e = keys.setdefault(k, new_entry())
        if js["hist"] == "tcp":
            e["segments"] = js["segments"]
            e["retransmits"] = js["retransmits"]
        elif js["hist"] == "size":
            e["packets"], e["bytes"] = js["packets"], js["bytes"]
            e["size"] = slots_of(js["buckets"], SIZE_SLOTS)
            for f in ("max_len", "too_big", "too_big_mtu", "mss_over",
                      "mss_overhead"):
                e[f] = js.get(f, 0)
        else:
            p = "syn_" if js["hist"] == "handshake" else ""
            e[p + "count"], e[p + "sum_ns"] = js["count"], js["sum_ns"]
            e[p + "unanswered"] = js["unanswered"]
            e[p + "rtt"] = slots_of(js["buckets"], RTT_SLOTS)
    return keys, int(evicted.group(1)) if evicted else 0


def evicted_differ(want, got):
    """Keys whose retransmits alone differ; None if anything else does."""
    if got is None or set(want) != set(got):
        return None
    keys = 0
    for k in want:
        if want[k] == got[k]:
            continue
        if k == "underlay" or {f for f in want[k]
                               if want[k][f] != got[k][f]} != {"retransmits"}:
            return None
        keys += 1
    return keys


def nonzero(slots):
    return [i for i, n in enumerate(slots) if n]


def check_rtt_fixture(want):
    """gnv-pktgen rtt's design, independent of tshark: known gaps."""
    def of_port(vni, port):
        found = [e for k, e in want.items()
                 if k != "underlay" and k[:2] == (vni, port)]
        return found[0] if len(found) == 1 else new_entry()
    v4, v6 = of_port(5, 3), of_port(7, 4)
    check(nonzero(v4["rtt"]) == [0, 1, 6, 10, 14, 19] and
          v4["unanswered"] == 2 and v4["sum_ns"] == 1021604000 and
          nonzero(v6["rtt"]) == [5] and v6["sum_ns"] == 50000,
          "rtt fixture: the gaps it was made with")
    # The handshakes: 300 us, and 1.0002 s from a SYN sent twice.
    check(nonzero(v4["syn_rtt"]) == [8, 19] and
          v4["syn_sum_ns"] == 300000 + 1000200000 and
          v4["syn_unanswered"] == 1,
          "rtt fixture: the handshakes it was made with (got %s, %d, %d)" %
          (nonzero(v4["syn_rtt"]), v4["syn_sum_ns"], v4["syn_unanswered"]))


def check_mtu_fixture(want):
    """gnv-pktgen mtu's design, independent of tshark."""
    def of_port(vni, port):
        found = [e for k, e in want.items()
                 if k != "underlay" and k[:2] == (vni, port)]
        return found[0] if len(found) == 1 else new_entry()
    check(want.get("underlay") == {
        ("172.17.2.119", "172.17.2.143"):
            {"too_big": 2, "too_big_mtu": 1400, "router": "172.17.2.2"},
        ("fd00:172:17::119", "fd00:172:17::143"):
            {"too_big": 1, "too_big_mtu": 1280, "router": "2001:db8::1"}},
          "mtu fixture: the underlay's too-bigs it was made with (got %s)" %
          want.get("underlay"))
    got = [(e["max_len"], e["too_big"], e["too_big_mtu"], e["mss_over"],
            e["mss_overhead"]) for e in (of_port(5, 1), of_port(5, 3),
                                         of_port(7, 2), of_port(7, 4))]
    check(got == [(156, 2, 1300, 0, 0), (1500, 0, 0, 1, 98),
                  (196, 1, 1280, 0, 0), (1540, 0, 0, 1, 138)],
          "mtu fixture: what it was made with (got %s)" % got)


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    binary = argv[1]
    for path in argv[2:]:
        for timeout in (5.0, 0.5):
            want = expected(path, int(timeout * 1e9))
            if path.endswith("/rtt.pcap") and timeout == 5.0:
                check_rtt_fixture(want)
            if path.endswith("/mtu.pcap") and timeout == 5.0:
                check_mtu_fixture(want)
            ports = [e for k, e in want.items() if k != "underlay"]
            rtts = sum(e["count"] for e in ports)
            unanswered = sum(e["unanswered"] for e in ports)
            for mode in ([], ["--kernel"]):
                extra = mode + ["--echo-timeout", str(timeout)]
                got, evicted = gnvtrace_hist(binary, path, extra)
                differ = evicted_differ(want, got)
                what = ("%s %s: %d keys, %d round trips, %d unanswered, "
                        "%d handshakes, %d SYNs unanswered, %d retransmits, "
                        "%d too big, %d SYNs over the MTU, %d underlay "
                        "too big") % (
                    path.split("/")[-1], " ".join(extra), len(ports), rtts,
                    unanswered, sum(e["syn_count"] for e in ports),
                    sum(e["syn_unanswered"] for e in ports),
                    sum(e["retransmits"] for e in ports),
                    sum(e["too_big"] for e in ports),
                    sum(e["mss_over"] for e in ports),
                    sum(t["too_big"] for t in
                        want.get("underlay", {}).values()))
                if evicted:
                    what += (" (%d TCP flows evicted: %s keys' "
                             "retransmits differ)" % (evicted, differ))
                if check(differ is not None and differ <= evicted, what):
                    print("ok   " + what)
                elif got is not None:
                    for k in sorted(set(want) | set(got), key=str):
                        if want.get(k) != got.get(k):
                            print("  key %s: want %s\n           got %s" %
                                  (k, want.get(k), got.get(k)))
                            break
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
