#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Read an aquarius region with nothing but the uapi header's layout.

This reader deliberately does not use libaquarius: it re-derives the layout
of uapi/linux/aquarius.h with the struct module, so the selftests cross-check
the kernel's export, the header and the C library against each other.

  region.py [--proc P] [--dev D] list
  region.py [--proc P] [--dev D] show VIP [--settle K] [--until EXPR]
            [--timeout S] [--values FEAT,...] [--shell]
  region.py [--proc P] [--dev D] watch VIP --out FILE [--every S]
            [--stop FILE]

show prints JSON (or, with --shell, NAME=VALUE lines for `eval`): the header,
one consistent counter frame (the seqlock protocol of the header), and per
configured backend column its counters, and per feature the offered count and
the non-empty reservoir slots as [time_ms, value] pairs.

--until EXPR   re-read on every new snapshot until EXPR (a Python expression
               over the --shell names, e.g. 'TOT_N_FCT >= 200') is true
--settle K     then wait until K more snapshots have been published
--timeout S    bound on both waits (default 30); on expiry the last state is
               still printed, with UNTIL_MET=0 / SETTLED=0, and the exit
               status is 3
watch samples the counters every S seconds (default 1) from one mapping,
with the kernel's Slab, SUnreclaim and VmallocUsed (/proc/meminfo, kB),
until the --stop file exists or SIGTERM; after each sample it replaces FILE
(write and rename) with NAME=VALUE lines for `.` in a shell: the --shell
counter names (B<col>_<COUNTER>, TOT_<COUNTER>), SLAB, SUNRECLAIM,
VMALLOCUSED, the maxima seen so far as PEAK_TOT_N_FLOW_ON, PEAK_SLAB,
PEAK_SUNRECLAIM, PEAK_VMALLOCUSED, SAMPLES and MONO_MS (CLOCK_MONOTONIC
of the sample, ms). One process for a whole
flood: under emulation a process start costs about a second of CPU.

Environment: AQUARIUS_PROC and AQUARIUS_DEV override the two paths.
Exit status: 0 ok, 1 error (message on stderr), 3 wait timed out.
"""
import argparse
import json
import mmap
import os
import shlex
import socket
import statistics
import struct
import sys
import time

# ---- uapi/linux/aquarius.h ------------------------------------------------
AQ_REGION_MAGIC = 0x41515541
AQ_LAYOUT_VERSION = 2
AQ_MAX_BACKENDS = 64
AQ_NAME_LEN = 32
AQ_NR_FRAMES = 4
AQ_DEVICE_PATH = "/dev/aquarius"
AQ_PROC_PATH = "/proc/net/aquarius"
AQ_FIELD_SIGNED = 1 << 0
AQ_FIELD_TCP_ONLY = 1 << 1

# enum aq_counter, enum aq_vip_counter, enum aq_feature, in order; the
# names are the enumerators without their prefix, lower case.
COUNTERS = ["n_packet", "n_flow", "n_fct", "n_flow_on", "n_cls", "n_ooo",
            "n_dpk", "n_rtr"]
VIP_COUNTERS = ["malformed", "fragment", "other", "dropped"]
FEATURES = ["byte_p", "byte_f_on", "byte_f", "iat_f", "iat_p", "iat_ppf",
            "flow_duration", "fct", "win", "d_win", "lat_synack", "pt_1st",
            "pt_gen"]
# Units as documented beside enum aq_feature.
FEATURE_UNITS = ["B", "B", "B", "us", "us", "us", "us", "us", "B", "B", "us",
                 "us", "us"]
SIGNED_FEATURES = {"d_win"}          # "change of that window (signed)"
SIGNED_COUNTERS = {"n_flow_on"}      # "(as a signed 64-bit value)"
NR_COUNTERS = len(COUNTERS)
NR_VIP_COUNTERS = len(VIP_COUNTERS)
NR_FEATURES = len(FEATURES)

# struct aq_region_header: the fixed part up to backends[]
#   14 x __u32 magic..slots_offset, 3 x __u64 epoch_ns, snapshot_interval_ns,
#   latest_seq, char name[32], __u8 vip_addr[16], __u16 vip_port,
#   __u8 vip_family, __u8 vip_proto, __u32 reserved
HDR_FIXED = struct.Struct("<14I3Q32s16sHBBI")
HDR_U32 = ["magic", "version", "header_size", "region_size", "nr_backends",
           "nr_slots", "nr_counters", "nr_vip_counters", "nr_features",
           "nr_frames", "frames_offset", "frame_size", "offered_offset",
           "slots_offset"]
LATEST_SEQ_OFF = 14 * 4 + 2 * 8                  # 72
BACKEND_DESC = struct.Struct("<16sHB5x")         # struct aq_backend_desc
FIELD_DESC = struct.Struct("<16s8sII")           # struct aq_field_desc
# mode, sched, reserved2, weights_seq, draining, weights[64] (version 2)
HDR_LB = struct.Struct("<BBHIQ%dI" % AQ_MAX_BACKENDS)
HEADER_SIZE = (HDR_FIXED.size + AQ_MAX_BACKENDS * BACKEND_DESC.size +
               (NR_COUNTERS + NR_VIP_COUNTERS + NR_FEATURES) * FIELD_DESC.size +
               HDR_LB.size)
# struct aq_frame
FRAME = struct.Struct("<3Q%dQ%dQ" % (NR_VIP_COUNTERS,
                                    AQ_MAX_BACKENDS * NR_COUNTERS))
U64 = struct.Struct("<Q")

assert HDR_FIXED.size == 136 and BACKEND_DESC.size == 24
assert FIELD_DESC.size == 32 and HEADER_SIZE == 2744 and FRAME.size == 4152

AF_INET, AF_INET6 = socket.AF_INET, socket.AF_INET6
PROTO_NAMES = {6: "tcp", 17: "udp"}


class RegionError(Exception):
    pass


# ---- discovery ---------------------------------------------------------------
def parse_proc(text):
    """The discovery format of the uapi header, strictly."""
    vips = []
    for lineno, line in enumerate(text.splitlines(), 1):
        tok = line.split()
        if not tok:
            continue
        if tok[0] == "vip":
            if len(tok) != 9 or tok[5] != "offset" or tok[7] != "size":
                raise RegionError("line %d: bad vip line: %r" % (lineno, line))
            vips.append({"name": tok[1], "proto": tok[2], "addr": tok[3],
                         "port": int(tok[4], 10), "offset": int(tok[6], 0),
                         "size": int(tok[8], 0), "backends": []})
        elif tok[0] == "backend":
            if not vips or len(tok) != 5 or tok[4] not in ("active",
                                                           "inactive"):
                raise RegionError("line %d: bad backend line: %r" %
                                  (lineno, line))
            vips[-1]["backends"].append({
                "column": int(tok[1], 10), "addr": tok[2],
                "port": int(tok[3], 10), "active": tok[4] == "active"})
        else:
            raise RegionError("line %d: unknown line: %r" % (lineno, line))
    return vips


def proc_path(args_proc=None):
    return args_proc or os.environ.get("AQUARIUS_PROC") or AQ_PROC_PATH


def dev_path(args_dev=None):
    return args_dev or os.environ.get("AQUARIUS_DEV") or AQ_DEVICE_PATH


def load_vips(path):
    with open(path) as f:
        return parse_proc(f.read())


def find_vip(vips, name):
    for v in vips:
        if v["name"] == name:
            return v
    raise RegionError("vip %r is not listed" % name)


# ---- helpers -----------------------------------------------------------------
def cstr(b):
    return b.split(b"\0", 1)[0].decode("ascii", "replace")


def addr_str(family, raw):
    if family == AF_INET:
        return socket.inet_ntop(AF_INET, raw[:4])
    if family == AF_INET6:
        return socket.inet_ntop(AF_INET6, raw[:16])
    return None


def monotonic_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def s32(v):
    return v - (1 << 32) if v & 0x80000000 else v


def s64(v):
    return v - (1 << 64) if v & (1 << 63) else v


# ---- the region --------------------------------------------------------------
class Region:
    """A read-only view of one region (an mmap, or any bytes-like)."""

    def __init__(self, buf, size):
        self.buf = buf
        self.size = size
        if size < HEADER_SIZE:
            raise RegionError("region of %d bytes is smaller than the header"
                              % size)
        vals = HDR_FIXED.unpack_from(buf, 0)
        h = dict(zip(HDR_U32, vals[:14]))
        (h["epoch_ns"], h["snapshot_interval_ns"], h["latest_seq"]) = vals[14:17]
        h["name"] = cstr(vals[17])
        h["name_terminated"] = b"\0" in vals[17]
        h["vip_addr_raw"] = vals[18]
        h["vip_port"], h["vip_family"], h["vip_proto"] = vals[19:22]
        h["vip_addr"] = addr_str(h["vip_family"], vals[18])
        self.h = h
        off = HDR_FIXED.size
        self.backends = []
        for col in range(AQ_MAX_BACKENDS):
            raw, port, fam = BACKEND_DESC.unpack_from(buf, off)
            self.backends.append({"column": col, "family": fam, "port": port,
                                  "addr": addr_str(fam, raw)})
            off += BACKEND_DESC.size

        def fields(n):
            nonlocal off
            out = []
            for _ in range(n):
                name, unit, flags, _res = FIELD_DESC.unpack_from(buf, off)
                out.append({"name": cstr(name), "unit": cstr(unit),
                            "flags": flags})
                off += FIELD_DESC.size
            return out
        self.counter_desc = fields(NR_COUNTERS)
        self.vip_counter_desc = fields(NR_VIP_COUNTERS)
        self.feature_desc = fields(NR_FEATURES)
        lb = HDR_LB.unpack_from(buf, off)
        off += HDR_LB.size
        h["mode"], h["sched"], h["weights_seq"], h["draining"] = (
            lb[0], lb[1], lb[3], lb[4])
        self.weights = list(lb[5:])
        assert off == HEADER_SIZE
        self.validate()

    def validate(self):
        h = self.h
        if h["magic"] != AQ_REGION_MAGIC:
            raise RegionError("bad magic %#x" % h["magic"])
        if h["version"] != AQ_LAYOUT_VERSION:
            raise RegionError("layout version %d, want %d" %
                              (h["version"], AQ_LAYOUT_VERSION))
        want = {"header_size": HEADER_SIZE, "nr_backends": AQ_MAX_BACKENDS,
                "nr_counters": NR_COUNTERS, "nr_vip_counters": NR_VIP_COUNTERS,
                "nr_features": NR_FEATURES}
        for k, v in want.items():
            if h[k] != v:
                raise RegionError("%s is %d, want %d" % (k, h[k], v))
        n = h["nr_slots"]
        if n < 1 or n & (n - 1):
            raise RegionError("nr_slots %d is not a power of two" % n)
        if h["nr_frames"] < 1 or h["frame_size"] < FRAME.size:
            raise RegionError("bad frames: %d x %d bytes" %
                              (h["nr_frames"], h["frame_size"]))
        if h["region_size"] > self.size:
            raise RegionError("region_size %d larger than the mapping %d" %
                              (h["region_size"], self.size))
        areas = [("frames", h["frames_offset"],
                  h["nr_frames"] * h["frame_size"]),
                 ("offered", h["offered_offset"],
                  AQ_MAX_BACKENDS * NR_FEATURES * 8),
                 ("slots", h["slots_offset"],
                  AQ_MAX_BACKENDS * NR_FEATURES * n * 8)]
        for name, start, length in areas:
            if start % 8 or start < HEADER_SIZE or \
               start + length > h["region_size"]:
                raise RegionError("%s area [%d, +%d) outside the region" %
                                  (name, start, length))
        areas.sort(key=lambda a: a[1])
        for a, b in zip(areas, areas[1:]):
            if a[1] + a[2] > b[1]:
                raise RegionError("areas %s and %s overlap" % (a[0], b[0]))
        if not h["name_terminated"]:
            raise RegionError("name without NUL")

    # -- the field tables against the uapi enums
    def names_check(self):
        """List of mismatches between the region's field tables and uapi."""
        bad = []
        for kind, desc, names in (("counter", self.counter_desc, COUNTERS),
                                  ("vip_counter", self.vip_counter_desc,
                                   VIP_COUNTERS),
                                  ("feature", self.feature_desc, FEATURES)):
            for i, (d, n) in enumerate(zip(desc, names)):
                if d["name"] != n:
                    bad.append("%s %d named %r, want %r" %
                               (kind, i, d["name"], n))
        for i, (d, u) in enumerate(zip(self.feature_desc, FEATURE_UNITS)):
            if d["unit"] != u:
                bad.append("feature %s unit %r, want %r" %
                           (FEATURES[i], d["unit"], u))
            signed = bool(d["flags"] & AQ_FIELD_SIGNED)
            if signed != (FEATURES[i] in SIGNED_FEATURES):
                bad.append("feature %s signed flag %d" % (FEATURES[i], signed))
        for i, d in enumerate(self.counter_desc):
            signed = bool(d["flags"] & AQ_FIELD_SIGNED)
            if signed != (COUNTERS[i] in SIGNED_COUNTERS):
                bad.append("counter %s signed flag %d" % (COUNTERS[i], signed))
        return bad

    def latest_seq(self):
        return U64.unpack_from(self.buf, LATEST_SEQ_OFF)[0]

    def frame(self, tries=1000):
        """One consistent frame (seqlock protocol), or None if no snapshot."""
        h = self.h
        for _ in range(tries):
            n = self.latest_seq()
            if n == 0:
                return None
            off = h["frames_offset"] + (n % h["nr_frames"]) * h["frame_size"]
            s1 = U64.unpack_from(self.buf, off)[0]
            data = bytes(self.buf[off:off + FRAME.size])
            s2 = U64.unpack_from(self.buf, off)[0]
            if s1 == s2 == n:
                v = FRAME.unpack(data)
                fr = {"seq": v[0], "time_ns": v[1], "active": v[2],
                      "vip_counters": dict(zip(VIP_COUNTERS, v[3:3 + NR_VIP_COUNTERS]))}
                base = 3 + NR_VIP_COUNTERS
                fr["counters"] = [list(v[base + b * NR_COUNTERS:
                                         base + (b + 1) * NR_COUNTERS])
                                  for b in range(AQ_MAX_BACKENDS)]
                return fr
        raise RegionError("no consistent frame in %d tries" % tries)

    def offered(self, b, f):
        off = self.h["offered_offset"] + (b * NR_FEATURES + f) * 8
        return U64.unpack_from(self.buf, off)[0]

    def slots(self, b, f):
        """Non-empty slots of (backend, feature) as (time_ms, value)."""
        n = self.h["nr_slots"]
        off = self.h["slots_offset"] + ((b * NR_FEATURES + f) * n) * 8
        raw = struct.unpack_from("<%dQ" % n, self.buf, off)
        signed = FEATURES[f] in SIGNED_FEATURES
        out = []
        for s in raw:
            if s:
                v = s & 0xffffffff
                out.append((s >> 32, s32(v) if signed else v))
        return out

    def now_ms(self):
        now = monotonic_ns()
        return max(0, now - self.h["epoch_ns"]) // 1000000


def open_region(vip, dev):
    fd = os.open(dev, os.O_RDONLY)
    try:
        m = mmap.mmap(fd, vip["size"], flags=mmap.MAP_SHARED,
                      prot=mmap.PROT_READ, offset=vip["offset"])
    finally:
        os.close(fd)
    return m, Region(m, vip["size"])


# ---- the report --------------------------------------------------------------
def report(vip, r, fr, values, counters_only=False):
    """Everything as a dict (JSON) and as a flat dict (shell); with
    counters_only, the reservoirs are not read (cheap, for polling)."""
    h = r.h
    now_ms = r.now_ms()
    cols = [b["column"] for b in r.backends if b["family"]]
    active = fr["active"] if fr else 0
    out = {"name": h["name"], "listed": vip,
           "proto": PROTO_NAMES.get(h["vip_proto"], str(h["vip_proto"])),
           "family": h["vip_family"], "addr": h["vip_addr"],
           "port": h["vip_port"],
           "header": {k: h[k] for k in HDR_U32 + ["epoch_ns",
                                                  "snapshot_interval_ns"]},
           "names_mismatch": r.names_check(), "now_ms": now_ms,
           "seq": fr["seq"] if fr else 0,
           "time_ns": fr["time_ns"] if fr else 0, "active": active,
           "vip_counters": fr["vip_counters"] if fr else {},
           "backends": []}
    flat = {"SEQ": out["seq"], "NOW_MS": now_ms, "ACTIVE": active,
            "NR_SLOTS": h["nr_slots"], "INTERVAL_NS": h["snapshot_interval_ns"],
            "REGION_SIZE": h["region_size"], "NAMES_OK": int(not out["names_mismatch"]),
            "BACKENDS": " ".join(str(c) for c in cols), "BAD_SLOTS": 0,
            "MODE": h["mode"], "SCHED": h["sched"],
            "DRAINING": h["draining"], "WEIGHTS_SEQ": h["weights_seq"],
            "WEIGHTS": " ".join(str(r.weights[c]) for c in cols)}
    out.update(mode=h["mode"], sched=h["sched"], draining=h["draining"],
               weights={c: r.weights[c] for c in cols})
    for k, v in out["vip_counters"].items():
        flat["VC_" + k.upper()] = v
    tot = {c: 0 for c in COUNTERS}
    tot_off = {f: 0 for f in FEATURES}
    for b in cols:
        d = r.backends[b]
        be = {"column": b, "addr": d["addr"], "port": d["port"],
              "active": bool(active >> b & 1), "counters": {},
              "features": {}}
        pre = "B%d_" % b
        flat[pre + "ACTIVE"] = int(be["active"])
        for i, c in enumerate(COUNTERS):
            v = fr["counters"][b][i] if fr else 0
            if c in SIGNED_COUNTERS:
                v = s64(v)
            be["counters"][c] = v
            flat[pre + c.upper()] = v
            tot[c] += v
        for f, fname in enumerate(FEATURES):
            if counters_only:
                break
            sl = r.slots(b, f)
            offered = r.offered(b, f)
            vals = sorted(v for _, v in sl)
            # A slot's time is >= 1 and not in the future (1 s of slack).
            bad = sum(1 for t, _ in sl if t < 1 or t > now_ms + 1000)
            flat["BAD_SLOTS"] += bad + (1 if len(sl) > offered else 0)
            be["features"][fname] = {"offered": offered,
                                     "slots": [list(s) for s in sl]}
            tot_off[fname] += offered
            fp = pre + fname.upper() + "_"
            flat[fp + "OFFERED"] = offered
            flat[fp + "SAMPLES"] = len(vals)
            if vals:
                flat[fp + "MIN"] = vals[0]
                flat[fp + "MAX"] = vals[-1]
                flat[fp + "MEDIAN"] = statistics.median(vals)
                flat[fp + "MEAN"] = statistics.fmean(vals)
            if fname in values:
                flat[fp + "VALUES"] = " ".join(map(str, vals))
                flat[fp + "SET"] = " ".join(map(str, sorted(set(vals))))
        out["backends"].append(be)
    for c in COUNTERS:
        flat["TOT_" + c.upper()] = tot[c]
    for f in FEATURES:
        if not counters_only:
            flat["TOT_" + f.upper() + "_OFFERED"] = tot_off[f]
    return out, flat


def wait_show(args):
    vips = load_vips(proc_path(args.proc))
    vip = find_vip(vips, args.vip)
    m, r = open_region(vip, dev_path(args.dev))
    values = set(v for v in (args.values or "").split(",") if v)
    unknown = values - set(FEATURES)
    if unknown:
        raise RegionError("unknown feature(s): %s" % ", ".join(sorted(unknown)))
    interval = max(r.h["snapshot_interval_ns"] / 1e9, 0.01)
    deadline = time.monotonic() + args.timeout
    poll = min(interval / 2, 0.1)
    met = settled = True
    fr = r.frame()
    if args.until:
        met = False
        code = compile(args.until, "--until", "eval")
        last = -1
        light = True
        while True:
            fr = r.frame()
            seq = fr["seq"] if fr else 0
            if seq != last:
                last = seq
                _, flat = report(vip, r, fr, values, counters_only=light)
                try:
                    ok = fr and eval(code, {"__builtins__": {}}, flat)
                except NameError:
                    if not light:
                        raise
                    light = False       # EXPR needs the reservoirs
                    last = -1
                    continue
                if ok:
                    met = True
                    break
            if time.monotonic() > deadline:
                break
            time.sleep(poll)
    if args.settle:
        settled = False
        target = r.latest_seq() + args.settle
        while True:
            if r.latest_seq() >= target:
                settled = True
                break
            if time.monotonic() > deadline:
                break
            time.sleep(poll)
        fr = r.frame()
    out, flat = report(vip, r, fr, values)
    flat["UNTIL_MET"] = int(met)
    flat["SETTLED"] = int(settled)
    out["until_met"], out["settled"] = met, settled
    if args.shell:
        for k, v in flat.items():
            print("%s=%s" % (k, shlex.quote(str(v))))
    else:
        json.dump(out, sys.stdout, indent=1 if args.pretty else None)
        print()
    m.close()
    return 0 if (met and settled) else 3


def meminfo(keys):
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in keys:
                out[k.upper()] = int(rest.split()[0])
    return out


def watch(args):
    vips = load_vips(proc_path(args.proc))
    vip = find_vip(vips, args.vip)
    m, r = open_region(vip, dev_path(args.dev))
    peaks = {}
    samples = 0
    tmp = args.out + ".tmp"
    while True:
        fr = r.frame()
        _, flat = report(vip, r, fr, set(), counters_only=True)
        flat.update(meminfo(("Slab", "SUnreclaim", "VmallocUsed")))
        samples += 1
        for k in ("TOT_N_FLOW_ON", "SLAB", "SUNRECLAIM", "VMALLOCUSED"):
            peaks[k] = max(peaks.get(k, flat[k]), flat[k])
        with open(tmp, "w") as f:
            for k, v in flat.items():
                if k.startswith(("B", "TOT_")) and k != "BAD_SLOTS" or \
                   k in ("SEQ", "SLAB", "SUNRECLAIM", "VMALLOCUSED"):
                    f.write("%s=%s\n" % (k, shlex.quote(str(v))))
            for k, v in peaks.items():
                f.write("PEAK_%s=%d\n" % (k, v))
            f.write("SAMPLES=%d\nMONO_MS=%d\n" % (samples,
                                                   monotonic_ns() // 1000000))
        os.rename(tmp, args.out)
        if args.stop and os.path.exists(args.stop):
            break
        time.sleep(args.every)
    m.close()
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--proc", help="discovery file (default %s)" % AQ_PROC_PATH)
    p.add_argument("--dev", help="device or file to map (default %s)" %
                   AQ_DEVICE_PATH)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    s = sub.add_parser("show")
    s.add_argument("vip")
    s.add_argument("--settle", type=int, default=0)
    s.add_argument("--until")
    s.add_argument("--timeout", type=float, default=30)
    s.add_argument("--values", help="features whose values to print (--shell)")
    s.add_argument("--shell", action="store_true")
    s.add_argument("--pretty", action="store_true")
    w = sub.add_parser("watch")
    w.add_argument("vip")
    w.add_argument("--out", required=True)
    w.add_argument("--every", type=float, default=1.0)
    w.add_argument("--stop")
    args = p.parse_args(argv)
    try:
        if args.cmd == "list":
            json.dump(load_vips(proc_path(args.proc)), sys.stdout)
            print()
            return 0
        if args.cmd == "watch":
            return watch(args)
        return wait_show(args)
    except (OSError, RegionError, ValueError, SyntaxError, NameError) as e:
        print("region.py: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
