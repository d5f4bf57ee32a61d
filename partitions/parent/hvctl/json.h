/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small JSON writer: objects, arrays, strings (escaped per RFC 8259,
 * invalid UTF-8 replaced by U+FFFD so the document is always valid),
 * unsigned and floating-point numbers, booleans. Commas and indentation
 * are its business.
 */
#ifndef HVCTL_JSON_H
#define HVCTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 16

struct json {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JSON_DEPTH_MAX]; /* nothing written at this depth yet */
	bool after_key;
};

/* pretty: two-space indentation; else one line. */
void json_init(struct json *j, FILE *f, bool pretty);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
/* At most n bytes of s, stopping at a NUL. */
void json_strn(struct json *j, const char *s, size_t n);
void json_str(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
/* Ends the document with a newline. */
void json_end(struct json *j);

/* Escapes n bytes of s (stopping at a NUL) as a JSON string with its
 * quotes into out; returns the length it needs (as snprintf). */
size_t json_escape(const char *s, size_t n, char *out, size_t outlen);

#endif
