#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run.sh OUT SECONDS: fuzz OUT/fuzz_packet for SECONDS (0: replay the
# corpora once), then print executions, coverage and corpus size.
# New inputs go to OUT/corpus; the seeds (tests/fuzz/corpus) and the
# reproducers of fixed bugs (tests/fuzz/regressions) are read only.
# Exit 1 on a crash, sanitizer report, timeout or leak; the input that
# caused it is left in OUT/ (crash-*, leak-*, timeout-*, oom-*).
set -u
out=$1 secs=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
dirs=("$out/corpus" "$top/tests/fuzz/corpus")
[ -d "$top/tests/fuzz/regressions" ] && dirs+=("$top/tests/fuzz/regressions")
mkdir -p "$out/corpus"
log=$out/fuzz.log
opts=(-max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$out/")
if [ "$secs" -gt 0 ]; then
	opts+=(-max_total_time="$secs")
else
	opts+=(-runs=0)
fi

marker=$(mktemp)
trap 'rm -f "$marker"' EXIT
echo "fuzz: $out/fuzz_packet for ${secs}s, corpus ${dirs[*]#$top/}"
"$out/fuzz_packet" "${opts[@]}" "${dirs[@]}" >"$log" 2>&1
rc=$?

new=$(find "$out" -maxdepth 1 -newer "$marker" \( -name 'crash-*' \
	-o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
if [ "$rc" -ne 0 ] || [ -n "$new" ]; then
	grep -E -A40 '^==[0-9]+==|runtime error|invariant:|ERROR: libFuzzer' "$log" | head -80
	echo "fuzz: FAILED (exit $rc); log $log"
	for f in $new; do echo "fuzz: reproducer $f (replay: $out/fuzz_packet $f)"; done
	exit 1
fi

fstat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n1; }
last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
cov=$(printf '%s\n' "$last" | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/\1 edges, \2 features/p')
files=$(find "${dirs[@]}" -type f | wc -l)
kb=$(( $(find "${dirs[@]}" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}') / 1024 ))
echo "fuzz: $(fstat number_of_executed_units) executions in ${secs}s" \
	"($(fstat average_exec_per_sec)/s), $(fstat new_units_added) new inputs," \
	"peak RSS $(fstat peak_rss_mb) MB"
echo "fuzz: coverage (libFuzzer): ${cov:-unknown}"
echo "fuzz: corpus: $files files, $kb KB ($(find "$out/corpus" -type f | wc -l) in ${out#"$top"/}/corpus)"

# Source coverage of the module's files: replay every input once.
prof=$(command -v llvm-profdata-14 || command -v llvm-profdata)
llcov=$(command -v llvm-cov-14 || command -v llvm-cov)
if [ -x "$out/fuzz_packet_cov" ] && [ -n "$prof" ] && [ -n "$llcov" ]; then
	rm -f "$out"/cov-*.profraw
	LLVM_PROFILE_FILE="$out/cov-%p.profraw" "$out/fuzz_packet_cov" -runs=0 \
		-max_len=4096 "${dirs[@]}" >"$out/cov.log" 2>&1 &&
	"$prof" merge -sparse -o "$out/cov.profdata" "$out"/cov-*.profraw &&
	"$llcov" report "$out/fuzz_packet_cov" -instr-profile="$out/cov.profdata" \
		"$top/kmod/packet.c" "$top/kmod/flowtable.c" "$top/kmod/features.c" \
		>"$out/cov.txt" 2>&1 &&
	awk 'NR == 1 || /\.c / || /^TOTAL/ {
		sub(".*/kmod/", "kmod/");
		printf "fuzz: %-18s lines %-8s branches %-8s functions %s\n",
			$1, $10, $13, $7 }' "$out/cov.txt" | sed 1d ||
	echo "fuzz: source coverage failed (see $out/cov.log)"
else
	echo "fuzz: source coverage skipped (needs llvm-cov, package llvm-14)"
fi
echo "fuzz: ok"
