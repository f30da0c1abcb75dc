#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Probes of the read-only export of /dev/aquarius, one per invocation.

  mmap_check.py [--proc P] [--dev D] PROBE VIP [options]

Each probe prints one line of detail and exits 0 when the device behaved as
the uapi header says, 1 when it did not, 2 on a usage or setup error.

  map-ro            mmap(PROT_READ, MAP_SHARED) of the whole region works;
                    magic, version and name are right
  layout            the header describes the VIP as configured (--slots,
                    --interval-ns, --addr, --port, --proto, --backend
                    COL=ADDR:PORT ...) and its layout is sane
  seq-advances      snapshots are published: latest_seq and the frame time
                    advance
  write-shared      PROT_WRITE|MAP_SHARED on an O_RDONLY fd fails (EACCES/EPERM)
  write-rdwr        O_RDWR open is refused, or PROT_WRITE|MAP_SHARED on it
                    fails with EACCES/EPERM
  write-private     PROT_WRITE|MAP_PRIVATE fails with EACCES/EPERM
  mprotect-shared   mprotect(PROT_READ|PROT_WRITE) of a shared read-only
                    mapping fails with EACCES
  mprotect-private  the same for a private read-only mapping (or such a
                    mapping is refused altogether)
  store-faults      a store into a read-only mapping kills a child with
                    SIGSEGV/SIGBUS and leaves the region unchanged
  bad-offset        offsets where no VIP is listed cannot be mapped
  too-large         a length larger than the region cannot be mapped
  hold              map, then (--close-fd) close the fd, create --ready,
                    wait for --go (at most --wait s), then check the mapping
                    is still readable (magic, name) and unmap
"""
import argparse
import ctypes
import errno
import mmap
import os
import resource
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import region as R  # noqa: E402  (our own reader, not libaquarius)

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.munmap.restype = ctypes.c_int
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.mprotect.restype = ctypes.c_int
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
MAP_FAILED = ctypes.c_void_p(-1).value
PAGE = mmap.PAGESIZE
DENIED = (errno.EACCES, errno.EPERM)


class MapError(OSError):
    pass


def cmap(fd, length, prot, flags, offset):
    """mmap through libc; returns the address or raises OSError(errno)."""
    addr = libc.mmap(None, length, prot, flags, fd, offset)
    if addr in (None, MAP_FAILED):
        e = ctypes.get_errno()
        raise MapError(e, os.strerror(e))
    return addr


def errname(e):
    return errno.errorcode.get(e, str(e))


def header_of(addr):
    """magic, version, name, latest_seq read from live mapped memory."""
    raw = ctypes.string_at(addr, R.HEADER_SIZE)
    v = R.HDR_FIXED.unpack_from(raw, 0)
    return {"magic": v[0], "version": v[1], "latest_seq": v[16],
            "name": R.cstr(v[17])}


def header_ok(addr, name):
    h = header_of(addr)
    ok = (h["magic"] == R.AQ_REGION_MAGIC and
          h["version"] == R.AQ_LAYOUT_VERSION and h["name"] == name)
    return ok, "magic %#x version %d name %r latest_seq %d" % (
        h["magic"], h["version"], h["name"], h["latest_seq"])


# ---- probes --------------------------------------------------------------------
def p_map_ro(a, vip):
    fd = os.open(a.dev, os.O_RDONLY)
    try:
        addr = cmap(fd, vip["size"], mmap.PROT_READ, mmap.MAP_SHARED,
                    vip["offset"])
    finally:
        os.close(fd)
    ok, detail = header_ok(addr, vip["name"])
    libc.munmap(addr, vip["size"])
    return ok, "offset %d size %d: %s" % (vip["offset"], vip["size"], detail)


def p_layout(a, vip):
    m, r = R.open_region(vip, a.dev)   # validates magic, sizes, offsets
    h = r.h
    bad = list(r.names_check())

    def want(what, got, exp):
        if exp is not None and got != exp:
            bad.append("%s is %r, want %r" % (what, got, exp))
    want("region_size", h["region_size"], vip["size"])
    want("region_size % PAGE", h["region_size"] % PAGE, 0)
    want("nr_frames", h["nr_frames"], R.AQ_NR_FRAMES)
    want("nr_slots", h["nr_slots"], a.slots)
    want("snapshot_interval_ns", h["snapshot_interval_ns"], a.interval_ns)
    want("name", h["name"], vip["name"])
    want("vip_proto", R.PROTO_NAMES.get(h["vip_proto"]), a.proto)
    fam = {"4": socket.AF_INET, "6": socket.AF_INET6}.get(a.family)
    want("vip_family", h["vip_family"], fam)
    want("vip_addr", h["vip_addr"], a.addr)
    want("vip_port", h["vip_port"], a.port)
    if h["epoch_ns"] > R.monotonic_ns():
        bad.append("epoch_ns is in the future")
    # the header's addr/port of the VIP also match the discovery line
    want("vip addr vs /proc", h["vip_addr"],
         socket.inet_ntop(h["vip_family"], socket.inet_pton(
             h["vip_family"], vip["addr"])) if h["vip_family"] else None)
    cols = {}
    for spec in a.backend or []:
        col, _, ep = spec.partition("=")
        host, port = ep.rsplit(":", 1)
        cols[int(col)] = (host.strip("[]"), int(port))
    for col, (host, port) in cols.items():
        d = r.backends[col]
        want("backend %d addr" % col, d["addr"], host)
        want("backend %d port" % col, d["port"], port)
    for d in r.backends:
        if d["column"] not in cols and cols and d["family"]:
            bad.append("backend %d configured but not expected" % d["column"])
    listed = {b["column"]: b for b in vip["backends"]}
    for d in r.backends:
        if d["family"] and d["column"] not in listed:
            bad.append("backend %d not in /proc" % d["column"])
    for col, b in listed.items():
        if r.backends[col]["port"] != b["port"]:
            bad.append("backend %d port differs from /proc" % col)
    fr = r.frame()
    if fr is not None:
        for col, b in listed.items():
            if bool(fr["active"] >> col & 1) != b["active"]:
                bad.append("backend %d active bit differs from /proc" % col)
    m.close()
    return not bad, "; ".join(bad) if bad else (
        "header_size %d region %d slots %d interval %d ns frames@%d+%dx%d "
        "offered@%d slots@%d" % (h["header_size"], h["region_size"],
                                 h["nr_slots"], h["snapshot_interval_ns"],
                                 h["frames_offset"], h["nr_frames"],
                                 h["frame_size"], h["offered_offset"],
                                 h["slots_offset"]))


def p_seq_advances(a, vip):
    m, r = R.open_region(vip, a.dev)
    f1 = r.frame()
    s1 = f1["seq"] if f1 else 0
    t1 = f1["time_ns"] if f1 else 0
    interval = r.h["snapshot_interval_ns"] / 1e9
    deadline = time.monotonic() + max(5, 20 * interval)
    while time.monotonic() < deadline:
        time.sleep(interval)
        f2 = r.frame()
        if f2 and f2["seq"] >= s1 + 2:
            ok = f2["time_ns"] > t1 and f2["time_ns"] <= R.monotonic_ns()
            m.close()
            return ok, "seq %d -> %d, frame time +%.1f ms" % (
                s1, f2["seq"], (f2["time_ns"] - t1) / 1e6)
    s2 = r.latest_seq()
    m.close()
    return False, "latest_seq stuck at %d (was %d)" % (s2, s1)


def expect_denied(fn, what):
    try:
        addr = fn()
    except OSError as e:
        return e.errno in DENIED, "%s: %s" % (what, errname(e.errno))
    libc.munmap(addr, PAGE)
    return False, "%s succeeded" % what


def p_write_shared(a, vip):
    fd = os.open(a.dev, os.O_RDONLY)
    try:
        return expect_denied(lambda: cmap(
            fd, vip["size"], mmap.PROT_READ | mmap.PROT_WRITE,
            mmap.MAP_SHARED, vip["offset"]), "O_RDONLY PROT_WRITE MAP_SHARED")
    finally:
        os.close(fd)


def p_write_rdwr(a, vip):
    try:
        fd = os.open(a.dev, os.O_RDWR)
    except OSError as e:
        return e.errno in DENIED, "open O_RDWR: %s" % errname(e.errno)
    try:
        return expect_denied(lambda: cmap(
            fd, vip["size"], mmap.PROT_READ | mmap.PROT_WRITE,
            mmap.MAP_SHARED, vip["offset"]), "O_RDWR PROT_WRITE MAP_SHARED")
    finally:
        os.close(fd)


def p_write_private(a, vip):
    fd = os.open(a.dev, os.O_RDONLY)
    try:
        return expect_denied(lambda: cmap(
            fd, vip["size"], mmap.PROT_READ | mmap.PROT_WRITE,
            mmap.MAP_PRIVATE, vip["offset"]), "PROT_WRITE MAP_PRIVATE")
    finally:
        os.close(fd)


def mprotect_probe(a, vip, flags, what):
    fd = os.open(a.dev, os.O_RDONLY)
    try:
        try:
            addr = cmap(fd, vip["size"], mmap.PROT_READ, flags, vip["offset"])
        except OSError as e:
            if flags == mmap.MAP_PRIVATE:
                return True, "%s mapping refused: %s" % (what, errname(e.errno))
            raise
    finally:
        os.close(fd)
    rc = libc.mprotect(addr, vip["size"], mmap.PROT_READ | mmap.PROT_WRITE)
    e = ctypes.get_errno()
    ok_hdr, detail = header_ok(addr, vip["name"])
    libc.munmap(addr, vip["size"])
    if rc == 0:
        return False, "%s: mprotect(PROT_WRITE) succeeded" % what
    return e == errno.EACCES and ok_hdr, "%s: mprotect(PROT_WRITE): %s; %s" % (
        what, errname(e), detail)


def p_mprotect_shared(a, vip):
    return mprotect_probe(a, vip, mmap.MAP_SHARED, "MAP_SHARED")


def p_mprotect_private(a, vip):
    return mprotect_probe(a, vip, mmap.MAP_PRIVATE, "MAP_PRIVATE")


def p_store_faults(a, vip):
    before = header_of_mapped(a, vip)
    cmd = [sys.executable, os.path.abspath(__file__), "--proc", a.proc,
           "--dev", a.dev, "_store", vip["name"]]
    r = subprocess.run(cmd, capture_output=True, timeout=60,
                       preexec_fn=lambda: resource.setrlimit(
                           resource.RLIMIT_CORE, (0, 0)))
    after = header_of_mapped(a, vip)
    died = r.returncode in (-signal.SIGSEGV, -signal.SIGBUS)
    same = before["magic"] == after["magic"] == R.AQ_REGION_MAGIC
    return died and same, "child exit %d (%s), magic %#x -> %#x" % (
        r.returncode, "signal %s" % signal.Signals(-r.returncode).name
        if r.returncode < 0 else "no signal", before["magic"], after["magic"])


def header_of_mapped(a, vip):
    fd = os.open(a.dev, os.O_RDONLY)
    try:
        addr = cmap(fd, PAGE, mmap.PROT_READ, mmap.MAP_SHARED, vip["offset"])
    finally:
        os.close(fd)
    h = header_of(addr)
    libc.munmap(addr, PAGE)
    return h


def p__store(a, vip):
    """Child of store-faults: store into the read-only mapping."""
    fd = os.open(a.dev, os.O_RDONLY)
    addr = cmap(fd, PAGE, mmap.PROT_READ, mmap.MAP_SHARED, vip["offset"])
    os.close(fd)
    ctypes.memset(addr, 0, 4)     # must not return
    return False, "store into a read-only mapping succeeded"


def p_bad_offset(a, vip):
    vips = R.load_vips(a.proc)
    end = max(v["offset"] + v["size"] for v in vips)
    end = (end + PAGE - 1) // PAGE * PAGE
    taken = {v["offset"] for v in vips}
    offsets = [end, end + 16 * PAGE, 1 << 40]
    offsets = [o for o in offsets if o not in taken]
    fd = os.open(a.dev, os.O_RDONLY)
    res = []
    ok = True
    try:
        for off in offsets:
            try:
                addr = cmap(fd, PAGE, mmap.PROT_READ, mmap.MAP_SHARED, off)
            except OSError as e:
                res.append("%#x: %s" % (off, errname(e.errno)))
                continue
            libc.munmap(addr, PAGE)
            ok = False
            res.append("%#x: mapped" % off)
    finally:
        os.close(fd)
    return ok, ", ".join(res)


def p_too_large(a, vip):
    fd = os.open(a.dev, os.O_RDONLY)
    res = []
    ok = True
    try:
        for extra in (PAGE, 64 * PAGE):
            try:
                addr = cmap(fd, vip["size"] + extra, mmap.PROT_READ,
                            mmap.MAP_SHARED, vip["offset"])
            except OSError as e:
                res.append("size+%d: %s" % (extra, errname(e.errno)))
                continue
            libc.munmap(addr, vip["size"] + extra)
            ok = False
            res.append("size+%d: mapped" % extra)
    finally:
        os.close(fd)
    return ok, ", ".join(res)


def p_hold(a, vip):
    fd = os.open(a.dev, os.O_RDONLY)
    addr = cmap(fd, vip["size"], mmap.PROT_READ, mmap.MAP_SHARED,
                vip["offset"])
    if a.close_fd:
        os.close(fd)
    ok1, d1 = header_ok(addr, vip["name"])
    with open(a.ready, "w") as f:
        f.write("%d\n" % os.getpid())
    deadline = time.monotonic() + a.wait
    while not os.path.exists(a.go):
        if time.monotonic() > deadline:
            return False, "no --go within %d s" % a.wait
        time.sleep(0.05)
    # Read the whole region once, not only the header: all of it must
    # still be backed by memory.
    ctypes.string_at(addr, vip["size"])
    ok2, d2 = header_ok(addr, vip["name"])
    rc = libc.munmap(addr, vip["size"])
    if not a.close_fd:
        os.close(fd)
    return ok1 and ok2 and rc == 0, "before: %s; after: %s; munmap %d" % (
        d1, d2, rc)


PROBES = {
    "map-ro": p_map_ro, "layout": p_layout, "seq-advances": p_seq_advances,
    "write-shared": p_write_shared, "write-rdwr": p_write_rdwr,
    "write-private": p_write_private, "mprotect-shared": p_mprotect_shared,
    "mprotect-private": p_mprotect_private, "store-faults": p_store_faults,
    "bad-offset": p_bad_offset, "too-large": p_too_large, "hold": p_hold,
    "_store": p__store,
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__)
    p.add_argument("--proc")
    p.add_argument("--dev")
    p.add_argument("probe", choices=sorted(PROBES))
    p.add_argument("vip")
    p.add_argument("--slots", type=int)
    p.add_argument("--interval-ns", type=int)
    p.add_argument("--proto", choices=("tcp", "udp"))
    p.add_argument("--family", choices=("4", "6"))
    p.add_argument("--addr")
    p.add_argument("--port", type=int)
    p.add_argument("--backend", action="append", help="COL=ADDR:PORT")
    p.add_argument("--ready")
    p.add_argument("--go")
    p.add_argument("--wait", type=int, default=120)
    p.add_argument("--close-fd", action="store_true")
    a = p.parse_args(argv)
    a.proc = R.proc_path(a.proc)
    a.dev = R.dev_path(a.dev)
    if a.probe == "hold" and not (a.ready and a.go):
        p.error("hold needs --ready and --go")
    try:
        vip = R.find_vip(R.load_vips(a.proc), a.vip)
        ok, detail = PROBES[a.probe](a, vip)
    except (OSError, R.RegionError, ValueError, subprocess.SubprocessError) as e:
        print("%s: %s" % (a.probe, e))
        return 2 if not isinstance(e, MapError) else 1
    print("%s: %s" % (a.probe, detail))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
