#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A storm of malformed packets, as Ethernet frames on a raw socket.

    packet_storm.py send --ifname IF --dst-mac MAC --src4 A --dst4 B
                         --src6 A6 --dst6 B6 --port P [--rounds R]
                         [--seed S] [--out FILE]
    packet_storm.py selftest

Frames go out of IF to the router's MAC; the router forwards what its stack
accepts to B / B6, backends of observed VIPs (TCP port P). Each case knows
what the aquarius module must count for it (kmod/packet.c):

  malformed  the VIP's "malformed" counter (truncated or invalid L4 header,
             bad TCP data offset or options, bad UDP length, IPv6 extension
             headers past the packet or past AQ_PARSE_MAX_EXTHDRS or the
             AQ_PARSE_MAX bytes the hook copies)
  fragment   the VIP's "fragment" counter (IPv4 MF or offset, IPv6
             fragment header with M or an offset)
  packet     n_packet of the backend (parsed: any TCP flags, bad TCP
             checksum, odd but well-formed options, IP options, extension
             header chains up to 8)
  other      the VIP's "other" counter (parsed, to the backend's address on
             another port or protocol)
  none       nothing: the router's stack drops it (bad IPv4 checksum, IHL or
             length, version, bad IP option, TTL 1, IPv6 payload length
             past the frame) or the module ignores it (ICMP, GRE, ESP, no
             next header, unknown extension header)

Every round sends every case once, with random ports, sequence numbers and
payload bytes. The output (JSON) gives, per family, the number of frames
per expected outcome, the total and the cases.
"""
import argparse
import json
import random
import socket
import struct
import sys
import time

TCP, UDP, ICMP, GRE, ESP, NONE6 = 6, 17, 1, 47, 50, 59
HOP, RT, FRAG, DST, AH = 0, 43, 44, 60, 51
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


class Pkt:
    """Builders; @r is the random source, addresses are packed bytes."""

    def __init__(self, r, s4, d4, s6, d6, port):
        self.r, self.s4, self.d4, self.s6, self.d6 = r, s4, d4, s6, d6
        self.port = port

    def rbytes(self, n):
        return bytes(self.r.randrange(256) for _ in range(n))

    def sport(self):
        return self.r.randrange(1024, 65536)

    def tcp(self, src, dst, flags=ACK, doff=None, opts=b"", payload=b"",
            dport=None, good_csum=True):
        if doff is None:
            doff = (20 + len(opts)) // 4
        h = struct.pack("!HHIIBBHHH", self.sport(), dport or self.port,
                        self.r.getrandbits(32), self.r.getrandbits(32),
                        (doff & 15) << 4, flags, 65535, 0, 0) + opts
        seg = h + payload
        if len(src) == 4:
            ph = src + dst + struct.pack("!BBH", 0, TCP, len(seg))
        else:
            ph = src + dst + struct.pack("!IxxxB", len(seg), TCP)
        c = csum(ph + seg)
        if not good_csum:
            c ^= 0x5a5a
        return seg[:16] + struct.pack("!H", c) + seg[18:]

    def udp(self, ulen=None, payload=b"", dport=None):
        n = 8 + len(payload)
        return struct.pack("!HHHH", self.sport(), dport or self.port,
                           n if ulen is None else ulen, 0) + payload

    def ip4(self, proto, l4, ihl=5, opts=b"", tot=None, frag=0, ttl=64,
            version=4, bad_csum=False):
        tot = 4 * ihl + len(l4) if tot is None else tot
        h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0,
                        tot & 0xffff, self.r.getrandbits(16), frag, ttl,
                        proto, 0, self.s4, self.d4) + opts
        c = csum(h)
        if bad_csum:
            c ^= 0x1234
        return h[:10] + struct.pack("!H", c) + h[12:] + l4

    def ip6(self, nh, payload, plen=None, version=6):
        plen = len(payload) if plen is None else plen
        return struct.pack("!IHBB16s16s", (version << 28), plen & 0xffff,
                           nh, 64, self.s6, self.d6) + payload

    @staticmethod
    def ext(kind, nh, size=8, frag=0, hdrlen=None):
        """An extension header of @size bytes (PadN for options)."""
        if kind == FRAG:
            return struct.pack("!BBHI", nh, 0, frag, 0x1234)
        if kind == AH:
            return struct.pack("!BBH", nh, size // 4 - 2, 0) + \
                b"\0" * (size - 4)
        ln = size // 8 - 1 if hdrlen is None else hdrlen
        if kind == RT:
            return struct.pack("!BBBB", nh, ln, 0, 0) + b"\0" * (size - 4)
        # HOP / DST: one PadN option filling the header.
        return struct.pack("!BBBB", nh, ln, 1, size - 4) + b"\0" * (size - 4)

    def chain(self, kinds, last=TCP):
        """Extension headers @kinds in order, then @last."""
        out = b""
        for i in reversed(range(len(kinds))):
            nh = kinds[i + 1] if i + 1 < len(kinds) else last
            k = kinds[i]
            out = self.ext(k, nh, 16 if k == AH else 8) + out
        return out


def cases(p):
    """(name, family, outcome, frame payload) for one round."""
    r = p.r
    s4, d4, s6, d6 = p.s4, p.d4, p.s6, p.d6
    out = []

    def v4(name, outcome, pkt):
        out.append((name, 4, outcome, pkt))

    def v6(name, outcome, pkt):
        out.append((name, 6, outcome, pkt))

    good4 = p.tcp(s4, d4)
    # --- IPv4, forwarded, the module cannot parse ---
    for k in range(20):
        v4("tcp truncated to %d bytes" % k, "malformed",
           p.ip4(TCP, p.tcp(s4, d4)[:k]))
    for doff in range(5):
        v4("tcp data offset %d" % doff, "malformed",
           p.ip4(TCP, p.tcp(s4, d4, doff=doff)))
    for doff in range(6, 16):
        v4("tcp data offset %d past the segment" % doff, "malformed",
           p.ip4(TCP, p.tcp(s4, d4, doff=doff)))
    bad_opts = [b"\x02\x00\x00\x00", b"\x02\x01\x00\x00",
                b"\x03\x28\x00\x00", b"\x01\x01\x01\x08",
                b"\x08\x0c" + b"\0" * 6, b"\x01" * 11 + b"\x05"]
    for i, o in enumerate(bad_opts):
        v4("bogus tcp option %d" % i, "malformed",
           p.ip4(TCP, p.tcp(s4, d4, opts=o + b"\0" * (-len(o) % 4))))
    for k in range(8):
        v4("udp truncated to %d bytes" % k, "malformed",
           p.ip4(UDP, p.udp()[:k]))
    for ulen in (0, 1, 7, 29, 65535):
        v4("udp length %d" % ulen, "malformed",
           p.ip4(UDP, p.udp(ulen=ulen, payload=p.rbytes(20))))
    # Fragments: first (MF), middle, last; TCP and UDP.
    for frag in (0x2000, 0x2000 | 1, 0x2000 | 185, 3, 0x1fff, 0x4000 | 0x2000):
        v4("ipv4 fragment %#x" % frag, "fragment",
           p.ip4(TCP, p.tcp(s4, d4, payload=p.rbytes(16)), frag=frag))
    v4("ipv4 udp fragment", "fragment",
       p.ip4(UDP, p.udp(payload=p.rbytes(24)), frag=0x2000))
    # --- IPv4, parsed ---
    for flags in range(256):
        v4("tcp flags %#04x" % flags, "packet",
           p.ip4(TCP, p.tcp(s4, d4, flags=flags, payload=p.rbytes(r.randrange(3)))))
    for i in range(8):
        v4("tcp bad checksum %d" % i, "packet",
           p.ip4(TCP, p.tcp(s4, d4, flags=r.choice([SYN, ACK, PSH | ACK]),
                            payload=p.rbytes(10), good_csum=False)))
    odd_opts = [b"\x00" + b"\xff" * 3,                # EOL, then garbage
                b"\xfe\x04\xab\xcd",                   # unknown kind
                b"\x08\x06\0\0\0\0\x01\x01",           # timestamp, bad length
                b"\x03\x03\xff\x01",                   # window scale 255
                b"\x02\x04\x05\xb4" * 10,              # 40 bytes of MSS
                b"\x01" * 40]                          # 40 NOPs
    for i, o in enumerate(odd_opts):
        v4("odd tcp option %d" % i, "packet", p.ip4(TCP, p.tcp(s4, d4, opts=o)))
    for ihl in range(6, 16):
        v4("ip options, ihl %d" % ihl, "packet",
           p.ip4(TCP, good4, ihl=ihl, opts=b"\x01" * (4 * ihl - 20)))
    for i in range(3):
        v4("udp to the backend port", "other",
           p.ip4(UDP, p.udp(payload=p.rbytes(8))))
        v4("tcp to another port", "other",
           p.ip4(TCP, p.tcp(s4, d4, dport=9)))
    # --- IPv4, dropped by the router or ignored by the module ---
    for i in range(3):
        v4("bad ip checksum", "none", p.ip4(TCP, good4, bad_csum=True))
    for ihl in range(5):
        v4("ihl %d" % ihl, "none", p.ip4(TCP, good4, ihl=ihl))
    for ver in (0, 5, 6, 15):
        v4("ip version %d" % ver, "none", p.ip4(TCP, good4, version=ver))
    v4("total length past the frame", "none", p.ip4(TCP, good4, tot=20 + 21))
    v4("total length 65535", "none", p.ip4(TCP, good4, tot=65535))
    v4("total length below ihl", "none", p.ip4(TCP, good4, tot=12))
    v4("ip timestamp option of length 2", "none",
       p.ip4(TCP, good4, ihl=6, opts=b"\x44\x02\x01\x01"))
    v4("ttl 1", "none", p.ip4(TCP, good4, ttl=1))
    v4("icmp echo", "none", p.ip4(ICMP, b"\x08\0\xf7\xff\0\0\0\0"))
    v4("gre", "none", p.ip4(GRE, p.rbytes(24)))

    good6 = p.tcp(s6, d6)
    # --- IPv6, forwarded, the module cannot parse ---
    for k in (0, 1, 8, 12, 19):
        v6("tcp truncated to %d bytes" % k, "malformed", p.ip6(TCP, good6[:k]))
    for doff in (0, 4, 6, 15):
        v6("tcp data offset %d" % doff, "malformed",
           p.ip6(TCP, p.tcp(s6, d6, doff=doff)))
    v6("udp length 3", "malformed", p.ip6(UDP, p.udp(ulen=3, payload=b"xx")))
    for n in (9, 10, 16):
        kinds = [HOP] + [DST] * (n - 1)
        v6("%d extension headers" % n, "malformed",
           p.ip6(HOP, p.chain(kinds) + p.tcp(s6, d6)))
    v6("extension headers past AQ_PARSE_MAX", "malformed",
       p.ip6(DST, p.ext(DST, DST, 248) + p.ext(DST, TCP, 8) + good6))
    v6("destination options longer than the packet", "malformed",
       p.ip6(DST, p.ext(DST, TCP, 8, hdrlen=10) + p.tcp(s6, d6)[:10]))
    v6("extension header cut short", "malformed",
       p.ip6(DST, b"\x06\x00\x01"))
    for frag in (1, 8 | 1, 8, 0x1ff8):
        v6("fragment header %#x" % frag, "fragment",
           p.ip6(FRAG, p.ext(FRAG, TCP, frag=frag) +
                 p.tcp(s6, d6, payload=p.rbytes(8))))
    v6("fragment after a chain", "fragment",
       p.ip6(HOP, p.chain([HOP, DST, RT]) [:-8] +
             p.ext(RT, FRAG) + p.ext(FRAG, UDP, frag=1) + p.udp()))
    # --- IPv6, parsed ---
    chains = [[HOP], [DST], [RT], [FRAG], [AH], [HOP, DST, RT, FRAG, AH],
              [HOP] + [DST] * 7, [HOP, RT, DST, AH, DST, FRAG, DST, RT]]
    for c in chains:
        v6("chain %s" % "-".join(map(str, c)), "packet",
           p.ip6(c[0], p.chain(c) + p.tcp(s6, d6, flags=r.choice([SYN, ACK]))))
    for flags in range(0, 256, 17):
        v6("tcp flags %#04x" % flags, "packet",
           p.ip6(TCP, p.tcp(s6, d6, flags=flags)))
    v6("tcp bad checksum", "packet",
       p.ip6(TCP, p.tcp(s6, d6, good_csum=False)))
    v6("udp to the backend port", "other", p.ip6(UDP, p.udp(payload=b"hello")))
    # --- IPv6, dropped or ignored ---
    v6("payload length past the frame", "none", p.ip6(TCP, good6, plen=200))
    v6("ip version 4 in an IPv6 frame", "none", p.ip6(TCP, good6, version=4))
    v6("esp", "none", p.ip6(ESP, p.rbytes(32)))
    v6("no next header", "none", p.ip6(DST, p.ext(DST, NONE6) + p.rbytes(8)))
    v6("unknown extension header 253", "none", p.ip6(253, p.rbytes(16)))
    return out


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def send(a):
    r = random.Random(a.seed)
    p = Pkt(r, socket.inet_pton(socket.AF_INET, a.src4),
            socket.inet_pton(socket.AF_INET, a.dst4),
            socket.inet_pton(socket.AF_INET6, a.src6),
            socket.inet_pton(socket.AF_INET6, a.dst6), a.port)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.ifname, 0))
    src = s.getsockname()[4]
    dst = mac(a.dst_mac)
    res = {"4": {}, "6": {}}
    names = {}
    sent = 0
    t0 = time.monotonic()
    for _ in range(a.rounds):
        batch = cases(p)
        r.shuffle(batch)
        for name, fam, outcome, pkt in batch:
            eth = dst + src + struct.pack("!H", 0x0800 if fam == 4 else 0x86dd)
            s.send(eth + pkt)
            sent += 1
            d = res[str(fam)]
            d[outcome] = d.get(outcome, 0) + 1
            names[name] = outcome
            # The router's backlog holds 1000 frames: let it forward.
            if sent % a.burst == 0:
                time.sleep(a.pause)
    for d in res.values():
        for k in ("malformed", "fragment", "packet", "other", "none"):
            d.setdefault(k, 0)
    out = {"seed": a.seed, "rounds": a.rounds, "sent": sent,
           "cases": len(names), "seconds": round(time.monotonic() - t0, 2),
           "4": res["4"], "6": res["6"]}
    text = json.dumps(out, sort_keys=True)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0


def selftest():
    """Offline checks of the builders (run on the host)."""
    r = random.Random(1)
    p = Pkt(r, bytes([10, 0, 1, 99]), bytes([10, 0, 2, 2]),
            bytes(16), bytes(15) + b"\2", 8080)
    ok = True
    seg = p.tcp(p.s4, p.d4, payload=b"abc")
    ph = p.s4 + p.d4 + struct.pack("!BBH", 0, TCP, len(seg))
    ok &= csum(ph + seg) == 0
    ip = p.ip4(TCP, seg)
    ok &= csum(ip[:20]) == 0 and len(ip) == 43
    ok &= struct.unpack("!H", ip[2:4])[0] == 43
    c = p.chain([HOP, DST, AH, FRAG])
    ok &= len(c) == 8 + 8 + 16 + 8 and c[0] == DST and c[8] == AH
    ok &= c[16] == FRAG and c[32] == TCP
    cs = cases(p)
    ok &= sum(1 for c in cs if c[2] == "packet" and c[1] == 4) == 256 + 8 + 6 + 10
    ok &= len({c[0] for c in cs}) > 100
    print("selftest", "ok" if ok else "FAILED", len(cs), "frames per round")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    for o in ("ifname", "dst-mac", "src4", "dst4", "src6", "dst6"):
        s.add_argument("--" + o, required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--rounds", type=int, default=1)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--burst", type=int, default=64)
    s.add_argument("--pause", type=float, default=0.01)
    s.add_argument("--out")
    sub.add_parser("selftest")
    a = ap.parse_args()
    return send(a) if a.cmd == "send" else selftest()


if __name__ == "__main__":
    sys.exit(main())
