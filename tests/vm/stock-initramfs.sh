#!/usr/bin/env bash
# Make the initramfs that boots a stock Debian kernel in the test VM:
#   stock-initramfs.sh VERSION OUT.cpio.gz
# Debian builds virtio-pci (6.1) and 9p as modules, so the VM's root (the
# host's, over 9p) cannot be mounted by the kernel itself. The initramfs
# holds busybox-static and those modules with their dependencies (in the
# order modprobe --show-depends gives, taken from /lib/modules/VERSION; it
# only prints, it loads nothing), loads them, mounts the 9p root with the
# kernel command line's rootflags= and switches to its init= (the same
# tests/vm/init.sh as the debug kernel's runs).
set -euo pipefail
ver=$1 out=$(realpath -m "$2")
mods=/lib/modules/$ver
[ -f "$mods/modules.dep" ] ||
	{ echo "stock-initramfs: no $mods/modules.dep (apt-get install linux-image-$ver)" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "stock-initramfs: no /bin/busybox (busybox-static)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,newroot,lib/modules}
cp /bin/busybox "$stage/bin/busybox"
mknod -m 600 "$stage/dev/console" c 5 1

# Modules in load order, each once; built-ins need nothing.
: >"$stage/modules"
for m in virtio_pci 9pnet_virtio 9p; do
	/sbin/modprobe -S "$ver" --show-depends "$m" | while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		name=$(basename "$path"); name=${name%.xz}
		grep -qxF "$name" "$stage/modules" && continue
		case "$path" in
		*.ko.xz) xz -dc "$path" >"$stage/lib/modules/$name" ;;
		*.ko) cp "$path" "$stage/lib/modules/$name" ;;
		*) echo "stock-initramfs: unexpected module $path" >&2; exit 1 ;;
		esac
		echo "$name" >>"$stage/modules"
	done
done
grep -qx 9p.ko "$stage/modules" || { echo "stock-initramfs: 9p.ko not found for $ver" >&2; exit 1; }

cat >"$stage/init" <<'EOF'
#!/bin/busybox sh
# PID 1 of the initramfs (tests/vm/stock-initramfs.sh): load the modules,
# mount the 9p root, switch to the runner's init.
export PATH=/bin
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules); do
	insmod "/lib/modules/$m" || echo "initramfs: insmod $m failed"
done
init=/sbin/init flags=trans=virtio
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	init=*) init=${arg#init=} ;;
	rootflags=*) flags=${arg#rootflags=} ;;
	esac
done
if ! mount -t 9p -o "ro,$flags" /dev/root /newroot; then
	echo "initramfs: cannot mount the 9p root"
	poweroff -f
fi
umount /proc
umount /dev
exec switch_root /newroot "$init"
EOF
chmod 755 "$stage/init"

(cd "$stage" && find . | cpio -o -H newc --quiet) | gzip -9 >"$out"
