#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The traffic classification example, one command:
#
#   examples/classify/run.sh [--from RUNDIR] [OUTDIR]
#
# Collects the samples in the test VM (vm-classify.sh through
# tests/vm/run.sh, under the VM lock shared with other runs), then clusters
# them on the host (analyze.py): OUTDIR (default build/examples/classify)
# gets samples.csv, report.md and clusters.png. --from RUNDIR analyses the
# samples of an earlier VM run (build/vm/runs/<id>) instead of running one.
. "$(dirname "$0")/../lib.sh"
example_setup classify "$@"

csv=$FROM/classify/samples.csv
[ -s "$csv" ] || example_die classify "no samples in $FROM (see $FROM/vm-classify.out)"
cp "$csv" "$OUTDIR/samples.csv"
/usr/bin/python3 "$TOP/examples/classify/analyze.py" --warmup 30 "$OUTDIR/samples.csv" "$OUTDIR"
echo "classify: report in $OUTDIR/report.md, plot in $OUTDIR/clusters.png"
