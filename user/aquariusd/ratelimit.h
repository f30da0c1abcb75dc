/* SPDX-License-Identifier: GPL-2.0 */
/*
 * At most one event per interval: the first is allowed at once, the next
 * no sooner than interval_ns after the last allowed one. Times are
 * CLOCK_MONOTONIC ns, given by the caller (tests pass their own).
 */
#ifndef AQD_RATELIMIT_H
#define AQD_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct aqd_ratelimit {
	uint64_t interval_ns;
	uint64_t last_ns;	/* time of the last allowed event */
	bool used;		/* an event was allowed already */
};

void aqd_ratelimit_init(struct aqd_ratelimit *rl, uint64_t interval_ns);
/* Change the interval (SIGHUP), keeping the time of the last event. */
void aqd_ratelimit_set(struct aqd_ratelimit *rl, uint64_t interval_ns);
/* Earliest time an event is allowed. */
uint64_t aqd_ratelimit_next(const struct aqd_ratelimit *rl);
/* True (and the event counted) if an event is allowed at now_ns. */
bool aqd_ratelimit_take(struct aqd_ratelimit *rl, uint64_t now_ns);

#endif
