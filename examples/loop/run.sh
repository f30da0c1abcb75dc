#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The closed-loop load-balancing example, one command:
#
#   examples/loop/run.sh [--from RUNDIR] [OUTDIR]
#
# Runs the two phases (equal weights, controller) in the test VM
# (vm-loop.sh through tests/vm/run.sh, under the VM lock shared with other
# runs), then computes the flow completion times on the host (analyze.py):
# OUTDIR (default build/examples/loop) gets the client records, the
# controller's log, report.md and fct.png. --from RUNDIR analyses the
# records of an earlier VM run (build/vm/runs/<id>) instead of running one.
. "$(dirname "$0")/../lib.sh"
example_setup loop "$@"

[ -s "$FROM/loop/loop.jsonl" ] || example_die loop "no records in $FROM (see $FROM/vm-loop.out)"
cp "$FROM"/loop/* "$OUTDIR/"
/usr/bin/python3 "$TOP/examples/loop/analyze.py" "$OUTDIR" "$OUTDIR"
echo "loop: report in $OUTDIR/report.md, plot in $OUTDIR/fct.png"
