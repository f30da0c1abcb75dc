// SPDX-License-Identifier: GPL-2.0
/*
 * Aquarius: passive per-backend feature collection for load-balanced
 * services. See uapi/linux/aquarius.h for the interface.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>

#include "netfilter.h"

static int __init aq_init(void)
{
	int err;

	err = aq_netfilter_init();
	if (err)
		return err;
	pr_info("loaded\n");
	return 0;
}

static void __exit aq_exit(void)
{
	aq_netfilter_exit();
	pr_info("unloaded\n");
}

module_init(aq_init);
module_exit(aq_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Aquarius: passive per-backend service features for ML");
MODULE_AUTHOR("The Aquarius for Linux authors");
