// SPDX-License-Identifier: GPL-2.0
#include "shm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "log.h"

static int set_perms(int fd, const char *name, unsigned int mode, gid_t gid,
		     char *err, size_t len)
{
	int ret;

	/* Group first: fchown may clear set-id bits, fchmod sets them last. */
	if (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) < 0) {
		ret = -errno;
		snprintf(err, len, "%s: group %u: %s", name, (unsigned int)gid,
			 strerror(errno));
		return ret;
	}
	/* shm_open's mode is filtered by the umask: set it exactly. */
	if (fchmod(fd, mode) < 0) {
		ret = -errno;
		snprintf(err, len, "%s: mode %04o: %s", name, mode,
			 strerror(errno));
		return ret;
	}
	return 0;
}

int aqd_shm_create(struct aqd_shm *s, const char *vip, size_t region_size,
		   unsigned int mode, gid_t gid, char *err, size_t len)
{
	size_t size = region_size + AQ_SHM_ACTION_SIZE;
	void *base;
	int fd, ret;

	memset(s, 0, sizeof(*s));
	if ((size_t)snprintf(s->name, sizeof(s->name), "/%s%s", AQ_SHM_PREFIX,
			     vip) >= sizeof(s->name)) {
		snprintf(err, len, "VIP name '%s' too long", vip);
		return -ENAMETOOLONG;
	}
	if (shm_unlink(s->name) == 0)
		aqd_warn("%s: a stale object was removed", s->name);
	fd = shm_open(s->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, len, "shm_open %s: %s", s->name, strerror(errno));
		return ret;
	}
	ret = set_perms(fd, s->name, mode, gid, err, len);
	if (ret)
		goto fail;
	if (ftruncate(fd, (off_t)size) < 0) {
		ret = -errno;
		snprintf(err, len, "%s: size %zu: %s", s->name, size,
			 strerror(errno));
		goto fail;
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		ret = -errno;
		snprintf(err, len, "mmap %s: %s", s->name, strerror(errno));
		goto fail;
	}
	close(fd);
	/* ftruncate gave zeros; the action area identifies itself. */
	s->base = base;
	s->region_size = region_size;
	s->size = size;
	aqd_action_area_init(aqd_shm_action(s), (uint32_t)getpid());
	return 0;
fail:
	close(fd);
	shm_unlink(s->name);
	return ret;
}

int aqd_shm_chmod(const struct aqd_shm *s, unsigned int mode, gid_t gid,
		  char *err, size_t len)
{
	int fd, ret;

	if (!s->base)
		return 0;
	fd = shm_open(s->name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, len, "shm_open %s: %s", s->name, strerror(errno));
		return ret;
	}
	ret = set_perms(fd, s->name, mode, gid, err, len);
	close(fd);
	return ret;
}

void aqd_shm_destroy(struct aqd_shm *s, bool unlink)
{
	if (!s->base)
		return;
	munmap(s->base, s->size);
	if (unlink)
		shm_unlink(s->name);
	s->base = NULL;
}
