# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The paper's five reductions of a reservoir (section IV.A.2), vectorised
over many reservoirs, computed as libaquarius aq_reduce() computes them
(see user/lib/libaquarius.h):

With n non-empty samples v_1..v_n (a slot equal to 0 is empty; values are
int32 if the feature has AQ_FIELD_SIGNED, else uint32), sorted ascending
as v_(1) <= ... <= v_(n):

  mean   = sum(v) / n
  std    = sqrt(sum((v - mean)^2) / n)            population (ddof 0)
  p90    = v_(k), k = ceil(0.9 n)                 nearest rank
  w_i    = 0.9 ** (age_i / 1000)                  age in ms, see slot_ages
  wmean  = sum(w v) / sum(w)                      ("avg_decay")
  wp90   = smallest v_(j) with sum_{i<=j} w_(i) >= 0.9 sum(w)  ("90_decay")

n == 0 gives NaN for all five; sum(w) == 0 (every weight underflowed)
gives NaN for wmean and wp90. As in C:

- mean = S1 / n and std = sqrt((n S2 - S1^2) / n^2) from the exact integer
  sums S1 = sum(v), S2 = sum(v^2), rounded once to double;
- w = decay(age): a product of three tables of pow(0.9, a / 1000) (within
  1e-13 of pow(0.9, age / 1000) itself, the size of pow's own error from
  rounding age / 1000), pow() for ages of AQ_DECAY_TABLE_MS and more;
- sum(w) and sum(w v) in numpy's order of additions (C adds one term
  after the other): these two, and wmean, may differ from libaquarius in
  the last bits (the tests allow 1e-12 relative), all else is bit-equal;
- wp90 over the integer weights q = floor(w 2^(52 - e)), 2^(e-1) <= max(w)
  < 2^e: the smallest x with sum{q : v <= x} >= ceil(0.9 sum(q)), exact.
"""
import math
import threading

import numpy as np

from . import layout as L

_LOW = np.uint64(0xffffffff)
_DECAY_ZERO_MS = 7072225     # pow(0.9, age / 1000.0) is 0 from here on
_FUTURE_FROM = (1 << 32) - 1 - L.AQ_FUTURE_MS

# decay tables, entries from the C library's pow() (Python's float ** is
# pow() of libm, as libaquarius uses)
_T0 = np.array([L.AQ_DECAY ** (i / 1000.0) for i in range(256)])
_T1 = np.array([L.AQ_DECAY ** ((i << 8) / 1000.0) for i in range(256)])
_T2 = np.array([L.AQ_DECAY ** (float(i << 16) / 1000.0)
                for i in range(L.AQ_DECAY_TABLE_MS >> 16)])
# T2[a >> 8 >> 8] * T1[a >> 8 & 255] for every a >> 8: the same products as
# C's first multiplication, one lookup here
_T21 = (_T2[:, None] * _T1[None, :]).ravel()


def _pow_decay(age):
    """The weight of an age past the tables: libm's pow(), as in C."""
    return math.pow(L.AQ_DECAY, age / 1000.0) if age < _DECAY_ZERO_MS else 0.0


def decay(age_ms):
    """Weights 0.9 ** (age / 1000) of ages in ms (uint32), as libaquarius
    aq_decay() computes them (float64 array of the same shape)."""
    age = np.asarray(age_ms, dtype=np.uint32)
    old = age >= L.AQ_DECAY_TABLE_MS
    a = np.where(old, 0, age)
    w = _T21[a >> 8]
    w *= _T0[a & 0xff]
    if old.any():
        w[old] = [_pow_decay(x) for x in age[old].tolist()]
    return w


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
        self.r = np.arange(rows)
        self.off = (self.r * ns)[:, None]
        self.full = np.empty((rows, ns), bool)
        self.b = np.empty((rows, ns), bool)
        self.u32 = np.empty((rows, ns), np.uint32)
        self.age = np.empty((rows, ns), np.uint32)
        self.v = np.empty((rows, ns), np.int64)
        self.i1 = np.empty((rows, ns), np.int64)
        self.i2 = np.empty((rows, ns), np.int64)
        self.i3 = np.empty((rows, ns), np.int64)
        self.w = np.empty((rows, ns), np.float64)
        self.f1 = np.empty((rows, ns), np.float64)
        self.f2 = np.empty((rows, ns), np.float64)
        self.q = np.empty((rows, ns), np.uint64)
        self.q2 = np.empty((rows, ns), np.uint64)


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
    if max_age_ms is not None and max_age_ms < 0:
        raise ValueError("max_age_ms %r is negative" % (max_age_ms,))
    slots = np.asarray(slots, dtype=np.uint64)
    rows, ns = slots.shape
    signed = np.asarray(signed, dtype=bool).reshape(rows)
    ws = _workspace(rows, ns)
    r = ws.r

    full = np.not_equal(slots, 0, out=ws.full)
    # ages: (uint32)(now - time), 0 up to AQ_FUTURE_MS ahead
    age = ws.age
    np.right_shift(slots, np.uint64(32), out=ws.q, casting="unsafe")
    np.copyto(age, ws.q, casting="unsafe")
    np.subtract(np.uint32(int(now_ms) & 0xffffffff), age, out=age)
    np.greater(age, _FUTURE_FROM, out=ws.b)
    np.copyto(age, 0, where=ws.b)
    if max_age_ms is not None:
        full &= np.less_equal(age, max_age_ms, out=ws.b)
    unused = np.invert(full, out=ws.b)
    # values as int64, 0 in empty slots
    raw = ws.u32
    np.copyto(raw, slots, casting="unsafe")          # the low 32 bits
    v = ws.v
    np.copyto(v, raw, casting="unsafe")
    if signed.any():
        np.copyto(v, raw.view(np.int32), where=signed[:, None],
                  casting="unsafe")
    if max_age_ms is not None:                  # empty slots are 0 already
        np.copyto(v, 0, where=unused)
    n = full.sum(axis=1)
    has = n > 0
    nf = np.where(has, n, 1)

    # mean and std from exact integer sums (|v| < 2^32: v^2 in 16-bit halves)
    s1 = v.sum(axis=1)
    av = np.abs(v, out=ws.i1)
    hi = np.right_shift(av, 16, out=ws.i2)
    lo = np.bitwise_and(av, 0xffff, out=ws.i3)
    sa = np.einsum("ij,ij->i", hi, hi)
    sb = np.einsum("ij,ij->i", hi, lo)
    sc = np.einsum("ij,ij->i", lo, lo)
    # n S2 - S1^2 needs ~90 bits: Python integers (object arrays), then
    # rounded once to float64 as C rounds its __int128
    no, s1o = nf.astype(object), s1.astype(object)
    s2 = (sa.astype(object) << 32) + (sb.astype(object) << 17) + \
        sc.astype(object)
    var = (no * s2 - s1o * s1o).astype(np.float64) / (nf * nf)
    mean = s1 / nf

    # weights (decay(), in place), their sums in slot order
    w = ws.w
    anyold = age.max() >= L.AQ_DECAY_TABLE_MS
    if anyold:
        old = np.greater_equal(age, L.AQ_DECAY_TABLE_MS, out=ws.full)
        olds = age[old]
        np.copyto(age, 0, where=old)
    a = np.right_shift(age, 8, out=ws.u32)
    np.take(_T21, a, out=w)
    np.bitwise_and(age, 0xff, out=a)
    w *= np.take(_T0, a, out=ws.f1)
    if anyold:
        w[old] = [_pow_decay(x) for x in olds.tolist()]
    np.copyto(w, 0.0, where=unused)
    # numpy's summation order, not C's one term after the other: the last
    # bits can differ (1e-12 relative at most, tests/python)
    wsum = w.sum(axis=1)
    vf = ws.f2
    np.copyto(vf, v, casting="unsafe")
    wv = np.einsum("ij,ij->i", w, vf)

    # p90 and wp90 along the value order (ties in any order: exact sums)
    key = ws.i1
    np.copyto(key, v)
    np.copyto(key, np.int64(1) << 40, where=unused)
    order = np.argsort(key, axis=1)
    order += ws.off                              # flat indices
    sv = np.take(v, order, out=ws.i2)
    k = (9 * n + 9) // 10 - 1                    # nearest rank, 0-based
    p90 = sv[r, np.maximum(k, 0)]
    _, e = np.frexp(w.max(axis=1))
    np.ldexp(w, (52 - e)[:, None], out=ws.f1)
    np.copyto(ws.q, ws.f1, casting="unsafe")     # truncates, as C does
    qs = np.take(ws.q, order, out=ws.q2)
    np.cumsum(qs, axis=1, out=qs)
    qsum = qs[:, -1]
    t = qsum - qsum // np.uint64(10)             # ceil(0.9 sum(q))
    j = np.argmax(np.greater_equal(qs, t[:, None], out=ws.b), axis=1)
    wp90 = sv[r, j]

    wok = wsum > 0                               # implies n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {
            "samples": n.astype(np.uint32),
            "mean": mean,
            "std": np.sqrt(var),
            "p90": p90.astype(np.float64),
            "wmean": wv / wsum,
            "wp90": wp90.astype(np.float64),
            "wsum": wsum,
        }
    if not has.all():
        for k in ("mean", "std", "p90"):
            out[k][~has] = np.nan
        out["wsum"][~has] = 0.0
    if not wok.all():
        out["wmean"][~wok] = np.nan
        out["wp90"][~wok] = np.nan
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
