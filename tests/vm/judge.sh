#!/usr/bin/env bash
# Judge one VM run: judge.sh RUN_DIR [WATCHDOG_VERDICT]
# Prints each item's KTAP result lines, every problem found, and
# "vm: N passed, N failed, N skipped". Exit 0 only if nothing failed.
set -uo pipefail
run=$1 verdict=${2:-}
pass=0 fail=0 skip=0
problems=()

# Kernel log lines that make a run fail, whatever the tests said.
splat='WARNING:|BUG:|Oops|kernel BUG at|Kernel panic|KASAN:|UBSAN:|'
splat+='possible (circular|recursive) locking|inconsistent lock state|'
splat+='suspicious RCU usage|INFO: task .* blocked|rcu: INFO|self-detected stall|'
splat+='unreferenced object|general protection fault|Call Trace:'

# timeout(1) exits 124 after SIGTERM, 137 after its SIGKILL.
timed_out() {
	case "$1" in 124|137) echo " (over its timeout: killed)" ;; esac
}

count_ktap() { # file, indentation of the result lines to count
	local f=$1 ind=$2 p s n
	p=$(grep -cE "^${ind}ok [0-9]+ " "$f" | head -1)
	s=$(grep -cE "^${ind}ok [0-9]+ .*# *SKIP" "$f" | head -1)
	n=$(grep -cE "^${ind}not ok [0-9]+ " "$f" | head -1)
	echo "$((p - s)) $n $s"
}

while read -r kind path timeout; do
	[ -n "$kind" ] || continue
	name=$(basename "$path"); name=${name%.*}
	rc=$(awk -v n="$name" '$1 == "end" && $2 == n { print $3 }' "$run/progress" 2>/dev/null | tail -1)
	if [ -z "$rc" ]; then
		problems+=("$name: did not finish")
		fail=$((fail + 1))
		continue
	fi
	case "$kind" in
	kunit)
		f=$run/$name.ktap
		if [ ! -s "$f" ]; then
			problems+=("$name: no KUnit results (insmod rc=$rc: $(head -c 300 "$run/$name.out" 2>/dev/null))")
			fail=$((fail + 1)); continue
		fi
		sed "s/^/[$name] /" "$f"
		read -r p n s < <(count_ktap "$f" "    ")
		[ "$p" -gt 0 ] || [ "$n" -gt 0 ] || { problems+=("$name: ran no case"); n=1; }
		[ "$rc" = 0 ] || { problems+=("$name: insmod exited $rc"); [ "$n" -gt 0 ] || n=1; }
		pass=$((pass + p)) fail=$((fail + n)) skip=$((skip + s)) ;;
	selftest)
		f=$run/$name.out
		sed "s/^/[$name] /" "$f"
		read -r p n s < <(count_ktap "$f" "")
		case "$rc" in
		0) [ "$p" -gt 0 ] || { problems+=("$name: passed with no test line"); n=$((n + 1)); } ;;
		4) [ "$s" -gt 0 ] || s=1 ;;
		*) problems+=("$name: exited $rc$(timed_out "$rc")"); [ "$n" -gt 0 ] || n=1 ;;
		esac
		pass=$((pass + p)) fail=$((fail + n)) skip=$((skip + s)) ;;
	broken|demo)
		sed "s/^/[$name] /" "$run/$name.out"
		if [ "$rc" = 0 ]; then pass=$((pass + 1)); else
			problems+=("$name: exited $rc$(timed_out "$rc")"); fail=$((fail + 1)); fi ;;
	esac
done <"$run/plan"

[ -z "$verdict" ] || problems+=("$verdict")
[ -f "$run/done" ] || problems+=("the VM did not finish its plan (crash, panic or hang)")
if [ -f "$run/console.log" ]; then
	hits=$(grep -naE "$splat" "$run/console.log" | head -20)
	[ -z "$hits" ] || problems+=("kernel log: $hits")
fi
if [ -s "$run/kmemleak" ]; then
	problems+=("kmemleak: $(head -c 600 "$run/kmemleak")")
fi
if [ -f "$run/tainted" ]; then
	# Taints that mean trouble: B(5) D(7) W(9) L(14); ignore O, E, N.
	t=$(cat "$run/tainted")
	bad=$(( t & ((1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)) ))
	[ "$bad" = 0 ] || problems+=("kernel tainted: $t")
fi

for p in "${problems[@]}"; do
	echo "vm: FAIL: $p"
done
if [ ${#problems[@]} -gt 0 ] && [ "$fail" = 0 ]; then
	fail=1
fi
echo "vm: results in $run"
echo "vm: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
