/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Aquarius: per-VIP statistics (counters, reservoirs, snapshots) and the
 * per-packet TCP/UDP state machine that feeds them. The exact update rules
 * are documented at the top of features.c.
 */
/*
 * (Not named features.h: the host tests put kmod/ on the include path, where
 * that name would shadow glibc's <features.h>.)
 */
#ifndef AQ_FEATURES_H
#define AQ_FEATURES_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>

#include <linux/aquarius.h>

#include "packet.h"
#include "flowtable.h"

#define AQ_STATS_MAX_SLOTS	16384	/* per (backend, feature) */

/*
 * Sampled features to collect, bit f for enum aq_feature f (struct
 * aq_stats.features). Counters are always kept. A feature outside the mask
 * is never offered: its offered counter and slots stay 0.
 */
#define AQ_FEATURES_ALL		((1U << AQ_NR_FEATURES) - 1)
/*
 * The paper's 11-feature configuration: n_flow_on (a counter) with the
 * reductions of flow_duration and fct.
 */
#define AQ_FEATURES_PAPER11	((1U << AQ_F_FLOW_DURATION) | (1U << AQ_F_FCT))

/**
 * struct aq_pcpu_stats - one CPU's share of a VIP's counters
 * @counters: per backend, enum aq_counter (n_flow_on wraps as s64).
 * @vip_counters: enum aq_vip_counter.
 * @offered: per backend, the samples this CPU offered, by feature.
 */
struct aq_pcpu_stats {
	u64 counters[AQ_MAX_BACKENDS][AQ_NR_COUNTERS];
	u64 vip_counters[AQ_NR_VIP_COUNTERS];
	u64 offered[AQ_MAX_BACKENDS][AQ_NR_FEATURES];
};

/**
 * struct aq_stats - the statistics of one VIP
 * @hdr: the region header (start of the region).
 * @frames: first frame; frame i at frames + i * frame_size.
 * @offered: [AQ_MAX_BACKENDS][AQ_NR_FEATURES] offered counters in the
 *	region, the sums of the per-CPU ones as of the latest snapshot.
 * @slots: [AQ_MAX_BACKENDS][AQ_NR_FEATURES][nr_slots] reservoir slots.
 * @region_size: bytes of the region.
 * @frame_size: bytes between frames.
 * @nr_slots: reservoir slots, a power of two.
 * @col_size: bytes of a backend's reservoirs (AQ_NR_FEATURES * @nr_slots
 *	slots), for the packet path.
 * @features: sampled features collected, AQ_FEATURES_* bits; all after
 *	aq_stats_init(), set before the first packet (not changed later).
 * @epoch_ns: time of slot time 0.
 * @pcpu: per-CPU counters and offered counters, folded by
 *	aq_stats_snapshot().
 * @last_pkt_ns: per backend, time of the last packet (iat_p); 0 = none.
 * @last_flow_ns: per backend, time of the last new flow (iat_f); 0 = none.
 * @snap_lock: serialises snapshots: protects @seq and the frames.
 * @seq: number of the last snapshot written.
 */
struct aq_stats {
	struct aq_region_header *hdr;
	u8 *frames;
	u64 *offered;
	u64 *slots;
	u32 region_size;
	u32 frame_size;
	u32 nr_slots;
	u32 features;
	u64 col_size;
	u64 epoch_ns;
	struct aq_pcpu_stats __percpu *pcpu;
	atomic64_t last_pkt_ns[AQ_MAX_BACKENDS];
	atomic64_t last_flow_ns[AQ_MAX_BACKENDS];
	spinlock_t snap_lock;	/* protects @seq and the frames */
	u64 seq;
};

/**
 * aq_stats_region_size() - bytes of the region for @nr_slots slots
 * @nr_slots: a power of two in [1, AQ_STATS_MAX_SLOTS].
 *
 * Return: a multiple of PAGE_SIZE, or 0 if @nr_slots is invalid.
 */
size_t aq_stats_region_size(unsigned int nr_slots);

/**
 * aq_stats_init() - set up the statistics of a VIP over its region
 * @s: the object to fill.
 * @region: the region memory, at least aq_stats_region_size() bytes,
 *	cache-line aligned; zeroed here.
 * @size: bytes at @region.
 * @nr_slots: reservoir slots per (backend, feature).
 * @proto: IPPROTO_TCP or IPPROTO_UDP (stored in the header).
 * @epoch_ns: CLOCK_MONOTONIC time of sample time 0 (stored).
 * @interval_ns: snapshot interval (stored, informative).
 *
 * Fills the header's magic, version, sizes, offsets, field tables, epoch.
 * The caller fills name, vip_* and backends[] (and may update backends[]
 * later). Return: 0 or -EINVAL / -ENOMEM.
 */
int aq_stats_init(struct aq_stats *s, void *region, size_t size,
		  unsigned int nr_slots, u8 proto, u64 epoch_ns,
		  u64 interval_ns);

/* Free what aq_stats_init() allocated (not the region). Flush first. */
void aq_stats_destroy(struct aq_stats *s);

/**
 * aq_observe() - account one packet sent by a client to a backend
 * @s: the VIP's statistics.
 * @backend: backend column, < AQ_MAX_BACKENDS (else ignored).
 * @ft: the flow table (NULL: stateless counters only).
 * @pkt: the parsed packet (TCP or UDP).
 * @now_ns: current time.
 *
 * Draws one get_random_u64() per call (see aq_rand_slot()).
 */
void aq_observe(struct aq_stats *s, unsigned int backend,
		struct aq_flowtable *ft, const struct aq_pkt *pkt, u64 now_ns);

/**
 * struct aq_lb_choice - how aq_observe_lb() chooses a flow's backend
 * @pick: the scheduler, for a new flow; a column, or < 0 if no backend
 *	may take new flows.
 * @fallback: the column of a packet of no tracked flow (consistent
 *	hashing, so every packet of that flow goes the same way); or < 0.
 * @ctx: passed to both.
 */
struct aq_lb_choice {
	int (*pick)(void *ctx);
	int (*fallback)(void *ctx);
	void *ctx;
};

/**
 * aq_observe_lb() - account one packet sent by a client to a balanced VIP
 *	and tell which backend it goes to
 * @s: the VIP's statistics.
 * @ft: the flow table (NULL: every packet takes the fallback).
 * @pkt: the parsed packet, addressed to the VIP.
 * @now_ns: current time.
 * @choice: the scheduler and the fallback.
 *
 * A packet of a tracked flow goes to the flow's backend. A packet that
 * starts a flow (TCP SYN, any UDP packet) gets a backend from @choice->pick
 * and a flow entry; if the table has no room for it (n_cls), or for a
 * packet of no tracked flow, @choice->fallback decides. The features are
 * those of aq_observe(), keyed by the VIP's 5-tuple.
 *
 * Return: the backend column, or -1 (drop the packet: nothing to send to).
 */
int aq_observe_lb(struct aq_stats *s, struct aq_flowtable *ft,
		  const struct aq_pkt *pkt, u64 now_ns,
		  const struct aq_lb_choice *choice);

/* Count a packet the VIP saw but could not attribute. */
static inline void aq_stats_vip_inc(struct aq_stats *s,
				    enum aq_vip_counter c)
{
	this_cpu_inc(s->pcpu->vip_counters[c]);
}

/**
 * aq_flow_end() - the flow table's end callback for aq_observe()'s flows
 * @f: the flow; @f->owner is its struct aq_stats.
 * @now_ns: current time.
 * @reason: enum aq_flow_end_reason.
 * @ctx: NULL, or the per-packet context of aq_observe().
 *
 * Pass it to aq_flowtable_create().
 */
void aq_flow_end(struct aq_flow *f, u64 now_ns, unsigned int reason,
		 void *ctx);

/**
 * aq_stats_snapshot() - fold the counters into the next frame
 * @s: the statistics.
 * @now_ns: stored as the frame's time.
 * @active: bitmap of active backends (bit i = column i).
 *
 * Writes the offered counters of the region, then frame n % AQ_NR_FRAMES
 * with the protocol of the uapi header, and publishes n in
 * hdr->latest_seq. Return: n.
 */
u64 aq_stats_snapshot(struct aq_stats *s, u64 now_ns, u64 active);

/* Sum of one counter over the CPUs (for tests and /proc). */
u64 aq_stats_counter(struct aq_stats *s, unsigned int backend,
		     enum aq_counter c);
u64 aq_stats_vip_counter(struct aq_stats *s, enum aq_vip_counter c);
/* Sum of one per-CPU u64 over the CPUs (the counter sums use it). */
u64 aq_pcpu_sum(const u64 __percpu *counter);
/* Sum of one offered counter over the CPUs, live (for the fold and tests). */
u64 aq_stats_offered(struct aq_stats *s, unsigned int backend,
		     enum aq_feature f);

#endif /* AQ_FEATURES_H */
