# SPDX-License-Identifier: GPL-2.0
# Helpers for the aquarius selftests, in the style of the kernel's
# tools/testing/selftests/net/lib.sh and kselftest/ktap_helpers.sh:
# namespaces with random names, cleanup on exit, KTAP output,
# exit 0 pass, 1 fail, 4 skip.
# shellcheck shell=bash

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

AQ_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The module built for the test kernel by tests/vm/build-modules.sh.
AQ_MOD_DIR=${AQ_MOD_DIR:-$AQ_TOP/build/vm/mod}
AQ_KO=$AQ_MOD_DIR/aquarius.ko

ktap_pass=0 ktap_fail=0 ktap_skip=0 ktap_n=0

ktap_print_header() { echo "TAP version 13"; }
ktap_set_plan() { ktap_plan=$1; echo "1..$1"; }
ktap_test_pass() { ktap_n=$((ktap_n + 1)); ktap_pass=$((ktap_pass + 1)); echo "ok $ktap_n $*"; }
ktap_test_fail() { ktap_n=$((ktap_n + 1)); ktap_fail=$((ktap_fail + 1)); echo "not ok $ktap_n $*"; }
ktap_test_skip() { ktap_n=$((ktap_n + 1)); ktap_skip=$((ktap_skip + 1)); echo "ok $ktap_n $* # SKIP"; }
ktap_print_msg() { echo "# $*"; }

# check NAME CMD...: one KTAP line for a command's success.
check() {
	local name=$1; shift
	if "$@"; then ktap_test_pass "$name"; else ktap_test_fail "$name"; fi
}

# run_cases LABEL CMD...: one KTAP line per PASS/FAIL line of a tool (a
# line "PASS what" or "FAIL what"; other lines become KTAP messages); a
# tool that exits non-zero without a FAIL line is one failure.
run_cases() {
	local label=$1 line out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"PASS "*) ktap_test_pass "$label: ${line#PASS }" ;;
		"FAIL "*) ktap_test_fail "$label: ${line#FAIL }" ;;
		*) ktap_print_msg "$line" ;;
		esac
	done <<<"$out"
	[ "$rc" = 0 ] || grep -q '^FAIL ' <<<"$out" ||
		ktap_test_fail "$label: tool exited $rc"
}

ktap_finished() {
	# A script that cannot know its count up front gives the plan last.
	[ -n "${ktap_plan:-}" ] || echo "1..$ktap_n"
	echo "# Totals: pass:$ktap_pass fail:$ktap_fail skip:$ktap_skip"
	if [ "$ktap_fail" -gt 0 ]; then exit $KSFT_FAIL; fi
	if [ "$ktap_pass" -eq 0 ] && [ "$ktap_skip" -gt 0 ]; then exit $KSFT_SKIP; fi
	exit $KSFT_PASS
}

# --- namespaces ---------------------------------------------------------------
AQ_NS_LIST=()

# setup_ns VAR...: create a namespace with a random name for each VAR and
# store its name in VAR; all are deleted on exit.
setup_ns() {
	local var name
	for var in "$@"; do
		name="$var-$(mktemp -u XXXXXX)"
		ip netns add "$name" || return 1
		ip -n "$name" link set lo up
		ip netns exec "$name" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
		AQ_NS_LIST+=("$name")
		printf -v "$var" '%s' "$name"
	done
}

cleanup_ns() {
	local ns
	for ns in "${AQ_NS_LIST[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	AQ_NS_LIST=()
}

AQ_CLEANUP_HOOKS=()
defer() { AQ_CLEANUP_HOOKS+=("$*"); }
aq_cleanup() {
	local i
	for (( i=${#AQ_CLEANUP_HOOKS[@]}-1; i>=0; i-- )); do
		eval "${AQ_CLEANUP_HOOKS[$i]}" 2>/dev/null
	done
	cleanup_ns
}
trap aq_cleanup EXIT

# link_ns A B ADDR_A ADDR_B [ADDR6_A ADDR6_B]: a veth pair between two
# namespaces, with IPv4 (/24) and optional IPv6 (/64) addresses.
link_ns() {
	local a=$1 b=$2 ia=veth-$(mktemp -u XXXX) ib=veth-$(mktemp -u XXXX)
	ip link add "$ia" netns "$a" type veth peer name "$ib" netns "$b" || return 1
	ip -n "$a" addr add "$3/24" dev "$ia"
	ip -n "$b" addr add "$4/24" dev "$ib"
	if [ -n "${5:-}" ]; then
		ip -n "$a" addr add "$5/64" dev "$ia" nodad
		ip -n "$b" addr add "$6/64" dev "$ib" nodad
	fi
	ip -n "$a" link set "$ia" up
	ip -n "$b" link set "$ib" up
	LINK_A=$ia LINK_B=$ib
}

# The standard topology: client -- router -- server, the router forwarding.
#   client 10.0.1.2/24, fd00:1::2   router 10.0.1.1, 10.0.2.1   server 10.0.2.2/24, fd00:2::2
setup_topology() {
	setup_ns client router server || return 1
	link_ns "$client" "$router" 10.0.1.2 10.0.1.1 fd00:1::2 fd00:1::1 || return 1
	CLIENT_IF=$LINK_A ROUTER_CIF=$LINK_B
	link_ns "$router" "$server" 10.0.2.1 10.0.2.2 fd00:2::1 fd00:2::2 || return 1
	ROUTER_SIF=$LINK_A SERVER_IF=$LINK_B
	ip netns exec "$router" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n "$client" route add default via 10.0.1.1
	ip -n "$client" -6 route add default via fd00:1::1
	ip -n "$server" route add default via 10.0.2.1
	ip -n "$server" -6 route add default via fd00:2::1
}

# The observing topology: the VM's initial namespace is the router (the
# module's insmod parameters configure that namespace), with client and
# server namespaces. Same addresses as setup_topology.
setup_topology_root() {
	setup_ns client server || return 1
	local ci=aqc-$(mktemp -u XXXX) si=aqs-$(mktemp -u XXXX)
	ip link add "$ci" type veth peer name veth0 netns "$client" || return 1
	ip link add "$si" type veth peer name veth0 netns "$server" || return 1
	ROUTER_CIF=$ci ROUTER_SIF=$si CLIENT_IF=veth0 SERVER_IF=veth0
	ip addr add 10.0.1.1/24 dev "$ci"
	ip addr add fd00:1::1/64 dev "$ci" nodad
	ip addr add 10.0.2.1/24 dev "$si"
	ip addr add fd00:2::1/64 dev "$si" nodad
	ip link set "$ci" up
	ip link set "$si" up
	ip -n "$client" addr add 10.0.1.2/24 dev veth0
	ip -n "$client" addr add fd00:1::2/64 dev veth0 nodad
	ip -n "$server" addr add 10.0.2.2/24 dev veth0
	ip -n "$server" addr add fd00:2::2/64 dev veth0 nodad
	ip -n "$client" link set veth0 up
	ip -n "$server" link set veth0 up
	sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n "$client" route add default via 10.0.1.1
	ip -n "$client" -6 route add default via fd00:1::1
	ip -n "$server" route add default via 10.0.2.1
	ip -n "$server" -6 route add default via fd00:2::1
	# The router-side ends go away with their peers' namespaces.
}

# wait_listen NS PORT [tcp|udp]: wait (10 s at most) for a listener.
wait_listen() {
	local opt=-Hltn i
	[ "${3:-tcp}" = udp ] && opt=-Hlun
	for i in $(seq 100); do
		[ -n "$(ip netns exec "$1" ss $opt "sport = :$2")" ] && return 0
		sleep 0.1
	done
	echo "# nothing listens on port $2 in $1"
	return 1
}

# require_root / require_cmd: skip the whole test when unmet.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || { ktap_test_skip "needs $c"; ktap_finished; }
	done
}

# public_copy VAR DIR: copy DIR's Python files into a new directory that
# every user can read (0755, files 0644; removed on exit) and set VAR to
# it. For tools run as an unprivileged user: the checkout may sit under a
# private directory (mktemp -d makes it 0700).
public_copy() {
	local d
	d=$(mktemp -d /tmp/aqpub.XXXXXX) || return 1
	defer "rm -rf '$d'"
	cp "$2"/*.py "$d"/ && chmod 755 "$d" && chmod 644 "$d"/*.py || return 1
	printf -v "$1" '%s' "$d"
}

# aq_load [PARAMS...]: insmod the module built for this kernel.
aq_load() {
	[ -f "$AQ_KO" ] || { echo "# no $AQ_KO (run tests/vm/build-modules.sh)"; return 1; }
	insmod "$AQ_KO" "$@"
}
aq_unload() { rmmod aquarius; }
aq_loaded() { grep -q '^aquarius ' /proc/modules; }
