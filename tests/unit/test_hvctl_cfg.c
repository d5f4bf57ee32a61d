// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvctl's definition-file parser (partitions/parent/hvctl/cfg.c): a table
 * of good files and what they set, and a table of bad files with the exact
 * one-line error each must give (the first error only). Every file is
 * handed over as an exact-size heap copy without a terminating NUL, so
 * ASan flags any read past the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "partitions/parent/hvctl/cfg.h"

static struct cfg c;
static char err[CFG_ERR_MAX];

static int parse_in(const char *text, size_t len, const char *dir)
{
	char *buf = malloc(len ? len : 1);
	int r;

	memcpy(buf, text, len);
	r = cfg_parse(buf, len, "t.cfg", dir, &c, err, sizeof(err));
	free(buf);
	return r;
}

static int parse_dir(const char *text, const char *dir)
{
	return parse_in(text, strlen(text), dir);
}

static int parse(const char *text)
{
	return parse_in(text, strlen(text), "/etc/hv");
}

#define BASE "name = \"demo\"\nkernel = \"/boot/vmlinuz\"\n"

/* ---- good files ---------------------------------------------------------- */

TEST(minimal_defaults)
{
	REQUIRE(parse(BASE) == 0);
	CHECK_STR(c.name, "demo");
	CHECK_STR(c.kernel, "/boot/vmlinuz");
	CHECK_STR(c.ramdisk, "");
	CHECK_EQ(c.memory_mib, 128);
	CHECK_EQ(c.vcpus, 1);
	CHECK_EQ(c.cpus, 0);
	CHECK_EQ(c.weight, 0);
	CHECK_EQ(c.cap, 0);
	CHECK_EQ(c.on_poweroff, HV_ACTION_DESTROY); /* xl's defaults */
	CHECK_EQ(c.on_reboot, HV_ACTION_RESTART);
	CHECK_EQ(c.on_crash, HV_ACTION_DESTROY);
	CHECK_EQ(c.platform, CFG_PLATFORM_DEFAULT);
	CHECK(!c.has_cmdline);
	CHECK_EQ(c.line[CFG_LINE_NAME], 1);
	CHECK_EQ(c.line[CFG_LINE_KERNEL], 2);
	CHECK_EQ(c.line[CFG_LINE_MEMORY], 0);
}

TEST(every_key)
{
	const char *f =
		"# a child\n"
		"name='web-1.x_y'   # single quotes: verbatim\n"
		"memory = 0x100 ; vcpus = \"4\"\n"
		"cpus = \"0-1,3\"\n"
		"cpu_weight = 512\n"
		"cap = 350\n"
		"kernel = \"vmlinuz\"\n"
		"ramdisk = '../initrd.img'\n"
		"cmdline = \"console=ttyS0 quiet\"\n"
		"on_poweroff = \"preserve\"\n"
		"on_reboot = \"destroy\"\n"
		"on_crash = \"restart\"\n"
		"platform = \"none\"\n";

	REQUIRE(parse(f) == 0);
	CHECK_STR(c.name, "web-1.x_y");
	CHECK_EQ(c.memory_mib, 256);
	CHECK_EQ(c.vcpus, 4);
	CHECK_EQ(c.cpus, 0xb);
	CHECK_EQ(c.weight, 512);
	CHECK_EQ(c.cap, 350);
	CHECK_STR(c.kernel, "/etc/hv/vmlinuz");
	CHECK_STR(c.ramdisk, "/etc/hv/../initrd.img");
	CHECK(c.has_cmdline);
	CHECK_STR(c.cmdline, "console=ttyS0 quiet");
	CHECK_EQ(c.on_poweroff, HV_ACTION_PRESERVE);
	CHECK_EQ(c.on_reboot, HV_ACTION_DESTROY);
	CHECK_EQ(c.on_crash, HV_ACTION_RESTART);
	CHECK_EQ(c.platform, CFG_PLATFORM_NONE);
	CHECK_EQ(c.line[CFG_LINE_MEMORY], 3);
	CHECK_EQ(c.line[CFG_LINE_RAMDISK], 8);
	CHECK_EQ(c.line[CFG_LINE_CMDLINE], 9);
	CHECK_EQ(c.line[CFG_LINE_PLATFORM], 13);
	CHECK_EQ(c.line[CFG_LINE_CPUS], 4);

	struct hv_create hc;
	cfg_to_create(&c, false, &hc);
	CHECK_STR(hc.name, "web-1.x_y");
	CHECK_EQ(hc.memory_bytes, 256ull << 20);
	CHECK_EQ(hc.vcpus, 4);
	CHECK_EQ(hc.cpus, 0xb);
	CHECK_EQ(hc.flags, 0);
	CHECK_EQ(hc.weight, 512);
	CHECK_EQ(hc.cap, 350);
	CHECK_EQ(hc.on_poweroff, HV_ACTION_PRESERVE);
	CHECK_EQ(hc.on_reboot, HV_ACTION_DESTROY);
	CHECK_EQ(hc.on_crash, HV_ACTION_RESTART);
	CHECK_EQ(hc.reserved0, 0);
	cfg_to_create(&c, true, &hc);
	CHECK_EQ(hc.flags, HV_CREATE_PLATFORM_PC);
}

TEST(paths)
{
	REQUIRE(parse_dir(BASE "ramdisk = \"r.img\"\n", ".") == 0);
	CHECK_STR(c.ramdisk, "r.img");
	REQUIRE(parse_dir(BASE "ramdisk = \"r.img\"\n", "") == 0);
	CHECK_STR(c.ramdisk, "r.img");
	REQUIRE(parse_dir(BASE "ramdisk = \"r.img\"\n", "/") == 0);
	CHECK_STR(c.ramdisk, "/r.img");
	REQUIRE(parse_dir(BASE "ramdisk = \"r.img\"\n", "cfgs") == 0);
	CHECK_STR(c.ramdisk, "cfgs/r.img");
	REQUIRE(parse(BASE "ramdisk = \"/abs/r.img\"\n") == 0);
	CHECK_STR(c.ramdisk, "/abs/r.img");
}

TEST(disks)
{
	REQUIRE(parse_dir(BASE "disk = [ \"a.img,rw\", '/dev/sdb,ro',\n \"c.img\" ]\n", "cfgs") == 0);
	REQUIRE(c.ndisks == 3);
	CHECK_STR(c.disk[0].path, "cfgs/a.img");
	CHECK(!c.disk[0].ro);
	CHECK_STR(c.disk[1].path, "/dev/sdb");
	CHECK(c.disk[1].ro);
	CHECK_STR(c.disk[2].path, "cfgs/c.img");
	CHECK(!c.disk[2].ro);
	CHECK(c.rng);
	REQUIRE(parse(BASE "vif = [ 'bridge=br1,mac=02:00:00:aa:bb:cc', '' ]\n") == 0);
	REQUIRE(c.nvifs == 2);
	CHECK_STR(c.vif[0].bridge, "br1");
	CHECK(c.vif[0].has_mac && c.vif[0].mac[3] == 0xaa && c.vif[0].mac[5] == 0xcc);
	CHECK_STR(c.vif[1].bridge, "hvbr0");
	CHECK(!c.vif[1].has_mac);
	CHECK(c.vconsole);
	REQUIRE(parse(BASE "rng = 0\nvconsole = 0\n") == 0);
	CHECK(!c.rng);
	CHECK(!c.vconsole);
	CHECK(c.ndisks == 0);
	CHECK(parse(BASE "vconsole = 2\n") == -1);
	CHECK(!c.stop_unclaimed);
	REQUIRE(parse(BASE "unclaimed = \"stop\"\n") == 0);
	CHECK(c.stop_unclaimed);
	REQUIRE(parse(BASE "unclaimed = \"ones\"\n") == 0);
	CHECK(!c.stop_unclaimed);
	CHECK(parse(BASE "unclaimed = \"crash\"\n") == -1);
}

TEST(pci)
{
	char b[CFG_BDF_LEN];
	uint32_t bdf;

	REQUIRE(parse(BASE) == 0);
	CHECK_EQ(c.npci, 0);
	REQUIRE(parse(BASE "pci = [ '0000:00:06.0', \"00:07.1\",\n  '0000:0A:1f.7', ]\n") == 0);
	REQUIRE(c.npci == 3);
	CHECK_EQ(c.pci[0], 0x30);
	CHECK_EQ(c.pci[1], 0x39);
	CHECK_EQ(c.pci[2], 0xaff);
	CHECK_EQ(c.line[CFG_LINE_PCI], 3);
	REQUIRE(parse(BASE "pci = []\n") == 0);
	CHECK_EQ(c.npci, 0);
	REQUIRE(parse(BASE "pci = [ 'ff:1f.7', '0:0.0', '00:01.0', '00:02.0', '00:03.0', "
		      "'00:04.0', '00:05.0', '00:06.0' ]\n") == 0);
	CHECK_EQ(c.npci, CFG_PCI_MAX);
	CHECK_EQ(c.pci[0], 0xffff);
	CHECK_EQ(c.pci[1], 0);

	CHECK(cfg_parse_bdf("0000:00:06.0", &bdf, err, sizeof(err)) == 0 && bdf == 0x30);
	CHECK(cfg_parse_bdf("00:06.0", &bdf, err, sizeof(err)) == 0 && bdf == 0x30);
	CHECK(cfg_parse_bdf("00:06", &bdf, err, sizeof(err)) == -1);
	CHECK_STR(err, "\"00:06\" is not a PCI address like \"0000:00:06.0\" or \"00:06.0\"");
	CHECK(cfg_parse_bdf("", &bdf, err, sizeof(err)) == -1);
	CHECK(cfg_parse_bdf("0:0:0:0.0", &bdf, err, sizeof(err)) == -1);
	CHECK(cfg_parse_bdf("00000:00:06.0", &bdf, err, sizeof(err)) == -1);
	CHECK(cfg_parse_bdf("000:06.0", &bdf, err, sizeof(err)) == -1);
	CHECK(cfg_parse_bdf("00:06.0 ", &bdf, err, sizeof(err)) == -1);
	CHECK(cfg_parse_bdf("00:06.00", &bdf, err, sizeof(err)) == -1);
	CHECK(cfg_parse_bdf("0x0:06.0", &bdf, err, sizeof(err)) == -1);
	cfg_format_bdf(0x30, b, sizeof(b));
	CHECK_STR(b, "0000:00:06.0");
	cfg_format_bdf(0xaff, b, sizeof(b));
	CHECK_STR(b, "0000:0a:1f.7");
}

TEST(root_and_extra)
{
	REQUIRE(parse(BASE "root = \"/dev/vda1\"\nextra = \"console=ttyS0\"\n") == 0);
	CHECK(c.has_cmdline);
	CHECK_STR(c.cmdline, "root=/dev/vda1 console=ttyS0");
	CHECK_EQ(c.line[CFG_LINE_CMDLINE], 4);
	REQUIRE(parse(BASE "extra = \"quiet\"\nroot = \"/dev/sda\"\n") == 0);
	CHECK_STR(c.cmdline, "root=/dev/sda quiet");
	REQUIRE(parse(BASE "root = \"/dev/sda\"\n") == 0);
	CHECK_STR(c.cmdline, "root=/dev/sda");
	REQUIRE(parse(BASE "extra = \"init=/bin/sh\"\n") == 0);
	CHECK_STR(c.cmdline, "init=/bin/sh");
	REQUIRE(parse(BASE "cmdline = \"\"\n") == 0);
	CHECK(c.has_cmdline);
	CHECK_STR(c.cmdline, "");
}

TEST(syntax)
{
	/* CRLF, a BOM, blank lines, comments everywhere, ';' separators,
	 * hex and quoted numbers, escapes, and a list over several lines
	 * that leaves the line count right for a later error. */
	const char *f = "\xef\xbb\xbf# BOM first\r\n"
			"\r\n"
			"name = \"a\\tb\" ;;\r\n";
	REQUIRE(parse(f) != 0); /* a tab is not a name character */
	CHECK_STR(err, "t.cfg:3: name: may hold only letters, digits, '_', '.' and '-', not 0x09");

	REQUIRE(parse(BASE "cmdline = \"a\\\"b\\\\c\\n\\x41\\101\\'\"  # comment\n") == 0);
	CHECK_STR(c.cmdline, "a\"b\\c\nAA'");
	REQUIRE(parse(BASE "cmdline = 'no \\escapes \"here\"'\n") == 0);
	CHECK_STR(c.cmdline, "no \\escapes \"here\"");
	REQUIRE(parse("name=\"x\";kernel=\"/k\";memory=\"64\";vcpus=0x2") == 0); /* no final newline */
	CHECK_EQ(c.memory_mib, 64);
	CHECK_EQ(c.vcpus, 2);
	REQUIRE(parse(BASE "cpus = [\n  \"0\",\n  \"1\",\n]\n") != 0);
	CHECK_STR(err, "t.cfg:3: cpus: per-vCPU lists are not supported: give one list for every "
		       "vCPU, like \"0-3\"");
	REQUIRE(parse(BASE "cpus = 5\n") == 0);
	CHECK_EQ(c.cpus, 1ull << 5);
}

/* ---- CPU lists ------------------------------------------------------------- */

TEST(cpu_lists)
{
	static const struct {
		const char *s;
		unsigned long long mask;
		const char *err;
	} t[] = {
		{ "all", 0, NULL },
		{ "0", 1, NULL },
		{ "0-1,3", 0xb, NULL },
		{ "63", 1ull << 63, NULL },
		{ "0-63", 0, NULL }, /* every CPU: "any" */
		{ "0-7,^2", 0xfb, NULL },
		{ "^0", ~1ull, NULL },
		{ "2,2,2-3", 0xc, NULL },
		{ "", 0, "the CPU list is empty (use \"all\" for any CPU)" },
		{ "64", 0, "CPU 64 is out of range (0-63)" },
		{ "99999999999", 0, "CPU >1000000 is out of range (0-63)" },
		{ "3-1", 0, "CPU range 3-1 runs backwards" },
		{ "1,", 0, "\"1,\" is not a CPU list: expected \"all\" or CPUs and ranges like \"0-1,3\"" },
		{ "1-", 0, "\"1-\" is not a CPU list: expected \"all\" or CPUs and ranges like \"0-1,3\"" },
		{ "a", 0, "\"a\" is not a CPU list: expected \"all\" or CPUs and ranges like \"0-1,3\"" },
		{ "1 2", 0, "\"1 2\" is not a CPU list: expected \"all\" or CPUs and ranges like \"0-1,3\"" },
		{ "0-3,^0-3", 0, "\"0-3,^0-3\" leaves no CPU" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t m = 12345;
		char e[256] = "";
		int r = cfg_parse_cpus(t[i].s, &m, e, sizeof(e));
		if (t[i].err) {
			CHECK(r != 0);
			CHECK_STR(e, t[i].err);
		} else {
			CHECK(r == 0);
			CHECK_EQ(m, t[i].mask);
		}
	}
}

TEST(cpu_format)
{
	char b[64];

	cfg_format_cpus(0, b, sizeof(b));
	CHECK_STR(b, "all");
	cfg_format_cpus(0xb, b, sizeof(b));
	CHECK_STR(b, "0-1,3");
	cfg_format_cpus(1ull << 63 | 1, b, sizeof(b));
	CHECK_STR(b, "0,63");
	cfg_format_cpus(0xf0f0, b, sizeof(b));
	CHECK_STR(b, "4-7,12-15");
	cfg_format_cpus(0x5555555555555555ull, b, 8); /* cut short, still a string */
	CHECK(strlen(b) < 8);
}

TEST(names)
{
	CHECK(cfg_name_valid("a"));
	CHECK(cfg_name_valid("A-z_0.9"));
	CHECK(cfg_name_valid("0123456789012345678901234567890")); /* 31 */
	CHECK(!cfg_name_valid("01234567890123456789012345678901")); /* 32 */
	CHECK(!cfg_name_valid(""));
	CHECK(!cfg_name_valid("a b"));
	CHECK(!cfg_name_valid("a/b"));
}

/* ---- bad files: the exact one-line error --------------------------------- */

struct bad {
	const char *text;
	const char *err;
};

static const struct bad bad[] = {
	/* keys */
	{ BASE "memroy = 128\n", "t.cfg:3: memroy: unknown key (did you mean 'memory'?)" },
	{ BASE "Memory = 128\n", "t.cfg:3: Memory: unknown key (did you mean 'memory'?)" },
	{ BASE "builder = \"hvm\"\n", "t.cfg:3: builder: unknown key" },
	{ BASE "disk = [ \"phy:/dev/sda,xvda,w\" ]\n",
	  "t.cfg:3: disk: \"phy:/dev/sda,xvda,w\": after the path comes ,rw or ,ro" },
	{ BASE "disk = \"a.img\"\n", "t.cfg:3: disk: expects a list, like [ \"disk.img,rw\" ]" },
	{ BASE "disk = [ \"a\", \"b\", \"c\", \"d\", \"e\" ]\n", "t.cfg:3: disk: at most 4 disks" },
	{ BASE "disk = [ \",rw\" ]\n", "t.cfg:3: disk: the path is empty" },
	{ BASE "rng = 2\n", "t.cfg:3: rng: must be between 0 and 1, got 2" },
	{ BASE "vif = [ 'bridge=br0,model=e1000' ]\n",
	  "t.cfg:3: vif: \"model=e1000\": only bridge= and mac= are supported" },
	{ BASE "vif = [ 'mac=01:00:5e:00:00:01' ]\n",
	  "t.cfg:3: vif: mac \"01:00:5e:00:00:01\": not a unicast address like 02:00:00:00:00:01" },
	{ BASE "vif = [ 'bridge=a/b' ]\n",
	  "t.cfg:3: vif: bridge \"a/b\": not an interface name (1-15 of A-Za-z0-9_.-)" },
	{ BASE "vif = [ '', '', '' ]\n", "t.cfg:3: vif: at most 2 interfaces" },
	{ BASE "pci = '0000:00:06.0'\n", "t.cfg:3: pci: expects a list, like [ '0000:00:06.0' ]" },
	{ BASE "pci = [ '0001:00:06.0' ]\n",
	  "t.cfg:3: pci: \"0001:00:06.0\": PCI segment 0001: only segment 0000 is supported" },
	{ BASE "pci = [ '00:20.0' ]\n", "t.cfg:3: pci: \"00:20.0\": device 20 is out of range (00-1f)" },
	{ BASE "pci = [ '00:06.8' ]\n", "t.cfg:3: pci: \"00:06.8\": function 8 is out of range (0-7)" },
	{ BASE "pci = [ '00:06.0',\n  '06.0' ]\n",
	  "t.cfg:4: pci: \"06.0\" is not a PCI address like \"0000:00:06.0\" or \"00:06.0\"" },
	{ BASE "pci = [ 'eth0' ]\n",
	  "t.cfg:3: pci: \"eth0\" is not a PCI address like \"0000:00:06.0\" or \"00:06.0\"" },
	{ BASE "pci = [ 6 ]\n",
	  "t.cfg:3: pci: \"6\" is not a PCI address like \"0000:00:06.0\" or \"00:06.0\"" },
	{ BASE "pci = [ '00:06.0@3' ]\n",
	  "t.cfg:3: pci: \"00:06.0@3\": a virtual slot (@VSLOT) is not supported: the functions "
	  "appear in the child at 00:10.0, 00:11.0, ... in order" },
	{ BASE "pci = [ '00:06.0,permissive=1' ]\n",
	  "t.cfg:3: pci: \"00:06.0,permissive=1\": options (,KEY=VALUE) are not supported" },
	{ BASE "pci = [ '00:06.*' ]\n",
	  "t.cfg:3: pci: \"00:06.*\": all functions (.*) are not supported: name each function" },
	{ BASE "pci = [ '0000:00:06.0',\n '00:07.0',\n '00:06.0' ]\n",
	  "t.cfg:5: pci: 0000:00:06.0 is given twice (first on line 3)" },
	{ BASE "pci = [ '0:1.0', '0:2.0', '0:3.0', '0:4.0', '0:5.0', '0:6.0', '0:7.0', '0:8.0', "
	  "'0:9.0' ]\n", "t.cfg:3: pci: at most 8 PCI functions" },
	{ BASE "pci = [ '00:06.0' ]\npci = [ '00:07.0' ]\n",
	  "t.cfg:4: pci: given twice (first on line 3)" },
	{ BASE "pcie = [ '00:06.0' ]\n", "t.cfg:3: pcie: unknown key (did you mean 'pci'?)" },
	{ "name = \"a\"\nmemory = 64\nkernel = \"/k\"\nmemory = 64\n",
	  "t.cfg:4: memory: given twice (first on line 2)" },
	{ BASE "name = \"b\"\n", "t.cfg:3: name: given twice (first on line 1)" },
	{ "kernel = \"/k\"\n", "t.cfg: name: missing: a definition needs name = \"...\"" },
	{ "name = \"a\"\n", "t.cfg: kernel: missing: a definition needs kernel = \"PATH\"" },
	{ "", "t.cfg: name: missing: a definition needs name = \"...\"" },
	{ "# only a comment", "t.cfg: name: missing: a definition needs name = \"...\"" },
	{ BASE "foo.bar = 1\n", "t.cfg:3: 'foo.bar' is not a key (keys are letters, digits and '_')" },
	/* syntax */
	{ BASE "memory 128\n", "t.cfg:3: memory: expected '=' after the key, found a number" },
	{ BASE "memory\n", "t.cfg:3: memory: expected '=' after the key, found the end of the line" },
	{ BASE "memory += 2\n", "t.cfg:3: memory: '+=' is not supported" },
	{ BASE "= 128\n", "t.cfg:3: expected a key, found '='" },
	{ BASE "128\n", "t.cfg:3: expected a key, found a number" },
	{ BASE "\"memory\" = 1\n", "t.cfg:3: expected a key, found a string" },
	{ BASE "memory =\n", "t.cfg:3: memory: expected a value after '=', found the end of the line" },
	{ BASE "memory =", "t.cfg:3: memory: expected a value after '=', found the end of the file" },
	{ BASE "memory = 128 256\n",
	  "t.cfg:3: memory: expected the end of the line after the value, found a number" },
	{ BASE "memory = 128 ]\n",
	  "t.cfg:3: memory: expected the end of the line after the value, found ']'" },
	{ BASE "memory = $\n", "t.cfg:3: unexpected character '$'" },
	{ BASE "memory = \xc3\xa9\n", "t.cfg:3: unexpected character 0xc3" },
	{ BASE "cmdline = \"open\n", "t.cfg:3: string not closed before the end of the line" },
	{ BASE "cmdline = 'open", "t.cfg:3: string not closed before the end of the line" },
	{ BASE "cmdline = \"bad \\q\"\n", "t.cfg:3: unknown escape '\\q' in a string" },
	{ BASE "cmdline = \"bad \\x\"\n", "t.cfg:3: \\x in a string needs hex digits" },
	{ BASE "cmdline = \"bad \\777\"\n", "t.cfg:3: octal escape \\777 is above \\377" },
	{ BASE "cmdline = \"nul \\0 inside\"\n", "t.cfg:3: cmdline: the string holds a NUL byte" },
	{ BASE "on_crash = destroy\n",
	  "t.cfg:3: on_crash: destroy is not a value: put strings in quotes (\"destroy\")" },
	{ BASE "cpus = [ \"0\",\n", "t.cfg:4: cpus: expected a value or ']' in the list, found the end of the file" },
	{ BASE "cpus = [ \"0\" \"1\" ]\n", "t.cfg:3: cpus: expected ',' or ']' in the list, found a string" },
	{ BASE "cpus = [ [ \"0\" ] ]\n", "t.cfg:3: cpus: lists cannot be nested" },
	{ BASE "cpus = [\n\"0\",\n\"1\"\n\"2\" ]\n",
	  "t.cfg:6: cpus: expected ',' or ']' in the list, found a string" },
	/* the first error only */
	{ BASE "memory = 1\nvcpus = 0\n", "t.cfg:3: memory: must be between 2 and 262144 MiB, got 1" },
	{ "nme = 1\n$\n", "t.cfg:1: nme: unknown key (did you mean 'name'?)" },
	/* values */
	{ BASE "memory = 127\n", "t.cfg:3: memory: must be a multiple of 2 MiB, got 127" },
	{ BASE "memory = 0\n", "t.cfg:3: memory: must be between 2 and 262144 MiB, got 0" },
	{ BASE "memory = 262146\n", "t.cfg:3: memory: must be between 2 and 262144 MiB, got 262146" },
	{ BASE "memory = 99999999999999999999999\n",
	  "t.cfg:3: memory: must be between 2 and 262144 MiB, got 99999999999999999999999" },
	{ BASE "memory = -4\n", "t.cfg:3: memory: must be between 2 and 262144 MiB, got -4" },
	{ BASE "memory = 128M\n", "t.cfg:3: memory: expects a whole number of MiB, got \"128M\"" },
	{ BASE "memory = \"\"\n", "t.cfg:3: memory: expects a whole number of MiB, got \"\"" },
	{ BASE "memory = 1.5\n", "t.cfg:3: memory: expects a whole number of MiB, got \"1.5\"" },
	{ BASE "memory = 0x\n", "t.cfg:3: memory: expects a whole number of MiB, got \"0x\"" },
	{ BASE "memory = [ 128 ]\n", "t.cfg:3: memory: expects a number, not a list" },
	{ BASE "vcpus = 0\n", "t.cfg:3: vcpus: must be between 1 and 64, got 0" },
	{ BASE "vcpus = 65\n", "t.cfg:3: vcpus: must be between 1 and 64, got 65" },
	{ BASE "cpu_weight = 0\n", "t.cfg:3: cpu_weight: must be between 1 and 65535, got 0" },
	{ BASE "cpu_weight = 65536\n", "t.cfg:3: cpu_weight: must be between 1 and 65535, got 65536" },
	{ BASE "cap = 101\n", "t.cfg:3: cap: 101% is more than 1 vCPU can use (at most 100)" },
	{ BASE "cap = 250\nvcpus = 2\n", "t.cfg:3: cap: 250% is more than 2 vCPUs can use (at most 200)" },
	{ BASE "cap = 6401\n", "t.cfg:3: cap: must be between 0 and 6400 percent, got 6401" },
	{ BASE "cpus = \"0-x\"\n",
	  "t.cfg:3: cpus: \"0-x\" is not a CPU list: expected \"all\" or CPUs and ranges like \"0-1,3\"" },
	{ BASE "cpus = \"64\"\n", "t.cfg:3: cpus: CPU 64 is out of range (0-63)" },
	{ "name = \"\"\n", "t.cfg:1: name: must be 1 to 31 characters long, not 0" },
	{ "name = \"abcdefghijklmnopqrstuvwxyz012345\"\n",
	  "t.cfg:1: name: must be 1 to 31 characters long, not 32" },
	{ "name = \"a b\"\n", "t.cfg:1: name: may hold only letters, digits, '_', '.' and '-', not ' '" },
	{ "name = \"a/b\"\n", "t.cfg:1: name: may hold only letters, digits, '_', '.' and '-', not '/'" },
	{ "name = \"caf\xc3\xa9\"\n",
	  "t.cfg:1: name: may hold only letters, digits, '_', '.' and '-', not 0xc3" },
	{ "name = 12\n", "t.cfg:1: name: expects a string in quotes (\"12\")" },
	{ "name = [ \"a\" ]\n", "t.cfg:1: name: expects a string, not a list" },
	{ "name = \"a\"\nkernel = \"\"\n", "t.cfg:2: kernel: the path is empty" },
	{ BASE "ramdisk = 5\n", "t.cfg:3: ramdisk: expects a string in quotes (\"5\")" },
	{ BASE "on_poweroff = \"reboot\"\n",
	  "t.cfg:3: on_poweroff: must be \"destroy\", \"restart\" or \"preserve\", not \"reboot\"" },
	{ BASE "on_crash = \"coredump-restart\"\n",
	  "t.cfg:3: on_crash: \"coredump-restart\" is not supported: use \"destroy\", \"restart\" or "
	  "\"preserve\"" },
	{ BASE "on_reboot = \"rename-restart\"\n",
	  "t.cfg:3: on_reboot: \"rename-restart\" is not supported: use \"destroy\", \"restart\" or "
	  "\"preserve\"" },
	{ BASE "platform = \"hvm\"\n", "t.cfg:3: platform: must be \"pc\" or \"none\", not \"hvm\"" },
	{ BASE "cmdline = \"a\"\nroot = \"/dev/sda\"\n",
	  "t.cfg:4: root: cannot be combined with cmdline (line 3): put everything in cmdline" },
	{ BASE "extra = \"x\"\ncmdline = \"a\"\n",
	  "t.cfg:3: extra: cannot be combined with cmdline (line 4): put everything in cmdline" },
};

static void check_bad(void *arg)
{
	const struct bad *b = arg;

	memset(err, 0, sizeof(err));
	CHECK(parse(b->text) != 0);
	CHECK_STR(err, b->err);
	CHECK(!strchr(err, '\n')); /* one line */
}

TEST(nul_byte)
{
	static const char f[] = "name = \"a\"\nkernel \0 = \"/k\"\n";
	REQUIRE(parse_in(f, sizeof(f) - 1, "") != 0);
	CHECK_STR(err, "t.cfg:2: NUL byte (is this a text file?)");
}

TEST(too_long)
{
	/* A path past the limit, a string past the lexer's buffer, and a
	 * command line made too long by root + extra: errors, no overflow. */
	size_t n = CFG_PATH_MAX + 100;
	char *f = malloc(n + 64);
	int o = sprintf(f, "name = \"a\"\nkernel = \"");
	memset(f + o, 'k', CFG_PATH_MAX);
	strcpy(f + o + CFG_PATH_MAX, "\"\n");
	REQUIRE(parse(f) != 0);
	CHECK_STR(err, "t.cfg:2: kernel: the path is longer than 4095 bytes");

	size_t big = 9000;
	char *g = malloc(big + 64);
	o = sprintf(g, "cmdline = \"");
	memset(g + o, 'x', big);
	strcpy(g + o + big, "\"\n");
	REQUIRE(parse(g) != 0);
	CHECK_STR(err, "t.cfg:1: string is longer than 8191 bytes");

	o = sprintf(g, BASE "root = \"");
	memset(g + o, 'r', 3000);
	o += 3000;
	o += sprintf(g + o, "\"\nextra = \"");
	memset(g + o, 'e', 3000);
	strcpy(g + o + 3000, "\"\n");
	REQUIRE(parse(g) != 0);
	CHECK_STR(err, "t.cfg:4: extra: the command line it makes is longer than 4095 bytes");
	free(f);
	free(g);
}

TEST(small_error_buffer)
{
	char small[16];
	const char *t = BASE "memroy = 1\n";
	char *buf = malloc(strlen(t));

	memcpy(buf, t, strlen(t));
	CHECK(cfg_parse(buf, strlen(t), "t.cfg", "", &c, small, sizeof(small)) != 0);
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	free(buf);
}

int main(void)
{
	RUN(minimal_defaults);
	RUN(every_key);
	RUN(paths);
	RUN(disks);
	RUN(pci);
	RUN(root_and_extra);
	RUN(syntax);
	RUN(cpu_lists);
	RUN(cpu_format);
	RUN(names);
	RUN(nul_byte);
	RUN(too_long);
	RUN(small_error_buffer);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[48];
		snprintf(name, sizeof(name), "bad_%02zu", i);
		harness_run_named(__FILE__, name, check_bad, (void *)&bad[i]);
	}
	return harness_finish();
}
