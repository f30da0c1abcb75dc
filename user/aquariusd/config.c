// SPDX-License-Identifier: GPL-2.0
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_FILE_MAX	65536

void aqd_config_defaults(struct aqd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->shm_mode = 0660;
	c->rate_limit_ms = 100;
	c->poll_ms = 20;
	c->resync_ms = 1000;
	c->listen_enabled = true;
	snprintf(c->listen_addr, sizeof(c->listen_addr), "127.0.0.1");
	c->listen_port = AQD_DEFAULT_PORT;
	c->log_target = AQD_LOG_STDERR;
	snprintf(c->device, sizeof(c->device), "/dev/aquarius");
}

static int parse_uint(const char *s, int base, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "on") ||
	    !strcmp(s, "1"))
		*out = true;
	else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "off") ||
		 !strcmp(s, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

int aqd_config_parse_listen(const char *s, bool *enabled, char *addr,
			    size_t addr_len, uint16_t *port)
{
	char host[64];
	const char *colon, *h = s;
	size_t hlen;
	unsigned long p;
	unsigned char bin[16];
	int family = AF_INET;

	if (!strcmp(s, "off") || !strcmp(s, "none")) {
		*enabled = false;
		return 0;
	}
	if (*s == '[') {
		colon = strstr(s, "]:");
		if (!colon)
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(colon - h);
		colon++;
		family = AF_INET6;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host) || hlen >= addr_len)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(family, host, bin) != 1)
		return -EINVAL;
	if (parse_uint(colon + 1, 10, 1, 65535, &p))
		return -EINVAL;
	*enabled = true;
	memcpy(addr, host, hlen + 1);
	*port = (uint16_t)p;
	return 0;
}

static int bad(char *err, size_t len, const char *key, const char *value,
	       const char *want)
{
	snprintf(err, len, "%s: '%s' is not %s", key, value, want);
	return -EINVAL;
}

static int set_group(struct aqd_config *c, const char *value, char *err,
		     size_t len)
{
	unsigned long gid;
	struct group *g;

	if (!parse_uint(value, 10, 0, 0x7fffffff, &gid)) {
		c->shm_gid = (gid_t)gid;
		c->shm_group_set = true;
		return 0;
	}
	errno = 0;
	g = getgrnam(value);
	if (!g) {
		snprintf(err, len, "shm_group: no group '%s'", value);
		return -EINVAL;
	}
	c->shm_gid = g->gr_gid;
	c->shm_group_set = true;
	return 0;
}

int aqd_config_set(struct aqd_config *c, const char *key, const char *value,
		   char *err, size_t len)
{
	unsigned long v;

	if (!strcmp(key, "shm_mode")) {
		if (parse_uint(value, 8, 0, 0777, &v))
			return bad(err, len, key, value, "an octal mode 0..0777");
		c->shm_mode = (unsigned int)v;
	} else if (!strcmp(key, "shm_group")) {
		return set_group(c, value, err, len);
	} else if (!strcmp(key, "rate_limit_ms")) {
		if (parse_uint(value, 10, 0, 60000, &v))
			return bad(err, len, key, value, "a number in 0..60000");
		c->rate_limit_ms = (unsigned int)v;
	} else if (!strcmp(key, "poll_ms")) {
		if (parse_uint(value, 10, 1, 10000, &v))
			return bad(err, len, key, value, "a number in 1..10000");
		c->poll_ms = (unsigned int)v;
	} else if (!strcmp(key, "resync_ms")) {
		if (parse_uint(value, 10, 100, 600000, &v))
			return bad(err, len, key, value, "a number in 100..600000");
		c->resync_ms = (unsigned int)v;
	} else if (!strcmp(key, "listen")) {
		if (aqd_config_parse_listen(value, &c->listen_enabled,
					    c->listen_addr,
					    sizeof(c->listen_addr),
					    &c->listen_port))
			return bad(err, len, key, value,
				   "ADDR:PORT, [ADDR6]:PORT or off");
	} else if (!strcmp(key, "log")) {
		if (!strcmp(value, "stderr"))
			c->log_target = AQD_LOG_STDERR;
		else if (!strcmp(value, "syslog"))
			c->log_target = AQD_LOG_SYSLOG;
		else
			return bad(err, len, key, value, "stderr or syslog");
	} else if (!strcmp(key, "debug")) {
		if (parse_bool(value, &c->debug))
			return bad(err, len, key, value, "yes or no");
	} else if (!strcmp(key, "device")) {
		if (value[0] != '/' || strlen(value) >= sizeof(c->device))
			return bad(err, len, key, value, "an absolute path");
		snprintf(c->device, sizeof(c->device), "%s", value);
	} else {
		snprintf(err, len, "unknown key '%s'", key);
		return -EINVAL;
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int aqd_config_parse(struct aqd_config *c, const char *text,
		     const char *origin, char *err, size_t len)
{
	char line[AQD_CONFIG_LINE_MAX], why[AQD_CONFIG_ERR_LEN];
	unsigned int lineno = 0;
	const char *p = text, *nl;
	char *key, *value, *eq, *hash;
	size_t n;

	while (*p) {
		lineno++;
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= sizeof(line)) {
			snprintf(err, len, "%s:%u: line longer than %d bytes",
				 origin, lineno, AQD_CONFIG_LINE_MAX - 1);
			return -EINVAL;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : p + n;

		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, len, "%s:%u: expected 'key = value'",
				 origin, lineno);
			return -EINVAL;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (!*key || !*value) {
			snprintf(err, len, "%s:%u: empty %s", origin, lineno,
				 *key ? "value" : "key");
			return -EINVAL;
		}
		if (aqd_config_set(c, key, value, why, sizeof(why))) {
			snprintf(err, len, "%s:%u: %s", origin, lineno, why);
			return -EINVAL;
		}
	}
	return 0;
}

int aqd_config_load(struct aqd_config *c, const char *path, char *err,
		    size_t len)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return ret;
	}
	text = malloc(CONFIG_FILE_MAX + 1);
	if (!text) {
		fclose(f);
		snprintf(err, len, "%s: out of memory", path);
		return -ENOMEM;
	}
	n = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, len, "%s: read error", path);
		ret = -EIO;
	} else if (n > CONFIG_FILE_MAX) {
		snprintf(err, len, "%s: larger than %d bytes", path,
			 CONFIG_FILE_MAX);
		ret = -EFBIG;
	} else if (memchr(text, '\0', n)) {
		snprintf(err, len, "%s: contains a NUL byte", path);
		ret = -EINVAL;
	} else {
		text[n] = '\0';
		ret = aqd_config_parse(c, text, path, err, len);
	}
	free(text);
	fclose(f);
	return ret;
}
