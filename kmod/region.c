// SPDX-License-Identifier: GPL-2.0
/* Reference-counted, mmap-able memory of one VIP's export. */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "region.h"

struct aq_region *aq_region_alloc(size_t size)
{
	struct aq_region *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return NULL;
	r->size = PAGE_ALIGN(size);
	r->mem = vmalloc_user(r->size);
	if (!r->mem) {
		kfree(r);
		return NULL;
	}
	kref_init(&r->ref);
	return r;
}

void aq_region_get(struct aq_region *r)
{
	kref_get(&r->ref);
}

static void aq_region_release(struct kref *ref)
{
	struct aq_region *r = container_of(ref, struct aq_region, ref);

	vfree(r->mem);
	kfree(r);
}

void aq_region_put(struct aq_region *r)
{
	kref_put(&r->ref, aq_region_release);
}
