// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: reservoir replacement and slot encoding (kmod/reservoir.h), and
 * the snapshot protocol of uapi/linux/aquarius.h: per-CPU counters folded
 * into frames, frame sequence numbers, latest_seq, the ring of
 * AQ_NR_FRAMES frames and the reader's s1 == s2 == n check, also against
 * a concurrent writer. The statistics come from features_test.c's copy
 * of features.c (through aq_features.h).
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/in.h>
#include <linux/kthread.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>

#include "aq_kunit.h"
#include "reservoir.h"

static u64 st_slot(struct aq_kunit_fx *x, unsigned int b, enum aq_feature f,
		   unsigned int i)
{
	return x->s->slots[((size_t)b * AQ_NR_FEATURES + f) *
			   x->s->nr_slots + i];
}

static u64 st_offered(struct aq_kunit_fx *x, unsigned int b,
		      enum aq_feature f)
{
	return aq_stats_offered(x->s, b, f);
}

static struct aq_pkt st_pkt(void)
{
	struct aq_pkt p = {
		.family = AF_INET,
		.proto = IPPROTO_TCP,
		.tcp_flags = AQ_TCP_ACK,
		.sport = 40000,
		.dport = 80,
	};

	return p;
}

/* Every offered sample replaces slot rnd & (nr_slots - 1). */
static void reservoir_replacement(struct kunit *test)
{
	u64 *slots = kunit_kzalloc(test, 8 * sizeof(u64), GFP_KERNEL);
	u64 __percpu *offered;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, slots);
	offered = alloc_percpu(u64);
	KUNIT_ASSERT_TRUE(test, !!offered);
	for (i = 0; i < 8; i++) {
		aq_reservoir_add(slots, 8, offered, i + 1, 100 + i, i);
		KUNIT_EXPECT_EQ(test, slots[i],
				((u64)(i + 1) << 32) | (100 + i));
		KUNIT_EXPECT_EQ(test, aq_pcpu_sum(offered), (u64)i + 1);
	}
	/* rnd 11: slot 3; rnd 0xffffffff: slot 7; the rest untouched. */
	aq_reservoir_add(slots, 8, offered, 50, 7, 11);
	aq_reservoir_add(slots, 8, offered, 51, 8, 0xffffffff);
	KUNIT_EXPECT_EQ(test, aq_pcpu_sum(offered), 10ULL);
	for (i = 0; i < 8; i++) {
		u64 want = ((u64)(i + 1) << 32) | (100 + i);

		if (i == 3)
			want = (50ULL << 32) | 7;
		if (i == 7)
			want = (51ULL << 32) | 8;
		KUNIT_EXPECT_EQ_MSG(test, slots[i], want, "slot %u", i);
	}
	/* One slot: every sample lands in it. */
	aq_reservoir_add(slots, 1, offered, 9, 9, 0x12345677);
	KUNIT_EXPECT_EQ(test, slots[0], (9ULL << 32) | 9);
	KUNIT_EXPECT_EQ(test, slots[1], (2ULL << 32) | 101);
	KUNIT_EXPECT_EQ(test, aq_pcpu_sum(offered), 11ULL);
	free_percpu(offered);
}

static void reservoir_slot_encoding(struct kunit *test)
{
	const u64 e = AQ_KT_EPOCH;
	u64 s = aq_slot_make(3, 0xdeadbeef);

	KUNIT_EXPECT_EQ(test, s, 0x00000003deadbeefULL);
	KUNIT_EXPECT_EQ(test, AQ_SLOT_TIME_MS(s), 3U);
	KUNIT_EXPECT_EQ(test, AQ_SLOT_VALUE(s), 0xdeadbeefU);
	/* A zero value at time 0 is still a non-zero slot. */
	KUNIT_EXPECT_EQ(test, aq_slot_make(aq_slot_time_ms(e, e), 0),
			1ULL << 32);
	KUNIT_EXPECT_EQ(test, aq_slot_time_ms(e, e), 1U);
	KUNIT_EXPECT_EQ(test, aq_slot_time_ms(e + 999999, e), 1U);
	KUNIT_EXPECT_EQ(test, aq_slot_time_ms(e + 1000000, e), 1U);
	KUNIT_EXPECT_EQ(test, aq_slot_time_ms(e + 2500000, e), 2U);
	KUNIT_EXPECT_EQ(test, aq_slot_time_ms(e + 1000000ULL * 123456789, e),
			123456789U);
	/* ms modulo 2^32, and 0 becomes 1. */
	KUNIT_EXPECT_EQ(test, aq_slot_time_ms(e + 1000000ULL * (1ULL << 32),
					      e), 1U);
	KUNIT_EXPECT_EQ(test, aq_slot_time_ms(e + 1000000ULL *
					      ((1ULL << 32) + 5), e), 5U);

	KUNIT_EXPECT_EQ(test, aq_sat_u32(0), 0U);
	KUNIT_EXPECT_EQ(test, aq_sat_u32(U32_MAX), U32_MAX);
	KUNIT_EXPECT_EQ(test, aq_sat_u32((u64)U32_MAX + 1), U32_MAX);
	KUNIT_EXPECT_EQ(test, aq_sat_s32(-1), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, aq_sat_s32(S32_MIN), (u32)S32_MIN);
	KUNIT_EXPECT_EQ(test, aq_sat_s32(-5000000000LL), (u32)S32_MIN);
	KUNIT_EXPECT_EQ(test, aq_sat_s32(5000000000LL), (u32)S32_MAX);
	KUNIT_EXPECT_EQ(test, aq_sat_s32(12345), 12345U);
	KUNIT_EXPECT_EQ(test, aq_ns_to_us(-1), 0U);
	KUNIT_EXPECT_EQ(test, aq_ns_to_us(0), 0U);
	KUNIT_EXPECT_EQ(test, aq_ns_to_us(999), 0U);
	KUNIT_EXPECT_EQ(test, aq_ns_to_us(1000), 1U);
	KUNIT_EXPECT_EQ(test, aq_ns_to_us(1999), 1U);
	KUNIT_EXPECT_EQ(test, aq_ns_to_us((s64)U32_MAX * 1000 + 999),
			U32_MAX);
	KUNIT_EXPECT_EQ(test, aq_ns_to_us((s64)U32_MAX * 1000 + 1000),
			U32_MAX);
	KUNIT_EXPECT_EQ(test, aq_ns_to_us(S64_MAX), U32_MAX);
}

static void reservoir_rand(struct kunit *test)
{
	struct aq_rand r = { .x = 1 };
	unsigned int i, zero = 0;

	KUNIT_EXPECT_EQ(test, aq_rand_next(&r), 270369U);
	KUNIT_EXPECT_EQ(test, aq_rand_next(&r), 67634689U);
	r.x = 0;
	KUNIT_EXPECT_NE(test, aq_rand_next(&r), 0U);
	for (i = 0; i < 100000; i++)
		zero += !aq_rand_next(&r);
	KUNIT_EXPECT_EQ(test, zero, 0U);
}

/*
 * Through aq_observe(): packet i comes i us after packet i - 1, so its
 * iat_p sample has value i and a known time. Each sample must be found
 * in a slot right after it was offered, and at the end every slot holds
 * a real sample whose time matches its value.
 */
static void reservoir_every_sample_lands(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 64, 0, 0, IPPROTO_TCP);
	const unsigned int b = 9, n = 2000;
	struct aq_pkt p = st_pkt();
	unsigned int i, j, missing = 0, empty = 0, bad = 0;
	u64 t_us;

	for (i = 0; i <= n; i++) {
		u64 want;

		t_us = 1000 + (u64)i * (i + 1) / 2;
		aq_observe(x->s, b, NULL, &p, AQ_KT_US(t_us));
		if (!i)
			continue;
		want = aq_slot_make((u32)(t_us / 1000), i);
		for (j = 0; j < 64; j++)
			if (st_slot(x, b, AQ_F_IAT_P, j) == want)
				break;
		missing += j == 64;
	}
	KUNIT_EXPECT_EQ(test, missing, 0U);
	KUNIT_EXPECT_EQ(test, st_offered(x, b, AQ_F_IAT_P), (u64)n);
	KUNIT_EXPECT_EQ(test, aq_stats_counter(x->s, b, AQ_C_N_PACKET),
			(u64)n + 1);
	for (j = 0; j < 64; j++) {
		u64 s = st_slot(x, b, AQ_F_IAT_P, j);
		u32 v = AQ_SLOT_VALUE(s);

		if (!s) {
			empty++;
			continue;
		}
		t_us = 1000 + (u64)v * (v + 1) / 2;
		if (v < 1 || v > n || AQ_SLOT_TIME_MS(s) != t_us / 1000)
			bad++;
	}
	KUNIT_EXPECT_EQ(test, empty, 0U);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	/* Other reservoirs of the backend and other backends: empty. */
	KUNIT_EXPECT_EQ(test, st_offered(x, b, AQ_F_IAT_F), 0ULL);
	KUNIT_EXPECT_EQ(test, st_offered(x, b + 1, AQ_F_IAT_P), 0ULL);
	KUNIT_EXPECT_EQ(test, st_slot(x, b + 1, AQ_F_IAT_P, 0), 0ULL);
	KUNIT_EXPECT_EQ(test, st_slot(x, b, AQ_F_IAT_F, 63), 0ULL);
}

/* A sample of value 0 at slot time 0 is stored as time 1: not empty. */
static void reservoir_never_zero(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 0, 0, IPPROTO_TCP);
	struct aq_pkt p = st_pkt();

	aq_observe(x->s, 0, NULL, &p, AQ_KT_EPOCH);
	aq_observe(x->s, 0, NULL, &p, AQ_KT_EPOCH);
	KUNIT_EXPECT_EQ(test, st_offered(x, 0, AQ_F_IAT_P), 1ULL);
	KUNIT_EXPECT_EQ(test, st_slot(x, 0, AQ_F_IAT_P, 0), 1ULL << 32);
	/* Before the epoch (time goes back): still time >= 1. */
	aq_observe(x->s, 0, NULL, &p, AQ_KT_EPOCH - 1000);
	KUNIT_EXPECT_EQ(test, st_offered(x, 0, AQ_F_IAT_P), 2ULL);
	KUNIT_EXPECT_NE(test, st_slot(x, 0, AQ_F_IAT_P, 0), 0ULL);
	KUNIT_EXPECT_EQ(test, AQ_SLOT_VALUE(st_slot(x, 0, AQ_F_IAT_P, 0)), 0U);
}

static struct kunit_case aq_reservoir_cases[] = {
	KUNIT_CASE(reservoir_replacement),
	KUNIT_CASE(reservoir_slot_encoding),
	KUNIT_CASE(reservoir_rand),
	KUNIT_CASE(reservoir_every_sample_lands),
	KUNIT_CASE(reservoir_never_zero),
	{}
};

static struct kunit_suite aq_reservoir_suite = {
	.name = "aquarius_reservoir",
	.init = aq_kunit_fx_init,
	.exit = aq_kunit_fx_exit,
	.test_cases = aq_reservoir_cases,
};

/* Snapshots. */

static struct aq_frame *st_frame(struct aq_stats *s, unsigned int i)
{
	return (struct aq_frame *)(s->frames + (size_t)i * s->frame_size);
}

/* The reader of the uapi header, in two halves (to be lapped between). */
struct st_reader {
	struct aq_frame *f;
	u64 n;
	u64 s1;
};

static bool st_read_begin(struct aq_stats *s, struct st_reader *r,
			  struct aq_frame *out)
{
	/* Pairs with the writer's smp_store_release() of latest_seq. */
	r->n = smp_load_acquire(&s->hdr->latest_seq);
	if (!r->n)
		return false;
	r->f = st_frame(s, r->n % s->hdr->nr_frames);
	/* Pairs with the writer's smp_wmb() before frame.seq = n. */
	r->s1 = smp_load_acquire(&r->f->seq);
	memcpy(out, r->f, sizeof(*out) / 2);
	return true;
}

static bool st_read_end(struct st_reader *r, struct aq_frame *out)
{
	u64 s2;

	memcpy((u8 *)out + sizeof(*out) / 2, (u8 *)r->f + sizeof(*out) / 2,
	       sizeof(*out) - sizeof(*out) / 2);
	/* The copy before s2; pairs with the writer's first smp_wmb(). */
	smp_rmb();
	s2 = READ_ONCE(r->f->seq);
	return r->s1 == r->n && s2 == r->n;
}

static bool st_read(struct aq_stats *s, struct aq_frame *out)
{
	struct st_reader r;

	return st_read_begin(s, &r, out) && st_read_end(&r, out);
}

static u64 st_want(unsigned int j, unsigned int b, unsigned int c)
{
	return (u64)(j + 1) * (b * 16 + c + 1);
}

static void snapshot_percpu_fold(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 0, 0, IPPROTO_TCP);
	unsigned int j = 0, ncpu = 0, b, c, bad = 0;
	int cpu, last = 0;
	struct aq_frame *fr;
	u64 want, n;

	/* CPU j: counter (b, c) = (j + 1) * (16 b + c + 1). */
	for_each_possible_cpu(cpu) {
		struct aq_pcpu_stats *ps = per_cpu_ptr(x->s->pcpu, cpu);

		for (b = 0; b < AQ_MAX_BACKENDS; b++)
			for (c = 0; c < AQ_NR_COUNTERS; c++)
				ps->counters[b][c] = st_want(j, b, c);
		for (c = 0; c < AQ_NR_VIP_COUNTERS; c++)
			ps->vip_counters[c] = (j + 1) * (c + 7);
		/* n_flow_on of backend 5: +3 on the first, -1 elsewhere. */
		ps->counters[5][AQ_C_N_FLOW_ON] = j ? (u64)-1 : 3;
		/* offered (b, f) = (j + 1) * (16 b + f + 1) as well. */
		for (b = 0; b < AQ_MAX_BACKENDS; b++)
			for (c = 0; c < AQ_NR_FEATURES; c++)
				ps->offered[b][c] = st_want(j, b, c);
		last = cpu;
		j++;
	}
	ncpu = j;
	/* On one CPU this still checks the fold, not the sum over CPUs. */
	if (ncpu < 2)
		kunit_info(test, "only %u possible CPU", ncpu);
	aq_stats_vip_inc(x->s, AQ_VC_FRAGMENT);
	/* The region's offered counters are written by the fold only. */
	for (b = 0; b < AQ_MAX_BACKENDS * AQ_NR_FEATURES; b++)
		bad += x->s->offered[b] != 0;
	KUNIT_EXPECT_EQ(test, bad, 0U);

	n = aq_stats_snapshot(x->s, 777, 0x8000000000000005ULL);
	KUNIT_EXPECT_EQ(test, n, 1ULL);
	KUNIT_EXPECT_EQ(test, x->s->hdr->latest_seq, 1ULL);
	fr = st_frame(x->s, 1);
	KUNIT_EXPECT_EQ(test, fr->seq, 1ULL);
	KUNIT_EXPECT_EQ(test, fr->time_ns, 777ULL);
	KUNIT_EXPECT_EQ(test, fr->active, 0x8000000000000005ULL);
	for (b = 0; b < AQ_MAX_BACKENDS; b++) {
		for (c = 0; c < AQ_NR_COUNTERS; c++) {
			if (b == 5 && c == AQ_C_N_FLOW_ON)
				continue;
			/* sum over j of (j + 1) * k = k * ncpu (ncpu + 1) / 2 */
			want = st_want(0, b, c) * ncpu * (ncpu + 1) / 2;
			bad += fr->counters[b][c] != want;
			bad += aq_stats_counter(x->s, b, c) != want;
		}
		for (c = 0; c < AQ_NR_FEATURES; c++) {
			want = st_want(0, b, c) * ncpu * (ncpu + 1) / 2;
			bad += x->s->offered[b * AQ_NR_FEATURES + c] != want;
			bad += aq_stats_offered(x->s, b, c) != want;
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, (s64)fr->counters[5][AQ_C_N_FLOW_ON],
			3 - (s64)(ncpu - 1));
	for (c = 0; c < AQ_NR_VIP_COUNTERS; c++)
		KUNIT_EXPECT_EQ(test, fr->vip_counters[c],
				(u64)(c + 7) * ncpu * (ncpu + 1) / 2 +
				(c == AQ_VC_FRAGMENT));
	/* The other frames were not written. */
	KUNIT_EXPECT_EQ(test, st_frame(x->s, 0)->seq, 0ULL);
	KUNIT_EXPECT_EQ(test, st_frame(x->s, 2)->seq, 0ULL);
	KUNIT_EXPECT_EQ(test, st_frame(x->s, 0)->counters[0][0], 0ULL);

	/* A change on the last CPU shows in the next frame only. */
	per_cpu_ptr(x->s->pcpu, last)->counters[63][AQ_C_N_RTR] += 1000;
	KUNIT_EXPECT_EQ(test, aq_stats_snapshot(x->s, 888, 1), 2ULL);
	want = st_want(0, 63, AQ_C_N_RTR) * ncpu * (ncpu + 1) / 2;
	KUNIT_EXPECT_EQ(test, st_frame(x->s, 2)->counters[63][AQ_C_N_RTR],
			want + 1000);
	KUNIT_EXPECT_EQ(test, st_frame(x->s, 1)->counters[63][AQ_C_N_RTR],
			want);
	KUNIT_EXPECT_EQ(test, st_frame(x->s, 2)->active, 1ULL);
	KUNIT_EXPECT_EQ(test, x->s->hdr->latest_seq, 2ULL);
}

static void snapshot_ring_rotation(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 0, 0, IPPROTO_TCP);
	struct aq_pcpu_stats *ps = per_cpu_ptr(x->s->pcpu,
					       cpumask_first(cpu_possible_mask));
	unsigned int n, k;

	for (n = 1; n <= 3 * AQ_NR_FRAMES + 1; n++) {
		ps->counters[n % AQ_MAX_BACKENDS][AQ_C_N_PACKET] = 10 * n;
		KUNIT_EXPECT_EQ(test, aq_stats_snapshot(x->s, 1000ULL * n, n),
				(u64)n);
		KUNIT_EXPECT_EQ(test, x->s->hdr->latest_seq, (u64)n);
		/* Frame n % nr_frames is n; the others the older ones. */
		for (k = 0; k < AQ_NR_FRAMES && k < n; k++) {
			struct aq_frame *f = st_frame(x->s,
						      (n - k) % AQ_NR_FRAMES);

			KUNIT_EXPECT_EQ(test, f->seq, (u64)(n - k));
			KUNIT_EXPECT_EQ(test, f->time_ns, 1000ULL * (n - k));
			KUNIT_EXPECT_EQ(test, f->active, (u64)(n - k));
			KUNIT_EXPECT_EQ(test,
					f->counters[(n - k) % AQ_MAX_BACKENDS]
						   [AQ_C_N_PACKET],
					10ULL * (n - k));
		}
		for (; k < AQ_NR_FRAMES; k++)
			KUNIT_EXPECT_EQ(test,
					st_frame(x->s, (n + AQ_NR_FRAMES - k) %
						 AQ_NR_FRAMES)->seq, 0ULL);
	}
	KUNIT_EXPECT_EQ(test, x->s->seq, 3ULL * AQ_NR_FRAMES + 1);
}

static void snapshot_reader(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 0, 0, IPPROTO_TCP);
	struct aq_frame *out = kunit_kzalloc(test, sizeof(*out), GFP_KERNEL);
	struct aq_frame *f;
	struct st_reader r;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_EXPECT_FALSE(test, st_read(x->s, out));

	per_cpu_ptr(x->s->pcpu, cpumask_first(cpu_possible_mask))
		->counters[2][AQ_C_N_FLOW] = 42;
	aq_stats_snapshot(x->s, 5, 4);
	KUNIT_EXPECT_TRUE(test, st_read(x->s, out));
	KUNIT_EXPECT_EQ(test, out->seq, 1ULL);
	KUNIT_EXPECT_EQ(test, out->counters[2][AQ_C_N_FLOW], 42ULL);
	KUNIT_EXPECT_EQ(test, out->active, 4ULL);
	KUNIT_EXPECT_EQ(test, memcmp(out, st_frame(x->s, 1), sizeof(*out)), 0);

	/* A slow reader survives nr_frames - 1 newer snapshots... */
	KUNIT_ASSERT_TRUE(test, st_read_begin(x->s, &r, out));
	for (i = 0; i < AQ_NR_FRAMES - 1; i++)
		aq_stats_snapshot(x->s, 6 + i, 4);
	KUNIT_EXPECT_TRUE(test, st_read_end(&r, out));
	KUNIT_EXPECT_EQ(test, r.n, 1ULL);
	KUNIT_EXPECT_EQ(test, x->s->hdr->latest_seq, (u64)AQ_NR_FRAMES);

	/* ...but not nr_frames: its frame was rewritten. */
	KUNIT_ASSERT_TRUE(test, st_read_begin(x->s, &r, out));
	KUNIT_EXPECT_EQ(test, r.n, (u64)AQ_NR_FRAMES);
	for (i = 0; i < AQ_NR_FRAMES; i++)
		aq_stats_snapshot(x->s, 100 + i, 4);
	KUNIT_EXPECT_FALSE(test, st_read_end(&r, out));
	KUNIT_EXPECT_TRUE(test, st_read(x->s, out));
	KUNIT_EXPECT_EQ(test, out->seq, 2ULL * AQ_NR_FRAMES);
	KUNIT_EXPECT_EQ(test, out->time_ns, 100ULL + AQ_NR_FRAMES - 1);

	/* A frame caught while being written (seq 0) is refused. */
	f = st_frame(x->s, (2 * AQ_NR_FRAMES) % AQ_NR_FRAMES);
	WRITE_ONCE(f->seq, 0);
	KUNIT_EXPECT_FALSE(test, st_read(x->s, out));
	WRITE_ONCE(f->seq, 2 * AQ_NR_FRAMES);
	KUNIT_EXPECT_TRUE(test, st_read(x->s, out));
}

/* Snapshot writer on another thread: every round adds 1 to each backend. */
struct st_writer {
	struct aq_stats *s;
	atomic64_t rounds;
};

static int st_writer_fn(void *arg)
{
	struct st_writer *w = arg;
	struct aq_pkt p = st_pkt();
	u64 t = AQ_KT_US(1);
	unsigned int b;

	while (!kthread_should_stop()) {
		for (b = 0; b < AQ_MAX_BACKENDS; b++)
			aq_observe(w->s, b, NULL, &p, t++);
		aq_stats_snapshot(w->s, t, ~0ULL);
		atomic64_inc(&w->rounds);
		cond_resched();
	}
	return 0;
}

static void snapshot_concurrent_reader(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 0, 0, IPPROTO_TCP);
	struct aq_frame *out = kunit_kzalloc(test, sizeof(*out), GFP_KERNEL);
	struct st_writer *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	unsigned int i, b, good = 0, torn = 0, retried = 0, slow_good = 0;
	struct task_struct *task;
	struct st_reader r;

	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->s = x->s;
	task = kthread_run(st_writer_fn, w, "aq_kunit_writer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));

	for (i = 0; i < 1000000 && (good < 1000 ||
				    atomic64_read(&w->rounds) < 200); i++) {
		bool ok;

		if (i % 8 == 0) {
			/* A slow reader: the writer may lap it. */
			ok = st_read_begin(x->s, &r, out);
			if (ok) {
				cond_resched();
				ok = st_read_end(&r, out);
			}
			slow_good += ok;
		} else {
			ok = st_read(x->s, out);
		}
		if (!ok) {
			retried++;
			cond_resched();
			continue;
		}
		good++;
		for (b = 0; b < AQ_MAX_BACKENDS; b++)
			if (out->counters[b][AQ_C_N_PACKET] != out->seq)
				break;
		if (b != AQ_MAX_BACKENDS || out->active != ~0ULL)
			torn++;
		if (i % 64 == 0)
			cond_resched();
	}
	kthread_stop(task);
	kunit_info(test, "%u reads: %u consistent (%u slow), %u retried, %lld snapshots",
		   i, good, slow_good, retried,
		   (long long)atomic64_read(&w->rounds));
	KUNIT_EXPECT_GT(test, good, 0U);
	KUNIT_EXPECT_EQ(test, torn, 0U);
	KUNIT_EXPECT_GE(test, atomic64_read(&w->rounds), 200LL);
	KUNIT_EXPECT_EQ(test, x->s->hdr->latest_seq,
			(u64)atomic64_read(&w->rounds));
	KUNIT_EXPECT_EQ(test, aq_stats_counter(x->s, 17, AQ_C_N_PACKET),
			(u64)atomic64_read(&w->rounds));
}

static struct kunit_case aq_snapshot_cases[] = {
	KUNIT_CASE(snapshot_percpu_fold),
	KUNIT_CASE(snapshot_ring_rotation),
	KUNIT_CASE(snapshot_reader),
	KUNIT_CASE_SLOW(snapshot_concurrent_reader),
	{}
};

static struct kunit_suite aq_snapshot_suite = {
	.name = "aquarius_snapshot",
	.init = aq_kunit_fx_init,
	.exit = aq_kunit_fx_exit,
	.test_cases = aq_snapshot_cases,
};

kunit_test_suites(&aq_reservoir_suite, &aq_snapshot_suite);
