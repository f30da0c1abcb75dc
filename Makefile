# SPDX-License-Identifier: GPL-2.0
#
#   make                 module (against KDIR) and userspace tools
#   make module          the module only;  make debug: with -DDEBUG
#   make user            aqctl, aquariusd and libaquarius
#   make check           every test: host, stock-header builds, VM (KUnit,
#                        selftests, runner self-tests); ends "N passed, N failed"
#   make demo            the module in the VM with real traffic
#   make vm-test T=...   one selftest script or KUnit module in the VM
#   make style           checkpatch on our kernel sources
#   make bench           host-native per-packet benchmark -> build/bench/results.md
#                        and bench.png (minutes);  make bench-short: all of it, < 60 s
#   make bench-vm        forwarding rate per data path in the VM, as ratios
#                        (bench/vm/pps.sh; none, conntrack, IPVS, aquarius; on the
#                        debug kernel and on stock 6.12),
#                        and the reader side against an active probe
#                        (bench/vm/reader.sh)
#   make stress          stress.sh (5 min) and syn_flood.sh in the VM
#   make fuzz            packet fuzzing, FUZZ_SECONDS (600);  make fuzz-short: 60 s
#   make install         module, tools, man pages, library, aquariusd.service
#                        (DESTDIR, PREFIX);  make dkms-install: through DKMS
#   make dkms-check      DKMS add/build/install/remove on Debian's 6.1 and 6.12
#   make check-stock     the same, then selftests in the VM on both stock kernels
#
# KDIR defaults to the running kernel's build tree; `make KDIR=/path` builds
# against any kernel tree or header package.

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0

all: module user

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

debug:
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_AQUARIUS_DEBUG=y modules

user:
	$(MAKE) -C user

deps:
	scripts/install-deps.sh

check:
	scripts/check.sh

demo:
	scripts/install-deps.sh
	$(MAKE) -C user
	tests/vm/run.sh --demo

vm-test:
	scripts/install-deps.sh
	$(MAKE) -C user
	tests/vm/run.sh $(T)

style:
	scripts/checkpatch.sh

bench:
	$(MAKE) -C bench run

bench-short:
	$(MAKE) -C bench short

# The forwarding rates are measured twice: on the debug test kernel, and on
# Debian's stock 6.12 (no sanitizers, so its ratios are the ones that
# speak for a production kernel).
bench-vm:
	scripts/install-deps.sh --stock-kernels
	$(MAKE) -C user
	$(MAKE) -C bench reader
	tests/vm/run.sh bench/vm/pps.sh bench/vm/reader.sh
	tests/vm/run.sh --kernel stock-6.12 bench/vm/pps.sh

# The long stress and flood runs (5 minutes of stress, a million-flow SYN
# flood; STRESS_SECONDS, FLOOD_FLOWS change them), not part of make check
# (which runs their short variants, stress_short.sh and syn_flood_short.sh).
STRESS_SECONDS ?= 300
FLOOD_FLOWS ?= 1000000
stress:
	scripts/install-deps.sh
	$(MAKE) -C user
	AQ_STRESS_SECONDS=$(STRESS_SECONDS) AQ_FLOOD_FLOWS=$(FLOOD_FLOWS) \
		tests/vm/run.sh tests/selftests/stress.sh tests/selftests/syn_flood.sh

fuzz:
	$(MAKE) -C tests/fuzz fuzz

fuzz-short:
	$(MAKE) -C tests/fuzz short

# The module goes to $(DESTDIR)/lib/modules/<kernel>/updates (kbuild's
# INSTALL_MOD_DIR). Header packages have no System.map, so kbuild skips
# depmod: it runs here, for a real install only (no DESTDIR; a package runs
# it when installed). They have no signing key either: kbuild's attempt to
# sign would only print errors, so it is left out when the key is missing.
# The release the module is built for: UTS_RELEASE, as in its vermagic
# (Debian's 6.1 headers say 6.1.192 in include/config/kernel.release).
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
MODSIGN = $(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=)
install: module user
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates $(MODSIGN) modules_install
	$(if $(DESTDIR),,depmod -a $(KREL))
	$(MAKE) -C user install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# The sources DKMS builds from, and nothing else (no objects, no build/):
# dkms add copies the whole folder it is given.
DKMS_SRC ?= $(DESTDIR)/usr/src/aquarius-$(VERSION)
dkms-src:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)/kmod $(DKMS_SRC)/uapi/linux $(DKMS_SRC)/tests/kunit
	install -m 0644 dkms.conf Kbuild Makefile $(DKMS_SRC)/
	install -m 0644 kmod/*.[ch] $(DKMS_SRC)/kmod/
	install -m 0644 uapi/linux/*.h $(DKMS_SRC)/uapi/linux/
	install -m 0644 tests/kunit/Kbuild tests/kunit/*.[ch] $(DKMS_SRC)/tests/kunit/

# DKMS add/build/install/remove on Debian's 6.1 and 6.12 (make check runs
# it); check-stock also boots both in the VM with the DKMS-built module and
# runs STOCK_TESTS there (selftests that need no debug kernel).
STOCK_TESTS ?= $(addprefix tests/selftests/,forward.sh observe_counts.sh \
	observe_mmap.sh lb_nat.sh lb_netlink.sh permissions.sh)
dkms-check:
	scripts/dkms-check.sh

check-stock:
	scripts/install-deps.sh --stock-kernels
	$(MAKE) -C user
	scripts/dkms-check.sh --vm $(STOCK_TESTS)

# Builds and installs for the running kernel (dkms's default; -k VERSION in
# DKMS_ARGS for another). scripts/dkms-check.sh tests it on Debian's kernels.
dkms-install: dkms-src
	dkms add -m aquarius -v $(VERSION)
	dkms build -m aquarius -v $(VERSION) $(DKMS_ARGS)
	dkms install -m aquarius -v $(VERSION) $(DKMS_ARGS)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	-$(MAKE) -C user clean
	rm -rf build

.PHONY: stress bench-vm all module debug user deps check demo vm-test style bench bench-short \
	fuzz fuzz-short install dkms-src dkms-install dkms-check check-stock clean
