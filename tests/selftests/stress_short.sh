#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 420
# The make check variant of stress.sh (which see; it stays the 5-minute
# run of make stress): AQ_STRESS_SHORT_SECONDS (60) of traffic, netlink
# churn, map/unmap, daemon restarts and module reloads at once, then every
# check of the long run.
AQ_STRESS_SECONDS=${AQ_STRESS_SHORT_SECONDS:-60} \
	exec "$(dirname "$0")/stress.sh"
