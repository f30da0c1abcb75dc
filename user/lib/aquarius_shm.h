/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * The POSIX shm objects of aquariusd: the manual of its format.
 *
 * aquariusd keeps one shm object per VIP, AQ_SHM_PREFIX + the VIP's name
 * (for example /dev/shm/aquarius-web):
 *
 *	[0, region_size)		a copy of the kernel region, byte for
 *					byte the layout of <linux/aquarius.h>
 *					(region_size from its header)
 *	[region_size, + AQ_SHM_ACTION_SIZE)	struct aq_shm_action
 *
 * so every reader of the kernel region (libaquarius, the Python package)
 * reads the shm unchanged: the header and the reservoirs are copied as
 * they are, and each frame is copied under the kernel's sequence protocol
 * and published in the copy with the same protocol (frame.seq = 0, copy,
 * frame.seq = n, then latest_seq = n). A frame in the shm with sequence n
 * has exactly the content of the kernel's frame n. The copy is refreshed
 * at least once per snapshot interval.
 *
 * The action area: weights back to the kernel
 * --------------------------------------------
 * A controller (one writer per VIP) asks for a new set of weights:
 *
 *	s = request_seq (even);  request_seq = s + 1 (odd);  smp_wmb();
 *	nr_weights = n; weights[0..n) = ...;  smp_wmb();
 *	store_release(request_seq, s + 2)
 *
 * The daemon polls request_seq. For an even value it has not handled, it
 * copies the request and checks that request_seq did not move, validates
 * it (nr_weights <= AQ_MAX_BACKENDS, every weight <= AQ_SHM_MAX_WEIGHT, a
 * weight for every column holding a backend) and applies it whole through
 * AQ_CMD_WEIGHTS_SET, or not at all. Requests are applied at most once per
 * rate-limit interval (daemon configuration); a newer request replaces one
 * that waits. Then the daemon writes status (0, or a negative errno) and
 * message, and store_release(done_seq, the request's sequence). A
 * controller waits for done_seq == its sequence and reads status.
 */
#ifndef AQUARIUS_SHM_H
#define AQUARIUS_SHM_H

#include <linux/types.h>
#include <linux/aquarius.h>

#define AQ_SHM_PREFIX		"aquarius-"	/* + VIP name, in /dev/shm */
#define AQ_SHM_ACTION_MAGIC	0x43415141	/* "AQAC" read as LE bytes */
#define AQ_SHM_ACTION_VERSION	1
#define AQ_SHM_ACTION_SIZE	4096
#define AQ_SHM_MAX_WEIGHT	65535
#define AQ_SHM_MSG_LEN		128

struct aq_shm_action {
	__u32 magic;			/* AQ_SHM_ACTION_MAGIC */
	__u32 version;			/* AQ_SHM_ACTION_VERSION */
	__u32 size;			/* sizeof(struct aq_shm_action) */
	__u32 daemon_pid;		/* aquariusd that serves this object */
	__u64 mirror_time_ns;		/* CLOCK_MONOTONIC of the last copy */

	/* Written by the controller. */
	__u64 request_seq;		/* odd while being written */
	__u32 nr_weights;		/* columns 0 .. nr_weights - 1 */
	__u32 request_reserved;
	__u32 weights[AQ_MAX_BACKENDS];

	/* Written by the daemon. */
	__u64 done_seq;			/* request_seq of the last handled */
	__s32 status;			/* 0 applied, or -errno (rejected) */
	__u32 applied;			/* requests applied so far */
	__u32 rejected;			/* requests rejected so far */
	__u32 done_reserved;
	char message[AQ_SHM_MSG_LEN];	/* why, for a rejected request */
};

#endif /* AQUARIUS_SHM_H */
