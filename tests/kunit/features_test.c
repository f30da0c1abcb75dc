// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the TCP/UDP state machine and every feature's update rule
 * (kmod/features.c, with flowtable.c and reservoir.h), exact values with
 * an injected clock. Most cases use 1-slot reservoirs, so a reservoir
 * holds exactly the last sample offered and "offered" counts the samples.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/vmalloc.h>

#include "features.c"
#include "aq_kunit.h"

/* Shared with stats_test.c through aq_kunit.h. */
struct aq_kunit_fx *aq_kunit_setup(struct kunit *test, unsigned int slots,
				   unsigned int entries, unsigned int ways,
				   u8 proto)
{
	struct aq_kunit_fx *x = test->priv;
	size_t size = aq_stats_region_size(slots);

	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_NE(test, size, (size_t)0);
	x->s = kunit_kzalloc(test, sizeof(*x->s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->s);
	x->region = vzalloc(size);
	KUNIT_ASSERT_NOT_NULL(test, x->region);
	x->size = size;
	KUNIT_ASSERT_EQ(test, aq_stats_init(x->s, x->region, size, slots,
					    proto, AQ_KT_EPOCH, 200000000),
			0);
	x->inited = true;
	if (entries) {
		x->ft = aq_flowtable_create(entries, ways, AQ_KT_TMO,
					    aq_flow_end);
		KUNIT_ASSERT_FALSE(test, IS_ERR(x->ft));
	}
	return x;
}

int aq_kunit_fx_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct aq_kunit_fx),
				   GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

void aq_kunit_fx_exit(struct kunit *test)
{
	struct aq_kunit_fx *x = test->priv;

	if (!x)
		return;
	if (x->ft && !IS_ERR(x->ft)) {
		aq_flowtable_flush(x->ft, x->s, AQ_KT_EPOCH);
		aq_flowtable_destroy(x->ft);
	}
	if (x->inited)
		aq_stats_destroy(x->s);
	vfree(x->region);
}

static u64 C(struct aq_kunit_fx *x, unsigned int b, enum aq_counter c)
{
	return aq_stats_counter(x->s, b, c);
}

static u64 OFF(struct aq_kunit_fx *x, unsigned int b, enum aq_feature f)
{
	return aq_stats_offered(x->s, b, f);
}

static u64 SLOT(struct aq_kunit_fx *x, unsigned int b, enum aq_feature f,
		unsigned int i)
{
	return x->s->slots[((size_t)b * AQ_NR_FEATURES + f) *
			   x->s->nr_slots + i];
}

/* Value of the last sample of a 1-slot reservoir. */
static u32 V(struct aq_kunit_fx *x, unsigned int b, enum aq_feature f)
{
	return AQ_SLOT_VALUE(SLOT(x, b, f, 0));
}

static s32 SV(struct aq_kunit_fx *x, unsigned int b, enum aq_feature f)
{
	return (s32)AQ_SLOT_VALUE(SLOT(x, b, f, 0));
}

/* Packet builders fill the caller's @p (one per case: small stacks). */
static struct aq_pkt *fx_tcp(struct aq_pkt *p, unsigned int client, u8 flags,
			     u32 seq, u32 ack, u16 win, u32 plen)
{
	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->proto = IPPROTO_TCP;
	p->saddr[0] = 10;
	p->saddr[2] = client >> 8;
	p->saddr[3] = client;
	p->daddr[0] = 10;
	p->daddr[1] = 1;
	p->daddr[3] = 1;
	p->sport = 40000 + client;
	p->dport = 80;
	p->tcp_flags = flags;
	p->seq = seq;
	p->ack = ack;
	p->window = win;
	p->payload_len = plen;
	p->total_len = 40 + plen;
	return p;
}

static struct aq_pkt *fx_ts(struct aq_pkt *p, u32 tsval, u32 tsecr)
{
	p->has_ts = 1;
	p->tsval = tsval;
	p->tsecr = tsecr;
	return p;
}

static struct aq_pkt *fx_udp(struct aq_pkt *p, unsigned int client,
			     u32 plen)
{
	fx_tcp(p, client, 0, 0, 0, 0, plen);
	p->proto = IPPROTO_UDP;
	p->dport = 53;
	p->total_len = 28 + plen;
	return p;
}

static void obs(struct aq_kunit_fx *x, unsigned int b,
		const struct aq_pkt *p, u64 now)
{
	aq_observe(x->s, b, x->ft, p, now);
}

#define US(x)	AQ_KT_US(x)
#define SYN	AQ_TCP_SYN
#define ACK	AQ_TCP_ACK
#define FIN	AQ_TCP_FIN
#define RST	AQ_TCP_RST
#define PSH	AQ_TCP_PSH

static void features_region_header(struct kunit *test)
{
	struct aq_kunit_fx *x;
	struct aq_region_header *h;
	size_t size = aq_stats_region_size(128);

	KUNIT_EXPECT_EQ(test, aq_stats_region_size(0), (size_t)0);
	KUNIT_EXPECT_EQ(test, aq_stats_region_size(100), (size_t)0);
	KUNIT_EXPECT_EQ(test, aq_stats_region_size(AQ_STATS_MAX_SLOTS * 2),
			(size_t)0);
	KUNIT_EXPECT_EQ(test, size % PAGE_SIZE, (size_t)0);
	x = aq_kunit_setup(test, 128, 0, 0, IPPROTO_UDP);
	h = x->s->hdr;
	KUNIT_EXPECT_PTR_EQ(test, (void *)h, x->region);
	KUNIT_EXPECT_EQ(test, h->magic, (u32)AQ_REGION_MAGIC);
	KUNIT_EXPECT_EQ(test, h->version, (u32)AQ_LAYOUT_VERSION);
	KUNIT_EXPECT_EQ(test, h->header_size, (u32)sizeof(*h));
	KUNIT_EXPECT_EQ(test, h->region_size, (u32)size);
	KUNIT_EXPECT_EQ(test, h->nr_backends, 64U);
	KUNIT_EXPECT_EQ(test, h->nr_slots, 128U);
	KUNIT_EXPECT_EQ(test, h->nr_counters, (u32)AQ_NR_COUNTERS);
	KUNIT_EXPECT_EQ(test, h->nr_vip_counters, (u32)AQ_NR_VIP_COUNTERS);
	KUNIT_EXPECT_EQ(test, h->nr_features, (u32)AQ_NR_FEATURES);
	KUNIT_EXPECT_EQ(test, h->nr_frames, (u32)AQ_NR_FRAMES);
	KUNIT_EXPECT_EQ(test, h->frames_offset, (u32)PAGE_SIZE);
	KUNIT_EXPECT_GE(test, h->frame_size, (u32)sizeof(struct aq_frame));
	KUNIT_EXPECT_EQ(test, h->frame_size % 64, 0U);
	KUNIT_EXPECT_GE(test, h->offered_offset,
			h->frames_offset + AQ_NR_FRAMES * h->frame_size);
	KUNIT_EXPECT_GE(test, h->slots_offset,
			h->offered_offset + 64U * AQ_NR_FEATURES * 8);
	KUNIT_EXPECT_LE(test, (u64)h->slots_offset +
			64ULL * AQ_NR_FEATURES * 128 * 8, (u64)h->region_size);
	KUNIT_EXPECT_PTR_EQ(test, (void *)x->s->slots,
			    (void *)((u8 *)x->region + h->slots_offset));
	KUNIT_EXPECT_PTR_EQ(test, (void *)x->s->offered,
			    (void *)((u8 *)x->region + h->offered_offset));
	KUNIT_EXPECT_EQ(test, h->epoch_ns, AQ_KT_EPOCH);
	KUNIT_EXPECT_EQ(test, h->snapshot_interval_ns, 200000000ULL);
	KUNIT_EXPECT_EQ(test, h->latest_seq, 0ULL);
	KUNIT_EXPECT_EQ(test, h->vip_proto, IPPROTO_UDP);
	KUNIT_EXPECT_STREQ(test, h->features[AQ_F_LAT_SYNACK].name,
			   "lat_synack");
	KUNIT_EXPECT_STREQ(test, h->features[AQ_F_LAT_SYNACK].unit, "us");
	KUNIT_EXPECT_STREQ(test, h->features[AQ_F_BYTE_F].unit, "B");
	KUNIT_EXPECT_EQ(test, h->features[AQ_F_D_WIN].flags,
			AQ_FIELD_SIGNED | AQ_FIELD_TCP_ONLY);
	KUNIT_EXPECT_EQ(test, h->counters[AQ_C_N_FLOW_ON].flags,
			AQ_FIELD_SIGNED);
	KUNIT_EXPECT_STREQ(test, h->counters[AQ_C_N_PACKET].name, "n_packet");
	KUNIT_EXPECT_STREQ(test, h->vip_counters[AQ_VC_FRAGMENT].name,
			   "fragment");

	/* Bad arguments. */
	{
		struct aq_stats *t = kunit_kzalloc(test, sizeof(*t),
						   GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, t);
		KUNIT_EXPECT_EQ(test, aq_stats_init(t, x->region, size - 1, 128,
						    IPPROTO_TCP, 0, 0),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, aq_stats_init(t, (u8 *)x->region + 8,
						    size - 8, 1, IPPROTO_TCP,
						    0, 0), -EINVAL);
		KUNIT_EXPECT_EQ(test, aq_stats_init(t, x->region, size, 3,
						    IPPROTO_TCP, 0, 0),
				-EINVAL);
		KUNIT_EXPECT_TRUE(test, !t->pcpu);
	}
}

/* The whole life of one TCP flow with exact values. */
static void features_tcp_flow(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 64, 8, IPPROTO_TCP);
	const unsigned int b = 3;
	struct aq_pkt p;

	/* SYN at 1000 us: seq 100, wscale 7. */
	fx_ts(fx_tcp(&p, 1, SYN, 100, 0, 64240, 0), 5000, 0);
	p.has_wscale = 1;
	p.wscale = 7;
	obs(x, b, &p, US(1000));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_PACKET), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 1ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_IAT_P), 0ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_IAT_F), 0ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_IAT_PPF), 0ULL);
	KUNIT_EXPECT_EQ(test, C(x, b + 1, AQ_C_N_PACKET), 0ULL);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(x->ft), 1U);

	/* Handshake ACK at 1500 us: ack 9001, tsecr 777 (SYN-ACK tsval). */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 101, 9001, 1000, 0), 5001, 777),
	    US(1500));
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_LAT_SYNACK), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_LAT_SYNACK), 500U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_P), 500U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_PPF), 500U);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_WIN), 0ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_BYTE_P), 0ULL);
	KUNIT_EXPECT_EQ(test, AQ_SLOT_TIME_MS(SLOT(x, b, AQ_F_LAT_SYNACK, 0)),
			1U);

	/* Request at 2000 us: 100 bytes. */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK | PSH, 101, 9001, 1000, 100), 5002,
			777), US(2000));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_DPK), 0ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_RTR), 0ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_PT_1ST), 0ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_BYTE_P), 0ULL);

	/* Reply acknowledged at 12000 us: 1460 bytes; tsecr 787 = +10 ms. */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 201, 9001 + 1460, 1001, 0), 5012, 787),
	    US(12000));
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_P), 1460U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F_ON), 1460U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FLOW_DURATION), 11000U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_WIN), 1001U << 7);
	KUNIT_EXPECT_EQ(test, SV(x, b, AQ_F_D_WIN), 1 << 7);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_PT_1ST), 1ULL);
	/* Server time of tsecr 787: 1000 us + 10 ms; request at 2000 us. */
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_PT_1ST), 9000U);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_PT_GEN), 0ULL);
	KUNIT_EXPECT_EQ(test, AQ_SLOT_TIME_MS(SLOT(x, b, AQ_F_PT_1ST, 0)),
			12U);

	/* Second reply at 13000 us: tsecr 788. */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 201, 9001 + 2920, 1000, 0), 5013, 788),
	    US(13000));
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_P), 1460U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F_ON), 2920U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FLOW_DURATION), 12000U);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_PT_1ST), 1ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_PT_GEN), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_PT_GEN), 10000U);
	KUNIT_EXPECT_EQ(test, SV(x, b, AQ_F_D_WIN), -128);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_WIN), 1000U << 7);

	/* Duplicate ACK, then an ACK going back. */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 201, 9001 + 2920, 1000, 0), 5013, 788),
	    US(13500));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_DPK), 1ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_BYTE_P), 2ULL);
	/* Same ack, other window: a window update, not a duplicate. */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 201, 9001 + 2920, 999, 0), 5013, 788),
	    US(13550));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_DPK), 1ULL);
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 201, 9001 + 1460, 1000, 0), 5013, 788),
	    US(13600));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_OOO), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_DPK), 1ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_BYTE_P), 2ULL);

	/* Retransmitted request data. */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK | PSH, 101, 9001 + 2920, 1000, 100),
			5014, 788), US(14000));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_RTR), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_DPK), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_PPF), 400U);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 0ULL);

	/* FIN at 15000 us acknowledging the server's FIN (+1). */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK | FIN, 201, 9001 + 2921, 1000, 0), 5015,
			790), US(15000));
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_P), 1U);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 0ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_FCT), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FCT), 14000U);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_BYTE_F), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F), 2920U);
	KUNIT_EXPECT_EQ(test, AQ_SLOT_TIME_MS(SLOT(x, b, AQ_F_FCT, 0)), 15U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(x->ft), 0U);

	/* Last ACK, a RST and a timeout walk later: nothing more ends. */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 202, 9001 + 2921, 1000, 0), 5015, 790),
	    US(15500));
	obs(x, b, fx_tcp(&p, 1, RST, 202, 0, 0, 0), US(16000));
	aq_flowtable_expire(x->ft, US(16000) + 2 * AQ_KT_TMO,
			    x->ft->nr_buckets);
	aq_flowtable_flush(x->ft, x->s, US(16000) + 2 * AQ_KT_TMO);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 1ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_FCT), 1ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_BYTE_F), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 0ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_PACKET), 12ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_P), 500U);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_IAT_P), 11ULL);
	/* iat_ppf: all tracked packets but the SYN and the untracked two. */
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_IAT_PPF), 9ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_LAT_SYNACK), 1ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_BYTE_P), 3ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_CLS), 0ULL);

	/* A second flow: iat_f between SYNs. */
	obs(x, b, fx_tcp(&p, 2, SYN, 1, 0, 1000, 0), US(21000));
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_IAT_F), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_F), 20000U);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW), 2ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 1ULL);
}

static void features_tcp_syn_cases(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 64, 8, IPPROTO_TCP);
	struct aq_pkt p;
	const unsigned int b = 0;

	/* Retransmitted SYN: n_rtr, lat_synack from the last SYN. */
	obs(x, b, fx_tcp(&p, 1, SYN, 500, 0, 1000, 0), US(1000));
	obs(x, b, fx_tcp(&p, 1, SYN, 500, 0, 1000, 0), US(2000));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_RTR), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_PPF), 1000U);
	/* A SYN-ACK in the client direction is ignored. */
	obs(x, b, fx_tcp(&p, 1, SYN | ACK, 500, 1, 1000, 0), US(2100));
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_LAT_SYNACK), 0ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW), 1ULL);
	/* A segment without ACK in state SYN: nothing but iat_ppf. */
	obs(x, b, fx_tcp(&p, 1, PSH, 501, 0, 1000, 0), US(2200));
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_LAT_SYNACK), 0ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_PPF), 100U);
	obs(x, b, fx_tcp(&p, 1, ACK, 501, 7001, 1000, 0), US(2300));
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_LAT_SYNACK), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_LAT_SYNACK), 300U);
	/* No timestamps: a data ACK gives no pt. */
	obs(x, b, fx_tcp(&p, 1, ACK, 501, 7001, 1000, 10), US(2400));
	obs(x, b, fx_tcp(&p, 1, ACK, 511, 7101, 1000, 0), US(3000));
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_P), 100U);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_PT_1ST) +
			OFF(x, b, AQ_F_PT_GEN), 0ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_WIN), 1000U);
	KUNIT_EXPECT_EQ(test, SV(x, b, AQ_F_D_WIN), 0);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FLOW_DURATION), 2000U);

	/* A late duplicate of the handshake's SYN: n_rtr, the flow goes on. */
	obs(x, b, fx_tcp(&p, 1, SYN, 500, 0, 1000, 0), US(3100));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_RTR), 2ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 0ULL);

	/* New SYN (other ISN) on the established tuple: old flow ends. */
	obs(x, b, fx_tcp(&p, 1, SYN, 9000, 0, 1000, 0), US(5000));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW), 2ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FCT), 2100U); /* last: the dup SYN */
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F), 100U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_F), 4000U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(x->ft), 1U);
	obs(x, b, fx_tcp(&p, 1, ACK, 9001, 123, 1000, 0), US(5250));
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_LAT_SYNACK), 250U);

	/* RST ends it. */
	obs(x, b, fx_tcp(&p, 1, RST | ACK, 9001, 123, 0, 0), US(6000));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 2ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FCT), 1000U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F), 0U);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_BYTE_F), 2ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 0ULL);

	/* A flow that never completes its handshake: n_fct but no fct. */
	obs(x, b, fx_tcp(&p, 2, SYN, 1, 0, 1000, 0), US(7000));
	obs(x, b, fx_tcp(&p, 2, RST, 2, 0, 0, 0), US(7100));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 3ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_FCT), 2ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_BYTE_F), 2ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 0ULL);

	/* Non-SYN of an unknown flow: only counted as a packet. */
	obs(x, b, fx_tcp(&p, 3, ACK, 1, 1, 1000, 0), US(7200));
	obs(x, b, fx_tcp(&p, 3, SYN | RST, 1, 0, 1000, 0), US(7300));
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(x->ft), 0U);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW), 3ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_PACKET), 15ULL); /* with the dup SYN */
}

/* A one-byte payload-less ACK that is not the last does not cut byte_f. */
static void features_tcp_byte_f(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 64, 8, IPPROTO_TCP);
	struct aq_pkt p;
	const unsigned int b = 1;

	obs(x, b, fx_tcp(&p, 1, SYN, 0, 0, 100, 0), US(1000));
	obs(x, b, fx_tcp(&p, 1, ACK, 1, 1, 100, 0), US(1100));
	obs(x, b, fx_tcp(&p, 1, ACK, 1, 2, 100, 0), US(1200));
	obs(x, b, fx_tcp(&p, 1, ACK, 1, 502, 100, 0), US(1300));
	obs(x, b, fx_tcp(&p, 1, ACK | FIN, 1, 502, 100, 0), US(1400));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F), 501U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FCT), 400U);
	/* A FIN acknowledging no new data is no duplicate ACK. */
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_DPK), 0ULL);

	/* Ends with a 1-byte advance that carries data: not the FIN. */
	obs(x, b, fx_tcp(&p, 2, SYN, 0, 0, 100, 0), US(2000));
	obs(x, b, fx_tcp(&p, 2, ACK, 1, 1, 100, 0), US(2100));
	obs(x, b, fx_tcp(&p, 2, ACK | PSH, 1, 2, 100, 5), US(2200));
	obs(x, b, fx_tcp(&p, 2, ACK | FIN, 6, 2, 100, 0), US(2300));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 2ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F), 1U);

	/* The server's FIN acknowledged by the client's FIN. */
	obs(x, b, fx_tcp(&p, 3, SYN, 0, 0, 100, 0), US(3000));
	obs(x, b, fx_tcp(&p, 3, ACK, 1, 1, 100, 0), US(3100));
	obs(x, b, fx_tcp(&p, 3, ACK, 1, 301, 100, 0), US(3200));
	obs(x, b, fx_tcp(&p, 3, ACK | FIN, 1, 302, 100, 0), US(3300));
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F), 300U);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 0ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_BYTE_F), 3ULL);
}

static void features_tcp_win_scale(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 64, 8, IPPROTO_TCP);
	const unsigned int b = 2;
	struct aq_pkt p;

	fx_tcp(&p, 1, SYN, 10, 0, 65535, 0);
	p.has_wscale = 1;
	p.wscale = 14;
	obs(x, b, &p, US(1000));
	/* The handshake ACK's window is the base; a wscale there is ignored. */
	fx_tcp(&p, 1, ACK, 11, 1, 2, 0);
	p.has_wscale = 1;
	p.wscale = 1;
	obs(x, b, &p, US(1100));
	obs(x, b, fx_tcp(&p, 1, ACK, 11, 1001, 3, 0), US(1200));
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_WIN), 3U << 14);
	KUNIT_EXPECT_EQ(test, SV(x, b, AQ_F_D_WIN), 1 << 14);
	obs(x, b, fx_tcp(&p, 1, ACK, 11, 2001, 65535, 0), US(1300));
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_WIN), 65535U << 14);
	KUNIT_EXPECT_EQ(test, SV(x, b, AQ_F_D_WIN), (65535 - 3) << 14);
	obs(x, b, fx_tcp(&p, 1, ACK, 11, 3001, 0, 0), US(1400));
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_WIN), 0U);
	KUNIT_EXPECT_EQ(test, SV(x, b, AQ_F_D_WIN), -(65535 << 14));
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_WIN), 3ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_D_WIN), 3ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F_ON), 3000U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_P), 1000U);
}

static void features_tcp_pt(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 64, 8, IPPROTO_TCP);
	struct aq_pkt p;
	const unsigned int b = 4;

	obs(x, b, fx_ts(fx_tcp(&p, 1, SYN, 0, 0, 100, 0), 1, 0), US(10000));
	obs(x, b, fx_ts(fx_tcp(&p, 1, SYN, 0, 0, 100, 0), 2, 0), US(20000));
	/* Calibration: tsecr 1000 is the server's time at 20000 us. */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 1, 1, 100, 0), 3, 1000), US(20500));
	/* Data ACK without a request: no pt. */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 1, 11, 100, 0), 4, 1003), US(23000));
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_PT_1ST), 0ULL);
	/* Request at 30000 us, reply at server time 1015 (35000 us). */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 1, 11, 100, 50), 5, 1003), US(30000));
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 51, 111, 100, 0), 6, 1015), US(36000));
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_PT_1ST), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_PT_1ST), 5000U);
	/* A data ACK without a timestamp gives no pt. */
	obs(x, b, fx_tcp(&p, 1, ACK, 51, 211, 100, 0), US(37000));
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_PT_GEN), 0ULL);
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 51, 311, 100, 0), 7, 1017), US(38000));
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_PT_GEN), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_PT_GEN), 7000U);
	/* A tsecr older than the request: pt 0. */
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 51, 311, 100, 10), 8, 1017), US(40000));
	obs(x, b, fx_ts(fx_tcp(&p, 1, ACK, 61, 411, 100, 0), 9, 1019), US(41000));
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_PT_1ST), 2ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_PT_1ST), 0U);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_RTR), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_LAT_SYNACK), 500U);
}

static void features_timeout_and_flush(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 64, 8, IPPROTO_TCP);
	struct aq_pkt p;
	const unsigned int b = 5;

	obs(x, b, fx_tcp(&p, 1, SYN, 1, 0, 1000, 0), US(1000));
	obs(x, b, fx_tcp(&p, 1, ACK, 2, 101, 1000, 0), US(1200));
	obs(x, b, fx_tcp(&p, 1, ACK, 2, 301, 1000, 0), US(4000));
	aq_flowtable_expire(x->ft, US(4000) + AQ_KT_TMO / 2,
			    x->ft->nr_buckets);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 0ULL);
	KUNIT_EXPECT_EQ(test, aq_flowtable_expire(x->ft,
						  US(4000) + AQ_KT_TMO + 1000,
						  x->ft->nr_buckets), 1U);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FCT), 3000U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F), 200U);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 0ULL);
	/* A late FIN of the expired flow does nothing. */
	obs(x, b, fx_tcp(&p, 1, ACK | FIN, 2, 301, 1000, 0),
	    US(4000) + AQ_KT_TMO + 2000);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 1ULL);

	/* Lazy timeout: the flow's own next packet after the timeout. */
	obs(x, b, fx_tcp(&p, 2, SYN, 1, 0, 1000, 0), US(10000));
	obs(x, b, fx_tcp(&p, 2, ACK, 2, 101, 1000, 0), US(10000) + AQ_KT_TMO + 1);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 2ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_FCT), 1ULL);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(x->ft), 0U);

	/* Flush of the VIP ends live flows once. */
	obs(x, b, fx_tcp(&p, 3, SYN, 1, 0, 1000, 0), US(20000));
	obs(x, b, fx_tcp(&p, 4, SYN, 1, 0, 1000, 0), US(20000));
	obs(x, b, fx_tcp(&p, 4, ACK, 2, 1, 1000, 0), US(21000));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 2ULL);
	KUNIT_EXPECT_EQ(test, aq_flowtable_flush(x->ft, x->s, US(30000)), 2U);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 4ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 0ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_FCT), 2ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FCT), 1000U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_flush(x->ft, x->s, US(30000)), 0U);
}

static void features_n_cls(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 8, 8, IPPROTO_TCP);
	struct aq_pkt p;
	unsigned int i;

	for (i = 0; i < 10; i++)
		obs(x, 1, fx_tcp(&p, i, SYN, 1, 0, 1000, 0), US(1000 + i));
	KUNIT_EXPECT_EQ(test, C(x, 1, AQ_C_N_FLOW), 8ULL);
	KUNIT_EXPECT_EQ(test, C(x, 1, AQ_C_N_FLOW_ON), 8ULL);
	KUNIT_EXPECT_EQ(test, C(x, 1, AQ_C_N_CLS), 2ULL);
	KUNIT_EXPECT_EQ(test, C(x, 1, AQ_C_N_PACKET), 10ULL);
	/* Segments of the untracked flows: no n_cls, no flow. */
	obs(x, 1, fx_tcp(&p, 8, ACK, 2, 1, 1000, 0), US(2000));
	KUNIT_EXPECT_EQ(test, C(x, 1, AQ_C_N_CLS), 2ULL);
	/* After the timeout, the idle flows make room for a new one. */
	obs(x, 1, fx_tcp(&p, 9, SYN, 1, 0, 1000, 0), US(1000) + AQ_KT_TMO + 1);
	KUNIT_EXPECT_EQ(test, C(x, 1, AQ_C_N_CLS), 2ULL);
	KUNIT_EXPECT_EQ(test, C(x, 1, AQ_C_N_FCT), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, 1, AQ_C_N_FLOW), 9ULL);
	KUNIT_EXPECT_EQ(test, C(x, 1, AQ_C_N_FLOW_ON), 8ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, 1, AQ_F_FCT), 0ULL);
}

/* The one-slot table: two flows of one index, the second untracked. */
static void features_one_slot_table(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 16, 1, IPPROTO_UDP);
	unsigned int c, first = 0, second;
	struct aq_flow_key k;
	struct aq_pkt p;
	u32 bk0 = 0;

	KUNIT_ASSERT_EQ(test, x->ft->ways, 1U);
	for (c = 0, second = 0; c < 512 && !second; c++) {
		u32 bk;

		fx_udp(&p, c, 1);
		aq_flow_key_init(&k, p.family, p.proto, p.saddr, p.daddr,
				 p.sport, p.dport);
		bk = aq_flowtable_hash(x->ft, &k) & 15;
		if (!c)
			bk0 = bk;
		else if (bk == bk0)
			second = c;
	}
	KUNIT_ASSERT_NE(test, second, 0U);
	obs(x, 6, fx_udp(&p, first, 10), US(1000));
	obs(x, 6, fx_udp(&p, second, 20), US(2000));
	KUNIT_EXPECT_EQ(test, C(x, 6, AQ_C_N_FLOW), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, 6, AQ_C_N_CLS), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, 6, AQ_C_N_PACKET), 2ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, 6, AQ_F_BYTE_P), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, 6, AQ_F_BYTE_P), 10U);
	/* Once the first is idle, the second takes the slot. */
	obs(x, 6, fx_udp(&p, second, 30), US(1000) + AQ_KT_TMO + 1);
	KUNIT_EXPECT_EQ(test, C(x, 6, AQ_C_N_FLOW), 2ULL);
	KUNIT_EXPECT_EQ(test, C(x, 6, AQ_C_N_FCT), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, 6, AQ_C_N_CLS), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, 6, AQ_F_BYTE_F), 10U);
	KUNIT_EXPECT_EQ(test, V(x, 6, AQ_F_FCT), 0U);
	KUNIT_EXPECT_EQ(test, V(x, 6, AQ_F_BYTE_P), 30U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_count(x->ft), 1U);
}

static void features_udp(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 64, 8, IPPROTO_UDP);
	struct aq_pkt p;
	const unsigned int b = 7;

	obs(x, b, fx_udp(&p, 1, 100), US(1000));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW), 1ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_P), 100U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F_ON), 100U);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_FLOW_DURATION), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FLOW_DURATION), 0U);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_IAT_PPF), 0ULL);
	obs(x, b, fx_udp(&p, 1, 200), US(1500));
	obs(x, b, fx_udp(&p, 1, 50), US(3000));
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW), 1ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_P), 50U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F_ON), 350U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_PPF), 1500U);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_IAT_PPF), 2ULL);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FLOW_DURATION), 2000U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_P), 1500U);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_LAT_SYNACK) +
			OFF(x, b, AQ_F_WIN) + OFF(x, b, AQ_F_D_WIN) +
			OFF(x, b, AQ_F_PT_1ST), 0ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_DPK) + C(x, b, AQ_C_N_OOO) +
			C(x, b, AQ_C_N_RTR), 0ULL);
	/* An empty datagram. */
	obs(x, b, fx_udp(&p, 1, 0), US(3100));
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_P), 0U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F_ON), 350U);
	/* Another client: iat_f. */
	obs(x, b, fx_udp(&p, 99, 7), US(4000));
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_F), 3000U);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 2ULL);
	/* Timeout: the first flow (last 3100 us) before the second. */
	KUNIT_EXPECT_EQ(test, aq_flowtable_expire(x->ft,
						  US(3100) + AQ_KT_TMO + 1,
						  x->ft->nr_buckets), 1U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FCT), 2100U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F), 350U);
	KUNIT_EXPECT_EQ(test, aq_flowtable_expire(x->ft,
						  US(4000) + AQ_KT_TMO + 1,
						  x->ft->nr_buckets), 1U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_FCT), 0U);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_BYTE_F), 7U);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FCT), 2ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_FLOW_ON), 0ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_FCT), 2ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_BYTE_F), 2ULL);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_PACKET), 5ULL);
}

static void features_saturation_and_time(struct kunit *test)
{
	struct aq_kunit_fx *x = aq_kunit_setup(test, 1, 64, 8, IPPROTO_TCP);
	const unsigned int b = 2;
	struct aq_pkt p;

	fx_tcp(&p, 1, ACK, 0, 0, 0, 0);
	/* A packet exactly at the epoch: slot time 1, never 0. */
	aq_observe(x->s, b, NULL, &p, AQ_KT_EPOCH);
	aq_observe(x->s, b, NULL, &p, AQ_KT_EPOCH + 5000ULL * NSEC_PER_SEC);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_P), U32_MAX);
	KUNIT_EXPECT_EQ(test, AQ_SLOT_TIME_MS(SLOT(x, b, AQ_F_IAT_P, 0)),
			5000000U);
	aq_observe(x->s, b, NULL, &p,
		   AQ_KT_EPOCH + 5000ULL * NSEC_PER_SEC - 10);
	KUNIT_EXPECT_EQ(test, V(x, b, AQ_F_IAT_P), 0U);
	KUNIT_EXPECT_NE(test, SLOT(x, b, AQ_F_IAT_P, 0), 0ULL);
	aq_observe(x->s, 64, NULL, &p, AQ_KT_EPOCH);
	aq_observe(x->s, UINT_MAX, x->ft, &p, AQ_KT_EPOCH);
	KUNIT_EXPECT_EQ(test, C(x, b, AQ_C_N_PACKET), 3ULL);
	KUNIT_EXPECT_EQ(test, OFF(x, b, AQ_F_IAT_P), 2ULL);
	aq_stats_vip_inc(x->s, AQ_VC_MALFORMED);
	aq_stats_vip_inc(x->s, AQ_VC_MALFORMED);
	aq_stats_vip_inc(x->s, AQ_VC_OTHER);
	KUNIT_EXPECT_EQ(test, aq_stats_vip_counter(x->s, AQ_VC_MALFORMED),
			2ULL);
	KUNIT_EXPECT_EQ(test, aq_stats_vip_counter(x->s, AQ_VC_OTHER), 1ULL);
	KUNIT_EXPECT_EQ(test, aq_stats_vip_counter(x->s, AQ_VC_FRAGMENT),
			0ULL);
}

static struct kunit_case aq_features_cases[] = {
	KUNIT_CASE(features_region_header),
	KUNIT_CASE(features_tcp_flow),
	KUNIT_CASE(features_tcp_syn_cases),
	KUNIT_CASE(features_tcp_byte_f),
	KUNIT_CASE(features_tcp_win_scale),
	KUNIT_CASE(features_tcp_pt),
	KUNIT_CASE(features_timeout_and_flush),
	KUNIT_CASE(features_n_cls),
	KUNIT_CASE(features_one_slot_table),
	KUNIT_CASE(features_udp),
	KUNIT_CASE(features_saturation_and_time),
	{}
};

static struct kunit_suite aq_features_suite = {
	.name = "aquarius_features",
	.init = aq_kunit_fx_init,
	.exit = aq_kunit_fx_exit,
	.test_cases = aq_features_cases,
};

kunit_test_suite(aq_features_suite);
