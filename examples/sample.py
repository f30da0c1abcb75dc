#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Sample the features of VIPs every INTERVAL seconds into a CSV.

  sample.py --vip NAME:LABEL [--vip ...] --interval 0.25 --duration S --out F

Each sample is one row per VIP and backend: the time, the VIP, its label
(the kind of traffic, the ground truth of the classification example), the
backend's column, the counters' rates over the last interval (from two
snapshots, per second) and the paper's five reductions of the 13 features
(<feature>_<avg|std|90|avg_decay|90_decay>, NaN for an empty reservoir).
The regions are read from the kernel (/dev/aquarius, aquarius.open_device).
With --cpu-pid COLUMN:PID (repeatable) each row of backend COLUMN also gets
"cpu": the CPU time (user + system, /proc/PID/stat) that process used per
second of the last interval, the ground truth of the prediction example.
"""
import argparse
import csv
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "user", "python"))
import aquarius  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vip", action="append", required=True,
                    help="NAME:LABEL")
    ap.add_argument("--interval", type=float, default=0.25)
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cpu-pid", action="append", default=[],
                    help="COLUMN:PID")
    args = ap.parse_args()
    cpu_pid = {int(c): int(p) for c, p in
               (x.split(":", 1) for x in args.cpu_pid)}
    tick = os.sysconf("SC_CLK_TCK")

    def cpu_s(pid):
        with open("/proc/%d/stat" % pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return (int(rest[11]) + int(rest[12])) / tick   # utime, stime

    vips = [v.split(":", 1) for v in args.vip]
    regions = [(name, label, aquarius.open_device(name)) for name, label in vips]
    r0 = regions[0][2]
    suffix = [aquarius.Reductions.SUFFIX[s] for s in aquarius.Reductions.STATS]
    head = (["t", "vip", "label", "backend"] +
            ["rate_" + c for c in r0.snapshot().columns] +
            ["%s_%s" % (f, s) for f in r0.feature_names for s in suffix] +
            (["cpu"] if cpu_pid else []))
    last = {name: r.snapshot() for name, _, r in regions}
    cpu_last = {c: (time.monotonic(), cpu_s(p)) for c, p in cpu_pid.items()}
    t0 = time.monotonic()
    n = 0
    with open(args.out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        nxt = t0 + args.interval
        while time.monotonic() - t0 < args.duration:
            time.sleep(max(0.0, nxt - time.monotonic()))
            # Behind schedule (a slow VM): the next tick is one interval
            # from now, not a burst of catch-up samples that would take
            # the CPU from the traffic being measured.
            nxt = max(nxt + args.interval, time.monotonic() + args.interval / 2)
            t = time.monotonic() - t0
            for name, label, r in regions:
                s = r.snapshot()
                d = last[name].delta(s)
                last[name] = s
                cols = [b.column for b in r.backends]
                red = r.reduce_all(cols).matrix()   # [backends, 13, 5]
                cpu = {}
                for c, p in cpu_pid.items():
                    now, v = time.monotonic(), cpu_s(p)
                    cpu[c] = (v - cpu_last[c][1]) / (now - cpu_last[c][0])
                    cpu_last[c] = (now, v)
                for i, c in enumerate(cols):
                    rates = d.rates[c] if d.dt_s > 0 else [0.0] * len(s.columns)
                    w.writerow(["%.3f" % t, name, label, c] +
                               ["%.6g" % x for x in rates] +
                               ["%.6g" % x for x in red[i].ravel()] +
                               (["%.4f" % cpu.get(c, float("nan"))]
                                if cpu_pid else []))
            n += 1
            fh.flush()
    print("sample: %d samples of %d VIPs in %s" % (n, len(regions), args.out))


if __name__ == "__main__":
    main()
