#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Reader-side timing (issue 6): the Python package against libaquarius.

On a synthetic full region (tests/python/gen_region --full: 64 configured
backends, every reservoir slot filled), measure the time of

  snapshot   one consistent counter snapshot (Region.snapshot /
             aq_snapshot), and
  reduce     the five reductions of every feature of one backend
             (Region.reduce / aq_reduce for each of the 13 features, and
             aq_reduce_backend once),

each as the median over many iterations (10th and 90th percentiles
beside it), for the Python package and for libaquarius in C (bench/reader.c).

  /usr/bin/python3 user/python/bench_reader.py [--iterations N]
      [--slots N[,N...]] [--backend B] [--region FILE] [--no-c]
  /usr/bin/python3 user/python/bench_reader.py --vip NAME [--iterations N]
      [--backend B] [--no-c]

Builds what it needs with make (tests/python, bench reader), except with
--vip: the live region of a loaded module's VIP, mapped from /dev/aquarius
(bench/vm/reader.sh, in the VM, where the tree is read-only: build/bench/
reader must have been built before), reduced at the region's own clock.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import aquarius  # noqa: E402

NOW_MS = 20000000           # gen_region's default stamp time


def pct(ts, q):
    ts = sorted(ts)
    return ts[min(len(ts) - 1, int(len(ts) * q))]


def timeit(fn, iterations):
    fn()                                    # warm up
    ts = []
    for _ in range(iterations):
        t0 = time.perf_counter_ns()
        fn()
        ts.append(time.perf_counter_ns() - t0)
    return statistics.median(ts), pct(ts, 0.1), pct(ts, 0.9)


def c_bench(binary, path, iterations, backend, now_ms):
    argv = [binary, path, str(iterations), str(backend)]
    if now_ms is not None:
        argv.append(str(now_ms))
    out = subprocess.check_output(argv, text=True)
    res = {}
    for line in out.splitlines():
        tok = line.split()
        if tok[0] in ("snapshot_ns", "reduce_backend_ns",
                      "reduce_backend_call_ns"):
            res[tok[0]] = (int(tok[1]), int(tok[3]), int(tok[5]))
    return res


def us(t):
    return "%.1f" % (t / 1000.0)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iterations", type=int, default=2000)
    p.add_argument("--slots", default="128,1024",
                   help="reservoir sizes to generate (default 128,1024; "
                   "the module's default is 128)")
    p.add_argument("--backend", type=int, default=0)
    p.add_argument("--region", help="time this region file instead")
    p.add_argument("--vip", help="time this VIP's live region instead")
    p.add_argument("--no-c", action="store_true",
                   help="skip libaquarius (bench/reader.c)")
    a = p.parse_args()
    if a.vip and a.region:
        p.error("--vip and --region exclude each other")

    cbin = os.path.join(TOP, "build", "bench", "reader")
    if not a.vip:
        subprocess.run(["make", "-s", "-C", os.path.join(TOP, "tests",
                                                         "python")],
                       check=True)
        if not a.no_c:
            subprocess.run(["make", "-s", "-C", os.path.join(TOP, "bench"),
                            "reader"], check=True)
    elif not a.no_c and not os.access(cbin, os.X_OK):
        p.error("%s is not built (make -C bench reader)" % cbin)
    gen = os.path.join(TOP, "build", "python", "gen_region")
    now_ms = None if a.vip else NOW_MS

    def open_region(path):
        if a.vip:
            return aquarius.open_device(a.vip)
        return aquarius.open(path, writable=False)

    rows = []
    with tempfile.TemporaryDirectory(prefix="aq-bench-") as tmp:
        if a.vip:
            files = [(None, "vip:" + a.vip)]
        elif a.region:
            files = [(None, a.region)]
        else:
            files = []
            for ns in a.slots.split(","):
                path = os.path.join(tmp, "full-%s" % ns)
                subprocess.run([gen, "--full", "--slots", ns, "--columns",
                                ",".join(str(c) for c in range(64)), path],
                               check=True)
                files.append((int(ns), path))
        for ns, path in files:
            with open_region(path) as r:
                ns = r.nr_slots
                snap = timeit(r.snapshot, a.iterations)
                red = timeit(lambda: r.reduce(a.backend, now_ms=now_ms),
                             a.iterations)
            rows.append(("python", ns, snap, red))
            if not a.no_c:
                c = c_bench(cbin, path, a.iterations, a.backend, now_ms)
                rows.append(("C aq_reduce x13", ns, c["snapshot_ns"],
                             c["reduce_backend_ns"]))
                rows.append(("C aq_reduce_backend", ns, c["snapshot_ns"],
                             c["reduce_backend_call_ns"]))

    print("reader timing, median (p10-p90) in us, %d iterations, backend %d,"
          " 13 features" % (a.iterations, a.backend))
    print("%-19s %6s  %-26s %-26s" % ("reader", "slots", "snapshot",
                                      "reduce 13 features"))
    for who, ns, s, r in rows:
        print("%-19s %6d  %-26s %-26s" % (
            who, ns, "%s (%s-%s)" % (us(s[0]), us(s[1]), us(s[2])),
            "%s (%s-%s)" % (us(r[0]), us(r[1]), us(r[2]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
