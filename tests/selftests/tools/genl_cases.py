#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Netlink checks of the aquarius family, one result line per case:

    PASS <name>          or          FAIL <name>: <why>

  genl_cases.py bad      every command with bad input gets the documented
                         errno (and extack), and changes nothing
  genl_cases.py eperm    run without CAP_NET_ADMIN: writes get EPERM, reads
                         work, nothing changes
  genl_cases.py events   each write is announced on the "events" group
  genl_cases.py empty    this namespace has no VIPs (isolation)
  genl_cases.py create NAME ADDR   create a VIP with one backend (setup)

Exits 0 if every case passed.
"""
import errno
import socket
import struct
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from genl import (A, BA, CMD, ERRNO, Aquarius, addr, nest, nla, read_events,
                  string, u8, u16, u32)

TCP, UDP = 6, 17
results = []


def report(name, ok, why=""):
    results.append(ok)
    print("PASS %s" % name if ok else "FAIL %s: %s" % (name, why), flush=True)


def name_attr(n="base"):
    return string(A["VIP_NAME"], n)


def vip_attrs(name="x", vaddr="10.9.0.1", port=80, proto=TCP):
    return [name_attr(name), addr(A["VIP_ADDR"], vaddr),
            u16(A["VIP_PORT"], port), u8(A["VIP_PROTO"], proto)]


def backend(col=None, baddr=None, port=None, weight=None, drain=None):
    parts = []
    if col is not None:
        parts.append(u8(BA["COLUMN"], col))
    if baddr is not None:
        parts.append(addr(BA["ADDR"], baddr))
    if port is not None:
        parts.append(u16(BA["PORT"], port))
    if weight is not None:
        parts.append(u32(BA["WEIGHT"], weight))
    if drain is not None:
        parts.append(u8(BA["DRAIN"], drain))
    return parts


def weights(*ws):
    return nla(A["VIP_WEIGHTS"], struct.pack("=%dI" % len(ws), *ws))


def setup_base(nl):
    """VIP base, 10.9.0.100:80/tcp, backends 10.9.1.1:80 (col 0, w 2),
    10.9.1.2:80 (col 2, w 1)."""
    err, ext, _ = nl.request(
        CMD["VIP_NEW"], *vip_attrs("base", "10.9.0.100"),
        nest(A["VIP_BACKENDS"],
             nest(A["BACKEND"], *backend(0, "10.9.1.1", 80, 2)),
             nest(A["BACKEND"], *backend(2, "10.9.1.2", 80, 1))))
    if err:
        sys.exit("setup: VIP_NEW base: %s %s" % (ERRNO.get(err, err), ext))


def expect(nl, name, cmd, attrs, want_err, missing=None, before=None):
    err, ext, _ = nl.request(CMD[cmd], *attrs)
    why = []
    if err != want_err:
        why.append("got %s, want %s" % (ERRNO.get(err, err) or "success",
                                       ERRNO.get(want_err, want_err)))
    if want_err and want_err != errno.EPERM and not ext.get("msg") and \
            "offset" not in ext and "missing" not in ext:
        why.append("no extack")
    if missing is not None and ext.get("missing") != missing:
        why.append("missing attr %s, want %d" % (ext.get("missing"), missing))
    if before is not None:
        after = nl.vips()
        if after != before:
            why.append("state changed: %s" % after)
    report("%s -> %s%s" % (name, ERRNO.get(want_err, "ok"),
                           " (%s)" % ext["msg"] if ext.get("msg") else ""),
           not why, "; ".join(why))


def cases_bad(nl):
    setup_base(nl)
    before = nl.vips()
    E = errno
    v = vip_attrs()

    def bad(name, cmd, attrs, want, missing=None):
        expect(nl, name, cmd, attrs, want, missing, before)

    # VIP_NEW
    bad("vip new: no name", "VIP_NEW", v[1:], E.EINVAL, A["VIP_NAME"])
    bad("vip new: no address", "VIP_NEW", [v[0]] + v[2:], E.EINVAL,
        A["VIP_ADDR"])
    bad("vip new: no port", "VIP_NEW", v[:2] + v[3:], E.EINVAL, A["VIP_PORT"])
    bad("vip new: no protocol", "VIP_NEW", v[:3], E.EINVAL, A["VIP_PROTO"])
    bad("vip new: name of 32 chars", "VIP_NEW",
        [name_attr("n" * 32)] + v[1:], E.EINVAL)
    bad("vip new: empty name", "VIP_NEW", [name_attr("")] + v[1:], E.EINVAL)
    bad("vip new: name with a space", "VIP_NEW", [name_attr("a b")] + v[1:],
        E.EINVAL)
    bad("vip new: name without NUL", "VIP_NEW",
        [nla(A["VIP_NAME"], b"abc")] + v[1:], E.EINVAL)
    bad("vip new: address of 3 bytes", "VIP_NEW",
        [v[0], nla(A["VIP_ADDR"], b"\x0a\x09\x00")] + v[2:], E.ERANGE)
    bad("vip new: address of 5 bytes", "VIP_NEW",
        [v[0], nla(A["VIP_ADDR"], b"\x0a\x09\x00\x01\x00")] + v[2:], E.EINVAL)
    bad("vip new: address of 17 bytes", "VIP_NEW",
        [v[0], nla(A["VIP_ADDR"], b"\x01" * 17)] + v[2:], E.ERANGE)
    bad("vip new: port 0", "VIP_NEW", v[:2] + [u16(A["VIP_PORT"], 0), v[3]],
        E.ERANGE)
    bad("vip new: port as 32 bits", "VIP_NEW",
        v[:2] + [u32(A["VIP_PORT"], 80), v[3]], E.EINVAL)
    bad("vip new: protocol ICMP", "VIP_NEW", v[:3] + [u8(A["VIP_PROTO"], 1)],
        E.EINVAL)
    bad("vip new: mode 3", "VIP_NEW", v + [u8(A["VIP_MODE"], 3)], E.ERANGE)
    bad("vip new: scheduler 4", "VIP_NEW", v + [u8(A["VIP_SCHED"], 4)],
        E.ERANGE)
    bad("vip new: snapshot 9 ms", "VIP_NEW",
        v + [u32(A["VIP_SNAPSHOT_MS"], 9)], E.ERANGE)
    bad("vip new: snapshot 60001 ms", "VIP_NEW",
        v + [u32(A["VIP_SNAPSHOT_MS"], 60001)], E.ERANGE)
    bad("vip new: reply-only id", "VIP_NEW", v + [u32(A["VIP_ID"], 1)],
        E.EINVAL)
    bad("vip new: unknown attribute 99", "VIP_NEW", v + [u32(99, 1)],
        E.EINVAL)
    bad("vip new: weights not for this command", "VIP_NEW", v + [weights(1)],
        E.EINVAL)
    bad("vip new: name in use", "VIP_NEW", [name_attr("base")] + v[1:],
        E.EEXIST)
    bad("vip new: service in use", "VIP_NEW",
        vip_attrs("other", "10.9.0.100"), E.EEXIST)
    bad("vip new: backend in use by base", "VIP_NEW",
        v + [nest(A["VIP_BACKENDS"],
                  nest(A["BACKEND"], *backend(None, "10.9.1.1", 80)))],
        E.EEXIST)
    bad("vip new: backend without port", "VIP_NEW",
        v + [nest(A["VIP_BACKENDS"],
                  nest(A["BACKEND"], *backend(None, "10.9.2.1")))],
        E.EINVAL, BA["PORT"])
    bad("vip new: IPv6 backend of an IPv4 VIP", "VIP_NEW",
        v + [nest(A["VIP_BACKENDS"],
                  nest(A["BACKEND"], *backend(None, "fd00::1", 80)))],
        E.EINVAL)
    bad("vip new: one column twice", "VIP_NEW",
        v + [nest(A["VIP_BACKENDS"],
                  nest(A["BACKEND"], *backend(1, "10.9.2.1", 80)),
                  nest(A["BACKEND"], *backend(1, "10.9.2.2", 80)))],
        E.EEXIST)
    bad("vip new: backend weight 65536", "VIP_NEW",
        v + [nest(A["VIP_BACKENDS"],
                  nest(A["BACKEND"], *backend(None, "10.9.2.1", 80, 65536)))],
        E.ERANGE)
    # VIP_DEL / VIP_GET / VIP_SET
    bad("vip del: no name", "VIP_DEL", [], E.EINVAL, A["VIP_NAME"])
    bad("vip del: unknown", "VIP_DEL", [name_attr("nope")], E.ENOENT)
    bad("vip del: extra attribute", "VIP_DEL", [name_attr(), v[1]], E.EINVAL)
    bad("vip get: unknown", "VIP_GET", [name_attr("nope")], E.ENOENT)
    bad("vip set: unknown", "VIP_SET",
        [name_attr("nope"), u8(A["VIP_MODE"], 1)], E.ENOENT)
    bad("vip set: address is fixed", "VIP_SET", [name_attr(), v[1]], E.EINVAL)
    bad("vip set: mode 7", "VIP_SET", [name_attr(), u8(A["VIP_MODE"], 7)],
        E.ERANGE)
    # BACKEND_*
    b_new = [name_attr()]
    bad("backend new: unknown VIP", "BACKEND_NEW",
        [name_attr("nope"), nest(A["BACKEND"], *backend(None, "10.9.2.1", 80))],
        E.ENOENT)
    bad("backend new: no backend", "BACKEND_NEW", b_new, E.EINVAL,
        A["BACKEND"])
    bad("backend new: no address", "BACKEND_NEW",
        b_new + [nest(A["BACKEND"], *backend(port=80))], E.EINVAL)
    bad("backend new: column 64", "BACKEND_NEW",
        b_new + [nest(A["BACKEND"], *backend(64, "10.9.2.1", 80))], E.ERANGE)
    bad("backend new: weight 65536", "BACKEND_NEW",
        b_new + [nest(A["BACKEND"], *backend(None, "10.9.2.1", 80, 65536))],
        E.ERANGE)
    bad("backend new: drain 2", "BACKEND_NEW",
        b_new + [nest(A["BACKEND"], *backend(None, "10.9.2.1", 80, 1, 2))],
        E.ERANGE)
    bad("backend new: column in use", "BACKEND_NEW",
        b_new + [nest(A["BACKEND"], *backend(0, "10.9.2.1", 80))], E.EEXIST)
    bad("backend new: address in use", "BACKEND_NEW",
        b_new + [nest(A["BACKEND"], *backend(None, "10.9.1.2", 80))],
        E.EEXIST)
    bad("backend new: IPv6 for an IPv4 VIP", "BACKEND_NEW",
        b_new + [nest(A["BACKEND"], *backend(None, "fd00::9", 80))], E.EINVAL)
    bad("backend new: not nested", "BACKEND_NEW",
        b_new + [nla(A["BACKEND"], u8(BA["COLUMN"], 3))], E.EINVAL)
    bad("backend del: empty column", "BACKEND_DEL",
        b_new + [nest(A["BACKEND"], *backend(1))], E.ENOENT)
    bad("backend del: unknown address", "BACKEND_DEL",
        b_new + [nest(A["BACKEND"], *backend(None, "10.9.9.9", 80))], E.ENOENT)
    bad("backend del: column and address disagree", "BACKEND_DEL",
        b_new + [nest(A["BACKEND"], *backend(0, "10.9.1.2", 80))], E.ENOENT)
    bad("backend del: with a weight", "BACKEND_DEL",
        b_new + [nest(A["BACKEND"], *backend(0, weight=3))], E.EINVAL)
    bad("backend del: neither column nor address", "BACKEND_DEL",
        b_new + [nest(A["BACKEND"])], E.EINVAL)
    bad("backend set: nothing to change", "BACKEND_SET",
        b_new + [nest(A["BACKEND"], *backend(0))], E.EINVAL)
    bad("backend set: empty column", "BACKEND_SET",
        b_new + [nest(A["BACKEND"], *backend(5, weight=1))], E.ENOENT)
    bad("backend set: weight 65536", "BACKEND_SET",
        b_new + [nest(A["BACKEND"], *backend(0, weight=65536))], E.ERANGE)
    # WEIGHTS_SET
    bad("weights: missing", "WEIGHTS_SET", b_new, E.EINVAL, A["VIP_WEIGHTS"])
    bad("weights: 6 bytes", "WEIGHTS_SET",
        b_new + [nla(A["VIP_WEIGHTS"], b"\1\0\0\0\1\0")], E.EINVAL)
    bad("weights: empty", "WEIGHTS_SET", b_new + [nla(A["VIP_WEIGHTS"], b"")],
        E.ERANGE)
    bad("weights: 65 of them", "WEIGHTS_SET", b_new + [weights(*[0] * 65)],
        E.ERANGE)
    bad("weights: 65536", "WEIGHTS_SET", b_new + [weights(65536, 0, 1)],
        E.ERANGE)
    bad("weights: column 2 not covered", "WEIGHTS_SET",
        b_new + [weights(1, 0)], E.EINVAL)
    bad("weights: weight for the empty column 1", "WEIGHTS_SET",
        b_new + [weights(1, 1, 1)], E.EINVAL)
    bad("weights: unknown VIP", "WEIGHTS_SET",
        [name_attr("nope"), weights(1)], E.ENOENT)
    # 64 columns, then ENOSPC (and the good path works).
    ok = True
    for i in range(62):
        err, ext, _ = nl.request(
            CMD["BACKEND_NEW"], name_attr(),
            nest(A["BACKEND"], *backend(None, "10.9.3.%d" % (i + 1), 80)))
        ok = ok and not err
    report("backend new: 62 more backends fill 64 columns", ok,
           "an add failed")
    full = nl.vips()
    report("dump shows 64 backends",
           len(full[0]["backends"]) == 64, "got %d" % len(full[0]["backends"]))
    expect(nl, "backend new: 65th backend", "BACKEND_NEW",
           b_new + [nest(A["BACKEND"], *backend(None, "10.9.4.1", 80))],
           E.ENOSPC, None, full)


def cases_eperm(nl):
    before = nl.vips()
    report("dump works without CAP_NET_ADMIN", len(before) >= 1,
           "no VIP seen: %s" % before)
    for cmd, attrs in [
            ("VIP_NEW", vip_attrs("p")),
            ("VIP_DEL", [name_attr()]),
            ("VIP_SET", [name_attr(), u8(A["VIP_MODE"], 1)]),
            ("BACKEND_NEW", [name_attr(),
                             nest(A["BACKEND"], *backend(None, "10.9.5.1",
                                                         80))]),
            ("BACKEND_DEL", [name_attr(), nest(A["BACKEND"], *backend(0))]),
            ("BACKEND_SET", [name_attr(), nest(A["BACKEND"],
                                               *backend(0, weight=5))]),
            ("WEIGHTS_SET", [name_attr(), weights(1, 0, 1)])]:
        expect(nl, "%s without CAP_NET_ADMIN" % cmd.lower(), cmd, attrs,
               errno.EPERM, None, before)


def cases_events(nl):
    sock = nl.subscribe()
    steps = [
        ("VIP_NEW", vip_attrs("ev", "10.9.8.1") +
         [nest(A["VIP_BACKENDS"],
               nest(A["BACKEND"], *backend(None, "10.9.8.10", 80)))]),
        ("BACKEND_NEW", [name_attr("ev"),
                         nest(A["BACKEND"], *backend(3, "10.9.8.11", 80, 4))]),
        ("BACKEND_SET", [name_attr("ev"),
                         nest(A["BACKEND"], *backend(3, drain=1))]),
        ("WEIGHTS_SET", [name_attr("ev"), weights(2, 0, 0, 5)]),
        ("VIP_SET", [name_attr("ev"), u8(A["VIP_SCHED"], 1)]),
        ("BACKEND_DEL", [name_attr("ev"), nest(A["BACKEND"], *backend(0))]),
        ("VIP_DEL", [name_attr("ev")]),
    ]
    for cmd, attrs in steps:
        err, ext, _ = nl.request(CMD[cmd], *attrs)
        if err:
            report("events: %s" % cmd, False, "%s %s" % (ERRNO.get(err), ext))
            return
    got = read_events(sock, 2.0)
    cmds = [c for c, _ in got]
    want = [CMD[c] for c, _ in steps]
    report("events: one per write, in order", cmds == want,
           "got %s want %s" % (cmds, want))
    if len(got) == len(steps):
        ws = {b["column"]: (b["weight"], b["drain"]) for b in got[3][1]["backends"]}
        report("events: weights event carries the new set",
               ws == {0: (2, False), 3: (5, True)}, "got %s" % ws)
        report("events: vip set event carries the scheduler",
               got[4][1]["sched"] == "sed", "got %s" % got[4][1])
        report("events: delete carries name and id",
               got[6][1]["name"] == "ev" and "addr" not in got[6][1],
               "got %s" % got[6][1])


def main():
    what = sys.argv[1]
    nl = Aquarius()
    if what == "bad":
        cases_bad(nl)
    elif what == "eperm":
        cases_eperm(nl)
    elif what == "events":
        cases_events(nl)
    elif what == "empty":
        v = nl.vips()
        report("no VIPs of other namespaces visible", v == [], "saw %s" % v)
    elif what == "create":
        err, ext, _ = nl.request(
            CMD["VIP_NEW"], *vip_attrs(sys.argv[2], sys.argv[3]),
            nest(A["VIP_BACKENDS"],
                 nest(A["BACKEND"], *backend(None, "10.9.7.1", 80))))
        report("create %s %s" % (sys.argv[2], sys.argv[3]), not err,
               "%s %s" % (ERRNO.get(err), ext))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
