#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks of aquariusd's shm objects (format: user/lib/aquarius_shm.h).

  shm_check.py compare VIP [--frames N] [--timeout S]
      The shm copy against the kernel region (mapped from /dev/aquarius at
      the offset of /proc/net/aquarius): N frames, each read under the
      sequence protocol from both with the same sequence number, must be
      equal byte for byte; the header equal but latest_seq; offered[] of
      the copy never ahead of the kernel's; the action area identified.
      Prints how far behind the copy was (in snapshots) at each sample.
  shm_check.py weights VIP W0 [W1 ...] [--expect ERRNO] [--timeout S]
      Write a request to the action area with the controller's protocol,
      wait for done_seq, print status and message; exit 0 iff the status
      is -ERRNO (0 by default).
  shm_check.py metrics URL VIP
      GET URL, check the text format (HELP/TYPE before samples, each family
      once) and compare n_packet and n_flow per backend with `aqctl -j show
      VIP` (the kernel's newest frame): exit 0 iff equal.
  shm_check.py prom PROM_URL VIP [--timeout S]
      Query a Prometheus server (HTTP API /api/v1/query) until the values
      it stored of aquarius_backend_{n_packet,n_flow}_total for VIP equal
      those of `aqctl -j show VIP` (traffic over: the counters are still),
      and up{job="aquariusd"} is 1; exit 1 at the timeout.
"""
import argparse
import errno
import json
import mmap
import os
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import region as rg  # noqa: E402

SHM_DIR = "/dev/shm"
PREFIX = "aquarius-"
ACTION_MAGIC = 0x43415141
ACTION_VERSION = 1
MAX_BACKENDS = rg.AQ_MAX_BACKENDS
# struct aq_shm_action
OFF_MAGIC, OFF_VERSION, OFF_SIZE, OFF_PID = 0, 4, 8, 12
OFF_MIRROR_TIME = 16
OFF_REQ_SEQ = 24
OFF_NR = 32
OFF_WEIGHTS = 40
OFF_DONE_SEQ = OFF_WEIGHTS + 4 * MAX_BACKENDS      # 296
OFF_STATUS = OFF_DONE_SEQ + 8
OFF_APPLIED = OFF_STATUS + 4
OFF_REJECTED = OFF_APPLIED + 4
OFF_MESSAGE = OFF_REJECTED + 8                      # 320
MSG_LEN = 128
ACTION_STRUCT_SIZE = OFF_MESSAGE + MSG_LEN          # 448
U32 = struct.Struct("<I")
S32 = struct.Struct("<i")
U64 = struct.Struct("<Q")


def fail(msg):
    print("FAIL: %s" % msg)
    sys.exit(1)


def open_shm(vip, write=False):
    path = os.path.join(SHM_DIR, PREFIX + vip)
    fd = os.open(path, os.O_RDWR if write else os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        prot = mmap.PROT_READ | (mmap.PROT_WRITE if write else 0)
        m = mmap.mmap(fd, size, flags=mmap.MAP_SHARED, prot=prot)
    finally:
        os.close(fd)
    r = rg.Region(m, size)
    return m, r, r.h["region_size"]


def open_kernel(vip):
    vips = rg.load_vips(rg.proc_path())
    v = rg.find_vip(vips, vip)
    return rg.open_region(v, rg.dev_path())


def frame_bytes(buf, h, n, tries=1000):
    """Frame n of a region under the protocol, or None if not there."""
    off = h["frames_offset"] + (n % h["nr_frames"]) * h["frame_size"]
    for _ in range(tries):
        s1 = U64.unpack_from(buf, off)[0]
        if s1 != n:
            if s1 == 0:
                continue        # being written
            return None
        data = bytes(buf[off:off + h["frame_size"]])
        s2 = U64.unpack_from(buf, off)[0]
        if s1 == s2 == n:
            return data
    return None


def cmd_compare(a):
    sm, sr, rsize = open_shm(a.vip)
    km, kr = open_kernel(a.vip)
    sh, kh = sr.h, kr.h
    if U32.unpack_from(sm, rsize + OFF_MAGIC)[0] != ACTION_MAGIC or \
       U32.unpack_from(sm, rsize + OFF_VERSION)[0] != ACTION_VERSION or \
       U32.unpack_from(sm, rsize + OFF_SIZE)[0] != ACTION_STRUCT_SIZE:
        fail("no action area at region_size %d" % rsize)
    if len(sm) < rsize + 4096:
        fail("object of %d bytes, want region_size + 4096" % len(sm))
    # The header but latest_seq (and a weights set changing meanwhile).
    ls = rg.LATEST_SEQ_OFF
    hs, hk = bytes(sm[:rg.HEADER_SIZE]), bytes(km[:rg.HEADER_SIZE])
    if hs[:ls] != hk[:ls] or hs[ls + 8:] != hk[ls + 8:]:
        diff = [i for i in range(rg.HEADER_SIZE) if hs[i] != hk[i]]
        fail("header differs at bytes %s" % diff[:16])
    matched, lags = 0, []
    deadline = time.monotonic() + a.timeout
    last = 0
    while matched < a.frames:
        if time.monotonic() > deadline:
            fail("%d of %d frames compared in %.0f s" % (matched, a.frames,
                                                          a.timeout))
        n = sr.latest_seq()
        k = kr.latest_seq()
        if n == 0 or n == last:
            time.sleep(kh["snapshot_interval_ns"] / 4e9)
            continue
        lags.append(k - n)
        fs = frame_bytes(sm, sh, n)
        fk = frame_bytes(km, kh, n)
        if fs is None or fk is None:
            continue            # overwritten meanwhile: try the next one
        if fs != fk:
            fail("frame %d differs between the copy and the kernel" % n)
        last = n
        matched += 1
    # offered[] of the copy is an earlier reading of the kernel's.
    for b in range(MAX_BACKENDS):
        for f in range(rg.NR_FEATURES):
            if sr.offered(b, f) > kr.offered(b, f):
                fail("offered[%d][%d] of the copy ahead of the kernel" % (b, f))
    print("%d frames equal (last %d); copy behind the kernel by %s snapshots"
          % (matched, last, lags))
    # Fresh: never more than 2 snapshots behind at a sample (1 interval, and
    # one more for the time between the two reads under TCG).
    if max(lags) > 2:
        fail("copy more than 2 snapshots behind the kernel: %s" % lags)


def cmd_weights(a):
    m, r, rsize = open_shm(a.vip, write=True)
    base = rsize
    s = U64.unpack_from(m, base + OFF_REQ_SEQ)[0]
    if s % 2:
        fail("request_seq %d is odd (another writer?)" % s)
    # x86 (the VM) keeps stores in order: the protocol's barriers are free.
    U64.pack_into(m, base + OFF_REQ_SEQ, s + 1)
    U32.pack_into(m, base + OFF_NR, len(a.weights))
    for i, w in enumerate(a.weights[:MAX_BACKENDS]):
        U32.pack_into(m, base + OFF_WEIGHTS + 4 * i, w & 0xffffffff)
    U64.pack_into(m, base + OFF_REQ_SEQ, s + 2)
    deadline = time.monotonic() + a.timeout
    while U64.unpack_from(m, base + OFF_DONE_SEQ)[0] != s + 2:
        if time.monotonic() > deadline:
            fail("request %d not answered in %.0f s (done_seq %d)" %
                 (s + 2, a.timeout, U64.unpack_from(m, base + OFF_DONE_SEQ)[0]))
        time.sleep(0.02)
    status = S32.unpack_from(m, base + OFF_STATUS)[0]
    msg = bytes(m[base + OFF_MESSAGE:base + OFF_MESSAGE + MSG_LEN]) \
        .split(b"\0")[0].decode()
    applied = U32.unpack_from(m, base + OFF_APPLIED)[0]
    rejected = U32.unpack_from(m, base + OFF_REJECTED)[0]
    print("request %d: status %d (%s) message %r applied %d rejected %d" %
          (s + 2, status, errno.errorcode.get(-status, "ok") if status else "ok",
           msg, applied, rejected))
    if status != -a.expect:
        fail("status %d, want %d" % (status, -a.expect))
    if a.expect and not msg:
        fail("a rejection without a message")


def parse_metrics(text):
    families, samples, fam, typed = set(), {}, None, False
    for line in text.splitlines():
        if line.startswith("# HELP "):
            fam = line.split()[2]
            if fam in families:
                fail("family %s twice" % fam)
            families.add(fam)
            typed = False
        elif line.startswith("# TYPE "):
            if line.split()[2] != fam or line.split()[3] not in ("counter", "gauge"):
                fail("bad TYPE line %r" % line)
            typed = True
        elif line:
            name = line.split("{")[0].split(" ")[0]
            if name != fam or not typed:
                fail("sample %r outside its family %s" % (line, fam))
            samples[line.rsplit(" ", 1)[0]] = line.rsplit(" ", 1)[1]
    return samples


def cmd_metrics(a):
    with urllib.request.urlopen(a.url, timeout=30) as resp:
        ctype = resp.headers.get("Content-Type", "")
        text = resp.read().decode()
    if not ctype.startswith("text/plain; version=0.0.4"):
        fail("Content-Type %r" % ctype)
    samples = parse_metrics(text)
    show = json.loads(subprocess.check_output([a.aqctl, "-j", "show", a.vip]))
    checked = 0
    for b in show["backends"]:
        ep = "%s:%d" % (b["addr"], b["port"]) if ":" not in b["addr"] else \
            "[%s]:%d" % (b["addr"], b["port"])
        for c in ("n_packet", "n_flow"):
            key = 'aquarius_backend_%s_total{vip="%s",backend="%s",column="%d"}' \
                % (c, a.vip, ep, b["column"])
            got = samples.get(key)
            if got is None or int(got) != int(b["counters"][c]):
                fail("%s: metric %s, aqctl %s" % (key, got, b["counters"][c]))
            checked += 1
    if not checked:
        fail("no backend to compare")
    print("%d metric families, %d samples; %d counters equal to aqctl -j show"
          % (len({k.split("{")[0] for k in samples}), len(samples), checked))


def prom_query(base, q):
    url = base.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=30) as resp:
        r = json.loads(resp.read().decode())
    if r.get("status") != "success":
        raise ValueError("query %r: %s" % (q, r))
    return r["data"]["result"]


def cmd_prom(a):
    deadline = time.monotonic() + a.timeout
    last = "no query yet"
    while time.monotonic() < deadline:
        try:
            up = prom_query(a.url, 'up{job="aquariusd"}')
            show = json.loads(subprocess.check_output([a.aqctl, "-j", "show", a.vip]))
            want = {}
            for b in show["backends"]:
                for c in ("n_packet", "n_flow"):
                    want[(c, str(b["column"]))] = int(b["counters"][c])
            got = {}
            for c in ("n_packet", "n_flow"):
                for r in prom_query(a.url, 'aquarius_backend_%s_total{vip="%s"}'
                                    % (c, a.vip)):
                    got[(c, r["metric"]["column"])] = int(float(r["value"][1]))
            if up and up[0]["value"][1] == "1" and got == want and want:
                print("Prometheus stored %d counters equal to aqctl -j show: %s"
                      % (len(want), sorted(want.items())))
                return
            last = "up %s; prometheus %s; aqctl %s" % (
                [u["value"][1] for u in up], sorted(got.items()),
                sorted(want.items()))
        except (OSError, ValueError, KeyError) as e:
            last = "%s: %s" % (type(e).__name__, e)
        time.sleep(1)
    fail("after %.0f s: %s" % (a.timeout, last))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare")
    c.add_argument("vip")
    c.add_argument("--frames", type=int, default=5)
    c.add_argument("--timeout", type=float, default=60)
    w = sub.add_parser("weights")
    w.add_argument("vip")
    w.add_argument("weights", type=int, nargs="*")
    w.add_argument("--expect", type=int, default=0, help="errno expected")
    w.add_argument("--timeout", type=float, default=20)
    m = sub.add_parser("metrics")
    m.add_argument("url")
    m.add_argument("vip")
    m.add_argument("--aqctl", default="aqctl")
    q = sub.add_parser("prom")
    q.add_argument("url")
    q.add_argument("vip")
    q.add_argument("--aqctl", default="aqctl")
    q.add_argument("--timeout", type=float, default=120)
    a = p.parse_args()
    try:
        {"compare": cmd_compare, "weights": cmd_weights,
         "metrics": cmd_metrics, "prom": cmd_prom}[a.cmd](a)
    except (OSError, rg.RegionError, ValueError, KeyError) as e:
        fail("%s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    main()
