// SPDX-License-Identifier: GPL-2.0
#include "netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/aquarius.h>
#include <linux/genetlink.h>

#include "log.h"

void aqd_nl_init(struct aqd_nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->backoff_ms = AQD_NL_BACKOFF_MIN_MS;
}

static void schedule_retry(struct aqd_nl *nl, uint64_t now_ns)
{
	nl->retry_at_ns = now_ns + (uint64_t)nl->backoff_ms * 1000000ULL;
	nl->backoff_ms *= 2;
	if (nl->backoff_ms > AQD_NL_BACKOFF_MAX_MS)
		nl->backoff_ms = AQD_NL_BACKOFF_MAX_MS;
}

/*
 * The controller's "notify" group on the event socket too: CTRL_CMD_DELFAMILY
 * says at once that the module went away (a fast rmmod + insmod would
 * otherwise keep a socket whose event group membership the kernel dropped).
 * Best effort: without it, the periodic dump notices.
 */
static void join_ctrl_notify(struct aqd_nl *nl)
{
	struct aqnl_ack ack;
	struct aqnl ctrl;
	uint32_t grp;

	if (aqnl_open(&ctrl, "nlctrl", "notify", &ack)) {
		aqd_warn("nlctrl: %s", ack.msg);
		return;
	}
	grp = ctrl.mcgrp;
	aqnl_close(&ctrl);
	if (!grp || aqnl_join(&nl->ev, grp))
		aqd_warn("nlctrl: cannot join group notify");
}

int aqd_nl_connect(struct aqd_nl *nl, uint64_t now_ns, char *err, size_t len)
{
	struct timeval tv = { .tv_sec = AQD_NL_TIMEOUT_MS / 1000,
			      .tv_usec = (AQD_NL_TIMEOUT_MS % 1000) * 1000 };
	struct aqnl_ack ack;
	char why[AQNL_TEXT_LEN + 64];
	int ret, fd;

	if (nl->up)
		return 0;
	ret = aqnl_open(&nl->req, AQ_GENL_NAME, NULL, &ack);
	if (ret) {
		aqmsg_describe_error(&ack, NULL, why, sizeof(why));
		snprintf(err, len, "family %s: %s", AQ_GENL_NAME, why);
		goto fail;
	}
	/* A dead kernel must not stall the daemon forever. */
	setsockopt(mnl_socket_get_fd(nl->req.sock), SOL_SOCKET, SO_RCVTIMEO,
		   &tv, sizeof(tv));
	ret = aqnl_open(&nl->ev, AQ_GENL_NAME, AQ_GENL_MCGRP_EVENTS, &ack);
	if (ret) {
		aqmsg_describe_error(&ack, NULL, why, sizeof(why));
		snprintf(err, len, "family %s (events): %s", AQ_GENL_NAME, why);
		goto fail_req;
	}
	if (!nl->ev.mcgrp) {
		snprintf(err, len, "family %s has no group %s", AQ_GENL_NAME,
			 AQ_GENL_MCGRP_EVENTS);
		ret = -ENOENT;
		goto fail_ev;
	}
	ret = aqnl_join(&nl->ev, nl->ev.mcgrp);
	if (ret) {
		snprintf(err, len, "join group %s: %s", AQ_GENL_MCGRP_EVENTS,
			 strerror(-ret));
		goto fail_ev;
	}
	join_ctrl_notify(nl);
	fd = mnl_socket_get_fd(nl->ev.sock);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		ret = -errno;
		snprintf(err, len, "event socket: %s", strerror(errno));
		goto fail_ev;
	}
	nl->up = true;
	nl->connects++;
	nl->backoff_ms = AQD_NL_BACKOFF_MIN_MS;
	return 0;
fail_ev:
	aqnl_close(&nl->ev);
fail_req:
	aqnl_close(&nl->req);
fail:
	schedule_retry(nl, now_ns);
	return ret;
}

void aqd_nl_disconnect(struct aqd_nl *nl, uint64_t now_ns)
{
	if (nl->up) {
		aqnl_close(&nl->ev);
		aqnl_close(&nl->req);
		nl->up = false;
	}
	nl->backoff_ms = AQD_NL_BACKOFF_MIN_MS;
	schedule_retry(nl, now_ns);
}

int aqd_nl_event_fd(const struct aqd_nl *nl)
{
	return nl->up ? mnl_socket_get_fd(nl->ev.sock) : -1;
}

struct cb_ctx {
	struct aqd_nl *nl;
	aqd_nl_vip_cb cb;
	void *data;
	bool family_gone;	/* CTRL_CMD_DELFAMILY of our family seen */
};

static int vip_msg_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct cb_ctx *c = arg;
	const struct genlmsghdr *g;
	struct aqmsg_err e;
	uint16_t id;

	if (nlh->nlmsg_type == GENL_ID_CTRL &&
	    mnl_nlmsg_get_payload_len(nlh) >= GENL_HDRLEN) {
		g = mnl_nlmsg_get_payload(nlh);
		if (g->cmd == CTRL_CMD_DELFAMILY &&
		    !aqnl_parse_family(nlh, NULL, &id, NULL, NULL) &&
		    id == c->nl->req.family)
			c->family_gone = true;
		return MNL_CB_OK;
	}
	if (nlh->nlmsg_type != c->nl->req.family)
		return MNL_CB_OK;
	if (aqmsg_parse_vip(nlh, &c->nl->vip, &e)) {
		aqd_warn("bad VIP message from the kernel: %s", e.msg);
		return MNL_CB_OK;
	}
	c->cb(&c->nl->vip, c->data);
	return MNL_CB_OK;
}

int aqd_nl_dump(struct aqd_nl *nl, aqd_nl_vip_cb cb, void *data, char *err,
		size_t len)
{
	char buf[AQNL_MSG_LEN];
	struct cb_ctx c = { .nl = nl, .cb = cb, .data = data };
	struct nlmsghdr *nlh;
	struct aqnl_ack ack;
	char why[AQNL_TEXT_LEN + 64];
	int ret;

	if (!nl->up)
		return -ENOTCONN;
	nlh = aqnl_msg_start(buf, nl->req.family, AQ_CMD_VIP_GET,
			     AQ_GENL_VERSION,
			     NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
	ret = aqnl_talk(&nl->req, nlh, vip_msg_cb, &c, &ack);
	if (ret) {
		aqmsg_describe_error(&ack, nlh, why, sizeof(why));
		snprintf(err, len, "dump of VIPs: %s", why);
	}
	return ret;
}

int aqd_nl_read_events(struct aqd_nl *nl, aqd_nl_vip_cb cb, void *data,
		       char *err, size_t len)
{
	struct cb_ctx c = { .nl = nl, .cb = cb, .data = data };
	unsigned int rounds;
	int lost = 0;
	ssize_t n;

	if (!nl->up)
		return -ENOTCONN;
	/* Bounded: other sources get their turn under an event storm. */
	for (rounds = 0; rounds < 64; rounds++) {
		n = mnl_socket_recvfrom(nl->ev.sock, nl->ev.buf, AQNL_RECV_LEN);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				nl->events_lost++;
				lost = 1;
				continue;
			}
			snprintf(err, len, "event socket: %s", strerror(errno));
			return -errno;
		}
		if (n == 0)
			break;
		nl->events++;
		/* Events: sequence number and port id 0, not checked. */
		if (mnl_cb_run(nl->ev.buf, (size_t)n, 0, 0, vip_msg_cb, &c) < 0 &&
		    errno != EINTR)
			aqd_warn("event: %s", strerror(errno));
	}
	if (c.family_gone) {
		snprintf(err, len, "family %s unregistered (module removed)",
			 AQ_GENL_NAME);
		return -ENOENT;
	}
	return lost ? -ENOBUFS : 0;
}

int aqd_nl_set_weights(struct aqd_nl *nl, const char *name,
		       const uint32_t *weights, unsigned int n, char *err,
		       size_t len)
{
	char buf[AQNL_MSG_LEN];
	struct nlmsghdr *nlh;
	struct aqnl_ack ack;
	char why[AQNL_TEXT_LEN + 64];
	int ret;

	if (!nl->up) {
		snprintf(err, len, "not connected to the kernel");
		return -ENOTCONN;
	}
	if (n == 0 || n > AQ_MAX_BACKENDS) {
		snprintf(err, len, "%u weights", n);
		return -EINVAL;
	}
	nlh = aqnl_msg_start(buf, nl->req.family, AQ_CMD_WEIGHTS_SET,
			     AQ_GENL_VERSION, NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_strz(nlh, AQ_A_VIP_NAME, name);
	mnl_attr_put(nlh, AQ_A_VIP_WEIGHTS, n * sizeof(uint32_t), weights);
	ret = aqnl_talk(&nl->req, nlh, NULL, NULL, &ack);
	if (ret) {
		aqmsg_describe_error(&ack, nlh, why, sizeof(why));
		snprintf(err, len, "%s", why);
	}
	return ret;
}
