#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Small, deterministic traffic for the aquarius selftests.

TCP (one request per connection):
  serve  --port P [--addr A | --v6] [--delay-ms D] [--size-list S,...]
         [--ready FILE] [--log FILE] [--lifetime S] [--timeout S]
         [--no-ack-wait]
  client (--addr A --port P | --target A:P [--target ...]) --count N
         --sizes S,... [--upload U] [--parallel K] [--close fin|rst]
         [--no-eof-wait] [--timeout S] [--deadline S] [--log FILE]

  The client sends "GET <size> <upload>\\n" and <upload> bytes, reads exactly
  <size> bytes and verifies them, waits for the server's FIN (EOF), then
  closes with FIN, or with RST (SO_LINGER 0). Connection i goes to target
  i % T and asks for size i % len(sizes). It prints a JSON summary and exits
  0 only if every connection succeeded.

  The server reads the request (and the upload, verified), waits D ms,
  sends <size> bytes, waits until the client has acknowledged all of them
  (SIOCOUTQ == 0; so its FIN is never acknowledged together with data),
  then sends FIN (shutdown) and reads until the client closes. It serves
  connections concurrently (a thread each). With --log it writes one JSON
  line per connection, with proc_us: from the kernel's receive time of the
  request (SO_TIMESTAMPNS) to just before the reply is sent.

TCP handshakes only (cheap: for counting where new flows go):
  accept  --port P [--addr A | --v6] [--ready FILE] [--count-file FILE]
          accepts and closes connections; writes the number accepted to
          FILE (at most every 0.2 s, and on SIGTERM)
  connect --addr A --port P --count N [--parallel K] [--timeout S]
          N connections, K at a time (non-blocking, one thread); each is
          closed with FIN once established; JSON summary; exit 0 if all
          connected

UDP:
  udp-serve  --port P [--addr A | --v6] [--ready FILE] [--lifetime S]
             (counts datagrams; echoes nothing; JSON summary on SIGTERM)
  udp-client --addr A --port P --count N --size S [--sockets K]
             [--interval-ms I] [--pause-ms P]
             (K sockets, so K source ports, each sends N datagrams of S
             payload bytes, round robin, I ms apart, with a pause of P ms
             after the first half; JSON summary)

Every socket operation has a timeout: nothing here blocks forever.
"""
import argparse
import concurrent.futures
import errno
import fcntl
import functools
import json
import os
import signal
import socket
import statistics
import struct
import sys
import termios
import threading
import time

PATTERN = bytes(i % 251 for i in range(251))
MAX_SIZE = 64 << 20
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SCM_TIMESTAMPNS = SO_TIMESTAMPNS


@functools.lru_cache(maxsize=64)
def payload(n, seed=0):
    """n deterministic bytes; seed shifts the pattern (uploads use 1)."""
    reps = (n + seed) // len(PATTERN) + 1
    return (PATTERN * reps)[seed:seed + n]


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def parse_target(t):
    """A:P, or [V6]:P."""
    if t.startswith("["):
        host, _, port = t[1:].partition("]:")
    else:
        host, _, port = t.rpartition(":")
    if not host or not port:
        raise argparse.ArgumentTypeError("bad target %r (ADDR:PORT)" % t)
    return host, int(port)


def int_list(s):
    try:
        v = [int(x) for x in s.split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError("bad list %r" % s)
    if not v or any(x < 0 or x > MAX_SIZE for x in v):
        raise argparse.ArgumentTypeError("bad list %r" % s)
    return v


def touch(path):
    if path:
        with open(path, "w") as f:
            f.write("%d\n" % os.getpid())


class JsonLog:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1) if path else None
        self.lock = threading.Lock()

    def write(self, rec):
        if self.f:
            with self.lock:
                self.f.write(json.dumps(rec) + "\n")


def listen_addr(args):
    if args.addr:
        return args.addr
    return "::" if args.v6 else "0.0.0.0"


def lifetime_guard(seconds):
    """Exit the whole process after `seconds`, whatever it is doing."""
    def bye(*_):
        os._exit(2)
    signal.signal(signal.SIGALRM, bye)
    signal.alarm(max(1, int(seconds)))


# ---- TCP server --------------------------------------------------------------
def outq(sock):
    """Bytes sent but not acknowledged (or not yet sent): SIOCOUTQ."""
    buf = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, struct.pack("i", 0))
    return struct.unpack("i", buf)[0]


def recv_ts(sock, bufsize):
    """recvmsg with the kernel receive timestamp (ns, CLOCK_REALTIME)."""
    data, anc, _flags, _addr = sock.recvmsg(bufsize, socket.CMSG_SPACE(16))
    ts = None
    for level, typ, cdata in anc:
        if level == socket.SOL_SOCKET and typ == SCM_TIMESTAMPNS and \
           len(cdata) >= 16:
            sec, nsec = struct.unpack("qq", cdata[:16])
            ts = sec * 1000000000 + nsec
    return data, ts


def serve_conn(conn, peer, args, log):
    rec = {"peer": "%s:%d" % peer[:2], "ok": False}
    try:
        rec["local"] = "%s:%d" % conn.getsockname()[:2]
        conn.settimeout(args.timeout)
        conn.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        buf = b""
        rx_ns = None
        while b"\n" not in buf:
            data, ts = recv_ts(conn, 4096)
            if not data:
                raise ConnectionError("EOF before the request line")
            buf += data
            rx_ns = ts
            if len(buf) > 256 and b"\n" not in buf:
                raise ValueError("request line too long")
        user_rx_ns = time.time_ns()
        line, _, rest = buf.partition(b"\n")
        words = line.decode("ascii", "replace").split()
        if len(words) not in (2, 3) or words[0] != "GET":
            raise ValueError("bad request %r" % line)
        size = int(words[1])
        upload = int(words[2]) if len(words) == 3 else 0
        rec.update(size=size, upload=upload)
        if not 0 <= size <= MAX_SIZE or not 0 <= upload <= MAX_SIZE:
            raise ValueError("size out of range")
        if args.size_list and size not in args.size_list:
            raise ValueError("size %d not in --size-list" % size)
        got = bytearray(rest)
        while len(got) < upload:
            data, ts = recv_ts(conn, min(65536, upload - len(got)))
            if not data:
                raise ConnectionError("EOF in the upload")
            got += data
            rx_ns = ts
            user_rx_ns = time.time_ns()
        if len(got) != upload:
            raise ValueError("client sent %d bytes, announced %d" %
                             (len(got), upload))
        if upload and bytes(got) != payload(upload, 1):
            raise ValueError("upload content mismatch")
        if args.delay_ms:
            time.sleep(args.delay_ms / 1000.0)
        body = payload(size)
        tx_ns = time.time_ns()
        rec["ts"] = "kernel" if rx_ns else "user"
        rec["proc_us"] = ((tx_ns - (rx_ns or user_rx_ns)) // 1000)
        conn.sendall(body)
        if not args.no_ack_wait:
            deadline = time.monotonic() + args.timeout
            while outq(conn) > 0:
                if time.monotonic() > deadline:
                    raise TimeoutError("reply not acknowledged in time")
                time.sleep(0.001)
        conn.shutdown(socket.SHUT_WR)
        rec["ok"] = True
        # Read until the client closes (EOF or RST), so that our close()
        # never turns into a RST because of unread data.
        while True:
            try:
                if not conn.recv(65536):
                    break
            except ConnectionResetError:
                break
    except (OSError, ValueError) as e:
        rec["err"] = "%s: %s" % (type(e).__name__, e)
    finally:
        conn.close()
        log.write(rec)


def cmd_serve(args):
    lifetime_guard(args.lifetime)
    fam = family_of(listen_addr(args))
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Set before listen: accepted sockets inherit it, so a request that
    # arrives before accept() returns is timestamped too.
    ls.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    ls.bind((listen_addr(args), args.port))
    ls.listen(1024)
    ls.settimeout(0.5)
    log = JsonLog(args.log)
    touch(args.ready)
    print("listening %s port %d" % (listen_addr(args), args.port), flush=True)
    while True:
        try:
            conn, peer = ls.accept()
        except socket.timeout:
            continue
        t = threading.Thread(target=serve_conn, args=(conn, peer, args, log),
                             daemon=True)
        t.start()


# ---- TCP client --------------------------------------------------------------
def one_conn(i, target, size, args):
    host, port = target
    rec = {"i": i, "target": "%s:%d" % target, "size": size, "ok": False}
    s = socket.socket(family_of(host), socket.SOCK_STREAM)
    s.settimeout(args.timeout)
    got = 0
    try:
        t0 = time.monotonic()
        s.connect((host, port))
        t1 = time.monotonic()
        rec["connect_ms"] = (t1 - t0) * 1000
        rec["sport"] = s.getsockname()[1]
        s.sendall(b"GET %d %d\n" % (size, args.upload))
        if args.upload:
            s.sendall(payload(args.upload, 1))
        buf = bytearray()
        while len(buf) < size:
            data = s.recv(min(262144, size - len(buf)))
            if not data:
                raise ConnectionError("EOF after %d of %d bytes" %
                                      (len(buf), size))
            buf += data
        got = len(buf)
        if bytes(buf) != payload(size):
            raise ValueError("content mismatch")
        if not args.no_eof_wait:
            extra = s.recv(4096)
            if extra:
                raise ValueError("server sent more than %d bytes" % size)
        if args.close == "rst":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        s.close()
        t2 = time.monotonic()
        rec["life_ms"] = (t2 - t0) * 1000
        rec["ok"] = True
    except (OSError, ValueError) as e:
        rec["err"] = "%s: %s" % (type(e).__name__, e)
        # Do not leave a half-open connection behind.
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        except OSError:
            pass
        s.close()
    rec["bytes"] = got
    return rec


def median(v):
    return round(statistics.median(v), 3) if v else None


def cmd_client(args):
    targets = list(args.target or [])
    if args.addr is not None or args.port is not None:
        if args.addr is None or args.port is None:
            sys.exit("client: --addr and --port go together")
        targets.append((args.addr, args.port))
    if not targets:
        sys.exit("client: no --target / --addr")
    lifetime_guard(args.deadline + 30)
    start = time.monotonic()
    stop = start + args.deadline
    recs = []
    log = JsonLog(args.log)

    def job(i):
        if time.monotonic() > stop:
            return {"i": i, "target": "%s:%d" % targets[i % len(targets)],
                    "size": args.sizes[i % len(args.sizes)], "ok": False,
                    "bytes": 0, "err": "deadline"}
        return one_conn(i, targets[i % len(targets)],
                        args.sizes[i % len(args.sizes)], args)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.parallel) as ex:
        for rec in ex.map(job, range(args.count)):
            log.write(rec)
            recs.append(rec)
    per = {}
    for r in recs:
        p = per.setdefault(r["target"], {"ok": 0, "failed": 0, "bytes": 0})
        p["ok" if r["ok"] else "failed"] += 1
        p["bytes"] += r["bytes"]
    ok = [r for r in recs if r["ok"]]
    summary = {
        "connections": len(recs), "ok": len(ok),
        "failed": len(recs) - len(ok),
        "bytes": sum(r["bytes"] for r in recs),
        "uploaded": args.upload * len(ok), "close": args.close,
        "targets": per,
        "sizes": {str(s): sum(1 for r in ok if r["size"] == s)
                  for s in args.sizes},
        "connect_ms_median": median([r["connect_ms"] for r in ok]),
        "life_ms_median": median([r["life_ms"] for r in ok]),
        "elapsed_s": round(time.monotonic() - start, 3),
        "errors": [r["err"] for r in recs if not r["ok"]][:5],
    }
    print(json.dumps(summary), flush=True)
    return 0 if summary["failed"] == 0 else 1


# ---- TCP handshakes only -----------------------------------------------------
def cmd_accept(args):
    lifetime_guard(args.lifetime)
    fam = family_of(listen_addr(args))
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((listen_addr(args), args.port))
    ls.listen(4096)
    ls.settimeout(0.2)
    n, written = 0, -1

    def flush():
        nonlocal written
        if args.count_file and n != written:
            with open(args.count_file + ".tmp", "w") as f:
                f.write("%d\n" % n)
            os.rename(args.count_file + ".tmp", args.count_file)
            written = n

    def bye(*_):
        flush()
        sys.exit(0)
    signal.signal(signal.SIGTERM, bye)
    flush()
    touch(args.ready)
    last = time.monotonic()
    while True:
        try:
            conn, _ = ls.accept()
            conn.close()
            n += 1
        except socket.timeout:
            pass
        if time.monotonic() - last >= 0.2:
            flush()
            last = time.monotonic()


def cmd_connect(args):
    import selectors
    lifetime_guard(args.timeout + 60)
    sel = selectors.DefaultSelector()
    fam = family_of(args.addr)
    started = ok = failed = 0
    errs = []
    deadline = time.monotonic() + args.timeout

    def start():
        nonlocal started
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex((args.addr, args.port))
        started += 1
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            return False
        sel.register(s, selectors.EVENT_WRITE)
        return True

    while (started < args.count or sel.get_map()) and \
            time.monotonic() < deadline:
        while started < args.count and len(sel.get_map()) < args.parallel:
            if not start():
                failed += 1
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            sel.unregister(s)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                failed += 1
                if len(errs) < 5:
                    errs.append(os.strerror(err))
            else:
                ok += 1
            s.close()
    failed += args.count - ok - failed
    print(json.dumps({"connections": args.count, "ok": ok, "failed": failed,
                      "errors": errs}), flush=True)
    return 0 if failed == 0 else 1


# ---- UDP ---------------------------------------------------------------------
def cmd_udp_serve(args):
    lifetime_guard(args.lifetime)
    addr = listen_addr(args)
    s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, args.port))
    s.settimeout(0.5)
    stats = {"datagrams": 0, "bytes": 0, "sizes": {}, "sources": set()}

    def summary(*_):
        out = dict(stats, sources=len(stats["sources"]))
        print(json.dumps(out), flush=True)
        os._exit(0)
    signal.signal(signal.SIGTERM, summary)
    signal.signal(signal.SIGINT, summary)
    touch(args.ready)
    while True:
        try:
            data, src = s.recvfrom(65536)
        except socket.timeout:
            continue
        stats["datagrams"] += 1
        stats["bytes"] += len(data)
        k = str(len(data))
        stats["sizes"][k] = stats["sizes"].get(k, 0) + 1
        stats["sources"].add(src[:2])


def cmd_udp_client(args):
    lifetime_guard(args.count * args.sockets * (args.interval_ms / 1000.0 + 0.05)
                   + args.pause_ms / 1000.0 + 60)
    fam = family_of(args.addr)
    socks = []
    for _ in range(args.sockets):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(args.timeout)
        s.connect((args.addr, args.port))
        socks.append(s)
    data = payload(args.size)
    sent = errors = 0
    errs = []
    for rnd in range(args.count):
        if args.pause_ms and rnd == args.count // 2:
            time.sleep(args.pause_ms / 1000.0)
        for s in socks:
            try:
                if s.send(data) == len(data):
                    sent += 1
                else:
                    errors += 1
            except OSError as e:
                errors += 1
                if len(errs) < 5:
                    errs.append("%s: %s" % (type(e).__name__, e))
            if args.interval_ms:
                time.sleep(args.interval_ms / 1000.0)
    out = {"sockets": len(socks), "datagrams": sent, "failed": errors,
           "bytes": sent * args.size, "size": args.size,
           "sports": sorted(s.getsockname()[1] for s in socks),
           "errors": errs}
    for s in socks:
        s.close()
    print(json.dumps(out), flush=True)
    return 0 if errors == 0 else 1


# ---- main --------------------------------------------------------------------
def main(argv=None):
    p = argparse.ArgumentParser(
        description="traffic for the aquarius selftests",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    def server_opts(s):
        s.add_argument("--port", type=int, required=True)
        s.add_argument("--addr", help="address to bind (default: any)")
        s.add_argument("--v6", action="store_true", help="bind :: (IPv6)")
        s.add_argument("--ready", help="file created once listening")
        s.add_argument("--lifetime", type=float, default=600,
                       help="exit after this many seconds (default 600)")

    s = sub.add_parser("serve")
    server_opts(s)
    s.add_argument("--delay-ms", type=float, default=0)
    s.add_argument("--size-list", type=int_list,
                   help="refuse requests for any other size")
    s.add_argument("--log", help="one JSON line per connection")
    s.add_argument("--timeout", type=float, default=30,
                   help="per-operation timeout (default 30 s)")
    s.add_argument("--no-ack-wait", action="store_true",
                   help="send FIN without waiting for the reply's ACK")

    c = sub.add_parser("client")
    c.add_argument("--addr")
    c.add_argument("--port", type=int)
    c.add_argument("--target", action="append", type=parse_target,
                   help="ADDR:PORT or [V6]:PORT; repeat for round robin")
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--sizes", type=int_list, required=True)
    c.add_argument("--upload", type=int, default=0)
    c.add_argument("--parallel", type=int, default=1)
    c.add_argument("--close", choices=("fin", "rst"), default="fin")
    c.add_argument("--no-eof-wait", action="store_true",
                   help="close right after the reply, before the server FIN")
    c.add_argument("--timeout", type=float, default=30,
                   help="per-operation timeout (default 30 s)")
    c.add_argument("--deadline", type=float, default=150,
                   help="start no connection after this many s (default 150)")
    c.add_argument("--log", help="one JSON line per connection")

    a = sub.add_parser("accept")
    server_opts(a)
    a.add_argument("--count-file")

    cn = sub.add_parser("connect")
    cn.add_argument("--addr", required=True)
    cn.add_argument("--port", type=int, required=True)
    cn.add_argument("--count", type=int, required=True)
    cn.add_argument("--parallel", type=int, default=16)
    cn.add_argument("--timeout", type=float, default=120,
                    help="give up after this many s (default 120)")

    u = sub.add_parser("udp-serve")
    server_opts(u)

    uc = sub.add_parser("udp-client")
    uc.add_argument("--addr", required=True)
    uc.add_argument("--port", type=int, required=True)
    uc.add_argument("--count", type=int, required=True,
                    help="datagrams per socket")
    uc.add_argument("--size", type=int, required=True)
    uc.add_argument("--sockets", type=int, default=1)
    uc.add_argument("--interval-ms", type=float, default=1)
    uc.add_argument("--pause-ms", type=float, default=0,
                    help="pause after the first half of the rounds")
    uc.add_argument("--timeout", type=float, default=10)

    args = p.parse_args(argv)
    if args.cmd == "client" and (args.parallel < 1 or args.count < 0 or
                                 not 0 <= args.upload <= MAX_SIZE):
        p.error("bad --parallel, --count or --upload")
    if args.cmd == "udp-client" and (args.sockets < 1 or
                                     not 0 <= args.size <= 65507):
        p.error("bad --sockets or --size")
    return {"serve": cmd_serve, "client": cmd_client,
            "accept": cmd_accept, "connect": cmd_connect,
            "udp-serve": cmd_udp_serve,
            "udp-client": cmd_udp_client}[args.cmd](args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
