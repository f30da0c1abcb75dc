// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family AQ_GENL_NAME: the control plane. Commands,
 * attributes and errors are documented in uapi/linux/aquarius.h.
 *
 * Validation is in two steps: the family's strict policy (types, lengths,
 * bounds) and, per command, which attributes it takes and which it needs
 * (aq_check_attrs()); both point the extended ACK at the attribute. Every
 * command works on the caller's namespace under its aq_net.lock, so a
 * command is applied whole or not at all, and events go out in order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "genl.h"
#include "policy.h"
#include "vip.h"

enum aq_genl_mcgrp {
	AQ_MCGRP_EVENTS,
};

static const struct genl_multicast_group aq_mcgrps[] = {
	[AQ_MCGRP_EVENTS] = { .name = AQ_GENL_MCGRP_EVENTS },
};

static struct genl_family aq_genl_family;

#define A(x)	BIT(AQ_A_##x)

/*
 * Reject attributes @cmd does not take and report the first of @need that
 * is missing. Return: 0 or -EINVAL.
 */
static int aq_check_attrs(struct genl_info *info, unsigned long allowed,
			  unsigned long need)
{
	unsigned int i;

	for (i = 1; i <= AQ_A_MAX; i++) {
		if (info->attrs[i] && !(allowed & BIT(i))) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[i],
					    "attribute not valid for this command");
			return -EINVAL;
		}
		if (!info->attrs[i] && (need & BIT(i))) {
			NL_SET_ERR_ATTR_MISS(info->extack, NULL, i);
			NL_SET_ERR_MSG(info->extack,
				       "a required attribute is missing");
			return -EINVAL;
		}
	}
	return 0;
}

static int aq_nla_addr(const struct nlattr *attr, struct aq_endpoint *ep,
		       struct netlink_ext_ack *extack)
{
	int len = nla_len(attr);

	if (len != 4 && len != 16) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	ep->family = len == 4 ? AF_INET : AF_INET6;
	memset(ep->addr, 0, sizeof(ep->addr));
	memcpy(ep->addr, nla_data(attr), len);
	return 0;
}

/* A backend as given in an AQ_A_BACKEND nest. */
struct aq_backend_req {
	int column;		/* -1: not given */
	bool has_ep;
	struct aq_endpoint ep;
	const u32 *weight;	/* NULL: not given */
	const bool *drain;	/* NULL: not given */
	u32 weight_val;
	bool drain_val;
};

/* Parse a backend nest; @need_ep: address and port are required. */
static int aq_parse_backend(const struct nlattr *nest, u8 family,
			    bool need_ep, struct aq_backend_req *req,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[AQ_BA_MAX + 1];
	int err;

	memset(req, 0, sizeof(*req));
	req->column = -1;
	err = nla_parse_nested(tb, AQ_BA_MAX, nest, aq_backend_policy, extack);
	if (err)
		return err;
	if (!!tb[AQ_BA_ADDR] != !!tb[AQ_BA_PORT] ||
	    (need_ep && !tb[AQ_BA_ADDR])) {
		NL_SET_ERR_ATTR_MISS(extack, nest,
				     tb[AQ_BA_ADDR] ? AQ_BA_PORT : AQ_BA_ADDR);
		NL_SET_ERR_MSG(extack,
			       "a backend needs both address and port");
		return -EINVAL;
	}
	if (tb[AQ_BA_ADDR]) {
		err = aq_nla_addr(tb[AQ_BA_ADDR], &req->ep, extack);
		if (err)
			return err;
		if (req->ep.family != family) {
			NL_SET_ERR_MSG_ATTR(extack, tb[AQ_BA_ADDR],
					    "backend and VIP address families differ");
			return -EINVAL;
		}
		req->ep.port = nla_get_u16(tb[AQ_BA_PORT]);
		req->has_ep = true;
	}
	if (tb[AQ_BA_COLUMN])
		req->column = nla_get_u8(tb[AQ_BA_COLUMN]);
	if (tb[AQ_BA_WEIGHT]) {
		req->weight_val = nla_get_u32(tb[AQ_BA_WEIGHT]);
		req->weight = &req->weight_val;
	}
	if (tb[AQ_BA_DRAIN]) {
		req->drain_val = nla_get_u8(tb[AQ_BA_DRAIN]);
		req->drain = &req->drain_val;
	}
	return 0;
}

static int aq_fill_vip(struct sk_buff *skb, struct aq_vip *vip, u32 portid,
		       u32 seq, int flags, u8 cmd)
{
	const struct aq_vip_config *cfg = &vip->cfg;
	int alen = cfg->vip.family == AF_INET ? 4 : 16;
	struct nlattr *backends, *b;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &aq_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, AQ_A_VIP_NAME, cfg->name) ||
	    nla_put_u32(skb, AQ_A_VIP_ID, vip->id))
		goto cancel;
	if (cmd == AQ_CMD_VIP_DEL)
		goto end;
	if (nla_put(skb, AQ_A_VIP_ADDR, alen, cfg->vip.addr) ||
	    nla_put_u16(skb, AQ_A_VIP_PORT, cfg->vip.port) ||
	    nla_put_u8(skb, AQ_A_VIP_PROTO, cfg->proto) ||
	    nla_put_u8(skb, AQ_A_VIP_MODE, cfg->mode) ||
	    nla_put_u8(skb, AQ_A_VIP_SCHED, cfg->sched) ||
	    nla_put_u32(skb, AQ_A_VIP_SNAPSHOT_MS,
			div_u64(vip->snapshot_ns, NSEC_PER_MSEC)) ||
	    nla_put_u64_64bit(skb, AQ_A_VIP_REGION_OFFSET,
			      (u64)vip->id << AQ_REGION_OFFSET_SHIFT,
			      AQ_A_PAD) ||
	    nla_put_u64_64bit(skb, AQ_A_VIP_REGION_SIZE, vip->region->size,
			      AQ_A_PAD))
		goto cancel;
	backends = nla_nest_start(skb, AQ_A_VIP_BACKENDS);
	if (!backends)
		goto cancel;
	for (i = 0; i < cfg->nr_backends; i++) {
		const struct aq_endpoint *ep = &cfg->backends[i];

		if (!ep->family)
			continue;
		b = nla_nest_start(skb, AQ_A_BACKEND);
		if (!b ||
		    nla_put_u8(skb, AQ_BA_COLUMN, i) ||
		    nla_put(skb, AQ_BA_ADDR, alen, ep->addr) ||
		    nla_put_u16(skb, AQ_BA_PORT, ep->port) ||
		    nla_put_u32(skb, AQ_BA_WEIGHT, cfg->weights[i]) ||
		    ((cfg->drain & BIT_ULL(i)) &&
		     nla_put_u8(skb, AQ_BA_DRAIN, 1)))
			goto cancel;
		nla_nest_end(skb, b);
	}
	nla_nest_end(skb, backends);
end:
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* The largest VIP message: 64 IPv6 backends with every attribute. */
#define AQ_VIP_MSG_SIZE	8192

/* Announce a change of @vip (aq_net.lock held, so events stay in order). */
static void aq_notify(struct aq_net *an, struct aq_vip *vip, u8 cmd)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&aq_genl_family, an->net, AQ_MCGRP_EVENTS))
		return;
	skb = genlmsg_new(AQ_VIP_MSG_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (aq_fill_vip(skb, vip, 0, 0, 0, cmd)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast_netns(&aq_genl_family, an->net, skb, 0,
				AQ_MCGRP_EVENTS, GFP_KERNEL);
}

/* The VIP named in the request; aq_net.lock held. */
static struct aq_vip *aq_req_vip(struct aq_net *an, struct genl_info *info)
{
	struct aq_vip *vip;

	vip = aq_vip_find(an, nla_data(info->attrs[AQ_A_VIP_NAME]));
	if (!vip)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[AQ_A_VIP_NAME],
				    "no VIP of that name");
	return vip;
}

static int aq_cmd_vip_new(struct sk_buff *skb, struct genl_info *info)
{
	struct aq_net *an = aq_net(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct aq_vip_config *cfg;
	struct aq_backend_req req;
	struct nlattr *nest;
	struct aq_vip *vip;
	int err, rem;
	u8 proto;

	err = aq_check_attrs(info, A(VIP_NAME) | A(VIP_ADDR) | A(VIP_PORT) |
			     A(VIP_PROTO) | A(VIP_MODE) | A(VIP_SCHED) |
			     A(VIP_SNAPSHOT_MS) | A(VIP_BACKENDS),
			     A(VIP_NAME) | A(VIP_ADDR) | A(VIP_PORT) |
			     A(VIP_PROTO));
	if (err)
		return err;
	if (!aq_valid_name(nla_data(info->attrs[AQ_A_VIP_NAME]))) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[AQ_A_VIP_NAME],
				    "name: 1 to 31 characters of [A-Za-z0-9_.-]");
		return -EINVAL;
	}
	proto = nla_get_u8(info->attrs[AQ_A_VIP_PROTO]);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[AQ_A_VIP_PROTO],
				    "protocol must be TCP (6) or UDP (17)");
		return -EINVAL;
	}
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	nla_strscpy(cfg->name, info->attrs[AQ_A_VIP_NAME], sizeof(cfg->name));
	cfg->proto = proto;
	err = aq_nla_addr(info->attrs[AQ_A_VIP_ADDR], &cfg->vip, extack);
	if (err)
		goto out;
	cfg->vip.port = nla_get_u16(info->attrs[AQ_A_VIP_PORT]);
	if (info->attrs[AQ_A_VIP_MODE])
		cfg->mode = nla_get_u8(info->attrs[AQ_A_VIP_MODE]);
	if (info->attrs[AQ_A_VIP_SCHED])
		cfg->sched = nla_get_u8(info->attrs[AQ_A_VIP_SCHED]);
	if (info->attrs[AQ_A_VIP_SNAPSHOT_MS])
		cfg->snapshot_ms =
			nla_get_u32(info->attrs[AQ_A_VIP_SNAPSHOT_MS]);
	if (info->attrs[AQ_A_VIP_BACKENDS]) {
		nla_for_each_nested(nest, info->attrs[AQ_A_VIP_BACKENDS], rem) {
			int col;

			err = aq_parse_backend(nest, cfg->vip.family, true,
					       &req, extack);
			if (err)
				goto out;
			col = req.column;
			if (col < 0)
				for (col = 0; col < AQ_MAX_BACKENDS; col++)
					if (!cfg->backends[col].family)
						break;
			err = -ENOSPC;
			if (col == AQ_MAX_BACKENDS)
				goto bad_backend;
			err = -EEXIST;
			if (cfg->backends[col].family)
				goto bad_backend;
			cfg->backends[col] = req.ep;
			cfg->weights[col] = req.weight ? *req.weight : 1;
			if (req.drain && *req.drain)
				cfg->drain |= BIT_ULL(col);
			cfg->nr_backends = max_t(unsigned int,
						 cfg->nr_backends, col + 1);
		}
	}
	err = aq_vip_add(an, cfg);
	if (err == -EEXIST)
		NL_SET_ERR_MSG(extack,
			       "name, service or a backend already in use");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG(extack, "too many VIPs in this namespace");
	if (!err) {
		mutex_lock(&an->lock);
		vip = aq_vip_find(an, cfg->name);
		if (vip)
			aq_notify(an, vip, AQ_CMD_VIP_NEW);
		mutex_unlock(&an->lock);
	}
	goto out;

bad_backend:
	if (err == -EEXIST)
		NL_SET_ERR_MSG_ATTR(extack, nest, "backend column given twice");
	else
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "more than AQ_MAX_BACKENDS backends");
out:
	kfree(cfg);
	return err;
}

static int aq_cmd_vip_del(struct sk_buff *skb, struct genl_info *info)
{
	struct aq_net *an = aq_net(genl_info_net(info));
	struct aq_vip *vip;
	int err;

	err = aq_check_attrs(info, A(VIP_NAME), A(VIP_NAME));
	if (err)
		return err;
	mutex_lock(&an->lock);
	vip = aq_req_vip(an, info);
	if (!vip) {
		err = -ENOENT;
	} else {
		aq_notify(an, vip, AQ_CMD_VIP_DEL);
		err = aq_vip_del(an, vip);
	}
	mutex_unlock(&an->lock);
	return err;
}

static int aq_cmd_vip_get(struct sk_buff *skb, struct genl_info *info)
{
	struct aq_net *an = aq_net(genl_info_net(info));
	struct sk_buff *msg;
	struct aq_vip *vip;
	int err;

	err = aq_check_attrs(info, A(VIP_NAME), A(VIP_NAME));
	if (err)
		return err;
	msg = genlmsg_new(AQ_VIP_MSG_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&an->lock);
	vip = aq_req_vip(an, info);
	err = vip ? aq_fill_vip(msg, vip, info->snd_portid, info->snd_seq, 0,
				AQ_CMD_VIP_NEW) : -ENOENT;
	mutex_unlock(&an->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int aq_dump_vips(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct aq_net *an = aq_net(sock_net(skb->sk));
	long idx = 0, start = cb->args[0];
	struct aq_vip *vip;
	int err = 0;

	mutex_lock(&an->lock);
	list_for_each_entry(vip, &an->vips, node) {
		if (idx >= start) {
			err = aq_fill_vip(skb, vip,
					  NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, NLM_F_MULTI,
					  AQ_CMD_VIP_NEW);
			if (err)
				break;
		}
		idx++;
	}
	mutex_unlock(&an->lock);
	cb->args[0] = idx;
	/* A VIP that fits no message at all is an error, not the end. */
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int aq_cmd_vip_set(struct sk_buff *skb, struct genl_info *info)
{
	struct aq_net *an = aq_net(genl_info_net(info));
	struct aq_vip_config *new;
	unsigned int what = 0;
	struct aq_vip *vip;
	int err;

	err = aq_check_attrs(info, A(VIP_NAME) | A(VIP_MODE) | A(VIP_SCHED) |
			     A(VIP_SNAPSHOT_MS), A(VIP_NAME));
	if (err)
		return err;
	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	if (info->attrs[AQ_A_VIP_MODE]) {
		new->mode = nla_get_u8(info->attrs[AQ_A_VIP_MODE]);
		what |= AQ_VIP_SET_MODE;
	}
	if (info->attrs[AQ_A_VIP_SCHED]) {
		new->sched = nla_get_u8(info->attrs[AQ_A_VIP_SCHED]);
		what |= AQ_VIP_SET_SCHED;
	}
	if (info->attrs[AQ_A_VIP_SNAPSHOT_MS]) {
		new->snapshot_ms =
			nla_get_u32(info->attrs[AQ_A_VIP_SNAPSHOT_MS]);
		what |= AQ_VIP_SET_SNAPSHOT;
	}
	mutex_lock(&an->lock);
	vip = aq_req_vip(an, info);
	err = vip ? aq_vip_set(vip, what, new) : -ENOENT;
	if (!err)
		aq_notify(an, vip, AQ_CMD_VIP_SET);
	mutex_unlock(&an->lock);
	kfree(new);
	return err;
}

/*
 * The column of the backend a request names (by column or endpoint);
 * aq_net.lock held. Return: the column or -ENOENT.
 */
static int aq_req_column(struct aq_vip *vip, const struct aq_backend_req *req,
			 struct genl_info *info)
{
	int col = req->column;

	if (col < 0 && req->has_ep)
		col = aq_backend_find(vip, &req->ep);
	else if (col >= 0 && (col >= vip->cfg.nr_backends ||
			      !vip->cfg.backends[col].family))
		col = -ENOENT;
	if (col >= 0 && req->has_ep &&
	    aq_backend_find(vip, &req->ep) != col)
		col = -ENOENT;
	if (col < 0)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[AQ_A_BACKEND],
				    "no such backend");
	return col;
}

/* Parse AQ_A_BACKEND for @vip's family; aq_net.lock held. */
static int aq_req_backend(struct aq_vip *vip, struct genl_info *info,
			  bool need_ep, struct aq_backend_req *req)
{
	int err = aq_parse_backend(info->attrs[AQ_A_BACKEND],
				   vip->cfg.vip.family, need_ep, req,
				   info->extack);

	if (err)
		return err;
	if (!need_ep && req->column < 0 && !req->has_ep) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[AQ_A_BACKEND],
				     AQ_BA_COLUMN);
		NL_SET_ERR_MSG(info->extack,
			       "name the backend by column or by address and port");
		return -EINVAL;
	}
	return 0;
}

static int aq_cmd_backend_new(struct sk_buff *skb, struct genl_info *info)
{
	struct aq_net *an = aq_net(genl_info_net(info));
	struct aq_backend_req req;
	struct aq_vip *vip;
	int err;

	err = aq_check_attrs(info, A(VIP_NAME) | A(BACKEND),
			     A(VIP_NAME) | A(BACKEND));
	if (err)
		return err;
	mutex_lock(&an->lock);
	vip = aq_req_vip(an, info);
	err = -ENOENT;
	if (!vip)
		goto out;
	err = aq_req_backend(vip, info, true, &req);
	if (err)
		goto out;
	err = aq_backend_add(vip, req.column, &req.ep,
			     req.weight ? *req.weight : 1,
			     req.drain && *req.drain);
	if (err >= 0) {
		aq_notify(an, vip, AQ_CMD_BACKEND_NEW);
		err = 0;
	} else if (err == -EEXIST) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[AQ_A_BACKEND],
				    "column or backend address already in use");
	} else if (err == -ENOSPC) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[AQ_A_BACKEND],
				    "all backend columns are taken");
	}
out:
	mutex_unlock(&an->lock);
	return err;
}

/*
 * BACKEND_DEL and BACKEND_SET: the backend is named by column or by address
 * and port; removal takes no weight or drain, a change needs one of them.
 */
static int aq_backend_update(struct genl_info *info, u8 cmd)
{
	struct aq_net *an = aq_net(genl_info_net(info));
	struct aq_backend_req req;
	struct aq_vip *vip;
	int err, col;

	err = aq_check_attrs(info, A(VIP_NAME) | A(BACKEND),
			     A(VIP_NAME) | A(BACKEND));
	if (err)
		return err;
	mutex_lock(&an->lock);
	vip = aq_req_vip(an, info);
	err = -ENOENT;
	if (!vip)
		goto out;
	err = aq_req_backend(vip, info, false, &req);
	if (err)
		goto out;
	err = -EINVAL;
	if (cmd == AQ_CMD_BACKEND_DEL && (req.weight || req.drain)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[AQ_A_BACKEND],
				    "weight and drain are not for removal");
		goto out;
	}
	if (cmd == AQ_CMD_BACKEND_SET && !req.weight && !req.drain) {
		NL_SET_ERR_ATTR_MISS(info->extack, info->attrs[AQ_A_BACKEND],
				     AQ_BA_WEIGHT);
		NL_SET_ERR_MSG(info->extack, "nothing to change: give weight or drain");
		goto out;
	}
	col = aq_req_column(vip, &req, info);
	err = col;
	if (col < 0)
		goto out;
	err = cmd == AQ_CMD_BACKEND_DEL ? aq_backend_del(vip, col) :
		aq_backend_set(vip, col, req.weight, req.drain);
	if (!err)
		aq_notify(an, vip, cmd);
out:
	mutex_unlock(&an->lock);
	return err;
}

static int aq_cmd_backend_del(struct sk_buff *skb, struct genl_info *info)
{
	return aq_backend_update(info, AQ_CMD_BACKEND_DEL);
}

static int aq_cmd_backend_set(struct sk_buff *skb, struct genl_info *info)
{
	return aq_backend_update(info, AQ_CMD_BACKEND_SET);
}

static int aq_cmd_weights_set(struct sk_buff *skb, struct genl_info *info)
{
	struct aq_net *an = aq_net(genl_info_net(info));
	struct nlattr *attr = info->attrs[AQ_A_VIP_WEIGHTS];
	u32 weights[AQ_MAX_BACKENDS];
	unsigned int i, n;
	struct aq_vip *vip;
	int err;

	err = aq_check_attrs(info, A(VIP_NAME) | A(VIP_WEIGHTS),
			     A(VIP_NAME) | A(VIP_WEIGHTS));
	if (err)
		return err;
	if (nla_len(attr) % sizeof(u32)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "weights: a whole number of __u32");
		return -EINVAL;
	}
	n = nla_len(attr) / sizeof(u32);
	memcpy(weights, nla_data(attr), n * sizeof(u32));
	for (i = 0; i < n; i++) {
		if (weights[i] > AQ_MAX_WEIGHT) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "a weight is over AQ_MAX_WEIGHT");
			return -ERANGE;
		}
	}
	mutex_lock(&an->lock);
	vip = aq_req_vip(an, info);
	err = -ENOENT;
	if (!vip)
		goto out;
	err = aq_weights_set(vip, weights, n);
	if (err == -EINVAL && vip->cfg.nr_backends > n)
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "weights: a backend's column is not covered");
	else if (err == -EINVAL)
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "weights: a column without backend needs 0");
	if (!err)
		aq_notify(an, vip, AQ_CMD_WEIGHTS_SET);
out:
	mutex_unlock(&an->lock);
	return err;
}

static const struct genl_ops aq_genl_ops[] = {
	{
		.cmd = AQ_CMD_VIP_NEW,
		.doit = aq_cmd_vip_new,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AQ_CMD_VIP_DEL,
		.doit = aq_cmd_vip_del,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AQ_CMD_VIP_GET,
		.doit = aq_cmd_vip_get,
		.dumpit = aq_dump_vips,
	},
	{
		.cmd = AQ_CMD_VIP_SET,
		.doit = aq_cmd_vip_set,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AQ_CMD_BACKEND_NEW,
		.doit = aq_cmd_backend_new,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AQ_CMD_BACKEND_DEL,
		.doit = aq_cmd_backend_del,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AQ_CMD_BACKEND_SET,
		.doit = aq_cmd_backend_set,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AQ_CMD_WEIGHTS_SET,
		.doit = aq_cmd_weights_set,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family aq_genl_family __ro_after_init = {
	.name = AQ_GENL_NAME,
	.version = AQ_GENL_VERSION,
	.maxattr = AQ_A_MAX,
	.policy = aq_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = aq_genl_ops,
	.n_ops = ARRAY_SIZE(aq_genl_ops),
	.mcgrps = aq_mcgrps,
	.n_mcgrps = ARRAY_SIZE(aq_mcgrps),
};

int __init aq_genl_init(void)
{
	return genl_register_family(&aq_genl_family);
}

void aq_genl_exit(void)
{
	genl_unregister_family(&aq_genl_family);
}
