#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-native benchmark of the per-packet code (see bench/bench.c).
#
#   bench/run.sh            full run (a few minutes): 2M measured packets,
#                           median of 5 timed runs, 300k packets under
#                           callgrind, flow table quality over 5 tables
#   bench/run.sh --short    everything once on small counts (< 60 s), so
#                           that `make check` keeps it working; results in
#                           build/bench/short/
#
# At 10k and 60k concurrent flows: timed runs of bench (pinned to the last
# CPU), then callgrind runs (both flow counts at once), then flowtable_load
# at 25/50/90% load. Raw outputs go to build/bench/raw/,
# callgrind files to build/bench/cg/; bench/report.py writes
# build/bench/results.md and build/bench/bench.png from them.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/bench
out=$bin
mode=full
packets=2000000 runs=5 cg_packets=300000 load_runs=5
if [ "${1:-}" = --short ]; then
	mode=short out=$bin/short
	packets=50000 runs=1 cg_packets=10000 load_runs=1
fi
flows=(10000 60000)

for tool in valgrind callgrind_annotate taskset; do
	command -v "$tool" >/dev/null ||
		{ echo "bench: $tool missing (make deps)" >&2; exit 1; }
done
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null ||
	{ echo "bench: python3-matplotlib missing (make deps)" >&2; exit 1; }
t_start=$(date +%s)

make -s -C "$top/bench"
rm -rf "$out/raw" "$out/cg"
mkdir -p "$out/raw" "$out/cg"

# Pinned for stable times; not in short mode, whose times are not used and
# which should not wait for a CPU that another job holds.
pin=()
cpus=$(nproc)
if [ "$cpus" -gt 1 ] && [ "$mode" = full ]; then
	pin=(taskset -c $((cpus - 1)))
fi

for f in "${flows[@]}"; do
	echo "bench: timing, $f flows ($mode)" >&2
	"${pin[@]}" "$bin/bench" --flows "$f" --packets "$packets" \
		--runs "$runs" >"$out/raw/time-$f.txt"
done

# One callgrind process per flow count, two at a time; the warm-up
# runs uninstrumented, each configuration's measured loop is dumped under
# its name.
cg_run() { # EXE FLOWS CONFIGS
	local exe=$1 f=$2 cfgs=$3
	valgrind --tool=callgrind --instr-atstart=no \
		--callgrind-out-file="$out/cg/$exe-$f.out" \
		"$bin/$exe" --callgrind --flows "$f" --packets "$cg_packets" \
		--configs "$cfgs" >"$out/raw/cg-$exe-$f.txt" \
		2>"$out/raw/cg-$exe-$f.log" ||
		{ cat "$out/raw/cg-$exe-$f.log" >&2; return 1; }
}
echo "bench: callgrind ($cg_packets packets a configuration)" >&2
pids=()
for f in "${flows[@]}"; do
	cg_run bench "$f" parse,counters,f11,all & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for d in "$out"/cg/*.out.*; do
	callgrind_annotate --inclusive=yes "$d" >"$d.incl"
	callgrind_annotate "$d" >"$d.self"
done

echo "bench: flow table quality" >&2
"$bin/flowtable_load" --table 65536 "$load_runs" >"$out/raw/load.txt"

{
	echo "mode=$mode"
	echo "date=$(date -u +%Y-%m-%d)"
	echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1), $cpus CPUs"
	echo "cc=$(gcc --version | head -1)"
	echo "valgrind=$(valgrind --version)"
	echo "packets=$packets"
	echo "runs=$runs"
	echo "cg_packets=$cg_packets"
	echo "load_runs=$load_runs"
	echo "seconds=$(( $(date +%s) - t_start ))"
} >"$out/raw/meta.txt"

/usr/bin/python3 "$top/bench/report.py" "$out"
echo "bench: $out/results.md, $out/bench.png ($(( $(date +%s) - t_start )) s)" >&2
