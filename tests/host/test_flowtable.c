// SPDX-License-Identifier: GPL-2.0
/* Host tests for kmod/flowtable.c. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/socket.h>
#include <linux/siphash.h>

#include "tap.h"
#include "flowtable.h"

#define MS	1000000ULL

static unsigned int n_end[AQ_NR_END_REASONS];
static void *last_end_ctx;

static void end_cb(struct aq_flow *f, u64 now_ns, unsigned int reason,
		   void *ctx)
{
	if (reason < AQ_NR_END_REASONS)
		n_end[reason]++;
	last_end_ctx = ctx;
}

static unsigned int total_ends(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < AQ_NR_END_REASONS; i++)
		n += n_end[i];
	return n;
}

static void reset_ends(void)
{
	memset(n_end, 0, sizeof(n_end));
}

static void key_of(struct aq_flow_key *k, unsigned int client)
{
	u8 s[16] = { 10, 0, (u8)(client >> 8), (u8)client };
	u8 d[16] = { 10, 1, 0, 1 };

	aq_flow_key_init(k, AF_INET, IPPROTO_TCP, s, d,
			 (u16)(1024 + client), 80);
}

/* fn: count packets in f->bytes, remember creation. */
static int fn_count(struct aq_flow *f, bool is_new, void *arg)
{
	if (is_new)
		f->state = AQ_FS_CONN;
	f->bytes++;
	return AQ_FV_KEEP;
}

static int fn_end_fin(struct aq_flow *f, bool is_new, void *arg)
{
	return AQ_FV_END(AQ_END_FIN);
}

static int restart_calls;
static int fn_restart(struct aq_flow *f, bool is_new, void *arg)
{
	restart_calls++;
	if (!is_new)
		return AQ_FV_RESTART;
	f->bytes = 100;
	return AQ_FV_KEEP;
}

static u64 g_bytes;
static int fn_read(struct aq_flow *f, bool is_new, void *arg)
{
	g_bytes = f->bytes;
	*(u64 *)arg = f->last_ns;
	return AQ_FV_KEEP;
}

static void test_siphash_vector(void)
{
	/* Test vector of the SipHash paper (Appendix A). */
	siphash_key_t k = { { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL } };
	u8 m[15];
	unsigned int i;

	for (i = 0; i < sizeof(m); i++)
		m[i] = i;
	TAP_EQ(siphash(m, sizeof(m), &k), 0xa129ca6149be45e5ULL,
	       "shim SipHash-2-4 matches the paper's test vector");
}

/*
 * The 64-bit hsiphash is SipHash-1-3: hsiphash_3u32() is the hash of its
 * 12 bytes; the table hashes equal keys alike and spreads different ones.
 */
static void test_hsiphash(void)
{
	hsiphash_key_t hk = { { 0x0706050403020100UL, 0x0f0e0d0c0b0a0908UL } };
	u32 w[4] = { 0x0a000001, 0x0a010001, 1024 << 16 | 80, 6 << 8 | 2 };
	struct aq_flowtable *ft = aq_flowtable_create(1024, 16, MS, end_cb);
	struct aq_flow_key k1, k2;
	unsigned int c, same = 0;

	TAP_EQ(hsiphash_3u32(w[0], w[1], w[2], &hk), hsiphash(w, 12, &hk),
	       "hsiphash_3u32 is hsiphash of its 12 bytes");
	TAP_CHECK(hsiphash(w, 15, &hk) != hsiphash(w, 16, &hk),
		  "hsiphash: the length is hashed");
	key_of(&k1, 1);
	key_of(&k2, 1);
	TAP_EQ(aq_flowtable_hash(ft, &k1), aq_flowtable_hash(ft, &k2),
	       "equal IPv4 keys, equal hashes");
	k2.family = AF_INET6;
	k1.family = AF_INET6;
	TAP_EQ(aq_flowtable_hash(ft, &k1), aq_flowtable_hash(ft, &k2),
	       "equal IPv6 keys, equal hashes");
	for (c = 0; c < 1000; c++) {
		key_of(&k1, c);
		key_of(&k2, c);
		k2.dport++;
		same += aq_flowtable_hash(ft, &k1) == aq_flowtable_hash(ft, &k2);
		k2.dport--;
		k2.family = AF_INET6;
		same += aq_flowtable_hash(ft, &k1) == aq_flowtable_hash(ft, &k2);
	}
	TAP_EQ(same, 0, "no 32-bit hash equal among 2000 pairs of neighbours");
	aq_flowtable_destroy(ft);
}

static void test_basic(void)
{
	struct aq_flowtable *ft;
	struct aq_flow_key k1, k2;
	int owner, other;
	u64 last;
	int r;

	TAP_CHECK(IS_ERR(aq_flowtable_create(64, 3, MS, end_cb)),
		  "ways not a power of two rejected");
	TAP_CHECK(IS_ERR(aq_flowtable_create(64, 8, MS, NULL)),
		  "missing end callback rejected");
	ft = aq_flowtable_create(100, 8, 1000 * MS, end_cb);
	TAP_CHECK(!IS_ERR(ft), "create");
	TAP_EQ(ft->nr_buckets * ft->ways, 128, "100 entries round up to 128");
	TAP_EQ(ft->ways, 8, "8 ways");

	reset_ends();
	key_of(&k1, 1);
	key_of(&k2, 2);
	r = aq_flowtable_update(ft, &k1, &owner, 10 * MS, false, fn_count, NULL);
	TAP_EQ(r, -ENOENT, "lookup without create: ENOENT");
	TAP_EQ(aq_flowtable_count(ft), 0, "nothing created");
	r = aq_flowtable_update(ft, &k1, &owner, 10 * MS, true, fn_count, NULL);
	TAP_EQ(r, 0, "create");
	r = aq_flowtable_update(ft, &k1, &owner, 11 * MS, false, fn_count, NULL);
	TAP_EQ(r, 0, "found again");
	r = aq_flowtable_update(ft, &k1, &owner, 12 * MS, false, fn_read, &last);
	TAP_EQ(g_bytes, 2, "same entry updated twice");
	TAP_EQ(last, 11 * MS, "fn sees the previous packet's time");
	r = aq_flowtable_update(ft, &k2, &owner, 12 * MS, false, fn_count, NULL);
	TAP_EQ(r, -ENOENT, "other key not found");
	r = aq_flowtable_update(ft, &k1, &other, 12 * MS, false, fn_count, NULL);
	TAP_EQ(r, -ENOENT, "same key, other owner not found");
	TAP_EQ(aq_flowtable_count(ft), 1, "one entry");

	r = aq_flowtable_update(ft, &k1, &owner, 13 * MS, false, fn_end_fin,
				(void *)&k2);
	TAP_EQ(r, 0, "end verdict");
	TAP_EQ(n_end[AQ_END_FIN], 1, "end callback once with FIN");
	TAP_CHECK(last_end_ctx == (void *)&k2, "end ctx is the update arg");
	TAP_EQ(aq_flowtable_count(ft), 0, "entry freed");
	r = aq_flowtable_update(ft, &k1, &owner, 14 * MS, false, fn_count, NULL);
	TAP_EQ(r, -ENOENT, "ended entry gone");

	/* Restart: old flow ended with REUSE, fn called again as new. */
	aq_flowtable_update(ft, &k1, &owner, 15 * MS, true, fn_count, NULL);
	restart_calls = 0;
	r = aq_flowtable_update(ft, &k1, &owner, 16 * MS, true, fn_restart, NULL);
	TAP_EQ(restart_calls, 2, "restart calls fn twice");
	TAP_EQ(n_end[AQ_END_REUSE], 1, "old flow ended with REUSE");
	aq_flowtable_update(ft, &k1, &owner, 17 * MS, false, fn_read, &last);
	TAP_EQ(g_bytes, 100, "entry holds the new flow");
	TAP_EQ(aq_flowtable_count(ft), 1, "still one entry");
	TAP_EQ(total_ends(), 2, "two ends in all");
	aq_flowtable_destroy(ft);
}

static void test_full_bucket(void)
{
	struct aq_flowtable *ft;
	struct aq_flow_key k;
	unsigned int i, ok = 0;
	int owner, r;
	u64 last;

	/* 8 entries, 8 ways: one bucket. */
	ft = aq_flowtable_create(8, 8, 100 * MS, end_cb);
	TAP_EQ(ft->nr_buckets, 1, "one bucket");
	reset_ends();
	for (i = 0; i < 8; i++) {
		key_of(&k, i);
		r = aq_flowtable_update(ft, &k, &owner, (10 + i) * MS, true,
					fn_count, NULL);
		ok += r == 0;
	}
	TAP_EQ(ok, 8, "8 flows fill the bucket");
	key_of(&k, 8);
	r = aq_flowtable_update(ft, &k, &owner, 50 * MS, true, fn_count, NULL);
	TAP_EQ(r, -ENOSPC, "9th flow: no free way");
	TAP_EQ(aq_flowtable_count(ft), 8, "table unchanged");
	TAP_EQ(total_ends(), 0, "no flow ended");

	/* At 112 ms flows 0 and 1 (last packet 10, 11 ms) are idle > 100 ms. */
	r = aq_flowtable_update(ft, &k, &owner, 112 * MS, true, fn_count, NULL);
	TAP_EQ(r, 0, "lazy expiry frees ways for a new flow");
	TAP_EQ(n_end[AQ_END_TIMEOUT], 2, "both idle flows ended on the scan");
	TAP_EQ(aq_flowtable_count(ft), 7, "6 old + 1 new");
	key_of(&k, 0);
	r = aq_flowtable_update(ft, &k, &owner, 112 * MS, false, fn_count, NULL);
	TAP_EQ(r, -ENOENT, "expired flow gone");

	/* A matched idle entry is ended even with free ways around. */
	reset_ends();
	key_of(&k, 5);	/* last packet at 15 ms */
	r = aq_flowtable_update(ft, &k, &owner, 116 * MS, false, fn_count,
				NULL);
	TAP_EQ(r, -ENOENT, "idle match without create: ended, ENOENT");
	TAP_EQ(n_end[AQ_END_TIMEOUT], 1, "ended once");
	key_of(&k, 6);	/* last packet at 16 ms */
	r = aq_flowtable_update(ft, &k, &owner, 117 * MS, true, fn_read, &last);
	TAP_EQ(n_end[AQ_END_TIMEOUT], 2, "idle match with create: ended");
	TAP_EQ(g_bytes, 0, "and created anew");
	aq_flowtable_destroy(ft);
}

static void test_one_slot(void)
{
	struct aq_flowtable *ft;
	struct aq_flow_key k;
	unsigned int i, ok = 0, nospc = 0;
	int owner, r;

	ft = aq_flowtable_create(16, 1, 100 * MS, end_cb);
	TAP_EQ(ft->nr_buckets, 16, "one-slot mode: 16 buckets of 1");
	for (i = 0; i < 64; i++) {
		key_of(&k, i);
		r = aq_flowtable_update(ft, &k, &owner, MS, true, fn_count,
					NULL);
		ok += r == 0;
		nospc += r == -ENOSPC;
	}
	TAP_EQ(ok + nospc, 64, "one-slot: every insert created or refused");
	TAP_CHECK(ok <= 16 && ok == aq_flowtable_count(ft),
		  "one-slot: at most 16 created (%u)", ok);
	TAP_CHECK(nospc >= 48, "one-slot: collisions counted");
	aq_flowtable_destroy(ft);
}

static void test_expire_flush(void)
{
	struct aq_flowtable *ft;
	struct aq_flow_key k;
	unsigned int i, n, calls;
	int a, b;

	ft = aq_flowtable_create(1024, 8, 100 * MS, end_cb);
	reset_ends();
	for (i = 0; i < 200; i++) {
		key_of(&k, i);
		aq_flowtable_update(ft, &k, i < 100 ? (void *)&a : (void *)&b,
				    (i < 50 ? 1 : 150) * MS, true, fn_count,
				    NULL);
	}
	n = aq_flowtable_count(ft);
	TAP_CHECK(n >= 195, "most of 200 flows stored (%u)", n);
	TAP_EQ(aq_flowtable_expire(ft, 101 * MS, ft->nr_buckets), 0,
	       "nothing idle yet at 101 ms");
	/* At 200 ms the 50 flows of t=1ms are idle; walk in chunks of 16. */
	n = 0;
	for (calls = 0; calls < ft->nr_buckets / 16; calls++)
		n += aq_flowtable_expire(ft, 200 * MS, 16);
	TAP_EQ(n, n_end[AQ_END_TIMEOUT], "expire returns what it ended");
	TAP_CHECK(n >= 45 && n <= 50, "idle flows ended by the walker (%u)", n);
	TAP_EQ(ft->expire_cursor, 0, "walker wrapped around");
	n = aq_flowtable_flush(ft, &a, 200 * MS);
	TAP_EQ(n, n_end[AQ_END_FLUSH], "flush returns what it ended");
	TAP_CHECK(n >= 45 && n <= 50, "flush ends owner a's other flows (%u)",
		  n);
	TAP_EQ(aq_flowtable_flush(ft, &a, 200 * MS), 0, "second flush: none");
	n = aq_flowtable_flush(ft, &b, 200 * MS);
	TAP_CHECK(n >= 95, "flush owner b (%u)", n);
	TAP_EQ(aq_flowtable_count(ft), 0, "table empty");
	aq_flowtable_destroy(ft);
}

/* Concurrency: threads hammer the same flows; no update may be lost. */
#define CT_THREADS	4
#define CT_FLOWS	32
#define CT_ITERS	20000

static struct aq_flowtable *ct_ft;
static int ct_owner;

static void *ct_thread(void *arg)
{
	unsigned int t = (unsigned int)(unsigned long)arg, i;
	struct aq_flow_key k;

	for (i = 0; i < CT_ITERS; i++) {
		key_of(&k, (i * 7 + t) % CT_FLOWS);
		if (aq_flowtable_update(ct_ft, &k, &ct_owner, MS, true,
					fn_count, NULL))
			abort();
	}
	return NULL;
}

static int fn_sum(struct aq_flow *f, bool is_new, void *arg)
{
	*(u64 *)arg += f->bytes;
	return AQ_FV_KEEP;
}

static void test_concurrency(void)
{
	pthread_t th[CT_THREADS];
	struct aq_flow_key k;
	unsigned long i;
	u64 sum = 0;

	ct_ft = aq_flowtable_create(4096, 8, 1000 * MS, end_cb);
	for (i = 0; i < CT_THREADS; i++)
		pthread_create(&th[i], NULL, ct_thread, (void *)i);
	for (i = 0; i < CT_THREADS; i++)
		pthread_join(th[i], NULL);
	TAP_EQ(aq_flowtable_count(ct_ft), CT_FLOWS,
	       "concurrent creates: one entry per flow");
	for (i = 0; i < CT_FLOWS; i++) {
		key_of(&k, i);
		aq_flowtable_update(ct_ft, &k, &ct_owner, MS, false, fn_sum,
				    &sum);
	}
	TAP_EQ(sum, (u64)CT_THREADS * CT_ITERS, "no lost updates");
	aq_flowtable_destroy(ct_ft);
}

int main(void)
{
	test_siphash_vector();
	test_hsiphash();
	test_basic();
	test_full_bucket();
	test_one_slot();
	test_expire_flush();
	test_concurrency();
	return tap_done();
}
