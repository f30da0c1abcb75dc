// SPDX-License-Identifier: GPL-2.0
/*
 * Deterministic TCP trace generator (model in trace.h).
 *
 * Each client is a small state machine that always knows its next packet
 * (struct aq_tpkt); a binary heap of clients ordered by that packet's
 * time yields the packets in time order. Times are those at the module,
 * which sits next to the backends: a server answers a packet as it passes,
 * and the client's reaction to a server packet sent at time t arrives at
 * t + RTT. Only a splitmix64 generator seeded from the parameters is used,
 * so a trace depends on nothing else.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define NS_PER_US	1000ULL
#define NS_PER_MS	1000000ULL
#define MSS		1448U
#define SEG_GAP_NS	(12 * NS_PER_US)	/* 1448 B at ~1 Gbit/s */
#define WSCALE		7
#define SYN_WIN		64240U
#define WIN_MAX		(6U << 20)
#define ROUND_MAX	128U	/* segments a round (cwnd), at most */
#define SERVER_PORT	8080

const char *const aq_trace_kind_names[AQ_NR_TK] = {
	[AQ_TK_SYN]	= "syn",
	[AQ_TK_SYN_RTX]	= "syn_rtx",
	[AQ_TK_HS_ACK]	= "hs_ack",
	[AQ_TK_REQ]	= "req",
	[AQ_TK_REQ_RTX]	= "req_rtx",
	[AQ_TK_ACK]	= "ack",
	[AQ_TK_DUPACK]	= "dupack",
	[AQ_TK_ACK_LATE] = "ack_late",
	[AQ_TK_FIN_ACK]	= "fin_ack",
	[AQ_TK_FIN]	= "fin",
	[AQ_TK_RST]	= "rst",
	[AQ_TK_AFTER]	= "after",
};

enum { OPT_SYN, OPT_TS, OPT_SACK };

/* TCP flags (byte 13). */
#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10

/* A packet to emit. */
struct aq_tpkt {
	uint64_t t;
	uint32_t seq, ack, tsecr, sack_l, sack_r;
	uint16_t payload, win;
	uint8_t flags, opts, kind;
};

/* What a client does after its pending packet. */
enum step {
	S_SYN,		/* SYN pending */
	S_HS,		/* handshake ACK pending */
	S_REQ,		/* request pending */
	S_RESP,		/* response ACKs pending */
	S_RESP_END,	/* the response's last ACK pending */
	S_CLOSE,	/* close sequence pending */
	S_DONE,		/* last packet pending: a new connection follows */
};

enum close_kind { C_CFIN, C_SFIN, C_RST, C_ABANDON };

struct client {
	struct aq_tpkt next;
	struct aq_tpkt late;	/* an ACK overtaken by @next */
	bool has_late;
	uint8_t step, close, backend, sub;
	uint32_t saddr;
	uint16_t sport, ip_id;
	uint64_t rtt;
	uint32_t c_nxt;		/* client's next sequence number */
	uint32_t rcv_nxt;	/* client's ack: next server byte expected */
	uint32_t c_ts_off, s_ts_off, ts_recent;
	uint32_t win_bytes;
	uint16_t win_raw;	/* last window advertised */
	unsigned int reqs_left;
	/* the request in progress */
	uint32_t req_seq;
	uint16_t req_len;
	/* the response in progress */
	uint32_t resp_base, resp_len, nseg, seg, round_size, pos;
	int32_t hole;		/* lost segment, -1 none */
	uint32_t unacked;	/* in-order segments not acknowledged yet */
	uint64_t t_round, last_send;
};

struct gen {
	uint64_t rng;
	const struct aq_trace_params *p;
	struct client *c;
	uint32_t *heap;
	unsigned int nheap;
	struct aq_trace *t;
	size_t cap;
};

static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1]. */
static double rnd_unit(struct gen *g)
{
	return ((rnd(g) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

static uint64_t rnd_exp(struct gen *g, double mean)
{
	return (uint64_t)(-mean * log(rnd_unit(g)));
}

static uint64_t rnd_range(struct gen *g, uint64_t lo, uint64_t hi)
{
	return lo + rnd(g) % (hi - lo + 1);
}

static bool rnd_pm(struct gen *g, unsigned int pm)
{
	return rnd(g) % 1000 < pm;
}

static uint32_t c_ts(const struct client *c, uint64_t t)
{
	return c->c_ts_off + (uint32_t)(t / NS_PER_MS);
}

static uint32_t s_ts(const struct client *c, uint64_t t)
{
	return c->s_ts_off + (uint32_t)(t / NS_PER_MS);
}

static void pkt(struct client *c, uint64_t t, uint8_t kind, uint8_t flags,
		uint32_t seq, uint16_t payload)
{
	struct aq_tpkt *n = &c->next;

	memset(n, 0, sizeof(*n));
	n->t = t;
	n->kind = kind;
	n->flags = flags;
	n->seq = seq;
	n->ack = c->rcv_nxt;
	n->payload = payload;
	n->win = c->win_raw;
	n->tsecr = c->ts_recent;
	n->opts = OPT_TS;
}

static void start_connection(struct gen *g, struct client *c, uint64_t t)
{
	unsigned int r;

	memset(c, 0, sizeof(*c));
	c->saddr = 0x64400000u | (uint32_t)(rnd(g) & 0x3fffff);	/* 100.64/10 */
	c->sport = (uint16_t)rnd_range(g, 32768, 60999);
	c->backend = (uint8_t)(rnd(g) % g->p->backends);
	c->ip_id = (uint16_t)rnd(g);
	/* log-uniform in [2, 80] ms */
	c->rtt = (uint64_t)(2e6 * exp(rnd_unit(g) * log(40.0)));
	c->c_nxt = (uint32_t)rnd(g);
	c->rcv_nxt = 0;
	c->c_ts_off = (uint32_t)rnd(g);
	c->s_ts_off = (uint32_t)rnd(g);
	c->win_bytes = (SYN_WIN >> WSCALE) << WSCALE;
	c->win_raw = SYN_WIN;
	for (c->reqs_left = 1; c->reqs_left < 50 && rnd(g) % 3 != 0; )
		c->reqs_left++;
	r = rnd(g) % 100;
	c->close = r < 64 ? C_CFIN : r < 89 ? C_SFIN : r < 99 ? C_RST :
		C_ABANDON;
	c->step = S_SYN;
	pkt(c, t, AQ_TK_SYN, F_SYN, c->c_nxt, 0);
	c->next.opts = OPT_SYN;
	c->next.tsecr = 0;
	c->next.ack = 0;
}

static void start_request(struct gen *g, struct client *c, uint64_t t)
{
	c->req_seq = c->c_nxt;
	c->req_len = (uint16_t)rnd_range(g, 150, 900);
	c->c_nxt += c->req_len;
	c->step = S_REQ;
	c->sub = 0;
	pkt(c, t, AQ_TK_REQ, F_PSH | F_ACK, c->req_seq, c->req_len);
}

static void start_response(struct gen *g, struct client *c, uint64_t t_req)
{
	uint64_t pt = 100 * NS_PER_US + rnd_exp(g, 4e6);
	double mean = rnd(g) % 5 ? 8192 : 102400;

	c->resp_len = 200 + (uint32_t)rnd_exp(g, mean);
	if (c->resp_len > (2U << 20))
		c->resp_len = 2U << 20;
	c->resp_base = c->rcv_nxt;
	c->nseg = (c->resp_len + MSS - 1) / MSS;
	c->seg = 0;
	c->round_size = 10;
	c->pos = 0;
	c->hole = -1;
	c->unacked = 0;
	c->t_round = t_req + pt;
	c->last_send = c->t_round;
	c->step = S_RESP;
}

static uint32_t seg_end(const struct client *c, uint32_t i)
{
	uint64_t end = (uint64_t)(i + 1) * MSS;

	return c->resp_base + (uint32_t)(end < c->resp_len ? end : c->resp_len);
}

/* A response ACK advancing rcv_nxt; the window grows as Linux autotunes. */
static void resp_ack(struct client *c, uint64_t t)
{
	if (c->win_bytes < WIN_MAX)
		c->win_bytes += 2 * MSS;
	c->win_raw = (uint16_t)(c->win_bytes >> WSCALE);
	pkt(c, t, AQ_TK_ACK, F_ACK, c->c_nxt, 0);
	c->unacked = 0;
}

/* The next ACK of the response into c->next; false when it is complete. */
static bool resp_next(struct gen *g, struct client *c)
{
	for (;;) {
		uint64_t send;
		uint32_t i;

		if (c->seg == c->nseg || c->pos == c->round_size) {
			if (c->hole >= 0) {
				/*
				 * The duplicate ACKs reach the server, which
				 * resends the hole; the client's cumulative ACK
				 * comes back one RTT later.
				 */
				uint64_t t = c->last_send + 2 * c->rtt;

				c->hole = -1;
				c->rcv_nxt = seg_end(c, c->seg - 1);
				c->ts_recent = s_ts(c, t - c->rtt);
				resp_ack(c, t);
				c->round_size = c->round_size / 2 > 2 ?
					c->round_size / 2 : 2;
				c->t_round = t;
				c->last_send = t;
				c->pos = 0;
				return true;
			}
			if (c->seg == c->nseg)
				return false;
			c->t_round += c->rtt;
			if (c->t_round < c->last_send + SEG_GAP_NS)
				c->t_round = c->last_send + SEG_GAP_NS;
			if (c->round_size < ROUND_MAX)
				c->round_size *= 2;
			c->pos = 0;
		}
		send = c->t_round + (uint64_t)c->pos * SEG_GAP_NS;
		c->pos++;
		c->last_send = send;
		i = c->seg++;
		if (c->hole < 0 && rnd_pm(g, g->p->loss_pm)) {
			c->hole = (int32_t)i;
			continue;
		}
		if (c->hole >= 0) {
			pkt(c, send + c->rtt, AQ_TK_DUPACK, F_ACK, c->c_nxt, 0);
			c->next.opts = OPT_SACK;
			c->next.sack_l = seg_end(c, (uint32_t)c->hole);
			c->next.sack_r = seg_end(c, i);
			return true;
		}
		c->rcv_nxt = seg_end(c, i);
		c->ts_recent = s_ts(c, send);
		if (++c->unacked >= 2 || c->seg == c->nseg) {
			resp_ack(c, send + c->rtt);
			return true;
		}
	}
}

static void start_close(struct gen *g, struct client *c, uint64_t t)
{
	c->step = S_CLOSE;
	c->sub = 0;
	switch (c->close) {
	case C_CFIN:
		pkt(c, t + rnd_exp(g, 30e6), AQ_TK_FIN, F_FIN | F_ACK,
		    c->c_nxt, 0);
		c->c_nxt++;
		break;
	case C_SFIN: {
		/* The server closes; its FIN passes the module at ts. */
		uint64_t ts = t + rnd_exp(g, 100e6);

		c->rcv_nxt++;
		c->ts_recent = s_ts(c, ts);
		pkt(c, ts + c->rtt, AQ_TK_FIN_ACK, F_ACK, c->c_nxt, 0);
		break;
	}
	case C_RST:
		pkt(c, t + rnd_exp(g, 30e6), AQ_TK_RST, F_RST | F_ACK,
		    c->c_nxt, 0);
		c->next.win = 0;
		c->step = S_DONE;
		break;
	default:
		/* Abandoned: the client vanishes; the next one takes over. */
		start_connection(g, c, t + rnd_exp(g, 30e6));
		break;
	}
}

/* After the wrapped response, or when there is none to wait for. */
static void after_response(struct gen *g, struct client *c, uint64_t t)
{
	if (--c->reqs_left)
		start_request(g, c, t + rnd_exp(g, 30e6));
	else
		start_close(g, c, t);
}

/* c->next was emitted: compute the following packet. */
static void advance(struct gen *g, struct client *c)
{
	uint64_t t = c->next.t;

	if (c->has_late) {
		c->next = c->late;
		c->has_late = false;
		return;
	}
	switch (c->step) {
	case S_SYN:
		if (c->sub == 0 && rnd_pm(g, g->p->loss_pm)) {
			c->sub = 1;
			c->next.t = t + 1000 * NS_PER_MS;
			c->next.kind = AQ_TK_SYN_RTX;
			return;
		}
		c->c_nxt++;
		c->rcv_nxt = (uint32_t)rnd(g) + 1;	/* server ISN + 1 */
		c->ts_recent = s_ts(c, t + 50 * NS_PER_US);
		c->win_raw = (uint16_t)(c->win_bytes >> WSCALE);
		c->step = S_HS;
		pkt(c, t + c->rtt, AQ_TK_HS_ACK, F_ACK, c->c_nxt, 0);
		return;
	case S_HS:
		start_request(g, c, t + rnd_range(g, 20, 200) * NS_PER_US);
		return;
	case S_REQ:
		if (c->sub == 0 && rnd_pm(g, g->p->loss_pm)) {
			/* Lost behind the module: resent after an RTO. */
			uint64_t rto = 200 * NS_PER_MS + c->rtt;

			c->sub = 1;
			pkt(c, t + rto, AQ_TK_REQ_RTX, F_PSH | F_ACK,
			    c->req_seq, c->req_len);
			return;
		}
		start_response(g, c, t);
		/* fall through */
	case S_RESP:
		if (!resp_next(g, c)) {
			after_response(g, c, c->last_send + c->rtt);
			return;
		}
		if (c->next.kind == AQ_TK_ACK &&
		    rnd_pm(g, g->p->reorder_pm)) {
			struct aq_tpkt first = c->next;

			if (resp_next(g, c)) {
				c->late = first;
				c->late.kind = AQ_TK_ACK_LATE;
				c->late.t = c->next.t + 2 * NS_PER_US;
				c->has_late = true;
			} else {
				/* It was the last ACK: nothing to overtake it. */
				c->next = first;
				c->step = S_RESP_END;
			}
		}
		return;
	case S_RESP_END:
		after_response(g, c, c->last_send + c->rtt);
		return;
	case S_CLOSE:
		if (c->close == C_CFIN) {
			/* The server's FIN+ACK, answered one RTT later. */
			c->rcv_nxt++;
			c->ts_recent = s_ts(c, t + 50 * NS_PER_US);
			pkt(c, t + c->rtt, AQ_TK_AFTER, F_ACK, c->c_nxt, 0);
		} else {
			pkt(c, t + rnd_range(g, 20, 200) * NS_PER_US,
			    AQ_TK_FIN, F_FIN | F_ACK, c->c_nxt, 0);
			c->c_nxt++;
		}
		c->step = S_DONE;
		return;
	default:
		start_connection(g, c, t + rnd_range(g, 0, 1000) * NS_PER_US);
		return;
	}
}

static uint16_t ip_csum(const uint8_t *h)
{
	uint32_t s = 0;
	int i;

	for (i = 0; i < 20; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void put_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = 8;
	o[1] = 10;
	put32(o + 2, tsval);
	put32(o + 6, tsecr);
}

static void emit(struct client *c, struct aq_trace_rec *r)
{
	const struct aq_tpkt *n = &c->next;
	uint8_t *ip = r->hdr, *tcp = r->hdr + 20, *o = tcp + 20;
	unsigned int olen;

	memset(r, 0, sizeof(*r));
	switch (n->opts) {
	case OPT_SYN:	/* MSS, SACK permitted, timestamps, NOP, wscale */
		o[0] = 2;
		o[1] = 4;
		put16(o + 2, MSS);
		o[4] = 4;
		o[5] = 2;
		put_ts(o + 6, c_ts(c, n->t), n->tsecr);
		o[16] = 1;
		o[17] = 3;
		o[18] = 3;
		o[19] = WSCALE;
		olen = 20;
		break;
	case OPT_SACK:	/* NOP, NOP, timestamps, NOP, NOP, one SACK block */
		o[0] = 1;
		o[1] = 1;
		put_ts(o + 2, c_ts(c, n->t), n->tsecr);
		o[12] = 1;
		o[13] = 1;
		o[14] = 5;
		o[15] = 10;
		put32(o + 16, n->sack_l);
		put32(o + 20, n->sack_r);
		olen = 24;
		break;
	default:	/* NOP, NOP, timestamps */
		o[0] = 1;
		o[1] = 1;
		put_ts(o + 2, c_ts(c, n->t), n->tsecr);
		olen = 12;
		break;
	}
	ip[0] = 0x45;
	put16(ip + 2, 40 + olen + n->payload);
	put16(ip + 4, c->ip_id++);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 63;
	ip[9] = 6;			/* TCP */
	put32(ip + 12, c->saddr);
	put32(ip + 16, 0x0a010001u + c->backend);	/* 10.1.0.(1 + b) */
	put16(ip + 10, ip_csum(ip));
	put16(tcp, c->sport);
	put16(tcp + 2, SERVER_PORT);
	put32(tcp + 4, n->seq);
	put32(tcp + 8, n->flags & F_ACK ? n->ack : 0);
	tcp[12] = (uint8_t)(((20 + olen) / 4) << 4);
	tcp[13] = n->flags;
	put16(tcp + 14, n->win);
	/* TCP checksum left 0: the payload is not in the trace. */

	r->t_ns = n->t;
	r->hdr_len = (uint16_t)(40 + olen);
	r->pkt_len = (uint16_t)(40 + olen + n->payload);
	r->backend = c->backend;
	r->kind = n->kind;
}

static bool heap_less(const struct gen *g, uint32_t a, uint32_t b)
{
	return g->c[a].next.t < g->c[b].next.t ||
	       (g->c[a].next.t == g->c[b].next.t && a < b);
}

static void heap_down(struct gen *g, unsigned int i)
{
	for (;;) {
		unsigned int l = 2 * i + 1, m = i;
		uint32_t tmp;

		if (l < g->nheap && heap_less(g, g->heap[l], g->heap[m]))
			m = l;
		if (l + 1 < g->nheap && heap_less(g, g->heap[l + 1], g->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		tmp = g->heap[i];
		g->heap[i] = g->heap[m];
		g->heap[m] = tmp;
		i = m;
	}
}

void aq_trace_default_params(struct aq_trace_params *p)
{
	memset(p, 0, sizeof(*p));
	p->flows = 10000;
	p->packets = 1000000;
	p->backends = 8;
	p->seed = 1;
	p->ramp_ns = 300 * NS_PER_MS;
	p->loss_pm = 3;
	p->reorder_pm = 5;
}

int aq_trace_generate(const struct aq_trace_params *p, struct aq_trace *t)
{
	struct gen g = { .p = p, .t = t };
	size_t measured = 0;
	unsigned int i;

	memset(t, 0, sizeof(*t));
	if (!p->flows || !p->packets || !p->backends || p->backends > 64 ||
	    p->loss_pm > 1000 || p->reorder_pm > 1000)
		return -1;
	g.rng = p->seed ^ ((uint64_t)p->flows << 32);
	g.c = calloc(p->flows, sizeof(*g.c));
	g.heap = calloc(p->flows, sizeof(*g.heap));
	g.cap = p->packets + (size_t)p->flows * 32;
	t->recs = malloc(g.cap * sizeof(*t->recs));
	if (!g.c || !g.heap || !t->recs)
		goto fail;

	for (i = 0; i < p->flows; i++) {
		start_connection(&g, &g.c[i], rnd(&g) % p->ramp_ns);
		g.heap[i] = i;
	}
	g.nheap = p->flows;
	for (i = p->flows / 2; i-- > 0; )
		heap_down(&g, i);

	t->warmup = (size_t)-1;
	while (measured < p->packets) {
		struct client *c = &g.c[g.heap[0]];
		uint64_t prev = c->next.t;
		struct aq_trace_rec *r;

		if (t->n == g.cap) {
			struct aq_trace_rec *n;

			g.cap *= 2;
			n = realloc(t->recs, g.cap * sizeof(*n));
			if (!n)
				goto fail;
			t->recs = n;
		}
		if (t->warmup == (size_t)-1 && prev >= p->ramp_ns)
			t->warmup = t->n;
		if (c->next.kind == AQ_TK_SYN)
			t->connections++;
		r = &t->recs[t->n++];
		emit(c, r);
		if (t->warmup != (size_t)-1) {
			measured++;
			t->kinds[r->kind]++;
			t->data += aq_trace_kind_is_data(r->kind);
		}
		advance(&g, c);
		/* Per client, time never goes backwards. */
		if (c->next.t <= prev)
			c->next.t = prev + 1;
		heap_down(&g, 0);
	}
	free(g.c);
	free(g.heap);
	return 0;
fail:
	free(g.c);
	free(g.heap);
	aq_trace_free(t);
	return -1;
}

void aq_trace_free(struct aq_trace *t)
{
	free(t->recs);
	memset(t, 0, sizeof(*t));
}

int aq_trace_write_pcap(const struct aq_trace *t, size_t from, size_t to,
			const char *path)
{
	/* pcap: magic, v2.4, zone, sigfigs, snaplen, LINKTYPE_RAW (101) */
	const uint32_t ghdr[6] = { 0xa1b23c4d, 0x00040002, 0, 0, 65535, 101 };
	FILE *f = fopen(path, "wb");
	size_t i;

	if (!f)
		return -1;
	fwrite(ghdr, sizeof(ghdr), 1, f);
	for (i = from; i < to && i < t->n; i++) {
		const struct aq_trace_rec *r = &t->recs[i];
		uint32_t ph[4] = {
			(uint32_t)(r->t_ns / 1000000000ULL),
			(uint32_t)(r->t_ns % 1000000000ULL),	/* ns pcap */
			r->hdr_len, r->pkt_len,
		};

		fwrite(ph, sizeof(ph), 1, f);
		fwrite(r->hdr, r->hdr_len, 1, f);
	}
	return fclose(f) ? -1 : 0;
}
