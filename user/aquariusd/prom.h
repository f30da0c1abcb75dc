/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text exposition format (version 0.0.4) into a bounded
 * buffer: a family is opened once with its # HELP and # TYPE lines, then
 * its samples follow, each `name{label="value",...} value`. Label values
 * are escaped (\\, \", \n), HELP text too (\\, \n). Values are printed
 * exactly for integers, with %.17g for reals, NaN and +Inf/-Inf as the
 * format spells them.
 */
#ifndef AQD_PROM_H
#define AQD_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aqd_buf {
	char *p;
	size_t len, cap;
	size_t max;		/* the buffer never grows past this */
	bool overflow;		/* something did not fit: output incomplete */
};

void aqd_buf_init(struct aqd_buf *b, size_t max);
void aqd_buf_free(struct aqd_buf *b);
void aqd_buf_reset(struct aqd_buf *b);
void aqd_buf_add(struct aqd_buf *b, const char *s, size_t n);
void aqd_buf_printf(struct aqd_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

enum aqd_prom_type {
	AQD_PROM_COUNTER,
	AQD_PROM_GAUGE,
};

struct aqd_label {
	const char *name;
	const char *value;
};

/* A valid metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]* (no ':' for labels). */
bool aqd_prom_valid_name(const char *s, bool label);
/* Copy s into out (len bytes) with every invalid character made '_'. */
void aqd_prom_sanitize(const char *s, char *out, size_t len);

/* Append s escaped as a label value (\\, \", \n). */
void aqd_prom_escape_label(struct aqd_buf *b, const char *s);
/* # HELP and # TYPE of family `name`. */
void aqd_prom_family(struct aqd_buf *b, const char *name,
		     enum aqd_prom_type type, const char *help);
/* One sample; labels may be NULL when nr is 0. */
void aqd_prom_sample(struct aqd_buf *b, const char *name,
		     const struct aqd_label *labels, unsigned int nr,
		     double value);
void aqd_prom_sample_u64(struct aqd_buf *b, const char *name,
			 const struct aqd_label *labels, unsigned int nr,
			 uint64_t value);
void aqd_prom_sample_s64(struct aqd_buf *b, const char *name,
			 const struct aqd_label *labels, unsigned int nr,
			 int64_t value);

#endif
