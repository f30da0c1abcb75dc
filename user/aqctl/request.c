// SPDX-License-Identifier: GPL-2.0
/* aqctl's requests to the aquarius family, see request.h. */
#include "request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

int aqctl_nl_open(struct aqctl_ctx *ctx, struct aqnl_ack *ack)
{
	struct aqnl *nl;
	int err;

	memset(ack, 0, sizeof(*ack));
	if (ctx->nl)
		return 0;
	nl = malloc(sizeof(*nl));
	if (!nl) {
		ack->error = -ENOMEM;
		snprintf(ack->msg, sizeof(ack->msg), "netlink");
		return -ENOMEM;
	}
	err = aqnl_open(nl, AQ_GENL_NAME, AQ_GENL_MCGRP_EVENTS, ack);
	if (err) {
		free(nl);
		return err;
	}
	ctx->nl = nl;
	return 0;
}

void aqctl_nl_close(struct aqctl_ctx *ctx)
{
	if (!ctx->nl)
		return;
	aqnl_close(ctx->nl);
	free(ctx->nl);
	ctx->nl = NULL;
}

bool aqctl_nl_missing(const struct aqnl_ack *ack)
{
	return ack->no_family;
}

int aqctl_nl_report(const struct aqctl_ctx *ctx, const struct aqnl_ack *ack,
		    const struct nlmsghdr *req)
{
	char buf[2 * AQNL_TEXT_LEN];

	if (ack->no_family)
		aqctl_err(ctx, "generic netlink family '%s' not registered (is the aquarius module loaded?)",
			  AQ_GENL_NAME);
	else
		aqctl_err(ctx, "%s", aqmsg_describe_error(ack, req, buf, sizeof(buf)));
	return AQCTL_EXIT_ERROR;
}

static int usage_error(const struct aqctl_ctx *ctx, const struct aqmsg_err *e)
{
	aqctl_err(ctx, "%s", e->msg);
	return aqctl_usage(ctx);
}

int aqctl_nl_write(struct aqctl_ctx *ctx, uint8_t cmd, aqmsg_build_t build,
		   int argc, char **argv)
{
	char buf[AQNL_MSG_LEN];
	struct nlmsghdr *req;
	struct aqmsg_err e;
	struct aqnl_ack ack;

	if (aqctl_want_help(ctx, argc, argv))
		return AQCTL_EXIT_OK;
	/* Checked and built before the socket: a usage error sends nothing. */
	req = aqnl_msg_start(buf, 0, cmd, AQ_GENL_VERSION,
			     NLM_F_REQUEST | NLM_F_ACK);
	if (build(req, argc, argv, &e))
		return usage_error(ctx, &e);
	if (aqctl_nl_open(ctx, &ack))
		return aqctl_nl_report(ctx, &ack, NULL);
	req->nlmsg_type = ctx->nl->family;
	if (aqnl_talk(ctx->nl, req, NULL, NULL, &ack))
		return aqctl_nl_report(ctx, &ack, req);
	return AQCTL_EXIT_OK;
}

struct get {
	const struct aqctl_ctx *ctx;
	uint16_t family;
	aqctl_vip_cb cb;
	void *data;
	int ret;		/* exit code of cb, or of a bad reply */
	struct aqmsg_err err;	/* a bad reply */
	struct aqmsg_vip vip;
};

static int get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct get *g = arg;

	if (nlh->nlmsg_type != g->family)
		return MNL_CB_OK;
	if (aqmsg_parse_vip(nlh, &g->vip, &g->err)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	g->ret = g->cb(&g->vip, g->data);
	if (g->ret) {
		errno = ECANCELED;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int aqctl_nl_get(struct aqctl_ctx *ctx, aqmsg_build_t build, int argc,
		 char **argv, aqctl_vip_cb cb, void *data, bool fallback,
		 struct aqnl_ack *ack)
{
	char buf[AQNL_MSG_LEN];
	struct nlmsghdr *req;
	struct aqmsg_err e;
	struct get *g;
	int err, ret;

	req = aqnl_msg_start(buf, 0, AQ_CMD_VIP_GET, AQ_GENL_VERSION,
			     build ? NLM_F_REQUEST | NLM_F_ACK :
				     NLM_F_REQUEST | NLM_F_DUMP);
	if (build && build(req, argc, argv, &e))
		return usage_error(ctx, &e);
	err = aqctl_nl_open(ctx, ack);
	if (err) {
		if (fallback && aqctl_nl_missing(ack))
			return AQCTL_EXIT_ERROR;
		return aqctl_nl_report(ctx, ack, NULL);
	}
	/* struct aqmsg_vip is a few KiB: not on the stack of a callback chain. */
	g = calloc(1, sizeof(*g));
	if (!g) {
		aqctl_err(ctx, "%s", strerror(ENOMEM));
		return AQCTL_EXIT_ERROR;
	}
	g->ctx = ctx;
	g->family = ctx->nl->family;
	g->cb = cb;
	g->data = data;
	req->nlmsg_type = ctx->nl->family;
	err = aqnl_talk(ctx->nl, req, get_cb, g, ack);
	if (g->ret) {
		ret = g->ret;		/* cb said why */
	} else if (err == -EPROTO && g->err.msg[0]) {
		aqctl_err(ctx, "bad reply from the kernel: %s", g->err.msg);
		ret = AQCTL_EXIT_ERROR;
	} else if (err) {
		if (build && ack->kernel && err == -ENOENT && !ack->msg[0])
			aqctl_err(ctx, "no VIP named '%s'", argv[1]);
		else
			aqctl_nl_report(ctx, ack, req);
		ret = AQCTL_EXIT_ERROR;
	} else {
		ret = AQCTL_EXIT_OK;
	}
	free(g);
	return ret;
}
