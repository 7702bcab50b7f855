#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The BPF instructions one frame runs through gnvtrace's XDP program.

    tools/insn-count.py GNVTRACE FRAME [--lines N] [-- GNVTRACE-ARGS...]
    tools/insn-count.py --check GNVTRACE

Loads gnvtrace with GNVTRACE-ARGS on a veth pair of its own (root), dumps
its xlated xdp_ingress program with bpftool, and runs it on FRAME here,
in a small BPF interpreter, twice (the second run is counted: tables
the first one filled, as in a steady stream). Prints the instructions
run and the source lines they came from. FRAME is a file of hex, or one
of the bench's: tcp (Geneve+OVN TCP), tcp-data (1,000 bytes of data),
udp-53 (not Geneve).

Where the bench's nanoseconds flip on the host's slow spells, a path's
instruction count is exact: what a change to the hot path saves, before
timing it. --check runs the three frames and asserts what must hold.
"""
import collections
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

M64 = (1 << 64) - 1
XDP_PASS = 2


def frame(name):
    """Frames like the bench's (tools/bench.c), as bytes."""
    eth = bytes.fromhex('525400000002525400000001' '0800')
    if name == 'udp-53':
        udp = bytes.fromhex('c8ef0035' '0030' '0000') + bytes(40)
        ip = (bytes.fromhex('4500') + (20 + len(udp)).to_bytes(2, 'big') +
              bytes.fromhex('00004000' '4011' '0000' 'ac110277' 'ac11028f'))
        return eth + ip + udp
    payload = bytes(1000 if name == 'tcp-data' else 0)
    tcp = bytes.fromhex('9c4001bb' '00000001' '00000000' +
                        ('5018' if payload else '5010') + 'ffff00000000')
    tcp += payload
    inner_ip = (bytes.fromhex('4500') + (20 + len(tcp)).to_bytes(2, 'big') +
                bytes.fromhex('000140004006' '0000' 'c0a80001' 'c0a80002'))
    inner = bytes.fromhex('fa163e000002fa163e000001' '0800') + inner_ip + tcp
    geneve = bytes.fromhex('02006558' '00000500' '01028001' '00010003')
    udp_len = 8 + len(geneve) + len(inner)
    udp = (bytes.fromhex('c8ef17c1') + udp_len.to_bytes(2, 'big') +
           bytes(2))
    ip = (bytes.fromhex('4500') + (20 + udp_len).to_bytes(2, 'big') +
          bytes.fromhex('00004000' '4011' '0000' 'ac110277' 'ac11028f'))
    return eth + ip + udp + geneve + inner


def sh(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True,
                          text=True, timeout=30).stdout


class Dump:
    """gnvtrace's xdp_ingress as loaded: instructions, lines, maps."""

    def __init__(self, gnvtrace, args):
        tmp = tempfile.mkdtemp(prefix='insn-count.')
        veth = 'gnvic%d' % (os.getpid() % 10000)
        subprocess.run(['ip', 'link', 'add', veth, 'type', 'veth', 'peer',
                        'name', veth + 'p'], check=True, timeout=10)
        proc = log = None
        try:
            subprocess.run(['ip', 'link', 'set', veth, 'up'], check=True,
                           timeout=10)
            log = open(os.path.join(tmp, 'log'), 'w+')
            proc = subprocess.Popen([gnvtrace, '-i', veth] + args,
                                    stdout=log, stderr=log)
            for _ in range(300):	# QEMU's emulation loads in seconds
                log.seek(0)
                if 'tracing' in log.read() or proc.poll() is not None:
                    break
                time.sleep(0.1)
            log.seek(0)
            if proc.poll() is not None or 'tracing' not in log.read():
                log.seek(0)
                sys.exit('insn-count: gnvtrace did not start tracing: ' +
                         log.read().strip())
            self.load(veth, tmp)
        finally:
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=10)
            subprocess.run(['ip', 'link', 'del', veth], timeout=10)
            if log:
                log.close()
            shutil.rmtree(tmp)

    def load(self, veth, tmp):
        # The program attached may be xdp_ingress_hw (a driver that hands
        # over the VLAN tag it stripped: veth does): its maps tell its
        # xdp_ingress, the one the bench runs, loaded beside it.
        net = json.loads(sh('bpftool', '-j', 'net', 'show', 'dev', veth))
        attached = [x['id'] for x in net[0]['xdp']]
        progs = json.loads(sh('bpftool', '-j', 'prog', 'show'))
        maps = [p['map_ids'] for p in progs if p['id'] in attached]
        prog = [p for p in progs if p.get('name') == 'xdp_ingress' and
                maps and p.get('map_ids') == maps[0]]
        if not prog:
            sys.exit('insn-count: no xdp_ingress attached to ' + veth)
        pid_ = str(prog[0]['id'])
        raw = os.path.join(tmp, 'x.bin')
        sh('bpftool', 'prog', 'dump', 'xlated', 'id', pid_, 'file', raw)
        data = open(raw, 'rb').read()
        self.insns = [struct.unpack('<BBhi', data[i:i + 8])
                      for i in range(0, len(data), 8)]
        self.lines, self.helpers = {}, {}
        where = None
        for line in sh('bpftool', 'prog', 'dump', 'xlated', 'id', pid_,
                       'linum').splitlines():
            m = re.match(r'; (.*) \[file:(\S+) line_num:(\d+)', line)
            if m:
                where = '%s:%s %s' % (os.path.basename(m.group(2)),
                                      m.group(3), m.group(1).strip()[:60])
                continue
            m = re.match(r' *(\d+): \((\w\w)\) (.*)', line)
            if m:
                self.lines[int(m.group(1))] = where
                c = re.match(r'call (\w+)', m.group(3))
                if m.group(2) == '85' and c:
                    self.helpers[int(m.group(1))] = c.group(1)
        # .rodata and .bss hold what a run asked for: their bytes as loaded
        self.maps = {}
        for mid in prog[0].get('map_ids', []):
            info = json.loads(sh('bpftool', '-j', 'map', 'show', 'id',
                                 str(mid)))
            if info['name'].endswith(('.rodata', '.bss')):
                val = json.loads(sh('bpftool', '-j', 'map', 'dump', 'id',
                                    str(mid)))[0]['value']
                self.maps[mid] = bytes(int(x, 16) for x in val)


def sx(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


class Machine:
    """Enough of BPF for gnvtrace's paths: memory is a dict of bytes."""

    PKT, CTX, STACK = 1 << 32, 2 << 32, 3 << 32
    MAPS, VALUES = 0x4000 << 32, 0x5000 << 32

    def __init__(self, dump):
        self.d = dump
        self.mem = {}
        self.next_value = self.VALUES
        for mid, val in dump.maps.items():
            self.write_bytes(self.map_base(mid), val)

    def map_base(self, mid):
        return self.MAPS + (mid << 24)

    def write_bytes(self, at, data):
        for i, b in enumerate(data):
            self.mem[at + i] = b

    def wr(self, at, n, v):
        for i in range(n):
            self.mem[at + i] = (v >> (8 * i)) & 0xff

    def rd(self, at, n):
        if n == 8 and self.MAPS <= at < self.VALUES and at not in self.mem:
            # An array map's value pointers (inlined lookups): a fresh
            # zeroed value each, kept from run to run.
            self.wr(at, 8, self.next_value)
            self.next_value += 1 << 20
        return sum(self.mem.get(at + i, 0) << (8 * i) for i in range(n))

    def helper(self, name, data):
        if 'get_buff_len' in name:
            return len(data)
        if 'ktime' in name:
            return 10 ** 12
        if 'ringbuf' in name:
            return 0
        sys.exit('insn-count: helper %s not modelled' % name)

    def run(self, data):
        """One run on data: (r0, Counter of source lines run)."""
        insns, r = self.d.insns, [0] * 11
        self.write_bytes(self.PKT, data)
        self.wr(self.CTX, 8, self.PKT)
        self.wr(self.CTX + 8, 8, self.PKT + len(data))
        r[1], r[10] = self.CTX, self.STACK + (1 << 16)
        pc, frames, seen = 0, [], collections.Counter()
        while True:
            code, regs, off, imm = insns[pc]
            dst, src = regs & 0xf, regs >> 4
            seen[self.d.lines.get(pc)] += 1
            cls = code & 7
            if cls in (4, 7):			# ALU, ALU64
                pc = self.alu(r, pc, code, dst, src, off, imm)
            elif cls in (5, 6):			# JMP, JMP32
                op = code & 0xf0
                if op == 0x80:
                    if src == 1:		# a call of a subprogram
                        frames.append((pc + 1, r[6:10], r[10]))
                        r[10] -= 512
                        pc += off + 1
                    else:
                        r[0] = self.helper(self.d.helpers.get(pc, '?'),
                                           data)
                        pc += 1
                elif op == 0x90:		# exit
                    if not frames:
                        return r[0], seen
                    pc, r[6:10], r[10] = frames.pop()
                elif op == 0x00:
                    pc += 1 + (imm if cls == 6 else off)
                else:
                    pc += 1 + (off if self.cond(r, cls, op, code, dst, src,
                                                imm) else 0)
            elif cls == 0:			# 64-bit immediate
                if src == 1:
                    r[dst] = self.map_base(imm)
                elif src == 2:
                    r[dst] = self.map_base(imm) + insns[pc + 1][3]
                else:
                    r[dst] = ((imm & 0xffffffff) |
                              (insns[pc + 1][3] & 0xffffffff) << 32)
                pc += 2
            else:
                size = {0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8}[code & 0x18]
                mode = code & 0xe0
                if cls == 1:			# load
                    v = self.rd((r[src] + off) & M64, size)
                    r[dst] = sx(v, 8 * size) & M64 if mode == 0x80 else v
                elif cls == 2:			# store of an immediate
                    self.wr((r[dst] + off) & M64, size, imm)
                elif cls == 3 and mode != 0xc0:	# store of a register
                    self.wr((r[dst] + off) & M64, size, r[src])
                else:
                    sys.exit('insn-count: instruction %#x at %d not '
                             'modelled' % (code, pc))
                pc += 1

    @staticmethod
    def alu(r, pc, code, dst, src, off, imm):
        bits = 64 if code & 7 == 7 else 32
        mask = (1 << bits) - 1
        op = code & 0xf0
        s = (r[src] if code & 8 else imm) & mask
        d = r[dst] & mask
        if op == 0xd0:				# byte swap
            v = d & ((1 << imm) - 1)
            if code & 8 or bits == 64:	# to big-endian; v4's bswap
                v = int.from_bytes(v.to_bytes(imm // 8, 'little'), 'big')
            r[dst] = v
            return pc + 1
        if op == 0xb0 and code & 8 and off in (8, 16, 32):
            s = sx(s, off) & mask		# sign-extending move
        # a move with off -1 is the per-CPU address of a value: itself
        v = {0x00: lambda: d + s, 0x10: lambda: d - s, 0x20: lambda: d * s,
             0x30: lambda: d // s if s else 0, 0x40: lambda: d | s,
             0x50: lambda: d & s, 0x60: lambda: d << (s & (bits - 1)),
             0x70: lambda: d >> (s & (bits - 1)), 0x80: lambda: -d,
             0x90: lambda: d % s if s else d, 0xa0: lambda: d ^ s,
             0xb0: lambda: s,
             0xc0: lambda: sx(d, bits) >> (s & (bits - 1))}[op]()
        r[dst] = v & mask
        return pc + 1

    @staticmethod
    def cond(r, cls, op, code, dst, src, imm):
        bits = 32 if cls == 6 else 64
        mask = (1 << bits) - 1
        d = r[dst] & mask
        s = (r[src] if code & 8 else imm) & mask
        sd, ss = sx(d, bits), sx(s, bits)
        return {0x10: d == s, 0x20: d > s, 0x30: d >= s, 0x40: d & s != 0,
                0x50: d != s, 0x60: sd > ss, 0x70: sd >= ss, 0xa0: d < s,
                0xb0: d <= s, 0xc0: sd < ss, 0xd0: sd <= ss}[op]


def count(gnvtrace, data, args):
    """The instructions data's second run takes, by source line."""
    m = Machine(Dump(gnvtrace, args))
    m.run(data)
    ret, seen = m.run(data)
    return ret, seen


def check(gnvtrace):
    """What must hold of the three frames' paths: the tool's own test."""
    runs, passed, failed = {}, 0, 0

    def judge(ok, what):
        nonlocal passed, failed
        print('%s %s' % ('ok  ' if ok else 'FAIL', what))
        passed, failed = passed + bool(ok), failed + (not ok)

    for name, args in (('udp-53', ['icmp']), ('tcp', ['icmp']),
                       ('tcp-data', ['-q', '--hist', 'all'])):
        ret, seen = count(gnvtrace, frame(name), args)
        runs[name] = n = sum(seen.values())
        judge(ret == XDP_PASS and 20 < n < 5000,
              '%s, %s: %d instructions, XDP verdict %d' %
              (name, ' '.join(args), n, ret))
    judge(runs['udp-53'] < runs['tcp'] < runs['tcp-data'],
          "not Geneve < rejected Geneve < the exporter's mode")
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 3 and argv[1] == '--check':
        return check(argv[2])
    args = []
    if '--' in argv:
        args = argv[argv.index('--') + 1:]
        argv = argv[:argv.index('--')]
    top = 30
    if '--lines' in argv:
        top = int(argv[argv.index('--lines') + 1])
        del argv[argv.index('--lines'):argv.index('--lines') + 2]
    if len(argv) != 3:
        sys.exit(__doc__.strip().split('\n\n')[1])
    data = (frame(argv[2]) if argv[2] in ('tcp', 'tcp-data', 'udp-53')
            else bytes.fromhex(open(argv[2]).read().strip()))
    ret, seen = count(argv[1], data, args)
    print('%d instructions, XDP verdict %d' % (sum(seen.values()), ret))
    for where, n in seen.most_common(top):
        print('%5d  %s' % (n, where))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
