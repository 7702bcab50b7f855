#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Sends Geneve+OVN datagrams through this host's own UDP stack.

Usage: send_geneve.py DST_IP COUNT PING_PAYLOAD_BYTES

Each datagram goes to DST_IP port 6081 from a UDP socket with DF set
(IP_PMTUDISC_DO), carrying a Geneve header with OVN's option (datapath 5,
ingress port 1, egress port 3) and an inner ICMP echo request with
PING_PAYLOAD_BYTES of data: the kernel, not a packet socket, sends the
frame, so its route's MTU decides what leaves (a packet socket refuses a
frame larger than the device's MTU before TC sees it).
"""

import socket
import struct
import sys

# <linux/in.h>: Python's socket module names neither.
IP_MTU_DISCOVER = 10
IP_PMTUDISC_DO = 2


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def inner_frame(seq, payload_len):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq) + \
        bytes(0x10 + i % 0x30 for i in range(payload_len))
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0x4000,
                     64, 1, 0, socket.inet_aton("192.168.0.166"),
                     socket.inet_aton("192.168.0.20"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = bytes.fromhex("fa163e1c4209" "fa163ea79587" "0800")
    return eth + ip + icmp


def geneve(vni, inport, outport):
    opt = struct.pack("!HBBHH", 0x0102, 0x80, 1, inport, outport)
    return struct.pack("!BBHI", len(opt) // 4, 0, 0x6558, vni << 8) + opt


def main(argv):
    if len(argv) != 4:
        print(__doc__)
        return 2
    dst, count, payload = argv[1], int(argv[2]), int(argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    for seq in range(1, count + 1):
        s.sendto(geneve(5, 1, 3) + inner_frame(seq, payload), (dst, 6081))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
