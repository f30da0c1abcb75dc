#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the seed corpus of tests/fuzz/fuzz_packet.c (tests/fuzz/corpus).

Every file is one scenario: a configuration byte and packet records in the
harness's format (see the comment at the top of fuzz_packet.c). Packets are
real IPv4/IPv6 + TCP/UDP packets built byte by byte (checksums included),
plus broken ones for the parser's error paths. Only the standard library is
used, so the output is the same on every machine:

    python3 tests/fuzz/make_corpus.py [DIR]
"""
import os
import struct
import sys

AF6 = 1             # record byte 0, bit 0
SNAP = 0x10         # record byte 2: snapshot after the packet
EXPIRE = 0x20       # record byte 2: expiry walk after the packet

C4 = bytes([10, 0, 0, 2])
C4B = bytes([10, 0, 0, 3])
S4 = bytes([10, 0, 2, 2])
C6 = bytes.fromhex("fd000000000000000000000000000002")
S6 = bytes.fromhex("fd000000000000000000000000000202")

TCP, UDP = 6, 17
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def tcp_opts(mss=None, sack=False, ts=None, ws=None):
    o = b""
    if mss is not None:
        o += struct.pack("!BBH", 2, 4, mss)
    if sack:
        o += b"\x04\x02"
    if ts is not None:
        o += b"\x01\x01" + struct.pack("!BBII", 8, 10, ts[0], ts[1])
    if ws is not None:
        o += b"\x01" + struct.pack("!BBB", 3, 3, ws)
    return o + b"\0" * (-len(o) % 4)


def tcp(sport, dport, flags, seq=0, ack=0, win=64240, opts=b"", data=b"",
        doff=None):
    if doff is None:
        doff = (20 + len(opts)) // 4
    return (struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4,
                        flags, win, 0, 0) + opts + data)


def udp(sport, dport, data=b"", ulen=None):
    return struct.pack("!HHHH", sport, dport,
                       8 + len(data) if ulen is None else ulen, 0) + data


def l4_csum(l4, proto, pseudo):
    """Fill the TCP or UDP checksum of l4 given its pseudo-header."""
    at = 16 if proto == TCP else 6
    c = csum(pseudo + l4)
    if proto == UDP and c == 0:
        c = 0xffff
    return l4[:at] + struct.pack("!H", c) + l4[at + 2:]


def ip4(l4, proto=TCP, src=C4, dst=S4, frag=0x4000, ihl=5, tot=None,
        opts=b"", ident=1):
    hl = ihl * 4
    tot = hl + len(l4) if tot is None else tot
    if proto in (TCP, UDP) and len(l4) >= (20 if proto == TCP else 8):
        pseudo = src + dst + struct.pack("!BBH", 0, proto, len(l4))
        l4 = l4_csum(l4, proto, pseudo)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, ident, frag, 64,
                    proto, 0, src, dst) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def ip6(payload, nexthdr=TCP, src=C6, dst=S6, plen=None):
    """payload: extension headers (if any) followed by the L4 segment."""
    plen = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 0x60000000, plen, nexthdr, 64, src,
                       dst) + payload


def l4_6(l4, proto, src=C6, dst=S6):
    pseudo = src + dst + struct.pack("!IxxxB", len(l4), proto)
    return l4_csum(l4, proto, pseudo)


def ext(nexthdr, body=b"\x01\x04\0\0\0\0"):
    """Hop-by-hop / routing / destination options header (8n bytes)."""
    n = (2 + len(body) + 7) // 8
    body += b"\0" * (n * 8 - 2 - len(body))
    return struct.pack("!BB", nexthdr, n - 1) + body


def frag6(nexthdr, offset=0, more=False, ident=7):
    return struct.pack("!BBHI", nexthdr, 0, (offset << 3) | int(more), ident)


def ah(nexthdr):
    """Authentication header: 12 bytes + 12 bytes ICV, length field 4."""
    return struct.pack("!BBHII", nexthdr, 4, 0, 0x100, 1) + b"\xaa" * 12


def rec(pkt, v6=False, backend=0, dt=10, extra=0, ops=0, cpu=0):
    """One record: family/backend, time step (dt^2 us), flags, length."""
    return (bytes([(backend << 1) | (AF6 if v6 else 0), dt,
                   (cpu << 6) | ops | extra]) +
            struct.pack("!H", len(pkt)) + pkt)


def cfg(slots=2, ways=2, udp_vip=False, timeout=3):
    """slots and ways as log2; timeout (n + 1) * 2 ms."""
    return bytes([slots | (ways << 2) | (0x10 if udp_vip else 0) |
                  (timeout << 5)])


def tcp_session(v6=False, client=40000, backend=0, isn=1000, srv=9000,
                reqs=2, end=FIN, cpu=0):
    """A client's side of a TCP connection as the module sees it."""
    c = (C4, S4) if not v6 else (C6, S6)

    def pkt(flags, seq, ack, win=502, opts=b"", data=b""):
        t = tcp(client, 8080, flags, seq, ack, win, opts, data)
        if v6:
            return ip6(l4_6(t, TCP, *c))
        return ip4(t, src=c[0], dst=c[1])

    out = [rec(pkt(SYN, isn, 0, 64240,
                   tcp_opts(1460, True, (5000, 0), 7)), v6, backend, 3,
               cpu=cpu),
           rec(pkt(ACK, isn + 1, srv + 1, 502,
                   tcp_opts(ts=(5001, 777))), v6, backend, 12, cpu=cpu)]
    seq, ack, tsv, tse = isn + 1, srv + 1, 5002, 777
    for i in range(reqs):
        req = b"GET /%d HTTP/1.1\r\nHost: aq\r\n\r\n" % i
        out.append(rec(pkt(ACK | PSH, seq, ack, 502, tcp_opts(ts=(tsv, tse)),
                           req), v6, backend, 5, cpu=cpu))
        seq += len(req)
        for k in range(3):
            ack += 1448
            tse += 2
            out.append(rec(pkt(ACK, seq, ack, 502 + k,
                               tcp_opts(ts=(tsv, tse))), v6, backend, 8,
                           cpu=cpu))
        tsv += 1
    if end == FIN:
        out.append(rec(pkt(ACK | FIN, seq, ack + 1, 502,
                           tcp_opts(ts=(tsv, tse))), v6, backend, 4,
                       ops=SNAP, cpu=cpu))
        # The last ACK of the server's FIN: after the flow ended.
        out.append(rec(pkt(ACK, seq + 1, ack + 2, 502,
                           tcp_opts(ts=(tsv, tse))), v6, backend, 3,
                       cpu=cpu))
    elif end == RST:
        out.append(rec(pkt(RST, seq, 0, 0), v6, backend, 4, cpu=cpu))
    return out


def scenarios():
    s = {}
    # --- TCP over IPv4 ----------------------------------------------------
    s["tcp4_session_fin"] = cfg() + b"".join(tcp_session())
    s["tcp4_session_rst"] = cfg(1, 1) + b"".join(tcp_session(end=RST))
    s["tcp4_session_idle"] = (cfg(0, 3, timeout=0) +
                              b"".join(tcp_session(end=None)) +
                              rec(ip4(udp(5353, 53, b"x"), UDP), dt=200,
                                  ops=EXPIRE | SNAP))
    syn = ip4(tcp(40001, 8080, SYN, 500, 0, 64240,
                  tcp_opts(1460, True, (1, 0), 14)))
    s["tcp4_syn"] = cfg() + rec(syn)
    s["tcp4_syn_retransmit"] = cfg() + rec(syn) + rec(syn, dt=30) + rec(
        ip4(tcp(40001, 8080, ACK, 501, 3001, 1000)), dt=5)
    # A new SYN (another ISN) on the tuple of an open flow.
    s["tcp4_syn_reuse"] = (cfg() + b"".join(tcp_session(end=None)) +
                           rec(ip4(tcp(40000, 8080, SYN, 77777)), dt=5))
    s["tcp4_synack_ignored"] = cfg() + rec(syn) + rec(
        ip4(tcp(40001, 8080, SYN | ACK, 500, 77, 64240)), dt=4)
    s["tcp4_no_ts_wscale"] = cfg() + rec(ip4(tcp(40002, 80, SYN, 7))) + rec(
        ip4(tcp(40002, 80, ACK, 8, 100, 2000)), dt=5) + rec(
        ip4(tcp(40002, 80, ACK | PSH, 8, 100, 2000, data=b"x" * 100)),
        dt=5) + rec(ip4(tcp(40002, 80, ACK, 108, 1100, 1999)), dt=5) + rec(
        ip4(tcp(40002, 80, ACK, 108, 1100, 1999)), dt=5)
    # ACK stream: advances, duplicates, ACK going back, window changes.
    a = [rec(ip4(tcp(40003, 80, SYN, 1, 0, 65535, tcp_opts(ws=2))))]
    a.append(rec(ip4(tcp(40003, 80, ACK, 2, 1, 1000)), dt=3))
    for i, (ackv, win) in enumerate([(1449, 1000), (2897, 990), (2897, 990),
                                     (2897, 990), (1449, 990), (5793, 2000),
                                     (5794, 2000)]):
        a.append(rec(ip4(tcp(40003, 80, ACK, 2, ackv, win)), dt=2 + i,
                     cpu=i & 3))
    a.append(rec(ip4(tcp(40003, 80, FIN | ACK, 2, 5794, 2000)), dt=2))
    s["tcp4_ack_stream"] = cfg(3, 2) + b"".join(a)
    # Data retransmission and a request after a reply.
    def c4(flags, seq, ack, data=b""):
        return ip4(tcp(40004, 80, flags, seq, ack, 500, data=data))
    r = [rec(c4(SYN, 10, 0)), rec(c4(ACK, 11, 51), dt=2),
         rec(c4(ACK | PSH, 11, 51, b"a" * 50), dt=2),
         rec(c4(ACK | PSH, 11, 51, b"a" * 50), dt=20),
         rec(c4(ACK | PSH, 61, 51, b"b" * 10), dt=2),
         rec(c4(ACK, 71, 2000), dt=2)]
    s["tcp4_retransmit"] = cfg() + b"".join(r)
    # Two backends, two clients, several CPUs interleaved.
    x = tcp_session(client=41000, backend=1, cpu=1)
    y = tcp_session(client=41001, backend=63, cpu=2, end=RST)
    mix = [v for pair in zip(x, y) for v in pair] + x[len(y):] + y[len(x):]
    s["tcp4_two_backends"] = cfg(2, 1) + b"".join(mix)
    # A column past the last one: the packet is ignored.
    s["tcp4_bad_column"] = cfg() + rec(syn, backend=64)
    # More SYNs than a direct-mapped table holds: n_cls.
    s["tcp4_table_full"] = cfg(0, 0, timeout=7) + b"".join(
        rec(ip4(tcp(42000 + i, 80, SYN, i)), dt=1) for i in range(24))
    # Larger than the parser's copy; link padding beyond the IP length.
    big = ip4(tcp(40005, 80, ACK | PSH, 1, 1, 500, data=bytes(range(256)) * 2))
    s["tcp4_large"] = cfg() + rec(syn) + rec(big, dt=3)
    s["tcp4_padded"] = cfg() + rec(syn + b"\0" * 6, extra=9)
    s["tcp4_ip_options"] = cfg() + rec(
        ip4(tcp(40006, 80, SYN, 1), ihl=7, opts=b"\x94\x04\0\0\x01\x01\x01\0"))
    # Known options with unexpected lengths (ignored), an unknown one.
    odd = b"\x01\x03\x02\x08\x0c" + b"\0" * 10 + b"\x22\x03\x05"
    s["tcp4_options_odd"] = cfg() + rec(ip4(tcp(
        40007, 80, SYN, 1, opts=odd + b"\0" * (-len(odd) % 4))))
    # --- UDP -----------------------------------------------------------
    u = []
    for i in range(6):
        u.append(rec(ip4(udp(5000 + (i & 1), 53, b"q" * (10 * i)), UDP),
                     dt=4, backend=2))
    u.append(rec(ip4(udp(5000, 53, b"late"), UDP), dt=255, backend=2,
                 ops=EXPIRE | SNAP))
    u.append(rec(ip4(udp(5002, 53), UDP), dt=1, backend=2))
    s["udp4_flows"] = cfg(2, 2, True, 1) + b"".join(u)
    s["udp4_one"] = cfg(udp_vip=True) + rec(ip4(udp(6000, 443, b"hi"), UDP))
    s["udp6_flows"] = cfg(1, 1, True) + b"".join(
        rec(ip6(l4_6(udp(7000 + i, 443, b"quic" * i), UDP), UDP), True, 3,
            dt=6) for i in range(4))
    # --- TCP over IPv6, extension headers ---------------------------------
    s["tcp6_session_fin"] = cfg() + b"".join(tcp_session(v6=True))
    s["tcp6_session_rst"] = cfg(3, 3) + b"".join(tcp_session(v6=True,
                                                             end=RST))
    t6 = l4_6(tcp(40100, 80, SYN, 5, 0, 64240, tcp_opts(1440, ts=(3, 0))),
              TCP)
    s["ip6_hopopts"] = cfg() + rec(ip6(ext(TCP) + t6, 0), True)
    s["ip6_ext_chain"] = cfg() + rec(ip6(
        ext(43) + ext(60, b"\0\0\0\0\0\0") + ext(44) + frag6(51) + ah(TCP) +
        t6, 0), True)
    s["ip6_frag_atomic"] = cfg() + rec(ip6(frag6(TCP) + t6, 44), True)
    s["ip6_udp_dstopts"] = cfg() + rec(
        ip6(ext(UDP) + l4_6(udp(9000, 53, b"dns"), UDP), 60), True)
    s["ip6_ext_too_many"] = cfg() + rec(ip6(b"".join(
        ext(60) for _ in range(8)) + ext(TCP) + t6, 60), True)
    s["ip6_ext_truncated"] = cfg() + rec(ip6(ext(TCP, b"\0" * 30)[:12], 0),
                                         True)
    # Headers running past the parser's copy (AQ_PARSE_MAX bytes).
    s["ip6_ext_past_copy"] = cfg() + rec(ip6(ext(TCP, b"\0" * 270) + t6, 0),
                                         True)
    s["ip6_esp"] = cfg() + rec(ip6(b"\0" * 24, 50), True)
    s["ip6_no_next"] = cfg() + rec(ip6(b"", 59), True)
    s["ip6_icmp"] = cfg() + rec(ip6(b"\x80\0\0\0\0\1\0\1", 58), True)
    # --- Fragments -------------------------------------------------------
    seg = tcp(40200, 80, ACK | PSH, 1, 1, 500, data=b"f" * 64)
    s["ip4_frag_first"] = cfg() + rec(ip4(seg, frag=0x2000))
    s["ip4_frag_later"] = cfg() + rec(ip4(seg[:24], frag=0x0008))
    s["ip6_frag_first"] = cfg() + rec(ip6(frag6(TCP, 0, True) + seg, 44),
                                      True)
    s["ip6_frag_later"] = cfg() + rec(ip6(frag6(TCP, 185) + seg[:16], 44),
                                      True)
    # --- Truncated and inconsistent headers -----------------------------
    ok = ip4(tcp(40300, 80, SYN, 1, 0, 1000, tcp_opts(1460, ts=(9, 0))))
    bad = {
        "ip4_short": ok[:12],
        "ip4_bad_version": b"\x65" + ok[1:],
        "ip4_ihl_small": b"\x44" + ok[1:],
        "ip4_ihl_past_end": ip4(tcp(40300, 80, SYN, 1), ihl=15),
        "ip4_totlen_long": ip4(tcp(40300, 80, SYN, 1), tot=1500),
        "ip4_totlen_short": ip4(tcp(40300, 80, SYN, 1), tot=30),
        "tcp_short": ok[:30],
        "tcp_doff_small": ip4(tcp(40300, 80, SYN, 1, doff=3)),
        "tcp_doff_past_end": ip4(tcp(40300, 80, SYN, 1, doff=15)),
        "tcp_opt_len0": ip4(tcp(40300, 80, SYN, 1, opts=b"\x02\x00\0\0")),
        "tcp_opt_len_long": ip4(tcp(40300, 80, SYN, 1,
                                    opts=b"\x01\x08\x20\0")),
        "udp_len_short": ip4(udp(1, 2, b"abcd", ulen=4), UDP),
        "udp_len_long": ip4(udp(1, 2, b"abcd", ulen=400), UDP),
        "ip4_icmp": ip4(b"\x08\0\0\0\0\1\0\1", 1),
    }
    for name, p in bad.items():
        s[name] = cfg() + rec(p)
    s["ip6_short"] = cfg() + rec(t6[:30], True)
    s["ip6_plen_long"] = cfg() + rec(ip6(t6, plen=900), True)
    s["ip6_jumbo"] = cfg() + rec(ip6(t6, plen=0), True)
    s["ip4_as_ip6"] = cfg() + rec(ok, True)
    # Everything at once: a flow with broken packets in between.
    s["mixed"] = (cfg(2, 3, timeout=2) + b"".join(tcp_session()[:4]) +
                  b"".join(rec(p, dt=2) for p in bad.values()) +
                  b"".join(tcp_session(v6=True, backend=5)[:5]) +
                  rec(ip4(seg, frag=0x2000)) +
                  b"".join(tcp_session()[4:]))
    return s


def main():
    top = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(top, "corpus")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        os.unlink(os.path.join(out, name))
    total = 0
    for name, data in sorted(scenarios().items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        total += len(data)
    print("make_corpus: %d files, %d bytes in %s" %
          (len(scenarios()), total, out))


if __name__ == "__main__":
    main()
