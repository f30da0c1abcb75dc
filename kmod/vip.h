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
#include "scheduler.h"

struct net;

#define AQ_BACKEND_HASH_BITS	8
#define AQ_VIP_HASH_BITS	6

/**
 * struct aq_settings - module-wide settings, fixed at load time
 * @flow_entries: flow table entries per namespace
 * @flow_timeout_ns: idle timeout of a flow
 * @nr_slots: reservoir slots per (backend, feature)
 * @snapshot_ns: default snapshot interval
 * @features: sampled features collected by every VIP (AQ_FEATURES_*)
 */
struct aq_settings {
	unsigned int flow_entries;
	u64 flow_timeout_ns;
	unsigned int nr_slots;
	u64 snapshot_ns;
	u32 features;
};

extern struct aq_settings aq_settings;

/**
 * struct aq_backend_ref - where packets to one backend are counted
 * @node: in aq_net.backend_hash while the backend exists; RCU for readers,
 *	aq_net.lock for writers
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
 * struct aq_vip_lb - what the data path balances a VIP's new flows with;
 *	immutable once published, replaced as a whole on every change
 * @rcu: frees it after a grace period
 * @backends: the backends by column (family 0: none), for forwarding
 * @table: the schedulers' state
 */
struct aq_vip_lb {
	struct rcu_head rcu;
	struct aq_endpoint backends[AQ_MAX_BACKENDS];
	struct aq_lb_table table;
};

/**
 * struct aq_vip - one service and its statistics
 * @node: in aq_net.vips, under aq_net.lock
 * @hnode: in aq_net.vip_hash by (family, address, protocol, port); RCU
 * @an: its namespace's state
 * @cfg: the configuration; changed under aq_net.lock, and the fields the
 *	data path reads (@cfg.mode, @cfg.sched) with WRITE_ONCE()
 * @id: its number in the namespace; the mmap offset derives from it
 * @snapshot_ns: the snapshot interval (READ_ONCE() in the timer)
 * @active: bitmap of backend columns in use (READ_ONCE() in the timer)
 * @lb: the balancing state (RCU; writers hold aq_net.lock)
 * @region: the exported memory; one reference is the VIP's
 * @stats: counters and reservoirs over @region
 * @snapshot_timer: folds the counters every @snapshot_ns
 * @refs: lookup entries of the backends, by column
 */
struct aq_vip {
	struct list_head node;
	struct hlist_node hnode;
	struct aq_net *an;
	struct aq_vip_config cfg;
	unsigned int id;
	u64 snapshot_ns;
	u64 active;
	struct aq_vip_lb __rcu *lb;
	struct aq_region *region;
	struct aq_stats stats;
	struct timer_list snapshot_timer;
	struct aq_backend_ref refs[AQ_MAX_BACKENDS];
};

/**
 * struct aq_net - the module's state in one network namespace
 * @net: the namespace
 * @lock: protects @vips, @nr_vips, @nr_lb_vips, @nr_nat_vips, @ids, every
 *	VIP's configuration, writers of @backend_hash and @vip_hash, and the
 *	creation of @ft. Taken in process context only.
 * @vips: the VIPs, in creation order
 * @nr_vips: entries of @vips; read locklessly by the hooks as a fast path
 * @nr_lb_vips: VIPs in mode nat or ipip (lockless fast path, as above)
 * @nr_nat_vips: VIPs in mode nat (lockless fast path, as above)
 * @ids: VIP ids in use
 * @backend_hash: backend lookup by address, RCU-protected for the hooks
 * @vip_hash: VIP lookup by address, RCU-protected for the hooks
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
	unsigned int nr_lb_vips;
	unsigned int nr_nat_vips;
	DECLARE_BITMAP(ids, AQ_MAX_VIPS);
	struct hlist_head backend_hash[1 << AQ_BACKEND_HASH_BITS];
	struct hlist_head vip_hash[1 << AQ_VIP_HASH_BITS];
	struct aq_flowtable *ft;
	struct delayed_work gc;
	bool hooks_registered;
};

/* What aq_vip_set() changes; a field is left alone when its bit is clear. */
#define AQ_VIP_SET_MODE		BIT(0)
#define AQ_VIP_SET_SCHED	BIT(1)
#define AQ_VIP_SET_SNAPSHOT	BIT(2)

void aq_net_setup(struct aq_net *an, struct net *net);
void aq_net_teardown(struct aq_net *an);
struct aq_net *aq_net(struct net *net);

/* Configuration, in process context with aq_net.lock held. */
int aq_vip_add(struct aq_net *an, const struct aq_vip_config *cfg);
int aq_vip_del(struct aq_net *an, struct aq_vip *vip);
struct aq_vip *aq_vip_find(struct aq_net *an, const char *name);
int aq_vip_set(struct aq_vip *vip, unsigned int what,
	       const struct aq_vip_config *new);
int aq_backend_add(struct aq_vip *vip, int column,
		   const struct aq_endpoint *ep, u32 weight, bool drain);
int aq_backend_del(struct aq_vip *vip, unsigned int column);
int aq_backend_find(struct aq_vip *vip, const struct aq_endpoint *ep);
int aq_backend_set(struct aq_vip *vip, unsigned int column, const u32 *weight,
		   const bool *drain);
int aq_weights_set(struct aq_vip *vip, const u32 *weights, unsigned int n);

/* The data path, under rcu_read_lock(). */
struct aq_backend_ref *aq_backend_lookup(struct aq_net *an, u8 family,
					 const u8 *addr, u8 proto, u16 port);
void aq_backend_count_addr(struct aq_net *an, u8 family, const u8 *addr,
			   enum aq_vip_counter c);
struct aq_vip *aq_vip_lookup(struct aq_net *an, u8 family, const u8 *addr,
			     u8 proto, u16 port);

struct aq_region *aq_vip_region_get(struct net *net, unsigned long pgoff);

#endif /* AQ_VIP_H */
