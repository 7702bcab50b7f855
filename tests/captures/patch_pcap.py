#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Corrupts one field of a classic pcap file, for the error-path tests.

Usage: patch_pcap.py snaplen|linktype|len1 VALUE IN.pcap OUT.pcap
  snaplen, linktype: the file header's fields
  len1: the first record's original length"""
import struct
import sys

FIELDS = {"snaplen": 16, "linktype": 20, "len1": 24 + 12}


def main():
    field, value, src, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    data = bytearray(open(src, "rb").read())
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    struct.pack_into(e + "I", data, FIELDS[field], value)
    open(dst, "wb").write(data)


main()
