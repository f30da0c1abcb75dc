// SPDX-License-Identifier: GPL-2.0
/*
 * The misc device /dev/aquarius: each VIP of the opener's network
 * namespace is a read-only region at a page-aligned offset (see
 * uapi/linux/aquarius.h). A mapping holds a reference on its region.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/vmalloc.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "device.h"
#include "region.h"
#include "vip.h"

static int aq_dev_open(struct inode *inode, struct file *file)
{
	/* The namespace at open time decides which VIPs the file sees. */
	file->private_data = get_net(current->nsproxy->net_ns);
	return 0;
}

static int aq_dev_release(struct inode *inode, struct file *file)
{
	put_net(file->private_data);
	return 0;
}

static void aq_vma_open(struct vm_area_struct *vma)
{
	aq_region_get(vma->vm_private_data);
}

static void aq_vma_close(struct vm_area_struct *vma)
{
	aq_region_put(vma->vm_private_data);
}

static const struct vm_operations_struct aq_vm_ops = {
	.open	= aq_vma_open,
	.close	= aq_vma_close,
};

static int aq_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	struct aq_region *r;
	int err;

	if (vma->vm_flags & VM_WRITE)
		return -EACCES;
	r = aq_vip_region_get(file->private_data, vma->vm_pgoff);
	if (!r)
		return -ENXIO;
	if (len > r->size) {
		err = -EINVAL;
		goto out_put;
	}
	/* No later mprotect(PROT_WRITE) either. */
	aq_vm_flags_clear(vma, VM_MAYWRITE);
	/* The offset selects the region; the region starts at its page 0. */
	vma->vm_pgoff = 0;
	err = remap_vmalloc_range(vma, r->mem, 0);
	if (err)
		goto out_put;
	vma->vm_private_data = r;
	vma->vm_ops = &aq_vm_ops;
	return 0;
out_put:
	aq_region_put(r);
	return err;
}

static const struct file_operations aq_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= aq_dev_open,
	.release	= aq_dev_release,
	.mmap		= aq_dev_mmap,
	.llseek		= noop_llseek,
};

static struct miscdevice aq_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "aquarius",
	.fops	= &aq_dev_fops,
	.mode	= 0444,
};

int aq_device_init(void)
{
	return misc_register(&aq_miscdev);
}

void aq_device_exit(void)
{
	misc_deregister(&aq_miscdev);
}
