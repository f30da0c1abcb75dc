#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write a trafgen configuration: one IPv4 TCP data segment (ACK|PSH,
64 bytes of payload) per flow, flows differing by source port, every
checksum computed here (trafgen sends the bytes as they are).

    trafgen_cfg.py SRC_MAC DST_MAC SADDR DADDR DPORT FLOWS > pkts.cfg
"""
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def packet(smac, dmac, saddr, daddr, sport, dport):
    payload = b"A" * 64
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1000, 2000, 5 << 4, 0x18,
                      65535, 0, 0) + payload
    pseudo = saddr + daddr + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                     socket.IPPROTO_TCP, 0, saddr, daddr)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + b"\x08\x00" + ip + tcp


def main():
    smac, dmac = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[1:3])
    saddr, daddr = (socket.inet_aton(a) for a in sys.argv[3:5])
    dport, flows = int(sys.argv[5]), int(sys.argv[6])
    for i in range(flows):
        pkt = packet(smac, dmac, saddr, daddr, 10000 + i, dport)
        print("{ " + ", ".join("0x%02x" % b for b in pkt) + " }")


if __name__ == "__main__":
    main()
