#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""same_frames.py [--min-caplen N] GOT.pcap WANT.pcap...: the frames of GOT
(bytes and original length) are those of the WANT files, in any order.
The pcap files are read here, byte by byte, without any library."""
import struct
import sys


def records(path):
    d = open(path, 'rb').read()
    end = '<' if d[:4] in (bytes.fromhex('d4c3b2a1'), bytes.fromhex('4d3cb2a1')) else '>'
    off, out = 24, []
    while off + 16 <= len(d):
        _, _, incl, orig = struct.unpack(end + 'IIII', d[off:off + 16])
        out.append((d[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return out


def main(argv):
    min_caplen = 0
    if argv[:1] == ['--min-caplen']:
        min_caplen, argv = int(argv[1]), argv[2:]
    got = records(argv[0])
    want = [r for p in argv[1:] for r in records(p)]
    print('  %s: %d frames, %d wanted' % (argv[0].rsplit('/', 1)[-1], len(got), len(want)))
    if min_caplen and any(len(w[0]) <= min_caplen for w in want):
        print('  a wanted frame has %d bytes or fewer' % min_caplen)
        return 1
    if not want or sorted(got) != sorted(want):
        for g in sorted(set(got) - set(want))[:2]:
            print('  unwanted: %d bytes (of %d): %s' % (len(g[0]), g[1], g[0][:40].hex()))
        for w in sorted(set(want) - set(got))[:2]:
            print('  missing:  %d bytes (of %d): %s' % (len(w[0]), w[1], w[0][:40].hex()))
        return 1
    return 0


sys.exit(main(sys.argv[1:]))
