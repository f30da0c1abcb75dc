// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the load-balancing schedulers (kmod/scheduler.c). The same checks as
 * the host tests, in integers: Maglev slot shares, flows moved when a
 * backend goes, weighted random split, SED and LSQ choices, no backend,
 * and the flow hash regression values (the kernel's siphash must agree
 * with the host's).
 */
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/slab.h>
#include <linux/socket.h>

#include "scheduler.c"

#define ST_FLOWS	100000
#define ST_DRAWS	200000

struct st_ctx {
	struct aq_endpoint be[AQ_MAX_BACKENDS];
	u32 wt[AQ_MAX_BACKENDS];
	s64 fon[AQ_MAX_BACKENDS];
	unsigned int cnt[AQ_MAX_BACKENDS];
	u64 rng;
};

static struct st_ctx *st_new(struct kunit *test)
{
	struct st_ctx *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->rng = 42;
	return x;
}

/* splitmix64: a fixed sequence. */
static u64 st_rng(struct st_ctx *x)
{
	u64 z = (x->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Backend @id (not its column) is 10.1.<id>.<id * 7>:8000+id. */
static void st_set(struct st_ctx *x, unsigned int col, unsigned int id,
		   u32 weight)
{
	struct aq_endpoint *ep = &x->be[col];

	memset(ep, 0, sizeof(*ep));
	ep->family = AF_INET;
	ep->addr[0] = 10;
	ep->addr[1] = 1;
	ep->addr[2] = (u8)id;
	ep->addr[3] = (u8)(id * 7);
	ep->port = (u16)(8000 + id);
	x->wt[col] = weight;
}

static struct aq_lb_table *st_build(struct kunit *test, struct st_ctx *x)
{
	struct aq_lb_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, aq_lb_table_build(t, x->be, x->wt), 0);
	return t;
}

static u32 st_total(struct st_ctx *x)
{
	unsigned int i;
	u32 w = 0;

	for (i = 0; i < AQ_MAX_BACKENDS; i++)
		if (x->be[i].family)
			w += x->wt[i];
	return w;
}

static u32 st_flow(struct st_ctx *x)
{
	u64 r = st_rng(x);
	u8 s[16] = { (u8)r, (u8)(r >> 8), (u8)(r >> 16), (u8)(r >> 24) };
	u8 d[16] = { 192, 0, 2, 1 };

	return aq_lb_flow_hash(AF_INET, IPPROTO_TCP, s, (u16)(r >> 32), d,
			       80);
}

/* Every column's slots within one slot of AQ_MAGLEV_SIZE * w / W. */
static void st_check_slots(struct kunit *test, struct st_ctx *x)
{
	struct aq_lb_table *t = st_build(test, x);
	s64 w = st_total(x);
	unsigned int i;

	memset(x->cnt, 0, sizeof(x->cnt));
	for (i = 0; i < AQ_MAGLEV_SIZE; i++) {
		KUNIT_ASSERT_LT(test, t->maglev[i], AQ_MAX_BACKENDS);
		x->cnt[t->maglev[i]]++;
	}
	for (i = 0; i < AQ_MAX_BACKENDS; i++) {
		s64 want = x->be[i].family ? (s64)AQ_MAGLEV_SIZE * x->wt[i] : 0;

		KUNIT_EXPECT_LE_MSG(test, abs(x->cnt[i] * w - want), w,
				    "column %u: %u slots", i, x->cnt[i]);
		if (!want)
			KUNIT_EXPECT_EQ_MSG(test, x->cnt[i], 0U, "column %u", i);
	}
}

static void sched_maglev_shares(struct kunit *test)
{
	struct st_ctx *x = st_new(test);
	unsigned int i;

	st_set(x, 0, 1, 3);
	st_set(x, 1, 2, 1);
	st_check_slots(test, x);

	memset(x->be, 0, sizeof(x->be));
	st_set(x, 0, 1, 1);
	st_set(x, 1, 2, 1);
	st_set(x, 2, 3, 2);
	st_set(x, 3, 4, 0);	/* weight 0: no slot */
	x->wt[5] = 9;		/* no backend: no slot */
	st_check_slots(test, x);
	KUNIT_EXPECT_EQ(test, x->cnt[3], 0U);
	KUNIT_EXPECT_EQ(test, x->cnt[5], 0U);

	/* Equal weights: classic Maglev, floor or ceil of size / n. */
	memset(x->be, 0, sizeof(x->be));
	for (i = 0; i < 10; i++)
		st_set(x, i, i + 1, 7);
	st_check_slots(test, x);
	for (i = 0; i < 10; i++) {
		KUNIT_EXPECT_GE(test, x->cnt[i], AQ_MAGLEV_SIZE / 10U);
		KUNIT_EXPECT_LE(test, x->cnt[i], AQ_MAGLEV_SIZE / 10U + 1);
	}
}

/* Removing one of 10: its flows all move, of the others < 2%. */
static void sched_maglev_removal(struct kunit *test)
{
	struct st_ctx *x = st_new(test);
	unsigned int i, on_gone = 0, kept = 0, moved = 0;
	struct aq_lb_table *a, *b;

	for (i = 0; i < 10; i++)
		st_set(x, i, i + 1, 1);
	a = st_build(test, x);
	x->be[4].family = 0;
	b = st_build(test, x);
	for (i = 0; i < ST_FLOWS; i++) {
		u32 h = st_flow(x);
		int p = aq_lb_pick_maglev(a, h), q = aq_lb_pick_maglev(b, h);

		KUNIT_ASSERT_GE(test, q, 0);
		KUNIT_ASSERT_NE(test, q, 4);
		if (p == 4) {
			on_gone++;
		} else {
			kept++;
			moved += p != q;
		}
	}
	KUNIT_EXPECT_GT(test, on_gone, ST_FLOWS / 10U - ST_FLOWS / 100U);
	KUNIT_EXPECT_LT(test, on_gone, ST_FLOWS / 10U + ST_FLOWS / 100U);
	KUNIT_EXPECT_LT_MSG(test, moved * 50, kept, "%u of %u moved", moved,
			    kept);
}

/* The same backends in other columns map every slot to the same one. */
static void sched_maglev_permuted(struct kunit *test)
{
	struct st_ctx *x = st_new(test), *y = st_new(test);
	struct aq_lb_table *a, *b;
	unsigned int i;

	for (i = 0; i < 10; i++) {
		st_set(x, i, i + 1, i + 1);
		st_set(y, (7 * i + 5) % AQ_MAX_BACKENDS, 10 - i, 10 - i);
	}
	a = st_build(test, x);
	b = st_build(test, y);
	for (i = 0; i < AQ_MAGLEV_SIZE; i++)
		KUNIT_ASSERT_EQ_MSG(test,
				    memcmp(&x->be[a->maglev[i]],
					   &y->be[b->maglev[i]],
					   sizeof(struct aq_endpoint)), 0,
				    "slot %u", i);
}

static void sched_random_split(struct kunit *test)
{
	struct st_ctx *x = st_new(test);
	struct aq_lb_table *t;
	unsigned int i, n1 = 0;
	s64 w;

	/* 3:1 exactly: column 1 iff rnd in [2^31, 3 * 2^30). */
	st_set(x, 0, 1, 3);
	st_set(x, 1, 2, 1);
	t = st_build(test, x);
	for (i = 0; i < 65536; i++)
		n1 += aq_lb_pick_random(t, i << 16) == 1;
	KUNIT_EXPECT_EQ(test, n1, 16384U);

	/* 1:1:2 over pseudo-random draws: within 1 percentage point. */
	memset(x->be, 0, sizeof(x->be));
	st_set(x, 5, 1, 1);
	st_set(x, 6, 2, 1);
	st_set(x, 9, 3, 2);
	st_set(x, 10, 4, 0);
	t = st_build(test, x);
	w = st_total(x);
	memset(x->cnt, 0, sizeof(x->cnt));
	for (i = 0; i < ST_DRAWS; i++) {
		int c = aq_lb_pick_random(t, (u32)st_rng(x));

		KUNIT_ASSERT_GE(test, c, 0);
		KUNIT_ASSERT_LT(test, c, AQ_MAX_BACKENDS);
		x->cnt[c]++;
	}
	for (i = 0; i < AQ_MAX_BACKENDS; i++) {
		s64 want = x->be[i].family ? (s64)ST_DRAWS * x->wt[i] : 0;

		KUNIT_EXPECT_LT_MSG(test, abs(x->cnt[i] * w - want) * 100,
				    (s64)ST_DRAWS * w, "column %u: %u draws",
				    i, x->cnt[i]);
	}
}

static void sched_sed(struct kunit *test)
{
	struct st_ctx *x = st_new(test);
	const s64 k = 1LL << 24;
	struct aq_lb_table *t;

	st_set(x, 0, 1, 1);
	st_set(x, 1, 2, 2);
	st_set(x, 2, 3, 0);
	t = st_build(test, x);
	x->fon[0] = 0;
	x->fon[1] = 1;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_sed(t, x->fon), 0);	/* tie */
	x->fon[0] = 1;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_sed(t, x->fon), 1);
	x->fon[0] = -5;
	x->fon[1] = 0;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_sed(t, x->fon), 1);	/* 1/1, 1/2 */
	x->fon[0] = 100;
	x->fon[1] = 100;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_sed(t, x->fon), 1);	/* not 2 */

	st_set(x, 0, 1, AQ_MAX_WEIGHT);
	st_set(x, 1, 2, AQ_MAX_WEIGHT - 1);
	t = st_build(test, x);
	x->fon[0] = 65535 * k - 1;
	x->fon[1] = 65534 * k - 1;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_sed(t, x->fon), 0);	/* tie */
	x->fon[1]--;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_sed(t, x->fon), 1);
	x->fon[1] += 2;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_sed(t, x->fon), 0);
	x->fon[0] = S64_MAX;
	x->fon[1] = S64_MAX;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_sed(t, x->fon), 0);
	x->fon[1] = S64_MAX / 65535 * 65534;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_sed(t, x->fon), 1);
}

static void sched_lsq(struct kunit *test)
{
	struct st_ctx *x = st_new(test);
	struct aq_lb_table *t;

	st_set(x, 0, 1, 1);
	st_set(x, 1, 2, 5);
	st_set(x, 2, 3, 0);
	st_set(x, 3, 4, 1);
	t = st_build(test, x);
	x->fon[0] = 3;
	x->fon[1] = 1;
	x->fon[3] = 1;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_lsq(t, x->fon), 1);
	x->fon[1] = 2;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_lsq(t, x->fon), 3);
	x->fon[0] = -2;
	x->fon[1] = 0;
	x->fon[3] = -9;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_lsq(t, x->fon), 0);
	x->fon[0] = (1LL << 40) + 1;
	x->fon[1] = 1LL << 40;
	x->fon[3] = S64_MAX;
	KUNIT_EXPECT_EQ(test, aq_lb_pick_lsq(t, x->fon), 1);
}

static void sched_empty(struct kunit *test)
{
	struct st_ctx *x = st_new(test);
	struct aq_lb_table *t;
	unsigned int i;

	st_set(x, 0, 1, 0);
	st_set(x, 1, 2, 0);
	t = st_build(test, x);
	KUNIT_EXPECT_EQ(test, t->nr_eligible, 0U);
	for (i = 0; i < AQ_MAGLEV_SIZE; i++)
		KUNIT_ASSERT_EQ(test, t->maglev[i], AQ_LB_NONE);
	for (i = 0; i < 1000; i++) {
		KUNIT_ASSERT_EQ(test, aq_lb_pick_maglev(t, (u32)st_rng(x)), -1);
		KUNIT_ASSERT_EQ(test, aq_lb_pick_random(t, (u32)st_rng(x)), -1);
	}
	KUNIT_EXPECT_EQ(test, aq_lb_pick_sed(t, x->fon), -1);
	KUNIT_EXPECT_EQ(test, aq_lb_pick_lsq(t, x->fon), -1);
	KUNIT_EXPECT_EQ(test, aq_lb_table_build(t, x->be, x->wt), 0);
	x->wt[1] = AQ_MAX_WEIGHT + 1;
	KUNIT_EXPECT_EQ(test, aq_lb_table_build(t, x->be, x->wt), -ERANGE);
}

/* Same regression values as tests/host/test_sched.c. */
static void sched_hash(struct kunit *test)
{
	u8 s[16] = { 198, 51, 100, 7 }, d[16] = { 192, 0, 2, 1 };
	u8 s6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	u8 d6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	KUNIT_EXPECT_EQ(test, aq_lb_flow_hash(AF_INET, IPPROTO_TCP, s, 40000,
					      d, 80), 0x3e4de5c9U);
	KUNIT_EXPECT_EQ(test, aq_lb_flow_hash(AF_INET6, IPPROTO_UDP, s6, 5353,
					      d6, 53), 0xa6ef0478U);
}

static struct kunit_case aq_sched_cases[] = {
	KUNIT_CASE(sched_maglev_shares),
	KUNIT_CASE(sched_maglev_removal),
	KUNIT_CASE(sched_maglev_permuted),
	KUNIT_CASE(sched_random_split),
	KUNIT_CASE(sched_sed),
	KUNIT_CASE(sched_lsq),
	KUNIT_CASE(sched_empty),
	KUNIT_CASE(sched_hash),
	{}
};

static struct kunit_suite aq_sched_suite = {
	.name = "aquarius_sched",
	.test_cases = aq_sched_cases,
};

kunit_test_suite(aq_sched_suite);
