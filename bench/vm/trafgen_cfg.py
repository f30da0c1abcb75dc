#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write a trafgen configuration: FLOWS IPv4 TCP flows differing by source
port, each a SYN followed by SEGMENTS data segments (ACK|PSH, 64 bytes of
payload), interleaved across the flows (every flow's SYN, then every
flow's first segment, ...), every checksum computed here (trafgen sends
the bytes as they are).

trafgen repeats the list: from the second pass on, each SYN repeats the
flow's own SYN (same initial sequence number) and each segment is a
retransmission, so a flow tracker keeps its entries and takes its
retransmission paths; nothing replies (the sink drops everything).

    trafgen_cfg.py SRC_MAC DST_MAC SADDR DADDR DPORT FLOWS [SEGMENTS] > pkts.cfg

SEGMENTS defaults to 4.
"""
import socket
import struct
import sys

ISN = 999          # the client's initial sequence number
ACK = 2000         # what the client acknowledges (the server's ISN + 1)
PAYLOAD = 64
TCP_SYN, TCP_PSH, TCP_ACK = 0x02, 0x08, 0x10


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def packet(smac, dmac, saddr, daddr, sport, dport, flags, seq, ack, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + payload
    pseudo = saddr + daddr + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                     socket.IPPROTO_TCP, 0, saddr, daddr)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + b"\x08\x00" + ip + tcp


def flow_packet(smac, dmac, saddr, daddr, sport, dport, k):
    """Packet k of a flow: 0 is the SYN, k >= 1 the k-th data segment."""
    if k == 0:
        return packet(smac, dmac, saddr, daddr, sport, dport, TCP_SYN,
                      ISN, 0, b"")
    return packet(smac, dmac, saddr, daddr, sport, dport, TCP_ACK | TCP_PSH,
                  ISN + 1 + (k - 1) * PAYLOAD, ACK, b"A" * PAYLOAD)


def main():
    if len(sys.argv) not in (7, 8):
        sys.exit(__doc__.strip().splitlines()[-3].strip())
    smac, dmac = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[1:3])
    saddr, daddr = (socket.inet_aton(a) for a in sys.argv[3:5])
    dport, flows = int(sys.argv[5]), int(sys.argv[6])
    segments = int(sys.argv[7]) if len(sys.argv) == 8 else 4
    for k in range(segments + 1):
        for i in range(flows):
            pkt = flow_packet(smac, dmac, saddr, daddr, 10000 + i, dport, k)
            print("{ " + ", ".join("0x%02x" % b for b in pkt) + " }")


if __name__ == "__main__":
    main()
