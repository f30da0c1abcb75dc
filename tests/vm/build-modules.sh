#!/usr/bin/env bash
# Build aquarius.ko (and, for kernels with KUnit, the KUnit module) with
# W=1 against a kernel build tree, in a copy of the sources:
#   build-modules.sh KDIR OUTDIR [--broken]
# --broken also builds the runner's deliberately broken modules.
# Any compiler warning fails the build. Extra make arguments (e.g. C=2 for
# sparse) come from $AQ_KMAKE_ARGS.
set -euo pipefail
. "$(dirname "$0")/common.sh"
kdir=$1 out=$(realpath -m "$2") broken=${3:-}

mkdir -p "$out"
# Copy only what Kbuild needs; rsync keeps timestamps so rebuilds are quick.
rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	--include 'Kbuild' --include 'kmod/***' --include 'uapi/***' \
	--include 'tests/' --include 'tests/kunit/***' \
	--include 'tests/vm/' --include 'tests/vm/broken/***' \
	--exclude '*' "$AQ_TOP/" "$out/"

log=$out/build.log
build() {
	make -C "$kdir" M="$1" W=1 ${AQ_KMAKE_ARGS:-} -j"$(nproc)" modules >"$log" 2>&1 || {
		cat "$log" >&2; echo "build-modules: build failed in $1" >&2; exit 1; }
	if grep -E 'warning:|error:' "$log" >&2; then
		echo "build-modules: warnings in $1 (against $kdir)" >&2
		exit 1
	fi
}
build "$out"
[ "$broken" = --broken ] && build "$out/tests/vm/broken"
echo "build-modules: ok ($kdir)"
