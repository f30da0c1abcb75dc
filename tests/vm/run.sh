#!/usr/bin/env bash
# Boot the debug test kernel under QEMU (TCG) with the host's root shared
# read-only, run KUnit modules and selftests in it, and judge the run.
#
#   tests/vm/run.sh [options] ITEM...
#     ITEM  tests/selftests/<name>.sh   a kselftest-style script (KTAP, exit 0/1/4)
#           kunit:<module>              a KUnit module from tests/kunit/
#           broken:<module>             insmod of a deliberately broken module
#                                       from tests/vm/broken/ (runner self-tests)
#     --demo            run the demo (tests/vm/demo.sh) instead of tests
#     --expect-fail     the run must FAIL (runner self-tests); exit 0 if it did
#     --timeout S       per-item timeout in seconds (default 300; a script
#                       may set its own with a line "# aq-timeout: S")
#     --boot-timeout S  time to reach the init script (default 180)
#     --kernel K        debug (default; $AQ_VM_KERNEL sets it too): the test
#                       kernel of build-kernel.sh; stock-6.1, stock-6.12 or
#                       stock-VERSION: Debian's kernel from /boot, booted
#                       through a small initramfs (stock-initramfs.sh), with
#                       the module built W=1 against its headers, or taken
#                       from $AQ_VM_MODULE_DIR (e.g. the DKMS-built one);
#                       no KUnit, no sanitizers: selftests only
#
# A run fails when an item fails, on any kernel warning, BUG, oops, KASAN,
# UBSAN, lockdep or kmemleak report, on a kernel taint of the bad kind, and
# on a hang (an item over its timeout, or no boot). Results, the console log
# and the kernel log stay in build/vm/runs/<id>/. The last line of output is
# "vm: N passed, N failed, N skipped".
set -euo pipefail
. "$(dirname "$0")/common.sh"

expect_fail=0 demo=0 item_timeout=300 boot_timeout=180
kernel=${AQ_VM_KERNEL:-debug}
items=()
while [ $# -gt 0 ]; do
	case "$1" in
	--expect-fail) expect_fail=1 ;;
	--demo) demo=1 ;;
	--timeout) item_timeout=$2; shift ;;
	--boot-timeout) boot_timeout=$2; shift ;;
	--kernel) kernel=$2; shift ;;
	-h|--help) sed -n '2,27p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) items+=("$1") ;;
	esac
	shift
done
[ ${#items[@]} -gt 0 ] || [ "$demo" = 1 ] || { echo "run.sh: nothing to run" >&2; exit 2; }

# AQ_VM_BUILD lets two runs proceed side by side.
build=${AQ_VM_BUILD:-$AQ_TOP/build/vm}
mkdir -p "$build/runs"

case "$kernel" in
debug)
	kdir=$("$AQ_VM_DIR/build-kernel.sh")
	kimage=$kdir/obj/arch/x86/boot/bzImage initrd=() modroot=$kdir/modroot
	mod=$build/mod
	# Build the module and the test modules against the test kernel, from a
	# copy of the sources so that builds for other kernels never mix objects.
	"$AQ_VM_DIR/build-modules.sh" "$kdir/obj" "$mod" --broken >&2
	;;
stock-*)
	kver=$(aq_stock_version "${kernel#stock-}") || exit 2
	kimage=/boot/vmlinuz-$kver
	# The guest sees the host's /lib/modules/$kver through the shared root.
	modroot=/
	mkdir -p "$build/stock-$kver"
	"$AQ_VM_DIR/stock-initramfs.sh" "$kver" "$build/stock-$kver/initramfs.cpio.gz"
	initrd=(-initrd "$build/stock-$kver/initramfs.cpio.gz")
	if [ -n "${AQ_VM_MODULE_DIR:-}" ]; then
		mod=$(realpath "$AQ_VM_MODULE_DIR")
		[ -f "$mod/aquarius.ko" ] || { echo "run.sh: no $mod/aquarius.ko" >&2; exit 2; }
	else
		mod=$build/stock-$kver/mod
		"$AQ_VM_DIR/build-modules.sh" "/lib/modules/$kver/build" "$mod" >&2
	fi
	for it in "${items[@]}"; do
		case "$it" in kunit:*|broken:*)
			echo "run.sh: $it needs the debug kernel (KUnit, sanitizers)" >&2; exit 2 ;;
		esac
	done
	;;
*) echo "run.sh: unknown kernel $kernel (debug, stock-6.1, stock-6.12, stock-VERSION)" >&2; exit 2 ;;
esac

# The selftests' compiled helpers (tests/selftests/tools/Makefile: the SYN
# generator of syn_flood.sh), run by the guest from the shared root.
make -s -C "$AQ_TOP/tests/selftests/tools" >&2

run=$(mktemp -d "$build/runs/$(date +%Y%m%d-%H%M%S)-XXXX")
plan=$run/plan
: >"$plan"
if [ "$demo" = 1 ]; then
	echo "demo $AQ_VM_DIR/demo.sh $item_timeout" >>"$plan"
fi
for it in "${items[@]}"; do
	case "$it" in
	kunit:*) echo "kunit $mod/tests/kunit/${it#kunit:}.ko $item_timeout" >>"$plan" ;;
	broken:*) echo "broken $mod/tests/vm/broken/${it#broken:}.ko $item_timeout" >>"$plan" ;;
	*.sh) p=$(cd "$(dirname "$it")" && pwd)/$(basename "$it")
	      [ -x "$p" ] || { echo "run.sh: $it is not an executable script" >&2; exit 2; }
	      # A script may need longer: "# aq-timeout: SECONDS" near its top
	      # (like the timeout= of a kselftest settings file).
	      t=$(sed -n '1,15s/^# aq-timeout: \([0-9]\+\)$/\1/p' "$p" | head -1)
	      echo "selftest $p ${t:-$item_timeout}" >>"$plan" ;;
	*) echo "run.sh: unknown item $it" >&2; exit 2 ;;
	esac
done
echo "modroot $modroot" >"$run/env"
echo "top $AQ_TOP" >>"$run/env"
echo "mod $mod" >>"$run/env"
echo "kernel $kernel" >>"$run/env"
# Seeds and sizes of the fuzz, storm, stress and flood selftests reach the
# guest, so that AQ_FUZZ_SEED=S tests/vm/run.sh ... reproduces a run; so
# do the VM benchmark's settings (lists comma-separated, no spaces).
env | grep -E '^AQ_(FUZZ|STORM|STRESS|FLOOD)_[A-Z_]+=[0-9]+$|^AQ_BENCH_[A-Z_]+=[a-z0-9,]+$' |
	sed 's/^/setenv /' >>"$run/env" || true

cmdline="console=ttyS0 root=/dev/root rootfstype=9p ro"
# The shared root does not change during a run: let the guest cache it
# (executables load once instead of page by page over 9p).
cmdline+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose"
cmdline+=" init=$AQ_VM_DIR/init.sh panic=-1 oops=panic panic_on_warn=1"
cmdline+=" softlockup_panic=1 hung_task_panic=1"
[ "$kernel" != debug ] || cmdline+=" kmemleak=on"
cmdline+=" printk.devkmsg=on no_hash_pointers"
# ACPI (for the second CPU and power-off) but not its PCI interrupt links:
# their AML is slow enough under emulation with KASAN to trip the
# soft-lockup detector at boot.
cmdline+=" pci=noacpi"

qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
	-nographic -no-reboot -monitor none \
	-kernel "$kimage" "${initrd[@]}" -append "$cmdline" \
	-fsdev local,id=rootfs,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=rootfs,mount_tag=/dev/root \
	-fsdev local,id=out,path="$run",security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=out,mount_tag=aqout \
	-serial file:"$run/console.log" </dev/null >"$run/qemu.log" 2>&1 &
qpid=$!

# Watchdog: boot timeout, then each item's timeout (+60 s for the VM's
# own per-item kill and cleanup), timed by the host from the moment the
# item's "start" line appeared.
verdict=""
started=$(date +%s) seen=0 since=$started
while kill -0 "$qpid" 2>/dev/null; do
	sleep 1
	now=$(date +%s)
	lines=0
	[ -f "$run/progress" ] && lines=$(wc -l <"$run/progress")
	if [ "$lines" = 0 ]; then
		if [ $((now - started)) -gt "$boot_timeout" ]; then
			verdict="hang: no boot within ${boot_timeout}s"
			break
		fi
		continue
	fi
	# Done but still running (no power-off): give it 30 s, then stop it.
	if [ -f "$run/done" ]; then
		[ -n "${done_at:-}" ] || done_at=$now
		if [ $((now - done_at)) -gt 30 ]; then
			echo "vm: the VM did not power off after its plan; stopped" >&2
			break
		fi
		continue
	fi
	if [ "$lines" != "$seen" ]; then
		seen=$lines since=$now
	fi
	last=$(tail -n1 "$run/progress")
	case "$last" in
	start\ *)
		set -- $last
		if [ $((now - since)) -gt $(( $3 + 60 )) ]; then
			verdict="hang: $2 over its ${3}s timeout"
			break
		fi ;;
	esac
done
kill "$qpid" 2>/dev/null || true
wait "$qpid" 2>/dev/null || true

"$AQ_VM_DIR/judge.sh" "$run" "$verdict" && rc=0 || rc=$?
if [ "$expect_fail" = 1 ]; then
	if [ "$rc" -ne 0 ]; then
		echo "vm: run failed as expected (${items[*]})"
		exit 0
	fi
	echo "vm: run PASSED but was expected to fail (${items[*]})"
	exit 1
fi
exit "$rc"
