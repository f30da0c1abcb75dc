// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the set-associative flow table (kmod/flowtable.c) with an
 * injected clock. The owner of every flow is a struct ft_rec that its end
 * callback updates, so each test sees exactly which flows ended and why.
 * Buckets are computed with the table's own hash (aq_flowtable_hash()),
 * so collisions are chosen, not hoped for.
 */
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/slab.h>
#include <linux/socket.h>

#include "flowtable.c"

#define MS	1000000ULL
#define FT_IDS	512

struct ft_rec {
	unsigned int ends[AQ_NR_END_REASONS];
	unsigned int id_ends[FT_IDS];
	u64 end_now[FT_IDS];
	void *last_ctx;
	unsigned int bad;
};

/* The owner is the record; the flow's id is in @isn, its packets in @bytes. */
static void ft_end_cb(struct aq_flow *f, u64 now_ns, unsigned int reason,
		      void *ctx)
{
	struct ft_rec *r = f->owner;

	if (reason >= AQ_NR_END_REASONS || f->isn >= FT_IDS) {
		r->bad++;
		return;
	}
	r->ends[reason]++;
	r->id_ends[f->isn]++;
	r->end_now[f->isn] = now_ns;
	r->last_ctx = ctx;
}

static unsigned int ft_total_ends(const struct ft_rec *r)
{
	unsigned int i, n = 0;

	for (i = 0; i < AQ_NR_END_REASONS; i++)
		n += r->ends[i];
	return n;
}

static void ft_key(struct aq_flow_key *k, unsigned int client)
{
	u8 s[16] = { 10, 0, (u8)(client >> 8), (u8)client };
	u8 d[16] = { 10, 1, 0, 1 };

	aq_flow_key_init(k, AF_INET, IPPROTO_TCP, s, d,
			 (u16)(1024 + client), 80);
}

static u32 ft_bucket(struct aq_flowtable *ft, unsigned int client)
{
	struct aq_flow_key k;

	ft_key(&k, client);
	return aq_flowtable_hash(ft, &k) & (ft->nr_buckets - 1);
}

/* arg: the id of a new flow (or NULL: 0). Counts packets in @bytes. */
static int ft_fn_count(struct aq_flow *f, bool is_new, void *arg)
{
	if (is_new) {
		f->state = AQ_FS_CONN;
		f->isn = arg ? *(unsigned int *)arg : 0;
	}
	f->bytes++;
	return AQ_FV_KEEP;
}

static int ft_fn_fin(struct aq_flow *f, bool is_new, void *arg)
{
	return AQ_FV_END(AQ_END_FIN);
}

struct ft_seen {
	u64 bytes;
	u64 last_ns;
	u32 isn;
	bool is_new;
};

static int ft_fn_read(struct aq_flow *f, bool is_new, void *arg)
{
	struct ft_seen *s = arg;

	s->bytes = f->bytes;
	s->last_ns = f->last_ns;
	s->isn = f->isn;
	s->is_new = is_new;
	return AQ_FV_KEEP;
}

/* Restart once: the new flow gets id 1 and 100 in @bytes. */
static int ft_fn_restart(struct aq_flow *f, bool is_new, void *arg)
{
	unsigned int *calls = arg;

	(*calls)++;
	if (!is_new)
		return AQ_FV_RESTART;
	f->isn = 1;
	f->bytes = 100;
	return AQ_FV_KEEP;
}

static int ft_up(struct aq_flowtable *ft, struct ft_rec *owner,
		 unsigned int client, u64 now, bool create)
{
	struct aq_flow_key k;

	ft_key(&k, client);
	return aq_flowtable_update(ft, &k, owner, now, create, ft_fn_count,
				   &client);
}

static struct aq_flowtable *ft_new(struct kunit *test, unsigned int entries,
				   unsigned int ways, u64 timeout)
{
	struct aq_flowtable *ft = aq_flowtable_create(entries, ways, timeout,
						       ft_end_cb);

	KUNIT_ASSERT_FALSE(test, IS_ERR(ft));
	return ft;
}

static void ft_create_params(struct kunit *test)
{
	struct aq_flowtable *ft;

	KUNIT_EXPECT_EQ(test, PTR_ERR(aq_flowtable_create(64, 3, MS,
							  ft_end_cb)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(aq_flowtable_create(64, 0, MS,
							  ft_end_cb)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(aq_flowtable_create(64, 32, MS,
							  ft_end_cb)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(aq_flowtable_create(64, 8, MS, NULL)),
			-EINVAL);

	ft = ft_new(test, 100, 8, MS);
	KUNIT_EXPECT_EQ(test, ft->nr_buckets, 16U);
	KUNIT_EXPECT_EQ(test, ft->ways, 8U);
	KUNIT_EXPECT_EQ(test, ft->nr_locks, 16U);
	KUNIT_EXPECT_EQ(test, ft->timeout_ns, MS);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 0U);
	aq_flowtable_destroy(ft);

	ft = ft_new(test, 0, 4, MS);
	KUNIT_EXPECT_EQ(test, ft->nr_buckets * ft->ways,
			(u32)AQ_FT_DEFAULT_ENTRIES);
	KUNIT_EXPECT_EQ(test, ft->nr_locks, (u32)AQ_FT_MAX_LOCKS);
	aq_flowtable_destroy(ft);

	ft = ft_new(test, 3, 16, MS);
	KUNIT_EXPECT_EQ(test, ft->nr_buckets, 1U);
	KUNIT_EXPECT_EQ(test, ft->ways, 16U);
	KUNIT_EXPECT_EQ(test, ft->nr_locks, 1U);
	aq_flowtable_destroy(ft);

	ft = ft_new(test, 16, 1, MS);
	KUNIT_EXPECT_EQ(test, ft->nr_buckets, 16U);
	KUNIT_EXPECT_EQ(test, ft->ways, 1U);
	aq_flowtable_destroy(ft);
}

static void ft_insert_lookup(struct kunit *test)
{
	struct ft_rec *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct ft_rec *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct aq_flowtable *ft;
	struct aq_flow_key k;
	struct ft_seen seen;
	unsigned int calls = 0;
	int sentinel;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	ft = ft_new(test, 128, 8, 1000 * MS);

	KUNIT_EXPECT_EQ(test, ft_up(ft, a, 1, 10 * MS, false), -ENOENT);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 0U);
	KUNIT_EXPECT_EQ(test, ft_up(ft, a, 1, 10 * MS, true), 0);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 1U);
	KUNIT_EXPECT_EQ(test, ft_up(ft, a, 1, 11 * MS, false), 0);
	KUNIT_EXPECT_EQ(test, ft_up(ft, a, 1, 11 * MS, true), 0);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 1U);

	ft_key(&k, 1);
	KUNIT_EXPECT_EQ(test, aq_flowtable_update(ft, &k, a, 12 * MS, false,
						  ft_fn_read, &seen), 0);
	KUNIT_EXPECT_EQ(test, seen.bytes, 3ULL);
	KUNIT_EXPECT_EQ(test, seen.last_ns, 11 * MS);
	KUNIT_EXPECT_EQ(test, seen.isn, 1U);
	KUNIT_EXPECT_FALSE(test, seen.is_new);
	/* The table keeps the newest time: an older packet does not rewind. */
	KUNIT_EXPECT_EQ(test, aq_flowtable_update(ft, &k, a, 5 * MS, false,
						  ft_fn_read, &seen), 0);
	KUNIT_EXPECT_EQ(test, seen.last_ns, 12 * MS);
	KUNIT_EXPECT_EQ(test, aq_flowtable_update(ft, &k, a, 13 * MS, false,
						  ft_fn_read, &seen), 0);
	KUNIT_EXPECT_EQ(test, seen.last_ns, 12 * MS);

	/* Other key, other owner: not found. */
	KUNIT_EXPECT_EQ(test, ft_up(ft, a, 2, 13 * MS, false), -ENOENT);
	KUNIT_EXPECT_EQ(test, ft_up(ft, b, 1, 13 * MS, false), -ENOENT);
	KUNIT_EXPECT_EQ(test, ft_up(ft, b, 1, 13 * MS, true), 0);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 2U);

	/* End verdict: callback once, with the update's arg as ctx. */
	KUNIT_EXPECT_EQ(test, aq_flowtable_update(ft, &k, a, 14 * MS, false,
						  ft_fn_fin, &sentinel), 0);
	KUNIT_EXPECT_EQ(test, a->ends[AQ_END_FIN], 1U);
	KUNIT_EXPECT_EQ(test, ft_total_ends(a), 1U);
	KUNIT_EXPECT_PTR_EQ(test, a->last_ctx, (void *)&sentinel);
	KUNIT_EXPECT_EQ(test, a->end_now[1], 14 * MS);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 1U);
	KUNIT_EXPECT_EQ(test, ft_up(ft, a, 1, 15 * MS, false), -ENOENT);
	KUNIT_EXPECT_EQ(test, ft_total_ends(b), 0U);

	/* Restart: the old flow ends (REUSE), fn runs again on a new one. */
	KUNIT_EXPECT_EQ(test, ft_up(ft, a, 0, 16 * MS, true), 0);
	ft_key(&k, 0);
	KUNIT_EXPECT_EQ(test, aq_flowtable_update(ft, &k, a, 17 * MS, true,
						  ft_fn_restart, &calls), 0);
	KUNIT_EXPECT_EQ(test, calls, 2U);
	KUNIT_EXPECT_EQ(test, a->ends[AQ_END_REUSE], 1U);
	KUNIT_EXPECT_EQ(test, a->id_ends[0], 1U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_update(ft, &k, a, 18 * MS, false,
						  ft_fn_read, &seen), 0);
	KUNIT_EXPECT_EQ(test, seen.bytes, 100ULL);
	KUNIT_EXPECT_EQ(test, seen.isn, 1U);
	KUNIT_EXPECT_EQ(test, seen.last_ns, 17 * MS);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 2U);
	KUNIT_EXPECT_EQ(test, ft_total_ends(a), 2U);

	KUNIT_EXPECT_EQ(test, aq_flowtable_flush(ft, a, 20 * MS), 1U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_flush(ft, b, 20 * MS), 1U);
	KUNIT_EXPECT_EQ(test, a->bad + b->bad, 0U);
	aq_flowtable_destroy(ft);
}

/* One bucket of 8 ways: the 9th flow collides; idle ways make room. */
static void ft_full_bucket(struct kunit *test)
{
	struct ft_rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct aq_flowtable *ft;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	ft = ft_new(test, 8, 8, 100 * MS);
	KUNIT_ASSERT_EQ(test, ft->nr_buckets, 1U);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, ft_up(ft, r, i, (10 + i) * MS, true), 0);
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, 8, 50 * MS, true), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, 8, 50 * MS, false), -ENOENT);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 8U);
	KUNIT_EXPECT_EQ(test, ft_total_ends(r), 0U);

	/* At 110 ms nothing is idle yet (idle means > timeout). */
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, 8, 110 * MS, true), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ft_total_ends(r), 0U);

	/* At 112 ms flows 0 and 1 (10, 11 ms) are idle: both end. */
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, 8, 112 * MS, true), 0);
	KUNIT_EXPECT_EQ(test, r->ends[AQ_END_TIMEOUT], 2U);
	KUNIT_EXPECT_EQ(test, r->id_ends[0], 1U);
	KUNIT_EXPECT_EQ(test, r->id_ends[1], 1U);
	KUNIT_EXPECT_EQ(test, r->id_ends[2], 0U);
	KUNIT_EXPECT_EQ(test, r->end_now[0], 112 * MS);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 7U);
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, 0, 112 * MS, false), -ENOENT);
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, 9, 112 * MS, true), 0);
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, 10, 112 * MS, true), -ENOSPC);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 8U);

	/* An idle matched entry ends even when nothing is created. */
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, 5, 116 * MS, false), -ENOENT);
	KUNIT_EXPECT_EQ(test, r->ends[AQ_END_TIMEOUT], 3U);
	KUNIT_EXPECT_EQ(test, r->id_ends[5], 1U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 7U);
	/* With create, it is ended and made anew. */
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, 6, 117 * MS, true), 0);
	KUNIT_EXPECT_EQ(test, r->ends[AQ_END_TIMEOUT], 4U);
	KUNIT_EXPECT_EQ(test, r->id_ends[6], 1U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 7U);

	KUNIT_EXPECT_EQ(test, aq_flowtable_flush(ft, r, 200 * MS), 7U);
	KUNIT_EXPECT_EQ(test, ft_total_ends(r), 11U);
	/* Flow 6 and its successor both ended; 10 never existed. */
	for (i = 0; i < 11; i++)
		KUNIT_EXPECT_EQ_MSG(test, r->id_ends[i],
				    i == 10 ? 0U : i == 6 ? 2U : 1U,
				    "flow %u", i);
	KUNIT_EXPECT_EQ(test, r->bad, 0U);
	aq_flowtable_destroy(ft);
}

/*
 * 4 buckets of 2 ways: fill every way with flows chosen by their bucket,
 * then every further flow is refused; the table is full at 8.
 */
static void ft_full_table(struct kunit *test)
{
	struct ft_rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int used[4] = {}, filled[8], c, i, n = 0, refused = 0;
	struct aq_flowtable *ft;
	u32 bk;

	KUNIT_ASSERT_NOT_NULL(test, r);
	ft = ft_new(test, 8, 2, 100 * MS);
	KUNIT_ASSERT_EQ(test, ft->nr_buckets, 4U);
	for (c = 0; c < FT_IDS && n < 8; c++) {
		bk = ft_bucket(ft, c);
		if (used[bk] == 2)
			continue;
		KUNIT_EXPECT_EQ(test, ft_up(ft, r, c, MS + c, true), 0);
		used[bk]++;
		filled[n++] = c;
	}
	KUNIT_ASSERT_EQ(test, n, 8U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 8U);
	for (; c < FT_IDS && refused < 20; c++, refused++)
		KUNIT_EXPECT_EQ_MSG(test, ft_up(ft, r, c, 50 * MS, true),
				    -ENOSPC, "client %u", c);
	KUNIT_EXPECT_EQ(test, refused, 20U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 8U);
	KUNIT_EXPECT_EQ(test, ft_total_ends(r), 0U);

	/* Refresh all but filled[0] at 60 ms; at 150 ms only it is idle. */
	for (i = 1; i < 8; i++)
		KUNIT_EXPECT_EQ(test, ft_up(ft, r, filled[i], 60 * MS, false),
				0);
	bk = ft_bucket(ft, filled[0]);
	for (; c < FT_IDS; c++)
		if (ft_bucket(ft, c) == bk)
			break;
	KUNIT_ASSERT_LT(test, c, (unsigned int)FT_IDS);
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, c, 100 * MS, true), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ft_total_ends(r), 0U);
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, c, 150 * MS, true), 0);
	KUNIT_EXPECT_EQ(test, r->ends[AQ_END_TIMEOUT], 1U);
	KUNIT_EXPECT_EQ(test, r->id_ends[filled[0]], 1U);
	KUNIT_EXPECT_EQ(test, ft_total_ends(r), 1U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 8U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_flush(ft, r, 150 * MS), 8U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 0U);
	KUNIT_EXPECT_EQ(test, r->bad, 0U);
	aq_flowtable_destroy(ft);
}

/* ways = 1: the paper's one-slot table, index = hash % entries. */
static void ft_one_slot(struct kunit *test)
{
	struct ft_rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int owner_of[16], c, ok = 0, nospc = 0, want_ok = 0;
	struct aq_flowtable *ft;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, r);
	ft = ft_new(test, 16, 1, 100 * MS);
	KUNIT_ASSERT_EQ(test, ft->nr_buckets, 16U);
	memset(owner_of, 0xff, sizeof(owner_of));
	for (c = 0; c < 64; c++) {
		u32 bk = ft_bucket(ft, c);
		bool fresh = owner_of[bk] == U32_MAX;

		ret = ft_up(ft, r, c, MS, true);
		KUNIT_EXPECT_EQ_MSG(test, ret, fresh ? 0 : -ENOSPC,
				    "client %u bucket %u", c, bk);
		if (fresh) {
			owner_of[bk] = c;
			want_ok++;
		}
		ok += ret == 0;
		nospc += ret == -ENOSPC;
	}
	KUNIT_EXPECT_EQ(test, ok, want_ok);
	KUNIT_EXPECT_EQ(test, ok + nospc, 64U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), want_ok);
	KUNIT_EXPECT_EQ(test, ft_total_ends(r), 0U);

	/* A colliding flow takes the slot of an idle flow. */
	for (c = 64; c < FT_IDS; c++)
		if (owner_of[ft_bucket(ft, c)] != U32_MAX)
			break;
	KUNIT_ASSERT_LT(test, c, (unsigned int)FT_IDS);
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, c, 50 * MS, true), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ft_up(ft, r, c, 102 * MS, true), 0);
	KUNIT_EXPECT_EQ(test, r->ends[AQ_END_TIMEOUT], 1U);
	KUNIT_EXPECT_EQ(test, r->id_ends[owner_of[ft_bucket(ft, c)]], 1U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), want_ok);
	KUNIT_EXPECT_EQ(test, aq_flowtable_flush(ft, r, 200 * MS), want_ok);
	KUNIT_EXPECT_EQ(test, ft_total_ends(r), want_ok + 1);
	KUNIT_EXPECT_EQ(test, r->bad, 0U);
	aq_flowtable_destroy(ft);
}

static void ft_expire_walk(struct kunit *test)
{
	struct ft_rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int c, calls, n, made_old = 0, made = 0;
	struct aq_flowtable *ft;

	KUNIT_ASSERT_NOT_NULL(test, r);
	ft = ft_new(test, 1024, 8, 100 * MS);
	KUNIT_ASSERT_EQ(test, ft->nr_buckets, 128U);
	for (c = 0; c < 200; c++) {
		int ret = ft_up(ft, r, c, (c < 50 ? 1 : 150) * MS, true);

		KUNIT_EXPECT_TRUE(test, ret == 0 || ret == -ENOSPC);
		made += ret == 0;
		made_old += ret == 0 && c < 50;
	}
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), made);
	KUNIT_EXPECT_EQ(test, aq_flowtable_expire(ft, 101 * MS,
						  ft->nr_buckets), 0U);
	KUNIT_EXPECT_EQ(test, ft->expire_cursor, 0U);

	/* Chunks of 16 buckets; the cursor moves and wraps. */
	n = aq_flowtable_expire(ft, 200 * MS, 16);
	KUNIT_EXPECT_EQ(test, ft->expire_cursor, 16U);
	for (calls = 1; calls < 128 / 16; calls++)
		n += aq_flowtable_expire(ft, 200 * MS, 16);
	KUNIT_EXPECT_EQ(test, ft->expire_cursor, 0U);
	KUNIT_EXPECT_EQ(test, n, made_old);
	KUNIT_EXPECT_EQ(test, r->ends[AQ_END_TIMEOUT], made_old);
	KUNIT_EXPECT_PTR_EQ(test, r->last_ctx, NULL);
	for (c = 0; c < 50; c++)
		if (r->id_ends[c])
			KUNIT_EXPECT_EQ(test, r->end_now[c], 200 * MS);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), made - made_old);
	/* A budget above the table size visits each bucket once. */
	KUNIT_EXPECT_EQ(test, aq_flowtable_expire(ft, 200 * MS, 1000), 0U);
	KUNIT_EXPECT_EQ(test, ft->expire_cursor, 0U);
	/* A start in the middle: 3 buckets from 125 wrap to 0. */
	ft->expire_cursor = 125;
	aq_flowtable_expire(ft, 200 * MS, 3);
	KUNIT_EXPECT_EQ(test, ft->expire_cursor, 0U);
	/* Exactly at the timeout: not idle; 1 ns later: idle. */
	KUNIT_EXPECT_EQ(test, aq_flowtable_expire(ft, 250 * MS, 128), 0U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_expire(ft, 250 * MS + 1, 128),
			made - made_old);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 0U);
	KUNIT_EXPECT_EQ(test, ft_total_ends(r), made);
	for (c = 0; c < 200; c++)
		KUNIT_EXPECT_LE(test, r->id_ends[c], 1U);
	KUNIT_EXPECT_EQ(test, r->bad, 0U);
	aq_flowtable_destroy(ft);
}

static int ft_fin(struct aq_flowtable *ft, struct ft_rec *owner,
		  unsigned int client, u64 now)
{
	struct aq_flow_key k;

	ft_key(&k, client);
	return aq_flowtable_update(ft, &k, owner, now, false, ft_fn_fin,
				   NULL);
}

static int ft_restart(struct aq_flowtable *ft, struct ft_rec *owner,
		      unsigned int client, u64 now, unsigned int *calls)
{
	struct aq_flow_key k;

	ft_key(&k, client);
	return aq_flowtable_update(ft, &k, owner, now, true, ft_fn_restart,
				   calls);
}

static void ft_flush_owner(struct kunit *test)
{
	struct ft_rec *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct ft_rec *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	unsigned int c, na = 0, nb = 0;
	bool mb[100];
	struct aq_flowtable *ft;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	ft = ft_new(test, 1024, 8, 100 * MS);
	for (c = 0; c < 100; c++) {
		na += ft_up(ft, a, c, MS, true) == 0;
		/* The same tuples for another owner: distinct flows. */
		mb[c] = ft_up(ft, b, c, MS, true) == 0;
		nb += mb[c];
	}
	KUNIT_EXPECT_GE(test, na + nb, 150U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), na + nb);
	KUNIT_EXPECT_EQ(test, aq_flowtable_flush(ft, a, 2 * MS), na);
	KUNIT_EXPECT_EQ(test, a->ends[AQ_END_FLUSH], na);
	KUNIT_EXPECT_EQ(test, ft_total_ends(a), na);
	KUNIT_EXPECT_EQ(test, ft_total_ends(b), 0U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), nb);
	KUNIT_EXPECT_EQ(test, aq_flowtable_flush(ft, a, 2 * MS), 0U);
	for (c = 0; c < 100; c++) {
		KUNIT_EXPECT_LE(test, a->id_ends[c], 1U);
		KUNIT_EXPECT_EQ(test, ft_up(ft, a, c, 3 * MS, false), -ENOENT);
		KUNIT_EXPECT_EQ(test, ft_up(ft, b, c, 3 * MS, false),
				mb[c] ? 0 : -ENOENT);
	}
	KUNIT_EXPECT_EQ(test, aq_flowtable_flush(ft, b, 4 * MS), nb);
	KUNIT_EXPECT_EQ(test, b->ends[AQ_END_FLUSH], nb);
	KUNIT_EXPECT_EQ(test, b->end_now[0], mb[0] ? 4 * MS : 0);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 0U);
	KUNIT_EXPECT_EQ(test, a->bad + b->bad, 0U);
	aq_flowtable_destroy(ft);
}

/* Every created flow ends exactly once, whatever ends it. */
static void ft_end_exactly_once(struct kunit *test)
{
	struct ft_rec *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int c, created = 0, calls = 0;
	struct aq_flowtable *ft;
	bool made[64];

	KUNIT_ASSERT_NOT_NULL(test, r);
	ft = ft_new(test, 256, 4, 100 * MS);
	/* Flow 5 first: it always finds room. */
	made[5] = ft_up(ft, r, 5, MS, true) == 0;
	KUNIT_ASSERT_TRUE(test, made[5]);
	created++;
	for (c = 0; c < 64; c++) {
		if (c == 5)
			continue;
		made[c] = ft_up(ft, r, c, MS, true) == 0;
		created += made[c];
	}
	KUNIT_EXPECT_GE(test, created, 48U);
	/*
	 * By c % 4: 0 FIN, 1 lazy timeout, 2 walker timeout, 3 flush.
	 * Flow 5 is restarted first (REUSE); its successor has id 1.
	 */
	KUNIT_EXPECT_EQ(test, ft_restart(ft, r, 5, 3 * MS, &calls), 0);
	KUNIT_EXPECT_EQ(test, calls, 2U);
	created++;
	for (c = 0; c < 64; c++) {
		if (!made[c])
			continue;
		if (c % 4 == 0)
			KUNIT_EXPECT_EQ(test, ft_fin(ft, r, c, 2 * MS), 0);
		else if (c % 4 == 3)
			KUNIT_EXPECT_EQ(test, ft_up(ft, r, c, 100 * MS, false),
					0);
	}
	/* A FIN'ed flow is gone: a second FIN finds nothing. */
	for (c = 0; c < 64; c += 4)
		KUNIT_EXPECT_EQ(test, ft_fin(ft, r, c, 4 * MS), -ENOENT);
	for (c = 1; c < 64; c += 4)
		KUNIT_EXPECT_EQ(test, ft_up(ft, r, c, 150 * MS, false),
				-ENOENT);
	aq_flowtable_expire(ft, 150 * MS, ft->nr_buckets);
	aq_flowtable_expire(ft, 150 * MS, ft->nr_buckets);
	KUNIT_EXPECT_EQ(test, ft_total_ends(r) + aq_flowtable_count(ft),
			created);
	aq_flowtable_flush(ft, r, 150 * MS);
	aq_flowtable_flush(ft, r, 150 * MS);
	aq_flowtable_expire(ft, 1000 * MS, ft->nr_buckets);

	KUNIT_EXPECT_EQ(test, aq_flowtable_count(ft), 0U);
	KUNIT_EXPECT_EQ(test, ft_total_ends(r), created);
	KUNIT_EXPECT_EQ(test, r->ends[AQ_END_REUSE], 1U);
	KUNIT_EXPECT_EQ(test, r->ends[AQ_END_FIN] + r->ends[AQ_END_TIMEOUT] +
			r->ends[AQ_END_FLUSH] + 1, created);
	for (c = 0; c < 64; c++)
		KUNIT_EXPECT_EQ_MSG(test, r->id_ends[c],
				    made[c] + (c == 1 ? 1U : 0U), "flow %u", c);
	KUNIT_EXPECT_EQ(test, r->bad, 0U);
	aq_flowtable_destroy(ft);
}

static struct kunit_case aq_flowtable_cases[] = {
	KUNIT_CASE(ft_create_params),
	KUNIT_CASE(ft_insert_lookup),
	KUNIT_CASE(ft_full_bucket),
	KUNIT_CASE(ft_full_table),
	KUNIT_CASE(ft_one_slot),
	KUNIT_CASE(ft_expire_walk),
	KUNIT_CASE(ft_flush_owner),
	KUNIT_CASE(ft_end_exactly_once),
	{}
};

static struct kunit_suite aq_flowtable_suite = {
	.name = "aquarius_flowtable",
	.test_cases = aq_flowtable_cases,
};

kunit_test_suite(aq_flowtable_suite);
