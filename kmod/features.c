// SPDX-License-Identifier: GPL-2.0
/*
 * Aquarius: feature collection rules.
 *
 * The module sees the client->server direction only (packets to a backend
 * after destination NAT). Times are u64 ns arguments; samples in us are
 * ns differences divided by 1000 (rounded down), negative differences give
 * 0, and every value saturates at the 32-bit limit of its type. A sample's
 * slot time is the packet's time in ms since the epoch (>= 1).
 *
 * Every packet to backend b (TCP or UDP, tracked or not):
 *   n_packet++;
 *   iat_p = now - previous packet to b (no sample for b's first packet).
 *
 * TCP flow states: NULL (no entry) -> SYN -> CONN -> NULL.
 *   Only a SYN without ACK creates an entry. If its bucket has no free way
 *   (after ending idle entries there), the flow is not tracked: n_cls++.
 *
 *   Any packet of a tracked flow other than the one creating it:
 *     iat_ppf = now - the flow's previous packet.
 *
 *   SYN (no ACK) creating an entry: state SYN; start = syn time = now;
 *     n_flow++, n_flow_on++; iat_f = now - previous new flow to b (none for
 *     b's first flow); isn = seq; client window scale = the SYN's wscale
 *     option (0 without it).
 *   SYN (no ACK) on an entry with the same seq: a retransmission: n_rtr++;
 *     in state SYN, syn time = now (the SYN-ACK answers it); in state
 *     CONN it is a late duplicate of the handshake's SYN and changes
 *     nothing else (it must not restart the flow: a balancer would
 *     schedule the established connection again).
 *   SYN (no ACK) with another seq: the old flow ends (reason REUSE, see
 *     "flow end") and the SYN starts a new one as above (port reuse).
 *   SYN with ACK: ignored (after iat_ppf).
 *   RST: the flow ends (reason RST); its ACK field is not used.
 *   Segment without ACK: nothing more.
 *   First ACK in state SYN (the handshake ACK): state CONN;
 *     lat_synack = now - syn time; first_ack = last_ack = ack;
 *     last_win = window << wscale; with a timestamp option the tsecr
 *     (echo of the SYN-ACK's tsval) calibrates the server clock of this
 *     flow: server time of tsecr x = syn time + (s32)(x - that tsecr) ms.
 *   ACK in state CONN, d = (s32)(ack - last_ack):
 *     d > 0 (data acknowledged):
 *       byte_p = d; byte_f_on = ack - first_ack; flow_duration = now - start;
 *       win = window << wscale; d_win = win - last_win (signed);
 *       last_ack = ack; last_win = win;
 *       if calibrated, the segment has a timestamp and a request is
 *       pending: pt = server time of tsecr - request time (ms resolution),
 *       sampled as pt_1st for the first such ACK after the request, as
 *       pt_gen for the later ones.
 *       The ACK "advanced by exactly one byte without payload" is
 *       remembered for the flow end (it probably acknowledges the FIN).
 *     d == 0, no payload, no FIN, same scaled window: n_dpk++.
 *     d < 0: n_ooo++.
 *   Payload (after the ACK part), p bytes at seq:
 *     seq before the highest seq + len seen so far (snd_nxt, initially
 *     isn + 1): a retransmission, n_rtr++; otherwise a request: request
 *     time = now, the next data ACK gives pt_1st. snd_nxt = max(snd_nxt,
 *     seq + p).
 *   FIN (after the ACK and payload parts): the flow ends (reason FIN).
 *   A segment of an untracked flow (no entry) only counts as above
 *   (n_packet, iat_p). Packets after a FIN or RST are untracked.
 *
 * UDP: a flow is a 5-tuple; every packet creates or finds its entry (state
 *   CONN at once); no free way: n_cls++, untracked. For a new flow:
 *   n_flow++, n_flow_on++, iat_f as for TCP. For every packet of a tracked
 *   flow: iat_ppf (not for the first), bytes += payload, byte_p = payload,
 *   byte_f_on = bytes so far, flow_duration = now - start (0 for the first).
 *   A UDP flow ends only by idle timeout (or flush).
 *
 * Flow end (FIN, RST, idle timeout, REUSE, flush; exactly once per flow,
 * guaranteed by the flow table): n_fct++, n_flow_on--; and if the flow
 * reached CONN: fct = last packet - start (the FIN/RST packet for those
 * ends, the flow's last packet for timeout, REUSE and flush) and byte_f =
 * TCP: last_ack - first_ack, minus 1 if the last advance was the one-byte
 * payload-less ACK above (the server's FIN); UDP: payload bytes.
 * Flows that end in state SYN give no fct / byte_f sample.
 *
 * Counters and offered counts are per CPU, folded into the region by
 * aq_stats_snapshot().
 *
 * Only the sampled features in aq_stats.features (all by default; the
 * module parameter `features`) are offered; the counters are always kept.
 * A packet draws one random number; its samples take their slot from it
 * (aq_rand_slot(): the same index in each reservoir), the samples of
 * ending flows step a generator seeded from it (aq_rand_next()).
 */
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "aq_features.h"
#include "reservoir.h"

/**
 * struct aq_smp - what a sample needs, computed once per packet
 * @slot: the packet's slot (aq_rand_slot()) in the backend's reservoir of
 *	feature 0; feature f's is @stride * f further.
 * @offered: the backend's per-CPU offered counters, by feature.
 * @slot_time: aq_slot_make(time_ms, 0) of the packet.
 * @stride: slots per reservoir.
 * @features: aq_stats.features.
 *
 * A local variable of the packet path whose address never escapes (it is
 * passed to inline functions only, or by value): it stays in registers,
 * where the slot stores (which may alias any u64, and anything at all with
 * -fno-strict-aliasing) would force reloads through pointers.
 */
struct aq_smp {
	u64 *slot;
	u64 __percpu *offered;
	u64 slot_time;
	size_t stride;
	u32 features;
};

/*
 * Per-packet context, the arg of the flow callbacks and the ctx of the end
 * callback (the out-of-line paths: new flows, restarts, ends, and
 * aq_observe_lb()); @rand serves the samples of flow ends (several flows
 * may end in one packet).
 */
struct aq_obs {
	struct aq_stats *s;
	const struct aq_pkt *pkt;
	u64 now_ns;
	u64 rnd;
	u32 time_ms;
	u8 backend;
	struct aq_rand rand;
};

/* Region layout. */
#define AQ_ALIGN64(x)		(((x) + 63) & ~(size_t)63)
#define AQ_FRAMES_OFFSET	PAGE_SIZE
#define AQ_FRAME_SIZE		AQ_ALIGN64(sizeof(struct aq_frame))
#define AQ_OFFERED_OFFSET	(AQ_FRAMES_OFFSET + AQ_NR_FRAMES * AQ_FRAME_SIZE)
#define AQ_OFFERED_SIZE		(AQ_MAX_BACKENDS * AQ_NR_FEATURES * sizeof(u64))
#define AQ_SLOTS_OFFSET		AQ_ALIGN64(AQ_OFFERED_OFFSET + AQ_OFFERED_SIZE)

struct aq_field_init {
	const char *name;
	const char *unit;
	u32 flags;
};

#define TCPO	AQ_FIELD_TCP_ONLY
static const struct aq_field_init aq_counter_fields[AQ_NR_COUNTERS] = {
	[AQ_C_N_PACKET]	= { "n_packet", "pkt", 0 },
	[AQ_C_N_FLOW]	= { "n_flow", "flow", 0 },
	[AQ_C_N_FCT]	= { "n_fct", "flow", 0 },
	[AQ_C_N_FLOW_ON] = { "n_flow_on", "flow", AQ_FIELD_SIGNED },
	[AQ_C_N_CLS]	= { "n_cls", "flow", 0 },
	[AQ_C_N_OOO]	= { "n_ooo", "pkt", TCPO },
	[AQ_C_N_DPK]	= { "n_dpk", "pkt", TCPO },
	[AQ_C_N_RTR]	= { "n_rtr", "pkt", TCPO },
};

static const struct aq_field_init aq_vip_counter_fields[AQ_NR_VIP_COUNTERS] = {
	[AQ_VC_MALFORMED] = { "malformed", "pkt", 0 },
	[AQ_VC_FRAGMENT] = { "fragment", "pkt", 0 },
	[AQ_VC_OTHER]	= { "other", "pkt", 0 },
	[AQ_VC_DROPPED] = { "dropped", "pkt", 0 },
};

static const struct aq_field_init aq_feature_fields[AQ_NR_FEATURES] = {
	[AQ_F_BYTE_P]	= { "byte_p", "B", 0 },
	[AQ_F_BYTE_F_ON] = { "byte_f_on", "B", 0 },
	[AQ_F_BYTE_F]	= { "byte_f", "B", 0 },
	[AQ_F_IAT_F]	= { "iat_f", "us", 0 },
	[AQ_F_IAT_P]	= { "iat_p", "us", 0 },
	[AQ_F_IAT_PPF]	= { "iat_ppf", "us", 0 },
	[AQ_F_FLOW_DURATION] = { "flow_duration", "us", 0 },
	[AQ_F_FCT]	= { "fct", "us", 0 },
	[AQ_F_WIN]	= { "win", "B", TCPO },
	[AQ_F_D_WIN]	= { "d_win", "B", AQ_FIELD_SIGNED | TCPO },
	[AQ_F_LAT_SYNACK] = { "lat_synack", "us", TCPO },
	[AQ_F_PT_1ST]	= { "pt_1st", "us", TCPO },
	[AQ_F_PT_GEN]	= { "pt_gen", "us", TCPO },
};

#undef TCPO

static void aq_fill_fields(struct aq_field_desc *d,
			   const struct aq_field_init *f, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		strscpy(d[i].name, f[i].name, sizeof(d[i].name));
		strscpy(d[i].unit, f[i].unit, sizeof(d[i].unit));
		d[i].flags = f[i].flags;
	}
}

size_t aq_stats_region_size(unsigned int nr_slots)
{
	if (!nr_slots || nr_slots > AQ_STATS_MAX_SLOTS ||
	    (nr_slots & (nr_slots - 1)))
		return 0;
	return PAGE_ALIGN(AQ_SLOTS_OFFSET + (size_t)AQ_MAX_BACKENDS *
			  AQ_NR_FEATURES * nr_slots * sizeof(u64));
}

int aq_stats_init(struct aq_stats *s, void *region, size_t size,
		  unsigned int nr_slots, u8 proto, u64 epoch_ns,
		  u64 interval_ns)
{
	size_t need = aq_stats_region_size(nr_slots);
	struct aq_region_header *hdr = region;
	unsigned int b;

	BUILD_BUG_ON(sizeof(struct aq_region_header) > AQ_FRAMES_OFFSET);

	memset(s, 0, sizeof(*s));
	if (!need || !region || size < need || need > U32_MAX ||
	    ((unsigned long)region & 63))
		return -EINVAL;
	s->pcpu = alloc_percpu(struct aq_pcpu_stats);
	if (!s->pcpu)
		return -ENOMEM;

	memset(region, 0, need);
	hdr->magic = AQ_REGION_MAGIC;
	hdr->version = AQ_LAYOUT_VERSION;
	hdr->header_size = sizeof(*hdr);
	hdr->region_size = need;
	hdr->nr_backends = AQ_MAX_BACKENDS;
	hdr->nr_slots = nr_slots;
	hdr->nr_counters = AQ_NR_COUNTERS;
	hdr->nr_vip_counters = AQ_NR_VIP_COUNTERS;
	hdr->nr_features = AQ_NR_FEATURES;
	hdr->nr_frames = AQ_NR_FRAMES;
	hdr->frames_offset = AQ_FRAMES_OFFSET;
	hdr->frame_size = AQ_FRAME_SIZE;
	hdr->offered_offset = AQ_OFFERED_OFFSET;
	hdr->slots_offset = AQ_SLOTS_OFFSET;
	hdr->epoch_ns = epoch_ns;
	hdr->snapshot_interval_ns = interval_ns;
	hdr->latest_seq = 0;
	hdr->vip_proto = proto;
	aq_fill_fields(hdr->counters, aq_counter_fields, AQ_NR_COUNTERS);
	aq_fill_fields(hdr->vip_counters, aq_vip_counter_fields,
		       AQ_NR_VIP_COUNTERS);
	aq_fill_fields(hdr->features, aq_feature_fields, AQ_NR_FEATURES);

	s->hdr = hdr;
	s->frames = (u8 *)region + AQ_FRAMES_OFFSET;
	s->offered = (u64 *)((u8 *)region + AQ_OFFERED_OFFSET);
	s->slots = (u64 *)((u8 *)region + AQ_SLOTS_OFFSET);
	s->region_size = need;
	s->frame_size = AQ_FRAME_SIZE;
	s->nr_slots = nr_slots;
	s->col_size = (u64)AQ_NR_FEATURES * nr_slots * sizeof(u64);
	s->features = AQ_FEATURES_ALL;
	s->epoch_ns = epoch_ns;
	for (b = 0; b < AQ_MAX_BACKENDS; b++) {
		atomic64_set(&s->last_pkt_ns[b], 0);
		atomic64_set(&s->last_flow_ns[b], 0);
	}
	spin_lock_init(&s->snap_lock);
	return 0;
}

void aq_stats_destroy(struct aq_stats *s)
{
	free_percpu(s->pcpu);
	s->pcpu = NULL;
}

static inline void aq_count(struct aq_stats *s, unsigned int b,
			    enum aq_counter c)
{
	this_cpu_inc(s->pcpu->counters[b][c]);
}

static inline void aq_uncount(struct aq_stats *s, unsigned int b,
			      enum aq_counter c)
{
	this_cpu_dec(s->pcpu->counters[b][c]);
}

static void aq_sample(struct aq_stats *s, unsigned int b, enum aq_feature f,
		      u32 time_ms, struct aq_rand *rand, u32 value)
{
	unsigned int i = b * AQ_NR_FEATURES + f;

	if (!(s->features & (1U << f)))
		return;
	aq_reservoir_add(s->slots + (size_t)i * s->nr_slots, s->nr_slots,
			 &s->pcpu->offered[b][f], time_ms, value,
			 aq_rand_next(rand));
}

/* The sample context of backend column @b for a packet. */
static __always_inline void aq_smp_init(struct aq_smp *sm,
					const struct aq_stats *s,
					unsigned int b, u64 rnd, u32 time_ms)
{
	size_t stride = s->nr_slots;

	sm->slot = (u64 *)((u8 *)s->slots + b * s->col_size) +
		   aq_rand_slot(rnd, stride - 1);
	sm->offered = s->pcpu->offered[b];
	sm->slot_time = aq_slot_make(time_ms, 0);
	sm->stride = stride;
	sm->features = s->features;
}

/* The packet's context for the out-of-line paths. */
/* (@time_ms is the caller's to set before the flow update.) */
static __always_inline void aq_obs_init(struct aq_obs *o, struct aq_stats *s,
					const struct aq_pkt *pkt, u64 now_ns,
					unsigned int b, u64 rnd)
{
	o->s = s;
	o->pkt = pkt;
	o->now_ns = now_ns;
	o->rnd = rnd;
	o->backend = b;
	o->rand.x = 0;	/* seeded from @rnd by aq_flow_end() */
}

static __always_inline void aq_obs_smp(struct aq_smp *sm,
				       const struct aq_obs *o)
{
	aq_smp_init(sm, o->s, o->backend, o->rnd, o->time_ms);
}

/*
 * aq_reservoir_add() for feature @f of the packet's backend, at most once
 * per feature and packet (aq_rand_slot()).
 */
static __always_inline void aq_smp_put(const struct aq_smp *sm,
				       enum aq_feature f, u32 value)
{
	this_cpu_inc(sm->offered[f]);
	WRITE_ONCE(sm->slot[f * sm->stride], sm->slot_time | value);
}

/* The same if @f is collected. */
static __always_inline void aq_smp_add(const struct aq_smp *sm,
				       enum aq_feature f, u32 value)
{
	if (sm->features & (1U << f))
		aq_smp_put(sm, f, value);
}

/*
 * The TCP path is compiled twice (@all a constant): for statistics that
 * collect every feature (no test per sample) and for the others.
 */
static __always_inline void aq_smp_sel(const struct aq_smp *sm, bool all,
				       enum aq_feature f, u32 value)
{
	if (all)
		aq_smp_put(sm, f, value);
	else
		aq_smp_add(sm, f, value);
}

/* Out of line, @sm by value: the caller's copy stays in registers. */
static noinline void aq_new_flow(struct aq_obs *o, struct aq_smp sm,
				 struct aq_flow *f, u8 state)
{
	s64 prev;

	f->state = state;
	f->backend = o->backend;
	f->start_ns = o->now_ns;
	aq_count(o->s, o->backend, AQ_C_N_FLOW);
	aq_count(o->s, o->backend, AQ_C_N_FLOW_ON);
	prev = atomic64_xchg(&o->s->last_flow_ns[o->backend], o->now_ns);
	if (prev)
		aq_smp_add(&sm, AQ_F_IAT_F,
			   aq_ns_to_us((s64)(o->now_ns - (u64)prev)));
}

/*
 * The ACK part of a segment in state CONN. On a data ACK the packet's and
 * the flow's fields are read first, the flow updated, then the samples
 * stored (in the order of the rules at the top).
 */
static __always_inline void aq_tcp_ack(struct aq_obs *o,
				       const struct aq_pkt *p, u64 now_ns,
				       const struct aq_smp *sm, bool all,
				       struct aq_flow *f)
{
	u32 ack = p->ack, plen = p->payload_len;
	u32 win = (u32)p->window << f->wscale;
	s32 d = (s32)(ack - f->last_ack);

	if (likely(d > 0)) {
		u8 flags = f->flags, nflags = flags & ~AQ_FF_ADV1;

		/*
		 * Each value is stored as soon as it is computed, and the
		 * flow updated last: few values live at a time.
		 */
		aq_smp_sel(sm, all, AQ_F_BYTE_P, (u32)d);
		aq_smp_sel(sm, all, AQ_F_BYTE_F_ON, ack - f->first_ack);
		aq_smp_sel(sm, all, AQ_F_FLOW_DURATION,
			   aq_ns_to_us((s64)(now_ns - f->start_ns)));
		aq_smp_sel(sm, all, AQ_F_WIN, win);
		/* Both below 2^30 (wscale <= 14): no saturation needed. */
		aq_smp_sel(sm, all, AQ_F_D_WIN, (u32)(s32)(win - f->last_win));
		/* pt: calibrated, a request pending, a timestamp. */
		if ((flags & (AQ_FF_TS_CAL | AQ_FF_REQ)) ==
		    (AQ_FF_TS_CAL | AQ_FF_REQ) && p->has_ts) {
			/* Signed: a tsecr older than the base gives pt 0. */
			u64 srv_ns = f->syn_ns + (u64)((s64)(s32)(p->tsecr -
				f->ts_base) * AQ_NSEC_PER_MSEC);
			u32 pt_us = aq_ns_to_us((s64)(srv_ns - f->req_ns));

			/* Constant features: no variable shift or multiply. */
			if (flags & AQ_FF_REPLIED)
				aq_smp_sel(sm, all, AQ_F_PT_GEN, pt_us);
			else
				aq_smp_sel(sm, all, AQ_F_PT_1ST, pt_us);
			nflags |= AQ_FF_REPLIED;
		}
		if (d == 1 && !plen)
			nflags |= AQ_FF_ADV1;
		f->flags = nflags;
		f->last_ack = ack;
		f->last_win = win;
	} else if (d == 0) {
		if (!plen && !(p->tcp_flags & AQ_TCP_FIN) &&
		    win == f->last_win)
			aq_count(o->s, o->backend, AQ_C_N_DPK);
	} else {
		aq_count(o->s, o->backend, AQ_C_N_OOO);
	}
}

/*
 * A TCP segment of flow @f, under its bucket lock; the verdict for the
 * flow table (an aq_flow_fn's). @o for the rare paths, the packet's
 * values as arguments.
 */
static __always_inline int aq_tcp_update(struct aq_obs *o,
					 const struct aq_pkt *p, u64 now_ns,
					 const struct aq_smp *sm, bool all,
					 struct aq_flow *f, bool is_new)
{
	u8 fl = p->tcp_flags;
	u32 plen = p->payload_len;
	/* iat_ppf: f->last_ns is the flow's previous packet (set by ft). */
	u32 iat_ppf = aq_ns_to_us((s64)(now_ns - f->last_ns));

	if (unlikely(fl & (AQ_TCP_SYN | AQ_TCP_RST) || !(fl & AQ_TCP_ACK))) {
		if (is_new) {
			/* Only a SYN without ACK gets here (aq_observe()). */
			aq_new_flow(o, *sm, f, AQ_FS_SYN);
			f->syn_ns = now_ns;
			f->isn = p->seq;
			f->snd_nxt = p->seq + 1 + plen;
			/* Capped as the parser does: scaled windows < 2^30. */
			f->wscale = p->has_wscale ?
				    min_t(u8, p->wscale, AQ_TCP_MAX_WSCALE) : 0;
			return AQ_FV_KEEP;
		}
		aq_smp_sel(sm, all, AQ_F_IAT_PPF, iat_ppf);
		if (fl & AQ_TCP_SYN) {
			if (fl & AQ_TCP_ACK)
				return AQ_FV_KEEP;
			if (p->seq == f->isn) {
				/*
				 * A retransmission; once the handshake is
				 * done, a late duplicate of it.
				 */
				aq_count(o->s, o->backend, AQ_C_N_RTR);
				if (f->state == AQ_FS_SYN)
					f->syn_ns = now_ns;
				return AQ_FV_KEEP;
			}
			return AQ_FV_RESTART;
		}
		if (fl & AQ_TCP_RST)
			return AQ_FV_END(AQ_END_RST);
		return AQ_FV_KEEP;	/* no ACK */
	}
	/* Not new: a new flow's packet is a SYN without ACK. */
	aq_smp_sel(sm, all, AQ_F_IAT_PPF, iat_ppf);

	if (likely(f->state != AQ_FS_SYN)) {
		aq_tcp_ack(o, p, now_ns, sm, all, f);
	} else {
		aq_smp_sel(sm, all, AQ_F_LAT_SYNACK,
			   aq_ns_to_us((s64)(now_ns - f->syn_ns)));
		f->state = AQ_FS_CONN;
		f->first_ack = p->ack;
		f->last_ack = p->ack;
		f->last_win = (u32)p->window << f->wscale;
		if (p->has_ts) {
			f->ts_base = p->tsecr;
			f->flags |= AQ_FF_TS_CAL;
		}
	}

	if (plen) {
		u32 seq = p->seq, end = seq + plen;

		if ((s32)(seq - f->snd_nxt) < 0) {
			aq_count(o->s, o->backend, AQ_C_N_RTR);
		} else {
			f->req_ns = now_ns;
			f->flags = (f->flags | AQ_FF_REQ) & ~AQ_FF_REPLIED;
		}
		if ((s32)(end - f->snd_nxt) > 0)
			f->snd_nxt = end;
	}

	if (fl & AQ_TCP_FIN)
		return AQ_FV_END(AQ_END_FIN);
	return AQ_FV_KEEP;
}

/* A UDP datagram of flow @f, as aq_tcp_update(). */
static __always_inline int aq_udp_update(struct aq_obs *o,
					 const struct aq_pkt *p, u64 now_ns,
					 const struct aq_smp *sm,
					 struct aq_flow *f, bool is_new)
{
	u32 plen = p->payload_len;
	u32 dur = aq_ns_to_us((s64)(now_ns - f->start_ns));

	if (is_new) {
		aq_new_flow(o, *sm, f, AQ_FS_CONN);
		dur = 0;
	} else {
		aq_smp_add(sm, AQ_F_IAT_PPF,
			   aq_ns_to_us((s64)(now_ns - f->last_ns)));
	}
	f->bytes += plen;
	aq_smp_add(sm, AQ_F_BYTE_P, plen);
	aq_smp_add(sm, AQ_F_BYTE_F_ON, aq_sat_u32(f->bytes));
	aq_smp_add(sm, AQ_F_FLOW_DURATION, dur);
	return AQ_FV_KEEP;
}

/* The callbacks for the flow table's out-of-line paths (restarts, lb). */
static int aq_tcp_fn(struct aq_flow *f, bool is_new, void *arg)
{
	struct aq_obs *o = arg;
	struct aq_smp sm;

	aq_obs_smp(&sm, o);
	return aq_tcp_update(o, o->pkt, o->now_ns, &sm, false, f, is_new);
}

static int aq_udp_fn(struct aq_flow *f, bool is_new, void *arg)
{
	struct aq_obs *o = arg;
	struct aq_smp sm;

	aq_obs_smp(&sm, o);
	return aq_udp_update(o, o->pkt, o->now_ns, &sm, f, is_new);
}

void aq_flow_end(struct aq_flow *f, u64 now_ns, unsigned int reason,
		 void *ctx)
{
	struct aq_stats *s = f->owner;
	struct aq_obs *o = ctx;
	struct aq_rand local = { 0 };
	struct aq_rand *rand = o ? &o->rand : &local;
	unsigned int b = f->backend;
	u32 time_ms;
	u64 bytes;

	if (!s || b >= AQ_MAX_BACKENDS)
		return;
	aq_count(s, b, AQ_C_N_FCT);
	aq_uncount(s, b, AQ_C_N_FLOW_ON);
	if (f->state != AQ_FS_CONN)
		return;

	/*
	 * The packet's generator starts from its random number (0: the
	 * first aq_rand_next() draws); it is never 0 once it has drawn.
	 */
	if (o && !rand->x)
		rand->x = (u32)(o->rnd >> 32) ^ (u32)o->rnd;
	time_ms = aq_slot_time_ms(now_ns, s->epoch_ns);
	if (f->key.proto == IPPROTO_TCP) {
		bytes = (u32)(f->last_ack - f->first_ack);
		if ((f->flags & AQ_FF_ADV1) && bytes)
			bytes--;
	} else {
		bytes = f->bytes;
	}
	aq_sample(s, b, AQ_F_FCT, time_ms, rand,
		  aq_ns_to_us((s64)(f->last_ns - f->start_ns)));
	aq_sample(s, b, AQ_F_BYTE_F, time_ms, rand, aq_sat_u32(bytes));
}

/* n_packet and iat_p of every packet to the backend of @sm. */
static __always_inline void aq_obs_packet(struct aq_stats *s,
					  unsigned int backend,
					  const struct aq_smp *sm, u64 now_ns)
{
	s64 prev;

	aq_count(s, backend, AQ_C_N_PACKET);
	prev = atomic64_xchg(&s->last_pkt_ns[backend], now_ns);
	if (prev)
		aq_smp_add(sm, AQ_F_IAT_P,
			   aq_ns_to_us((s64)(now_ns - (u64)prev)));
}

void aq_observe(struct aq_stats *s, unsigned int backend,
		struct aq_flowtable *ft, const struct aq_pkt *pkt, u64 now_ns)
{
	struct aq_obs o;	/* for the out-of-line paths */
	struct aq_smp sm;
	struct aq_flow_key key;
	struct aq_flow *f;
	spinlock_t *lock;	/* the entry's bucket lock, from aq_ft_get() */
	bool create, is_new;
	u32 time_ms;
	u64 rnd;
	int r;

	if (unlikely(backend >= AQ_MAX_BACKENDS))
		return;
	rnd = get_random_u64();
	if (pkt->proto == IPPROTO_TCP)
		create = (pkt->tcp_flags & (AQ_TCP_SYN | AQ_TCP_ACK |
					    AQ_TCP_RST)) == AQ_TCP_SYN;
	else if (pkt->proto == IPPROTO_UDP)
		create = true;
	else
		ft = NULL;
	if (!ft) {
		time_ms = aq_slot_time_ms(now_ns, s->epoch_ns);
		aq_smp_init(&sm, s, backend, rnd, time_ms);
		aq_obs_packet(s, backend, &sm, now_ns);
		return;
	}

	/*
	 * The flow's entry first, the sample context after it: computed
	 * into registers where the lookup's values are dead.
	 */
	aq_flow_key_init(&key, pkt->family, pkt->proto, pkt->saddr,
			 pkt->daddr, pkt->sport, pkt->dport);
	aq_obs_init(&o, s, pkt, now_ns, backend, rnd);
	f = aq_ft_get(ft, &key, aq_flowtable_hash(ft, &key), s, now_ns,
		      create, &o, &lock, &is_new);
	time_ms = aq_slot_time_ms(now_ns, s->epoch_ns);
	if (IS_ERR(f)) {
		spin_unlock_bh(lock);
		aq_smp_init(&sm, s, backend, rnd, time_ms);
		aq_obs_packet(s, backend, &sm, now_ns);
		if (PTR_ERR(f) == -ENOSPC)
			aq_count(s, backend, AQ_C_N_CLS);
		return;
	}
	aq_smp_init(&sm, s, backend, rnd, time_ms);
	aq_obs_packet(s, backend, &sm, now_ns);
	o.time_ms = time_ms;
	/* The update inline, on this function's values. */
	if (pkt->proto == IPPROTO_TCP) {
		if (likely(sm.features == AQ_FEATURES_ALL))
			r = aq_tcp_update(&o, pkt, now_ns, &sm, true, f,
					  is_new);
		else
			r = aq_tcp_update(&o, pkt, now_ns, &sm, false, f,
					  is_new);
		aq_ft_put(ft, f, lock, &key, s, now_ns, r, aq_tcp_fn, &o);
	} else {
		r = aq_udp_update(&o, pkt, now_ns, &sm, f, is_new);
		aq_ft_put(ft, f, lock, &key, s, now_ns, r, aq_udp_fn, &o);
	}
}

/* As the TCP/UDP callbacks, for a flow whose backend the flow decides. */
static int aq_lb_tcp_fn(struct aq_flow *f, bool is_new, void *arg)
{
	struct aq_obs *o = arg;

	if (!is_new)
		o->backend = f->backend;
	return aq_tcp_fn(f, is_new, arg);
}

static int aq_lb_udp_fn(struct aq_flow *f, bool is_new, void *arg)
{
	struct aq_obs *o = arg;

	if (!is_new)
		o->backend = f->backend;
	return aq_udp_fn(f, is_new, arg);
}

int aq_observe_lb(struct aq_stats *s, struct aq_flowtable *ft,
		  const struct aq_pkt *pkt, u64 now_ns,
		  const struct aq_lb_choice *choice)
{
	aq_flow_fn fn = pkt->proto == IPPROTO_TCP ? aq_lb_tcp_fn : aq_lb_udp_fn;
	struct aq_flow_key key;
	struct aq_smp sm;
	struct aq_obs o;
	bool create, untracked = false;
	int col = -1, ret = -ENOENT;
	s64 prev;

	if (pkt->proto == IPPROTO_TCP)
		create = (pkt->tcp_flags & (AQ_TCP_SYN | AQ_TCP_ACK |
					    AQ_TCP_RST)) == AQ_TCP_SYN;
	else if (pkt->proto == IPPROTO_UDP)
		create = true;
	else
		return -1;
	aq_obs_init(&o, s, pkt, now_ns, AQ_MAX_BACKENDS, get_random_u64());
	o.time_ms = aq_slot_time_ms(now_ns, s->epoch_ns);

	if (ft) {
		aq_flow_key_init(&key, pkt->family, pkt->proto, pkt->saddr,
				 pkt->daddr, pkt->sport, pkt->dport);
		ret = aq_flowtable_update(ft, &key, s, now_ns, false, fn, &o);
		if (ret == -ENOENT && create) {
			col = choice->pick(choice->ctx);
			if (col < 0)
				return -1;
			o.backend = col;
			ret = aq_flowtable_update(ft, &key, s, now_ns, true, fn,
						  &o);
			untracked = ret == -ENOSPC;
		}
	}
	if (ret) {
		/* Not tracked: the same backend for every packet of it. */
		col = choice->fallback(choice->ctx);
		if (col < 0)
			return -1;
		o.backend = col;
		if (untracked)
			aq_count(s, col, AQ_C_N_CLS);
	}
	col = o.backend;
	aq_count(s, col, AQ_C_N_PACKET);
	prev = atomic64_xchg(&s->last_pkt_ns[col], now_ns);
	if (prev) {
		aq_obs_smp(&sm, &o);
		aq_smp_add(&sm, AQ_F_IAT_P,
			   aq_ns_to_us((s64)(now_ns - (u64)prev)));
	}
	return col;
}

u64 aq_pcpu_sum(const u64 __percpu *counter)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(counter, cpu));
	return sum;
}

u64 aq_stats_counter(struct aq_stats *s, unsigned int backend,
		     enum aq_counter c)
{
	return aq_pcpu_sum(&s->pcpu->counters[backend][c]);
}

u64 aq_stats_vip_counter(struct aq_stats *s, enum aq_vip_counter c)
{
	return aq_pcpu_sum(&s->pcpu->vip_counters[c]);
}

u64 aq_stats_offered(struct aq_stats *s, unsigned int backend,
		     enum aq_feature f)
{
	return aq_pcpu_sum(&s->pcpu->offered[backend][f]);
}

u64 aq_stats_snapshot(struct aq_stats *s, u64 now_ns, u64 active)
{
	struct aq_frame *fr;
	unsigned int b, c;
	u64 n;

	spin_lock_bh(&s->snap_lock);
	/*
	 * The offered counters first: a reader that has seen frame n reads
	 * offered counters at least as new as the fold of snapshot n.
	 */
	for (b = 0; b < AQ_MAX_BACKENDS; b++)
		for (c = 0; c < AQ_NR_FEATURES; c++)
			WRITE_ONCE(s->offered[b * AQ_NR_FEATURES + c],
				   aq_stats_offered(s, b, c));
	n = ++s->seq;
	fr = (struct aq_frame *)(s->frames +
				 (size_t)(n % AQ_NR_FRAMES) * s->frame_size);
	WRITE_ONCE(fr->seq, 0);
	smp_wmb();	/* readers see seq 0 before any new content */
	WRITE_ONCE(fr->time_ns, now_ns);
	WRITE_ONCE(fr->active, active);
	for (c = 0; c < AQ_NR_VIP_COUNTERS; c++)
		WRITE_ONCE(fr->vip_counters[c], aq_stats_vip_counter(s, c));
	for (b = 0; b < AQ_MAX_BACKENDS; b++)
		for (c = 0; c < AQ_NR_COUNTERS; c++)
			WRITE_ONCE(fr->counters[b][c],
				   aq_stats_counter(s, b, c));
	smp_wmb();	/* the content before its seq */
	WRITE_ONCE(fr->seq, n);
	/* Publish: a reader acquiring latest_seq sees the whole frame. */
	smp_store_release(&s->hdr->latest_seq, n);
	spin_unlock_bh(&s->snap_lock);
	return n;
}
