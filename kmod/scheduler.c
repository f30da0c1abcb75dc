// SPDX-License-Identifier: GPL-2.0
/*
 * Aquarius: load-balancing schedulers.
 *
 * Maglev (Eisenbud et al., NSDI 2016) with weights: every backend has a
 * preference list of all slots, offset + j * skip (mod AQ_MAGLEV_SIZE),
 * from a siphash of its identity (family, address, port) under a fixed
 * key, so two balancers with the same backends build the same table even
 * if the backends sit in other columns. The backends take turns to fill
 * the table; each turn the chosen one takes its next unfilled preferred
 * slot. Who takes the turn is decided by smooth weighted round robin (as
 * in nginx): add its weight to every backend's credit, pick the highest
 * credit, subtract the total weight from it. Slot shares then match the
 * weights to within about a slot, and with equal weights the turns go
 * round robin, which is classic Maglev. Ties go to the backend that
 * sorts first by identity (not by column), again so that columns do not
 * matter. A backend whose share is below half a slot may get no slot.
 *
 * Weighted random uses Vose's alias table, built in exact integers.
 * SED and LSQ compare flow counts by cross-multiplication in 96 bits.
 *
 * Building runs in process context and allocates nothing (the caller
 * provides the table); picking only reads the table and never divides.
 * Pure C: also compiled in userspace for the host tests.
 */
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/siphash.h>
#include <linux/socket.h>
#include <linux/string.h>

#include "scheduler.h"

/*
 * Fixed keys, not random: a flow and a backend must hash the same on
 * every balancer and after every reboot. These hashes only spread load;
 * flows aimed at one backend by someone who knows the key cost no more
 * than as many flows to any server.
 */
static const siphash_key_t aq_lb_flow_key = {
	{ 0x6171756172697573ULL, 0x666c6f772d686173ULL }
};

static const siphash_key_t aq_lb_backend_key = {
	{ 0x6171756172697573ULL, 0x6d61676c65762d31ULL }
};

/* Bytes of the address that count: IPv4 uses the first 4 of 16. */
static unsigned int aq_lb_addr_len(u8 family)
{
	return family == AF_INET6 ? 16 : 4;
}

u32 aq_lb_flow_hash(u8 family, u8 proto, const u8 *saddr, u16 sport,
		    const u8 *daddr, u16 dport)
{
	unsigned int alen = aq_lb_addr_len(family);
	u8 buf[40] = { 0 };

	/* Explicit byte order: the same value on any machine. */
	memcpy(buf, saddr, alen);
	memcpy(buf + 16, daddr, alen);
	buf[32] = (u8)sport;
	buf[33] = (u8)(sport >> 8);
	buf[34] = (u8)dport;
	buf[35] = (u8)(dport >> 8);
	buf[36] = family;
	buf[37] = proto;
	return (u32)siphash(buf, sizeof(buf), &aq_lb_flow_key);
}

static u64 aq_lb_backend_hash(const struct aq_endpoint *ep)
{
	unsigned int alen = aq_lb_addr_len(ep->family);
	u8 buf[20] = { 0 };

	buf[0] = ep->family;
	memcpy(buf + 1, ep->addr, alen);
	buf[17] = (u8)ep->port;
	buf[18] = (u8)(ep->port >> 8);
	return siphash(buf, sizeof(buf), &aq_lb_backend_key);
}

/* Total order of backends by identity (family, address, port). */
static int aq_lb_backend_cmp(const struct aq_endpoint *a,
			     const struct aq_endpoint *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->addr, b->addr, aq_lb_addr_len(a->family));
	if (r)
		return r;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

/*
 * Vose's alias method over the eligible columns, in integers: bucket k
 * holds n * w(k) units of mass out of a capacity of W (the total weight).
 * A small bucket is topped up from a large one, which becomes its alias.
 * The sums are exact, so the buckets left at the end hold exactly W.
 */
static void aq_lb_build_alias(struct aq_lb_table *t, u32 total)
{
	unsigned int n = t->nr_eligible, nr_small = 0, nr_large = 0, k;
	u8 small[AQ_MAX_BACKENDS], large[AQ_MAX_BACKENDS];
	u32 mass[AQ_MAX_BACKENDS];

	for (k = 0; k < n; k++) {
		mass[k] = t->weights[t->cols[k]] * n;
		if (mass[k] < total)
			small[nr_small++] = k;
		else
			large[nr_large++] = k;
	}
	while (nr_small && nr_large) {
		unsigned int s = small[--nr_small], l = large[--nr_large];

		t->alias_prob[s] = (u32)div_u64((u64)mass[s] << 32, total);
		t->alias[s] = t->cols[l];
		mass[l] -= total - mass[s];
		if (mass[l] < total)
			small[nr_small++] = l;
		else
			large[nr_large++] = l;
	}
	/* Full buckets keep their own column whatever the coin says. */
	while (nr_large) {
		k = large[--nr_large];
		t->alias_prob[k] = U32_MAX;
		t->alias[k] = t->cols[k];
	}
	while (nr_small) {
		k = small[--nr_small];
		t->alias_prob[k] = U32_MAX;
		t->alias[k] = t->cols[k];
	}
}

/* Maglev fill state of one eligible backend, in identity order. */
struct aq_lb_turn {
	s32 credit;	/* smooth weighted round robin */
	u16 next;	/* next preferred slot to try */
	u16 skip;
	u8 col;
};

static void aq_lb_build_maglev(struct aq_lb_table *t,
			       const struct aq_endpoint *backends, u32 total)
{
	struct aq_lb_turn turn[AQ_MAX_BACKENDS];
	unsigned int n = t->nr_eligible, filled, i, j, best;

	memset(t->maglev, AQ_LB_NONE, sizeof(t->maglev));
	if (!n)
		return;

	/* Insertion sort of the eligible columns by backend identity. */
	for (i = 0; i < n; i++) {
		u8 col = t->cols[i];

		for (j = i; j > 0; j--) {
			if (aq_lb_backend_cmp(&backends[turn[j - 1].col],
					      &backends[col]) <= 0)
				break;
			turn[j].col = turn[j - 1].col;
		}
		turn[j].col = col;
	}
	for (i = 0; i < n; i++) {
		u64 h = aq_lb_backend_hash(&backends[turn[i].col]);

		turn[i].credit = 0;
		turn[i].next = (u32)h % AQ_MAGLEV_SIZE;
		turn[i].skip = (u32)(h >> 32) % (AQ_MAGLEV_SIZE - 1) + 1;
	}

	/*
	 * One slot per turn. A preference list visits every slot once (the
	 * size is prime), so the chosen backend always finds a free one.
	 */
	for (filled = 0; filled < AQ_MAGLEV_SIZE; filled++) {
		struct aq_lb_turn *b;
		unsigned int slot;

		best = 0;
		for (i = 0; i < n; i++) {
			turn[i].credit += t->weights[turn[i].col];
			if (turn[i].credit > turn[best].credit)
				best = i;
		}
		b = &turn[best];
		b->credit -= total;
		slot = b->next;
		while (t->maglev[slot] != AQ_LB_NONE) {
			slot += b->skip;
			if (slot >= AQ_MAGLEV_SIZE)
				slot -= AQ_MAGLEV_SIZE;
		}
		t->maglev[slot] = b->col;
		slot += b->skip;
		if (slot >= AQ_MAGLEV_SIZE)
			slot -= AQ_MAGLEV_SIZE;
		b->next = slot;
	}
}

/**
 * aq_lb_table_build() - build a VIP's balancing table
 * @t: the table to fill (about 17 KB; the caller allocates it)
 * @backends: AQ_MAX_BACKENDS backends by column, family 0 for an empty one
 * @weights: AQ_MAX_BACKENDS effective weights by column (0: no new flows)
 *
 * A column is eligible iff it holds a backend and its weight is not 0.
 * Weights of empty columns are ignored. Process context; allocates nothing;
 * takes O(AQ_MAGLEV_SIZE * eligible backends) time.
 *
 * Return: 0; -EINVAL for a backend whose family is neither AF_INET nor
 * AF_INET6, -ERANGE for a weight above AQ_MAX_WEIGHT. On error @t is
 * left untouched.
 */
int aq_lb_table_build(struct aq_lb_table *t,
		      const struct aq_endpoint *backends, const u32 *weights)
{
	u32 total = 0;
	unsigned int i;

	/* 32 bits are enough for every sum and credit below. */
	BUILD_BUG_ON(AQ_MAX_BACKENDS > 64);
	BUILD_BUG_ON(AQ_MAX_BACKENDS > AQ_LB_NONE);
	BUILD_BUG_ON(2 * AQ_MAGLEV_SIZE > U16_MAX);
	BUILD_BUG_ON((u64)AQ_MAX_BACKENDS * AQ_MAX_BACKENDS * AQ_MAX_WEIGHT >
		     S32_MAX);

	for (i = 0; i < AQ_MAX_BACKENDS; i++) {
		if (!backends[i].family)
			continue;
		if (backends[i].family != AF_INET &&
		    backends[i].family != AF_INET6)
			return -EINVAL;
		if (weights[i] > AQ_MAX_WEIGHT)
			return -ERANGE;
	}

	memset(t, 0, sizeof(*t));
	for (i = 0; i < AQ_MAX_BACKENDS; i++) {
		if (!backends[i].family || !weights[i])
			continue;
		t->eligible |= 1ULL << i;
		t->weights[i] = weights[i];
		t->cols[t->nr_eligible++] = i;
		total += weights[i];
	}
	aq_lb_build_alias(t, total);
	aq_lb_build_maglev(t, backends, total);
	return 0;
}

/**
 * aq_lb_pick_maglev() - the backend of a flow by weighted Maglev
 * @t: the table
 * @flow_hash: aq_lb_flow_hash() of the flow
 *
 * Return: the column, or -1 if no backend is eligible.
 */
int aq_lb_pick_maglev(const struct aq_lb_table *t, u32 flow_hash)
{
	u8 col = t->maglev[((u64)flow_hash * AQ_MAGLEV_SIZE) >> 32];

	return col == AQ_LB_NONE ? -1 : col;
}

/**
 * aq_lb_pick_random() - a backend at random, in proportion to the weights
 * @t: the table
 * @rnd: a uniform random 32-bit number
 *
 * The high 32 bits of @rnd * n choose a bucket of the alias table, the
 * low 32 bits are the coin that decides between its two columns.
 *
 * Return: the column, or -1 if no backend is eligible.
 */
int aq_lb_pick_random(const struct aq_lb_table *t, u32 rnd)
{
	u64 m = (u64)rnd * t->nr_eligible;
	unsigned int k = m >> 32;

	if (!t->nr_eligible)
		return -1;
	return (u32)m < t->alias_prob[k] ? t->cols[k] : t->alias[k];
}

/* A negative count (per-CPU sums read mid-update) counts as 0. */
static u64 aq_lb_flows(s64 v)
{
	return v < 0 ? 0 : (u64)v;
}

/* x * y as a 96-bit number: hi * 2^32 + lo. hi < 2^64 always. */
static void aq_lb_mul(u64 x, u32 y, u64 *hi, u32 *lo)
{
	u64 low = (x & U32_MAX) * y;

	*hi = (x >> 32) * y + (low >> 32);
	*lo = (u32)low;
}

/* Is a / wa < b / wb? Cross-multiplied: a * wb < b * wa. */
static bool aq_lb_ratio_less(u64 a, u32 wa, u64 b, u32 wb)
{
	u64 ah, bh;
	u32 al, bl;

	aq_lb_mul(a, wb, &ah, &al);
	aq_lb_mul(b, wa, &bh, &bl);
	return ah < bh || (ah == bh && al < bl);
}

/**
 * aq_lb_pick_sed() - shortest expected delay
 * @t: the table
 * @flow_on: flows in progress per column (AQ_MAX_BACKENDS of them)
 *
 * The eligible column with the least (flow_on + 1) / weight, compared
 * exactly by cross-multiplication; ties go to the lowest column. A
 * negative @flow_on counts as 0.
 *
 * Return: the column, or -1 if no backend is eligible.
 */
int aq_lb_pick_sed(const struct aq_lb_table *t, const s64 *flow_on)
{
	u64 best_n = 0;
	u32 best_w = 0;
	int best = -1;
	unsigned int k;

	for (k = 0; k < t->nr_eligible; k++) {
		unsigned int c = t->cols[k];
		u64 n = aq_lb_flows(flow_on[c]) + 1;

		if (best < 0 ||
		    aq_lb_ratio_less(n, t->weights[c], best_n, best_w)) {
			best = c;
			best_n = n;
			best_w = t->weights[c];
		}
	}
	return best;
}

/**
 * aq_lb_pick_lsq() - least connections
 * @t: the table
 * @flow_on: flows in progress per column (AQ_MAX_BACKENDS of them)
 *
 * The eligible column with the fewest flows in progress, whatever its
 * weight; ties go to the lowest column. A negative @flow_on counts as 0.
 *
 * Return: the column, or -1 if no backend is eligible.
 */
int aq_lb_pick_lsq(const struct aq_lb_table *t, const s64 *flow_on)
{
	u64 best_n = 0;
	int best = -1;
	unsigned int k;

	for (k = 0; k < t->nr_eligible; k++) {
		unsigned int c = t->cols[k];
		u64 n = aq_lb_flows(flow_on[c]);

		if (best < 0 || n < best_n) {
			best = c;
			best_n = n;
		}
	}
	return best;
}
