// SPDX-License-Identifier: GPL-2.0
/*
 * Aquarius: bounded, set-associative flow table with striped locks.
 *
 * Layout: bucket b owns entries [b * ways, (b + 1) * ways) of @flows and
 * the same indexes of @tags. A tag is the flow's 32-bit hash
 * (aq_flowtable_hash()) with the low bit forced to 1, so 0 means free; the
 * hash's low bits select the bucket. The hash key is random, so nobody
 * outside can aim many flows at one bucket. A lookup compares the tags of
 * the bucket first (16 ways: 64 bytes, one cache line) and reads an entry
 * only on a tag match.
 *
 * Locking: bucket b is protected by locks[b & (nr_locks - 1)].lock. Every
 * read or write of a tag or an entry happens under that lock, including
 * the end callback. The _bh variants are used so the packet path may run
 * from process context (local output) as well as from softirq, and the
 * expiry walker from a work item.
 *
 * Lifetime: an entry is created in aq_flowtable_update() and ended only in
 * aq_ft_finish(), which calls the end callback and clears the tag under the
 * lock: each created entry is ended exactly once.
 */
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "flowtable.h"

struct aq_flowtable *aq_flowtable_create(unsigned int entries,
					 unsigned int ways, u64 timeout_ns,
					 aq_flow_end_fn end)
{
	struct aq_flowtable *ft;
	unsigned int i;

	BUILD_BUG_ON(sizeof(struct aq_flow_key) != 40);
	BUILD_BUG_ON(sizeof(struct aq_flow) != 128);

	if (!end || !ways || ways > AQ_FT_MAX_WAYS || !is_power_of_2(ways))
		return ERR_PTR(-EINVAL);
	if (!entries)
		entries = AQ_FT_DEFAULT_ENTRIES;
	entries = min_t(unsigned int, entries, AQ_FT_MAX_ENTRIES);
	entries = roundup_pow_of_two(entries);
	entries = max_t(unsigned int, entries, ways);

	ft = kzalloc(sizeof(*ft), GFP_KERNEL);
	if (!ft)
		return ERR_PTR(-ENOMEM);
	ft->ways = ways;
	ft->nr_buckets = entries / ways;
	ft->nr_locks = min_t(u32, ft->nr_buckets, AQ_FT_MAX_LOCKS);
	ft->bucket_mask = ft->nr_buckets - 1;
	ft->lock_mask = ft->nr_locks - 1;
	ft->timeout_ns = timeout_ns;
	ft->end = end;
	ft->flows = kvcalloc(entries, sizeof(*ft->flows), GFP_KERNEL);
	ft->tags = kvcalloc(entries, sizeof(*ft->tags), GFP_KERNEL);
	ft->locks = kvcalloc(ft->nr_locks, sizeof(*ft->locks), GFP_KERNEL);
	if (!ft->flows || !ft->tags || !ft->locks) {
		aq_flowtable_destroy(ft);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < ft->nr_locks; i++)
		spin_lock_init(&ft->locks[i].lock);
	get_random_bytes(&ft->key, sizeof(ft->key));
	return ft;
}

/* Frees the memory only: end or flush the flows first if they matter. */
void aq_flowtable_destroy(struct aq_flowtable *ft)
{
	if (!ft)
		return;
	kvfree(ft->flows);
	kvfree(ft->tags);
	kvfree(ft->locks);
	kfree(ft);
}

/* End entry idx: callback, then free. Bucket lock held. */
void aq_ft_finish(struct aq_flowtable *ft, u32 idx, u64 now_ns,
		  unsigned int reason, void *ctx)
{
	struct aq_flow *f = &ft->flows[idx];

	lockdep_assert_held(aq_ft_lock(ft, idx / ft->ways));
	ft->end(f, now_ns, reason, ctx);
	memset(f, 0, sizeof(*f));
	ft->tags[idx] = 0;
}

static void aq_ft_init_entry(struct aq_flow *f, const struct aq_flow_key *key,
			     void *owner, u64 now_ns)
{
	memset(f, 0, sizeof(*f));
	if (key->family == AF_INET) {	/* words 0 and 4 (aq_flow_key_eq()) */
		f->key.w[0] = key->w[0];
		f->key.w[4] = key->w[4];
	} else {
		f->key = *key;
	}
	f->owner = owner;
	f->last_ns = now_ns;
}

/* First free way of the bucket at @base, or U32_MAX. */
static u32 aq_ft_free_way(const struct aq_flowtable *ft, u32 base)
{
	u32 i;

	for (i = base; i < base + ft->ways; i++)
		if (!ft->tags[i])
			return i;
	return U32_MAX;
}

int aq_ft_miss(struct aq_flowtable *ft, u32 base, u32 tag, u32 idx,
	       const struct aq_flow_key *key, void *owner, u64 now_ns,
	       bool create, void *arg)
{
	u32 i, free_idx = U32_MAX;

	lockdep_assert_held(aq_ft_lock(ft, base / ft->ways));
	if (idx != U32_MAX) {
		/* The flow timed out: end it; a new one may take its place. */
		aq_ft_finish(ft, idx, now_ns, AQ_END_TIMEOUT, arg);
		free_idx = idx;
	}
	if (!create)
		return -ENOENT;
	if (free_idx == U32_MAX)
		free_idx = aq_ft_free_way(ft, base);
	if (free_idx == U32_MAX) {
		/* Bucket full: idle entries count as free. */
		for (i = base; i < base + ft->ways; i++) {
			if (!aq_ft_idle(ft, &ft->flows[i], now_ns))
				continue;
			aq_ft_finish(ft, i, now_ns, AQ_END_TIMEOUT, arg);
			if (free_idx == U32_MAX)
				free_idx = i;
		}
	}
	if (free_idx == U32_MAX)
		return -ENOSPC;
	aq_ft_init_entry(&ft->flows[free_idx], key, owner, now_ns);
	ft->tags[free_idx] = tag;
	return free_idx;
}

int aq_ft_restart(struct aq_flowtable *ft, struct aq_flow *f,
		  const struct aq_flow_key *key, void *owner, u64 now_ns,
		  aq_flow_fn fn, void *arg)
{
	int r;

	lockdep_assert_held(aq_ft_lock(ft, (f - ft->flows) / ft->ways));
	/* The old flow ends at its own last packet. */
	ft->end(f, now_ns, AQ_END_REUSE, arg);
	aq_ft_init_entry(f, key, owner, now_ns);
	r = fn(f, true, arg);
	return r == AQ_FV_RESTART ? AQ_FV_KEEP : r;
}

int aq_flowtable_update(struct aq_flowtable *ft, const struct aq_flow_key *key,
			void *owner, u64 now_ns, bool create, aq_flow_fn fn,
			void *arg)
{
	return aq_flowtable_update_inline(ft, key, owner, now_ns, create, fn,
					  arg);
}

unsigned int aq_flowtable_expire(struct aq_flowtable *ft, u64 now_ns,
				 unsigned int budget)
{
	unsigned int ended = 0;
	u32 bucket = ft->expire_cursor, i;

	budget = min_t(unsigned int, budget, ft->nr_buckets);
	while (budget--) {
		spinlock_t *lock = aq_ft_lock(ft, bucket);
		u32 base = bucket * ft->ways;

		spin_lock_bh(lock);
		for (i = base; i < base + ft->ways; i++) {
			if (ft->tags[i] && aq_ft_idle(ft, &ft->flows[i], now_ns)) {
				aq_ft_finish(ft, i, now_ns, AQ_END_TIMEOUT,
					     NULL);
				ended++;
			}
		}
		spin_unlock_bh(lock);
		bucket = (bucket + 1) & (ft->nr_buckets - 1);
	}
	ft->expire_cursor = bucket;
	return ended;
}

unsigned int aq_flowtable_flush_backend(struct aq_flowtable *ft, void *owner,
					int backend, u64 now_ns)
{
	unsigned int ended = 0;
	u32 bucket, i;

	for (bucket = 0; bucket < ft->nr_buckets; bucket++) {
		spinlock_t *lock = aq_ft_lock(ft, bucket);
		u32 base = bucket * ft->ways;

		spin_lock_bh(lock);
		for (i = base; i < base + ft->ways; i++) {
			if (ft->tags[i] && ft->flows[i].owner == owner &&
			    (backend < 0 || ft->flows[i].backend == backend)) {
				aq_ft_finish(ft, i, now_ns, AQ_END_FLUSH,
					     NULL);
				ended++;
			}
		}
		spin_unlock_bh(lock);
	}
	return ended;
}

unsigned int aq_flowtable_flush(struct aq_flowtable *ft, void *owner,
				u64 now_ns)
{
	return aq_flowtable_flush_backend(ft, owner, -1, now_ns);
}

unsigned int aq_flowtable_count(struct aq_flowtable *ft)
{
	unsigned int n = 0;
	u32 bucket, i;

	for (bucket = 0; bucket < ft->nr_buckets; bucket++) {
		spinlock_t *lock = aq_ft_lock(ft, bucket);
		u32 base = bucket * ft->ways;

		spin_lock_bh(lock);
		for (i = base; i < base + ft->ways; i++)
			n += ft->tags[i] != 0;
		spin_unlock_bh(lock);
	}
	return n;
}
