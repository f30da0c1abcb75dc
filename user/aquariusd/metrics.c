// SPDX-License-Identifier: GPL-2.0
#include "metrics.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "libaquarius.h"

#define NAME_LEN	96

/* What one scrape reads of one VIP: its copy validated, one frame. */
struct vip_view {
	const struct aqd_vip *vip;
	struct aq_region *r;
	const struct aq_region_header *h;
	bool has_frame;
	struct aq_frame frame;
	uint64_t now_ms;
	char backend[AQ_MAX_BACKENDS][64];	/* [48]:65535 fits */	/* "addr:port" */
	char column[AQ_MAX_BACKENDS][12];
	struct aq_reduction *red;		/* [backend][feature], present ones */
};

static const char *const mode_names[] = { "observe", "nat", "ipip" };
static const char *const sched_names[] = { "maglev", "sed", "lsq", "random" };

static bool has_backend(const struct vip_view *w, unsigned int c)
{
	return w->h->backends[c].family != 0;
}

static bool feature_applies(const struct vip_view *w, unsigned int f)
{
	return !(w->h->features[f].flags & AQ_FIELD_TCP_ONLY) ||
	       w->h->vip_proto == IPPROTO_TCP;
}

static void endpoint(int family, const uint8_t addr[16], unsigned int port,
		     char *buf, size_t len)
{
	char a[48];	/* INET6_ADDRSTRLEN */

	aq_addr_str(family, addr, a, sizeof(a));
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

static int view_open(struct vip_view *w, const struct aqd_vip *v)
{
	unsigned int c, f;
	int err;

	memset(w, 0, sizeof(*w));
	w->vip = v;
	w->r = aq_region_attach(v->shm.base, v->shm.region_size);
	if (!w->r)
		return -errno;
	w->h = aq_region_header(w->r);
	w->has_frame = aq_snapshot(w->r, &w->frame) == 0;
	w->now_ms = aq_now_ms(w->r);
	w->red = calloc((size_t)w->h->nr_backends * w->h->nr_features,
			sizeof(*w->red));
	if (!w->red) {
		aq_region_close(w->r);
		w->r = NULL;
		return -ENOMEM;
	}
	for (c = 0; c < w->h->nr_backends; c++) {
		const struct aq_backend_desc *b = &w->h->backends[c];

		if (!has_backend(w, c))
			continue;
		endpoint(b->family, b->addr, b->port, w->backend[c],
			 sizeof(w->backend[c]));
		snprintf(w->column[c], sizeof(w->column[c]), "%u", c);
		for (f = 0; f < w->h->nr_features; f++) {
			struct aq_reduction *red = &w->red[c * w->h->nr_features + f];

			err = aq_reduce(w->r, c, f, w->now_ms, red);
			if (err)
				red->samples = 0, red->mean = red->std = red->p90 =
					red->wmean = red->wp90 = NAN;
		}
	}
	return 0;
}

static void view_close(struct vip_view *w)
{
	free(w->red);
	aq_region_close(w->r);
}

static void field_name(const struct aq_field_desc *d, char *out, size_t len)
{
	char raw[sizeof(d->name) + 1];

	aq_field_str(d->name, sizeof(d->name), raw, sizeof(raw));
	aqd_prom_sanitize(raw, out, len);
}

static void field_unit(const struct aq_field_desc *d, char *out, size_t len)
{
	aq_field_str(d->unit, sizeof(d->unit), out, len);
}

/* ---- VIPs ---------------------------------------------------------------- */

static void vip_families(struct aqd_buf *b, struct vip_view *ws, unsigned int n)
{
	char name[NAME_LEN], fname[32], unit[16], addr[64], port[8], help[160];
	struct aqd_label l[6];
	unsigned int i, k;

	aqd_prom_family(b, "aquarius_vip_info", AQD_PROM_GAUGE,
			"A VIP served by aquariusd (always 1), with its address, protocol, mode and scheduler.");
	for (i = 0; i < n; i++) {
		const struct aq_region_header *h = ws[i].h;

		aq_addr_str(h->vip_family, h->vip_addr, addr, sizeof(addr));
		snprintf(port, sizeof(port), "%u", h->vip_port);
		l[0] = (struct aqd_label){ "vip", ws[i].vip->name };
		l[1] = (struct aqd_label){ "address", addr };
		l[2] = (struct aqd_label){ "port", port };
		l[3] = (struct aqd_label){ "proto", aq_proto_name(h->vip_proto) };
		l[4] = (struct aqd_label){ "mode", h->mode < 3 ? mode_names[h->mode] : "?" };
		l[5] = (struct aqd_label){ "sched", h->sched < 4 ? sched_names[h->sched] : "?" };
		aqd_prom_sample_u64(b, "aquarius_vip_info", l, 6, 1);
	}
	aqd_prom_family(b, "aquarius_vip_snapshot_sequence", AQD_PROM_GAUGE,
			"Sequence number of the newest snapshot (frame) copied.");
	for (i = 0; i < n; i++) {
		l[0] = (struct aqd_label){ "vip", ws[i].vip->name };
		if (ws[i].has_frame)
			aqd_prom_sample_u64(b, "aquarius_vip_snapshot_sequence",
					    l, 1, ws[i].frame.seq);
	}
	aqd_prom_family(b, "aquarius_vip_snapshot_age_seconds", AQD_PROM_GAUGE,
			"Age of the newest snapshot copied (CLOCK_MONOTONIC).");
	for (i = 0; i < n; i++) {
		struct timespec ts;
		double now;

		if (!ws[i].has_frame)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
		l[0] = (struct aqd_label){ "vip", ws[i].vip->name };
		aqd_prom_sample(b, "aquarius_vip_snapshot_age_seconds", l, 1,
				now - ws[i].frame.time_ns / 1e9);
	}
	if (!n)
		return;
	/* Counter names from the first VIP's region; others must agree. */
	for (k = 0; k < ws[0].h->nr_vip_counters; k++) {
		field_name(&ws[0].h->vip_counters[k], fname, sizeof(fname));
		field_unit(&ws[0].h->vip_counters[k], unit, sizeof(unit));
		snprintf(name, sizeof(name), "aquarius_vip_%s_total", fname);
		snprintf(help, sizeof(help),
			 "Per-VIP counter %s of the aquarius module (%s), cumulative.",
			 fname, unit);
		aqd_prom_family(b, name, AQD_PROM_COUNTER, help);
		for (i = 0; i < n; i++) {
			char other[32];

			field_name(&ws[i].h->vip_counters[k], other, sizeof(other));
			if (!ws[i].has_frame || strcmp(other, fname))
				continue;
			l[0] = (struct aqd_label){ "vip", ws[i].vip->name };
			aqd_prom_sample_u64(b, name, l, 1,
					    ws[i].frame.vip_counters[k]);
		}
	}
}

/* ---- Backends ------------------------------------------------------------ */

static unsigned int backend_labels(const struct vip_view *w, unsigned int c,
				   struct aqd_label *l)
{
	l[0] = (struct aqd_label){ "vip", w->vip->name };
	l[1] = (struct aqd_label){ "backend", w->backend[c] };
	l[2] = (struct aqd_label){ "column", w->column[c] };
	return 3;
}

static void backend_families(struct aqd_buf *b, struct vip_view *ws,
			     unsigned int n)
{
	char name[NAME_LEN], fname[32], unit[16], help[160];
	struct aqd_label l[3];
	unsigned int i, c, k, nr;
	bool is_signed;

	aqd_prom_family(b, "aquarius_backend_active", AQD_PROM_GAUGE,
			"1 if the backend is active in the newest snapshot.");
	for (i = 0; i < n; i++)
		for (c = 0; c < ws[i].h->nr_backends && ws[i].has_frame; c++)
			if (has_backend(&ws[i], c)) {
				nr = backend_labels(&ws[i], c, l);
				aqd_prom_sample_u64(b, "aquarius_backend_active", l, nr,
						    (ws[i].frame.active >> c) & 1);
			}
	aqd_prom_family(b, "aquarius_backend_weight", AQD_PROM_GAUGE,
			"Configured weight of the backend (0..65535).");
	for (i = 0; i < n; i++)
		for (c = 0; c < ws[i].h->nr_backends; c++)
			if (has_backend(&ws[i], c)) {
				nr = backend_labels(&ws[i], c, l);
				aqd_prom_sample_u64(b, "aquarius_backend_weight", l, nr,
						    ws[i].h->weights[c]);
			}
	aqd_prom_family(b, "aquarius_backend_draining", AQD_PROM_GAUGE,
			"1 if the backend drains (receives no new flows).");
	for (i = 0; i < n; i++)
		for (c = 0; c < ws[i].h->nr_backends; c++)
			if (has_backend(&ws[i], c)) {
				nr = backend_labels(&ws[i], c, l);
				aqd_prom_sample_u64(b, "aquarius_backend_draining", l, nr,
						    (ws[i].h->draining >> c) & 1);
			}
	if (!n)
		return;
	for (k = 0; k < ws[0].h->nr_counters; k++) {
		field_name(&ws[0].h->counters[k], fname, sizeof(fname));
		field_unit(&ws[0].h->counters[k], unit, sizeof(unit));
		is_signed = ws[0].h->counters[k].flags & AQ_FIELD_SIGNED;
		snprintf(name, sizeof(name), "aquarius_backend_%s%s", fname,
			 is_signed ? "" : "_total");
		snprintf(help, sizeof(help),
			 is_signed ? "Per-backend gauge %s of the aquarius module (%s)."
				   : "Per-backend counter %s of the aquarius module (%s), cumulative.",
			 fname, unit);
		aqd_prom_family(b, name, is_signed ? AQD_PROM_GAUGE : AQD_PROM_COUNTER,
				help);
		for (i = 0; i < n; i++) {
			char other[32];

			field_name(&ws[i].h->counters[k], other, sizeof(other));
			if (!ws[i].has_frame || strcmp(other, fname))
				continue;
			for (c = 0; c < ws[i].h->nr_backends; c++) {
				uint64_t v = ws[i].frame.counters[c][k];

				if (!has_backend(&ws[i], c))
					continue;
				nr = backend_labels(&ws[i], c, l);
				if (is_signed)
					aqd_prom_sample_s64(b, name, l, nr, (int64_t)v);
				else
					aqd_prom_sample_u64(b, name, l, nr, v);
			}
		}
	}
}

/* ---- Features ------------------------------------------------------------ */

enum red_field { R_SAMPLES, R_OFFERED, R_MEAN, R_STD, R_P90, R_WMEAN, R_WP90, R_NR };

static const struct {
	const char *name;
	enum aqd_prom_type type;
	const char *help;
} red_families[R_NR] = {
	[R_SAMPLES] = { "aquarius_feature_samples", AQD_PROM_GAUGE,
			"Non-empty reservoir slots of the feature." },
	[R_OFFERED] = { "aquarius_feature_offered_total", AQD_PROM_COUNTER,
			"Samples offered to the reservoir so far." },
	[R_MEAN] = { "aquarius_feature_mean", AQD_PROM_GAUGE,
		     "Mean of the reservoir samples, in the feature's unit." },
	[R_STD] = { "aquarius_feature_std", AQD_PROM_GAUGE,
		    "Population standard deviation of the reservoir samples." },
	[R_P90] = { "aquarius_feature_p90", AQD_PROM_GAUGE,
		    "90th percentile (nearest rank) of the reservoir samples." },
	[R_WMEAN] = { "aquarius_feature_wmean", AQD_PROM_GAUGE,
		      "Mean of the reservoir samples weighted by 0.9^age_s." },
	[R_WP90] = { "aquarius_feature_wp90", AQD_PROM_GAUGE,
		     "90th percentile of the samples weighted by 0.9^age_s." },
};

static void feature_families(struct aqd_buf *b, struct vip_view *ws,
			     unsigned int n)
{
	char fname[32], unit[16];
	struct aqd_label l[5];
	unsigned int i, c, f, r;

	for (r = 0; r < R_NR; r++) {
		aqd_prom_family(b, red_families[r].name, red_families[r].type,
				red_families[r].help);
		for (i = 0; i < n; i++) {
			const struct vip_view *w = &ws[i];

			for (c = 0; c < w->h->nr_backends; c++) {
				if (!has_backend(w, c))
					continue;
				backend_labels(w, c, l);
				for (f = 0; f < w->h->nr_features; f++) {
					const struct aq_reduction *red =
						&w->red[c * w->h->nr_features + f];

					if (!feature_applies(w, f))
						continue;
					field_name(&w->h->features[f], fname, sizeof(fname));
					field_unit(&w->h->features[f], unit, sizeof(unit));
					l[3] = (struct aqd_label){ "feature", fname };
					l[4] = (struct aqd_label){ "unit", unit };
					switch (r) {
					case R_SAMPLES:
						aqd_prom_sample_u64(b, red_families[r].name, l, 5, red->samples);
						break;
					case R_OFFERED:
						aqd_prom_sample_u64(b, red_families[r].name, l, 5, red->offered);
						break;
					case R_MEAN:
						aqd_prom_sample(b, red_families[r].name, l, 5, red->mean);
						break;
					case R_STD:
						aqd_prom_sample(b, red_families[r].name, l, 5, red->std);
						break;
					case R_P90:
						aqd_prom_sample(b, red_families[r].name, l, 5, red->p90);
						break;
					case R_WMEAN:
						aqd_prom_sample(b, red_families[r].name, l, 5, red->wmean);
						break;
					default:
						aqd_prom_sample(b, red_families[r].name, l, 5, red->wp90);
						break;
					}
				}
			}
		}
	}
}

/* ---- Daemon -------------------------------------------------------------- */

static void health_one(struct aqd_buf *b, const char *name,
		       enum aqd_prom_type type, const char *help, double v)
{
	aqd_prom_family(b, name, type, help);
	aqd_prom_sample(b, name, NULL, 0, v);
}

static void health_families(struct aqd_buf *b, const struct aqd_vips *vs,
			    const struct aqd_health *h, unsigned int nr_shm)
{
	const struct aqd_stats *s = &vs->stats;

	health_one(b, "aquariusd_start_time_seconds", AQD_PROM_GAUGE,
		   "Start time of the daemon, seconds since the Unix epoch.",
		   h->start_time);
	health_one(b, "aquariusd_netlink_connected", AQD_PROM_GAUGE,
		   "1 if the aquarius netlink family is found (module loaded).",
		   h->connected);
	health_one(b, "aquariusd_netlink_connects_total", AQD_PROM_COUNTER,
		   "Successful connections to the netlink family.", h->connects);
	health_one(b, "aquariusd_netlink_events_total", AQD_PROM_COUNTER,
		   "Netlink event messages received.", h->events);
	health_one(b, "aquariusd_netlink_events_lost_total", AQD_PROM_COUNTER,
		   "Receive buffer overruns of the event socket (events lost).",
		   h->events_lost);
	health_one(b, "aquariusd_resyncs_total", AQD_PROM_COUNTER,
		   "Full dumps of the VIPs.", h->resyncs);
	health_one(b, "aquariusd_vips", AQD_PROM_GAUGE,
		   "VIPs known to the daemon.", vs->nr);
	health_one(b, "aquariusd_shm_objects", AQD_PROM_GAUGE,
		   "shm objects the daemon keeps.", nr_shm);
	health_one(b, "aquariusd_shm_created_total", AQD_PROM_COUNTER,
		   "shm objects created.", s->shm_created);
	health_one(b, "aquariusd_shm_removed_total", AQD_PROM_COUNTER,
		   "shm objects unlinked.", s->shm_removed);
	health_one(b, "aquariusd_mirror_passes_total", AQD_PROM_COUNTER,
		   "Copies of a kernel region into its shm object.", s->mirror_passes);
	health_one(b, "aquariusd_mirror_errors_total", AQD_PROM_COUNTER,
		   "Copies that failed.", s->mirror_errors);
	health_one(b, "aquariusd_frames_copied_total", AQD_PROM_COUNTER,
		   "Snapshots (frames) copied.", s->frames_copied);
	health_one(b, "aquariusd_frames_missed_total", AQD_PROM_COUNTER,
		   "Snapshots overwritten by the kernel before they were copied.",
		   s->frames_missed);
	health_one(b, "aquariusd_actions_applied_total", AQD_PROM_COUNTER,
		   "Weights requests applied through netlink.", s->applied);
	health_one(b, "aquariusd_actions_rejected_total", AQD_PROM_COUNTER,
		   "Weights requests rejected (invalid, or refused by the kernel).",
		   s->rejected);
	health_one(b, "aquariusd_actions_replaced_total", AQD_PROM_COUNTER,
		   "Weights requests replaced by a newer one while rate-limited.",
		   s->replaced);
	health_one(b, "aquariusd_config_reloads_total", AQD_PROM_COUNTER,
		   "Configuration reloads (SIGHUP) that succeeded.", h->reloads);
	health_one(b, "aquariusd_config_reload_errors_total", AQD_PROM_COUNTER,
		   "Configuration reloads that failed (old settings kept).",
		   h->reload_errors);
	health_one(b, "aquariusd_scrapes_total", AQD_PROM_COUNTER,
		   "Scrapes of this endpoint, this one included.", h->scrapes);
}

int aqd_metrics_write(struct aqd_buf *b, const struct aqd_vips *vs,
		      const struct aqd_health *h)
{
	struct vip_view *ws;
	unsigned int i, n = 0;
	int ret = 0;

	aqd_buf_reset(b);
	ws = calloc(vs->nr ? vs->nr : 1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	for (i = 0; i < vs->nr; i++) {
		if (!vs->v[i]->shm.base)
			continue;
		if (view_open(&ws[n], vs->v[i]) == 0)
			n++;
	}
	vip_families(b, ws, n);
	backend_families(b, ws, n);
	feature_families(b, ws, n);
	health_families(b, vs, h, n);
	for (i = 0; i < n; i++)
		view_close(&ws[i]);
	free(ws);
	if (b->overflow)
		ret = -EMSGSIZE;
	return ret;
}
