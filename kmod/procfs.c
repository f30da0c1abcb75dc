// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/aquarius: the VIPs of a namespace, their backends and where
 * their regions are mapped (format in uapi/linux/aquarius.h).
 */
#include <linux/in.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/socket.h>
#include <net/net_namespace.h>

#include "procfs.h"
#include "vip.h"

static void aq_seq_endpoint(struct seq_file *m, const struct aq_endpoint *ep)
{
	if (ep->family == AF_INET6)
		seq_printf(m, "%pI6c %u", ep->addr, ep->port);
	else
		seq_printf(m, "%pI4 %u", ep->addr, ep->port);
}

static int aq_proc_show(struct seq_file *m, void *v)
{
	struct aq_net *an = aq_net(seq_file_single_net(m));
	struct aq_vip *vip;
	unsigned int i;

	mutex_lock(&an->lock);
	list_for_each_entry(vip, &an->vips, node) {
		seq_printf(m, "vip %s %s ", vip->cfg.name,
			   vip->cfg.proto == IPPROTO_UDP ? "udp" : "tcp");
		aq_seq_endpoint(m, &vip->cfg.vip);
		seq_printf(m, " offset %llu size %zu\n",
			   (unsigned long long)vip->id << AQ_REGION_OFFSET_SHIFT,
			   vip->region->size);
		for (i = 0; i < vip->cfg.nr_backends; i++) {
			if (!vip->cfg.backends[i].family)
				continue;
			seq_printf(m, "backend %u ", i);
			aq_seq_endpoint(m, &vip->cfg.backends[i]);
			seq_printf(m, " %s\n", vip->active & BIT_ULL(i) ?
				   "active" : "inactive");
		}
	}
	mutex_unlock(&an->lock);
	return 0;
}

int aq_procfs_init(struct net *net)
{
	if (!proc_create_net_single("aquarius", 0444, net->proc_net,
				    aq_proc_show, NULL))
		return -ENOMEM;
	return 0;
}

void aq_procfs_exit(struct net *net)
{
	remove_proc_entry("aquarius", net->proc_net);
}
