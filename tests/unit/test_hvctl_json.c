// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvctl's JSON writer (partitions/parent/hvctl/json.c): string escaping
 * (quotes, backslashes, control bytes, invalid UTF-8 as U+FFFD, valid
 * UTF-8 kept) and the commas and nesting of documents, written to memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "partitions/parent/hvctl/json.h"

static char out[512];

static const char *esc(const char *s, size_t n)
{
	json_escape(s, n, out, sizeof(out));
	return out;
}

TEST(escaping)
{
	CHECK_STR(esc("plain", 5), "\"plain\"");
	CHECK_STR(esc("", 0), "\"\"");
	CHECK_STR(esc("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	CHECK_STR(esc("\n\r\t\b\f", 5), "\"\\n\\r\\t\\b\\f\"");
	CHECK_STR(esc("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\\u007f\"");
	CHECK_STR(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14),
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""); /* kept */
	CHECK_STR(esc("\xff", 1), "\"\\ufffd\"");                 /* not UTF-8 */
	CHECK_STR(esc("\xc3", 1), "\"\\ufffd\"");                 /* cut short */
	CHECK_STR(esc("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");      /* overlong */
	CHECK_STR(esc("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
	CHECK_STR(esc("\xe2\x82", 2), "\"\\ufffd\\ufffd\"");
	CHECK_STR(esc("ab\0cd", 5), "\"ab\"");     /* stops at a NUL */
	CHECK_STR(esc("abcdef", 3), "\"abc\"");    /* at most n bytes */
	/* A multi-byte character cut by n is not read past n. */
	char *cut = malloc(2);
	memcpy(cut, "\xc3\xa9", 2);
	CHECK_STR(esc(cut, 1), "\"\\ufffd\"");
	free(cut);
}

TEST(truncation)
{
	char small[6];
	size_t need = json_escape("abcdefgh", 8, small, sizeof(small));

	CHECK_EQ(need, 10);
	CHECK_STR(small, "\"abcd");
	CHECK_EQ(json_escape("x", 1, NULL, 0), 3);
}

static char *doc(bool pretty, void (*fill)(struct json *j))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f, pretty);
	fill(&j);
	json_end(&j);
	fclose(f);
	return buf;
}

static void fill_nested(struct json *j)
{
	json_arr_begin(j);
	json_obj_begin(j);
	json_key(j, "id");
	json_u64(j, 3);
	json_key(j, "name");
	json_str(j, "de\"mo");
	json_key(j, "ok");
	json_bool(j, true);
	json_key(j, "list");
	json_arr_begin(j);
	json_u64(j, 1);
	json_u64(j, 18446744073709551615ull);
	json_arr_end(j);
	json_key(j, "empty");
	json_obj_begin(j);
	json_obj_end(j);
	json_key(j, "pct");
	json_double(j, 12.5);
	json_obj_end(j);
	json_obj_begin(j);
	json_obj_end(j);
	json_arr_end(j);
}

static void fill_empty(struct json *j)
{
	json_arr_begin(j);
	json_arr_end(j);
}

TEST(documents)
{
	char *s = doc(false, fill_nested);
	CHECK_STR(s, "[{\"id\":3,\"name\":\"de\\\"mo\",\"ok\":true,\"list\":[1,18446744073709551615],"
		     "\"empty\":{},\"pct\":12.500},{}]\n");
	free(s);
	s = doc(true, fill_nested);
	CHECK_STR(s, "[\n  {\n    \"id\": 3,\n    \"name\": \"de\\\"mo\",\n    \"ok\": true,\n"
		     "    \"list\": [\n      1,\n      18446744073709551615\n    ],\n"
		     "    \"empty\": {},\n    \"pct\": 12.500\n  },\n  {}\n]\n");
	free(s);
	s = doc(true, fill_empty);
	CHECK_STR(s, "[]\n");
	free(s);
}

int main(void)
{
	RUN(escaping);
	RUN(truncation);
	RUN(documents);
	return harness_finish();
}
