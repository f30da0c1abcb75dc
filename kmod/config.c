// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of service specifications given as module parameters:
 *
 *	NAME/PROTO/VIP:PORT/BACKEND:PORT[,BACKEND:PORT...]
 *
 * NAME is 1-31 characters of [A-Za-z0-9_.-]; PROTO is tcp or udp; an IPv6
 * address is written in brackets, [fd00::1]:80. Backends take columns 0, 1,
 * ... in order; "-" leaves a column empty. The VIP and its backends share
 * one address family. Pure C: also compiled in userspace for host tests.
 */
#include <linux/errno.h>
#include <linux/inet.h>
#include <linux/in.h>
#include <linux/socket.h>
#include <linux/string.h>

#include "config.h"

static bool aq_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int aq_parse_port(const char *s, u16 *port)
{
	unsigned int v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -ERANGE;
	}
	if (!v)
		return -EINVAL;
	*port = v;
	return 0;
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
	char *name, *proto, *vip, *backends, *tok;
	size_t i, len;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	*bad = spec;
	name = aq_next(&spec, '/');
	proto = aq_next(&spec, '/');
	vip = aq_next(&spec, '/');
	backends = spec;
	if (!proto || !vip || !backends)
		return -EINVAL;

	*bad = name;
	len = strlen(name);
	if (!len || len >= AQ_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!aq_name_char_ok(name[i]))
			return -EINVAL;
	memcpy(cfg->name, name, len);

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
		struct aq_endpoint *ep;

		*bad = tok;
		if (cfg->nr_backends == AQ_MAX_BACKENDS)
			return -E2BIG;
		ep = &cfg->backends[cfg->nr_backends++];
		if (!strcmp(tok, "-"))
			continue;
		err = aq_parse_endpoint(tok, ep);
		if (err)
			return err;
		if (ep->family != cfg->vip.family)
			return -EAFNOSUPPORT;
	}
	*bad = NULL;
	return 0;
}
