// SPDX-License-Identifier: GPL-2.0
/*
 * Load balancing glue: the PRE_ROUTING hook that sends packets addressed to
 * a VIP in mode nat or ipip to a backend, and the source rewrite of replies
 * in mode nat.
 *
 * The hook runs before routing (and before conntrack, after defrag), so the
 * rewritten packet is routed to the backend as if the client had sent it
 * there. The choice of backend is made by aq_observe_lb() (features.c),
 * which also observes the packet, keyed by the VIP's 5-tuple; the
 * POST_ROUTING hook then leaves such packets alone.
 *
 * nat: the destination becomes the backend; replies from the backend's
 * address and port get the VIP as source again, statelessly: a backend's
 * (address, port, protocol) belongs to one VIP of the namespace.
 * ipip: an outer IPv4 (IPIP) or IPv6 (IP6IP6) header to the backend, sent
 * by the balancer itself (routed, then LOCAL_OUT); the backend decapsulates
 * and answers the client directly (direct server return).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "lb.h"
#include "vip.h"

/* What the scheduler callbacks of aq_observe_lb() need. */
struct aq_lb_ctx {
	struct aq_vip *vip;
	const struct aq_vip_lb *lb;
	const struct aq_pkt *pkt;
};

static int aq_lb_fallback(void *arg)
{
	const struct aq_lb_ctx *c = arg;
	const struct aq_pkt *p = c->pkt;

	return aq_lb_pick_maglev(&c->lb->table,
				 aq_lb_flow_hash(p->family, p->proto, p->saddr,
						 p->sport, p->daddr, p->dport));
}

static int aq_lb_pick(void *arg)
{
	const struct aq_lb_ctx *c = arg;
	const struct aq_lb_table *t = &c->lb->table;
	s64 flow_on[AQ_MAX_BACKENDS];
	u8 sched = READ_ONCE(c->vip->cfg.sched);
	unsigned int i;

	switch (sched) {
	case AQ_SCHED_SED:
	case AQ_SCHED_LSQ:
		for (i = 0; i < AQ_MAX_BACKENDS; i++)
			flow_on[i] = t->eligible & BIT_ULL(i) ?
				(s64)aq_stats_counter(&c->vip->stats, i,
						      AQ_C_N_FLOW_ON) : 0;
		return sched == AQ_SCHED_SED ? aq_lb_pick_sed(t, flow_on) :
					       aq_lb_pick_lsq(t, flow_on);
	case AQ_SCHED_RANDOM:
		return aq_lb_pick_random(t, get_random_u32());
	default:
		return aq_lb_fallback(arg);
	}
}

/*
 * Rewrite the destination (@dst) or source address and port of a parsed
 * TCP/UDP packet, with incremental checksum updates. The headers up to the
 * ports and checksum must be writable.
 */
static void aq_lb_rewrite(struct sk_buff *skb, const struct aq_pkt *pkt,
			  const struct aq_endpoint *ep, bool dst)
{
	u8 *th = skb_network_header(skb) + pkt->l4_off;
	__sum16 *check = pkt->proto == IPPROTO_TCP ?
			 &((struct tcphdr *)th)->check :
			 &((struct udphdr *)th)->check;
	__be16 *portp = (__be16 *)th + (dst ? 1 : 0);
	__be16 port = htons(ep->port);
	bool l4 = pkt->proto == IPPROTO_TCP || *check ||
		  skb->ip_summed == CHECKSUM_PARTIAL;

	if (pkt->family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);
		__be32 *ap = dst ? &iph->daddr : &iph->saddr;
		__be32 addr;

		memcpy(&addr, ep->addr, sizeof(addr));
		if (l4)
			inet_proto_csum_replace4(check, skb, *ap, addr, true);
		csum_replace4(&iph->check, *ap, addr);
		*ap = addr;
	} else {
		struct ipv6hdr *ip6 = ipv6_hdr(skb);
		struct in6_addr *ap = dst ? &ip6->daddr : &ip6->saddr;
		struct in6_addr addr;

		memcpy(&addr, ep->addr, sizeof(addr));
		if (l4)
			inet_proto_csum_replace16(check, skb, ap->s6_addr32,
						  addr.s6_addr32, true);
		*ap = addr;
	}
	if (l4)
		inet_proto_csum_replace2(check, skb, *portp, port, false);
	*portp = port;
	if (pkt->proto == IPPROTO_UDP && l4 && !*check)
		*check = CSUM_MANGLED_0;
}

static int aq_lb_nat(struct sk_buff *skb, const struct aq_pkt *pkt,
		     const struct aq_endpoint *ep, bool dst)
{
	unsigned int hlen = pkt->proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
							sizeof(struct udphdr);

	if (skb_ensure_writable(skb, skb_network_offset(skb) + pkt->l4_off +
				hlen))
		return -ENOMEM;
	aq_lb_rewrite(skb, pkt, ep, dst);
	return 0;
}

/*
 * The outer packet is the balancer's own: it is routed as locally
 * originated (source: the address the route to the backend prefers) and
 * leaves through LOCAL_OUT, like a tunnel device's packets. Routing it as
 * received would drop it as a martian (its source is a local address).
 * The skb is consumed once these return 0.
 */

/* Wrap the packet in an IPv4 header to @ep (IPIP) and send it. */
static int aq_lb_tunnel4(struct net *net, struct sk_buff *skb,
			 const struct aq_endpoint *ep)
{
	const struct iphdr *inner = ip_hdr(skb);
	__be16 df = inner->frag_off & htons(IP_DF);
	struct flowi4 fl4 = {
		.flowi4_proto = IPPROTO_IPIP,
		.flowi4_mark = skb->mark,
	};
	u8 tos = inner->tos;
	struct iphdr *iph;
	struct rtable *rt;

	memcpy(&fl4.daddr, ep->addr, sizeof(fl4.daddr));
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) + sizeof(*iph)) ||
	    iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4)) {
		ip_rt_put(rt);
		return -ENOMEM;
	}
	skb_scrub_packet(skb, false);
	skb_dst_set(skb, &rt->dst);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	skb_set_inner_ipproto(skb, IPPROTO_IPIP);
	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->tos = tos;
	iph->frag_off = df;
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_IPIP;
	iph->saddr = fl4.saddr;
	iph->daddr = fl4.daddr;
	__ip_select_ident(net, iph, skb_shinfo(skb)->gso_segs ?: 1);
	/* Sets tot_len and the header checksum. */
	ip_local_out(net, NULL, skb);
	return 0;
}

/* Wrap the packet in an IPv6 header to @ep (IP6IP6) and send it. */
static int aq_lb_tunnel6(struct net *net, struct sk_buff *skb,
			 const struct aq_endpoint *ep)
{
	__be32 flowinfo = ip6_flowinfo(ipv6_hdr(skb));
	struct flowi6 fl6 = {
		.flowi6_proto = IPPROTO_IPV6,
		.flowi6_mark = skb->mark,
	};
	struct dst_entry *dst = NULL;
	struct ipv6hdr *ip6;
	int err;

	memcpy(&fl6.daddr, ep->addr, sizeof(fl6.daddr));
	/* Also picks the source address. */
	err = ip6_dst_lookup(net, NULL, &dst, &fl6);
	if (err)
		return err;
	if (skb->len > IPV6_MAXPLEN ||
	    skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + sizeof(*ip6)) ||
	    iptunnel_handle_offloads(skb, SKB_GSO_IPXIP6)) {
		dst_release(dst);
		return -ENOMEM;
	}
	skb_scrub_packet(skb, false);
	skb_dst_set(skb, dst);
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	skb_set_inner_ipproto(skb, IPPROTO_IPV6);
	skb_push(skb, sizeof(*ip6));
	skb_reset_network_header(skb);
	ip6 = ipv6_hdr(skb);
	ip6_flow_hdr(ip6, ip6_tclass(flowinfo), flowinfo & IPV6_FLOWLABEL_MASK);
	ip6->nexthdr = IPPROTO_IPV6;
	ip6->hop_limit = ip6_dst_hoplimit(dst);
	ip6->saddr = fl6.saddr;
	ip6->daddr = fl6.daddr;
	/* Sets payload_len. */
	ip6_local_out(net, NULL, skb);
	return 0;
}

unsigned int aq_lb_hook(void *priv, struct sk_buff *skb,
			const struct nf_hook_state *state)
{
	struct aq_net *an = aq_net(state->net);
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	unsigned int len, avail;
	struct aq_lb_ctx ctx;
	struct aq_lb_choice choice = {
		.pick = aq_lb_pick,
		.fallback = aq_lb_fallback,
		.ctx = &ctx,
	};
	const struct aq_endpoint *ep;
	struct aq_vip *vip;
	u8 buf[AQ_PARSE_MAX];
	struct aq_pkt pkt;
	const u8 *hdr;
	int col, err;
	u8 mode;

	if (!READ_ONCE(an->nr_lb_vips))
		return NF_ACCEPT;
	len = skb->len - skb_network_offset(skb);
	avail = min_t(unsigned int, len, AQ_PARSE_MAX);
	hdr = skb_header_pointer(skb, skb_network_offset(skb), avail, buf);
	if (!hdr || aq_parse_packet(hdr, avail, len, family, &pkt) !=
		    AQ_PARSE_OK)
		return NF_ACCEPT;
	vip = aq_vip_lookup(an, family, pkt.daddr, pkt.proto, pkt.dport);
	if (!vip)
		return NF_ACCEPT;
	mode = READ_ONCE(vip->cfg.mode);
	if (mode == AQ_MODE_OBSERVE)
		return NF_ACCEPT;

	ctx.vip = vip;
	ctx.lb = rcu_dereference(vip->lb);
	ctx.pkt = &pkt;
	/* Pairs with the release that published the table. */
	col = aq_observe_lb(&vip->stats, smp_load_acquire(&an->ft), &pkt,
			    ktime_get_ns(), &choice);
	if (col < 0 || !ctx.lb->backends[col].family)
		goto drop;
	ep = &ctx.lb->backends[col];
	if (mode == AQ_MODE_NAT) {
		if (aq_lb_nat(skb, &pkt, ep, true))
			goto drop;
		return NF_ACCEPT;
	}
	err = family == AF_INET ? aq_lb_tunnel4(state->net, skb, ep) :
				  aq_lb_tunnel6(state->net, skb, ep);
	if (err)
		goto drop;
	return NF_STOLEN;

drop:
	aq_stats_vip_inc(&vip->stats, AQ_VC_DROPPED);
	return NF_DROP;
}

bool aq_lb_reply(struct aq_net *an, struct sk_buff *skb,
		 const struct aq_pkt *pkt)
{
	struct aq_backend_ref *ref;

	ref = aq_backend_lookup(an, pkt->family, pkt->saddr, pkt->proto,
				pkt->sport);
	if (!ref || READ_ONCE(ref->vip->cfg.mode) != AQ_MODE_NAT)
		return false;
	aq_lb_nat(skb, pkt, &ref->vip->cfg.vip, false);
	return true;
}
