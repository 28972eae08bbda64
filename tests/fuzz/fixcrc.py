#!/usr/bin/env python3
"""tests/fuzz/fixcrc.py IN OUT - rewrite the CRC-32C of every intact block of a
trace, as the fuzz harness does before reading, so a fuzzer finding replays
through `lockhound report` (tests/data/fuzz/ keeps the fixed copies)."""
import struct
import sys

POLY = 0x82F63B78
TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def main():
    buf = bytearray(open(sys.argv[1], 'rb').read())
    if len(buf) >= 64:
        off = struct.unpack_from('<I', buf, 12)[0]
        if off >= 64 and off % 8 == 0 and off <= len(buf):
            while len(buf) - off >= 16:
                magic, plen = struct.unpack_from('<II', buf, off)
                if magic != 0x4b42484c or plen > len(buf) - off - 16:
                    break
                struct.pack_into('<I', buf, off + 8, crc32c(buf[off + 16:off + 16 + plen]))
                off += 16 + plen
    open(sys.argv[2], 'wb').write(buf)


main()
