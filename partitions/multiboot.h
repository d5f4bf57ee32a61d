/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multiboot (version 1, the Multiboot Specification 0.6.96) kernels,
 * loaded as QEMU's -kernel loads them: ELF32 images at their segments'
 * physical addresses, or any image through the a.out kludge (header flag
 * 16), entered in 32-bit protected mode with paging off.
 *
 * Guest-physical memory plan (the "boot area", 0x1000-0x4000; kernel
 * segments may not overlap it, nor the reserved 0x9f000-0x100000 window
 * that holds PLAT_ACPI_BASE):
 *
 *   0x1000  GDT: 0x08 flat 32-bit code, 0x10 flat data (the spec says the
 *           GDTR may be invalid; it is valid here, matching CS/DS)
 *   0x2000  struct multiboot_info
 *   0x2080  boot loader name "hv"
 *   0x2100  memory map entries (24 bytes each, size field first)
 *   0x3000  command line, up to 0x4000: the partition's name, a space,
 *           then the guest command line (GRUB and QEMU put the kernel's
 *           name first too; kernels skip that first word)
 *
 * Memory map: as the Linux e820 table (partitions/linux.h): type 1 RAM
 * [0, 0x9f000), type 2 [0x9f000, 1 MiB), type 1 from 1 MiB to the end of
 * low RAM and above 4 GiB. mem_lower = 636 KiB (the RAM below 0x9f000),
 * mem_upper = RAM from 1 MiB to the 3 GiB hole, in KiB.
 */
#ifndef PARTITIONS_MULTIBOOT_H
#define PARTITIONS_MULTIBOOT_H

#include "vmm/partition.h"

#define MB_HEADER_MAGIC 0x1badb002u
#define MB_BOOT_MAGIC 0x2badb002u   /* EAX at entry */
#define MB_SEARCH_LEN 8192          /* the header lies within these bytes */

/* Header flags (3.1.2). Bits 0-15 are requirements, 16-31 optional. */
#define MB_FLAG_PAGE_ALIGN (1u << 0)  /* modules page-aligned: they always are */
#define MB_FLAG_MEMORY (1u << 1)      /* mem_* required: always provided */
#define MB_FLAG_VIDEO (1u << 2)       /* video info required: cannot provide */
#define MB_FLAG_AOUT_KLUDGE (1u << 16)

/* Information flags (3.3). */
#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

#define MB_GDT 0x1000ULL
#define MB_INFO 0x2000ULL
#define MB_LOADER_NAME 0x2080ULL
#define MB_MMAP 0x2100ULL
#define MB_MODS 0x2b00ULL          /* the one module's mod_start, mod_end, string */
#define MB_MOD_STRING 0x2c00ULL    /* its command line, up to 0x3000 */
#define MB_CMDLINE 0x3000ULL
#define MB_AREA_START MB_GDT
#define MB_AREA_END 0x4000ULL

/* 3.1.1 The layout of Multiboot header. */
struct multiboot_header {
	u32 magic, flags, checksum;
	u32 header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr; /* flag 16 */
	u32 mode_type, width, height, depth;                                /* flag 2 */
} __packed;

/* 3.3 Boot information format. */
struct multiboot_info {
	u32 flags;
	u32 mem_lower, mem_upper;         /* KiB, flag 0 */
	u32 boot_device;                  /* flag 1 */
	u32 cmdline;                      /* flag 2 */
	u32 mods_count, mods_addr;        /* flag 3 */
	u32 syms[4];                      /* flag 4 or 5 */
	u32 mmap_length, mmap_addr;       /* flag 6 */
	u32 drives_length, drives_addr;   /* flag 7 */
	u32 config_table;                 /* flag 8 */
	u32 boot_loader_name;             /* flag 9 */
	u32 apm_table;                    /* flag 10 */
	u32 vbe_control_info, vbe_mode_info; /* flag 11 */
	u16 vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
	u64 framebuffer_addr;             /* flag 12 */
	u32 framebuffer_pitch, framebuffer_width, framebuffer_height;
	u8 framebuffer_bpp, framebuffer_type;
	u8 color_info[6];
} __packed;

/* One memory map entry; `size` (20) does not count itself, and mmap_addr
 * points at the first entry's size field. */
struct multiboot_mmap_entry {
	u32 size;
	u64 base_addr;
	u64 length;
	u32 type;
} __packed;

#define MBI_OFF(f) __builtin_offsetof(struct multiboot_info, f)
_Static_assert(sizeof(struct multiboot_header) == 48, "multiboot header");
_Static_assert(MBI_OFF(mem_lower) == 4 && MBI_OFF(boot_device) == 12, "mbi mem");
_Static_assert(MBI_OFF(cmdline) == 16 && MBI_OFF(mods_count) == 20, "mbi cmdline");
_Static_assert(MBI_OFF(syms) == 28 && MBI_OFF(mmap_length) == 44, "mbi syms");
_Static_assert(MBI_OFF(mmap_addr) == 48 && MBI_OFF(drives_length) == 52, "mbi mmap");
_Static_assert(MBI_OFF(config_table) == 60 && MBI_OFF(boot_loader_name) == 64, "mbi name");
_Static_assert(MBI_OFF(apm_table) == 68 && MBI_OFF(vbe_control_info) == 72, "mbi apm");
_Static_assert(MBI_OFF(vbe_mode) == 80 && MBI_OFF(framebuffer_addr) == 88, "mbi vbe");
_Static_assert(sizeof(struct multiboot_info) == 116, "multiboot info");
_Static_assert(sizeof(struct multiboot_mmap_entry) == 24, "mmap entry");
_Static_assert(MB_INFO + sizeof(struct multiboot_info) <= MB_LOADER_NAME, "boot area");

/* Whether img carries a multiboot header (magic at a 4-byte aligned offset
 * in the first 8 KiB, checksum right). */
bool multiboot_detect(const u8 *img, u64 size);

/*
 * Loads a multiboot kernel into p, builds the information structure, and
 * sets *bsp to the spec's machine state (3.2): EAX = 0x2BADB002, EBX =
 * info address, flat CS 0x08 / data 0x10, CR0.PE set and PG clear,
 * interrupts off. With mod (mod_size bytes), the one module: placed at
 * the first page past the kernel in low RAM, described with mod_cmdline
 * as its string (3.3, mods_*). Returns NULL or an error message.
 */
const char *multiboot_load(struct partition *p, const u8 *img, u64 size, const char *cmdline,
			   const u8 *mod, u64 mod_size, const char *mod_cmdline,
			   struct vcpu_state *bsp);

#endif
