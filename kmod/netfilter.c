// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter glue: one pair of hooks (IPv4, IPv6) per network namespace, at
 * POST_ROUTING just before source NAT. There every destination NAT (IPVS,
 * nftables DNAT) has happened, and both forwarded and locally generated
 * packets pass, so a packet's destination is the backend that serves it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "netfilter.h"

static unsigned int aq_net_id __read_mostly;

/**
 * struct aq_net - per network namespace state
 * @hooks_registered: the hooks below are registered in this namespace
 */
struct aq_net {
	bool hooks_registered;
};

static unsigned int aq_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
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
};

static int __net_init aq_net_init(struct net *net)
{
	struct aq_net *an = net_generic(net, aq_net_id);
	int err;

	err = nf_register_net_hooks(net, aq_hook_ops, ARRAY_SIZE(aq_hook_ops));
	if (err)
		return err;
	an->hooks_registered = true;
	return 0;
}

static void __net_exit aq_net_exit(struct net *net)
{
	struct aq_net *an = net_generic(net, aq_net_id);

	if (an->hooks_registered)
		nf_unregister_net_hooks(net, aq_hook_ops,
					ARRAY_SIZE(aq_hook_ops));
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
