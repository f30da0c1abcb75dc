#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The demo's ML-side reader: what a consumer of aquariusd's shm sees.

  demo_read.py VIP

Opens /dev/shm/aquarius-VIP with the Python package (as the paper's
applications read their shm file), takes a consistent snapshot and prints
per backend the counters and, for a few features, the paper's reductions.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "user", "python"))
import aquarius  # noqa: E402

FEATURES = ("flow_duration", "fct", "pt_1st", "byte_f")


def main():
    with aquarius.open(sys.argv[1]) as r:
        s = r.snapshot()
        print("%s: snapshot %d, %d backends" % (sys.argv[1], s.seq,
                                                len(r.backends)))
        for b in r.backends:
            c = dict(zip(s.columns, s.counters[b.column].tolist()))
            print("  backend %d: n_flow %d, n_fct %d, n_flow_on %d, "
                  "n_packet %d" % (b.column, c["n_flow"], c["n_fct"],
                                   c["n_flow_on"], c["n_packet"]))
            red = r.reduce(b.column)
            i = {n: k for k, n in enumerate(red.names)}
            for f in FEATURES:
                k = i[f]
                print("    %-14s avg %12.1f  std %12.1f  p90 %12.1f  "
                      "avg_decay %12.1f" % (f, red.mean[k], red.std[k],
                                            red.p90[k], red.wmean[k]))


if __name__ == "__main__":
    main()
