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
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
from=""
if [ "${1:-}" = --from ]; then from=$2; shift 2; fi
outdir=${1:-$top/build/examples/loop}

if [ -z "$from" ]; then
	"$top/scripts/install-deps.sh"
	make -s -C "$top/user" >/dev/null
	before=$(date +%s)
	flock /tmp/aq-vm.lock "$top/tests/vm/run.sh" \
		"$top/examples/loop/vm-loop.sh" || true
	from=$(ls -td "${AQ_VM_BUILD:-$top/build/vm}"/runs/*/ | head -1)
	[ "$(stat -c %Y "$from")" -ge "$before" ] ||
		{ echo "loop: no new VM run" >&2; exit 1; }
fi
[ -s "$from/loop/loop.jsonl" ] || { echo "loop: no records in $from (see $from/vm-loop.out)" >&2; exit 1; }
mkdir -p "$outdir"
cp "$from"/loop/* "$outdir/"
/usr/bin/python3 "$top/examples/loop/analyze.py" "$outdir" "$outdir"
echo "loop: report in $outdir/report.md, plot in $outdir/fct.png"
