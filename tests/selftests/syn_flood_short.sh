#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 600
# The make check variant of syn_flood.sh (which see; it stays the long run
# of make stress): AQ_FLOOD_SHORT_FLOWS (100,000) distinct flows within
# AQ_FLOOD_SHORT_SECONDS (240 s; the first VM run needed 96 s at 1,055
# flows/s, and the rate varies by a third between runs), no probes, every
# check of the long run (table bounded and filled, reclaim by timeout, slab
# and vmalloc flat, legitimate flows tracked, every dropped SYN seen by
# the hook).
AQ_FLOOD_FLOWS=${AQ_FLOOD_SHORT_FLOWS:-100000} \
AQ_FLOOD_SECONDS=${AQ_FLOOD_SHORT_SECONDS:-240} \
AQ_FLOOD_PROBE_SECONDS=0 \
	exec "$(dirname "$0")/syn_flood.sh"
