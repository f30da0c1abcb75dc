// SPDX-License-Identifier: GPL-2.0
/*
 * VIPs of a network namespace: creation and removal, the backend lookup
 * used by the hook, the snapshot timer and the flow expiry work.
 *
 * Removal order matters: a VIP leaves the lookup (RCU), a grace period
 * lets in-flight packets finish, its flows are flushed (counted once),
 * its timer is stopped, and only then its statistics go; the region
 * lives on while userspace maps it.
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
		  jiffies + max(1UL, nsecs_to_jiffies(aq_settings.snapshot_ns)));
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

static void aq_vip_fill_header(struct aq_vip *vip)
{
	struct aq_region_header *hdr = vip->stats.hdr;
	const struct aq_vip_config *cfg = &vip->cfg;
	unsigned int i;

	strscpy(hdr->name, cfg->name, sizeof(hdr->name));
	memcpy(hdr->vip_addr, cfg->vip.addr, sizeof(hdr->vip_addr));
	hdr->vip_port = cfg->vip.port;
	hdr->vip_family = cfg->vip.family;
	for (i = 0; i < cfg->nr_backends; i++) {
		memcpy(hdr->backends[i].addr, cfg->backends[i].addr, 16);
		hdr->backends[i].port = cfg->backends[i].port;
		hdr->backends[i].family = cfg->backends[i].family;
	}
}

/**
 * aq_vip_add() - create a VIP and start observing its backends
 * @an: the namespace's state
 * @cfg: the VIP (validated by the parser)
 *
 * Return: 0, -EEXIST for a name or backend already in use, -ENOSPC past
 * AQ_MAX_VIPS, -ENOMEM.
 */
int aq_vip_add(struct aq_net *an, const struct aq_vip_config *cfg)
{
	struct aq_vip *vip, *other;
	size_t size;
	unsigned int i;
	int err;

	vip = kzalloc(sizeof(*vip), GFP_KERNEL);
	if (!vip)
		return -ENOMEM;
	vip->cfg = *cfg;
	vip->an = an;
	size = aq_stats_region_size(aq_settings.nr_slots);
	vip->region = aq_region_alloc(size);
	if (!vip->region) {
		err = -ENOMEM;
		goto err_free;
	}
	err = aq_stats_init(&vip->stats, vip->region->mem, vip->region->size,
			    aq_settings.nr_slots, cfg->proto, ktime_get_ns(),
			    aq_settings.snapshot_ns);
	if (err)
		goto err_region;
	aq_vip_fill_header(vip);
	timer_setup(&vip->snapshot_timer, aq_snapshot_timer, 0);

	mutex_lock(&an->lock);
	err = -EEXIST;
	list_for_each_entry(other, &an->vips, node)
		if (!strcmp(other->cfg.name, cfg->name))
			goto err_unlock;
	for (i = 0; i < cfg->nr_backends; i++) {
		const struct aq_endpoint *ep = &cfg->backends[i];
		unsigned int j;

		if (!ep->family)
			continue;
		if (aq_backend_lookup(an, ep->family, ep->addr, cfg->proto,
				      ep->port))
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

	for (i = 0; i < cfg->nr_backends; i++) {
		struct aq_backend_ref *ref = &vip->refs[i];

		if (!cfg->backends[i].family)
			continue;
		ref->vip = vip;
		ref->ep = cfg->backends[i];
		ref->column = i;
		vip->active |= BIT_ULL(i);
		hlist_add_head_rcu(&ref->node,
				   &an->backend_hash[aq_addr_hash(ref->ep.family,
								  ref->ep.addr)]);
	}
	/* A first frame at once, so readers never wait a whole interval. */
	aq_stats_snapshot(&vip->stats, ktime_get_ns(), vip->active);
	mod_timer(&vip->snapshot_timer,
		  jiffies + max(1UL, nsecs_to_jiffies(aq_settings.snapshot_ns)));
	list_add_tail(&vip->node, &an->vips);
	WRITE_ONCE(an->nr_vips, an->nr_vips + 1);
	mutex_unlock(&an->lock);
	return 0;

err_unlock:
	mutex_unlock(&an->lock);
	aq_stats_destroy(&vip->stats);
err_region:
	aq_region_put(vip->region);
err_free:
	kfree(vip);
	return err;
}

/* Unhook a VIP from the lookup; the caller waits for a grace period. */
static void aq_vip_unlink(struct aq_net *an, struct aq_vip *vip)
{
	unsigned int i;

	lockdep_assert_held(&an->lock);
	for (i = 0; i < vip->cfg.nr_backends; i++)
		if (vip->refs[i].vip)
			hlist_del_rcu(&vip->refs[i].node);
	list_del(&vip->node);
	__clear_bit(vip->id, an->ids);
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
	kfree(vip);
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
