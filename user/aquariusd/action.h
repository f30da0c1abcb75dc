/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The action area of an shm object (struct aq_shm_action, protocol in
 * aquarius_shm.h): requests for weights taken from the controller, checked,
 * and answered. No I/O here: the caller applies a valid request through
 * netlink when the rate limit lets it, then calls aqd_action_finish().
 */
#ifndef AQD_ACTION_H
#define AQD_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/aquarius.h>

#include "aquarius_shm.h"
#include "ratelimit.h"

/* A request copied out of the shared area. */
struct aqd_request {
	uint64_t seq;
	uint32_t nr_weights;
	uint32_t weights[AQ_MAX_BACKENDS];
};

/* What the daemon knows of one action area (daemon memory, not shared). */
struct aqd_action {
	uint64_t taken_seq;		/* sequence of the last request taken */
	bool pending;			/* `req` waits for the rate limit */
	struct aqd_request req;
	struct aqd_ratelimit rl;
	unsigned long replaced;		/* requests replaced while waiting */
};

/* Fill a fresh area (all zero but the identification fields). */
void aqd_action_area_init(struct aq_shm_action *a, uint32_t pid);

void aqd_action_init(struct aqd_action *st, uint64_t rate_limit_ns);

/*
 * Look at request_seq. If it is even, nonzero and not the last taken, copy
 * the request and check that request_seq did not move meanwhile; then it
 * becomes st->req (replacing one that waited: st->replaced counts those).
 * Returns true if a request was taken.
 */
bool aqd_action_take(volatile struct aq_shm_action *a, struct aqd_action *st);

/*
 * Check a request against the columns that hold a backend (bit i of
 * `columns` set): 1..AQ_MAX_BACKENDS weights, each <= AQ_SHM_MAX_WEIGHT,
 * every column with a backend covered, a column without one given 0.
 * 0, or -EINVAL / -ERANGE with the reason in msg.
 */
int aqd_action_validate(const struct aqd_request *req, uint64_t columns,
			char *msg, size_t len);

/*
 * Answer request `seq`: status (0 applied, -errno rejected), message
 * (may be NULL: ""), the applied/rejected counter, then done_seq = seq
 * with release order.
 */
void aqd_action_finish(volatile struct aq_shm_action *a, uint64_t seq,
		       int status, const char *msg);

#endif
