// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hv.cfg parser hv.efi uses (boot/efi/hv_cfg.c). The text is handed
 * over as an exact-size, unterminated heap copy, as a file read from disk
 * would be, so ASan flags any read past its end.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "boot/efi/hv_cfg.h"

static struct hv_cfg cfg;
static int line;

static const char *parse_n(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	const char *err;

	REQUIRE(copy);
	memcpy(copy, text, len);
	memset(&cfg, 0x5a, sizeof(cfg)); /* the parser must clear it */
	line = -1;
	err = hv_cfg_parse(copy, len, &cfg, &line);
	free(copy);
	return err;
}

static const char *parse(const char *text)
{
	return parse_n(text, strlen(text));
}

#define CHECK_ERR(text, msg, at)                                                 \
	do {                                                                     \
		CHECK_STR(parse(text), (msg));                                   \
		CHECK_EQ(line, (at));                                            \
	} while (0)

TEST(full_example)
{
	const char *text = "# hv.cfg: the boot configuration\n"
			   "\n"
			   "   # an indented comment\n"
			   "cmdline console=com1 loglevel=info\n"
			   "module guests/io.elf child name=io mem=16M vcpus=2\n"
			   "module\tguests/b.elf\n"
			   "\t module   guests/c.elf    arg1\targ2  \t\n"
			   "#module guests/commented.elf\n";

	CHECK(parse(text) == NULL);
	CHECK_EQ(line, 0);
	CHECK_STR(cfg.cmdline, "console=com1 loglevel=info");
	REQUIRE(cfg.nmodules == 3);
	CHECK_STR(cfg.modules[0].path, "guests/io.elf");
	CHECK_STR(cfg.modules[0].cmdline, "child name=io mem=16M vcpus=2");
	CHECK_STR(cfg.modules[1].path, "guests/b.elf");
	CHECK_STR(cfg.modules[1].cmdline, "");
	CHECK_STR(cfg.modules[2].path, "guests/c.elf");
	/* Inner blanks are kept, the ends trimmed. */
	CHECK_STR(cfg.modules[2].cmdline, "arg1\targ2");
}

TEST(crlf_and_no_final_newline)
{
	const char *text = "# comment\r\n"
			   "\r\n"
			   "cmdline\ttest loglevel=debug\r\n"
			   "module a.elf x=1\r\n"
			   "module b.elf";

	CHECK(parse(text) == NULL);
	CHECK_STR(cfg.cmdline, "test loglevel=debug");
	REQUIRE(cfg.nmodules == 2);
	CHECK_STR(cfg.modules[0].path, "a.elf");
	CHECK_STR(cfg.modules[0].cmdline, "x=1");
	CHECK_STR(cfg.modules[1].path, "b.elf");
	CHECK_STR(cfg.modules[1].cmdline, "");
	/* The line count goes by '\n' with CRLF too. */
	CHECK_ERR("\r\n# x\r\n\r\nbogus\r\n", "unknown directive (expected cmdline or module)", 4);
}

TEST(empty_inputs)
{
	CHECK(parse_n("", 0) == NULL);
	CHECK_EQ(line, 0);
	CHECK_STR(cfg.cmdline, "");
	CHECK_EQ(cfg.nmodules, 0);
	CHECK(parse("\n\n  \t\n# only comments\n#\n") == NULL);
	CHECK_EQ(cfg.nmodules, 0);
	/* cmdline without arguments is an empty command line. */
	CHECK(parse("cmdline\n") == NULL);
	CHECK_STR(cfg.cmdline, "");
	CHECK(parse("cmdline   \t\r\n") == NULL);
	CHECK_STR(cfg.cmdline, "");
}

TEST(errors_with_lines)
{
	CHECK_ERR("cmdline a\nfoo bar\n", "unknown directive (expected cmdline or module)", 2);
	CHECK_ERR("cmdlinex a\n", "unknown directive (expected cmdline or module)", 1);
	CHECK_ERR("Cmdline a\n", "unknown directive (expected cmdline or module)", 1);
	CHECK_ERR("modules a.elf\n", "unknown directive (expected cmdline or module)", 1);
	CHECK_ERR("cmdline=a\n", "unknown directive (expected cmdline or module)", 1);
	CHECK_ERR("\n\n# c\ncmdline a\n\ncmdline b\n", "cmdline given twice", 6);
	CHECK_ERR("cmdline\ncmdline\n", "cmdline given twice", 2);
	CHECK_ERR("module a\nmodule\n", "module needs a file name", 2);
	CHECK_ERR("module  \t \r\n", "module needs a file name", 1);
	CHECK_ERR("module", "module needs a file name", 1);
}

TEST(nul_byte)
{
	static const char t1[] = "cmdline a\nmodule x\0y.elf\n";
	static const char t2[] = "cmdline a\n\0\n";
	static const char t3[] = "cmdline a b c\0";

	CHECK_STR(parse_n(t1, sizeof(t1) - 1), "NUL byte in the file");
	CHECK_EQ(line, 2);
	CHECK_STR(parse_n(t2, sizeof(t2) - 1), "NUL byte in the file");
	CHECK_EQ(line, 2);
	CHECK_STR(parse_n(t3, sizeof(t3) - 1), "NUL byte in the file");
	CHECK_EQ(line, 1);
}

TEST(too_many_modules)
{
	static char text[BOOT_MODULES_MAX * 16 + 64];
	size_t n = 0;

	for (int i = 0; i < BOOT_MODULES_MAX; i++) {
		memcpy(text + n, "module m.elf\n", 13);
		n += 13;
	}
	CHECK(parse_n(text, n) == NULL);
	CHECK_EQ(cfg.nmodules, BOOT_MODULES_MAX);
	memcpy(text + n, "# fine\nmodule z.elf\n", 20);
	n += 20;
	CHECK_STR(parse_n(text, n), "too many modules");
	CHECK_EQ(line, BOOT_MODULES_MAX + 2);
}

TEST(length_limits)
{
	static char text[2048];
	size_t n;

	/* Path: HV_CFG_PATH_MAX - 1 fits, one more does not. */
	memcpy(text, "module ", 7);
	memset(text + 7, 'p', HV_CFG_PATH_MAX - 1);
	n = 7 + HV_CFG_PATH_MAX - 1;
	CHECK(parse_n(text, n) == NULL);
	CHECK_EQ(strlen(cfg.modules[0].path), HV_CFG_PATH_MAX - 1);
	text[n++] = 'p';
	CHECK_STR(parse_n(text, n), "module file name too long");
	CHECK_EQ(line, 1);

	/* The arguments after the path: BOOT_MODCMD_MAX - 1 fits. */
	memcpy(text, "\nmodule a.elf ", 14);
	n = 14;
	memset(text + n, 'x', BOOT_MODCMD_MAX - 1);
	n += BOOT_MODCMD_MAX - 1;
	memcpy(text + n, "  \r\n", 4); /* trailing blanks do not count */
	CHECK(parse_n(text, n + 4) == NULL);
	CHECK_EQ(strlen(cfg.modules[0].cmdline), BOOT_MODCMD_MAX - 1);
	text[n++] = 'x';
	CHECK_STR(parse_n(text, n), "module arguments too long");
	CHECK_EQ(line, 2);

	/* cmdline: BOOT_CMDLINE_MAX - 1 fits. */
	memcpy(text, "cmdline ", 8);
	memset(text + 8, 'c', BOOT_CMDLINE_MAX - 1);
	n = 8 + BOOT_CMDLINE_MAX - 1;
	CHECK(parse_n(text, n) == NULL);
	CHECK_EQ(strlen(cfg.cmdline), BOOT_CMDLINE_MAX - 1);
	text[n++] = 'c';
	CHECK_STR(parse_n(text, n), "cmdline too long");
	CHECK_EQ(line, 1);
}

/* Only len bytes count, whatever follows them in memory. */
TEST(length_bounds_text)
{
	const char *text = "cmdline abc\nmodule a.elf\nbogus";

	CHECK(parse_n(text, 11) == NULL);
	CHECK_STR(cfg.cmdline, "abc");
	CHECK(parse_n(text, 8) == NULL);
	CHECK_STR(cfg.cmdline, "");
	CHECK(parse_n(text, 25) == NULL);
	CHECK_EQ(cfg.nmodules, 1);
	CHECK_STR(parse_n(text, 26), "unknown directive (expected cmdline or module)");
	CHECK_EQ(line, 3);
}

int main(void)
{
	RUN(full_example);
	RUN(crlf_and_no_final_newline);
	RUN(empty_inputs);
	RUN(errors_with_lines);
	RUN(nul_byte);
	RUN(too_many_modules);
	RUN(length_limits);
	RUN(length_bounds_text);
	return harness_finish();
}
