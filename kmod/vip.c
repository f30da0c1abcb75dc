// SPDX-License-Identifier: GPL-2.0
/*
 * VIPs of a network namespace: creation, change and removal of VIPs and
 * backends, the lookups used by the hooks, the snapshot timer and the flow
 * expiry work.
 *
 * Every change of a VIP's backends, weights or drain flags builds a new
 * struct aq_vip_lb (allocated before anything changes, so a change either
 * happens whole or not at all) and publishes it with RCU: the data path
 * sees the old or the new set, never a mix.
 *
 * Removal order matters: a VIP or backend leaves the lookup (RCU), a grace
 * period lets in-flight packets finish, its flows are flushed (counted
 * once), and only then does its state go; the region lives on while
 * userspace maps it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>

#include "compat.h"
#include "vip.h"

struct aq_settings aq_settings;

/* Buckets of the expiry walk per run; the walk runs every second. */
#define AQ_GC_PERIOD		HZ
#define AQ_GC_MIN_BUDGET	64U

static u32 aq_addr_hash(u8 family, const u8 *addr)
{
	u32 h = family;
	int i, n = family == AF_INET6 ? 16 : 4;

	for (i = 0; i < n; i += 4)
		h = hash_32(h ^ ((u32)addr[i] << 24 | (u32)addr[i + 1] << 16 |
				 (u32)addr[i + 2] << 8 | addr[i + 3]), 32);
	return hash_32(h, AQ_BACKEND_HASH_BITS);
}

static bool aq_addr_equal(u8 family, const u8 *a, const u8 *b)
{
	return !memcmp(a, b, family == AF_INET6 ? 16 : 4);
}

static u32 aq_vip_hash(u8 family, const u8 *addr, u8 proto, u16 port)
{
	return hash_32(aq_addr_hash(family, addr) ^ ((u32)port << 8 | proto),
		       AQ_VIP_HASH_BITS);
}

/**
 * aq_vip_lookup() - the VIP a packet is addressed to
 * @an: the namespace's state
 * @family: AF_INET or AF_INET6
 * @addr: destination address
 * @proto: IPPROTO_TCP or IPPROTO_UDP
 * @port: destination port, host order
 *
 * Context: RCU read side (the netfilter hook), or under aq_net.lock.
 * Return: the VIP or NULL.
 */
struct aq_vip *aq_vip_lookup(struct aq_net *an, u8 family, const u8 *addr,
			     u8 proto, u16 port)
{
	struct hlist_head *head =
		&an->vip_hash[aq_vip_hash(family, addr, proto, port)];
	struct aq_vip *vip;

	hlist_for_each_entry_rcu(vip, head, hnode,
				 lockdep_is_held(&an->lock)) {
		if (vip->cfg.vip.family == family && vip->cfg.vip.port == port &&
		    vip->cfg.proto == proto &&
		    aq_addr_equal(family, vip->cfg.vip.addr, addr))
			return vip;
	}
	return NULL;
}

/**
 * aq_backend_lookup() - the backend a packet is addressed to
 * @an: the namespace's state
 * @family: AF_INET or AF_INET6
 * @addr: destination address
 * @proto: IPPROTO_TCP or IPPROTO_UDP
 * @port: destination port, host order
 *
 * Context: RCU read side (the netfilter hook), or under aq_net.lock.
 * Return: the backend's entry or NULL.
 */
struct aq_backend_ref *aq_backend_lookup(struct aq_net *an, u8 family,
					 const u8 *addr, u8 proto, u16 port)
{
	struct hlist_head *head = &an->backend_hash[aq_addr_hash(family, addr)];
	struct aq_backend_ref *ref;

	hlist_for_each_entry_rcu(ref, head, node,
				 lockdep_is_held(&an->lock)) {
		if (ref->ep.family == family && ref->ep.port == port &&
		    ref->vip->cfg.proto == proto &&
		    aq_addr_equal(family, ref->ep.addr, addr))
			return ref;
	}
	return NULL;
}

/**
 * aq_backend_count_addr() - count a packet to a backend's address that
 *	is not the backend's (port, protocol) or did not parse
 * @an: the namespace's state
 * @family: AF_INET or AF_INET6
 * @addr: destination address
 * @c: the per-VIP counter
 *
 * Counted on the first VIP with a backend at @addr, if any.
 * Context: RCU read side (the netfilter hook).
 */
void aq_backend_count_addr(struct aq_net *an, u8 family, const u8 *addr,
			   enum aq_vip_counter c)
{
	struct hlist_head *head = &an->backend_hash[aq_addr_hash(family, addr)];
	struct aq_backend_ref *ref;

	hlist_for_each_entry_rcu(ref, head, node) {
		if (ref->ep.family == family &&
		    aq_addr_equal(family, ref->ep.addr, addr)) {
			aq_stats_vip_inc(&ref->vip->stats, c);
			return;
		}
	}
}

static void aq_snapshot_timer(struct timer_list *t)
{
	struct aq_vip *vip = from_timer(vip, t, snapshot_timer);

	aq_stats_snapshot(&vip->stats, ktime_get_ns(), READ_ONCE(vip->active));
	mod_timer(&vip->snapshot_timer,
		  jiffies + max(1UL, nsecs_to_jiffies(READ_ONCE(vip->snapshot_ns))));
}

static void aq_gc_work(struct work_struct *work)
{
	struct aq_net *an = container_of(to_delayed_work(work), struct aq_net,
					 gc);
	/* Pairs with the release in aq_net_ensure_flowtable(). */
	struct aq_flowtable *ft = smp_load_acquire(&an->ft);
	unsigned int budget;

	if (!ft)
		return;
	/* Visit the whole table about four times per timeout. */
	budget = max(AQ_GC_MIN_BUDGET,
		     (unsigned int)div64_u64((u64)ft->nr_buckets * 4 * NSEC_PER_SEC,
					     aq_settings.flow_timeout_ns) + 1);
	aq_flowtable_expire(ft, ktime_get_ns(), min(budget, ft->nr_buckets));
	queue_delayed_work(system_power_efficient_wq, &an->gc, AQ_GC_PERIOD);
}

static int aq_net_ensure_flowtable(struct aq_net *an)
{
	struct aq_flowtable *ft;

	lockdep_assert_held(&an->lock);
	if (an->ft)
		return 0;
	ft = aq_flowtable_create(aq_settings.flow_entries, AQ_FT_DEFAULT_WAYS,
				 aq_settings.flow_timeout_ns, aq_flow_end);
	if (IS_ERR(ft))
		return PTR_ERR(ft);
	/* The hook and the expiry work see the table fully built. */
	smp_store_release(&an->ft, ft);
	queue_delayed_work(system_power_efficient_wq, &an->gc, AQ_GC_PERIOD);
	return 0;
}

static bool aq_lb_mode(u8 mode)
{
	return mode != AQ_MODE_OBSERVE;
}

/* Count @vip in (@sign 1) or out of (-1) the hooks' fast-path counters. */
static void aq_net_count_mode(struct aq_net *an, u8 mode, int sign)
{
	if (aq_lb_mode(mode))
		WRITE_ONCE(an->nr_lb_vips, an->nr_lb_vips + sign);
	if (mode == AQ_MODE_NAT)
		WRITE_ONCE(an->nr_nat_vips, an->nr_nat_vips + sign);
}

/*
 * Show the configuration in the region header, under its sequence count
 * (see "Weights" in the uapi header). Only writer: aq_net.lock holders.
 */
static void aq_vip_publish_config(struct aq_vip *vip)
{
	struct aq_region_header *hdr = vip->stats.hdr;
	const struct aq_vip_config *cfg = &vip->cfg;
	unsigned int i;

	WRITE_ONCE(hdr->weights_seq, hdr->weights_seq + 1);
	/* Odd count before the fields; pairs with the reader's smp_rmb(). */
	smp_wmb();
	hdr->mode = cfg->mode;
	hdr->sched = cfg->sched;
	hdr->draining = cfg->drain;
	for (i = 0; i < AQ_MAX_BACKENDS; i++) {
		const struct aq_endpoint *ep = &cfg->backends[i];

		hdr->weights[i] = cfg->weights[i];
		memcpy(hdr->backends[i].addr, ep->addr, 16);
		hdr->backends[i].port = ep->port;
		hdr->backends[i].family = ep->family;
	}
	WRITE_ONCE(hdr->snapshot_interval_ns, vip->snapshot_ns);
	/* The fields before the even count; pairs with the reader's load. */
	smp_wmb();
	WRITE_ONCE(hdr->weights_seq, hdr->weights_seq + 1);
}

static struct aq_vip_lb *aq_vip_lb_alloc(void)
{
	return kvzalloc(sizeof(struct aq_vip_lb), GFP_KERNEL);
}

/*
 * Build @lb from the configuration and publish it; the old one is freed
 * after a grace period. @lb was allocated before the configuration changed.
 */
static void aq_vip_lb_publish(struct aq_vip *vip, struct aq_vip_lb *lb)
{
	const struct aq_vip_config *cfg = &vip->cfg;
	u32 eff[AQ_MAX_BACKENDS];
	struct aq_vip_lb *old;
	unsigned int i;

	lockdep_assert_held(&vip->an->lock);
	for (i = 0; i < AQ_MAX_BACKENDS; i++) {
		bool present = i < cfg->nr_backends && cfg->backends[i].family;

		if (present)
			lb->backends[i] = cfg->backends[i];
		eff[i] = present && !(cfg->drain & BIT_ULL(i)) ?
			 cfg->weights[i] : 0;
	}
	aq_lb_table_build(&lb->table, lb->backends, eff);
	old = rcu_replace_pointer(vip->lb, lb, lockdep_is_held(&vip->an->lock));
	if (old)
		kvfree_rcu(old, rcu);
	aq_vip_publish_config(vip);
}

static void aq_vip_hash_backend(struct aq_vip *vip, unsigned int col)
{
	struct aq_backend_ref *ref = &vip->refs[col];
	struct aq_net *an = vip->an;

	ref->vip = vip;
	ref->ep = vip->cfg.backends[col];
	ref->column = col;
	hlist_add_head_rcu(&ref->node,
			   &an->backend_hash[aq_addr_hash(ref->ep.family,
							  ref->ep.addr)]);
	WRITE_ONCE(vip->active, vip->active | BIT_ULL(col));
}

/* An endpoint free for a new backend of @vip: not a backend anywhere. */
static bool aq_backend_taken(struct aq_vip *vip, const struct aq_endpoint *ep)
{
	return aq_backend_lookup(vip->an, ep->family, ep->addr, vip->cfg.proto,
				 ep->port);
}

static u64 aq_snapshot_ns(const struct aq_vip_config *cfg)
{
	return cfg->snapshot_ms ? (u64)cfg->snapshot_ms * NSEC_PER_MSEC :
				  aq_settings.snapshot_ns;
}

/**
 * aq_vip_add() - create a VIP and start observing (and balancing) it
 * @an: the namespace's state
 * @cfg: the VIP, validated by the caller (parser or netlink policy)
 *
 * Takes aq_net.lock.
 * Return: 0, -EEXIST for a name, service or backend already in use,
 * -ENOSPC past AQ_MAX_VIPS, -ENOMEM.
 */
int aq_vip_add(struct aq_net *an, const struct aq_vip_config *cfg)
{
	struct aq_vip *vip, *other;
	struct aq_vip_lb *lb;
	size_t size;
	unsigned int i;
	int err;

	vip = kzalloc(sizeof(*vip), GFP_KERNEL);
	lb = aq_vip_lb_alloc();
	if (!vip || !lb) {
		err = -ENOMEM;
		goto err_free;
	}
	vip->cfg = *cfg;
	vip->an = an;
	vip->snapshot_ns = aq_snapshot_ns(cfg);
	size = aq_stats_region_size(aq_settings.nr_slots);
	vip->region = aq_region_alloc(size);
	if (!vip->region) {
		err = -ENOMEM;
		goto err_free;
	}
	err = aq_stats_init(&vip->stats, vip->region->mem, vip->region->size,
			    aq_settings.nr_slots, cfg->proto, ktime_get_ns(),
			    vip->snapshot_ns);
	if (err)
		goto err_region;
	vip->stats.features = aq_settings.features;
	strscpy(vip->stats.hdr->name, cfg->name, sizeof(vip->stats.hdr->name));
	memcpy(vip->stats.hdr->vip_addr, cfg->vip.addr, 16);
	vip->stats.hdr->vip_port = cfg->vip.port;
	vip->stats.hdr->vip_family = cfg->vip.family;
	timer_setup(&vip->snapshot_timer, aq_snapshot_timer, 0);

	mutex_lock(&an->lock);
	err = -EEXIST;
	list_for_each_entry(other, &an->vips, node)
		if (!strcmp(other->cfg.name, cfg->name))
			goto err_unlock;
	if (aq_vip_lookup(an, cfg->vip.family, cfg->vip.addr, cfg->proto,
			  cfg->vip.port))
		goto err_unlock;
	for (i = 0; i < cfg->nr_backends; i++) {
		const struct aq_endpoint *ep = &cfg->backends[i];
		unsigned int j;

		if (!ep->family)
			continue;
		if (aq_backend_taken(vip, ep))
			goto err_unlock;
		for (j = 0; j < i; j++)
			if (cfg->backends[j].family == ep->family &&
			    cfg->backends[j].port == ep->port &&
			    aq_addr_equal(ep->family, cfg->backends[j].addr,
					  ep->addr))
				goto err_unlock;
	}
	err = -ENOSPC;
	vip->id = find_first_zero_bit(an->ids, AQ_MAX_VIPS);
	if (vip->id >= AQ_MAX_VIPS)
		goto err_unlock;
	err = aq_net_ensure_flowtable(an);
	if (err)
		goto err_unlock;
	__set_bit(vip->id, an->ids);

	for (i = 0; i < cfg->nr_backends; i++)
		if (cfg->backends[i].family)
			aq_vip_hash_backend(vip, i);
	aq_vip_lb_publish(vip, lb);
	/* A first frame at once, so readers never wait a whole interval. */
	aq_stats_snapshot(&vip->stats, ktime_get_ns(), vip->active);
	mod_timer(&vip->snapshot_timer,
		  jiffies + max(1UL, nsecs_to_jiffies(vip->snapshot_ns)));
	list_add_tail(&vip->node, &an->vips);
	hlist_add_head_rcu(&vip->hnode,
			   &an->vip_hash[aq_vip_hash(cfg->vip.family,
						     cfg->vip.addr, cfg->proto,
						     cfg->vip.port)]);
	aq_net_count_mode(an, cfg->mode, 1);
	WRITE_ONCE(an->nr_vips, an->nr_vips + 1);
	mutex_unlock(&an->lock);
	return 0;

err_unlock:
	mutex_unlock(&an->lock);
	aq_stats_destroy(&vip->stats);
err_region:
	aq_region_put(vip->region);
err_free:
	kvfree(lb);
	kfree(vip);
	return err;
}

/**
 * aq_vip_find() - a VIP by name
 * @an: the namespace's state, aq_net.lock held
 * @name: the name
 *
 * Return: the VIP or NULL.
 */
struct aq_vip *aq_vip_find(struct aq_net *an, const char *name)
{
	struct aq_vip *vip;

	lockdep_assert_held(&an->lock);
	list_for_each_entry(vip, &an->vips, node)
		if (!strcmp(vip->cfg.name, name))
			return vip;
	return NULL;
}

/* Unhook a VIP from the lookups; the caller waits for a grace period. */
static void aq_vip_unlink(struct aq_net *an, struct aq_vip *vip)
{
	unsigned int i;

	lockdep_assert_held(&an->lock);
	for (i = 0; i < vip->cfg.nr_backends; i++)
		if (vip->active & BIT_ULL(i))
			hlist_del_rcu(&vip->refs[i].node);
	hlist_del_rcu(&vip->hnode);
	list_del(&vip->node);
	__clear_bit(vip->id, an->ids);
	aq_net_count_mode(an, vip->cfg.mode, -1);
	WRITE_ONCE(an->nr_vips, an->nr_vips - 1);
}

/* Free an unlinked VIP after the grace period. */
static void aq_vip_free(struct aq_net *an, struct aq_vip *vip)
{
	if (an->ft)
		aq_flowtable_flush(an->ft, &vip->stats, ktime_get_ns());
	aq_timer_shutdown_sync(&vip->snapshot_timer);
	/* The last frame shows the flushed flows as completed. */
	aq_stats_snapshot(&vip->stats, ktime_get_ns(), 0);
	aq_stats_destroy(&vip->stats);
	aq_region_put(vip->region);
	kvfree(rcu_dereference_protected(vip->lb, true));
	kfree(vip);
}

/**
 * aq_vip_del() - remove a VIP: its flows end, its region stays while mapped
 * @an: the namespace's state, aq_net.lock held (dropped and retaken while
 *	waiting for in-flight packets)
 * @vip: the VIP; gone when this returns
 *
 * Return: 0.
 */
int aq_vip_del(struct aq_net *an, struct aq_vip *vip)
{
	aq_vip_unlink(an, vip);
	mutex_unlock(&an->lock);
	synchronize_rcu();
	aq_vip_free(an, vip);
	mutex_lock(&an->lock);
	return 0;
}

/**
 * aq_vip_set() - change a VIP's mode, scheduler or snapshot interval
 * @vip: the VIP, aq_net.lock held
 * @what: AQ_VIP_SET_* bits: the fields of @new to take
 * @new: the new values (validated by the caller)
 *
 * Flows keep their backend across a scheduler change and between the
 * modes nat and ipip; between observe and a balancing mode the flow keys
 * differ (backend vs VIP), so the VIP's flows end (counted as completed).
 * Return: 0 or -ENOMEM.
 */
int aq_vip_set(struct aq_vip *vip, unsigned int what,
	       const struct aq_vip_config *new)
{
	struct aq_net *an = vip->an;
	struct aq_vip_lb *lb = aq_vip_lb_alloc();
	u8 old_mode = vip->cfg.mode;

	if (!lb)
		return -ENOMEM;
	if (what & AQ_VIP_SET_MODE && new->mode != old_mode) {
		aq_net_count_mode(an, old_mode, -1);
		WRITE_ONCE(vip->cfg.mode, new->mode);
		aq_net_count_mode(an, new->mode, 1);
		if (aq_lb_mode(old_mode) != aq_lb_mode(new->mode) && an->ft) {
			synchronize_rcu();
			aq_flowtable_flush(an->ft, &vip->stats, ktime_get_ns());
		}
	}
	if (what & AQ_VIP_SET_SCHED)
		WRITE_ONCE(vip->cfg.sched, new->sched);
	if (what & AQ_VIP_SET_SNAPSHOT) {
		vip->cfg.snapshot_ms = new->snapshot_ms;
		WRITE_ONCE(vip->snapshot_ns, aq_snapshot_ns(new));
	}
	aq_vip_lb_publish(vip, lb);
	return 0;
}

/**
 * aq_backend_find() - the column of a backend of @vip
 * @vip: the VIP, aq_net.lock held
 * @ep: its address and port
 *
 * Return: the column, or -ENOENT.
 */
int aq_backend_find(struct aq_vip *vip, const struct aq_endpoint *ep)
{
	unsigned int i;

	for (i = 0; i < vip->cfg.nr_backends; i++) {
		const struct aq_endpoint *b = &vip->cfg.backends[i];

		if (b->family == ep->family && b->port == ep->port &&
		    aq_addr_equal(b->family, b->addr, ep->addr))
			return i;
	}
	return -ENOENT;
}

/**
 * aq_backend_add() - add a backend to a VIP
 * @vip: the VIP, aq_net.lock held
 * @column: the column, or < 0 for the first free one
 * @ep: address and port, of the VIP's family
 * @weight: 0..AQ_MAX_WEIGHT
 * @drain: takes no new flows
 *
 * Return: the column, -EAFNOSUPPORT for another family, -EEXIST for a
 * column or endpoint in use, -ENOSPC with no free column, -ENOMEM.
 */
int aq_backend_add(struct aq_vip *vip, int column,
		   const struct aq_endpoint *ep, u32 weight, bool drain)
{
	struct aq_vip_config *cfg = &vip->cfg;
	struct aq_vip_lb *lb;

	if (ep->family != cfg->vip.family)
		return -EAFNOSUPPORT;
	if (aq_backend_taken(vip, ep))
		return -EEXIST;
	if (column < 0) {
		for (column = 0; column < AQ_MAX_BACKENDS; column++)
			if (!cfg->backends[column].family)
				break;
		if (column == AQ_MAX_BACKENDS)
			return -ENOSPC;
	} else if (column >= AQ_MAX_BACKENDS) {
		return -EINVAL;
	} else if (cfg->backends[column].family) {
		return -EEXIST;
	}
	lb = aq_vip_lb_alloc();
	if (!lb)
		return -ENOMEM;
	cfg->backends[column] = *ep;
	cfg->weights[column] = weight;
	if (drain)
		cfg->drain |= BIT_ULL(column);
	else
		cfg->drain &= ~BIT_ULL(column);
	cfg->nr_backends = max_t(unsigned int, cfg->nr_backends, column + 1);
	aq_vip_hash_backend(vip, column);
	aq_vip_lb_publish(vip, lb);
	return column;
}

/**
 * aq_backend_del() - remove a backend: its flows end and are no longer
 *	forwarded
 * @vip: the VIP, aq_net.lock held
 * @column: a column holding a backend
 *
 * Return: 0 or -ENOMEM (nothing changed).
 */
int aq_backend_del(struct aq_vip *vip, unsigned int column)
{
	struct aq_vip_config *cfg = &vip->cfg;
	struct aq_net *an = vip->an;
	struct aq_vip_lb *lb = aq_vip_lb_alloc();

	if (!lb)
		return -ENOMEM;
	hlist_del_rcu(&vip->refs[column].node);
	WRITE_ONCE(vip->active, vip->active & ~BIT_ULL(column));
	memset(&cfg->backends[column], 0, sizeof(cfg->backends[column]));
	cfg->weights[column] = 0;
	cfg->drain &= ~BIT_ULL(column);
	while (cfg->nr_backends && !cfg->backends[cfg->nr_backends - 1].family)
		cfg->nr_backends--;
	aq_vip_lb_publish(vip, lb);
	/* In-flight packets may still create flows for the column. */
	synchronize_rcu();
	if (an->ft)
		aq_flowtable_flush_backend(an->ft, &vip->stats, column,
					   ktime_get_ns());
	return 0;
}

/**
 * aq_backend_set() - change a backend's weight and/or drain flag
 * @vip: the VIP, aq_net.lock held
 * @column: a column holding a backend
 * @weight: the new weight, or NULL to keep it
 * @drain: the new flag, or NULL to keep it
 *
 * Return: 0 or -ENOMEM.
 */
int aq_backend_set(struct aq_vip *vip, unsigned int column, const u32 *weight,
		   const bool *drain)
{
	struct aq_vip_config *cfg = &vip->cfg;
	struct aq_vip_lb *lb = aq_vip_lb_alloc();

	if (!lb)
		return -ENOMEM;
	if (weight)
		cfg->weights[column] = *weight;
	if (drain && *drain)
		cfg->drain |= BIT_ULL(column);
	else if (drain)
		cfg->drain &= ~BIT_ULL(column);
	aq_vip_lb_publish(vip, lb);
	return 0;
}

/**
 * aq_weights_set() - set the weights of all backends at once
 * @vip: the VIP, aq_net.lock held
 * @weights: one weight per column from 0, each 0..AQ_MAX_WEIGHT
 * @n: entries of @weights, 1..AQ_MAX_BACKENDS
 *
 * Return: 0; -EINVAL if a column < @n without a backend gets a weight, or
 * a backend's column is >= @n (nothing changes); -ENOMEM.
 */
int aq_weights_set(struct aq_vip *vip, const u32 *weights, unsigned int n)
{
	struct aq_vip_config *cfg = &vip->cfg;
	struct aq_vip_lb *lb;
	unsigned int i;

	if (!n || n > AQ_MAX_BACKENDS || cfg->nr_backends > n)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (weights[i] && (i >= cfg->nr_backends ||
				   !cfg->backends[i].family))
			return -EINVAL;
	lb = aq_vip_lb_alloc();
	if (!lb)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		cfg->weights[i] = weights[i];
	aq_vip_lb_publish(vip, lb);
	return 0;
}

void aq_net_setup(struct aq_net *an, struct net *net)
{
	an->net = net;
	mutex_init(&an->lock);
	INIT_LIST_HEAD(&an->vips);
	INIT_DELAYED_WORK(&an->gc, aq_gc_work);
}

/* Called after the hooks are gone: no packet reaches any VIP. */
void aq_net_teardown(struct aq_net *an)
{
	struct aq_vip *vip, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&an->lock);
	list_for_each_entry_safe(vip, tmp, &an->vips, node) {
		aq_vip_unlink(an, vip);
		list_add(&vip->node, &dead);
	}
	mutex_unlock(&an->lock);
	synchronize_rcu();
	list_for_each_entry_safe(vip, tmp, &dead, node)
		aq_vip_free(an, vip);
	cancel_delayed_work_sync(&an->gc);
	if (an->ft) {
		aq_flowtable_destroy(an->ft);
		an->ft = NULL;
	}
}

/**
 * aq_vip_region_get() - the region mapped at a page offset
 * @net: the namespace of the file being mapped
 * @pgoff: the mmap offset in pages
 *
 * Return: the region with a reference held, or NULL.
 */
struct aq_region *aq_vip_region_get(struct net *net, unsigned long pgoff)
{
	struct aq_net *an = aq_net(net);
	unsigned long shift = AQ_REGION_OFFSET_SHIFT - PAGE_SHIFT;
	struct aq_region *r = NULL;
	struct aq_vip *vip;

	if (pgoff & ((1UL << shift) - 1))
		return NULL;
	mutex_lock(&an->lock);
	list_for_each_entry(vip, &an->vips, node) {
		if (vip->id == pgoff >> shift) {
			r = vip->region;
			aq_region_get(r);
			break;
		}
	}
	mutex_unlock(&an->lock);
	return r;
}
