#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tcpdump as the filter's oracle, process against process.

gnv-decap writes each capture's Geneve packets (OUTER) and their inner
frames (INNER, untagged), the Nth of each at second N. For every
expression of tcpdump's language below, and as many random ones:

  gnvtrace -r OUTER EXPR             (the host path)
  gnvtrace -r OUTER --kernel EXPR    (the XDP program, BPF_PROG_TEST_RUN;
                                      on the mix)
  tcpdump -r INNER EXPR

must pick the same packets, on the generated mix and on every shared
Ethernet capture with Geneve in it.

  check_filter_tcpdump.py BUILD_DIR CAPTURES_DIR MIX.pcap [RANDOM]
"""
import glob
import json
import os
import random
import subprocess
import sys
import tempfile

FIXED = [
    'icmp', 'icmp6', 'tcp', 'udp', 'arp', 'ip', 'ip6',
    'icmp or arp', 'not (arp or icmp6)', '!icmp && !arp',
    'tcp port 22', 'udp port 53', 'port 80 or port 443', 'src port 53',
    'dst port 22', 'tcp dst port 22 or 80 or 443', 'portrange 1-1023',
    'udp src portrange 1000-65535', 'port ssh', 'tcp port http',
    'ip proto 1', 'ip6 proto 58', 'proto 17', 'proto 6 or 17',
    'broadcast', 'multicast', 'ether broadcast', 'ip multicast',
    'ip6 multicast', 'not ether multicast',
    'net 10.0.0.0/8', 'src net 10.1.0.0/16', 'net fd10::/16',
    'dst net fd10:5::/32 or dst net 10.5.0.0/16',
    'arp or icmp and ip', 'arp or (icmp and ip)',
    '(tcp or udp) and not port 53', 'tcp and (port 22 or 80) and ip6',
    'not tcp or port 443', 'ip and not (tcp port 22 or udp port 53)',
    # Byte expressions: libpcap's programs, run on the inner frame.
    'tcp[tcpflags] & tcp-syn != 0', 'tcp[13] & 2 != 0 or icmp',
    'tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-ack',
    'icmp[icmptype] = icmp-echo', 'icmp and icmp[icmptype] != icmp-echo',
    'greater 150', 'less 120', 'len >= 100 and ip6', 'ip[8] > 60',
    'ip[2:2] > 100', 'udp[4:2] > 60', 'ether[0] & 1 = 0',
    'ip6[6] = 58', 'tcp[2:2] = 22 or udp[2:2] = 53', 'not ip[9] = 6',
    'ip[0] & 0xf > 5 or ip[6:2] & 0x1fff != 0',
    'ether[12:2] = 0x86dd and not icmp6', 'len - 14 > 100 * 2',
    '(tcp[13] & 2) != 0', '((tcp[13] & 2) != 0 or icmp) and ip[8] = 64',
    '(icmp or arp) and (ip[8] - 1) > 60',
]
HOSTS = ['10.1.0.12', '10.3.0.19', '10.5.0.31', '10.7.0.21', 'fd10:1::c',
         'fd10:7::21', '10.2.0.13']
PRIMS = [
    lambda r: r.choice(['icmp', 'icmp6', 'tcp', 'udp', 'arp', 'ip', 'ip6']),
    lambda r: '%shost %s' % (r.choice(['', 'src ', 'dst ']), r.choice(HOSTS)),
    lambda r: '%s%sport %d' % (r.choice(['', 'tcp ', 'udp ']),
                               r.choice(['', 'src ', 'dst ']),
                               r.choice([22, 53, 80, 443, 3306, 5432])),
    lambda r: 'portrange %d-%d' % (r.choice([1, 20, 50]), r.choice([100, 1023, 8000])),
    lambda r: r.choice(['ip proto 1', 'proto 6', 'ip6 proto 17', 'multicast',
                        'broadcast', 'ip6 multicast']),
    lambda r: 'net %s' % r.choice(['10.0.0.0/8', '10.3.0.0/16', 'fd10::/16',
                                   'fd10:7::/32']),
    lambda r: r.choice(['tcp[13] & %d != 0' % r.choice([1, 2, 16, 18]),
                        'ip[8] %s %d' % (r.choice(['>', '<=', '=']),
                                         r.choice([1, 63, 64, 255])),
                        '%s %d' % (r.choice(['greater', 'less']),
                                   r.choice([60, 100, 150, 1000])),
                        'udp[2:2] = %d' % r.choice([53, 4789, 123]),
                        'icmp[0] = %d' % r.choice([0, 3, 8])]),
]


def random_expr(r, depth):
    if depth == 0 or r.random() < 0.35:
        return r.choice(PRIMS)(r)
    if r.random() < 0.15:
        return '%s(%s)' % (r.choice(['not ', '!']), random_expr(r, depth - 1))
    op = r.choice(['and', 'or', '&&', '||'])
    return '%s %s (%s)' % (random_expr(r, depth - 1), op,
                           random_expr(r, depth - 1))


def gnvtrace(gnv, outer, expr, kernel):
    cmd = [gnv, '-r', outer, '-o', 'json'] + (['--kernel'] if kernel else []) + [expr]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return 'refused: ' + p.stderr.strip()
    return sorted(int(json.loads(l)['ts']) for l in p.stdout.splitlines())


def tcpdump(inner, expr):
    p = subprocess.run(['tcpdump', '-nn', '-tt', '-r', inner, expr],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        why = p.stderr.strip().splitlines()[-1]
        # Its optimiser refuses what can never match: nothing matches.
        if 'expression rejects all packets' in why:
            return []
        return 'refused: ' + why
    return sorted(int(l.split('.')[0]) for l in p.stdout.splitlines())


def main():
    build, caps, mix = sys.argv[1:4]
    n_random = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    gnv = os.path.join(build, 'gnvtrace')
    decap = os.path.join(build, 'tools', 'gnv-decap')
    r = random.Random(12)
    exprs = FIXED + [random_expr(r, 3) for _ in range(n_random)]
    tmp = tempfile.mkdtemp()
    pairs = []
    for f in [mix] + sorted(glob.glob(os.path.join(caps, '*.pcap'))):
        outer = os.path.join(tmp, 'o-' + os.path.basename(f))
        inner = os.path.join(tmp, 'i-' + os.path.basename(f))
        p = subprocess.run([decap, f, outer, inner], capture_output=True,
                           text=True, timeout=60)
        if p.returncode == 0 and int(p.stdout) > 0:
            pairs.append((os.path.basename(f), outer, inner, int(p.stdout)))
    passed = failed = matched = 0
    print('# %d files, %d packets: %s' % (len(pairs), sum(x[3] for x in pairs),
                                          ' '.join(x[0] for x in pairs)))
    for expr in exprs:
        bad = []
        for i, (name, outer, inner, _) in enumerate(pairs):
            host = gnvtrace(gnv, outer, expr, False)
            # The kernel on the mix (test_kern runs it on every capture).
            kern = gnvtrace(gnv, outer, expr, True) if i == 0 else host
            want = tcpdump(inner, expr)
            if isinstance(host, list):
                matched += len(host)
            if host != want:
                bad.append('%s: gnvtrace %s, tcpdump %s' % (
                    name, str(host)[:80], str(want)[:80]))
            if kern != host:
                bad.append('%s: --kernel %s, host %s' % (
                    name, str(kern)[:80], str(host)[:80]))
        if bad:
            failed += 1
            print('FAIL %r' % expr)
            for b in bad[:3]:
                print('  ' + b)
        else:
            passed += 1
            print('ok   %r' % expr)
    print('# %d packets matched in all' % matched)
    if matched == 0:
        failed += 1
        print('FAIL nothing matched anywhere: the check proves nothing')
    print('%d passed, %d failed' % (passed, failed))
    sys.exit(1 if failed else 0)


main()
