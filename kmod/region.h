/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AQ_REGION_H
#define AQ_REGION_H

#include <linux/kref.h>
#include <linux/types.h>

/**
 * struct aq_region - the memory a VIP exports to userspace
 * @ref: held by the VIP and by every mapping; the memory is freed with
 *	 the last reference, so a VIP removed while mapped frees nothing
 *	 under a reader
 * @mem: vmalloc_user() memory, zeroed, @size bytes
 * @size: a multiple of PAGE_SIZE
 */
struct aq_region {
	struct kref ref;
	void *mem;
	size_t size;
};

struct aq_region *aq_region_alloc(size_t size);
void aq_region_get(struct aq_region *r);
void aq_region_put(struct aq_region *r);

#endif /* AQ_REGION_H */
