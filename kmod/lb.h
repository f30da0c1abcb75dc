/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AQ_LB_H
#define AQ_LB_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>

#include "packet.h"

struct aq_net;

/* PRE_ROUTING: send packets to VIPs in mode nat or ipip to a backend. */
unsigned int aq_lb_hook(void *priv, struct sk_buff *skb,
			const struct nf_hook_state *state);

/**
 * aq_lb_reply() - give a reply of a nat backend the VIP as source
 * @an: the namespace's state
 * @skb: the packet (POST_ROUTING)
 * @pkt: its parsed headers
 *
 * Context: RCU read side.
 * Return: true if @skb came from a backend of a VIP in mode nat.
 */
bool aq_lb_reply(struct aq_net *an, struct sk_buff *skb,
		 const struct aq_pkt *pkt);

#endif /* AQ_LB_H */
