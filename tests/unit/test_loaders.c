// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Linux boot protocol and multiboot loaders (partitions/linux.c,
 * partitions/multiboot.c) against a fake partition whose RAM regions are
 * host mappings (phys_to_virt is the identity on the host, so a region's
 * hpa is its host address). Images are built here field by field and
 * handed over as exact-size heap copies, so ASan flags any read past the
 * end; hostile variants must fail with a message, never crash.
 *
 * The real Debian kernel is loaded when build/cache/vmlinuz exists (or
 * $HV_TEST_VMLINUZ names one); otherwise that case passes as skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/unit/harness.h"
#include "partitions/linux.h"
#include "partitions/multiboot.h"
#include "partitions/parent.h"
#include "vmm/base/heap.h"
#include "vmm/backend.h"
#include "vmm/dev/vlapic.h"
#include "vmm/base/x86.h"

/* What vmm/gmem.c and vmm/vcpu_state.c reference; never called. */
const struct backend_ops *backend;
void vlapic_reset(struct vlapic *l) { (void)l; }
void *kzalloc(size_t size) { return calloc(1, size); }
void kfree(void *p) { free(p); }

/* ---- the fake partition ---------------------------------------------- */

static struct partition part;
static struct vcpu_state bsp;
static u8 *low_mem, *high_mem;
static u64 low_size, high_size;

static void unmap_all(void)
{
	if (low_mem)
		munmap(low_mem, low_size);
	if (high_mem)
		munmap(high_mem, high_size);
	low_mem = high_mem = NULL;
}

static u8 *map_ram(u64 size)
{
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	REQUIRE(m != MAP_FAILED);
	return m;
}

/* Low RAM [0, low) in `pieces` adjacent regions (as add_ram may leave
 * it), and high RAM from 4 GiB when high > 0. */
static void make_part(u64 low, u64 high, int pieces)
{
	unmap_all();
	memset(&part, 0, sizeof(part));
	memset(&bsp, 0x5a, sizeof(bsp));
	snprintf(part.cfg.name, sizeof(part.cfg.name), "guest");
	low_size = low;
	high_size = high;
	low_mem = map_ram(low);
	part.cfg.mem = low + high;
	/* Regions listed high to low: the loaders must not assume order. */
	for (int i = pieces - 1; i >= 0; i--) {
		u64 base = low / (u64)pieces * (u64)i;
		u64 end = i == pieces - 1 ? low : low / (u64)pieces * (u64)(i + 1);
		part.ram[part.nr_ram++] = (struct mem_region){ base, end - base,
							       (u64)(uintptr_t)low_mem + base, true };
	}
	if (high) {
		high_mem = map_ram(high);
		part.ram[part.nr_ram++] = (struct mem_region){ GiB(4), high,
							       (u64)(uintptr_t)high_mem, true };
	}
}

static void *gpa(u64 addr)
{
	REQUIRE(addr < low_size);
	return low_mem + addr;
}

static u64 rd64(u64 addr) { u64 v; memcpy(&v, gpa(addr), 8); return v; }
static u32 rd32(u64 addr) { u32 v; memcpy(&v, gpa(addr), 4); return v; }

static u8 *dup_exact(const u8 *src, u64 n)
{
	u8 *d = malloc(n ? n : 1);
	REQUIRE(d);
	memcpy(d, src, n);
	return d;
}

/* ---- a synthetic bzImage ---------------------------------------------- */

#define SETUP_SECTS 4
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define PM_SIZE 0x10000

struct bz {
	u8 *img;
	u64 size;
};

static u8 bz_buf[SETUP_SIZE + PM_SIZE];
static struct linux_setup_header bz_hdr;

/* A minimal protocol 2.15 bzImage: header, real-mode stub, a patterned
 * protected-mode part. Tests edit bz_hdr, then call bz_build(). */
static void bz_default(void)
{
	memset(&bz_hdr, 0, sizeof(bz_hdr));
	bz_hdr.setup_sects = SETUP_SECTS;
	bz_hdr.syssize = PM_SIZE / 16;
	bz_hdr.vid_mode = 0xffff;
	bz_hdr.boot_flag = LINUX_BOOT_FLAG;
	bz_hdr.jump = 0x6aeb; /* jmp to 0x26c: the header's end */
	bz_hdr.header = LINUX_HDRS_MAGIC;
	bz_hdr.version = 0x20f;
	bz_hdr.loadflags = LINUX_LOADED_HIGH;
	bz_hdr.code32_start = 0x100000;
	bz_hdr.initrd_addr_max = 0x7fffffff;
	bz_hdr.kernel_alignment = 0x200000;
	bz_hdr.relocatable_kernel = 1;
	bz_hdr.min_alignment = 21;
	bz_hdr.xloadflags = LINUX_XLF_KERNEL_64 | 2;
	bz_hdr.cmdline_size = 2047;
	bz_hdr.pref_address = MiB(16);
	bz_hdr.init_size = MiB(8);
}

static struct bz bz_build_size(u64 size)
{
	struct bz b;

	memset(bz_buf, 0, sizeof(bz_buf));
	bz_buf[0x1fe] = 0x55; /* overwritten by the header's boot_flag */
	memcpy(bz_buf + 0x1f1, &bz_hdr, sizeof(bz_hdr));
	for (u64 i = SETUP_SIZE; i < sizeof(bz_buf); i++)
		bz_buf[i] = (u8)(i * 7 + 3);
	b.size = MIN(size, (u64)sizeof(bz_buf));
	b.img = dup_exact(bz_buf, b.size);
	return b;
}

static struct bz bz_build(void) { return bz_build_size(sizeof(bz_buf)); }

static u8 initrd_buf[MiB(1) + 123];

static void fill_initrd(void)
{
	for (u64 i = 0; i < sizeof(initrd_buf); i++)
		initrd_buf[i] = (u8)(i * 13 + 1);
}

static const struct linux_boot_params *zero_page(void)
{
	return gpa(LINUX_ZERO_PAGE);
}

/* The 4-level walk the CPU would do through the loader's tables. */
static bool walk(u64 va, u64 *pa)
{
	u64 cr3 = bsp.cr3;
	u64 e = rd64((cr3 & PTE_ADDR_MASK) + ((va >> 39) & 511) * 8);
	if (!(e & PTE_P))
		return false;
	e = rd64((e & PTE_ADDR_MASK) + ((va >> 30) & 511) * 8);
	if (!(e & PTE_P))
		return false;
	e = rd64((e & PTE_ADDR_MASK) + ((va >> 21) & 511) * 8);
	if (!(e & PTE_P) || !(e & PTE_PS) || !(e & PTE_W))
		return false;
	*pa = (e & PTE_ADDR_MASK & ~(LARGE_PAGE_SIZE - 1)) | (va & (LARGE_PAGE_SIZE - 1));
	return true;
}

static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

static void check_e820(const struct linux_boot_params *bp, u64 low, u64 high)
{
	REQUIRE(bp->e820_entries == (high ? 4 : 3));
	const struct linux_e820_entry *e = bp->e820_table;
	CHECK_EQ(e[0].addr, 0);
	CHECK_EQ(e[0].size, LINUX_LOW_END);
	CHECK_EQ(e[0].type, 1);
	CHECK_EQ(e[1].addr, LINUX_LOW_END);
	CHECK_EQ(e[1].size, MiB(1) - LINUX_LOW_END);
	CHECK_EQ(e[1].type, 2);
	CHECK_EQ(e[2].addr, MiB(1));
	CHECK_EQ(e[2].size, low - MiB(1));
	CHECK_EQ(e[2].type, 1);
	if (high) {
		CHECK_EQ(e[3].addr, GiB(4));
		CHECK_EQ(e[3].size, high);
		CHECK_EQ(e[3].type, 1);
	}
}

static void check_long_mode_entry(u64 load)
{
	CHECK_EQ(bsp.rip, load + 0x200);
	CHECK_EQ(bsp.gpr[GPR_RSI], LINUX_ZERO_PAGE);
	CHECK_EQ(bsp.rflags & RFLAGS_IF, 0);
	CHECK_EQ(bsp.rflags & RFLAGS_FIXED, RFLAGS_FIXED);
	CHECK_EQ(bsp.cr0 & (CR0_PE | CR0_PG | CR0_ET | CR0_NE), CR0_PE | CR0_PG | CR0_ET | CR0_NE);
	CHECK_EQ(bsp.cr4 & CR4_PAE, CR4_PAE);
	CHECK_EQ(bsp.efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
	CHECK_EQ(bsp.cr3, LINUX_PML4);
	CHECK_EQ(bsp.gdtr.base, LINUX_GDT);
	CHECK_EQ(bsp.gdtr.limit, 31);
	CHECK_EQ(bsp.idtr.limit, 0);
	CHECK_EQ(bsp.seg[SEG_CS].sel, 0x10);
	CHECK_EQ(bsp.seg[SEG_CS].base, 0);
	CHECK(bsp.seg[SEG_CS].attr & SEG_ATTR_L);
	CHECK(!(bsp.seg[SEG_CS].attr & SEG_ATTR_DB));
	CHECK(bsp.seg[SEG_CS].attr & SEG_ATTR_P);
	CHECK_EQ(SEG_ATTR_TYPE(bsp.seg[SEG_CS].attr) & 0x8, 0x8); /* code */
	static const int data[] = { SEG_DS, SEG_ES, SEG_SS };
	for (unsigned i = 0; i < ARRAY_SIZE(data); i++) {
		const struct segment *s = &bsp.seg[data[i]];
		CHECK_EQ(s->sel, 0x18);
		CHECK_EQ(s->base, 0);
		CHECK_EQ(s->limit, 0xffffffff);
		CHECK_EQ(SEG_ATTR_TYPE(s->attr), 0x3); /* read/write, accessed */
		CHECK(s->attr & SEG_ATTR_P);
	}
	/* GDT: descriptors at the selectors match the hidden state. */
	u64 cs = rd64(LINUX_GDT + 0x10), ds = rd64(LINUX_GDT + 0x18);
	CHECK_EQ((cs >> 40) & 0xff, bsp.seg[SEG_CS].attr & 0xff);
	CHECK_EQ((cs >> 52) & 0xf, (bsp.seg[SEG_CS].attr >> 8) & 0xf);
	CHECK_EQ((ds >> 40) & 0xff, bsp.seg[SEG_DS].attr & 0xff);
	CHECK_EQ((ds >> 52) & 0xf, (bsp.seg[SEG_DS].attr >> 8) & 0xf);
	CHECK_EQ(cs & 0xffff, 0xffff);
	CHECK_EQ(ds & 0xffff, 0xffff);
	/* Identity map of 0-4 GiB, nothing above. */
	for (u64 va = 0; va < GiB(4); va += LARGE_PAGE_SIZE) {
		u64 pa = ~0ULL;
		if (!walk(va + 0x1234, &pa) || pa != va + 0x1234) {
			CHECK_EQ(pa, va + 0x1234);
			break;
		}
	}
	u64 pa;
	CHECK(!walk(GiB(4), &pa));
}

/* ---- Linux: loading -------------------------------------------------- */

TEST(linux_synthetic)
{
	const char *cmd = "console=ttyS0 root=/dev/vda ro";

	make_part(MiB(64), 0, 3);
	bz_default();
	fill_initrd();
	struct bz b = bz_build();
	const char *err = linux_load(&part, b.img, b.size, initrd_buf, sizeof(initrd_buf), cmd,
				     0xe0000, &bsp);
	CHECK_STR(err, NULL);
	REQUIRE(!err);
	const struct linux_boot_params *bp = zero_page();
	const struct linux_setup_header *h = &bp->hdr;
	CHECK_EQ(h->header, LINUX_HDRS_MAGIC);
	CHECK_EQ(h->version, 0x20f);
	CHECK_EQ(h->boot_flag, LINUX_BOOT_FLAG);
	CHECK_EQ(h->type_of_loader, 0xff);
	CHECK_EQ(h->loadflags, LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP);
	CHECK_EQ(h->heap_end_ptr, 0xe000 - 0x200);
	CHECK_EQ(h->init_size, MiB(8));
	CHECK_EQ(h->code32_start, MiB(16));
	CHECK_EQ(h->cmd_line_ptr, LINUX_CMDLINE);
	CHECK_EQ(bp->ext_cmd_line_ptr, 0);
	CHECK_STR((const char *)gpa(h->cmd_line_ptr), cmd);
	CHECK_EQ(bp->acpi_rsdp_addr, 0xe0000);
	CHECK_EQ(bp->sentinel, 0);
	/* Only the header is copied: the rest of the page stays zero. */
	CHECK_EQ(bp->screen_info[0] | bp->ext_ramdisk_image | bp->ext_ramdisk_size, 0);
	/* Initrd: page-aligned, as high as 64 MiB of RAM allows. */
	u64 rd = h->ramdisk_image;
	CHECK_EQ(h->ramdisk_size, sizeof(initrd_buf));
	CHECK_EQ(rd, ALIGN_DOWN(MiB(64) - sizeof(initrd_buf), PAGE_SIZE));
	CHECK(IS_ALIGNED(rd, PAGE_SIZE));
	CHECK(rd + sizeof(initrd_buf) - 1 <= h->initrd_addr_max);
	CHECK(!ranges_overlap(rd, sizeof(initrd_buf), MiB(16), MiB(8)));
	CHECK(!ranges_overlap(rd, sizeof(initrd_buf), 0, MiB(1)));
	CHECK(!memcmp(gpa(rd), initrd_buf, sizeof(initrd_buf)));
	/* Kernel: the protected-mode part at pref_address. */
	CHECK(!memcmp(gpa(MiB(16)), bz_buf + SETUP_SIZE, PM_SIZE));
	check_e820(bp, MiB(64), 0);
	check_long_mode_entry(MiB(16));
	/* Nothing written to the reserved window (ACPI tables live there). */
	for (u64 a = LINUX_LOW_END; a < MiB(1); a += 8)
		if (rd64(a)) {
			CHECK_EQ(rd64(a), 0);
			break;
		}
	free(b.img);
}

/* High RAM above 4 GiB, low RAM up to 3 GiB in two regions; the initrd
 * honours initrd_addr_max, then the 3 GiB end of low RAM. */
TEST(linux_high_memory)
{
	make_part(GiB(3), MiB(64), 2);
	bz_default();
	fill_initrd();
	struct bz b = bz_build();
	const char *err = linux_load(&part, b.img, b.size, initrd_buf, sizeof(initrd_buf), "",
				     0, &bsp);
	CHECK_STR(err, NULL);
	REQUIRE(!err);
	const struct linux_boot_params *bp = zero_page();
	CHECK_EQ(bp->hdr.ramdisk_image, ALIGN_DOWN(0x80000000ULL - sizeof(initrd_buf), PAGE_SIZE));
	CHECK_EQ(bp->acpi_rsdp_addr, 0);
	CHECK_EQ(*(const char *)gpa(LINUX_CMDLINE), 0);
	check_e820(bp, GiB(3), MiB(64));
	free(b.img);

	bz_hdr.initrd_addr_max = 0xffffffff; /* no limit below the 3 GiB end */
	b = bz_build();
	err = linux_load(&part, b.img, b.size, initrd_buf, sizeof(initrd_buf), "", 0, &bsp);
	CHECK_STR(err, NULL);
	CHECK_EQ(zero_page()->hdr.ramdisk_image,
		 ALIGN_DOWN(GiB(3) - sizeof(initrd_buf), PAGE_SIZE));
	CHECK_EQ(zero_page()->ext_ramdisk_image, 0);
	free(b.img);
}

static u64 load_addr_for(u64 pref, u32 align, u8 reloc, const char **err)
{
	make_part(MiB(128), 0, 1);
	bz_default();
	bz_hdr.pref_address = pref;
	bz_hdr.kernel_alignment = align;
	bz_hdr.relocatable_kernel = reloc;
	struct bz b = bz_build();
	*err = linux_load(&part, b.img, b.size, NULL, 0, NULL, 0, &bsp);
	free(b.img);
	return *err ? 0 : bsp.rip - 0x200;
}

TEST(linux_kernel_placement)
{
	const char *err;

	CHECK_EQ(load_addr_for(MiB(32), MiB(2), 1, &err), MiB(32));
	CHECK_EQ(load_addr_for(MiB(17), MiB(2), 1, &err), MiB(16)); /* misaligned pref */
	CHECK_EQ(load_addr_for(MiB(125), MiB(1), 1, &err), MiB(16)); /* pref too high */
	CHECK_EQ(load_addr_for(0, MiB(2), 1, &err), MiB(16));
	CHECK_EQ(load_addr_for(0x8000, 0x1000, 1, &err), MiB(16)); /* pref below 1 MiB */
	CHECK_EQ(load_addr_for(0, MiB(32), 1, &err), MiB(32));
	CHECK_EQ(load_addr_for(MiB(2), MiB(2), 0, &err), MiB(2)); /* non-relocatable */
	CHECK_EQ(zero_page()->hdr.code32_start, MiB(2));
	load_addr_for(MiB(124), MiB(2), 0, &err);
	CHECK(harness_contains(err, "non-relocatable"));
	load_addr_for(0, MiB(128), 1, &err); /* 128 MiB alignment: beyond RAM */
	CHECK(harness_contains(err, "does not fit"));
}

/* The initrd goes below the kernel when there is no room above it. */
TEST(linux_initrd_below_kernel)
{
	make_part(MiB(64), 0, 1);
	bz_default();
	bz_hdr.pref_address = MiB(48);
	bz_hdr.init_size = MiB(15);
	fill_initrd();
	struct bz b = bz_build();
	const char *err = linux_load(&part, b.img, b.size, initrd_buf, sizeof(initrd_buf), "x",
				     0, &bsp);
	CHECK_STR(err, NULL);
	u64 rd = zero_page()->hdr.ramdisk_image;
	CHECK_EQ(rd, ALIGN_DOWN(MiB(48) - sizeof(initrd_buf), PAGE_SIZE));
	CHECK(!ranges_overlap(rd, sizeof(initrd_buf), MiB(48), MiB(15)));
	free(b.img);
}

/* acpi_rsdp_addr is only written for kernels of protocol 2.14+. */
TEST(linux_old_protocol_no_rsdp)
{
	make_part(MiB(64), 0, 1);
	bz_default();
	bz_hdr.version = 0x20c;
	struct bz b = bz_build();
	CHECK_STR(linux_load(&part, b.img, b.size, NULL, 0, "", 0xe0000, &bsp), NULL);
	CHECK_EQ(zero_page()->acpi_rsdp_addr, 0);
	CHECK_EQ(zero_page()->hdr.ramdisk_image | zero_page()->hdr.ramdisk_size, 0);
	free(b.img);
}

TEST(linux_cmdline_limit)
{
	char cmd[4096];

	make_part(MiB(64), 0, 1);
	bz_default();
	bz_hdr.cmdline_size = 10;
	struct bz b = bz_build();
	memset(cmd, 'a', 10);
	cmd[10] = 0;
	CHECK_STR(linux_load(&part, b.img, b.size, NULL, 0, cmd, 0, &bsp), NULL);
	CHECK_STR((const char *)gpa(LINUX_CMDLINE), cmd);
	cmd[10] = 'b';
	cmd[11] = 0;
	CHECK(harness_contains(linux_load(&part, b.img, b.size, NULL, 0, cmd, 0, &bsp),
			       "command line"));
	free(b.img);
}

static bool vmlinuz_path(char *out, size_t len)
{
	const char *env = getenv("HV_TEST_VMLINUZ");

	snprintf(out, len, "%s", env && *env ? env : "build/cache/vmlinuz");
	FILE *f = fopen(out, "rb");
	if (f)
		fclose(f);
	return f != NULL;
}

static void real_kernel_case(void *arg)
{
	const char *path = arg;
	FILE *f = fopen(path, "rb");
	REQUIRE(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	REQUIRE(n > 0);
	u8 *k = malloc((size_t)n);
	REQUIRE(k);
	size_t got = fread(k, 1, (size_t)n, f);
	fclose(f);
	REQUIRE(got == (size_t)n);

	struct linux_setup_header h;
	memcpy(&h, k + 0x1f1, sizeof(h));
	u64 setup = ((u64)(h.setup_sects ? h.setup_sects : 4) + 1) * 512;
	make_part(MiB(256), 0, 1);
	fill_initrd();
	const char *err = linux_load(&part, k, (u64)n, initrd_buf, sizeof(initrd_buf),
				     "console=ttyS0 earlyprintk=serial", 0xe0000, &bsp);
	CHECK_STR(err, NULL);
	if (!err) {
		const struct linux_boot_params *bp = zero_page();
		u64 load = bsp.rip - 0x200;
		CHECK(bp->hdr.version >= 0x20c);
		CHECK(bp->hdr.xloadflags & LINUX_XLF_KERNEL_64);
		CHECK_EQ(bp->hdr.header, LINUX_HDRS_MAGIC);
		CHECK_EQ(bp->hdr.type_of_loader, 0xff);
		CHECK_EQ(load, h.pref_address); /* 16 MiB, 2 MiB-aligned */
		CHECK(IS_ALIGNED(load, h.kernel_alignment));
		CHECK(!memcmp(gpa(load), k + setup, (size_t)((u64)n - setup)));
		CHECK(!ranges_overlap(bp->hdr.ramdisk_image, sizeof(initrd_buf), load, h.init_size));
		CHECK_EQ(bp->acpi_rsdp_addr, h.version >= 0x20e ? 0xe0000 : 0);
		check_e820(bp, MiB(256), 0);
		check_long_mode_entry(load);
	}
	/* Too little memory for init_size: a clean refusal. */
	make_part(MiB(48), 0, 1);
	CHECK(harness_contains(linux_load(&part, k, (u64)n, NULL, 0, "", 0, &bsp), "fit"));
	free(k);
}

static void skipped(void *arg) { (void)arg; }

/* ---- Linux: hostile images ------------------------------------------- */

struct hostile {
	const char *name;
	void (*edit)(void);
	const char *why; /* substring of the expected error */
};

static void e_boot_flag(void) { bz_hdr.boot_flag = 0xaa56; }
static void e_magic(void) { bz_hdr.header = 0x53726449; }
static void e_version(void) { bz_hdr.version = 0x20b; }
static void e_no64(void) { bz_hdr.xloadflags = 2; }
static void e_zimage(void) { bz_hdr.loadflags = 0; }
static void e_setup_huge(void) { bz_hdr.setup_sects = 255; }
static void e_init_huge(void) { bz_hdr.init_size = 0xffffffff; }
static void e_init_zero(void) { bz_hdr.init_size = 0; }
static void e_align_zero(void) { bz_hdr.kernel_alignment = 0; bz_hdr.pref_address = 0; }
static void e_align_odd(void) { bz_hdr.kernel_alignment = 0x300000; }
static void e_align_huge(void) { bz_hdr.kernel_alignment = 0x80000000; }
static void e_short_hdr(void) { bz_hdr.jump = 0x50eb; }
static void e_pref_wild(void) { bz_hdr.relocatable_kernel = 0; bz_hdr.pref_address = ~0ULL - 0xfff; }
static void e_pref_low(void) { bz_hdr.relocatable_kernel = 0; bz_hdr.pref_address = 0x1000; }

static const struct hostile hostile_headers[] = {
	{ "bad_boot_flag", e_boot_flag, "0xAA55" },
	{ "bad_magic", e_magic, "HdrS" },
	{ "version_too_old", e_version, "older than 2.12" },
	{ "no_64bit_entry", e_no64, "XLF_KERNEL_64" },
	{ "zimage", e_zimage, "zImage" },
	{ "setup_sects_huge", e_setup_huge, "outside the file" },
	{ "init_size_huge", e_init_huge, "does not fit" },
	{ "init_size_zero", e_init_zero, "init_size" },
	{ "alignment_zero", e_align_zero, "kernel_alignment" },
	{ "alignment_not_pow2", e_align_odd, "kernel_alignment" },
	{ "alignment_huge", e_align_huge, "kernel_alignment" },
	{ "setup_header_short", e_short_hdr, "shorter" },
	{ "pref_address_wraps", e_pref_wild, "non-relocatable" },
	{ "pref_address_low", e_pref_low, "non-relocatable" },
};

static void hostile_case(void *arg)
{
	const struct hostile *t = arg;

	make_part(MiB(64), 0, 1);
	bz_default();
	t->edit();
	struct bz b = bz_build();
	const char *err = linux_load(&part, b.img, b.size, NULL, 0, "", 0, &bsp);
	CHECK(err != NULL);
	if (err && !harness_contains(err, t->why))
		CHECK_STR(err, t->why);
	free(b.img);
}

/* Every cut through the header and setup code fails; cuts in the
 * protected-mode part load what is there. ASan checks every read. */
TEST(linux_truncated)
{
	make_part(MiB(64), 0, 1);
	bz_default();
	for (u64 n = 0; n <= SETUP_SIZE + 64; n += (n < 0x300 ? 1 : 7)) {
		struct bz b = bz_build_size(n);
		const char *err = linux_load(&part, b.img, b.size, NULL, 0, "", 0, &bsp);
		free(b.img);
		if ((n <= SETUP_SIZE) != (err != NULL)) {
			harness_fail(__FILE__, __LINE__, "cut at %llu: %s",
				     (unsigned long long)n, err ? err : "loaded");
			break;
		}
	}
	CHECK(linux_load(&part, NULL, 0, NULL, 0, "", 0, &bsp) != NULL);
}

TEST(linux_initrd_too_big)
{
	make_part(MiB(64), 0, 1);
	bz_default();
	struct bz b = bz_build();
	/* Larger than memory; huge sizes must not wrap any sum. The initrd
	 * buffer is never read: placement fails first. */
	static const u64 sizes[] = { MiB(64), MiB(40) + 1, ~0ULL, ~0ULL - PAGE_SIZE, 1ULL << 63 };
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++)
		CHECK(harness_contains(linux_load(&part, b.img, b.size, initrd_buf, sizes[i], "",
						  0, &bsp), "initrd"));
	/* initrd_addr_max inside the kernel: 16 MiB fit neither above the
	 * kernel (under the limit) nor between 1 MiB and the kernel. */
	bz_hdr.initrd_addr_max = MiB(20);
	free(b.img);
	b = bz_build();
	CHECK(harness_contains(linux_load(&part, b.img, b.size, initrd_buf, MiB(16), "", 0,
					  &bsp), "initrd"));
	free(b.img);
}

TEST(linux_memory_shapes)
{
	bz_default();
	struct bz b = bz_build();

	make_part(MiB(16), 0, 1); /* kernel at 16 MiB cannot fit */
	CHECK(harness_contains(linux_load(&part, b.img, b.size, NULL, 0, "", 0, &bsp), "fit"));
	make_part(MiB(64), 0, 1); /* no RAM at 0 */
	part.ram[0].gpa = MiB(1);
	CHECK(harness_contains(linux_load(&part, b.img, b.size, NULL, 0, "", 0, &bsp),
			       "no RAM"));
	make_part(MiB(64), 0, 1); /* empty and wrapping regions are ignored */
	part.ram[part.nr_ram++] = (struct mem_region){ MiB(64), 0, 0, true };
	part.ram[part.nr_ram++] = (struct mem_region){ ~0ULL - 10, 100, 0, true };
	CHECK_STR(linux_load(&part, b.img, b.size, NULL, 0, "", 0, &bsp), NULL);
	check_e820(zero_page(), MiB(64), 0);
	free(b.img);
}

/* Random bytes over the header: never a crash; whatever loads lies in RAM. */
TEST(linux_header_fuzz)
{
	u64 seed = 0x9e3779b97f4a7c15ULL;

	make_part(MiB(64), 0, 1);
	for (int iter = 0; iter < 3000; iter++) {
		bz_default();
		struct bz b = bz_build();
		for (int k = 0; k < 1 + iter % 6; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			u64 off = 0x1f1 + (seed >> 33) % (0x290 - 0x1f1);
			b.img[off] = (u8)(seed >> 17);
		}
		const char *err = linux_load(&part, b.img, b.size, initrd_buf, 4096, "x", 0, &bsp);
		if (!err) {
			u64 load = bsp.rip - 0x200;
			const struct linux_boot_params *bp = zero_page();
			CHECK(load >= MiB(1) && load + PM_SIZE <= MiB(64));
			CHECK(bp->hdr.ramdisk_image >= MiB(1));
			CHECK(bp->hdr.ramdisk_image + 4096 <= MiB(64));
		}
		free(b.img);
	}
}

/* ---- multiboot -------------------------------------------------------- */

#define MB_FILE 0x4000

static u8 mb_buf[MB_FILE];

static void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }
static void put16(u8 *p, u16 v) { memcpy(p, &v, 2); }

static void mb_header_at(u64 off, u32 flags)
{
	put32(mb_buf + off, MB_HEADER_MAGIC);
	put32(mb_buf + off + 4, flags);
	put32(mb_buf + off + 8, (u32)-(MB_HEADER_MAGIC + flags));
}

struct phdr32 {
	u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

/* An ELF32 kernel: text at file 0x1000 (the multiboot header at its
 * start), data+bss at file 0x3000. vbase = virtual link base. */
static void mb_elf(u32 vbase, u32 entry)
{
	memset(mb_buf, 0, sizeof(mb_buf));
	memcpy(mb_buf, "\177ELF\1\1\1", 7);
	put16(mb_buf + 16, 2);  /* ET_EXEC */
	put16(mb_buf + 18, 3);  /* EM_386 */
	put32(mb_buf + 20, 1);
	put32(mb_buf + 24, entry);
	put32(mb_buf + 28, 52); /* phoff */
	put16(mb_buf + 40, 52);
	put16(mb_buf + 42, 32);
	put16(mb_buf + 44, 3);
	struct phdr32 ph[3] = {
		{ 1, 0x1000, vbase + 0x100000, 0x100000, 0x2000, 0x2000, 5, 0x1000 },
		{ 4, 0x200, 0, 0, 0x10, 0x10, 4, 4 }, /* PT_NOTE: skipped */
		{ 1, 0x3000, vbase + 0x200000, 0x200000, 0x800, 0x5000, 6, 0x1000 },
	};
	memcpy(mb_buf + 52, ph, sizeof(ph));
	for (u64 i = 0x1000; i < MB_FILE; i++)
		mb_buf[i] = (u8)(i * 5 + 1);
	mb_header_at(0x1000, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY);
}

static void set_phdr(int i, u32 field_off, u32 v)
{
	put32(mb_buf + 52 + i * 32 + field_off, v);
}

/* An a.out-kludge kernel: flat file, header at 0x40, loaded at 1 MiB. */
static void mb_aout(u32 load_end, u32 bss_end, u32 entry)
{
	memset(mb_buf, 0, sizeof(mb_buf));
	for (u64 i = 0; i < MB_FILE; i++)
		mb_buf[i] = (u8)(i * 3 + 7);
	mb_header_at(0x40, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY | MB_FLAG_AOUT_KLUDGE);
	put32(mb_buf + 0x40 + 12, 0x100040); /* header_addr */
	put32(mb_buf + 0x40 + 16, 0x100000); /* load_addr */
	put32(mb_buf + 0x40 + 20, load_end);
	put32(mb_buf + 0x40 + 24, bss_end);
	put32(mb_buf + 0x40 + 28, entry);
}

static const char *mb_load(u64 size, const char *cmd)
{
	u8 *img = dup_exact(mb_buf, size);
	const char *err = multiboot_load(&part, img, size, cmd, NULL, 0, NULL, &bsp);
	free(img);
	return err;
}

static void check_mb_state(u64 entry)
{
	CHECK_EQ(bsp.rip, entry);
	CHECK_EQ((u32)bsp.gpr[GPR_RAX], MB_BOOT_MAGIC);
	CHECK_EQ(bsp.gpr[GPR_RBX], MB_INFO);
	CHECK_EQ(bsp.cr0 & (CR0_PE | CR0_PG), CR0_PE);
	CHECK_EQ(bsp.efer & EFER_LMA, 0);
	CHECK_EQ(bsp.rflags & (RFLAGS_IF | RFLAGS_VM), 0);
	CHECK_EQ(bsp.seg[SEG_CS].sel, 0x08);
	CHECK_EQ(bsp.seg[SEG_CS].base, 0);
	CHECK_EQ(bsp.seg[SEG_CS].limit, 0xffffffff);
	CHECK(bsp.seg[SEG_CS].attr & SEG_ATTR_DB);
	CHECK(!(bsp.seg[SEG_CS].attr & SEG_ATTR_L));
	static const int data[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS };
	for (unsigned i = 0; i < ARRAY_SIZE(data); i++) {
		CHECK_EQ(bsp.seg[data[i]].sel, 0x10);
		CHECK_EQ(bsp.seg[data[i]].base, 0);
		CHECK_EQ(bsp.seg[data[i]].limit, 0xffffffff);
		CHECK(bsp.seg[data[i]].attr & SEG_ATTR_DB);
	}
	CHECK_EQ(bsp.gdtr.base, MB_GDT);
	u64 cs = rd64(MB_GDT + 8), ds = rd64(MB_GDT + 16);
	CHECK_EQ((cs >> 40) & 0xff, bsp.seg[SEG_CS].attr & 0xff);
	CHECK_EQ((cs >> 52) & 0xf, (bsp.seg[SEG_CS].attr >> 8) & 0xf);
	CHECK_EQ((ds >> 40) & 0xff, bsp.seg[SEG_DS].attr & 0xff);
}

static void check_mb_info(const char *cmdline)
{
	const struct multiboot_info *mbi = gpa(MB_INFO);

	CHECK_EQ(mbi->flags, MBI_MEMORY | MBI_CMDLINE | MBI_MMAP | MBI_LOADER_NAME);
	CHECK_EQ(mbi->mem_lower, 636);
	CHECK_EQ(mbi->mem_upper, (MiB(64) - MiB(1)) >> 10);
	CHECK_STR((const char *)gpa(mbi->cmdline), cmdline);
	CHECK_STR((const char *)gpa(mbi->boot_loader_name), "hv");
	REQUIRE(mbi->mmap_length == 3 * 24);
	static const u64 want[3][3] = { { 0, 0x9f000, 1 }, { 0x9f000, 0x61000, 2 },
					{ MiB(1), MiB(63), 1 } };
	for (int i = 0; i < 3; i++) {
		u64 e = mbi->mmap_addr + (u64)i * 24;
		CHECK_EQ(rd32(e), 20);
		CHECK_EQ(rd64(e + 4), want[i][0]);
		CHECK_EQ(rd64(e + 12), want[i][1]);
		CHECK_EQ(rd32(e + 20), want[i][2]);
	}
}

TEST(multiboot_elf32)
{
	make_part(MiB(64), 0, 1);
	memset(gpa(0x200000), 0xcc, 0x5000); /* the bss must come out zero */
	mb_elf(0, 0x100010);
	CHECK(multiboot_detect(mb_buf, MB_FILE));
	CHECK_STR(mb_load(MB_FILE, "console=com1 debug"), NULL);
	CHECK(!memcmp(gpa(0x100000), mb_buf + 0x1000, 0x2000));
	CHECK(!memcmp(gpa(0x200000), mb_buf + 0x3000, 0x800));
	u8 zero[0x4800] = { 0 };
	CHECK(!memcmp(gpa(0x200800), zero, sizeof(zero)));
	check_mb_info("guest console=com1 debug");
	check_mb_state(0x100010);
}

/* A module (an initrd line for a multiboot child): the first page past
 * the kernel's last byte (its bss included), its string, mods_* and the
 * flag; one that does not fit, or whose string is too long, is refused. */
TEST(multiboot_module)
{
	static u8 mod[5000];
	for (unsigned i = 0; i < sizeof(mod); i++)
		mod[i] = (u8)(i * 13 + 1);
	make_part(MiB(64), 0, 1);
	mb_elf(0, 0x100010);
	u8 *img = dup_exact(mb_buf, MB_FILE);
	CHECK_STR(multiboot_load(&part, img, MB_FILE, "x=1", mod, sizeof(mod), "env=a b", &bsp),
		  NULL);
	const struct multiboot_info *mbi = gpa(MB_INFO);
	CHECK_EQ(mbi->flags, MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME);
	REQUIRE(mbi->mods_count == 1);
	u64 e = mbi->mods_addr;
	CHECK_EQ(rd32(e), 0x205000);              /* the bss ends there */
	CHECK_EQ(rd32(e + 4), 0x205000 + sizeof(mod));
	CHECK_STR((const char *)gpa(rd32(e + 8)), "env=a b");
	CHECK(!memcmp(gpa(0x205000), mod, sizeof(mod)));
	CHECK_STR((const char *)gpa(mbi->cmdline), "guest x=1");
	/* Past low RAM: refused with the reason. */
	CHECK_STR(multiboot_load(&part, img, MB_FILE, NULL, mod, MiB(64), "", &bsp),
		  "the multiboot module does not fit in low RAM past the kernel");
	static char long_cmd[1100];
	memset(long_cmd, 'a', sizeof(long_cmd) - 1);
	CHECK_STR(multiboot_load(&part, img, MB_FILE, NULL, mod, 16, long_cmd, &bsp),
		  "the multiboot module's command line is too long");
	free(img);
}

/* A kernel linked in the upper half: loaded at p_paddr, entry translated. */
TEST(multiboot_elf32_higher_half)
{
	make_part(MiB(64), 0, 1);
	mb_elf(0xc0000000, 0xc0100020);
	CHECK_STR(mb_load(MB_FILE, NULL), NULL);
	CHECK(!memcmp(gpa(0x100000), mb_buf + 0x1000, 0x2000));
	check_mb_info("guest");
	check_mb_state(0x100020);
}

TEST(multiboot_aout_kludge)
{
	make_part(MiB(64), 0, 1);
	memset(gpa(0x100000), 0xcc, 0x8000);
	mb_aout(0x103000, 0x108000, 0x100080);
	CHECK(multiboot_detect(mb_buf, MB_FILE));
	CHECK_STR(mb_load(MB_FILE, "a=1"), NULL);
	CHECK(!memcmp(gpa(0x100000), mb_buf, 0x3000)); /* file from offset 0 */
	u8 zero[0x5000] = { 0 };
	CHECK(!memcmp(gpa(0x103000), zero, sizeof(zero))); /* not loaded: bss */
	check_mb_info("guest a=1");
	check_mb_state(0x100080);

	/* load_end_addr 0: the whole file; bss_end_addr 0: no bss. */
	memset(gpa(0x100000), 0xcc, 0x8000);
	mb_aout(0, 0, 0x100080);
	CHECK_STR(mb_load(MB_FILE, ""), NULL);
	CHECK(!memcmp(gpa(0x100000), mb_buf, MB_FILE));
	CHECK_EQ(*(u8 *)gpa(0x100000 + MB_FILE), 0xcc);
}

TEST(multiboot_detect_limits)
{
	memset(mb_buf, 0, sizeof(mb_buf));
	mb_header_at(8192 - 12, 0); /* the last place it fits */
	CHECK(multiboot_detect(mb_buf, MB_FILE));
	memset(mb_buf, 0, sizeof(mb_buf));
	mb_header_at(8192 - 8, 0); /* straddles 8 KiB */
	CHECK(!multiboot_detect(mb_buf, MB_FILE));
	memset(mb_buf, 0, sizeof(mb_buf));
	mb_header_at(8192, 0);
	CHECK(!multiboot_detect(mb_buf, MB_FILE));
	memset(mb_buf, 0, sizeof(mb_buf));
	mb_header_at(0x102, 0); /* not longword aligned */
	CHECK(!multiboot_detect(mb_buf, MB_FILE));
	memset(mb_buf, 0, sizeof(mb_buf));
	mb_header_at(0x100, 0);
	put32(mb_buf + 0x108, 0x12345678); /* bad checksum */
	CHECK(!multiboot_detect(mb_buf, MB_FILE));
	memset(mb_buf, 0, sizeof(mb_buf));
	mb_header_at(0, 0);
	for (u64 n = 0; n < 12; n++) {
		u8 *img = dup_exact(mb_buf, n);
		CHECK(!multiboot_detect(img, n));
		free(img);
	}
	CHECK(multiboot_detect(mb_buf, 12));
	CHECK(!multiboot_detect(NULL, 100));
}

/* ---- multiboot: hostile images ---------------------------------------- */

struct mb_hostile {
	const char *name;
	void (*build)(void);
	const char *why;
};

static void m_checksum(void) { mb_elf(0, 0x100010); put32(mb_buf + 0x1008, 0); }
static void m_past_8k(void)
{
	mb_elf(0, 0x100010);
	memset(mb_buf + 0x1000, 0, 12);
	mb_header_at(0x2000, MB_FLAG_MEMORY);
}
static void m_kludge_past_8k(void)
{
	mb_aout(0, 0, 0x100080);
	memset(mb_buf + 0x40, 0, 12);
	mb_header_at(8192 - 16, MB_FLAG_AOUT_KLUDGE);
}
static void m_video(void) { mb_elf(0, 0x100010); mb_header_at(0x1000, MB_FLAG_VIDEO); }
static void m_unknown(void) { mb_elf(0, 0x100010); mb_header_at(0x1000, 1u << 5); }
static void m_outside_ram(void) { mb_elf(0, 0x100010); set_phdr(2, 12, 0xd0000000); }
static void m_past_ram(void) { mb_elf(0, 0x100010); set_phdr(2, 12, MiB(64) - 0x1000); }
static void m_wraps(void) { mb_elf(0, 0x100010); set_phdr(2, 12, 0xfffff000); }
static void m_info_area(void) { mb_elf(0, 0x100010); set_phdr(2, 12, 0x3800); }
static void m_reserved(void) { mb_elf(0, 0x100010); set_phdr(2, 12, 0x9e000); }
static void m_elf64(void) { mb_elf(0, 0x100010); mb_buf[4] = 2; }
static void m_machine(void) { mb_elf(0, 0x100010); put16(mb_buf + 18, 62); }
static void m_phoff(void) { mb_elf(0, 0x100010); put32(mb_buf + 28, MB_FILE - 40); }
static void m_phnum(void) { mb_elf(0, 0x100010); put16(mb_buf + 44, 0); }
static void m_seg_file(void) { mb_elf(0, 0x100010); set_phdr(2, 4, MB_FILE - 0x100); }
static void m_filesz(void) { mb_elf(0, 0x100010); set_phdr(2, 16, 0x6000); }
static void m_entry(void) { mb_elf(0, 0x500000); }
static void m_not_elf(void) { mb_elf(0, 0x100010); mb_buf[0] = 0; }
static void m_load_above(void) { mb_aout(0, 0, 0x100080); put32(mb_buf + 0x50, 0x100044); }
static void m_before_file(void) { mb_aout(0, 0, 0x100080); put32(mb_buf + 0x50, 0xff000); }
static void m_end_below(void) { mb_aout(0xff000, 0, 0x100080); }
static void m_end_past(void) { mb_aout(0x100000 + MB_FILE + 1, 0, 0x100080); }
static void m_bss_below(void) { mb_aout(0x103000, 0x102000, 0x100080); }
static void m_aout_entry(void) { mb_aout(0x103000, 0x104000, 0x104000); }
static void m_aout_ram(void) { mb_aout(0x103000, 0xfffff000, 0x100080); }

static const struct mb_hostile mb_hostile_cases[] = {
	{ "bad_checksum", m_checksum, "no multiboot header" },
	{ "header_past_8k", m_past_8k, "no multiboot header" },
	{ "kludge_fields_past_8k", m_kludge_past_8k, "8 KiB" },
	{ "video_required", m_video, "video" },
	{ "unknown_required_bit", m_unknown, "unknown" },
	{ "segment_outside_ram", m_outside_ram, "low RAM" },
	{ "segment_past_ram_end", m_past_ram, "low RAM" },
	{ "segment_wraps_4g", m_wraps, "low RAM" },
	{ "segment_over_info_area", m_info_area, "boot information area" },
	{ "segment_over_reserved", m_reserved, "reserved" },
	{ "elf64_without_kludge", m_elf64, "ELF32" },
	{ "elf_wrong_machine", m_machine, "i386" },
	{ "phdrs_outside_file", m_phoff, "outside the file" },
	{ "no_phdrs", m_phnum, "program headers" },
	{ "segment_outside_file", m_seg_file, "outside the file" },
	{ "filesz_over_memsz", m_filesz, "outside the file" },
	{ "entry_outside_segments", m_entry, "entry" },
	{ "not_elf_no_kludge", m_not_elf, "a.out kludge" },
	{ "kludge_load_above_header", m_load_above, "load_addr" },
	{ "kludge_load_before_file", m_before_file, "before the start" },
	{ "kludge_end_below_load", m_end_below, "load_end_addr" },
	{ "kludge_end_past_file", m_end_past, "past the end of the file" },
	{ "kludge_bss_below_data", m_bss_below, "bss_end_addr" },
	{ "kludge_entry_outside", m_aout_entry, "entry" },
	{ "kludge_bss_outside_ram", m_aout_ram, "low RAM" },
};

static void mb_hostile_case(void *arg)
{
	const struct mb_hostile *t = arg;

	make_part(MiB(64), 0, 1);
	t->build();
	const char *err = mb_load(MB_FILE, "");
	CHECK(err != NULL);
	if (err && !harness_contains(err, t->why))
		CHECK_STR(err, t->why);
}

TEST(multiboot_cmdline_too_long)
{
	static char cmd[5000];

	make_part(MiB(64), 0, 1);
	mb_elf(0, 0x100010);
	memset(cmd, 'c', sizeof(cmd) - 1);
	CHECK(harness_contains(mb_load(MB_FILE, cmd), "command line"));
	cmd[4090] = 0; /* "guest " + 4090 + NUL: one byte over 4 KiB */
	CHECK(harness_contains(mb_load(MB_FILE, cmd), "command line"));
	cmd[4089] = 0; /* exactly 4 KiB */
	CHECK_STR(mb_load(MB_FILE, cmd), NULL);
	CHECK_EQ(strlen((const char *)gpa(MB_CMDLINE)), 4095);
}

/* Every cut of both image kinds: an error or a load, never a bad read. */
TEST(multiboot_truncated)
{
	make_part(MiB(64), 0, 1);
	for (int kind = 0; kind < 2; kind++) {
		if (kind)
			mb_aout(0x103000, 0x108000, 0x100080);
		else
			mb_elf(0, 0x100010);
		for (u64 n = 0; n <= MB_FILE; n += (n < 0x100 ? 1 : 13)) {
			const char *err = mb_load(n, "");
			if (n < (kind ? 0x3000u : 0x3800u))
				CHECK(err != NULL);
		}
	}
}

/* ---- the parent: identity-mapped RAM with holes ----------------------- */

static struct boot_info parent_host;

static void host_range(u64 base, u64 len, u32 type)
{
	parent_host.mmap[parent_host.mmap_count++] = (struct boot_mem_range){ base, len, type, 0 };
}

static void parent_region(u64 base, u64 end)
{
	part.ram[part.nr_ram++] = (struct mem_region){ base, end - base,
						       (u64)(uintptr_t)low_mem + base, true };
}

/* A machine map as SeaBIOS gives it, with the hypervisor's image, a
 * child and the pool taken out of the parent's RAM. */
static void make_parent(void)
{
	make_part(MiB(48), 0, 1);
	part.nr_ram = 0;
	part.is_parent = part.cfg.parent = true;
	memset(&parent_host, 0, sizeof(parent_host));
	host_range(0, 0x9fc00, BOOT_MEM_USABLE);
	host_range(0x9fc00, 0x400, BOOT_MEM_RESERVED);
	host_range(0xf0000, 0x10000, BOOT_MEM_RESERVED);
	host_range(MiB(1), MiB(47), BOOT_MEM_USABLE);
	host_range(0x2ffe0000ULL, 0x20000, BOOT_MEM_ACPI_RECLAIM);
	host_range(0xfffc0000ULL, 0x40000, 77); /* a type we do not know */
	parent_region(0, 0xa0000);
	parent_region(0xe56000, MiB(16));  /* listed out of order on purpose */
	parent_region(0x152000, MiB(2));
	parent_region(0x200d000, MiB(48));
	parent_map_init(&parent_host);
}

TEST(parent_memory_map)
{
	static const struct guest_mem_range want[] = {
		{ 0, 0x9fc00, 1 },             /* owned low RAM */
		{ 0x9fc00, 0x400, 2 },         /* EBDA */
		/* BIOS, then usable RAM not the parent's: one reserved run */
		{ 0xf0000, 0x62000, 2 },
		{ 0x152000, 0xae000, 1 },
		{ MiB(2), 0xc56000, 2 },       /* the hypervisor's image */
		{ 0xe56000, 0x1aa000, 1 },
		{ MiB(16), 0x100d000, 2 },     /* a child */
		{ 0x200d000, 0xff3000, 1 },
		{ 0x2ffe0000ULL, 0x20000, 3 }, /* ACPI tables keep their type */
		{ 0xfffc0000ULL, 0x40000, 2 }, /* unknown types are reserved */
	};
	struct guest_mem_range got[16];

	make_parent();
	int n = guest_memory_map(&part, got, 16);
	REQUIRE(n == (int)ARRAY_SIZE(want));
	for (int i = 0; i < n; i++) {
		CHECK_EQ(got[i].base, want[i].base);
		CHECK_EQ(got[i].size, want[i].size);
		CHECK_EQ(got[i].type, want[i].type);
	}
	CHECK_EQ(guest_memory_map(&part, got, 9), -1); /* never truncated */
	CHECK_EQ(parent_host_type(0x9fd00), BOOT_MEM_RESERVED);
	CHECK_EQ(parent_host_type(MiB(2)), BOOT_MEM_USABLE);
	CHECK_EQ(parent_host_type(0xfee00000ULL), 0);
	CHECK(parent_owned(&part, 0x9ff00) != NULL);
	CHECK(parent_owned(&part, MiB(2)) == NULL);
	CHECK(parent_host_overlaps(0xfffc0000ULL - 1, 2, 77));
	CHECK(!parent_host_overlaps(MiB(48), MiB(1), BOOT_MEM_USABLE));
}

/* The kernel and initrd go where the parent's RAM is: not at the 16 MiB
 * pref_address (a child's memory), but at the first aligned fit. */
TEST(parent_kernel_placement)
{
	make_parent();
	bz_default();
	fill_initrd();
	struct bz b = bz_build();
	const char *err = linux_load(&part, b.img, b.size, initrd_buf, sizeof(initrd_buf),
				     "console=ttyS0", 0x7000000, &bsp);
	CHECK_STR(err, NULL);
	REQUIRE(!err);
	const struct linux_boot_params *bp = zero_page();
	u64 load = ALIGN_UP(0x200d000ULL, MiB(2));
	CHECK_EQ(bp->hdr.code32_start, load);
	CHECK(!memcmp(gpa(load), bz_buf + SETUP_SIZE, PM_SIZE));
	u64 rd = bp->hdr.ramdisk_image;
	CHECK_EQ(rd, ALIGN_DOWN(MiB(48) - sizeof(initrd_buf), PAGE_SIZE));
	CHECK(!memcmp(gpa(rd), initrd_buf, sizeof(initrd_buf)));
	CHECK_EQ(bp->e820_entries, 10);
	CHECK_EQ(bp->acpi_rsdp_addr, 0x7000000);
	check_long_mode_entry(load);
	free(b.img);

	/* Too big for any piece of its RAM: refused, not split. */
	bz_default();
	bz_hdr.init_size = MiB(40);
	b = bz_build();
	err = linux_load(&part, b.img, b.size, NULL, 0, "", 0, &bsp);
	CHECK(err && harness_contains(err, "does not fit"));
	free(b.img);
}

int main(void)
{
	char path[512], name[600];

	RUN(linux_synthetic);
	RUN(linux_high_memory);
	RUN(linux_kernel_placement);
	RUN(linux_initrd_below_kernel);
	RUN(linux_old_protocol_no_rsdp);
	RUN(linux_cmdline_limit);
	if (vmlinuz_path(path, sizeof(path)))
		harness_run_named(__FILE__, "real_debian_kernel", real_kernel_case, path);
	else
		harness_run_named(__FILE__, "real_debian_kernel (skipped: no build/cache/vmlinuz)",
				  skipped, NULL);
	for (unsigned i = 0; i < ARRAY_SIZE(hostile_headers); i++) {
		snprintf(name, sizeof(name), "linux_hostile_%s", hostile_headers[i].name);
		harness_run_named(__FILE__, name, hostile_case, (void *)&hostile_headers[i]);
	}
	RUN(linux_truncated);
	RUN(linux_initrd_too_big);
	RUN(linux_memory_shapes);
	RUN(linux_header_fuzz);
	RUN(parent_memory_map);
	RUN(parent_kernel_placement);
	RUN(multiboot_elf32);
	RUN(multiboot_module);
	RUN(multiboot_elf32_higher_half);
	RUN(multiboot_aout_kludge);
	RUN(multiboot_detect_limits);
	for (unsigned i = 0; i < ARRAY_SIZE(mb_hostile_cases); i++) {
		snprintf(name, sizeof(name), "multiboot_hostile_%s", mb_hostile_cases[i].name);
		harness_run_named(__FILE__, name, mb_hostile_case, (void *)&mb_hostile_cases[i]);
	}
	RUN(multiboot_cmdline_too_long);
	RUN(multiboot_truncated);
	unmap_all();
	return harness_finish();
}
