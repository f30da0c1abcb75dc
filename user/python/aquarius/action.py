# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The action area of aquariusd's shm objects (user/lib/aquarius_shm.h):
a controller asks for a new set of weights, the daemon applies or rejects
it and reports back.

    s = request_seq (even); request_seq = s + 1 (odd); nr_weights, weights;
    request_seq = s + 2; then wait until done_seq == s + 2 and read status.

Stores are single aligned numpy element stores, in program order; x86-64
keeps stores in order, which is what the header's smp_wmb() asks for.
"""
import errno
import numbers
import os
import time

import numpy as np

from . import layout as L
from .region import AquariusError


class ActionError(AquariusError):
    """The action area is missing, not initialised or not writable."""


class ActionTimeout(AquariusError, TimeoutError):
    """The daemon did not answer a request in time."""


class Superseded(AquariusError):
    """done_seq went past our request: a newer request replaced it."""


class WeightsRejected(AquariusError):
    """The daemon rejected a request (raised with check=True)."""

    def __init__(self, result):
        super().__init__("weights rejected (%s): %s" % (
            errno.errorcode.get(-result.status, result.status),
            result.message))
        self.result = result


class WeightsResult:
    """What the daemon said about one request."""
    __slots__ = ("seq", "status", "message", "applied", "rejected")

    def __init__(self, seq, status, message, applied, rejected):
        self.seq, self.status, self.message = seq, status, message
        self.applied, self.rejected = applied, rejected

    @property
    def ok(self):
        return self.status == 0

    def __repr__(self):
        return "WeightsResult(seq=%d, status=%d, message=%r)" % (
            self.seq, self.status, self.message)


def check_weights(weights, nr_backends=L.AQ_MAX_BACKENDS):
    """Validate a controller's weights: a sequence of 1..nr_backends
    integers, each 0..AQ_SHM_MAX_WEIGHT. Returns them as uint32."""
    if isinstance(weights, (str, bytes, dict)) or not hasattr(weights,
                                                              "__len__"):
        raise TypeError("weights must be a sequence of integers, one per "
                        "column from column 0")
    ws = list(weights)
    if not ws:
        raise ValueError("no weights: give one per column from column 0")
    if len(ws) > nr_backends:
        raise ValueError("%d weights, at most %d (one per backend column)" %
                         (len(ws), nr_backends))
    out = np.empty(len(ws), dtype=np.uint32)
    for i, w in enumerate(ws):
        if isinstance(w, (bool, np.bool_)) or not isinstance(w,
                                                             numbers.Integral):
            raise TypeError("weight of column %d is %r, not an integer" %
                            (i, w))
        if w < 0:
            raise ValueError("weight of column %d is negative (%d)" % (i, w))
        if w > L.AQ_SHM_MAX_WEIGHT:
            raise ValueError("weight of column %d is %d, at most %d" %
                             (i, w, L.AQ_SHM_MAX_WEIGHT))
        out[i] = int(w)
    return out


class ActionArea:
    """struct aq_shm_action at byte `offset` of a writable buffer."""

    def __init__(self, buf, offset, nr_backends=L.AQ_MAX_BACKENDS):
        self._rec = np.frombuffer(buf, L.SHM_ACTION, 1, offset)
        self.writable = not getattr(buf, "readonly", False) and \
            self._rec.flags.writeable
        self.nr_backends = nr_backends
        a = self._rec[0]
        if int(a["magic"]) != L.AQ_SHM_ACTION_MAGIC:
            raise ActionError("action area: magic %#010x, expected %#010x "
                              "(not initialised by aquariusd?)" %
                              (int(a["magic"]), L.AQ_SHM_ACTION_MAGIC))
        if int(a["version"]) != L.AQ_SHM_ACTION_VERSION:
            raise ActionError("action area version %d, this package writes "
                              "%d" % (int(a["version"]),
                                      L.AQ_SHM_ACTION_VERSION))
        if int(a["size"]) != L.SHM_ACTION.itemsize:
            raise ActionError("action area size %d, expected %d" %
                              (int(a["size"]), L.SHM_ACTION.itemsize))

        def field(name):
            dt, off = L.SHM_ACTION.fields[name][:2]
            count = int(np.prod(dt.shape)) if dt.shape else 1
            return np.frombuffer(buf, dt.base, count, offset + off)
        self._req = field("request_seq")
        self._nr = field("nr_weights")
        self._w = field("weights")
        self._done = field("done_seq")
        self._status = field("status")

    def close(self):
        for a in ("_rec", "_req", "_nr", "_w", "_done", "_status"):
            if hasattr(self, a):
                delattr(self, a)

    @property
    def daemon_pid(self):
        return int(self._rec[0]["daemon_pid"])

    @property
    def mirror_time_ns(self):
        return int(self._rec[0]["mirror_time_ns"])

    @property
    def request_seq(self):
        return int(self._req[0])

    @property
    def done_seq(self):
        return int(self._done[0])

    def _daemon_alive(self):
        pid = self.daemon_pid
        if not pid:
            return "no daemon pid recorded"
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return "daemon pid %d is not running" % pid
        except PermissionError:
            pass
        return "daemon pid %d" % pid

    def submit(self, weights, _between=None):
        """Write a request (no waiting); returns its sequence number."""
        if not self.writable:
            raise ActionError("the shm object is mapped read-only: open it "
                              "with writable=True to write weights")
        ws = check_weights(weights, self.nr_backends)
        s = int(self._req[0])
        if s & 1:
            # a writer died between its two stores: that value was never
            # complete, and the daemon never handles an odd sequence
            s += 1
        self._req[0] = s + 1
        self._nr[0] = ws.size
        self._w[:ws.size] = ws
        self._w[ws.size:] = 0
        if _between is not None:            # tests: the request is odd here
            _between()
        self._req[0] = s + 2
        return s + 2

    def wait(self, seq, timeout=5.0, poll_s=0.001):
        """Wait for done_seq == seq; WeightsResult, or ActionTimeout."""
        deadline = time.monotonic() + timeout
        while True:
            d = int(self._done[0])
            if d == seq:
                a = self._rec[0].copy()
                if int(self._done[0]) == seq:
                    return WeightsResult(seq, int(a["status"]),
                                         bytes(a["message"]).split(b"\0")[0]
                                         .decode("utf-8", "replace"),
                                         int(a["applied"]),
                                         int(a["rejected"]))
                continue
            if d > seq and d & 1 == 0 and d <= int(self._req[0]):
                raise Superseded("request %d was replaced by %d before it "
                                 "was handled" % (seq, d))
            if time.monotonic() >= deadline:
                raise ActionTimeout("no answer to weights request %d in "
                                    "%.3g s (done_seq %d; %s)" %
                                    (seq, timeout, d, self._daemon_alive()))
            time.sleep(poll_s)

    def write_weights(self, weights, timeout=5.0, check=False, poll_s=0.001,
                      _between=None):
        """Ask the daemon for these weights (one per column from column 0)
        and wait for its answer. Bad input raises TypeError/ValueError and
        writes nothing. Returns a WeightsResult (status 0: applied, else
        -errno and a message); with check=True a rejection raises
        WeightsRejected. ActionTimeout if the daemon does not answer."""
        seq = self.submit(weights, _between=_between)
        res = self.wait(seq, timeout=timeout, poll_s=poll_s)
        if check and not res.ok:
            raise WeightsRejected(res)
        return res
