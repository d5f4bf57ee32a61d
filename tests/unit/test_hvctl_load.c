// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvctl's image loaders (partitions/parent/hvctl/load*.c): the plans they
 * make for synthetic bzImages and ELF images built here field by field
 * and handed over as exact-size heap copies (ASan flags a read past the
 * end), and the one-line error plus the input to blame for hostile or
 * misfitting ones. The real Debian kernel is planned when
 * build/cache/vmlinuz exists (or $HV_TEST_VMLINUZ names one), the test
 * guests when build/guests/ holds them; otherwise those cases pass as
 * skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "partitions/parent/hvctl/load.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

static struct load_plan plan;
static char err[256];

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* ---- a synthetic bzImage ------------------------------------------------- */

struct bz {
	uint16_t version;
	uint8_t setup_sects, hdr_len, loadflags, relocatable;
	uint32_t align, init_size, cmdline_size, initrd_max;
	uint64_t pref;
	size_t pm_size;
};

static const struct bz bz_default = {
	.version = 0x20f, .setup_sects = 4, .hdr_len = 0x6a, .loadflags = 0x01,
	.relocatable = 1, .align = 2 * MIB, .init_size = 32 * MIB, .cmdline_size = 2047,
	.initrd_max = 0x7fffffff, .pref = 16 * MIB, .pm_size = 64 * 1024,
};

static uint8_t *make_bz(const struct bz *b, size_t *size)
{
	size_t setup = ((size_t)(b->setup_sects ? b->setup_sects : 4) + 1) * 512;
	size_t n = setup + b->pm_size;
	uint8_t *k = calloc(1, n);

	k[0x1f1] = b->setup_sects;
	wr16(k + 0x1fe, 0xaa55);
	k[0x200] = 0xeb;
	k[0x201] = b->hdr_len;
	memcpy(k + 0x202, "HdrS", 4);
	wr16(k + 0x206, b->version);
	k[0x211] = b->loadflags;
	wr32(k + 0x214, 0x100000);
	wr32(k + 0x22c, b->initrd_max);
	wr32(k + 0x230, b->align);
	k[0x234] = b->relocatable;
	wr16(k + 0x236, 0x7f);
	wr32(k + 0x238, b->cmdline_size);
	wr64(k + 0x258, b->pref);
	wr32(k + 0x260, b->init_size);
	for (size_t i = setup; i < n; i++)
		k[i] = (uint8_t)(i * 7 + 1); /* the protected-mode part: recognisable */
	*size = n;
	return k;
}

struct in_bufs {
	uint8_t *k, *initrd;
};

static int plan_bz(const struct bz *b, uint64_t mem, size_t isize, const char *cmdline, bool pc,
		   struct in_bufs *bufs)
{
	size_t ksize;
	bufs->k = make_bz(b, &ksize);
	bufs->initrd = isize ? malloc(isize) : NULL;
	if (bufs->initrd)
		memset(bufs->initrd, 0x5a, isize);
	struct load_input in = { .image = bufs->k, .size = ksize, .initrd = bufs->initrd,
				 .initrd_size = isize, .cmdline = cmdline, .memory = mem, .pc = pc };
	memset(err, 0, sizeof(err));
	return load_plan_build(&in, &plan, err, sizeof(err));
}

static void done(struct in_bufs *bufs)
{
	load_plan_free(&plan);
	free(bufs->k);
	free(bufs->initrd);
}

static const struct load_write *find_write(const char *what)
{
	for (unsigned i = 0; i < plan.nw; i++)
		if (!strcmp(plan.w[i].what, what))
			return &plan.w[i];
	return NULL;
}

static void check_e820(const uint8_t *zp, unsigned i, uint64_t base, uint64_t size, uint32_t type)
{
	const uint8_t *e = zp + 0x2d0 + i * 20;
	CHECK_EQ(rd64(e), base);
	CHECK_EQ(rd64(e + 8), size);
	CHECK_EQ(rd32(e + 16), type);
}

TEST(linux_basic)
{
	struct in_bufs b;
	REQUIRE(plan_bz(&bz_default, 128 * MIB, MIB + 100, "console=ttyS0", true, &b) == 0);
	CHECK_EQ(plan.kind, LOAD_LINUX);
	CHECK_EQ(plan.protocol, 0x20f);
	CHECK_EQ(plan.nw, 4);

	const struct load_write *zw = find_write("zero page"), *cw = find_write("command line");
	const struct load_write *kw = find_write("kernel"), *iw = find_write("ramdisk");
	REQUIRE(zw && cw && kw && iw);
	CHECK_EQ(zw->gpa, 0x9000);
	CHECK_EQ(zw->len, 4096);
	CHECK_EQ(cw->gpa, 0xa000);
	CHECK_EQ(cw->len, 14);
	CHECK(!memcmp(cw->data, "console=ttyS0", 14));
	CHECK_EQ(kw->gpa, 16 * MIB); /* pref_address */
	CHECK_EQ(kw->len, 64 * 1024);
	CHECK(kw->data == b.k + 5 * 512); /* the protected-mode part, not copied */
	/* As high as low RAM allows, page-aligned, above the kernel's init_size. */
	CHECK_EQ(iw->gpa, (128 * MIB - (MIB + 100)) & ~4095ull);
	CHECK_EQ(iw->len, MIB + 100);
	CHECK(iw->gpa >= 16 * MIB + 32 * MIB);
	CHECK_EQ(plan.kernel_end, 48 * MIB);

	const uint8_t *zp = zw->data;
	CHECK(!memcmp(zp + 0x202, "HdrS", 4));          /* the header, copied */
	CHECK_EQ(rd16(zp + 0x206), 0x20f);
	CHECK_EQ(rd32(zp + 0x238), 2047);
	CHECK_EQ(rd64(zp + 0x258), 16 * MIB);
	CHECK_EQ(zp[0x210], 0xff);                      /* type_of_loader */
	CHECK_EQ(zp[0x211], 0x41);                      /* LOADED_HIGH | KEEP_SEGMENTS */
	CHECK_EQ(rd16(zp + 0x1fa), 0xffff);             /* vid_mode */
	CHECK_EQ(rd32(zp + 0x214), 16 * MIB);           /* code32_start */
	CHECK_EQ(rd32(zp + 0x228), 0xa000);             /* cmd_line_ptr */
	CHECK_EQ(rd32(zp + 0x218), iw->gpa);            /* ramdisk_image */
	CHECK_EQ(rd32(zp + 0x21c), MIB + 100);          /* ramdisk_size */
	CHECK_EQ(rd64(zp + 0x070), HV_ACPI_BASE);       /* acpi_rsdp_addr */
	CHECK_EQ(rd32(zp + 0x0c0), 0);                  /* ext_ fields */
	CHECK_EQ(zp[0x1ef], 0);                         /* sentinel */
	CHECK_EQ(zp[0x1e8], 3);                         /* e820_entries */
	check_e820(zp, 0, 0, HV_LOW_RAM_END, 1);
	check_e820(zp, 1, HV_LOW_RAM_END, MIB - HV_LOW_RAM_END, 2);
	check_e820(zp, 2, MIB, 127 * MIB, 1);
	/* Nothing else before the header, nothing past the table. */
	for (unsigned i = 0; i < 0x1e8; i++)
		if (i < 0x70 || i >= 0x78)
			CHECK_EQ(zp[i], 0);
	for (unsigned i = 0x2d0 + 3 * 20; i < 4096; i++)
		CHECK_EQ(zp[i], 0);

	const struct hv_vcpu_state *s = &plan.vcpu0;
	CHECK_EQ(s->mode, HV_MODE_PROTECTED);
	CHECK_EQ(s->flags, HV_VCPU_RUNNABLE);
	CHECK_EQ(s->rip, 16 * MIB);
	CHECK_EQ(s->gpr[6], 0x9000); /* ESI: the zero page */
	CHECK_EQ(s->gpr[3], 0);      /* EBX, EBP, EDI zero */
	CHECK_EQ(s->gpr[5], 0);
	CHECK_EQ(s->gpr[7], 0);
	CHECK_EQ(s->cr3, 0);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(s->reserved[i], 0);
	done(&b);
}

TEST(linux_no_pc_no_initrd_no_cmdline)
{
	struct in_bufs b;
	REQUIRE(plan_bz(&bz_default, 64 * MIB, 0, NULL, false, &b) == 0);
	CHECK_EQ(plan.nw, 3);
	const struct load_write *zw = find_write("zero page"), *cw = find_write("command line");
	REQUIRE(zw && cw);
	CHECK_EQ(rd64((const uint8_t *)zw->data + 0x70), 0);
	CHECK_EQ(rd32((const uint8_t *)zw->data + 0x218), 0);
	CHECK_EQ(rd32((const uint8_t *)zw->data + 0x21c), 0);
	CHECK_EQ(cw->len, 1); /* an empty string */
	CHECK(find_write("ramdisk") == NULL);
	done(&b);
}

TEST(linux_high_memory)
{
	struct in_bufs b;
	REQUIRE(plan_bz(&bz_default, 5 * GIB, 8 * MIB, "x", true, &b) == 0);
	const uint8_t *zp = find_write("zero page")->data;
	CHECK_EQ(zp[0x1e8], 4);
	check_e820(zp, 2, MIB, 3 * GIB - MIB, 1);
	check_e820(zp, 3, 4 * GIB, 2 * GIB, 1);
	/* initrd_addr_max 0x7fffffff: the initrd ends at 2 GiB. */
	CHECK_EQ(find_write("ramdisk")->gpa, 2 * GIB - 8 * MIB);
	done(&b);
}

TEST(linux_placement)
{
	struct in_bufs b;
	struct bz k = bz_default;

	/* Not relocatable: loaded at 1 MiB, runs at pref_address. */
	k.relocatable = 0;
	REQUIRE(plan_bz(&k, 128 * MIB, 0, NULL, true, &b) == 0);
	CHECK_EQ(find_write("kernel")->gpa, MIB);
	CHECK_EQ(plan.vcpu0.rip, MIB);
	CHECK_EQ(plan.kernel_end, 48 * MIB);
	CHECK_EQ(rd32((const uint8_t *)find_write("zero page")->data + 0x214), MIB);
	done(&b);

	/* Relocatable without a preferred address: 1 MiB up to its alignment. */
	k = bz_default;
	k.pref = 0;
	REQUIRE(plan_bz(&k, 64 * MIB, 0, NULL, true, &b) == 0);
	CHECK_EQ(plan.vcpu0.rip, 2 * MIB);
	done(&b);

	/* An unaligned preferred address goes up to the alignment. */
	k = bz_default;
	k.pref = 17 * MIB;
	REQUIRE(plan_bz(&k, 128 * MIB, 0, NULL, true, &b) == 0);
	CHECK_EQ(plan.vcpu0.rip, 18 * MIB);
	done(&b);

	/* A file larger than init_size says: the file counts. */
	k = bz_default;
	k.init_size = 4096;
	k.pm_size = 3 * MIB;
	REQUIRE(plan_bz(&k, 32 * MIB, 0, NULL, true, &b) == 0);
	CHECK_EQ(plan.kernel_end, 19 * MIB);
	done(&b);

	/* The initrd below initrd_addr_max, just above the kernel. */
	k = bz_default;
	k.initrd_max = 64 * MIB - 1;
	REQUIRE(plan_bz(&k, 256 * MIB, 16 * MIB, NULL, true, &b) == 0);
	CHECK_EQ(find_write("ramdisk")->gpa, 48 * MIB);
	done(&b);

	/* A command line exactly cmdline_size long. */
	k = bz_default;
	k.cmdline_size = 3;
	REQUIRE(plan_bz(&k, 64 * MIB, 0, "abc", true, &b) == 0);
	CHECK_EQ(find_write("command line")->len, 4);
	done(&b);
}

struct bad_bz {
	const char *what;
	void (*edit)(struct bz *b, uint64_t *mem, size_t *isize, const char **cmdline);
	enum load_blame blame;
	const char *err;
};

static void e_v211(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)m, (void)i, (void)c;
	b->version = 0x20b;
}
static void e_hdr_short(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)m, (void)i, (void)c;
	b->hdr_len = 0x40;
}
static void e_truncated(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)m, (void)i, (void)c;
	b->setup_sects = 200;
	b->pm_size = 0;
}
static void e_zimage(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)m, (void)i, (void)c;
	b->loadflags = 0;
}
static void e_init0(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)m, (void)i, (void)c;
	b->init_size = 0;
}
static void e_align(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)m, (void)i, (void)c;
	b->align = 3 * MIB;
}
static void e_pref_high(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)m, (void)i, (void)c;
	b->pref = 0xfffffffffffff000ull;
}
static void e_small(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)b, (void)i, (void)c;
	*m = 16 * MIB;
}
static void e_huge_init(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)m, (void)i, (void)c;
	b->init_size = 0xffffffff;
}
static void e_cmdline(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)m, (void)i;
	b->cmdline_size = 10;
	*c = "01234567890";
}
static void e_initrd_big(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)b, (void)m, (void)c;
	*i = 100 * MIB;
}
static void e_initrd_max(struct bz *b, uint64_t *m, size_t *i, const char **c)
{
	(void)m, (void)c;
	b->initrd_max = 50 * MIB - 1;
	*i = 4 * MIB;
}

static const struct bad_bz bad_bz[] = {
	{ "protocol_2_11", e_v211, LOAD_BLAME_KERNEL,
	  "kernel boot protocol 2.11 is older than 2.12 (Linux 3.8): too old to load" },
	{ "header_short", e_hdr_short, LOAD_BLAME_KERNEL,
	  "kernel setup header is shorter than protocol 2.12 requires" },
	{ "truncated", e_truncated, LOAD_BLAME_KERNEL,
	  "kernel image is truncated: its protected-mode part lies past the end" },
	{ "zimage", e_zimage, LOAD_BLAME_KERNEL,
	  "kernel is a zImage (LOADED_HIGH clear): only bzImages load" },
	{ "init_size_0", e_init0, LOAD_BLAME_KERNEL, "kernel's init_size is zero" },
	{ "alignment", e_align, LOAD_BLAME_KERNEL,
	  "kernel_alignment is not a power of two between 4 KiB and 1 GiB" },
	{ "pref_high", e_pref_high, LOAD_BLAME_KERNEL,
	  "kernel's pref_address lies above 3 GiB, outside low RAM" },
	{ "too_small", e_small, LOAD_BLAME_MEMORY,
	  "the kernel needs RAM up to 48 MiB (pref_address + init_size) and the partition has "
	  "16 MiB: raise memory" },
	{ "huge_init_size", e_huge_init, LOAD_BLAME_MEMORY,
	  "the kernel needs RAM up to 4112.0 MiB (pref_address + init_size) and the partition "
	  "has 128 MiB: raise memory" },
	{ "cmdline_long", e_cmdline, LOAD_BLAME_CMDLINE,
	  "the command line is 11 bytes and this kernel takes at most 10" },
	{ "initrd_big", e_initrd_big, LOAD_BLAME_RAMDISK,
	  "the ramdisk (100 MiB) does not fit between the kernel's end (48 MiB) and 128 MiB: "
	  "raise memory" },
	{ "initrd_max", e_initrd_max, LOAD_BLAME_RAMDISK,
	  "the ramdisk (4 MiB) does not fit between the kernel's end (48 MiB) and 50 MiB: "
	  "raise memory" },
};

static void check_bad_bz(void *arg)
{
	const struct bad_bz *t = arg;
	struct bz k = bz_default;
	uint64_t mem = 128 * MIB;
	size_t isize = 0;
	const char *cmdline = "console=ttyS0";
	struct in_bufs b;

	t->edit(&k, &mem, &isize, &cmdline);
	CHECK(plan_bz(&k, mem, isize, cmdline, true, &b) != 0);
	CHECK_STR(err, t->err);
	CHECK_EQ(plan.blame, t->blame);
	done(&b);
}

TEST(linux_not_a_kernel)
{
	uint8_t *junk = calloc(1, 4096);
	struct load_input in = { .image = junk, .size = 4096, .memory = 64 * MIB };

	CHECK(load_plan_build(&in, &plan, err, sizeof(err)) != 0);
	CHECK_STR(err, "neither a Linux bzImage nor an ELF image");
	CHECK(load_linux(&in, &plan, err, sizeof(err)) != 0);
	CHECK_STR(err, "not a Linux bzImage (no boot flag and HdrS signature)");
	/* Just the signature, nothing after it. */
	uint8_t *tiny = malloc(0x206);
	memset(tiny, 0, 0x206);
	wr16(tiny + 0x1fe, 0xaa55);
	memcpy(tiny + 0x202, "HdrS", 4);
	in.image = tiny;
	in.size = 0x206;
	CHECK_EQ(load_detect(tiny, 0x206), LOAD_LINUX);
	CHECK(load_plan_build(&in, &plan, err, sizeof(err)) != 0);
	CHECK_STR(err, "not a Linux bzImage (no boot flag and HdrS signature)");
	/* An empty ramdisk file. */
	struct in_bufs b;
	size_t ksize;
	b.k = make_bz(&bz_default, &ksize);
	struct load_input in2 = { .image = b.k, .size = ksize, .initrd = junk, .initrd_size = 0,
				  .memory = 64 * MIB };
	CHECK(load_plan_build(&in2, &plan, err, sizeof(err)) != 0);
	CHECK_STR(err, "the ramdisk file is empty");
	CHECK_EQ(plan.blame, LOAD_BLAME_RAMDISK);
	free(b.k);
	free(tiny);
	free(junk);
}

/* Every header field random: never a crash or an out-of-bounds read. */
TEST(linux_fuzz)
{
	uint32_t x = 12345;
	for (int round = 0; round < 3000; round++) {
		struct bz k = bz_default;
		uint8_t *p = (uint8_t *)&k;
		for (size_t i = 0; i < offsetof(struct bz, pm_size); i++) {
			x = x * 1103515245u + 12345u;
			if ((x >> 16) % 3 == 0)
				p[i] = (uint8_t)(x >> 8);
		}
		k.version |= 0x200;
		k.pm_size = (x >> 4) % 8192;
		struct in_bufs b;
		uint64_t mem = (2 + (x >> 20) % 512) * MIB;
		if (plan_bz(&k, mem, (x >> 3) % 3 ? 4096 : 0, "c", x & 1, &b) == 0) {
			for (unsigned i = 0; i < plan.nw; i++)
				CHECK(load_in_ram(mem, plan.w[i].gpa, plan.w[i].len));
		}
		done(&b);
	}
}

/* ---- the real kernel ------------------------------------------------------ */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(n > 0 ? (size_t)n : 1);
	if (n <= 0 || fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

TEST(linux_real_kernel)
{
	const char *path = getenv("HV_TEST_VMLINUZ");
	size_t ksize;
	uint8_t *k = slurp(path && *path ? path : "build/cache/vmlinuz", &ksize);
	uint8_t initrd[8192] = { 1 };

	if (!k)
		return; /* skipped: no kernel fetched */
	struct load_input in = { .image = k, .size = ksize, .initrd = initrd,
				 .initrd_size = sizeof(initrd), .cmdline = "console=ttyS0",
				 .memory = 128 * MIB, .pc = true };
	CHECK_EQ(load_detect(k, ksize), LOAD_LINUX);
	REQUIRE(load_plan_build(&in, &plan, err, sizeof(err)) == 0);
	CHECK(plan.protocol >= 0x20c);
	CHECK_EQ(plan.vcpu0.rip, rd64(k + 0x258)); /* a relocatable kernel at pref_address */
	CHECK_EQ(plan.vcpu0.mode, HV_MODE_PROTECTED);
	const uint8_t *zp = find_write("zero page")->data;
	CHECK(!memcmp(zp + 0x202, k + 0x202, 0x210 - 0x202));
	CHECK(find_write("ramdisk")->gpa >= plan.kernel_end);
	CHECK_EQ(find_write("kernel")->len, ksize - ((size_t)(k[0x1f1] ? k[0x1f1] : 4) + 1) * 512);
	/* Too little memory for it: said, not attempted. */
	in.memory = 16 * MIB;
	load_plan_free(&plan);
	CHECK(load_plan_build(&in, &plan, err, sizeof(err)) != 0);
	CHECK_EQ(plan.blame, LOAD_BLAME_MEMORY);
	load_plan_free(&plan);
	free(k);
}

/* ---- synthetic ELF images ------------------------------------------------- */

struct seg {
	uint32_t type;
	uint64_t off, paddr, filesz, memsz;
};

/* An ELF image with the given segments after the headers, whose file bytes
 * are (offset & 0xff). */
static uint8_t *make_elf(bool is64, uint64_t entry, const struct seg *s, unsigned n, size_t size)
{
	uint8_t *e = calloc(1, size);
	size_t eh = is64 ? 64 : 52, ph = is64 ? 56 : 32;

	for (size_t i = 0; i < size; i++)
		e[i] = (uint8_t)i;
	memset(e, 0, eh + n * ph);
	memcpy(e, "\177ELF", 4);
	e[4] = is64 ? 2 : 1;
	e[5] = 1;
	e[6] = 1;
	wr16(e + 16, 2);
	wr16(e + 18, is64 ? 62 : 3);
	if (is64) {
		wr64(e + 24, entry);
		wr64(e + 32, eh);
		wr16(e + 54, (uint16_t)ph);
		wr16(e + 56, (uint16_t)n);
	} else {
		wr32(e + 24, (uint32_t)entry);
		wr32(e + 28, (uint32_t)eh);
		wr16(e + 42, (uint16_t)ph);
		wr16(e + 44, (uint16_t)n);
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = e + eh + i * ph;
		wr32(p, s[i].type);
		if (is64) {
			wr64(p + 8, s[i].off);
			wr64(p + 16, s[i].paddr);
			wr64(p + 24, s[i].paddr);
			wr64(p + 32, s[i].filesz);
			wr64(p + 40, s[i].memsz);
		} else {
			wr32(p + 4, (uint32_t)s[i].off);
			wr32(p + 8, (uint32_t)s[i].paddr);
			wr32(p + 12, (uint32_t)s[i].paddr);
			wr32(p + 16, (uint32_t)s[i].filesz);
			wr32(p + 20, (uint32_t)s[i].memsz);
		}
	}
	return e;
}

static int plan_elf(const uint8_t *img, size_t size, uint64_t mem)
{
	struct load_input in = { .image = img, .size = size, .memory = mem };
	memset(err, 0, sizeof(err));
	return load_plan_build(&in, &plan, err, sizeof(err));
}

TEST(elf64)
{
	const struct seg s[] = {
		{ 1, 0x1000, MIB, 0x800, 0x800 },
		{ 4, 0x1800, 0, 0x10, 0x10 },           /* PT_NOTE: skipped */
		{ 1, 0x2000, MIB + 0x1000, 0x100, 0x5000 }, /* bss beyond the file bytes */
		{ 1, 0x2100, 2 * MIB, 0, 0x1000 },      /* bss only: no write */
	};
	uint8_t *e = make_elf(true, MIB + 0x10, s, 4, 0x3000);
	uint64_t mem = 64 * MIB, tables = mem - 6 * 4096;

	REQUIRE(plan_elf(e, 0x3000, mem) == 0);
	CHECK_EQ(plan.kind, LOAD_ELF64);
	REQUIRE(plan.nw == 3);
	CHECK_EQ(plan.w[0].gpa, MIB);
	CHECK_EQ(plan.w[0].len, 0x800);
	CHECK(plan.w[0].data == e + 0x1000);
	CHECK_EQ(plan.w[1].gpa, MIB + 0x1000);
	CHECK_EQ(plan.w[1].len, 0x100);
	CHECK_EQ(plan.w[2].gpa, tables);
	CHECK_EQ(plan.w[2].len, 6 * 4096);
	CHECK_EQ(plan.tables_gpa, tables);
	const uint8_t *t = plan.w[2].data;
	CHECK_EQ(rd64(t), (tables + 4096) | 3);                 /* PML4[0] -> PDPT */
	CHECK_EQ(rd64(t + 8), 0);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(rd64(t + 4096 + i * 8), (tables + (2 + i) * 4096) | 3);
	CHECK_EQ(rd64(t + 4096 + 32), 0);
	CHECK_EQ(rd64(t + 2 * 4096), 0x83);                     /* 2 MiB pages */
	CHECK_EQ(rd64(t + 2 * 4096 + 8), (2 * MIB) | 0x83);
	CHECK_EQ(rd64(t + 6 * 4096 - 8), (2047ull << 21) | 0x83); /* up to 4 GiB */
	const struct hv_vcpu_state *st = &plan.vcpu0;
	CHECK_EQ(st->mode, HV_MODE_LONG);
	CHECK_EQ(st->flags, HV_VCPU_RUNNABLE);
	CHECK_EQ(st->rip, MIB + 0x10);
	CHECK_EQ(st->cr3, tables);
	CHECK_EQ(st->gpr[7], 0);   /* RDI: vCPU index */
	CHECK_EQ(st->gpr[6], mem); /* RSI: memory size */
	load_plan_free(&plan);

	/* Above 3 GiB of memory: the tables end low RAM at 3 GiB, and a
	 * segment may sit in high RAM. */
	const struct seg hs[] = { { 1, 0x1000, MIB, 0x100, 0x100 },
				  { 1, 0x1100, 4 * GIB + MIB, 0x100, 0x100 } };
	free(e);
	e = make_elf(true, MIB, hs, 2, 0x2000);
	REQUIRE(plan_elf(e, 0x2000, 6 * GIB) == 0);
	CHECK_EQ(plan.vcpu0.cr3, 3 * GIB - 6 * 4096);
	CHECK_EQ(plan.vcpu0.gpr[6], 6 * GIB);
	load_plan_free(&plan);
	free(e);
}

TEST(elf32)
{
	const struct seg s[] = { { 1, 0x1000, MIB, 0x200, 0x3000 } };
	uint8_t *e = make_elf(false, MIB, s, 1, 0x1200);

	REQUIRE(plan_elf(e, 0x1200, 32 * MIB) == 0);
	CHECK_EQ(plan.kind, LOAD_ELF32);
	CHECK_EQ(plan.nw, 1);
	CHECK_EQ(plan.vcpu0.mode, HV_MODE_PROTECTED);
	CHECK_EQ(plan.vcpu0.cr3, 0);
	CHECK_EQ(plan.vcpu0.gpr[6], 32 * MIB);
	CHECK_EQ(plan.tables_gpa, 0);
	load_plan_free(&plan);
	/* ESI saturates at 4 GiB - 1. */
	REQUIRE(plan_elf(e, 0x1200, 6 * GIB) == 0);
	CHECK_EQ(plan.vcpu0.gpr[6], 0xffffffffull);
	load_plan_free(&plan);
	/* No page tables: a segment may reach the top of low RAM. */
	const struct seg top[] = { { 1, 0x1000, 32 * MIB - 0x1000, 0x200, 0x1000 } };
	free(e);
	e = make_elf(false, MIB, top, 1, 0x1200);
	CHECK(plan_elf(e, 0x1200, 32 * MIB) == 0);
	load_plan_free(&plan);
	free(e);
}

struct bad_elf {
	const char *what;
	bool is64;
	uint64_t entry, mem;
	struct seg s;
	void (*edit)(uint8_t *e);
	const char *err;
};

static void big_endian(uint8_t *e) { e[5] = 2; }
static void class3(uint8_t *e) { e[4] = 3; }
static void arm(uint8_t *e) { wr16(e + 18, 40); }
static void no_phdrs(uint8_t *e) { wr16(e + 56, 0); }
static void many_phdrs(uint8_t *e) { wr16(e + 56, 65); }
static void small_phent(uint8_t *e) { wr16(e + 54, 32); }
static void phoff_out(uint8_t *e) { wr64(e + 32, 0x7000); }

static const struct bad_elf bad_elf[] = {
	{ "outside_ram", true, MIB, 64 * MIB, { 1, 0x1000, 3 * GIB + MIB, 0x10, 0x10 }, NULL,
	  "ELF segment 0 [0xc0100000, 0xc0100010) lies outside the partition's RAM" },
	{ "past_low_ram", true, MIB, 64 * MIB, { 1, 0x1000, 63 * MIB, 0x10, 2 * MIB }, NULL,
	  "ELF segment 0 [0x3f00000, 0x4100000) lies outside the partition's RAM" },
	{ "over_tables", true, MIB, 64 * MIB, { 1, 0x1000, 64 * MIB - 0x8000, 0x10, 0x3000 }, NULL,
	  "ELF segment 0 [0x3ff8000, 0x3ffb000) overlaps the page tables at [0x3ffa000, "
	  "0x4000000)" },
	{ "wrapping", true, MIB, 64 * MIB, { 1, 0x1000, ~0ull - 0x10, 0x10, 0x100 }, NULL,
	  "ELF segment 0 [0xffffffffffffffef, 0xef) lies outside the partition's RAM" },
	{ "filesz_gt_memsz", true, MIB, 64 * MIB, { 1, 0x1000, MIB, 0x20, 0x10 }, NULL,
	  "ELF segment 0 has more file bytes than memory bytes" },
	{ "outside_file", true, MIB, 64 * MIB, { 1, 0x1f00, MIB, 0x200, 0x200 }, NULL,
	  "ELF segment 0 lies outside the file" },
	{ "huge_offset", true, MIB, 64 * MIB, { 1, ~0ull, MIB, 0x200, 0x200 }, NULL,
	  "ELF segment 0 lies outside the file" },
	{ "no_load", true, MIB, 64 * MIB, { 4, 0x1000, MIB, 0x10, 0x10 }, NULL,
	  "ELF image has no loadable segment" },
	{ "entry_outside", true, 64 * MIB, 64 * MIB, { 1, 0x1000, MIB, 0x10, 0x10 }, NULL,
	  "ELF entry point 0x4000000 lies outside the partition's low RAM (below 0x3ffa000)" },
	{ "entry_in_tables", true, 64 * MIB - 4096, 64 * MIB, { 1, 0x1000, MIB, 0x10, 0x10 }, NULL,
	  "ELF entry point 0x3fff000 lies outside the partition's low RAM (below 0x3ffa000)" },
	{ "big_endian", true, MIB, 64 * MIB, { 1, 0x1000, MIB, 0x10, 0x10 }, big_endian,
	  "ELF image is not little-endian" },
	{ "class", true, MIB, 64 * MIB, { 1, 0x1000, MIB, 0x10, 0x10 }, class3,
	  "ELF class 3 is neither 32- nor 64-bit" },
	{ "machine", true, MIB, 64 * MIB, { 1, 0x1000, MIB, 0x10, 0x10 }, arm,
	  "ELF image is for machine 40, not x86-64 (62)" },
	{ "no_phdrs", true, MIB, 64 * MIB, { 1, 0x1000, MIB, 0x10, 0x10 }, no_phdrs,
	  "ELF image has 0 program headers (1 to 64 expected)" },
	{ "many_phdrs", true, MIB, 64 * MIB, { 1, 0x1000, MIB, 0x10, 0x10 }, many_phdrs,
	  "ELF image has 65 program headers (1 to 64 expected)" },
	{ "small_phent", true, MIB, 64 * MIB, { 1, 0x1000, MIB, 0x10, 0x10 }, small_phent,
	  "ELF program header size 32 is too small" },
	{ "phoff_out", true, MIB, 64 * MIB, { 1, 0x1000, MIB, 0x10, 0x10 }, phoff_out,
	  "ELF program headers lie outside the file" },
	{ "elf32_outside", false, MIB, 32 * MIB, { 1, 0x1000, 32 * MIB, 0x10, 0x10 }, NULL,
	  "ELF segment 0 [0x2000000, 0x2000010) lies outside the partition's RAM" },
};

static void check_bad_elf(void *arg)
{
	const struct bad_elf *t = arg;
	uint8_t *e = make_elf(t->is64, t->entry, &t->s, 1, 0x2000);

	if (t->edit)
		t->edit(e);
	CHECK(plan_elf(e, 0x2000, t->mem) != 0);
	CHECK_STR(err, t->err);
	CHECK_EQ(plan.blame, LOAD_BLAME_KERNEL);
	load_plan_free(&plan);
	free(e);
}

TEST(elf_truncated_and_initrd)
{
	const struct seg s[] = { { 1, 0x100, MIB, 0x10, 0x10 } };
	uint8_t *e = make_elf(true, MIB, s, 1, 0x200);
	uint8_t rd[16] = { 0 };

	CHECK(plan_elf(e, 40, 64 * MIB) != 0);
	CHECK_STR(err, "ELF header is truncated");
	struct load_input in = { .image = e, .size = 0x200, .memory = 64 * MIB, .initrd = rd,
				 .initrd_size = sizeof(rd) };
	CHECK(load_plan_build(&in, &plan, err, sizeof(err)) != 0);
	CHECK_STR(err, "an ELF image takes no ramdisk (only a Linux kernel does)");
	free(e);
}

/* The project's test guests, as the hypervisor's own loader takes them. */
TEST(elf_test_guests)
{
	static const char *const names[] = { "build/guests/suite64.elf",
					     "build/guests/suite32.elf", "build/guests/smp.elf" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len;
		uint8_t *g = slurp(names[i], &len);
		if (!g)
			continue; /* skipped: not built */
		CHECK(plan_elf(g, len, 64 * MIB) == 0);
		CHECK(plan.nw >= 1);
		CHECK_EQ(plan.vcpu0.rip, 0x100000);
		CHECK_EQ(plan.vcpu0.mode, g[4] == 2 ? HV_MODE_LONG : HV_MODE_PROTECTED);
		load_plan_free(&plan);
		free(g);
	}
}

TEST(ram_model)
{
	CHECK_EQ(load_low_top(128 * MIB), 128 * MIB);
	CHECK_EQ(load_low_top(5 * GIB), 3 * GIB);
	CHECK_EQ(load_high_size(5 * GIB), 2 * GIB);
	CHECK_EQ(load_high_size(3 * GIB), 0);
	CHECK(load_in_ram(128 * MIB, 0, 128 * MIB));
	CHECK(!load_in_ram(128 * MIB, 0, 128 * MIB + 1));
	CHECK(!load_in_ram(128 * MIB, 128 * MIB, 1));
	CHECK(load_in_ram(5 * GIB, 4 * GIB, 2 * GIB));
	CHECK(!load_in_ram(5 * GIB, 3 * GIB, 1));
	CHECK(!load_in_ram(5 * GIB, 6 * GIB, 1));
	CHECK(!load_in_ram(5 * GIB, 4 * GIB, ~0ull));
	CHECK_STR(load_kind_name(LOAD_LINUX), "Linux bzImage");
}

int main(void)
{
	RUN(linux_basic);
	RUN(linux_no_pc_no_initrd_no_cmdline);
	RUN(linux_high_memory);
	RUN(linux_placement);
	RUN(linux_not_a_kernel);
	RUN(linux_fuzz);
	RUN(linux_real_kernel);
	RUN(elf64);
	RUN(elf32);
	RUN(elf_truncated_and_initrd);
	RUN(elf_test_guests);
	RUN(ram_model);
	for (size_t i = 0; i < sizeof(bad_bz) / sizeof(bad_bz[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "linux_bad_%s", bad_bz[i].what);
		harness_run_named(__FILE__, name, check_bad_bz, (void *)&bad_bz[i]);
	}
	for (size_t i = 0; i < sizeof(bad_elf) / sizeof(bad_elf[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "elf_bad_%s", bad_elf[i].what);
		harness_run_named(__FILE__, name, check_bad_elf, (void *)&bad_elf[i]);
	}
	return harness_finish();
}
