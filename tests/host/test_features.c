// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests for kmod/features.c (with flowtable.c and reservoir.h): every
 * feature's update with an injected clock and exact values, reservoir
 * slots, the snapshot protocol, and flow completion counted once.
 *
 * Most tests use 1-slot reservoirs, so a reservoir holds exactly the last
 * sample offered and "offered" counts the samples.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/socket.h>
#include <linux/random.h>

#include "tap.h"
#include "aq_features.h"
#include "reservoir.h"

#define EPOCH	1000000000ULL			/* 1 s */
#define US(x)	(EPOCH + (u64)(x) * 1000)	/* x us after the epoch */
#define TMO	(100ULL * 1000000000ULL)	/* flow idle timeout: 100 s */

static struct aq_stats S;
static void *region;
static struct aq_flowtable *FT;

static void setup(unsigned int slots, unsigned int entries, unsigned int ways)
{
	size_t size = aq_stats_region_size(slots);

	region = aligned_alloc(4096, size);
	if (!region || aq_stats_init(&S, region, size, slots, IPPROTO_TCP,
				     EPOCH, 200000000) != 0)
		abort();
	FT = aq_flowtable_create(entries, ways, TMO, aq_flow_end);
	if (IS_ERR(FT))
		abort();
}

static void teardown(void)
{
	aq_flowtable_flush(FT, &S, US(0));
	aq_flowtable_destroy(FT);
	aq_stats_destroy(&S);
	free(region);
}

static u64 C(unsigned int b, enum aq_counter c)
{
	return aq_stats_counter(&S, b, c);
}

static u64 OFF(unsigned int b, enum aq_feature f)
{
	return aq_stats_offered(&S, b, f);
}

static u64 SLOT(unsigned int b, enum aq_feature f, unsigned int i)
{
	return S.slots[((size_t)b * AQ_NR_FEATURES + f) * S.nr_slots + i];
}

/* Value of the last sample of a 1-slot reservoir. */
static long long V(unsigned int b, enum aq_feature f)
{
	return AQ_SLOT_VALUE(SLOT(b, f, 0));
}

static long long SV(unsigned int b, enum aq_feature f)
{
	return (s32)AQ_SLOT_VALUE(SLOT(b, f, 0));
}

static struct aq_pkt tcp(unsigned int client, u8 flags, u32 seq, u32 ack,
			 u16 win, u32 plen)
{
	struct aq_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = AF_INET;
	p.proto = IPPROTO_TCP;
	p.saddr[0] = 10;
	p.saddr[2] = client >> 8;
	p.saddr[3] = client;
	p.daddr[0] = 10;
	p.daddr[1] = 1;
	p.daddr[3] = 1;
	p.sport = 40000 + client;
	p.dport = 80;
	p.tcp_flags = flags;
	p.seq = seq;
	p.ack = ack;
	p.window = win;
	p.payload_len = plen;
	p.total_len = 40 + plen;
	return p;
}

static struct aq_pkt ts(struct aq_pkt p, u32 tsval, u32 tsecr)
{
	p.has_ts = 1;
	p.tsval = tsval;
	p.tsecr = tsecr;
	return p;
}

static void obs(unsigned int b, struct aq_pkt p, u64 now)
{
	aq_observe(&S, b, FT, &p, now);
}

#define SYN	AQ_TCP_SYN
#define ACK	AQ_TCP_ACK
#define FIN	AQ_TCP_FIN
#define RST	AQ_TCP_RST
#define PSH	AQ_TCP_PSH

static void test_region_header(void)
{
	struct aq_region_header *h;
	size_t size = aq_stats_region_size(128);

	TAP_EQ(aq_stats_region_size(0), 0, "0 slots invalid");
	TAP_EQ(aq_stats_region_size(100), 0, "100 slots (not 2^n) invalid");
	TAP_EQ(size % 4096, 0, "region size is a page multiple");
	setup(128, 64, 8);
	h = S.hdr;
	TAP_EQ(h->magic, AQ_REGION_MAGIC, "magic");
	TAP_EQ(h->version, AQ_LAYOUT_VERSION, "version");
	TAP_EQ(h->header_size, sizeof(*h), "header size");
	TAP_EQ(h->region_size, size, "region size in header");
	TAP_EQ(h->nr_backends, 64, "backends");
	TAP_EQ(h->nr_slots, 128, "slots");
	TAP_EQ(h->nr_counters, AQ_NR_COUNTERS, "nr counters");
	TAP_EQ(h->nr_vip_counters, AQ_NR_VIP_COUNTERS, "nr vip counters");
	TAP_EQ(h->nr_features, AQ_NR_FEATURES, "nr features");
	TAP_EQ(h->nr_frames, AQ_NR_FRAMES, "nr frames");
	TAP_EQ(h->frames_offset, 4096, "frames after the header page");
	TAP_CHECK(h->frame_size >= sizeof(struct aq_frame) &&
		  h->frame_size % 64 == 0, "frame size");
	TAP_CHECK(h->offered_offset >= h->frames_offset +
		  AQ_NR_FRAMES * h->frame_size, "offered after frames");
	TAP_CHECK(h->slots_offset >= h->offered_offset +
		  64 * AQ_NR_FEATURES * 8, "slots after offered");
	TAP_CHECK(h->slots_offset + 64ULL * AQ_NR_FEATURES * 128 * 8 <=
		  h->region_size, "slots inside the region");
	TAP_EQ(h->epoch_ns, EPOCH, "epoch");
	TAP_EQ(h->snapshot_interval_ns, 200000000, "interval");
	TAP_EQ(h->latest_seq, 0, "no snapshot yet");
	TAP_EQ(h->vip_proto, IPPROTO_TCP, "proto");
	TAP_CHECK(!strcmp(h->features[AQ_F_LAT_SYNACK].name, "lat_synack") &&
		  !strcmp(h->features[AQ_F_LAT_SYNACK].unit, "us"),
		  "feature name and unit");
	TAP_CHECK(!strcmp(h->features[AQ_F_BYTE_F].unit, "B"), "bytes unit");
	TAP_EQ(h->features[AQ_F_D_WIN].flags,
	       AQ_FIELD_SIGNED | AQ_FIELD_TCP_ONLY, "d_win signed, TCP only");
	TAP_EQ(h->counters[AQ_C_N_FLOW_ON].flags, AQ_FIELD_SIGNED,
	       "n_flow_on signed");
	TAP_CHECK(!strcmp(h->counters[AQ_C_N_PACKET].name, "n_packet"),
		  "counter name");
	TAP_CHECK(!strcmp(h->vip_counters[AQ_VC_FRAGMENT].name, "fragment"),
		  "vip counter name");
	teardown();
}

/* The whole life of one TCP flow with exact values. */
static void test_tcp_flow(void)
{
	const unsigned int b = 3;
	u64 n;

	setup(1, 64, 8);
	/* SYN at 1000 us: seq 100, wscale 7. */
	{
		struct aq_pkt p = ts(tcp(1, SYN, 100, 0, 64240, 0), 5000, 0);

		p.has_wscale = 1;
		p.wscale = 7;
		obs(b, p, US(1000));
	}
	TAP_EQ(C(b, AQ_C_N_PACKET), 1, "SYN: n_packet");
	TAP_EQ(C(b, AQ_C_N_FLOW), 1, "SYN: n_flow");
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 1, "SYN: n_flow_on");
	TAP_EQ(OFF(b, AQ_F_IAT_P), 0, "first packet: no iat_p");
	TAP_EQ(OFF(b, AQ_F_IAT_F), 0, "first flow: no iat_f");
	TAP_EQ(C(b + 1, AQ_C_N_PACKET), 0, "other backend untouched");

	/* Handshake ACK at 1500 us: ack 9001, tsecr 777 (SYN-ACK tsval). */
	obs(b, ts(tcp(1, ACK, 101, 9001, 1000, 0), 5001, 777), US(1500));
	TAP_EQ(OFF(b, AQ_F_LAT_SYNACK), 1, "lat_synack sampled");
	TAP_EQ(V(b, AQ_F_LAT_SYNACK), 500, "lat_synack = 1500 - 1000");
	TAP_EQ(V(b, AQ_F_IAT_P), 500, "iat_p = 500");
	TAP_EQ(V(b, AQ_F_IAT_PPF), 500, "iat_ppf = 500");
	TAP_EQ(OFF(b, AQ_F_WIN), 0, "handshake ACK: no win sample");
	TAP_EQ(OFF(b, AQ_F_BYTE_P), 0, "handshake ACK: no byte_p");
	TAP_EQ(AQ_SLOT_TIME_MS(SLOT(b, AQ_F_LAT_SYNACK, 0)), 1,
	       "slot time: 1.5 ms after epoch -> 1");

	/* Request at 2000 us: 100 bytes. */
	obs(b, ts(tcp(1, ACK | PSH, 101, 9001, 1000, 100), 5002, 777),
	    US(2000));
	TAP_EQ(C(b, AQ_C_N_DPK), 0, "request with same ack is no dup ACK");
	TAP_EQ(OFF(b, AQ_F_PT_1ST), 0, "no pt yet");

	/* Reply acknowledged at 12000 us: 1460 bytes; tsecr 787 = +10 ms. */
	obs(b, ts(tcp(1, ACK, 201, 9001 + 1460, 1001, 0), 5012, 787),
	    US(12000));
	TAP_EQ(V(b, AQ_F_BYTE_P), 1460, "byte_p = ack advance");
	TAP_EQ(V(b, AQ_F_BYTE_F_ON), 1460, "byte_f_on = ack - first ack");
	TAP_EQ(V(b, AQ_F_FLOW_DURATION), 11000, "flow_duration = 12000-1000");
	TAP_EQ(V(b, AQ_F_WIN), 1001 << 7, "win scaled by SYN wscale");
	TAP_EQ(SV(b, AQ_F_D_WIN), 1 << 7, "d_win = 128");
	TAP_EQ(OFF(b, AQ_F_PT_1ST), 1, "pt_1st sampled");
	TAP_EQ(V(b, AQ_F_PT_1ST), 9000, "pt_1st = 1000 + 10000 - 2000");
	TAP_EQ(OFF(b, AQ_F_PT_GEN), 0, "no pt_gen yet");

	/* Second reply at 13000 us: tsecr 788. */
	obs(b, ts(tcp(1, ACK, 201, 9001 + 2920, 1000, 0), 5013, 788),
	    US(13000));
	TAP_EQ(V(b, AQ_F_BYTE_P), 1460, "byte_p second");
	TAP_EQ(V(b, AQ_F_BYTE_F_ON), 2920, "byte_f_on grows");
	TAP_EQ(OFF(b, AQ_F_PT_1ST), 1, "pt_1st once per request");
	TAP_EQ(V(b, AQ_F_PT_GEN), 10000, "pt_gen = 1000 + 11000 - 2000");
	TAP_EQ(SV(b, AQ_F_D_WIN), -128, "d_win negative");

	/* Duplicate ACK, ACK going back, retransmitted data. */
	obs(b, ts(tcp(1, ACK, 201, 9001 + 2920, 1000, 0), 5013, 788),
	    US(13500));
	TAP_EQ(C(b, AQ_C_N_DPK), 1, "dup ACK counted");
	TAP_EQ(OFF(b, AQ_F_BYTE_P), 2, "dup ACK: no byte_p");
	obs(b, ts(tcp(1, ACK, 201, 9001 + 1460, 1000, 0), 5013, 788),
	    US(13600));
	TAP_EQ(C(b, AQ_C_N_OOO), 1, "ACK backwards counted");
	TAP_EQ(C(b, AQ_C_N_DPK), 1, "ACK backwards is no dup");
	obs(b, ts(tcp(1, ACK | PSH, 101, 9001 + 2920, 1000, 100), 5014, 788),
	    US(14000));
	TAP_EQ(C(b, AQ_C_N_RTR), 1, "retransmitted data counted");
	TAP_EQ(C(b, AQ_C_N_DPK), 1, "retransmission is no dup ACK");
	TAP_EQ(V(b, AQ_F_IAT_PPF), 400, "iat_ppf 14000 - 13600");
	TAP_EQ(C(b, AQ_C_N_FCT), 0, "flow not completed yet");

	/* FIN at 15000 us acknowledging the server's FIN (+1). */
	obs(b, ts(tcp(1, ACK | FIN, 201, 9001 + 2921, 1000, 0), 5015, 790),
	    US(15000));
	TAP_EQ(V(b, AQ_F_BYTE_P), 1, "FIN's ACK advance of 1 sampled");
	TAP_EQ(C(b, AQ_C_N_FCT), 1, "FIN completes the flow");
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 0, "n_flow_on back to 0");
	TAP_EQ(OFF(b, AQ_F_FCT), 1, "fct sampled");
	TAP_EQ(V(b, AQ_F_FCT), 14000, "fct = 15000 - 1000");
	TAP_EQ(V(b, AQ_F_BYTE_F), 2920, "byte_f excludes the server's FIN");
	TAP_EQ(aq_flowtable_count(FT), 0, "entry freed");

	/* Last ACK, a RST and a timeout walk later: nothing more ends. */
	obs(b, ts(tcp(1, ACK, 202, 9001 + 2921, 1000, 0), 5015, 790),
	    US(15500));
	obs(b, tcp(1, RST, 202, 0, 0, 0), US(16000));
	aq_flowtable_expire(FT, US(16000) + 2 * TMO, FT->nr_buckets);
	aq_flowtable_flush(FT, &S, US(16000) + 2 * TMO);
	TAP_EQ(C(b, AQ_C_N_FCT), 1, "FIN then RST then timeout: once");
	TAP_EQ(OFF(b, AQ_F_FCT), 1, "fct sampled once");
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 0, "n_flow_on still 0");
	TAP_EQ(C(b, AQ_C_N_PACKET), 11, "all 11 packets counted");
	TAP_EQ(V(b, AQ_F_IAT_P), 500, "iat_p of the RST");
	TAP_EQ(OFF(b, AQ_F_LAT_SYNACK), 1, "lat_synack once");

	/* A second flow: iat_f between SYNs. */
	obs(b, tcp(2, SYN, 1, 0, 1000, 0), US(21000));
	TAP_EQ(OFF(b, AQ_F_IAT_F), 1, "iat_f on the second flow");
	TAP_EQ(V(b, AQ_F_IAT_F), 20000, "iat_f = 21000 - 1000");
	TAP_EQ(C(b, AQ_C_N_FLOW), 2, "n_flow 2");

	/* Snapshot carries the folded counters. */
	n = aq_stats_snapshot(&S, US(30000), 1ULL << b);
	{
		struct aq_frame *fr = (struct aq_frame *)(S.frames +
					(n % AQ_NR_FRAMES) * S.frame_size);

		TAP_EQ(n, 1, "first snapshot is 1");
		TAP_EQ(S.hdr->latest_seq, 1, "latest_seq published");
		TAP_EQ(fr->seq, 1, "frame seq");
		TAP_EQ(fr->time_ns, US(30000), "frame time");
		TAP_EQ(fr->active, 1ULL << b, "frame active bitmap");
		TAP_EQ(fr->counters[b][AQ_C_N_PACKET], 12, "frame n_packet");
		TAP_EQ(fr->counters[b][AQ_C_N_FLOW_ON], 1, "frame n_flow_on");
		TAP_EQ(fr->counters[b][AQ_C_N_RTR], 1, "frame n_rtr");
	}
	teardown();
}

static void test_tcp_syn_cases(void)
{
	const unsigned int b = 0;

	setup(1, 64, 8);
	/* Retransmitted SYN: n_rtr, lat_synack from the last SYN. */
	obs(b, tcp(1, SYN, 500, 0, 1000, 0), US(1000));
	obs(b, tcp(1, SYN, 500, 0, 1000, 0), US(2000));
	TAP_EQ(C(b, AQ_C_N_RTR), 1, "retransmitted SYN: n_rtr");
	TAP_EQ(C(b, AQ_C_N_FLOW), 1, "retransmitted SYN: no new flow");
	obs(b, tcp(1, ACK, 501, 7001, 1000, 0), US(2300));
	TAP_EQ(V(b, AQ_F_LAT_SYNACK), 300, "lat_synack from the last SYN");
	/* No timestamps: data ACK gives no pt. */
	obs(b, tcp(1, ACK, 501, 7001, 1000, 10), US(2400));
	obs(b, tcp(1, ACK, 511, 7101, 1000, 0), US(3000));
	TAP_EQ(V(b, AQ_F_BYTE_P), 100, "byte_p without timestamps");
	TAP_EQ(OFF(b, AQ_F_PT_1ST) + OFF(b, AQ_F_PT_GEN), 0,
	       "no timestamps: no pt sample");
	TAP_EQ(V(b, AQ_F_WIN), 1000, "no wscale: raw window");

	/* A late duplicate of the handshake's SYN: n_rtr, the flow goes on. */
	obs(b, tcp(1, SYN, 500, 0, 1000, 0), US(3100));
	TAP_EQ(C(b, AQ_C_N_RTR), 2, "late duplicate SYN: n_rtr");
	TAP_EQ(C(b, AQ_C_N_FLOW), 1, "late duplicate SYN: no new flow");
	TAP_EQ(C(b, AQ_C_N_FCT), 0, "late duplicate SYN: the flow goes on");

	/* New SYN (other ISN) on the established tuple: old flow ends. */
	obs(b, tcp(1, SYN, 9000, 0, 1000, 0), US(5000));
	TAP_EQ(C(b, AQ_C_N_FCT), 1, "SYN on a live tuple ends the old flow");
	TAP_EQ(C(b, AQ_C_N_FLOW), 2, "and starts a new one");
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 1, "one flow on");
	TAP_EQ(V(b, AQ_F_FCT), 2100, "old fct = its last packet (the duplicate SYN) 3100 - 1000");
	TAP_EQ(V(b, AQ_F_BYTE_F), 100, "old byte_f");
	obs(b, tcp(1, ACK, 9001, 123, 1000, 0), US(5250));
	TAP_EQ(V(b, AQ_F_LAT_SYNACK), 250, "new flow's handshake");

	/* RST ends it. */
	obs(b, tcp(1, RST | ACK, 9001, 123, 0, 0), US(6000));
	TAP_EQ(C(b, AQ_C_N_FCT), 2, "RST completes");
	TAP_EQ(V(b, AQ_F_FCT), 1000, "fct at RST = 6000 - 5000");
	TAP_EQ(V(b, AQ_F_BYTE_F), 0, "no bytes");
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 0, "none on");

	/* A flow that never completes its handshake: n_fct but no fct. */
	obs(b, tcp(2, SYN, 1, 0, 1000, 0), US(7000));
	obs(b, tcp(2, RST, 2, 0, 0, 0), US(7100));
	TAP_EQ(C(b, AQ_C_N_FCT), 3, "SYN-state flow counted complete");
	TAP_EQ(OFF(b, AQ_F_FCT), 2, "but no fct sample");

	/* Non-SYN of an unknown flow: only counted as a packet. */
	obs(b, tcp(3, ACK, 1, 1, 1000, 0), US(7200));
	TAP_EQ(aq_flowtable_count(FT), 0, "ACK alone creates nothing");
	TAP_EQ(C(b, AQ_C_N_FLOW), 3, "no flow from an ACK");
	teardown();
}

static void test_timeout_and_flush(void)
{
	const unsigned int b = 5;

	setup(1, 64, 8);
	obs(b, tcp(1, SYN, 1, 0, 1000, 0), US(1000));
	obs(b, tcp(1, ACK, 2, 101, 1000, 0), US(1200));
	obs(b, tcp(1, ACK, 2, 301, 1000, 0), US(4000));
	/* Walker before the timeout: nothing. */
	aq_flowtable_expire(FT, US(4000) + TMO / 2, FT->nr_buckets);
	TAP_EQ(C(b, AQ_C_N_FCT), 0, "not idle yet");
	aq_flowtable_expire(FT, US(4000) + TMO + 1000, FT->nr_buckets);
	TAP_EQ(C(b, AQ_C_N_FCT), 1, "idle flow ended by the walker");
	TAP_EQ(V(b, AQ_F_FCT), 3000, "fct = last packet - start, not now");
	TAP_EQ(V(b, AQ_F_BYTE_F), 200, "byte_f = 301 - 101");
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 0, "n_flow_on 0");
	/* A late FIN of the expired flow does nothing. */
	obs(b, tcp(1, ACK | FIN, 2, 301, 1000, 0), US(4000) + TMO + 2000);
	TAP_EQ(C(b, AQ_C_N_FCT), 1, "late FIN: still once");

	/* Lazy timeout: the flow's own next packet after the timeout. */
	obs(b, tcp(2, SYN, 1, 0, 1000, 0), US(10000));
	obs(b, tcp(2, ACK, 2, 101, 1000, 0), US(10000) + TMO + 1);
	TAP_EQ(C(b, AQ_C_N_FCT), 2, "idle flow ended when touched");
	TAP_EQ(aq_flowtable_count(FT), 0, "and not recreated by an ACK");

	/* Flush of the VIP ends live flows once. */
	obs(b, tcp(3, SYN, 1, 0, 1000, 0), US(20000));
	obs(b, tcp(4, SYN, 1, 0, 1000, 0), US(20000));
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 2, "two live flows");
	TAP_EQ(aq_flowtable_flush(FT, &S, US(30000)), 2, "flush ends two");
	TAP_EQ(C(b, AQ_C_N_FCT), 4, "flush counted");
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 0, "nothing on after flush");
	TAP_EQ(aq_flowtable_flush(FT, &S, US(30000)), 0, "second flush: none");
	teardown();
}

static void test_n_cls(void)
{
	unsigned int i;

	setup(1, 8, 8);	/* one bucket of 8 */
	for (i = 0; i < 10; i++)
		obs(1, tcp(i, SYN, 1, 0, 1000, 0), US(1000 + i));
	TAP_EQ(C(1, AQ_C_N_FLOW), 8, "8 flows tracked");
	TAP_EQ(C(1, AQ_C_N_CLS), 2, "2 flows without room: n_cls");
	TAP_EQ(C(1, AQ_C_N_PACKET), 10, "all packets counted");
	teardown();
}

static void test_udp(void)
{
	struct aq_pkt p = tcp(1, 0, 0, 0, 0, 0);
	const unsigned int b = 7;

	setup(1, 64, 8);
	p.proto = IPPROTO_UDP;
	p.payload_len = 100;
	obs(b, p, US(1000));
	TAP_EQ(C(b, AQ_C_N_FLOW), 1, "UDP: first packet starts a flow");
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 1, "UDP: flow on");
	TAP_EQ(V(b, AQ_F_BYTE_P), 100, "UDP byte_p = payload");
	TAP_EQ(V(b, AQ_F_BYTE_F_ON), 100, "UDP byte_f_on");
	TAP_EQ(OFF(b, AQ_F_FLOW_DURATION), 1, "UDP flow_duration sampled");
	TAP_EQ(V(b, AQ_F_FLOW_DURATION), 0, "first packet: duration 0");
	TAP_EQ(OFF(b, AQ_F_IAT_PPF), 0, "first packet: no iat_ppf");
	p.payload_len = 200;
	obs(b, p, US(1500));
	p.payload_len = 50;
	obs(b, p, US(3000));
	TAP_EQ(C(b, AQ_C_N_FLOW), 1, "same 5-tuple, same flow");
	TAP_EQ(V(b, AQ_F_BYTE_F_ON), 350, "byte_f_on = 350");
	TAP_EQ(V(b, AQ_F_IAT_PPF), 1500, "iat_ppf = 1500");
	TAP_EQ(V(b, AQ_F_FLOW_DURATION), 2000, "flow_duration = 2000");
	TAP_EQ(V(b, AQ_F_IAT_P), 1500, "iat_p");
	TAP_EQ(OFF(b, AQ_F_LAT_SYNACK) + OFF(b, AQ_F_WIN), 0,
	       "no TCP features for UDP");
	/* Another client: iat_f. */
	p.saddr[3] = 99;
	obs(b, p, US(4000));
	TAP_EQ(V(b, AQ_F_IAT_F), 3000, "UDP iat_f = 4000 - 1000");
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 2, "two UDP flows on");
	/* Timeout ends both. */
	aq_flowtable_expire(FT, US(5000) + TMO, FT->nr_buckets);
	TAP_EQ(C(b, AQ_C_N_FCT), 2, "UDP flows end by timeout");
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 0, "none on");
	TAP_EQ(OFF(b, AQ_F_FCT), 2, "two fct samples");
	TAP_EQ(OFF(b, AQ_F_BYTE_F), 2, "two byte_f samples");
	teardown();

	/* The fct / byte_f of the first flow alone. */
	setup(1, 64, 8);
	p = tcp(1, 0, 0, 0, 0, 0);
	p.proto = IPPROTO_UDP;
	p.payload_len = 100;
	obs(b, p, US(1000));
	p.payload_len = 250;
	obs(b, p, US(3000));
	aq_flowtable_expire(FT, US(3000) + TMO + 1, FT->nr_buckets);
	TAP_EQ(V(b, AQ_F_FCT), 2000, "UDP fct = last - first packet");
	TAP_EQ(V(b, AQ_F_BYTE_F), 350, "UDP byte_f = payload sum");
	teardown();
}

/* aq_ns_to_us() against its definition (its fast paths end at 2^32, 2^41). */
static u32 ns_to_us_ref(s64 d)
{
	if (d <= 0)
		return 0;
	return d / 1000 > U32_MAX ? U32_MAX : (u32)(d / 1000);
}

static void test_ns_to_us(void)
{
	static const s64 edge[] = {
		S64_MIN, -1000, -1, 0, 1, 999, 1000, 1001, 1999,
		U32_MAX - 1000, U32_MAX - 295, U32_MAX - 294, U32_MAX,
		(s64)U32_MAX + 1, (s64)U32_MAX + 705, (s64)U32_MAX + 706,
		(1LL << 41) - 1001, (1LL << 41) - 1000, (1LL << 41) - 1,
		1LL << 41, (1LL << 41) + 1, (s64)U32_MAX * 1000 - 1,
		(s64)U32_MAX * 1000, (s64)U32_MAX * 1000 + 999,
		(s64)U32_MAX * 1000 + 1000, 1LL << 42, S64_MAX,
	};
	unsigned int i, bad = 0;
	u64 x = 88172645463325252ULL;

	for (i = 0; i < ARRAY_SIZE(edge); i++)
		bad += aq_ns_to_us(edge[i]) != ns_to_us_ref(edge[i]);
	for (i = 0; i < 1000000; i++) {
		s64 d;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Uniform in [0, 2^(i % 44)), and a few negative. */
		d = (s64)(x >> (64 - 1 - i % 44));
		if (i % 97 == 0)
			d = -d;
		bad += aq_ns_to_us(d) != ns_to_us_ref(d);
	}
	TAP_EQ(bad, 0, "aq_ns_to_us = floor(d / 1000), 0 if d <= 0, saturated");
}

static void test_saturation_and_time(void)
{
	const unsigned int b = 2;
	struct aq_pkt p = tcp(1, ACK, 0, 0, 0, 0);

	setup(1, 64, 8);
	/* A packet exactly at the epoch: slot time 1, never 0. */
	aq_observe(&S, b, NULL, &p, EPOCH);
	aq_observe(&S, b, NULL, &p, EPOCH + 5000ULL * 1000000000ULL);
	TAP_EQ(V(b, AQ_F_IAT_P), U32_MAX, "5000 s iat_p saturates");
	TAP_EQ(AQ_SLOT_TIME_MS(SLOT(b, AQ_F_IAT_P, 0)), 5000000,
	       "slot time in ms since epoch");
	aq_observe(&S, b, NULL, &p, EPOCH + 5000ULL * 1000000000ULL - 10);
	TAP_EQ(V(b, AQ_F_IAT_P), 0, "time going back: iat_p 0");
	TAP_CHECK(SLOT(b, AQ_F_IAT_P, 0) != 0, "sample slot never 0");
	aq_observe(&S, 64, NULL, &p, EPOCH);
	TAP_EQ(C(b, AQ_C_N_PACKET), 3, "backend 64 ignored");
	TAP_EQ(aq_slot_time_ms(EPOCH, EPOCH), 1, "time 0 ms is stored as 1");
	TAP_EQ(aq_slot_time_ms(EPOCH + 2500000, EPOCH), 2, "2.5 ms -> 2");
	TAP_EQ(aq_sat_s32(-5000000000LL), (u32)S32_MIN, "negative saturates");
	TAP_EQ(aq_sat_s32(5000000000LL), (u32)S32_MAX, "positive saturates");
	test_ns_to_us();
	aq_stats_vip_inc(&S, AQ_VC_MALFORMED);
	aq_stats_vip_inc(&S, AQ_VC_MALFORMED);
	TAP_EQ(aq_stats_vip_counter(&S, AQ_VC_MALFORMED), 2, "vip counter");
	teardown();
}

/* Reservoir with k slots: fill, offered counts, one random per packet. */
static void test_reservoir(void)
{
	const unsigned int b = 9, k = 64;
	struct aq_pkt p = tcp(1, ACK, 0, 0, 0, 0);
	unsigned int i, empty = 0, bad = 0, maxcalls = 0;

	setup(k, 64, 8);
	for (i = 0; i < k; i++)
		if (SLOT(b, AQ_F_IAT_P, i))
			empty++;
	TAP_EQ(empty, 0, "reservoir starts empty (all slots 0)");
	for (i = 0; i < 2000; i++) {
		u64 before = aq_shim_rand_calls, d;

		aq_observe(&S, b, NULL, &p, US(1000 + i * 10));
		d = aq_shim_rand_calls - before;
		if (d > maxcalls)
			maxcalls = d;
	}
	TAP_EQ(OFF(b, AQ_F_IAT_P), 1999, "offered counts every sample");
	empty = 0;
	for (i = 0; i < k; i++) {
		u64 s = SLOT(b, AQ_F_IAT_P, i);

		if (!s)
			empty++;
		else if (AQ_SLOT_VALUE(s) != 10 || AQ_SLOT_TIME_MS(s) < 1)
			bad++;
	}
	TAP_EQ(empty, 0, "1999 samples fill all 64 slots");
	TAP_EQ(bad, 0, "every slot holds a real sample (value 10, time >= 1)");
	TAP_CHECK(maxcalls <= 1, "at most one get_random_u32 per packet");

	/* A full TCP data ACK: several samples, still one random number. */
	obs(b, tcp(2, SYN, 1, 0, 1000, 0), US(100000));
	obs(b, ts(tcp(2, ACK, 2, 11, 1000, 0), 1, 50), US(100100));
	obs(b, ts(tcp(2, ACK, 2, 11, 1000, 5), 2, 50), US(100200));
	{
		u64 before = aq_shim_rand_calls;

		obs(b, ts(tcp(2, ACK | FIN, 7, 500, 900, 0), 3, 55),
		    US(100300));
		TAP_EQ(aq_shim_rand_calls - before, 1,
		       "data ACK + pt + flow end: one random number");
	}
	/* Sample times follow the packet time. */
	{
		unsigned int newest = 0;

		for (i = 0; i < k; i++)
			if (AQ_SLOT_TIME_MS(SLOT(b, AQ_F_IAT_P, i)) > newest)
				newest = AQ_SLOT_TIME_MS(SLOT(b, AQ_F_IAT_P, i));
		TAP_EQ(newest, 100, "newest iat_p sample at 100 ms");
	}
	teardown();
}

/* Snapshot protocol under a concurrent writer. */
static volatile int snap_stop;
static u64 snaps_written;

static void *snap_writer(void *arg)
{
	struct aq_pkt p = tcp(1, ACK, 0, 0, 0, 0);
	unsigned int b;
	u64 t = US(1);

	aq_shim_set_cpu(1);
	while (!snap_stop) {
		for (b = 0; b < AQ_MAX_BACKENDS; b++)
			aq_observe(&S, b, NULL, &p, t++);
		aq_stats_snapshot(&S, t, ~0ULL);
		__atomic_fetch_add(&snaps_written, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * The reader side of the uapi protocol; 1 if consistent. A slow reader
 * (slow != 0) yields in the middle of its copy so the writer laps it.
 */
static int read_frame_slow(struct aq_frame *out, int slow)
{
	u64 n = __atomic_load_n(&S.hdr->latest_seq, __ATOMIC_ACQUIRE), s1, s2;
	struct aq_frame *f;

	if (!n)
		return 0;
	f = (struct aq_frame *)(S.frames + (n % S.hdr->nr_frames) *
				S.hdr->frame_size);
	s1 = __atomic_load_n(&f->seq, __ATOMIC_ACQUIRE);
	memcpy(out, (void *)f, sizeof(*out) / 2);
	if (slow) {
		int i;

		for (i = 0; i < slow; i++)
			sched_yield();
	}
	memcpy((char *)out + sizeof(*out) / 2,
	       (char *)f + sizeof(*out) / 2, sizeof(*out) - sizeof(*out) / 2);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&f->seq, __ATOMIC_RELAXED);
	return s1 == n && s2 == n;
}

static int read_frame(struct aq_frame *out)
{
	return read_frame_slow(out, 0);
}

static void test_snapshot_concurrent(void)
{
	static struct aq_frame fr;
	unsigned int i, b, good = 0, torn = 0, slow_good = 0, slow_bad = 0;
	pthread_t th;

	setup(1, 64, 8);
	TAP_EQ(read_frame(&fr), 0, "no snapshot before the first");
	pthread_create(&th, NULL, snap_writer, NULL);
	/* Until enough frames were read during writing (also on 1 CPU). */
	for (i = 0; i < 50000000 && (good < 2000 ||
		    __atomic_load_n(&snaps_written, __ATOMIC_RELAXED) < 200);
	     i++) {
		if (i % 1024 == 0)
			sched_yield();
		if (!read_frame_slow(&fr, i % 8 == 0 ? 20 : 0)) {
			slow_bad += i % 8 == 0;
			continue;
		}
		good++;
		slow_good += i % 8 == 0;
		for (b = 1; b < AQ_MAX_BACKENDS; b++)
			if (fr.counters[b][AQ_C_N_PACKET] !=
			    fr.counters[0][AQ_C_N_PACKET])
				break;
		if (b != AQ_MAX_BACKENDS || fr.active != ~0ULL ||
		    fr.counters[0][AQ_C_N_PACKET] != fr.seq)
			torn++;
	}
	snap_stop = 1;
	pthread_join(th, NULL);
	TAP_CHECK(good > 0, "reader got consistent frames (%u)", good);
	TAP_EQ(torn, 0, "no torn frame passed the seq check");
	printf("# %u consistent reads, slow reader: %u consistent, %u retried\n",
	       good, slow_good, slow_bad);
	TAP_EQ(S.hdr->latest_seq, snaps_written, "latest_seq = snapshots");
	teardown();
}

/* Per-CPU counters and flow state from several threads: no lost update. */
#define MT_THREADS	4
#define MT_ITERS	5000

static void *mt_thread(void *arg)
{
	unsigned int t = (unsigned int)(unsigned long)arg, i;
	struct aq_pkt p = tcp(1, 0, 0, 0, 0, 0);

	aq_shim_set_cpu(t);
	p.proto = IPPROTO_UDP;
	p.payload_len = 3;
	for (i = 0; i < MT_ITERS; i++)
		aq_observe(&S, 4, FT, &p, US(1000 + i));
	return NULL;
}

static void test_multithread(void)
{
	pthread_t th[MT_THREADS];
	unsigned long i;

	setup(1, 64, 8);
	for (i = 0; i < MT_THREADS; i++)
		pthread_create(&th[i], NULL, mt_thread, (void *)i);
	for (i = 0; i < MT_THREADS; i++)
		pthread_join(th[i], NULL);
	TAP_EQ(C(4, AQ_C_N_PACKET), MT_THREADS * MT_ITERS,
	       "per-CPU n_packet from 4 CPUs");
	TAP_EQ(C(4, AQ_C_N_FLOW), 1, "one UDP flow");
	TAP_EQ(OFF(4, AQ_F_BYTE_P), MT_THREADS * MT_ITERS, "byte_p offered");
	TAP_EQ(S.offered[4 * AQ_NR_FEATURES + AQ_F_BYTE_P], 0,
	       "the region's offered counter waits for a snapshot");
	aq_stats_snapshot(&S, US(999999), 1ULL << 4);
	TAP_EQ(S.offered[4 * AQ_NR_FEATURES + AQ_F_BYTE_P],
	       MT_THREADS * MT_ITERS, "a snapshot folds the offered counters");
	aq_flowtable_flush(FT, &S, US(1000000));
	TAP_EQ(V(4, AQ_F_BYTE_F), 3 * MT_THREADS * MT_ITERS,
	       "byte_f: no lost flow update");
	TAP_EQ(C(4, AQ_C_N_FCT), 1, "one completion");
	teardown();
}

/*
 * features = the paper's 11-feature set: the counters as always, only
 * flow_duration and fct offered, with the values of all features.
 */
static void test_feature_mask(void)
{
	const unsigned int b = 2;
	unsigned int f;
	u64 others = 0;

	setup(1, 64, 8);
	S.features = AQ_FEATURES_PAPER11;
	obs(b, tcp(1, SYN, 100, 0, 1000, 0), US(1000));
	obs(b, tcp(2, SYN, 500, 0, 1000, 0), US(1100));
	obs(b, tcp(1, ACK, 101, 9001, 1000, 0), US(1500));
	obs(b, tcp(1, ACK | PSH, 101, 9001, 1000, 100), US(2000));
	obs(b, tcp(1, ACK, 201, 9001 + 1460, 1000, 0), US(12000));
	TAP_EQ(OFF(b, AQ_F_FLOW_DURATION), 1, "mask: flow_duration offered");
	TAP_EQ(V(b, AQ_F_FLOW_DURATION), 11000, "mask: flow_duration value");
	obs(b, tcp(1, ACK | FIN, 201, 9001 + 1460, 1000, 0), US(13000));
	TAP_EQ(OFF(b, AQ_F_FCT), 1, "mask: fct offered");
	TAP_EQ(V(b, AQ_F_FCT), 12000, "mask: fct = 13000 - 1000");
	TAP_EQ(C(b, AQ_C_N_PACKET), 6, "mask: n_packet counted");
	TAP_EQ(C(b, AQ_C_N_FLOW), 2, "mask: n_flow counted");
	TAP_EQ(C(b, AQ_C_N_FCT), 1, "mask: n_fct counted");
	TAP_EQ(C(b, AQ_C_N_FLOW_ON), 1, "mask: n_flow_on counted");
	for (f = 0; f < AQ_NR_FEATURES; f++)
		if (f != AQ_F_FLOW_DURATION && f != AQ_F_FCT)
			others += OFF(b, f) + SLOT(b, f, 0);
	TAP_EQ(others, 0, "mask: no other feature offered or stored");
	aq_flowtable_flush(FT, &S, US(20000));	/* flow 2, in state SYN */
	TAP_EQ(C(b, AQ_C_N_FCT), 2, "mask: flush counted");
	TAP_EQ(OFF(b, AQ_F_FCT), 1, "mask: a SYN flow gives no fct");
	teardown();
}

int main(void)
{
	aq_shim_seed_random(42);
	test_region_header();
	test_tcp_flow();
	test_tcp_syn_cases();
	test_timeout_and_flush();
	test_n_cls();
	test_udp();
	test_saturation_and_time();
	test_reservoir();
	test_feature_mask();
	test_snapshot_concurrent();
	test_multithread();
	return tap_done();
}
