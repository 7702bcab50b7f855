#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Compare gnvtrace's JSON decode of real Geneve captures with tshark 4.0.

Usage:
    check_tshark.py GNVTRACE_BINARY CAPTURES_DIR
    check_tshark.py --filters GNVTRACE_BINARY CAPTURES_DIR

Default mode: for every *.pcap / *.pcapng in CAPTURES_DIR that has a
NAME.tshark.tsv beside it (see CAPTURES_DIR/README.md for how the TSV was
made), run `GNVTRACE -r FILE -o json` and compare, packet by packet and
field by field, with the TSV row of the same frame.

Alignment: gnvtrace prints one JSON line per Geneve packet that parses
fully, in file order. The expected frames are the TSV rows with geneve.vni,
minus EXPECTED_MALFORMED, plus TSHARK_NO_GENEVE (frames tshark 4.0 cannot
decode). The JSON lines must correspond 1:1, in order, to those frames; each
line's ts is also checked against the frame's timestamp read straight from
the capture file (a small pcap/pcapng reader below), so the alignment is
verified, not assumed. The exit summary on stderr must agree: packets seen
= TSV rows, matched = Geneve = JSON lines, 0 lost, and the malformed reasons
equal EXPECTED_MALFORMED exactly.

The TSV holds multi-occurrence fields joined with '|', outermost first.
Each occurrence is attributed to a layer of frame.protocols (the k-th 'ip'
layer owns the k-th ip.src, and so on), so "outer" is the IP/UDP right
before the first 'geneve' layer and "inner" is the first layer after it.
For nested tunnels (Geneve carrying IPv4/UDP/VXLAN) the inner packet is the
VXLAN carrier, not what VXLAN carries.

Fields compared (gnvtrace JSON key <- tshark field):
  ts <- capture file timestamp; len <- frame.len; vlan, vlan_inner <- vlan.id
  before the outer IP; outer_src/outer_dst <- ip.* or ipv6.*; outer_sport/
  outer_dport <- udp.*; geneve.version must be 0; oam, critical <-
  geneve.flags.*; geneve_proto <- geneve.proto_type; vni <- geneve.vni;
  options (count, total length, per option class/type/length/data, data =
  geneve.option minus its 4-byte header) <- geneve.option.*; ovn_inport/
  ovn_outport <- OVN option class 0x0102 type 0x80 data (in = (d>>16)&0x7fff,
  out = d&0xffff), absent without it; inner_ethertype <- geneve.proto_type,
  or the inner eth.type when it is 0x6558; inner_vlan <- inner vlan.id;
  presence of inner_eth_src/dst; inner_src/inner_dst <- inner ip.* / ipv6.*;
  inner_proto <- ip.proto / ipv6.nxt (or "arp"); icmp_type/code/id/seq <-
  icmp.*; icmp_type <- icmpv6.type; sport/dport <- inner tcp.* / udp.*;
  presence of tcp_flags; arp_op <- arp.opcode. A field tshark does not show
  must be absent from the JSON too, where the JSON format defines it so.
Not in the TSV, so not compared: inner MAC addresses, tcp_flags value, ARP
addresses, ICMPv6 code/id/seq values.

--filters mode: run gnvtrace with the filters of FILTER_TABLE (the pcap-filter
`geneve` table in CAPTURES_DIR/README.md, translated into gnvtrace's filter
language) and compare the number of JSON lines (and the summary's matched
count) with the table.

Prints one line per capture (or per filter), then `N passed, N failed`;
exits 1 on any failure. Python 3 standard library only.
"""

import json
import os
import re
import struct
import subprocess
import sys

# Geneve frames (tshark shows geneve.vni) that gnvtrace must count as
# malformed and not print: (capture, frame) -> (summary reason, why).
EXPECTED_MALFORMED = {
    ('scapy-geneve-rawip.pcap', 2): (
        'opt_len_overrun',
        'option class 0x0001 type 0x81 declares 12 bytes but only 8 option '
        'bytes are present (tcpdump: [bad length]); negative test'),
    ('zeek-geneve-truncated.pcapng', 1): (
        'trunc_inner_eth',
        'the inner Ethernet header is cut off by the capture '
        '(tcpdump: [|ether]); tshark shows an empty eth layer'),
    ('gnv-demo.pcap', 18): (
        'opts_overrun',
        'the demo frame cut 2 bytes into its option area (tools/gnv-pktgen '
        'demo); tshark: [Malformed Packet]'),
}

# Frames that gnvtrace decodes but tshark 4.0 shows only as eth:ip(v6):udp,
# with no geneve fields (documented tshark limitation, captures/README.md):
# only frame length, VLAN, outer addresses and outer UDP ports are compared.
TSHARK_NO_GENEVE = {
    ('tcpdump-bigtcp-ipv4-geneve-ipv4.pcap', 1): 'BIG TCP, outer IPv4 tot_len 0',
    ('tcpdump-bigtcp-ipv4-geneve-ipv6.pcap', 1): 'BIG TCP, outer IPv4 tot_len 0',
    ('tcpdump-bigtcp-ipv6-geneve-ipv4.pcap', 1): 'BIG TCP, outer IPv6 payload length 0',
    ('tcpdump-bigtcp-ipv6-geneve-ipv6.pcap', 1): 'BIG TCP, outer IPv6 payload length 0',
}

# --filters: (capture, gnvtrace filter, expected count, README row it mirrors)
# The README table is for tcpdump's `geneve` keyword; each row is translated
# into gnvtrace's filter words (gnvtrace matches only Geneve, so `geneve`
# itself is implied, and its protocol words apply to the inner packet).
FILTER_TABLE = [
    ('tcpdump-geneve.pcap', 'icmp', 6, 'geneve and icmp'),
    ('tcpdump-geneve.pcap', 'vni 10 and icmp', 3, 'geneve 0xa and icmp'),
    ('tcpdump-geneve.pcap', 'vni 11', 20, 'geneve 0xb'),
    ('tcpdump-geneve.pcap', 'tcp', 33, 'geneve and tcp'),
    ('tcpdump-geneve.pcap', 'host 30.0.0.1 and icmp-type echo-request', 3,
     'geneve and host 30.0.0.1 and icmp[icmptype]=icmp-echo'),
    # README's `src host 20.0.0.1 and geneve and icmp` is 3 (source only);
    # gnvtrace's `outer host` matches either direction: 3 requests + 3 replies.
    ('tcpdump-geneve.pcap', 'outer host 20.0.0.1 and icmp', 6,
     'src host 20.0.0.1 and geneve and icmp (3) + replies to 20.0.0.1'),
    ('zeek-geneve.pcap', 'icmp', 6, 'geneve and icmp'),
    ('scapy-geneve-ovn-vlan-icmp.pcap', 'outer vlan 1 and icmp', 1,
     'vlan and geneve and icmp'),
    ('scapy-geneve-ovn-vlan-icmp.pcap', 'inport 1 and outport 2', 1,
     'vlan and udp dst port 6081 and udp[16:2]=0x0102 and udp[18:1]=0x80'),
    # gnvtrace's `port N` is the OVN logical port (inport or outport), not a
    # TCP/UDP port: gnvtrace has no inner L4 port primitive, so README rows
    # such as `geneve and tcp port 80` are checked with `tcp` alone.
    ('scapy-geneve-ovn-vlan-icmp.pcap', 'lport 2', 1,
     'the same OVN option (outport 2)'),
    ('tcpdump-geneve-gcp.pcap', 'tcp', 1, 'geneve and tcp dst port 8080'),
    ('zeek-geneve-many-options.pcap', 'tcp', 10, 'geneve and tcp port 80'),
    ('zeek-geneve-ipv6.pcap', 'udp', 2, 'geneve and ip6'),
    ('zeek-geneve-arp.pcap', 'arp', 1, 'geneve and arp'),
    ('tcpdump-gso-ipv6-geneve-ipv4.pcap', 'tcp', 1, 'geneve and tcp'),
    ('tcpdump-gso-ipv6-geneve-ipv6.pcap', 'tcp', 1, 'geneve and ip6 and tcp'),
    ('tcpdump-gso-ipv4-geneve-ipv6.pcap', 'tcp', 1, 'geneve and ip6 and tcp'),
    ('tcpdump-bigtcp-ipv4-geneve-ipv4.pcap', 'tcp', 1, 'geneve and tcp'),
    ('tcpdump-bigtcp-ipv4-geneve-ipv6.pcap', 'tcp', 1, 'geneve and tcp'),
    ('tcpdump-bigtcp-ipv6-geneve-ipv4.pcap', 'tcp', 1, 'geneve and tcp'),
    ('tcpdump-bigtcp-ipv6-geneve-ipv6.pcap', 'tcp', 1, 'geneve and tcp'),
]

OVN_CLASS, OVN_TYPE = 0x0102, 0x80
ETH_P = {'ip': 0x0800, 'ipv6': 0x86dd, 'arp': 0x0806}
PROTO_NAMES = {4: {1: 'icmp', 6: 'tcp', 17: 'udp'},
               6: {58: 'icmp6', 6: 'tcp', 17: 'udp'}}
TIMEOUT = 120


class Absent:
    def __repr__(self):
        return '<absent>'


ABSENT = Absent()


class CheckError(Exception):
    """A problem that stops the comparison of one capture."""


# ---------------------------------------------------------------------------
# capture file timestamps (pcap and pcapng), to verify the JSON ts


def _ts_str(units, resol):
    """units of 10^-k (resol=('dec',k)) or 2^-k (('bin',k)) -> 'sec.usec'."""
    kind, k = resol
    if kind == 'dec':
        sec, frac = divmod(units, 10 ** k)
        usec = frac * 10 ** 6 // 10 ** k
    else:
        sec, frac = units >> k, units & ((1 << k) - 1)
        usec = (frac * 10 ** 6) >> k
    return '%d.%06d' % (sec, usec)


def read_capture_frames(path):
    """[(ts 'sec.usec' or None, orig_len)] for every record, in file order."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 4:
        raise CheckError('capture file too short')
    magic = data[:4]
    pcap = {b'\xd4\xc3\xb2\xa1': ('<', 6), b'\xa1\xb2\xc3\xd4': ('>', 6),
            b'\x4d\x3c\xb2\xa1': ('<', 9), b'\xa1\xb2\x3c\x4d': ('>', 9)}
    frames = []
    if magic in pcap:
        end, k = pcap[magic]
        off = 24
        while off + 16 <= len(data):
            sec, frac, incl, orig = struct.unpack_from(end + 'IIII', data, off)
            frames.append((_ts_str(sec * 10 ** k + frac, ('dec', k)), orig))
            off += 16 + incl
        return frames
    if magic != b'\x0a\x0d\x0d\x0a':
        raise CheckError('unknown capture file format')
    off, end, resols = 0, '<', []
    while off + 12 <= len(data):
        btype = struct.unpack_from(end + 'I', data, off)[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            end = '<' if bom == b'\x4d\x3c\x2b\x1a' else '>'
            resols = []
        blen = struct.unpack_from(end + 'I', data, off + 4)[0]
        if blen < 12:
            raise CheckError('bad pcapng block length')
        body = data[off + 8:off + blen - 4]
        if btype == 1:                       # Interface Description Block
            resol, o = ('dec', 6), 8
            while o + 4 <= len(body):
                code, olen = struct.unpack_from(end + 'HH', body, o)
                if code == 0:
                    break
                if code == 9 and olen >= 1:   # if_tsresol
                    v = body[o + 4]
                    resol = ('bin' if v & 0x80 else 'dec', v & 0x7f)
                o += 4 + (olen + 3) // 4 * 4
            resols.append(resol)
        elif btype in (6, 2):                # Enhanced / obsolete Packet Block
            if btype == 6:
                ifid, hi, lo, _cap, orig = struct.unpack_from(end + 'IIIII',
                                                              body, 0)
            else:
                ifid, _drops, hi, lo, _cap, orig = struct.unpack_from(
                    end + 'HHIIII', body, 0)
            resol = resols[ifid] if ifid < len(resols) else ('dec', 6)
            frames.append((_ts_str((hi << 32) | lo, resol), orig))
        elif btype == 3:                     # Simple Packet Block: no ts
            frames.append((None, struct.unpack_from(end + 'I', body, 0)[0]))
        off += blen
    return frames


# ---------------------------------------------------------------------------
# tshark TSV


def read_tsv(path):
    with open(path, encoding='utf-8') as f:
        lines = [ln.rstrip('\n').rstrip('\r') for ln in f if ln.strip()]
    if not lines:
        raise CheckError('empty TSV')
    header = lines[0].split('\t')
    rows = []
    for ln in lines[1:]:
        cells = ln.split('\t')
        cells += [''] * (len(header) - len(cells))
        rows.append(dict(zip(header, cells)))
    return rows


def occ(row, field):
    v = row.get(field, '')
    return v.split('|') if v else []


# layer name in frame.protocols -> fields that have one occurrence per layer
LAYER_FIELDS = {
    'ip': ('ip.src', 'ip.dst', 'ip.proto'),
    'ipv6': ('ipv6.src', 'ipv6.dst', 'ipv6.nxt'),
    'udp': ('udp.srcport', 'udp.dstport'),
    'tcp': ('tcp.srcport', 'tcp.dstport'),
    'vlan': ('vlan.id',),
    # 802.1ad service tags, in TSVs made with -e ieee8021ad.id (the
    # fixtures'; the shipped captures have none)
    'ieee8021ad': ('ieee8021ad.id',),
    'icmp': ('icmp.type', 'icmp.code'),
    'icmpv6': ('icmpv6.type',),
    'arp': ('arp.opcode',),
    'geneve': ('geneve.version', 'geneve.flags.oam', 'geneve.flags.critical',
               'geneve.proto_type', 'geneve.vni'),
}


class Row:
    """One TSV row, with each field occurrence tied to its layer."""

    def __init__(self, row):
        self.row = row
        self.frame = int(row['frame.number'])
        self.protos = row['frame.protocols'].split(':')

    def at(self, field, pos):
        """The occurrence of FIELD that belongs to the layer at POS."""
        name = self.protos[pos]
        idx = self.protos[:pos].count(name)
        vals = occ(self.row, field)
        if name in LAYER_FIELDS and field in LAYER_FIELDS[name] \
                and len(vals) != self.protos.count(name):
            raise CheckError('frame %d: tshark TSV has %d %s for %d %s '
                             'layers, cannot attribute them'
                             % (self.frame, len(vals), field,
                                self.protos.count(name), name))
        if idx >= len(vals):
            raise CheckError('frame %d: tshark TSV has no %s for %s layer #%d'
                             % (self.frame, field, name, idx + 1))
        return vals[idx]

    def find(self, names, start=0, stop=None):
        stop = len(self.protos) if stop is None else stop
        for i in range(start, stop):
            if self.protos[i] in names:
                return i
        return -1

    def rfind(self, names, stop):
        for i in range(stop - 1, -1, -1):
            if self.protos[i] in names:
                return i
        return -1


def hexint(s):
    return int(s, 16)


def row_checks(r, js, limited):
    """[(field, gnvtrace value, tshark value)] for one frame."""
    checks = []

    def chk(field, key, want):
        checks.append((field, js.get(key, ABSENT), want))

    p = r.protos
    chk('len', 'len', int(r.row['frame.len']))

    g = r.find(('geneve',))
    if g < 0 and not limited:
        raise CheckError('frame %d: no geneve layer in tshark' % r.frame)
    stop = g if g >= 0 else len(p)
    u = r.rfind(('udp',), stop)
    if u < 0:
        raise CheckError('frame %d: no outer UDP in tshark' % r.frame)
    ip = r.rfind(('ip', 'ipv6'), u)
    if ip < 0:
        raise CheckError('frame %d: no outer IP in tshark' % r.frame)
    fam = p[ip]
    chk('outer_src', 'outer_src', r.at(fam + '.src', ip))
    chk('outer_dst', 'outer_dst', r.at(fam + '.dst', ip))
    if limited and not occ(r.row, 'udp.srcport'):
        # tshark 4.0 shows BIG TCP over IPv6 as 'udp' without any UDP
        # field: only what tshark shows is compared
        pass
    else:
        chk('outer_sport', 'outer_sport', int(r.at('udp.srcport', u)))
        chk('outer_dport', 'outer_dport', int(r.at('udp.dstport', u)))
    vlans = [int(r.at(p[i] + '.id', i)) for i in range(ip)
             if p[i] in ('vlan', 'ieee8021ad')]
    chk('vlan', 'vlan', vlans[0] if vlans else ABSENT)
    chk('vlan_inner', 'vlan_inner', vlans[1] if len(vlans) > 1 else ABSENT)
    if limited:
        return checks

    # Geneve header
    checks.append(('geneve.version', 0, int(r.at('geneve.version', g))))
    chk('oam', 'oam', r.at('geneve.flags.oam', g) == '1')
    chk('critical', 'critical', r.at('geneve.flags.critical', g) == '1')
    proto_type = hexint(r.at('geneve.proto_type', g))
    chk('geneve_proto', 'geneve_proto', proto_type)
    chk('vni', 'vni', hexint(r.at('geneve.vni', g)))

    # Options of the first Geneve layer. geneve.option.length is, per
    # Geneve layer, the total option length then each option's length.
    if p.count('geneve') != 1:
        raise CheckError('frame %d: nested Geneve not supported by this '
                         'checker' % r.frame)
    lens = [int(x) for x in occ(r.row, 'geneve.option.length')]
    total = lens[0] if lens else 0
    opt_lens = lens[1:]
    classes = [hexint(x) for x in occ(r.row, 'geneve.option.class')]
    types = [hexint(x) for x in occ(r.row, 'geneve.option.type')]
    whole = occ(r.row, 'geneve.option')
    n = len(opt_lens)
    if sum(opt_lens) != total or not (len(classes) == len(types) ==
                                      len(whole) == n):
        raise CheckError('frame %d: inconsistent tshark option fields'
                         % r.frame)
    jopts = js.get('options', ABSENT)
    if not isinstance(jopts, list):
        checks.append(('options', jopts, 'list'))
        jopts = []
    checks.append(('options.count', len(jopts), n))
    jlen = sum(4 + len(o.get('data', '')) // 2 for o in jopts
               if isinstance(o, dict))
    checks.append(('options.total_len', jlen, total))
    for i in range(n):
        jo = jopts[i] if i < len(jopts) and isinstance(jopts[i], dict) else {}
        pre = 'options[%d].' % i
        checks.append((pre + 'class', jo.get('class', ABSENT), classes[i]))
        checks.append((pre + 'type', jo.get('type', ABSENT), types[i]))
        jd = jo.get('data', ABSENT)
        checks.append((pre + 'length',
                       4 + len(jd) // 2 if isinstance(jd, str) else ABSENT,
                       opt_lens[i]))
        checks.append((pre + 'data', jd, whole[i][8:].lower()))
    ovn = [whole[i][8:16] for i in range(n)
           if classes[i] == OVN_CLASS and types[i] == OVN_TYPE]
    if ovn:
        d = int(ovn[0], 16)
        chk('ovn_inport', 'ovn_inport', (d >> 16) & 0x7fff)
        chk('ovn_outport', 'ovn_outport', d & 0xffff)
    else:
        chk('ovn_inport', 'ovn_inport', ABSENT)
        chk('ovn_outport', 'ovn_outport', ABSENT)

    # Inner frame: the first layer after 'geneve'.
    q = g + 1
    layer = lambda i: p[i] if i < len(p) else None   # noqa: E731
    has_eth = 'inner_eth_src' in js and 'inner_eth_dst' in js
    if proto_type == 0x6558:
        if layer(q) != 'eth':
            raise CheckError('frame %d: tshark shows no inner Ethernet'
                             % r.frame)
        checks.append(('inner_eth_src/dst(present)', has_eth, True))
        eth_pos = q
        q += 1
        if layer(q) == 'ethertype':
            q += 1
        inner_vlans = []
        while layer(q) == 'vlan':
            inner_vlans.append(int(r.at('vlan.id', q)))
            q += 1
            if layer(q) == 'ethertype':
                q += 1
        chk('inner_vlan', 'inner_vlan',
            inner_vlans[0] if inner_vlans else ABSENT)
        if not inner_vlans:
            eth_types = occ(r.row, 'eth.type')
            idx = p[:eth_pos].count('eth')
            if idx >= len(eth_types):
                raise CheckError('frame %d: no eth.type for the inner '
                                 'Ethernet' % r.frame)
            chk('inner_ethertype', 'inner_ethertype', hexint(eth_types[idx]))
        elif layer(q) in ETH_P:
            chk('inner_ethertype', 'inner_ethertype', ETH_P[layer(q)])
    else:
        checks.append(('inner_eth_src/dst(present)', has_eth, False))
        chk('inner_vlan', 'inner_vlan', ABSENT)
        chk('inner_ethertype', 'inner_ethertype', proto_type)

    l3 = layer(q)
    l4 = None
    if l3 in ('ip', 'ipv6'):
        chk('inner_src', 'inner_src', r.at(l3 + '.src', q))
        chk('inner_dst', 'inner_dst', r.at(l3 + '.dst', q))
        q4 = q + 1
        while layer(q4) is not None and layer(q4).startswith('ipv6.'):
            q4 += 1                  # IPv6 extension headers, if any
        l4 = layer(q4)
        if q4 == q + 1:
            num = int(r.at('ip.proto' if l3 == 'ip' else 'ipv6.nxt', q))
            fam = 4 if l3 == 'ip' else 6
            chk('inner_proto', 'inner_proto', PROTO_NAMES[fam].get(num, num))
        elif l4 in ('tcp', 'udp', 'icmpv6'):
            chk('inner_proto', 'inner_proto',
                {'icmpv6': 'icmp6'}.get(l4, l4))
        chk('arp_op', 'arp_op', ABSENT)
    elif l3 == 'arp':
        # tshark's ARP addresses are not in the TSV: inner_src/dst unchecked
        chk('inner_proto', 'inner_proto', 'arp')
        chk('arp_op', 'arp_op', int(r.at('arp.opcode', q)))
    else:
        chk('inner_src', 'inner_src', ABSENT)
        chk('inner_dst', 'inner_dst', ABSENT)
        chk('inner_proto', 'inner_proto', ABSENT)
        chk('arp_op', 'arp_op', ABSENT)

    # Inner L4 (only directly after the inner IP header)
    if l4 == 'icmp':
        itype = int(r.at('icmp.type', q4))
        chk('icmp_type', 'icmp_type', itype)
        chk('icmp_code', 'icmp_code', int(r.at('icmp.code', q4)))
        if itype in (0, 8):
            idx = p[:q4].count('icmp')
            idents, seqs = occ(r.row, 'icmp.ident'), occ(r.row, 'icmp.seq')
            if idx >= len(idents) or idx >= len(seqs):
                raise CheckError('frame %d: no icmp.ident/seq for echo'
                                 % r.frame)
            chk('icmp_id', 'icmp_id', int(idents[idx]))
            chk('icmp_seq', 'icmp_seq', int(seqs[idx]))
        else:
            chk('icmp_id', 'icmp_id', ABSENT)
            chk('icmp_seq', 'icmp_seq', ABSENT)
    elif l4 == 'icmpv6':
        itype = int(r.at('icmpv6.type', q4))
        chk('icmp_type', 'icmp_type', itype)
        echo = itype in (128, 129)
        checks.append(('icmp_id(present)', 'icmp_id' in js, echo))
        checks.append(('icmp_seq(present)', 'icmp_seq' in js, echo))
    else:
        for k in ('icmp_type', 'icmp_code', 'icmp_id', 'icmp_seq'):
            chk(k, k, ABSENT)
    if l4 in ('tcp', 'udp'):
        chk('sport', 'sport', int(r.at(l4 + '.srcport', q4)))
        chk('dport', 'dport', int(r.at(l4 + '.dstport', q4)))
    else:
        chk('sport', 'sport', ABSENT)
        chk('dport', 'dport', ABSENT)
    checks.append(('tcp_flags(present)', 'tcp_flags' in js, l4 == 'tcp'))
    return checks


# ---------------------------------------------------------------------------
# running gnvtrace

SUMMARY_RE = re.compile(
    r'gnvtrace: (\d+) packets seen, (\d+) Geneve, (\d+) matched, '
    r'(\d+) lost, (\d+) malformed(?: \(([^)]*)\))?')


def run_gnvtrace(binary, path, filt=None):
    cmd = [binary, '-r', path, '-o', 'json'] + ([filt] if filt else [])
    try:
        res = subprocess.run(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CheckError('cannot run gnvtrace: %s' % e)
    out = res.stdout.decode('utf-8', 'replace')
    err = res.stderr.decode('utf-8', 'replace')
    if res.returncode != 0:
        raise CheckError('gnvtrace exited %d: %s'
                         % (res.returncode, err.strip()[-300:]))
    m = None
    for m in SUMMARY_RE.finditer(err):
        pass
    if not m:
        raise CheckError('no summary line on stderr: %r' % err[-300:])
    reasons = {}
    if m.group(6):
        for part in m.group(6).split(','):
            name, _, cnt = part.strip().rpartition(' ')
            reasons[name] = int(cnt)
    summary = {'seen': int(m.group(1)), 'geneve': int(m.group(2)),
               'matched': int(m.group(3)), 'lost': int(m.group(4)),
               'malformed': int(m.group(5)), 'reasons': reasons}
    events = []
    for i, ln in enumerate(out.splitlines()):
        if not ln.strip():
            continue
        try:
            # parse_float=str: ts is compared as the exact printed text
            events.append(json.loads(ln, parse_float=str))
        except ValueError as e:
            raise CheckError('JSON line %d does not parse (%s): %s'
                             % (i + 1, e, ln[:200]))
    return events, summary


def fmt(v):
    if v is ABSENT:
        return '<absent>'
    return json.dumps(v) if isinstance(v, str) else str(v)


def check_capture(binary, capdir, name, corrupt=None):
    """-> (n_packets, n_fields, [failure strings])"""
    path = os.path.join(capdir, name)
    base = name.rsplit('.', 1)[0]
    rows = [Row(x) for x in read_tsv(os.path.join(capdir,
                                                  base + '.tshark.tsv'))]
    frames = read_capture_frames(path)
    fails = []
    nfields = 0

    def cmp(frame, field, got, want):
        nonlocal nfields
        nfields += 1
        if got != want or type(got) is not type(want):
            fails.append('frame %s field %s: gnvtrace %s != tshark %s'
                         % (frame, field, fmt(got), fmt(want)))

    # the oracle itself: the TSV must describe this capture file
    cmp('-', 'tsv.rows', len(frames), len(rows))
    for r in rows:
        if r.frame - 1 < len(frames):
            cmp(r.frame, 'capture.orig_len', frames[r.frame - 1][1],
                int(r.row['frame.len']))

    expected, malformed = [], {}
    for r in rows:
        is_gnv = bool(r.row.get('geneve.vni'))
        key = (name, r.frame)
        if key in TSHARK_NO_GENEVE:
            if is_gnv:
                fails.append('frame %d: listed in TSHARK_NO_GENEVE but '
                             'tshark decodes Geneve' % r.frame)
            expected.append((r, True))
        elif key in EXPECTED_MALFORMED:
            if not is_gnv:
                fails.append('frame %d: listed in EXPECTED_MALFORMED but '
                             'tshark shows no Geneve' % r.frame)
            reason = EXPECTED_MALFORMED[key][0]
            malformed[reason] = malformed.get(reason, 0) + 1
        elif is_gnv:
            expected.append((r, False))

    events, summ = run_gnvtrace(binary, path)
    cmp('-', 'summary.seen', summ['seen'], len(rows))
    cmp('-', 'summary.lost', summ['lost'], 0)
    cmp('-', 'summary.Geneve', summ['geneve'], len(expected))
    cmp('-', 'summary.matched', summ['matched'], len(expected))
    cmp('-', 'summary.malformed', summ['malformed'], sum(malformed.values()))
    cmp('-', 'summary.malformed_reasons',
        ', '.join('%s %d' % kv for kv in sorted(summ['reasons'].items())),
        ', '.join('%s %d' % kv for kv in sorted(malformed.items())))
    cmp('-', 'json.lines', len(events), len(expected))

    for i, (r, limited) in enumerate(expected):
        if i >= len(events):
            break
        js = events[i]
        ts = frames[r.frame - 1][0] if r.frame - 1 < len(frames) else None
        if ts is not None:
            cmp(r.frame, 'ts', js.get('ts', ABSENT), ts)
        try:
            checks = row_checks(r, js, limited)
        except CheckError as e:
            fails.append(str(e))
            continue
        if corrupt and corrupt[0] == name and corrupt[1] == r.frame:
            checks = [(f, g, corrupt[3]) if f == corrupt[2] else (f, g, w)
                      for f, g, w in checks]
        for field, got, want in checks:
            cmp(r.frame, field, got, want)
    return len(rows), nfields, fails


def list_captures(capdir):
    names = []
    for fn in sorted(os.listdir(capdir)):
        if not (fn.endswith('.pcap') or fn.endswith('.pcapng')):
            continue
        base = fn.rsplit('.', 1)[0]
        if os.path.exists(os.path.join(capdir, base + '.tshark.tsv')):
            names.append(fn)
    return names


def main_fields(binary, capdir, corrupt=None):
    passed = failed = 0
    for name in list_captures(capdir):
        try:
            npkts, nfields, fails = check_capture(binary, capdir, name,
                                                  corrupt)
        except CheckError as e:
            fails, npkts, nfields = [str(e)], 0, 0
        base = name.rsplit('.', 1)[0]
        if fails:
            failed += 1
            more = ' (and %d more mismatches)' % (len(fails) - 1) \
                if len(fails) > 1 else ''
            print('FAIL %s %s%s' % (base, fails[0], more))
            if os.environ.get('CHECK_VERBOSE'):
                for f in fails[1:]:
                    print('     %s %s' % (base, f))
        else:
            passed += 1
            print('ok   %s: %d packets, %d fields compared'
                  % (base, npkts, nfields))
    return passed, failed


def main_filters(binary, capdir):
    passed = failed = 0
    for name, filt, want, readme in FILTER_TABLE:
        base = name.rsplit('.', 1)[0]
        path = os.path.join(capdir, name)
        if not os.path.exists(path):
            print('FAIL %s %r: capture missing' % (base, filt))
            failed += 1
            continue
        try:
            events, summ = run_gnvtrace(binary, path, filt)
            got = len(events)
            err = None
            if got != want:
                err = 'gnvtrace %d != expected %d' % (got, want)
            elif summ['matched'] != got:
                err = 'summary matched %d != %d JSON lines' % (
                    summ['matched'], got)
        except CheckError as e:
            err = str(e)
        if err:
            failed += 1
            print('FAIL %s %r: %s (README: %s)' % (base, filt, err, readme))
        else:
            passed += 1
            print('ok   %s %r: %d packets' % (base, filt, got))
    return passed, failed


def main(argv):
    args = argv[1:]
    filters = '--filters' in args
    args = [a for a in args if a != '--filters']
    if len(args) != 2:
        sys.stderr.write(__doc__.split('\n\n')[1] + '\n')
        return 2
    binary, capdir = args
    if not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        sys.stderr.write('%s: not an executable\n' % binary)
        return 2
    if not os.path.isdir(capdir):
        sys.stderr.write('%s: not a directory\n' % capdir)
        return 2
    if filters:
        passed, failed = main_filters(binary, capdir)
    else:
        passed, failed = main_fields(binary, capdir)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
