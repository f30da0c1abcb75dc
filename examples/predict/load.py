#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The prediction example's client load: one process whose concurrency
steps through LEVELS, STEP seconds each, with no gap between the steps.

  load.py --addr A --port P --levels 1,4,8,... --step S --sizes S,...
          [--timeout S] [--out FILE]

MAX(LEVELS) worker threads run traffic.py's one_conn() (one request per
connection, reply verified) back to back; during a step of level L only
workers 0..L-1 work, the others wait. (Starting a client process per
level, as before, left the servers idle for seconds at each step under
TCG: the idle stretches the models could not predict.) Prints a JSON
summary: connections and failures per level.
"""
import argparse
import json
import os
import sys
import threading
import time
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "selftests", "tools"))
from traffic import int_list, one_conn  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--levels", type=int_list, required=True)
    ap.add_argument("--step", type=float, required=True)
    ap.add_argument("--sizes", type=int_list, required=True)
    ap.add_argument("--timeout", type=float, default=20)
    args = ap.parse_args()
    if not args.levels or min(args.levels) < 0 or not args.sizes:
        sys.exit("load.py: --levels and --sizes need values >= 0")
    conn_args = types.SimpleNamespace(timeout=args.timeout, upload=0,
                                      no_eof_wait=False, close="fin")
    lock = threading.Lock()  # protects cur, seq and stats
    cur = {"level": 0, "step": 0}   # the step running now and its level
    seq = [0]                       # connections started
    stats = {}                      # step -> [ok, failed]
    done = threading.Event()

    def worker(w):
        while not done.is_set():
            with lock:
                active, step = w < cur["level"], cur["step"]
                if active:
                    i = seq[0]
                    seq[0] += 1
            if not active:
                time.sleep(0.05)
                continue
            rec = one_conn(i, (args.addr, args.port),
                           args.sizes[i % len(args.sizes)], conn_args)
            with lock:
                stats.setdefault(step, [0, 0])[0 if rec["ok"] else 1] += 1

    threads = [threading.Thread(target=worker, args=(w,), daemon=True)
               for w in range(max(args.levels))]
    for t in threads:
        t.start()
    for k, lv in enumerate(args.levels):
        with lock:
            cur["level"], cur["step"] = lv, k
        time.sleep(args.step)
    with lock:
        cur["level"] = 0
    done.set()
    for t in threads:
        t.join(args.timeout + 5)
    print(json.dumps({"levels": args.levels, "step_s": args.step,
                      "per_step": [stats.get(k, [0, 0])
                                   for k in range(len(args.levels))]}))


if __name__ == "__main__":
    main()
