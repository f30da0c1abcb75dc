// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of aqctl's netlink messages (user/aqctl/msg.c, nl.c), no
 * aquarius kernel needed: every command line is built into a request whose
 * attributes are checked one by one (type, length, value, nothing else);
 * bad command lines are refused before anything is added; a hand-built
 * VIP_GET reply, events, NLMSGERR and NLMSG_DONE with extended ACKs and a
 * controller reply are parsed; and the family lookup is tried on the
 * host's real controller ("nlctrl" exists, "aquarius" does not).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "libaquarius.h"
#include "tap.h"
#include "../../user/aqctl/msg.h"
#include "../../user/aqctl/nl.h"

#define FAMILY	0x1234		/* any id: the builders do not look at it */

/* ---- Building ------------------------------------------------------------ */

struct built {
	char buf[AQNL_MSG_LEN];
	struct nlmsghdr *nlh;
	int ret;
	struct aqmsg_err err;
	/* Top-level attributes by type, and those of the AQ_A_BACKEND nest. */
	const struct nlattr *tb[AQ_A_MAX + 1];
	const struct nlattr *bb[AQ_BA_MAX + 1];
	int nr_attrs, nr_battrs, unknown;
	char words[512];
};

/* Split `line` into words and run the builder as aqctl would. */
static struct built *build(aqmsg_build_t fn, uint8_t cmd, const char *line)
{
	static struct built b;
	char *argv[80], *p;
	int argc = 0;
	const struct nlattr *a, *n;

	memset(&b, 0, sizeof(b));
	snprintf(b.words, sizeof(b.words), "%s", line);
	for (p = strtok(b.words, " "); p && argc < 79; p = strtok(NULL, " "))
		argv[argc++] = p;
	argv[argc] = NULL;
	b.nlh = aqnl_msg_start(b.buf, FAMILY, cmd, AQ_GENL_VERSION,
			       NLM_F_REQUEST | NLM_F_ACK);
	b.ret = fn(b.nlh, argc, argv, &b.err);
	mnl_attr_for_each(a, b.nlh, GENL_HDRLEN) {
		uint16_t t = mnl_attr_get_type(a);

		b.nr_attrs++;
		if (t > AQ_A_MAX || b.tb[t]) {
			b.unknown++;
			continue;
		}
		b.tb[t] = a;
		if (t != AQ_A_BACKEND)
			continue;
		mnl_attr_for_each_nested(n, a) {
			uint16_t bt = mnl_attr_get_type(n);

			b.nr_battrs++;
			if (bt > AQ_BA_MAX || b.bb[bt])
				b.unknown++;
			else
				b.bb[bt] = n;
		}
	}
	return &b;
}

static bool attr_is(const struct nlattr *a, size_t len)
{
	return a && mnl_attr_get_payload_len(a) == len;
}

static uint8_t u8_of(const struct nlattr *a)
{
	return attr_is(a, 1) ? mnl_attr_get_u8(a) : 0xee;
}

static uint16_t u16_of(const struct nlattr *a)
{
	return attr_is(a, 2) ? mnl_attr_get_u16(a) : 0xeeee;
}

static uint32_t u32_of(const struct nlattr *a)
{
	return attr_is(a, 4) ? mnl_attr_get_u32(a) : 0xeeeeeeee;
}

static bool str_is(const struct nlattr *a, const char *s)
{
	return attr_is(a, strlen(s) + 1) &&
	       !memcmp(mnl_attr_get_payload(a), s, strlen(s) + 1);
}

static bool addr_is(const struct nlattr *a, const char *text)
{
	uint8_t want[16];
	int family = strchr(text, ':') ? AF_INET6 : AF_INET;
	size_t len = family == AF_INET ? 4 : 16;

	if (inet_pton(family, text, want) != 1)
		return false;
	return attr_is(a, len) && !memcmp(mnl_attr_get_payload(a), want, len);
}

static void test_genl_header(void)
{
	struct built *b = build(aqmsg_vip_del, AQ_CMD_VIP_DEL, "del web");
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(b->nlh);

	TAP_EQ(b->nlh->nlmsg_type, FAMILY, "header: family id as given");
	TAP_EQ(b->nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK, "header: flags");
	TAP_EQ(g->cmd, AQ_CMD_VIP_DEL, "header: genl cmd");
	TAP_EQ(g->version, AQ_GENL_VERSION, "header: genl version");
}

static void test_vip_add(void)
{
	struct built *b;

	b = build(aqmsg_vip_add, AQ_CMD_VIP_NEW,
		  "add web tcp 10.0.0.10 80 mode nat sched sed snapshot 250");
	TAP_EQ(b->ret, 0, "vip add (all keywords): accepted");
	TAP_EQ(b->nr_attrs, 7, "vip add: 7 attributes");
	TAP_EQ(b->unknown, 0, "vip add: each attribute once");
	TAP_CHECK(str_is(b->tb[AQ_A_VIP_NAME], "web"), "vip add: name \"web\" with its NUL");
	TAP_CHECK(addr_is(b->tb[AQ_A_VIP_ADDR], "10.0.0.10"), "vip add: IPv4 address, 4 raw bytes");
	TAP_EQ(u16_of(b->tb[AQ_A_VIP_PORT]), 80, "vip add: port u16 host order");
	TAP_EQ(u8_of(b->tb[AQ_A_VIP_PROTO]), IPPROTO_TCP, "vip add: proto u8 tcp");
	TAP_EQ(u8_of(b->tb[AQ_A_VIP_MODE]), AQ_MODE_NAT, "vip add: mode u8 nat");
	TAP_EQ(u8_of(b->tb[AQ_A_VIP_SCHED]), AQ_SCHED_SED, "vip add: sched u8 sed");
	TAP_EQ(u32_of(b->tb[AQ_A_VIP_SNAPSHOT_MS]), 250, "vip add: snapshot u32");

	b = build(aqmsg_vip_add, AQ_CMD_VIP_NEW,
		  "add dns.v6 udp fd00::53 53 snapshot 60000 sched random mode ipip");
	TAP_EQ(b->ret, 0, "vip add (IPv6, keywords in another order): accepted");
	TAP_CHECK(addr_is(b->tb[AQ_A_VIP_ADDR], "fd00::53"), "vip add: IPv6 address, 16 raw bytes");
	TAP_EQ(u8_of(b->tb[AQ_A_VIP_PROTO]), IPPROTO_UDP, "vip add: proto udp");
	TAP_EQ(u8_of(b->tb[AQ_A_VIP_MODE]), AQ_MODE_IPIP, "vip add: mode ipip");
	TAP_EQ(u8_of(b->tb[AQ_A_VIP_SCHED]), AQ_SCHED_RANDOM, "vip add: sched random");
	TAP_EQ(u32_of(b->tb[AQ_A_VIP_SNAPSHOT_MS]), 60000, "vip add: snapshot at its maximum");

	b = build(aqmsg_vip_add, AQ_CMD_VIP_NEW, "add a tcp 1.2.3.4 65535");
	TAP_EQ(b->ret, 0, "vip add (no keyword): accepted");
	TAP_EQ(b->nr_attrs, 4, "vip add: only the 4 required attributes");
	TAP_CHECK(!b->tb[AQ_A_VIP_MODE] && !b->tb[AQ_A_VIP_SCHED] &&
		  !b->tb[AQ_A_VIP_SNAPSHOT_MS], "vip add: defaults left to the kernel");
	TAP_EQ(u16_of(b->tb[AQ_A_VIP_PORT]), 65535, "vip add: port 65535");

	b = build(aqmsg_vip_add, AQ_CMD_VIP_NEW,
		  "add abcdefghijklmnopqrstuvwxyz_.-90 tcp 1.2.3.4 1 sched maglev mode observe snapshot 10");
	TAP_EQ(b->ret, 0, "vip add: 31-character name, every charset class, minimums");
	TAP_EQ(u8_of(b->tb[AQ_A_VIP_MODE]), AQ_MODE_OBSERVE, "vip add: mode observe is sent as 0");
	TAP_EQ(u8_of(b->tb[AQ_A_VIP_SCHED]), AQ_SCHED_MAGLEV, "vip add: sched maglev is sent as 0");
}

static void test_vip_others(void)
{
	struct built *b;

	b = build(aqmsg_vip_del, AQ_CMD_VIP_DEL, "del web");
	TAP_CHECK(!b->ret && b->nr_attrs == 1 && str_is(b->tb[AQ_A_VIP_NAME], "web"),
		  "vip del: the name only");
	b = build(aqmsg_vip_get, AQ_CMD_VIP_GET, "show web-2");
	TAP_CHECK(!b->ret && b->nr_attrs == 1 && str_is(b->tb[AQ_A_VIP_NAME], "web-2"),
		  "vip get: the name only");

	b = build(aqmsg_vip_set, AQ_CMD_VIP_SET, "set web snapshot 10");
	TAP_EQ(b->ret, 0, "vip set snapshot: accepted");
	TAP_EQ(b->nr_attrs, 2, "vip set snapshot: name and snapshot only");
	TAP_EQ(u32_of(b->tb[AQ_A_VIP_SNAPSHOT_MS]), 10, "vip set: snapshot value");

	b = build(aqmsg_vip_set, AQ_CMD_VIP_SET, "set web sched lsq mode observe");
	TAP_EQ(b->nr_attrs, 3, "vip set mode+sched: 3 attributes");
	TAP_EQ(u8_of(b->tb[AQ_A_VIP_SCHED]), AQ_SCHED_LSQ, "vip set: sched lsq");
	TAP_EQ(u8_of(b->tb[AQ_A_VIP_MODE]), AQ_MODE_OBSERVE, "vip set: mode observe");
}

static void test_backend(void)
{
	const struct nlattr *nest;
	struct built *b;

	b = build(aqmsg_backend_add, AQ_CMD_BACKEND_NEW,
		  "add web 10.0.2.2 8080 column 5 weight 0 drain on");
	TAP_EQ(b->ret, 0, "backend add (all keywords): accepted");
	TAP_EQ(b->nr_attrs, 2, "backend add: name and one AQ_A_BACKEND");
	nest = b->tb[AQ_A_BACKEND];
	TAP_CHECK(nest && (nest->nla_type & NLA_F_NESTED), "backend add: nest flagged NLA_F_NESTED");
	TAP_EQ(b->nr_battrs, 5, "backend add: 5 attributes in the nest");
	TAP_EQ(b->unknown, 0, "backend add: each once");
	TAP_EQ(u8_of(b->bb[AQ_BA_COLUMN]), 5, "backend add: column u8");
	TAP_CHECK(addr_is(b->bb[AQ_BA_ADDR], "10.0.2.2"), "backend add: address");
	TAP_EQ(u16_of(b->bb[AQ_BA_PORT]), 8080, "backend add: port u16");
	TAP_EQ(u32_of(b->bb[AQ_BA_WEIGHT]), 0, "backend add: weight u32 0");
	TAP_EQ(u8_of(b->bb[AQ_BA_DRAIN]), 1, "backend add: drain u8 1");

	b = build(aqmsg_backend_add, AQ_CMD_BACKEND_NEW, "add web fd00::2 80");
	TAP_EQ(b->ret, 0, "backend add (minimal, IPv6): accepted");
	TAP_EQ(b->nr_battrs, 2, "backend add: address and port only (column, weight: kernel defaults)");
	TAP_CHECK(addr_is(b->bb[AQ_BA_ADDR], "fd00::2"), "backend add: IPv6 address");

	b = build(aqmsg_backend_del, AQ_CMD_BACKEND_DEL, "del web column 63");
	TAP_EQ(b->ret, 0, "backend del by column: accepted");
	TAP_CHECK(b->nr_battrs == 1 && u8_of(b->bb[AQ_BA_COLUMN]) == 63,
		  "backend del by column: the column only");

	b = build(aqmsg_backend_del, AQ_CMD_BACKEND_DEL, "del web 10.0.2.3 443");
	TAP_EQ(b->ret, 0, "backend del by address: accepted");
	TAP_CHECK(b->nr_battrs == 2 && addr_is(b->bb[AQ_BA_ADDR], "10.0.2.3") &&
		  u16_of(b->bb[AQ_BA_PORT]) == 443, "backend del by address: address and port only");

	b = build(aqmsg_backend_set, AQ_CMD_BACKEND_SET, "set web column 0 drain off");
	TAP_EQ(b->ret, 0, "backend set by column: accepted");
	TAP_CHECK(b->nr_battrs == 2 && u8_of(b->bb[AQ_BA_COLUMN]) == 0 &&
		  u8_of(b->bb[AQ_BA_DRAIN]) == 0, "backend set: column 0, drain u8 0");

	b = build(aqmsg_backend_set, AQ_CMD_BACKEND_SET, "set web 10.0.2.2 8080 weight 65535");
	TAP_EQ(b->ret, 0, "backend set by address: accepted");
	TAP_CHECK(b->nr_battrs == 3 && u32_of(b->bb[AQ_BA_WEIGHT]) == 65535 && !b->bb[AQ_BA_DRAIN],
		  "backend set: address, port, weight 65535, no drain");
}

static void test_weights(void)
{
	char line[600];
	const uint32_t *w;
	struct built *b;
	int i, n;

	b = build(aqmsg_weights_set, AQ_CMD_WEIGHTS_SET, "weights web 1 0 65535");
	TAP_EQ(b->ret, 0, "weights: accepted");
	TAP_EQ(b->nr_attrs, 2, "weights: name and AQ_A_VIP_WEIGHTS");
	TAP_CHECK(attr_is(b->tb[AQ_A_VIP_WEIGHTS], 12), "weights: 3 x u32");
	w = b->tb[AQ_A_VIP_WEIGHTS] ? mnl_attr_get_payload(b->tb[AQ_A_VIP_WEIGHTS]) : NULL;
	TAP_CHECK(w && w[0] == 1 && w[1] == 0 && w[2] == 65535, "weights: values from column 0");

	n = snprintf(line, sizeof(line), "weights web");
	for (i = 0; i < AQ_MAX_BACKENDS; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %d", i);
	b = build(aqmsg_weights_set, AQ_CMD_WEIGHTS_SET, line);
	TAP_CHECK(!b->ret && attr_is(b->tb[AQ_A_VIP_WEIGHTS], 4 * AQ_MAX_BACKENDS),
		  "weights: %d columns accepted", AQ_MAX_BACKENDS);
	snprintf(line + n, sizeof(line) - (size_t)n, " 1");
	b = build(aqmsg_weights_set, AQ_CMD_WEIGHTS_SET, line);
	TAP_EQ(b->ret, -EINVAL, "weights: %d columns refused", AQ_MAX_BACKENDS + 1);
}

/* Refused lines: -EINVAL, a message naming the problem, nothing added. */
static void test_refused(void)
{
	static const struct {
		aqmsg_build_t fn;
		const char *line, *msg;
	} cases[] = {
		{ aqmsg_vip_add, "add web tcp 10.0.0.1", "needs NAME" },
		{ aqmsg_vip_add, "add we/b tcp 10.0.0.1 80", "invalid VIP name" },
		{ aqmsg_vip_add, "add abcdefghijklmnopqrstuvwxyz_.-90X tcp 10.0.0.1 80", "invalid VIP name" },
		{ aqmsg_vip_add, "add w\303\251b tcp 10.0.0.1 80", "invalid VIP name" },
		{ aqmsg_vip_add, "add web sctp 10.0.0.1 80", "invalid protocol" },
		{ aqmsg_vip_add, "add web tcp [fd00::1] 80", "invalid address" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.256 80", "invalid address" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.1 0", "invalid port" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.1 65536", "invalid port" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.1 +80", "invalid port" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.1 80x", "invalid port" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.1 80 mode dsr", "invalid mode" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.1 80 sched wrr", "invalid sched" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.1 80 snapshot 9", "invalid snapshot" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.1 80 snapshot 60001", "invalid snapshot" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.1 80 mode nat mode nat", "given twice" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.1 80 mode", "needs a value" },
		{ aqmsg_vip_add, "add web tcp 10.0.0.1 80 weight 1", "unexpected argument" },
		{ aqmsg_vip_del, "del", "missing VIP name" },
		{ aqmsg_vip_del, "del web now", "unexpected argument" },
		{ aqmsg_vip_get, "show a:b", "invalid VIP name" },
		{ aqmsg_vip_set, "set web", "nothing to set" },
		{ aqmsg_vip_set, "set web column 1", "unexpected argument" },
		{ aqmsg_backend_add, "add web 10.0.2.2", "needs NAME ADDR PORT" },
		{ aqmsg_backend_add, "add web column 3", "invalid address" },
		{ aqmsg_backend_add, "add web 10.0.2.2 80 column 64", "invalid column" },
		{ aqmsg_backend_add, "add web 10.0.2.2 80 weight 65536", "invalid weight" },
		{ aqmsg_backend_add, "add web 10.0.2.2 80 weight -1", "invalid weight" },
		{ aqmsg_backend_add, "add web 10.0.2.2 80 drain yes", "invalid drain" },
		{ aqmsg_backend_del, "del web column", "needs a value" },
		{ aqmsg_backend_del, "del web 10.0.2.2 80 weight 1", "unexpected argument" },
		{ aqmsg_backend_set, "set web column 1", "nothing to set" },
		{ aqmsg_backend_set, "set web 10.0.2.2 80 column 1", "unexpected argument" },
		{ aqmsg_weights_set, "weights web", "needs one weight" },
		{ aqmsg_weights_set, "weights web 1 x", "invalid weight" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct built *b = build(cases[i].fn, 0, cases[i].line);

		TAP_CHECK(b->ret == -EINVAL && strstr(b->err.msg, cases[i].msg) &&
			  b->nlh->nlmsg_len == MNL_NLMSG_HDRLEN + GENL_HDRLEN,
			  "refused: '%s' (%s)", cases[i].line, b->err.msg);
	}
}

/* ---- Replies and events ---------------------------------------------------- */

static void put_backend(struct nlmsghdr *nlh, uint8_t col, const char *addr,
			uint16_t port, uint32_t weight, uint8_t drain)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, AQ_A_BACKEND);
	uint8_t a[16];
	size_t len = strchr(addr, ':') ? 16 : 4;

	inet_pton(len == 16 ? AF_INET6 : AF_INET, addr, a);
	mnl_attr_put_u8(nlh, AQ_BA_COLUMN, col);
	mnl_attr_put(nlh, AQ_BA_ADDR, len, a);
	mnl_attr_put_u16(nlh, AQ_BA_PORT, port);
	mnl_attr_put_u32(nlh, AQ_BA_WEIGHT, weight);
	mnl_attr_put_u8(nlh, AQ_BA_DRAIN, drain);
	mnl_attr_put_u32(nlh, AQ_BA_MAX + 7, 1);	/* unknown: skipped */
	mnl_attr_nest_end(nlh, n);
}

/* A VIP_GET reply as the contract describes it, plus attributes to skip. */
static struct nlmsghdr *reply(char *buf)
{
	struct nlmsghdr *nlh = aqnl_msg_start(buf, FAMILY, AQ_CMD_VIP_NEW,
					      AQ_GENL_VERSION, 0);
	uint8_t a[16];
	struct nlattr *n;

	inet_pton(AF_INET6, "fd00::10", a);
	mnl_attr_put_strz(nlh, AQ_A_VIP_NAME, "web");
	mnl_attr_put(nlh, AQ_A_VIP_ADDR, 16, a);
	mnl_attr_put_u16(nlh, AQ_A_VIP_PORT, 443);
	mnl_attr_put_u8(nlh, AQ_A_VIP_PROTO, IPPROTO_TCP);
	mnl_attr_put_u8(nlh, AQ_A_VIP_MODE, AQ_MODE_NAT);
	mnl_attr_put_u8(nlh, AQ_A_VIP_SCHED, AQ_SCHED_LSQ);
	mnl_attr_put_u32(nlh, AQ_A_VIP_SNAPSHOT_MS, 100);
	mnl_attr_put_u32(nlh, AQ_A_VIP_ID, 3);
	mnl_attr_put(nlh, AQ_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, AQ_A_VIP_REGION_OFFSET, 3ULL << AQ_REGION_OFFSET_SHIFT);
	mnl_attr_put_u64(nlh, AQ_A_VIP_REGION_SIZE, 1064960);
	mnl_attr_put_u32(nlh, AQ_A_MAX + 5, 42);		/* unknown: skipped */
	n = mnl_attr_nest_start(nlh, AQ_A_VIP_BACKENDS);
	put_backend(nlh, 0, "fd00::2", 8080, 1, 0);
	put_backend(nlh, 7, "fd00::3", 8081, 0, 1);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static void test_parse_reply(void)
{
	static struct aqmsg_vip v;
	static struct aq_vip_info info;
	char buf[AQNL_MSG_LEN], want[16];
	struct nlmsghdr *nlh = reply(buf);
	struct aqmsg_err e;

	TAP_EQ(aqmsg_parse_vip(nlh, &v, &e), 0, "reply: parsed");
	TAP_EQ(v.cmd, AQ_CMD_VIP_NEW, "reply: cmd VIP_NEW");
	TAP_CHECK(!strcmp(v.name, "web"), "reply: name");
	inet_pton(AF_INET6, "fd00::10", want);
	TAP_CHECK(v.family == AF_INET6 && !memcmp(v.addr, want, 16), "reply: IPv6 address");
	TAP_EQ(v.port, 443, "reply: port");
	TAP_EQ(v.proto, IPPROTO_TCP, "reply: proto");
	TAP_EQ(v.mode, AQ_MODE_NAT, "reply: mode");
	TAP_EQ(v.sched, AQ_SCHED_LSQ, "reply: sched");
	TAP_EQ(v.snapshot_ms, 100, "reply: snapshot");
	TAP_EQ(v.id, 3, "reply: id");
	TAP_CHECK(v.region_offset == 3ULL << AQ_REGION_OFFSET_SHIFT, "reply: region offset (u64)");
	TAP_EQ(v.region_size, 1064960, "reply: region size");
	TAP_EQ(v.nr_backends, 2, "reply: 2 backends");
	inet_pton(AF_INET6, "fd00::3", want);
	TAP_CHECK(v.backends[1].column == 7 && v.backends[1].family == AF_INET6 &&
		  !memcmp(v.backends[1].addr, want, 16) && v.backends[1].port == 8081 &&
		  v.backends[1].weight == 0 && v.backends[1].drain,
		  "reply: backend 2: column 7, fd00::3, 8081, weight 0, drain");
	TAP_CHECK(v.backends[0].column == 0 && v.backends[0].weight == 1 &&
		  !v.backends[0].drain, "reply: backend 1: column 0, weight 1, no drain");
	TAP_CHECK(AQMSG_HAS(&v, AQ_A_VIP_REGION_SIZE) && AQMSG_HAS(&v, AQ_A_VIP_BACKENDS) &&
		  !AQMSG_HAS(&v, AQ_A_VIP_WEIGHTS), "reply: attributes seen are marked");

	aqmsg_vip_to_info(&v, &info);
	TAP_CHECK(info.offset == v.region_offset && info.size == 1064960 &&
		  !strcmp(info.name, "web") && info.port == 443 && info.nr_backends == 2 &&
		  info.backends[1].column == 7 && info.backends[1].active,
		  "reply: discovery record for mapping the region");
}

static void test_parse_event_del(void)
{
	static struct aqmsg_vip v;
	char buf[AQNL_MSG_LEN];
	struct nlmsghdr *nlh = aqnl_msg_start(buf, FAMILY, AQ_CMD_VIP_DEL,
					      AQ_GENL_VERSION, 0);
	struct aqmsg_err e;

	mnl_attr_put_strz(nlh, AQ_A_VIP_NAME, "gone");
	mnl_attr_put_u32(nlh, AQ_A_VIP_ID, 9);
	TAP_EQ(aqmsg_parse_vip(nlh, &v, &e), 0, "VIP_DEL event: parsed");
	TAP_CHECK(v.cmd == AQ_CMD_VIP_DEL && v.present ==
		  ((1U << AQ_A_VIP_NAME) | (1U << AQ_A_VIP_ID)) && v.id == 9,
		  "VIP_DEL event: name and id only");
	TAP_CHECK(!strcmp(aqmsg_event_name(v.cmd), "vip-del") &&
		  !strcmp(aqmsg_event_name(AQ_CMD_WEIGHTS_SET), "weights-set") &&
		  !aqmsg_event_name(AQ_CMD_VIP_GET), "event names");
}

static void test_parse_bad(void)
{
	static struct aqmsg_vip v;
	char buf[AQNL_MSG_LEN];
	struct nlmsghdr *nlh;
	struct aqmsg_err e;
	struct nlattr *n;
	int i;

	nlh = aqnl_msg_start(buf, FAMILY, AQ_CMD_VIP_NEW, 1, 0);
	mnl_attr_put_u32(nlh, AQ_A_VIP_PORT, 80);
	TAP_EQ(aqmsg_parse_vip(nlh, &v, &e), -EPROTO, "bad reply: port of 4 bytes (%s)", e.msg);

	nlh = aqnl_msg_start(buf, FAMILY, AQ_CMD_VIP_NEW, 1, 0);
	mnl_attr_put(nlh, AQ_A_VIP_NAME, 3, "web");
	TAP_EQ(aqmsg_parse_vip(nlh, &v, &e), -EPROTO, "bad reply: name without NUL");

	nlh = aqnl_msg_start(buf, FAMILY, AQ_CMD_VIP_NEW, 1, 0);
	mnl_attr_put(nlh, AQ_A_VIP_NAME, AQ_NAME_LEN + 1,
		     "0123456789012345678901234567890123456789");
	TAP_EQ(aqmsg_parse_vip(nlh, &v, &e), -EPROTO, "bad reply: name longer than AQ_NAME_LEN");

	nlh = aqnl_msg_start(buf, FAMILY, AQ_CMD_VIP_NEW, 1, 0);
	mnl_attr_put(nlh, AQ_A_VIP_ADDR, 5, "12345");
	TAP_EQ(aqmsg_parse_vip(nlh, &v, &e), -EPROTO, "bad reply: address of 5 bytes");

	nlh = aqnl_msg_start(buf, FAMILY, AQ_CMD_VIP_NEW, 1, 0);
	n = mnl_attr_nest_start(nlh, AQ_A_VIP_BACKENDS);
	{
		struct nlattr *b = mnl_attr_nest_start(nlh, AQ_A_BACKEND);

		mnl_attr_put_u16(nlh, AQ_BA_WEIGHT, 1);
		mnl_attr_nest_end(nlh, b);
	}
	mnl_attr_nest_end(nlh, n);
	TAP_EQ(aqmsg_parse_vip(nlh, &v, &e), -EPROTO, "bad reply: backend weight of 2 bytes");

	nlh = aqnl_msg_start(buf, FAMILY, AQ_CMD_VIP_NEW, 1, 0);
	n = mnl_attr_nest_start(nlh, AQ_A_VIP_BACKENDS);
	for (i = 0; i <= AQ_MAX_BACKENDS; i++) {
		struct nlattr *b = mnl_attr_nest_start(nlh, AQ_A_BACKEND);

		mnl_attr_put_u8(nlh, AQ_BA_COLUMN, (uint8_t)i);
		mnl_attr_nest_end(nlh, b);
	}
	mnl_attr_nest_end(nlh, n);
	TAP_EQ(aqmsg_parse_vip(nlh, &v, &e), -EPROTO, "bad reply: %d backends",
	       AQ_MAX_BACKENDS + 1);
}

/* ---- Errors ---------------------------------------------------------------- */

/* Offset from the start of req of the first attribute of `type` (nest: in it). */
static uint32_t offset_of(const struct nlmsghdr *req, uint16_t type, bool in_backend)
{
	const struct nlattr *a, *n;

	mnl_attr_for_each(a, req, GENL_HDRLEN) {
		if (!in_backend && mnl_attr_get_type(a) == type)
			return (uint32_t)((const char *)a - (const char *)req);
		if (in_backend && mnl_attr_get_type(a) == AQ_A_BACKEND)
			mnl_attr_for_each_nested(n, a)
				if (mnl_attr_get_type(n) == type)
					return (uint32_t)((const char *)n - (const char *)req);
	}
	return 0;
}

/* An NLMSGERR for req, echoing it unless capped, with extack attributes. */
static struct nlmsghdr *nlmsgerr(char *buf, const struct nlmsghdr *req, int error,
				 bool capped)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	memset(buf, 0, AQNL_MSG_LEN);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0);
	nlh->nlmsg_seq = req->nlmsg_seq;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg = *req;
	if (!capped) {
		size_t plen = req->nlmsg_len - MNL_NLMSG_HDRLEN;

		memcpy(mnl_nlmsg_put_extra_header(nlh, plen),
		       mnl_nlmsg_get_payload(req), plen);
	}
	return nlh;
}

static void test_errors(void)
{
	char buf[AQNL_MSG_LEN], req_buf[AQNL_MSG_LEN], text[512];
	const struct nlattr *a, *parent;
	struct nlmsghdr *req, *nlh;
	struct aqnl_ack ack;
	struct built *b;
	uint32_t offs;

	b = build(aqmsg_vip_add, AQ_CMD_VIP_NEW, "add web tcp 10.0.0.1 80 snapshot 100");
	memcpy(req_buf, b->buf, sizeof(req_buf));
	req = (struct nlmsghdr *)req_buf;
	offs = offset_of(req, AQ_A_VIP_SNAPSHOT_MS, false);

	/* Uncapped: the request is echoed before the TLVs. */
	nlh = nlmsgerr(buf, req, -ERANGE, false);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "snapshot out of range");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, offs);
	TAP_EQ(aqnl_parse_ack(nlh, &ack), 0, "nlmsgerr (echoed request): parsed");
	TAP_CHECK(ack.kernel && ack.error == -ERANGE, "nlmsgerr: error -ERANGE from the kernel");
	TAP_CHECK(!strcmp(ack.msg, "snapshot out of range"), "nlmsgerr: extack message");
	TAP_CHECK(ack.has_offs && ack.offs == offs, "nlmsgerr: extack offset");
	a = aqnl_attr_at(req, GENL_HDRLEN, ack.offs, &parent);
	TAP_CHECK(a && mnl_attr_get_type(a) == AQ_A_VIP_SNAPSHOT_MS && !parent,
		  "offset -> AQ_A_VIP_SNAPSHOT_MS at the top level");
	aqmsg_describe_error(&ack, req, text, sizeof(text));
	TAP_CHECK(!strcmp(text, "Numerical result out of range: snapshot out of range (attribute snapshot)"),
		  "described: '%s'", text);

	/* Capped, missing attribute in a nest. */
	b = build(aqmsg_backend_set, AQ_CMD_BACKEND_SET, "set web column 2 weight 7");
	memcpy(req_buf, b->buf, sizeof(req_buf));
	nlh = nlmsgerr(buf, req, -EINVAL, true);
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, AQ_BA_PORT);
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_NEST, offset_of(req, AQ_A_BACKEND, false));
	TAP_EQ(aqnl_parse_ack(nlh, &ack), 0, "nlmsgerr (capped): parsed");
	TAP_CHECK(ack.error == -EINVAL && ack.has_miss_type && ack.miss_type == AQ_BA_PORT &&
		  ack.has_miss_nest && !ack.has_offs && !ack.msg[0],
		  "nlmsgerr: missing type and nest");
	aqmsg_describe_error(&ack, req, text, sizeof(text));
	TAP_CHECK(!strcmp(text, "Invalid argument (missing attribute port in backend)"),
		  "described: '%s'", text);

	/* An offset inside the nest. */
	nlh = nlmsgerr(buf, req, -ERANGE, true);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "weight too large");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, offset_of(req, AQ_BA_WEIGHT, true));
	aqnl_parse_ack(nlh, &ack);
	a = aqnl_attr_at(req, GENL_HDRLEN, ack.offs, &parent);
	TAP_CHECK(a && mnl_attr_get_type(a) == AQ_BA_WEIGHT && parent &&
		  mnl_attr_get_type(parent) == AQ_A_BACKEND, "offset -> AQ_BA_WEIGHT in AQ_A_BACKEND");
	aqmsg_describe_error(&ack, req, text, sizeof(text));
	TAP_CHECK(!strcmp(text, "Numerical result out of range: weight too large (attribute backend weight)"),
		  "described: '%s'", text);
	TAP_CHECK(!aqnl_attr_at(req, GENL_HDRLEN, offset_of(req, AQ_BA_WEIGHT, true) + 2, NULL) &&
		  !aqnl_attr_at(req, GENL_HDRLEN, req->nlmsg_len + 4, NULL),
		  "offset inside a value or past the end: no attribute");

	/* Plain ACK, and an error without extack. */
	nlh = nlmsgerr(buf, req, 0, true);
	TAP_CHECK(!aqnl_parse_ack(nlh, &ack) && ack.error == 0 && ack.kernel, "ACK: error 0");
	nlh = nlmsgerr(buf, req, -EEXIST, false);
	nlh->nlmsg_flags = 0;
	TAP_CHECK(!aqnl_parse_ack(nlh, &ack) && ack.error == -EEXIST && !ack.msg[0],
		  "error without extended ACK");
	aqmsg_describe_error(&ack, req, text, sizeof(text));
	TAP_CHECK(!strcmp(text, "File exists"), "described: '%s'", text);

	/* Truncated: the echoed request claims more than the message holds. */
	nlh = nlmsgerr(buf, req, -EINVAL, true);
	nlh->nlmsg_flags = NLM_F_ACK_TLVS;
	TAP_EQ(aqnl_parse_ack(nlh, &ack), -EPROTO, "nlmsgerr shorter than its echo: refused");

	/* A dump ending in an error: NLMSG_DONE with the errno and extack. */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = -EPERM;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "not in this namespace");
	TAP_CHECK(!aqnl_parse_ack(nlh, &ack) && ack.error == -EPERM &&
		  !strcmp(ack.msg, "not in this namespace"), "NLMSG_DONE: dump error with extack");

	/* Local failures name their step. */
	memset(&ack, 0, sizeof(ack));
	ack.error = -EACCES;
	snprintf(ack.msg, sizeof(ack.msg), "netlink socket");
	aqmsg_describe_error(&ack, NULL, text, sizeof(text));
	TAP_CHECK(!strcmp(text, "netlink socket: Permission denied"), "local: '%s'", text);
}

/* ---- Controller ------------------------------------------------------------ */

static void put_grp(struct nlmsghdr *nlh, uint16_t idx, const char *name, uint32_t id)
{
	struct nlattr *g = mnl_attr_nest_start(nlh, idx);

	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, id);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, name);
	mnl_attr_nest_end(nlh, g);
}

static void test_family(void)
{
	char buf[AQNL_MSG_LEN];
	struct nlmsghdr *nlh;
	struct nlattr *n;
	uint32_t version = 0, grp = 99;
	uint16_t id = 0;

	nlh = aqnl_msg_start(buf, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 2, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, AQ_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x2a);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, AQ_GENL_VERSION);
	n = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	put_grp(nlh, 1, "other", 5);
	put_grp(nlh, 2, AQ_GENL_MCGRP_EVENTS, 7);
	mnl_attr_nest_end(nlh, n);
	TAP_EQ(aqnl_parse_family(nlh, AQ_GENL_MCGRP_EVENTS, &id, &version, &grp), 0,
	       "controller reply: parsed");
	TAP_CHECK(id == 0x2a && version == AQ_GENL_VERSION && grp == 7,
		  "controller reply: family id, version, id of group 'events'");
	TAP_CHECK(!aqnl_parse_family(nlh, "nope", &id, NULL, &grp) && grp == 0,
		  "controller reply: absent group gives 0");

	nlh = aqnl_msg_start(buf, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 2, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, AQ_GENL_NAME);
	TAP_EQ(aqnl_parse_family(nlh, NULL, &id, NULL, NULL), -EPROTO,
	       "controller reply without a family id: refused");
}

/* The host's own controller: a socket round trip without the module. */
static void test_controller_live(void)
{
	struct aqnl_ack ack;
	struct aqnl nl;
	int err;

	err = aqnl_open(&nl, "nlctrl", "notify", &ack);
	if (err && !ack.kernel) {
		printf("ok %d - # SKIP no generic netlink here (%s: %s)\n",
		       ++tap_count, ack.msg, strerror(-err));
		return;
	}
	TAP_EQ(err, 0, "live: family 'nlctrl' resolved");
	if (!err) {
		char buf[AQNL_MSG_LEN];
		const struct nlattr *a;
		struct nlmsghdr *req;

		TAP_CHECK(nl.family == GENL_ID_CTRL && nl.mcgrp != 0,
			  "live: nlctrl id %u, group 'notify' id %u", nl.family, nl.mcgrp);
		/* A policy error on the socket: the offset names our attribute. */
		req = aqnl_msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
				     NLM_F_REQUEST | NLM_F_ACK);
		mnl_attr_put_u32(req, CTRL_ATTR_FAMILY_ID, 16);
		mnl_attr_put_strz(req, CTRL_ATTR_FAMILY_NAME, "name-longer-than-genl-namsiz");
		err = aqnl_talk(&nl, req, NULL, NULL, &ack);
		a = ack.has_offs ? aqnl_attr_at(req, GENL_HDRLEN, ack.offs, NULL) : NULL;
		TAP_CHECK(err == -EINVAL && ack.kernel && a &&
			  mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME,
			  "live: extack offset -> CTRL_ATTR_FAMILY_NAME of our request");
		aqnl_close(&nl);
	}
	err = aqnl_open(&nl, "aq-no-family", NULL, &ack);
	TAP_CHECK(err == -ENOENT && ack.kernel && ack.no_family,
		  "live: an unregistered family is ENOENT from the controller");
	/* Longer than GENL_NAMSIZ: the controller's policy says why. */
	err = aqnl_open(&nl, "aquarius-family-name-too-long", NULL, &ack);
	TAP_CHECK(err == -EINVAL && ack.kernel && !ack.no_family && ack.msg[0],
		  "live: a policy error comes with the kernel's extended ACK ('%s')",
		  ack.msg);
}

int main(void)
{
	test_genl_header();
	test_vip_add();
	test_vip_others();
	test_backend();
	test_weights();
	test_refused();
	test_parse_reply();
	test_parse_event_del();
	test_parse_bad();
	test_errors();
	test_family();
	test_controller_live();
	return tap_done();
}
