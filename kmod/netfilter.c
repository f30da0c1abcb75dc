// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter glue: two pairs of hooks (IPv4, IPv6) per network namespace.
 *
 * POST_ROUTING, just before source NAT, observes: there every destination
 * NAT (IPVS, nftables DNAT) has happened, and both forwarded and locally
 * generated packets pass, so a packet's destination is the backend that
 * serves it. The hook only copies headers and hands them to the pure-C
 * core. It also rewrites the replies of VIPs in mode nat (lb.c).
 *
 * PRE_ROUTING, after defragmentation and before conntrack, balances the
 * VIPs in mode nat or ipip (lb.c); those are observed there, by the VIP's
 * 5-tuple, and skipped at POST_ROUTING.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "lb.h"
#include "netfilter.h"
#include "packet.h"
#include "procfs.h"
#include "vip.h"

static unsigned int aq_net_id __read_mostly;

struct aq_net *aq_net(struct net *net)
{
	return net_generic(net, aq_net_id);
}

/* A packet that did not parse is counted by its destination address. */
static void aq_count_unparsed(struct aq_net *an, u8 family, const u8 *hdr,
			      unsigned int len, enum aq_vip_counter c)
{
	unsigned int off = family == AF_INET ? 16 : 24;
	unsigned int alen = family == AF_INET ? 4 : 16;

	if (len >= off + alen)
		aq_backend_count_addr(an, family, hdr + off, c);
}

static unsigned int aq_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	struct aq_net *an = aq_net(state->net);
	u8 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	unsigned int off = skb_network_offset(skb), len, avail;
	struct aq_backend_ref *ref;
	u8 buf[AQ_PARSE_MAX];
	const u8 *hdr;
	struct aq_pkt pkt;
	int res;

	if (!READ_ONCE(an->nr_vips))
		return NF_ACCEPT;
	len = skb->len - off;
	avail = min_t(unsigned int, len, AQ_PARSE_MAX);
	hdr = skb_header_pointer(skb, off, avail, buf);
	if (!hdr)
		return NF_ACCEPT;
	res = aq_parse_packet(hdr, avail, len, family, &pkt);
	if (res == AQ_PARSE_MALFORMED || res == AQ_PARSE_FRAGMENT) {
		aq_count_unparsed(an, family, hdr, avail,
				  res == AQ_PARSE_FRAGMENT ? AQ_VC_FRAGMENT :
							     AQ_VC_MALFORMED);
		return NF_ACCEPT;
	}
	if (res != AQ_PARSE_OK)
		return NF_ACCEPT;
	if (READ_ONCE(an->nr_nat_vips) && aq_lb_reply(an, skb, &pkt))
		return NF_ACCEPT;
	ref = aq_backend_lookup(an, family, pkt.daddr, pkt.proto, pkt.dport);
	if (ref) {
		/* Balanced VIPs are observed before routing. */
		if (READ_ONCE(ref->vip->cfg.mode) != AQ_MODE_OBSERVE)
			return NF_ACCEPT;
		/* Pairs with the release that published the table. */
		struct aq_flowtable *ft = smp_load_acquire(&an->ft);

		aq_observe(&ref->vip->stats, ref->column, ft, &pkt,
			   ktime_get_ns());
	} else {
		aq_backend_count_addr(an, family, pkt.daddr, AQ_VC_OTHER);
	}
	return NF_ACCEPT;
}

static const struct nf_hook_ops aq_hook_ops[] = {
	{
		.hook		= aq_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP_PRI_NAT_SRC - 1,
	},
	{
		.hook		= aq_hook,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP6_PRI_NAT_SRC - 1,
	},
	{
		.hook		= aq_lb_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	},
	{
		.hook		= aq_lb_hook,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_CONNTRACK_DEFRAG + 1,
	},
};

static int __net_init aq_net_init(struct net *net)
{
	struct aq_net *an = aq_net(net);
	int err;

	aq_net_setup(an, net);
	err = aq_procfs_init(net);
	if (err)
		return err;
	err = nf_register_net_hooks(net, aq_hook_ops, ARRAY_SIZE(aq_hook_ops));
	if (err) {
		aq_procfs_exit(net);
		return err;
	}
	an->hooks_registered = true;
	return 0;
}

static void __net_exit aq_net_exit(struct net *net)
{
	struct aq_net *an = aq_net(net);

	if (an->hooks_registered)
		nf_unregister_net_hooks(net, aq_hook_ops,
					ARRAY_SIZE(aq_hook_ops));
	aq_procfs_exit(net);
	aq_net_teardown(an);
}

static struct pernet_operations aq_net_ops = {
	.init	= aq_net_init,
	.exit	= aq_net_exit,
	.id	= &aq_net_id,
	.size	= sizeof(struct aq_net),
};

int aq_netfilter_init(void)
{
	return register_pernet_subsys(&aq_net_ops);
}

void aq_netfilter_exit(void)
{
	unregister_pernet_subsys(&aq_net_ops);
}
