// SPDX-License-Identifier: GPL-2.0
/* Generic netlink over libmnl, see nl.h. */
#include "nl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

struct nlmsghdr *aqnl_msg_start(void *buf, uint16_t type, uint8_t cmd,
				uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(buf, 0, AQNL_MSG_LEN);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

/* ---- Errors and extended ACKs --------------------------------------------- */

static int ack_attr_cb(const struct nlattr *attr, void *data)
{
	struct aqnl_ack *ack = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		snprintf(ack->msg, sizeof(ack->msg), "%s",
			 mnl_attr_get_str(attr));
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		ack->has_offs = true;
		ack->offs = mnl_attr_get_u32(attr);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		ack->has_miss_type = true;
		ack->miss_type = mnl_attr_get_u32(attr);
		break;
	case NLMSGERR_ATTR_MISS_NEST:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		ack->has_miss_nest = true;
		ack->miss_nest = mnl_attr_get_u32(attr);
		break;
	default:	/* cookie, policy: not shown */
		break;
	}
	return MNL_CB_OK;
}

int aqnl_parse_ack(const struct nlmsghdr *nlh, struct aqnl_ack *ack)
{
	size_t payload = mnl_nlmsg_get_payload_len(nlh), tlv_off;
	int error;

	memset(ack, 0, sizeof(*ack));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN)
		return -EPROTO;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

		if (payload < sizeof(*err))
			return -EPROTO;
		error = err->error;
		tlv_off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (err->msg.nlmsg_len < MNL_NLMSG_HDRLEN ||
			    err->msg.nlmsg_len - MNL_NLMSG_HDRLEN > payload - tlv_off)
				return -EPROTO;
			tlv_off += err->msg.nlmsg_len - MNL_NLMSG_HDRLEN;
		}
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		/* A dump's end: the dump's error (0 when it went well). */
		if (payload < sizeof(int)) {
			ack->kernel = true;
			return 0;
		}
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
		tlv_off = sizeof(int);
	} else {
		return -EPROTO;
	}
	if (error > 0 || error < -4095)
		return -EPROTO;
	ack->error = error;
	ack->kernel = true;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_attr_parse(nlh, (unsigned int)tlv_off, ack_attr_cb, ack) < 0) {
		int e = ack->error;

		memset(ack, 0, sizeof(*ack));
		ack->error = e;
		return -EPROTO;
	}
	return 0;
}

const struct nlattr *aqnl_attr_at(const struct nlmsghdr *req, size_t hdrlen,
				  uint32_t offs, const struct nlattr **parent)
{
	const char *base = (const char *)req;
	const char *p = mnl_nlmsg_get_payload_offset(req, hdrlen);
	const char *end = base + req->nlmsg_len;
	const struct nlattr *nest = NULL;

	if (parent)
		*parent = NULL;
	if (offs >= req->nlmsg_len)
		return NULL;
	while (p < end) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t at = (size_t)(p - base);

		if (!mnl_attr_ok(a, (int)(end - p)))
			return NULL;
		if (at == offs) {
			if (parent)
				*parent = nest;
			return a;
		}
		if (offs > at && offs < at + a->nla_len) {
			/* Inside this attribute: descend if it is a nest. */
			if (!(a->nla_type & NLA_F_NESTED))
				return NULL;
			nest = a;
			end = p + a->nla_len;
			p = mnl_attr_get_payload(a);
			continue;
		}
		p += MNL_ALIGN(a->nla_len);
	}
	return NULL;
}

/* ---- Controller ------------------------------------------------------------ */

struct family_req {
	const char *mcgrp;
	uint16_t id;
	uint32_t version, mcgrp_id;
	bool has_id, bad;
};

static void parse_mcgrp(const struct nlattr *grp, struct family_req *f)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				f->bad = true;
			else
				name = mnl_attr_get_str(a);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				f->bad = true;
			else
				id = mnl_attr_get_u32(a);
			break;
		}
	}
	if (name && f->mcgrp && !strcmp(name, f->mcgrp))
		f->mcgrp_id = id;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_req *f = data;
	const struct nlattr *grp;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		f->id = mnl_attr_get_u16(attr);
		f->has_id = true;
		break;
	case CTRL_ATTR_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		f->version = mnl_attr_get_u32(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		mnl_attr_for_each_nested(grp, attr)
			parse_mcgrp(grp, f);
		if (f->bad)
			return MNL_CB_ERROR;
		break;
	}
	return MNL_CB_OK;
}

int aqnl_parse_family(const struct nlmsghdr *nlh, const char *mcgrp,
		      uint16_t *id, uint32_t *version, uint32_t *mcgrp_id)
{
	struct family_req f = { .mcgrp = mcgrp };

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN ||
	    mnl_attr_parse(nlh, GENL_HDRLEN, family_attr_cb, &f) < 0 ||
	    !f.has_id)
		return -EPROTO;
	*id = f.id;
	if (version)
		*version = f.version;
	if (mcgrp_id)
		*mcgrp_id = f.mcgrp_id;
	return 0;
}

struct family_ctx {
	struct aqnl *nl;
	const char *mcgrp;
};

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_ctx *fc = data;
	struct aqnl *nl = fc->nl;

	if (aqnl_parse_family(nlh, fc->mcgrp, &nl->family, &nl->version,
			      &nl->mcgrp)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* ---- Socket ---------------------------------------------------------------- */

static int local_error(struct aqnl_ack *ack, int err, const char *what)
{
	memset(ack, 0, sizeof(*ack));
	ack->error = -err;
	snprintf(ack->msg, sizeof(ack->msg), "%s", what);
	return -err;
}

int aqnl_open(struct aqnl *nl, const char *family, const char *mcgrp,
	      struct aqnl_ack *ack)
{
	char req[AQNL_MSG_LEN];
	struct family_ctx fc = { .nl = nl, .mcgrp = mcgrp };
	struct nlmsghdr *nlh;
	int one = 1, err;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(AQNL_RECV_LEN);
	if (!nl->buf)
		return local_error(ack, ENOMEM, "netlink buffer");
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		err = local_error(ack, errno, "netlink socket");
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = local_error(ack, errno, "netlink bind");
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Extended ACKs; errors without the echoed request. Best effort:
	 * older kernels answer without them. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->seq = (uint32_t)time(NULL);

	nlh = aqnl_msg_start(req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
			     NLM_F_REQUEST | NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	err = aqnl_talk(nl, nlh, family_cb, &fc, ack);
	if (err == -ENOENT && ack->kernel)
		ack->no_family = true;
	if (!err && !nl->family)
		err = local_error(ack, EPROTO, "netlink family id");
	if (err)
		goto fail;
	return 0;
fail:
	aqnl_close(nl);
	return err;
}

void aqnl_close(struct aqnl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

int aqnl_join(struct aqnl *nl, uint32_t group)
{
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return -errno;
	return 0;
}

/* ---- Requests -------------------------------------------------------------- */

struct talk {
	mnl_cb_t cb;
	void *data;
	struct aqnl_ack *ack;
	int cb_error;		/* first failure of cb, as errno */
	bool bad_ack;
};

static int talk_data(const struct nlmsghdr *nlh, void *arg)
{
	struct talk *t = arg;

	if (!t->cb || t->cb_error)
		return MNL_CB_OK;
	errno = 0;
	if (t->cb(nlh, t->data) == MNL_CB_ERROR)
		t->cb_error = errno ? errno : EPROTO;
	return MNL_CB_OK;	/* read on to the end of the answer */
}

static int talk_ctl(const struct nlmsghdr *nlh, void *arg)
{
	struct talk *t = arg;

	if (aqnl_parse_ack(nlh, t->ack)) {
		t->bad_ack = true;
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (t->ack->error) {
		errno = -t->ack->error;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

int aqnl_talk(struct aqnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data,
	      struct aqnl_ack *ack)
{
	/* Not const: libmnl takes a plain pointer. */
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = talk_ctl,
		[NLMSG_DONE] = talk_ctl,
	};
	struct talk t = { .cb = cb, .data = data, .ack = ack };
	int ret = MNL_CB_OK;
	ssize_t n;

	memset(ack, 0, sizeof(*ack));
	req->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return local_error(ack, errno, "netlink send");
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, AQNL_RECV_LEN);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return local_error(ack, errno, "netlink receive");
		}
		ret = mnl_cb_run2(nl->buf, (size_t)n, nl->seq, nl->portid,
				  talk_data, &t, ctl, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	if (ret < 0) {
		if (ack->kernel && ack->error)
			return ack->error;
		return local_error(ack, t.bad_ack ? EPROTO : errno,
				   "netlink answer");
	}
	if (t.cb_error)
		return local_error(ack, t.cb_error, "netlink reply");
	return 0;
}
