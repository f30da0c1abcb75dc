/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Aquarius: IPv4/IPv6 + TCP/UDP header parser working on a linear copy of
 * the first bytes of a packet. No sk_buff here: the same file is compiled
 * in the module and in the host tests.
 */
#ifndef AQ_PACKET_H
#define AQ_PACKET_H

#include <linux/types.h>

/* Bytes of a packet the glue copies for aq_parse_packet(). */
#define AQ_PARSE_MAX		256
/* IPv6 extension headers walked before giving up (malformed). */
#define AQ_PARSE_MAX_EXTHDRS	8

/* TCP flag bits, as in byte 13 of the TCP header. */
#define AQ_TCP_FIN	0x01
#define AQ_TCP_SYN	0x02
#define AQ_TCP_RST	0x04
#define AQ_TCP_PSH	0x08
#define AQ_TCP_ACK	0x10
#define AQ_TCP_URG	0x20
#define AQ_TCP_ECE	0x40
#define AQ_TCP_CWR	0x80

/**
 * enum aq_parse_result - outcome of aq_parse_packet()
 * @AQ_PARSE_OK: headers parsed, @pkt filled.
 * @AQ_PARSE_MALFORMED: truncated or inconsistent headers: bad version, IHL,
 *	lengths, TCP data offset, TCP option lengths, UDP length, or an IPv6
 *	extension header chain longer than AQ_PARSE_MAX_EXTHDRS or running
 *	past the bytes available.
 * @AQ_PARSE_FRAGMENT: an IPv4 fragment (MF or offset set) or an IPv6
 *	packet with a fragment header whose offset or M flag is set.
 * @AQ_PARSE_OTHER: not TCP or UDP, or not parsable (ESP, no next header).
 */
enum aq_parse_result {
	AQ_PARSE_OK = 0,
	AQ_PARSE_MALFORMED,
	AQ_PARSE_FRAGMENT,
	AQ_PARSE_OTHER,
};

/* The largest window scale shift (RFC 7323); a larger option is capped. */
#define AQ_TCP_MAX_WSCALE	14

/**
 * struct aq_pkt - what the collector needs from one packet
 * @saddr: source address; IPv4 in the first 4 bytes, the rest zero.
 * @daddr: destination address, same encoding.
 * @sport: source port, host order.
 * @dport: destination port, host order.
 * @family: AF_INET or AF_INET6.
 * @proto: IPPROTO_TCP or IPPROTO_UDP.
 * @tcp_flags: AQ_TCP_* bits (TCP only).
 * @has_ts: a TCP timestamps option was present.
 * @has_wscale: a TCP window scale option was present.
 * @wscale: its shift count, capped at 14 (RFC 7323).
 * @window: raw (unscaled) TCP window field.
 * @seq: TCP sequence number.
 * @ack: TCP acknowledgment number (meaningful with AQ_TCP_ACK).
 * @tsval: TCP timestamp value (valid if @has_ts).
 * @tsecr: TCP timestamp echo reply (valid if @has_ts).
 * @payload_len: L4 payload bytes, from the IP lengths (not the buffer).
 * @total_len: IP packet length (IPv4 total length, IPv6 40 + payload).
 * @l4_off: offset of the TCP/UDP header from the start of the IP header.
 */
struct aq_pkt {
	u8 saddr[16];
	u8 daddr[16];
	u16 sport;
	u16 dport;
	u8 family;
	u8 proto;
	u8 tcp_flags;
	u8 has_ts;
	u8 has_wscale;
	u8 wscale;
	u16 window;
	u32 seq;
	u32 ack;
	u32 tsval;
	u32 tsecr;
	u32 payload_len;
	u32 total_len;
	u32 l4_off;
};

/**
 * aq_parse_packet() - parse the network and transport headers of a packet
 * @hdr: the first bytes of the packet, starting at the IP header.
 * @hdr_len: bytes available at @hdr (never read beyond).
 * @pkt_len: real length of the packet from the IP header on (may exceed
 *	@hdr_len, and may exceed the IP length because of link padding).
 * @family: AF_INET or AF_INET6, the family the packet was received as.
 * @pkt: filled on AQ_PARSE_OK; contents unspecified otherwise.
 *
 * Return: an enum aq_parse_result.
 */
int aq_parse_packet(const void *hdr, unsigned int hdr_len,
		    unsigned int pkt_len, u8 family, struct aq_pkt *pkt);

#endif /* AQ_PACKET_H */
