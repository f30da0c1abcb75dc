#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Permission and range checks of /dev/aquarius, one line per case:

    PASS <name>: <detail>     or     FAIL <name>: <detail>

  perm_check.py reader VIP     as an unprivileged user, with the device's
                               mode 0444: open read-only and map VIP (its
                               header names it); open for writing, map
                               with PROT_WRITE, mprotect to write: EACCES
  perm_check.py no-open        the device is not readable to this user:
                               open fails with EACCES
  perm_check.py writer VIP     as root with an O_RDWR descriptor: PROT_WRITE
                               shared or private, a later mprotect to write
                               (shared or private): EACCES; mremap to grow
                               past the region fails
  perm_check.py ranges VIP     misaligned offsets (EINVAL), offsets inside a
                               region or of no VIP (ENXIO), a length past
                               the region or spanning into the next
                               region, length 0 (EINVAL); a part of the
                               region maps
  perm_check.py foreign OFFSET...   in another network namespace: no VIP in
                               /proc/net/aquarius, an empty dump, and every
                               OFFSET (the host's regions) fails with ENXIO
  perm_check.py own VIP        the region at VIP's offset is VIP's (its
                               header names it)

Exits 0 if every case passed.
"""
import ctypes
import errno
import mmap
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
import region as R  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
libc.mremap.restype = ctypes.c_void_p
libc.mremap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t,
                        ctypes.c_int]
FAILED = ctypes.c_void_p(-1).value
PAGE = mmap.PAGESIZE
MREMAP_MAYMOVE = 1
DEV = os.environ.get("AQUARIUS_DEV", R.AQ_DEVICE_PATH)
PROC = os.environ.get("AQUARIUS_PROC", R.AQ_PROC_PATH)
results = []


def report(name, ok, detail=""):
    results.append(ok)
    print("%s %s: %s" % ("PASS" if ok else "FAIL", name, detail), flush=True)


def en(e):
    return errno.errorcode.get(e, str(e)) if e else "success"


def try_map(fd, length, prot, flags, off):
    """(address or None, errno)."""
    addr = libc.mmap(None, length, prot, flags, fd, off)
    if addr in (None, FAILED):
        return None, ctypes.get_errno()
    return addr, 0


def header(addr):
    v = R.HDR_FIXED.unpack_from(ctypes.string_at(addr, R.HDR_FIXED.size), 0)
    return v[0], R.cstr(v[17])


def expect_map_fails(name, fd, length, prot, flags, off, want):
    addr, e = try_map(fd, length, prot, flags, off)
    if addr is not None:
        libc.munmap(addr, length)
    ok = addr is None and (want is None or e in want)
    report(name, ok, "offset %#x length %#x: %s (want %s)" % (
        off, length, en(e), "/".join(en(w) for w in want) if want else
        "an error"))


def expect_open_fails(name, flags, want):
    try:
        fd = os.open(DEV, flags)
    except OSError as e:
        report(name, e.errno == want, "%s (want %s)" % (en(e.errno), en(want)))
        return
    os.close(fd)
    report(name, False, "opened (want %s)" % en(want))


def vip_of(name):
    return R.find_vip(R.load_vips(PROC), name)


def map_reads(name, fd, vip, length=None):
    length = length or vip["size"]
    addr, e = try_map(fd, length, mmap.PROT_READ, mmap.MAP_SHARED,
                      vip["offset"])
    if addr is None:
        report(name, False, "mmap: %s" % en(e))
        return None
    magic, vname = header(addr)
    report(name, magic == R.AQ_REGION_MAGIC and vname == vip["name"],
           "magic %#x name %r at offset %#x" % (magic, vname, vip["offset"]))
    return addr


def mprotect_fails(name, fd, vip, flags):
    addr, e = try_map(fd, PAGE, mmap.PROT_READ, flags, vip["offset"])
    if addr is None:
        report(name, False, "read-only mmap: %s" % en(e))
        return
    r = libc.mprotect(addr, PAGE, mmap.PROT_READ | mmap.PROT_WRITE)
    e = ctypes.get_errno() if r else 0
    libc.munmap(addr, PAGE)
    report(name, r != 0 and e == errno.EACCES, "%s (want EACCES)" % en(e))


def c_reader(vipname):
    vip = vip_of(vipname)
    st = os.stat(DEV)
    report("device mode is 0444, owned by root",
           (st.st_mode & 0o7777) == 0o444 and st.st_uid == 0,
           "mode %o uid %d" % (st.st_mode & 0o7777, st.st_uid))
    fd = os.open(DEV, os.O_RDONLY)
    report("unprivileged open read-only", True, "uid %d" % os.getuid())
    addr = map_reads("unprivileged reader maps and reads the region", fd, vip)
    if addr:
        libc.munmap(addr, vip["size"])
    expect_open_fails("unprivileged open read-write", os.O_RDWR, errno.EACCES)
    expect_open_fails("unprivileged open write-only", os.O_WRONLY,
                      errno.EACCES)
    expect_map_fails("unprivileged PROT_WRITE shared", fd, PAGE,
                     mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED,
                     vip["offset"], (errno.EACCES,))
    expect_map_fails("unprivileged PROT_WRITE private", fd, PAGE,
                     mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE,
                     vip["offset"], (errno.EACCES,))
    mprotect_fails("unprivileged mprotect to write (shared)", fd, vip,
                   mmap.MAP_SHARED)
    os.close(fd)


def c_no_open(_args=None):
    expect_open_fails("open read-only without read permission",
                      os.O_RDONLY, errno.EACCES)


def c_writer(vipname):
    vip = vip_of(vipname)
    fd = os.open(DEV, os.O_RDWR)
    expect_map_fails("PROT_WRITE shared on an O_RDWR descriptor", fd, PAGE,
                     mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED,
                     vip["offset"], (errno.EACCES,))
    expect_map_fails("PROT_WRITE private on an O_RDWR descriptor", fd, PAGE,
                     mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE,
                     vip["offset"], (errno.EACCES,))
    expect_map_fails("PROT_WRITE only", fd, PAGE, mmap.PROT_WRITE,
                     mmap.MAP_SHARED, vip["offset"], (errno.EACCES,))
    mprotect_fails("mprotect to write, shared mapping", fd, vip,
                   mmap.MAP_SHARED)
    mprotect_fails("mprotect to write, private mapping", fd, vip,
                   mmap.MAP_PRIVATE)
    addr, e = try_map(fd, PAGE, mmap.PROT_READ, mmap.MAP_SHARED, vip["offset"])
    if addr is None:
        report("mremap past the region", False, "mmap: %s" % en(e))
    else:
        grown = vip["size"] + PAGE
        n = libc.mremap(addr, PAGE, grown, MREMAP_MAYMOVE)
        if n in (None, FAILED):
            e = ctypes.get_errno()
            libc.munmap(addr, PAGE)
            report("mremap past the region", True, "%s" % en(e))
        else:
            libc.munmap(n, grown)
            report("mremap past the region", False, "grew to %#x" % grown)
    os.close(fd)


def c_ranges(vipname):
    vips = R.load_vips(PROC)
    vip = R.find_vip(vips, vipname)
    off, size = vip["offset"], vip["size"]
    taken = {v["offset"] for v in vips}
    shift = 32
    free_id = min(i for i in range(1, 257) if (i << shift) not in taken)
    fd = os.open(DEV, os.O_RDONLY)
    for d in (1, 100, PAGE // 2):
        expect_map_fails("offset not page aligned (+%d)" % d, fd, PAGE,
                         mmap.PROT_READ, mmap.MAP_SHARED, off + d,
                         (errno.EINVAL,))
    for d in (PAGE, size - PAGE, size, 1 << 20):
        expect_map_fails("offset inside or just past the region (+%#x)" % d,
                         fd, PAGE, mmap.PROT_READ, mmap.MAP_SHARED, off + d,
                         (errno.ENXIO,))
    for i in (free_id, 255, 256, 1 << 20):
        expect_map_fails("offset of no VIP (id %d)" % i, fd, PAGE,
                         mmap.PROT_READ, mmap.MAP_SHARED, i << shift,
                         (errno.ENXIO,))
    expect_map_fails("offset 2^62", fd, PAGE, mmap.PROT_READ,
                     mmap.MAP_SHARED, 1 << 62, None)
    expect_map_fails("length of the region + 1 page", fd, size + PAGE,
                     mmap.PROT_READ, mmap.MAP_SHARED, off, (errno.EINVAL,))
    others = sorted(o for o in taken if o > off)
    if others:
        span = others[0] - off + PAGE
        expect_map_fails("length spanning into the next region", fd, span,
                         mmap.PROT_READ, mmap.MAP_SHARED, off,
                         (errno.EINVAL,))
    else:
        print("# no region after %s: no spanning case" % vipname)
    expect_map_fails("length 0", fd, 0, mmap.PROT_READ, mmap.MAP_SHARED,
                     off, (errno.EINVAL,))
    addr = map_reads("the first page alone maps", fd, vip, PAGE)
    if addr:
        libc.munmap(addr, PAGE)
    os.close(fd)


def c_foreign(offsets):
    with open(PROC) as f:
        lines = [x for x in f.read().splitlines() if x.startswith("vip ")]
    report("no VIP in this namespace's %s" % PROC, not lines, repr(lines[:3]))
    from genl import Aquarius
    vips = Aquarius().vips()
    report("the netlink dump of this namespace is empty", not vips,
           repr([v["name"] for v in vips]))
    fd = os.open(DEV, os.O_RDONLY)
    for o in offsets:
        expect_map_fails("the host's region at %#x cannot be mapped" % o, fd,
                         PAGE, mmap.PROT_READ, mmap.MAP_SHARED, o,
                         (errno.ENXIO,))
    os.close(fd)


def c_own(vipname):
    vip = vip_of(vipname)
    fd = os.open(DEV, os.O_RDONLY)
    addr = map_reads("offset %#x maps this namespace's %s" % (
        vip["offset"], vipname), fd, vip)
    if addr:
        libc.munmap(addr, vip["size"])
    os.close(fd)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        if cmd == "reader":
            c_reader(args[0])
        elif cmd == "no-open":
            c_no_open()
        elif cmd == "writer":
            c_writer(args[0])
        elif cmd == "ranges":
            c_ranges(args[0])
        elif cmd == "foreign":
            c_foreign([int(x, 0) for x in args])
        elif cmd == "own":
            c_own(args[0])
        else:
            sys.exit(__doc__)
    except (OSError, R.RegionError, struct.error) as e:
        report("%s %s" % (cmd, " ".join(args)), False, "error: %s" % e)
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
