/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copy of a kernel region into the first region_size bytes of an shm
 * object (format in aquarius_shm.h). No I/O: src is any mapping of a
 * region (the kernel's, or one built in memory by the host tests).
 *
 * One pass copies:
 *  - the header, but latest_seq (ours) and the weights set, which is read
 *    under the kernel's weights_seq protocol and written under the same
 *    protocol when its sequence changed;
 *  - offered[] and the reservoirs, one 64-bit load and store per word;
 *  - every frame newer than the last one copied and still in the kernel's
 *    ring, oldest first, each read under the frame protocol and published
 *    with it (frame.seq = 0, copy, frame.seq = n, latest_seq = n).
 */
#ifndef AQD_MIRROR_H
#define AQD_MIRROR_H

#include <stddef.h>
#include <stdint.h>

struct aqd_mirror {
	uint64_t latest_seq;		/* newest frame published in the copy */
	uint64_t tried_seq;		/* newest frame tried (copied or missed) */
	uint32_t weights_seq;		/* weights_seq of the copied weights */
	int primed;			/* the header was copied once */
	unsigned long passes;
	unsigned long frames_copied;
	unsigned long frames_missed;	/* overwritten before they were read */
};

/* Bytes of region that src (a mapping of src_size bytes) declares. */
int aqd_mirror_region_size(const void *src, size_t src_size, size_t *size);

/*
 * One pass from src (src_size mapped bytes) to dst (dst_size bytes, at
 * least the region's region_size). 0, or a negative errno with the reason
 * in err: -EINVAL/-EPROTO for a region libaquarius rejects, -EMSGSIZE if
 * dst is too small (the region changed: make a new object), -ESTALE if
 * the kernel's latest_seq went back (another region: make a new object).
 */
int aqd_mirror_pass(void *dst, size_t dst_size, const void *src,
		    size_t src_size, struct aqd_mirror *st, char *err,
		    size_t len);

#endif
