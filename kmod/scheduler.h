/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Aquarius: load-balancing schedulers (enum aq_sched).
 *
 * A VIP's balancing state is a struct aq_lb_table: an immutable snapshot
 * built in process context by aq_lb_table_build() from the backends and
 * their effective weights (0 for a backend that is inactive or draining).
 * The caller replaces the whole table (RCU) on every change; the pick
 * functions only read it and never divide, so they suit the packet path.
 *
 *	AQ_SCHED_MAGLEV	aq_lb_pick_maglev(t, aq_lb_flow_hash(...))
 *	AQ_SCHED_SED	aq_lb_pick_sed(t, flow_on)
 *	AQ_SCHED_LSQ	aq_lb_pick_lsq(t, flow_on)
 *	AQ_SCHED_RANDOM	aq_lb_pick_random(t, get_random_u32())
 *
 * Every pick returns a column, or -1 when no backend is eligible.
 * Pure C: also compiled in userspace for the host tests.
 */
#ifndef AQ_SCHEDULER_H
#define AQ_SCHEDULER_H

#include <linux/types.h>
#include <linux/aquarius.h>

#include "config.h"

#define AQ_MAGLEV_SIZE	16381	/* slots of the Maglev table, a prime */
#define AQ_LB_NONE	0xff	/* a Maglev slot without backend */

/**
 * struct aq_lb_table - a VIP's balancing state, immutable once built
 * @eligible: bit i set: column i may get new flows (present, weight > 0)
 * @weights: effective weight per column, 0 when not eligible
 * @nr_eligible: bits set in @eligible
 * @cols: the eligible columns in ascending order, @nr_eligible of them
 * @alias: Vose alias table over @cols (AQ_SCHED_RANDOM): the column that
 *	bucket k gives when its coin does not keep @cols[k]
 * @alias_prob: bucket k keeps @cols[k] iff a uniform 32-bit coin is below
 *	@alias_prob[k] (a probability scaled to 2^32); a bucket that always
 *	keeps has @alias[k] == @cols[k]
 * @maglev: the column of each slot, all AQ_LB_NONE if @nr_eligible is 0
 */
struct aq_lb_table {
	u64 eligible;
	u32 weights[AQ_MAX_BACKENDS];
	unsigned int nr_eligible;
	u8 cols[AQ_MAX_BACKENDS];
	u8 alias[AQ_MAX_BACKENDS];
	u32 alias_prob[AQ_MAX_BACKENDS];
	u8 maglev[AQ_MAGLEV_SIZE];
};

int aq_lb_table_build(struct aq_lb_table *t,
		      const struct aq_endpoint *backends, const u32 *weights);
u32 aq_lb_flow_hash(u8 family, u8 proto, const u8 *saddr, u16 sport,
		    const u8 *daddr, u16 dport);
int aq_lb_pick_maglev(const struct aq_lb_table *t, u32 flow_hash);
int aq_lb_pick_random(const struct aq_lb_table *t, u32 rnd);
int aq_lb_pick_sed(const struct aq_lb_table *t, const s64 *flow_on);
int aq_lb_pick_lsq(const struct aq_lb_table *t, const s64 *flow_on);

#endif /* AQ_SCHEDULER_H */
