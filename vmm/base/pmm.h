/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_PMM_H
#define VMM_BASE_PMM_H

#include "vmm/base/types.h"
#include "boot/boot_info.h"

/*
 * Physical memory manager: one bit per 4 KiB frame from the lowest to the
 * highest usable address (1 = in use or not RAM). Usable ranges of the
 * firmware map are freed into it, then everything the firmware, the boot
 * path and the hypervisor itself occupy is taken back out.
 */

struct pmm_stats {
	u64 usable_pages;   /* RAM the firmware called usable */
	u64 free_pages;
	u64 reserved_pages; /* usable RAM taken at boot (image, modules, ...) */
};

/*
 * Builds the allocator from bi's map. The bitmap is placed in usable RAM
 * below early_limit (the part of memory reachable before the hypervisor's
 * own page tables are live). Returns NULL or an error string.
 */
const char *pmm_init(const struct boot_info *bi, paddr_t early_limit);

/* Allocates count contiguous frames aligned to align bytes, wholly below
 * max (exclusive; 0 = no limit). Returns 0 when nothing fits. */
paddr_t pmm_alloc(u64 count, u64 align, paddr_t max);
static inline paddr_t pmm_alloc_page(void) { return pmm_alloc(1, 4096, 0); }
/* As pmm_alloc, then zeroes the memory through the direct map. */
paddr_t pmm_alloc_zeroed(u64 count, u64 align, paddr_t max);
void pmm_free(paddr_t pa, u64 count);
/* Takes the lowest run of free frames at or above `from`, at most
 * max_count long; returns its address and length (*count), or 0. */
paddr_t pmm_alloc_run(paddr_t from, u64 max_count, u64 *count);
/* Takes frames out of the pool (idempotent); for firmware-owned areas. */
void pmm_reserve(paddr_t pa, u64 len);
bool pmm_is_free(paddr_t pa);
void pmm_get_stats(struct pmm_stats *s);
/* A free frame below 1 MiB kept aside for the AP start-up trampoline. */
paddr_t pmm_low_page(void);

#endif
