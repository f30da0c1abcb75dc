// SPDX-License-Identifier: GPL-2.0
/* Host tests for kmod/packet.c: crafted IPv4/IPv6 TCP/UDP headers. */
#include <stdlib.h>
#include <string.h>
#include <linux/in.h>
#include <linux/socket.h>
#include <linux/kernel.h>

#include "tap.h"
#include "packet.h"

static void put16(unsigned char *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(unsigned char *p, unsigned int v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* IPv4 header of ihl words with options filled with NOPs (type 1). */
static unsigned int ip4(unsigned char *b, unsigned int ihl, unsigned int proto,
			unsigned int tot_len, unsigned int frag)
{
	memset(b, 0, ihl * 4);
	b[0] = 0x40 | ihl;
	put16(b + 2, tot_len);
	put16(b + 6, frag);
	b[8] = 64;
	b[9] = proto;
	put32(b + 12, 0x0a000001);
	put32(b + 16, 0x0a000102);
	memset(b + 20, 1, ihl * 4 - 20);
	return ihl * 4;
}

static unsigned int ip6(unsigned char *b, unsigned int nexthdr,
			unsigned int plen)
{
	unsigned int i;

	memset(b, 0, 40);
	b[0] = 0x60;
	put16(b + 4, plen);
	b[6] = nexthdr;
	b[7] = 64;
	for (i = 0; i < 16; i++) {
		b[8 + i] = 0x20 + i;
		b[24 + i] = 0x40 + i;
	}
	return 40;
}

/* TCP header with the given options (padded by the caller). */
static unsigned int tcp(unsigned char *b, unsigned int doff_words,
			unsigned int flags, const unsigned char *opt,
			unsigned int optlen)
{
	memset(b, 0, 20);
	put16(b, 40000);
	put16(b + 2, 80);
	put32(b + 4, 0x11223344);
	put32(b + 8, 0x55667788);
	b[12] = doff_words << 4;
	b[13] = flags;
	put16(b + 14, 29200);
	if (optlen)
		memcpy(b + 20, opt, optlen);
	return 20 + optlen;
}

static unsigned int udp(unsigned char *b, unsigned int ulen)
{
	memset(b, 0, 8);
	put16(b, 5353);
	put16(b + 2, 53);
	put16(b + 4, ulen);
	return 8;
}

/* Parse from a heap buffer of exactly hdr_len bytes (ASan catches overreads). */
static int parse(const unsigned char *b, unsigned int hdr_len,
		 unsigned int pkt_len, int family, struct aq_pkt *pkt)
{
	unsigned char *copy = malloc(hdr_len ? hdr_len : 1);
	int r;

	memcpy(copy, b, hdr_len);
	r = aq_parse_packet(copy, hdr_len, pkt_len, family, pkt);
	free(copy);
	return r;
}

static const unsigned char syn_opts[20] = {
	2, 4, 0x05, 0xb4,		/* MSS 1460 */
	4, 2,				/* SACK permitted */
	8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0,	/* TS val 0x1234 ecr 0 */
	1,				/* NOP */
	3, 3, 7,			/* wscale 7 */
};

static void test_v4_syn(void)
{
	unsigned char b[128];
	struct aq_pkt p;
	unsigned int n, l4;
	int r;

	n = ip4(b, 5, IPPROTO_TCP, 60, 0x4000 /* DF */);
	l4 = tcp(b + n, 10, 0x02, syn_opts, sizeof(syn_opts));
	r = parse(b, n + l4, 60, AF_INET, &p);
	TAP_EQ(r, AQ_PARSE_OK, "v4 SYN parses");
	TAP_EQ(p.family, AF_INET, "v4 family");
	TAP_EQ(p.proto, IPPROTO_TCP, "v4 proto");
	TAP_CHECK(p.saddr[0] == 10 && p.saddr[3] == 1 && p.saddr[4] == 0,
		  "v4 saddr in first 4 bytes");
	TAP_CHECK(p.daddr[2] == 1 && p.daddr[3] == 2, "v4 daddr");
	TAP_EQ(p.sport, 40000, "sport host order");
	TAP_EQ(p.dport, 80, "dport host order");
	TAP_EQ(p.tcp_flags, 0x02, "flags SYN");
	TAP_EQ(p.seq, 0x11223344, "seq");
	TAP_EQ(p.ack, 0x55667788, "ack");
	TAP_EQ(p.window, 29200, "raw window");
	TAP_EQ(p.has_ts, 1, "has ts");
	TAP_EQ(p.tsval, 0x1234, "tsval");
	TAP_EQ(p.tsecr, 0, "tsecr");
	TAP_EQ(p.has_wscale, 1, "has wscale");
	TAP_EQ(p.wscale, 7, "wscale");
	TAP_EQ(p.payload_len, 0, "no payload");
	TAP_EQ(p.total_len, 60, "total len");

	/* Link-layer padding beyond the IP length is fine. */
	r = parse(b, n + l4, 64, AF_INET, &p);
	TAP_EQ(r, AQ_PARSE_OK, "v4 with trailing padding parses");
	TAP_EQ(p.payload_len, 0, "padding is not payload");
}

static void test_v4_options_payload(void)
{
	unsigned char b[128];
	unsigned char ts[12] = { 1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9 };
	struct aq_pkt p;
	unsigned int n, l4;
	int r;

	/* IHL 7: 8 bytes of IP options; TCP with TS; 1000 bytes payload. */
	n = ip4(b, 7, IPPROTO_TCP, 28 + 32 + 1000, 0);
	l4 = tcp(b + n, 8, 0x18, ts, sizeof(ts));
	r = parse(b, n + l4, n + l4 + 1000, AF_INET, &p);
	TAP_EQ(r, AQ_PARSE_OK, "v4 with IP options parses");
	TAP_EQ(p.sport, 40000, "ports found after IP options");
	TAP_EQ(p.payload_len, 1000, "payload from IP length, not buffer");
	TAP_EQ(p.total_len, 1060, "total length");
	TAP_EQ(p.tsval, 7, "tsval after NOPs");
	TAP_EQ(p.tsecr, 9, "tsecr");
	TAP_EQ(p.has_wscale, 0, "no wscale");

	/* Same packet, but the buffer stops inside the TCP options. */
	r = parse(b, n + l4 - 1, n + l4 + 1000, AF_INET, &p);
	TAP_EQ(r, AQ_PARSE_MALFORMED, "TCP header beyond buffer is malformed");
}

static void test_v4_bad(void)
{
	unsigned char b[128];
	struct aq_pkt p;
	unsigned int n;
	int r;

	n = ip4(b, 5, IPPROTO_TCP, 40, 0);
	tcp(b + n, 5, 0x10, NULL, 0);
	TAP_EQ(parse(b, 19, 40, AF_INET, &p), AQ_PARSE_MALFORMED,
	       "19 bytes: truncated IP header");
	TAP_EQ(parse(b, 30, 40, AF_INET, &p), AQ_PARSE_MALFORMED,
	       "truncated TCP header");
	TAP_EQ(parse(b, 40, 40, AF_INET6, &p), AQ_PARSE_MALFORMED,
	       "v4 bytes given as AF_INET6");
	TAP_EQ(parse(b, 40, 40, 0, &p), AQ_PARSE_OTHER, "unknown family");

	b[0] = 0x44;
	TAP_EQ(parse(b, 40, 40, AF_INET, &p), AQ_PARSE_MALFORMED, "IHL 4");
	b[0] = 0x4f;
	TAP_EQ(parse(b, 40, 40, AF_INET, &p), AQ_PARSE_MALFORMED,
	       "IHL 15 beyond buffer");
	b[0] = 0x45;
	put16(b + 2, 16);
	TAP_EQ(parse(b, 40, 40, AF_INET, &p), AQ_PARSE_MALFORMED,
	       "total length below IHL");
	put16(b + 2, 41);
	TAP_EQ(parse(b, 40, 40, AF_INET, &p), AQ_PARSE_MALFORMED,
	       "total length above packet length");
	put16(b + 2, 30);
	TAP_EQ(parse(b, 40, 40, AF_INET, &p), AQ_PARSE_MALFORMED,
	       "total length leaves no room for TCP header");
	put16(b + 2, 40);
	r = parse(b, 40, 40, AF_INET, &p);
	TAP_EQ(r, AQ_PARSE_OK, "restored header parses");

	b[20 + 12] = 4 << 4;
	TAP_EQ(parse(b, 40, 40, AF_INET, &p), AQ_PARSE_MALFORMED,
	       "TCP data offset 4");
	b[20 + 12] = 6 << 4;
	TAP_EQ(parse(b, 44, 44, AF_INET, &p), AQ_PARSE_MALFORMED,
	       "TCP data offset beyond IP length");
	b[20 + 12] = 5 << 4;

	b[9] = IPPROTO_ICMP;
	TAP_EQ(parse(b, 40, 40, AF_INET, &p), AQ_PARSE_OTHER, "ICMP is other");
	b[9] = IPPROTO_TCP;

	put16(b + 6, 0x2000);
	TAP_EQ(parse(b, 40, 40, AF_INET, &p), AQ_PARSE_FRAGMENT, "MF set");
	put16(b + 6, 0x0010);
	TAP_EQ(parse(b, 40, 40, AF_INET, &p), AQ_PARSE_FRAGMENT,
	       "fragment offset");
	put16(b + 6, 0x4000);
	TAP_EQ(parse(b, 40, 40, AF_INET, &p), AQ_PARSE_OK, "DF only is fine");
}

static void test_tcp_options_bogus(void)
{
	static const struct {
		const char *name;
		unsigned char opt[12];
		int want;
	} cases[] = {
		{ "option length 0", { 8, 0, 1, 1 }, AQ_PARSE_MALFORMED },
		{ "option length 1", { 3, 1, 1, 1 }, AQ_PARSE_MALFORMED },
		{ "option past header", { 1, 1, 8, 10 }, AQ_PARSE_MALFORMED },
		{ "kind without length byte", { 1, 1, 1, 8 },
		  AQ_PARSE_MALFORMED },
		{ "EOL stops the walk", { 0, 8, 0, 0 }, AQ_PARSE_OK },
		{ "unknown option skipped", { 30, 4, 0, 0 }, AQ_PARSE_OK },
		{ "TS of wrong length ignored", { 8, 4, 0, 0 }, AQ_PARSE_OK },
	};
	unsigned char b[128];
	struct aq_pkt p;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = ip4(b, 5, IPPROTO_TCP, 44, 0);
		tcp(b + n, 6, 0x10, cases[i].opt, 4);
		TAP_EQ(parse(b, 44, 44, AF_INET, &p), cases[i].want, "%s",
		       cases[i].name);
		if (cases[i].want == AQ_PARSE_OK)
			TAP_EQ(p.has_ts, 0, "%s: no timestamp", cases[i].name);
	}

	/* Window scale above 14 is capped. */
	{
		unsigned char ws[4] = { 3, 3, 20, 0 };

		n = ip4(b, 5, IPPROTO_TCP, 44, 0);
		tcp(b + n, 6, 0x02, ws, 4);
		TAP_EQ(parse(b, 44, 44, AF_INET, &p), AQ_PARSE_OK,
		       "wscale 20 parses");
		TAP_EQ(p.wscale, 14, "wscale capped at 14");
	}
}

static void test_udp(void)
{
	unsigned char b[128];
	struct aq_pkt p;
	unsigned int n;

	n = ip4(b, 5, IPPROTO_UDP, 28 + 500, 0);
	udp(b + n, 508);
	TAP_EQ(parse(b, 28, 528, AF_INET, &p), AQ_PARSE_OK, "v4 UDP parses");
	TAP_EQ(p.proto, IPPROTO_UDP, "UDP proto");
	TAP_EQ(p.sport, 5353, "UDP sport");
	TAP_EQ(p.dport, 53, "UDP dport");
	TAP_EQ(p.payload_len, 500, "UDP payload");
	put16(b + n + 4, 7);
	TAP_EQ(parse(b, 28, 528, AF_INET, &p), AQ_PARSE_MALFORMED,
	       "UDP length 7");
	put16(b + n + 4, 509);
	TAP_EQ(parse(b, 28, 528, AF_INET, &p), AQ_PARSE_MALFORMED,
	       "UDP length beyond IP length");
	TAP_EQ(parse(b, 27, 528, AF_INET, &p), AQ_PARSE_MALFORMED,
	       "truncated UDP header");
}

static void test_v6(void)
{
	unsigned char b[256];
	unsigned char ts[12] = { 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0 };
	struct aq_pkt p;
	unsigned int n, off;

	n = ip6(b, IPPROTO_TCP, 32 + 10);
	tcp(b + n, 8, 0x18, ts, sizeof(ts));
	TAP_EQ(parse(b, n + 32, n + 42, AF_INET6, &p), AQ_PARSE_OK,
	       "v6 TCP parses");
	TAP_EQ(p.family, AF_INET6, "v6 family");
	TAP_CHECK(p.saddr[0] == 0x20 && p.saddr[15] == 0x2f, "v6 saddr");
	TAP_CHECK(p.daddr[0] == 0x40 && p.daddr[15] == 0x4f, "v6 daddr");
	TAP_EQ(p.payload_len, 10, "v6 payload");
	TAP_EQ(p.total_len, 82, "v6 total length");
	TAP_EQ(p.tsval, 256, "v6 tsval");
	TAP_EQ(p.tsecr, 512, "v6 tsecr");
	TAP_EQ(parse(b, n + 32, n + 41, AF_INET6, &p), AQ_PARSE_MALFORMED,
	       "v6 payload length beyond packet");
	TAP_EQ(parse(b, 39, 82, AF_INET6, &p), AQ_PARSE_MALFORMED,
	       "truncated v6 header");

	/* HBH(8) -> DSTOPTS(16) -> ROUTING(24) -> AH(16) -> FRAG(atomic) -> UDP */
	n = ip6(b, IPPROTO_HOPOPTS, 8 + 16 + 24 + 16 + 8 + 8 + 4);
	off = n;
	memset(b + off, 0, 80);
	b[off] = IPPROTO_DSTOPTS; b[off + 1] = 0; off += 8;
	b[off] = IPPROTO_ROUTING; b[off + 1] = 1; off += 16;
	b[off] = IPPROTO_AH; b[off + 1] = 2; off += 24;
	b[off] = IPPROTO_FRAGMENT; b[off + 1] = 2; off += 16;
	b[off] = IPPROTO_UDP; put16(b + off + 2, 0); off += 8;
	udp(b + off, 12);
	TAP_EQ(parse(b, off + 8, off + 12, AF_INET6, &p), AQ_PARSE_OK,
	       "v6 extension chain parses");
	TAP_EQ(p.proto, IPPROTO_UDP, "v6 chain ends in UDP");
	TAP_EQ(p.dport, 53, "v6 chain: UDP port");
	TAP_EQ(p.payload_len, 4, "v6 chain: payload after extension headers");
	TAP_EQ(parse(b, off + 7, off + 12, AF_INET6, &p), AQ_PARSE_MALFORMED,
	       "v6 chain: UDP header beyond buffer");
	TAP_EQ(parse(b, n + 20, off + 12, AF_INET6, &p), AQ_PARSE_MALFORMED,
	       "v6 chain: extension header beyond buffer");

	/* Real fragment: offset set, then M set. */
	put16(b + off - 8 + 2, 0x0008);
	TAP_EQ(parse(b, off + 8, off + 12, AF_INET6, &p), AQ_PARSE_FRAGMENT,
	       "v6 fragment offset");
	put16(b + off - 8 + 2, 0x0001);
	TAP_EQ(parse(b, off + 8, off + 12, AF_INET6, &p), AQ_PARSE_FRAGMENT,
	       "v6 fragment M flag");

	/* ESP and no-next-header are not parsable. */
	n = ip6(b, IPPROTO_ESP, 20);
	TAP_EQ(parse(b, 60, 60, AF_INET6, &p), AQ_PARSE_OTHER, "v6 ESP other");
	n = ip6(b, IPPROTO_HOPOPTS, 20);
	b[n] = IPPROTO_NONE;
	TAP_EQ(parse(b, 60, 60, AF_INET6, &p), AQ_PARSE_OTHER,
	       "v6 HBH then no next header");
	n = ip6(b, IPPROTO_ICMPV6, 8);
	TAP_EQ(parse(b, 48, 48, AF_INET6, &p), AQ_PARSE_OTHER, "ICMPv6 other");

	/* A chain longer than the bound. */
	n = ip6(b, IPPROTO_DSTOPTS, 9 * 8 + 20);
	for (off = n; off < n + 9 * 8; off += 8) {
		memset(b + off, 0, 8);
		b[off] = off + 8 < n + 9 * 8 ? IPPROTO_DSTOPTS : IPPROTO_TCP;
	}
	tcp(b + off, 5, 0x10, NULL, 0);
	TAP_EQ(parse(b, off + 20, off + 20, AF_INET6, &p), AQ_PARSE_MALFORMED,
	       "9 extension headers exceed the bound");
	/* The same with 8 (the bound) is fine. */
	n = ip6(b, IPPROTO_DSTOPTS, 8 * 8 + 20);
	for (off = n; off < n + 8 * 8; off += 8) {
		memset(b + off, 0, 8);
		b[off] = off + 8 < n + 8 * 8 ? IPPROTO_DSTOPTS : IPPROTO_TCP;
	}
	tcp(b + off, 5, 0x10, NULL, 0);
	TAP_EQ(parse(b, off + 20, off + 20, AF_INET6, &p), AQ_PARSE_OK,
	       "8 extension headers parse");

	/* An extension header longer than the payload length. */
	n = ip6(b, IPPROTO_HOPOPTS, 8 + 20);
	memset(b + n, 0, 8);
	b[n] = IPPROTO_TCP;
	b[n + 1] = 4;
	TAP_EQ(parse(b, 68, 68, AF_INET6, &p), AQ_PARSE_MALFORMED,
	       "v6 extension header past payload length");
}

/* Every prefix of valid packets: never OK unless all headers are there. */
static void test_all_prefixes(void)
{
	unsigned char b[128];
	struct aq_pkt p;
	unsigned int n, l4, len, bad = 0;

	n = ip4(b, 6, IPPROTO_TCP, 24 + 40 + 100, 0);
	l4 = tcp(b + n, 10, 0x02, syn_opts, sizeof(syn_opts));
	for (len = 0; len <= n + l4; len++) {
		int r = parse(b, len, n + l4 + 100, AF_INET, &p);

		if ((len < n + l4) != (r == AQ_PARSE_MALFORMED))
			bad++;
	}
	TAP_EQ(bad, 0, "v4 prefixes: malformed exactly when truncated");

	bad = 0;
	n = ip6(b, IPPROTO_HOPOPTS, 8 + 40);
	memset(b + n, 0, 8);
	b[n] = IPPROTO_TCP;
	l4 = tcp(b + n + 8, 10, 0x02, syn_opts, sizeof(syn_opts));
	for (len = 0; len <= n + 8 + l4; len++) {
		int r = parse(b, len, n + 8 + l4, AF_INET6, &p);

		if ((len < n + 8 + l4) != (r == AQ_PARSE_MALFORMED))
			bad++;
	}
	TAP_EQ(bad, 0, "v6 prefixes: malformed exactly when truncated");
}

int main(void)
{
	test_v4_syn();
	test_v4_options_payload();
	test_v4_bad();
	test_tcp_options_bogus();
	test_udp();
	test_v6();
	test_all_prefixes();
	return tap_done();
}
