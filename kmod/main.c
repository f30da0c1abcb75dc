// SPDX-License-Identifier: GPL-2.0
/*
 * Aquarius: passive per-backend feature collection for load-balanced
 * services. See uapi/linux/aquarius.h for the interface and README.md for
 * the module parameters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "device.h"
#include "genl.h"
#include "netfilter.h"
#include "vip.h"

static char *vips;
module_param(vips, charp, 0444);
MODULE_PARM_DESC(vips,
		 "services of the initial namespace: NAME/PROTO/VIP:PORT/BACKEND:PORT[@WEIGHT][,...][/MODE[/SCHED]][;...]; IPv6 in brackets, '-' skips a column");

static unsigned int flow_entries = AQ_FT_DEFAULT_ENTRIES;
module_param(flow_entries, uint, 0444);
MODULE_PARM_DESC(flow_entries,
		 "flow table entries per namespace, rounded up to a power of two (1024..4194304, default 65536)");

static unsigned int flow_timeout = 40;
module_param(flow_timeout, uint, 0444);
MODULE_PARM_DESC(flow_timeout, "idle timeout of a flow in seconds (1..86400, default 40)");

static unsigned int reservoir_slots = 128;
module_param(reservoir_slots, uint, 0444);
MODULE_PARM_DESC(reservoir_slots,
		 "reservoir slots per backend and feature, a power of two (1..4096, default 128)");

static unsigned int snapshot_ms = 200;
module_param(snapshot_ms, uint, 0444);
MODULE_PARM_DESC(snapshot_ms, "counter snapshot interval in ms (10..60000, default 200)");

static unsigned int features = AQ_FEATURES_ALL;
module_param(features, uint, 0444);
MODULE_PARM_DESC(features,
		 "sampled features to collect, bit i = feature i of the region header (default 0x1fff: all; 0xc0: the paper's 11-feature set, flow_duration and fct); counters are always kept");

#define AQ_MAX_SLOTS_PARAM	4096

static int aq_check_range(const char *name, unsigned int v, unsigned int lo,
			  unsigned int hi)
{
	if (v >= lo && v <= hi)
		return 0;
	pr_err("%s=%u out of range %u..%u\n", name, v, lo, hi);
	return -EINVAL;
}

static int aq_settings_from_params(void)
{
	int err = 0;

	err |= aq_check_range("flow_entries", flow_entries, 1024,
			      AQ_FT_MAX_ENTRIES);
	err |= aq_check_range("flow_timeout", flow_timeout, 1, 86400);
	err |= aq_check_range("reservoir_slots", reservoir_slots, 1,
			      AQ_MAX_SLOTS_PARAM);
	err |= aq_check_range("snapshot_ms", snapshot_ms, 10, 60000);
	err |= aq_check_range("features", features, 0, AQ_FEATURES_ALL);
	if (err)
		return -EINVAL;
	if (!is_power_of_2(reservoir_slots)) {
		pr_err("reservoir_slots=%u is not a power of two\n",
		       reservoir_slots);
		return -EINVAL;
	}
	aq_settings.flow_entries = roundup_pow_of_two(flow_entries);
	aq_settings.flow_timeout_ns = (u64)flow_timeout * NSEC_PER_SEC;
	aq_settings.nr_slots = reservoir_slots;
	aq_settings.snapshot_ns = (u64)snapshot_ms * NSEC_PER_MSEC;
	aq_settings.features = features;
	return 0;
}

/* Create the services given as the vips= parameter in init_net. */
static int aq_add_param_vips(void)
{
	struct aq_vip_config *cfg;
	char *text, *rest, *spec;
	const char *bad;
	int err = 0;

	if (!vips || !*vips)
		return 0;
	text = kstrdup(vips, GFP_KERNEL);
	cfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
	if (!text || !cfg) {
		err = -ENOMEM;
		goto out;
	}
	rest = text;
	while ((spec = strsep(&rest, ";")) != NULL) {
		if (!*spec)
			continue;
		err = aq_parse_vip(spec, cfg, &bad);
		if (err) {
			pr_err("vips: bad token '%s' (%d)\n", bad ? bad : spec,
			       err);
			break;
		}
		err = aq_vip_add(aq_net(&init_net), cfg);
		if (err) {
			pr_err("vips: cannot add '%s' (%d)\n", cfg->name, err);
			break;
		}
	}
out:
	kfree(cfg);
	kfree(text);
	return err;
}

static int __init aq_init(void)
{
	int err;

	err = aq_settings_from_params();
	if (err)
		return err;
	err = aq_netfilter_init();
	if (err)
		return err;
	err = aq_add_param_vips();
	if (err)
		goto err_netfilter;
	err = aq_device_init();
	if (err)
		goto err_netfilter;
	err = aq_genl_init();
	if (err)
		goto err_device;
	return 0;

err_device:
	aq_device_exit();
err_netfilter:
	aq_netfilter_exit();
	return err;
}

static void __exit aq_exit(void)
{
	aq_genl_exit();
	aq_device_exit();
	aq_netfilter_exit();
}

module_init(aq_init);
module_exit(aq_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Aquarius: passive per-backend service features for ML");
MODULE_AUTHOR("The Aquarius for Linux authors");
