# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The fixed shapes of uapi/linux/aquarius.h and user/lib/aquarius_shm.h.

Only the shapes of the structs live here (numpy dtypes laid out with the C
alignment rules, align=True). Where the areas of a region are, how many
slots, frames and backends it has and what its fields are called come from
the region's own header at run time. The test suite compares every offset
below with offsetof() printed by a C program compiled against the headers.
"""
import numpy as np

# ---- uapi/linux/aquarius.h ----------------------------------------------
AQ_REGION_MAGIC = 0x41515541
AQ_LAYOUT_VERSION = 2
AQ_MAX_BACKENDS = 64
AQ_NAME_LEN = 32
AQ_NR_COUNTERS = 8          # enum aq_counter
AQ_NR_VIP_COUNTERS = 4      # enum aq_vip_counter
AQ_NR_FEATURES = 13         # enum aq_feature
AQ_FIELD_SIGNED = 0x1
AQ_FIELD_TCP_ONLY = 0x2
AQ_MAX_WEIGHT = 65535
AQ_DEVICE_PATH = "/dev/aquarius"
AQ_PROC_PATH = "/proc/net/aquarius"

# ---- user/lib/aquarius_shm.h --------------------------------------------
AQ_SHM_PREFIX = "aquarius-"
AQ_SHM_DIR = "/dev/shm"
AQ_SHM_ACTION_MAGIC = 0x43415141
AQ_SHM_ACTION_VERSION = 1
AQ_SHM_ACTION_SIZE = 4096
AQ_SHM_MAX_WEIGHT = 65535
AQ_SHM_MSG_LEN = 128

# ---- user/lib/libaquarius.h (semantics mirrored here) -------------------
AQ_MAX_SLOTS = 4096         # largest reservoir libaquarius accepts
AQ_SNAPSHOT_TRIES = 1000    # attempts of a snapshot before giving up
AQ_FUTURE_MS = 60000        # a sample up to this far ahead has age 0
AQ_DECAY = 0.9              # weight of a sample: 0.9 ** age_in_seconds
AQ_DECAY_TABLE_MS = 99 << 16  # older samples: pow() rather than the tables

FIELD_DESC = np.dtype([
    ("name", "S16"),
    ("unit", "S8"),
    ("flags", "<u4"),
    ("reserved", "<u4"),
], align=True)

BACKEND_DESC = np.dtype([
    ("addr", "u1", (16,)),
    ("port", "<u2"),
    ("family", "u1"),
    ("reserved", "u1", (5,)),
], align=True)

REGION_HEADER = np.dtype([
    ("magic", "<u4"),
    ("version", "<u4"),
    ("header_size", "<u4"),
    ("region_size", "<u4"),
    ("nr_backends", "<u4"),
    ("nr_slots", "<u4"),
    ("nr_counters", "<u4"),
    ("nr_vip_counters", "<u4"),
    ("nr_features", "<u4"),
    ("nr_frames", "<u4"),
    ("frames_offset", "<u4"),
    ("frame_size", "<u4"),
    ("offered_offset", "<u4"),
    ("slots_offset", "<u4"),
    ("epoch_ns", "<u8"),
    ("snapshot_interval_ns", "<u8"),
    ("latest_seq", "<u8"),
    ("name", "S%d" % AQ_NAME_LEN),
    ("vip_addr", "u1", (16,)),
    ("vip_port", "<u2"),
    ("vip_family", "u1"),
    ("vip_proto", "u1"),
    ("reserved", "<u4"),
    ("backends", BACKEND_DESC, (AQ_MAX_BACKENDS,)),
    ("counters", FIELD_DESC, (AQ_NR_COUNTERS,)),
    ("vip_counters", FIELD_DESC, (AQ_NR_VIP_COUNTERS,)),
    ("features", FIELD_DESC, (AQ_NR_FEATURES,)),
    ("mode", "u1"),
    ("sched", "u1"),
    ("reserved2", "<u2"),
    ("weights_seq", "<u4"),
    ("draining", "<u8"),
    ("weights", "<u4", (AQ_MAX_BACKENDS,)),
], align=True)

FRAME = np.dtype([
    ("seq", "<u8"),
    ("time_ns", "<u8"),
    ("active", "<u8"),
    ("vip_counters", "<u8", (AQ_NR_VIP_COUNTERS,)),
    ("counters", "<u8", (AQ_MAX_BACKENDS, AQ_NR_COUNTERS)),
], align=True)

SHM_ACTION = np.dtype([
    ("magic", "<u4"),
    ("version", "<u4"),
    ("size", "<u4"),
    ("daemon_pid", "<u4"),
    ("mirror_time_ns", "<u8"),
    ("request_seq", "<u8"),
    ("nr_weights", "<u4"),
    ("request_reserved", "<u4"),
    ("weights", "<u4", (AQ_MAX_BACKENDS,)),
    ("done_seq", "<u8"),
    ("status", "<i4"),
    ("applied", "<u4"),
    ("rejected", "<u4"),
    ("done_reserved", "<u4"),
    ("message", "S%d" % AQ_SHM_MSG_LEN),
], align=True)

MODES = ("observe", "nat", "ipip")              # enum aq_mode
SCHEDS = ("maglev", "sed", "lsq", "random")     # enum aq_sched


def offset_of(dtype, path):
    """Byte offset of a (dotted) field of a struct dtype, for tests."""
    off = 0
    for part in path.split("."):
        sub, o = dtype.fields[part][:2]
        off += o
        dtype = sub.base if sub.subdtype else sub
    return off
