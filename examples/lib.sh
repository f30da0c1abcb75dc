#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the examples' one-command scripts (examples/<name>/run.sh) share:
#
#   . "$(dirname "$0")/../lib.sh"
#   example_setup NAME "$@"	# sets TOP, FROM and OUTDIR
#
# "run.sh [--from RUNDIR] [OUTDIR]": without --from, the VM part
# (examples/NAME/vm-NAME.sh) runs through tests/vm/run.sh under the VM lock
# shared with other runs, and FROM is that run's directory; with it, FROM
# is RUNDIR (an earlier run, build/vm/runs/<id>). OUTDIR defaults to
# build/examples/NAME and is created.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# example_die NAME MESSAGE
example_die() { echo "$1: $2" >&2; exit 1; }

example_setup() {
	local name=$1 before
	shift
	FROM=""
	if [ "${1:-}" = --from ]; then FROM=$2; shift 2; fi
	OUTDIR=${1:-$TOP/build/examples/$name}
	if [ -z "$FROM" ]; then
		"$TOP/scripts/install-deps.sh"
		make -s -C "$TOP/user" >/dev/null
		before=$(date +%s)
		flock /tmp/aq-vm.lock "$TOP/tests/vm/run.sh" \
			"$TOP/examples/$name/vm-$name.sh" || true
		FROM=$(ls -td "${AQ_VM_BUILD:-$TOP/build/vm}"/runs/*/ | head -1)
		[ "$(stat -c %Y "$FROM")" -ge "$before" ] ||
			example_die "$name" "no new VM run"
	fi
	mkdir -p "$OUTDIR"
}
