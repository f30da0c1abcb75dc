#!/usr/bin/env bash
# `make check`: every test of the project, in order: host-side tests (C, then
# the Python package against libaquarius; and
# a minute of packet fuzzing, a short benchmark run), builds against Debian's
# stock 6.1 and 6.12 headers (W=1), make install and DKMS, sparse and
# checkpatch, then KUnit and the selftests in the VM, then the runner's own
# failure cases. Ends with one line "N passed, N failed, N skipped".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

pass=0 fail=0 skip=0
failed=()
details=() # the failure lines of counted stages, repeated at the end
t0=$(date +%s)

# stage NAME CMD...: a stage that is one test.
stage() {
	local name=$1; shift
	local t=$(date +%s)
	echo "=== $name"
	if "$@"; then
		pass=$((pass + 1)); echo "=== $name: ok ($(( $(date +%s) - t )) s)"
	else
		fail=$((fail + 1)); failed+=("$name"); echo "=== $name: FAILED"
	fi
}

# counted NAME CMD...: a stage whose last output line is "...: N passed, N failed[, N skipped]".
counted() {
	local name=$1; shift
	local t=$(date +%s) log line p f s rc
	echo "=== $name"
	log=$(mktemp)
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	mapfile -t -O "${#details[@]}" details < <(grep -E '^(vm: FAIL|not ok|FAIL)' "$log" |
		grep -v '# TODO' | head -n 12 | sed "s|^|$name: |")
	rm -f "$log"
	p=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$line")
	f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
	[ -n "$line" ] || { [ "$f" -gt 0 ] || f=1; }
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	[ "$f" = 0 ] || failed+=("$name")
	echo "=== $name: $p passed, $f failed, $s skipped ($(( $(date +%s) - t )) s)"
}

headers() { # newest stock header tree of a series
	ls -d /usr/src/linux-headers-"$1".*-amd64 2>/dev/null | sort -V | tail -n1
}

stage "dependencies" scripts/install-deps.sh
counted "host tests (ASan, UBSan)" make -s -C tests/host check
counted "Python package (user/python) on the host" make -s -C tests/python check
stage "userspace build" make -s -C user
stage "selftest tools, offline (netlink fuzzer, packet storm)" bash -c \
	'python3 tests/selftests/tools/netlink_fuzz.py selftest &&
	 python3 tests/selftests/tools/packet_storm.py selftest'
stage "packet fuzzing (libFuzzer, 60 s)" make -s fuzz-short
# Figures are not judged here (noisy); the benchmark must run, so it cannot rot.
stage "benchmark, short mode (make bench-short)" make -s bench-short
for series in 6.1 6.12; do
	h=$(headers "$series")
	if [ -n "$h" ]; then
		stage "module build W=1 against $(basename "$h")" \
			tests/vm/build-modules.sh "$h" "build/compat-$series"
	else
		echo "=== no headers for $series"; fail=$((fail + 1)); failed+=("headers $series")
	fi
done
# Packaging: make install into a scratch DESTDIR; DKMS add/build/install/
# remove for Debian's 6.1 and 6.12 (undone at the end).
counted "make install (DESTDIR)" scripts/install-check.sh
counted "DKMS on Debian's 6.1 and 6.12" scripts/dkms-check.sh
stage "test kernel (cached)" tests/vm/build-kernel.sh
(. tests/vm/common.sh && aq_prune_kernels)
kobj=$(tests/vm/build-kernel.sh 2>/dev/null)/obj
stage "sparse (C=2) against the test kernel" \
	env AQ_KMAKE_ARGS="C=2" tests/vm/build-modules.sh "$kobj" build/sparse
stage "checkpatch" scripts/checkpatch.sh

# A script with a line "# aq-manual: WHY" is run by hand only (make vm-test),
# and listed here with its reason.
mapfile -t selftests < <(ls tests/selftests/*.sh | grep -v '/lib.sh$' |
	xargs grep -L '^# aq-manual:')
grep -H '^# aq-manual:' tests/selftests/*.sh | sed 's/^/=== not in make check: /' || true
counted "VM: KUnit and selftests" tests/vm/run.sh kunit:aquarius_kunit "${selftests[@]}"

# The runner must fail on a WARN, a KASAN report and a hang.
stage "runner catches a WARN" tests/vm/run.sh --expect-fail broken:aq_broken_warn
stage "runner catches a KASAN report" tests/vm/run.sh --expect-fail broken:aq_broken_kasan
stage "runner catches a hang" tests/vm/run.sh --expect-fail --timeout 20 broken:aq_broken_hang

echo
echo "make check took $(( $(date +%s) - t0 )) s"
for d in "${details[@]}"; do echo "  $d"; done
for f in "${failed[@]}"; do echo "FAILED: $f"; done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
