// SPDX-License-Identifier: GPL-2.0
/*
 * Per-packet cost of the module's pure-C path (kmod/packet.c,
 * kmod/flowtable.c, kmod/features.c, built against the host shims of
 * tests/host/shim) on a generated trace (trace.h), in four configurations:
 *
 *   parse     aq_parse_packet() only: the baseline
 *   counters  + aq_observe() without a flow table (n_packet and iat_p)
 *   f11       + aq_observe() with the flow table, collecting the paper's
 *             11 features only (n_flow_on, flow_duration, fct: statistics
 *             with features = AQ_FEATURES_PAPER11; the counters stay)
 *   all       + aq_observe() with the flow table: every feature
 *
 * Each configuration starts from fresh state (statistics, flow table with
 * a seeded key), processes the warm-up packets untimed, then the measured
 * ones. Packets go through one of two identical non-inlined functions,
 * pkt_data() for data packets and pkt_ctl() for the others, so that
 * callgrind's inclusive costs split the two classes.
 *
 *   bench [--flows N] [--packets N] [--runs N] [--configs LIST]
 *         [--entries N] [--slots N] [--seed N] [--callgrind]
 *         [--pcap FILE]
 *
 * Timed mode prints per configuration the median over --runs of the ns
 * per packet (clock_gettime(CLOCK_THREAD_CPUTIME_ID) around the measured
 * loop; runs alternate between configurations) and of the ns per
 * data / other packet (a second pass reading the TSC at every packet
 * boundary, scaled to ns by that pass's clock_gettime time; it includes
 * the TSC reads, which cancel in differences between configurations).
 * With --callgrind (run under valgrind --tool=callgrind --instr-atstart=no)
 * each configuration runs once, instrumented only during its measured
 * loop, and dumps its costs under the configuration's name.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>
#include <valgrind/callgrind.h>

#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/random.h>
#include <linux/socket.h>

#include "aq_features.h"
#include "reservoir.h"
#include "trace.h"

#define TIME_BASE_NS	(1000ULL * 1000000000ULL)	/* trace t = 0 */
#define FLOW_TIMEOUT_NS	(40ULL * 1000000000ULL)		/* module default */

enum cfg { CFG_PARSE, CFG_COUNTERS, CFG_F11, CFG_ALL, NR_CFG };

static const char *const cfg_names[NR_CFG] = {
	"parse", "counters", "f11", "all",
};

struct bench {
	enum cfg cfg;
	struct aq_stats s;
	void *region;
	struct aq_flowtable *ft;
	unsigned long n_data, n_ctl, bad;
	u64 sink;
};

/* ---- the measured path ---- */

static inline void process(struct bench *b, const struct aq_trace_rec *r)
{
	u64 now = TIME_BASE_NS + r->t_ns;
	struct aq_pkt pkt;

	if (aq_parse_packet(r->hdr, r->hdr_len, r->pkt_len, AF_INET,
			    &pkt) != AQ_PARSE_OK) {
		b->bad++;
		return;
	}
	switch (b->cfg) {
	case CFG_PARSE:
		b->sink += pkt.seq ^ pkt.tsecr;
		break;
	case CFG_COUNTERS:
		aq_observe(&b->s, r->backend, NULL, &pkt, now);
		break;
	default:	/* f11, all: b->s.features tells */
		aq_observe(&b->s, r->backend, b->ft, &pkt, now);
		break;
	}
}

/* Two copies, told apart by callgrind (distinct bodies: no merging). */
static __attribute__((__noinline__, __noclone__)) void
pkt_data(struct bench *b, const struct aq_trace_rec *r)
{
	b->n_data++;
	process(b, r);
}

static __attribute__((__noinline__, __noclone__)) void
pkt_ctl(struct bench *b, const struct aq_trace_rec *r)
{
	b->n_ctl++;
	process(b, r);
}

static void run_range(struct bench *b, const struct aq_trace *t, size_t from,
		      size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		const struct aq_trace_rec *r = &t->recs[i];

		if (aq_trace_kind_is_data(r->kind))
			pkt_data(b, r);
		else
			pkt_ctl(b, r);
	}
}

/* As run_range(), charging the TSC ticks of each packet to its class. */
static void run_split(struct bench *b, const struct aq_trace *t, size_t from,
		      size_t to, u64 *tsc_data, u64 *tsc_ctl)
{
	u64 t0 = __rdtsc(), t1;
	size_t i;

	for (i = from; i < to; i++) {
		const struct aq_trace_rec *r = &t->recs[i];

		if (aq_trace_kind_is_data(r->kind)) {
			pkt_data(b, r);
			t1 = __rdtsc();
			*tsc_data += t1 - t0;
		} else {
			pkt_ctl(b, r);
			t1 = __rdtsc();
			*tsc_ctl += t1 - t0;
		}
		t0 = t1;
	}
}

struct opts {
	struct aq_trace_params tp;
	unsigned int runs, entries, slots;
	unsigned int cfg_mask;
	bool callgrind;
	const char *pcap;
};

static void setup(struct bench *b, enum cfg cfg, const struct opts *o)
{
	size_t size = aq_stats_region_size(o->slots);

	memset(b, 0, sizeof(*b));
	b->cfg = cfg;
	aq_shim_seed_random(o->tp.seed);
	b->region = aligned_alloc(4096, size);
	if (!b->region ||
	    aq_stats_init(&b->s, b->region, size, o->slots, IPPROTO_TCP,
			  TIME_BASE_NS - 1000000000ULL, 200000000ULL)) {
		fprintf(stderr, "bench: aq_stats_init failed\n");
		exit(2);
	}
	if (cfg == CFG_F11)
		b->s.features = AQ_FEATURES_PAPER11;
	if (cfg == CFG_F11 || cfg == CFG_ALL) {
		b->ft = aq_flowtable_create(o->entries, AQ_FT_DEFAULT_WAYS,
					    FLOW_TIMEOUT_NS, aq_flow_end);
		if (IS_ERR(b->ft)) {
			fprintf(stderr, "bench: aq_flowtable_create failed\n");
			exit(2);
		}
	}
}

static void teardown(struct bench *b)
{
	if (b->bad) {
		fprintf(stderr, "bench: %lu packets did not parse\n", b->bad);
		exit(1);
	}
	if (b->ft)
		aq_flowtable_destroy(b->ft);
	aq_stats_destroy(&b->s);
	free(b->region);
}

static u64 counter_sum(struct aq_stats *s, enum aq_counter c)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < AQ_MAX_BACKENDS; i++)
		sum += aq_stats_counter(s, i, c);
	return sum;
}

/*
 * The thread's CPU time: on a shared 2-core machine the wall clock also
 * counts the time other jobs hold the CPU.
 */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *const counter_names[AQ_NR_COUNTERS] = {
	[AQ_C_N_PACKET] = "n_packet", [AQ_C_N_FLOW] = "n_flow",
	[AQ_C_N_FCT] = "n_fct", [AQ_C_N_FLOW_ON] = "n_flow_on",
	[AQ_C_N_CLS] = "n_cls", [AQ_C_N_OOO] = "n_ooo",
	[AQ_C_N_DPK] = "n_dpk", [AQ_C_N_RTR] = "n_rtr",
};

/* What one configuration's timed runs measured. */
struct timing {
	double *ns, *ns_data, *ns_ctl;
	s64 counters[AQ_NR_COUNTERS];	/* last run, measured window */
};

/* One timed run of @cfg: a plain pass, then a split pass, both fresh. */
static void timed_run(enum cfg cfg, const struct aq_trace *t,
		      const struct opts *o, struct timing *tm, unsigned int r)
{
	size_t w = t->warmup, n = t->n;
	u64 before[AQ_NR_COUNTERS], td = 0, tc = 0;
	struct bench b;
	double t0, t1;
	unsigned int c;

	setup(&b, cfg, o);
	run_range(&b, t, 0, w);
	b.n_data = b.n_ctl = 0;
	for (c = 0; c < AQ_NR_COUNTERS; c++)
		before[c] = counter_sum(&b.s, c);
	t0 = now_s();
	run_range(&b, t, w, n);
	t1 = now_s();
	tm->ns[r] = (t1 - t0) * 1e9 / (n - w);
	for (c = 0; c < AQ_NR_COUNTERS; c++)
		tm->counters[c] = (s64)(counter_sum(&b.s, c) - before[c]);
	aq_stats_snapshot(&b.s, TIME_BASE_NS + t->recs[n - 1].t_ns, ~0ULL);
	teardown(&b);

	setup(&b, cfg, o);
	run_range(&b, t, 0, w);
	b.n_data = b.n_ctl = 0;
	t0 = now_s();
	run_split(&b, t, w, n, &td, &tc);
	t1 = now_s();
	tm->ns_data[r] = (t1 - t0) * 1e9 * td / (double)(td + tc) / b.n_data;
	tm->ns_ctl[r] = (t1 - t0) * 1e9 * tc / (double)(td + tc) / b.n_ctl;
	teardown(&b);
}

/*
 * o->runs rounds, each running every selected configuration once (so that
 * a slow period of a shared machine hits all of them), then the medians.
 */
static void timed(const struct aq_trace *t, const struct opts *o)
{
	struct timing tm[NR_CFG];
	unsigned int r, i, c;
	double med;

	for (i = 0; i < NR_CFG; i++) {
		tm[i].ns = calloc(o->runs, sizeof(double));
		tm[i].ns_data = calloc(o->runs, sizeof(double));
		tm[i].ns_ctl = calloc(o->runs, sizeof(double));
		if (!tm[i].ns || !tm[i].ns_data || !tm[i].ns_ctl)
			exit(2);
	}
	for (r = 0; r < o->runs; r++)
		for (i = 0; i < NR_CFG; i++)
			if (o->cfg_mask & (1U << i))
				timed_run(i, t, o, &tm[i], r);
	for (i = 0; i < NR_CFG; i++) {
		if (!(o->cfg_mask & (1U << i)))
			continue;
		printf("result config=%s flows=%u ns_runs=", cfg_names[i],
		       o->tp.flows);
		for (r = 0; r < o->runs; r++)
			printf("%s%.2f", r ? "," : "", tm[i].ns[r]);
		med = median(tm[i].ns, o->runs);	/* sorts: [0] is the min */
		printf(" ns=%.2f ns_min=%.2f ns_data=%.2f ns_ctl=%.2f", med,
		       tm[i].ns[0], median(tm[i].ns_data, o->runs),
		       median(tm[i].ns_ctl, o->runs));
		for (c = 0; c < AQ_NR_COUNTERS; c++)
			printf(" %s=%lld", counter_names[c],
			       (long long)tm[i].counters[c]);
		printf("\n");
		free(tm[i].ns);
		free(tm[i].ns_data);
		free(tm[i].ns_ctl);
	}
	fflush(stdout);
}

/* One instrumented pass (under callgrind). */
static void instrumented(enum cfg cfg, const struct aq_trace *t,
			 const struct opts *o)
{
	struct bench b;

	setup(&b, cfg, o);
	run_range(&b, t, 0, t->warmup);
	b.n_data = b.n_ctl = 0;
	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_ZERO_STATS;
	run_range(&b, t, t->warmup, t->n);
	CALLGRIND_DUMP_STATS_AT(cfg_names[cfg]);
	CALLGRIND_STOP_INSTRUMENTATION;
	printf("cg config=%s flows=%u packets=%lu data=%lu ctl=%lu\n",
	       cfg_names[cfg], o->tp.flows, b.n_data + b.n_ctl, b.n_data,
	       b.n_ctl);
	fflush(stdout);
	teardown(&b);
}

static unsigned int parse_configs(const char *s)
{
	unsigned int mask = 0, i;
	char *dup = strdup(s), *tok, *save = NULL;

	for (tok = strtok_r(dup, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_CFG; i++)
			if (!strcmp(tok, cfg_names[i]))
				break;
		if (i == NR_CFG) {
			fprintf(stderr, "bench: unknown configuration '%s'\n",
				tok);
			exit(2);
		}
		mask |= 1U << i;
	}
	free(dup);
	return mask;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "packets", required_argument, NULL, 'p' },
		{ "runs", required_argument, NULL, 'r' },
		{ "configs", required_argument, NULL, 'c' },
		{ "entries", required_argument, NULL, 'e' },
		{ "slots", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "callgrind", no_argument, NULL, 'g' },
		{ "pcap", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = {
		.runs = 5, .entries = AQ_FT_DEFAULT_ENTRIES, .slots = 128,
		.cfg_mask = (1U << NR_CFG) - 1,
	};
	struct aq_trace t;
	unsigned int i;
	double t0;
	int opt;

	aq_trace_default_params(&o.tp);
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'f': o.tp.flows = strtoul(optarg, NULL, 0); break;
		case 'p': o.tp.packets = strtoul(optarg, NULL, 0); break;
		case 'r': o.runs = strtoul(optarg, NULL, 0); break;
		case 'c': o.cfg_mask = parse_configs(optarg); break;
		case 'e': o.entries = strtoul(optarg, NULL, 0); break;
		case 's': o.slots = strtoul(optarg, NULL, 0); break;
		case 'S': o.tp.seed = strtoull(optarg, NULL, 0); break;
		case 'g': o.callgrind = true; break;
		case 'P': o.pcap = optarg; break;
		default:
			fprintf(stderr, "usage: see the comment at the top of bench/bench.c\n");
			return 2;
		}
	}
	if (!o.runs || !aq_stats_region_size(o.slots)) {
		fprintf(stderr, "bench: bad --runs or --slots\n");
		return 2;
	}

	t0 = now_s();
	if (aq_trace_generate(&o.tp, &t)) {
		fprintf(stderr, "bench: trace generation failed\n");
		return 2;
	}
	printf("trace flows=%u packets=%zu warmup=%zu connections=%lu data=%lu seconds=%.3f gen_s=%.2f",
	       o.tp.flows, t.n - t.warmup, t.warmup, t.connections, t.data,
	       (t.recs[t.n - 1].t_ns - t.recs[t.warmup].t_ns) * 1e-9,
	       now_s() - t0);
	for (i = 0; i < AQ_NR_TK; i++)
		printf(" tk_%s=%lu", aq_trace_kind_names[i], t.kinds[i]);
	printf(" entries=%u slots=%u\n", o.entries, o.slots);
	fflush(stdout);

	if (o.pcap) {
		if (aq_trace_write_pcap(&t, t.warmup, t.n, o.pcap)) {
			perror(o.pcap);
			return 1;
		}
		return 0;
	}
	if (o.callgrind) {
		for (i = 0; i < NR_CFG; i++)
			if (o.cfg_mask & (1U << i))
				instrumented(i, &t, &o);
	} else {
		timed(&t, &o);
	}
	aq_trace_free(&t);
	return 0;
}
