/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VIPs the daemon serves, as netlink reports them (dump and events),
 * each with its shm object, the state of its copy and of its action area.
 * At most AQ_MAX_VIPS (the kernel's limit per namespace).
 *
 * The kernel region is mapped only for the time of one copy (open, mmap,
 * close, copy, munmap): a mapping holds the module, and rmmod must work
 * while the daemon runs.
 */
#ifndef AQD_VIPS_H
#define AQD_VIPS_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/aquarius.h>

#include "action.h"
#include "config.h"
#include "mirror.h"
#include "netlink.h"
#include "shm.h"

/* The shm copy is refreshed this many times per snapshot interval. */
#define AQD_MIRRORS_PER_INTERVAL	2
#define AQD_MIRROR_MIN_NS		5000000ULL	/* 5 ms */

struct aqd_vip {
	char name[AQ_NAME_LEN];
	uint32_t id;			/* AQ_A_VIP_ID */
	uint64_t region_offset;
	uint64_t region_size;		/* mmap length */
	uint64_t columns;		/* bit i: column i holds a backend */
	bool seen;			/* in the running resync dump */
	struct aqd_shm shm;		/* base NULL until the first copy */
	struct aqd_mirror mirror;
	struct aqd_action action;
	uint64_t next_mirror_ns;
	uint64_t mirror_period_ns;
	unsigned long mirror_errors;
	int last_error;			/* of the copy, logged on change */
};

struct aqd_stats {
	unsigned long mirror_passes;
	unsigned long mirror_errors;
	unsigned long frames_copied;
	unsigned long frames_missed;
	unsigned long applied;
	unsigned long rejected;
	unsigned long replaced;
	unsigned long shm_created;
	unsigned long shm_removed;
};

struct aqd_vips {
	struct aqd_vip *v[AQ_MAX_VIPS];	/* v[0..nr) */
	unsigned int nr;
	const struct aqd_config *cfg;
	struct aqd_stats stats;
};

void aqd_vips_init(struct aqd_vips *vs, const struct aqd_config *cfg);
struct aqd_vip *aqd_vips_find(struct aqd_vips *vs, const char *name);

/*
 * A VIP from a dump or an event (msg->cmd): AQ_CMD_VIP_DEL removes it
 * (unlinking its shm), anything else adds or refreshes it. A VIP whose
 * id or region changed (deleted and added again) gets a new shm object.
 */
void aqd_vips_update(struct aqd_vips *vs, const struct aqmsg_vip *msg,
		     uint64_t now_ns);

/* Resync: mark all unseen, feed the dump to aqd_vips_update, then sweep. */
void aqd_vips_mark(struct aqd_vips *vs);
void aqd_vips_sweep(struct aqd_vips *vs);

/* Forget every VIP; unlink their shm objects if `unlink`. */
void aqd_vips_clear(struct aqd_vips *vs, bool unlink);

/* Copy the VIPs whose time has come (creating their shm objects). */
void aqd_vips_mirror(struct aqd_vips *vs, uint64_t now_ns);

/* Take, check and (rate permitting) apply the requests of action areas. */
void aqd_vips_actions(struct aqd_vips *vs, struct aqd_nl *nl, uint64_t now_ns);

/* Earliest time something is due (a copy or a waiting request). */
uint64_t aqd_vips_next_due(const struct aqd_vips *vs);

/* A new configuration (SIGHUP): rate limits, mode and group of the objects. */
void aqd_vips_reconfigure(struct aqd_vips *vs, const struct aqd_config *cfg);

#endif
