# SPDX-License-Identifier: GPL-2.0
# Helpers of the observe_*.sh selftests; source after ../lib.sh.
# shellcheck shell=bash
# shellcheck disable=SC2154 # ktap_n and the namespaces come from lib.sh

OBS_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The VM's interpreter (the host root, shared read-only), never a user's.
PY=/usr/bin/python3
AQCTL=${AQCTL:-$AQ_TOP/user/aqctl/aqctl}
OBS_PLAN=0

obs_plan() { OBS_PLAN=$1; ktap_set_plan "$1"; }

# obs_bail MSG: every remaining planned test fails with MSG; then finish.
obs_bail() {
	ktap_print_msg "bailing out: $1"
	while [ "$ktap_n" -lt "$OBS_PLAN" ]; do ktap_test_fail "$1"; done
	ktap_finished
}

# obs_tmpdir: a private directory under /tmp (a tmpfs in the VM) in OBS_TMP,
# removed on exit.
obs_tmpdir() {
	OBS_TMP=$(mktemp -d /tmp/aqobs.XXXXXX) || return 1
	defer "rm -rf '$OBS_TMP'"
}

traffic() { "$PY" "$OBS_TOOLS/traffic.py" "$@"; }
region() { "$PY" "$OBS_TOOLS/region.py" "$@"; }
mmap_check() { "$PY" "$OBS_TOOLS/mmap_check.py" "$@"; }

# wait_file FILE SECONDS
wait_file() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# start_server NAME NS serve|udp-serve ADDR PORT [ARGS...]: traffic.py in
# namespace NS, in the background; returns once it listens. Its pid is in
# OBS_PID_<NAME>, its output in $OBS_TMP/NAME.out, its log in NAME.log.
start_server() {
	local name=$1 ns=$2 kind=$3 addr=$4 port=$5 extra=()
	shift 5
	[ "$kind" = serve ] && extra=(--log "$OBS_TMP/$name.log")
	ip netns exec "$ns" "$PY" "$OBS_TOOLS/traffic.py" "$kind" --addr "$addr" \
		--port "$port" --ready "$OBS_TMP/$name.ready" "${extra[@]}" "$@" \
		>"$OBS_TMP/$name.out" 2>&1 &
	printf -v "OBS_PID_$name" '%s' "$!"
	wait_file "$OBS_TMP/$name.ready" 60
}

# run_client NS OUT ARGS...: traffic.py client in NS; JSON summary in OUT.
run_client() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" "$PY" "$OBS_TOOLS/traffic.py" client "$@" \
		>"$out" 2>"$out.err"
}

# jget FILE PATH: a value of a JSON file (PATH: keys joined by dots);
# prints nothing if the file or the key is missing.
jget() {
	"$PY" - "$1" "$2" <<-'EOF' 2>/dev/null
	import json, sys
	v = json.load(open(sys.argv[1]))
	for k in sys.argv[2].split("."):
	    v = v[int(k)] if isinstance(v, list) else v[k]
	print(v)
	EOF
}

# region_read VIP [region.py show options]: read one VIP's region and set
# the shell variables of `region.py show --shell` (SEQ, B<col>_<COUNTER>,
# TOT_<COUNTER>, B<col>_<FEATURE>_{OFFERED,SAMPLES,MEDIAN,...}, VC_*, ...).
# Every such variable of an earlier read is unset first, so a failed read
# leaves them empty and checks on them fail. Returns region.py's status.
region_read() {
	local out rc v
	for v in $(compgen -v | grep -E '^(B[0-9]+_|TOT_|VC_)'); do unset "$v"; done
	unset SEQ NOW_MS ACTIVE NR_SLOTS INTERVAL_NS REGION_SIZE NAMES_OK \
		BACKENDS BAD_SLOTS UNTIL_MET SETTLED MODE SCHED DRAINING \
		WEIGHTS_SEQ WEIGHTS
	out=$("$PY" "$OBS_TOOLS/region.py" show "$@" --shell)
	rc=$?
	eval "$out"
	[ "$rc" = 0 ] || ktap_print_msg "region.py show $* exited $rc"
	return $rc
}

obs_is_num() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }

# check_eq NAME GOT WANT: exact (string) equality; both printed on failure.
# GOT may join several values with '/' or ' ' (e.g. "$B0_N_FLOW/$B1_N_FLOW");
# an empty value among them fails, so a missing variable never passes.
check_eq() {
	if [[ $2 =~ ^[^/\ ]+([/\ ][^/\ ]+)*$ ]] && [ "$2" = "$3" ]; then
		ktap_test_pass "$1"
	else
		ktap_print_msg "$1: got '$2', want '$3'"
		ktap_test_fail "$1"
	fi
}

# check_cmp NAME GOT OP BOUND: numeric comparison (OP one of > >= < <= ==).
check_cmp() {
	if obs_is_num "$2" && obs_is_num "$4" &&
	   awk -v a="$2" -v b="$4" "BEGIN { exit !(a $3 b) }"; then
		ktap_test_pass "$1"
	else
		ktap_print_msg "$1: got '$2', want $3 $4"
		ktap_test_fail "$1"
	fi
}

# check_range NAME GOT LO HI: LO <= GOT <= HI, numerically.
check_range() {
	if obs_is_num "$2" && obs_is_num "$3" && obs_is_num "$4" &&
	   awk -v a="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(a >= lo && a <= hi) }'; then
		ktap_test_pass "$1"
	else
		ktap_print_msg "$1: got '$2', want [$3, $4]"
		ktap_test_fail "$1"
	fi
}

# fmt_ms US: microseconds (possibly fractional) as ms with one decimal.
fmt_ms() { obs_is_num "$1" && awk -v v="$1" 'BEGIN { printf "%.1f", v / 1000 }' || echo "?"; }

# client_ok NAME FILE WANT: the client's summary reports WANT connections
# ok and none failed.
client_ok() {
	local ok failed
	ok=$(jget "$2" ok) failed=$(jget "$2" failed)
	if [ "$ok" = "$3" ] && [ "$failed" = 0 ]; then
		ktap_test_pass "$1"
	else
		ktap_print_msg "$1: ok '$ok' failed '$failed', want $3 ok; $(jget "$2" errors) $(head -c 300 "$2.err" 2>/dev/null)"
		ktap_test_fail "$1"
	fi
}

# netem DEV [NS] ARGS...: replace the root qdisc of DEV (in NS, or "-" for
# the initial namespace) with netem ARGS.
netem() {
	local dev=$1 ns=$2
	shift 2
	if [ "$ns" = - ]; then
		tc qdisc replace dev "$dev" root netem "$@"
	else
		tc -n "$ns" qdisc replace dev "$dev" root netem "$@"
	fi
}

# aq_listed VIP: the VIP has a line in the discovery file.
aq_listed() { grep -qE "^vip $1 " /proc/net/aquarius 2>/dev/null; }

# aqctl_matches VIP: `aqctl -j show VIP` (libaquarius) and region.py (this
# directory's independent reader) agree on every counter of every active
# backend and, per feature, on samples, offered and the mean. Call it when
# the VIP is idle (counters and reservoirs do not change meanwhile).
aqctl_matches() {
	local a=$OBS_TMP/aqctl.json r=$OBS_TMP/region.json
	"$AQCTL" -j show "$1" >"$a" 2>"$a.err" || {
		ktap_print_msg "aqctl -j show $1 failed: $(head -c 300 "$a.err")"
		return 1
	}
	region show "$1" >"$r" || return 1
	"$PY" - "$a" "$r" <<-'EOF'
	import json, math, sys
	a = json.load(open(sys.argv[1]))
	r = json.load(open(sys.argv[2]))
	rb = {b["column"]: b for b in r["backends"]}
	bad, n = [], 0
	if not a["backends"]:
	    bad.append("aqctl lists no active backend")
	for b in a["backends"]:
	    col = b["column"]
	    if col not in rb:
	        bad.append("column %d unknown to region.py" % col)
	        continue
	    for k, v in b["counters"].items():
	        n += 1
	        if rb[col]["counters"].get(k) != v:
	            bad.append("b%d %s: aqctl %s region.py %s" % (col, k, v, rb[col]["counters"].get(k)))
	    for f, red in b["features"].items():
	        fd = rb[col]["features"].get(f)
	        if fd is None:
	            bad.append("b%d feature %s unknown to region.py" % (col, f))
	            continue
	        vals = [v for _, v in fd["slots"]]
	        mean = sum(vals) / len(vals) if vals else None
	        n += 1
	        if red["samples"] != len(vals) or red["offered"] != fd["offered"]:
	            bad.append("b%d %s: samples/offered aqctl %s/%s region.py %s/%s" % (
	                col, f, red["samples"], red["offered"], len(vals), fd["offered"]))
	        elif (mean is None) != (red["avg"] is None) or (
	                mean is not None and not math.isclose(mean, red["avg"], rel_tol=1e-9, abs_tol=1e-6)):
	            bad.append("b%d %s: avg aqctl %s region.py %s" % (col, f, red["avg"], mean))
	for m in bad[:8]:
	    print("# " + m)
	print("# aqctl and region.py: %d values compared, %d differ" % (n, len(bad)))
	sys.exit(1 if bad else 0)
	EOF
}

# aq_proc_has REGEX: a line of the discovery file matches (grep -E).
aq_proc_has() { grep -qE "$1" /proc/net/aquarius 2>/dev/null; }

# nlines LOG: connections a server has logged so far.
nlines() { local n; n=$(grep -c . "$1" 2>/dev/null); echo "${n:-0}"; }

# conns_ok NAME FILE WANT: as client_ok, from the first fields of the
# client's summary, read without an interpreter (one takes seconds to start
# in the VM): WANT connections ok, none failed.
conns_ok() {
	local re='^\{"connections": ([0-9]+), "ok": ([0-9]+), "failed": ([0-9]+),'
	if [[ $(head -n 1 "$2" 2>/dev/null) =~ $re ]] &&
	   [ "${BASH_REMATCH[2]}" = "$3" ] && [ "${BASH_REMATCH[3]}" = 0 ]; then
		ktap_test_pass "$1"
	else
		ktap_print_msg "$1: $(head -c 300 "$2" 2>/dev/null) $(head -c 300 "$2.err" 2>/dev/null)"
		ktap_test_fail "$1"
	fi
}

# obs_insmod [PARAMS...]: load the module for this script (first unloading
# one that a killed item left behind), unloaded at exit; bails out when it
# does not load.
obs_insmod() {
	aq_loaded && rmmod aquarius
	check "insmod" aq_load "$@"
	defer 'aq_loaded && rmmod aquarius'
	aq_loaded || obs_bail "module not loaded"
}
