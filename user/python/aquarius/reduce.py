# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The paper's five reductions of a reservoir (section IV.A.2), vectorised
over many reservoirs, computed as libaquarius aq_reduce() computes them
(see user/lib/libaquarius.h), so that the results are the same bit for bit:

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
- sum(w) and sum(w v) accumulated in slot order (numpy cumsum);
- wp90 over the integer weights q = floor(w 2^(52 - e)), 2^(e-1) <= max(w)
  < 2^e: the smallest x with sum{q : v <= x} >= ceil(0.9 sum(q)), exact.
"""
import math
import threading

import numpy as np

from . import layout as L

_LOW = np.uint64(0xffffffff)
_FUTURE_FROM = (1 << 32) - 1 - L.AQ_FUTURE_MS

# decay tables, entries from the C library's pow() (Python's float ** is
# pow() of libm, as libaquarius uses)
_T0 = np.array([L.AQ_DECAY ** (i / 1000.0) for i in range(256)])
_T1 = np.array([L.AQ_DECAY ** ((i << 8) / 1000.0) for i in range(256)])
_T2 = np.array([L.AQ_DECAY ** (float(i << 16) / 1000.0)
                for i in range(L.AQ_DECAY_TABLE_MS >> 16)])


def decay(age_ms):
    """Weights 0.9 ** (age / 1000) of ages in ms (uint32), as libaquarius
    aq_decay() computes them (float64 array of the same shape)."""
    age = np.asarray(age_ms, dtype=np.uint32)
    old = age >= L.AQ_DECAY_TABLE_MS
    a = np.where(old, 0, age)
    w = _T2[a >> 16]
    w *= _T1[(a >> 8) & 0xff]
    w *= _T0[a & 0xff]
    if old.any():
        w[old] = [math.pow(L.AQ_DECAY, x / 1000.0) for x in age[old].tolist()]
    return w


def slot_ages(slots, now_ms):
    """Age in ms (uint32 arithmetic) of slot words; 0 for a sample stamped
    up to AQ_FUTURE_MS after now_ms."""
    t = (np.asarray(slots, dtype=np.uint64) >> np.uint64(32)).astype(np.uint32)
    age = (np.uint32(int(now_ms) & 0xffffffff) - t).astype(np.uint32)
    age[age > _FUTURE_FROM] = 0
    return age


_tls = threading.local()


def _row_index(rows, ns):
    c = getattr(_tls, "idx", None)
    if c is None or c[0] != (rows, ns):
        c = _tls.idx = ((rows, ns), np.arange(rows))
    return c[1]


def reduce_rows(slots, signed, now_ms, max_age_ms=None):
    """Reduce every row of `slots` (uint64 [rows, nr_slots]); signed[row]
    says whether that row's values are int32. Returns a dict of arrays of
    length rows: samples, mean, std, p90, wmean, wp90, wsum."""
    if max_age_ms is not None and max_age_ms < 0:
        raise ValueError("max_age_ms %r is negative" % (max_age_ms,))
    slots = np.asarray(slots, dtype=np.uint64)
    rows, ns = slots.shape
    signed = np.asarray(signed, dtype=bool).reshape(rows)
    r = _row_index(rows, ns)

    full = slots != 0
    age = slot_ages(slots, now_ms)
    if max_age_ms is not None:
        full &= age <= max_age_ms
    raw = (slots & _LOW).astype(np.uint32)
    v = np.where(signed[:, None], raw.view(np.int32), raw).astype(np.int64)
    v[~full] = 0
    n = full.sum(axis=1)
    has = n > 0
    nf = np.where(has, n, 1)

    # mean and std from exact integer sums (|v| < 2^32: v^2 in 16-bit halves)
    s1 = v.sum(axis=1)
    av = np.abs(v)
    hi, lo = av >> 16, av & 0xffff
    sa, sb, sc = (hi * hi).sum(axis=1), (hi * lo).sum(axis=1), \
        (lo * lo).sum(axis=1)
    var = np.empty(rows)
    for i in range(rows):
        m = int(nf[i])
        s2 = (int(sa[i]) << 32) + (int(sb[i]) << 17) + int(sc[i])
        var[i] = float(m * s2 - int(s1[i]) ** 2) / float(m * m)
    mean = s1.astype(np.float64) / nf

    # weights, their sums in slot order
    w = decay(age)
    w[~full] = 0.0
    wsum = np.cumsum(w, axis=1)[:, -1]
    vf = v.astype(np.float64)
    wv = np.cumsum(w * vf, axis=1)[:, -1]

    # p90 and wp90 along the value order (ties in any order: exact sums)
    key = np.where(full, v, np.int64(1) << 40)
    order = np.argsort(key, axis=1)
    sv = np.take_along_axis(v, order, axis=1)
    k = (9 * n + 9) // 10 - 1                    # nearest rank, 0-based
    p90 = sv[r, np.maximum(k, 0)]
    _, e = np.frexp(w.max(axis=1))
    q = np.trunc(np.ldexp(w, (52 - e)[:, None])).astype(np.uint64)
    qs = np.cumsum(np.take_along_axis(q, order, axis=1), axis=1)
    qsum = qs[:, -1]
    t = qsum - qsum // np.uint64(10)             # ceil(0.9 sum(q))
    j = np.argmax(qs >= t[:, None], axis=1)
    wp90 = sv[r, j]

    nan = np.full(rows, np.nan)
    wok = has & (wsum > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {
            "samples": n.astype(np.uint32),
            "mean": np.where(has, mean, nan),
            "std": np.where(has, np.sqrt(var), nan),
            "p90": np.where(has, p90.astype(np.float64), nan),
            "wmean": np.where(wok, wv / np.where(wok, wsum, 1.0), nan),
            "wp90": np.where(wok, wp90.astype(np.float64), nan),
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
