#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The echo table's slot update keeps its order in the built program.

An echo request rewrites a slot that user space's reaper reads from another
CPU: the slot's ts_ns (offset 40) goes to 0 before the key (offsets 0..32)
changes, so that a reader never takes a half-written key for a live one.
clang once put the key's stores first (to it the store of 0 was dead); this
reads the BPF object's code and checks, where a slot is updated (count_hist(),
inlined into each program that counts a tunnel's frames: XDP's two and TC's,
hence each of their sections), that a store to offset 40 comes right before
the five 8-byte stores of the key.
A per-port slot's 44-byte key copied the same way (its last word a 4-byte
store at offset 40) is not an echo key, and is left out.

Usage: check_echo_order.py BPF_OBJECT   (closes with "N passed, N failed")
"""
import re
import subprocess
import sys

SECTIONS = ("gnvtrace/xdp", "?gnvtrace/xdp", "gnvtrace/tc")
STORE = re.compile(r"^\s*\d+:\s+\*\(u64 \*\)\((r\d+) \+ (\d+)\) = ")
STORE32 = re.compile(r"^\s*\d+:\s+\*\(u32 \*\)\((r\d+) \+ (\d+)\) = ")
KEY_OFFSETS = {0, 8, 16, 24, 32}
TS_OFFSET = 40
WINDOW = 10   # instructions the key's five stores may spread over
BEFORE = 16   # instructions before them where ts must be stored (the key
              # words are put together from registers in between)


def insns(obj, section):
    out = subprocess.run(["llvm-objdump", "-d", "--no-show-raw-insn",
                          "--section=" + section, obj],
                         capture_output=True, text=True, check=True).stdout
    return [l for l in out.splitlines() if re.match(r"^\s*\d+:", l)]


def port_key_copy(code, i, base):
    """Whether the run at i is a 44-byte port key copied (into a per-port
    slot: a 4-byte store at offset 40 among its stores), not the echo
    key's 40 bytes."""
    for j in range(max(0, i - WINDOW), min(i + WINDOW, len(code))):
        n = STORE32.match(code[j])
        if n and n.group(1) == base and int(n.group(2)) == TS_OFFSET:
            return True
    return False


def key_runs(code):
    """Indexes of the first store of each run of the key's five stores."""
    runs = []
    for i, line in enumerate(code):
        m = STORE.match(line)
        if not m:
            continue
        base, seen = m.group(1), set()
        for j in range(i, min(i + WINDOW, len(code))):
            n = STORE.match(code[j])
            if n and n.group(1) == base and int(n.group(2)) in KEY_OFFSETS:
                seen.add(int(n.group(2)))
        if seen == KEY_OFFSETS and int(m.group(2)) in KEY_OFFSETS and \
                not any(r <= i <= r + WINDOW for r in runs) and \
                not port_key_copy(code, i, base):
            runs.append(i)
    return runs


def ts_stored_before(code, i):
    base = STORE.match(code[i]).group(1)
    for j in range(max(0, i - BEFORE), i):
        m = STORE.match(code[j])
        if m and m.group(1) == base and int(m.group(2)) == TS_OFFSET:
            return True
    return False


def main():
    passed = failed = 0
    for section in SECTIONS:
        code = insns(sys.argv[1], section)
        runs = key_runs(code)
        checks = [("%s: the echo key's stores found" % section, len(runs) > 0)]
        for i in runs:
            checks.append(("%s: ts_ns = 0 before the key's stores (listing line %d)"
                           % (section, i), ts_stored_before(code, i)))
            if not checks[-1][1]:
                print("\n".join(code[max(0, i - 6):i + 8]))
        for name, ok in checks:
            print(("ok   " if ok else "FAIL ") + name)
            passed += ok
            failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
