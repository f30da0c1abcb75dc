/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Aquarius: bounded, set-associative flow table with striped locks.
 *
 * An entry is found by a keyed 32-bit hash of its 5-tuple (hsiphash, see
 * aq_flowtable_hash()): the low bits pick a bucket of `ways` entries, and
 * the whole hash is kept as a tag so that a scan reads the bucket's tags
 * (one cache line for 16 ways) before any entry. An entry's
 * state is changed only under the lock of its bucket. Entries are created
 * and ended only through this file, which guarantees that the end callback
 * runs exactly once per created entry.
 */
#ifndef AQ_FLOWTABLE_H
#define AQ_FLOWTABLE_H

#include <linux/types.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/siphash.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>
#include <linux/string.h>

#define AQ_FT_DEFAULT_ENTRIES	65536
#define AQ_FT_MAX_ENTRIES	(4U * 1024 * 1024)
#define AQ_FT_DEFAULT_WAYS	16
#define AQ_FT_MAX_WAYS		16
#define AQ_FT_MAX_LOCKS		1024

/**
 * struct aq_flow_key - what identifies a flow (fill it with aq_flow_key_init())
 * @addr: IPv6: the client's address, then the backend's. IPv4: word 0
 *	(w[0]) is (u64)backend << 32 | client, each address as the u32 of its
 *	four bytes in memory order, and the other 24 bytes zero, which no
 *	comparison reads: an IPv4 flow is its words 0 and 4
 *	(aq_flow_key_eq()).
 * @sport: client port, host order.
 * @dport: backend port, host order.
 * @family: AF_INET or AF_INET6.
 * @proto: IPPROTO_TCP or IPPROTO_UDP.
 * @pad: zero.
 * @w: the same 40 bytes as words.
 */
struct aq_flow_key {
	union {
		struct {
			u8 addr[32];
			u16 sport;
			u16 dport;
			u8 family;
			u8 proto;
			u8 pad[2];
		};
		u64 w[5];
	};
} __aligned(8);

/*
 * Two keys are the same flow: words 0 and 4 of IPv4 keys (word 4 holds
 * the family), all 40 bytes of others.
 */
static inline bool aq_flow_key_eq(const struct aq_flow_key *a,
				  const struct aq_flow_key *b)
{
	if (a->family == AF_INET)
		return !((a->w[0] ^ b->w[0]) | (a->w[4] ^ b->w[4]));
	return !((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) |
		 (a->w[2] ^ b->w[2]) | (a->w[3] ^ b->w[3]) |
		 (a->w[4] ^ b->w[4]));
}

/* Flow states (struct aq_flow.state). */
enum aq_flow_state {
	AQ_FS_NULL = 0,	/* free entry */
	AQ_FS_SYN,	/* TCP: SYN seen, handshake not completed */
	AQ_FS_CONN,	/* TCP: handshake ACK seen; UDP: always */
};

/* Why a flow ended (argument of the end callback). */
enum aq_flow_end_reason {
	AQ_END_FIN,	/* client FIN */
	AQ_END_RST,	/* client RST */
	AQ_END_TIMEOUT,	/* idle longer than the table's timeout */
	AQ_END_REUSE,	/* new SYN on the tuple of an unfinished flow */
	AQ_END_FLUSH,	/* its VIP is going away */
	AQ_NR_END_REASONS
};

/* aq_flow.flags */
#define AQ_FF_TS_CAL	0x01	/* ts_base/syn_ns calibrate tsecr */
#define AQ_FF_REQ	0x02	/* a request is waiting for its first reply */
#define AQ_FF_REPLIED	0x04	/* the current request got a reply already */
#define AQ_FF_ADV1	0x08	/* last ACK advance was 1 byte w/o payload */

/**
 * struct aq_flow - one flow table entry (two cache lines)
 * @key: the 5-tuple.
 * @owner: opaque owner (the VIP's struct aq_stats); NULL when free.
 * @start_ns: first packet (SYN for TCP).
 * @last_ns: last packet; idle expiry compares it with the timeout.
 * @syn_ns: time of the (last) SYN; tsecr calibration point.
 * @req_ns: time of the last request (client segment with payload).
 * @bytes: UDP: payload bytes so far.
 * @isn: TCP: client's initial sequence number.
 * @snd_nxt: TCP: highest client sequence number + length seen.
 * @first_ack: TCP: ack of the handshake ACK (server ISN + 1).
 * @last_ack: TCP: highest ack seen.
 * @last_win: TCP: last scaled window of an ACK.
 * @ts_base: TCP: tsecr of the handshake ACK (server's SYN-ACK tsval).
 * @state: enum aq_flow_state.
 * @backend: backend column of the owner.
 * @wscale: client's window scale from its SYN (0 without the option).
 * @flags: AQ_FF_*.
 *
 * Fields from @start_ns on belong to features.c; the table itself only
 * uses @key, @owner, @last_ns and @state.
 */
struct aq_flow {
	struct aq_flow_key key;
	void *owner;
	u64 start_ns;
	u64 last_ns;
	/* second cache line */
	u64 syn_ns;
	u64 req_ns;
	u64 bytes;
	u32 isn;
	u32 snd_nxt;
	u32 first_ack;
	u32 last_ack;
	u32 last_win;
	u32 ts_base;
	u8 state;
	u8 backend;
	u8 wscale;
	u8 flags;
} ____cacheline_aligned_in_smp;

/**
 * typedef aq_flow_end_fn - a flow ends
 * @f: the entry, still intact; freed when this returns.
 * @now_ns: current time.
 * @reason: enum aq_flow_end_reason.
 * @ctx: the @arg given to aq_flowtable_update(), or NULL (expiry, flush).
 *
 * Called with the bucket lock held, exactly once per created entry.
 */
typedef void (*aq_flow_end_fn)(struct aq_flow *f, u64 now_ns,
			       unsigned int reason, void *ctx);

/* Return values of an aq_flow_fn. */
#define AQ_FV_KEEP		0	/* keep the entry */
#define AQ_FV_END(reason)	(0x100 | (reason))	/* end it now */
#define AQ_FV_RESTART		0x200	/* end (AQ_END_REUSE), call again new */

/**
 * typedef aq_flow_fn - update a flow under its bucket lock
 * @f: the entry; for a new one only @key, @owner and @last_ns (= now) are
 *	set, the rest is zero (@state AQ_FS_NULL). The table sets @last_ns to
 *	max(@last_ns, now) after @fn returns, so @fn sees the previous
 *	packet's time there and must not write it.
 * @is_new: the entry was just created.
 * @arg: as given to aq_flowtable_update().
 *
 * Return: AQ_FV_KEEP, AQ_FV_END(reason) or AQ_FV_RESTART.
 */
typedef int (*aq_flow_fn)(struct aq_flow *f, bool is_new, void *arg);

/**
 * struct aq_ft_lock - one lock stripe, alone on its cache line
 * @lock: protects every bucket b with b % nr_locks == its index: the tags
 *	of b and all fields of b's entries.
 */
struct aq_ft_lock {
	spinlock_t lock;	/* see above: its buckets and their entries */
} ____cacheline_aligned_in_smp;

/**
 * struct aq_flowtable - the table
 * @flows: nr_buckets * ways entries, bucket b at b * ways.
 * @tags: one u32 per entry, 0 = free; protected like the entry.
 * @locks: nr_locks stripes.
 * @key: hsiphash key, random, set at creation.
 * @end: called when a flow ends.
 * @timeout_ns: idle time after which a flow is ended.
 * @nr_buckets: a power of two.
 * @ways: entries per bucket (1 = the paper's one-slot table).
 * @nr_locks: a power of two, at most @nr_buckets.
 * @bucket_mask: @nr_buckets - 1 (for the packet path).
 * @lock_mask: @nr_locks - 1.
 * @expire_cursor: next bucket for aq_flowtable_expire(); only its
 *	(single) caller touches it.
 */
struct aq_flowtable {
	struct aq_flow *flows;
	u32 *tags;
	struct aq_ft_lock *locks;
	hsiphash_key_t key;
	aq_flow_end_fn end;
	u64 timeout_ns;
	u32 nr_buckets;
	u32 ways;
	u32 nr_locks;
	u32 bucket_mask;
	u32 lock_mask;
	u32 expire_cursor;
};

/**
 * aq_flowtable_create() - allocate a flow table
 * @entries: total entries, rounded up to a power of two, clamped to
 *	[@ways, AQ_FT_MAX_ENTRIES].
 * @ways: entries per bucket, a power of two <= AQ_FT_MAX_WAYS; 1 gives a
 *	direct-mapped table (index = hash % entries) as in the paper.
 * @timeout_ns: idle timeout.
 * @end: flow end callback (required).
 *
 * Return: the table or an ERR_PTR().
 */
struct aq_flowtable *aq_flowtable_create(unsigned int entries,
					 unsigned int ways, u64 timeout_ns,
					 aq_flow_end_fn end);
void aq_flowtable_destroy(struct aq_flowtable *ft);

/**
 * aq_flowtable_hash() - the 32-bit hash of a flow in @ft
 * @ft: the table (its random key).
 * @key: the flow.
 *
 * hsiphash keyed at the table's creation, so that nobody who does not know
 * the key can aim flows at one bucket (hash flooding). hsiphash is the
 * kernel's keyed hash for hash tables: SipHash-1-3 on 64-bit kernels,
 * HalfSipHash-1-3 on 32-bit ones. Only addresses and ports are hashed (the
 * comparison of keys tells protocols and families apart): an IPv4 flow as
 * three 32-bit words (two SipHash compressions on 64-bit), an IPv6 flow as
 * its 36 bytes (five). Both inputs are injective in those fields, so flows
 * collide only through the keyed hash. The low bits select the bucket; the
 * hash with its low bit set is the tag.
 */
static inline u32 aq_flowtable_hash(const struct aq_flowtable *ft,
				    const struct aq_flow_key *key)
{
	u64 a = key->w[0];

	if (key->family != AF_INET)
		return hsiphash(key, offsetof(struct aq_flow_key, family),
				&ft->key);
	return hsiphash_3u32((u32)a, (u32)(a >> 32),
			     (u32)key->sport << 16 | key->dport, &ft->key);
}

/* Fill @key from a parsed packet's fields (zeroes the unused bytes). */
static inline void aq_flow_key_init(struct aq_flow_key *key, u8 family,
				    u8 proto, const u8 *saddr, const u8 *daddr,
				    u16 sport, u16 dport)
{
	if (family == AF_INET) {
		u32 s, d;

		memcpy(&s, saddr, sizeof(s));
		memcpy(&d, daddr, sizeof(d));
		key->w[0] = (u64)d << 32 | s;
		key->w[1] = 0;
		key->w[2] = 0;
		key->w[3] = 0;
	} else {
		memcpy(key->addr, saddr, 16);
		memcpy(key->addr + 16, daddr, 16);
	}
	key->sport = sport;
	key->dport = dport;
	key->family = family;
	key->proto = proto;
	key->pad[0] = 0;
	key->pad[1] = 0;
}

/**
 * aq_flowtable_update() - find (or create) a flow and update it under lock
 * @ft: the table.
 * @key: the flow.
 * @owner: its owner (part of the identity).
 * @now_ns: current time (idle expiry of the matched entry, and of the
 *	bucket's entries when a free way is needed).
 * @create: create the entry if it does not exist.
 * @fn: called with the bucket lock held on the found or created entry.
 * @arg: passed to @fn and, as ctx, to the end callback.
 *
 * Return: 0 if @fn was called; -ENOENT if no entry and !@create; -ENOSPC if
 * an entry was wanted but its bucket has no free way (nothing changed).
 */
int aq_flowtable_update(struct aq_flowtable *ft, const struct aq_flow_key *key,
			void *owner, u64 now_ns, bool create, aq_flow_fn fn,
			void *arg);

/* Internals of aq_flowtable_update_inline() (flowtable.c). */
static inline spinlock_t *aq_ft_lock(const struct aq_flowtable *ft, u32 bucket)
{
	return &ft->locks[bucket & ft->lock_mask].lock;
}

static inline bool aq_ft_idle(const struct aq_flowtable *ft,
			      const struct aq_flow *f, u64 now_ns)
{
	return (s64)(now_ns - f->last_ns) > (s64)ft->timeout_ns;
}

/*
 * Entry @f is the flow @key, as aq_flow_key_eq() with the family known:
 * for an IPv4 key (@v4) words 0 and 4 (an entry with the same word 4 is
 * an IPv4 flow too), as the hash.
 */
static __always_inline bool aq_ft_key_match(const struct aq_flow *f,
					    const struct aq_flow_key *key,
					    bool v4)
{
	if (v4)
		return !((f->key.w[0] ^ key->w[0]) | (f->key.w[4] ^ key->w[4]));
	return !((f->key.w[0] ^ key->w[0]) | (f->key.w[1] ^ key->w[1]) |
		 (f->key.w[2] ^ key->w[2]) | (f->key.w[3] ^ key->w[3]) |
		 (f->key.w[4] ^ key->w[4]));
}

static __always_inline struct aq_flow *
aq_ft_find_in(const struct aq_flowtable *ft, u32 base, u32 tag,
	      const struct aq_flow_key *key, const void *owner, bool v4)
{
	const u32 *t = ft->tags + base, *end = t + ft->ways;

	for (; t != end; t++) {
		struct aq_flow *f;

		if (*t != tag)
			continue;
		f = &ft->flows[t - ft->tags];
		if (f->owner == owner && aq_ft_key_match(f, key, v4))
			return f;
	}
	return NULL;
}

/* Entry of @key and @owner among ways [base, base + ways), or NULL. */
static __always_inline struct aq_flow *
aq_ft_find(const struct aq_flowtable *ft, u32 base, u32 tag,
	   const struct aq_flow_key *key, const void *owner)
{
	if (likely(key->family == AF_INET))
		return aq_ft_find_in(ft, base, tag, key, owner, true);
	return aq_ft_find_in(ft, base, tag, key, owner, false);
}

/* End entry @idx (end callback with @ctx, then free). Bucket lock held. */
void aq_ft_finish(struct aq_flowtable *ft, u32 idx, u64 now_ns,
		  unsigned int reason, void *ctx);
/*
 * No live entry found (@idx: an idle one, ended here, or U32_MAX): the
 * index of a new entry for @key (tag set, the rest as for aq_flow_fn), or
 * -ENOENT (!@create) or -ENOSPC. Bucket lock held.
 */
int aq_ft_miss(struct aq_flowtable *ft, u32 base, u32 tag, u32 idx,
	       const struct aq_flow_key *key, void *owner, u64 now_ns,
	       bool create, void *arg);
/* @fn asked AQ_FV_RESTART: end @f, start it again, call @fn as new. */
int aq_ft_restart(struct aq_flowtable *ft, struct aq_flow *f,
		  const struct aq_flow_key *key, void *owner, u64 now_ns,
		  aq_flow_fn fn, void *arg);

/*
 * aq_flowtable_update_inline() in two halves, for a caller that updates
 * the entry in its own code, where its own values stay in registers
 * (features.c's packet path). aq_ft_get() returns the live entry of @key,
 * whose aq_flowtable_hash() is @h (computed by the caller, where it suits
 * its registers: a call), created if need be (*@is_new), or
 * ERR_PTR(-ENOENT / -ENOSPC); with the bucket lock *@lockp held in both
 * cases. On an error the caller releases it; otherwise it updates the
 * entry as an aq_flow_fn would and passes the verdict to aq_ft_put(),
 * with the @fn that aq_ft_restart() calls for AQ_FV_RESTART, which
 * releases it. (One unlock on each path of the caller, as sparse's lock
 * context checking wants.) The hit of a live flow is handled inline;
 * misses, restarts and ends out of line.
 */
static __always_inline struct aq_flow *
aq_ft_get(struct aq_flowtable *ft, const struct aq_flow_key *key, u32 h,
	  void *owner, u64 now_ns, bool create, void *arg, spinlock_t **lockp,
	  bool *is_new)
{
	u32 bucket = h & ft->bucket_mask;
	u32 tag = h | 1;
	u32 base = bucket * ft->ways;
	spinlock_t *lock = aq_ft_lock(ft, bucket);
	struct aq_flow *f;
	int r;

	/* The bucket's stripe: its tags and its entries (see aq_ft_lock). */
	spin_lock_bh(lock);
	*lockp = lock;
	*is_new = false;
	f = aq_ft_find(ft, base, tag, key, owner);
	if (unlikely(!f || aq_ft_idle(ft, f, now_ns))) {
		r = aq_ft_miss(ft, base, tag, f ? f - ft->flows : U32_MAX,
			       key, owner, now_ns, create, arg);
		if (r < 0)
			return ERR_PTR(r);
		f = &ft->flows[r];
		*is_new = true;
	}
	return f;
}

static __always_inline void aq_ft_put(struct aq_flowtable *ft,
				      struct aq_flow *f, spinlock_t *lock,
				      const struct aq_flow_key *key,
				      void *owner, u64 now_ns, int r,
				      aq_flow_fn fn, void *arg)
{
	if (unlikely(r == AQ_FV_RESTART))
		r = aq_ft_restart(ft, f, key, owner, now_ns, fn, arg);
	if ((s64)(now_ns - f->last_ns) > 0)
		f->last_ns = now_ns;
	if (unlikely(r & 0x100))
		aq_ft_finish(ft, f - ft->flows, now_ns, r & 0xff, arg);
	spin_unlock_bh(lock);
}

/*
 * aq_flowtable_update() as an inline function: a caller that passes a
 * constant @fn gets it inlined.
 */
static __always_inline int
aq_flowtable_update_inline(struct aq_flowtable *ft,
			   const struct aq_flow_key *key, void *owner,
			   u64 now_ns, bool create, aq_flow_fn fn, void *arg)
{
	spinlock_t *lock;	/* held from aq_ft_get() to aq_ft_put() */
	struct aq_flow *f;
	bool is_new;

	f = aq_ft_get(ft, key, aq_flowtable_hash(ft, key), owner, now_ns,
		      create, arg, &lock, &is_new);
	if (IS_ERR(f)) {
		spin_unlock_bh(lock);
		return PTR_ERR(f);
	}
	aq_ft_put(ft, f, lock, key, owner, now_ns, fn(f, is_new, arg), fn,
		  arg);
	return 0;
}

/**
 * aq_flowtable_expire() - end idle flows, a chunk of buckets at a time
 * @ft: the table.
 * @now_ns: current time.
 * @budget: buckets to visit; the walk continues where the last call
 *	stopped, so nr_buckets / budget calls visit the whole table.
 *
 * Only one caller at a time (a timer or a work item).
 * Return: flows ended.
 */
unsigned int aq_flowtable_expire(struct aq_flowtable *ft, u64 now_ns,
				 unsigned int budget);

/**
 * aq_flowtable_flush() - end every flow of @owner (AQ_END_FLUSH)
 * @ft: the table.
 * @owner: the owner going away.
 * @now_ns: current time.
 *
 * Return: flows ended.
 */
unsigned int aq_flowtable_flush(struct aq_flowtable *ft, void *owner,
				u64 now_ns);

/**
 * aq_flowtable_flush_backend() - end every flow of @owner whose @backend
 *	field is @backend (AQ_END_FLUSH); @backend < 0: all of @owner's
 * @ft: the table.
 * @owner: the owner.
 * @backend: the backend column, or < 0.
 * @now_ns: current time.
 *
 * Return: flows ended.
 */
unsigned int aq_flowtable_flush_backend(struct aq_flowtable *ft, void *owner,
					int backend, u64 now_ns);

/* Entries in use (walks the table under the locks; for tests and proc). */
unsigned int aq_flowtable_count(struct aq_flowtable *ft);

#endif /* AQ_FLOWTABLE_H */
