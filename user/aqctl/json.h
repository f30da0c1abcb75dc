/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny streaming JSON writer: the caller opens and closes objects and
 * arrays and emits members; commas, quoting and escaping are handled here.
 * Inside objects every value takes a key; inside arrays and at the top the
 * key is NULL. NaN and infinities are written as null.
 */
#ifndef AQCTL_JSON_H
#define AQCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	bool pretty;
	int depth;
	bool has_items[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f, bool pretty);
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_double(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* After the top-level value: a final newline. */
void json_end(struct json *j);

#endif
