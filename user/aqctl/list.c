// SPDX-License-Identifier: GPL-2.0
/* aqctl list: the VIPs and their regions (netlink, else the discovery file). */
#include <arpa/inet.h>
#include <stdio.h>

#include "aqctl.h"
#include "discover.h"
#include "json.h"
#include "libaquarius.h"

static void list_json(const struct aqctl_ctx *ctx, const struct aq_vip_list *l)
{
	char a[INET6_ADDRSTRLEN];
	struct json j;
	size_t i;
	unsigned int b;

	json_init(&j, stdout, ctx->pretty);
	json_arr_open(&j, NULL);
	for (i = 0; i < l->nr; i++) {
		const struct aq_vip_info *v = &l->vips[i];

		json_obj_open(&j, NULL);
		json_str(&j, "name", v->name);
		json_str(&j, "proto", aq_proto_name(v->proto));
		json_str(&j, "addr", aq_addr_str(v->family, v->addr, a, sizeof(a)));
		json_u64(&j, "port", v->port);
		json_u64(&j, "offset", v->offset);
		json_u64(&j, "size", v->size);
		json_arr_open(&j, "backends");
		for (b = 0; b < v->nr_backends; b++) {
			const struct aq_backend_info *be = &v->backends[b];

			json_obj_open(&j, NULL);
			json_u64(&j, "column", be->column);
			json_str(&j, "addr", aq_addr_str(be->family, be->addr, a, sizeof(a)));
			json_u64(&j, "port", be->port);
			json_bool(&j, "active", be->active);
			json_obj_close(&j);
		}
		json_arr_close(&j);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_end(&j);
}

static void list_text(const struct aq_vip_list *l)
{
	char a[INET6_ADDRSTRLEN], nb[24];
	size_t i;
	unsigned int b, act;

	printf("%-31s %-5s %-39s %5s %-8s %12s %10s\n", "NAME", "PROTO",
	       "ADDRESS", "PORT", "BACKENDS", "OFFSET", "SIZE");
	for (i = 0; i < l->nr; i++) {
		const struct aq_vip_info *v = &l->vips[i];

		for (act = 0, b = 0; b < v->nr_backends; b++)
			act += v->backends[b].active;
		snprintf(nb, sizeof(nb), "%u/%u", act, v->nr_backends);
		printf("%-31s %-5s %-39s %5u %-8s %#12llx %10llu\n", v->name,
		       aq_proto_name(v->proto),
		       aq_addr_str(v->family, v->addr, a, sizeof(a)), v->port,
		       nb, (unsigned long long)v->offset,
		       (unsigned long long)v->size);
	}
}

int aqctl_list(struct aqctl_ctx *ctx, int argc, char **argv)
{
	struct aq_vip_list l;
	int ret;

	if (aqctl_want_help(ctx, argc, argv))
		return AQCTL_EXIT_OK;
	if (argc != 1)
		return aqctl_usage(ctx);
	ret = aqctl_discover_list(ctx, &l);
	if (ret)
		return ret;
	if (ctx->json)
		list_json(ctx, &l);
	else
		list_text(&l);
	aq_vip_list_free(&l);
	return AQCTL_EXIT_OK;
}
