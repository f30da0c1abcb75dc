#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Flow completion times of the closed-loop example: equal weights against
the controller.

  analyze.py RUNDIR OUTDIR [--no-plot]

RUNDIR holds equal.jsonl and loop.jsonl (traffic.py client --log: one
record per connection, life_ms from connect() to close) and controller.csv.
Writes OUTDIR/report.md (p50, p90, mean FCT, connections) and
OUTDIR/fct.png (CDFs, and the controller's weights over time).
"""
import argparse
import csv
import json
import os

import numpy as np

PHASES = (("equal", "equal weights (sed)"), ("loop", "closed loop (sed)"))


def fcts(path):
    """-> (life_ms of the completed connections, number that failed)."""
    ok, failed = [], 0
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r.get("ok"):
                ok.append(float(r["life_ms"]))
            else:
                failed += 1
    return np.array(ok), failed


def summary(v):
    if len(v) == 0:
        return {"n": 0, "p50": float("nan"), "p90": float("nan"),
                "mean": float("nan")}
    return {"n": int(len(v)), "p50": float(np.percentile(v, 50)),
            "p90": float(np.percentile(v, 90)), "mean": float(v.mean())}


def controller(path):
    """-> times [n], weights [n, backends] from controller.csv."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    head, rows = rows[0], rows[1:]
    wi = [i for i, h in enumerate(head) if h.startswith("w")]
    t = np.array([float(r[0]) for r in rows])
    w = np.array([[int(r[i]) for i in wi] for r in rows]).reshape(len(rows), len(wi))
    return t, w, [head[i] for i in wi]


def report(rundir):
    res = {}
    for ph, _ in PHASES:
        v, failed = fcts(os.path.join(rundir, ph + ".jsonl"))
        res[ph] = (v, failed, summary(v))
    lines = ["| run | connections ok | failed | p50 FCT (ms) | p90 FCT (ms) | mean (ms) |",
             "|---|---|---|---|---|---|"]
    for ph, title in PHASES:
        v, failed, s = res[ph]
        lines.append("| %s | %d | %d | %.1f | %.1f | %.1f |" %
                     (title, s["n"], failed, s["p50"], s["p90"], s["mean"]))
    return res, "\n".join(lines)


def plot(res, ctl, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for ph, title in PHASES:
        v = np.sort(res[ph][0])
        if len(v):
            a.step(v, np.arange(1, len(v) + 1) / len(v), where="post", label=title)
    a.set_xlabel("flow completion time (ms)")
    a.set_ylabel("fraction of connections")
    a.legend()
    if ctl is not None:
        t, w, names = ctl
        for j, n in enumerate(names):
            b.plot(t, w[:, j], label="backend %s" % n[1:])
        b.set_xlabel("controller time (s)")
        b.set_ylabel("weight")
        b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rundir")
    ap.add_argument("outdir")
    ap.add_argument("--no-plot", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    res, tab = report(args.rundir)
    cpath = os.path.join(args.rundir, "controller.csv")
    ctl = controller(cpath) if os.path.exists(cpath) else None
    rep = ["# Closed-loop load balancing (examples/loop)", "", tab, ""]
    if ctl is not None and len(ctl[0]):
        rep.append("Controller: %d steps; weights (%s) first %s, last %s." % (
            len(ctl[0]), ", ".join(ctl[2]), ctl[1][0].tolist(),
            ctl[1][-1].tolist()))
        rep.append("")
    with open(os.path.join(args.outdir, "report.md"), "w") as fh:
        fh.write("\n".join(rep))
    if not args.no_plot:
        plot(res, ctl, os.path.join(args.outdir, "fct.png"))
    print("\n".join(rep))


if __name__ == "__main__":
    main()
