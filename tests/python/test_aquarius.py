#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of the Python package user/python/aquarius.

Synthetic regions and shm objects come from gen_region (C, laid out with the
structs of the headers); what C reads from them comes from aqref (offsetof()
and libaquarius.a: aq_region_attach, aq_snapshot, aq_reduce). The package
must agree with both. The action area is exercised against a fake daemon
thread that follows user/lib/aquarius_shm.h.

Prints one "ok N - name" / "not ok N - name" line per test and ends with
"python: N passed, N failed, N skipped" (summed by scripts/check.sh).
Environment: AQ_PY_TOOLS, the folder of gen_region and aqref.
"""
import errno
import json
import mmap
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import numpy as np

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "user", "python"))
import aquarius                      # noqa: E402
from aquarius import layout as L     # noqa: E402

TOOLS = os.environ.get("AQ_PY_TOOLS") or os.path.join(TOP, "build", "python")
GEN = os.path.join(TOOLS, "gen_region")
AQREF = os.path.join(TOOLS, "aqref")
TMP = None


def gen(name, *args):
    path = os.path.join(TMP, name)
    subprocess.run([GEN] + list(args) + [path], check=True)
    return path


def aqref_dump(path, now_ms):
    p = subprocess.run([AQREF, "dump", path, str(now_ms)],
                       stdout=subprocess.PIPE, check=False)
    return p.returncode, json.loads(p.stdout)


def poke(path, offset, dtype, value):
    """Write one value of numpy dtype at a byte offset of a file."""
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(np.array([value], dtype=dtype).tobytes())


HOFF = {name: L.REGION_HEADER.fields[name][1]
        for name in L.REGION_HEADER.names}


# ---- layout against offsetof() ----------------------------------------------
class Layout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = json.loads(subprocess.check_output([AQREF, "offsets"]))

    def check_struct(self, dtype, cname):
        c = dict(self.c[cname])
        self.assertEqual(dtype.itemsize, c.pop("sizeof"), "sizeof " + cname)
        self.assertEqual(sorted(dtype.names), sorted(c), cname + " members")
        for name, off in c.items():
            self.assertEqual(dtype.fields[name][1], off,
                             "%s.%s" % (cname, name))

    def test_region_header_offsets(self):
        self.check_struct(L.REGION_HEADER, "header")

    def test_backend_desc_offsets(self):
        self.check_struct(L.BACKEND_DESC, "backend_desc")

    def test_field_desc_offsets(self):
        self.check_struct(L.FIELD_DESC, "field_desc")

    def test_frame_offsets(self):
        self.check_struct(L.FRAME, "frame")

    def test_shm_action_offsets(self):
        self.check_struct(L.SHM_ACTION, "shm_action")

    def test_constants(self):
        for k, v in self.c["constants"].items():
            self.assertEqual(getattr(L, k), v, k)


# ---- cross-checks with libaquarius on several synthetic regions -------------
CONFIGS = {
    "kernel_layout": ([], 20000000),
    "slots4096": (["--slots", "4096", "--seed", "3"], 20000000),
    "slots1_reversed_40backends_3frames_padded":
        (["--slots", "1", "--reversed", "--backends", "40", "--frames", "3",
          "--frame-pad", "24", "--seed", "5"], 20000000),
    "ipv6_now_past_2e32ms": (["--ipv6", "--now-ms", "5000000000", "--seed",
                              "9", "--slots", "256"], 5000000000),
    "renamed_fields_sparse": (["--rename", "--seed", "4", "--fill", "10",
                               "--columns", "3,4,7,30"], 20000000),
}
_cache = {}


def region_and_ref(cfg):
    if cfg not in _cache:
        args, now = CONFIGS[cfg]
        path = gen("cfg-" + cfg, *args)
        rc, ref = aqref_dump(path, now)
        assert rc == 0, ref
        _cache[cfg] = (path, ref, now)
    path, ref, now = _cache[cfg]
    return aquarius.open(path, writable=False), ref, now


def same(a, b):
    return a == b or (np.isnan(a) and np.isnan(b))


class CrossCheck(unittest.TestCase):
    """Methods named check_*, run once per configuration (see below)."""

    def test_decay_bits(self):
        """aquarius.reduce.decay() is libaquarius aq_decay() bit for bit,
        through the tables, past them (pow) and where it reaches 0."""
        step, end = 997, 8000000
        out = subprocess.run([AQREF, "decay", str(step), str(end)],
                             stdout=subprocess.PIPE, check=True).stdout
        want = [int(x, 16) for x in out.split()]
        ages = np.arange(0, end, step, dtype=np.uint32)
        self.assertGreater(ages[-1], L.AQ_DECAY_TABLE_MS)
        got = aquarius.reduce.decay(ages).view(np.uint64).tolist()
        self.assertEqual(len(got), len(want))
        bad = [int(a) for a, g, w in zip(ages, got, want) if g != w]
        self.assertEqual(bad, [], "ages whose weights differ")

    def check_header(self, cfg):
        with region_and_ref(cfg)[0] as r:
            ref = region_and_ref(cfg)[1]
            self.assertEqual(r.name, ref["name"])
            for k in ("nr_backends", "nr_slots", "nr_frames", "region_size",
                      "epoch_ns", "vip_port", "vip_proto", "vip_family",
                      "vip_addr"):
                self.assertEqual(getattr(r, k), ref[k], k)
            self.assertEqual(r.snapshot_interval_ns, ref["interval_ns"])
            for kind in ("counters", "vip_counters", "features"):
                self.assertEqual([[f.name, f.unit, f.flags]
                                  for f in getattr(r, kind)], ref[kind], kind)
            self.assertEqual([[b.column, b.addr, b.port] for b in r.backends],
                             ref["backends"])

    def check_snapshot(self, cfg):
        r, ref, _ = region_and_ref(cfg)
        with r:
            s = r.snapshot()
            c = ref["snapshot"]
            self.assertEqual((s.seq, s.time_ns, s.active),
                             (c["seq"], c["time_ns"], c["active"]))
            self.assertEqual(s.raw.dtype, np.uint64)
            self.assertEqual(s.raw.tolist(), c["counters"])
            self.assertEqual(s.vip_raw.tolist(), c["vip_counters"])
            self.assertEqual(list(s.columns), [f[0] for f in ref["counters"]])
            self.assertEqual(list(s.vip_columns),
                             [f[0] for f in ref["vip_counters"]])
            self.assertEqual(s.tries, 1)
            # signed decoding of AQ_FIELD_SIGNED counters (n_flow_on)
            rec = s.as_records()
            for i, (name, _, flags) in enumerate(ref["counters"]):
                col = [row[i] for row in c["counters"]]
                if flags & L.AQ_FIELD_SIGNED:
                    col = [v - (1 << 64) if v >> 63 else v for v in col]
                    self.assertEqual(rec.dtype[name], np.dtype("<i8"))
                else:
                    self.assertEqual(rec.dtype[name], np.dtype("<u8"))
                self.assertEqual(rec[name].tolist(), col, name)
                self.assertEqual(s[name].tolist(),
                                 np.array(col, dtype=np.uint64 if not
                                          flags & 1 else np.int64)
                                 .view(np.int64).tolist(), name)
            self.assertEqual(s.active_columns().tolist(),
                             [b for b in range(r.nr_backends)
                              if c["active"] >> b & 1])

    def check_weights(self, cfg):
        r, ref, _ = region_and_ref(cfg)
        with r:
            w = r.weights()
            c = ref["weights"]
            self.assertEqual((w.seq, w.mode, w.sched, w.draining),
                             (c["seq"], c["mode"], c["sched"], c["draining"]))
            self.assertEqual(w.weights.tolist(), c["weights"])
            self.assertEqual((w.mode_name, w.sched_name), ("nat", "sed"))

    def check_samples(self, cfg):
        r, ref, now = region_and_ref(cfg)
        with r:
            n = 0
            for b in range(r.nr_backends):
                for f in range(r.nr_features):
                    want = ref["samples"][b][f]
                    got = r.samples(b, f, now_ms=now)
                    self.assertEqual(got.dtype, np.int64)
                    self.assertEqual(got.tolist(), want, (b, f))
                    lim = 30000
                    self.assertEqual(
                        r.samples(b, r.feature_names[f], now_ms=now,
                                  max_age_ms=lim).tolist(),
                        [x for x in want if x[0] <= lim], (b, f))
                    n += len(want)
            self.assertGreater(n, 0)

    def check_reductions(self, cfg):
        """aq_reduce of libaquarius, for every (backend, feature): counts,
        mean, std, p90 and wp90 equal; wmean and wsum within 1e-12 (numpy's
        vectorised pow may differ from glibc's in the last bit)."""
        r, ref, now = region_and_ref(cfg)
        with r:
            red = r.reduce_all(backends=range(r.nr_backends), now_ms=now)
            kinds = set()
            for b in range(r.nr_backends):
                one = r.reduce(b, now_ms=now)
                for f in range(r.nr_features):
                    c = ref["reductions"][b][f]
                    where = "backend %d feature %d" % (b, f)
                    for k in ("samples", "offered"):
                        self.assertEqual(int(getattr(red, k)[b, f]), c[k],
                                         where + " " + k)
                    for k in ("mean", "std", "p90", "wp90"):
                        self.assertTrue(same(getattr(red, k)[b, f], c[k]),
                                        "%s %s: %r != %r" % (
                                            where, k, getattr(red, k)[b, f],
                                            c[k]))
                    for k in ("wmean", "wsum"):
                        p, q = getattr(red, k)[b, f], c[k]
                        self.assertTrue(
                            same(p, q) or abs(p - q) <= 1e-12 * abs(q),
                            "%s %s: %r != %r" % (where, k, p, q))
                    for k in ("samples", "offered", "mean", "std", "p90",
                              "wmean", "wp90", "wsum"):
                        self.assertTrue(same(getattr(one, k)[f],
                                             getattr(red, k)[b, f]))
                    if c["samples"] == 0:
                        kinds.add("empty")
                    elif np.isnan(c["wmean"]):
                        kinds.add("underflow")
                    else:
                        kinds.add("plain")
            # the generator's edge cases are really there
            if r.nr_slots > 1:
                self.assertEqual(kinds, {"empty", "underflow", "plain"})
            # max_age_ms: the same as reducing without the older samples
            b0 = r.backends[0].column
            sl = r.slots(b0)
            age = aquarius.slot_ages(sl, now)
            young = np.where((sl != 0) & (age <= 20000), sl, 0)
            want = aquarius.reduce_rows(young, [f.signed for f in r.features],
                                        now)
            got = r.reduce(b0, now_ms=now, max_age_ms=20000)
            for k, v in want.items():
                self.assertTrue(all(same(x, y) for x, y in
                                    zip(getattr(got, k), v)), k)
            self.assertLess(got.samples.sum(),
                            r.reduce(b0, now_ms=now).samples.sum())
            with self.assertRaises(ValueError):
                r.reduce(b0, max_age_ms=-1)
            d = r.reduce(r.backends[0].column, now_ms=now).as_dict()
            self.assertEqual(len(d), 5 * r.nr_features)
            self.assertIn(r.feature_names[0] + "_avg_decay", d)


def _add_crosschecks():
    for name in [n for n in dir(CrossCheck) if n.startswith("check_")]:
        for cfg in CONFIGS:
            def t(self, _m=name, _c=cfg):
                getattr(self, _m)(_c)
            t.__doc__ = None
            setattr(CrossCheck, "test_%s__%s" % (name[6:], cfg), t)


_add_crosschecks()


# ---- bad regions: the package and libaquarius both refuse them ---------------
def _corruptions():
    hs = L.REGION_HEADER.itemsize
    u4 = "<u4"
    return {
        "magic": [("magic", u4, 0x41515542)],
        "version": [("version", u4, 1)],
        "header_size": [("header_size", u4, hs + 8)],
        "region_size_past_file": [("region_size", u4, 1 << 30)],
        "nr_backends_0": [("nr_backends", u4, 0)],
        "nr_backends_65": [("nr_backends", u4, 65)],
        "nr_slots_not_pow2": [("nr_slots", u4, 96)],
        "nr_slots_8192": [("nr_slots", u4, 8192)],
        "nr_features": [("nr_features", u4, 12)],
        "nr_counters": [("nr_counters", u4, 9)],
        "nr_frames_0": [("nr_frames", u4, 0)],
        "frame_size_small": [("frame_size", u4, L.FRAME.itemsize - 8)],
        "frame_size_unaligned": [("frame_size", u4, 4164)],
        "frames_misaligned": [("frames_offset", u4, 4100)],
        "frames_in_header": [("frames_offset", u4, 8)],
        "slots_past_region": [("slots_offset", u4, (1 << 20) - 8)],
        "offered_overlaps_frames": [("offered_offset", u4, 4096 + 64)],
        "name_without_nul": [("name", "S32", b"x" * 32)],
    }


class BadRegions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.good = gen("good", "--slots", "16")

    def corrupt(self, name, pokes):
        path = os.path.join(TMP, "bad-" + name)
        shutil.copy(self.good, path)
        for field, dt, v in pokes:
            poke(path, HOFF[field], dt, v)
        with self.assertRaises(aquarius.BadRegion) as e:
            aquarius.open(path, writable=False)
        rc, ref = aqref_dump(path, 0)
        self.assertEqual(rc, 2, "libaquarius accepted it: %r" % ref)
        return str(e.exception)

    def test_good_region_is_accepted(self):
        aquarius.open(self.good, writable=False).close()
        self.assertEqual(aqref_dump(self.good, 0)[0], 0)

    def test_truncated_file(self):
        path = os.path.join(TMP, "bad-truncated")
        with open(self.good, "rb") as f, open(path, "wb") as g:
            g.write(f.read(L.REGION_HEADER.itemsize - 1))
        with self.assertRaises(aquarius.BadRegion):
            aquarius.open(path, writable=False)


def _add_corruptions():
    for name, pokes in _corruptions().items():
        def t(self, _n=name, _p=pokes):
            self.corrupt(_n, _p)
        setattr(BadRegions, "test_refused__" + name, t)


_add_corruptions()


# ---- the sequence protocols ---------------------------------------------------
class Protocol(unittest.TestCase):
    def frame_view(self, m, r, n):
        h = r.header
        off = int(h["frames_offset"]) + (n % r.nr_frames) * r.frame_size
        return np.frombuffer(m, L.FRAME, 1, off)

    def publish(self, m, r, n, counters, vip, time_ns):
        """Publish frame n as the kernel does (x86: stores stay in order)."""
        f = self.frame_view(m, r, n)
        f["seq"] = 0
        f[0]["counters"][:] = counters
        f[0]["vip_counters"][:] = vip
        f["time_ns"] = time_ns
        f["active"] = 0b11
        f["seq"] = n
        np.frombuffer(m, "<u8", 1, HOFF["latest_seq"])[0] = n

    def test_deltas_and_rates(self):
        path = gen("delta")
        with open(path, "r+b") as fh:
            m = mmap.mmap(fh.fileno(), 0)
        r = aquarius.open(path, writable=False)
        a = r.snapshot()
        rng = np.random.default_rng(7)
        inc = rng.integers(0, 1 << 40, size=(64, 8), dtype=np.uint64)
        inc[:, 3] = np.array(-5, dtype=np.int64).view(np.uint64)  # n_flow_on
        base = np.array(self.frame_view(m, r, a.seq)[0]["counters"])
        base[0, 0] = (1 << 64) - 3          # a counter about to wrap
        inc[0, 0] = 10
        self.publish(m, r, a.seq, base, np.arange(4, dtype=np.uint64),
                     a.time_ns)
        a = r.snapshot()
        with np.errstate(over="ignore"):
            newc = base + inc
        vinc = np.array([1, 2, 3, 4], dtype=np.uint64)
        self.publish(m, r, a.seq + 1, newc, np.arange(4, dtype=np.uint64) +
                     vinc, a.time_ns + 250000000)
        b = r.snapshot()
        self.assertEqual(b.seq, a.seq + 1)
        d = a.delta(b)
        want = inc[:r.nr_backends].view(np.int64)
        self.assertTrue(np.array_equal(d.counters, want))
        self.assertEqual(d["n_flow_on"].tolist(), [-5] * r.nr_backends)
        self.assertEqual(int(d.counters[0, 0]), 10)
        self.assertEqual(d.dt_s, 0.25)
        self.assertTrue(np.array_equal(d.rates, want / 0.25))
        self.assertEqual(d.vip_counters.tolist(), [1, 2, 3, 4])
        self.assertTrue(np.array_equal(d.vip_rates, vinc / 0.25))
        self.assertEqual(b.active, 0b11)
        with self.assertRaises(ValueError):
            b.delta(a)
        with self.assertRaises(ValueError):
            b.delta(b).rates
        r.close()
        m.close()

    def test_no_snapshot_yet(self):
        path = gen("noframe", "--latest", "0")
        with aquarius.open(path, writable=False) as r:
            with self.assertRaises(aquarius.NoSnapshot):
                r.snapshot()
        self.assertEqual(aqref_dump(path, 0)[1]["snapshot"]["error"],
                         errno.ENODATA)

    def test_frame_being_written_is_retried_then_busy(self):
        path = gen("busy")
        with aquarius.open(path, writable=False) as r:
            n = r.latest_seq()
            off = int(r.header["frames_offset"]) + \
                (n % r.nr_frames) * r.frame_size
        poke(path, off, "<u8", 0)           # seq 0: being written
        with aquarius.open(path, writable=False) as r:
            t0 = time.monotonic()
            with self.assertRaises(aquarius.Busy):
                r.snapshot(max_tries=50)
            self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(aqref_dump(path, 0)[1]["snapshot"]["error"],
                         errno.EAGAIN)
        poke(path, off, "<u8", n - 1)       # an older frame's number
        with aquarius.open(path, writable=False) as r:
            with self.assertRaises(aquarius.Busy):
                r.snapshot(max_tries=5)

    def test_weights_seq_odd_is_busy(self):
        path = gen("wodd")
        poke(path, HOFF["weights_seq"], "<u4", 7)
        with aquarius.open(path, writable=False) as r:
            with self.assertRaises(aquarius.Busy):
                r.weights(max_tries=20)
        self.assertIsNone(aqref_dump(path, 0)[1]["weights"])

    def test_concurrent_writer(self):
        """A C writer publishes frames back to back into a single frame
        buffer (the one being copied is rewritten all the time) while we
        read: every accepted copy must be one frame, whole (counters[b][c]
        = n*1000 + b*8 + c). Busy answers are allowed under such a writer.
        A reader without the second seq check fails this test."""
        path = gen("churn", "--frames", "1")
        r = aquarius.open(path, writable=False)
        w = subprocess.Popen([GEN, "churn", path, "2", "0"],
                             stdout=subprocess.PIPE)
        bc = (np.arange(64)[:, None] * 8 + np.arange(8)[None, :])
        ok = retries = torn = busy = 0
        last = 0
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.5:
            try:
                s = r.snapshot()
            except aquarius.Busy:
                busy += 1
                continue
            if s.seq <= 7:
                continue                    # the generator's own frames
            want = s.seq * 1000 + bc
            good = (np.array_equal(s.raw, want) and
                    s.vip_raw.tolist() == [s.seq * 7 + i for i in range(4)]
                    and s.time_ns == 1000000000 + s.seq * 250000000)
            torn += not good
            self.assertGreaterEqual(s.seq, last)
            last = s.seq
            ok += 1
            retries += s.tries - 1
        # a copy without the protocol, for comparison (not judged)
        naive_torn = naive = 0
        fr = r._frames[0]
        while time.monotonic() - t0 < 1.8:
            c = fr.copy().view(L.FRAME)[0]
            n = int(c["seq"])
            if n > 7:
                naive += 1
                naive_torn += not np.array_equal(c["counters"],
                                                 n * 1000 + bc)
        frames = int(w.communicate()[0])
        del fr
        r.close()
        print("# concurrent writer: %d frames published; %d snapshots, "
              "%d retries, %d Busy; naive copies torn: %d of %d" %
              (frames, ok, retries, busy, naive_torn, naive))
        self.assertEqual(torn, 0)
        self.assertGreater(ok, 100)
        self.assertGreater(frames, ok // 10)


# ---- opening ----------------------------------------------------------------
class Opening(unittest.TestCase):
    def test_open_by_vip_name(self):
        name = "pytest-%d" % os.getpid()
        path = aquarius.shm_path(name)
        self.assertEqual(path, "/dev/shm/aquarius-" + name)
        subprocess.run([GEN, "--name", name, path], check=True)
        try:
            with aquarius.open(name) as r:
                self.assertEqual(r.name, name)
                self.assertIsInstance(r, aquarius.Shm)
                self.assertTrue(r.has_action_area)
        finally:
            os.unlink(path)
        with self.assertRaises(FileNotFoundError):
            aquarius.open(name)

    def test_device_region_at_offset(self):
        a = gen("dev-a", "--name", "alpha", "--no-action", "--slots", "8")
        b = gen("dev-b", "--name", "beta", "--no-action", "--slots", "32",
                "--seed", "2")
        dev = os.path.join(TMP, "fake-dev")
        with open(dev, "wb") as d:
            d.write(open(a, "rb").read())
            d.write(open(b, "rb").read())
        sa, sb = os.path.getsize(a), os.path.getsize(b)
        proc = os.path.join(TMP, "fake-proc")
        with open(proc, "w") as p:
            p.write("vip alpha tcp 10.0.0.1 80 offset 0 size %d\n"
                    "backend 0 10.0.1.1 8000 active\n"
                    "vip beta tcp 10.0.0.1 80 offset %d size %d\n"
                    "vip gamma tcp 10.0.0.2 80 offset 0 size %d\n" %
                    (sa, sa, sb, sa))
        with aquarius.open_device("beta", proc=proc, dev=dev) as r:
            self.assertEqual((r.name, r.nr_slots), ("beta", 32))
            ref = aqref_dump(b, 20000000)[1]
            self.assertEqual(r.snapshot().raw.tolist(),
                             ref["snapshot"]["counters"])
            self.assertNotIsInstance(r, aquarius.Shm)
        with self.assertRaises(aquarius.AquariusError):
            aquarius.open_device("gamma", proc=proc, dev=dev)  # stale
        with self.assertRaises(aquarius.AquariusError):
            aquarius.open_device("delta", proc=proc, dev=dev)
        with aquarius.open_path(dev, offset=sa, size=sb) as r:
            self.assertEqual(r.name, "beta")

    def test_close_releases_the_mapping(self):
        path = gen("close")
        r = aquarius.open(path)
        s = r.snapshot()
        red = r.reduce(0, now_ms=20000000)
        r.close()
        # results are copies: still usable after close
        self.assertEqual(s.raw.shape, (64, 8))
        self.assertEqual(red.mean.shape, (13,))


# ---- the action area, against a fake daemon -----------------------------------
class FakeDaemon(threading.Thread):
    """aquariusd's side of the action area, after aquarius_shm.h."""

    def __init__(self, path, columns, supersede=False):
        super().__init__(daemon=True)
        self.fh = open(path, "r+b")
        self.m = mmap.mmap(self.fh.fileno(), 0)
        rs = int(np.frombuffer(self.m, "<u4", 1, HOFF["region_size"])[0])
        self.a = np.frombuffer(self.m, L.SHM_ACTION, 1, rs)
        self.columns = columns
        self.handled = []
        self.odd_seen = 0
        self.stop = threading.Event()
        self.hold = threading.Event()       # set: do not handle requests
        self.last = int(self.a[0]["done_seq"])

    def run(self):
        a = self.a
        while not self.stop.is_set():
            s = int(a["request_seq"][0])
            if s & 1:
                self.odd_seen += 1
            elif s != self.last and not self.hold.is_set():
                nr = int(a["nr_weights"][0])
                w = a[0]["weights"].copy()
                if int(a["request_seq"][0]) == s:
                    self.answer(s, nr, w)
            time.sleep(0.0005)

    def answer(self, s, nr, w):
        a = self.a
        err, msg = 0, ""
        if nr > L.AQ_MAX_BACKENDS:
            err, msg = -errno.EINVAL, "too many weights"
        elif any(int(x) > L.AQ_SHM_MAX_WEIGHT for x in w[:nr]):
            err, msg = -errno.ERANGE, "weight above maximum"
        else:
            missing = [c for c in self.columns if c >= nr]
            if missing:
                err, msg = (-errno.EINVAL, "column %d holds a backend and "
                            "has no weight" % missing[0])
        if err:
            a["rejected"] += 1
        else:
            a["applied"] += 1
            self.handled.append((s, w[:nr].tolist()))
        a["status"] = err
        a[0]["message"] = msg.encode()
        a["done_seq"] = s
        self.last = s

    def close(self):
        self.stop.set()
        self.join()
        del self.a
        self.m.close()
        self.fh.close()


class Action(unittest.TestCase):
    COLS = [0, 1, 2, 5]

    def setUp(self):
        self.path = gen("act-%s" % self._testMethodName, "--columns",
                        ",".join(map(str, self.COLS)))
        self.r = aquarius.open(self.path)
        self.d = None

    def tearDown(self):
        if self.d:
            self.d.close()
        self.r.close()

    def daemon(self, **kw):
        self.d = FakeDaemon(self.path, self.COLS, **kw)
        self.d.start()
        return self.d

    def raw_action(self):
        with open(self.path, "rb") as f:
            f.seek(self.r.region_size)
            return f.read(L.SHM_ACTION.itemsize)

    def test_applied(self):
        d = self.daemon()
        res = self.r.write_weights([3, 1, 2, 0, 0, 7], timeout=5)
        self.assertTrue(res.ok)
        self.assertEqual((res.status, res.message, res.applied), (0, "", 1))
        self.assertEqual(res.seq % 2, 0)
        self.assertEqual(d.handled, [(res.seq, [3, 1, 2, 0, 0, 7])])
        res2 = self.r.write_weights(np.array([1, 1, 1, 0, 0, 1],
                                             dtype=np.uint16))
        self.assertEqual(res2.seq, res.seq + 2)
        self.assertEqual(d.handled[-1], (res2.seq, [1, 1, 1, 0, 0, 1]))

    def test_rejected_status_and_message(self):
        d = self.daemon()
        res = self.r.write_weights([1, 1, 1])       # column 5 not covered
        self.assertFalse(res.ok)
        self.assertEqual(res.status, -errno.EINVAL)
        self.assertEqual(res.message, "column 5 holds a backend and has no "
                         "weight")
        self.assertEqual(res.rejected, 1)
        self.assertEqual(d.handled, [])
        with self.assertRaises(aquarius.WeightsRejected) as e:
            self.r.write_weights([1, 1], check=True)
        self.assertIn("EINVAL", str(e.exception))
        self.assertTrue(self.r.write_weights([1, 1, 1, 0, 0, 1]).ok)

    def test_odd_request_never_consumed(self):
        d = self.daemon()
        seen = {}

        def between():
            seen["req"] = self.r.action.request_seq
            time.sleep(0.3)
            seen["handled"] = list(d.handled)
            seen["odd"] = d.odd_seen

        res = self.r.action.write_weights([5, 6, 7, 0, 0, 8],
                                          _between=between)
        self.assertEqual(seen["req"] % 2, 1)
        self.assertEqual(seen["handled"], [])
        self.assertGreater(seen["odd"], 10)    # the daemon polled meanwhile
        self.assertTrue(res.ok)
        self.assertEqual(d.handled, [(seen["req"] + 1, [5, 6, 7, 0, 0, 8])])

    def test_writer_died_mid_request(self):
        poke(self.path, self.r.region_size +
             L.SHM_ACTION.fields["request_seq"][1], "<u8", 5)
        d = self.daemon()
        time.sleep(0.1)
        self.assertEqual(d.handled, [])
        self.assertEqual(self.r.action.done_seq, 0)
        res = self.r.write_weights([1, 2, 3, 0, 0, 4])
        self.assertEqual(res.seq, 8)
        self.assertEqual(d.handled, [(8, [1, 2, 3, 0, 0, 4])])

    def test_timeout_without_daemon(self):
        t0 = time.monotonic()
        with self.assertRaises(aquarius.ActionTimeout) as e:
            self.r.write_weights([1, 1, 1, 0, 0, 1], timeout=0.2)
        dt = time.monotonic() - t0
        self.assertGreaterEqual(dt, 0.2)
        self.assertLess(dt, 3)
        self.assertIsInstance(e.exception, TimeoutError)
        self.assertIn("no daemon pid", str(e.exception))
        self.assertEqual(self.r.action.request_seq % 2, 0)   # left complete

    def test_superseded(self):
        d = self.daemon()
        d.hold.set()
        a = self.r.action
        s1 = a.submit([1, 1, 1, 0, 0, 1])
        s2 = a.submit([2, 2, 2, 0, 0, 2])
        d.hold.clear()
        with self.assertRaises(aquarius.Superseded):
            a.wait(s1, timeout=5)
        self.assertTrue(a.wait(s2, timeout=5).ok)
        self.assertEqual(d.handled, [(s2, [2, 2, 2, 0, 0, 2])])

    def test_bad_input_writes_nothing(self):
        before = self.raw_action()
        cases = [([1, -1], ValueError), ([65536], ValueError),
                 ([1] * 65, ValueError), ([], ValueError),
                 ([1.5], TypeError), ([True], TypeError), ("12", TypeError),
                 (7, TypeError), ({0: 1}, TypeError)]
        for w, exc in cases:
            with self.assertRaises(exc, msg=repr(w)):
                self.r.write_weights(w, timeout=0.1)
        self.assertEqual(self.raw_action(), before)
        # the bounds themselves are accepted by the check
        self.assertEqual(aquarius.check_weights([0, 65535] + [0] * 62)
                         .tolist()[:2], [0, 65535])

    def test_read_only_mapping(self):
        with aquarius.open(self.path, writable=False) as r:
            with self.assertRaises(aquarius.ActionError):
                r.write_weights([1])

    def test_uninitialised_or_missing_action_area(self):
        poke(self.path, self.r.region_size, "<u4", 0)
        with aquarius.open(self.path) as r:
            r.snapshot()                     # reading does not need it
            with self.assertRaises(aquarius.ActionError):
                r.write_weights([1])
        path = gen("noact", "--no-action")
        with aquarius.open(path) as r:
            self.assertFalse(r.has_action_area)
            with self.assertRaises(aquarius.ActionError):
                r.write_weights([1])


# ---- runner: one TAP-like line per test ----------------------------------------
def load_example(rel, name):
    """Import examples/<rel> as a module (the examples are scripts)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(TOP, "examples", rel))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


try:
    import sklearn  # noqa: F401
    HAVE_SKLEARN = True
except ImportError:
    HAVE_SKLEARN = False


# ---- the examples' analysis code (examples/*/analyze.py) ---------------------
class Examples(unittest.TestCase):
    """The analyses of examples/ on small synthetic inputs, so that they
    cannot rot between the (long, VM) runs of the examples."""

    def write_samples(self, path):
        """A samples.csv as examples/sample.py writes it: four kinds, each
        a blob in feature space, a few constant columns."""
        rng = np.random.default_rng(7)
        feats = ("byte_p", "flow_duration", "pt_1st")
        stats = ("avg", "std", "90", "avg_decay", "90_decay")
        head = (["t", "vip", "label", "backend", "rate_n_packet",
                 "rate_n_flow", "rate_n_rst"] +
                ["%s_%s" % (f, s) for f in feats for s in stats])
        with open(path, "w") as fh:
            fh.write(",".join(head) + "\n")
            for k, lab in enumerate(("cpu", "io", "mix", "flood")):
                for i in range(60):
                    v = rng.normal(8.0 * k, 1.0, len(head) - 4)
                    v[2] = 0.0                   # a counter that never moves
                    v[5] = float("nan")          # an empty reservoir
                    fh.write("%.2f,%s,%s,0," % (i * 0.25, lab, lab) +
                             ",".join("%.6g" % x for x in v) + "\n")

    @unittest.skipUnless(HAVE_SKLEARN, "needs python3-sklearn")
    def test_classify_analysis(self):
        an = load_example("classify/analyze.py", "aq_classify_analyze")
        path = os.path.join(TMP, "samples.csv")
        self.write_samples(path)
        X, y, names = an.load(path, warmup=1.0)
        self.assertEqual(len(y), 4 * 56)         # t < 1 s left out
        self.assertIn("pt_1st_avg_decay", names)
        self.assertNotIn("pt_1st_90", names)     # std and avg_decay only
        self.assertTrue(np.isfinite(X).all())
        Z, y2, names2 = an.prepare(X, y, names)
        self.assertNotIn("rate_n_rst", names2)   # constant: dropped
        self.assertEqual(len(y2), len(y) - int(np.ceil(0.01 * len(y))))
        self.assertTrue(np.allclose(Z.mean(axis=0), 0, atol=1e-9))
        res = an.cluster(Z, 4)
        tab, sc = an.table(res, y2)
        for algo in ("KMeans", "Gaussian Mixture"):
            self.assertGreater(sc[algo][0], 0.95, algo)   # ARI
        self.assertIn("| Adjusted Rand Index |", tab)

    def test_loop_analysis(self):
        an = load_example("loop/analyze.py", "aq_loop_analyze")
        d = os.path.join(TMP, "loop")
        os.makedirs(d, exist_ok=True)
        for ph, base in (("equal", 100.0), ("loop", 10.0)):
            with open(os.path.join(d, ph + ".jsonl"), "w") as fh:
                for i in range(1, 101):
                    fh.write(json.dumps({"i": i, "ok": True,
                                         "life_ms": base * i}) + "\n")
                fh.write(json.dumps({"i": 0, "ok": False}) + "\n")
        with open(os.path.join(d, "controller.csv"), "w") as fh:
            fh.write("t,status,w0,pt_1st0,flow_duration0,w1,pt_1st1,"
                     "flow_duration1\n0.00,0,100,10,10,100,nan,nan\n"
                     "1.00,0,100,10,10,7,150,160\n")
        res, tab = an.report(d)
        self.assertEqual(res["equal"][2]["n"], 100)
        self.assertEqual(res["equal"][1], 1)
        self.assertAlmostEqual(res["equal"][2]["p50"], 5050.0)
        self.assertAlmostEqual(res["loop"][2]["p90"], 901.0)
        t, w, names = an.controller(os.path.join(d, "controller.csv"))
        self.assertEqual(names, ["w0", "w1"])
        self.assertEqual(w[-1].tolist(), [100, 7])

    @unittest.skipUnless(HAVE_SKLEARN, "needs python3-sklearn")
    def test_predict_analysis(self):
        an = load_example("predict/analyze.py", "aq_predict_analyze")
        path = os.path.join(TMP, "predict.csv")
        rng = np.random.default_rng(5)
        load = np.repeat(rng.uniform(0.1, 0.9, 20), 12)   # steps of 3 s
        with open(path, "w") as fh:
            fh.write("t,vip,label,backend,rate_n_packet,fct_std,"
                     "fct_avg_decay,fct_90,cpu\n")
            for i, u in enumerate(load):
                for b in (0, 1):
                    fh.write("%.2f,web,web,%d,%.3f,%.4f,%.4f,0,%.4f\n" % (
                        i * 0.25, b, 1000 * u, u, 2 * u, u + 0.01 * b))
        series, names = an.load(path)
        self.assertEqual(sorted(series), [0, 1])
        self.assertEqual(names, ["rate_n_packet", "fct_std", "fct_avg_decay"])
        t, X, cpu = series[1]
        self.assertTrue(np.all(np.diff(t) > 0))
        self.assertAlmostEqual(cpu[-1], 100 * (load[-1] + 0.01), delta=0.01)
        d = an.split(series, 8)
        n = len(load) - 8
        self.assertEqual(len(d["train"][1]) + len(d["test"][1]), 2 * n)
        # the target is the CPU usage 8 steps after the input's, of the
        # same backend; the last value is the CPU usage at the input's step
        Xtr, ytr, last = d["train"]
        self.assertAlmostEqual(ytr[0], 100 * load[8], delta=0.01)
        self.assertAlmostEqual(last[0], 100 * load[0], delta=0.01)
        self.assertAlmostEqual(Xtr[0, 1], load[0], places=4)
        res, yte, ntrain = an.evaluate(series, 1)
        # the features carry the load: one step ahead, a linear model does
        # far better than the mean; the baseline is |cpu(t) - cpu(t+1)|
        lr, lv = res["Linear Regression"][0], res["Last value"][0]
        self.assertLess(lr, 0.5 * np.mean(np.abs(yte - yte.mean())))
        _, yt, lt = an.split(series, 1)["test"]
        self.assertAlmostEqual(lv, float(np.mean(np.abs(yt - lt))))

    def test_loop_controller_weights(self):
        ctl = load_example("loop/controller.py", "aq_loop_controller")
        nan = float("nan")
        self.assertEqual(ctl.weights_from([1000.0, 10000.0]), [100, 10])
        self.assertEqual(ctl.weights_from([nan, 2000.0]), [100, 100])
        self.assertEqual(ctl.weights_from([nan, nan]), [100, 100])
        self.assertEqual(ctl.weights_from([1.0, 1e9]), [100, 1])


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = self.passed = self.failed = self.skipped = 0

    def _line(self, ok, test, extra=""):
        self.n += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.n,
                                test.id().split(".", 1)[1], extra),
              flush=True)

    def addSuccess(self, test):
        self.passed += 1
        self._line(True, test)

    def addFailure(self, test, err):
        self.failed += 1
        self._line(False, test)
        print("# " + self._exc_info_to_string(err, test).replace("\n",
                                                                 "\n# "))

    addError = addFailure

    def addSkip(self, test, reason):
        self.skipped += 1
        self._line(True, test, " # SKIP " + reason)


def main():
    global TMP
    for tool in (GEN, AQREF):
        if not os.access(tool, os.X_OK):
            print("missing %s: run make -C tests/python" % tool)
            print("python: 0 passed, 1 failed, 0 skipped")
            return 1
    TMP = tempfile.mkdtemp(prefix="aq-python-")
    try:
        suite = unittest.defaultTestLoader.loadTestsFromModule(
            sys.modules[__name__])
        res = TapResult()
        suite.run(res)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("1..%d" % res.n)
    print("python: %d passed, %d failed, %d skipped" %
          (res.passed, res.failed, res.skipped))
    return 1 if res.failed or not res.passed else 0


if __name__ == "__main__":
    sys.exit(main())
