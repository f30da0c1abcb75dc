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
#                        (bench/vm/pps.sh; none, conntrack, IPVS, aquarius)
#   make stress          stress.sh (5 min) and syn_flood.sh in the VM
#   make fuzz            packet fuzzing, FUZZ_SECONDS (600);  make fuzz-short: 60 s
#   make install         module, tools, man pages, aquariusd.service;  make dkms-install
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

bench-vm:
	scripts/install-deps.sh
	$(MAKE) -C user
	tests/vm/run.sh bench/vm/pps.sh

# The long stress and flood runs (5 minutes of stress; STRESS_SECONDS,
# FLOOD_FLOWS change them), not part of make check.
STRESS_SECONDS ?= 300
FLOOD_FLOWS ?= 80000
stress:
	scripts/install-deps.sh
	$(MAKE) -C user
	AQ_STRESS_SECONDS=$(STRESS_SECONDS) AQ_FLOOD_FLOWS=$(FLOOD_FLOWS) \
		tests/vm/run.sh tests/selftests/stress.sh tests/selftests/syn_flood.sh

fuzz:
	$(MAKE) -C tests/fuzz fuzz

fuzz-short:
	$(MAKE) -C tests/fuzz short

install: module user
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	$(MAKE) -C user install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

dkms-install:
	dkms add $(CURDIR)
	dkms build aquarius/$(VERSION)
	dkms install aquarius/$(VERSION)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	-$(MAKE) -C user clean
	rm -rf build

.PHONY: stress bench-vm all module debug user deps check demo vm-test style bench bench-short \
	fuzz fuzz-short install dkms-install clean
