/* SPDX-License-Identifier: GPL-2.0 */
/*
 * POSIX shm objects, one per VIP: AQ_SHM_PREFIX + name (aquarius_shm.h),
 * region_size bytes of region copy followed by the action area, mapped
 * read-write by the daemon.
 */
#ifndef AQD_SHM_H
#define AQD_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "aquarius_shm.h"

struct aqd_shm {
	char name[64];			/* "/aquarius-<vip>" for shm_open */
	void *base;			/* NULL when not created */
	size_t region_size;
	size_t size;			/* region_size + AQ_SHM_ACTION_SIZE */
};

static inline struct aq_shm_action *aqd_shm_action(const struct aqd_shm *s)
{
	return (struct aq_shm_action *)((char *)s->base + s->region_size);
}

/*
 * Create the object of VIP `vip` (a stale one of the same name, left by a
 * daemon that died, is unlinked first: readers that hold it keep their
 * copy), size it, set mode and group (gid (gid_t)-1: unchanged), map it,
 * zero it and initialise the action area. 0 or -errno, reason in err.
 */
int aqd_shm_create(struct aqd_shm *s, const char *vip, size_t region_size,
		   unsigned int mode, gid_t gid, char *err, size_t len);
/* Apply mode and group to an existing object (SIGHUP). 0 or -errno. */
int aqd_shm_chmod(const struct aqd_shm *s, unsigned int mode, gid_t gid,
		  char *err, size_t len);
/* Unmap and, if unlink is true, remove the name. NULL base: nothing. */
void aqd_shm_destroy(struct aqd_shm *s, bool unlink);

#endif
