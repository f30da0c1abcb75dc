#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Cluster the samples of the classification example; a report like the
paper's Table III.

  analyze.py SAMPLES.csv OUTDIR [--warmup S] [--no-plot]

Feature vector of a sample (one VIP's backend at one instant): the 8
counters' rates and, of each of the 13 features, the std and the decayed
mean (avg_decay): the two of the five reductions the paper keeps after its
PCA (section V.A.4). An empty reservoir gives 0. Columns that never vary
are dropped; the rest are standardised (zero mean, unit variance), and the
1% of samples farthest from the centre (largest |z| of any column) are
dropped as outliers (the paper drops values beyond the 99th percentile).
KMeans and the Gaussian mixture are given the number of kinds of traffic;
DBSCAN is not: its eps is the 90th percentile of the distance of each
sample to its 5th neighbour (min_samples 5), a rule, not a tuned value.
Writes OUTDIR/report.md (table) and OUTDIR/clusters.png (2-D PCA).
"""
import argparse
import csv
import math
import os
import time

import numpy as np

STATS_KEPT = ("std", "avg_decay")
METRICS = (("Adjusted Rand Index", "adjusted_rand_score"),
           ("Mutual Info Score", "mutual_info_score"),
           ("Adjusted Mutual Info Score", "adjusted_mutual_info_score"),
           ("Homogeneity", "homogeneity_score"),
           ("Completeness", "completeness_score"),
           ("Fowlkes-Mallows Score", "fowlkes_mallows_score"))
# The paper's Table III (Yao et al., IEEE TNSM 2022), the three columns of
# the algorithms run here, in the order of METRICS, then fit time (ms).
PAPER = {"KMeans": (0.674, 0.941, 0.709, 0.713, 0.709, 0.765, 75.689),
         "Gaussian Mixture": (0.687, 0.965, 0.731, 0.731, 0.798, 0.786, 18.505),
         "DBSCAN": (0.696, 0.914, 0.692, 0.692, 0.736, 0.785, 45.249)}


def load(path, warmup=0.0):
    """-> X float64 [n, d], labels (str) [n], feature names [d]."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    head, rows = rows[0], rows[1:]
    kept = tuple("_" + s for s in STATS_KEPT)
    keep = [i for i, h in enumerate(head)
            if h.startswith("rate_") or h.endswith(kept)]
    it, il = head.index("t"), head.index("label")
    rows = [r for r in rows if float(r[it]) >= warmup]
    X = np.array([[float(r[i]) for i in keep] for r in rows], dtype=np.float64)
    X[~np.isfinite(X)] = 0.0
    y = np.array([r[il] for r in rows])
    return X, y, [head[i] for i in keep]


def prepare(X, y, names, outlier_frac=0.01):
    """Drop constant columns, standardise, drop the outliers."""
    sd = X.std(axis=0)
    keep = sd > 0
    X, names = X[:, keep], [n for n, k in zip(names, keep) if k]
    if not names:
        raise SystemExit("classify: every feature is constant over the "
                         "samples (did traffic reach the VIPs?)")
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    far = np.abs(Z).max(axis=1)
    ok = far <= np.quantile(far, 1 - outlier_frac)
    Z = Z[ok]
    Z = (Z - Z.mean(axis=0)) / np.where(Z.std(axis=0) > 0, Z.std(axis=0), 1)
    return Z, y[ok], names


def dbscan_eps(Z, k=5, q=0.9):
    from sklearn.neighbors import NearestNeighbors
    d, _ = NearestNeighbors(n_neighbors=k + 1).fit(Z).kneighbors(Z)
    eps = float(np.quantile(d[:, k], q))
    if eps > 0:
        return eps
    # More than a tenth of the samples have k identical neighbours (idle
    # intervals give identical rows): the smallest positive distance.
    pos = d[:, 1:][d[:, 1:] > 0]
    return float(pos.min()) if pos.size else 1.0


def cluster(Z, n_kinds, seed=0):
    """{algorithm: (predicted labels, fit time ms)}."""
    from sklearn.cluster import DBSCAN, KMeans
    from sklearn.mixture import GaussianMixture
    out = {}
    algos = (("KMeans", lambda: KMeans(n_clusters=n_kinds, n_init=10,
                                       random_state=seed)),
             ("Gaussian Mixture", lambda: GaussianMixture(
                 n_components=n_kinds, random_state=seed)),
             ("DBSCAN", lambda: DBSCAN(eps=dbscan_eps(Z), min_samples=5)))
    for name, make in algos:
        m = make()
        t0 = time.perf_counter()
        pred = m.fit_predict(Z)
        out[name] = (pred, (time.perf_counter() - t0) * 1e3)
    return out


def scores(y, pred):
    import sklearn.metrics as M
    return [getattr(M, f)(y, pred) for _, f in METRICS]


def table(results, y):
    """Markdown table: measured, with the paper's figure after a slash."""
    algos = list(results)
    lines = ["| metric | " + " | ".join("%s (here / paper)" % a for a in algos) + " |",
             "|---|" + "---|" * len(algos)]
    s = {a: scores(y, results[a][0]) for a in algos}
    for i, (m, _) in enumerate(METRICS):
        lines.append("| %s | " % m + " | ".join(
            "%.3f / %.3f" % (s[a][i], PAPER[a][i]) for a in algos) + " |")
    lines.append("| Fit Time (ms) | " + " | ".join(
        "%.1f / %.1f" % (results[a][1], PAPER[a][6]) for a in algos) + " |")
    lines.append("| clusters found | " + " | ".join(
        "%d%s" % (len(set(results[a][0]) - {-1}),
                  " (+%d noise)" % int(np.sum(results[a][0] == -1))
                  if -1 in set(results[a][0]) else "") for a in algos) + " |")
    return "\n".join(lines), s


def plot(Z, y, results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA
    P = PCA(n_components=2, random_state=0).fit_transform(Z)
    panels = [("ground truth", y)] + [(a, results[a][0]) for a in results]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 4))
    for ax, (title, lab) in zip(axes, panels):
        for v in sorted(set(lab), key=str):
            m = lab == v
            ax.scatter(P[m, 0], P[m, 1], s=6, label=str(v),
                       c="lightgrey" if v == -1 else None)
        ax.set_title(title)
        ax.set_xlabel("PC1")
        ax.legend(fontsize=7, markerscale=2)
    axes[0].set_ylabel("PC2")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("samples")
    ap.add_argument("outdir")
    ap.add_argument("--warmup", type=float, default=5.0,
                    help="seconds of samples left out at the start")
    ap.add_argument("--no-plot", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    X, y, names = load(args.samples, args.warmup)
    Z, y2, names = prepare(X, y, names)
    kinds = sorted(set(y2))
    results = cluster(Z, len(kinds))
    tab, _ = table(results, y2)
    counts = ", ".join("%s %d" % (k, int(np.sum(y2 == k))) for k in kinds)
    rep = ["# Traffic classification (examples/classify)", "",
           "Samples: %d after %d outliers dropped (%s); %d features: %s." %
           (len(y2), len(y) - len(y2), counts, len(names), ", ".join(names)),
           "", tab, "",
           "Paper: Table III of Yao et al., \"Aquarius\", IEEE TNSM 2022 "
           "(four traces on a real testbed, 25 selected features).", ""]
    with open(os.path.join(args.outdir, "report.md"), "w") as fh:
        fh.write("\n".join(rep))
    if not args.no_plot:
        plot(Z, y2, results, os.path.join(args.outdir, "clusters.png"))
    print("\n".join(rep))


if __name__ == "__main__":
    main()
