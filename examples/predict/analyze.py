#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Predict each backend's CPU usage from the features, H steps ahead; a
report like the paper's Tables IV-VII (first and last step MAE).

  analyze.py SAMPLES.csv OUTDIR [--horizon 8] [--warmup S] [--no-plot]

Per backend the samples form a series (every 250 ms). The input at step t
is that backend's feature vector at t (the classification example's: the
counters' rates, the std and avg_decay of the 13 features, standardised
on the training part); the target is its CPU usage (% of one CPU, ground
truth from /proc in the VM) at t + h, for h = 1 (first step) and h = H
(last step). The series are split in time, the first 70% to train, the
last 30% to test. Linear regression and a random forest (100 trees,
seeded) against the "last observed value" baseline: the CPU usage at t.
Writes OUTDIR/report.md and OUTDIR/prediction.png.
"""
import argparse
import csv
import os
import time

import numpy as np

KEPT = ("_std", "_avg_decay")
# The paper's Table IV (8 steps ahead, non-sequential features) and
# Table V (16 steps): first step MAE, last step MAE.
PAPER = {8: {"Linear Regression": (9.216, 10.640),
             "Random Forest": (8.717, 11.009),
             "Active Probing": (3.504, 11.892)}}


def load(path, warmup=0.0):
    """-> {backend: (t [n], X [n, d], cpu% [n])}, feature names."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    head, rows = rows[0], rows[1:]
    keep = [i for i, h in enumerate(head)
            if h.startswith("rate_") or h.endswith(KEPT)]
    it, ib, ic = head.index("t"), head.index("backend"), head.index("cpu")
    series = {}
    for r in rows:
        if float(r[it]) < warmup:
            continue
        series.setdefault(int(r[ib]), []).append(r)
    out = {}
    for b, rs in series.items():
        rs.sort(key=lambda r: float(r[it]))
        X = np.array([[float(r[i]) for i in keep] for r in rs])
        X[~np.isfinite(X)] = 0.0
        out[b] = (np.array([float(r[it]) for r in rs]), X,
                  100.0 * np.array([float(r[ic]) for r in rs]))
    return out, [head[i] for i in keep]


def split(series, h, train_frac=0.7):
    """Inputs at t, targets at t + h, last value at t; split in time."""
    parts = {"train": [[], [], []], "test": [[], [], []]}
    for _, X, cpu in series.values():
        n = len(cpu) - h
        if n <= 1:
            continue
        cut = int(n * train_frac)
        for name, sl in (("train", slice(0, cut)), ("test", slice(cut, n))):
            idx = np.arange(n)[sl]
            parts[name][0].append(X[idx])
            parts[name][1].append(cpu[idx + h])
            parts[name][2].append(cpu[idx])
    return {k: tuple(np.concatenate(v) for v in p) for k, p in parts.items()}


def evaluate(series, h, seed=0):
    """{model: (MAE, RMSE, fit ms, predictions)} and the test targets."""
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import LinearRegression
    d = split(series, h)
    Xtr, ytr, _ = d["train"]
    Xte, yte, last = d["test"]
    mu, sd = Xtr.mean(axis=0), Xtr.std(axis=0)
    sd[sd == 0] = 1.0
    Xtr, Xte = (Xtr - mu) / sd, (Xte - mu) / sd
    res = {}
    for name, m in (("Linear Regression", LinearRegression()),
                    ("Random Forest", RandomForestRegressor(
                        n_estimators=100, random_state=seed, n_jobs=1))):
        t0 = time.perf_counter()
        m.fit(Xtr, ytr)
        fit = (time.perf_counter() - t0) * 1e3
        p = m.predict(Xte)
        res[name] = (float(np.mean(np.abs(p - yte))),
                     float(np.sqrt(np.mean((p - yte) ** 2))), fit, p)
    res["Last value"] = (float(np.mean(np.abs(last - yte))),
                         float(np.sqrt(np.mean((last - yte) ** 2))), 0.0, last)
    return res, yte, len(ytr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("samples")
    ap.add_argument("outdir")
    ap.add_argument("--horizon", type=int, default=8)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--no-plot", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    series, names = load(args.samples, args.warmup)
    first, _, _ = evaluate(series, 1)
    last, yte, ntrain = evaluate(series, args.horizon)
    paper = PAPER.get(args.horizon, {})
    lines = ["| model | first step MAE | last step MAE (%d steps, %.0f s) | "
             "last step RMSE | fit (ms) | paper: first / last step MAE |" %
             (args.horizon, args.horizon * 0.25),
             "|---|---|---|---|---|---|"]
    for m in last:
        pm = paper.get(m if m != "Last value" else "Active Probing")
        lines.append("| %s | %.2f | %.2f | %.2f | %.1f | %s |" % (
            m, first[m][0], last[m][0], last[m][1], last[m][2],
            "%.3f / %.3f" % pm if pm else "-"))
    cpu = np.concatenate([c for _, _, c in series.values()])
    rep = ["# Resource prediction (examples/predict)", "",
           "CPU usage of %d backends' server processes, %d samples "
           "(mean %.1f%%, std %.1f%% of one CPU); %d training, %d test "
           "samples at %d steps; %d features." % (
               len(series), len(cpu), cpu.mean(), cpu.std(), ntrain,
               len(yte), args.horizon, len(names)),
           "", "\n".join(lines), "",
           "Paper: Table IV of Yao et al., \"Aquarius\", IEEE TNSM 2022 "
           "(Wikipedia trace, 2-CPU servers; its baseline is active probing "
           "of the servers' CPU, the counterpart of \"last value\").", ""]
    with open(os.path.join(args.outdir, "report.md"), "w") as fh:
        fh.write("\n".join(rep))
    if not args.no_plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(10, 4))
        ax.plot(yte, "k-", lw=1, label="CPU usage at t+%d" % args.horizon)
        for m in last:
            ax.plot(last[m][3], lw=0.8, label=m)
        ax.set_xlabel("test sample (both backends, in time order)")
        ax.set_ylabel("CPU %")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(args.outdir, "prediction.png"), dpi=90)
        plt.close(fig)
    print("\n".join(rep))


if __name__ == "__main__":
    main()
