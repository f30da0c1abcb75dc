#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Round trip of an active probe, for the reader-side comparison of issue 6
(the paper's Fig. 21 sets Aquarius' passive features against active
probing): a TCP status request to a tiny server on the loopback of this
host, median over many requests.

  /usr/bin/python3 bench/probe_rtt.py [--requests N] [--keep-alive]

The server is a thread answering "GET /status" with a few bytes of load
figures; the client either sends each request on a new connection
(connect, request, response, close: what a health checker does) or, with
--keep-alive, all on one connection. Host-only: no namespaces, no veth, so
it is a lower bound of a probe to a backend namespace.
"""
import argparse
import socket
import statistics
import threading
import time

REPLY = b"HTTP/1.0 200 OK\r\nContent-Length: 16\r\n\r\nload 0.42 conn 7"


def serve(lsock):
    while True:
        try:
            c, _ = lsock.accept()
        except OSError:
            return
        with c:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while True:
                req = c.recv(256)
                if not req:
                    break
                c.sendall(REPLY)


def recv_reply(s):
    got = b""
    while len(got) < len(REPLY):
        chunk = s.recv(256)
        if not chunk:
            raise ConnectionError("server closed")
        got += chunk


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--keep-alive", action="store_true")
    a = p.parse_args()
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    addr = lsock.getsockname()
    threading.Thread(target=serve, args=(lsock,), daemon=True).start()
    ts = []
    keep = None
    if a.keep_alive:
        keep = socket.create_connection(addr)
        keep.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for _ in range(a.requests + 20):
        t0 = time.perf_counter_ns()
        if keep:
            keep.sendall(b"GET /status\r\n\r\n")
            recv_reply(keep)
        else:
            with socket.create_connection(addr) as s:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.sendall(b"GET /status\r\n\r\n")
                recv_reply(s)
        ts.append(time.perf_counter_ns() - t0)
    ts = sorted(ts[20:])
    print("probe_rtt_us %s median %.1f p10 %.1f p90 %.1f requests %d" % (
        "keep-alive" if keep else "new-connection",
        statistics.median(ts) / 1000, ts[len(ts) // 10] / 1000,
        ts[len(ts) * 9 // 10] / 1000, a.requests))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
