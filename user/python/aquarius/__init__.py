# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""aquarius: read the per-VIP features of the aquarius module with numpy.

    import aquarius
    with aquarius.open("web") as r:          # /dev/shm/aquarius-web
        a = r.snapshot(); ...; b = r.snapshot()
        rates = a.delta(b).rates             # [backends, counters] per s
        red = r.reduce(0)                    # 13 features x 5 scalars
        r.write_weights([3, 1])              # through aquariusd

The layout is that of uapi/linux/aquarius.h; the shm format and the action
area that of user/lib/aquarius_shm.h. Semantics follow libaquarius.
"""
import builtins
import os

from . import layout
from .action import (ActionArea, ActionError, ActionTimeout, Superseded,
                     WeightsRejected, WeightsResult, check_weights)
from .layout import (AQ_MAX_BACKENDS, AQ_SHM_MAX_WEIGHT, AQ_FIELD_SIGNED,
                     AQ_FIELD_TCP_ONLY)
from .reduce import Reductions, reduce_rows, slot_ages
from .region import (AquariusError, BadRegion, Busy, Delta, NoSnapshot,
                     Region, Snapshot, Weights, _map, parse_proc)

__all__ = ["open", "open_path", "open_device", "shm_path", "Region", "Shm",
           "Snapshot", "Delta", "Weights", "Reductions", "WeightsResult",
           "AquariusError", "BadRegion", "NoSnapshot", "Busy", "ActionError",
           "ActionTimeout", "Superseded", "WeightsRejected", "check_weights",
           "reduce_rows", "slot_ages", "layout", "AQ_MAX_BACKENDS",
           "AQ_SHM_MAX_WEIGHT", "AQ_FIELD_SIGNED", "AQ_FIELD_TCP_ONLY"]


class Shm(Region):
    """aquariusd's shm object: a Region at offset 0 and, at region_size,
    the action area (struct aq_shm_action), checked when first used so
    that reading counters never depends on it."""

    def __init__(self, buf, size, owner=None, path=None):
        super().__init__(buf, size, 0, owner, path)
        self._action = None
        self.has_action_area = (size >= self.region_size +
                                layout.SHM_ACTION.itemsize)

    @property
    def action(self):
        """The ActionArea; ActionError if the object has none, or the
        daemon has not initialised it (magic, version, size)."""
        if self._action is None:
            if not self.has_action_area:
                raise ActionError("%s has no action area after its region "
                                  "(not an aquariusd shm object?)" %
                                  self.path)
            self._action = ActionArea(self._buf, self.region_size,
                                      self.nr_backends)
        return self._action

    def close(self):
        if self._action is not None:
            self._action.close()
            self._action = None
        super().close()

    def write_weights(self, weights, timeout=5.0, check=False, poll_s=0.001):
        """See ActionArea.write_weights()."""
        return self.action.write_weights(weights, timeout=timeout,
                                         check=check, poll_s=poll_s)


def shm_path(vip):
    return os.path.join(layout.AQ_SHM_DIR, layout.AQ_SHM_PREFIX + vip)


def open_path(path, writable=None, offset=0, size=None):
    """Map a region from a file: an aquariusd shm object (with its action
    area) when offset is 0, or a region at `offset` of `size` bytes of any
    file or device. writable: True to write weights, False read-only, None
    try read-write then fall back to read-only."""
    if offset or size is not None:
        m, size = _map(path, offset, size, False)
        try:
            return Region(m, size, 0, m, path)
        except BaseException:
            m.close()
            raise
    if writable is None:
        try:
            m, size = _map(path, 0, None, True)
        except PermissionError:
            m, size = _map(path, 0, None, False)
    else:
        m, size = _map(path, 0, None, writable)
    try:
        return Shm(m, size, m, path)
    except BaseException:
        m.close()
        raise


def open_device(vip, proc=None, dev=None):
    """Map a VIP's kernel region read-only from /dev/aquarius, at the
    offset and size listed in /proc/net/aquarius (AQUARIUS_PROC and
    AQUARIUS_DEV in the environment, or the arguments, override them)."""
    proc = proc or os.environ.get("AQUARIUS_PROC") or layout.AQ_PROC_PATH
    dev = dev or os.environ.get("AQUARIUS_DEV") or layout.AQ_DEVICE_PATH
    with builtins.open(proc) as f:
        vips = parse_proc(f.read())
    if vip not in vips:
        raise AquariusError("%s: no vip named %r" % (proc, vip))
    off, size = vips[vip]
    r = open_path(dev, offset=off, size=size)
    if r.name != vip:
        r.close()
        raise AquariusError("region at offset %d belongs to %r, not %r "
                            "(listing out of date?)" % (off, r.name, vip))
    return r


def open(vip_or_path, writable=None):
    """aquarius.open("web") maps /dev/shm/aquarius-web; a name with a "/"
    is a path to such an object (or to a bare region file)."""
    if "/" in vip_or_path:
        return open_path(vip_or_path, writable)
    return open_path(shm_path(vip_or_path), writable)
