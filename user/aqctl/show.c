// SPDX-License-Identifier: GPL-2.0
/*
 * aqctl show VIP: one consistent counter snapshot and, per active backend
 * and feature, the 5 reductions of the reservoir (see libaquarius.h for
 * their exact definitions), as tables or as JSON (-j).
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "aqctl.h"
#include "discover.h"
#include "json.h"
#include "libaquarius.h"

#define NAME_BUF 24

struct show {
	const struct aqctl_ctx *ctx;
	const struct aq_region_header *h;
	struct aq_region *r;
	struct aq_frame frame;
	uint64_t now_ms;
	char counter[AQ_NR_COUNTERS][NAME_BUF];
	char vip_counter[AQ_NR_VIP_COUNTERS][NAME_BUF];
	char feature[AQ_NR_FEATURES][NAME_BUF];
	char unit[AQ_NR_FEATURES][NAME_BUF];
};

static const struct aq_field_desc *cdesc(const struct show *s, int c)
{
	return &s->h->counters[c];
}

/* Features that cannot have samples for this VIP (TCP-only on UDP). */
static bool feature_skipped(const struct show *s, int f)
{
	return s->h->vip_proto != IPPROTO_TCP &&
	       (s->h->features[f].flags & AQ_FIELD_TCP_ONLY);
}

static void load_names(struct show *s)
{
	int i;

	for (i = 0; i < AQ_NR_COUNTERS; i++)
		aq_field_str(s->h->counters[i].name, sizeof(s->h->counters[i].name),
			     s->counter[i], NAME_BUF);
	for (i = 0; i < AQ_NR_VIP_COUNTERS; i++)
		aq_field_str(s->h->vip_counters[i].name,
			     sizeof(s->h->vip_counters[i].name),
			     s->vip_counter[i], NAME_BUF);
	for (i = 0; i < AQ_NR_FEATURES; i++) {
		aq_field_str(s->h->features[i].name, sizeof(s->h->features[i].name),
			     s->feature[i], NAME_BUF);
		aq_field_str(s->h->features[i].unit, sizeof(s->h->features[i].unit),
			     s->unit[i], NAME_BUF);
	}
	/* A field the kernel left unnamed still needs a (JSON) key. */
	for (i = 0; i < AQ_NR_COUNTERS; i++)
		if (!s->counter[i][0])
			snprintf(s->counter[i], NAME_BUF, "counter%d", i);
	for (i = 0; i < AQ_NR_VIP_COUNTERS; i++)
		if (!s->vip_counter[i][0])
			snprintf(s->vip_counter[i], NAME_BUF, "vip_counter%d", i);
	for (i = 0; i < AQ_NR_FEATURES; i++)
		if (!s->feature[i][0])
			snprintf(s->feature[i], NAME_BUF, "feature%d", i);
}

static const char *backend_addr(const struct show *s, int b, char *buf,
				size_t len)
{
	const struct aq_backend_desc *d = &s->h->backends[b];

	if (d->family != AF_INET && d->family != AF_INET6)
		return NULL;
	return aq_addr_str(d->family, d->addr, buf, len);
}

/* ---- JSON --------------------------------------------------------------- */

static void counter_json(struct json *j, const char *key, __u64 v, __u32 flags)
{
	if (flags & AQ_FIELD_SIGNED)
		json_i64(j, key, (int64_t)v);
	else
		json_u64(j, key, v);
}

static int show_json(struct show *s)
{
	const struct aq_region_header *h = s->h;
	char a[INET6_ADDRSTRLEN];
	struct json j;
	int b, c, f;

	json_init(&j, stdout, s->ctx->pretty);
	json_obj_open(&j, NULL);
	json_str(&j, "name", h->name);
	json_str(&j, "proto", aq_proto_name(h->vip_proto));
	json_str(&j, "addr", aq_addr_str(h->vip_family, h->vip_addr, a, sizeof(a)));
	json_u64(&j, "port", h->vip_port);
	json_u64(&j, "seq", s->frame.seq);
	json_u64(&j, "time_ns", s->frame.time_ns);
	json_u64(&j, "now_ms", s->now_ms);
	json_u64(&j, "epoch_ns", h->epoch_ns);
	json_u64(&j, "snapshot_interval_ns", h->snapshot_interval_ns);
	json_u64(&j, "nr_slots", h->nr_slots);
	json_u64(&j, "active", s->frame.active);
	json_obj_open(&j, "vip_counters");
	for (c = 0; c < AQ_NR_VIP_COUNTERS; c++)
		counter_json(&j, s->vip_counter[c], s->frame.vip_counters[c],
			     h->vip_counters[c].flags);
	json_obj_close(&j);
	json_arr_open(&j, "backends");
	aq_for_each_active(b, s->frame.active) {
		json_obj_open(&j, NULL);
		json_u64(&j, "column", (unsigned int)b);
		if (backend_addr(s, b, a, sizeof(a)))
			json_str(&j, "addr", a);
		else
			json_null(&j, "addr");
		json_u64(&j, "port", h->backends[b].port);
		json_obj_open(&j, "counters");
		for (c = 0; c < AQ_NR_COUNTERS; c++)
			counter_json(&j, s->counter[c], s->frame.counters[b][c],
				     cdesc(s, c)->flags);
		json_obj_close(&j);
		json_obj_open(&j, "features");
		for (f = 0; f < AQ_NR_FEATURES; f++) {
			struct aq_reduction red;

			if (feature_skipped(s, f))
				continue;
			if (aq_reduce(s->r, (unsigned int)b, (unsigned int)f,
				      s->now_ms, &red)) {
				aqctl_err(s->ctx, "%s", aq_errmsg());
				return AQCTL_EXIT_ERROR;
			}
			json_obj_open(&j, s->feature[f]);
			json_str(&j, "unit", s->unit[f]);
			json_u64(&j, "samples", red.samples);
			json_u64(&j, "offered", red.offered);
			json_double(&j, "avg", red.mean);
			json_double(&j, "std", red.std);
			json_double(&j, "p90", red.p90);
			json_double(&j, "avg_decay", red.wmean);
			json_double(&j, "p90_decay", red.wp90);
			json_obj_close(&j);
		}
		json_obj_close(&j);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
	json_end(&j);
	return AQCTL_EXIT_OK;
}

/* ---- Text --------------------------------------------------------------- */

static void print_counter(__u64 v, __u32 flags, int width)
{
	if (flags & AQ_FIELD_SIGNED)
		printf(" %*lld", width, (long long)v);
	else
		printf(" %*llu", width, (unsigned long long)v);
}

static void print_real(double v)
{
	if (isnan(v))
		printf(" %12s", "-");
	else
		printf(" %12.1f", v);
}

static int show_text(struct show *s)
{
	const struct aq_region_header *h = s->h;
	char ep[INET6_ADDRSTRLEN + 8], a[INET6_ADDRSTRLEN];
	int b, c, f, w[AQ_NR_COUNTERS], nr_active = 0;
	double age_ms;

	aq_for_each_active(b, s->frame.active)
		nr_active++;
	age_ms = (double)(s->now_ms * 1000000 + h->epoch_ns) / 1e6 -
		 (double)s->frame.time_ns / 1e6;
	printf("vip %s %s %s  seq %llu (%.0f ms ago)  interval %llu ms  slots %u  backends %d active\n",
	       h->name, aq_proto_name(h->vip_proto),
	       aqctl_endpoint(h->vip_family, h->vip_addr, h->vip_port, ep, sizeof(ep)),
	       (unsigned long long)s->frame.seq, age_ms > 0 ? age_ms : 0,
	       (unsigned long long)(h->snapshot_interval_ns / 1000000),
	       h->nr_slots, nr_active);
	printf("unattributed:");
	for (c = 0; c < AQ_NR_VIP_COUNTERS; c++) {
		printf(" %s", s->vip_counter[c]);
		print_counter(s->frame.vip_counters[c], h->vip_counters[c].flags, 0);
	}
	printf("\n");
	if (!nr_active)
		return AQCTL_EXIT_OK;

	/* Counters: one row per active backend. */
	printf("\n%-3s %-47s", "COL", "BACKEND");
	for (c = 0; c < AQ_NR_COUNTERS; c++) {
		w[c] = (int)strlen(s->counter[c]);
		if (w[c] < 10)
			w[c] = 10;
		printf(" %*s", w[c], s->counter[c]);
	}
	printf("\n");
	aq_for_each_active(b, s->frame.active) {
		const char *addr = backend_addr(s, b, a, sizeof(a));

		printf("%-3d %-47s", b, addr ?
		       aqctl_endpoint(h->backends[b].family, h->backends[b].addr,
				      h->backends[b].port, ep, sizeof(ep)) : "-");
		for (c = 0; c < AQ_NR_COUNTERS; c++)
			print_counter(s->frame.counters[b][c], cdesc(s, c)->flags, w[c]);
		printf("\n");
	}

	/* Features: one table per active backend. */
	aq_for_each_active(b, s->frame.active) {
		const char *addr = backend_addr(s, b, a, sizeof(a));

		printf("\nbackend %d %s\n", b, addr ?
		       aqctl_endpoint(h->backends[b].family, h->backends[b].addr,
				      h->backends[b].port, ep, sizeof(ep)) : "-");
		printf("%-16s %-4s %7s %12s %12s %12s %12s %12s %12s\n",
		       "FEATURE", "UNIT", "SAMPLES", "OFFERED", "AVG", "STD", "P90",
		       "AVG_DECAY", "P90_DECAY");
		for (f = 0; f < AQ_NR_FEATURES; f++) {
			struct aq_reduction red;

			if (feature_skipped(s, f))
				continue;
			if (aq_reduce(s->r, (unsigned int)b, (unsigned int)f,
				      s->now_ms, &red)) {
				aqctl_err(s->ctx, "%s", aq_errmsg());
				return AQCTL_EXIT_ERROR;
			}
			printf("%-16s %-4s %7u %12llu", s->feature[f], s->unit[f],
			       red.samples, (unsigned long long)red.offered);
			print_real(red.mean);
			print_real(red.std);
			print_real(red.p90);
			print_real(red.wmean);
			print_real(red.wp90);
			printf("\n");
		}
	}
	return AQCTL_EXIT_OK;
}

int aqctl_show(struct aqctl_ctx *ctx, int argc, char **argv)
{
	struct show s = { .ctx = ctx };
	int ret;

	if (aqctl_want_help(ctx, argc, argv))
		return AQCTL_EXIT_OK;
	if (argc != 2 || argv[1][0] == '-')
		return aqctl_usage(ctx);
	s.r = aqctl_region_open(ctx, argv[1]);
	if (!s.r)
		return AQCTL_EXIT_ERROR;
	s.h = aq_region_header(s.r);
	ret = aq_snapshot(s.r, &s.frame);
	if (ret) {
		aqctl_err(ctx, "vip %s: %s", argv[1], aq_errmsg());
		aq_region_close(s.r);
		return AQCTL_EXIT_ERROR;
	}
	s.now_ms = aq_now_ms(s.r);
	load_names(&s);
	ret = ctx->json ? show_json(&s) : show_text(&s);
	aq_region_close(s.r);
	return ret;
}
