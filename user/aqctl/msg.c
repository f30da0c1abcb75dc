// SPDX-License-Identifier: GPL-2.0
/* Messages of the aquarius generic netlink family, see msg.h. */
#include "msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>

#include "libaquarius.h"

static const char *const mode_names[AQ_NR_MODES] = {
	[AQ_MODE_OBSERVE] = "observe",
	[AQ_MODE_NAT] = "nat",
	[AQ_MODE_IPIP] = "ipip",
};

static const char *const sched_names[AQ_NR_SCHEDS] = {
	[AQ_SCHED_MAGLEV] = "maglev",
	[AQ_SCHED_SED] = "sed",
	[AQ_SCHED_LSQ] = "lsq",
	[AQ_SCHED_RANDOM] = "random",
};

static const char *const event_names[AQ_CMD_MAX + 1] = {
	[AQ_CMD_VIP_NEW] = "vip-new",
	[AQ_CMD_VIP_DEL] = "vip-del",
	[AQ_CMD_VIP_SET] = "vip-set",
	[AQ_CMD_BACKEND_NEW] = "backend-new",
	[AQ_CMD_BACKEND_DEL] = "backend-del",
	[AQ_CMD_BACKEND_SET] = "backend-set",
	[AQ_CMD_WEIGHTS_SET] = "weights-set",
};

/* As the user knows them: the keywords of the command line. */
static const char *const attr_names[AQ_A_MAX + 1] = {
	[AQ_A_PAD] = "pad",
	[AQ_A_VIP_NAME] = "name",
	[AQ_A_VIP_ADDR] = "address",
	[AQ_A_VIP_PORT] = "port",
	[AQ_A_VIP_PROTO] = "protocol",
	[AQ_A_VIP_MODE] = "mode",
	[AQ_A_VIP_SCHED] = "sched",
	[AQ_A_VIP_SNAPSHOT_MS] = "snapshot",
	[AQ_A_VIP_ID] = "id",
	[AQ_A_VIP_REGION_OFFSET] = "region offset",
	[AQ_A_VIP_REGION_SIZE] = "region size",
	[AQ_A_VIP_BACKENDS] = "backends",
	[AQ_A_BACKEND] = "backend",
	[AQ_A_VIP_WEIGHTS] = "weights",
};

static const char *const backend_attr_names[AQ_BA_MAX + 1] = {
	[AQ_BA_COLUMN] = "column",
	[AQ_BA_ADDR] = "address",
	[AQ_BA_PORT] = "port",
	[AQ_BA_WEIGHT] = "weight",
	[AQ_BA_DRAIN] = "drain",
};

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, unsigned int v)
{
	return v < n ? names[v] : NULL;
}

const char *aqmsg_mode_name(unsigned int mode)
{
	return name_of(mode_names, ARRAY_LEN(mode_names), mode);
}

const char *aqmsg_sched_name(unsigned int sched)
{
	return name_of(sched_names, ARRAY_LEN(sched_names), sched);
}

const char *aqmsg_event_name(unsigned int cmd)
{
	return name_of(event_names, ARRAY_LEN(event_names), cmd);
}

/* ---- Words of the command line --------------------------------------------- */

static int fail(struct aqmsg_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct aqmsg_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int parse_name(const char *s, struct aqmsg_err *err)
{
	size_t i, n = strlen(s);

	if (!n || n >= AQ_NAME_LEN)
		goto bad;
	for (i = 0; i < n; i++)
		if (!name_char_ok(s[i]))
			goto bad;
	return 0;
bad:
	return fail(err, "invalid VIP name '%s': 1 to %d characters of A-Z a-z 0-9 _ . -",
		    s, AQ_NAME_LEN - 1);
}

/* A decimal number min..max, digits only. */
static int parse_num(const char *s, unsigned long min, unsigned long max,
		     unsigned long *v)
{
	unsigned long n = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (unsigned long)(*s - '0');
		if (n > max)
			return -1;
	}
	if (n < min)
		return -1;
	*v = n;
	return 0;
}

static int parse_port(const char *s, uint16_t *port, struct aqmsg_err *err)
{
	unsigned long v;

	if (parse_num(s, 1, 65535, &v))
		return fail(err, "invalid port '%s': 1..65535", s);
	*port = (uint16_t)v;
	return 0;
}

static int parse_weight(const char *s, uint32_t *w, struct aqmsg_err *err)
{
	unsigned long v;

	if (parse_num(s, 0, AQ_MAX_WEIGHT, &v))
		return fail(err, "invalid weight '%s': 0..%d", s, AQ_MAX_WEIGHT);
	*w = (uint32_t)v;
	return 0;
}

/* Address length (4 or 16) in *len, raw network-order bytes in addr. */
static int parse_addr(const char *s, uint8_t addr[16], size_t *len,
		      struct aqmsg_err *err)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*len = 16;
		return 0;
	}
	return fail(err, "invalid address '%s': IPv4 or IPv6, without brackets", s);
}

static int parse_enum(const char *what, const char *s,
		      const char *const *names, size_t n, uint8_t *v,
		      struct aqmsg_err *err)
{
	char list[64] = "";
	size_t i, used = 0;

	for (i = 0; i < n; i++) {
		if (!strcmp(s, names[i])) {
			*v = (uint8_t)i;
			return 0;
		}
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 i ? "|" : "", names[i]);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
	}
	return fail(err, "invalid %s '%s': %s", what, s, list);
}

/* Keywords after the positional arguments. */
enum {
	KW_MODE = 1U << 0,
	KW_SCHED = 1U << 1,
	KW_SNAPSHOT = 1U << 2,
	KW_COLUMN = 1U << 3,
	KW_WEIGHT = 1U << 4,
	KW_DRAIN = 1U << 5,
};

static const char *const kw_names[] = {
	"mode", "sched", "snapshot", "column", "weight", "drain",
};

struct kw {
	unsigned int seen;		/* KW_* */
	uint8_t mode, sched, column;
	bool drain;
	uint32_t snapshot_ms, weight;
};

static int parse_kw_value(struct kw *k, unsigned int bit, const char *v,
			  struct aqmsg_err *err)
{
	unsigned long n;

	switch (bit) {
	case KW_MODE:
		return parse_enum("mode", v, mode_names, AQ_NR_MODES, &k->mode, err);
	case KW_SCHED:
		return parse_enum("sched", v, sched_names, AQ_NR_SCHEDS,
				  &k->sched, err);
	case KW_SNAPSHOT:
		if (parse_num(v, AQ_SNAPSHOT_MS_MIN, AQ_SNAPSHOT_MS_MAX, &n))
			return fail(err, "invalid snapshot '%s': %d..%d ms", v,
				    AQ_SNAPSHOT_MS_MIN, AQ_SNAPSHOT_MS_MAX);
		k->snapshot_ms = (uint32_t)n;
		return 0;
	case KW_COLUMN:
		if (parse_num(v, 0, AQ_MAX_BACKENDS - 1, &n))
			return fail(err, "invalid column '%s': 0..%d", v,
				    AQ_MAX_BACKENDS - 1);
		k->column = (uint8_t)n;
		return 0;
	case KW_WEIGHT:
		return parse_weight(v, &k->weight, err);
	case KW_DRAIN:
		if (!strcmp(v, "on"))
			k->drain = true;
		else if (!strcmp(v, "off"))
			k->drain = false;
		else
			return fail(err, "invalid drain '%s': on|off", v);
		return 0;
	}
	return -EINVAL;
}

/* Parse "KEY VALUE" pairs, keys among `allowed` (KW_*), each at most once. */
static int parse_kws(int argc, char **argv, unsigned int allowed, struct kw *k,
		     struct aqmsg_err *err)
{
	int i, ret;
	size_t b;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < argc; i += 2) {
		for (b = 0; b < ARRAY_LEN(kw_names); b++)
			if ((allowed & (1U << b)) && !strcmp(argv[i], kw_names[b]))
				break;
		if (b == ARRAY_LEN(kw_names))
			return fail(err, "unexpected argument '%s'", argv[i]);
		if (k->seen & (1U << b))
			return fail(err, "'%s' given twice", argv[i]);
		if (i + 1 >= argc)
			return fail(err, "'%s' needs a value", argv[i]);
		ret = parse_kw_value(k, 1U << b, argv[i + 1], err);
		if (ret)
			return ret;
		k->seen |= 1U << b;
	}
	return 0;
}

/* ---- Requests -------------------------------------------------------------- */

static void put_vip_kws(struct nlmsghdr *nlh, const struct kw *k)
{
	if (k->seen & KW_MODE)
		mnl_attr_put_u8(nlh, AQ_A_VIP_MODE, k->mode);
	if (k->seen & KW_SCHED)
		mnl_attr_put_u8(nlh, AQ_A_VIP_SCHED, k->sched);
	if (k->seen & KW_SNAPSHOT)
		mnl_attr_put_u32(nlh, AQ_A_VIP_SNAPSHOT_MS, k->snapshot_ms);
}

/* AQ_A_VIP_NAME from argv[1]. */
static int put_name(struct nlmsghdr *nlh, int argc, char **argv,
		    struct aqmsg_err *err)
{
	if (argc < 2)
		return fail(err, "missing VIP name");
	if (parse_name(argv[1], err))
		return -EINVAL;
	mnl_attr_put_strz(nlh, AQ_A_VIP_NAME, argv[1]);
	return 0;
}

int aqmsg_vip_add(struct nlmsghdr *nlh, int argc, char **argv,
		  struct aqmsg_err *err)
{
	uint8_t addr[16], proto;
	size_t alen = 0;
	uint16_t port = 0;
	struct kw k;

	if (argc < 5)
		return fail(err, "needs NAME tcp|udp ADDR PORT");
	if (parse_name(argv[1], err))
		return -EINVAL;
	if (!strcmp(argv[2], "tcp"))
		proto = IPPROTO_TCP;
	else if (!strcmp(argv[2], "udp"))
		proto = IPPROTO_UDP;
	else
		return fail(err, "invalid protocol '%s': tcp|udp", argv[2]);
	if (parse_addr(argv[3], addr, &alen, err) ||
	    parse_port(argv[4], &port, err) ||
	    parse_kws(argc - 5, argv + 5, KW_MODE | KW_SCHED | KW_SNAPSHOT, &k, err))
		return -EINVAL;
	mnl_attr_put_strz(nlh, AQ_A_VIP_NAME, argv[1]);
	mnl_attr_put(nlh, AQ_A_VIP_ADDR, alen, addr);
	mnl_attr_put_u16(nlh, AQ_A_VIP_PORT, port);
	mnl_attr_put_u8(nlh, AQ_A_VIP_PROTO, proto);
	put_vip_kws(nlh, &k);
	return 0;
}

static int name_only(struct nlmsghdr *nlh, int argc, char **argv,
		     struct aqmsg_err *err)
{
	if (argc > 2)
		return fail(err, "unexpected argument '%s'", argv[2]);
	return put_name(nlh, argc, argv, err);
}

int aqmsg_vip_del(struct nlmsghdr *nlh, int argc, char **argv,
		  struct aqmsg_err *err)
{
	return name_only(nlh, argc, argv, err);
}

int aqmsg_vip_get(struct nlmsghdr *nlh, int argc, char **argv,
		  struct aqmsg_err *err)
{
	return name_only(nlh, argc, argv, err);
}

int aqmsg_vip_set(struct nlmsghdr *nlh, int argc, char **argv,
		  struct aqmsg_err *err)
{
	struct kw k;

	if (argc < 2)
		return fail(err, "missing VIP name");
	if (parse_name(argv[1], err) ||
	    parse_kws(argc - 2, argv + 2, KW_MODE | KW_SCHED | KW_SNAPSHOT, &k, err))
		return -EINVAL;
	if (!k.seen)
		return fail(err, "nothing to set: mode, sched or snapshot");
	mnl_attr_put_strz(nlh, AQ_A_VIP_NAME, argv[1]);
	put_vip_kws(nlh, &k);
	return 0;
}

/*
 * NAME (ADDR PORT | column C) [keywords]: the AQ_A_BACKEND nest naming a
 * backend, with the keywords `allowed`. `add` takes ADDR PORT only, and
 * column as a keyword.
 */
static int backend_msg(struct nlmsghdr *nlh, int argc, char **argv,
		       unsigned int allowed, bool add, unsigned int need,
		       struct aqmsg_err *err)
{
	bool by_column = false;
	uint8_t addr[16], column = 0;
	size_t alen = 0;
	uint16_t port = 0;
	struct nlattr *nest;
	unsigned long n;
	struct kw k;
	int rest;

	if (argc < 2)
		return fail(err, "missing VIP name");
	if (parse_name(argv[1], err))
		return -EINVAL;
	if (!add && argc >= 3 && !strcmp(argv[2], "column")) {
		if (argc < 4)
			return fail(err, "'column' needs a value");
		if (parse_num(argv[3], 0, AQ_MAX_BACKENDS - 1, &n))
			return fail(err, "invalid column '%s': 0..%d", argv[3],
				    AQ_MAX_BACKENDS - 1);
		by_column = true;
		column = (uint8_t)n;
	} else {
		if (argc < 4)
			return fail(err, add ? "needs NAME ADDR PORT" :
				    "needs NAME ADDR PORT or NAME column C");
		if (parse_addr(argv[2], addr, &alen, err) ||
		    parse_port(argv[3], &port, err))
			return -EINVAL;
	}
	rest = 4;
	if (parse_kws(argc - rest, argv + rest, allowed, &k, err))
		return -EINVAL;
	if (need && !(k.seen & need))
		return fail(err, "nothing to set: weight or drain");
	mnl_attr_put_strz(nlh, AQ_A_VIP_NAME, argv[1]);
	nest = mnl_attr_nest_start(nlh, AQ_A_BACKEND);
	if (by_column || (k.seen & KW_COLUMN))
		mnl_attr_put_u8(nlh, AQ_BA_COLUMN, by_column ? column : k.column);
	if (!by_column) {
		mnl_attr_put(nlh, AQ_BA_ADDR, alen, addr);
		mnl_attr_put_u16(nlh, AQ_BA_PORT, port);
	}
	if (k.seen & KW_WEIGHT)
		mnl_attr_put_u32(nlh, AQ_BA_WEIGHT, k.weight);
	if (k.seen & KW_DRAIN)
		mnl_attr_put_u8(nlh, AQ_BA_DRAIN, k.drain);
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

int aqmsg_backend_add(struct nlmsghdr *nlh, int argc, char **argv,
		      struct aqmsg_err *err)
{
	return backend_msg(nlh, argc, argv, KW_COLUMN | KW_WEIGHT | KW_DRAIN,
			   true, 0, err);
}

int aqmsg_backend_del(struct nlmsghdr *nlh, int argc, char **argv,
		      struct aqmsg_err *err)
{
	return backend_msg(nlh, argc, argv, 0, false, 0, err);
}

int aqmsg_backend_set(struct nlmsghdr *nlh, int argc, char **argv,
		      struct aqmsg_err *err)
{
	return backend_msg(nlh, argc, argv, KW_WEIGHT | KW_DRAIN, false,
			   KW_WEIGHT | KW_DRAIN, err);
}

int aqmsg_weights_set(struct nlmsghdr *nlh, int argc, char **argv,
		      struct aqmsg_err *err)
{
	uint32_t w[AQ_MAX_BACKENDS];
	int i, n = argc - 2;

	if (argc < 2)
		return fail(err, "missing VIP name");
	if (parse_name(argv[1], err))
		return -EINVAL;
	if (n < 1)
		return fail(err, "needs one weight per column, from column 0");
	if (n > AQ_MAX_BACKENDS)
		return fail(err, "%d weights: at most %d (one per column)", n,
			    AQ_MAX_BACKENDS);
	for (i = 0; i < n; i++)
		if (parse_weight(argv[2 + i], &w[i], err))
			return -EINVAL;
	mnl_attr_put_strz(nlh, AQ_A_VIP_NAME, argv[1]);
	mnl_attr_put(nlh, AQ_A_VIP_WEIGHTS, (size_t)n * sizeof(w[0]), w);
	return 0;
}

/* ---- Replies and events ---------------------------------------------------- */

/* Attribute payload sizes; 0: not a fixed size (checked by hand). */
static const uint16_t vip_attr_len[AQ_A_MAX + 1] = {
	[AQ_A_VIP_PORT] = sizeof(uint16_t),
	[AQ_A_VIP_PROTO] = sizeof(uint8_t),
	[AQ_A_VIP_MODE] = sizeof(uint8_t),
	[AQ_A_VIP_SCHED] = sizeof(uint8_t),
	[AQ_A_VIP_SNAPSHOT_MS] = sizeof(uint32_t),
	[AQ_A_VIP_ID] = sizeof(uint32_t),
	[AQ_A_VIP_REGION_OFFSET] = sizeof(uint64_t),
	[AQ_A_VIP_REGION_SIZE] = sizeof(uint64_t),
};

static const uint16_t backend_attr_len[AQ_BA_MAX + 1] = {
	[AQ_BA_COLUMN] = sizeof(uint8_t),
	[AQ_BA_PORT] = sizeof(uint16_t),
	[AQ_BA_WEIGHT] = sizeof(uint32_t),
	[AQ_BA_DRAIN] = sizeof(uint8_t),
};

static int perr(struct aqmsg_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int perr(struct aqmsg_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EPROTO;
}

static int get_addr(const struct nlattr *a, int *family, uint8_t addr[16])
{
	uint16_t len = mnl_attr_get_payload_len(a);

	if (len != 4 && len != 16)
		return -1;
	memset(addr, 0, 16);
	memcpy(addr, mnl_attr_get_payload(a), len);
	*family = len == 4 ? AF_INET : AF_INET6;
	return 0;
}

static int parse_backend(const struct nlattr *nest, struct aqmsg_backend *b,
			 struct aqmsg_err *err)
{
	const struct nlattr *a;

	memset(b, 0, sizeof(*b));
	mnl_attr_for_each_nested(a, nest) {
		uint16_t t = mnl_attr_get_type(a);

		if (t > AQ_BA_MAX)
			continue;
		if (backend_attr_len[t] &&
		    mnl_attr_get_payload_len(a) != backend_attr_len[t])
			return perr(err, "backend attribute %s: %u bytes",
				    backend_attr_names[t],
				    (unsigned int)mnl_attr_get_payload_len(a));
		switch (t) {
		case AQ_BA_COLUMN:
			b->column = mnl_attr_get_u8(a);
			break;
		case AQ_BA_ADDR:
			if (get_addr(a, &b->family, b->addr))
				return perr(err, "backend address of %u bytes",
					    (unsigned int)mnl_attr_get_payload_len(a));
			break;
		case AQ_BA_PORT:
			b->port = mnl_attr_get_u16(a);
			break;
		case AQ_BA_WEIGHT:
			b->weight = mnl_attr_get_u32(a);
			break;
		case AQ_BA_DRAIN:
			b->drain = mnl_attr_get_u8(a) != 0;
			break;
		default:
			continue;
		}
		b->present |= 1U << t;
	}
	return 0;
}

static int parse_backends(const struct nlattr *nest, struct aqmsg_vip *vip,
			  struct aqmsg_err *err)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != AQ_A_BACKEND)
			continue;
		if (vip->nr_backends >= AQ_MAX_BACKENDS)
			return perr(err, "more than %d backends", AQ_MAX_BACKENDS);
		if (parse_backend(a, &vip->backends[vip->nr_backends], err))
			return -EPROTO;
		vip->nr_backends++;
	}
	return 0;
}

int aqmsg_parse_vip(const struct nlmsghdr *nlh, struct aqmsg_vip *vip,
		    struct aqmsg_err *err)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint16_t len;

	memset(vip, 0, sizeof(*vip));
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return perr(err, "message of %u bytes", nlh->nlmsg_len);
	vip->cmd = genl->cmd;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		uint16_t t = mnl_attr_get_type(a);

		if (t > AQ_A_MAX)
			continue;
		len = mnl_attr_get_payload_len(a);
		if (vip_attr_len[t] && len != vip_attr_len[t])
			return perr(err, "attribute %s: %u bytes", attr_names[t],
				    (unsigned int)len);
		switch (t) {
		case AQ_A_VIP_NAME:
			if (!len || len > AQ_NAME_LEN ||
			    ((const char *)mnl_attr_get_payload(a))[len - 1])
				return perr(err, "VIP name of %u bytes without its NUL",
					    (unsigned int)len);
			memcpy(vip->name, mnl_attr_get_payload(a), len);
			break;
		case AQ_A_VIP_ADDR:
			if (get_addr(a, &vip->family, vip->addr))
				return perr(err, "VIP address of %u bytes",
					    (unsigned int)len);
			break;
		case AQ_A_VIP_PORT:
			vip->port = mnl_attr_get_u16(a);
			break;
		case AQ_A_VIP_PROTO:
			vip->proto = mnl_attr_get_u8(a);
			break;
		case AQ_A_VIP_MODE:
			vip->mode = mnl_attr_get_u8(a);
			break;
		case AQ_A_VIP_SCHED:
			vip->sched = mnl_attr_get_u8(a);
			break;
		case AQ_A_VIP_SNAPSHOT_MS:
			vip->snapshot_ms = mnl_attr_get_u32(a);
			break;
		case AQ_A_VIP_ID:
			vip->id = mnl_attr_get_u32(a);
			break;
		case AQ_A_VIP_REGION_OFFSET:
			vip->region_offset = mnl_attr_get_u64(a);
			break;
		case AQ_A_VIP_REGION_SIZE:
			vip->region_size = mnl_attr_get_u64(a);
			break;
		case AQ_A_VIP_BACKENDS:
			if (parse_backends(a, vip, err))
				return -EPROTO;
			break;
		default:	/* pad, weights: not shown */
			continue;
		}
		vip->present |= 1U << t;
	}
	return 0;
}

void aqmsg_vip_to_info(const struct aqmsg_vip *vip, struct aq_vip_info *info)
{
	unsigned int i;

	memset(info, 0, sizeof(*info));
	memcpy(info->name, vip->name, sizeof(info->name));
	info->proto = vip->proto;
	info->family = vip->family;
	memcpy(info->addr, vip->addr, sizeof(info->addr));
	info->port = vip->port;
	info->offset = vip->region_offset;
	info->size = vip->region_size;
	for (i = 0; i < vip->nr_backends; i++) {
		const struct aqmsg_backend *b = &vip->backends[i];
		struct aq_backend_info *bi = &info->backends[i];

		bi->column = b->column;
		bi->family = b->family;
		memcpy(bi->addr, b->addr, sizeof(bi->addr));
		bi->port = b->port;
		/* A listed backend holds its column, as in the proc file. */
		bi->active = true;
	}
	info->nr_backends = vip->nr_backends;
}

/* ---- Errors ---------------------------------------------------------------- */

static const char *attr_name(uint32_t type, bool in_backend)
{
	const char *n = in_backend ?
		name_of(backend_attr_names, ARRAY_LEN(backend_attr_names), type) :
		name_of(attr_names, ARRAY_LEN(attr_names), type);

	return n ? n : "?";
}

static bool is_backend_nest(const struct nlattr *nest)
{
	return nest && mnl_attr_get_type(nest) == AQ_A_BACKEND;
}

const char *aqmsg_describe_error(const struct aqnl_ack *ack,
				 const struct nlmsghdr *req, char *buf,
				 size_t len)
{
	const struct nlattr *a, *parent, *nest = NULL;
	size_t used;

	if (!ack->kernel) {
		snprintf(buf, len, "%s: %s", ack->msg, strerror(-ack->error));
		return buf;
	}
	used = (size_t)snprintf(buf, len, "%s", strerror(-ack->error));
	if (ack->msg[0] && used < len)
		used += (size_t)snprintf(buf + used, len - used, ": %s", ack->msg);
	if (ack->has_miss_type && used < len) {
		if (ack->has_miss_nest && req)
			nest = aqnl_attr_at(req, GENL_HDRLEN, ack->miss_nest, NULL);
		used += (size_t)snprintf(buf + used, len - used,
					 " (missing attribute %s%s%s)",
					 attr_name(ack->miss_type, is_backend_nest(nest)),
					 nest ? " in " : "",
					 nest ? attr_name(mnl_attr_get_type(nest), false) : "");
	}
	if (ack->has_offs && req && used < len) {
		a = aqnl_attr_at(req, GENL_HDRLEN, ack->offs, &parent);
		if (a)
			snprintf(buf + used, len - used, " (attribute %s%s)",
				 is_backend_nest(parent) ? "backend " : "",
				 attr_name(mnl_attr_get_type(a),
					   is_backend_nest(parent)));
	}
	return buf;
}
