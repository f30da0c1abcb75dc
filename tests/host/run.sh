#!/usr/bin/env bash
# Run host test binaries; print their TAP and one summary line
# "host: N passed, N failed" that the top-level `make check` sums.
set -u
pass=0 fail=0
for t in "$@"; do
	name=$(basename "$t")
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out" | sed "s/^/[$name] /"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	# A crash (sanitizer report, abort) after its last line counts as a failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "[$name] exited with $rc"; fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "[$name] ran no check"; fi
	pass=$((pass + p)) fail=$((fail + f))
done
echo "host: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
