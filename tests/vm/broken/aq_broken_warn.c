// SPDX-License-Identifier: GPL-2.0
/* Runner self-test: a module whose init triggers a kernel WARN. */
#include <linux/bug.h>
#include <linux/module.h>

static int __init aq_broken_warn_init(void)
{
	WARN(1, "aq_broken_warn: deliberate warning\n");
	return 0;
}

static void __exit aq_broken_warn_exit(void)
{
}

module_init(aq_broken_warn_init);
module_exit(aq_broken_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Runner self-test: WARN in init");
