// SPDX-License-Identifier: GPL-2.0
/* Runner self-test: a module whose init never returns (sleeps forever, unkillable). */
#include <linux/delay.h>
#include <linux/module.h>

static int __init aq_broken_hang_init(void)
{
	for (;;)
		msleep(1000);	/* uninterruptible: never ends */
	return 0;
}

static void __exit aq_broken_hang_exit(void)
{
}

module_init(aq_broken_hang_init);
module_exit(aq_broken_hang_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Runner self-test: init that hangs");
