# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Reading one aquarius region: the kernel's (/dev/aquarius) or aquariusd's
copy in POSIX shm (/dev/shm/aquarius-<vip>), which has the same layout.

Memory ordering: the sequence protocols of <linux/aquarius.h> need the
reader's loads to stay in program order (seq, copy, seq). Each step here is
a separate numpy call on an aligned view, so on x86-64 (whose loads are not
reordered with other loads) the copy is checked exactly as libaquarius
checks it; a weakly ordered CPU would need barriers Python cannot issue.
Copies of 64-bit words are numpy copies of aligned 8-byte elements.
"""
import mmap
import os
import socket
import time

import numpy as np

from . import layout as L
from .reduce import Reductions, reduce_rows, slot_ages


class AquariusError(Exception):
    """Any failure of this package (bad region, no data, protocol)."""


class BadRegion(AquariusError):
    """The memory is not a region this package reads."""


class NoSnapshot(AquariusError):
    """latest_seq is 0: the kernel has not published a frame yet."""


class Busy(AquariusError):
    """No consistent copy after the allowed number of attempts."""


def _cstr(b):
    return bytes(b).split(b"\0", 1)[0].decode("ascii", "replace")


def _addr(family, raw):
    raw = bytes(raw)
    if family == socket.AF_INET:
        return socket.inet_ntop(socket.AF_INET, raw[:4])
    if family == socket.AF_INET6:
        return socket.inet_ntop(socket.AF_INET6, raw[:16])
    return None


def monotonic_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


class Field:
    """One counter or feature as described by the region."""
    __slots__ = ("index", "name", "unit", "flags")

    def __init__(self, index, name, unit, flags):
        self.index, self.name, self.unit, self.flags = index, name, unit, flags

    @property
    def signed(self):
        return bool(self.flags & L.AQ_FIELD_SIGNED)

    @property
    def tcp_only(self):
        return bool(self.flags & L.AQ_FIELD_TCP_ONLY)

    def __repr__(self):
        return "Field(%d, %r, %r, flags=%#x)" % (self.index, self.name,
                                                 self.unit, self.flags)


class Backend:
    """A configured column of the region (family != 0)."""
    __slots__ = ("column", "family", "addr", "port")

    def __init__(self, column, family, addr, port):
        self.column, self.family, self.addr, self.port = (column, family,
                                                          addr, port)

    def __repr__(self):
        return "Backend(%d, %s, %d)" % (self.column, self.addr, self.port)


# word indexes of struct aq_frame's members
_W_SEQ, _W_TIME, _W_ACTIVE, _W_VIP, _W_COUNTERS = (
    L.FRAME.fields[m][1] // 8 for m in ("seq", "time_ns", "active",
                                        "vip_counters", "counters"))


class Snapshot:
    """One consistent frame: copies, never views of the shared memory.

    raw          uint64 [nr_backends, nr_counters], as in the frame
    counters     int64, the same with AQ_FIELD_SIGNED fields decoded
    columns      counter names from the region, in column order
    vip_counters int64 [nr_vip_counters], names in vip_columns
    active       bitmap (int) of active backends, bits >= nr_backends clear
    """

    def __init__(self, region, words, tries):
        # words: a private copy of the frame as uint64 words
        self.seq = int(words[_W_SEQ])
        self.time_ns = int(words[_W_TIME])
        active = int(words[_W_ACTIVE])
        nb = region.nr_backends
        if nb < 64:
            active &= (1 << nb) - 1
        self.active = active
        self.tries = tries
        self.columns = region._counter_names
        self.vip_columns = region._vip_counter_names
        self._signed = region._counter_signed
        self.raw = words[_W_COUNTERS:_W_COUNTERS + nb * L.AQ_NR_COUNTERS] \
            .reshape(nb, L.AQ_NR_COUNTERS)
        self.counters = self.raw.view(np.int64)
        self.vip_raw = words[_W_VIP:_W_VIP + L.AQ_NR_VIP_COUNTERS]
        self.vip_counters = self.vip_raw.view(np.int64)

    def __getitem__(self, name):
        """The column of counter `name` for every backend (int64)."""
        return self.counters[:, self.columns.index(name)]

    def active_columns(self):
        return np.array([b for b in range(self.counters.shape[0])
                         if self.active >> b & 1], dtype=np.int64)

    def as_records(self):
        """A structured array, one record per backend, fields named by the
        region (int64 for AQ_FIELD_SIGNED counters, else uint64)."""
        dt = np.dtype([(n, "<i8" if s else "<u8")
                       for n, s in zip(self.columns, self._signed)])
        out = np.empty(self.raw.shape[0], dtype=dt)
        for i, n in enumerate(self.columns):
            out[n] = self.counters[:, i] if self._signed[i] else self.raw[:, i]
        return out

    def delta(self, newer):
        return Delta(self, newer)

    def __repr__(self):
        return "Snapshot(seq=%d, time_ns=%d, active=%#x)" % (
            self.seq, self.time_ns, self.active)


class Delta:
    """Counters between two snapshots of one region (newer - older).

    counters     int64 [nr_backends, nr_counters]: differences, modulo 2**64
                 (a cumulative counter), or the change of a gauge such as
                 n_flow_on
    vip_counters int64 differences of the per-VIP counters
    dt_s         seconds between the two folds (frame time_ns)
    rates        float64 counters / dt_s (ValueError if dt_s is 0)
    """

    def __init__(self, older, newer):
        if newer.columns != older.columns:
            raise ValueError("snapshots of different regions")
        if newer.seq < older.seq:
            raise ValueError("snapshot %d is older than %d" %
                             (newer.seq, older.seq))
        self.older, self.newer = older, newer
        self.columns = newer.columns
        self.vip_columns = newer.vip_columns
        with np.errstate(over="ignore"):
            self.counters = (newer.raw - older.raw).view(np.int64)
            self.vip_counters = (newer.vip_raw - older.vip_raw).view(np.int64)
        self.dt_ns = newer.time_ns - older.time_ns
        self.dt_s = self.dt_ns / 1e9

    @property
    def rates(self):
        if self.dt_ns <= 0:
            raise ValueError("no time between snapshots %d and %d" %
                             (self.older.seq, self.newer.seq))
        return self.counters / self.dt_s

    @property
    def vip_rates(self):
        if self.dt_ns <= 0:
            raise ValueError("no time between snapshots %d and %d" %
                             (self.older.seq, self.newer.seq))
        return self.vip_counters / self.dt_s

    def __getitem__(self, name):
        return self.counters[:, self.columns.index(name)]


class Weights:
    """The load-balancing state of the header, as one consistent set."""
    __slots__ = ("seq", "mode", "sched", "draining", "weights")

    def __init__(self, seq, mode, sched, draining, weights):
        self.seq, self.mode, self.sched = seq, mode, sched
        self.draining, self.weights = draining, weights

    @property
    def mode_name(self):
        return L.MODES[self.mode] if self.mode < len(L.MODES) else str(self.mode)

    @property
    def sched_name(self):
        return (L.SCHEDS[self.sched] if self.sched < len(L.SCHEDS)
                else str(self.sched))

    def __repr__(self):
        return "Weights(seq=%d, %s/%s, draining=%#x)" % (
            self.seq, self.mode_name, self.sched_name, self.draining)


class Region:
    """A validated region in a buffer (mmap) of `size` bytes at `base`.

    Use aquarius.open(), open_path() or open_device() rather than this
    constructor. The descriptive header is copied once (it is static for
    the life of a region); counters, weights and reservoirs are read live.
    """

    def __init__(self, buf, size, base=0, owner=None, path=None):
        self._buf = buf
        self._owner = owner          # mmap to close with the region
        self.path = path
        self._base = base
        if size < L.REGION_HEADER.itemsize:
            raise BadRegion("%d bytes, smaller than the header (%d)" %
                            (size, L.REGION_HEADER.itemsize))
        # a private copy: validated once, no view left behind on failure
        hsz = L.REGION_HEADER.itemsize
        h = np.frombuffer(bytes(buf[base:base + hsz]), L.REGION_HEADER)[0]
        self.header = h
        self._validate(h, size)
        self.region_size = int(h["region_size"])
        self.nr_backends = nb = int(h["nr_backends"])
        self.nr_slots = ns = int(h["nr_slots"])
        self.nr_features = nf = int(h["nr_features"])
        self.nr_frames = int(h["nr_frames"])
        self.frame_size = int(h["frame_size"])
        self.epoch_ns = int(h["epoch_ns"])
        self.snapshot_interval_ns = int(h["snapshot_interval_ns"])
        self.name = _cstr(h["name"])
        self.vip_family = int(h["vip_family"])
        self.vip_addr = _addr(self.vip_family, h["vip_addr"])
        self.vip_port = int(h["vip_port"])
        self.vip_proto = int(h["vip_proto"])
        self.counters = tuple(Field(i, _cstr(d["name"]), _cstr(d["unit"]),
                                    int(d["flags"]))
                              for i, d in enumerate(h["counters"]))
        self.vip_counters = tuple(Field(i, _cstr(d["name"]), _cstr(d["unit"]),
                                        int(d["flags"]))
                                  for i, d in enumerate(h["vip_counters"]))
        self.features = tuple(Field(i, _cstr(d["name"]), _cstr(d["unit"]),
                                    int(d["flags"]))
                              for i, d in enumerate(h["features"]))
        self.feature_names = tuple(f.name for f in self.features)
        self._counter_names = tuple(f.name for f in self.counters)
        self._vip_counter_names = tuple(f.name for f in self.vip_counters)
        self._counter_signed = np.array([f.signed for f in self.counters])
        self._feature_signed = np.array([f.signed for f in self.features])
        self.backends = tuple(
            Backend(c, int(d["family"]), _addr(int(d["family"]), d["addr"]),
                    int(d["port"]))
            for c, d in enumerate(h["backends"][:nb]) if d["family"])

        def u64_at(off, count):
            return np.frombuffer(buf, "<u8", count, base + off)

        hf = L.REGION_HEADER.fields
        self._latest = u64_at(hf["latest_seq"][1], 1)
        # weights_seq, draining and weights[] are live too
        self._wseq = np.frombuffer(buf, "<u4", 1, base + hf["weights_seq"][1])
        self._lb = np.frombuffer(buf, L.REGION_HEADER, 1, base)
        fwords = L.FRAME.itemsize // 8
        fo = int(h["frames_offset"])
        self._frames = [u64_at(fo + i * self.frame_size, fwords)
                        for i in range(self.nr_frames)]
        self._offered = u64_at(int(h["offered_offset"]),
                               nb * nf).reshape(nb, nf)
        self._slots = u64_at(int(h["slots_offset"]),
                             nb * nf * ns).reshape(nb, nf, ns)

    # ---- validation (the checks of libaquarius aq_region_attach) --------
    @staticmethod
    def _validate(h, size):
        if h["magic"] != L.AQ_REGION_MAGIC:
            raise BadRegion("magic %#010x, expected %#010x" %
                            (h["magic"], L.AQ_REGION_MAGIC))
        if h["version"] != L.AQ_LAYOUT_VERSION:
            raise BadRegion("layout version %d, this package reads %d" %
                            (h["version"], L.AQ_LAYOUT_VERSION))
        if h["header_size"] != L.REGION_HEADER.itemsize:
            raise BadRegion("header_size %d, expected %d" %
                            (h["header_size"], L.REGION_HEADER.itemsize))
        rs = int(h["region_size"])
        if rs < h["header_size"] or rs > size:
            raise BadRegion("region_size %d outside [%d, %d] (mapped size)" %
                            (rs, h["header_size"], size))
        nb = int(h["nr_backends"])
        if not 1 <= nb <= L.AQ_MAX_BACKENDS:
            raise BadRegion("nr_backends %d not in 1..%d" %
                            (nb, L.AQ_MAX_BACKENDS))
        ns = int(h["nr_slots"])
        if ns < 1 or ns & (ns - 1) or ns > L.AQ_MAX_SLOTS:
            raise BadRegion("nr_slots %d not a power of two <= %d" %
                            (ns, L.AQ_MAX_SLOTS))
        got = (int(h["nr_counters"]), int(h["nr_vip_counters"]),
               int(h["nr_features"]))
        want = (L.AQ_NR_COUNTERS, L.AQ_NR_VIP_COUNTERS, L.AQ_NR_FEATURES)
        if got != want:
            raise BadRegion("nr_counters/nr_vip_counters/nr_features "
                            "%d/%d/%d, expected %d/%d/%d" % (got + want))
        if h["nr_frames"] < 1:
            raise BadRegion("nr_frames is 0")
        fs = int(h["frame_size"])
        if fs < L.FRAME.itemsize or fs % 8:
            raise BadRegion("frame_size %d (need a multiple of 8 >= %d)" %
                            (fs, L.FRAME.itemsize))
        # numpy's S32 strips trailing NULs: check the raw bytes
        raw_name = h.tobytes()[L.offset_of(L.REGION_HEADER, "name"):
                               L.offset_of(L.REGION_HEADER, "name") +
                               L.AQ_NAME_LEN]
        if b"\0" not in raw_name:
            raise BadRegion("VIP name not NUL-terminated")
        nf = int(h["nr_features"])
        areas = [("frames", int(h["frames_offset"]), int(h["nr_frames"]) * fs),
                 ("offered", int(h["offered_offset"]), nb * nf * 8),
                 ("slots", int(h["slots_offset"]), nb * nf * ns * 8)]
        hs = int(h["header_size"])
        for what, start, length in areas:
            if start % 8:
                raise BadRegion("%s offset %d not 8-byte aligned" %
                                (what, start))
            if start < hs:
                raise BadRegion("%s offset %d inside the header (%d bytes)" %
                                (what, start, hs))
            if start > rs or length > rs - start:
                raise BadRegion("%s [%d, +%d) beyond region_size %d" %
                                (what, start, length, rs))
        for i, a in enumerate(areas):
            for b in areas[i + 1:]:
                if a[1] < b[1] + b[2] and b[1] < a[1] + a[2]:
                    raise BadRegion("%s and %s areas overlap" % (a[0], b[0]))

    # ---- lifetime --------------------------------------------------------
    def close(self):
        """Drop every view of the mapping, then unmap it (if ours)."""
        for a in ("_latest", "_wseq", "_lb", "_frames", "_offered", "_slots"):
            if hasattr(self, a):
                delattr(self, a)
        self._buf = None
        if self._owner is not None:
            self._owner.close()
            self._owner = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "Region(%r, %s:%d, %d slots)" % (self.name, self.vip_addr,
                                                self.vip_port, self.nr_slots)

    # ---- helpers ----------------------------------------------------------
    def now_ms(self):
        """CLOCK_MONOTONIC now in ms since the region's epoch (0 if before),
        as libaquarius aq_now_ms()."""
        ns = monotonic_ns()
        return (ns - self.epoch_ns) // 1000000 if ns > self.epoch_ns else 0

    def feature_index(self, feature):
        if isinstance(feature, str):
            try:
                return self.feature_names.index(feature)
            except ValueError:
                raise KeyError("no feature %r (the region has %s)" %
                               (feature, ", ".join(self.feature_names)))
        f = int(feature)
        if not 0 <= f < self.nr_features:
            raise IndexError("feature %d out of range (0..%d)" %
                             (f, self.nr_features - 1))
        return f

    def _backend_index(self, backend):
        b = int(backend)
        if not 0 <= b < self.nr_backends:
            raise IndexError("backend %d out of range (0..%d)" %
                             (b, self.nr_backends - 1))
        return b

    def latest_seq(self):
        return int(self._latest[0])

    # ---- counters ---------------------------------------------------------
    def snapshot(self, max_tries=0):
        """The newest complete frame, copied under the protocol of
        <linux/aquarius.h> as libaquarius aq_snapshot_tries() does: load
        latest_seq (0: NoSnapshot), the frame's seq, copy, reload seq;
        accept iff both equal latest_seq, else start again, at most
        max_tries times (0: AQ_SNAPSHOT_TRIES), then Busy."""
        if not max_tries:
            max_tries = L.AQ_SNAPSHOT_TRIES
        for t in range(1, max_tries + 1):
            if t > 4:
                os.sched_yield()
            n = int(self._latest[0])
            if n == 0:
                raise NoSnapshot("no snapshot yet")
            f = self._frames[n % self.nr_frames]
            if int(f[0]) != n:
                continue
            copy = f.copy()
            if int(f[0]) != n:
                continue
            return Snapshot(self, copy, t)
        raise Busy("no consistent snapshot after %d attempts "
                   "(writer too fast?)" % max_tries)

    def active(self):
        """Bitmap of active backends, from the newest snapshot."""
        return self.snapshot().active

    def weights(self, max_tries=0):
        """mode, scheduler, draining bitmap and weights[nr_backends], copied
        under weights_seq (consistent iff equal before and after, even)."""
        if not max_tries:
            max_tries = L.AQ_SNAPSHOT_TRIES
        for t in range(1, max_tries + 1):
            if t > 4:
                os.sched_yield()
            s1 = int(self._wseq[0])
            if s1 & 1:
                continue
            h = self._lb[0].copy()
            if int(self._wseq[0]) != s1:
                continue
            return Weights(s1, int(h["mode"]), int(h["sched"]),
                           int(h["draining"]),
                           np.array(h["weights"][:self.nr_backends],
                                    dtype=np.uint32))
        raise Busy("weights_seq did not settle after %d attempts" % max_tries)

    # ---- reservoirs -------------------------------------------------------
    def offered(self, backend=None):
        """offered[b][f] (uint64): one backend's row, or the whole table."""
        if backend is None:
            return self._offered.copy()
        return self._offered[self._backend_index(backend)].copy()

    def slots(self, backend, feature=None):
        """Raw slot words (uint64) of a backend [nr_features, nr_slots] or
        of one (backend, feature) [nr_slots]; empty slots are 0."""
        b = self._backend_index(backend)
        if feature is None:
            return self._slots[b].copy()
        return self._slots[b, self.feature_index(feature)].copy()

    def samples(self, backend, feature, now_ms=None, max_age_ms=None):
        """Non-empty samples of (backend, feature) as an int64 array of
        shape (n, 2): columns age_ms and value (decoded as int32 if the
        feature is AQ_FIELD_SIGNED, else uint32), in slot order. Age is
        (uint32)(now_ms - time), 0 for a sample up to AQ_FUTURE_MS ahead.
        With max_age_ms, only samples at most that old."""
        if max_age_ms is not None and max_age_ms < 0:
            raise ValueError("max_age_ms %r is negative" % (max_age_ms,))
        f = self.feature_index(feature)
        s = self.slots(backend, f)
        s = s[s != 0]
        if now_ms is None:
            now_ms = self.now_ms()
        age = slot_ages(s, now_ms).astype(np.int64)
        v = (s & np.uint64(0xffffffff)).astype(np.uint32)
        val = (v.view(np.int32) if self.features[f].signed else v)
        out = np.empty((s.size, 2), dtype=np.int64)
        out[:, 0] = age
        out[:, 1] = val
        if max_age_ms is not None:
            out = out[out[:, 0] <= max_age_ms]
        return out

    def reduce(self, backend, now_ms=None, max_age_ms=None):
        """The paper's five scalars for every feature of one backend, as
        libaquarius aq_reduce() computes them (see aquarius.reduce)."""
        b = self._backend_index(backend)
        if now_ms is None:
            now_ms = self.now_ms()
        slots = self._slots[b].copy()
        offered = self._offered[b].copy()
        r = reduce_rows(slots, self._feature_signed, now_ms, max_age_ms)
        return Reductions(self.feature_names, r, offered, now_ms, b)

    def reduce_all(self, backends=None, now_ms=None, max_age_ms=None):
        """reduce() for several backends at once (default: the configured
        columns): arrays of shape [len(backends), nr_features]."""
        if backends is None:
            backends = [be.column for be in self.backends]
        bs = np.array([self._backend_index(b) for b in backends],
                      dtype=np.int64)
        if now_ms is None:
            now_ms = self.now_ms()
        slots = self._slots[bs].reshape(-1, self.nr_slots)
        offered = self._offered[bs]
        signed = np.tile(self._feature_signed, bs.size)
        r = reduce_rows(slots, signed, now_ms, max_age_ms)
        r = {k: v.reshape(bs.size, self.nr_features) for k, v in r.items()}
        return Reductions(self.feature_names, r, offered, now_ms, bs)


# ---- opening ---------------------------------------------------------------
def _map(path, offset, size, writable):
    flags = os.O_RDWR if writable else os.O_RDONLY
    fd = os.open(path, flags | os.O_CLOEXEC)
    try:
        if size is None:
            size = os.fstat(fd).st_size - offset
            if size <= 0:
                raise BadRegion("%s: empty (%d bytes past offset %d)" %
                                (path, size, offset))
        prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
        m = mmap.mmap(fd, size, flags=mmap.MAP_SHARED, prot=prot,
                      offset=offset)
    finally:
        os.close(fd)
    return m, size


def parse_proc(text):
    """Discovery text of /proc/net/aquarius: {name: (offset, size)}."""
    vips = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        tok = line.split()
        if not tok or tok[0] == "backend":
            continue
        if tok[0] != "vip" or len(tok) != 9 or tok[5] != "offset" or \
           tok[7] != "size":
            raise AquariusError("line %d: bad discovery line %r" %
                                (lineno, line))
        vips[tok[1]] = (int(tok[6], 0), int(tok[8], 0))
    return vips
