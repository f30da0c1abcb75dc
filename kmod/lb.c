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
 * ipip: an outer IPv4 (IPIP) or IPv6 (IP6IP6) header to the backend, from
 * an address of the receiving device; the backend decapsulates and answers
 * the client directly (direct server return).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>

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

/* Wrap the packet in an IPv4 header to @ep (IPIP). */
static int aq_lb_encap4(struct net *net, struct sk_buff *skb,
			const struct net_device *in,
			const struct aq_endpoint *ep)
{
	const struct iphdr *inner = ip_hdr(skb);
	u8 tos = inner->tos;
	__be16 df = inner->frag_off & htons(IP_DF);
	__be32 saddr, daddr;
	struct iphdr *iph;

	memcpy(&daddr, ep->addr, sizeof(daddr));
	saddr = inet_select_addr(in, daddr, RT_SCOPE_UNIVERSE);
	if (!saddr)
		return -EADDRNOTAVAIL;
	if (skb_cow_head(skb, sizeof(*iph)) ||
	    iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4))
		return -ENOMEM;
	skb_set_inner_ipproto(skb, IPPROTO_IPIP);
	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->tos = tos;
	iph->tot_len = htons(skb->len);
	iph->frag_off = df;
	iph->ttl = READ_ONCE(net->ipv4.sysctl_ip_default_ttl);
	iph->protocol = IPPROTO_IPIP;
	iph->saddr = saddr;
	iph->daddr = daddr;
	__ip_select_ident(net, iph, skb_shinfo(skb)->gso_segs ?: 1);
	ip_send_check(iph);
	return 0;
}

/* Wrap the packet in an IPv6 header to @ep (IP6IP6). */
static int aq_lb_encap6(struct net *net, struct sk_buff *skb,
			const struct net_device *in,
			const struct aq_endpoint *ep)
{
	const struct ipv6hdr *inner = ipv6_hdr(skb);
	__be32 flowinfo = ip6_flowinfo(inner);
	struct in6_addr saddr, daddr;
	struct ipv6hdr *ip6;
	unsigned int payload;

	memcpy(&daddr, ep->addr, sizeof(daddr));
	if (ipv6_dev_get_saddr(net, in, &daddr, 0, &saddr))
		return -EADDRNOTAVAIL;
	if (skb_cow_head(skb, sizeof(*ip6)) ||
	    iptunnel_handle_offloads(skb, SKB_GSO_IPXIP6))
		return -ENOMEM;
	skb_set_inner_ipproto(skb, IPPROTO_IPV6);
	payload = skb->len;
	if (payload > IPV6_MAXPLEN)
		return -EMSGSIZE;
	skb_push(skb, sizeof(*ip6));
	skb_reset_network_header(skb);
	ip6 = ipv6_hdr(skb);
	ip6_flow_hdr(ip6, ip6_tclass(flowinfo), flowinfo & IPV6_FLOWLABEL_MASK);
	ip6->payload_len = htons(payload);
	ip6->nexthdr = IPPROTO_IPV6;
	ip6->hop_limit = READ_ONCE(net->ipv6.devconf_all->hop_limit);
	ip6->saddr = saddr;
	ip6->daddr = daddr;
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
	if (mode == AQ_MODE_NAT)
		err = aq_lb_nat(skb, &pkt, ep, true);
	else if (family == AF_INET)
		err = aq_lb_encap4(state->net, skb, state->in, ep);
	else
		err = aq_lb_encap6(state->net, skb, state->in, ep);
	if (err)
		goto drop;
	return NF_ACCEPT;

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
