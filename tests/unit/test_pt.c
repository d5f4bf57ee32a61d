// SPDX-License-Identifier: GPL-2.0-only
/*
 * The page-table engine (ept/pt.c) over its three formats. Table pages
 * come from aligned_alloc: on the host phys_to_virt is the identity, so a
 * host pointer is the table's "physical" address. The mapped addresses
 * are never touched, so they can be anything.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "ept/pt.h"
#include "vmm/base/errno.h"
#include "vmm/base/x86.h"

/* Allocator context: counts, and fails on demand. */
struct tpool {
	long allocs, frees;
	long fail_after; /* allocations left before failing; -1 = never */
};

static paddr_t tp_alloc(void *ctx)
{
	struct tpool *tp = ctx;
	void *p;

	if (tp->fail_after == 0)
		return 0;
	if (tp->fail_after > 0)
		tp->fail_after--;
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!p)
		return 0;
	memset(p, 0, PAGE_SIZE);
	tp->allocs++;
	return (paddr_t)(uintptr_t)p;
}

static void tp_free(void *ctx, paddr_t pa)
{
	struct tpool *tp = ctx;

	tp->frees++;
	/* ASan reports a free of anything tp_alloc did not hand out. */
	free((void *)(uintptr_t)pa);
}

/* Flush log: the engine must report every change to present entries. */
#define MAX_FLUSHES 64
static struct {
	int n;
	u64 va[MAX_FLUSHES], size[MAX_FLUSHES];
} fl;

static void t_flush(struct pt *pt, u64 va, u64 size)
{
	(void)pt;
	if (fl.n < MAX_FLUSHES) {
		fl.va[fl.n] = va;
		fl.size[fl.n] = size;
	}
	fl.n++;
}

/* True when some flush since the last reset covered all of [va, va+size). */
static bool flushed(u64 va, u64 size)
{
	for (int i = 0; i < fl.n && i < MAX_FLUSHES; i++) {
		if (fl.va[i] <= va && va + size - 1 <= fl.va[i] + fl.size[i] - 1)
			return true;
	}
	return false;
}

static struct tpool pool;

static void setup(struct pt *pt, const struct pt_format *fmt, u8 max_leaf)
{
	memset(&pool, 0, sizeof(pool));
	pool.fail_after = -1;
	memset(&fl, 0, sizeof(fl));
	REQUIRE(pt_init(pt, fmt, max_leaf, tp_alloc, tp_free, &pool) == 0);
	pt->flush = t_flush;
}

/* Destroys pt and checks that every table page went back. */
static void teardown(struct pt *pt)
{
	pt_destroy(pt);
	CHECK_EQ(pt->tables, 0);
	CHECK_EQ(pt->root, 0);
	CHECK_EQ(pool.allocs, pool.frees);
}

/* The rights a format can express, as pt_leaf_prot reports them. */
static u32 expect_prot(const struct pt_format *f, u32 prot)
{
	if (f == &pt_format_vtd || f == &pt_format_amdvi)
		return (prot & (PT_R | PT_W)) | PT_X; /* DMA tables: no execute right */
	if (f == &pt_format_ept)
		return prot & (PT_R | PT_W | PT_X | PT_UC);
	if (f == &pt_format_npt)
		return (prot & (PT_W | PT_X | PT_UC)) | PT_R;
	return (prot & (PT_W | PT_X | PT_USER | PT_GLOBAL | PT_UC)) | PT_R;
}

/* Checks that va translates to pa with prot at the given leaf level. */
#define CHECK_MAPPED(pt, va, want_pa, want_prot, want_level)                     \
	do {                                                                     \
		struct pt_walk_result w_;                                        \
		bool ok_ = pt_walk((pt), (va), &w_);                             \
		CHECK(ok_);                                                      \
		if (ok_) {                                                       \
			CHECK_EQ(w_.pa, (want_pa));                              \
			CHECK_EQ(w_.prot, (want_prot));                          \
			CHECK_EQ(w_.level, (want_level));                        \
		}                                                                \
	} while (0)

#define CHECK_UNMAPPED(pt, va)                                                   \
	do {                                                                     \
		struct pt_walk_result w_;                                        \
		CHECK(!pt_walk((pt), (va), &w_));                                \
	} while (0)

/* The CPU's formats; the DMA tables (VT-d, AMD-Vi), where a mapping
 * without read or write is no mapping, have tests of their own. */
static const struct pt_format *const formats[] = { &pt_format_x86, &pt_format_npt,
						     &pt_format_ept };

TEST(map_walk_4k)
{
	for (unsigned i = 0; i < ARRAY_SIZE(formats); i++) {
		const struct pt_format *f = formats[i];
		struct pt pt;
		setup(&pt, f, 3);
		u32 rw = expect_prot(f, PT_R | PT_W);

		CHECK_EQ(pt_map(&pt, 0x1000, 0x5000, PAGE_SIZE, PT_R | PT_W), 0);
		CHECK_EQ(pt.tables, 4); /* root, PDPT, PD, PT */
		CHECK_MAPPED(&pt, 0x1000, 0x5000, rw, 1);
		CHECK_MAPPED(&pt, 0x1abc, 0x5abc, rw, 1);
		CHECK_MAPPED(&pt, 0x1fff, 0x5fff, rw, 1);
		CHECK_UNMAPPED(&pt, 0x0);
		CHECK_UNMAPPED(&pt, 0x2000);
		CHECK_UNMAPPED(&pt, 0x1000 + GiB(512)); /* other PML4 slot */
		/* First mapping of empty space: nothing to flush. */
		CHECK_EQ(fl.n, 0);
		teardown(&pt);
	}
}

TEST(map_walk_2m)
{
	struct pt pt;
	setup(&pt, &pt_format_x86, 3);
	u32 p = expect_prot(&pt_format_x86, PT_R | PT_X);

	CHECK_EQ(pt_map(&pt, MiB(2), GiB(1), MiB(2), PT_R | PT_X), 0);
	CHECK_EQ(pt.tables, 3); /* root, PDPT, PD: no PT for a 2M leaf */
	CHECK_MAPPED(&pt, MiB(2), GiB(1), p, 2);
	CHECK_MAPPED(&pt, MiB(2) + 0x12345, GiB(1) + 0x12345, p, 2);
	CHECK_MAPPED(&pt, MiB(4) - 1, GiB(1) + MiB(2) - 1, p, 2);
	CHECK_UNMAPPED(&pt, MiB(4));
	CHECK_UNMAPPED(&pt, MiB(2) - 1);
	teardown(&pt);
}

TEST(map_walk_1g)
{
	for (unsigned i = 0; i < ARRAY_SIZE(formats); i++) {
		struct pt pt;
		setup(&pt, formats[i], 3);
		u32 p = expect_prot(formats[i], PT_R | PT_W | PT_X);

		CHECK_EQ(pt_map(&pt, GiB(1), GiB(7), GiB(1), PT_RWX), 0);
		CHECK_EQ(pt.tables, 2); /* root, PDPT */
		CHECK_MAPPED(&pt, GiB(1), GiB(7), p, 3);
		CHECK_MAPPED(&pt, GiB(1) + 0x3456789, GiB(7) + 0x3456789, p, 3);
		CHECK_MAPPED(&pt, GiB(2) - 8, GiB(8) - 8, p, 3);
		CHECK_UNMAPPED(&pt, GiB(2));
		teardown(&pt);
	}
}

/* max_leaf_level caps the page size even when alignment would allow more. */
TEST(max_leaf_level)
{
	struct pt pt;
	u32 p = expect_prot(&pt_format_x86, PT_R);

	setup(&pt, &pt_format_x86, 2);
	CHECK_EQ(pt_map(&pt, GiB(1), GiB(3), GiB(1), PT_R), 0);
	CHECK_EQ(pt.tables, 3);
	CHECK_MAPPED(&pt, GiB(1), GiB(3), p, 2);
	CHECK_MAPPED(&pt, GiB(1) + MiB(1000) + 5, GiB(3) + MiB(1000) + 5, p, 2);
	teardown(&pt);

	setup(&pt, &pt_format_x86, 1);
	CHECK_EQ(pt_map(&pt, MiB(2), MiB(4), MiB(2), PT_R), 0);
	CHECK_EQ(pt.tables, 4);
	for (u64 off = 0; off < MiB(2); off += PAGE_SIZE)
		CHECK_MAPPED(&pt, MiB(2) + off, MiB(4) + off, p, 1);
	teardown(&pt);

	/* Out-of-range levels are clamped to 1..3. */
	setup(&pt, &pt_format_x86, 0);
	CHECK_EQ(pt.max_leaf_level, 1);
	teardown(&pt);
	setup(&pt, &pt_format_x86, 9);
	CHECK_EQ(pt.max_leaf_level, 3);
	teardown(&pt);
}

/* A range with ragged ends gets 4K, then 2M, then 4K pages. */
TEST(mixed_sizes)
{
	struct pt pt;
	setup(&pt, &pt_format_x86, 3);
	u32 p = expect_prot(&pt_format_x86, PT_R | PT_W);
	u64 va = MiB(2) - KiB(8), pa = GiB(4) - KiB(8), size = KiB(8) + MiB(4) + KiB(4);

	CHECK_EQ(pt_map(&pt, va, pa, size, PT_R | PT_W), 0);
	CHECK_MAPPED(&pt, va, pa, p, 1);
	CHECK_MAPPED(&pt, va + KiB(4), pa + KiB(4), p, 1);
	CHECK_MAPPED(&pt, MiB(2), GiB(4), p, 2);
	CHECK_MAPPED(&pt, MiB(4) + 77, GiB(4) + MiB(2) + 77, p, 2);
	CHECK_MAPPED(&pt, MiB(6), GiB(4) + MiB(4), p, 1);
	CHECK_UNMAPPED(&pt, MiB(6) + KiB(4));
	CHECK_UNMAPPED(&pt, va - KiB(4));
	teardown(&pt);

	/* va and pa aligned differently: no large page is possible. */
	setup(&pt, &pt_format_x86, 3);
	CHECK_EQ(pt_map(&pt, MiB(2), MiB(2) + KiB(4), MiB(2), PT_R | PT_W), 0);
	CHECK_MAPPED(&pt, MiB(2), MiB(2) + KiB(4), p, 1);
	CHECK_MAPPED(&pt, MiB(4) - 1, MiB(4) + KiB(4) - 1, p, 1);
	teardown(&pt);
}

TEST(unmap_splits_2m)
{
	for (unsigned i = 0; i < ARRAY_SIZE(formats); i++) {
		struct pt pt;
		setup(&pt, formats[i], 3);
		u32 p = expect_prot(formats[i], PT_R | PT_W | PT_UC);
		u64 va = MiB(6), pa = GiB(2) + MiB(4), hole = va + KiB(20);

		CHECK_EQ(pt_map(&pt, va, pa, MiB(2), PT_R | PT_W | PT_UC), 0);
		u64 tables = pt.tables;
		CHECK_EQ(pt_unmap(&pt, hole, PAGE_SIZE), 0);
		CHECK_EQ(pt.tables, tables + 1);
		CHECK(flushed(hole, PAGE_SIZE));
		CHECK_UNMAPPED(&pt, hole);
		CHECK_UNMAPPED(&pt, hole + PAGE_SIZE - 1);
		for (u64 off = 0; off < MiB(2); off += PAGE_SIZE) {
			if (va + off != hole)
				CHECK_MAPPED(&pt, va + off + 3, pa + off + 3, p, 1);
		}
		teardown(&pt);
	}
}

TEST(unmap_splits_1g)
{
	for (unsigned i = 0; i < ARRAY_SIZE(formats); i++) {
		struct pt pt;
		setup(&pt, formats[i], 3);
		u32 p = expect_prot(formats[i], PT_R | PT_X);
		u64 va = GiB(3), pa = GiB(9), hole = va + MiB(10) + KiB(4);

		CHECK_EQ(pt_map(&pt, va, pa, GiB(1), PT_R | PT_X), 0);
		CHECK_EQ(pt.tables, 2);
		CHECK_EQ(pt_unmap(&pt, hole, PAGE_SIZE), 0);
		CHECK_EQ(pt.tables, 4); /* the 1G leaf became a PD, one 2M a PT */
		CHECK(flushed(hole, PAGE_SIZE));
		CHECK_UNMAPPED(&pt, hole);
		/* The rest of the 2M piece around the hole is 4K pages. */
		for (u64 a = va + MiB(10); a < va + MiB(12); a += PAGE_SIZE) {
			if (a != hole)
				CHECK_MAPPED(&pt, a, pa + (a - va), p, 1);
		}
		/* The other 2M pieces stay 2M leaves with the same translation. */
		for (u64 a = va; a < va + GiB(1); a += MiB(2)) {
			if (a != va + MiB(10))
				CHECK_MAPPED(&pt, a + 0x1234, pa + (a - va) + 0x1234, p, 2);
		}
		teardown(&pt);
	}
}

/* Unmapping a whole large page needs no split; a range spanning holes
 * is fine. */
TEST(unmap_whole_and_holes)
{
	struct pt pt;
	setup(&pt, &pt_format_ept, 3);
	u32 p = expect_prot(&pt_format_ept, PT_R | PT_W);

	CHECK_EQ(pt_map(&pt, MiB(2), MiB(2), MiB(2), PT_R | PT_W), 0);
	CHECK_EQ(pt_map(&pt, MiB(8), MiB(8), KiB(4), PT_R | PT_W), 0);
	u64 tables = pt.tables;
	fl.n = 0;
	CHECK_EQ(pt_unmap(&pt, 0, MiB(16)), 0);
	CHECK_EQ(pt.tables, tables); /* nothing split */
	CHECK(flushed(0, MiB(16)));
	for (u64 a = 0; a < MiB(16); a += PAGE_SIZE)
		CHECK_UNMAPPED(&pt, a);
	/* Unmapping nothing at all is fine too. */
	CHECK_EQ(pt_unmap(&pt, GiB(100), GiB(2)), 0);
	CHECK_EQ(pt_map(&pt, MiB(2), MiB(2), MiB(2), PT_R | PT_W), 0);
	CHECK_MAPPED(&pt, MiB(2), MiB(2), p, 2);
	teardown(&pt);
}

TEST(protect_partial)
{
	for (unsigned i = 0; i < ARRAY_SIZE(formats); i++) {
		const struct pt_format *f = formats[i];
		struct pt pt;
		setup(&pt, f, 3);
		u32 rwx = expect_prot(f, PT_RWX), ro = expect_prot(f, PT_R | PT_UC);
		u64 va = MiB(2), pa = MiB(64);

		CHECK_EQ(pt_map(&pt, va, pa, MiB(2), PT_RWX), 0);
		CHECK_EQ(pt_map(&pt, va + MiB(4), pa + MiB(4), KiB(4), PT_RWX), 0);
		fl.n = 0;
		/* Three pages in the middle of the 2M page, then a range that
		 * covers a hole and the lone 4K page. */
		CHECK_EQ(pt_protect(&pt, va + KiB(8), KiB(12), PT_R | PT_UC), 0);
		CHECK(flushed(va + KiB(8), KiB(12)));
		for (u64 off = 0; off < MiB(2); off += PAGE_SIZE) {
			bool in = off >= KiB(8) && off < KiB(20);
			CHECK_MAPPED(&pt, va + off, pa + off, in ? ro : rwx, 1);
		}
		CHECK_EQ(pt_protect(&pt, va + MiB(2), MiB(4), PT_R), 0);
		CHECK_UNMAPPED(&pt, va + MiB(2)); /* holes stay holes */
		CHECK_UNMAPPED(&pt, va + MiB(4) + KiB(4));
		CHECK_MAPPED(&pt, va + MiB(4), pa + MiB(4), expect_prot(f, PT_R), 1);
		/* A whole large page keeps its size. */
		CHECK_EQ(pt_map(&pt, GiB(1), GiB(1), MiB(2), PT_R), 0);
		u64 tables = pt.tables;
		CHECK_EQ(pt_protect(&pt, GiB(1), MiB(2), PT_R | PT_W), 0);
		CHECK_EQ(pt.tables, tables);
		CHECK_MAPPED(&pt, GiB(1) + 8, GiB(1) + 8, expect_prot(f, PT_R | PT_W), 2);
		teardown(&pt);
	}
}

/* Mapping a large page over a range that has tables frees those tables. */
TEST(remap_frees_subtree)
{
	struct pt pt;
	setup(&pt, &pt_format_x86, 3);
	u32 p = expect_prot(&pt_format_x86, PT_R | PT_W);

	CHECK_EQ(pt_map(&pt, MiB(2), 0x100000, KiB(4), PT_R), 0);
	CHECK_EQ(pt_map(&pt, MiB(2) + KiB(8), 0x200000, KiB(4), PT_R), 0);
	CHECK_EQ(pt.tables, 4);
	fl.n = 0;
	CHECK_EQ(pt_map(&pt, MiB(2), GiB(2), MiB(2), PT_R | PT_W), 0);
	CHECK_EQ(pt.tables, 3);
	CHECK_EQ(pool.frees, 1);
	CHECK(flushed(MiB(2), MiB(2)));
	CHECK_MAPPED(&pt, MiB(2) + KiB(8), GiB(2) + KiB(8), p, 2);

	/* 4K pages in two 2M regions under one 1G slot, then a 1G page. */
	CHECK_EQ(pt_map(&pt, GiB(5), 0, KiB(4), PT_R), 0);
	CHECK_EQ(pt_map(&pt, GiB(5) + MiB(100), 0, KiB(4), PT_R), 0);
	CHECK_EQ(pt.tables, 6); /* + PD + 2 PTs */
	fl.n = 0;
	CHECK_EQ(pt_map(&pt, GiB(5), GiB(5), GiB(1), PT_R | PT_W), 0);
	CHECK_EQ(pt.tables, 3);
	CHECK_EQ(pool.frees, 4);
	CHECK(flushed(GiB(5), GiB(1)));
	CHECK_MAPPED(&pt, GiB(5) + MiB(100), GiB(5) + MiB(100), p, 3);

	/* Remapping a leaf in place changes the translation and flushes. */
	fl.n = 0;
	CHECK_EQ(pt_map(&pt, MiB(2), GiB(8), MiB(2), PT_R), 0);
	CHECK(flushed(MiB(2), MiB(2)));
	CHECK_MAPPED(&pt, MiB(2) + 1, GiB(8) + 1, expect_prot(&pt_format_x86, PT_R), 2);
	teardown(&pt);
}

TEST(destroy_frees_all)
{
	for (unsigned i = 0; i < ARRAY_SIZE(formats); i++) {
		struct pt pt;
		setup(&pt, formats[i], 3);
		CHECK_EQ(pt_map(&pt, 0x1000, 0x1000, KiB(4), PT_R), 0);
		CHECK_EQ(pt_map(&pt, GiB(1), GiB(1), GiB(1), PT_R), 0);
		CHECK_EQ(pt_map(&pt, GiB(600) + MiB(2), 0, MiB(6) + KiB(4), PT_R), 0);
		CHECK_EQ(pt_map(&pt, 0xffff800000000000ULL, 0, MiB(4), PT_RWX), 0);
		CHECK_EQ(pt_unmap(&pt, GiB(1) + KiB(4), KiB(4)), 0);
		CHECK_EQ((long)pt.tables, pool.allocs - pool.frees);
		CHECK(pt.tables > 10);
		teardown(&pt);
		/* Destroying twice is harmless. */
		pt_destroy(&pt);
		CHECK_EQ(pool.allocs, pool.frees);
	}
}

/* pt_make_leaf / pt_leaf_prot for every prot combination and level. */
TEST(prot_roundtrip)
{
	const paddr_t pa = 0x000fedcba9876000ULL & ~(GiB(1) - 1);

	for (unsigned i = 0; i < ARRAY_SIZE(formats); i++) {
		const struct pt_format *f = formats[i];
		for (u32 prot = 0; prot < 64; prot++) {
			for (int level = 1; level <= 3; level++) {
				u64 e = pt_make_leaf(f, pa, prot, level);
				u32 got = pt_leaf_prot(f, e);
				if (got != expect_prot(f, prot))
					harness_fail(__FILE__, __LINE__,
						     "%s prot %#x level %d: got %#x want %#x",
						     f->name, prot, level, got,
						     expect_prot(f, prot));
				CHECK_EQ(e & PTE_ADDR_MASK, pa);
				CHECK_EQ(!!(e & BIT(7)), level > 1); /* PS / EPT large */
			}
		}
	}
}

/* The actual bits, per the SDM / APM. */
TEST(leaf_bits)
{
	u64 e;

	e = pt_make_leaf(&pt_format_x86, 0x5000, PT_R, 1);
	CHECK_EQ(e, PTE_P | PTE_NX | 0x5000);
	e = pt_make_leaf(&pt_format_x86, MiB(2), PT_RWX | PT_USER | PT_GLOBAL | PT_UC, 2);
	CHECK_EQ(e, PTE_P | PTE_W | PTE_U | PTE_G | PTE_PCD | PTE_PWT | PTE_PS | MiB(2));

	/* NPT leaves always carry U; G does not exist there. */
	e = pt_make_leaf(&pt_format_npt, 0x5000, PT_R, 1);
	CHECK_EQ(e, PTE_P | PTE_U | PTE_NX | 0x5000);
	e = pt_make_leaf(&pt_format_npt, 0x5000, PT_RWX | PT_GLOBAL, 1);
	CHECK_EQ(e, PTE_P | PTE_U | PTE_W | 0x5000);
	CHECK(pt_format_npt.table_bits & PTE_U);

	/* EPT: R/W/X in bits 0-2, memory type in 5:3 (6 = WB, 0 = UC). */
	e = pt_make_leaf(&pt_format_ept, 0x5000, PT_R | PT_X, 1);
	CHECK_EQ(e, BIT(0) | BIT(2) | (6ULL << 3) | 0x5000);
	e = pt_make_leaf(&pt_format_ept, GiB(1), PT_R | PT_W | PT_UC, 3);
	CHECK_EQ(e, BIT(0) | BIT(1) | BIT(7) | GiB(1));
	CHECK_EQ(pt_leaf_prot(&pt_format_ept, e), PT_R | PT_W | PT_UC);
	/* Other EPT memory types (WT = 4) are neither WB nor reported UC. */
	CHECK_EQ(pt_leaf_prot(&pt_format_ept, BIT(0) | (4ULL << 3)), PT_R | 0);
	/* x86: PCD alone (PAT entry 2, UC-) is not what PT_UC means. */
	CHECK_EQ(pt_leaf_prot(&pt_format_x86, PTE_P | PTE_NX | PTE_PCD), PT_R);
}

/* Interior entries of an NPT walk must have U set at every level. */
TEST(npt_tables_user)
{
	struct pt pt;
	setup(&pt, &pt_format_npt, 3);
	CHECK_EQ(pt_map(&pt, 0x1000, 0x1000, KiB(4), PT_R), 0);
	u64 *t = (u64 *)(uintptr_t)pt.root;
	for (int l = 4; l > 1; l--) {
		u64 e = t[(0x1000ULL >> (12 + 9 * (l - 1))) & 511];
		CHECK_EQ(e & (PTE_P | PTE_W | PTE_U), PTE_P | PTE_W | PTE_U);
		t = (u64 *)(uintptr_t)(e & PTE_ADDR_MASK);
	}
	CHECK_EQ(t[1], PTE_P | PTE_U | PTE_NX | 0x1000);
	teardown(&pt);
}

/* AMD-Vi: each table entry names the level below (NextLevel), leaves
 * say 0 at every level, and IR/IW are set on the way down. */
TEST(amdvi_next_level)
{
	struct pt pt;
	setup(&pt, &pt_format_amdvi, 3);
	CHECK_EQ(pt_map(&pt, MiB(2), MiB(2), MiB(2), PT_R | PT_W), 0);
	CHECK_EQ(pt_map(&pt, 0x1000, 0x1000, KiB(4), PT_R), 0);
	u64 *t = (u64 *)(uintptr_t)pt.root;
	for (int l = 4; l > 2; l--) {
		u64 e = t[0];
		CHECK_EQ(e & ((7ULL << 9) | BIT(0) | BIT(61) | BIT(62)),
			 ((u64)(l - 1) << 9) | BIT(0) | BIT(61) | BIT(62));
		t = (u64 *)(uintptr_t)(e & PTE_ADDR_MASK);
	}
	/* The 2 MiB leaf at index 1 of the level-2 table: NextLevel 0. */
	CHECK_EQ(t[1], MiB(2) | BIT(0) | BIT(61) | BIT(62));
	CHECK_EQ((t[0] >> 9) & 7, 1);
	CHECK_MAPPED(&pt, MiB(2) + 0x345, MiB(2) + 0x345, PT_R | PT_W | PT_X, 2);
	CHECK_MAPPED(&pt, 0x1000, 0x1000, PT_R | PT_X, 1);
	/* Splitting the 2 MiB leaf makes a table entry naming level 1. */
	CHECK_EQ(pt_unmap(&pt, MiB(2), KiB(4)), 0);
	CHECK_EQ((t[1] >> 9) & 7, 1);
	CHECK_UNMAPPED(&pt, MiB(2));
	CHECK_MAPPED(&pt, MiB(2) + KiB(4), MiB(2) + KiB(4), PT_R | PT_W | PT_X, 1);
	teardown(&pt);
}

/* VT-d second level: R/W in bits 0-1, PS in bit 7, nothing else. */
TEST(vtd_bits)
{
	struct pt pt;
	setup(&pt, &pt_format_vtd, 3);
	CHECK_EQ(pt_map(&pt, GiB(1), GiB(1), GiB(1), PT_R | PT_W), 0);
	CHECK_EQ(pt_map(&pt, 0x3000, 0x5000, KiB(4), PT_R), 0);
	u64 *t = (u64 *)(uintptr_t)pt.root;
	CHECK_EQ(t[0] & 0xfff, 3);
	u64 *pdpt = (u64 *)(uintptr_t)(t[0] & PTE_ADDR_MASK);
	CHECK_EQ(pdpt[1], GiB(1) | BIT(7) | 3);
	CHECK_MAPPED(&pt, GiB(1) + 0x123, GiB(1) + 0x123, PT_R | PT_W | PT_X, 3);
	CHECK_MAPPED(&pt, 0x3000, 0x5000, PT_R | PT_X, 1);
	CHECK_UNMAPPED(&pt, 0x4000);
	teardown(&pt);
}

TEST(invalid_args)
{
	struct pt pt;
	setup(&pt, &pt_format_x86, 3);
	u64 tables = pt.tables;

	CHECK_EQ(pt_map(&pt, 0x1001, 0x1000, KiB(4), PT_R), -EINVAL);
	CHECK_EQ(pt_map(&pt, 0x1000, 0x1800, KiB(4), PT_R), -EINVAL);
	CHECK_EQ(pt_map(&pt, 0x1000, 0x1000, 100, PT_R), -EINVAL);
	CHECK_EQ(pt_map(&pt, 0x1000, 1ULL << 52, KiB(4), PT_R), -EINVAL);
	CHECK_EQ(pt_map(&pt, 0x1000, 1ULL << 63, KiB(4), PT_R), -EINVAL);
	/* The last frame below 2^52 is fine, a range running past it is not
	 * (it would wrap to physical 0). */
	CHECK_EQ(pt_map(&pt, 0x1000, (1ULL << 52) - KiB(4), KiB(4), PT_R), 0);
	CHECK_EQ(pt_map(&pt, MiB(8), (1ULL << 52) - KiB(4), KiB(8), PT_R), -EINVAL);
	CHECK_UNMAPPED(&pt, MiB(8));
	CHECK_EQ(pt_map(&pt, 0, 0x2000, 0xfffffffffffff000ULL, PT_R), -EINVAL);
	CHECK_EQ(pt_unmap(&pt, 0x1000, 0x1000), 0);
	/* va ranges that wrap past the top of the address space. */
	CHECK_EQ(pt_map(&pt, 0xfffffffffffff000ULL, 0, KiB(8), PT_R), -EINVAL);
	CHECK_EQ(pt_unmap(&pt, 0xffffffffffffe000ULL, KiB(12)), -EINVAL);
	CHECK_EQ(pt_protect(&pt, 0xfffffffffffff000ULL, KiB(8), PT_R), -EINVAL);
	CHECK_EQ(pt_unmap(&pt, 0x1004, KiB(4)), -EINVAL);
	CHECK_EQ(pt_unmap(&pt, 0x1000, 12), -EINVAL);
	CHECK_EQ(pt_protect(&pt, 0x1000, 0x800, PT_R), -EINVAL);
	CHECK_EQ(pt_protect(&pt, 0x10, KiB(4), PT_R), -EINVAL);
	/* Empty ranges are no-ops. */
	CHECK_EQ(pt_map(&pt, 0x1000, 0x1000, 0, PT_R), 0);
	CHECK_EQ(pt_unmap(&pt, 0x1000, 0), 0);
	CHECK_EQ(pt_protect(&pt, 0x1000, 0, PT_R), 0);
	CHECK_UNMAPPED(&pt, 0x1000);
	/* Only the one valid map above allocated anything. */
	CHECK_EQ(pt.tables, tables + 3);
	teardown(&pt);
}

TEST(alloc_failure)
{
	struct pt pt;
	u32 p = expect_prot(&pt_format_x86, PT_R | PT_W);

	/* pt_init itself. */
	memset(&pool, 0, sizeof(pool));
	CHECK_EQ(pt_init(&pt, &pt_format_x86, 3, tp_alloc, tp_free, &pool), -ENOMEM);
	CHECK_EQ(pt.tables, 0);

	setup(&pt, &pt_format_x86, 3);
	CHECK_EQ(pt_map(&pt, MiB(2), GiB(1), MiB(2), PT_R | PT_W), 0);
	CHECK_EQ(pt_map(&pt, 0x1000, 0x7000, KiB(4), PT_R | PT_W), 0);

	/* A new region needs tables. */
	pool.fail_after = 0;
	CHECK_EQ(pt_map(&pt, GiB(40), 0, KiB(4), PT_R), -ENOMEM);
	/* Splitting a 2M page needs one. */
	CHECK_EQ(pt_unmap(&pt, MiB(2) + KiB(4), KiB(4)), -ENOMEM);
	CHECK_EQ(pt_protect(&pt, MiB(2), KiB(4), PT_R), -ENOMEM);
	CHECK_EQ(pt_map(&pt, MiB(3), 0, KiB(4), PT_R), -ENOMEM);
	/* Deeper: the PDPT succeeds, the PD fails. */
	pool.fail_after = 1;
	CHECK_EQ(pt_map(&pt, GiB(700), 0, KiB(4), PT_R), -ENOMEM);
	CHECK_UNMAPPED(&pt, GiB(700));
	CHECK_UNMAPPED(&pt, GiB(40));

	/* Nothing that was mapped changed. */
	for (u64 off = 0; off < MiB(2); off += KiB(4))
		CHECK_MAPPED(&pt, MiB(2) + off, GiB(1) + off, p, 2);
	CHECK_MAPPED(&pt, 0x1000, 0x7000, p, 1);
	CHECK_EQ((long)pt.tables, pool.allocs - pool.frees);

	/* With memory back, the same operations work. */
	pool.fail_after = -1;
	CHECK_EQ(pt_unmap(&pt, MiB(2) + KiB(4), KiB(4)), 0);
	CHECK_UNMAPPED(&pt, MiB(2) + KiB(4));
	CHECK_MAPPED(&pt, MiB(2), GiB(1), p, 1);
	CHECK_EQ(pt_map(&pt, GiB(700), 0, KiB(4), PT_R), 0);
	teardown(&pt);
}

/* A map that fails half way must still flush the entries it replaced. */
TEST(alloc_failure_flushes)
{
	struct pt pt;
	setup(&pt, &pt_format_x86, 3);
	u64 va = MiB(2) - KiB(4);

	CHECK_EQ(pt_map(&pt, va, 0x10000, KiB(4), PT_R), 0);
	fl.n = 0;
	pool.fail_after = 0;
	/* The first page is replaced in place; the second needs a new PT. */
	CHECK_EQ(pt_map(&pt, va, 0x20000, KiB(8), PT_R | PT_W), -ENOMEM);
	CHECK_MAPPED(&pt, va, 0x20000, expect_prot(&pt_format_x86, PT_R | PT_W), 1);
	CHECK(flushed(va, KiB(4)));
	pool.fail_after = -1;
	teardown(&pt);
}

TEST(flush_callback)
{
	struct pt pt;
	setup(&pt, &pt_format_ept, 3);

	CHECK_EQ(pt_map(&pt, MiB(4), MiB(4), MiB(4), PT_R), 0);
	CHECK_EQ(fl.n, 0);
	CHECK_EQ(pt_map(&pt, MiB(6), MiB(20), MiB(2), PT_R | PT_W), 0);
	CHECK(fl.n > 0);
	CHECK(flushed(MiB(6), MiB(2)));
	fl.n = 0;
	CHECK_EQ(pt_protect(&pt, MiB(4), KiB(4), PT_R | PT_X), 0);
	CHECK(flushed(MiB(4), KiB(4)));
	fl.n = 0;
	CHECK_EQ(pt_unmap(&pt, MiB(4), MiB(4)), 0);
	CHECK(flushed(MiB(4), MiB(4)));
	/* Without a callback nothing breaks. */
	pt.flush = NULL;
	fl.n = 0;
	CHECK_EQ(pt_map(&pt, MiB(4), MiB(4), MiB(4), PT_R), 0);
	CHECK_EQ(pt_map(&pt, MiB(4), MiB(4), MiB(4), PT_R), 0);
	CHECK_EQ(pt_unmap(&pt, MiB(5), KiB(4)), 0);
	CHECK_EQ(fl.n, 0);
	teardown(&pt);
}

TEST(canonical_high)
{
	struct pt pt;
	setup(&pt, &pt_format_x86, 3);
	u32 p = expect_prot(&pt_format_x86, PT_R | PT_W | PT_GLOBAL);
	const u64 dmap = 0xffff800000000000ULL, kbase = 0xffffffff80000000ULL;

	CHECK_EQ(pt_map(&pt, dmap, 0, GiB(2), PT_R | PT_W | PT_GLOBAL), 0);
	CHECK_EQ(pt_map(&pt, kbase, MiB(2), MiB(2) + KiB(12), PT_R | PT_W | PT_GLOBAL), 0);
	CHECK_MAPPED(&pt, dmap + GiB(1) + 5, GiB(1) + 5, p, 3);
	CHECK_MAPPED(&pt, kbase + 0x1234, MiB(2) + 0x1234, p, 2);
	CHECK_MAPPED(&pt, kbase + MiB(2) + KiB(8), MiB(4) + KiB(8), p, 1);
	CHECK_UNMAPPED(&pt, kbase + MiB(2) + KiB(12));
	CHECK_UNMAPPED(&pt, 0);
	/* High entries sit in PML4 slots 256 and 511. */
	const u64 *root = (const u64 *)(uintptr_t)pt.root;
	CHECK(root[256] & PTE_P);
	CHECK(root[511] & PTE_P);
	CHECK(!(root[0] & PTE_P));

	/* The very last page of the address space. */
	CHECK_EQ(pt_map(&pt, 0xfffffffffffff000ULL, 0x3000, KiB(4), PT_R), 0);
	CHECK_MAPPED(&pt, 0xffffffffffffffffULL, 0x3fff, expect_prot(&pt_format_x86, PT_R), 1);
	CHECK_EQ(pt_protect(&pt, 0xfffffffffffff000ULL, KiB(4), PT_R | PT_W), 0);
	CHECK_MAPPED(&pt, 0xfffffffffffff000ULL, 0x3000, expect_prot(&pt_format_x86, PT_R | PT_W), 1);
	/* Splitting the kernel 2M page right below the top works too. */
	CHECK_EQ(pt_unmap(&pt, kbase + KiB(4), KiB(4)), 0);
	CHECK_UNMAPPED(&pt, kbase + KiB(4));
	CHECK_MAPPED(&pt, kbase, MiB(2), p, 1);
	CHECK_EQ(pt_unmap(&pt, 0xffffffffff000000ULL, MiB(16)), 0);
	CHECK_UNMAPPED(&pt, 0xfffffffffffff000ULL);
	CHECK_MAPPED(&pt, kbase, MiB(2), p, 1);
	teardown(&pt);
}

/* An EPT leaf without any of R/W/X is not present. */
TEST(ept_no_access)
{
	struct pt pt;
	setup(&pt, &pt_format_ept, 3);
	CHECK_EQ(pt_map(&pt, MiB(2), MiB(2), MiB(2), PT_R | PT_W), 0);
	CHECK_EQ(pt_protect(&pt, MiB(2), KiB(4), 0), 0);
	CHECK_UNMAPPED(&pt, MiB(2));
	CHECK_MAPPED(&pt, MiB(2) + KiB(4), MiB(2) + KiB(4), PT_R | PT_W, 1);
	CHECK_EQ(pt_map(&pt, GiB(1), GiB(1), MiB(2), 0), 0);
	CHECK_UNMAPPED(&pt, GiB(1));
	teardown(&pt);
}

/*
 * Random map/unmap/protect against a flat model of a 2 GiB window that
 * holds two 1G-aligned gigabytes, for every format. Catches any mix-up
 * between splitting, freeing and large-page selection.
 */
struct model_page {
	bool mapped;
	u64 pa;
	u32 prot;
};

#define WIN_BASE GiB(1)
#define WIN_PAGES (GiB(2) / PAGE_SIZE)

static u64 rng_state = 0x9e3779b97f4a7c15ULL;
static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool model_check(struct pt *pt, const struct model_page *m, u64 first, u64 last)
{
	for (u64 i = first; i < last; i++) {
		struct pt_walk_result w = { 0 };
		u64 va = WIN_BASE + i * PAGE_SIZE;
		bool ok = pt_walk(pt, va + 0x10, &w);
		if (ok != m[i].mapped || (ok && (w.pa != m[i].pa + 0x10 || w.prot != m[i].prot))) {
			harness_fail(__FILE__, __LINE__,
				     "va %#llx: walk %d pa %#llx prot %#x, model %d pa %#llx prot %#x",
				     (unsigned long long)va, ok, (unsigned long long)w.pa,
				     ok ? w.prot : 0, m[i].mapped,
				     (unsigned long long)m[i].pa + 0x10, m[i].prot);
			return false;
		}
	}
	return true;
}

TEST(random_vs_model)
{
	struct model_page *m = calloc(WIN_PAGES, sizeof(*m));
	REQUIRE(m);

	for (unsigned fi = 0; fi < ARRAY_SIZE(formats); fi++) {
		const struct pt_format *f = formats[fi];
		struct pt pt;
		setup(&pt, f, 3);
		memset(m, 0, WIN_PAGES * sizeof(*m));
		bool ok = true;

		for (int op = 0; op < 300 && ok; op++) {
			static const u64 aligns[] = { KiB(4), MiB(2), GiB(1) };
			u64 align = aligns[rnd() % (op % 25 == 0 ? 3 : 2)];
			u64 npages = align == GiB(1) ? 1 : 1 + rnd() % 600;
			u64 size = align == GiB(1) ? GiB(1) : npages * (rnd() % 4 ? KiB(4) : MiB(2));
			if (size > GiB(2))
				size = GiB(2);
			u64 first = (ALIGN_DOWN(rnd() % (GiB(2) - size + 1), align)) / PAGE_SIZE;
			u64 n = size / PAGE_SIZE;
			u64 va = WIN_BASE + first * PAGE_SIZE;
			u32 prot = (u32)rnd() % 64;
			int kind = (int)(rnd() % 3);

			if (kind == 0) {
				u64 pa = ALIGN_DOWN(rnd() % GiB(64), align);
				REQUIRE(pt_map(&pt, va, pa, size, prot) == 0);
				u32 want = expect_prot(f, prot);
				bool present = f != &pt_format_ept || (prot & PT_RWX);
				for (u64 i = 0; i < n; i++)
					m[first + i] = (struct model_page){ present,
						pa + i * PAGE_SIZE, want };
			} else if (kind == 1) {
				REQUIRE(pt_unmap(&pt, va, size) == 0);
				for (u64 i = 0; i < n; i++)
					m[first + i].mapped = false;
			} else {
				REQUIRE(pt_protect(&pt, va, size, prot) == 0);
				bool present = f != &pt_format_ept || (prot & PT_RWX);
				for (u64 i = 0; i < n; i++) {
					if (m[first + i].mapped) {
						m[first + i].prot = expect_prot(f, prot);
						m[first + i].mapped = present;
					}
				}
			}
			/* Around the operation, plus random samples. */
			u64 lo = first > 1024 ? first - 1024 : 0;
			u64 hi = MIN(first + n + 1024, WIN_PAGES);
			ok = model_check(&pt, m, lo, hi);
			for (int s = 0; s < 64 && ok; s++) {
				u64 i = rnd() % WIN_PAGES;
				ok = model_check(&pt, m, i, i + 1);
			}
			CHECK_EQ((long)pt.tables, pool.allocs - pool.frees);
		}
		if (ok)
			model_check(&pt, m, 0, WIN_PAGES);
		teardown(&pt);
	}
	free(m);
}

int main(void)
{
	RUN(map_walk_4k);
	RUN(map_walk_2m);
	RUN(map_walk_1g);
	RUN(max_leaf_level);
	RUN(mixed_sizes);
	RUN(unmap_splits_2m);
	RUN(unmap_splits_1g);
	RUN(unmap_whole_and_holes);
	RUN(protect_partial);
	RUN(remap_frees_subtree);
	RUN(destroy_frees_all);
	RUN(prot_roundtrip);
	RUN(leaf_bits);
	RUN(npt_tables_user);
	RUN(amdvi_next_level);
	RUN(vtd_bits);
	RUN(invalid_args);
	RUN(alloc_failure);
	RUN(alloc_failure_flushes);
	RUN(flush_callback);
	RUN(canonical_high);
	RUN(ept_no_access);
	RUN(random_vs_model);
	return harness_finish();
}
