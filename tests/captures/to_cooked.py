#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Rewrites an Ethernet pcap as Linux cooked capture v1 or v2 (what
`tcpdump -i any` writes): the Ethernet header becomes an SLL header with
the same protocol; VLAN tags stay in the payload, as libpcap puts them.

Usage: to_cooked.py 1|2 IN.pcap OUT.pcap"""
import struct
import sys

LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 = 113, 276


def main():
    version, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    data = open(src, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    hdr = bytearray(data[:24])
    struct.pack_into(e + "I", hdr, 20,
                     LINKTYPE_LINUX_SLL if version == 1 else LINKTYPE_LINUX_SLL2)
    out = [bytes(hdr)]
    off = 24
    while off + 16 <= len(data):
        sec, sub, caplen, length = struct.unpack(e + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        src_mac, proto = frame[6:12], frame[12:14]
        if version == 1:
            # packet type 0 (to us), ARPHRD_ETHER, address length, address
            link = struct.pack(">HHH", 0, 1, 6) + src_mac + b"\0\0" + proto
        else:
            # protocol, reserved, ifindex, ARPHRD_ETHER, type, addr len, addr
            link = proto + b"\0\0" + struct.pack(">IHBB", 2, 1, 0, 6) + src_mac + b"\0\0"
        body = link + frame[14:]
        grow = len(link) - 14
        out.append(struct.pack(e + "IIII", sec, sub, caplen + grow, length + grow) + body)
    open(dst, "wb").write(b"".join(out))


main()
