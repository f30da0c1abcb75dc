# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The paper's five reductions of a reservoir (section IV.A.2), vectorised
over many reservoirs, with the definitions of libaquarius aq_reduce():

With n non-empty samples v_1..v_n (a slot equal to 0 is empty; values are
int32 if the feature has AQ_FIELD_SIGNED, else uint32), sorted ascending by
value and, among equal values, by sample time (older first):

  mean   = sum(v) / n
  std    = sqrt(sum((v - mean)^2) / n)            population (ddof 0)
  p90    = v_(k), k = ceil(0.9 n)                 nearest rank
  w_i    = 0.9 ** (age_i / 1000)                  age in ms, see slot_ages
  wmean  = sum(w v) / sum(w)                      ("avg_decay")
  wp90   = smallest v_(j) with sum_{i<=j} w_(i) >= 0.9 sum(w)  ("90_decay")

n == 0 gives NaN for all five; sum(w) == 0 (every weight underflowed)
gives NaN for wmean and wp90. Sums are accumulated in the sorted order, one
term after the other, as the C loop does (numpy cumsum), so the results
match libaquarius up to the last bit of pow().
"""
import threading

import numpy as np

from . import layout as L

_EMPTY_KEY = np.uint64(0xffffffffffffffff)
_LOW = np.uint64(0xffffffff)
_SIGN = np.uint64(0x80000000)
_FUTURE_FROM = (1 << 32) - 1 - L.AQ_FUTURE_MS


def slot_ages(slots, now_ms):
    """Age in ms (uint32 arithmetic) of slot words; 0 for a sample stamped
    up to AQ_FUTURE_MS after now_ms."""
    t = (np.asarray(slots, dtype=np.uint64) >> np.uint64(32)).astype(np.uint32)
    age = (np.uint32(int(now_ms) & 0xffffffff) - t).astype(np.uint32)
    age[age > _FUTURE_FROM] = 0
    return age


class _Workspace:
    """Arrays of one shape, reused from call to call: numpy temporaries of
    ~100 KB each would otherwise make glibc grow and trim its heap on every
    reduction (page faults that cost more than the arithmetic)."""

    def __init__(self, rows, ns):
        self.shape = (rows, ns)
        self.keys = np.empty((rows, ns), np.uint64)
        self.u64 = np.empty((rows, ns), np.uint64)
        self.v = np.empty((rows, ns), np.float64)
        self.w = np.empty((rows, ns), np.float64)
        self.t = np.empty((rows, ns), np.float64)
        self.cw = np.empty((rows, ns), np.float64)
        self.full = np.empty((rows, ns), bool)
        self.used = np.empty((rows, ns), bool)
        self.unused = np.empty((rows, ns), bool)
        self.b = np.empty((rows, ns), bool)
        self.idx = np.arange(ns)[None, :]


_tls = threading.local()


def _workspace(rows, ns):
    ws = getattr(_tls, "ws", None)
    if ws is None or ws.shape != (rows, ns):
        ws = _tls.ws = _Workspace(rows, ns)
    return ws


def reduce_rows(slots, signed, now_ms, max_age_ms=None):
    """Reduce every row of `slots` (uint64 [rows, nr_slots]); signed[row]
    says whether that row's values are int32. Returns a dict of arrays of
    length rows: samples, mean, std, p90, wmean, wp90, wsum."""
    slots = np.asarray(slots, dtype=np.uint64)
    rows, ns = slots.shape
    signed = np.asarray(signed, dtype=bool).reshape(rows)
    ws = _workspace(rows, ns)
    now32 = np.uint64((int(now_ms) & 0xffffffff) + (1 << 32))

    def ages(times, out):
        """(uint32)(now - time) of the times (uint64 < 2**32) in out; 0
        for a time up to AQ_FUTURE_MS ahead."""
        np.subtract(now32, times, out=out)
        np.bitwise_and(out, _LOW, out=out)
        np.greater(out, _FUTURE_FROM, out=ws.b)
        np.copyto(out, 0, where=ws.b)
        return out

    if max_age_ms is not None and max_age_ms < 0:
        raise ValueError("max_age_ms %r is negative" % (max_age_ms,))
    full = np.not_equal(slots, 0, out=ws.full)
    if max_age_ms is not None:
        np.right_shift(slots, np.uint64(32), out=ws.u64)
        ages(ws.u64, ws.u64)
        full &= np.less_equal(ws.u64, max_age_ms, out=ws.b)
    # sort key: value (biased so that signed order is unsigned order) in the
    # high half, time in the low half; empty slots sort last
    keys = np.bitwise_and(slots, _LOW, out=ws.keys)
    keys ^= np.where(signed, _SIGN, np.uint64(0))[:, None]
    np.left_shift(keys, np.uint64(32), out=keys)
    keys |= np.right_shift(slots, np.uint64(32), out=ws.u64)
    unused = np.invert(full, out=ws.unused)
    np.copyto(keys, _EMPTY_KEY, where=unused)
    keys.sort(axis=1)
    n = full.sum(axis=1)
    used = np.less(ws.idx, n[:, None], out=ws.used)
    unused = np.invert(used, out=ws.unused)

    # values: the high half, less 2**31 for a signed row (exact in float64)
    np.right_shift(keys, np.uint64(32), out=ws.u64)
    bias = np.where(signed, float(1 << 31), 0.0)[:, None]
    v = np.subtract(ws.u64, bias, out=ws.v)
    np.copyto(v, 0.0, where=unused)
    # weights from the ages of the sorted samples
    np.bitwise_and(keys, _LOW, out=ws.u64)
    ages(ws.u64, ws.u64)
    w = np.divide(ws.u64, 1000.0, out=ws.w)
    np.power(L.AQ_DECAY, w, out=w)
    np.copyto(w, 0.0, where=unused)

    last = np.maximum(n - 1, 0)
    r = np.arange(rows)
    has = n > 0
    nf = np.where(has, n, 1).astype(np.float64)
    t = ws.t
    csum = np.cumsum(v, axis=1, out=t)[r, last]
    mean = csum / nf
    np.subtract(v, mean[:, None], out=t)
    np.copyto(t, 0.0, where=unused)
    np.multiply(t, t, out=t)
    sq = np.cumsum(t, axis=1, out=t)[r, last]
    cw = np.cumsum(w, axis=1, out=ws.cw)
    wsum = cw[r, last]
    np.multiply(w, v, out=t)
    wv = np.cumsum(t, axis=1, out=t)[r, last]
    k = (9 * n + 9) // 10 - 1                    # nearest rank, 0-based
    p90 = v[r, np.maximum(k, 0)]

    # cum >= 0.9 wsum, written as the C code writes it
    thr = wsum * 9.0 * (1.0 - 1e-12)
    np.multiply(cw, 10.0, out=t)
    hit = np.greater_equal(t, thr[:, None], out=ws.b)
    hit &= used
    j = np.where(hit.any(axis=1), hit.argmax(axis=1), last)
    wp90 = v[r, j]

    nan = np.full(rows, np.nan)
    wok = has & (wsum > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {
            "samples": n.astype(np.uint32),
            "mean": np.where(has, mean, nan),
            "std": np.where(has, np.sqrt(sq / nf), nan),
            "p90": np.where(has, p90, nan),
            "wmean": np.where(wok, wv / np.where(wok, wsum, 1.0), nan),
            "wp90": np.where(wok, wp90, nan),
            "wsum": np.where(has, wsum, 0.0),
        }
    return out


class Reductions:
    """Reductions of one backend (arrays [nr_features]) or of several
    (arrays [backends, nr_features]): samples, offered, mean, std, p90,
    wmean, wp90, wsum; `names` are the region's feature names."""

    STATS = ("mean", "std", "p90", "wmean", "wp90")
    # the paper's names of the five scalars (footnotes 12, 14, 15)
    SUFFIX = {"mean": "avg", "std": "std", "p90": "90",
              "wmean": "avg_decay", "wp90": "90_decay"}

    def __init__(self, names, r, offered, now_ms, backend):
        self.names = tuple(names)
        self.now_ms = now_ms
        self.backend = backend
        self.offered = np.asarray(offered, dtype=np.uint64)
        for k, v in r.items():
            setattr(self, k, v)

    def matrix(self):
        """float64 [..., nr_features, 5]: mean, std, p90, wmean, wp90."""
        return np.stack([getattr(self, s) for s in self.STATS], axis=-1)

    def as_dict(self):
        """{'<feature>_<avg|std|90|avg_decay|90_decay>': value} for one
        backend, as the paper names its 13 x 5 features."""
        if np.ndim(self.mean) != 1:
            raise ValueError("as_dict() is for the reductions of one backend")
        return {"%s_%s" % (n, self.SUFFIX[s]): float(getattr(self, s)[i])
                for i, n in enumerate(self.names) for s in self.STATS}

    def __repr__(self):
        return "Reductions(backend=%r, now_ms=%d)" % (self.backend,
                                                     self.now_ms)
