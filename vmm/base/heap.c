// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/base/heap.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/pmm.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/string.h"

#define HDR_SIZE 16
#define MIN_SHIFT 5  /* 32-byte blocks (16 usable) */
#define MAX_SHIFT 12 /* one page: the largest class */
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define HEAP_MAGIC 0x4b4d454dU /* "KMEM" */

struct hdr {
	u32 magic;
	u32 shift;  /* size class, or 0 for a page allocation */
	u64 pages;  /* page allocations only */
};
_Static_assert(sizeof(struct hdr) == HDR_SIZE, "header keeps 16-byte alignment");

struct free_block {
	struct free_block *next;
};

static spinlock_t heap_lock = SPINLOCK_INIT;
static struct free_block *free_list[NCLASSES];

static unsigned class_of(size_t total)
{
	unsigned s = MIN_SHIFT;

	while ((1UL << s) < total)
		s++;
	return s;
}

static void *alloc_pages_block(size_t size)
{
	u64 pages = ALIGN_UP(size + HDR_SIZE, PAGE_SIZE) / PAGE_SIZE;
	paddr_t pa = pmm_alloc(pages, PAGE_SIZE, 0);

	if (!pa)
		return NULL;
	struct hdr *h = phys_to_virt(pa);
	h->magic = HEAP_MAGIC;
	h->shift = 0;
	h->pages = pages;
	return (u8 *)h + HDR_SIZE;
}

void *kmalloc(size_t size)
{
	if (size == 0 || size > GiB(1))
		return NULL;
	if (size + HDR_SIZE > (1UL << MAX_SHIFT))
		return alloc_pages_block(size);

	unsigned s = class_of(size + HDR_SIZE);
	struct free_block **list = &free_list[s - MIN_SHIFT];
	u64 flags = spin_lock_irqsave(&heap_lock);
	if (!*list) {
		paddr_t pa = pmm_alloc_page();
		if (!pa) {
			spin_unlock_irqrestore(&heap_lock, flags);
			return NULL;
		}
		u8 *page = phys_to_virt(pa);
		for (size_t off = 0; off + (1UL << s) <= PAGE_SIZE; off += 1UL << s) {
			struct free_block *b = (void *)(page + off);
			b->next = *list;
			*list = b;
		}
	}
	struct free_block *b = *list;
	*list = b->next;
	spin_unlock_irqrestore(&heap_lock, flags);

	struct hdr *h = (void *)b;
	h->magic = HEAP_MAGIC;
	h->shift = s;
	h->pages = 0;
	return (u8 *)h + HDR_SIZE;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct hdr *h = (void *)((u8 *)p - HDR_SIZE);
	if (h->magic != HEAP_MAGIC)
		panic("kfree: %p is not a heap block (magic %#x)", p, h->magic);
	h->magic = 0;
	if (h->shift == 0) {
		pmm_free(virt_to_phys(h), h->pages);
		return;
	}
	u32 shift = h->shift;
	if (shift < MIN_SHIFT || shift > MAX_SHIFT)
		panic("kfree: %p has a corrupt size class %u", p, shift);
	u64 flags = spin_lock_irqsave(&heap_lock);
	/* The free-list link overwrites the header: the class is read first. */
	struct free_block *b = (void *)h;
	b->next = free_list[shift - MIN_SHIFT];
	free_list[shift - MIN_SHIFT] = b;
	spin_unlock_irqrestore(&heap_lock, flags);
}
