/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One four-level page-table engine for every table the hypervisor builds:
 * its own (x86-64 format), AMD-V nested tables (NPT, the same format with
 * the user bit), Intel EPT, and the IOMMUs' DMA tables (VT-d second-level,
 * AMD-Vi I/O page tables). Formats differ only in which bits mean
 * what, so they are data (struct pt_format), not code.
 */
#ifndef EPT_PT_H
#define EPT_PT_H

#include "vmm/base/types.h"

/* Access rights and memory type requested for a mapping. */
#define PT_R BIT(0)
#define PT_W BIT(1)
#define PT_X BIT(2)
#define PT_USER BIT(3)   /* x86 U/S; NPT leaves need it (APM 15.25.5) */
#define PT_GLOBAL BIT(4) /* x86 G, hypervisor mappings only */
#define PT_UC BIT(5)     /* uncacheable instead of write-back */
#define PT_RWX (PT_R | PT_W | PT_X)

#define PT_LEVELS 4
#define PT_ENTRIES 512

struct pt_format {
	const char *name;
	u64 table_bits;   /* bits set in a non-leaf entry */
	u64 present_mask; /* an entry with any of these bits is present */
	u64 leaf_bits;    /* always set in a leaf */
	u64 read_bit;
	u64 write_bit;
	u64 exec_bit;     /* set to allow execution (EPT) */
	u64 nx_bit;       /* set to forbid execution (x86, NPT) */
	u64 user_bit;
	u64 global_bit;
	u64 large_bit;    /* PS: leaf above level 1 */
	u64 wb_bits;      /* memory type write-back */
	u64 uc_bits;      /* memory type uncacheable */
	u64 memtype_mask;
	/* AMD-Vi: a table entry holds the level of the table it points to
	 * (its NextLevel field, at next_level_shift); a leaf holds 0 there,
	 * at any level, instead of a PS bit. 0: the x86 way (large_bit). */
	u64 next_level_mask;
	u8 next_level_shift;
};

extern const struct pt_format pt_format_x86;
extern const struct pt_format pt_format_npt;
extern const struct pt_format pt_format_ept;
extern const struct pt_format pt_format_vtd;
extern const struct pt_format pt_format_amdvi;

struct pt;

/* Allocates one zeroed, page-aligned table page; 0 on exhaustion. */
typedef paddr_t (*pt_alloc_fn)(void *ctx);
typedef void (*pt_free_fn)(void *ctx, paddr_t pa);
/* Called after entries that may be cached in a TLB changed. */
typedef void (*pt_flush_fn)(struct pt *pt, u64 va, u64 size);

struct pt {
	const struct pt_format *fmt;
	paddr_t root;
	u8 max_leaf_level; /* 1 = 4 KiB only, 2 = 2 MiB, 3 = 1 GiB */
	pt_alloc_fn alloc;
	pt_free_fn free;
	pt_flush_fn flush;
	void *ctx;
	u64 tables;        /* table pages owned, including the root */
};

static inline u64 pt_level_size(int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

int pt_init(struct pt *pt, const struct pt_format *fmt, u8 max_leaf_level,
	    pt_alloc_fn alloc, pt_free_fn free, void *ctx);
/* Frees every table page; the mapped memory itself is not touched. */
void pt_destroy(struct pt *pt);

/*
 * Maps [va, va+size) to [pa, pa+size) with the largest pages alignment
 * allows, replacing what was there (large pages are split as needed).
 * va, pa and size must be 4 KiB aligned. Returns 0 or -ENOMEM/-EINVAL.
 */
int pt_map(struct pt *pt, u64 va, paddr_t pa, u64 size, u32 prot);
int pt_unmap(struct pt *pt, u64 va, u64 size);
/* Changes the rights of present pages in the range; holes stay holes. */
int pt_protect(struct pt *pt, u64 va, u64 size, u32 prot);

struct pt_walk_result {
	paddr_t pa;      /* translation of va itself */
	u32 prot;
	int level;       /* level of the leaf: 1, 2 or 3 */
};
/* Returns false when va is not mapped. */
bool pt_walk(const struct pt *pt, u64 va, struct pt_walk_result *out);

/* Helpers for table walkers outside the engine (e.g. guest page tables). */
u64 pt_make_leaf(const struct pt_format *fmt, paddr_t pa, u32 prot, int level);
u32 pt_leaf_prot(const struct pt_format *fmt, u64 pte);

#endif
