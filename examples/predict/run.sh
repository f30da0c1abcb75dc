#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The resource prediction example, one command:
#
#   examples/predict/run.sh [--from RUNDIR] [OUTDIR]
#
# Collects the samples in the test VM (vm-predict.sh through
# tests/vm/run.sh, under the VM lock shared with other runs), then fits the
# models on the host (analyze.py): OUTDIR (default build/examples/predict)
# gets samples.csv, report.md and prediction.png. --from RUNDIR analyses the
# samples of an earlier VM run (build/vm/runs/<id>) instead of running one.
. "$(dirname "$0")/../lib.sh"
example_setup predict "$@"

csv=$FROM/predict/samples.csv
[ -s "$csv" ] || example_die predict "no samples in $FROM (see $FROM/vm-predict.out)"
cp "$csv" "$OUTDIR/samples.csv"
/usr/bin/python3 "$TOP/examples/predict/analyze.py" "$OUTDIR/samples.csv" "$OUTDIR"
echo "predict: report in $OUTDIR/report.md, plot in $OUTDIR/prediction.png"
