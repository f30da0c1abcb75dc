// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of service specifications given as module parameters:
 *
 *	NAME/PROTO/VIP:PORT/BACKEND:PORT[@WEIGHT][,...][/MODE[/SCHED]]
 *
 * NAME is 1-31 characters of [A-Za-z0-9_.-]; PROTO is tcp or udp; an IPv6
 * address is written in brackets, [fd00::1]:80. Backends take columns 0, 1,
 * ... in order; "-" leaves a column empty. WEIGHT is 0..AQ_MAX_WEIGHT
 * (default 1). MODE is observe (default), nat or ipip; SCHED is maglev
 * (default), sed, lsq or random: the names of the uapi enums. The VIP and
 * its backends share one address family. Pure C: also compiled in
 * userspace for host tests.
 */
#include <linux/errno.h>
#include <linux/inet.h>
#include <linux/in.h>
#include <linux/socket.h>
#include <linux/string.h>

#include "config.h"

const char *const aq_mode_names[AQ_NR_MODES] = {
	[AQ_MODE_OBSERVE] = "observe",
	[AQ_MODE_NAT] = "nat",
	[AQ_MODE_IPIP] = "ipip",
};

const char *const aq_sched_names[AQ_NR_SCHEDS] = {
	[AQ_SCHED_MAGLEV] = "maglev",
	[AQ_SCHED_SED] = "sed",
	[AQ_SCHED_LSQ] = "lsq",
	[AQ_SCHED_RANDOM] = "random",
};

static bool aq_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/**
 * aq_valid_name() - a VIP name: 1..AQ_NAME_LEN-1 of [A-Za-z0-9_.-]
 * @name: NUL-terminated text
 *
 * Return: true if valid.
 */
bool aq_valid_name(const char *name)
{
	size_t i, len = strlen(name);

	if (!len || len >= AQ_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!aq_name_char_ok(name[i]))
			return false;
	return true;
}

/* A decimal number in [lo, hi]: -EINVAL if not a number, -ERANGE. */
static int aq_parse_uint(const char *s, unsigned int lo, unsigned int hi,
			 unsigned int *out)
{
	unsigned int v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > hi)
			return -ERANGE;
	}
	if (v < lo)
		return -ERANGE;
	*out = v;
	return 0;
}

static int aq_parse_port(const char *s, u16 *port)
{
	unsigned int v;
	int err = aq_parse_uint(s, 0, 65535, &v);

	if (err)
		return err;
	if (!v)
		return -EINVAL;
	*port = v;
	return 0;
}

static int aq_parse_enum(const char *s, const char *const *names,
			 unsigned int n, u8 *out)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * aq_parse_endpoint() - parse "A.B.C.D:PORT" or "[V6]:PORT"
 * @s: the text
 * @ep: the result
 *
 * Return: 0, or -EINVAL for malformed text, -ERANGE for a port over 65535.
 */
int aq_parse_endpoint(const char *s, struct aq_endpoint *ep)
{
	const char *end, *colon;
	size_t len;

	memset(ep, 0, sizeof(*ep));
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		len = end - (s + 1);
		if (!len || !in6_pton(s + 1, len, ep->addr, -1, &colon) ||
		    colon != end)
			return -EINVAL;
		ep->family = AF_INET6;
		return aq_parse_port(end + 2, &ep->port);
	}
	end = strrchr(s, ':');
	if (!end || end == s)
		return -EINVAL;
	if (!in4_pton(s, end - s, ep->addr, -1, &colon) || colon != end)
		return -EINVAL;
	ep->family = AF_INET;
	return aq_parse_port(end + 1, &ep->port);
}

/* Split off the next field of @s at @sep (like strsep, kept local). */
static char *aq_next(char **s, char sep)
{
	char *start = *s, *p;

	if (!start)
		return NULL;
	p = strchr(start, sep);
	if (p) {
		*p = '\0';
		*s = p + 1;
	} else {
		*s = NULL;
	}
	return start;
}

/**
 * aq_parse_vip() - parse one service specification (see the top of file)
 * @spec: the text; modified in place
 * @cfg: the result
 * @bad: on error, set to the offending token (points into @spec)
 *
 * Return: 0, or a negative errno with @bad set.
 */
int aq_parse_vip(char *spec, struct aq_vip_config *cfg, const char **bad)
{
	char *name, *proto, *vip, *backends, *mode, *sched, *tok;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	*bad = spec;
	name = aq_next(&spec, '/');
	proto = aq_next(&spec, '/');
	vip = aq_next(&spec, '/');
	backends = aq_next(&spec, '/');
	mode = aq_next(&spec, '/');
	sched = aq_next(&spec, '/');
	if (!proto || !vip || !backends)
		return -EINVAL;
	if (spec) {
		*bad = spec;
		return -EINVAL;
	}

	*bad = name;
	if (!aq_valid_name(name))
		return -EINVAL;
	strscpy(cfg->name, name, sizeof(cfg->name));

	*bad = proto;
	if (!strcmp(proto, "tcp"))
		cfg->proto = IPPROTO_TCP;
	else if (!strcmp(proto, "udp"))
		cfg->proto = IPPROTO_UDP;
	else
		return -EINVAL;

	*bad = vip;
	err = aq_parse_endpoint(vip, &cfg->vip);
	if (err)
		return err;

	while ((tok = aq_next(&backends, ',')) != NULL) {
		unsigned int col = cfg->nr_backends;
		char *weight;

		*bad = tok;
		if (col == AQ_MAX_BACKENDS)
			return -E2BIG;
		cfg->nr_backends++;
		if (!strcmp(tok, "-"))
			continue;
		weight = strchr(tok, '@');
		cfg->weights[col] = 1;
		if (weight) {
			*weight++ = '\0';
			err = aq_parse_uint(weight, 0, AQ_MAX_WEIGHT,
					    &cfg->weights[col]);
			if (err)
				return err;
		}
		err = aq_parse_endpoint(tok, &cfg->backends[col]);
		if (err)
			return err;
		if (cfg->backends[col].family != cfg->vip.family)
			return -EAFNOSUPPORT;
	}
	if (mode) {
		*bad = mode;
		if (aq_parse_enum(mode, aq_mode_names, AQ_NR_MODES, &cfg->mode))
			return -EINVAL;
	}
	if (sched) {
		*bad = sched;
		if (aq_parse_enum(sched, aq_sched_names, AQ_NR_SCHEDS,
				  &cfg->sched))
			return -EINVAL;
	}
	*bad = NULL;
	return 0;
}
