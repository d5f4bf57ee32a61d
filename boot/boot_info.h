/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one hand-off from a boot path to the core. Every boot path (GRUB
 * multiboot2 under BIOS or UEFI, hv.efi straight from firmware) fills this
 * self-contained struct, with physical addresses for everything it points
 * at, and calls vmm_main(). Nothing after boot/ knows how it booted.
 */
#ifndef BOOT_BOOT_INFO_H
#define BOOT_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC 0x48564249u /* "HVBI" */
#define BOOT_INFO_VERSION 1
#define BOOT_MMAP_MAX 256
#define BOOT_MODULES_MAX 32
#define BOOT_CMDLINE_MAX 1024
#define BOOT_MODCMD_MAX 256
#define BOOT_RESERVED_MAX 16

enum boot_mem_type {
	BOOT_MEM_USABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI_RECLAIM = 3,
	BOOT_MEM_ACPI_NVS = 4,
	BOOT_MEM_BAD = 5,
};

enum boot_path {
	BOOT_PATH_MB2_BIOS = 1,
	BOOT_PATH_MB2_EFI = 2,
	BOOT_PATH_EFI = 3,
};

struct boot_mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* enum boot_mem_type */
	uint32_t pad;
};

struct boot_module {
	uint64_t start; /* physical, page aligned */
	uint64_t end;   /* exclusive */
	char cmdline[BOOT_MODCMD_MAX];
};

struct boot_fb {
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type, pad[2];
};

struct boot_info {
	uint32_t magic;
	uint32_t version;
	uint32_t path; /* enum boot_path */
	uint32_t mmap_count;
	uint32_t module_count;
	uint32_t reserved_count;
	uint64_t image_pa;   /* where the core image sits, 2 MiB aligned */
	uint64_t image_size; /* including .bss */
	uint64_t efi_systab; /* physical, 0 when not booted from UEFI */
	uint8_t rsdp[36];    /* copy of the ACPI RSDP (v1: 20 bytes valid) */
	uint32_t rsdp_len;   /* 0 when the boot path found none */
	struct boot_fb fb;
	char loader[64];
	char cmdline[BOOT_CMDLINE_MAX];
	struct boot_mem_range mmap[BOOT_MMAP_MAX];
	struct boot_module modules[BOOT_MODULES_MAX];
	/* Memory the loader still needs kept until the core owns paging. */
	struct boot_mem_range reserved[BOOT_RESERVED_MAX];
};

/* Maps a UEFI memory type (UEFI 2.10 Table 7.10) to a boot_mem_type. */
static inline uint32_t boot_mem_type_from_efi(uint32_t efi_type, uint64_t attr)
{
	if (attr & (1ULL << 63)) /* EFI_MEMORY_RUNTIME: firmware keeps it */
		return BOOT_MEM_RESERVED;
	switch (efi_type) {
	case 1: case 2: case 3: case 4: case 7: /* loader, boot services, free */
		return BOOT_MEM_USABLE;
	case 8:
		return BOOT_MEM_BAD;
	case 9:
		return BOOT_MEM_ACPI_RECLAIM;
	case 10:
		return BOOT_MEM_ACPI_NVS;
	default:
		return BOOT_MEM_RESERVED;
	}
}

/*
 * Appends a range to the boot memory map, merging it with the previous
 * entry when they touch and share a type (UEFI maps are long runs of
 * small entries that collapse once converted). Returns 0 when the table
 * is full and the range was dropped.
 */
static inline int boot_mmap_add(struct boot_info *bi, uint64_t base, uint64_t len,
				uint32_t type)
{
	if (!len)
		return 1;
	if (bi->mmap_count) {
		struct boot_mem_range *p = &bi->mmap[bi->mmap_count - 1];
		if (p->type == type && p->base + p->len == base) {
			p->len += len;
			return 1;
		}
	}
	if (bi->mmap_count >= BOOT_MMAP_MAX)
		return 0;
	bi->mmap[bi->mmap_count].base = base;
	bi->mmap[bi->mmap_count].len = len;
	bi->mmap[bi->mmap_count].type = type;
	bi->mmap[bi->mmap_count].pad = 0;
	bi->mmap_count++;
	return 1;
}

#endif
