// SPDX-License-Identifier: GPL-2.0
#include "vips.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

#define ERR_LEN	512

static gid_t cfg_gid(const struct aqd_config *cfg)
{
	return cfg->shm_group_set ? cfg->shm_gid : (gid_t)-1;
}

void aqd_vips_init(struct aqd_vips *vs, const struct aqd_config *cfg)
{
	memset(vs, 0, sizeof(*vs));
	vs->cfg = cfg;
}

struct aqd_vip *aqd_vips_find(struct aqd_vips *vs, const char *name)
{
	unsigned int i;

	for (i = 0; i < vs->nr; i++)
		if (!strcmp(vs->v[i]->name, name))
			return vs->v[i];
	return NULL;
}

static void drop_shm(struct aqd_vips *vs, struct aqd_vip *v)
{
	if (!v->shm.base)
		return;
	aqd_shm_destroy(&v->shm, true);
	vs->stats.shm_removed++;
	aqd_info("VIP %s: /dev/shm%s removed", v->name, v->shm.name);
}

static void reset_copy(struct aqd_vips *vs, struct aqd_vip *v)
{
	drop_shm(vs, v);
	memset(&v->mirror, 0, sizeof(v->mirror));
	aqd_action_init(&v->action, (uint64_t)vs->cfg->rate_limit_ms * 1000000ULL);
	v->next_mirror_ns = 0;
	v->last_error = 0;
}

static void remove_at(struct aqd_vips *vs, unsigned int i)
{
	struct aqd_vip *v = vs->v[i];

	drop_shm(vs, v);
	aqd_info("VIP %s: gone", v->name);
	free(v);
	vs->v[i] = vs->v[--vs->nr];
}

static uint64_t columns_of(const struct aqmsg_vip *m)
{
	uint64_t c = 0;
	unsigned int i;

	for (i = 0; i < m->nr_backends; i++)
		if (AQMSG_HAS(&m->backends[i], AQ_BA_COLUMN) &&
		    m->backends[i].column < AQ_MAX_BACKENDS)
			c |= 1ULL << m->backends[i].column;
	return c;
}

void aqd_vips_update(struct aqd_vips *vs, const struct aqmsg_vip *m,
		     uint64_t now_ns)
{
	struct aqd_vip *v;
	unsigned int i;

	(void)now_ns;
	if (!AQMSG_HAS(m, AQ_A_VIP_NAME))
		return;
	if (m->cmd == AQ_CMD_VIP_DEL) {
		for (i = 0; i < vs->nr; i++)
			if (!strcmp(vs->v[i]->name, m->name)) {
				remove_at(vs, i);
				return;
			}
		return;
	}
	if (!AQMSG_HAS(m, AQ_A_VIP_ID) || !AQMSG_HAS(m, AQ_A_VIP_REGION_OFFSET) ||
	    !AQMSG_HAS(m, AQ_A_VIP_REGION_SIZE)) {
		aqd_warn("VIP %s: message without its region, ignored", m->name);
		return;
	}
	v = aqd_vips_find(vs, m->name);
	if (!v) {
		if (vs->nr >= AQ_MAX_VIPS) {
			aqd_err("VIP %s: more than %u VIPs, ignored", m->name,
				AQ_MAX_VIPS);
			return;
		}
		v = calloc(1, sizeof(*v));
		if (!v) {
			aqd_err("VIP %s: out of memory", m->name);
			return;
		}
		memcpy(v->name, m->name, sizeof(v->name));
		v->id = m->id;
		v->region_offset = m->region_offset;
		v->region_size = m->region_size;
		aqd_action_init(&v->action,
				(uint64_t)vs->cfg->rate_limit_ms * 1000000ULL);
		vs->v[vs->nr++] = v;
		aqd_info("VIP %s: found (id %u, region %llu bytes)", v->name,
			 v->id, (unsigned long long)v->region_size);
	} else if (v->id != m->id || v->region_offset != m->region_offset ||
		   v->region_size != m->region_size) {
		aqd_info("VIP %s: created again (id %u -> %u), new copy",
			 v->name, v->id, m->id);
		reset_copy(vs, v);
		v->id = m->id;
		v->region_offset = m->region_offset;
		v->region_size = m->region_size;
	}
	/* Every message but VIP_DEL carries all backends (none: no nest). */
	v->columns = columns_of(m);
	v->seen = true;
}

void aqd_vips_mark(struct aqd_vips *vs)
{
	unsigned int i;

	for (i = 0; i < vs->nr; i++)
		vs->v[i]->seen = false;
}

void aqd_vips_sweep(struct aqd_vips *vs)
{
	unsigned int i = 0;

	while (i < vs->nr) {
		if (!vs->v[i]->seen)
			remove_at(vs, i);	/* moves the last one to i */
		else
			i++;
	}
}

void aqd_vips_clear(struct aqd_vips *vs, bool unlink)
{
	struct aqd_vip *v;

	while (vs->nr) {
		v = vs->v[--vs->nr];
		if (v->shm.base) {
			aqd_shm_destroy(&v->shm, unlink);
			if (unlink) {
				vs->stats.shm_removed++;
				aqd_info("VIP %s: /dev/shm%s removed",
					 v->name, v->shm.name);
			}
		}
		free(v);
	}
}

/* Map the kernel region of v read-only; the fd is closed at once. */
static void *map_region(const struct aqd_config *cfg, const struct aqd_vip *v,
			int *err)
{
	void *p;
	int fd;

	fd = open(cfg->device, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	p = mmap(NULL, v->region_size, PROT_READ, MAP_SHARED, fd,
		 (off_t)v->region_offset);
	*err = p == MAP_FAILED ? -errno : 0;
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static void report(struct aqd_vips *vs, struct aqd_vip *v, int err,
		   const char *what)
{
	v->mirror_errors++;
	vs->stats.mirror_errors++;
	if (err != v->last_error)
		aqd_warn("VIP %s: %s", v->name, what);
	v->last_error = err;
}

static void mirror_one(struct aqd_vips *vs, struct aqd_vip *v, uint64_t now_ns)
{
	const struct aq_region_header *h;
	char why[ERR_LEN];
	size_t region_size;
	unsigned long copied, missed;
	uint64_t period;
	void *src;
	int err;

	/* Until it works again, try once per 100 ms at most. */
	v->next_mirror_ns = now_ns + (v->mirror_period_ns ? v->mirror_period_ns :
				      100000000ULL);
	src = map_region(vs->cfg, v, &err);
	if (!src) {
		snprintf(why, sizeof(why), "map %s at %llu: %s", vs->cfg->device,
			 (unsigned long long)v->region_offset, strerror(-err));
		report(vs, v, err, why);
		return;
	}
	if (!v->shm.base) {
		err = aqd_mirror_region_size(src, v->region_size, &region_size);
		if (err) {
			report(vs, v, err, "region header: bad region_size");
			goto out;
		}
		err = aqd_shm_create(&v->shm, v->name, region_size,
				     vs->cfg->shm_mode, cfg_gid(vs->cfg), why,
				     sizeof(why));
		if (err) {
			report(vs, v, err, why);
			goto out;
		}
		vs->stats.shm_created++;
		aqd_info("VIP %s: /dev/shm%s created (%zu bytes)", v->name,
			 v->shm.name, v->shm.size);
	}
	copied = v->mirror.frames_copied;
	missed = v->mirror.frames_missed;
	err = aqd_mirror_pass(v->shm.base, v->shm.region_size, src,
			      v->region_size, &v->mirror, why, sizeof(why));
	vs->stats.frames_copied += v->mirror.frames_copied - copied;
	vs->stats.frames_missed += v->mirror.frames_missed - missed;
	if (err == -EMSGSIZE || err == -ESTALE) {
		report(vs, v, err, why);
		reset_copy(vs, v);
		goto out;
	}
	if (err) {
		report(vs, v, err, why);
		goto out;
	}
	if (v->last_error)
		aqd_info("VIP %s: copying again", v->name);
	v->last_error = 0;
	vs->stats.mirror_passes++;
	aqd_shm_action(&v->shm)->mirror_time_ns = now_ns;
	h = v->shm.base;
	period = h->snapshot_interval_ns / AQD_MIRRORS_PER_INTERVAL;
	if (period < AQD_MIRROR_MIN_NS)
		period = AQD_MIRROR_MIN_NS;
	v->mirror_period_ns = period;
	v->next_mirror_ns = now_ns + period;
out:
	munmap(src, v->region_size);
}

void aqd_vips_mirror(struct aqd_vips *vs, uint64_t now_ns)
{
	unsigned int i;

	for (i = 0; i < vs->nr; i++)
		if (vs->v[i]->next_mirror_ns <= now_ns)
			mirror_one(vs, vs->v[i], now_ns);
}

static void action_one(struct aqd_vips *vs, struct aqd_vip *v,
		       struct aqd_nl *nl, uint64_t now_ns)
{
	struct aq_shm_action *a = aqd_shm_action(&v->shm);
	struct aqd_action *st = &v->action;
	unsigned long replaced = st->replaced;
	char why[ERR_LEN];
	int err;

	if (aqd_action_take(a, st)) {
		vs->stats.replaced += st->replaced - replaced;
		err = aqd_action_validate(&st->req, v->columns, why, sizeof(why));
		if (err) {
			st->pending = false;
			aqd_action_finish(a, st->req.seq, err, why);
			vs->stats.rejected++;
			aqd_warn("VIP %s: weights request %llu rejected: %s",
				 v->name, (unsigned long long)st->req.seq, why);
		}
	}
	if (!st->pending || !aqd_ratelimit_take(&st->rl, now_ns))
		return;
	st->pending = false;
	err = aqd_nl_set_weights(nl, v->name, st->req.weights,
				 st->req.nr_weights, why, sizeof(why));
	aqd_action_finish(a, st->req.seq, err, err ? why : NULL);
	if (err) {
		vs->stats.rejected++;
		aqd_warn("VIP %s: weights request %llu refused by the kernel: %s",
			 v->name, (unsigned long long)st->req.seq, why);
	} else {
		vs->stats.applied++;
		aqd_dbg("VIP %s: weights request %llu applied (%u weights)",
			v->name, (unsigned long long)st->req.seq,
			st->req.nr_weights);
	}
}

void aqd_vips_actions(struct aqd_vips *vs, struct aqd_nl *nl, uint64_t now_ns)
{
	unsigned int i;

	for (i = 0; i < vs->nr; i++)
		if (vs->v[i]->shm.base)
			action_one(vs, vs->v[i], nl, now_ns);
}

uint64_t aqd_vips_next_due(const struct aqd_vips *vs)
{
	uint64_t due = UINT64_MAX, t;
	unsigned int i;

	for (i = 0; i < vs->nr; i++) {
		const struct aqd_vip *v = vs->v[i];

		if (v->next_mirror_ns < due)
			due = v->next_mirror_ns;
		if (v->action.pending) {
			t = aqd_ratelimit_next(&v->action.rl);
			if (t < due)
				due = t;
		}
	}
	return due;
}

void aqd_vips_reconfigure(struct aqd_vips *vs, const struct aqd_config *cfg)
{
	char why[ERR_LEN];
	unsigned int i;

	vs->cfg = cfg;
	for (i = 0; i < vs->nr; i++) {
		struct aqd_vip *v = vs->v[i];

		aqd_ratelimit_set(&v->action.rl,
				  (uint64_t)cfg->rate_limit_ms * 1000000ULL);
		if (aqd_shm_chmod(&v->shm, cfg->shm_mode, cfg_gid(cfg), why,
				  sizeof(why)))
			aqd_warn("VIP %s: %s", v->name, why);
	}
}
