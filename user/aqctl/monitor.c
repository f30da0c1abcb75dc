// SPDX-License-Identifier: GPL-2.0
/*
 * aqctl monitor: the events of the family's multicast group, one line (or
 * one JSON object per line) each, until SIGINT or SIGTERM. A socket of
 * its own, so that events never mix with the answers of other requests.
 */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aqctl.h"
#include "json.h"
#include "request.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct mon {
	struct aqctl_ctx *ctx;
	uint16_t family;
	struct aqmsg_vip vip;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mon *m = data;
	const char *name;
	struct aqmsg_err e;
	char cmd[16];
	struct json j;

	if (nlh->nlmsg_type != m->family)
		return MNL_CB_OK;
	if (aqmsg_parse_vip(nlh, &m->vip, &e)) {
		aqctl_err(m->ctx, "bad event from the kernel: %s", e.msg);
		return MNL_CB_OK;
	}
	name = aqmsg_event_name(m->vip.cmd);
	if (!name) {
		snprintf(cmd, sizeof(cmd), "cmd-%u", m->vip.cmd);
		name = cmd;
	}
	if (m->ctx->json) {
		/* One object per line, whatever -p says. */
		json_init(&j, stdout, false);
		json_obj_open(&j, NULL);
		json_str(&j, "event", name);
		aqctl_vip_json(&j, "vip", &m->vip);
		json_obj_close(&j);
		json_end(&j);
	} else {
		printf("%s ", name);
		aqctl_vip_line(stdout, &m->vip);
		putchar('\n');
	}
	fflush(stdout);
	return MNL_CB_OK;
}

static int watch(struct mon *m, struct aqnl *nl, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sock), .events = POLLIN };
	ssize_t n;

	while (!stop) {
		/* Signals are let in only while waiting: none is missed. */
		if (ppoll(&pfd, 1, NULL, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			aqctl_err(m->ctx, "poll: %s", strerror(errno));
			return AQCTL_EXIT_ERROR;
		}
		n = mnl_socket_recvfrom(nl->sock, nl->buf, AQNL_RECV_LEN);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ENOBUFS) {
				aqctl_err(m->ctx, "events lost (receive buffer overrun)");
				continue;
			}
			aqctl_err(m->ctx, "netlink receive: %s", strerror(errno));
			return AQCTL_EXIT_ERROR;
		}
		/* Events: sequence number and port id 0, not checked. */
		if (mnl_cb_run(nl->buf, (size_t)n, 0, 0, event_cb, m) < 0 &&
		    errno != EINTR) {
			aqctl_err(m->ctx, "netlink: %s", strerror(errno));
			return AQCTL_EXIT_ERROR;
		}
	}
	return AQCTL_EXIT_OK;
}

int aqctl_monitor(struct aqctl_ctx *ctx, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	sigset_t block, old, waitmask;
	struct aqnl_ack ack;
	struct aqnl nl;
	struct mon *m;
	int err, ret;

	if (aqctl_want_help(ctx, argc, argv))
		return AQCTL_EXIT_OK;
	if (argc != 1)
		return aqctl_usage(ctx);
	err = aqnl_open(&nl, AQ_GENL_NAME, AQ_GENL_MCGRP_EVENTS, &ack);
	if (err)
		return aqctl_nl_report(ctx, &ack, NULL);
	if (!nl.mcgrp) {
		aqctl_err(ctx, "family '%s' has no multicast group '%s'",
			  AQ_GENL_NAME, AQ_GENL_MCGRP_EVENTS);
		aqnl_close(&nl);
		return AQCTL_EXIT_ERROR;
	}
	err = aqnl_join(&nl, nl.mcgrp);
	m = calloc(1, sizeof(*m));
	if (err || !m) {
		aqctl_err(ctx, "join group '%s': %s", AQ_GENL_MCGRP_EVENTS,
			  strerror(err ? -err : ENOMEM));
		free(m);
		aqnl_close(&nl);
		return AQCTL_EXIT_ERROR;
	}
	m->ctx = ctx;
	m->family = nl.family;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	waitmask = old;
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	stop = 0;

	ret = watch(m, &nl, &waitmask);

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(m);
	aqnl_close(&nl);
	return ret;
}
