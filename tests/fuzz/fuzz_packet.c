// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the module's per-packet path: kmod/packet.c,
 * kmod/flowtable.c and kmod/features.c compiled for userspace against the
 * shim headers of tests/host, as the host tests do.
 *
 * An input is a configuration byte followed by packet records:
 *
 *	config	bits 0-1: reservoir slots 1 << n (1..8)
 *		bits 2-3: flow table ways 1 << n (1..8), 16 entries
 *		bit  4:   VIP protocol UDP instead of TCP (header only)
 *		bits 5-7: idle timeout (n + 1) * 2 ms
 *	record	byte 0: bit 0: IPv6 (else IPv4); bits 1-7: backend column
 *			modulo AQ_MAX_BACKENDS + 1 (AQ_MAX_BACKENDS: ignored)
 *		byte 1: time advance, byte^2 us (0..65 ms)
 *		byte 2: bits 0-3: bytes the packet has beyond its copy
 *			(pkt_len - hdr_len); bit 4: snapshot after it;
 *			bit 5: expiry walk after it; bits 6-7: CPU
 *		bytes 3-4: big-endian length of the copy, then its bytes
 *			(at most AQ_PARSE_MAX are handed to the parser, as
 *			the netfilter glue does; a short input ends the copy)
 *
 * Each copy goes to a heap buffer of its exact size, so ASan reports any
 * read past hdr_len. The parser must give the same answer twice, and a
 * packet it accepts must be consistent: its family, TCP or UDP, lengths
 * within the packet and the headers, wscale <= 14, no option fields
 * without their option, no TCP fields on UDP. Parsed packets go to aq_observe() with a fake clock
 * that only moves forward; unparsed ones are counted as the glue counts
 * them. Every 64 packets (and when a record asks) the harness takes a
 * snapshot and walks part of the table for idle flows, then checks:
 *
 *   - per backend n_fct <= n_flow, n_flow_on == n_flow - n_fct,
 *     n_packet == packets observed for it;
 *   - flows in the table == sum of n_flow_on (one owner);
 *   - the frame just written holds the counters and its sequence number;
 *   - reservoirs: no slot used without an offer, slot times in [1, now],
 *     durations no longer than the time since the epoch;
 *   - VIP counters == unparsed packets of each kind.
 *
 * At the end it flushes the table and checks that no flow is left, every
 * flow ended exactly once (n_fct == n_flow, n_flow_on == 0). Any violation
 * calls abort(), which libFuzzer reports like a sanitizer error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/socket.h>
#include <linux/random.h>

#include "aq_features.h"
#include "reservoir.h"

#define FZ_EPOCH_NS	1000000000ULL	/* 1 s */
#define FZ_ENTRIES	16
#define FZ_SNAP_EVERY	64
#define FZ_REC_HDR	5

struct fz_model {
	u64 n_packet[AQ_MAX_BACKENDS];
	u64 vip[AQ_NR_VIP_COUNTERS];
	u64 snapshots;
};

static struct aq_stats fz_stats;
static void *fz_region;
static size_t fz_region_max;

#define fz_check(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_packet: invariant: %s: ",	\
				#cond);					\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

/* What aq_parse_packet() promises about a packet it accepted. */
static void fz_check_parsed(const struct aq_pkt *p, u8 family,
			    unsigned int pkt_len)
{
	static const u8 zero[12];
	unsigned int l4min = p->proto == IPPROTO_TCP ? 20 : 8;
	unsigned int l3min = family == AF_INET ? 20 : 40;

	fz_check(p->family == family, "family %u", p->family);
	fz_check(p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP,
		 "proto %u", p->proto);
	fz_check(p->total_len <= pkt_len, "total_len %u > pkt_len %u",
		 p->total_len, pkt_len);
	fz_check(p->total_len >= l3min + l4min &&
		 p->payload_len <= p->total_len - l3min - l4min,
		 "payload_len %u total_len %u", p->payload_len, p->total_len);
	fz_check(p->wscale <= 14, "wscale %u", p->wscale);
	fz_check(p->has_wscale || !p->wscale, "wscale without option");
	fz_check(p->has_ts || (!p->tsval && !p->tsecr), "ts without option");
	if (family == AF_INET)
		fz_check(!memcmp(p->saddr + 4, zero, 12) &&
			 !memcmp(p->daddr + 4, zero, 12), "IPv4 address tail");
	if (p->proto == IPPROTO_UDP)
		fz_check(!p->tcp_flags && !p->seq && !p->ack && !p->window &&
			 !p->has_ts && !p->has_wscale, "TCP fields on UDP");
}

/*
 * The checks read the per-CPU counters and the region directly: this file
 * is built without coverage instrumentation, so only kmod/ code guides the
 * fuzzer and the checks stay cheap.
 */
static u64 fz_counter(unsigned int b, enum aq_counter c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(fz_stats.pcpu, cpu)->counters[b][c];
	return sum;
}

static u64 fz_vip_counter(enum aq_vip_counter c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(fz_stats.pcpu, cpu)->vip_counters[c];
	return sum;
}

static void fz_check_counters(struct aq_flowtable *ft,
			      const struct fz_model *m, bool flushed)
{
	u64 on_sum = 0;
	unsigned int b, c, in_table = aq_flowtable_count(ft);

	for (b = 0; b < AQ_MAX_BACKENDS; b++) {
		u64 flow = fz_counter(b, AQ_C_N_FLOW);
		u64 fct = fz_counter(b, AQ_C_N_FCT);
		u64 on = fz_counter(b, AQ_C_N_FLOW_ON);

		fz_check(fct <= flow, "backend %u: n_fct %llu n_flow %llu", b,
			 (unsigned long long)fct, (unsigned long long)flow);
		fz_check(on == flow - fct, "backend %u: n_flow_on %lld", b,
			 (long long)on);
		fz_check(fz_counter(b, AQ_C_N_PACKET) == m->n_packet[b],
			 "backend %u: n_packet %llu, observed %llu", b,
			 (unsigned long long)fz_counter(b, AQ_C_N_PACKET),
			 (unsigned long long)m->n_packet[b]);
		fz_check(fz_counter(b, AQ_C_N_CLS) <= m->n_packet[b] &&
			 flow <= m->n_packet[b], "backend %u: flows", b);
		if (flushed)
			fz_check(!on, "backend %u: flow on after flush", b);
		on_sum += on;
	}
	fz_check(on_sum == in_table, "n_flow_on %lld, table %u",
		 (long long)on_sum, in_table);
	for (c = 0; c < AQ_NR_VIP_COUNTERS; c++)
		fz_check(fz_vip_counter(c) == m->vip[c],
			 "vip counter %u", c);
}

/* Snapshot and check the frame it wrote. */
static void fz_snapshot(struct fz_model *m, u64 now_ns)
{
	struct aq_stats *s = &fz_stats;
	const struct aq_frame *fr;
	unsigned int b, c;
	u64 n = aq_stats_snapshot(s, now_ns, ~0ULL >> (now_ns & 63));

	fz_check(n == ++m->snapshots, "seq %llu", (unsigned long long)n);
	fz_check(s->hdr->latest_seq == n, "latest_seq");
	fr = (const struct aq_frame *)(s->frames +
				       (n % AQ_NR_FRAMES) * s->frame_size);
	fz_check(fr->seq == n && fr->time_ns == now_ns, "frame header");
	for (b = 0; b < AQ_MAX_BACKENDS; b++)
		for (c = 0; c < AQ_NR_COUNTERS; c++)
			fz_check(fr->counters[b][c] == fz_counter(b, c),
				 "frame counter %u/%u", b, c);
	for (c = 0; c < AQ_NR_VIP_COUNTERS; c++)
		fz_check(fr->vip_counters[c] == m->vip[c], "frame vip %u", c);
}

/* Features that measure a time between two packets already seen. */
static bool fz_is_duration(unsigned int f)
{
	return f == AQ_F_IAT_F || f == AQ_F_IAT_P || f == AQ_F_IAT_PPF ||
	       f == AQ_F_FLOW_DURATION || f == AQ_F_FCT ||
	       f == AQ_F_LAT_SYNACK;
}

static void fz_check_reservoirs(u64 now_ns)
{
	struct aq_stats *s = &fz_stats;
	u32 now_ms = aq_slot_time_ms(now_ns, s->epoch_ns);
	u64 max_us = (now_ns - s->epoch_ns) / 1000;
	unsigned int b, f, i;

	for (b = 0; b < AQ_MAX_BACKENDS; b++) {
		for (f = 0; f < AQ_NR_FEATURES; f++) {
			unsigned int k = b * AQ_NR_FEATURES + f;
			const u64 *sl = s->slots + (size_t)k * s->nr_slots;
			u64 offered = aq_stats_offered(s, b, f);
			unsigned int used = 0;

			for (i = 0; i < s->nr_slots; i++) {
				u32 t = AQ_SLOT_TIME_MS(sl[i]);
				u32 v = AQ_SLOT_VALUE(sl[i]);

				if (!sl[i])
					continue;
				used++;
				fz_check(t >= 1 && t <= now_ms,
					 "slot time %u now %u", t, now_ms);
				if (fz_is_duration(f))
					fz_check(v <= max_us, "feature %u: %u",
						 f, v);
			}
			fz_check(used <= offered, "backend %u feature %u",
				 b, f);
		}
	}
}

static void fz_check_all(struct aq_flowtable *ft, struct fz_model *m,
			 u64 now_ns)
{
	fz_snapshot(m, now_ns);
	fz_check_counters(ft, m, false);
	fz_check_reservoirs(now_ns);
}

/* Parse one copied packet and hand it on as the netfilter hook does. */
static void fz_packet(struct aq_flowtable *ft, struct fz_model *m,
		      const u8 *data, unsigned int len, unsigned int extra,
		      u8 family, unsigned int backend, u64 now_ns)
{
	unsigned int hdr_len = min_t(unsigned int, len, AQ_PARSE_MAX);
	unsigned int pkt_len = len + extra;
	struct aq_pkt pkt, again;
	u8 *copy;
	int res;

	/* Exact size (at least 1 byte for malloc), so ASan sees overreads. */
	copy = malloc(hdr_len ? hdr_len : 1);
	if (!copy)
		abort();
	memcpy(copy, data, hdr_len);
	res = aq_parse_packet(copy, hdr_len, pkt_len, family, &pkt);
	fz_check(res >= AQ_PARSE_OK && res <= AQ_PARSE_OTHER, "result %d",
		 res);
	/* A pure function of its input. */
	fz_check(aq_parse_packet(copy, hdr_len, pkt_len, family, &again) ==
		 res && (res != AQ_PARSE_OK || !memcmp(&pkt, &again,
						       sizeof(pkt))),
		 "parse not repeatable");
	free(copy);

	if (res == AQ_PARSE_MALFORMED || res == AQ_PARSE_FRAGMENT) {
		enum aq_vip_counter c = res == AQ_PARSE_FRAGMENT ?
			AQ_VC_FRAGMENT : AQ_VC_MALFORMED;

		aq_stats_vip_inc(&fz_stats, c);
		m->vip[c]++;
		return;
	}
	if (res != AQ_PARSE_OK)
		return;
	fz_check_parsed(&pkt, family, pkt_len);
	aq_observe(&fz_stats, backend, ft, &pkt, now_ns);
	if (backend < AQ_MAX_BACKENDS)
		m->n_packet[backend]++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aq_stats *s = &fz_stats;
	struct fz_model m;
	struct aq_flowtable *ft;
	unsigned int slots, ways, nr, ended, left;
	u64 now = FZ_EPOCH_NS, timeout;
	size_t pos = 1;
	u8 cfg;

	if (size < 1)
		return 0;
	cfg = data[0];
	slots = 1U << (cfg & 3);
	ways = 1U << ((cfg >> 2) & 3);
	timeout = (u64)(((cfg >> 5) & 7) + 1) * 2000000;

	/* Same random numbers (siphash key, reservoir) for the same input. */
	aq_shim_seed_random(0x5eedULL);
	aq_shim_set_cpu(0);
	memset(&m, 0, sizeof(m));
	/* The shim's per-CPU arena never frees: rewind it (one user). */
	aq_shim_pcpu_used = 0;
	if (aq_stats_init(s, fz_region, fz_region_max, slots,
			  cfg & 0x10 ? IPPROTO_UDP : IPPROTO_TCP, FZ_EPOCH_NS,
			  200000000) != 0)
		abort();
	ft = aq_flowtable_create(FZ_ENTRIES, ways, timeout, aq_flow_end);
	if (IS_ERR(ft))
		abort();

	for (nr = 0; pos + FZ_REC_HDR <= size; nr++) {
		const u8 *r = data + pos;
		unsigned int len = (r[3] << 8) | r[4];

		pos += FZ_REC_HDR;
		len = min_t(size_t, len, size - pos);
		now += (u64)r[1] * r[1] * 1000;
		aq_shim_set_cpu(r[2] >> 6);
		fz_packet(ft, &m, data + pos, len, r[2] & 15,
			  r[0] & 1 ? AF_INET6 : AF_INET,
			  (r[0] >> 1) % (AQ_MAX_BACKENDS + 1), now);
		pos += len;
		if (r[2] & 0x20)
			aq_flowtable_expire(ft, now, 1 + (r[1] & 7));
		if ((r[2] & 0x10) || nr % FZ_SNAP_EVERY == FZ_SNAP_EVERY - 1) {
			aq_flowtable_expire(ft, now, ft->nr_buckets / 2);
			fz_check_all(ft, &m, now);
		}
	}

	fz_check_counters(ft, &m, false);
	now += timeout / 2;
	left = aq_flowtable_count(ft);
	ended = aq_flowtable_flush(ft, s, now);
	fz_check(ended == left, "flush ended %u of %u", ended, left);
	fz_check(aq_flowtable_count(ft) == 0, "flows left after flush");
	fz_snapshot(&m, now);
	fz_check_counters(ft, &m, true);
	fz_check_reservoirs(now);

	aq_flowtable_destroy(ft);
	aq_stats_destroy(s);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_region_max = aq_stats_region_size(8);
	fz_region = aligned_alloc(4096, fz_region_max);
	if (!fz_region)
		abort();
	return 0;
}
