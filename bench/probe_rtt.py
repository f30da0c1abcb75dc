#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Round trip of an active probe, for the reader-side comparison of issue 6
(the paper's Fig. 21 sets Aquarius' passive features against active
probing): a TCP status request to a tiny server on the loopback of this
host (or, with --serve and --connect, from one namespace to a server in
another: bench/vm/reader.sh), median over many requests.

  /usr/bin/python3 bench/probe_rtt.py [--requests N] [--keep-alive]
  /usr/bin/python3 bench/probe_rtt.py --serve HOST:PORT
  /usr/bin/python3 bench/probe_rtt.py --connect HOST:PORT [--requests N] [--keep-alive]

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
        serve_one(c)


def serve_one(c):
    """Answer the requests of one connection until the client closes it."""
    with c:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            req = c.recv(256)
            if not req:
                break
            c.sendall(REPLY)


def host_port(text):
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError("want HOST:PORT, got %r" % text)
    return (host, int(port))


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
    p.add_argument("--serve", metavar="HOST:PORT", type=host_port,
                   help="only run the status server, until killed")
    p.add_argument("--connect", metavar="HOST:PORT", type=host_port,
                   help="only run the client, against this server")
    a = p.parse_args()
    if a.serve and a.connect:
        p.error("--serve and --connect exclude each other")
    if a.connect:
        addr = a.connect
    else:
        lsock = socket.socket()
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind(a.serve or ("127.0.0.1", 0))
        lsock.listen(64)
        addr = lsock.getsockname()
        if a.serve:
            print("probe_rtt: serving on %s:%d" % addr, flush=True)
            serve(lsock)
            return 0
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
