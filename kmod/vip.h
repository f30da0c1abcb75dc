/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AQ_VIP_H
#define AQ_VIP_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "aq_features.h"
#include "config.h"
#include "flowtable.h"
#include "region.h"

struct net;

#define AQ_MAX_VIPS		256	/* per network namespace */
#define AQ_BACKEND_HASH_BITS	8
/* A VIP's region is mapped at offset id << AQ_REGION_OFFSET_SHIFT. */
#define AQ_REGION_OFFSET_SHIFT	32

/**
 * struct aq_settings - module-wide settings, fixed at load time
 * @flow_entries: flow table entries per namespace
 * @flow_timeout_ns: idle timeout of a flow
 * @nr_slots: reservoir slots per (backend, feature)
 * @snapshot_ns: snapshot interval
 */
struct aq_settings {
	unsigned int flow_entries;
	u64 flow_timeout_ns;
	unsigned int nr_slots;
	u64 snapshot_ns;
};

extern struct aq_settings aq_settings;

/**
 * struct aq_backend_ref - where packets to one backend are counted
 * @node: in aq_net.backend_hash; RCU for readers, aq_net.lock for writers
 * @vip: the VIP
 * @ep: the backend's address and port
 * @column: its column in @vip
 */
struct aq_backend_ref {
	struct hlist_node node;
	struct aq_vip *vip;
	struct aq_endpoint ep;
	u8 column;
};

/**
 * struct aq_vip - one service and its statistics
 * @node: in aq_net.vips, under aq_net.lock
 * @an: its namespace's state
 * @cfg: the configuration, fixed while the VIP lives
 * @id: its number in the namespace; the mmap offset derives from it
 * @active: bitmap of active backend columns
 * @region: the exported memory; one reference is the VIP's
 * @stats: counters and reservoirs over @region
 * @snapshot_timer: folds the counters every aq_settings.snapshot_ns
 * @refs: lookup entries of the backends, by column
 */
struct aq_vip {
	struct list_head node;
	struct aq_net *an;
	struct aq_vip_config cfg;
	unsigned int id;
	u64 active;
	struct aq_region *region;
	struct aq_stats stats;
	struct timer_list snapshot_timer;
	struct aq_backend_ref refs[AQ_MAX_BACKENDS];
};

/**
 * struct aq_net - the module's state in one network namespace
 * @net: the namespace
 * @lock: protects @vips, @nr_vips, @ids, writers of @backend_hash, and the
 *	creation of @ft. Taken in process context only.
 * @vips: the VIPs, in creation order
 * @nr_vips: entries of @vips; read locklessly by the hook as a fast path
 * @ids: VIP ids in use
 * @backend_hash: backend lookup by address, RCU-protected for the hook
 * @ft: the flow table, created with the first VIP; published with
 *	smp_store_release(), read with smp_load_acquire(); freed at exit
 * @gc: expires idle flows while @ft exists
 * @hooks_registered: the netfilter hooks are registered here
 */
struct aq_net {
	struct net *net;
	struct mutex lock;	/* see above */
	struct list_head vips;
	unsigned int nr_vips;
	DECLARE_BITMAP(ids, AQ_MAX_VIPS);
	struct hlist_head backend_hash[1 << AQ_BACKEND_HASH_BITS];
	struct aq_flowtable *ft;
	struct delayed_work gc;
	bool hooks_registered;
};

void aq_net_setup(struct aq_net *an, struct net *net);
void aq_net_teardown(struct aq_net *an);
struct aq_net *aq_net(struct net *net);

int aq_vip_add(struct aq_net *an, const struct aq_vip_config *cfg);
struct aq_backend_ref *aq_backend_lookup(struct aq_net *an, u8 family,
					 const u8 *addr, u8 proto, u16 port);
void aq_backend_count_addr(struct aq_net *an, u8 family, const u8 *addr,
			   enum aq_vip_counter c);
struct aq_region *aq_vip_region_get(struct net *net, unsigned long pgoff);

#endif /* AQ_VIP_H */
