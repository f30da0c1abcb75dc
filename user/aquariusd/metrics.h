/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus metrics of aquariusd, read from its own shm copies (never
 * from the kernel): per VIP, per backend (labels vip, backend="addr:port",
 * column) the counters of the newest frame, weights and state; per feature
 * the five reductions of libaquarius (aq_reduce) with the sample count and
 * offered samples; and the daemon's health. Metric names of counters and
 * features come from the region's self-description. See aquariusd.8.
 */
#ifndef AQD_METRICS_H
#define AQD_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "prom.h"
#include "vips.h"

struct aqd_health {
	double start_time;		/* s since the Unix epoch */
	bool connected;			/* netlink family found */
	unsigned long connects;
	unsigned long events;
	unsigned long events_lost;
	unsigned long resyncs;
	unsigned long scrapes;
	unsigned long reloads;
	unsigned long reload_errors;
};

/*
 * Write every metric into b (reset first). 0, or -ENOMEM / -EMSGSIZE
 * if the output did not fit (b->overflow) or memory ran out.
 */
int aqd_metrics_write(struct aqd_buf *b, const struct aqd_vips *vs,
		      const struct aqd_health *h);

#endif
