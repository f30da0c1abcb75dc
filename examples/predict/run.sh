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
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
from=""
if [ "${1:-}" = --from ]; then from=$2; shift 2; fi
outdir=${1:-$top/build/examples/predict}

if [ -z "$from" ]; then
	"$top/scripts/install-deps.sh"
	make -s -C "$top/user" >/dev/null
	before=$(date +%s)
	flock /tmp/aq-vm.lock "$top/tests/vm/run.sh" \
		"$top/examples/predict/vm-predict.sh" || true
	from=$(ls -td "${AQ_VM_BUILD:-$top/build/vm}"/runs/*/ | head -1)
	[ "$(stat -c %Y "$from")" -ge "$before" ] ||
		{ echo "predict: no new VM run" >&2; exit 1; }
fi
csv=$from/predict/samples.csv
[ -s "$csv" ] || { echo "predict: no samples in $from (see $from/vm-predict.out)" >&2; exit 1; }
mkdir -p "$outdir"
cp "$csv" "$outdir/samples.csv"
/usr/bin/python3 "$top/examples/predict/analyze.py" "$outdir/samples.csv" "$outdir"
echo "predict: report in $outdir/report.md, plot in $outdir/prediction.png"
