// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multiboot2 information -> struct boot_info (boot/mb2.c). Information
 * blocks are built tag by tag and handed over as an exact-size heap copy,
 * so ASan flags any read past total_size.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "boot/mb2.h"
#include "boot/multiboot2.h"
#include "vmm/base/types.h"

/* ---- builder --------------------------------------------------------- */

static uint8_t mb[1 << 16] __attribute__((aligned(8)));
static uint32_t mb_len;
static uint8_t *mb_copy;
static struct boot_info bi;

static void mb_begin(void)
{
	memset(mb, 0, sizeof(mb));
	mb_len = 8;
}

/* Appends a tag; size is the real header+body size, padding follows. */
static void mb_tag(uint32_t type, const void *body, uint32_t body_len)
{
	struct mb2_tag t = { type, 8 + body_len };

	REQUIRE(mb_len + 8 + body_len + 8 <= sizeof(mb));
	memcpy(mb + mb_len, &t, 8);
	if (body_len)
		memcpy(mb + mb_len + 8, body, body_len);
	mb_len += (8 + body_len + 7) & ~7u;
}

static void mb_string(uint32_t type, const char *s)
{
	mb_tag(type, s, (uint32_t)strlen(s) + 1);
}

static void mb_module(uint32_t start, uint32_t end, const char *cmd)
{
	uint8_t body[600];
	size_t n = strlen(cmd) + 1;

	REQUIRE(n + 8 <= sizeof(body));
	memcpy(body, &start, 4);
	memcpy(body + 4, &end, 4);
	memcpy(body + 8, cmd, n);
	mb_tag(MB2_TAG_MODULE, body, (uint32_t)(8 + n));
}

/* Finishes with an end tag and parses an exact-size copy. */
static const char *mb_parse_end(bool end_tag)
{
	if (end_tag)
		mb_tag(MB2_TAG_END, NULL, 0);
	memcpy(mb, &mb_len, 4);
	free(mb_copy);
	mb_copy = malloc(mb_len);
	REQUIRE(mb_copy);
	memcpy(mb_copy, mb, mb_len);
	memset(&bi, 0x5a, sizeof(bi)); /* mb2_parse must clear it */
	return mb2_parse(mb_copy, 0x1200000, &bi);
}

struct e820 {
	uint64_t base, len;
	uint32_t type;
};

static void mb_mmap(const struct e820 *e, int n, uint32_t entry_size)
{
	static uint8_t body[8 + 400 * 40];
	uint32_t ver = 0;

	REQUIRE(entry_size >= 24 && entry_size <= 40 && n <= 400);
	memset(body, 0, sizeof(body));
	memcpy(body, &entry_size, 4);
	memcpy(body + 4, &ver, 4);
	for (int i = 0; i < n; i++) {
		struct mb2_mmap_entry me = { e[i].base, e[i].len, e[i].type, 0 };
		memcpy(body + 8 + (size_t)i * entry_size, &me, sizeof(me));
	}
	mb_tag(MB2_TAG_MMAP, body, 8 + (uint32_t)n * entry_size);
}

struct efid {
	uint32_t type;
	uint64_t phys, pages, attr;
};

#define EFI_RUNTIME (1ULL << 63)

static void mb_efi_mmap(const struct efid *d, int n, uint32_t descr_size)
{
	static uint8_t body[8 + 400 * 64];
	uint32_t ver = 1;

	REQUIRE(descr_size >= 40 && descr_size <= 64 && n <= 400);
	memset(body, 0, sizeof(body));
	memcpy(body, &descr_size, 4);
	memcpy(body + 4, &ver, 4);
	for (int i = 0; i < n; i++) {
		struct efi_mem_desc ed = { d[i].type, 0, d[i].phys, 0, d[i].pages, d[i].attr };
		memcpy(body + 8 + (size_t)i * descr_size, &ed, sizeof(ed));
	}
	mb_tag(MB2_TAG_EFI_MMAP, body, 8 + (uint32_t)n * descr_size);
}

#define CHECK_RANGE(i, b, l, t)                                                  \
	do {                                                                     \
		CHECK_EQ(bi.mmap[i].base, (b));                                  \
		CHECK_EQ(bi.mmap[i].len, (l));                                   \
		CHECK_EQ(bi.mmap[i].type, (t));                                  \
	} while (0)

static const struct e820 pc_map[] = {
	{ 0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0xa0000, 0x20000, 2 }, /* touches the previous reserved one */
	{ 0xf0000, 0x10000, 2 }, /* a gap before it: not merged */
	{ 0x100000, 0x7fe00000, 1 },
	{ 0x7ff00000, 0x80000, 3 },
	{ 0x7ff80000, 0x80000, 4 },
	{ 0xfee00000, 0x1000, 5 },
	{ 0xfec00000, 0x1000, 7 },  /* unknown type: reserved */
	{ 0x100000000ULL, 0x80000000ULL, 0 }, /* type 0: reserved */
};

/* ---- tests ----------------------------------------------------------- */

TEST(bios_full)
{
	uint8_t rsdp[20] = "RSD PTR ";
	struct mb2_tag_framebuffer fb = { { 0, 0 }, 0xfd000000, 4096, 1024, 768, 32, 1, 0 };

	mb_begin();
	mb_string(MB2_TAG_CMDLINE, "console=com1 loglevel=debug");
	mb_string(MB2_TAG_LOADER, "GRUB 2.06-13+deb12u1");
	mb_module(0x2000000, 0x2400000, "guests/io.elf child name=io");
	mb_module(0x3000000, 0x3000000, "");
	mb_mmap(pc_map, ARRAY_SIZE(pc_map), 24);
	mb_tag(MB2_TAG_FRAMEBUFFER, (const uint8_t *)&fb + 8, sizeof(fb) - 8);
	mb_tag(MB2_TAG_ACPI_OLD, rsdp, 20);
	mb_tag(42, "ignored", 7); /* unknown tags are skipped */
	REQUIRE(mb_parse_end(true) == NULL);

	CHECK_EQ(bi.magic, BOOT_INFO_MAGIC);
	CHECK_EQ(bi.version, BOOT_INFO_VERSION);
	CHECK_EQ(bi.path, BOOT_PATH_MB2_BIOS);
	CHECK_EQ(bi.image_pa, 0x1200000);
	CHECK_EQ(bi.image_size, 0);
	CHECK_EQ(bi.efi_systab, 0);
	CHECK_STR(bi.cmdline, "console=com1 loglevel=debug");
	CHECK_STR(bi.loader, "GRUB 2.06-13+deb12u1");
	REQUIRE(bi.module_count == 2);
	CHECK_EQ(bi.modules[0].start, 0x2000000);
	CHECK_EQ(bi.modules[0].end, 0x2400000);
	CHECK_STR(bi.modules[0].cmdline, "guests/io.elf child name=io");
	CHECK_EQ(bi.modules[1].start, bi.modules[1].end);
	CHECK_STR(bi.modules[1].cmdline, "");

	REQUIRE(bi.mmap_count == 9);
	CHECK_RANGE(0, 0, 0x9fc00, BOOT_MEM_USABLE);
	CHECK_RANGE(1, 0x9fc00, 0x20400, BOOT_MEM_RESERVED);
	CHECK_RANGE(2, 0xf0000, 0x10000, BOOT_MEM_RESERVED);
	CHECK_RANGE(3, 0x100000, 0x7fe00000, BOOT_MEM_USABLE);
	CHECK_RANGE(4, 0x7ff00000, 0x80000, BOOT_MEM_ACPI_RECLAIM);
	CHECK_RANGE(5, 0x7ff80000, 0x80000, BOOT_MEM_ACPI_NVS);
	CHECK_RANGE(6, 0xfee00000, 0x1000, BOOT_MEM_BAD);
	CHECK_RANGE(7, 0xfec00000, 0x1000, BOOT_MEM_RESERVED);
	CHECK_RANGE(8, 0x100000000ULL, 0x80000000ULL, BOOT_MEM_RESERVED);
	for (uint32_t i = 0; i < bi.mmap_count; i++)
		CHECK_EQ(bi.mmap[i].pad, 0);

	CHECK_EQ(bi.fb.addr, 0xfd000000);
	CHECK_EQ(bi.fb.pitch, 4096);
	CHECK_EQ(bi.fb.width, 1024);
	CHECK_EQ(bi.fb.height, 768);
	CHECK_EQ(bi.fb.bpp, 32);
	CHECK_EQ(bi.fb.type, 1);
	CHECK_EQ(bi.rsdp_len, 20);
	CHECK(!memcmp(bi.rsdp, rsdp, 20));
	CHECK_EQ(bi.reserved_count, 0);
}

/* entry_size bigger than the entry: the loader's stride is used. */
TEST(mmap_entry_size)
{
	mb_begin();
	mb_mmap(pc_map, ARRAY_SIZE(pc_map), 40);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.mmap_count, 9);
	CHECK_RANGE(3, 0x100000, 0x7fe00000, BOOT_MEM_USABLE);

	/* Smaller than an entry: the map is unusable. */
	mb_begin();
	uint32_t hdr[2 + 6] = { 20, 0 };
	mb_tag(MB2_TAG_MMAP, hdr, sizeof(hdr));
	CHECK_STR(mb_parse_end(true), "boot loader gave no memory map");

	/* A body too short for its own header, and a partial last entry. */
	mb_begin();
	mb_tag(MB2_TAG_MMAP, hdr, 4);
	CHECK_STR(mb_parse_end(true), "boot loader gave no memory map");
	mb_begin();
	uint8_t body[8 + 24 + 20] = { 24 };
	struct mb2_mmap_entry e = { 0x100000, 0x100000, 1, 0 };
	memcpy(body + 8, &e, 24);
	memcpy(body + 32, &e, 20);
	mb_tag(MB2_TAG_MMAP, body, sizeof(body));
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.mmap_count, 1);
}

TEST(efi_map_preferred)
{
	static const struct efid d[] = {
		{ 7, 0x0, 0x9f, 0 },
		{ 2, 0x9f000, 1, 0 },          /* loader data: usable, merges */
		{ 0, 0xa0000, 0x60, 0 },       /* reserved */
		{ 3, 0x100000, 0x100, 0 },     /* boot services code */
		{ 4, 0x200000, 0x100, 0 },     /* boot services data */
		{ 1, 0x300000, 0x100, 0 },     /* loader code */
		{ 5, 0x400000, 0x10, EFI_RUNTIME }, /* runtime code */
		{ 6, 0x410000, 0x10, EFI_RUNTIME }, /* runtime data: merges */
		{ 9, 0x420000, 0x10, 0 },      /* ACPI reclaim */
		{ 10, 0x430000, 0x10, 0 },     /* ACPI NVS */
		{ 8, 0x440000, 1, 0 },         /* unusable */
		{ 7, 0x441000, 0xbf, 0 },      /* conventional */
		{ 7, 0x600000, 0x100, EFI_RUNTIME }, /* runtime attr wins */
		{ 7, 0x700000, 0x100, 0 },     /* gap before: new entry */
		{ 11, 0xfec00000, 1, 0 },      /* MMIO */
		{ 14, 0x800000, 0x10, 0 },     /* persistent: reserved */
		{ 7, 0x900000, 0x10000000000000ULL, 0 }, /* pages overflow: dropped */
	};
	uint64_t systab = 0x7f9e0018;

	mb_begin();
	mb_mmap(pc_map, ARRAY_SIZE(pc_map), 24); /* ignored in favour of tag 17 */
	mb_efi_mmap(d, ARRAY_SIZE(d), 48);
	mb_tag(MB2_TAG_EFI64, &systab, 8);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.path, BOOT_PATH_MB2_EFI);
	CHECK_EQ(bi.efi_systab, 0x7f9e0018);
	REQUIRE(bi.mmap_count == 12);
	CHECK_RANGE(0, 0, 0xa0000, BOOT_MEM_USABLE);
	CHECK_RANGE(1, 0xa0000, 0x60000, BOOT_MEM_RESERVED);
	CHECK_RANGE(2, 0x100000, 0x300000, BOOT_MEM_USABLE);
	CHECK_RANGE(3, 0x400000, 0x20000, BOOT_MEM_RESERVED);
	CHECK_RANGE(4, 0x420000, 0x10000, BOOT_MEM_ACPI_RECLAIM);
	CHECK_RANGE(5, 0x430000, 0x10000, BOOT_MEM_ACPI_NVS);
	CHECK_RANGE(6, 0x440000, 0x1000, BOOT_MEM_BAD);
	CHECK_RANGE(7, 0x441000, 0xbf000, BOOT_MEM_USABLE);
	CHECK_RANGE(8, 0x600000, 0x100000, BOOT_MEM_RESERVED);
	CHECK_RANGE(9, 0x700000, 0x100000, BOOT_MEM_USABLE);
	CHECK_RANGE(10, 0xfec00000, 0x1000, BOOT_MEM_RESERVED);
	CHECK_RANGE(11, 0x800000, 0x10000, BOOT_MEM_RESERVED);
}

/* The EFI converter itself, type by type. */
TEST(efi_type_conversion)
{
	static const uint32_t want[16] = {
		BOOT_MEM_RESERVED, BOOT_MEM_USABLE, BOOT_MEM_USABLE, BOOT_MEM_USABLE,
		BOOT_MEM_USABLE, BOOT_MEM_RESERVED, BOOT_MEM_RESERVED, BOOT_MEM_USABLE,
		BOOT_MEM_BAD, BOOT_MEM_ACPI_RECLAIM, BOOT_MEM_ACPI_NVS, BOOT_MEM_RESERVED,
		BOOT_MEM_RESERVED, BOOT_MEM_RESERVED, BOOT_MEM_RESERVED, BOOT_MEM_RESERVED,
	};
	for (uint32_t t = 0; t < 16; t++) {
		CHECK_EQ(boot_mem_type_from_efi(t, 0), want[t]);
		CHECK_EQ(boot_mem_type_from_efi(t, EFI_RUNTIME | 0xf), BOOT_MEM_RESERVED);
	}
	CHECK_EQ(boot_mem_type_from_efi(0x70000000, 0), BOOT_MEM_RESERVED);
	CHECK_EQ(boot_mem_type_from_efi(7, 0xf), BOOT_MEM_USABLE); /* cache attrs */
}

/* Tag 17 alone (no EFI64 tag) still means a UEFI boot; a bad descriptor
 * size drops the EFI map (and there is no other). */
TEST(efi_map_alone_and_bad)
{
	static const struct efid d[] = { { 7, 0x100000, 0x100, 0 } };

	mb_begin();
	mb_efi_mmap(d, 1, 40);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.path, BOOT_PATH_MB2_EFI);
	CHECK_EQ(bi.mmap_count, 1);
	CHECK_RANGE(0, 0x100000, 0x100000, BOOT_MEM_USABLE);

	mb_begin();
	uint32_t hdr[2 + 8] = { 32, 1 };
	mb_tag(MB2_TAG_EFI_MMAP, hdr, sizeof(hdr));
	CHECK_STR(mb_parse_end(true), "boot loader gave no memory map");
	CHECK_EQ(bi.path, BOOT_PATH_MB2_EFI);

	/* A short tag 17 is ignored and tag 6 is used after all. */
	mb_begin();
	mb_tag(MB2_TAG_EFI_MMAP, hdr, 4);
	mb_mmap(pc_map, 1, 24);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.mmap_count, 1);
	CHECK_RANGE(0, 0, 0x9fc00, BOOT_MEM_USABLE);
}

TEST(acpi_rsdp_copies)
{
	uint8_t v1[20], v2[40];

	memset(v1, 0x11, sizeof(v1));
	memset(v2, 0x22, sizeof(v2));
	/* New, then old: new kept. */
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_tag(MB2_TAG_ACPI_NEW, v2, 36);
	mb_tag(MB2_TAG_ACPI_OLD, v1, 20);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.rsdp_len, 36);
	CHECK(!memcmp(bi.rsdp, v2, 36));

	/* Old, then new: new replaces it. */
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_tag(MB2_TAG_ACPI_OLD, v1, 20);
	mb_tag(MB2_TAG_ACPI_NEW, v2, 36);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.rsdp_len, 36);
	CHECK(!memcmp(bi.rsdp, v2, 36));

	/* A longer body is cut to the 36 bytes kept; shorter than a v1
	 * RSDP is ignored. */
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_tag(MB2_TAG_ACPI_NEW, v2, 40);
	mb_tag(MB2_TAG_ACPI_OLD, v1, 19);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.rsdp_len, 36);
	CHECK(!memcmp(bi.rsdp, v2, 36));
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_tag(MB2_TAG_ACPI_OLD, v1, 19);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.rsdp_len, 0);
	/* No ACPI tag at all. */
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.rsdp_len, 0);
}

/* Strings are bounded by their tag and by the destination. */
TEST(strings_bounded)
{
	static char longs[1500], modcmd[400];

	memset(longs, 'c', sizeof(longs) - 1);
	memset(modcmd, 'm', sizeof(modcmd) - 1);
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_string(MB2_TAG_CMDLINE, longs);
	mb_string(MB2_TAG_LOADER, longs);
	mb_module(0x1000000, 0x1001000, modcmd);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	CHECK_EQ(strlen(bi.loader), sizeof(bi.loader) - 1);
	CHECK_EQ(strlen(bi.modules[0].cmdline), BOOT_MODCMD_MAX - 1);

	/* No terminating NUL inside the tag: stop at the tag's end. */
	mb_begin();
	mb_tag(MB2_TAG_CMDLINE, "abc", 3);
	mb_tag(MB2_TAG_LOADER, "", 0);
	uint32_t m[2] = { 0x1000000, 0x1001000 };
	mb_tag(MB2_TAG_MODULE, m, 8); /* no command line at all */
	mb_mmap(pc_map, 1, 24);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_STR(bi.cmdline, "abc");
	CHECK_STR(bi.loader, "");
	CHECK_EQ(bi.module_count, 1);
	CHECK_STR(bi.modules[0].cmdline, "");
}

TEST(framebuffer_short_ignored)
{
	struct mb2_tag_framebuffer fb = { { 0, 0 }, 0xfd000000, 4096, 1024, 768, 32, 1, 0 };

	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_tag(MB2_TAG_FRAMEBUFFER, (const uint8_t *)&fb + 8, sizeof(fb) - 9);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.fb.addr, 0);
	CHECK_EQ(bi.fb.width, 0);
}

/* The end tag stops parsing; a block without one ends at total_size. */
TEST(end_tag)
{
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_tag(MB2_TAG_END, NULL, 0);
	mb_string(MB2_TAG_CMDLINE, "after the end");
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_STR(bi.cmdline, "");

	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_string(MB2_TAG_CMDLINE, "no end tag");
	REQUIRE(mb_parse_end(false) == NULL);
	CHECK_STR(bi.cmdline, "no end tag");
}

TEST(bad_sizes)
{
	uint32_t hdr[4];

	CHECK_STR(mb2_parse(NULL, 0, &bi), "no multiboot2 information");
	CHECK_EQ(bi.magic, BOOT_INFO_MAGIC);

	/* Too small to hold even an end tag. */
	hdr[0] = 8, hdr[1] = 0;
	CHECK_STR(mb2_parse(hdr, 0, &bi), "multiboot2 information has a bad size");
	hdr[0] = 15;
	hdr[2] = 0, hdr[3] = 8;
	CHECK_STR(mb2_parse(hdr, 0, &bi), "multiboot2 information has a bad size");
	hdr[0] = 0;
	CHECK_STR(mb2_parse(hdr, 0, &bi), "multiboot2 information has a bad size");
	/* Absurdly big. */
	hdr[0] = 0xfffffff8;
	CHECK_STR(mb2_parse(hdr, 0, &bi), "multiboot2 information has a bad size");
	hdr[0] = (1u << 20) + 8;
	CHECK_STR(mb2_parse(hdr, 0, &bi), "multiboot2 information has a bad size");
	/* Just an end tag: well formed, but no memory map. */
	hdr[0] = 16;
	CHECK_STR(mb2_parse(hdr, 0, &bi), "boot loader gave no memory map");
}

TEST(tag_overruns)
{
	/* The last tag claims more than total_size leaves. */
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_string(MB2_TAG_CMDLINE, "abcdefg");
	uint32_t grow = 100;
	memcpy(mb + mb_len - 16 + 4, &grow, 4);
	CHECK_STR(mb_parse_end(false), "multiboot2 tag overruns the information block");

	/* By exactly one byte. */
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_tag(MB2_TAG_CMDLINE, "12345678", 8);
	grow = 17;
	memcpy(mb + mb_len - 16 + 4, &grow, 4);
	CHECK_STR(mb_parse_end(false), "multiboot2 tag overruns the information block");

	/* A size smaller than a tag header (would loop or misread). */
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_tag(MB2_TAG_CMDLINE, "12345678", 8);
	grow = 4;
	memcpy(mb + mb_len - 16 + 4, &grow, 4);
	CHECK_STR(mb_parse_end(true), "multiboot2 tag overruns the information block");
	grow = 0;
	memcpy(mb + mb_len - 24 + 4, &grow, 4);
	CHECK_STR(mb_parse_end(false), "multiboot2 tag overruns the information block");

	/* A tag header cut by total_size is simply the end. */
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_len += 4;
	REQUIRE(mb_parse_end(false) == NULL);
	CHECK_EQ(bi.mmap_count, 1);
}

TEST(module_errors)
{
	mb_begin();
	mb_mmap(pc_map, 1, 24);
	mb_module(0x2000000, 0x1fff000, "backwards");
	CHECK_STR(mb_parse_end(true), "boot module ends before it starts");

	mb_begin();
	mb_mmap(pc_map, 1, 24);
	uint32_t m = 0x1000;
	mb_tag(MB2_TAG_MODULE, &m, 4);
	CHECK_STR(mb_parse_end(true), "multiboot2 module tag too short");

	mb_begin();
	mb_mmap(pc_map, 1, 24);
	for (int i = 0; i < BOOT_MODULES_MAX; i++)
		mb_module(0x1000000 + (uint32_t)i * 0x1000, 0x1001000 + (uint32_t)i * 0x1000, "m");
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.module_count, BOOT_MODULES_MAX);
	CHECK_EQ(bi.modules[BOOT_MODULES_MAX - 1].start, 0x1000000 + (BOOT_MODULES_MAX - 1) * 0x1000);
	mb_len -= 8; /* drop the end tag */
	mb_module(0x5000000, 0x5001000, "one too many");
	CHECK_STR(mb_parse_end(true), "too many boot modules");
	CHECK_EQ(bi.module_count, BOOT_MODULES_MAX);
}

TEST(no_memory_map)
{
	mb_begin();
	mb_string(MB2_TAG_CMDLINE, "x");
	CHECK_STR(mb_parse_end(true), "boot loader gave no memory map");
	/* A map of only empty entries is no map either. */
	static const struct e820 empty[] = { { 0x100000, 0, 1 }, { 0x200000, 0, 2 } };
	mb_begin();
	mb_mmap(empty, 2, 24);
	CHECK_STR(mb_parse_end(true), "boot loader gave no memory map");
}

/* More entries than boot_info holds: the first BOOT_MMAP_MAX are kept. */
TEST(mmap_overflow)
{
	static struct e820 e[300];
	static struct efid d[300];

	for (int i = 0; i < 300; i++) {
		/* Alternate types so that nothing merges. */
		e[i] = (struct e820){ 0x100000 + (uint64_t)i * 0x1000, 0x1000, (uint32_t)(1 + i % 2) };
		d[i] = (struct efid){ (uint32_t)(i % 2 ? 0 : 7), 0x100000 + (uint64_t)i * 0x1000, 1, 0 };
	}
	mb_begin();
	mb_mmap(e, 300, 24);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.mmap_count, BOOT_MMAP_MAX);
	CHECK_RANGE(BOOT_MMAP_MAX - 1, 0x100000 + (BOOT_MMAP_MAX - 1) * 0x1000ULL, 0x1000,
		    BOOT_MEM_RESERVED);

	mb_begin();
	mb_efi_mmap(d, 300, 40);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.mmap_count, BOOT_MMAP_MAX);
	CHECK_RANGE(0, 0x100000, 0x1000, BOOT_MEM_USABLE);
	CHECK_RANGE(BOOT_MMAP_MAX - 1, 0x100000 + (BOOT_MMAP_MAX - 1) * 0x1000ULL, 0x1000,
		    BOOT_MEM_RESERVED);

	/* Once full, a range that extends the last entry still merges. */
	for (int i = 0; i < 300; i++)
		e[i].type = (uint32_t)(i < BOOT_MMAP_MAX ? 1 + i % 2 : 2);
	mb_begin();
	mb_mmap(e, 300, 24);
	REQUIRE(mb_parse_end(true) == NULL);
	CHECK_EQ(bi.mmap_count, BOOT_MMAP_MAX);
	CHECK_EQ(bi.mmap[BOOT_MMAP_MAX - 1].len, 0x1000ULL * (300 - BOOT_MMAP_MAX + 1));
}

int main(void)
{
	RUN(bios_full);
	RUN(mmap_entry_size);
	RUN(efi_map_preferred);
	RUN(efi_type_conversion);
	RUN(efi_map_alone_and_bad);
	RUN(acpi_rsdp_copies);
	RUN(strings_bounded);
	RUN(framebuffer_short_ignored);
	RUN(end_tag);
	RUN(bad_sizes);
	RUN(tag_overruns);
	RUN(module_errors);
	RUN(no_memory_map);
	RUN(mmap_overflow);
	free(mb_copy);
	return harness_finish();
}
