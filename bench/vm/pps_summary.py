#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the rounds of bench/vm/pps.sh.

    pps_summary.py FILE     FILE: pps.sh's output (build/vm/runs/<id>/pps.out)
                            or its rounds file; "-" reads standard input

Reads the lines "round R: PATH RATE pps" (any prefix) and prints a
Markdown table: per data path its rates by round, their median (the lower
middle one for an even count, as pps.sh reports), the ratio of that median
to the median of "none", the median of the per-round ratios to "none" of
the same round, and, for observe and nat, in how many rounds they forwarded
more than their rival (conntrack, IPVS). Under TCG whole rounds run slow or
fast, so the per-round figures are the ones to compare.
"""
import re
import sys

RIVAL = {"observe": "conntrack", "nat": "ipvs"}
LINE = re.compile(r"round (\d+): (\w+) (\d+) pps\s*$")


def lower_median(values):
    v = sorted(values)
    return v[(len(v) - 1) // 2]


def summarise(lines):
    rounds = {}
    order = []
    for line in lines:
        m = LINE.search(line)
        if not m:
            continue
        r, path, rate = int(m.group(1)), m.group(2), int(m.group(3))
        rounds.setdefault(r, {})[path] = rate
        if path not in order:
            order.append(path)
    if "none" not in order:
        raise SystemExit("pps_summary: no rounds of path none")
    rs = sorted(rounds)
    base = lower_median([rounds[r]["none"] for r in rs if "none" in rounds[r]])
    out = ["| data path | rounds | median | ratio to none | median of per-round ratios | ahead of its rival |",
           "|---|---|---|---|---|---|"]
    for path in order:
        have = [r for r in rs if path in rounds[r]]
        rates = [rounds[r][path] for r in have]
        med = lower_median(rates)
        per = [rounds[r][path] / rounds[r]["none"] for r in have
               if rounds[r].get("none")]
        ahead = ""
        rival = RIVAL.get(path)
        if rival in order:
            both = [r for r in have if rival in rounds[r]]
            wins = sum(rounds[r][path] > rounds[r][rival] for r in both)
            ahead = "%s in %d of %d" % (rival, wins, len(both))
        out.append("| %s | %s | %d | %.3f | %s | %s |" % (
            path, " ".join(str(x) for x in rates), med,
            med / base if base else 0,
            "%.3f" % lower_median(per) if per else "-", ahead))
    return out


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    fh = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1])
    with fh:
        print("\n".join(summarise(fh)))


if __name__ == "__main__":
    main()
