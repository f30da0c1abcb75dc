#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Map and unmap the aquarius regions in a loop (tests/selftests/stress.sh).

  stress_map.py --stop FILE [--proc P] [--dev D] [--pause-ms MS]
                [--slow-file F [--slow-pause-ms MS]]

Until FILE exists: read the discovery file, open the device read-only,
map each listed VIP's region (PROT_READ, MAP_SHARED, at its offset), check
the header's magic, version and name and that latest_seq never goes
backwards while the same mapping is held, unmap, close, pause (--pause-ms,
20; --slow-pause-ms, 500, while the file F exists: a reload waits for the
module to be free, and under TCG a round holds the device most of the
time, so with short pauses rmmod would rarely find it free). The module
may be absent or VIPs may go away at any moment (another loop reloads the
module and changes VIPs): a missing file, ENOENT, ENODEV or ENXIO is
counted, not an error. A mapping that succeeds but shows a wrong header
is a failure. Prints a JSON summary at the end; exit 0 iff no mapping
was bad.
"""
import argparse
import errno
import json
import mmap
import os
import struct
import sys
import time

AQ_REGION_MAGIC = 0x41515541
AQ_LAYOUT_VERSION = 2
# magic, version, header_size, region_size, ...; latest_seq at 72,
# name (32 bytes) at 80: struct aq_region_header of uapi/linux/aquarius.h.
HDR = struct.Struct("<IIII")
SEQ_OFF, NAME_OFF = 72, 80


def vips(proc):
    out = []
    with open(proc) as f:
        for line in f:
            w = line.split()
            if w and w[0] == "vip" and "offset" in w and "size" in w:
                out.append((w[1], int(w[w.index("offset") + 1]),
                            int(w[w.index("size") + 1])))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--stop", required=True)
    p.add_argument("--proc", default="/proc/net/aquarius")
    p.add_argument("--dev", default="/dev/aquarius")
    p.add_argument("--pause-ms", type=float, default=20)
    p.add_argument("--slow-file")
    p.add_argument("--slow-pause-ms", type=float, default=500)
    a = p.parse_args()

    def pause():
        slow = a.slow_file and os.path.exists(a.slow_file)
        time.sleep((a.slow_pause_ms if slow else a.pause_ms) / 1000)

    st = {"rounds": 0, "maps": 0, "unmaps": 0, "bad": 0, "absent": 0,
          "errors": {}, "bad_detail": []}

    def err(e):
        k = errno.errorcode.get(e, str(e))
        st["errors"][k] = st["errors"].get(k, 0) + 1

    while not os.path.exists(a.stop):
        st["rounds"] += 1
        try:
            listed = vips(a.proc)
            fd = os.open(a.dev, os.O_RDONLY)
        except OSError as e:
            if e.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
                st["absent"] += 1
            else:
                err(e.errno)
            pause()
            continue
        try:
            for name, off, size in listed:
                try:
                    m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ,
                                  offset=off)
                except OSError as e:
                    err(e.errno)
                    continue
                st["maps"] += 1
                magic, version, _, rsize = HDR.unpack_from(m, 0)
                seq1 = struct.unpack_from("<Q", m, SEQ_OFF)[0]
                got = bytes(m[NAME_OFF:NAME_OFF + 32]).split(b"\0")[0]
                seq2 = struct.unpack_from("<Q", m, SEQ_OFF)[0]
                # The last byte of the mapping must be readable too.
                m[size - 1]
                if (magic != AQ_REGION_MAGIC or version != AQ_LAYOUT_VERSION
                        or rsize != size or got != name.encode()
                        or seq2 < seq1):
                    st["bad"] += 1
                    if len(st["bad_detail"]) < 5:
                        st["bad_detail"].append(
                            "%s: magic %#x version %d size %d/%d name %r seq %d->%d"
                            % (name, magic, version, rsize, size, got, seq1, seq2))
                m.close()
                st["unmaps"] += 1
        finally:
            os.close(fd)
        pause()
    json.dump(st, sys.stdout)
    print()
    return 1 if st["bad"] else 0


if __name__ == "__main__":
    sys.exit(main())
