#!/usr/bin/env bash
# Install every Debian package that building, testing and the demo need.
# Idempotent: packages already present are not touched, apt is only called
# when something is missing. Option: --stock-kernels (below).
set -euo pipefail

pkgs=(
	# build of the module and the tools
	build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod
	pkg-config libmnl-dev rsync
	# kernels: the test kernel's source and stock headers for compat builds
	linux-source-6.12 linux-headers-amd64
	# packaging (scripts/dkms-check.sh, scripts/install-check.sh: man -l)
	dkms man-db
	# static analysis
	sparse
	# VM runner and what runs inside it (shared read-only root)
	qemu-system-x86 busybox-static iproute2 iputils-ping socat
	python3-numpy ipvsadm	# numpy: also the Python package user/python (host tests)
	# aquariusd: a real Prometheus server scrapes it in the VM
	prometheus
	# host tests
	valgrind clang libclang-rt-14-dev
	# packet fuzzing: llvm-cov for the coverage summary
	llvm-14
	# benchmark plot (make bench); the examples' plots
	python3-matplotlib
	# examples/: clustering, regression (and their host tests)
	python3-sklearn
	# VM benchmark (make bench-vm): trafgen, nft (to make conntrack track)
	netsniff-ng nftables
	# selftests stress.sh and syn_flood.sh: JSON in shell, the SYN flood
	jq hping3
)

# --stock-kernels: also the images of Debian's 6.1 and 6.12 kernels whose
# headers are installed (the newest of each), to boot them in the VM
# (tests/vm/run.sh --kernel stock-6.1, make check-stock). Never booted on
# the host.
if [ "${1:-}" = --stock-kernels ]; then
	for series in 6.1 6.12; do
		h=$(find /usr/src -maxdepth 1 -name "linux-headers-$series.*-amd64" | sort -V | tail -n1)
		[ -z "$h" ] || pkgs+=("linux-image-${h#/usr/src/linux-headers-}")
	done
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done

# A 6.12 header package: its name carries the ABI, so resolve it from apt.
if ! ls -d /usr/src/linux-headers-6.12.*-amd64 >/dev/null 2>&1; then
	missing+=(__h612__)
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
final=()
for p in "${missing[@]}"; do
	if [ "$p" = __h612__ ]; then
		p=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9.+a-z]*-amd64$' |
			awk '{print $1}' | sort -V | tail -n1)
		[ -n "$p" ] || { echo "install-deps: no linux-headers-6.12 package found" >&2; exit 1; }
	fi
	final+=("$p")
done
echo "install-deps: installing ${final[*]}" >&2
apt-get install -y -qq --no-install-recommends "${final[@]}" >/dev/null
