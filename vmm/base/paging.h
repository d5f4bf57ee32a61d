/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_PAGING_H
#define VMM_BASE_PAGING_H

#include "ept/pt.h"
#include "boot/boot_info.h"

extern struct pt hv_pt;

/*
 * Builds the hypervisor's own tables (direct map of physical memory,
 * image sections with their rights: text RX, rodata R, data RW NX) and
 * switches to them. Returns NULL or an error string.
 */
const char *paging_init(const struct boot_info *bi);
/* Loads the hypervisor tables on this CPU (APs after the trampoline). */
void paging_load(void);
/* Makes a device's registers reachable uncached; returns their address. */
void *ioremap(paddr_t pa, u64 size);
bool cpu_has_1g_pages(void);

#endif
