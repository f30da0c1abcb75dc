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
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
from=""
if [ "${1:-}" = --from ]; then from=$2; shift 2; fi
outdir=${1:-$top/build/examples/classify}

if [ -z "$from" ]; then
	"$top/scripts/install-deps.sh"
	make -s -C "$top/user" >/dev/null
	before=$(date +%s)
	flock /tmp/aq-vm.lock "$top/tests/vm/run.sh" \
		"$top/examples/classify/vm-classify.sh" || true
	from=$(ls -td "${AQ_VM_BUILD:-$top/build/vm}"/runs/*/ | head -1)
	[ "$(stat -c %Y "$from")" -ge "$before" ] ||
		{ echo "classify: no new VM run" >&2; exit 1; }
fi
csv=$from/classify/samples.csv
[ -s "$csv" ] || { echo "classify: no samples in $from (see $from/vm-classify.out)" >&2; exit 1; }
mkdir -p "$outdir"
cp "$csv" "$outdir/samples.csv"
/usr/bin/python3 "$top/examples/classify/analyze.py" --warmup 30 "$outdir/samples.csv" "$outdir"
echo "classify: report in $outdir/report.md, plot in $outdir/clusters.png"
