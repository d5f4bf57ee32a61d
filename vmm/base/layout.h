/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtual layout of the hypervisor. The core is linked at KERNEL_VBASE and
 * mapped there wherever its physical copy landed (GRUB relocates it, hv.efi
 * allocates it), so nothing depends on the physical load address. All
 * physical memory is reached through a direct map at DIRECT_MAP_BASE.
 */
#ifndef VMM_BASE_LAYOUT_H
#define VMM_BASE_LAYOUT_H

#define KERNEL_VBASE 0xffffffff80000000
#define PHYS_LINK_BASE 0x200000 /* multiboot2 link address before relocation */
#define DIRECT_MAP_BASE 0xffff800000000000
#define DIRECT_MAP_SIZE 0x0000400000000000 /* 64 TiB of physical space */
#define IMAGE_ALIGN 0x200000

#ifndef __ASSEMBLER__
#include "vmm/base/types.h"

/*
 * 0 while the boot identity map is live (the first 4 GiB at VA == PA),
 * DIRECT_MAP_BASE once the hypervisor's own tables are loaded.
 */
extern u64 direct_map_offset;
extern u64 image_phys_base;

static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)(pa + direct_map_offset);
}

static inline paddr_t virt_to_phys(const void *va)
{
	u64 v = (u64)(uintptr_t)va;

#ifndef HV_HOST_TEST
	if (v >= KERNEL_VBASE)
		return v - KERNEL_VBASE + image_phys_base;
#endif
	return v - direct_map_offset;
}

/* Linker-script symbols bounding the image and its sections. */
extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __bss_start[];
#endif

#endif
