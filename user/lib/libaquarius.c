// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libaquarius: discovery, mapping, snapshots and reductions of aquarius
 * regions. The layout and protocols are those of <linux/aquarius.h>.
 */
#include "libaquarius.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- Errors ------------------------------------------------------------ */

static __thread char aq_errbuf[256];

const char *aq_errmsg(void)
{
	return aq_errbuf;
}

__attribute__((format(printf, 2, 3)))
static int aq_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(aq_errbuf, sizeof(aq_errbuf), fmt, ap);
	va_end(ap);
	errno = err;
	return -err;
}

/* ---- Helpers ----------------------------------------------------------- */

const char *aq_proto_name(int proto)
{
	static __thread char buf[16];

	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_UDP)
		return "udp";
	snprintf(buf, sizeof(buf), "proto-%d", proto);
	return buf;
}

const char *aq_addr_str(int family, const uint8_t addr[16], char *buf,
			size_t len)
{
	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *aq_field_str(const char *field, size_t field_len, char *buf,
			 size_t len)
{
	size_t n = strnlen(field, field_len);

	if (!len)
		return buf;
	if (n >= len)
		n = len - 1;
	memcpy(buf, field, n);
	buf[n] = '\0';
	return buf;
}

/* ---- Discovery --------------------------------------------------------- */

struct parse_state {
	struct aq_vip_list *list;
	size_t cap;
	unsigned int lineno;
};

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || *end) ? -1 : 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	uint64_t v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int parse_addr(const char *s, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static int parse_proto(const char *s, int *proto)
{
	if (!strcmp(s, "tcp") || !strcmp(s, "TCP") || !strcmp(s, "6"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp") || !strcmp(s, "UDP") || !strcmp(s, "17"))
		*proto = IPPROTO_UDP;
	else
		return -1;
	return 0;
}

#define MAX_TOKENS 10

static int parse_vip(struct parse_state *ps, char **tok, int ntok)
{
	struct aq_vip_list *list = ps->list;
	struct aq_vip_info *vip;
	unsigned int ln = ps->lineno;
	size_t i;

	if (ntok != 9 || strcmp(tok[5], "offset") || strcmp(tok[7], "size"))
		return aq_err(EINVAL, "line %u: expected 'vip <name> <proto> <addr> <port> offset <off> size <size>'",
			      ln);
	if (strlen(tok[1]) >= AQ_NAME_LEN)
		return aq_err(EINVAL, "line %u: vip name '%s' longer than %d bytes",
			      ln, tok[1], AQ_NAME_LEN - 1);
	for (i = 0; i < list->nr; i++)
		if (!strcmp(list->vips[i].name, tok[1]))
			return aq_err(EINVAL, "line %u: duplicate vip '%s'", ln, tok[1]);
	if (list->nr == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 4;
		struct aq_vip_info *v = realloc(list->vips, cap * sizeof(*v));

		if (!v)
			return aq_err(ENOMEM, "out of memory");
		list->vips = v;
		ps->cap = cap;
	}
	vip = &list->vips[list->nr];
	memset(vip, 0, sizeof(*vip));
	strcpy(vip->name, tok[1]);
	if (parse_proto(tok[2], &vip->proto))
		return aq_err(EINVAL, "line %u: bad protocol '%s' (tcp or udp)", ln, tok[2]);
	if (parse_addr(tok[3], &vip->family, vip->addr))
		return aq_err(EINVAL, "line %u: bad address '%s'", ln, tok[3]);
	if (parse_port(tok[4], &vip->port))
		return aq_err(EINVAL, "line %u: bad port '%s'", ln, tok[4]);
	if (parse_u64(tok[6], &vip->offset))
		return aq_err(EINVAL, "line %u: bad offset '%s'", ln, tok[6]);
	if (parse_u64(tok[8], &vip->size) || !vip->size)
		return aq_err(EINVAL, "line %u: bad size '%s'", ln, tok[8]);
	list->nr++;
	return 0;
}

static int parse_backend(struct parse_state *ps, char **tok, int ntok)
{
	struct aq_vip_list *list = ps->list;
	unsigned int ln = ps->lineno, i;
	struct aq_backend_info be = { 0 };
	struct aq_vip_info *vip;
	uint64_t col;

	if (!list->nr)
		return aq_err(EINVAL, "line %u: backend before any vip line", ln);
	vip = &list->vips[list->nr - 1];
	if (ntok != 5)
		return aq_err(EINVAL, "line %u: expected 'backend <column> <addr> <port> active|inactive'",
			      ln);
	if (parse_u64(tok[1], &col) || col >= AQ_MAX_BACKENDS)
		return aq_err(EINVAL, "line %u: bad backend column '%s' (0..%d)",
			      ln, tok[1], AQ_MAX_BACKENDS - 1);
	be.column = (unsigned int)col;
	for (i = 0; i < vip->nr_backends; i++)
		if (vip->backends[i].column == be.column)
			return aq_err(EINVAL, "line %u: duplicate backend column %u",
				      ln, be.column);
	if (parse_addr(tok[2], &be.family, be.addr))
		return aq_err(EINVAL, "line %u: bad address '%s'", ln, tok[2]);
	if (parse_port(tok[3], &be.port))
		return aq_err(EINVAL, "line %u: bad port '%s'", ln, tok[3]);
	if (!strcmp(tok[4], "active"))
		be.active = true;
	else if (strcmp(tok[4], "inactive"))
		return aq_err(EINVAL, "line %u: expected active or inactive, not '%s'",
			      ln, tok[4]);
	vip->backends[vip->nr_backends++] = be;
	return 0;
}

/* line is modified (tokenised). */
static int parse_line(struct parse_state *ps, char *line)
{
	char *tok[MAX_TOKENS], *save = NULL, *t;
	int ntok = 0;

	for (t = strtok_r(line, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (ntok == MAX_TOKENS)
			return aq_err(EINVAL, "line %u: too many fields", ps->lineno);
		tok[ntok++] = t;
	}
	if (!ntok)
		return 0;
	if (!strcmp(tok[0], "vip"))
		return parse_vip(ps, tok, ntok);
	if (!strcmp(tok[0], "backend"))
		return parse_backend(ps, tok, ntok);
	return aq_err(EINVAL, "line %u: unknown keyword '%s'", ps->lineno, tok[0]);
}

void aq_vip_list_free(struct aq_vip_list *list)
{
	if (!list)
		return;
	free(list->vips);
	list->vips = NULL;
	list->nr = 0;
}

int aq_discovery_parse_file(FILE *f, struct aq_vip_list *list)
{
	struct parse_state ps = { .list = list };
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	list->nr = 0;
	list->vips = NULL;
	errno = 0;
	while (getline(&line, &cap, f) >= 0) {
		ps.lineno++;
		ret = parse_line(&ps, line);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = aq_err(errno ? errno : EIO, "read error: %s",
			     strerror(errno ? errno : EIO));
	free(line);
	if (ret)
		aq_vip_list_free(list);
	return ret;
}

int aq_discovery_parse_string(const char *text, struct aq_vip_list *list)
{
	struct parse_state ps = { .list = list };
	const char *p = text;
	int ret = 0;

	list->nr = 0;
	list->vips = NULL;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);

		if (!line) {
			ret = aq_err(ENOMEM, "out of memory");
			break;
		}
		ps.lineno++;
		ret = parse_line(&ps, line);
		free(line);
		if (ret)
			break;
		p += len + (nl ? 1 : 0);
	}
	if (ret)
		aq_vip_list_free(list);
	return ret;
}

int aq_discovery_load(const char *path, struct aq_vip_list *list)
{
	FILE *f;
	int ret;

	if (!path)
		path = AQ_PROC_PATH;
	f = fopen(path, "re");
	if (!f) {
		int e = errno;

		list->nr = 0;
		list->vips = NULL;
		if (e == ENOENT)
			return aq_err(e, "%s: %s (is the aquarius module loaded?)",
				      path, strerror(e));
		return aq_err(e, "%s: %s", path, strerror(e));
	}
	ret = aq_discovery_parse_file(f, list);
	fclose(f);
	if (ret) {
		char msg[sizeof(aq_errbuf)];

		snprintf(msg, sizeof(msg), "%s", aq_errbuf);
		aq_err(-ret, "%s: %s", path, msg);
	}
	return ret;
}

const struct aq_vip_info *aq_vip_list_find(const struct aq_vip_list *list,
					   const char *name)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		if (!strcmp(list->vips[i].name, name))
			return &list->vips[i];
	return NULL;
}

/* ---- Regions ----------------------------------------------------------- */

struct aq_region {
	const uint8_t *base;
	size_t map_len;			/* != 0: munmap on close */
	const struct aq_region_header *hdr;
	/* Geometry copied from the header once validated. */
	uint32_t nr_backends, nr_slots, nr_features, nr_frames;
	uint64_t frame_size;
	const uint8_t *frames;
	const __u64 *offered;
	const __u64 *slots;
	uint64_t epoch_ns;
};

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

struct area {
	const char *what;
	uint64_t start, len;
};

static int check_area(const struct area *a, uint64_t header_size,
		      uint64_t region_size)
{
	if (a->start % 8)
		return aq_err(EINVAL, "bad region: %s offset %llu not 8-byte aligned",
			      a->what, (unsigned long long)a->start);
	if (a->start < header_size)
		return aq_err(EINVAL, "bad region: %s offset %llu inside the header (%llu bytes)",
			      a->what, (unsigned long long)a->start,
			      (unsigned long long)header_size);
	if (a->start > region_size || a->len > region_size - a->start)
		return aq_err(EINVAL, "bad region: %s [%llu, +%llu) beyond region_size %llu",
			      a->what, (unsigned long long)a->start,
			      (unsigned long long)a->len,
			      (unsigned long long)region_size);
	return 0;
}

static bool areas_overlap(const struct area *a, const struct area *b)
{
	return a->start < b->start + b->len && b->start < a->start + a->len;
}

struct aq_region *aq_region_attach(const void *base, size_t size)
{
	struct aq_region_header h;
	struct aq_region *r;
	struct area areas[3];
	uint64_t nb, nf, ns;
	int i, j;

	if (!base || (uintptr_t)base % 8) {
		aq_err(EINVAL, "bad region: base address not 8-byte aligned");
		return NULL;
	}
	if (size < sizeof(h)) {
		aq_err(EINVAL, "bad region: %zu bytes, smaller than the header (%zu)",
		       size, sizeof(h));
		return NULL;
	}
	/* Validate a private copy, so later header changes cannot matter. */
	memcpy(&h, base, sizeof(h));
	if (h.magic != AQ_REGION_MAGIC) {
		aq_err(EINVAL, "bad region: magic 0x%08x, expected 0x%08x",
		       h.magic, AQ_REGION_MAGIC);
		return NULL;
	}
	if (h.version != AQ_LAYOUT_VERSION) {
		aq_err(EPROTO, "region layout version %u, this library reads %u",
		       h.version, AQ_LAYOUT_VERSION);
		return NULL;
	}
	if (h.header_size != sizeof(h)) {
		aq_err(EINVAL, "bad region: header_size %u, expected %zu",
		       h.header_size, sizeof(h));
		return NULL;
	}
	if (h.region_size < h.header_size || h.region_size > size) {
		aq_err(EINVAL, "bad region: region_size %u outside [%u, %zu] (mapped size)",
		       h.region_size, h.header_size, size);
		return NULL;
	}
	if (h.nr_backends < 1 || h.nr_backends > AQ_MAX_BACKENDS) {
		aq_err(EINVAL, "bad region: nr_backends %u not in 1..%d",
		       h.nr_backends, AQ_MAX_BACKENDS);
		return NULL;
	}
	if (!is_pow2(h.nr_slots) || h.nr_slots > AQ_MAX_SLOTS) {
		aq_err(EINVAL, "bad region: nr_slots %u not a power of two <= %d",
		       h.nr_slots, AQ_MAX_SLOTS);
		return NULL;
	}
	if (h.nr_counters != AQ_NR_COUNTERS ||
	    h.nr_vip_counters != AQ_NR_VIP_COUNTERS ||
	    h.nr_features != AQ_NR_FEATURES) {
		aq_err(EINVAL, "bad region: nr_counters/nr_vip_counters/nr_features %u/%u/%u, expected %d/%d/%d",
		       h.nr_counters, h.nr_vip_counters, h.nr_features,
		       AQ_NR_COUNTERS, AQ_NR_VIP_COUNTERS, AQ_NR_FEATURES);
		return NULL;
	}
	if (h.nr_frames < 1) {
		aq_err(EINVAL, "bad region: nr_frames is 0");
		return NULL;
	}
	if (h.frame_size < sizeof(struct aq_frame) || h.frame_size % 8) {
		aq_err(EINVAL, "bad region: frame_size %u (need a multiple of 8 >= %zu)",
		       h.frame_size, sizeof(struct aq_frame));
		return NULL;
	}
	if (!memchr(h.name, '\0', sizeof(h.name))) {
		aq_err(EINVAL, "bad region: VIP name not NUL-terminated");
		return NULL;
	}

	nb = h.nr_backends;
	nf = h.nr_features;
	ns = h.nr_slots;
	areas[0] = (struct area){ "frames", h.frames_offset,
				  (uint64_t)h.nr_frames * h.frame_size };
	areas[1] = (struct area){ "offered", h.offered_offset, nb * nf * 8 };
	areas[2] = (struct area){ "slots", h.slots_offset, nb * nf * ns * 8 };
	for (i = 0; i < 3; i++)
		if (check_area(&areas[i], h.header_size, h.region_size))
			return NULL;
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (areas_overlap(&areas[i], &areas[j])) {
				aq_err(EINVAL, "bad region: %s and %s areas overlap",
				       areas[i].what, areas[j].what);
				return NULL;
			}

	r = calloc(1, sizeof(*r));
	if (!r) {
		aq_err(ENOMEM, "out of memory");
		return NULL;
	}
	r->base = base;
	r->hdr = base;
	r->nr_backends = h.nr_backends;
	r->nr_slots = h.nr_slots;
	r->nr_features = h.nr_features;
	r->nr_frames = h.nr_frames;
	r->frame_size = h.frame_size;
	r->frames = r->base + h.frames_offset;
	r->offered = (const __u64 *)(r->base + h.offered_offset);
	r->slots = (const __u64 *)(r->base + h.slots_offset);
	r->epoch_ns = h.epoch_ns;
	return r;
}

struct aq_region *aq_region_map(const struct aq_vip_info *vip,
				const char *dev_path)
{
	long page = sysconf(_SC_PAGESIZE);
	struct aq_region *r;
	void *p;
	int fd, e;

	if (!dev_path)
		dev_path = AQ_DEVICE_PATH;
	if (page > 0 && vip->offset % (uint64_t)page) {
		aq_err(EINVAL, "vip %s: offset %llu not page-aligned", vip->name,
		       (unsigned long long)vip->offset);
		return NULL;
	}
	if (vip->size > SIZE_MAX || vip->offset > (uint64_t)INT64_MAX ||
	    (sizeof(off_t) < 8 && vip->offset > 0x7fffffffULL)) {
		aq_err(EOVERFLOW, "vip %s: offset/size too large", vip->name);
		return NULL;
	}
	fd = open(dev_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		aq_err(e, "%s: %s", dev_path, strerror(e));
		return NULL;
	}
	p = mmap(NULL, (size_t)vip->size, PROT_READ, MAP_SHARED, fd,
		 (off_t)vip->offset);
	e = errno;
	close(fd);
	if (p == MAP_FAILED) {
		aq_err(e, "vip %s: mmap %s at offset %llu, %llu bytes: %s",
		       vip->name, dev_path, (unsigned long long)vip->offset,
		       (unsigned long long)vip->size, strerror(e));
		return NULL;
	}
	r = aq_region_attach(p, (size_t)vip->size);
	if (!r) {
		e = errno;
		munmap(p, (size_t)vip->size);
		errno = e;
		return NULL;
	}
	r->map_len = (size_t)vip->size;
	if (strncmp(r->hdr->name, vip->name, AQ_NAME_LEN)) {
		char name[AQ_NAME_LEN];

		aq_field_str(r->hdr->name, AQ_NAME_LEN, name, sizeof(name));
		aq_region_close(r);
		aq_err(ESTALE, "vip %s: region at offset %llu belongs to '%s' (listing out of date?)",
		       vip->name, (unsigned long long)vip->offset, name);
		return NULL;
	}
	return r;
}

struct aq_region *aq_region_open(const char *name, const char *proc_path,
				 const char *dev_path)
{
	struct aq_vip_list list;
	const struct aq_vip_info *vip;
	struct aq_region *r;
	int e;

	if (aq_discovery_load(proc_path, &list))
		return NULL;
	vip = aq_vip_list_find(&list, name);
	if (!vip) {
		aq_vip_list_free(&list);
		aq_err(ENOENT, "no vip named '%s'", name);
		return NULL;
	}
	r = aq_region_map(vip, dev_path);
	e = errno;
	aq_vip_list_free(&list);
	errno = e;
	return r;
}

void aq_region_close(struct aq_region *r)
{
	if (!r)
		return;
	if (r->map_len)
		munmap((void *)r->base, r->map_len);
	free(r);
}

const struct aq_region_header *aq_region_header(const struct aq_region *r)
{
	return r->hdr;
}

uint64_t aq_now_ms(const struct aq_region *r)
{
	struct timespec ts;
	uint64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	return ns > r->epoch_ns ? (ns - r->epoch_ns) / 1000000ULL : 0;
}

/* ---- Snapshots --------------------------------------------------------- */

#define FRAME_WORDS (sizeof(struct aq_frame) / sizeof(__u64))

int aq_snapshot_tries(const struct aq_region *r, struct aq_frame *out,
		      unsigned int max_tries, unsigned int *tries)
{
	unsigned int t;

	if (!max_tries)
		max_tries = AQ_SNAPSHOT_TRIES;
	for (t = 1; t <= max_tries; t++) {
		const __u64 *f;
		__u64 n, s1, s2;
		size_t i;

		if (t > 4)
			sched_yield();
		n = __atomic_load_n(&r->hdr->latest_seq, __ATOMIC_ACQUIRE);
		if (!n) {
			if (tries)
				*tries = t;
			return aq_err(ENODATA, "no snapshot yet");
		}
		f = (const __u64 *)(r->frames + (n % r->nr_frames) * r->frame_size);
		s1 = __atomic_load_n(&f[0], __ATOMIC_ACQUIRE);
		if (s1 != n)
			continue;
		for (i = 0; i < FRAME_WORDS; i++) {
			__u64 w = __atomic_load_n(&f[i], __ATOMIC_RELAXED);

			memcpy((char *)out + i * sizeof(w), &w, sizeof(w));
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);	/* smp_rmb() */
		s2 = __atomic_load_n(&f[0], __ATOMIC_RELAXED);
		if (s2 != n)
			continue;
		out->seq = n;
		if (r->nr_backends < 64)
			out->active &= (1ULL << r->nr_backends) - 1;
		if (tries)
			*tries = t;
		return 0;
	}
	if (tries)
		*tries = max_tries;
	return aq_err(EAGAIN, "no consistent snapshot after %u attempts (writer too fast?)",
		      max_tries);
}

/* ---- Reductions -------------------------------------------------------- */

/*
 * Weights 0.9^(age/1000), age in ms, as the product of three tables indexed
 * by the bytes of the age (decay_t2 * decay_t1 * decay_t0, in that order),
 * each entry pow(0.9, a / 1000.0) for its byte's share a of the age; ages
 * of AQ_DECAY_TABLE_MS or more (results near or below the smallest normal
 * double) call pow() itself. The tables are filled once (pthread_once).
 */
static double decay_t0[256], decay_t1[256], decay_t2[AQ_DECAY_TABLE_MS >> 16];
static pthread_once_t decay_once = PTHREAD_ONCE_INIT;

static void decay_init(void)
{
	unsigned int i;

	for (i = 0; i < 256; i++) {
		decay_t0[i] = pow(0.9, i / 1000.0);
		decay_t1[i] = pow(0.9, (i << 8) / 1000.0);
	}
	for (i = 0; i < AQ_DECAY_TABLE_MS >> 16; i++)
		decay_t2[i] = pow(0.9, (double)(i << 16) / 1000.0);
}

/* From this age on, pow(0.9, age / 1000.0) is 0 (tests/host checks). */
#define DECAY_ZERO_MS	7072225u

static __attribute__((noinline, cold)) double decay_pow(uint32_t age)
{
	return age >= DECAY_ZERO_MS ? 0 : pow(0.9, age / 1000.0);
}

static inline double decay(uint32_t age)
{
	if (__builtin_expect(age >= AQ_DECAY_TABLE_MS, 0))
		return decay_pow(age);
	return decay_t2[age >> 16] * decay_t1[(age >> 8) & 0xff] *
	       decay_t0[age & 0xff];
}

double aq_decay(uint32_t age_ms)
{
	pthread_once(&decay_once, decay_init);
	return decay(age_ms);
}

/* Scratch of one reduction (on the stack: 32 bytes a slot). */
struct red_ws {
	uint32_t v[AQ_MAX_SLOTS];	/* biased value: unsigned order */
	union {
		double w[AQ_MAX_SLOTS];	/* weight */
		uint64_t q[AQ_MAX_SLOTS]; /* then the integer weight of wp90 */
	};
	uint32_t a[AQ_MAX_SLOTS];	/* the values at or above a pivot */
	uint64_t qa[AQ_MAX_SLOTS];	/* and their weights */
	uint32_t c[AQ_MAX_SLOTS], d[AQ_MAX_SLOTS]; /* select rounds */
};

/* At most this many elements, a select compares all pairs. */
#define SELECT_SMALL	16
/* Above 4 SELECT_SMALL, pivots come from this many elements. */
#define SELECT_SAMPLE	8

static uint32_t med3(uint32_t a, uint32_t b, uint32_t c)
{
	if (a > b) {
		uint32_t t = a;

		a = b;
		b = t;
	}
	return c <= a ? a : c >= b ? b : c;
}

/* Two 64-bit lanes (GCC/clang vector extension; SSE2, NEON or scalar). */
typedef uint64_t u64x2 __attribute__((vector_size(16)));

/*
 * The smallest v[i] (i < n <= SELECT_SMALL) with sum{q_j : v_j <= v[i]} >=
 * t (q NULL: 1 each), by comparing all pairs without branches: for the
 * few elements left at the end of a select, and for pivots. Values are
 * held in 64-bit lanes, so that v_j <= v_i is the sign of v_i - v_j, two
 * pairs at a time; padding has a value above any uint32 and weight 0.
 */
static inline __attribute__((always_inline))
uint32_t small_select(const uint32_t *v, const uint64_t *q, unsigned int n,
		      uint64_t t)
{
	union {
		u64x2 x[SELECT_SMALL / 2];
		uint64_t e[SELECT_SMALL];
	} sv, sq;
	uint32_t best = UINT32_MAX;
	unsigned int i, j, nv = (n + 1) / 2;

	for (i = 0; i < 2 * nv; i++) {
		sv.e[i] = i < n ? v[i] : 1ULL << 33;
		sq.e[i] = i < n ? (q ? q[i] : 1) : 0;
	}
	for (i = 0; i < n; i++) {
		u64x2 vi = { sv.e[i], sv.e[i] }, le = { 0, 0 };

		for (j = 0; j < nv; j++) {
			u64x2 neg = (vi - sv.x[j]) >> 63;  /* 1: v_j > v_i */

			le += (neg - 1) & sq.x[j];
		}
		best = le[0] + le[1] >= t && v[i] < best ? v[i] : best;
	}
	return best;
}

/*
 * A pivot for select_weight(): the same select, for a target one eighth
 * lower, on SELECT_SAMPLE elements at equal strides, so that the answer
 * most often lies in the few elements above the pivot.
 */
static inline __attribute__((always_inline))
uint32_t pick_pivot(const uint32_t *v, const uint64_t *q, unsigned int n,
		    uint64_t t, uint64_t tot)
{
	uint32_t sv[SELECT_SAMPLE];
	uint64_t sq[SELECT_SAMPLE], st = 0;
	unsigned int i, step = n / SELECT_SAMPLE;
	double f;

	for (i = 0; i < SELECT_SAMPLE; i++) {
		sv[i] = v[i * step];
		sq[i] = q ? q[i * step] : 1;
		st += sq[i];
	}
	f = (double)t / (double)tot - 1.0 / 8;
	return small_select(sv, sq, SELECT_SAMPLE,
			    f > 0 ? (uint64_t)(f * (double)st) : 0);
}

/*
 * The smallest value x of v[0..n) whose weight sum{q_i : v_i <= x} reaches
 * t (0 < t <= tot = sum q, exact integers, so the order of ties cannot
 * matter), q NULL meaning weight 1 each (x is then the t-th smallest).
 *
 * Each round splits the elements around a pivot, branch-free, into a
 * buffer: those below it from the front, those above from the back
 * (those equal only add their weight), and keeps the side that holds the
 * answer unless the pivot is the answer. Rounds write to (v1, q1) and
 * (v2, q2) in turn; v and q are read by the first round only, so (v2, q2)
 * may be (v, q) when those may be overwritten.
 */
static inline __attribute__((always_inline))
uint32_t select_weight(const uint32_t *v, const uint64_t *q, unsigned int n,
		       uint64_t t, uint64_t tot, uint32_t *v1, uint64_t *q1,
		       uint32_t *v2, uint64_t *q2)
{
	uint32_t *dv[2] = { v1, v2 }, *ov;
	uint64_t *dq[2] = { q1, q2 }, *oq;
	unsigned int i, l, e, d = 0;
	uint64_t lt, eq;

	while (n > SELECT_SMALL) {
		uint32_t piv = n > 4 * SELECT_SMALL ?
			       pick_pivot(v, q, n, t, tot) :
			       med3(v[0], v[n / 2], v[n - 1]);

		ov = dv[d];
		oq = dq[d];
		d ^= 1;
		lt = eq = 0;
		for (i = l = 0, e = n - 1; i < n; i++) {
			uint32_t x = v[i];
			bool below = x < piv, above = x > piv;

			ov[l] = x;
			ov[e] = x;
			if (q) {
				uint64_t y = q[i];

				oq[l] = y;
				oq[e] = y;
				lt += below ? y : 0;
				eq += below || above ? 0 : y;
			}
			l += below;
			e -= above;
		}
		if (!q) {
			lt = l;
			eq = e + 1 - l;
		}
		if (t <= lt) {
			v = ov;
			q = q ? oq : NULL;
			n = l;
			tot = lt;
		} else if (t <= lt + eq) {
			return piv;
		} else {
			v = ov + e + 1;
			q = q ? oq + e + 1 : NULL;
			n = n - 1 - e;
			t -= lt + eq;
			tot -= lt + eq;
		}
	}
	return small_select(v, q, n, t);
}

/*
 * p90 and wp90 of the m values ws->v with weights ws->w (largest in
 * [2^(e-1), 2^e)). One pass turns the weights into the integers ws->q =
 * floor(w 2^(52 - e)) and keeps the values at or above a pivot chosen a
 * little below p90 (from a sample), with their weights, in (a, qa); both
 * selects then work on those few, unless an answer turns out to be below
 * the pivot (wp90 is below p90 when the young samples are small ones).
 */
static void select_both(struct red_ws *ws, unsigned int m, int e,
			uint32_t *p90, uint32_t *wp90)
{
	unsigned int i, n = 0, k = (9 * m + 9) / 10; /* ceil(0.9 m) */
	uint64_t wlo = 0, qsum = 0, t;
	uint32_t piv = 0;

	if (m > 4 * SELECT_SMALL)
		piv = pick_pivot(ws->v, NULL, m, k, m);
	if (e >= -970) {
		double scale = ldexp(1.0, 52 - e);

		for (i = 0; i < m; i++) {
			uint32_t x = ws->v[i];
			/* < 2^53: the signed conversion is exact */
			uint64_t y = (uint64_t)(int64_t)(ws->w[i] * scale);
			bool keep = x >= piv;

			ws->q[i] = y;
			qsum += y;
			ws->a[n] = x;
			ws->qa[n] = y;
			n += keep;
			wlo += keep ? 0 : y;
		}
	} else {			/* 2^(52 - e) is not a double */
		for (i = 0; i < m; i++) {
			uint32_t x = ws->v[i];
			uint64_t y = (uint64_t)(int64_t)ldexp(ws->w[i], 52 - e);
			bool keep = x >= piv;

			ws->q[i] = y;
			qsum += y;
			ws->a[n] = x;
			ws->qa[n] = y;
			n += keep;
			wlo += keep ? 0 : y;
		}
	}
	t = qsum - qsum / 10;		/* ceil(0.9 qsum) */
	/* below piv: m - n values, of weight wlo */
	if (k > m - n)
		*p90 = select_weight(ws->a, NULL, n, k - (m - n), n, ws->c,
				     NULL, ws->d, NULL);
	else
		*p90 = select_weight(ws->v, NULL, m, k, m, ws->c, NULL, ws->d,
				     NULL);
	if (t > wlo)
		*wp90 = select_weight(ws->a, ws->qa, n, t - wlo, qsum - wlo,
				      ws->c, ws->q, ws->a, ws->qa);
	else
		*wp90 = select_weight(ws->v, ws->q, m, t, qsum, ws->a, ws->qa,
				      ws->v, ws->q);
}

static double unbias(uint32_t v, bool is_signed)
{
	return is_signed ? (double)(int32_t)(v ^ 0x80000000u) : (double)v;
}

/*
 * Reduce n slot words (read with one relaxed 64-bit load each: they may be
 * live shared memory).
 */
static inline __attribute__((always_inline))
void reduce_words(const uint64_t *slots, unsigned int n, bool is_signed,
		  uint64_t now_ms, struct red_ws *ws, struct aq_reduction *out)
{
	uint32_t bias = is_signed ? 0x80000000u : 0, now = (uint32_t)now_ms;
	double wsum = 0, wvsum = 0, wmax = 0;
	unsigned __int128 s2 = 0;
	unsigned int i, m = 0;
	uint32_t p90, wp90;
	int64_t s1 = 0;
	__int128 num;
	int e;

	for (i = 0; i < n; i++) {
		uint64_t w = __atomic_load_n(&slots[i], __ATOMIC_RELAXED);
		uint32_t raw, age;
		int64_t x;
		uint64_t ax;
		double wt;

		if (!w)
			continue;
		raw = AQ_SLOT_VALUE(w);
		age = now - AQ_SLOT_TIME_MS(w);
		if (age > UINT32_MAX - AQ_FUTURE_MS)	/* from the (near) future */
			age = 0;
		x = is_signed ? (int64_t)(int32_t)raw : (int64_t)raw;
		ax = (uint64_t)(x < 0 ? -x : x);
		s1 += x;
		s2 += ax * ax;
		wt = decay(age);
		wsum += wt;
		wvsum += wt * (double)x;
		wmax = wt > wmax ? wt : wmax;
		ws->v[m] = raw ^ bias;
		ws->w[m] = wt;
		m++;
	}
	out->samples = m;
	out->mean = out->std = out->p90 = NAN;
	out->wmean = out->wp90 = NAN;
	out->wsum = 0;
	if (!m)
		return;
	out->mean = (double)s1 / m;
	/* n^2 var = n sum(v^2) - sum(v)^2, exact, rounded once to double */
	num = (__int128)m * (__int128)s2 - (__int128)s1 * s1;
	out->std = sqrt((double)num / ((double)m * m));
	out->wsum = wsum;
	if (!(wsum > 0)) {
		/* nearest rank: k = ceil(0.9 n), 1-based */
		out->p90 = unbias(select_weight(ws->v, NULL, m,
						(9 * m + 9) / 10, m, ws->c,
						NULL, ws->d, NULL), is_signed);
		return;
	}
	out->wmean = wvsum / wsum;
	frexp(wmax, &e);		/* 2^(e-1) <= wmax < 2^e */
	select_both(ws, m, e, &p90, &wp90);
	out->p90 = unbias(p90, is_signed);
	out->wp90 = unbias(wp90, is_signed);
}

static void reduce_unsigned(const uint64_t *slots, unsigned int n,
			    uint64_t now_ms, struct red_ws *ws,
			    struct aq_reduction *out)
{
	reduce_words(slots, n, false, now_ms, ws, out);
}

static void reduce_signed(const uint64_t *slots, unsigned int n,
			  uint64_t now_ms, struct red_ws *ws,
			  struct aq_reduction *out)
{
	reduce_words(slots, n, true, now_ms, ws, out);
}

static void reduce_any(const uint64_t *slots, unsigned int n, bool is_signed,
		       uint64_t now_ms, struct red_ws *ws,
		       struct aq_reduction *out)
{
	if (is_signed)
		reduce_signed(slots, n, now_ms, ws, out);
	else
		reduce_unsigned(slots, n, now_ms, ws, out);
}

int aq_reduce_slots(const uint64_t *slots, unsigned int n, bool is_signed,
		    uint64_t now_ms, struct aq_reduction *out)
{
	struct red_ws ws;

	if (n > AQ_MAX_SLOTS)
		return aq_err(EINVAL, "%u slots, at most %d", n, AQ_MAX_SLOTS);
	pthread_once(&decay_once, decay_init);
	out->offered = 0;
	reduce_any(slots, n, is_signed, now_ms, &ws, out);
	return 0;
}

static void reduce_one(const struct aq_region *r, unsigned int backend,
		       unsigned int feature, uint64_t now_ms, struct red_ws *ws,
		       struct aq_reduction *out)
{
	size_t i = (size_t)backend * r->nr_features + feature;

	reduce_any((const uint64_t *)(r->slots + i * r->nr_slots), r->nr_slots,
		   r->hdr->features[feature].flags & AQ_FIELD_SIGNED, now_ms,
		   ws, out);
	out->offered = __atomic_load_n(&r->offered[i], __ATOMIC_RELAXED);
}

int aq_reduce(const struct aq_region *r, unsigned int backend,
	      unsigned int feature, uint64_t now_ms, struct aq_reduction *out)
{
	struct red_ws ws;

	if (backend >= r->nr_backends)
		return aq_err(EINVAL, "backend %u out of range (0..%u)",
			      backend, r->nr_backends - 1);
	if (feature >= r->nr_features)
		return aq_err(EINVAL, "feature %u out of range (0..%u)",
			      feature, r->nr_features - 1);
	pthread_once(&decay_once, decay_init);
	reduce_one(r, backend, feature, now_ms, &ws, out);
	return 0;
}

int aq_reduce_backend(const struct aq_region *r, unsigned int backend,
		      uint64_t now_ms, struct aq_reduction out[AQ_NR_FEATURES])
{
	struct red_ws ws;
	unsigned int f;

	if (backend >= r->nr_backends)
		return aq_err(EINVAL, "backend %u out of range (0..%u)",
			      backend, r->nr_backends - 1);
	pthread_once(&decay_once, decay_init);
	for (f = 0; f < r->nr_features; f++)
		reduce_one(r, backend, f, now_ms, &ws, &out[f]);
	return 0;
}
