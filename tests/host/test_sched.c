// SPDX-License-Identifier: GPL-2.0
/* Host tests for kmod/scheduler.c: Maglev, weighted random, SED and LSQ. */
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/socket.h>

#include "tap.h"
#include "scheduler.h"

#define M		AQ_MAGLEV_SIZE
#define NB		AQ_MAX_BACKENDS
#define NR_FLOWS	100000
#define NR_DRAWS	200000

static struct aq_endpoint be[NB];
static u32 wt[NB];
static s64 fon[NB];

/* splitmix64: a fixed sequence, so every run sees the same numbers. */
static u64 rng_state;

static u64 rng(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Flows in progress of columns 0..3. */
static void set_fon(s64 a, s64 b, s64 c, s64 d)
{
	fon[0] = a;
	fon[1] = b;
	fon[2] = c;
	fon[3] = d;
}

static void reset(void)
{
	memset(be, 0, sizeof(be));
	memset(wt, 0, sizeof(wt));
	memset(fon, 0, sizeof(fon));
	rng_state = 42;
}

/* Backend @id (not its column) is 10.1.<id>.<id * 7>:8000+id. */
static void set_be(unsigned int col, unsigned int id, u32 weight)
{
	be[col].family = AF_INET;
	be[col].addr[0] = 10;
	be[col].addr[1] = 1;
	be[col].addr[2] = (u8)id;
	be[col].addr[3] = (u8)(id * 7);
	be[col].port = (u16)(8000 + id);
	wt[col] = weight;
}

static struct aq_lb_table *build(void)
{
	struct aq_lb_table *t = malloc(sizeof(*t));
	int err;

	if (!t)
		abort();
	err = aq_lb_table_build(t, be, wt);
	if (err) {
		printf("# aq_lb_table_build: %d\n", err);
		abort();
	}
	return t;
}

static void slot_counts(const struct aq_lb_table *t, unsigned int *cnt)
{
	unsigned int s;

	memset(cnt, 0, NB * sizeof(*cnt));
	for (s = 0; s < M; s++)
		if (t->maglev[s] < NB)
			cnt[t->maglev[s]]++;
}

static u32 total_weight(void)
{
	u32 w = 0;
	unsigned int i;

	for (i = 0; i < NB; i++)
		if (be[i].family)
			w += wt[i];
	return w;
}

/* Hash of a pseudo-random IPv4 TCP flow to 192.0.2.1:80. */
static u32 rand_flow(void)
{
	u64 r = rng();
	u8 s[16] = { (u8)r, (u8)(r >> 8), (u8)(r >> 16), (u8)(r >> 24) };
	u8 d[16] = { 192, 0, 2, 1 };

	return aq_lb_flow_hash(AF_INET, IPPROTO_TCP, s, (u16)(r >> 32), d,
			       80);
}

/*
 * Slots of every column are within @tol of their share M * w / W, and
 * columns with no weight or no backend have none.
 */
static void check_slots(const char *name, double tol)
{
	struct aq_lb_table *t = build();
	unsigned int cnt[NB], i, bad = 0;
	double w = total_weight(), worst = 0;

	slot_counts(t, cnt);
	for (i = 0; i < NB; i++) {
		double want = be[i].family ? M * wt[i] / w : 0;
		double d = cnt[i] > want ? cnt[i] - want : want - cnt[i];

		if (d > worst)
			worst = d;
		if (d > tol || (!want && cnt[i])) {
			printf("#   column %u: %u slots, want %.2f\n", i,
			       cnt[i], want);
			bad++;
		}
	}
	TAP_CHECK(!bad, "maglev slots %s: worst deviation %.2f slots (<= %.1f)",
		  name, worst, tol);
	free(t);
}

static void test_slot_shares(void)
{
	unsigned int i, cnt[NB], lo = M, hi = 0;
	struct aq_lb_table *t;

	reset();
	set_be(0, 1, 3);
	set_be(1, 2, 1);
	check_slots("3:1", 1.0);

	reset();
	set_be(0, 1, 1);
	set_be(1, 2, 1);
	set_be(2, 3, 2);
	check_slots("1:1:2", 1.0);

	/* Equal weights: classic Maglev, round robin, floor or ceil of M/n. */
	reset();
	for (i = 0; i < 10; i++)
		set_be(i, i + 1, 7);
	t = build();
	slot_counts(t, cnt);
	for (i = 0; i < 10; i++) {
		lo = min(lo, cnt[i]);
		hi = max(hi, cnt[i]);
	}
	TAP_CHECK(lo == M / 10 && hi == M / 10 + 1,
		  "maglev slots 10 equal: %u..%u (want %u..%u)", lo, hi,
		  M / 10, M / 10 + 1);
	free(t);

	/* Column 3: weight 0; column 5: no backend but a weight. */
	reset();
	set_be(0, 1, 2);
	set_be(1, 2, 1);
	set_be(3, 4, 0);
	wt[5] = 9;
	set_be(7, 5, 1);
	t = build();
	slot_counts(t, cnt);
	TAP_EQ(cnt[3], 0, "maglev: weight-0 column has no slot");
	TAP_EQ(cnt[5], 0, "maglev: empty column has no slot");
	TAP_EQ(t->nr_eligible, 3, "three eligible columns");
	TAP_EQ(t->eligible, 0x83, "eligible bitmap");
	TAP_EQ(t->weights[5], 0, "empty column has weight 0");
	TAP_EQ(cnt[0] + cnt[1] + cnt[7], M, "every slot has a column");
	free(t);
	check_slots("2:1:0:-:1", 1.0);

	/* 64 backends, weights spread over 1..65535. */
	reset();
	for (i = 0; i < NB; i++)
		set_be(i, i + 1, 1 + (u32)(rng() % AQ_MAX_WEIGHT));
	check_slots("64 random weights", 1.0);

	/* One backend takes every slot. */
	reset();
	set_be(9, 1, 5);
	t = build();
	slot_counts(t, cnt);
	TAP_EQ(cnt[9], M, "maglev: a single backend has every slot");
	free(t);
}

/* Maglev split of NR_FLOWS flows within 1 percentage point. */
static void check_flow_split(const char *name)
{
	struct aq_lb_table *t = build();
	unsigned int cnt[NB] = { 0 }, i, bad = 0, none = 0;
	double w = total_weight(), worst = 0;

	for (i = 0; i < NR_FLOWS; i++) {
		int c = aq_lb_pick_maglev(t, rand_flow());

		if (c < 0 || c >= NB)
			none++;
		else
			cnt[c]++;
	}
	for (i = 0; i < NB; i++) {
		double got = 100.0 * cnt[i] / NR_FLOWS;
		double want = be[i].family ? 100.0 * wt[i] / w : 0;
		double d = got > want ? got - want : want - got;

		if ((want || cnt[i]) && (t->nr_eligible <= 8 || d >= 1.0))
			printf("#   %s column %u: %.2f%% (want %.2f%%)\n", name,
			       i, got, want);
		worst = d > worst ? d : worst;
		if (d >= 1.0)
			bad++;
	}
	TAP_CHECK(!bad && !none,
		  "maglev flows %s: worst deviation %.2f points (< 1)", name,
		  worst);
	free(t);
}

static void test_flow_split(void)
{
	reset();
	set_be(0, 1, 3);
	set_be(1, 2, 1);
	check_flow_split("3:1");

	reset();
	set_be(4, 1, 1);
	set_be(2, 2, 1);
	set_be(0, 3, 2);
	check_flow_split("1:1:2");
}

/*
 * Removing one of 10 equal backends: its flows all move, and of the
 * others' flows fewer than 2% change (measured: 0.56% on average, 0.68%
 * at worst, of flows and of slots alike). Tried for each of the 10, by
 * flows and by slots (every flow hash range).
 */
static void test_removal(void)
{
	unsigned int i, s, gone, on_gone = 0, gone_moved = 0, kept = 0;
	unsigned int moved = 0, diff = 0, slots_kept = 0, slots_moved = 0;
	double worst = 0, worst_slots = 0;
	struct aq_lb_table *a, *b, *c;
	u32 *h = malloc(NR_FLOWS * sizeof(*h));

	reset();
	for (i = 0; i < NR_FLOWS; i++)
		h[i] = rand_flow();
	for (i = 0; i < 10; i++)
		set_be(i, i + 1, 1);
	a = build();
	for (gone = 0; gone < 10; gone++) {
		unsigned int k = 0, m = 0, sk = 0, sm = 0;

		wt[gone] = 0;
		b = build();
		wt[gone] = 1;
		for (i = 0; i < NR_FLOWS; i++) {
			int x = aq_lb_pick_maglev(a, h[i]);
			int y = aq_lb_pick_maglev(b, h[i]);

			if (x == (int)gone) {
				on_gone++;
				gone_moved += y != x && y >= 0;
			} else {
				k++;
				m += x != y;
			}
		}
		for (s = 0; s < M; s++) {
			if (a->maglev[s] == gone)
				continue;
			sk++;
			sm += a->maglev[s] != b->maglev[s];
		}
		if (100.0 * m / k > worst)
			worst = 100.0 * m / k;
		if (100.0 * sm / sk > worst_slots)
			worst_slots = 100.0 * sm / sk;
		kept += k;
		moved += m;
		slots_kept += sk;
		slots_moved += sm;
		free(b);
	}
	TAP_EQ(gone_moved, on_gone,
	       "removal: all %u flows of the removed backends move", on_gone);
	TAP_CHECK(on_gone > NR_FLOWS - NR_FLOWS / 10 &&
		  on_gone < NR_FLOWS + NR_FLOWS / 10,
		  "removal: removed backends had %.2f%% of flows each (~10%%)",
		  10.0 * on_gone / NR_FLOWS);
	TAP_CHECK(worst < 2.0,
		  "removal: other flows moved: %.2f%% avg, %.2f%% max (< 2%%)",
		  100.0 * moved / kept, worst);
	TAP_CHECK(worst_slots < 2.0,
		  "removal: other slots moved: %.2f%% avg, %.2f%% max (< 2%%)",
		  100.0 * slots_moved / slots_kept, worst_slots);

	/* Weight 0 and no backend at all are the same removal. */
	wt[4] = 0;
	b = build();
	be[4].family = 0;
	c = build();
	for (s = 0; s < M; s++)
		diff += b->maglev[s] != c->maglev[s];
	TAP_EQ(diff, 0, "weight 0 and an empty column build the same table");
	free(a);
	free(b);
	free(c);
	free(h);
}

/* The same backends in other columns: every slot, same endpoint. */
static void check_permuted(const char *name, bool weighted)
{
	struct aq_endpoint be1[NB];
	struct aq_lb_table *a, *b;
	unsigned int i, s, same = 0;
	u32 wt1[NB];

	reset();
	for (i = 0; i < 10; i++)
		set_be(i, i + 1, weighted ? i + 1 : 1);
	a = build();
	memcpy(be1, be, sizeof(be));
	memcpy(wt1, wt, sizeof(wt));
	reset();
	for (i = 0; i < 10; i++)
		set_be((7 * i + 5) % NB, 10 - i, weighted ? 10 - i : 1);
	b = build();
	for (s = 0; s < M; s++) {
		const struct aq_endpoint *x = &be1[a->maglev[s]];
		const struct aq_endpoint *y = &be[b->maglev[s]];

		same += a->maglev[s] < NB && b->maglev[s] < NB &&
			!memcmp(x, y, sizeof(*x));
	}
	TAP_EQ(same, M, "permuted columns, %s: same endpoint in every slot",
	       name);
	free(a);
	free(b);
}

/* Random split over NR_DRAWS draws within 1 point, and the exact mass. */
static void check_random(const char *name)
{
	struct aq_lb_table *t = build();
	unsigned int cnt[NB] = { 0 }, i, k, bad = 0, none = 0, mass_bad = 0;
	double w = total_weight(), worst = 0;
	u64 mass[NB] = { 0 };

	for (i = 0; i < NR_DRAWS; i++) {
		int c = aq_lb_pick_random(t, (u32)rng());

		if (c < 0 || c >= NB)
			none++;
		else
			cnt[c]++;
	}
	for (i = 0; i < NB; i++) {
		double got = 100.0 * cnt[i] / NR_DRAWS;
		double want = be[i].family ? 100.0 * wt[i] / w : 0;
		double d = got > want ? got - want : want - got;

		if ((want || cnt[i]) && (t->nr_eligible <= 8 || d >= 1.0))
			printf("#   %s column %u: %.2f%% (want %.2f%%)\n", name,
			       i, got, want);
		worst = d > worst ? d : worst;
		if (d >= 1.0)
			bad++;
	}
	TAP_CHECK(!bad && !none,
		  "random %s: worst deviation %.2f points (< 1)", name, worst);

	/*
	 * Mass of each column in units of 2^-32 / n: bucket k gives
	 * alias_prob to cols[k] and the rest to alias[k]. It must equal
	 * 2^32 * n * w / W up to the floor of each bucket's threshold.
	 */
	for (k = 0; k < t->nr_eligible; k++) {
		u64 keep = t->alias[k] == t->cols[k] ? 1ULL << 32 :
			   t->alias_prob[k];

		mass[t->cols[k]] += keep;
		mass[t->alias[k]] += (1ULL << 32) - keep;
	}
	for (i = 0; i < NB; i++) {
		double want = be[i].family ?
			      4294967296.0 * t->nr_eligible * wt[i] / w : 0;
		double d = mass[i] > want ? mass[i] - want : want - mass[i];

		if (d > t->nr_eligible + 1)
			mass_bad++;
	}
	TAP_EQ(mass_bad, 0, "random %s: alias table mass exact to 2^-32",
	       name);
	free(t);
}

static void test_random(void)
{
	struct aq_lb_table *t;
	unsigned int k, n1 = 0, bad = 0, i;

	reset();
	set_be(0, 1, 3);
	set_be(1, 2, 1);
	check_random("3:1");

	/* 3:1 exactly: column 1 iff rnd in [2^31, 3 * 2^30). */
	t = build();
	for (k = 0; k < 65536; k++) {
		int c = aq_lb_pick_random(t, k << 16);

		n1 += c == 1;
		bad += c != (k >= 0x8000 && k < 0xc000 ? 1 : 0);
	}
	TAP_EQ(n1, 16384, "random 3:1: exactly 1/4 of a stratified sweep");
	TAP_EQ(bad, 0, "random 3:1: every stratified draw as computed");
	free(t);

	reset();
	set_be(5, 1, 1);
	set_be(6, 2, 1);
	set_be(9, 3, 2);
	set_be(10, 4, 0);
	check_random("1:1:2:0");

	reset();
	for (i = 0; i < 7; i++)
		set_be(2 * i, i + 1, 1000 * (i + 1));
	check_random("1..7");

	reset();
	for (i = 0; i < NB; i++)
		set_be(i, i + 1, 1 + (u32)(rng() % AQ_MAX_WEIGHT));
	check_random("64 random weights");
}

static void test_sed(void)
{
	struct aq_lb_table *t;
	const s64 k = 1LL << 24;

	reset();
	set_be(0, 1, 1);
	set_be(1, 2, 1);
	set_be(2, 3, 1);
	t = build();
	set_fon(5, 3, 3, 0);
	TAP_EQ(aq_lb_pick_sed(t, fon), 1, "sed: equal weights, tie -> lowest");
	set_fon(2, 3, 3, 0);
	TAP_EQ(aq_lb_pick_sed(t, fon), 0, "sed: equal weights, fewest flows");
	set_fon(-5, 0, 3, 0);
	TAP_EQ(aq_lb_pick_sed(t, fon), 0, "sed: negative counts as 0, tie");
	set_fon(1, -7, 0, 0);
	TAP_EQ(aq_lb_pick_sed(t, fon), 1, "sed: negative counts as 0");
	free(t);

	/* (n + 1) / w: 1/1 vs 2/2 tie; 2/1 vs 2/2; weight-0 column idle. */
	reset();
	set_be(0, 1, 1);
	set_be(1, 2, 2);
	set_be(2, 3, 0);
	t = build();
	set_fon(0, 1, 0, 0);
	TAP_EQ(aq_lb_pick_sed(t, fon), 0, "sed: 1/1 = 2/2 tie -> lowest");
	set_fon(1, 1, 0, 0);
	TAP_EQ(aq_lb_pick_sed(t, fon), 1, "sed: 2/1 > 2/2");
	set_fon(0, 2, 0, 0);
	TAP_EQ(aq_lb_pick_sed(t, fon), 0, "sed: 1/1 < 3/2");
	set_fon(100, 100, 0, 0);
	TAP_EQ(aq_lb_pick_sed(t, fon), 1,
	       "sed: weight-0 column never chosen");
	free(t);

	/* Near 2^40: (65535 k) / 65535 = (65534 k) / 65534, a tie. */
	reset();
	set_be(0, 1, AQ_MAX_WEIGHT);
	set_be(1, 2, AQ_MAX_WEIGHT - 1);
	t = build();
	fon[0] = 65535 * k - 1;
	fon[1] = 65534 * k - 1;
	TAP_EQ(aq_lb_pick_sed(t, fon), 0, "sed: exact tie near 2^40");
	fon[1]--;
	TAP_EQ(aq_lb_pick_sed(t, fon), 1, "sed: one flow less near 2^40");
	fon[1] += 2;
	TAP_EQ(aq_lb_pick_sed(t, fon), 0, "sed: one flow more near 2^40");
	/* Products past 2^64: the larger weight wins at equal counts. */
	fon[0] = INT64_MAX;
	fon[1] = INT64_MAX;
	TAP_EQ(aq_lb_pick_sed(t, fon), 0, "sed: INT64_MAX, larger weight");
	fon[0] = INT64_MAX;
	fon[1] = INT64_MAX / 65535 * 65534;
	TAP_EQ(aq_lb_pick_sed(t, fon), 1,
	       "sed: INT64_MAX vs a smaller share, no overflow");
	free(t);
}

static void test_lsq(void)
{
	struct aq_lb_table *t;

	reset();
	set_be(0, 1, 1);
	set_be(1, 2, 5);
	set_be(2, 3, 0);
	set_be(3, 4, 1);
	t = build();
	set_fon(3, 1, 0, 1);
	TAP_EQ(aq_lb_pick_lsq(t, fon), 1,
	       "lsq: fewest, tie -> lowest, weight-0 column skipped");
	set_fon(3, 2, 0, 1);
	TAP_EQ(aq_lb_pick_lsq(t, fon), 3, "lsq: weight does not matter");
	set_fon(-2, 0, 0, -9);
	TAP_EQ(aq_lb_pick_lsq(t, fon), 0, "lsq: negative counts as 0, tie");
	set_fon((1LL << 40) + 1, 1LL << 40, 0, INT64_MAX);
	TAP_EQ(aq_lb_pick_lsq(t, fon), 1, "lsq: near 2^40");
	free(t);
}

static void check_empty(const char *name)
{
	struct aq_lb_table *t = build();
	unsigned int i, bad = 0;

	for (i = 0; i < M; i++)
		bad += t->maglev[i] != AQ_LB_NONE;
	for (i = 0; i < 1000; i++) {
		bad += aq_lb_pick_maglev(t, (u32)rng()) != -1;
		bad += aq_lb_pick_random(t, (u32)rng()) != -1;
	}
	bad += aq_lb_pick_maglev(t, U32_MAX) != -1;
	bad += aq_lb_pick_random(t, U32_MAX) != -1;
	bad += aq_lb_pick_sed(t, fon) != -1;
	bad += aq_lb_pick_lsq(t, fon) != -1;
	TAP_CHECK(!bad && !t->nr_eligible && !t->eligible,
		  "empty (%s): every pick returns -1", name);
	free(t);
}

static void test_empty(void)
{
	unsigned int i;

	reset();
	check_empty("no backend");
	for (i = 0; i < 5; i++)
		set_be(i, i + 1, 0);
	check_empty("all weights 0");
}

static void test_build_errors(void)
{
	struct aq_lb_table *t = malloc(sizeof(*t));

	memset(t, 0x5a, sizeof(*t));
	reset();
	set_be(0, 1, AQ_MAX_WEIGHT + 1);
	TAP_EQ(aq_lb_table_build(t, be, wt), -ERANGE, "build: weight too big");
	reset();
	set_be(0, 1, 1);
	be[0].family = 7;
	TAP_EQ(aq_lb_table_build(t, be, wt), -EINVAL, "build: bad family");
	TAP_EQ(t->nr_eligible, 0x5a5a5a5a, "build: table untouched on error");
	reset();
	set_be(0, 1, 1);
	wt[1] = U32_MAX;	/* an empty column: ignored */
	TAP_EQ(aq_lb_table_build(t, be, wt), 0,
	       "build: weight of an empty column ignored");
	free(t);
}

static void test_hash(void)
{
	u8 s[16] = { 198, 51, 100, 7 }, d[16] = { 192, 0, 2, 1 };
	u8 s6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	u8 d6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	u32 h = aq_lb_flow_hash(AF_INET, IPPROTO_TCP, s, 40000, d, 80);
	u32 h6 = aq_lb_flow_hash(AF_INET6, IPPROTO_UDP, s6, 5353, d6, 53);

	/*
	 * Regression values, computed once from this code (fixed siphash
	 * key) and hard-coded: every machine and every boot must agree,
	 * the kernel's siphash included (tests/kunit/sched_test.c checks
	 * the same values).
	 */
	TAP_EQ(h, 0x3e4de5c9U, "hash: IPv4 regression value");
	TAP_EQ(h6, 0xa6ef0478U, "hash: IPv6 regression value");
	TAP_EQ(aq_lb_flow_hash(AF_INET, IPPROTO_TCP, s, 40000, d, 80), h,
	       "hash: same input, same value");
	s[9] = 0xee;
	d[12] = 0xee;
	TAP_EQ(aq_lb_flow_hash(AF_INET, IPPROTO_TCP, s, 40000, d, 80), h,
	       "hash: IPv4 ignores bytes past the fourth");
	TAP_CHECK(aq_lb_flow_hash(AF_INET, IPPROTO_UDP, s, 40000, d, 80) != h,
		  "hash: protocol counts");
	TAP_CHECK(aq_lb_flow_hash(AF_INET, IPPROTO_TCP, s, 40001, d, 80) != h,
		  "hash: source port counts");
	TAP_CHECK(aq_lb_flow_hash(AF_INET, IPPROTO_TCP, d, 80, s, 40000) != h,
		  "hash: direction counts");
}

int main(void)
{
	test_build_errors();
	test_hash();
	test_slot_shares();
	test_flow_split();
	test_removal();
	check_permuted("equal weights", false);
	check_permuted("weights 1..10", true);
	test_random();
	test_sed();
	test_lsq();
	test_empty();
	return tap_done();
}
