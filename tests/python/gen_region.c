// SPDX-License-Identifier: GPL-2.0
/*
 * gen_region: synthetic aquarius regions and aquariusd shm objects, laid out
 * with the structs of <linux/aquarius.h> and "aquarius_shm.h" (so the files
 * follow the headers, not a second description of them).
 *
 *   gen_region [options] FILE      write a region (+ action area) to FILE
 *   gen_region churn FILE SECONDS GAP_US
 *                                  publish frames into FILE's region with the
 *                                  kernel's protocol, one every GAP_US us
 *                                  (busy-waiting; 0: back to back); prints
 *                                  the number of frames
 *
 * Options:
 *   --name S        VIP name (web)
 *   --slots N       reservoir slots, a power of two (128)
 *   --backends N    nr_backends, 1..64 (64)
 *   --frames N      nr_frames (4)
 *   --frame-pad B   bytes added to each frame (0; frames are 64-byte aligned)
 *   --reversed      areas in the order slots, offered, frames, 8-byte aligned
 *                   only (the kernel's order is frames, offered, slots)
 *   --columns L     configured columns, comma-separated (0,1,2,5,63; columns
 *                   >= nr_backends are dropped)
 *   --fill P        percent of slots filled in the random cases (70)
 *   --full          every slot of every configured column filled
 *   --seed S        seed of the pseudo-random content (1)
 *   --now-ms M      the time samples are stamped against (20000000)
 *   --latest N      latest_seq (7); 0: no frame published
 *   --ipv6          IPv6 VIP and backends
 *   --rename        field names with the suffix "_x" (readers must take the
 *                   names from the region)
 *   --no-action     the region only, no action area after it
 *
 * Content (from a splitmix64 stream of the seed): frame n has time_ns =
 * epoch_ns + n * interval and, in churn mode, counters[b][c] = n * 1000 +
 * b * 8 + c and vip_counters[i] = n * 7 + i, so a reader can check that a
 * copy is not torn. Each configured (backend, feature) reservoir is one of
 * eight cases, (column * 13 + feature) % 8: random, ties, empty, a single
 * sample, equal ages, very old (weights underflow), stamped in the future,
 * extreme values.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <linux/aquarius.h>
#include "aquarius_shm.h"

#define PAGE 4096u
#define INTERVAL_NS 250000000ull
#define EPOCH_NS 1000000000ull

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

struct field_init {
	const char *name, *unit;
	uint32_t flags;
};

/* The kernel's tables (kmod/features.c), repeated for synthetic regions. */
static const struct field_init counters[AQ_NR_COUNTERS] = {
	{ "n_packet", "pkt", 0 }, { "n_flow", "flow", 0 },
	{ "n_fct", "flow", 0 }, { "n_flow_on", "flow", AQ_FIELD_SIGNED },
	{ "n_cls", "flow", 0 }, { "n_ooo", "pkt", AQ_FIELD_TCP_ONLY },
	{ "n_dpk", "pkt", AQ_FIELD_TCP_ONLY }, { "n_rtr", "pkt", AQ_FIELD_TCP_ONLY },
};
static const struct field_init vip_counters[AQ_NR_VIP_COUNTERS] = {
	{ "malformed", "pkt", 0 }, { "fragment", "pkt", 0 },
	{ "other", "pkt", 0 }, { "dropped", "pkt", 0 },
};
static const struct field_init features[AQ_NR_FEATURES] = {
	{ "byte_p", "B", 0 }, { "byte_f_on", "B", 0 }, { "byte_f", "B", 0 },
	{ "iat_f", "us", 0 }, { "iat_p", "us", 0 }, { "iat_ppf", "us", 0 },
	{ "flow_duration", "us", 0 }, { "fct", "us", 0 },
	{ "win", "B", AQ_FIELD_TCP_ONLY },
	{ "d_win", "B", AQ_FIELD_SIGNED | AQ_FIELD_TCP_ONLY },
	{ "lat_synack", "us", AQ_FIELD_TCP_ONLY },
	{ "pt_1st", "us", AQ_FIELD_TCP_ONLY }, { "pt_gen", "us", AQ_FIELD_TCP_ONLY },
};

static void fill_fields(struct aq_field_desc *d, const struct field_init *f,
			unsigned int n, int rename)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		snprintf(d[i].name, sizeof(d[i].name), "%s%s", f[i].name,
			 rename ? "_x" : "");
		snprintf(d[i].unit, sizeof(d[i].unit), "%s", f[i].unit);
		d[i].flags = f[i].flags;
	}
}

struct opts {
	const char *name;
	unsigned int slots, backends, frames, frame_pad, fill;
	int reversed, full, ipv6, rename, no_action;
	uint64_t seed, now_ms, latest;
	uint64_t columns;	/* bitmap */
};

static void usage(void)
{
	fprintf(stderr, "usage: gen_region [options] FILE | churn FILE SECONDS GAP_US (see the source)\n");
	exit(2);
}

static uint64_t parse_columns(const char *s)
{
	uint64_t m = 0;
	char *end;

	while (*s) {
		unsigned long c = strtoul(s, &end, 10);

		if (end == s || c >= AQ_MAX_BACKENDS)
			usage();
		m |= 1ull << c;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			usage();
	}
	return m;
}

/* One slot word: value v, stamped age ms before now (mod 2^32, >= 1). */
static uint64_t slot(uint64_t now_ms, int64_t age, uint32_t v)
{
	uint32_t t = (uint32_t)(now_ms - (uint64_t)age);

	if (!t)
		t = 1;
	return ((uint64_t)t << 32) | v;
}

static uint32_t rnd_value(int is_signed)
{
	/* mostly moderate values, sometimes the full range */
	if (rnd_below(8) == 0)
		return (uint32_t)rnd();
	if (is_signed)
		return (uint32_t)(int32_t)((int64_t)rnd_below(200001) - 100000);
	return (uint32_t)rnd_below(1000000);
}

static void fill_reservoir(__u64 *s, unsigned int ns, unsigned int kase,
			   int is_signed, const struct opts *o)
{
	uint64_t now = o->now_ms;
	unsigned int i, fill = o->full ? 100 : o->fill;
	int64_t age0 = (int64_t)rnd_below(100000);

	memset(s, 0, ns * sizeof(*s));
	if (o->full)
		kase = 0;
	for (i = 0; i < ns; i++) {
		switch (kase) {
		case 0: /* random */
			if (rnd_below(100) < fill)
				s[i] = slot(now, (int64_t)rnd_below(120000),
					    rnd_value(is_signed));
			break;
		case 1: /* ties: few values, different ages */
			if (rnd_below(100) < fill)
				s[i] = slot(now, (int64_t)rnd_below(30000),
					    (uint32_t)(rnd_below(4) * 1000));
			break;
		case 2: /* empty */
			break;
		case 3: /* a single sample */
			if (i == ns / 2)
				s[i] = slot(now, 1234, rnd_value(is_signed));
			break;
		case 4: /* equal ages: wp90 == p90 */
			if (rnd_below(100) < fill)
				s[i] = slot(now, age0, rnd_value(is_signed));
			break;
		case 5: /* very old: 0.9^age underflows to 0 */
			if (rnd_below(100) < fill)
				s[i] = slot(now, 8000000 + (int64_t)rnd_below(4000000000u),
					    rnd_value(is_signed));
			break;
		case 6: /* stamped after now: age 0 up to 60 s ahead (libaquarius AQ_FUTURE_MS), very old beyond */
			if (rnd_below(100) < fill)
				s[i] = slot(now, -(int64_t)rnd_below(120000),
					    rnd_value(is_signed));
			break;
		default: /* extremes */
			if (rnd_below(100) < fill) {
				static const uint32_t ext[] = { 0, 1, 0x7fffffffu,
					0x80000000u, 0xffffffffu };

				s[i] = slot(now, (int64_t)rnd_below(5000),
					    ext[rnd_below(5)]);
			}
		}
	}
}

static void write_frame(struct aq_frame *f, uint64_t n, uint64_t active,
			int formula)
{
	unsigned int b, c;

	f->seq = 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* smp_wmb() */
	f->time_ns = EPOCH_NS + n * INTERVAL_NS;
	f->active = active;
	for (c = 0; c < AQ_NR_VIP_COUNTERS; c++)
		f->vip_counters[c] = formula ? n * 7 + c : rnd_below(1u << 20);
	for (b = 0; b < AQ_MAX_BACKENDS; b++)
		for (c = 0; c < AQ_NR_COUNTERS; c++) {
			uint64_t v = formula ? n * 1000 + b * 8 + c :
				     n * 100000 + rnd_below(100000);

			if (!formula && c == AQ_C_N_FLOW_ON)
				v = (uint64_t)((int64_t)rnd_below(2000) - 1000);
			f->counters[b][c] = v;
		}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&f->seq, n, __ATOMIC_RELAXED);
}

static int generate(const char *path, const struct opts *o)
{
	size_t hsz = sizeof(struct aq_region_header), fsz, frames_len,
	       offered_len, slots_len, frames_off, offered_off, slots_off, size,
	       total;
	unsigned int nb = o->backends, nf = AQ_NR_FEATURES, ns = o->slots, b, f;
	uint64_t cols = o->columns, active, n;
	struct aq_region_header *h;
	uint8_t *mem;
	FILE *out;

	if (nb < 64)
		cols &= (1ull << nb) - 1;
	fsz = align_up(sizeof(struct aq_frame), 64) + o->frame_pad;
	frames_len = (size_t)o->frames * fsz;
	offered_len = (size_t)nb * nf * 8;
	slots_len = (size_t)nb * nf * ns * 8;
	if (!o->reversed) {
		frames_off = PAGE;
		offered_off = frames_off + frames_len;
		slots_off = align_up(offered_off + offered_len, 64);
		size = align_up(slots_off + slots_len, PAGE);
	} else {
		slots_off = align_up(hsz, 8) + 8;
		offered_off = slots_off + slots_len + 8;
		frames_off = offered_off + offered_len + 16;
		size = align_up(frames_off + frames_len, PAGE);
	}
	total = size + (o->no_action ? 0 : AQ_SHM_ACTION_SIZE);
	mem = aligned_alloc(PAGE, total);
	if (!mem)
		return -ENOMEM;
	memset(mem, 0, total);
	h = (struct aq_region_header *)mem;
	h->magic = AQ_REGION_MAGIC;
	h->version = AQ_LAYOUT_VERSION;
	h->header_size = (__u32)hsz;
	h->region_size = (__u32)size;
	h->nr_backends = nb;
	h->nr_slots = ns;
	h->nr_counters = AQ_NR_COUNTERS;
	h->nr_vip_counters = AQ_NR_VIP_COUNTERS;
	h->nr_features = nf;
	h->nr_frames = o->frames;
	h->frames_offset = (__u32)frames_off;
	h->frame_size = (__u32)fsz;
	h->offered_offset = (__u32)offered_off;
	h->slots_offset = (__u32)slots_off;
	h->epoch_ns = EPOCH_NS;
	h->snapshot_interval_ns = INTERVAL_NS;
	snprintf(h->name, sizeof(h->name), "%s", o->name);
	h->vip_port = 80;
	h->vip_proto = IPPROTO_TCP;
	h->vip_family = o->ipv6 ? AF_INET6 : AF_INET;
	inet_pton(h->vip_family, o->ipv6 ? "2001:db8::1" : "10.0.0.1", h->vip_addr);
	for (b = 0; b < AQ_MAX_BACKENDS; b++) {
		char a[64];

		if (!(cols >> b & 1))
			continue;
		h->backends[b].family = h->vip_family;
		h->backends[b].port = (__u16)(8000 + b);
		snprintf(a, sizeof(a), o->ipv6 ? "2001:db8:1::%x" : "10.0.1.%u", b + 1);
		inet_pton(h->vip_family, a, h->backends[b].addr);
	}
	fill_fields(h->counters, counters, AQ_NR_COUNTERS, o->rename);
	fill_fields(h->vip_counters, vip_counters, AQ_NR_VIP_COUNTERS, o->rename);
	fill_fields(h->features, features, AQ_NR_FEATURES, o->rename);
	h->mode = AQ_MODE_NAT;
	h->sched = AQ_SCHED_SED;
	h->weights_seq = 6;
	h->draining = cols & 2;
	for (b = 0; b < AQ_MAX_BACKENDS; b++)
		if (cols >> b & 1)
			h->weights[b] = (__u32)rnd_below(AQ_MAX_WEIGHT + 1);

	/* frames: the newest nr_frames up to latest, a junk bit past nr_backends */
	active = cols & ~4ull;
	if (nb < 64)
		active |= 1ull << 63;
	for (n = o->latest > o->frames ? o->latest - o->frames + 1 : 1;
	     o->latest && n <= o->latest; n++)
		write_frame((struct aq_frame *)(mem + frames_off + (n % o->frames) * fsz),
			    n, active, 0);
	h->latest_seq = o->latest;

	for (b = 0; b < nb; b++) {
		__u64 *offered = (__u64 *)(mem + offered_off) + (size_t)b * nf;

		if (!(cols >> b & 1))
			continue;
		for (f = 0; f < nf; f++) {
			__u64 *s = (__u64 *)(mem + slots_off) + ((size_t)b * nf + f) * ns;
			unsigned int i, used = 0;

			fill_reservoir(s, ns, (b * 13 + f) % 8,
				       !!(features[f].flags & AQ_FIELD_SIGNED), o);
			for (i = 0; i < ns; i++)
				used += !!s[i];
			offered[f] = used + rnd_below(100000);
		}
	}

	if (!o->no_action) {
		struct aq_shm_action *a = (struct aq_shm_action *)(mem + size);

		a->magic = AQ_SHM_ACTION_MAGIC;
		a->version = AQ_SHM_ACTION_VERSION;
		a->size = sizeof(*a);
		a->mirror_time_ns = EPOCH_NS + o->latest * INTERVAL_NS;
	}

	out = fopen(path, "wb");
	if (!out || fwrite(mem, 1, total, out) != total || fclose(out)) {
		perror(path);
		free(mem);
		return -EIO;
	}
	free(mem);
	return 0;
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Publish frames n = latest + 1, ... for `seconds` with the kernel's protocol. */
static int churn(const char *path, double seconds, double gap_us)
{
	struct aq_region_header *h;
	struct timespec t0, tf;
	struct stat st;
	uint64_t n, frames = 0;
	uint8_t *mem;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return 1;
	}
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	h = (struct aq_region_header *)mem;
	n = h->latest_seq;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct aq_frame *f;
		uint64_t active = 0;

		n++;
		f = (struct aq_frame *)(mem + h->frames_offset +
					(n % h->nr_frames) * h->frame_size);
		write_frame(f, n, active, 1);
		__atomic_store_n(&h->latest_seq, n, __ATOMIC_RELEASE);
		frames++;
		clock_gettime(CLOCK_MONOTONIC, &tf);
		while (since(&tf) * 1e6 < gap_us)
			;
	} while (since(&t0) < seconds);
	printf("%llu\n", (unsigned long long)frames);
	munmap(mem, (size_t)st.st_size);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.name = "web", .slots = 128, .backends = AQ_MAX_BACKENDS,
		.frames = AQ_NR_FRAMES, .fill = 70, .seed = 1,
		.now_ms = 20000000, .latest = 7,
		.columns = 1ull | 2ull | 4ull | 32ull | (1ull << 63),
	};
	int i;

	if (argc == 5 && !strcmp(argv[1], "churn"))
		return churn(argv[2], atof(argv[3]), atof(argv[4]));
	for (i = 1; i < argc - 1; i++) {
		const char *a = argv[i], *v = argv[i + 1];

		if (!strcmp(a, "--name")) o.name = v, i++;
		else if (!strcmp(a, "--slots")) o.slots = (unsigned int)atoi(v), i++;
		else if (!strcmp(a, "--backends")) o.backends = (unsigned int)atoi(v), i++;
		else if (!strcmp(a, "--frames")) o.frames = (unsigned int)atoi(v), i++;
		else if (!strcmp(a, "--frame-pad")) o.frame_pad = (unsigned int)atoi(v), i++;
		else if (!strcmp(a, "--columns")) o.columns = parse_columns(v), i++;
		else if (!strcmp(a, "--fill")) o.fill = (unsigned int)atoi(v), i++;
		else if (!strcmp(a, "--seed")) o.seed = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--now-ms")) o.now_ms = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--latest")) o.latest = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--reversed")) o.reversed = 1;
		else if (!strcmp(a, "--full")) o.full = 1;
		else if (!strcmp(a, "--ipv6")) o.ipv6 = 1;
		else if (!strcmp(a, "--rename")) o.rename = 1;
		else if (!strcmp(a, "--no-action")) o.no_action = 1;
		else usage();
	}
	/* The last argument is the output path, never an option (--help). */
	if (i != argc - 1 || argv[argc - 1][0] == '-' || !o.slots || (o.slots & (o.slots - 1)) ||
	    !o.backends || o.backends > AQ_MAX_BACKENDS || !o.frames || o.frame_pad % 8)
		usage();
	rng_state = o.seed;
	return generate(argv[argc - 1], &o) ? 1 : 0;
}
