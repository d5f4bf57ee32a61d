// SPDX-License-Identifier: GPL-2.0-only
/* A small JSON writer (json.h). */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void json_init(struct json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
	j->first[0] = true;
}

static void indent(struct json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Before a value: the comma and indentation, unless it follows a key. */
static void before_value(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->depth)
		indent(j);
}

static void nest(struct json *j, char ch)
{
	before_value(j);
	fputc(ch, j->f);
	if (j->depth + 1 < JSON_DEPTH_MAX)
		j->depth++;
	j->first[j->depth] = true;
}

static void unnest(struct json *j, char ch)
{
	bool empty = j->first[j->depth];

	if (j->depth)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(ch, j->f);
}

void json_obj_begin(struct json *j) { nest(j, '{'); }
void json_obj_end(struct json *j) { unnest(j, '}'); }
void json_arr_begin(struct json *j) { nest(j, '['); }
void json_arr_end(struct json *j) { unnest(j, ']'); }

static void put_escaped(struct json *j, const char *s, size_t n);

void json_key(struct json *j, const char *key)
{
	before_value(j);
	put_escaped(j, key, strlen(key));
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

/* Length of a valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	unsigned cp = c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t json_escape(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	char tmp[8];

#define EMIT(str, l)                                                     \
	do {                                                             \
		for (size_t k_ = 0; k_ < (l); k_++) {                    \
			if (o + 1 < outlen)                              \
				out[o] = (str)[k_];                      \
			o++;                                             \
		}                                                        \
	} while (0)

	EMIT("\"", 1);
	for (size_t i = 0; i < n && s[i];) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default: break;
		}
		if (esc) {
			EMIT(esc, strlen(esc));
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", c);
			EMIT(tmp, 6);
			i++;
			continue;
		}
		size_t l = utf8_len((const unsigned char *)s + i, strnlen(s + i, n - i));
		if (!l) {
			EMIT("\\ufffd", 6);
			i++;
			continue;
		}
		EMIT(s + i, l);
		i += l;
	}
	EMIT("\"", 1);
	if (outlen)
		out[o < outlen ? o : outlen - 1] = 0;
#undef EMIT
	return o;
}

static void put_escaped(struct json *j, const char *s, size_t n)
{
	char buf[512];
	size_t need = json_escape(s, n, buf, sizeof(buf));

	if (need < sizeof(buf)) {
		fputs(buf, j->f);
		return;
	}
	char *big = malloc(need + 1);
	if (!big) {
		fputs("\"\"", j->f);
		return;
	}
	json_escape(s, n, big, need + 1);
	fputs(big, j->f);
	free(big);
}

void json_strn(struct json *j, const char *s, size_t n)
{
	before_value(j);
	put_escaped(j, s, n);
}

void json_str(struct json *j, const char *s)
{
	json_strn(j, s, strlen(s));
}

void json_u64(struct json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_double(struct json *j, double v)
{
	before_value(j);
	if (!isfinite(v))
		v = 0;
	fprintf(j->f, "%.3f", v);
}

void json_bool(struct json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->f);
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
}
