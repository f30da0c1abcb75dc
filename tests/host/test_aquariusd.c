// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of aquariusd (user/aquariusd), no kernel needed: the
 * configuration (file syntax, every key's bounds, listen addresses), the
 * rate limit, the action area (sequence protocol, validation, answers),
 * the copy of a region built in memory with the uapi layout (byte for
 * byte, frame windows, a writer racing the copy), the Prometheus text
 * format (escaping, HELP/TYPE, grouping) and the metrics of a synthetic
 * VIP, and HTTP request parsing.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/aquarius.h>

#include "libaquarius.h"
#include "aquarius_shm.h"
#include "tap.h"
#include "../../user/aquariusd/action.h"
#include "../../user/aquariusd/config.h"
#include "../../user/aquariusd/http.h"
#include "../../user/aquariusd/metrics.h"
#include "../../user/aquariusd/mirror.h"
#include "../../user/aquariusd/prom.h"
#include "../../user/aquariusd/ratelimit.h"

#include "synth_region.h"

#define MS 1000000ULL

/* ---- Synthetic regions (the uapi layout, as the kernel lays it out) ------ */

/* All AQ_MAX_BACKENDS columns, VIP 10.0.0.10, named counters and units. */
static void synth_init_full(struct synth *s, unsigned int nr_slots,
			    unsigned int nr_frames)
{
	struct aq_region_header *h;
	int i;

	synth_init(s, AQ_MAX_BACKENDS, nr_slots, nr_frames);
	h = s->h;
	h->vip_addr[3] = 10;
	for (i = 0; i < AQ_NR_COUNTERS; i++)
		snprintf(h->counters[i].name, sizeof(h->counters[i].name), "c%d", i);
	strcpy(h->counters[AQ_C_N_PACKET].name, "n_packet");
	strcpy(h->counters[AQ_C_N_PACKET].unit, "pkt");
	strcpy(h->counters[AQ_C_N_FLOW_ON].name, "n_flow_on");
	for (i = 0; i < AQ_NR_VIP_COUNTERS; i++)
		snprintf(h->vip_counters[i].name, sizeof(h->vip_counters[i].name),
			 "v%d", i);
	for (i = 0; i < AQ_NR_FEATURES; i++)
		strcpy(h->features[i].unit, "us");
	strcpy(h->features[AQ_F_FCT].name, "fct");
	/* Backends in columns 0 and 2. */
	h->backends[0].family = AF_INET;
	memcpy(h->backends[0].addr, "\x0a\x00\x02\x02", 4);
	h->backends[0].port = 8080;
	h->backends[2].family = AF_INET;
	memcpy(h->backends[2].addr, "\x0a\x00\x02\x03", 4);
	h->backends[2].port = 8081;
	h->weights[0] = 3;
	h->weights[2] = 1;
	h->weights_seq = 2;
}

static struct aq_frame *synth_frame(struct synth *s, uint64_t seq)
{
	return (struct aq_frame *)(s->mem + s->h->frames_offset +
				   (size_t)(seq % s->h->nr_frames) * s->h->frame_size);
}

static __u64 *synth_slots(struct synth *s, unsigned int b, unsigned int f)
{
	return (__u64 *)(s->mem + s->h->slots_offset) +
		((size_t)b * AQ_NR_FEATURES + f) * s->h->nr_slots;
}

/* Publish snapshot n with the kernel's protocol, every word derived from n. */
static void synth_publish(struct synth *s, uint64_t n)
{
	uint64_t *f = (uint64_t *)synth_frame(s, n);
	size_t i;

	__atomic_store_n(&f[0], 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (i = 1; i < sizeof(struct aq_frame) / 8; i++)
		__atomic_store_n(&f[i], n * 1000 + i, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&f[0], n, __ATOMIC_RELAXED);
	__atomic_store_n(&s->h->latest_seq, n, __ATOMIC_RELEASE);
}

static bool frame_is(const uint8_t *base, const struct aq_region_header *h,
		     uint64_t n)
{
	const uint64_t *f = (const uint64_t *)(base + h->frames_offset +
					       (size_t)(n % h->nr_frames) * h->frame_size);
	size_t i;

	if (f[0] != n)
		return false;
	for (i = 1; i < sizeof(struct aq_frame) / 8; i++)
		if (f[i] != n * 1000 + i)
			return false;
	return true;
}

/* ---- Configuration ------------------------------------------------------ */

static int parse(struct aqd_config *c, const char *text, char *err)
{
	aqd_config_defaults(c);
	return aqd_config_parse(c, text, "test.conf", err, AQD_CONFIG_ERR_LEN);
}

#define BAD_CONF(text, needle, name)					\
	do {								\
		char _e[AQD_CONFIG_ERR_LEN] = "";			\
		struct aqd_config _c;					\
		int _r = parse(&_c, text, _e);				\
		TAP_CHECK(_r == -EINVAL && strstr(_e, needle), "config: %s", name); \
		if (!strstr(_e, needle))				\
			printf("#   message: '%s'\n", _e);		\
	} while (0)

static void test_config(void)
{
	char err[AQD_CONFIG_ERR_LEN] = "";
	struct aqd_config c;
	bool en;
	char addr[64];
	uint16_t port;
	char longline[2000];

	aqd_config_defaults(&c);
	TAP_CHECK(c.shm_mode == 0660 && c.rate_limit_ms == 100 &&
		  c.poll_ms == 20 && c.resync_ms == 1000 && c.listen_enabled &&
		  !strcmp(c.listen_addr, "127.0.0.1") && c.listen_port == 9470 &&
		  c.log_target == AQD_LOG_STDERR && !c.shm_group_set &&
		  !strcmp(c.device, "/dev/aquarius"),
		  "config: defaults (0660, 100 ms, 127.0.0.1:9470, stderr)");
	TAP_EQ(parse(&c,
		     "# comment\n\n  shm_mode = 0640  \nshm_group=0\n"
		     "rate_limit_ms = 250 # trailing comment\npoll_ms = 5\n"
		     "resync_ms = 300\nlisten = [::1]:9100\nlog = syslog\n"
		     "debug = yes\ndevice = /dev/aq2", err), 0,
	       "config: a complete file parses");
	TAP_CHECK(c.shm_mode == 0640 && c.shm_group_set && c.shm_gid == 0 &&
		  c.rate_limit_ms == 250 && c.poll_ms == 5 && c.resync_ms == 300 &&
		  c.listen_enabled && !strcmp(c.listen_addr, "::1") &&
		  c.listen_port == 9100 && c.log_target == AQD_LOG_SYSLOG &&
		  c.debug && !strcmp(c.device, "/dev/aq2"),
		  "config: every value taken");
	TAP_EQ(parse(&c, "shm_group = root\nlisten = off\n", err), 0,
	       "config: group by name, listen off");
	TAP_CHECK(c.shm_group_set && c.shm_gid == 0 && !c.listen_enabled,
		  "config: group root is gid 0, endpoint disabled");
	TAP_EQ(parse(&c, "rate_limit_ms = 0\n", err), 0,
	       "config: rate limit 0 (no limit) accepted");

	BAD_CONF("frobnicate = 1\n", "test.conf:1: unknown key 'frobnicate'",
		 "unknown key named with file and line");
	BAD_CONF("\n\nshm_mode 0640\n", "test.conf:3: expected 'key = value'",
		 "line without '='");
	BAD_CONF("shm_mode = 0999\n", "shm_mode: '0999' is not an octal mode",
		 "mode with a non-octal digit");
	BAD_CONF("shm_mode = 01777\n", "shm_mode", "mode above 0777");
	BAD_CONF("shm_group = no-such-group-aqd\n", "no group 'no-such-group-aqd'",
		 "unknown group");
	BAD_CONF("rate_limit_ms = 60001\n", "rate_limit_ms: '60001'",
		 "rate limit above 60000");
	BAD_CONF("rate_limit_ms = -1\n", "rate_limit_ms: '-1'", "negative rate limit");
	BAD_CONF("rate_limit_ms = 10x\n", "rate_limit_ms: '10x'", "trailing junk");
	BAD_CONF("poll_ms = 0\n", "poll_ms: '0'", "poll interval 0");
	BAD_CONF("resync_ms = 99\n", "resync_ms: '99'", "resync below 100");
	BAD_CONF("listen = 127.0.0.1\n", "listen: '127.0.0.1'", "listen without port");
	BAD_CONF("listen = 127.0.0.1:0\n", "listen", "listen on port 0");
	BAD_CONF("listen = 127.0.0.1:65536\n", "listen", "listen on port 65536");
	BAD_CONF("listen = ::1:9470\n", "listen", "IPv6 without brackets");
	BAD_CONF("listen = localhost:9470\n", "listen", "host name (numeric only)");
	BAD_CONF("log = file\n", "log: 'file' is not stderr or syslog", "bad log target");
	BAD_CONF("debug = maybe\n", "debug", "bad boolean");
	BAD_CONF("device = dev/aquarius\n", "device", "relative device path");
	BAD_CONF("shm_mode =\n", "test.conf:1: empty value", "empty value");
	BAD_CONF(" = 3\n", "empty key", "empty key");
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	BAD_CONF(longline, "line longer than", "overlong line");

	TAP_CHECK(aqd_config_parse_listen("[fe80::1]:1", &en, addr, sizeof(addr),
					  &port) == 0 && en &&
		  !strcmp(addr, "fe80::1") && port == 1,
		  "config: [fe80::1]:1 parsed");
	TAP_CHECK(aqd_config_load(&c, "/nonexistent/aquariusd.conf", err,
				  sizeof(err)) == -ENOENT,
		  "config: a missing file is -ENOENT");
}

/* ---- Rate limit --------------------------------------------------------- */

static void test_ratelimit(void)
{
	struct aqd_ratelimit rl;
	bool ok;

	aqd_ratelimit_init(&rl, 100 * MS);
	TAP_EQ(aqd_ratelimit_next(&rl), 0, "ratelimit: nothing yet, allowed now");
	/* TAP_CHECK evaluates its condition twice: results first. */
	ok = aqd_ratelimit_take(&rl, 5 * MS);
	TAP_CHECK(ok, "ratelimit: first event allowed");
	ok = aqd_ratelimit_take(&rl, 5 * MS);
	TAP_CHECK(!ok, "ratelimit: same instant refused");
	ok = aqd_ratelimit_take(&rl, 104 * MS);
	TAP_CHECK(!ok, "ratelimit: 99 ms later refused");
	TAP_EQ(aqd_ratelimit_next(&rl), 105 * MS, "ratelimit: next at last + interval");
	ok = aqd_ratelimit_take(&rl, 105 * MS);
	TAP_CHECK(ok, "ratelimit: 100 ms later allowed");
	aqd_ratelimit_set(&rl, 10 * MS);
	ok = aqd_ratelimit_take(&rl, 115 * MS);
	TAP_CHECK(ok, "ratelimit: new interval applies");
	aqd_ratelimit_set(&rl, 0);
	ok = aqd_ratelimit_take(&rl, 115 * MS);
	TAP_CHECK(ok, "ratelimit: interval 0 never refuses");
	aqd_ratelimit_init(&rl, UINT64_MAX);
	aqd_ratelimit_take(&rl, 1);
	ok = aqd_ratelimit_take(&rl, UINT64_MAX - 1);
	TAP_CHECK(aqd_ratelimit_next(&rl) == UINT64_MAX && !ok,
		  "ratelimit: no overflow with a huge interval");
}

/* ---- Action area -------------------------------------------------------- */

/* The controller's side of aquarius_shm.h. */
static uint64_t controller_write(struct aq_shm_action *a, const uint32_t *w,
				 uint32_t n)
{
	uint64_t s = a->request_seq;
	uint32_t i;

	__atomic_store_n(&a->request_seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	a->nr_weights = n;
	for (i = 0; i < n && i < AQ_MAX_BACKENDS; i++)
		a->weights[i] = w[i];
	__atomic_store_n(&a->request_seq, s + 2, __ATOMIC_RELEASE);
	return s + 2;
}

#define BAD_REQ(nr, cols, err, needle, name, ...)			\
	do {								\
		struct aqd_request _q = { .seq = 2, .nr_weights = (nr),	\
					  .weights = { __VA_ARGS__ } };	\
		char _m[160] = "";					\
		int _r = aqd_action_validate(&_q, (cols), _m, sizeof(_m)); \
		TAP_CHECK(_r == (err) && strstr(_m, needle), "action: %s", name); \
		if (_r != (err) || !strstr(_m, needle))			\
			printf("#   got %d '%s'\n", _r, _m);		\
	} while (0)

static void test_action(void)
{
	static struct aq_shm_action a;
	struct aqd_action st;
	uint32_t w[AQ_MAX_BACKENDS] = { 3, 0, 1 };
	uint64_t seq;
	char msg[160];
	bool ok;

	TAP_CHECK(sizeof(struct aq_shm_action) <= AQ_SHM_ACTION_SIZE,
		  "action: struct fits in AQ_SHM_ACTION_SIZE");
	aqd_action_area_init(&a, 1234);
	TAP_CHECK(a.magic == AQ_SHM_ACTION_MAGIC && a.version == AQ_SHM_ACTION_VERSION &&
		  a.size == sizeof(a) && a.daemon_pid == 1234 && a.request_seq == 0 &&
		  a.done_seq == 0, "action: area initialised");
	aqd_action_init(&st, 100 * MS);
	ok = aqd_action_take(&a, &st);
	TAP_CHECK(!ok, "action: request_seq 0 is no request");
	a.request_seq = 1;
	ok = aqd_action_take(&a, &st);
	TAP_CHECK(!ok, "action: odd request_seq (being written) ignored");
	a.request_seq = 0;

	seq = controller_write(&a, w, 3);
	ok = aqd_action_take(&a, &st);
	TAP_CHECK(ok && st.pending && st.req.seq == seq &&
		  st.req.nr_weights == 3 && st.req.weights[0] == 3 &&
		  st.req.weights[2] == 1, "action: request copied");
	ok = aqd_action_take(&a, &st);
	TAP_CHECK(!ok, "action: same request not taken twice");
	TAP_EQ(aqd_action_validate(&st.req, 0x5, msg, sizeof(msg)), 0,
	       "action: valid request (columns 0 and 2 hold backends)");

	w[0] = 7;
	seq = controller_write(&a, w, 3);
	ok = aqd_action_take(&a, &st);
	TAP_CHECK(ok && st.req.seq == seq &&
		  st.req.weights[0] == 7 && st.replaced == 1,
		  "action: a newer request replaces one that waits");

	aqd_action_finish(&a, seq, 0, NULL);
	TAP_CHECK(a.done_seq == seq && a.status == 0 && a.applied == 1 &&
		  a.rejected == 0 && a.message[0] == '\0',
		  "action: applied: done_seq, status 0, applied counted");
	aqd_action_finish(&a, seq + 2, -ERANGE,
			  "a message that is much longer than the area's message field, "
			  "which holds one hundred and twenty-seven characters and a NUL, "
			  "so this is cut");
	TAP_CHECK(a.done_seq == seq + 2 && a.status == -ERANGE && a.rejected == 1 &&
		  strlen(a.message) == AQ_SHM_MSG_LEN - 1,
		  "action: rejected: status, counter, message cut at %d", AQ_SHM_MSG_LEN - 1);

	BAD_REQ(0, 0x1, -EINVAL, "nr_weights 0 is not in 1..64", "0 weights rejected", 1);
	BAD_REQ(65, 0x1, -EINVAL, "nr_weights 65", "65 weights rejected", 1);
	BAD_REQ(3, 0x5, -ERANGE, "weight 65536 of column 2 is above 65535",
		"weight above 65535 rejected", 1, 0, 65536);
	BAD_REQ(3, 0x5, -ERANGE, "weight 4294967295 of column 0",
		"weight 2^32-1 rejected", 0xffffffffu, 0, 1);
	BAD_REQ(2, 0x5, -EINVAL, "column 2 holds a backend but has no weight",
		"a backend without a weight rejected", 1, 0);
	BAD_REQ(3, 0x5, -EINVAL, "column 1 holds no backend but has weight 4",
		"a weight for an empty column rejected", 1, 4, 1);
	BAD_REQ(64, 1ULL << 63, -EINVAL, "column 0 holds no backend",
		"64 weights, only column 63 used, column 0 nonzero", 1);
	{
		struct aqd_request q = { .seq = 2, .nr_weights = 64 };

		q.weights[63] = 65535;
		TAP_EQ(aqd_action_validate(&q, 1ULL << 63, msg, sizeof(msg)), 0,
		       "action: 64 weights, column 63 at the maximum, accepted");
		q.nr_weights = 3;
		q.weights[0] = q.weights[1] = q.weights[2] = 0;
		TAP_EQ(aqd_action_validate(&q, 0x7, msg, sizeof(msg)), 0,
		       "action: all weights 0 (drain all) accepted");
	}
}

/* ---- Region copy -------------------------------------------------------- */

static void test_mirror_static(void)
{
	struct aqd_mirror st = { 0 };
	struct synth s;
	uint8_t *dst;
	char err[256] = "";
	struct aq_region *r;
	static struct aq_frame out;
	uint64_t n;
	int ret;

	synth_init_full(&s, 16, 4);
	dst = aligned_alloc(PAGE, s.size);
	memset(dst, 0, s.size);		/* as ftruncate leaves a new object */
	for (n = 1; n <= 6; n++)
		synth_publish(&s, n);
	synth_slots(&s, 0, AQ_F_FCT)[3] = ((uint64_t)5 << 32) | 1234;
	((uint64_t *)(s.mem + s.h->offered_offset))[AQ_F_FCT] = 9;

	ret = aqd_mirror_pass(dst, s.size, s.mem, s.size, &st, err, sizeof(err));
	TAP_EQ(ret, 0, "mirror: first pass");
	TAP_CHECK(memcmp(dst, s.mem, sizeof(struct aq_region_header)) == 0,
		  "mirror: header equal byte for byte (latest_seq 6 included)");
	TAP_CHECK(memcmp(dst, s.mem, s.size) == 0,
		  "mirror: the whole region equal byte for byte (offered, reservoirs)");
	TAP_CHECK(frame_is(dst, s.h, 3) && frame_is(dst, s.h, 4) &&
		  frame_is(dst, s.h, 5) && frame_is(dst, s.h, 6),
		  "mirror: the ring's frames 3..6 equal the kernel's");
	TAP_CHECK(memcmp(dst + s.h->frames_offset, s.mem + s.h->frames_offset,
			 4 * sizeof(struct aq_frame)) == 0,
		  "mirror: frame area equal byte for byte");
	TAP_CHECK(st.latest_seq == 6 && st.frames_copied == 4 && st.frames_missed == 2,
		  "mirror: 4 copied, 2 already overwritten counted missed");

	r = aq_region_attach(dst, s.size);
	TAP_CHECK(r && aq_snapshot(r, &out) == 0 && out.seq == 6,
		  "mirror: libaquarius reads the copy, newest frame 6");
	aq_region_close(r);

	synth_publish(&s, 7);
	s.h->weights_seq = 3;		/* kernel rewriting: copy must wait */
	ret = aqd_mirror_pass(dst, s.size, s.mem, s.size, &st, err, sizeof(err));
	TAP_EQ(ret, -EAGAIN, "mirror: weights being rewritten: pass retried later");
	s.h->weights[0] = 9;
	s.h->draining = 4;
	s.h->weights_seq = 4;
	ret = aqd_mirror_pass(dst, s.size, s.mem, s.size, &st, err, sizeof(err));
	TAP_CHECK(ret == 0 && ((struct aq_region_header *)dst)->weights[0] == 9 &&
		  ((struct aq_region_header *)dst)->draining == 4 &&
		  ((struct aq_region_header *)dst)->weights_seq == 4,
		  "mirror: new weights set copied with its sequence");
	TAP_CHECK(frame_is(dst, s.h, 7) && st.frames_copied == 5 &&
		  ((struct aq_region_header *)dst)->latest_seq == 7,
		  "mirror: only the new frame 7 copied");

	for (n = 8; n <= 20; n++)
		synth_publish(&s, n);
	ret = aqd_mirror_pass(dst, s.size, s.mem, s.size, &st, err, sizeof(err));
	TAP_CHECK(ret == 0 && st.latest_seq == 20 && frame_is(dst, s.h, 20) &&
		  frame_is(dst, s.h, 17) && st.frames_missed == 2 + 9,
		  "mirror: a gap larger than the ring: newest 4 copied, 9 missed");

	s.h->latest_seq = 3;
	ret = aqd_mirror_pass(dst, s.size, s.mem, s.size, &st, err, sizeof(err));
	TAP_CHECK(ret == -ESTALE && strstr(err, "went back"),
		  "mirror: latest_seq going back is -ESTALE (%s)", err);
	s.h->latest_seq = 20;
	ret = aqd_mirror_pass(dst, s.size - PAGE, s.mem, s.size, &st, err, sizeof(err));
	TAP_EQ(ret, -EMSGSIZE, "mirror: a copy smaller than region_size is -EMSGSIZE");
	s.h->magic = 0;
	ret = aqd_mirror_pass(dst, s.size, s.mem, s.size, &st, err, sizeof(err));
	TAP_CHECK(ret == -EINVAL && strstr(err, "region:"),
		  "mirror: a bad region is refused (%s)", err);
	free(dst);
	synth_free(&s);
}

struct racer {
	struct synth *s;
	volatile int stop;
	uint64_t last;
};

/* The kernel's timer, as fast as it can: frames and weight sets. */
static void *racer_thread(void *arg)
{
	struct racer *w = arg;
	struct aq_region_header *h = w->s->h;
	uint64_t n;
	unsigned int i;

	for (n = 1; !__atomic_load_n(&w->stop, __ATOMIC_RELAXED); n++) {
		synth_publish(w->s, n);
		if (n % 16 == 0) {
			uint32_t s = __atomic_load_n(&h->weights_seq, __ATOMIC_RELAXED);

			__atomic_store_n(&h->weights_seq, s + 1, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_RELEASE);
			for (i = 0; i < AQ_MAX_BACKENDS; i++)
				__atomic_store_n(&h->weights[i], (uint32_t)n, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_RELEASE);
			__atomic_store_n(&h->weights_seq, s + 2, __ATOMIC_RELEASE);
		}
	}
	w->last = n - 1;
	return NULL;
}

static void test_mirror_race(void)
{
	struct aqd_mirror st = { 0 };
	struct racer w = { 0 };
	struct synth s;
	pthread_t t;
	uint8_t *dst;
	char err[256];
	unsigned int pass, bad = 0, torn_w = 0, errors = 0, f;
	uint64_t prev = 0, seq;
	bool monotonic = true;

	synth_init_full(&s, 1, 4);
	s.h->weights[0] = s.h->weights[2] = 0;	/* a set is all equal */
	dst = aligned_alloc(PAGE, s.size);
	memset(dst, 0, s.size);
	w.s = &s;
	pthread_create(&t, NULL, racer_thread, &w);
	for (pass = 0; pass < 20000; pass++) {
		struct aq_region_header *d = (struct aq_region_header *)dst;

		if (aqd_mirror_pass(dst, s.size, s.mem, s.size, &st, err, sizeof(err)))
			errors++;
		seq = d->latest_seq;
		if (seq < prev)
			monotonic = false;
		prev = seq;
		/* Every frame the copy publishes is whole. */
		for (f = 0; f < 4; f++) {
			const uint64_t *fr = (const uint64_t *)(dst + d->frames_offset +
								f * d->frame_size);

			if (fr[0] && !frame_is(dst, d, fr[0]))
				bad++;
		}
		if (d->weights_seq % 2 == 0) {
			for (f = 1; f < AQ_MAX_BACKENDS; f++)
				if (d->weights[f] != d->weights[0])
					torn_w++;
		} else {
			torn_w++;
		}
	}
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	TAP_CHECK(bad == 0, "mirror race: every published frame in the copy is whole (%u passes, %lu frames copied, %lu missed, writer at %llu)",
		  pass, st.frames_copied, st.frames_missed, (unsigned long long)w.last);
	TAP_CHECK(torn_w == 0, "mirror race: the copy's weights set is never torn");
	TAP_CHECK(monotonic, "mirror race: latest_seq of the copy never goes back");
	TAP_CHECK(st.frames_copied > 0, "mirror race: frames were copied");
	TAP_CHECK(st.frames_copied + st.frames_missed <= w.last,
		  "mirror race: each frame counted once, copied or missed");
	printf("# %u passes gave -EAGAIN (weights being rewritten)\n", errors);
	free(dst);
	synth_free(&s);
}

/* ---- Prometheus formatting ---------------------------------------------- */

static void test_prom(void)
{
	struct aqd_buf b;
	struct aqd_label l[2] = { { "vip", "a\"b\\c\nd" }, { "backend", "[::1]:80" } };
	char out[64];

	aqd_buf_init(&b, 1 << 20);
	aqd_prom_family(&b, "x_total", AQD_PROM_COUNTER, "Help with \\ and\nnewline \"quoted\".");
	aqd_prom_sample_u64(&b, "x_total", l, 2, 18446744073709551615ULL);
	aqd_prom_sample_s64(&b, "x_total", NULL, 0, -5);
	aqd_prom_sample(&b, "x_total", l, 1, NAN);
	aqd_prom_sample(&b, "x_total", l, 1, INFINITY);
	aqd_prom_sample(&b, "x_total", l, 1, -INFINITY);
	aqd_prom_sample(&b, "x_total", NULL, 0, 0.1);
	aqd_buf_add(&b, "", 1);
	TAP_CHECK(!b.overflow && !strcmp(b.p,
		"# HELP x_total Help with \\\\ and\\nnewline \"quoted\".\n"
		"# TYPE x_total counter\n"
		"x_total{vip=\"a\\\"b\\\\c\\nd\",backend=\"[::1]:80\"} 18446744073709551615\n"
		"x_total -5\n"
		"x_total{vip=\"a\\\"b\\\\c\\nd\"} NaN\n"
		"x_total{vip=\"a\\\"b\\\\c\\nd\"} +Inf\n"
		"x_total{vip=\"a\\\"b\\\\c\\nd\"} -Inf\n"
		"x_total 0.10000000000000001\n"),
		"prom: HELP escaped (\\\\, \\n), TYPE, labels escaped (\\\\, \\\", \\n), NaN, +Inf, -Inf, u64 max");
	aqd_buf_free(&b);

	aqd_buf_init(&b, 100);
	aqd_prom_family(&b, "a_name_that_is_long", AQD_PROM_GAUGE,
			"A help text long enough to pass the limit of one hundred bytes of this buffer.");
	TAP_CHECK(b.overflow && b.len <= 100, "prom: output bounded, overflow flagged");
	aqd_buf_free(&b);

	TAP_CHECK(aqd_prom_valid_name("aquarius_backend_n_packet_total", false) &&
		  aqd_prom_valid_name("a:b", false) && !aqd_prom_valid_name("a:b", true) &&
		  !aqd_prom_valid_name("1a", false) && !aqd_prom_valid_name("", false) &&
		  !aqd_prom_valid_name("a-b", true), "prom: name validity");
	aqd_prom_sanitize("d-win.x", out, sizeof(out));
	TAP_CHECK(!strcmp(out, "d_win_x"), "prom: field names sanitized (%s)", out);
	aqd_prom_sanitize("9lives", out, sizeof(out));
	TAP_CHECK(!strcmp(out, "_lives"), "prom: leading digit replaced (%s)", out);
}

/* Each sample belongs to the family named by the last # TYPE; each family once. */
static bool well_formed(const char *text, unsigned int *nr_samples, char *why,
			size_t len)
{
	char fam[128] = "", seen[8192] = " ", line[1024], name[128], key[140];
	const char *p = text, *nl;
	bool help_ok = false;

	*nr_samples = 0;
	while (*p) {
		size_t n;

		nl = strchr(p, '\n');
		if (!nl) {
			snprintf(why, len, "no final newline");
			return false;
		}
		n = (size_t)(nl - p);
		if (n >= sizeof(line)) {
			snprintf(why, len, "line too long");
			return false;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			sscanf(line + 7, "%127s", name);
			snprintf(key, sizeof(key), " %s ", name);
			if (strstr(seen, key)) {
				snprintf(why, len, "family %s twice", name);
				return false;
			}
			if (strlen(seen) + strlen(key) >= sizeof(seen))
				return false;
			strcat(seen, name);
			strcat(seen, " ");
			snprintf(fam, sizeof(fam), "%s", name);
			help_ok = true;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char type[32];

			if (sscanf(line + 7, "%127s %31s", name, type) != 2 ||
			    strcmp(name, fam) || !help_ok ||
			    (strcmp(type, "counter") && strcmp(type, "gauge"))) {
				snprintf(why, len, "bad TYPE line '%s'", line);
				return false;
			}
			help_ok = false;
			continue;
		}
		n = strcspn(line, "{ ");
		if (n != strlen(fam) || strncmp(line, fam, n) || help_ok) {
			snprintf(why, len, "sample '%s' outside its family '%s'", line, fam);
			return false;
		}
		(*nr_samples)++;
	}
	return true;
}

static void test_metrics(void)
{
	static struct aqd_vips vs;
	static struct aqd_vip v;
	struct aqd_health h = { .start_time = 1700000000.5, .connected = true,
				.connects = 2, .scrapes = 1 };
	struct aqd_buf b;
	struct synth s;
	char why[256] = "";
	unsigned int samples;
	struct aq_frame *f;
	uint64_t now;
	int ret;

	synth_init_full(&s, 8, 4);
	s.h->epoch_ns = 0;
	f = synth_frame(&s, 1);
	f->seq = 1;
	f->time_ns = 1;
	f->active = 0x5;
	f->counters[0][AQ_C_N_PACKET] = 123;
	f->counters[2][AQ_C_N_PACKET] = 45;
	f->counters[0][AQ_C_N_FLOW_ON] = (uint64_t)-2;
	f->vip_counters[1] = 7;
	s.h->latest_seq = 1;
	/* Two samples of fct on column 0: 100 and 300 us. */
	{
		struct aq_region *r = aq_region_attach(s.mem, s.size);

		now = aq_now_ms(r);
		aq_region_close(r);
	}
	synth_slots(&s, 0, AQ_F_FCT)[0] = ((now + 1) << 32) | 100;
	synth_slots(&s, 0, AQ_F_FCT)[5] = ((now + 1) << 32) | 300;
	((uint64_t *)(s.mem + s.h->offered_offset))[AQ_F_FCT] = 11;

	memset(&vs, 0, sizeof(vs));
	memset(&v, 0, sizeof(v));
	strcpy(v.name, "web");
	v.shm.base = s.mem;
	v.shm.region_size = s.size;
	vs.v[0] = &v;
	vs.nr = 1;
	vs.stats.applied = 3;

	aqd_buf_init(&b, 4 << 20);
	ret = aqd_metrics_write(&b, &vs, &h);
	aqd_buf_add(&b, "", 1);
	TAP_CHECK(ret == 0 && b.p, "metrics: written");
	if (!b.p)
		return;
	if (getenv("AQD_METRICS_OUT")) {	/* for promtool check metrics */
		FILE *o = fopen(getenv("AQD_METRICS_OUT"), "w");

		if (o) {
			fputs(b.p, o);
			fclose(o);
		}
	}
	TAP_CHECK(well_formed(b.p, &samples, why, sizeof(why)),
		  "metrics: each family has HELP and TYPE once, its samples follow it (%s)", why);
	/* Prometheus' own linter, when installed (scripts/install-deps.sh). */
	if (access("/usr/bin/promtool", X_OK) == 0) {
		FILE *o = popen("/usr/bin/promtool check metrics", "w");
		int st = -1;

		if (o) {
			fputs(b.p, o);
			st = pclose(o);
		}
		TAP_CHECK(st == 0, "metrics: promtool check metrics accepts the output (lint included)");
	} else {
		printf("ok %d - metrics: promtool # SKIP not installed\n", ++tap_count);
	}
	TAP_CHECK(strstr(b.p, "aquarius_vip_info{vip=\"web\",address=\"10.0.0.10\",port=\"80\",proto=\"tcp\",mode=\"observe\",sched=\"maglev\"} 1\n") != NULL,
		  "metrics: VIP info line");
	TAP_CHECK(strstr(b.p, "# TYPE aquarius_backend_n_packet_total counter\n") &&
		  strstr(b.p, "aquarius_backend_n_packet_total{vip=\"web\",backend=\"10.0.2.2:8080\",column=\"0\"} 123\n") &&
		  strstr(b.p, "aquarius_backend_n_packet_total{vip=\"web\",backend=\"10.0.2.3:8081\",column=\"2\"} 45\n"),
		  "metrics: per-backend counters with vip, backend, column labels");
	TAP_CHECK(strstr(b.p, "# TYPE aquarius_backend_n_flow_on gauge\n") &&
		  strstr(b.p, "aquarius_backend_n_flow_on{vip=\"web\",backend=\"10.0.2.2:8080\",column=\"0\"} -2\n"),
		  "metrics: signed counter n_flow_on as a gauge, negative value");
	TAP_CHECK(!strstr(b.p, "column=\"1\""), "metrics: empty columns left out");
	TAP_CHECK(strstr(b.p, "aquarius_vip_v1_total{vip=\"web\"} 7\n") != NULL,
		  "metrics: VIP counters");
	TAP_CHECK(strstr(b.p, "aquarius_backend_weight{vip=\"web\",backend=\"10.0.2.2:8080\",column=\"0\"} 3\n") &&
		  strstr(b.p, "aquarius_backend_active{vip=\"web\",backend=\"10.0.2.3:8081\",column=\"2\"} 1\n"),
		  "metrics: weight and active");
	TAP_CHECK(strstr(b.p, "aquarius_feature_mean{vip=\"web\",backend=\"10.0.2.2:8080\",column=\"0\",feature=\"fct\",unit=\"us\"} 200\n") &&
		  strstr(b.p, "aquarius_feature_samples{vip=\"web\",backend=\"10.0.2.2:8080\",column=\"0\",feature=\"fct\",unit=\"us\"} 2\n") &&
		  strstr(b.p, "aquarius_feature_offered_total{vip=\"web\",backend=\"10.0.2.2:8080\",column=\"0\",feature=\"fct\",unit=\"us\"} 11\n") &&
		  strstr(b.p, "aquarius_feature_p90{vip=\"web\",backend=\"10.0.2.2:8080\",column=\"0\",feature=\"fct\",unit=\"us\"} 300\n") &&
		  strstr(b.p, "aquarius_feature_std{vip=\"web\",backend=\"10.0.2.2:8080\",column=\"0\",feature=\"fct\",unit=\"us\"} 100\n"),
		  "metrics: reductions of fct (mean 200, std 100, p90 300, 2 samples, 11 offered)");
	TAP_CHECK(strstr(b.p, "aquarius_feature_mean{vip=\"web\",backend=\"10.0.2.3:8081\",column=\"2\",feature=\"fct\",unit=\"us\"} NaN\n") != NULL,
		  "metrics: an empty reservoir reduces to NaN");
	TAP_CHECK(strstr(b.p, "aquariusd_actions_applied_total 3\n") &&
		  strstr(b.p, "aquariusd_netlink_connected 1\n") &&
		  strstr(b.p, "aquariusd_vips 1\n") &&
		  strstr(b.p, "aquariusd_start_time_seconds 1700000000.5\n"),
		  "metrics: daemon health");
	/* A UDP VIP: TCP-only features left out. */
	s.h->vip_proto = IPPROTO_UDP;
	s.h->features[AQ_F_FCT].flags = AQ_FIELD_TCP_ONLY;
	aqd_metrics_write(&b, &vs, &h);
	aqd_buf_add(&b, "", 1);
	TAP_CHECK(!strstr(b.p, "feature=\"fct\"") && strstr(b.p, "feature=\"f0\""),
		  "metrics: TCP-only features left out for a UDP VIP");
	printf("# %u samples\n", samples);
	aqd_buf_free(&b);
	aqd_buf_init(&b, 1000);
	TAP_EQ(aqd_metrics_write(&b, &vs, &h), -EMSGSIZE,
	       "metrics: output past the limit is an error, not a cut answer");
	aqd_buf_free(&b);
	synth_free(&s);
}

/* ---- HTTP --------------------------------------------------------------- */

static int req(const char *s, char *path)
{
	return aqd_http_parse_request(s, strlen(s), path, AQD_HTTP_PATH_MAX);
}

static void test_http(void)
{
	char path[AQD_HTTP_PATH_MAX];

	TAP_CHECK(req("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", path) == 0 &&
		  !strcmp(path, "/metrics"), "http: GET /metrics");
	TAP_CHECK(req("GET /metrics?x=1 HTTP/1.0\n\n", path) == 0 &&
		  !strcmp(path, "/metrics"), "http: query string dropped, bare LF accepted");
	TAP_EQ(req("GET /metrics HTTP/1.1\r\nHost: x\r\n", path), -EAGAIN,
	       "http: incomplete head waits");
	TAP_EQ(req("POST /metrics HTTP/1.1\r\n\r\n", path), -EOPNOTSUPP,
	       "http: POST is 405");
	TAP_EQ(req("GET metrics HTTP/1.1\r\n\r\n", path), -EINVAL,
	       "http: path without / is 400");
	TAP_EQ(req("GET /metrics\r\n\r\n", path), -EINVAL, "http: no version is 400");
	TAP_EQ(req("GET /metrics SPDY/3\r\n\r\n", path), -EINVAL, "http: not HTTP is 400");
	{
		char big[600];

		memset(big, 'a', sizeof(big));
		memcpy(big, "GET /", 5);
		strcpy(big + 400, " HTTP/1.0\r\n\r\n");
		TAP_EQ(req(big, path), -EINVAL, "http: overlong path is 400");
	}
}

int main(void)
{
	aqd_log_open(AQD_LOG_STDERR, false);
	test_config();
	test_ratelimit();
	test_action();
	test_mirror_static();
	test_mirror_race();
	test_prom();
	test_metrics();
	test_http();
	return tap_done();
}
