// SPDX-License-Identifier: GPL-2.0
/*
 * Aquarius: IPv4/IPv6 + TCP/UDP header parser.
 *
 * The input is a linear copy of at most AQ_PARSE_MAX bytes from the start
 * of the IP header. Every read is checked against the number of bytes
 * available; lengths are taken from the IP headers and checked against the
 * real packet length.
 */
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/socket.h>

#include "packet.h"

#define AQ_IPV4_HLEN	20
#define AQ_IPV6_HLEN	40
#define AQ_TCP_HLEN	20
#define AQ_UDP_HLEN	8

#define AQ_TCPOPT_EOL		0
#define AQ_TCPOPT_NOP		1
#define AQ_TCPOPT_WSCALE	3
#define AQ_TCPOPT_TS		8
#define AQ_TCPOLEN_WSCALE	3
#define AQ_TCPOLEN_TS		10

static inline u16 aq_be16(const u8 *p)
{
	return (u16)((p[0] << 8) | p[1]);
}

static inline u32 aq_be32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

/*
 * Walk the TCP options in opt[0..len). Unknown options are skipped; known
 * options with an unexpected length are ignored, as the Linux stack does.
 */
static int aq_parse_tcp_options(const u8 *opt, unsigned int len,
				struct aq_pkt *pkt)
{
	unsigned int off = 0;

	while (off < len) {
		u8 kind = opt[off];
		u8 olen;

		if (kind == AQ_TCPOPT_EOL)
			break;
		if (kind == AQ_TCPOPT_NOP) {
			off++;
			continue;
		}
		if (off + 2 > len)
			return AQ_PARSE_MALFORMED;
		olen = opt[off + 1];
		if (olen < 2 || olen > len - off)
			return AQ_PARSE_MALFORMED;
		if (kind == AQ_TCPOPT_TS && olen == AQ_TCPOLEN_TS) {
			pkt->has_ts = 1;
			pkt->tsval = aq_be32(opt + off + 2);
			pkt->tsecr = aq_be32(opt + off + 6);
		} else if (kind == AQ_TCPOPT_WSCALE &&
			   olen == AQ_TCPOLEN_WSCALE) {
			pkt->has_wscale = 1;
			pkt->wscale = min_t(u8, opt[off + 2], AQ_TCP_MAX_WSCALE);
		}
		off += olen;
	}
	return AQ_PARSE_OK;
}

/*
 * Parse the L4 header at l4 (avail bytes in the buffer, l4_len bytes in the
 * packet according to the IP header).
 */
static int aq_parse_l4(const u8 *l4, unsigned int avail, unsigned int l4_len,
		       struct aq_pkt *pkt)
{
	unsigned int doff;

	if (pkt->proto == IPPROTO_UDP) {
		unsigned int ulen;

		if (l4_len < AQ_UDP_HLEN || avail < AQ_UDP_HLEN)
			return AQ_PARSE_MALFORMED;
		ulen = aq_be16(l4 + 4);
		if (ulen < AQ_UDP_HLEN || ulen > l4_len)
			return AQ_PARSE_MALFORMED;
		pkt->sport = aq_be16(l4);
		pkt->dport = aq_be16(l4 + 2);
		pkt->payload_len = l4_len - AQ_UDP_HLEN;
		return AQ_PARSE_OK;
	}

	if (l4_len < AQ_TCP_HLEN || avail < AQ_TCP_HLEN)
		return AQ_PARSE_MALFORMED;
	doff = (l4[12] >> 4) * 4;
	if (doff < AQ_TCP_HLEN || doff > l4_len || doff > avail)
		return AQ_PARSE_MALFORMED;
	pkt->sport = aq_be16(l4);
	pkt->dport = aq_be16(l4 + 2);
	pkt->seq = aq_be32(l4 + 4);
	pkt->ack = aq_be32(l4 + 8);
	pkt->tcp_flags = l4[13];
	pkt->window = aq_be16(l4 + 14);
	pkt->payload_len = l4_len - doff;
	return aq_parse_tcp_options(l4 + AQ_TCP_HLEN, doff - AQ_TCP_HLEN, pkt);
}

static int aq_parse_ipv4(const u8 *p, unsigned int avail,
			 unsigned int pkt_len, struct aq_pkt *pkt)
{
	unsigned int ihl, tot_len;

	if (avail < AQ_IPV4_HLEN || (p[0] >> 4) != 4)
		return AQ_PARSE_MALFORMED;
	ihl = (p[0] & 0x0f) * 4;
	tot_len = aq_be16(p + 2);
	if (ihl < AQ_IPV4_HLEN || ihl > avail || tot_len < ihl ||
	    tot_len > pkt_len)
		return AQ_PARSE_MALFORMED;
	/* MF flag or a fragment offset. */
	if (aq_be16(p + 6) & 0x3fff)
		return AQ_PARSE_FRAGMENT;
	pkt->proto = p[9];
	if (pkt->proto != IPPROTO_TCP && pkt->proto != IPPROTO_UDP)
		return AQ_PARSE_OTHER;
	pkt->family = AF_INET;
	memcpy(pkt->saddr, p + 12, 4);
	memcpy(pkt->daddr, p + 16, 4);
	pkt->total_len = tot_len;
	pkt->l4_off = ihl;
	return aq_parse_l4(p + ihl, avail - ihl, tot_len - ihl, pkt);
}

static int aq_parse_ipv6(const u8 *p, unsigned int avail,
			 unsigned int pkt_len, struct aq_pkt *pkt)
{
	unsigned int off = AQ_IPV6_HLEN, tot_len, i;
	u8 nexthdr;

	if (avail < AQ_IPV6_HLEN || (p[0] >> 4) != 6)
		return AQ_PARSE_MALFORMED;
	/* A jumbogram (payload length 0) fails the L4 length checks. */
	tot_len = AQ_IPV6_HLEN + aq_be16(p + 4);
	if (tot_len > pkt_len)
		return AQ_PARSE_MALFORMED;
	nexthdr = p[6];

	for (i = 0; ; i++) {
		unsigned int hlen;

		if (nexthdr == IPPROTO_TCP || nexthdr == IPPROTO_UDP)
			break;
		if (nexthdr == IPPROTO_ESP || nexthdr == IPPROTO_NONE)
			return AQ_PARSE_OTHER;
		if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING &&
		    nexthdr != IPPROTO_DSTOPTS && nexthdr != IPPROTO_FRAGMENT &&
		    nexthdr != IPPROTO_AH)
			return AQ_PARSE_OTHER;
		if (i >= AQ_PARSE_MAX_EXTHDRS)
			return AQ_PARSE_MALFORMED;
		if (off + 8 > avail || off + 8 > tot_len)
			return AQ_PARSE_MALFORMED;
		if (nexthdr == IPPROTO_FRAGMENT) {
			/* Offset or M set: a real fragment. */
			if (aq_be16(p + off + 2) & 0xfff9)
				return AQ_PARSE_FRAGMENT;
			hlen = 8;
		} else if (nexthdr == IPPROTO_AH) {
			hlen = (p[off + 1] + 2) * 4;
		} else {
			hlen = (p[off + 1] + 1) * 8;
		}
		if (off + hlen > tot_len)
			return AQ_PARSE_MALFORMED;
		nexthdr = p[off];
		off += hlen;
	}
	if (off > avail)
		return AQ_PARSE_MALFORMED;

	pkt->proto = nexthdr;
	pkt->family = AF_INET6;
	memcpy(pkt->saddr, p + 8, 16);
	memcpy(pkt->daddr, p + 24, 16);
	pkt->total_len = tot_len;
	pkt->l4_off = off;
	return aq_parse_l4(p + off, avail - off, tot_len - off, pkt);
}

int aq_parse_packet(const void *hdr, unsigned int hdr_len,
		    unsigned int pkt_len, u8 family, struct aq_pkt *pkt)
{
	unsigned int avail = min_t(unsigned int, hdr_len, pkt_len);

	memset(pkt, 0, sizeof(*pkt));
	if (family == AF_INET)
		return aq_parse_ipv4(hdr, avail, pkt_len, pkt);
	if (family == AF_INET6)
		return aq_parse_ipv6(hdr, avail, pkt_len, pkt);
	return AQ_PARSE_OTHER;
}
