// SPDX-License-Identifier: GPL-2.0
#include "prom.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aqd_buf_init(struct aqd_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void aqd_buf_free(struct aqd_buf *b)
{
	free(b->p);
	aqd_buf_init(b, b->max);
}

void aqd_buf_reset(struct aqd_buf *b)
{
	b->len = 0;
	b->overflow = false;
}

static bool reserve(struct aqd_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->overflow)
		return false;
	if (n > b->max || b->len > b->max - n) {
		b->overflow = true;
		return false;
	}
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	p = realloc(b->p, cap);
	if (!p) {
		b->overflow = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void aqd_buf_add(struct aqd_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void aqd_buf_printf(struct aqd_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->overflow = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		aqd_buf_add(b, small, (size_t)n);
		return;
	}
	if (!reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static bool name_char(char c, bool first, bool label)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return true;
	if (c == ':' && !label)
		return true;
	return !first && c >= '0' && c <= '9';
}

bool aqd_prom_valid_name(const char *s, bool label)
{
	size_t i;

	if (!*s)
		return false;
	for (i = 0; s[i]; i++)
		if (!name_char(s[i], i == 0, label))
			return false;
	return true;
}

void aqd_prom_sanitize(const char *s, char *out, size_t len)
{
	size_t i;

	if (!len)
		return;
	for (i = 0; s[i] && i + 1 < len; i++)
		out[i] = name_char(s[i], i == 0, true) ? s[i] : '_';
	if (i == 0 && len > 1)
		out[i++] = '_';
	out[i] = '\0';
}

static void escape(struct aqd_buf *b, const char *s, bool quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = NULL;

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (*s == '"' && quote)
			rep = "\\\"";
		if (!rep)
			continue;
		aqd_buf_add(b, run, (size_t)(s - run));
		aqd_buf_add(b, rep, 2);
		run = s + 1;
	}
	aqd_buf_add(b, run, (size_t)(s - run));
}

void aqd_prom_escape_label(struct aqd_buf *b, const char *s)
{
	escape(b, s, true);
}

void aqd_prom_family(struct aqd_buf *b, const char *name,
		     enum aqd_prom_type type, const char *help)
{
	aqd_buf_printf(b, "# HELP %s ", name);
	escape(b, help, false);
	aqd_buf_printf(b, "\n# TYPE %s %s\n", name,
		       type == AQD_PROM_COUNTER ? "counter" : "gauge");
}

static void sample_head(struct aqd_buf *b, const char *name,
			const struct aqd_label *labels, unsigned int nr)
{
	unsigned int i;

	aqd_buf_add(b, name, strlen(name));
	if (!nr)
		goto out;
	aqd_buf_add(b, "{", 1);
	for (i = 0; i < nr; i++) {
		aqd_buf_printf(b, "%s%s=\"", i ? "," : "", labels[i].name);
		escape(b, labels[i].value, true);
		aqd_buf_add(b, "\"", 1);
	}
	aqd_buf_add(b, "}", 1);
out:
	aqd_buf_add(b, " ", 1);
}

void aqd_prom_sample(struct aqd_buf *b, const char *name,
		     const struct aqd_label *labels, unsigned int nr,
		     double value)
{
	sample_head(b, name, labels, nr);
	if (isnan(value))
		aqd_buf_add(b, "NaN\n", 4);
	else if (isinf(value))
		aqd_buf_printf(b, "%cInf\n", value > 0 ? '+' : '-');
	else
		aqd_buf_printf(b, "%.17g\n", value);
}

void aqd_prom_sample_u64(struct aqd_buf *b, const char *name,
			 const struct aqd_label *labels, unsigned int nr,
			 uint64_t value)
{
	sample_head(b, name, labels, nr);
	aqd_buf_printf(b, "%" PRIu64 "\n", value);
}

void aqd_prom_sample_s64(struct aqd_buf *b, const char *name,
			 const struct aqd_label *labels, unsigned int nr,
			 int64_t value)
{
	sample_head(b, name, labels, nr);
	aqd_buf_printf(b, "%" PRId64 "\n", value);
}
