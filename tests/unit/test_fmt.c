// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv_snprintf (vmm/base/fmt.c) against the host's snprintf wherever the two
 * are meant to agree, at several buffer sizes: the return value, the
 * output and every byte of the buffer beyond it must match, which also
 * proves truncation and termination. The hypervisor's own conventions
 * (%p of NULL, unknown conversions) are checked on their own.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "tests/unit/harness.h"
#include "vmm/base/fmt.h"

static char hbuf[300], cbuf[300];
/* Sizes come through a volatile so gcc cannot prove truncation and warn. */
static volatile size_t sizes[] = { 0, 1, 2, 5, 17, 64, 256 };

static void compare(int lineno, const char *what, size_t size, int h, int c)
{
	if (h != c)
		harness_fail(__FILE__, lineno, "%s, size %zu: returned %d, libc %d", what, size,
			     h, c);
	if (memcmp(hbuf, cbuf, sizeof(hbuf)))
		harness_fail(__FILE__, lineno, "%s, size %zu: \"%.80s\" vs libc \"%.80s\"", what,
			     size, hbuf, cbuf);
}

/* Formats with both at every size; buffers start as 0x7f so bytes past
 * the terminator are compared too. */
#define CMP(...)                                                                 \
	do {                                                                     \
		for (unsigned i_ = 0; i_ < ARRAY_SIZE(sizes); i_++) {            \
			size_t sz_ = sizes[i_];                                  \
			memset(hbuf, 0x7f, sizeof(hbuf));                        \
			memset(cbuf, 0x7f, sizeof(cbuf));                        \
			int h_ = hv_snprintf(hbuf, sz_, __VA_ARGS__);            \
			int c_ = snprintf(cbuf, sz_, __VA_ARGS__);               \
			compare(__LINE__, #__VA_ARGS__, sz_, h_, c_);            \
		}                                                                \
	} while (0)

/* Checks hv_snprintf alone against an expected string. */
#define EXPECT_FMT(want, ...)                                                    \
	do {                                                                     \
		memset(hbuf, 0x7f, sizeof(hbuf));                                \
		int h_ = hv_snprintf(hbuf, sizeof(hbuf), __VA_ARGS__);           \
		CHECK_STR(hbuf, (want));                                         \
		CHECK_EQ(h_, strlen(want));                                      \
	} while (0)

TEST(integers)
{
	CMP("%d", 0);
	CMP("%d", 42);
	CMP("%d", -42);
	CMP("%d|%d", INT_MAX, INT_MIN);
	CMP("%i", -7);
	CMP("%u", 0u);
	CMP("%u", UINT_MAX);
	CMP("%x", 0xdeadbeefu);
	CMP("%X", 0xdeadbeefu);
	CMP("%o", 8u);
	CMP("%o", 0u);
	CMP("%x", 0u);
	CMP("%d%d%d", 1, 2, 3);
}

TEST(length_modifiers)
{
	CMP("%ld", LONG_MIN);
	CMP("%ld", LONG_MAX);
	CMP("%lu", ULONG_MAX);
	CMP("%lx", 0x123456789abcdefUL);
	CMP("%lld", LLONG_MIN);
	CMP("%lli", LLONG_MAX);
	CMP("%llu", ULLONG_MAX);
	CMP("%llx", ULLONG_MAX);
	CMP("%llX", 0xabcdef0123ULL);
	CMP("%llo", ULLONG_MAX);
	CMP("%zu", SIZE_MAX);
	CMP("%zx", (size_t)0x1234);
	CMP("%zd", (ssize_t)-5);
	CMP("%hd", 70000);
	CMP("%hd", -32768);
	CMP("%hu", 70000);
	CMP("%hx", 0x12345);
	CMP("%hhd", 200);
	CMP("%hhd", -129);
	CMP("%hhu", 300);
	CMP("%hhx", 0x1ff);
	/* int-sized arguments after long ones keep their place. */
	CMP("%lld %d %ld %hhu %s", -1LL, 7, -2L, 256 + 9, "end");
}

TEST(width_and_flags)
{
	CMP("[%5d]", 42);
	CMP("[%-5d]", 42);
	CMP("[%05d]", -42);
	CMP("[%05d]", 42);
	CMP("[%+d]", 5);
	CMP("[%+d]", -5);
	CMP("[% d]", 5);
	CMP("[% d]", -5);
	CMP("[%+05d]", 5);
	CMP("[% 05d]", 5);
	CMP("[%-+6d]", 5);
	CMP("[%*d]", 6, 42);
	CMP("[%*d]", -6, 42);
	CMP("[%-*d]", 6, 42);
	CMP("[%0*d]", 8, -1);
	CMP("[%2d]", 12345);
	CMP("[%20lld]", LLONG_MIN);
	CMP("[%-20llu]", ULLONG_MAX);
	CMP("[%08x]", 0xbeefu);
	CMP("[%8X]", 0xbeefu);
	CMP("[%#x]", 255u);
	CMP("[%#X]", 255u);
	CMP("[%#o]", 8u);
	CMP("[%#010x]", 255u);
	CMP("[%#-10x]", 255u);
	CMP("[%#10llx]", 0x1234ULL);
	CMP("[%06o]", 8u);
	CMP("[%100d]", 1); /* wider than most of the buffer sizes */
}

TEST(strings_and_chars)
{
	CMP("%s", "hello");
	CMP("%s", "");
	CMP("[%10s]", "hello");
	CMP("[%-10s]", "hello");
	CMP("[%.3s]", "hello");
	CMP("[%.0s]", "hello");
	CMP("[%.10s]", "abc");
	CMP("[%10.2s]", "hello");
	CMP("[%-10.2s]", "hello");
	CMP("[%.*s]", 2, "hello");
	CMP("[%.*s]", -1, "hello"); /* negative precision: as if none */
	CMP("[%*.*s]", -8, 3, "hello");
	CMP("[%2s]", "hello");
	CMP("%c", 'x');
	CMP("[%5c]", 'x');
	CMP("[%-5c]", 'x');
	CMP("[%c]", 0); /* a NUL character is output and counted */
	CMP("%%");
	CMP("100%% of %d%%", 3);
	CMP("no conversions at all");
	CMP("%s=%d (%c) %x%%", "key", -1, 'c', 0xffu);
	static char longstr[280];
	memset(longstr, 'L', sizeof(longstr) - 1);
	CMP("%s", longstr);
	CMP("<%s>%d", longstr + 200, 12345);
}

/* A precision bounds how much of the string is read, not just printed. */
TEST(precision_bounds_read)
{
	const char unterminated[4] = { 'a', 'b', 'c', 'd' };

	EXPECT_FMT("[abc]", "[%.3s]", unterminated);
	EXPECT_FMT("[abcd]", "[%.4s]", unterminated);
}

TEST(pointers)
{
	int x;
	void *p = &x;

	CMP("%p", p);
	CMP("[%20p]", p);
	CMP("[%-20p]", p);
	CMP("%p", (void *)0x1000);
	/* The hypervisor prints NULL as a number, where glibc says (nil). */
	EXPECT_FMT("0x0", "%p", (void *)NULL);
	EXPECT_FMT("[     0x0]", "[%8p]", (void *)NULL);
	EXPECT_FMT("0xffffffff80000000", "%p", (void *)0xffffffff80000000ULL);
}

TEST(null_string)
{
	const char *volatile np = NULL;

	EXPECT_FMT("(null)", "%s", np);
	EXPECT_FMT("[  (null)]", "[%8s]", np);
	EXPECT_FMT("[(null)  ]", "[%-8s]", np);
}

/* Truncation: the full length is returned and the buffer always ends in
 * NUL, with nothing written past size. */
TEST(truncation)
{
	char b[8];

	memset(b, 'z', sizeof(b));
	CHECK_EQ(hv_snprintf(b, 4, "%d", 123456), 6);
	CHECK_STR(b, "123");
	CHECK_EQ(b[4], 'z');
	memset(b, 'z', sizeof(b));
	CHECK_EQ(hv_snprintf(b, 1, "%s", "abc"), 3);
	CHECK_EQ(b[0], 0);
	CHECK_EQ(b[1], 'z');
	memset(b, 'z', sizeof(b));
	CHECK_EQ(hv_snprintf(b, 0, "%s", "abc"), 3);
	CHECK_EQ(b[0], 'z');
	CHECK_EQ(hv_snprintf(NULL, 0, "%d-%s", 12, "ab"), 5);
	CHECK_EQ(hv_snprintf(b, sizeof(b), "%s", ""), 0);
	CHECK_STR(b, "");
	/* Exactly fitting, and one short. */
	CHECK_EQ(hv_snprintf(b, 8, "%s", "1234567"), 7);
	CHECK_STR(b, "1234567");
	CHECK_EQ(hv_snprintf(b, 7, "%s", "1234567"), 7);
	CHECK_STR(b, "123456");
}

static __attribute__((format(printf, 3, 4))) int vwrap(char *buf, size_t size,
							 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

TEST(vsnprintf)
{
	char b[32];

	CHECK_EQ(vwrap(b, sizeof(b), "%s:%d:%lx", "f", 9, 0xabUL), 6);
	CHECK_STR(b, "f:9:ab");
	CHECK_EQ(vwrap(b, 3, "%s", "hello"), 5);
	CHECK_STR(b, "he");
}

/* Flags that override others: valid C, but gcc warns about them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
TEST(flag_precedence)
{
	CMP("[%+ d]", 5);  /* '+' wins over ' ' */
	CMP("[% +d]", -5);
	CMP("[%0-5d]", 5); /* '-' wins over '0' */
	CMP("[%-05d]", -5);
	CMP("[%-#08x]", 255u);
}
#pragma GCC diagnostic pop

/* Malformed formats: never crash, never consume arguments they do not
 * name. Not valid C, hence the pragma. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
TEST(malformed_formats)
{
	EXPECT_FMT("%y", "%y");
	EXPECT_FMT("a%yb 5", "a%yb %d", 5);
	EXPECT_FMT("end", "end%");
	EXPECT_FMT("%q|7", "%q|%d", 7);
	EXPECT_FMT("x", "x%-");
	EXPECT_FMT("x", "x%5");
	EXPECT_FMT("x", "x%.");
	EXPECT_FMT("x", "x%l");
}
#pragma GCC diagnostic pop

int main(void)
{
	RUN(integers);
	RUN(length_modifiers);
	RUN(width_and_flags);
	RUN(flag_precedence);
	RUN(strings_and_chars);
	RUN(precision_bounds_read);
	RUN(pointers);
	RUN(null_string);
	RUN(truncation);
	RUN(vsnprintf);
	RUN(malformed_formats);
	return harness_finish();
}
