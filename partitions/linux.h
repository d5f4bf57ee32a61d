/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Linux guests through the x86 boot protocol's 64-bit entry
 * (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol"; the zero page
 * per Documentation/arch/x86/zero-page.rst). Protocol 2.12+ (xloadflags)
 * bzImages with XLF_KERNEL_64 only: no real-mode setup code ever runs.
 *
 * Guest-physical memory plan. The boot structures sit below 1 MiB, clear
 * of page 0 and below the reserved 0x9f000-0x100000 window that holds
 * PLAT_ACPI_BASE:
 *
 *   0x01000  boot GDT: 0x10 flat 64-bit code, 0x18 flat data (__BOOT_CS/DS)
 *   0x02000  PML4     \
 *   0x03000  PDPT      } identity map of 0-4 GiB with 2 MiB pages
 *   0x04000  4 PDs    /  (0x04000-0x07fff)
 *   0x08000  boot stack page (RSP = 0x09000 at entry; the protocol does
 *            not require one, startup_64 sets its own)
 *   0x09000  zero page (struct boot_params)
 *   0x0a000  command line, up to 0x9f000 (and the kernel's cmdline_size)
 *   kernel   pref_address when relocatable_kernel allows it and init_size
 *            bytes fit there, else the first kernel_alignment-aligned
 *            address >= 16 MiB (a non-relocatable kernel only at
 *            pref_address); always inside low RAM
 *   initrd   page-aligned, as high as low RAM (< 3 GiB) and
 *            initrd_addr_max allow, above the kernel or else below it
 *
 * The e820 map: RAM [0, 0x9f000), reserved [0x9f000, 0x100000), RAM from
 * 1 MiB to the end of low RAM, and RAM above 4 GiB if the partition has
 * any; the 3-4 GiB device hole is not listed.
 */
#ifndef PARTITIONS_LINUX_H
#define PARTITIONS_LINUX_H

#include "vmm/partition.h"

#define LINUX_GDT 0x1000ULL
#define LINUX_PML4 0x2000ULL
#define LINUX_PDPT 0x3000ULL
#define LINUX_PD 0x4000ULL
#define LINUX_STACK_TOP 0x9000ULL
#define LINUX_ZERO_PAGE 0x9000ULL
#define LINUX_CMDLINE 0xa000ULL
#define LINUX_LOW_END 0x9f000ULL      /* end of usable memory below 1 MiB */
#define LINUX_KERNEL_MIN MiB(16)      /* fallback load address */
#define LINUX_LOW_RAM_MAX GiB(3)      /* the partition's low RAM ends here at most */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

/* boot.rst, "The Real-Mode Kernel Header": the setup header as it sits in
 * the image at 0x1f1 and in struct boot_params at the same offset. */
struct linux_setup_header {
	u8 setup_sects;
	u16 root_flags;
	u32 syssize;
	u16 ram_size;
	u16 vid_mode;
	u16 root_dev;
	u16 boot_flag;
	u16 jump;
	u32 header;
	u16 version;
	u32 realmode_swtch;
	u16 start_sys_seg;
	u16 kernel_version;
	u8 type_of_loader;
	u8 loadflags;
	u16 setup_move_size;
	u32 code32_start;
	u32 ramdisk_image;
	u32 ramdisk_size;
	u32 bootsect_kludge;
	u16 heap_end_ptr;
	u8 ext_loader_ver;
	u8 ext_loader_type;
	u32 cmd_line_ptr;
	u32 initrd_addr_max;
	u32 kernel_alignment;
	u8 relocatable_kernel;
	u8 min_alignment;
	u16 xloadflags;
	u32 cmdline_size;
	u32 hardware_subarch;
	u64 hardware_subarch_data;
	u32 payload_offset;
	u32 payload_length;
	u64 setup_data;
	u64 pref_address;
	u32 init_size;
	u32 handover_offset;
	u32 kernel_info_offset;
} __packed;

/* zero-page.rst: type 1 = usable RAM, 2 = reserved. */
struct linux_e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __packed;

#define LINUX_E820_MAX 128

/* The zero page; only the fields a loader fills are named. */
struct linux_boot_params {
	u8 screen_info[0x40];
	u8 apm_bios_info[0x14];
	u8 _pad1[4];
	u64 tboot_addr;
	u8 ist_info[0x10];
	u64 acpi_rsdp_addr;
	u8 _pad2[8];
	u8 hd0_info[0x10];
	u8 hd1_info[0x10];
	u8 sys_desc_table[0x10];
	u8 olpc_ofw_header[0x10];
	u32 ext_ramdisk_image;
	u32 ext_ramdisk_size;
	u32 ext_cmd_line_ptr;
	u8 _pad3[0x13c - 0xcc];
	u32 cc_blob_address;
	u8 edid_info[0x80];
	u8 efi_info[0x20];
	u32 alt_mem_k;
	u32 scratch;
	u8 e820_entries;
	u8 eddbuf_entries;
	u8 edd_mbr_sig_buf_entries;
	u8 kbd_status;
	u8 secure_boot;
	u8 _pad4[2];
	u8 sentinel;
	u8 _pad5[1];
	struct linux_setup_header hdr;
	u8 _pad6[0x290 - 0x26c];
	u8 edd_mbr_sig_buffer[0x40];
	struct linux_e820_entry e820_table[LINUX_E820_MAX];
	u8 _pad7[0xd00 - 0xcd0];
	u8 eddbuf[0x1ec];
	u8 _pad8[0x1000 - 0xeec];
} __packed;

#define BP_OFF(f) __builtin_offsetof(struct linux_boot_params, f)
/* Every offset as boot.rst and zero-page.rst list it. */
_Static_assert(sizeof(struct linux_boot_params) == 0x1000, "zero page is one page");
_Static_assert(sizeof(struct linux_e820_entry) == 20, "e820 entry");
_Static_assert(BP_OFF(acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(BP_OFF(ext_ramdisk_image) == 0x0c0, "ext_ramdisk_image");
_Static_assert(BP_OFF(ext_ramdisk_size) == 0x0c4, "ext_ramdisk_size");
_Static_assert(BP_OFF(ext_cmd_line_ptr) == 0x0c8, "ext_cmd_line_ptr");
_Static_assert(BP_OFF(cc_blob_address) == 0x13c, "cc_blob_address");
_Static_assert(BP_OFF(edid_info) == 0x140, "edid_info");
_Static_assert(BP_OFF(efi_info) == 0x1c0, "efi_info");
_Static_assert(BP_OFF(alt_mem_k) == 0x1e0, "alt_mem_k");
_Static_assert(BP_OFF(e820_entries) == 0x1e8, "e820_entries");
_Static_assert(BP_OFF(sentinel) == 0x1ef, "sentinel");
_Static_assert(BP_OFF(hdr) == 0x1f1, "setup header");
_Static_assert(BP_OFF(hdr.syssize) == 0x1f4, "syssize");
_Static_assert(BP_OFF(hdr.vid_mode) == 0x1fa, "vid_mode");
_Static_assert(BP_OFF(hdr.boot_flag) == 0x1fe, "boot_flag");
_Static_assert(BP_OFF(hdr.jump) == 0x200, "jump");
_Static_assert(BP_OFF(hdr.header) == 0x202, "header");
_Static_assert(BP_OFF(hdr.version) == 0x206, "version");
_Static_assert(BP_OFF(hdr.type_of_loader) == 0x210, "type_of_loader");
_Static_assert(BP_OFF(hdr.loadflags) == 0x211, "loadflags");
_Static_assert(BP_OFF(hdr.code32_start) == 0x214, "code32_start");
_Static_assert(BP_OFF(hdr.ramdisk_image) == 0x218, "ramdisk_image");
_Static_assert(BP_OFF(hdr.ramdisk_size) == 0x21c, "ramdisk_size");
_Static_assert(BP_OFF(hdr.heap_end_ptr) == 0x224, "heap_end_ptr");
_Static_assert(BP_OFF(hdr.ext_loader_type) == 0x227, "ext_loader_type");
_Static_assert(BP_OFF(hdr.cmd_line_ptr) == 0x228, "cmd_line_ptr");
_Static_assert(BP_OFF(hdr.initrd_addr_max) == 0x22c, "initrd_addr_max");
_Static_assert(BP_OFF(hdr.kernel_alignment) == 0x230, "kernel_alignment");
_Static_assert(BP_OFF(hdr.relocatable_kernel) == 0x234, "relocatable_kernel");
_Static_assert(BP_OFF(hdr.min_alignment) == 0x235, "min_alignment");
_Static_assert(BP_OFF(hdr.xloadflags) == 0x236, "xloadflags");
_Static_assert(BP_OFF(hdr.cmdline_size) == 0x238, "cmdline_size");
_Static_assert(BP_OFF(hdr.hardware_subarch) == 0x23c, "hardware_subarch");
_Static_assert(BP_OFF(hdr.payload_offset) == 0x248, "payload_offset");
_Static_assert(BP_OFF(hdr.setup_data) == 0x250, "setup_data");
_Static_assert(BP_OFF(hdr.pref_address) == 0x258, "pref_address");
_Static_assert(BP_OFF(hdr.init_size) == 0x260, "init_size");
_Static_assert(BP_OFF(hdr.handover_offset) == 0x264, "handover_offset");
_Static_assert(BP_OFF(hdr.kernel_info_offset) == 0x268, "kernel_info_offset");
_Static_assert(BP_OFF(edd_mbr_sig_buffer) == 0x290, "edd_mbr_sig_buffer");
_Static_assert(BP_OFF(e820_table) == 0x2d0, "e820_table");
_Static_assert(BP_OFF(eddbuf) == 0xd00, "eddbuf");

#define LINUX_HDRS_MAGIC 0x53726448u /* "HdrS" */
#define LINUX_BOOT_FLAG 0xaa55
#define LINUX_LOADED_HIGH 0x01      /* loadflags bit 0 */
#define LINUX_CAN_USE_HEAP 0x80     /* loadflags bit 7 */
#define LINUX_XLF_KERNEL_64 0x0001  /* xloadflags bit 0: entry at +0x200 */

/*
 * The guest's physical memory map, shared by the e820 table here and the
 * multiboot memory map: the partition's RAM regions merged, with
 * [LINUX_LOW_END, 1 MiB) marked reserved. Fills at most max entries in
 * address order; returns the count, or -1 when they do not fit.
 */
#define GUEST_MEM_RAM 1
#define GUEST_MEM_RESERVED 2
struct guest_mem_range {
	u64 base, size;
	u32 type;
};
int guest_memory_map(const struct partition *p, struct guest_mem_range *out, int max);
/* Appends [base, end) to a map being built (merged with the last range
 * when they touch and share a type); false when max ranges are used. */
bool guest_mem_add(struct guest_mem_range *out, int *n, int max, u64 base, u64 end, u32 type);
/* End of the RAM that starts at guest-physical 0 (capped at 3 GiB). */
u64 guest_low_ram_end(const struct partition *p);

/* Whether img looks like a bzImage: boot flag and "HdrS" (boot.rst). */
bool linux_detect(const u8 *img, u64 size);

/*
 * Loads a bzImage (and an optional initrd) into p as the memory plan above
 * says, writes the zero page, command line, GDT and page tables, and sets
 * *bsp to the 64-bit entry state: RIP = kernel + 0x200, RSI = zero page,
 * CS = 0x10, DS/ES/SS = 0x18, paging on, interrupts off. rsdp_gpa goes to
 * boot_params.acpi_rsdp_addr (0: the kernel scans for the RSDP). Every
 * header field is checked against the file and the partition's memory.
 * Returns NULL or an error message.
 */
const char *linux_load(struct partition *p, const u8 *kernel, u64 ksize, const u8 *initrd,
		       u64 isize, const char *cmdline, u64 rsdp_gpa, struct vcpu_state *bsp);

#endif
