// SPDX-License-Identifier: GPL-2.0-only
/* The page-table engine: map, unmap, protect, walk over any pt_format. */
#include "ept/pt.h"
#include "vmm/base/errno.h"
#include "vmm/base/layout.h"

#define ADDR_MASK 0x000ffffffffff000ULL

static inline u64 *table_of(paddr_t pa)
{
	return phys_to_virt(pa);
}

static inline unsigned index_of(u64 va, int level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static inline bool present(const struct pt_format *f, u64 e)
{
	return (e & f->present_mask) != 0;
}

static inline bool is_leaf(const struct pt_format *f, u64 e, int level)
{
	if (f->next_level_mask)
		return level == 1 || !(e & f->next_level_mask);
	return level == 1 || (e & f->large_bit);
}

/* The entry at `level` pointing to the table at t (one level down). */
static inline u64 table_entry(const struct pt_format *f, paddr_t t, int level)
{
	return t | f->table_bits | (((u64)(level - 1) << f->next_level_shift) & f->next_level_mask);
}

static inline paddr_t leaf_base(u64 e, int level)
{
	return e & ADDR_MASK & ~(pt_level_size(level) - 1);
}

u64 pt_make_leaf(const struct pt_format *f, paddr_t pa, u32 prot, int level)
{
	u64 e = f->leaf_bits | (pa & ADDR_MASK);

	if (prot & PT_R)
		e |= f->read_bit;
	if (prot & PT_W)
		e |= f->write_bit;
	e |= (prot & PT_X) ? f->exec_bit : f->nx_bit;
	if (prot & PT_USER)
		e |= f->user_bit;
	if (prot & PT_GLOBAL)
		e |= f->global_bit;
	e |= (prot & PT_UC) ? f->uc_bits : f->wb_bits;
	if (level > 1)
		e |= f->large_bit;
	return e;
}

u32 pt_leaf_prot(const struct pt_format *f, u64 e)
{
	u32 prot = 0;

	if (f->read_bit ? (e & f->read_bit) : present(f, e))
		prot |= PT_R;
	if (e & f->write_bit)
		prot |= PT_W;
	if (f->exec_bit ? (e & f->exec_bit) : !(e & f->nx_bit))
		prot |= PT_X;
	if (f->user_bit && (e & f->user_bit))
		prot |= PT_USER;
	if (f->global_bit && (e & f->global_bit))
		prot |= PT_GLOBAL;
	if (f->uc_bits != f->wb_bits && (e & f->memtype_mask) == f->uc_bits)
		prot |= PT_UC;
	return prot;
}

static paddr_t new_table(struct pt *pt)
{
	paddr_t pa = pt->alloc(pt->ctx);

	if (pa)
		pt->tables++;
	return pa;
}

static void free_table(struct pt *pt, paddr_t pa)
{
	pt->free(pt->ctx, pa);
	pt->tables--;
}

static void flush(struct pt *pt, u64 va, u64 size)
{
	if (pt->flush)
		pt->flush(pt, va, size);
}

int pt_init(struct pt *pt, const struct pt_format *fmt, u8 max_leaf_level,
	    pt_alloc_fn alloc, pt_free_fn free, void *ctx)
{
	pt->fmt = fmt;
	pt->max_leaf_level = max_leaf_level < 1 ? 1 : max_leaf_level > 3 ? 3 : max_leaf_level;
	pt->alloc = alloc;
	pt->free = free;
	pt->flush = NULL;
	pt->ctx = ctx;
	pt->tables = 0;
	pt->root = new_table(pt);
	return pt->root ? 0 : -ENOMEM;
}

static void free_subtree(struct pt *pt, paddr_t table, int level)
{
	u64 *t = table_of(table);

	if (level > 1) {
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			if (present(pt->fmt, t[i]) && !is_leaf(pt->fmt, t[i], level))
				free_subtree(pt, t[i] & ADDR_MASK, level - 1);
		}
	}
	free_table(pt, table);
}

void pt_destroy(struct pt *pt)
{
	if (pt->root)
		free_subtree(pt, pt->root, PT_LEVELS);
	pt->root = 0;
}

/* Replaces a large leaf by a table of smaller leaves with the same
 * translation and rights, so part of it can change. */
static int split(struct pt *pt, u64 *e, int level)
{
	paddr_t t = new_table(pt);

	if (!t)
		return -ENOMEM;
	u64 old = *e;
	u64 *nt = table_of(t);
	paddr_t base = leaf_base(old, level);
	u32 prot = pt_leaf_prot(pt->fmt, old);
	u64 step = pt_level_size(level - 1);

	for (unsigned i = 0; i < PT_ENTRIES; i++)
		nt[i] = pt_make_leaf(pt->fmt, base + i * step, prot, level - 1);
	WRITE_ONCE(*e, table_entry(pt->fmt, t, level));
	return 0;
}

/* Returns the entry for va at `level`, creating or splitting above it. */
static u64 *walk_create(struct pt *pt, u64 va, int level)
{
	u64 *tbl = table_of(pt->root);

	for (int l = PT_LEVELS; l > level; l--) {
		u64 *e = &tbl[index_of(va, l)];
		if (!present(pt->fmt, *e)) {
			paddr_t t = new_table(pt);
			if (!t)
				return NULL;
			WRITE_ONCE(*e, table_entry(pt->fmt, t, l));
		} else if (is_leaf(pt->fmt, *e, l)) {
			if (split(pt, e, l) < 0)
				return NULL;
		}
		tbl = table_of(*e & ADDR_MASK);
	}
	return &tbl[index_of(va, level)];
}

static bool range_ok(u64 va, u64 size)
{
	return IS_ALIGNED(va, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE) &&
	       (va + size == 0 || va + size > va || size == 0);
}

int pt_map(struct pt *pt, u64 va, paddr_t pa, u64 size, u32 prot)
{
	u64 start = va, total = size;
	bool replaced = false;
	int err = 0;

	/* The whole of [pa, pa+size) must fit in 52 bits, or the frames past
	 * the end would silently wrap to physical 0. */
	if (!range_ok(va, size) || !IS_ALIGNED(pa, PAGE_SIZE) || (pa & ~ADDR_MASK) ||
	    size > ADDR_MASK + PAGE_SIZE - pa)
		return -EINVAL;
	while (size) {
		int level = pt->max_leaf_level;
		while (level > 1 && (!IS_ALIGNED(va | pa, pt_level_size(level)) ||
				     size < pt_level_size(level)))
			level--;
		u64 *e = walk_create(pt, va, level);
		if (!e) {
			err = -ENOMEM; /* entries replaced so far still need a flush */
			break;
		}
		u64 old = *e;
		WRITE_ONCE(*e, pt_make_leaf(pt->fmt, pa, prot, level));
		if (present(pt->fmt, old)) {
			replaced = true;
			if (!is_leaf(pt->fmt, old, level)) {
				/* The old tables may sit in paging-structure caches. */
				flush(pt, va, pt_level_size(level));
				free_subtree(pt, old & ADDR_MASK, level - 1);
			}
		}
		u64 sz = pt_level_size(level);
		va += sz;
		pa += sz;
		size -= sz;
	}
	if (replaced)
		flush(pt, start, total);
	return err;
}

typedef void (*leaf_fn)(struct pt *pt, u64 *e, int level, u32 prot);

/* Calls fn on every present leaf fully inside [va, va+size), splitting
 * large leaves that straddle either end. */
static int for_each_leaf(struct pt *pt, u64 va, u64 size, leaf_fn fn, u32 prot)
{
	while (size) {
		u64 *tbl = table_of(pt->root);
		int l = PT_LEVELS;
		u64 next;

		for (;;) {
			u64 *e = &tbl[index_of(va, l)];
			u64 sz = pt_level_size(l);
			if (!present(pt->fmt, *e)) {
				next = ALIGN_DOWN(va, sz) + sz;
				break;
			}
			if (is_leaf(pt->fmt, *e, l)) {
				if (!IS_ALIGNED(va, sz) || size < sz) {
					if (split(pt, e, l) < 0)
						return -ENOMEM;
					continue;
				}
				fn(pt, e, l, prot);
				next = va + sz;
				break;
			}
			tbl = table_of(*e & ADDR_MASK);
			l--;
		}
		u64 step = next - va; /* wraps correctly at the top of the space */
		if (step >= size)
			break;
		size -= step;
		va = next;
	}
	return 0;
}

static void clear_leaf(struct pt *pt, u64 *e, int level, u32 prot)
{
	(void)pt;
	(void)level;
	(void)prot;
	WRITE_ONCE(*e, 0);
}

static void reprotect_leaf(struct pt *pt, u64 *e, int level, u32 prot)
{
	WRITE_ONCE(*e, pt_make_leaf(pt->fmt, leaf_base(*e, level), prot, level));
}

int pt_unmap(struct pt *pt, u64 va, u64 size)
{
	if (!range_ok(va, size))
		return -EINVAL;
	int r = for_each_leaf(pt, va, size, clear_leaf, 0);
	flush(pt, va, size);
	return r;
}

int pt_protect(struct pt *pt, u64 va, u64 size, u32 prot)
{
	if (!range_ok(va, size))
		return -EINVAL;
	int r = for_each_leaf(pt, va, size, reprotect_leaf, prot);
	flush(pt, va, size);
	return r;
}

bool pt_walk(const struct pt *pt, u64 va, struct pt_walk_result *out)
{
	const u64 *tbl = table_of(pt->root);

	for (int l = PT_LEVELS; l >= 1; l--) {
		u64 e = tbl[index_of(va, l)];
		if (!present(pt->fmt, e))
			return false;
		if (is_leaf(pt->fmt, e, l)) {
			out->pa = leaf_base(e, l) | (va & (pt_level_size(l) - 1));
			out->prot = pt_leaf_prot(pt->fmt, e);
			out->level = l;
			return true;
		}
		tbl = table_of(e & ADDR_MASK);
	}
	return false;
}
