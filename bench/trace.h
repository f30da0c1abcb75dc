/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deterministic trace of client->server TCP packets, as the module sees
 * them behind a load balancer with direct server return: raw IPv4 + TCP
 * headers with the lengths of the real packets, a time in ns and the
 * backend column of each packet.
 *
 * A fixed number of clients (the concurrent flows) each run one
 * connection after another: SYN (0.3% lost and sent again after 1 s),
 * handshake ACK, requests (1 + geometric, mean 3; 0.3% lost behind the
 * module and sent again after an RTO) each answered by a response of
 * exponentially distributed size (80% of mean 8 KB, 20% of mean 100 KB)
 * that the client acknowledges every second segment in slow-start rounds
 * of 10, 20, 40, ... 128 segments one RTT apart; 0.3% of server segments
 * are lost, the client then sends a duplicate ACK with a SACK block for
 * every later segment of the round until the retransmission arrives (its
 * ACK comes two RTTs after the round; the next round is halved); 0.5% of
 * ACKs arrive after the next one (an ACK going backwards). The window
 * grows by two segments an ACK (autotuning) up to 6 MB. Connections end with a client FIN
 * (64%; the ACK of the server's FIN follows), a server FIN acknowledged by
 * the client before its own FIN (25%), a client RST (10%) or nothing (1%,
 * left to the idle timeout). The next connection of a client starts at
 * once from a new address and port. RTTs are log-uniform in [2, 80] ms,
 * server processing times 0.1 ms + exponential (mean 4 ms), think times
 * exponential (mean 30 ms). Every packet carries the timestamp option;
 * SYNs carry MSS, SACK-permitted, timestamps and window scale 7.
 *
 * Clients start at uniform times in [0, ramp); packets before the ramp
 * ends are the warm-up (the flows are not yet all in progress).
 */
#ifndef AQ_BENCH_TRACE_H
#define AQ_BENCH_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* Largest header we generate: 20 (IPv4) + 20 (TCP) + 24 (options). */
#define AQ_TRACE_HDR_MAX	64

/* What a packet is, from the generator's point of view. */
enum aq_trace_kind {
	AQ_TK_SYN,		/* first SYN of a connection */
	AQ_TK_SYN_RTX,		/* the same SYN again */
	AQ_TK_HS_ACK,		/* handshake ACK */
	AQ_TK_REQ,		/* request: client data */
	AQ_TK_REQ_RTX,		/* the same request again */
	AQ_TK_ACK,		/* ACK of response data */
	AQ_TK_DUPACK,		/* duplicate ACK with a SACK block */
	AQ_TK_ACK_LATE,		/* ACK overtaken by the next one */
	AQ_TK_FIN_ACK,		/* ACK of the server's FIN, before ours */
	AQ_TK_FIN,		/* client FIN */
	AQ_TK_RST,		/* client RST */
	AQ_TK_AFTER,		/* ACK after the client's FIN */
	AQ_NR_TK
};

/* Data packets: established flow, no SYN, FIN or RST, not the first ACK. */
static inline int aq_trace_kind_is_data(unsigned int k)
{
	return k == AQ_TK_REQ || k == AQ_TK_REQ_RTX || k == AQ_TK_ACK ||
	       k == AQ_TK_DUPACK || k == AQ_TK_ACK_LATE || k == AQ_TK_FIN_ACK;
}

extern const char *const aq_trace_kind_names[AQ_NR_TK];

/**
 * struct aq_trace_rec - one packet (80 bytes)
 * @t_ns: time the packet passes the module, ns from the trace start.
 * @hdr_len: bytes of @hdr: the IP and TCP headers (the payload is absent).
 * @pkt_len: IP total length of the real packet.
 * @backend: backend column (the daddr is backend 10.1.0.(1 + @backend)).
 * @kind: enum aq_trace_kind.
 * @hdr: the headers, from the IPv4 header on.
 */
struct aq_trace_rec {
	uint64_t t_ns;
	uint16_t hdr_len;
	uint16_t pkt_len;
	uint8_t backend;
	uint8_t kind;
	uint8_t pad[2];
	uint8_t hdr[AQ_TRACE_HDR_MAX];
};

/**
 * struct aq_trace_params - what to generate
 * @flows: concurrent flows (clients).
 * @packets: packets after the warm-up.
 * @backends: backend columns used, 1..64.
 * @seed: the trace is a function of the parameters and this seed.
 * @ramp_ns: clients start in [0, @ramp_ns); the warm-up ends there.
 * @loss_pm: per mille of SYNs, requests and server segments lost.
 * @reorder_pm: per mille of response ACKs overtaken by the next ACK.
 */
struct aq_trace_params {
	unsigned int flows;
	unsigned long packets;
	unsigned int backends;
	uint64_t seed;
	uint64_t ramp_ns;
	unsigned int loss_pm;
	unsigned int reorder_pm;
};

/**
 * struct aq_trace - a generated trace
 * @recs: @n records in time order.
 * @n: records.
 * @warmup: records before the end of the ramp; @recs[@warmup] is the
 *	first packet to measure.
 * @connections: connections started.
 * @kinds: records of each enum aq_trace_kind after the warm-up.
 * @data: data packets after the warm-up.
 */
struct aq_trace {
	struct aq_trace_rec *recs;
	size_t n;
	size_t warmup;
	unsigned long connections;
	unsigned long kinds[AQ_NR_TK];
	unsigned long data;
};

/* Defaults for @p, then set flows and packets. */
void aq_trace_default_params(struct aq_trace_params *p);

/* Generate; 0 or -1 (out of memory, bad parameters). */
int aq_trace_generate(const struct aq_trace_params *p, struct aq_trace *t);

void aq_trace_free(struct aq_trace *t);

/* Write records [from, to) as a pcap file (LINKTYPE_RAW); 0 or -1. */
int aq_trace_write_pcap(const struct aq_trace *t, size_t from, size_t to,
			const char *path);

#endif /* AQ_BENCH_TRACE_H */
