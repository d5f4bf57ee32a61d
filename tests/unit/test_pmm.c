// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bitmap physical memory manager (vmm/base/pmm.c). "Physical" addresses are
 * host addresses (phys_to_virt is the identity on the host).
 *
 * The arena is mmap'd at a fixed low address rather than taken from
 * aligned_alloc: the pmm's bitmap covers everything from the lowest to the
 * highest usable address and ignores RAM above 64 TiB, while the heap on
 * x86-64 Linux usually sits near 128 TiB. Low down, the map can also carry
 * usable ranges below 1 MiB to exercise the AP trampoline page: those
 * frames are only ever bits in the bitmap, never dereferenced (pmm_init
 * reserves the whole first MiB), so they need no backing memory. The
 * bitmap itself always lands in the arena, the only usable range above
 * 1 MiB each test declares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/unit/harness.h"
#include "vmm/base/pmm.h"

#define ARENA_SIZE MiB(64)
#define ARENA_PAGES (ARENA_SIZE / PAGE_SIZE)

static u8 *arena;
static u64 A; /* arena "physical" base */
static struct boot_info bi;
static bool snap[ARENA_PAGES];

static void map_arena(void)
{
	/* Low user-space addresses, all application memory under ASan. */
	static const u64 hints[] = { 0x40000000, 0x50000000, 0x20000000, 0x60000000 };

	for (unsigned i = 0; i < ARRAY_SIZE(hints) && !arena; i++) {
		void *p = mmap((void *)(uintptr_t)hints[i], ARENA_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED && (uintptr_t)p == hints[i])
			arena = p;
		else if (p != MAP_FAILED)
			munmap(p, ARENA_SIZE); /* old kernels treat the flag as a hint */
	}
	A = (u64)(uintptr_t)arena;
}

static void bi_reset(void)
{
	memset(&bi, 0, sizeof(bi));
	bi.magic = BOOT_INFO_MAGIC;
	bi.version = BOOT_INFO_VERSION;
}

static void add_range(u64 base, u64 len, u32 type)
{
	bi.mmap[bi.mmap_count++] = (struct boot_mem_range){ base, len, type, 0 };
}

/* Low memory as PC firmware reports it, then the arena. */
static void std_map(void)
{
	bi_reset();
	add_range(0, 0x9fc00, BOOT_MEM_USABLE);
	add_range(0x9fc00, 0x60400, BOOT_MEM_RESERVED);
	add_range(A, ARENA_SIZE, BOOT_MEM_USABLE);
}

static u64 arena_free_count(void)
{
	u64 n = 0;

	for (u64 i = 0; i < ARENA_PAGES; i++)
		n += pmm_is_free(A + i * PAGE_SIZE);
	return n;
}

static void take_snapshot(void)
{
	for (u64 i = 0; i < ARENA_PAGES; i++)
		snap[i] = pmm_is_free(A + i * PAGE_SIZE);
}

/* Every frame of [pa, pa+count) was free in the snapshot and is now used. */
static bool run_was_free(paddr_t pa, u64 count)
{
	if (pa < A || pa + count * PAGE_SIZE > A + ARENA_SIZE)
		return false;
	for (u64 i = 0; i < count; i++) {
		u64 f = (pa - A) / PAGE_SIZE + i;
		if (!snap[f] || pmm_is_free(pa + i * PAGE_SIZE))
			return false;
	}
	return true;
}

static u64 bitmap_pages(void)
{
	u64 nframes = (A + ARENA_SIZE) / PAGE_SIZE; /* the bitmap starts at 0 */
	return ALIGN_UP(ALIGN_UP(nframes, 64) / 8, PAGE_SIZE) / PAGE_SIZE;
}

TEST(init_counts)
{
	std_map();
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	struct pmm_stats s;
	pmm_get_stats(&s);
	/* 0x9fc00 bytes hold 159 whole frames. */
	CHECK_EQ(s.usable_pages, 159 + ARENA_PAGES);
	/* The first MiB and the bitmap are taken back out. */
	CHECK_EQ(s.reserved_pages, 159 + bitmap_pages());
	CHECK_EQ(s.free_pages, ARENA_PAGES - bitmap_pages());
	CHECK_EQ(arena_free_count(), s.free_pages);
	CHECK_EQ(pmm_low_page(), 0x1000);
	CHECK(!pmm_is_free(0x1000));
	CHECK(!pmm_is_free(0));
	/* Outside the managed range. */
	CHECK(!pmm_is_free(A + ARENA_SIZE));
	CHECK(!pmm_is_free(0xfffffffffffff000ULL));
}

/* Without low memory (as with the host arena alone) there is no AP page. */
TEST(no_low_page)
{
	bi_reset();
	add_range(A, ARENA_SIZE, BOOT_MEM_USABLE);
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	CHECK_EQ(pmm_low_page(), 0);
	/* Usable RAM only in 0xa0000-0xfffff (video, ROM) does not count. */
	bi_reset();
	add_range(0xa0000, 0x60000, BOOT_MEM_USABLE);
	add_range(A, ARENA_SIZE, BOOT_MEM_USABLE);
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	CHECK_EQ(pmm_low_page(), 0);
}

/* The low page skips frames that are not RAM or that the boot path still
 * needs (modules, loader reservations). */
TEST(low_page_skips_reserved)
{
	std_map();
	add_range(0, 0x3000, BOOT_MEM_ACPI_NVS);
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	CHECK_EQ(pmm_low_page(), 0x3000);

	std_map();
	bi.modules[0] = (struct boot_module){ .start = 0x1000, .end = 0x2800 };
	bi.module_count = 1;
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	CHECK_EQ(pmm_low_page(), 0x3000);

	std_map();
	bi.reserved[0] = (struct boot_mem_range){ 0x0, 0x5000, BOOT_MEM_RESERVED, 0 };
	bi.reserved_count = 1;
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	CHECK_EQ(pmm_low_page(), 0x5000);
}

static bool intact(u64 pa, u64 len)
{
	for (u64 i = 0; i < len; i++)
		if (((const u8 *)(uintptr_t)pa)[i] != 0xa5)
			return false;
	return true;
}

/*
 * Image, modules, reserved[] and non-usable ranges overlapping usable RAM
 * are never handed out, and the bitmap is not written over them. They are
 * laid out so that each one pushes the bitmap's candidate spot onto the
 * next, and the bitmap ends up right after the last.
 */
TEST(reservations_respected)
{
	const u64 bp = bitmap_pages() * PAGE_SIZE;
	const u64 img = A, img_size = MiB(2) + 0x1234;
	const u64 c1 = A + MiB(2) + 0x2000;
	const u64 mod0 = c1 + 0x1000, mod0_end = c1 + 0x3800;
	const u64 c2 = c1 + 0x4000;
	const u64 rsv = c2 + bp - 0x1000, rsv_len = 0x2000;
	const u64 c3 = c2 + bp + 0x1000;
	const u64 bad = c3 + bp - 0x800, bad_len = 5000;
	const u64 c4 = c3 + bp + 0x1000;
	const u64 nvs = c4 + bp - 0x1000, nvs_len = 0x1000;
	const u64 bitmap_at = c4 + bp;

	std_map();
	bi.image_pa = img;
	bi.image_size = img_size;
	bi.modules[0] = (struct boot_module){ .start = mod0, .end = mod0_end };
	bi.modules[1] = (struct boot_module){ .start = A + MiB(60), .end = A + MiB(60) };
	bi.module_count = 2;
	bi.reserved[0] = (struct boot_mem_range){ rsv, rsv_len, BOOT_MEM_RESERVED, 0 };
	bi.reserved_count = 1;
	add_range(bad, bad_len, BOOT_MEM_BAD);
	add_range(nvs, nvs_len, BOOT_MEM_ACPI_NVS);

	memset(arena, 0xa5, bitmap_at + bp + MiB(1) - A);
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	CHECK(intact(img, img_size));
	CHECK(intact(mod0, mod0_end - mod0));
	CHECK(intact(rsv, rsv_len));
	CHECK(intact(bad, bad_len));
	CHECK(intact(nvs, nvs_len));
	CHECK(!intact(bitmap_at, 1)); /* the bitmap is here... */
	CHECK(intact(bitmap_at + bp, MiB(1))); /* ...and ends here */
	for (u64 pa = bitmap_at; pa < bitmap_at + bp; pa += PAGE_SIZE)
		CHECK(!pmm_is_free(pa));
	CHECK(pmm_is_free(bitmap_at + bp));
	CHECK(pmm_is_free(A + MiB(60))); /* an empty module reserves nothing */

	struct pmm_stats s;
	pmm_get_stats(&s);
	/* The bad range touches two frames, NVS one: not usable RAM at all.
	 * The rest is reserved out of usable RAM, partial frames included. */
	CHECK_EQ(s.usable_pages, 159 + ARENA_PAGES - 3);
	u64 taken = 514 /* image */ + 3 /* module 0 */ + 2 /* rsv */ + bitmap_pages();
	CHECK_EQ(s.reserved_pages, 159 + taken);
	CHECK_EQ(s.free_pages, ARENA_PAGES - 3 - taken);

	/* Drain the pool: nothing reserved comes back. */
	u64 n = 0;
	paddr_t pa;
	while ((pa = pmm_alloc_page()) != 0) {
		n++;
		CHECK(pa >= A && pa < A + ARENA_SIZE);
		CHECK(!(pa < img + img_size && pa + PAGE_SIZE > img));
		CHECK(!(pa < mod0_end && pa + PAGE_SIZE > mod0));
		CHECK(!(pa < rsv + rsv_len && pa + PAGE_SIZE > rsv));
		CHECK(!(pa < bad + bad_len && pa + PAGE_SIZE > bad));
		CHECK(!(pa < nvs + nvs_len && pa + PAGE_SIZE > nvs));
		CHECK(!(pa < bitmap_at + bp && pa >= bitmap_at));
		if (n > ARENA_PAGES)
			break;
	}
	CHECK_EQ(n, s.free_pages);
	pmm_get_stats(&s);
	CHECK_EQ(s.free_pages, 0);
	CHECK_EQ(arena_free_count(), 0);
	CHECK(intact(mod0, mod0_end - mod0));
}

/* A usable range that wraps past 2^64, or one so high that the bitmap
 * would run off the end of the address space, never hosts the bitmap. */
TEST(bitmap_not_in_bogus_range)
{
	struct pmm_stats s0, s;

	std_map();
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	pmm_get_stats(&s0);

	bi_reset();
	add_range(0xfffffffffffff000ULL, MiB(2), BOOT_MEM_USABLE);
	add_range(0, 0x9fc00, BOOT_MEM_USABLE);
	add_range(0x9fc00, 0x60400, BOOT_MEM_RESERVED);
	add_range(A, ARENA_SIZE, BOOT_MEM_USABLE);
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	pmm_get_stats(&s);
	CHECK_EQ(s.usable_pages, s0.usable_pages);
	CHECK_EQ(s.free_pages, s0.free_pages);
	CHECK(!pmm_is_free(A)); /* the bitmap went to the arena */

	/* Usable up to the last frame: the 64 TiB bitmap (2 GiB) fits
	 * nowhere, and must not "fit" by wrapping around. */
	bi_reset();
	add_range(0xffffffffc0000000ULL, 0x3ffff000, BOOT_MEM_USABLE);
	add_range(A, ARENA_SIZE, BOOT_MEM_USABLE);
	CHECK_STR(pmm_init(&bi, UINT64_MAX), "no room for the physical memory bitmap");
	CHECK_STR(pmm_init(&bi, GiB(4)), "no room for the physical memory bitmap");
}

TEST(alloc_count_align_max)
{
	std_map();
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	paddr_t pa;

	take_snapshot();
	pa = pmm_alloc(5, PAGE_SIZE, 0);
	CHECK(run_was_free(pa, 5));

	take_snapshot();
	pa = pmm_alloc(1, MiB(2), 0);
	CHECK(IS_ALIGNED(pa, MiB(2)));
	CHECK(run_was_free(pa, 1));

	take_snapshot();
	pa = pmm_alloc(512, MiB(2), 0);
	CHECK(IS_ALIGNED(pa, MiB(2)));
	CHECK(run_was_free(pa, 512));

	take_snapshot();
	pa = pmm_alloc(3, KiB(64), 0);
	CHECK(IS_ALIGNED(pa, KiB(64)));
	CHECK(run_was_free(pa, 3));

	/* A whole-word-skipping run: 1000 frames. */
	take_snapshot();
	pa = pmm_alloc(1000, PAGE_SIZE, 0);
	CHECK(run_was_free(pa, 1000));

	/* Alignment below a page means a page; not a power of two fails. */
	take_snapshot();
	pa = pmm_alloc(1, 1, 0);
	CHECK(run_was_free(pa, 1));
	CHECK_EQ(pmm_alloc(1, KiB(12), 0), 0);
	/* Alignment larger than all of memory. */
	CHECK_EQ(pmm_alloc(1, 1ULL << 63, 0), 0);

	/* max is exclusive and bounds the whole run. */
	take_snapshot();
	pa = pmm_alloc(4, PAGE_SIZE, A + MiB(8));
	CHECK(run_was_free(pa, 4));
	CHECK(pa + 4 * PAGE_SIZE <= A + MiB(8));
	CHECK_EQ(pmm_alloc(1, PAGE_SIZE, MiB(1)), 0); /* all reserved below */
	CHECK_EQ(pmm_alloc(1, PAGE_SIZE, 0x1000), 0);
	CHECK_EQ(pmm_alloc(1, PAGE_SIZE, A + PAGE_SIZE), 0); /* only the bitmap */

	/* Nothing, or more than exists. */
	CHECK_EQ(pmm_alloc(0, PAGE_SIZE, 0), 0);
	CHECK_EQ(pmm_alloc(ARENA_PAGES, PAGE_SIZE, 0), 0);
	CHECK_EQ(pmm_alloc(1ULL << 40, PAGE_SIZE, 0), 0);
	CHECK_EQ(pmm_alloc(UINT64_MAX, PAGE_SIZE, 0), 0);
}

TEST(max_window)
{
	std_map();
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	/* Exhaust [.., A+4M): exactly the free frames below it come out. */
	u64 below = 0;
	for (paddr_t pa = A; pa < A + MiB(4); pa += PAGE_SIZE)
		below += pmm_is_free(pa);
	u64 n = 0;
	paddr_t pa;
	while ((pa = pmm_alloc(1, PAGE_SIZE, A + MiB(4))) != 0 && n <= below) {
		CHECK(pa < A + MiB(4));
		n++;
	}
	CHECK_EQ(n, below);
	CHECK(pmm_alloc(1, PAGE_SIZE, 0) >= A + MiB(4));
}

TEST(exhaust_free_realloc)
{
	static paddr_t got[ARENA_PAGES];
	std_map();
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	struct pmm_stats s0, s;
	pmm_get_stats(&s0);

	u64 n = 0;
	paddr_t pa;
	take_snapshot();
	while (n < ARENA_PAGES && (pa = pmm_alloc_page()) != 0) {
		CHECK(run_was_free(pa, 1));
		got[n++] = pa;
	}
	CHECK_EQ(n, s0.free_pages);
	CHECK_EQ(pmm_alloc_page(), 0);
	CHECK_EQ(pmm_alloc(2, PAGE_SIZE, 0), 0);

	/* Free every other page: single pages fit, pairs do not. */
	for (u64 i = 0; i < n; i += 2)
		pmm_free(got[i], 1);
	pmm_get_stats(&s);
	CHECK_EQ(s.free_pages, (n + 1) / 2);
	CHECK_EQ(pmm_alloc(2, PAGE_SIZE, 0), 0);
	pa = pmm_alloc_page();
	CHECK(pa && pmm_is_free(pa) == false);
	pmm_free(pa, 1);

	/* A freed run is found again, exactly: freeing one allocated page
	 * between two free ones makes the only run of three. */
	u64 mid = (n / 2) | 1;
	REQUIRE(got[mid - 1] + PAGE_SIZE == got[mid] && got[mid] + PAGE_SIZE == got[mid + 1]);
	CHECK(!pmm_is_free(got[mid]));
	pmm_free(got[mid], 1);
	CHECK(pmm_is_free(got[mid]));
	paddr_t run = pmm_alloc(3, PAGE_SIZE, 0);
	CHECK_EQ(run, got[mid - 1]);
	pmm_free(run, 3);

	/* Free all; the pool is whole again and a realloc reuses it. */
	for (u64 i = 1; i < n; i += 2)
		if (i != mid)
			pmm_free(got[i], 1);
	pmm_get_stats(&s);
	CHECK_EQ(s.free_pages, s0.free_pages);
	CHECK_EQ(arena_free_count(), s0.free_pages);
	pa = pmm_alloc(512, MiB(2), 0);
	CHECK(pa && IS_ALIGNED(pa, MiB(2)));
	pmm_free(pa, 512);
	pa = pmm_alloc_page();
	pmm_free(pa, 1);
	CHECK_EQ(pmm_alloc_page(), pa); /* the hint moves back to a freed frame */
	pmm_free(pa, 1);
}

TEST(alloc_zeroed)
{
	std_map();
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	take_snapshot();
	/* Dirty every free frame first. */
	for (u64 i = 0; i < ARENA_PAGES; i++)
		if (snap[i])
			memset(arena + i * PAGE_SIZE, 0xcc, PAGE_SIZE);
	paddr_t pa = pmm_alloc_zeroed(3, PAGE_SIZE, 0);
	REQUIRE(run_was_free(pa, 3));
	const u8 *p = (const u8 *)(uintptr_t)pa;
	u64 nonzero = 0;
	for (u64 i = 0; i < 3 * PAGE_SIZE; i++)
		nonzero += p[i] != 0;
	CHECK_EQ(nonzero, 0);
	CHECK_EQ(p[3 * PAGE_SIZE], 0xcc); /* and not one byte more */
}

TEST(reserve_idempotent)
{
	std_map();
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	struct pmm_stats s0, s;
	pmm_get_stats(&s0);
	/* 0x1800 bytes from mid-frame touch two frames. */
	pmm_reserve(A + MiB(10) + 0x800, 0x1800);
	pmm_get_stats(&s);
	CHECK_EQ(s.free_pages, s0.free_pages - 2);
	CHECK_EQ(s.reserved_pages, s0.reserved_pages + 2);
	pmm_reserve(A + MiB(10), 0x2000);
	pmm_get_stats(&s);
	CHECK_EQ(s.free_pages, s0.free_pages - 2);
	CHECK(!pmm_is_free(A + MiB(10)));
	CHECK(!pmm_is_free(A + MiB(10) + 0x1000));
	CHECK(pmm_is_free(A + MiB(10) + 0x2000));
	/* Outside managed memory, empty or wrapping: nothing happens. */
	pmm_reserve(A + ARENA_SIZE + MiB(1), MiB(1));
	pmm_reserve(A + MiB(20), 0);
	pmm_reserve(A + MiB(20), UINT64_MAX);
	pmm_get_stats(&s);
	CHECK_EQ(s.free_pages, s0.free_pages - 2);
}

/* Entries with len 0, shorter than a frame or wrapping are ignored. */
TEST(odd_map_entries)
{
	struct pmm_stats s0, s;

	std_map();
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	pmm_get_stats(&s0);

	std_map();
	add_range(A + MiB(1), 0, BOOT_MEM_RESERVED);
	add_range(A + MiB(2), 0, BOOT_MEM_USABLE);
	add_range(0xfffffffffffff000ULL, 0x2000, BOOT_MEM_USABLE);
	add_range(0xffffffffffff0000ULL, 0x20000, BOOT_MEM_RESERVED);
	add_range(A + ARENA_SIZE + MiB(1), 100, BOOT_MEM_USABLE);
	/* A partial frame of usable RAM next to the arena is not usable. */
	add_range(A + ARENA_SIZE, 0x800, BOOT_MEM_USABLE);
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	pmm_get_stats(&s);
	CHECK_EQ(s.usable_pages, s0.usable_pages);
	CHECK_EQ(s.free_pages, s0.free_pages);
	CHECK_EQ(s.reserved_pages, s0.reserved_pages);
	CHECK(!pmm_is_free(A + ARENA_SIZE));

	/* Overlapping usable ranges count once. */
	std_map();
	add_range(A + MiB(8), MiB(8), BOOT_MEM_USABLE);
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	pmm_get_stats(&s);
	CHECK_EQ(s.usable_pages, s0.usable_pages);
	CHECK_EQ(s.free_pages, s0.free_pages);
}

TEST(init_errors)
{
	bi_reset();
	CHECK_STR(pmm_init(&bi, UINT64_MAX), "no usable memory in the firmware map");
	add_range(A, ARENA_SIZE, BOOT_MEM_RESERVED);
	add_range(A + ARENA_SIZE, 0xfff, BOOT_MEM_USABLE);
	add_range(0xfffffffffffff000ULL, 0x2000, BOOT_MEM_USABLE);
	CHECK_STR(pmm_init(&bi, UINT64_MAX), "no usable memory in the firmware map");

	/* Usable RAM, but none of it reachable early. */
	std_map();
	CHECK_STR(pmm_init(&bi, A + PAGE_SIZE), "no room for the physical memory bitmap");
	/* Only low memory: the bitmap never goes below 1 MiB. */
	bi_reset();
	add_range(0, 0x9fc00, BOOT_MEM_USABLE);
	CHECK_STR(pmm_init(&bi, UINT64_MAX), "no room for the physical memory bitmap");
	/* Everything usable is taken by the image. */
	std_map();
	bi.image_pa = A;
	bi.image_size = ARENA_SIZE;
	CHECK_STR(pmm_init(&bi, UINT64_MAX), "no room for the physical memory bitmap");
	/* A far-away range makes the bitmap bigger than all of the arena. */
	std_map();
	add_range(1ULL << 45, MiB(2), BOOT_MEM_USABLE);
	CHECK_STR(pmm_init(&bi, UINT64_MAX), "no room for the physical memory bitmap");
	/* RAM only above the 64 TiB the direct map reaches. */
	bi_reset();
	add_range(1ULL << 47, GiB(1), BOOT_MEM_USABLE);
	CHECK_STR(pmm_init(&bi, UINT64_MAX), "no room for the physical memory bitmap");

	/* A usable map again works after the failures. */
	std_map();
	CHECK(pmm_init(&bi, UINT64_MAX) == NULL);
}

/* The early limit bounds where the bitmap goes, nothing else. */
TEST(early_limit)
{
	std_map();
	bi.image_pa = A;
	bi.image_size = MiB(2);
	/* Bitmap just fits between the image and the limit. */
	REQUIRE(pmm_init(&bi, A + MiB(2) + bitmap_pages() * PAGE_SIZE) == NULL);
	for (u64 i = 0; i < bitmap_pages(); i++)
		CHECK(!pmm_is_free(A + MiB(2) + i * PAGE_SIZE));
	CHECK(pmm_is_free(A + MiB(2) + bitmap_pages() * PAGE_SIZE));
	CHECK(pmm_is_free(A + ARENA_SIZE - PAGE_SIZE));
	/* One byte less and it no longer fits. */
	CHECK_STR(pmm_init(&bi, A + MiB(2) + bitmap_pages() * PAGE_SIZE - 1),
		  "no room for the physical memory bitmap");
}

TEST(free_outside_panics)
{
	std_map();
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	EXPECT_PANIC(pmm_free(A + ARENA_SIZE, 1), "outside managed memory");
	EXPECT_PANIC(pmm_free(A + ARENA_SIZE - PAGE_SIZE, 2), "outside managed memory");
	EXPECT_PANIC(pmm_free(A + 0x10, 1), "outside managed memory");
	EXPECT_PANIC(pmm_free(A, 1ULL << 52), "outside managed memory");
	EXPECT_PANIC(pmm_free(A, (1ULL << 52) + 1), "outside managed memory");
	pmm_free(A, 0); /* freeing nothing is fine */
	/* The pool is unharmed and usable. */
	paddr_t pa = pmm_alloc_page();
	CHECK(pa != 0);
	pmm_free(pa, 1);
}

/*
 * Must run last: pmm_free panics with pmm_lock held (on the hypervisor a
 * panic never returns), so after the harness catches it the pmm cannot be
 * used again in this process.
 */
TEST(double_free_panics)
{
	std_map();
	REQUIRE(pmm_init(&bi, UINT64_MAX) == NULL);
	paddr_t pa = pmm_alloc(2, PAGE_SIZE, 0);
	REQUIRE(pa);
	pmm_free(pa + PAGE_SIZE, 1);
	int before = harness_panics;
	EXPECT_PANIC(pmm_free(pa, 2), "double free");
	CHECK_EQ(harness_panics, before + 1);
}

int main(void)
{
	map_arena();
	if (!arena) {
		printf("FAIL unit/test_pmm/setup: cannot map the arena at a low address\n");
		return 1;
	}
	RUN(init_counts);
	RUN(no_low_page);
	RUN(low_page_skips_reserved);
	RUN(reservations_respected);
	RUN(bitmap_not_in_bogus_range);
	RUN(alloc_count_align_max);
	RUN(max_window);
	RUN(exhaust_free_realloc);
	RUN(alloc_zeroed);
	RUN(reserve_idempotent);
	RUN(odd_map_entries);
	RUN(init_errors);
	RUN(early_limit);
	RUN(free_outside_panics);
	RUN(double_free_panics);
	munmap(arena, ARENA_SIZE);
	return harness_finish();
}
