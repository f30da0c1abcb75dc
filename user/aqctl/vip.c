// SPDX-License-Identifier: GPL-2.0
/*
 * aqctl vip add|del|set|show|list: VIPs through the generic netlink
 * family, and how a VIP of a reply or an event is printed.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aqctl.h"
#include "json.h"
#include "libaquarius.h"
#include "request.h"

/* ---- Printing a VIP -------------------------------------------------------- */

static const char *enum_str(const char *name, unsigned int v, char *buf,
			    size_t len, const char *what)
{
	if (name)
		return name;
	snprintf(buf, len, "%s-%u", what, v);
	return buf;
}

static const char *mode_str(const struct aqmsg_vip *v, char *buf, size_t len)
{
	return enum_str(aqmsg_mode_name(v->mode), v->mode, buf, len, "mode");
}

static const char *sched_str(const struct aqmsg_vip *v, char *buf, size_t len)
{
	return enum_str(aqmsg_sched_name(v->sched), v->sched, buf, len, "sched");
}

void aqctl_vip_json(struct json *j, const char *key, const struct aqmsg_vip *v)
{
	char a[INET6_ADDRSTRLEN], e[16];
	unsigned int i;

	json_obj_open(j, key);
	if (AQMSG_HAS(v, AQ_A_VIP_NAME))
		json_str(j, "name", v->name);
	if (AQMSG_HAS(v, AQ_A_VIP_PROTO))
		json_str(j, "proto", aq_proto_name(v->proto));
	if (AQMSG_HAS(v, AQ_A_VIP_ADDR))
		json_str(j, "addr", aq_addr_str(v->family, v->addr, a, sizeof(a)));
	if (AQMSG_HAS(v, AQ_A_VIP_PORT))
		json_u64(j, "port", v->port);
	if (AQMSG_HAS(v, AQ_A_VIP_MODE))
		json_str(j, "mode", mode_str(v, e, sizeof(e)));
	if (AQMSG_HAS(v, AQ_A_VIP_SCHED))
		json_str(j, "sched", sched_str(v, e, sizeof(e)));
	if (AQMSG_HAS(v, AQ_A_VIP_SNAPSHOT_MS))
		json_u64(j, "snapshot_ms", v->snapshot_ms);
	if (AQMSG_HAS(v, AQ_A_VIP_ID))
		json_u64(j, "id", v->id);
	if (AQMSG_HAS(v, AQ_A_VIP_REGION_OFFSET))
		json_u64(j, "offset", v->region_offset);
	if (AQMSG_HAS(v, AQ_A_VIP_REGION_SIZE))
		json_u64(j, "size", v->region_size);
	if (AQMSG_HAS(v, AQ_A_VIP_BACKENDS)) {
		json_arr_open(j, "backends");
		for (i = 0; i < v->nr_backends; i++) {
			const struct aqmsg_backend *b = &v->backends[i];

			json_obj_open(j, NULL);
			json_u64(j, "column", b->column);
			json_str(j, "addr", aq_addr_str(b->family, b->addr, a, sizeof(a)));
			json_u64(j, "port", b->port);
			json_u64(j, "weight", b->weight);
			json_bool(j, "drain", b->drain);
			json_obj_close(j);
		}
		json_arr_close(j);
	}
	json_obj_close(j);
}

void aqctl_vip_line(FILE *f, const struct aqmsg_vip *v)
{
	char ep[INET6_ADDRSTRLEN + 8], e[16];
	unsigned int i;

	fputs(AQMSG_HAS(v, AQ_A_VIP_NAME) ? v->name : "?", f);
	if (AQMSG_HAS(v, AQ_A_VIP_PROTO))
		fprintf(f, " %s", aq_proto_name(v->proto));
	if (AQMSG_HAS(v, AQ_A_VIP_ADDR))
		fprintf(f, " %s", aqctl_endpoint(v->family, v->addr, v->port,
						 ep, sizeof(ep)));
	if (AQMSG_HAS(v, AQ_A_VIP_MODE))
		fprintf(f, " mode %s", mode_str(v, e, sizeof(e)));
	if (AQMSG_HAS(v, AQ_A_VIP_SCHED))
		fprintf(f, " sched %s", sched_str(v, e, sizeof(e)));
	if (AQMSG_HAS(v, AQ_A_VIP_SNAPSHOT_MS))
		fprintf(f, " snapshot %u", v->snapshot_ms);
	if (AQMSG_HAS(v, AQ_A_VIP_ID))
		fprintf(f, " id %u", v->id);
	if (!AQMSG_HAS(v, AQ_A_VIP_BACKENDS))
		return;
	fprintf(f, " backends %u", v->nr_backends);
	for (i = 0; i < v->nr_backends; i++) {
		const struct aqmsg_backend *b = &v->backends[i];

		fprintf(f, " [%u %s weight %u%s]", b->column,
			aqctl_endpoint(b->family, b->addr, b->port, ep, sizeof(ep)),
			b->weight, b->drain ? " drain" : "");
	}
}

static void vip_text(const struct aqmsg_vip *v)
{
	char ep[INET6_ADDRSTRLEN + 8], a[INET6_ADDRSTRLEN], m[16], s[16];
	unsigned int i;

	printf("vip %s %s %s mode %s sched %s snapshot %u ms\n", v->name,
	       aq_proto_name(v->proto),
	       aqctl_endpoint(v->family, v->addr, v->port, ep, sizeof(ep)),
	       mode_str(v, m, sizeof(m)), sched_str(v, s, sizeof(s)),
	       v->snapshot_ms);
	printf("id %u region offset %#llx size %llu\n", v->id,
	       (unsigned long long)v->region_offset,
	       (unsigned long long)v->region_size);
	if (!v->nr_backends) {
		printf("no backends\n");
		return;
	}
	printf("%-3s %-39s %5s %6s %-5s\n", "COL", "ADDRESS", "PORT", "WEIGHT",
	       "DRAIN");
	for (i = 0; i < v->nr_backends; i++) {
		const struct aqmsg_backend *b = &v->backends[i];

		printf("%-3u %-39s %5u %6u %-5s\n", b->column,
		       aq_addr_str(b->family, b->addr, a, sizeof(a)), b->port,
		       b->weight, b->drain ? "on" : "off");
	}
}

/* ---- Writes ---------------------------------------------------------------- */

int aqctl_vip_add(struct aqctl_ctx *ctx, int argc, char **argv)
{
	return aqctl_nl_write(ctx, AQ_CMD_VIP_NEW, aqmsg_vip_add, argc, argv);
}

int aqctl_vip_del(struct aqctl_ctx *ctx, int argc, char **argv)
{
	return aqctl_nl_write(ctx, AQ_CMD_VIP_DEL, aqmsg_vip_del, argc, argv);
}

int aqctl_vip_set(struct aqctl_ctx *ctx, int argc, char **argv)
{
	return aqctl_nl_write(ctx, AQ_CMD_VIP_SET, aqmsg_vip_set, argc, argv);
}

/* ---- Reads ----------------------------------------------------------------- */

struct vip_out {
	struct aqctl_ctx *ctx;
	struct json j;
	unsigned int nr;
};

static int show_cb(const struct aqmsg_vip *v, void *data)
{
	struct vip_out *o = data;

	if (o->nr++)		/* one reply only */
		return AQCTL_EXIT_OK;
	if (o->ctx->json) {
		json_init(&o->j, stdout, o->ctx->pretty);
		aqctl_vip_json(&o->j, NULL, v);
		json_end(&o->j);
	} else {
		vip_text(v);
	}
	return AQCTL_EXIT_OK;
}

int aqctl_vip_show(struct aqctl_ctx *ctx, int argc, char **argv)
{
	struct vip_out o = { .ctx = ctx };
	struct aqnl_ack ack;
	int ret;

	if (aqctl_want_help(ctx, argc, argv))
		return AQCTL_EXIT_OK;
	ret = aqctl_nl_get(ctx, aqmsg_vip_get, argc, argv, show_cb, &o, false,
			   &ack);
	if (!ret && !o.nr) {
		aqctl_err(ctx, "no reply for VIP '%s'", argv[1]);
		ret = AQCTL_EXIT_ERROR;
	}
	return ret;
}

static int list_cb(const struct aqmsg_vip *v, void *data)
{
	struct vip_out *o = data;
	char a[INET6_ADDRSTRLEN], m[16], s[16];

	o->nr++;
	if (o->ctx->json) {
		aqctl_vip_json(&o->j, NULL, v);
		return AQCTL_EXIT_OK;
	}
	printf("%-31s %-5s %-39s %5u %-7s %-6s %8u %8u\n", v->name,
	       aq_proto_name(v->proto), aq_addr_str(v->family, v->addr, a, sizeof(a)),
	       v->port, mode_str(v, m, sizeof(m)), sched_str(v, s, sizeof(s)),
	       v->snapshot_ms, v->nr_backends);
	return AQCTL_EXIT_OK;
}

int aqctl_vip_list(struct aqctl_ctx *ctx, int argc, char **argv)
{
	struct vip_out o = { .ctx = ctx };
	struct aqnl_ack ack;
	int ret;

	if (aqctl_want_help(ctx, argc, argv))
		return AQCTL_EXIT_OK;
	if (argc != 1)
		return aqctl_usage(ctx);
	if (aqctl_nl_open(ctx, &ack))
		return aqctl_nl_report(ctx, &ack, NULL);
	if (ctx->json) {
		json_init(&o.j, stdout, ctx->pretty);
		json_arr_open(&o.j, NULL);
	} else {
		printf("%-31s %-5s %-39s %5s %-7s %-6s %8s %8s\n", "NAME", "PROTO",
		       "ADDRESS", "PORT", "MODE", "SCHED", "SNAP_MS", "BACKENDS");
	}
	ret = aqctl_nl_get(ctx, NULL, argc, argv, list_cb, &o, false, &ack);
	if (ctx->json) {
		/* Closed even on failure: what was printed stays valid JSON. */
		json_arr_close(&o.j);
		json_end(&o.j);
	}
	return ret;
}
