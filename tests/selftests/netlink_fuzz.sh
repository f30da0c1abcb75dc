#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 420
# Netlink fuzzing: seeded random messages to the aquarius family (commands,
# attributes, lengths, nesting; valid-ish and garbage) from a privileged
# process, then from an unprivileged one (user nobody, no capabilities),
# in a namespace of their own. The tool (tools/netlink_fuzz.py) keeps a
# model of what the kernel accepted; a dump must equal it exactly, during
# and after the run, every accepted write must be announced as an event,
# and no unprivileged write may succeed. The VM's judge fails the run on
# any kernel warning or sanitizer report.
#
# Reproduce: AQ_FUZZ_SEED=S [AQ_FUZZ_COUNT=N AQ_FUZZ_UNPRIV_COUNT=M] \
#	tests/vm/run.sh tests/selftests/netlink_fuzz.sh
# shellcheck disable=SC2154 # the namespaces are set by setup_ns (lib.sh)
. "$(dirname "$0")/lib.sh"
TOOLS=$(cd "$(dirname "$0")/tools" && pwd)
PY=/usr/bin/python3
SEED=${AQ_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
COUNT=${AQ_FUZZ_COUNT:-20000}
UCOUNT=${AQ_FUZZ_UNPRIV_COUNT:-10000}

ktap_print_header
require_cmd setpriv "$PY"
ktap_print_msg "seed $SEED (AQ_FUZZ_SEED=$SEED reproduces), $COUNT + $UCOUNT messages"
aq_load || { ktap_test_fail "insmod"; ktap_finished; }
defer aq_unload
setup_ns fz || { ktap_test_fail "namespace"; ktap_finished; }
dir=$(mktemp -d /tmp/aqfuzz.XXXXXX) || { ktap_test_fail "tmpdir"; ktap_finished; }
defer "rm -rf '$dir'"
chmod 755 "$dir"
public_copy PUB "$TOOLS" || { ktap_test_fail "readable copy of the tools"; ktap_finished; }

# fuzz LABEL CMD...: the tool's PASS/FAIL lines as KTAP lines.
fuzz() {
	local label=$1 line rc=none fails=0
	shift
	# Streamed, so that a run over its timeout still shows its progress
	# (through a FIFO: the VM has no /dev/fd for <(...)).
	rm -f "$dir/fifo" && mkfifo "$dir/fifo" || return 1
	{ "$@" 2>&1; echo "EXIT $?"; } >"$dir/fifo" &
	while IFS= read -r line; do
		case "$line" in
		"PASS "*) ktap_test_pass "$label: ${line#PASS }" ;;
		"FAIL "*) ktap_test_fail "$label: ${line#FAIL }"; fails=1 ;;
		"EXIT "*) rc=${line#EXIT } ;;
		*) ktap_print_msg "$line" ;;
		esac
	done <"$dir/fifo"
	wait
	[ "$rc" = 0 ] || [ "$fails" = 1 ] || ktap_test_fail "$label: tool exited $rc"
}

fuzz "privileged" ip netns exec "$fz" "$PY" "$TOOLS/netlink_fuzz.py" run \
	--seed "$SEED" --count "$COUNT" --max-seconds 120 --model "$dir/model.json"
chmod 644 "$dir/model.json" 2>/dev/null
fuzz "unprivileged" ip netns exec "$fz" setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all --bounding-set=-all \
	"$PY" "$PUB/netlink_fuzz.py" run --unpriv --seed "$((SEED + 1))" \
	--count "$UCOUNT" --max-seconds 45 --model "$dir/model.json"
# The init namespace saw none of it.
check "init namespace has no VIPs" \
	bash -c "[ \$(grep -c '^vip' /proc/net/aquarius) = 0 ]"
# The namespace goes with its VIPs still in it, then the module.
ip netns del "$fz"
check "rmmod after the namespace is gone" aq_unload
ktap_finished
