// SPDX-License-Identifier: GPL-2.0
/* Runner self-test: a module whose init reads past a kmalloc'd buffer. */
#include <linux/module.h>
#include <linux/slab.h>

static int __init aq_broken_kasan_init(void)
{
	char *p = kmalloc(16, GFP_KERNEL);
	char c;

	if (!p)
		return -ENOMEM;
	OPTIMIZER_HIDE_VAR(p);
	c = READ_ONCE(p[16]);	/* one past the end: slab-out-of-bounds */
	kfree(p);
	return c == 0x42 ? 0 : 0;
}

static void __exit aq_broken_kasan_exit(void)
{
}

module_init(aq_broken_kasan_init);
module_exit(aq_broken_kasan_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Runner self-test: KASAN out-of-bounds read");
