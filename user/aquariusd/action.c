// SPDX-License-Identifier: GPL-2.0
#include "action.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void aqd_action_area_init(struct aq_shm_action *a, uint32_t pid)
{
	memset(a, 0, sizeof(*a));
	a->magic = AQ_SHM_ACTION_MAGIC;
	a->version = AQ_SHM_ACTION_VERSION;
	a->size = sizeof(*a);
	a->daemon_pid = pid;
}

void aqd_action_init(struct aqd_action *st, uint64_t rate_limit_ns)
{
	memset(st, 0, sizeof(*st));
	aqd_ratelimit_init(&st->rl, rate_limit_ns);
}

bool aqd_action_take(volatile struct aq_shm_action *a, struct aqd_action *st)
{
	struct aqd_request req;
	uint64_t s1, s2;
	unsigned int i;

	s1 = __atomic_load_n(&a->request_seq, __ATOMIC_ACQUIRE);
	if ((s1 & 1) || s1 == 0 || s1 == st->taken_seq)
		return false;
	req.seq = s1;
	req.nr_weights = a->nr_weights;
	for (i = 0; i < AQ_MAX_BACKENDS; i++)
		req.weights[i] = a->weights[i];
	/* smp_rmb(): the copy above before the second look at the sequence. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s2 = __atomic_load_n(&a->request_seq, __ATOMIC_RELAXED);
	if (s2 != s1)
		return false;	/* being rewritten: look again next poll */
	if (st->pending)
		st->replaced++;
	st->req = req;
	st->pending = true;
	st->taken_seq = s1;
	return true;
}

int aqd_action_validate(const struct aqd_request *req, uint64_t columns,
			char *msg, size_t len)
{
	unsigned int i;

	if (req->nr_weights == 0 || req->nr_weights > AQ_MAX_BACKENDS) {
		snprintf(msg, len, "nr_weights %u is not in 1..%u",
			 req->nr_weights, AQ_MAX_BACKENDS);
		return -EINVAL;
	}
	for (i = 0; i < req->nr_weights; i++) {
		if (req->weights[i] > AQ_SHM_MAX_WEIGHT) {
			snprintf(msg, len, "weight %u of column %u is above %u",
				 req->weights[i], i, AQ_SHM_MAX_WEIGHT);
			return -ERANGE;
		}
		if (!((columns >> i) & 1) && req->weights[i]) {
			snprintf(msg, len,
				 "column %u holds no backend but has weight %u",
				 i, req->weights[i]);
			return -EINVAL;
		}
	}
	for (i = req->nr_weights; i < AQ_MAX_BACKENDS; i++) {
		if ((columns >> i) & 1) {
			snprintf(msg, len,
				 "column %u holds a backend but has no weight (nr_weights %u)",
				 i, req->nr_weights);
			return -EINVAL;
		}
	}
	if (len)
		msg[0] = '\0';
	return 0;
}

void aqd_action_finish(volatile struct aq_shm_action *a, uint64_t seq,
		       int status, const char *msg)
{
	size_t i, n = msg ? strnlen(msg, AQ_SHM_MSG_LEN - 1) : 0;

	a->status = status;
	for (i = 0; i < AQ_SHM_MSG_LEN; i++)
		a->message[i] = i < n ? msg[i] : '\0';
	if (status)
		a->rejected++;
	else
		a->applied++;
	/* The answer is complete before done_seq says so. */
	__atomic_store_n(&a->done_seq, seq, __ATOMIC_RELEASE);
}
