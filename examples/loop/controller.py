#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A closed-loop weight controller for one VIP (scheduler sed).

  controller.py --vip NAME --period 1 --duration S --log F

Every PERIOD seconds it reduces the reservoirs of every backend (through
aquariusd's shm object /dev/shm/aquarius-<NAME>), takes the decayed mean
(avg_decay) of pt_1st, the server's time to its first reply, or of
flow_duration when a backend has no pt_1st sample yet, and writes weights
inversely proportional to it through the action area: the fastest backend
gets 100, a backend k times slower 100/k (at least 1). A backend without
any sample keeps weight 100 (so it is tried). Each step is a CSV line of
the log: time, status, then per backend the weight, pt_1st and
flow_duration (us).
"""
import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "user", "python"))
import aquarius  # noqa: E402


def weights_from(cost):
    """cost[i] (us, NaN if unknown) -> integer weights, fastest 100."""
    known = [c for c in cost if not math.isnan(c) and c > 0]
    if not known:
        return [100] * len(cost)
    best = min(known)
    return [100 if math.isnan(c) or c <= 0 else max(1, round(100 * best / c))
            for c in cost]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vip", required=True)
    ap.add_argument("--period", type=float, default=1.0)
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ready", help="file created after the first write")
    args = ap.parse_args()

    r = aquarius.open(args.vip)
    cols = [b.column for b in r.backends]
    ipt = r.feature_names.index("pt_1st")
    ifd = r.feature_names.index("flow_duration")
    t0 = time.monotonic()
    with open(args.log, "w") as log:
        log.write("t,status," + ",".join(
            "w%d,pt_1st%d,flow_duration%d" % (c, c, c) for c in cols) + "\n")
        while time.monotonic() - t0 < args.duration:
            red = r.reduce_all(cols)
            pt = red.wmean[:, ipt]
            fd = red.wmean[:, ifd]
            cost = [float(p) if not math.isnan(p) else float(f)
                    for p, f in zip(pt, fd)]
            ws = weights_from(cost)
            res = r.write_weights(ws, timeout=10)
            log.write("%.2f,%d,%s\n" % (
                time.monotonic() - t0, res.status, ",".join(
                    "%d,%.0f,%.0f" % x for x in zip(ws, pt, fd))))
            log.flush()
            if args.ready and not os.path.exists(args.ready):
                open(args.ready, "w").close()
            time.sleep(args.period)


if __name__ == "__main__":
    main()
