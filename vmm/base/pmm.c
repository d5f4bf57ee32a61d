// SPDX-License-Identifier: GPL-2.0-only
/* Bitmap physical memory manager. */
#include "vmm/base/pmm.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/string.h"

#define MAX_PHYS (1ULL << 46) /* 64 TiB, the reach of the direct map */
#define LOW_MEM_END 0x100000ULL

static spinlock_t pmm_lock = SPINLOCK_INIT;
static paddr_t bitmap_pa;  /* 1 = frame not available */
/* Reached through the direct map, which moves when paging goes live. */
#define bitmap ((u64 *)phys_to_virt(bitmap_pa))
static paddr_t base_pa;   /* frame 0 of the bitmap */
static u64 nframes;
static u64 next_hint;     /* next-fit start, in frames */
static u64 usable_pages, free_pages, reserved_pages;
static paddr_t low_page;

static inline bool test_bit(u64 f) { return bitmap[f / 64] & BIT(f % 64); }
static inline void set_bit(u64 f) { bitmap[f / 64] |= BIT(f % 64); }
static inline void clear_bit(u64 f) { bitmap[f / 64] &= ~BIT(f % 64); }

/* Marks [first, last) used or free, counting the frames that changed. */
static u64 mark(u64 first, u64 last, bool used)
{
	u64 changed = 0;

	for (u64 f = first; f < last; f++) {
		if (test_bit(f) != used) {
			if (used)
				set_bit(f);
			else
				clear_bit(f);
			changed++;
		}
	}
	return changed;
}

/* Clips [pa, pa+len) to whole frames inside the bitmap. With outward set,
 * partial frames are included (for reservations), else excluded. */
static bool clip(paddr_t pa, u64 len, bool outward, u64 *first, u64 *last)
{
	paddr_t start, end;

	if (!len || pa + len < pa)
		return false;
	if (outward) {
		start = ALIGN_DOWN(pa, PAGE_SIZE);
		end = ALIGN_UP(pa + len, PAGE_SIZE);
	} else {
		start = ALIGN_UP(pa, PAGE_SIZE);
		end = ALIGN_DOWN(pa + len, PAGE_SIZE);
	}
	if (end <= base_pa || start >= base_pa + nframes * PAGE_SIZE || start >= end)
		return false;
	if (start < base_pa)
		start = base_pa;
	if (end > base_pa + nframes * PAGE_SIZE)
		end = base_pa + nframes * PAGE_SIZE;
	*first = (start - base_pa) / PAGE_SIZE;
	*last = (end - base_pa) / PAGE_SIZE;
	return true;
}

static bool overlaps(paddr_t a, u64 alen, paddr_t b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Finds room for the bitmap in usable RAM clear of everything the boot
 * path said must survive. */
static paddr_t place_bitmap(const struct boot_info *bi, u64 bytes, paddr_t limit)
{
	for (u32 i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_range *r = &bi->mmap[i];
		/* Ranges pmm_init ignores (wrapping past 2^64) are no home either. */
		if (r->type != BOOT_MEM_USABLE || r->len < PAGE_SIZE || r->base + r->len < r->base)
			continue;
		paddr_t start = ALIGN_UP(MAX(r->base, LOW_MEM_END), PAGE_SIZE);
		paddr_t end = ALIGN_DOWN(r->base + r->len, PAGE_SIZE);
		if (end > limit)
			end = limit;
		while (start < end && end - start >= bytes) { /* start + bytes may wrap */
			paddr_t clash = 0;
			if (overlaps(start, bytes, bi->image_pa, bi->image_size))
				clash = bi->image_pa + bi->image_size;
			for (u32 m = 0; m < bi->module_count && !clash; m++) {
				const struct boot_module *bm = &bi->modules[m];
				if (overlaps(start, bytes, bm->start, bm->end - bm->start))
					clash = bm->end;
			}
			for (u32 k = 0; k < bi->reserved_count && !clash; k++) {
				const struct boot_mem_range *rr = &bi->reserved[k];
				if (overlaps(start, bytes, rr->base, rr->len))
					clash = rr->base + rr->len;
			}
			/* Another range of the map may overlap a usable one. */
			for (u32 k = 0; k < bi->mmap_count && !clash; k++) {
				const struct boot_mem_range *o = &bi->mmap[k];
				if (o->type != BOOT_MEM_USABLE && overlaps(start, bytes, o->base, o->len))
					clash = o->base + o->len;
			}
			if (!clash)
				return start;
			start = ALIGN_UP(clash, PAGE_SIZE);
		}
	}
	return 0;
}

static void reserve_locked(paddr_t pa, u64 len)
{
	u64 first, last;

	if (clip(pa, len, true, &first, &last)) {
		u64 n = mark(first, last, true);
		free_pages -= n;
		reserved_pages += n;
	}
}

const char *pmm_init(const struct boot_info *bi, paddr_t early_limit)
{
	paddr_t lo = UINT64_MAX, hi = 0;

	for (u32 i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_range *r = &bi->mmap[i];
		if (r->type != BOOT_MEM_USABLE || r->len < PAGE_SIZE)
			continue;
		if (r->base + r->len < r->base)
			continue;
		lo = MIN(lo, r->base);
		hi = MAX(hi, r->base + r->len);
	}
	if (hi == 0)
		return "no usable memory in the firmware map";
	if (hi > MAX_PHYS)
		hi = MAX_PHYS;
	base_pa = ALIGN_DOWN(lo, PAGE_SIZE);
	nframes = (ALIGN_UP(hi, PAGE_SIZE) - base_pa) / PAGE_SIZE;
	u64 bytes = ALIGN_UP(ALIGN_UP(nframes, 64) / 8, PAGE_SIZE);

	paddr_t bm = place_bitmap(bi, bytes, early_limit);
	if (!bm)
		return "no room for the physical memory bitmap";
	bitmap_pa = bm;
	memset(bitmap, 0xff, bytes);
	usable_pages = free_pages = reserved_pages = 0;

	/* Free usable RAM, then take back anything a non-usable range
	 * overlaps: firmware maps may overlap and the stricter type wins. */
	for (u32 i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_range *r = &bi->mmap[i];
		u64 first, last;
		if (r->type == BOOT_MEM_USABLE && clip(r->base, r->len, false, &first, &last))
			free_pages += mark(first, last, false);
	}
	for (u32 i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_range *r = &bi->mmap[i];
		u64 first, last;
		if (r->type != BOOT_MEM_USABLE && clip(r->base, r->len, true, &first, &last))
			free_pages -= mark(first, last, true);
	}
	usable_pages = free_pages;

	reserve_locked(bm, bytes);
	reserve_locked(bi->image_pa, bi->image_size);
	for (u32 m = 0; m < bi->module_count; m++)
		reserve_locked(bi->modules[m].start, bi->modules[m].end - bi->modules[m].start);
	for (u32 k = 0; k < bi->reserved_count; k++)
		reserve_locked(bi->reserved[k].base, bi->reserved[k].len);

	/* One low frame for the AP trampoline (SIPI vectors address < 1 MiB),
	 * chosen after the boot path's reservations so it is not a module or
	 * loader page, then keep the whole first MiB out of the pool: BIOS
	 * data, EBDA and option ROM leftovers live there and page 0 must stay
	 * unmapped. */
	low_page = 0;
	for (paddr_t pa = 0x1000; pa < 0xa0000 && !low_page; pa += PAGE_SIZE) {
		u64 first, last;
		if (clip(pa, PAGE_SIZE, true, &first, &last) && !test_bit(first))
			low_page = pa;
	}
	reserve_locked(0, LOW_MEM_END);
	next_hint = 0;
	return NULL;
}

paddr_t pmm_low_page(void)
{
	return low_page;
}

/* True when [f, f+count) is all free; *skip gets a frame to resume at. */
static bool run_free(u64 f, u64 count, u64 *skip)
{
	for (u64 i = 0; i < count; i++) {
		u64 g = f + i;
		/* Whole free words are the common case for large runs. */
		if (g % 64 == 0 && i + 64 <= count && bitmap[g / 64] == 0) {
			i += 63;
			continue;
		}
		if (test_bit(g)) {
			*skip = g + 1;
			return false;
		}
	}
	return true;
}

static paddr_t alloc_from(u64 start, u64 end, u64 count, u64 align_frames)
{
	u64 f = ALIGN_UP(start + base_pa / PAGE_SIZE, align_frames) - base_pa / PAGE_SIZE;

	while (f + count <= end) {
		/* Skip full words quickly when looking for a single frame. */
		if (count == 1 && align_frames == 1 && f % 64 == 0 && bitmap[f / 64] == ~0ULL) {
			f += 64;
			continue;
		}
		u64 skip;
		if (run_free(f, count, &skip)) {
			for (u64 i = 0; i < count; i++)
				set_bit(f + i);
			free_pages -= count;
			next_hint = f + count;
			return base_pa + f * PAGE_SIZE;
		}
		f = ALIGN_UP(skip + base_pa / PAGE_SIZE, align_frames) - base_pa / PAGE_SIZE;
	}
	return 0;
}

paddr_t pmm_alloc(u64 count, u64 align, paddr_t max)
{
	if (!count || !bitmap_pa || count > nframes)
		return 0;
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	if (align & (align - 1))
		return 0;
	u64 align_frames = align / PAGE_SIZE;
	u64 end = nframes;
	if (max) {
		if (max <= base_pa)
			return 0;
		end = MIN(nframes, (max - base_pa) / PAGE_SIZE);
	}

	u64 flags = spin_lock_irqsave(&pmm_lock);
	paddr_t pa = 0;
	if (next_hint < end)
		pa = alloc_from(next_hint, end, count, align_frames);
	if (!pa)
		pa = alloc_from(0, end, count, align_frames);
	spin_unlock_irqrestore(&pmm_lock, flags);
	return pa;
}

paddr_t pmm_alloc_run(paddr_t from, u64 max_count, u64 *count)
{
	*count = 0;
	if (!bitmap_pa || !max_count)
		return 0;
	u64 f = from > base_pa ? ALIGN_UP(from - base_pa, PAGE_SIZE) / PAGE_SIZE : 0;
	u64 flags = spin_lock_irqsave(&pmm_lock);
	while (f < nframes && test_bit(f))
		f++;
	u64 n = 0;
	while (f + n < nframes && n < max_count && !test_bit(f + n)) {
		set_bit(f + n);
		n++;
	}
	free_pages -= n;
	spin_unlock_irqrestore(&pmm_lock, flags);
	*count = n;
	return n ? base_pa + f * PAGE_SIZE : 0;
}

paddr_t pmm_alloc_zeroed(u64 count, u64 align, paddr_t max)
{
	paddr_t pa = pmm_alloc(count, align, max);

	if (pa)
		memset(phys_to_virt(pa), 0, count * PAGE_SIZE);
	return pa;
}

void pmm_free(paddr_t pa, u64 count)
{
	u64 first, last;

	if (!count)
		return;
	if (!IS_ALIGNED(pa, PAGE_SIZE) || !clip(pa, count * PAGE_SIZE, true, &first, &last) ||
	    last - first != count)
		panic("pmm: free of %#lx (+%lu frames) outside managed memory",
		      (unsigned long)pa, (unsigned long)count);
	u64 flags = spin_lock_irqsave(&pmm_lock);
	for (u64 f = first; f < last; f++) {
		if (!test_bit(f))
			panic("pmm: double free of frame %#lx", (unsigned long)(base_pa + f * PAGE_SIZE));
		clear_bit(f);
	}
	free_pages += count;
	if (first < next_hint)
		next_hint = first;
	spin_unlock_irqrestore(&pmm_lock, flags);
}

void pmm_reserve(paddr_t pa, u64 len)
{
	u64 flags = spin_lock_irqsave(&pmm_lock);
	reserve_locked(pa, len);
	spin_unlock_irqrestore(&pmm_lock, flags);
}

bool pmm_is_free(paddr_t pa)
{
	u64 first, last;

	if (!clip(pa, PAGE_SIZE, true, &first, &last))
		return false;
	return !test_bit(first);
}

void pmm_get_stats(struct pmm_stats *s)
{
	u64 flags = spin_lock_irqsave(&pmm_lock);
	s->usable_pages = usable_pages;
	s->free_pages = free_pages;
	s->reserved_pages = reserved_pages;
	spin_unlock_irqrestore(&pmm_lock, flags);
}
