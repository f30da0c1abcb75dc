#!/bin/bash
# PID 1 of the test VM. Reads the plan from the writable share "aqout",
# runs each item with a timeout, writes results, progress and the kernel
# log back, then powers off. See run.sh.
# The whole script is one block, read before it runs: the 9p root it is
# read from goes away during the power-off at the end.
{
vmdir=$(dirname "$(readlink -f "$0")")
export PATH="$vmdir/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export HOME=/root LANG=C.UTF-8 TERM=dumb


mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /run
mkdir -p /run/aqout /run/netns
# The tests get a private /tmp. A checkout under the host's /tmp (a CI
# clone) stays visible: bind it aside, mount the tmpfs, bind it back.
top=$(dirname "$(dirname "$vmdir")")
case "$top" in
/tmp/*)
	mkdir -p /run/aqtop
	mount --bind "$top" /run/aqtop
	mount -t tmpfs tmpfs /tmp
	mkdir -p "$top"
	mount --bind /run/aqtop "$top"
	;;
*)	mount -t tmpfs tmpfs /tmp ;;
esac
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none aqout /run/aqout
out=/run/aqout
# Where this run's modules were built (tests/selftests/lib.sh uses it).
export AQ_MOD_DIR=$(sed -n 's/^mod //p' "$out/env")
# Test settings passed by run.sh (AQ_FUZZ_*, AQ_STORM_*, AQ_STRESS_*,
# AQ_FLOOD_*: numbers; AQ_BENCH_*: lowercase words and numbers, commas).
for kv in $(sed -n 's/^setenv //p' "$out/env"); do export "$kv"; done
hostname aqvm
ip link set lo up
echo "$vmdir/bin/modprobe" >/proc/sys/kernel/modprobe
# Boot-time allocations are not ours to judge. No automatic scans: under
# TCG one takes minutes of CPU at a random point of a test; the explicit
# scans after the plan find the leaks.
echo clear >/sys/kernel/debug/kmemleak 2>/dev/null
echo scan=off >/sys/kernel/debug/kmemleak 2>/dev/null

echo "booted $(uname -r)" >"$out/booted"

while read -r kind path timeout; do
	[ -n "$kind" ] || continue
	name=$(basename "$path"); name=${name%.*}
	echo "start $name $timeout" >>"$out/progress"
	echo "aqvm: start $kind $name" >/dev/kmsg
	rc=0
	case "$kind" in
	kunit)
		timeout -k 10 "$timeout" insmod "$path" >"$out/$name.out" 2>&1 || rc=$?
		for r in /sys/kernel/debug/kunit/*/results; do
			[ -f "$r" ] && cat "$r" >>"$out/$name.ktap"
		done
		rmmod "$name" 2>>"$out/$name.out" || true
		;;
	broken)
		timeout -k 10 "$timeout" insmod "$path" >"$out/$name.out" 2>&1 || rc=$?
		rmmod "$name" 2>/dev/null || true
		;;
	selftest|demo)
		( cd "$(dirname "$path")" && timeout -k 10 "$timeout" "$path" ) \
			>"$out/$name.out" 2>&1 </dev/null || rc=$?
		[ "$kind" = demo ] && cat "$out/$name.out" >/dev/console
		;;
	esac
	# An item that failed or was killed may leave processes, namespaces
	# (with the router's veth ends) and the module behind: clear them, so
	# that it cannot spoil the items after it. (kill -1 spares PID 1.)
	if [ "$rc" != 0 ]; then
		kill -9 -1 2>/dev/null
		sleep 1
		ip -all netns delete 2>/dev/null
		rmmod aquarius 2>/dev/null
	fi
	echo "end $name $rc" >>"$out/progress"
	echo "aqvm: end $kind $name rc=$rc" >/dev/kmsg
done <"$out/plan"

if [ -w /sys/kernel/debug/kmemleak ]; then
	# kmemleak reports objects older than 5 s that it saw twice unreferenced.
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >"$out/kmemleak"
fi
cat /proc/sys/kernel/tainted >"$out/tainted"
dmesg >"$out/dmesg.txt"
echo ok >"$out/done"
sync
# reboot(POWER_OFF) straight from here: init must not exit, and nothing may
# be read from the 9p root once devices shut down.
exec /bin/busybox poweroff -f
}
