// SPDX-License-Identifier: GPL-2.0-only
/*
 * The command-line tokenizer and option parser (vmm/base/cmdline.c), the
 * console= value parser (vmm/base/console.c) and parse_u64/hv_strlcpy
 * (vmm/base/parse.c). vmm/base/string.h stands in for <string.h> here: both
 * declare strcmp and friends, and libc provides them.
 */
#include "tests/unit/harness.h"
#include "vmm/base/cmdline.h"
#include "vmm/base/console.h"
#include "vmm/base/log.h"
#include "vmm/base/string.h"

/* Collects what hv_options_parse rejects. */
static struct {
	int n;
	char what[128], key[CMDLINE_KEY_MAX], val[CMDLINE_VAL_MAX];
	char keys[256]; /* every rejected key, space separated */
} wl;

static void warn_cb(const char *what, const char *key, const char *val)
{
	wl.n++;
	hv_strlcpy(wl.what, what, sizeof(wl.what));
	hv_strlcpy(wl.key, key, sizeof(wl.key));
	hv_strlcpy(wl.val, val, sizeof(wl.val));
	size_t len = strlen(wl.keys);
	hv_strlcpy(wl.keys + len, key, sizeof(wl.keys) - len);
	len = strlen(wl.keys);
	hv_strlcpy(wl.keys + len, " ", sizeof(wl.keys) - len);
}

static int parse(struct hv_options *o, const char *line)
{
	memset(&wl, 0, sizeof(wl));
	hv_options_default(o);
	return hv_options_parse(o, line, warn_cb);
}

/* Checks the next token from *p. */
#define CHECK_TOKEN(p, k, v, hasv, toolong)                                      \
	do {                                                                     \
		struct cmdline_token t_;                                         \
		bool got_ = cmdline_next((p), &t_);                              \
		CHECK(got_);                                                     \
		if (got_) {                                                      \
			CHECK_STR(t_.key, (k));                                  \
			CHECK_STR(t_.val, (v));                                  \
			CHECK_EQ(t_.has_value, (hasv));                          \
			CHECK_EQ(t_.too_long, (toolong));                        \
		}                                                                \
	} while (0)

#define CHECK_END(p)                                                             \
	do {                                                                     \
		struct cmdline_token t_;                                         \
		CHECK(!cmdline_next((p), &t_));                                  \
	} while (0)

TEST(tokenizer_basic)
{
	const char *p = "a=1 b  c=x=y\td='' e=\"hello world\" f=";

	CHECK_TOKEN(&p, "a", "1", true, false);
	CHECK_TOKEN(&p, "b", "", false, false);
	CHECK_TOKEN(&p, "c", "x=y", true, false); /* only the first '=' splits */
	CHECK_TOKEN(&p, "d", "", true, false);
	CHECK_TOKEN(&p, "e", "hello world", true, false);
	CHECK_TOKEN(&p, "f", "", true, false);
	CHECK_END(&p);
	CHECK_END(&p); /* and stays at the end */
	CHECK_EQ(*p, 0);
}

TEST(tokenizer_whitespace)
{
	const char *p = "";
	CHECK_END(&p);
	p = " \t\r\n ";
	CHECK_END(&p);
	CHECK_EQ(*p, 0);
	p = "\r\n\tkey=val\r\n";
	CHECK_TOKEN(&p, "key", "val", true, false);
	CHECK_END(&p);
	p = "=v";
	CHECK_TOKEN(&p, "", "v", true, false); /* empty key: caller rejects it */
	CHECK_END(&p);
}

TEST(tokenizer_quotes)
{
	const char *p = "'my key'=v ab\"c d\"e=1 x=\"it's\" y='say \"hi\"' z=\"open ended";

	CHECK_TOKEN(&p, "my key", "v", true, false);
	CHECK_TOKEN(&p, "abc de", "1", true, false);
	CHECK_TOKEN(&p, "x", "it's", true, false);
	CHECK_TOKEN(&p, "y", "say \"hi\"", true, false);
	CHECK_TOKEN(&p, "z", "open ended", true, false); /* runs to the end */
	CHECK_END(&p);
	/* A quoted '=' belongs to the key. */
	p = "'a=b'=c";
	CHECK_TOKEN(&p, "a=b", "c", true, false);
	/* Quoted blanks in a value. */
	p = "k=\"a\tb\" next";
	CHECK_TOKEN(&p, "k", "a\tb", true, false);
	CHECK_TOKEN(&p, "next", "", false, false);
}

TEST(tokenizer_too_long)
{
	char line[1024];
	char key31[32], key32[33], val255[256], val256[257];

	memset(key31, 'k', 31);
	key31[31] = 0;
	memset(key32, 'k', 32);
	key32[32] = 0;
	memset(val255, 'v', 255);
	val255[255] = 0;
	memset(val256, 'v', 256);
	val256[256] = 0;

	/* The longest key and value that fit. */
	hv_strlcpy(line, key31, sizeof(line));
	hv_strlcpy(line + 31, "=", sizeof(line) - 31);
	hv_strlcpy(line + 32, val255, sizeof(line) - 32);
	hv_strlcpy(line + 32 + 255, " next", sizeof(line) - 32 - 255);
	const char *p = line;
	CHECK_TOKEN(&p, key31, val255, true, false);
	CHECK_TOKEN(&p, "next", "", false, false);

	/* One more each: flagged, truncated, consumed. */
	hv_strlcpy(line, key32, sizeof(line));
	hv_strlcpy(line + 32, " a=1 ", sizeof(line) - 32);
	hv_strlcpy(line + 37, "b=", sizeof(line) - 37);
	hv_strlcpy(line + 39, val256, sizeof(line) - 39);
	hv_strlcpy(line + 39 + 256, " c", sizeof(line) - 39 - 256);
	p = line;
	CHECK_TOKEN(&p, key31, "", false, true);
	CHECK_TOKEN(&p, "a", "1", true, false); /* the flag does not stick */
	CHECK_TOKEN(&p, "b", val255, true, true);
	CHECK_TOKEN(&p, "c", "", false, false);
	CHECK_END(&p);
}

TEST(parse_bool_values)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	static const char *const bad[] = { "", "2", "ON", "maybe", "yes ", "of" };
	struct cmdline_token t = { .has_value = false };
	bool b = false;

	CHECK(parse_bool(&t, &b));
	CHECK(b);
	t.has_value = true;
	for (unsigned i = 0; i < ARRAY_SIZE(yes); i++) {
		b = false;
		hv_strlcpy(t.val, yes[i], sizeof(t.val));
		CHECK(parse_bool(&t, &b));
		CHECK(b);
		hv_strlcpy(t.val, no[i], sizeof(t.val));
		CHECK(parse_bool(&t, &b));
		CHECK(!b);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		b = true;
		hv_strlcpy(t.val, bad[i], sizeof(t.val));
		CHECK(!parse_bool(&t, &b));
		CHECK(b); /* untouched */
	}
}

TEST(defaults)
{
	struct hv_options o;

	memset(&o, 0x5a, sizeof(o));
	CHECK_EQ(parse(&o, ""), 0);
	CHECK_EQ(o.console_port, 0x3f8);
	CHECK_EQ(o.console_baud, 115200);
	CHECK_EQ(o.console_auto, true);
	CHECK_EQ(o.loglevel, LOG_INFO);
	CHECK_EQ(o.test, false);
	CHECK_EQ(o.max_cpus, 0);
	CHECK_EQ(o.x2apic, true);
	CHECK_EQ(o.parent_mem, 0);
	CHECK_STR(o.selftest, "");
	CHECK_EQ(wl.n, 0);
}

TEST(console_values)
{
	static const struct {
		const char *v;
		u16 port;
		u32 baud;
	} good[] = {
		{ "com1", 0x3f8, 115200 },    { "com2", 0x2f8, 115200 },
		{ "com3", 0x3e8, 115200 },    { "com4", 0x2e8, 115200 },
		{ "0x2f8", 0x2f8, 115200 },   { "760", 760, 115200 },
		{ "com2,9600", 0x2f8, 9600 }, { "0x3e8,57600", 0x3e8, 57600 },
		{ "none", 0, 115200 },        { "com1,50", 0x3f8, 50 },
		{ "0xfff8", 0xfff8, 115200 }, { "com1,115200", 0x3f8, 115200 },
	};
	static const char *const bad[] = {
		"", "com", "com0", "com5", "com1x", "COM1", "0", "0x", "0xfff9", "0x10000",
		"com1,", "com1,49", "com1,115201", "com1,9600x", "com1,,9600", "none,9600",
		"-1", "com1 ", "99999999999999999999999",
	};
	struct hv_options o;
	char line[64];

	for (unsigned i = 0; i < ARRAY_SIZE(good); i++) {
		u16 port = 1;
		u32 baud = 1;
		CHECK(console_parse(good[i].v, &port, &baud));
		CHECK_EQ(port, good[i].port);
		CHECK_EQ(baud, good[i].baud);
		hv_strlcpy(line, "console=", sizeof(line));
		hv_strlcpy(line + 8, good[i].v, sizeof(line) - 8);
		CHECK_EQ(parse(&o, line), 0);
		CHECK_EQ(o.console_port, good[i].port);
		CHECK_EQ(o.console_baud, good[i].baud);
		CHECK_EQ(o.console_auto, false); /* a named console is kept */
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		u16 port;
		u32 baud;
		if (console_parse(bad[i], &port, &baud))
			harness_fail(__FILE__, __LINE__, "console_parse(\"%s\") accepted", bad[i]);
		/* Quoted so that "com1 " keeps its blank. */
		hv_strlcpy(line, "console=com2,9600 console='", sizeof(line));
		hv_strlcpy(line + 27, bad[i], sizeof(line) - 27);
		hv_strlcpy(line + strlen(line), "'", sizeof(line) - strlen(line));
		CHECK_EQ(parse(&o, line), 1);
		CHECK_EQ(wl.n, 1);
		CHECK_STR(wl.key, "console");
		CHECK_STR(wl.val, bad[i]);
		/* A rejected value leaves the earlier setting alone. */
		CHECK_EQ(o.console_port, 0x2f8);
		CHECK_EQ(o.console_baud, 9600);
	}
	/* A bare key has no value to parse. */
	CHECK_EQ(parse(&o, "console"), 1);
	CHECK_EQ(o.console_port, 0x3f8);
	/* auto (the default): COM1 until the ACPI SPCR names another; the
	 * last console= wins either way; auto takes no baud rate. */
	CHECK_EQ(parse(&o, "console=com2,9600 console=auto"), 0);
	CHECK_EQ(o.console_auto, true);
	CHECK_EQ(o.console_port, 0x3f8);
	CHECK_EQ(o.console_baud, 115200);
	CHECK_EQ(parse(&o, "console=auto console=none"), 0);
	CHECK_EQ(o.console_auto, false);
	CHECK_EQ(o.console_port, 0);
	CHECK_EQ(parse(&o, "console=auto,9600"), 1);
	CHECK_EQ(o.console_auto, true);
}

TEST(loglevel_values)
{
	static const struct {
		const char *line;
		int level;
	} good[] = {
		{ "loglevel=error", LOG_ERR }, { "loglevel=warn", LOG_WARN },
		{ "loglevel=info", LOG_INFO }, { "loglevel=debug", LOG_DEBUG },
		{ "loglevel=0", 0 },           { "loglevel=3", 3 },
		{ "loglevel=0x2", 2 },         { "loglevel=debug loglevel=warn", LOG_WARN },
	};
	static const char *const bad[] = {
		"loglevel=4", "loglevel=DEBUG", "loglevel=", "loglevel", "loglevel=-1",
		"loglevel=3x", "loglevel=inf", "loglevel=18446744073709551616",
	};
	struct hv_options o;

	for (unsigned i = 0; i < ARRAY_SIZE(good); i++) {
		CHECK_EQ(parse(&o, good[i].line), 0);
		CHECK_EQ(o.loglevel, good[i].level);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ(parse(&o, bad[i]), 1);
		CHECK_STR(wl.key, "loglevel");
		CHECK_EQ(o.loglevel, LOG_INFO);
	}
}

TEST(bool_options)
{
	struct hv_options o;

	CHECK_EQ(parse(&o, "test"), 0);
	CHECK(o.test);
	CHECK_EQ(parse(&o, "test=1 test=off"), 0);
	CHECK(!o.test);
	CHECK_EQ(parse(&o, "test=maybe"), 1);
	CHECK(!o.test);
	CHECK_STR(wl.key, "test");
	CHECK_EQ(parse(&o, "x2apic=off"), 0);
	CHECK(!o.x2apic);
	CHECK_EQ(parse(&o, "x2apic=no x2apic"), 0);
	CHECK(o.x2apic);
	CHECK_EQ(parse(&o, "x2apic=disable"), 1);
	CHECK(o.x2apic);
	CHECK_STR(wl.key, "x2apic");
	CHECK_STR(wl.val, "disable");
}

TEST(smp_values)
{
	static const struct {
		const char *line;
		u32 n;
	} good[] = {
		{ "smp=1", 1 }, { "smp=4", 4 }, { "smp=0x10", 16 }, { "smp=65535", 65535 },
	};
	static const char *const bad[] = {
		"smp=0", "smp=65536", "smp=", "smp", "smp=4K", "smp=two", "smp=-1", "smp=1.5",
		"smp=99999999999999999999",
	};
	struct hv_options o;

	for (unsigned i = 0; i < ARRAY_SIZE(good); i++) {
		CHECK_EQ(parse(&o, good[i].line), 0);
		CHECK_EQ(o.max_cpus, good[i].n);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ(parse(&o, bad[i]), 1);
		CHECK_STR(wl.key, "smp");
		CHECK_EQ(o.max_cpus, 0);
	}
}

TEST(parent_mem_values)
{
	static const struct {
		const char *line;
		u64 n;
	} good[] = {
		{ "parent_mem=16M", MiB(16) },
		{ "parent_mem=16m", MiB(16) },
		{ "parent_mem=16384K", MiB(16) },
		{ "parent_mem=16777216", MiB(16) },
		{ "parent_mem=0x1000000", MiB(16) },
		{ "parent_mem=2G", GiB(2) },
		{ "parent_mem=3g", GiB(3) },
		{ "parent_mem=1T", 1ULL << 40 },
		{ "parent_mem=0x10G", GiB(16) },
		{ "parent_mem=17179869183G", (17179869183ULL) << 30 },
	};
	static const char *const bad[] = {
		"parent_mem=15M", "parent_mem=16777215", "parent_mem=2048K", "parent_mem=0",
		"parent_mem=", "parent_mem", "parent_mem=16MB", "parent_mem=M",
		"parent_mem=17179869184G", "parent_mem=99999999999999999999",
		"parent_mem=16777216T", "parent_mem=1P",
	};
	struct hv_options o;

	for (unsigned i = 0; i < ARRAY_SIZE(good); i++) {
		CHECK_EQ(parse(&o, good[i].line), 0);
		CHECK_EQ(o.parent_mem, good[i].n);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ(parse(&o, bad[i]), 1);
		CHECK_STR(wl.key, "parent_mem");
		CHECK_EQ(o.parent_mem, 0);
	}
}

TEST(iommu_values)
{
	struct hv_options o;

	CHECK_EQ(parse(&o, ""), 0);
	CHECK_EQ(o.iommu, IOMMU_ON);
	CHECK_EQ(parse(&o, "iommu=off"), 0);
	CHECK_EQ(o.iommu, IOMMU_OFF);
	CHECK_EQ(parse(&o, "iommu=required"), 0);
	CHECK_EQ(o.iommu, IOMMU_REQUIRED);
	CHECK_EQ(parse(&o, "iommu"), 0);
	CHECK_EQ(o.iommu, IOMMU_ON);
	CHECK_EQ(parse(&o, "iommu=maybe"), 1);
	CHECK_EQ(o.iommu, IOMMU_ON);
	CHECK_STR(wl.key, "iommu");
}

TEST(selftest_values)
{
	struct hv_options o;

	CHECK_EQ(parse(&o, "selftest=fault"), 0);
	CHECK_STR(o.selftest, "fault");
	CHECK_EQ(parse(&o, "selftest"), 1);
	CHECK_EQ(parse(&o, "selftest=faults"), 1);
	CHECK_STR(o.selftest, "");
	CHECK_STR(wl.key, "selftest");
}

TEST(unknown_and_paths)
{
	struct hv_options o;

	CHECK_EQ(parse(&o, "foo=1 loglevel=debug bar 'baz qux'=2"), 3);
	CHECK_EQ(wl.n, 3);
	CHECK_STR(wl.keys, "foo bar baz qux ");
	CHECK_STR(wl.what, "unknown option");
	CHECK_EQ(o.loglevel, LOG_DEBUG); /* good options still apply */

	/* The image's own path, as some loaders pass it. */
	CHECK_EQ(parse(&o, "/boot/hv.elf test (hd0)/hv.elf x/y=1"), 0);
	CHECK(o.test);
	/* Keys are case-sensitive. */
	CHECK_EQ(parse(&o, "TEST Console=com2"), 2);
	CHECK(!o.test);
	CHECK_EQ(o.console_port, 0x3f8);
	/* A NULL warn callback is allowed. */
	hv_options_default(&o);
	CHECK_EQ(hv_options_parse(&o, "a b c smp=2", NULL), 3);
	CHECK_EQ(o.max_cpus, 2);
}

TEST(too_long_reported)
{
	char line[400];
	struct hv_options o;

	hv_strlcpy(line, "loglevel=", sizeof(line));
	for (int i = 0; i < 300; i++)
		line[9 + i] = 'x';
	line[309] = 0;
	hv_strlcpy(line + 309, " test", sizeof(line) - 309);
	CHECK_EQ(parse(&o, line), 1);
	CHECK_STR(wl.key, "loglevel");
	CHECK(harness_contains(wl.what, "too long"));
	CHECK_EQ(strlen(wl.val), CMDLINE_VAL_MAX - 1);
	CHECK(o.test);
	/* A too-long key is rejected even if its prefix is known. */
	CHECK_EQ(parse(&o, "testtesttesttesttesttesttesttesttest"), 1);
	CHECK(!o.test);
}

TEST(parse_u64_values)
{
	static const struct {
		const char *s;
		bool suffix;
		u64 v;
		const char *rest;
	} good[] = {
		{ "0", false, 0, "" },
		{ "00012", false, 12, "" },
		{ "12abc", false, 12, "abc" },
		{ "18446744073709551615", false, UINT64_MAX, "" },
		{ "0xffffffffffffffff", false, UINT64_MAX, "" },
		{ "0XAbC", false, 0xabc, "" },
		{ "0x10g", false, 0x10, "g" },
		{ "4K", false, 4, "K" },
		{ "4K", true, 4096, "" },
		{ "4k,", true, 4096, "," },
		{ "3M", true, MiB(3), "" },
		{ "2G", true, GiB(2), "" },
		{ "1T", true, 1ULL << 40, "" },
		{ "0x10G", true, GiB(16), "" },
		{ "16777215T", true, 16777215ULL << 40, "" },
		{ "17179869183G", true, 17179869183ULL << 30, "" },
		{ "7P", true, 7, "P" },
		{ "5 ", true, 5, " " },
	};
	static const struct {
		const char *s;
		bool suffix;
	} bad[] = {
		{ "", false },
		{ "x", false },
		{ "0x", false },
		{ "0xg", false },
		{ "-1", false },
		{ " 1", false },
		{ "+1", false },
		{ "18446744073709551616", false },
		{ "99999999999999999999", false },
		{ "0x10000000000000000", false },
		{ "16777216T", true },
		{ "17179869184G", true },
		{ "18014398509481984K", true },
		{ "K", true },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(good); i++) {
		u64 v = 12345;
		const char *end = NULL;
		if (!parse_u64(good[i].s, &v, &end, good[i].suffix)) {
			harness_fail(__FILE__, __LINE__, "parse_u64(\"%s\") failed", good[i].s);
			continue;
		}
		CHECK_EQ(v, good[i].v);
		CHECK_STR(end, good[i].rest);
		/* end is optional. */
		CHECK(parse_u64(good[i].s, &v, NULL, good[i].suffix));
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		u64 v = 12345;
		const char *end = NULL;
		if (parse_u64(bad[i].s, &v, &end, bad[i].suffix))
			harness_fail(__FILE__, __LINE__, "parse_u64(\"%s\") accepted: %#llx",
				     bad[i].s, (unsigned long long)v);
		CHECK_EQ(v, 12345); /* untouched on failure */
	}
}

TEST(strlcpy)
{
	char buf[8];

	memset(buf, 'z', sizeof(buf));
	CHECK_EQ(hv_strlcpy(buf, "hello world", sizeof(buf)), 11);
	CHECK_STR(buf, "hello w");
	CHECK_EQ(hv_strlcpy(buf, "hi", sizeof(buf)), 2);
	CHECK_STR(buf, "hi");
	buf[0] = 'q';
	CHECK_EQ(hv_strlcpy(buf, "abc", 0), 3);
	CHECK_EQ(buf[0], 'q');
	CHECK_EQ(hv_strlcpy(buf, "abc", 1), 3);
	CHECK_STR(buf, "");
}

int main(void)
{
	RUN(tokenizer_basic);
	RUN(tokenizer_whitespace);
	RUN(tokenizer_quotes);
	RUN(tokenizer_too_long);
	RUN(parse_bool_values);
	RUN(defaults);
	RUN(console_values);
	RUN(loglevel_values);
	RUN(bool_options);
	RUN(smp_values);
	RUN(parent_mem_values);
	RUN(iommu_values);
	RUN(selftest_values);
	RUN(unknown_and_paths);
	RUN(too_long_reported);
	RUN(parse_u64_values);
	RUN(strlcpy);
	return harness_finish();
}
