// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the IPv4/IPv6 TCP/UDP header parser (kmod/packet.c), on crafted
 * headers. Every parse reads from a kmalloc'ed copy of exactly the bytes
 * given, so KASAN reports any read past them.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "packet.c"

static void pt_put16(u8 *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void pt_put32(u8 *p, u32 v)
{
	pt_put16(p, v >> 16);
	pt_put16(p + 2, v);
}

/* IPv4 header of ihl words, options filled with NOPs. */
static unsigned int pt_ip4(u8 *b, unsigned int ihl, u8 proto,
			   unsigned int tot_len, unsigned int frag)
{
	memset(b, 0, ihl * 4);
	b[0] = 0x40 | ihl;
	pt_put16(b + 2, tot_len);
	pt_put16(b + 6, frag);
	b[8] = 64;
	b[9] = proto;
	pt_put32(b + 12, 0x0a000001);
	pt_put32(b + 16, 0x0a000102);
	memset(b + 20, 1, ihl * 4 - 20);
	return ihl * 4;
}

static unsigned int pt_ip6(u8 *b, u8 nexthdr, unsigned int plen)
{
	unsigned int i;

	memset(b, 0, 40);
	b[0] = 0x60;
	pt_put16(b + 4, plen);
	b[6] = nexthdr;
	b[7] = 64;
	for (i = 0; i < 16; i++) {
		b[8 + i] = 0x20 + i;
		b[24 + i] = 0x40 + i;
	}
	return 40;
}

static unsigned int pt_tcp(u8 *b, unsigned int doff_words, u8 flags,
			   const u8 *opt, unsigned int optlen)
{
	memset(b, 0, 20);
	pt_put16(b, 40000);
	pt_put16(b + 2, 80);
	pt_put32(b + 4, 0x11223344);
	pt_put32(b + 8, 0x55667788);
	b[12] = doff_words << 4;
	b[13] = flags;
	pt_put16(b + 14, 29200);
	if (optlen)
		memcpy(b + 20, opt, optlen);
	return 20 + optlen;
}

static unsigned int pt_udp(u8 *b, unsigned int ulen)
{
	memset(b, 0, 8);
	pt_put16(b, 5353);
	pt_put16(b + 2, 53);
	pt_put16(b + 4, ulen);
	return 8;
}

/* Parse from a heap copy of exactly hdr_len bytes. */
static int pt_parse(struct kunit *test, const u8 *b, unsigned int hdr_len,
		    unsigned int pkt_len, u8 family, struct aq_pkt *pkt)
{
	u8 *copy = kunit_kmalloc(test, hdr_len ? hdr_len : 1, GFP_KERNEL);
	int r;

	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, b, hdr_len);
	r = aq_parse_packet(copy, hdr_len, pkt_len, family, pkt);
	kunit_kfree(test, copy);
	return r;
}

static const u8 pt_syn_opts[20] = {
	2, 4, 0x05, 0xb4,			/* MSS 1460 */
	4, 2,					/* SACK permitted */
	8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0,	/* TS val 0x1234 ecr 0 */
	1,					/* NOP */
	3, 3, 7,				/* wscale 7 */
};

static void packet_ipv4_tcp_syn(struct kunit *test)
{
	static const u8 saddr[16] = { 10, 0, 0, 1 };
	static const u8 daddr[16] = { 10, 0, 1, 2 };
	struct aq_pkt p;
	u8 b[128];
	unsigned int n, l4;

	n = pt_ip4(b, 5, IPPROTO_TCP, 60, 0x4000);
	l4 = pt_tcp(b + n, 10, AQ_TCP_SYN, pt_syn_opts, sizeof(pt_syn_opts));
	KUNIT_ASSERT_EQ(test, n + l4, 60U);
	KUNIT_ASSERT_EQ(test, pt_parse(test, b, 60, 60, AF_INET, &p),
			AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, p.family, AF_INET);
	KUNIT_EXPECT_EQ(test, p.proto, IPPROTO_TCP);
	KUNIT_EXPECT_MEMEQ(test, p.saddr, saddr, 16);
	KUNIT_EXPECT_MEMEQ(test, p.daddr, daddr, 16);
	KUNIT_EXPECT_EQ(test, p.sport, 40000);
	KUNIT_EXPECT_EQ(test, p.dport, 80);
	KUNIT_EXPECT_EQ(test, p.tcp_flags, AQ_TCP_SYN);
	KUNIT_EXPECT_EQ(test, p.seq, 0x11223344U);
	KUNIT_EXPECT_EQ(test, p.ack, 0x55667788U);
	KUNIT_EXPECT_EQ(test, p.window, 29200);
	KUNIT_EXPECT_EQ(test, p.has_ts, 1);
	KUNIT_EXPECT_EQ(test, p.tsval, 0x1234U);
	KUNIT_EXPECT_EQ(test, p.tsecr, 0U);
	KUNIT_EXPECT_EQ(test, p.has_wscale, 1);
	KUNIT_EXPECT_EQ(test, p.wscale, 7);
	KUNIT_EXPECT_EQ(test, p.payload_len, 0U);
	KUNIT_EXPECT_EQ(test, p.total_len, 60U);

	/* Link-layer padding beyond the IP length is not payload. */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 60, 64, AF_INET, &p),
			AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, p.payload_len, 0U);
	KUNIT_EXPECT_EQ(test, p.total_len, 60U);
}

static void packet_ipv4_tcp_ip_options_payload(struct kunit *test)
{
	static const u8 ts[12] = { 1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9 };
	struct aq_pkt p;
	u8 b[128];
	unsigned int n, l4;

	/* IHL 7 (8 bytes of IP options), TCP with TS, 1000 bytes payload. */
	n = pt_ip4(b, 7, IPPROTO_TCP, 28 + 32 + 1000, 0);
	l4 = pt_tcp(b + n, 8, AQ_TCP_ACK | AQ_TCP_PSH, ts, sizeof(ts));
	KUNIT_ASSERT_EQ(test, pt_parse(test, b, n + l4, n + l4 + 1000,
				       AF_INET, &p), AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, p.sport, 40000);
	KUNIT_EXPECT_EQ(test, p.dport, 80);
	KUNIT_EXPECT_EQ(test, p.tcp_flags, AQ_TCP_ACK | AQ_TCP_PSH);
	KUNIT_EXPECT_EQ(test, p.payload_len, 1000U);
	KUNIT_EXPECT_EQ(test, p.total_len, 1060U);
	KUNIT_EXPECT_EQ(test, p.has_ts, 1);
	KUNIT_EXPECT_EQ(test, p.tsval, 7U);
	KUNIT_EXPECT_EQ(test, p.tsecr, 9U);
	KUNIT_EXPECT_EQ(test, p.has_wscale, 0);

	/* The buffer stops inside the TCP options. */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, n + l4 - 1, n + l4 + 1000,
				       AF_INET, &p), AQ_PARSE_MALFORMED);
	/* The buffer stops inside the IP options. */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 27, n + l4 + 1000, AF_INET,
				       &p), AQ_PARSE_MALFORMED);
}

static void packet_ipv4_malformed(struct kunit *test)
{
	struct aq_pkt p;
	u8 b[128];
	unsigned int n;

	n = pt_ip4(b, 5, IPPROTO_TCP, 40, 0);
	pt_tcp(b + n, 5, AQ_TCP_ACK, NULL, 0);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 0, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 19, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 30, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 39, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	/* Packet shorter than the buffer: the packet length wins. */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 39, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET6, &p),
			AQ_PARSE_MALFORMED);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, 0, &p),
			AQ_PARSE_OTHER);

	b[0] = 0x65;	/* version 6 in an IPv4 packet */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	b[0] = 0x44;	/* IHL 4 */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	b[0] = 0x4f;	/* IHL 15: beyond the buffer */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	b[0] = 0x45;
	pt_put16(b + 2, 16);	/* total length below IHL */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	pt_put16(b + 2, 41);	/* total length above the packet */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	pt_put16(b + 2, 30);	/* no room for the TCP header */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	pt_put16(b + 2, 40);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_OK);

	b[20 + 12] = 4 << 4;	/* TCP data offset 16 bytes */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	b[20 + 12] = 0;
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	b[20 + 12] = 6 << 4;	/* beyond the IP length */
	memset(b + 40, 1, 4);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 44, 44, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	b[20 + 12] = 15 << 4;	/* 60 bytes, beyond everything */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	b[20 + 12] = 5 << 4;

	b[9] = IPPROTO_ICMP;
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_OTHER);
	b[9] = IPPROTO_SCTP;
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 40, 40, AF_INET, &p),
			AQ_PARSE_OTHER);
}

static void packet_ipv4_fragments(struct kunit *test)
{
	static const struct {
		u16 frag;
		int want;
	} cases[] = {
		{ 0x0000, AQ_PARSE_OK },
		{ 0x4000, AQ_PARSE_OK },	/* DF only */
		{ 0x8000, AQ_PARSE_OK },	/* reserved bit only */
		{ 0x2000, AQ_PARSE_FRAGMENT },	/* MF: first fragment */
		{ 0x6000, AQ_PARSE_FRAGMENT },	/* DF | MF */
		{ 0x0010, AQ_PARSE_FRAGMENT },	/* offset, last fragment */
		{ 0x1fff, AQ_PARSE_FRAGMENT },	/* largest offset */
		{ 0x0001, AQ_PARSE_FRAGMENT },	/* smallest offset */
	};
	struct aq_pkt p;
	unsigned int i;
	u8 b[64] = {};

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned int n = pt_ip4(b, 5, IPPROTO_UDP, 36, cases[i].frag);

		pt_udp(b + n, 16);
		KUNIT_EXPECT_EQ_MSG(test, pt_parse(test, b, 36, 36, AF_INET,
						   &p), cases[i].want,
				    "frag field %#x", cases[i].frag);
	}
	/* A non-first fragment has no L4 header: not malformed, fragment. */
	pt_ip4(b, 5, IPPROTO_TCP, 24, 0x0100);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 24, 24, AF_INET, &p),
			AQ_PARSE_FRAGMENT);
}

static void packet_tcp_options_bogus(struct kunit *test)
{
	static const struct {
		const char *name;
		u8 opt[8];
		int want;
	} cases[] = {
		{ "length 0", { 8, 0, 1, 1 }, AQ_PARSE_MALFORMED },
		{ "length 1", { 3, 1, 1, 1 }, AQ_PARSE_MALFORMED },
		{ "past the header", { 1, 1, 8, 10 }, AQ_PARSE_MALFORMED },
		{ "no length byte", { 1, 1, 1, 8 }, AQ_PARSE_MALFORMED },
		{ "unknown 5 of 5", { 30, 5, 0, 0 }, AQ_PARSE_MALFORMED },
		{ "EOL stops the walk", { 0, 8, 0, 0 }, AQ_PARSE_OK },
		{ "unknown skipped", { 30, 4, 0, 0 }, AQ_PARSE_OK },
		{ "TS of length 4 ignored", { 8, 4, 0, 0 }, AQ_PARSE_OK },
		{ "wscale of length 4 ignored", { 3, 4, 5, 0 }, AQ_PARSE_OK },
		{ "all NOPs", { 1, 1, 1, 1 }, AQ_PARSE_OK },
	};
	struct aq_pkt p;
	unsigned int i, n;
	u8 b[64];

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = pt_ip4(b, 5, IPPROTO_TCP, 44, 0);
		pt_tcp(b + n, 6, AQ_TCP_ACK, cases[i].opt, 4);
		KUNIT_EXPECT_EQ_MSG(test, pt_parse(test, b, 44, 44, AF_INET,
						   &p), cases[i].want,
				    "%s", cases[i].name);
		if (cases[i].want != AQ_PARSE_OK)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, p.has_ts, 0, "%s", cases[i].name);
		KUNIT_EXPECT_EQ_MSG(test, p.has_wscale, 0, "%s",
				    cases[i].name);
		KUNIT_EXPECT_EQ_MSG(test, p.payload_len, 0U, "%s",
				    cases[i].name);
	}
}

static void packet_tcp_options_ts_wscale(struct kunit *test)
{
	static const u8 ws20[4] = { 3, 3, 20, 0 };
	static const u8 ws0[4] = { 1, 3, 3, 0 };
	/* wscale 2, then TS: ecr 0xffffffff, val 0x80000001. */
	static const u8 both[16] = {
		3, 3, 2, 1,
		8, 10, 0x80, 0, 0, 1, 0xff, 0xff, 0xff, 0xff,
		0, 0,
	};
	/* TS behind an EOL is not seen. */
	static const u8 eol[12] = { 0, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	struct aq_pkt p;
	unsigned int n;
	u8 b[96];

	n = pt_ip4(b, 5, IPPROTO_TCP, 44, 0);
	pt_tcp(b + n, 6, AQ_TCP_SYN, ws20, 4);
	KUNIT_ASSERT_EQ(test, pt_parse(test, b, 44, 44, AF_INET, &p),
			AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, p.has_wscale, 1);
	KUNIT_EXPECT_EQ(test, p.wscale, 14);

	n = pt_ip4(b, 5, IPPROTO_TCP, 44, 0);
	pt_tcp(b + n, 6, AQ_TCP_SYN, ws0, 4);
	KUNIT_ASSERT_EQ(test, pt_parse(test, b, 44, 44, AF_INET, &p),
			AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, p.has_wscale, 1);
	KUNIT_EXPECT_EQ(test, p.wscale, 0);

	n = pt_ip4(b, 5, IPPROTO_TCP, 56 + 3, 0);
	pt_tcp(b + n, 9, AQ_TCP_SYN | AQ_TCP_ECE | AQ_TCP_CWR, both, 16);
	KUNIT_ASSERT_EQ(test, pt_parse(test, b, 56, 59, AF_INET, &p),
			AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, p.tcp_flags,
			AQ_TCP_SYN | AQ_TCP_ECE | AQ_TCP_CWR);
	KUNIT_EXPECT_EQ(test, p.has_wscale, 1);
	KUNIT_EXPECT_EQ(test, p.wscale, 2);
	KUNIT_EXPECT_EQ(test, p.has_ts, 1);
	KUNIT_EXPECT_EQ(test, p.tsval, 0x80000001U);
	KUNIT_EXPECT_EQ(test, p.tsecr, 0xffffffffU);
	KUNIT_EXPECT_EQ(test, p.payload_len, 3U);

	n = pt_ip4(b, 5, IPPROTO_TCP, 52, 0);
	pt_tcp(b + n, 8, AQ_TCP_ACK, eol, 12);
	KUNIT_ASSERT_EQ(test, pt_parse(test, b, 52, 52, AF_INET, &p),
			AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, p.has_ts, 0);
	KUNIT_EXPECT_EQ(test, p.tsval, 0U);
}

static void packet_udp(struct kunit *test)
{
	struct aq_pkt p;
	unsigned int n;
	u8 b[128];

	n = pt_ip4(b, 5, IPPROTO_UDP, 28 + 500, 0);
	pt_udp(b + n, 508);
	KUNIT_ASSERT_EQ(test, pt_parse(test, b, 28, 528, AF_INET, &p),
			AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, p.family, AF_INET);
	KUNIT_EXPECT_EQ(test, p.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, p.sport, 5353);
	KUNIT_EXPECT_EQ(test, p.dport, 53);
	KUNIT_EXPECT_EQ(test, p.payload_len, 500U);
	KUNIT_EXPECT_EQ(test, p.total_len, 528U);
	KUNIT_EXPECT_EQ(test, p.tcp_flags, 0);
	KUNIT_EXPECT_EQ(test, p.has_ts, 0);

	pt_put16(b + n + 4, 8);	/* empty datagram in the IP length: ok */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 28, 528, AF_INET, &p),
			AQ_PARSE_OK);
	pt_put16(b + n + 4, 7);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 28, 528, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	pt_put16(b + n + 4, 509);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 28, 528, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	pt_put16(b + n + 4, 508);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 27, 528, AF_INET, &p),
			AQ_PARSE_MALFORMED);
	pt_put16(b + 2, 27);	/* IP length leaves 7 bytes of UDP */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 28, 528, AF_INET, &p),
			AQ_PARSE_MALFORMED);

	/* IPv6 UDP. */
	n = pt_ip6(b, IPPROTO_UDP, 8 + 20);
	pt_udp(b + n, 28);
	KUNIT_ASSERT_EQ(test, pt_parse(test, b, 48, 68, AF_INET6, &p),
			AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, p.family, AF_INET6);
	KUNIT_EXPECT_EQ(test, p.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, p.payload_len, 20U);
	KUNIT_EXPECT_EQ(test, p.total_len, 68U);
}

static void packet_ipv6_tcp(struct kunit *test)
{
	static const u8 ts[12] = { 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0 };
	u8 saddr[16], daddr[16];
	struct aq_pkt p;
	unsigned int n, i;
	u8 b[128];

	for (i = 0; i < 16; i++) {
		saddr[i] = 0x20 + i;
		daddr[i] = 0x40 + i;
	}
	n = pt_ip6(b, IPPROTO_TCP, 32 + 10);
	pt_tcp(b + n, 8, AQ_TCP_ACK | AQ_TCP_PSH, ts, sizeof(ts));
	KUNIT_ASSERT_EQ(test, pt_parse(test, b, n + 32, n + 42, AF_INET6,
				       &p), AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, p.family, AF_INET6);
	KUNIT_EXPECT_EQ(test, p.proto, IPPROTO_TCP);
	KUNIT_EXPECT_MEMEQ(test, p.saddr, saddr, 16);
	KUNIT_EXPECT_MEMEQ(test, p.daddr, daddr, 16);
	KUNIT_EXPECT_EQ(test, p.sport, 40000);
	KUNIT_EXPECT_EQ(test, p.seq, 0x11223344U);
	KUNIT_EXPECT_EQ(test, p.payload_len, 10U);
	KUNIT_EXPECT_EQ(test, p.total_len, 82U);
	KUNIT_EXPECT_EQ(test, p.tsval, 256U);
	KUNIT_EXPECT_EQ(test, p.tsecr, 512U);

	KUNIT_EXPECT_EQ(test, pt_parse(test, b, n + 32, n + 41, AF_INET6,
				       &p), AQ_PARSE_MALFORMED);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 39, 82, AF_INET6, &p),
			AQ_PARSE_MALFORMED);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, n + 31, 82, AF_INET6, &p),
			AQ_PARSE_MALFORMED);
	b[0] = 0x45;
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, n + 32, 82, AF_INET6, &p),
			AQ_PARSE_MALFORMED);
	b[0] = 0x60;
	b[n + 12] = 4 << 4;	/* bad data offset */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, n + 32, 82, AF_INET6, &p),
			AQ_PARSE_MALFORMED);
	b[n + 12] = 8 << 4;
	pt_put16(b + 4, 0);	/* jumbogram: payload length 0 */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, n + 32, 82, AF_INET6, &p),
			AQ_PARSE_MALFORMED);
}

/* HBH(8) DSTOPTS(16) ROUTING(24) AH(16) FRAG(8, atomic) UDP(8) + 4. */
static unsigned int pt_v6_chain(u8 *b)
{
	unsigned int n = pt_ip6(b, IPPROTO_HOPOPTS,
				8 + 16 + 24 + 16 + 8 + 8 + 4);
	unsigned int off = n;

	memset(b + off, 0, 84);
	b[off] = IPPROTO_DSTOPTS;
	b[off + 1] = 0;
	off += 8;
	b[off] = IPPROTO_ROUTING;
	b[off + 1] = 1;
	off += 16;
	b[off] = IPPROTO_AH;
	b[off + 1] = 2;
	off += 24;
	b[off] = IPPROTO_FRAGMENT;
	b[off + 1] = 2;	/* AH: (2 + 2) * 4 = 16 */
	off += 16;
	b[off] = IPPROTO_UDP;
	off += 8;
	pt_udp(b + off, 12);
	return off;	/* the UDP header's offset */
}

static void packet_ipv6_ext_chain(struct kunit *test)
{
	struct aq_pkt p;
	unsigned int off;
	u8 b[256];

	off = pt_v6_chain(b);
	KUNIT_ASSERT_EQ(test, off, 112U);
	KUNIT_ASSERT_EQ(test, pt_parse(test, b, off + 8, off + 12, AF_INET6,
				       &p), AQ_PARSE_OK);
	KUNIT_EXPECT_EQ(test, p.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, p.sport, 5353);
	KUNIT_EXPECT_EQ(test, p.dport, 53);
	KUNIT_EXPECT_EQ(test, p.payload_len, 4U);
	KUNIT_EXPECT_EQ(test, p.total_len, 124U);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, off + 7, off + 12, AF_INET6,
				       &p), AQ_PARSE_MALFORMED);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 60, off + 12, AF_INET6, &p),
			AQ_PARSE_MALFORMED);

	/* The fragment header: offset set, then M set, then both. */
	pt_put16(b + off - 8 + 2, 0x0008);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, off + 8, off + 12, AF_INET6,
				       &p), AQ_PARSE_FRAGMENT);
	pt_put16(b + off - 8 + 2, 0x0001);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, off + 8, off + 12, AF_INET6,
				       &p), AQ_PARSE_FRAGMENT);
	pt_put16(b + off - 8 + 2, 0xfff9);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, off + 8, off + 12, AF_INET6,
				       &p), AQ_PARSE_FRAGMENT);
	/* Reserved bits only: still an atomic fragment. */
	pt_put16(b + off - 8 + 2, 0x0006);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, off + 8, off + 12, AF_INET6,
				       &p), AQ_PARSE_OK);

	/* A destination options header longer than the payload length. */
	off = pt_v6_chain(b);
	b[40 + 8 + 1] = 20;
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, off + 8, off + 12, AF_INET6,
				       &p), AQ_PARSE_MALFORMED);

	/* ESP, no next header, ICMPv6 and unknown headers are other. */
	pt_ip6(b, IPPROTO_ESP, 20);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 60, 60, AF_INET6, &p),
			AQ_PARSE_OTHER);
	pt_ip6(b, IPPROTO_HOPOPTS, 20);
	memset(b + 40, 0, 20);
	b[40] = IPPROTO_NONE;
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 60, 60, AF_INET6, &p),
			AQ_PARSE_OTHER);
	pt_ip6(b, IPPROTO_ICMPV6, 8);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 48, 48, AF_INET6, &p),
			AQ_PARSE_OTHER);
	pt_ip6(b, 135, 20);	/* mobility header: not walked */
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, 60, 60, AF_INET6, &p),
			AQ_PARSE_OTHER);
}

/* n DSTOPTS headers of 8 bytes, then a bare TCP header. */
static unsigned int pt_v6_dstopts(u8 *b, unsigned int n)
{
	unsigned int off, i;

	off = pt_ip6(b, n ? IPPROTO_DSTOPTS : IPPROTO_TCP, n * 8 + 20);
	for (i = 0; i < n; i++, off += 8) {
		memset(b + off, 0, 8);
		b[off] = i + 1 < n ? IPPROTO_DSTOPTS : IPPROTO_TCP;
	}
	return off + pt_tcp(b + off, 5, AQ_TCP_ACK, NULL, 0);
}

static void packet_ipv6_ext_chain_length(struct kunit *test)
{
	struct aq_pkt p;
	unsigned int n, len;
	u8 b[256];

	for (n = 0; n <= AQ_PARSE_MAX_EXTHDRS + 2; n++) {
		len = pt_v6_dstopts(b, n);
		KUNIT_EXPECT_EQ_MSG(test, pt_parse(test, b, len, len,
						   AF_INET6, &p),
				    n <= AQ_PARSE_MAX_EXTHDRS ?
				    AQ_PARSE_OK : AQ_PARSE_MALFORMED,
				    "%u extension headers", n);
		if (n <= AQ_PARSE_MAX_EXTHDRS) {
			KUNIT_EXPECT_EQ(test, p.proto, IPPROTO_TCP);
			KUNIT_EXPECT_EQ(test, p.sport, 40000);
			KUNIT_EXPECT_EQ(test, p.payload_len, 0U);
		}
	}
	/* A chain of 20 within the first AQ_PARSE_MAX bytes. */
	len = pt_v6_dstopts(b, 20);
	KUNIT_ASSERT_LE(test, len, (unsigned int)AQ_PARSE_MAX);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, len, len, AF_INET6, &p),
			AQ_PARSE_MALFORMED);
	/* A valid chain whose TCP header is cut off by the buffer. */
	len = pt_v6_dstopts(b, AQ_PARSE_MAX_EXTHDRS);
	KUNIT_EXPECT_EQ(test, pt_parse(test, b, len - 1, len, AF_INET6, &p),
			AQ_PARSE_MALFORMED);
}

/* Every prefix of a valid packet: malformed exactly when truncated. */
static void packet_all_prefixes(struct kunit *test)
{
	unsigned int n, l4, len, full;
	struct aq_pkt p;
	u8 b[160];
	int r;

	n = pt_ip4(b, 6, IPPROTO_TCP, 24 + 40 + 100, 0);
	l4 = pt_tcp(b + n, 10, AQ_TCP_SYN, pt_syn_opts, sizeof(pt_syn_opts));
	full = n + l4;
	for (len = 0; len <= full; len++) {
		r = pt_parse(test, b, len, full + 100, AF_INET, &p);
		KUNIT_EXPECT_EQ_MSG(test, r, len < full ? AQ_PARSE_MALFORMED :
				    AQ_PARSE_OK, "v4 prefix %u", len);
	}
	KUNIT_EXPECT_EQ(test, p.payload_len, 100U);
	KUNIT_EXPECT_EQ(test, p.wscale, 7);

	n = pt_ip6(b, IPPROTO_HOPOPTS, 8 + 40);
	memset(b + n, 0, 8);
	b[n] = IPPROTO_TCP;
	l4 = pt_tcp(b + n + 8, 10, AQ_TCP_SYN, pt_syn_opts,
		    sizeof(pt_syn_opts));
	full = n + 8 + l4;
	for (len = 0; len <= full; len++) {
		r = pt_parse(test, b, len, full, AF_INET6, &p);
		KUNIT_EXPECT_EQ_MSG(test, r, len < full ? AQ_PARSE_MALFORMED :
				    AQ_PARSE_OK, "v6 prefix %u", len);
	}
	KUNIT_EXPECT_EQ(test, p.has_ts, 1);
}

static struct kunit_case aq_packet_cases[] = {
	KUNIT_CASE(packet_ipv4_tcp_syn),
	KUNIT_CASE(packet_ipv4_tcp_ip_options_payload),
	KUNIT_CASE(packet_ipv4_malformed),
	KUNIT_CASE(packet_ipv4_fragments),
	KUNIT_CASE(packet_tcp_options_bogus),
	KUNIT_CASE(packet_tcp_options_ts_wscale),
	KUNIT_CASE(packet_udp),
	KUNIT_CASE(packet_ipv6_tcp),
	KUNIT_CASE(packet_ipv6_ext_chain),
	KUNIT_CASE(packet_ipv6_ext_chain_length),
	KUNIT_CASE(packet_all_prefixes),
	{}
};

static struct kunit_suite aq_packet_suite = {
	.name = "aquarius_packet",
	.test_cases = aq_packet_cases,
};

kunit_test_suite(aq_packet_suite);
