// SPDX-License-Identifier: GPL-2.0
/*
 * aqref: what the C side says, as JSON, for the Python package's tests.
 *
 *   aqref offsets          offsetof()/sizeof() of every struct member of
 *                          <linux/aquarius.h> and "aquarius_shm.h"
 *   aqref dump FILE NOW_MS the region at the start of FILE as libaquarius
 *                          reads it: header, aq_snapshot(), the weights under
 *                          weights_seq, every (backend, feature) through
 *                          aq_reduce() and its non-empty slots as
 *                          [age_ms, value]; exit 2 with {"error": errno,
 *                          "message": ...} if aq_region_attach() refuses it
 *   aqref decay STEP END   aq_decay() of ages 0, STEP, ... below END, one
 *                          hex bit pattern a line
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libaquarius.h"
#include "aquarius_shm.h"

static void num(double v)
{
	if (isnan(v))
		printf("NaN");
	else
		printf("%.17g", v);
}

#define OFF(type, m) printf("%s\"%s\": %zu", first++ ? ", " : "", #m, offsetof(type, m))
#define SIZE(type) printf("%s\"sizeof\": %zu", first++ ? ", " : "", sizeof(type))

static int offsets(void)
{
	int first;

	printf("{\"header\": {");
	first = 0;
	OFF(struct aq_region_header, magic); OFF(struct aq_region_header, version);
	OFF(struct aq_region_header, header_size); OFF(struct aq_region_header, region_size);
	OFF(struct aq_region_header, nr_backends); OFF(struct aq_region_header, nr_slots);
	OFF(struct aq_region_header, nr_counters); OFF(struct aq_region_header, nr_vip_counters);
	OFF(struct aq_region_header, nr_features); OFF(struct aq_region_header, nr_frames);
	OFF(struct aq_region_header, frames_offset); OFF(struct aq_region_header, frame_size);
	OFF(struct aq_region_header, offered_offset); OFF(struct aq_region_header, slots_offset);
	OFF(struct aq_region_header, epoch_ns); OFF(struct aq_region_header, snapshot_interval_ns);
	OFF(struct aq_region_header, latest_seq); OFF(struct aq_region_header, name);
	OFF(struct aq_region_header, vip_addr); OFF(struct aq_region_header, vip_port);
	OFF(struct aq_region_header, vip_family); OFF(struct aq_region_header, vip_proto);
	OFF(struct aq_region_header, reserved); OFF(struct aq_region_header, backends);
	OFF(struct aq_region_header, counters); OFF(struct aq_region_header, vip_counters);
	OFF(struct aq_region_header, features); OFF(struct aq_region_header, mode);
	OFF(struct aq_region_header, sched); OFF(struct aq_region_header, reserved2);
	OFF(struct aq_region_header, weights_seq); OFF(struct aq_region_header, draining);
	OFF(struct aq_region_header, weights); SIZE(struct aq_region_header);
	printf("}, \"backend_desc\": {");
	first = 0;
	OFF(struct aq_backend_desc, addr); OFF(struct aq_backend_desc, port);
	OFF(struct aq_backend_desc, family); OFF(struct aq_backend_desc, reserved);
	SIZE(struct aq_backend_desc);
	printf("}, \"field_desc\": {");
	first = 0;
	OFF(struct aq_field_desc, name); OFF(struct aq_field_desc, unit);
	OFF(struct aq_field_desc, flags); OFF(struct aq_field_desc, reserved);
	SIZE(struct aq_field_desc);
	printf("}, \"frame\": {");
	first = 0;
	OFF(struct aq_frame, seq); OFF(struct aq_frame, time_ns);
	OFF(struct aq_frame, active); OFF(struct aq_frame, vip_counters);
	OFF(struct aq_frame, counters); SIZE(struct aq_frame);
	printf("}, \"shm_action\": {");
	first = 0;
	OFF(struct aq_shm_action, magic); OFF(struct aq_shm_action, version);
	OFF(struct aq_shm_action, size); OFF(struct aq_shm_action, daemon_pid);
	OFF(struct aq_shm_action, mirror_time_ns); OFF(struct aq_shm_action, request_seq);
	OFF(struct aq_shm_action, nr_weights); OFF(struct aq_shm_action, request_reserved);
	OFF(struct aq_shm_action, weights); OFF(struct aq_shm_action, done_seq);
	OFF(struct aq_shm_action, status); OFF(struct aq_shm_action, applied);
	OFF(struct aq_shm_action, rejected); OFF(struct aq_shm_action, done_reserved);
	OFF(struct aq_shm_action, message); SIZE(struct aq_shm_action);
	printf("}, \"constants\": {\"AQ_MAX_BACKENDS\": %d, \"AQ_NR_COUNTERS\": %d, "
	       "\"AQ_NR_VIP_COUNTERS\": %d, \"AQ_NR_FEATURES\": %d, "
	       "\"AQ_REGION_MAGIC\": %d, \"AQ_LAYOUT_VERSION\": %d, "
	       "\"AQ_FIELD_SIGNED\": %u, \"AQ_FIELD_TCP_ONLY\": %u, "
	       "\"AQ_MAX_WEIGHT\": %d, \"AQ_SHM_ACTION_MAGIC\": %d, "
	       "\"AQ_SHM_ACTION_VERSION\": %d, \"AQ_SHM_ACTION_SIZE\": %d, "
	       "\"AQ_SHM_MAX_WEIGHT\": %d, \"AQ_SHM_MSG_LEN\": %d, "
	       "\"AQ_MAX_SLOTS\": %d, \"AQ_SNAPSHOT_TRIES\": %d, "
	       "\"AQ_FUTURE_MS\": %u, \"AQ_NAME_LEN\": %d}}\n",
	       AQ_MAX_BACKENDS, AQ_NR_COUNTERS, AQ_NR_VIP_COUNTERS, AQ_NR_FEATURES,
	       AQ_REGION_MAGIC, AQ_LAYOUT_VERSION, AQ_FIELD_SIGNED, AQ_FIELD_TCP_ONLY,
	       AQ_MAX_WEIGHT, AQ_SHM_ACTION_MAGIC, AQ_SHM_ACTION_VERSION,
	       AQ_SHM_ACTION_SIZE, AQ_SHM_MAX_WEIGHT, AQ_SHM_MSG_LEN, AQ_MAX_SLOTS,
	       AQ_SNAPSHOT_TRIES, AQ_FUTURE_MS, AQ_NAME_LEN);
	return 0;
}

static void fields(const char *key, const struct aq_field_desc *d, unsigned int n)
{
	char name[32], unit[16];
	unsigned int i;

	printf(", \"%s\": [", key);
	for (i = 0; i < n; i++)
		printf("%s[\"%s\", \"%s\", %u]", i ? ", " : "",
		       aq_field_str(d[i].name, sizeof(d[i].name), name, sizeof(name)),
		       aq_field_str(d[i].unit, sizeof(d[i].unit), unit, sizeof(unit)),
		       d[i].flags);
	printf("]");
}

static int dump(const char *path, uint64_t now_ms)
{
	const struct aq_region_header *h;
	struct aq_region *r;
	struct aq_frame fr;
	struct stat st;
	unsigned int b, f, i, ws1, ws2, mode, sched, tries;
	__u32 weights[AQ_MAX_BACKENDS];
	__u64 draining;
	char buf[64];
	void *mem;
	int fd, ret;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return 1;
	}
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	r = aq_region_attach(mem, (size_t)st.st_size);
	if (!r) {
		printf("{\"error\": %d, \"message\": \"%s\"}\n", errno, aq_errmsg());
		return 2;
	}
	h = aq_region_header(r);
	printf("{\"name\": \"%s\", \"nr_backends\": %u, \"nr_slots\": %u, "
	       "\"nr_frames\": %u, \"region_size\": %u, \"epoch_ns\": %llu, "
	       "\"interval_ns\": %llu, \"vip_addr\": \"%s\", \"vip_port\": %u, "
	       "\"vip_proto\": %u, \"vip_family\": %u",
	       h->name, h->nr_backends, h->nr_slots, h->nr_frames, h->region_size,
	       (unsigned long long)h->epoch_ns,
	       (unsigned long long)h->snapshot_interval_ns,
	       aq_addr_str(h->vip_family, h->vip_addr, buf, sizeof(buf)),
	       h->vip_port, h->vip_proto, h->vip_family);
	fields("counters", h->counters, AQ_NR_COUNTERS);
	fields("vip_counters", h->vip_counters, AQ_NR_VIP_COUNTERS);
	fields("features", h->features, AQ_NR_FEATURES);
	printf(", \"backends\": [");
	for (b = 0, i = 0; b < h->nr_backends; b++)
		if (h->backends[b].family)
			printf("%s[%u, \"%s\", %u]", i++ ? ", " : "", b,
			       aq_addr_str(h->backends[b].family, h->backends[b].addr,
					   buf, sizeof(buf)),
			       h->backends[b].port);
	printf("]");

	ret = aq_snapshot(r, &fr);
	if (ret) {
		printf(", \"snapshot\": {\"error\": %d}", -ret);
	} else {
		printf(", \"snapshot\": {\"seq\": %llu, \"time_ns\": %llu, \"active\": %llu, \"vip_counters\": [",
		       (unsigned long long)fr.seq, (unsigned long long)fr.time_ns,
		       (unsigned long long)fr.active);
		for (i = 0; i < AQ_NR_VIP_COUNTERS; i++)
			printf("%s%llu", i ? ", " : "", (unsigned long long)fr.vip_counters[i]);
		printf("], \"counters\": [");
		for (b = 0; b < h->nr_backends; b++) {
			printf("%s[", b ? ", " : "");
			for (i = 0; i < AQ_NR_COUNTERS; i++)
				printf("%s%llu", i ? ", " : "",
				       (unsigned long long)fr.counters[b][i]);
			printf("]");
		}
		printf("]}");
	}

	for (tries = 0; tries < 1000; tries++) {
		ws1 = __atomic_load_n(&h->weights_seq, __ATOMIC_ACQUIRE);
		mode = h->mode;
		sched = h->sched;
		draining = h->draining;
		memcpy(weights, h->weights, sizeof(weights));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);	/* smp_rmb() */
		ws2 = __atomic_load_n(&h->weights_seq, __ATOMIC_RELAXED);
		if (ws1 == ws2 && !(ws1 & 1))
			break;
	}
	if (tries == 1000) {
		printf(", \"weights\": null");
	} else {
		printf(", \"weights\": {\"seq\": %u, \"mode\": %u, \"sched\": %u, \"draining\": %llu, \"weights\": [",
		       ws1, mode, sched, (unsigned long long)draining);
		for (b = 0; b < h->nr_backends; b++)
			printf("%s%u", b ? ", " : "", weights[b]);
		printf("]}");
	}

	printf(", \"reductions\": [");
	for (b = 0; b < h->nr_backends; b++) {
		printf("%s[", b ? ", " : "");
		for (f = 0; f < AQ_NR_FEATURES; f++) {
			struct aq_reduction red;

			if (aq_reduce(r, b, f, now_ms, &red)) {
				printf("null");
				continue;
			}
			printf("%s{\"samples\": %u, \"offered\": %llu, \"mean\": ",
			       f ? ", " : "", red.samples, (unsigned long long)red.offered);
			num(red.mean);
			printf(", \"std\": ");
			num(red.std);
			printf(", \"p90\": ");
			num(red.p90);
			printf(", \"wmean\": ");
			num(red.wmean);
			printf(", \"wp90\": ");
			num(red.wp90);
			printf(", \"wsum\": ");
			num(red.wsum);
			printf("}");
		}
		printf("]");
	}
	printf("]");

	/* samples per the header's formulas: age = (u32)(now - time), 0 if ahead */
	printf(", \"samples\": [");
	for (b = 0; b < h->nr_backends; b++) {
		const __u64 *slots = (const __u64 *)((const char *)mem + h->slots_offset);

		printf("%s[", b ? ", " : "");
		for (f = 0; f < AQ_NR_FEATURES; f++) {
			const __u64 *s = slots + ((size_t)b * AQ_NR_FEATURES + f) * h->nr_slots;
			int sgn = h->features[f].flags & AQ_FIELD_SIGNED, n = 0;

			printf("%s[", f ? ", " : "");
			for (i = 0; i < h->nr_slots; i++) {
				uint32_t age;

				if (!s[i])
					continue;
				age = (uint32_t)now_ms - AQ_SLOT_TIME_MS(s[i]);
				if (age > UINT32_MAX - AQ_FUTURE_MS)
					age = 0;
				if (sgn)
					printf("%s[%u, %d]", n++ ? ", " : "", age,
					       (int32_t)AQ_SLOT_VALUE(s[i]));
				else
					printf("%s[%u, %u]", n++ ? ", " : "", age,
					       AQ_SLOT_VALUE(s[i]));
			}
			printf("]");
		}
		printf("]");
	}
	printf("]}\n");
	aq_region_close(r);
	munmap(mem, (size_t)st.st_size);
	return 0;
}

/* aq_decay() of every STEP-th age below END, as hex bit patterns. */
static int decay(uint32_t step, uint32_t end)
{
	uint64_t a;

	for (a = 0; a < end; a += step) {
		double w = aq_decay((uint32_t)a);
		uint64_t bits;

		memcpy(&bits, &w, sizeof(bits));
		printf("%016llx\n", (unsigned long long)bits);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "offsets"))
		return offsets();
	if (argc == 4 && !strcmp(argv[1], "dump"))
		return dump(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "decay"))
		return decay((uint32_t)strtoul(argv[2], NULL, 0),
			     (uint32_t)strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: aqref offsets | aqref dump FILE NOW_MS | aqref decay STEP END\n");
	return 2;
}
