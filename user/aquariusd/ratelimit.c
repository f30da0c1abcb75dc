// SPDX-License-Identifier: GPL-2.0
#include "ratelimit.h"

void aqd_ratelimit_init(struct aqd_ratelimit *rl, uint64_t interval_ns)
{
	rl->interval_ns = interval_ns;
	rl->last_ns = 0;
	rl->used = false;
}

void aqd_ratelimit_set(struct aqd_ratelimit *rl, uint64_t interval_ns)
{
	rl->interval_ns = interval_ns;
}

uint64_t aqd_ratelimit_next(const struct aqd_ratelimit *rl)
{
	if (!rl->used)
		return 0;
	if (rl->last_ns > UINT64_MAX - rl->interval_ns)
		return UINT64_MAX;
	return rl->last_ns + rl->interval_ns;
}

bool aqd_ratelimit_take(struct aqd_ratelimit *rl, uint64_t now_ns)
{
	if (rl->used && now_ns < aqd_ratelimit_next(rl))
		return false;
	rl->used = true;
	rl->last_ns = now_ns;
	return true;
}
