// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux x86 boot protocol loader, 64-bit entry. Section names in comments
 * are those of Documentation/arch/x86/boot.rst. The image is untrusted:
 * every header value is checked before it sizes or places anything, and
 * all arithmetic on it is done in u64 from 32-bit fields, so it cannot
 * wrap.
 */
#include "partitions/linux.h"
#include "partitions/parent.h"
#include "vmm/vcpu_state.h"
#include "vmm/gmem.h"
#include "vmm/base/heap.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"

#define SECTOR 512
#define HDR_START 0x1f1
#define HDR_MIN_END 0x268      /* through handover_offset: every 2.12 field */
#define HDR_MAX_END 0x290      /* the hole struct boot_params has for it */
#define KERNEL_MAX_FILE GiB(1) /* far beyond any real bzImage */
#define ALIGN_MAX GiB(1)
#define VIDEO_MODE_NORMAL 0xffff
/* "Sample Boot Configuration": heap_end = 0xe000 for a 2.02+ bzImage.
 * The real-mode code that would use the heap never runs here. */
#define HEAP_END 0xe000

static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

/* ---- the guest memory map (shared with the multiboot loader) -------- */

bool guest_mem_add(struct guest_mem_range *out, int *n, int max, u64 base, u64 end, u32 type)
{
	if (base >= end)
		return true;
	if (*n && out[*n - 1].type == type && out[*n - 1].base + out[*n - 1].size == base) {
		out[*n - 1].size += end - base;
		return true;
	}
	if (*n >= max)
		return false;
	out[(*n)++] = (struct guest_mem_range){ base, end - base, type };
	return true;
}

/* The lowest RAM region at or above `from` (regions never overlap). */
static const struct mem_region *next_region(const struct partition *p, u64 from)
{
	const struct mem_region *best = NULL;

	for (u32 i = 0; i < p->nr_ram && i < MAX_RAM_REGIONS; i++) {
		const struct mem_region *r = &p->ram[i];
		if (!r->size || r->gpa + r->size < r->gpa || r->gpa < from)
			continue;
		if (!best || r->gpa < best->gpa)
			best = r;
	}
	return best;
}

/* End of the run of adjacent regions that continues at `end`. */
static u64 run_end(const struct partition *p, u64 end)
{
	for (bool grew = true; grew;) {
		grew = false;
		for (u32 i = 0; i < p->nr_ram && i < MAX_RAM_REGIONS; i++) {
			const struct mem_region *r = &p->ram[i];
			if (r->size && r->gpa == end && r->gpa + r->size > end) {
				end = r->gpa + r->size;
				grew = true;
			}
		}
	}
	return end;
}

int guest_memory_map(const struct partition *p, struct guest_mem_range *out, int max)
{
	int n = 0;

	if (p->is_parent)
		return parent_memory_map(p, out, max);

	for (const struct mem_region *r = next_region(p, 0); r; ) {
		u64 base = r->gpa, end = run_end(p, r->gpa + r->size);
		/* PC convention: the top of conventional memory and the
		 * 0xa0000-0xfffff adapter/BIOS area are not RAM to the OS.
		 * Our ACPI tables (PLAT_ACPI_BASE) live in that window. */
		if (!guest_mem_add(out, &n, max, base, MIN(end, LINUX_LOW_END), GUEST_MEM_RAM) ||
		    !guest_mem_add(out, &n, max, MAX(base, LINUX_LOW_END), MIN(end, MiB(1)),
			       GUEST_MEM_RESERVED) ||
		    !guest_mem_add(out, &n, max, MAX(base, MiB(1)), end, GUEST_MEM_RAM))
			return -1;
		r = next_region(p, end);
	}
	return n;
}

u64 guest_low_ram_end(const struct partition *p)
{
	const struct mem_region *r = next_region(p, 0);

	if (!r || r->gpa != 0)
		return 0;
	return MIN(run_end(p, r->size), LINUX_LOW_RAM_MAX);
}

/* ---- the image ------------------------------------------------------- */

struct kernel_plan {
	u64 setup_size;   /* real-mode part: boot sector + setup sectors */
	u64 hdr_end;      /* end of the setup header in the image */
	u64 load;         /* where the protected-mode part goes */
	u64 reserve;      /* bytes it needs there (init_size or more) */
	u64 initrd;
	u64 cmdline_len;
};

/* "The Real-Mode Kernel Header" and "Details of Header Fields". */
static const char *check_header(const u8 *k, u64 ksize, struct kernel_plan *kp)
{
	if (!k || ksize < 2 * SECTOR)
		return "kernel image is too small to be a bzImage";
	if (ksize > KERNEL_MAX_FILE)
		return "kernel image is too large";
	if (rd16(k + 0x1fe) != LINUX_BOOT_FLAG)
		return "kernel image lacks the 0xAA55 boot flag";
	if (rd32(k + 0x202) != LINUX_HDRS_MAGIC)
		return "kernel image lacks the HdrS signature (not a bzImage)";
	if (rd16(k + 0x206) < 0x20c)
		return "kernel boot protocol is older than 2.12 (no 64-bit entry)";
	/* "0x0202 + byte value at offset 0x0201" is where the header ends. */
	kp->hdr_end = 0x202 + (u64)k[0x201];
	if (kp->hdr_end < HDR_MIN_END)
		return "kernel setup header is shorter than protocol 2.12 requires";
	kp->hdr_end = MIN(kp->hdr_end, (u64)HDR_MAX_END);
	u64 sects = k[0x1f1] ? k[0x1f1] : 4; /* "if this field is 0, the real value is 4" */
	kp->setup_size = (sects + 1) * SECTOR;
	if (kp->setup_size >= ksize)
		return "kernel's protected-mode part lies outside the file";
	if (!(k[0x211] & LINUX_LOADED_HIGH))
		return "kernel is a zImage (LOADED_HIGH clear), not a bzImage";
	if (!(rd16(k + 0x236) & LINUX_XLF_KERNEL_64))
		return "kernel has no 64-bit entry point (XLF_KERNEL_64 clear)";
	if (!rd32(k + 0x260))
		return "kernel's init_size is zero";
	return NULL;
}

/* End of the run of adjacent RAM regions that holds addr, or 0. */
static u64 run_end_at(const struct partition *p, u64 addr)
{
	for (u32 i = 0; i < p->nr_ram && i < MAX_RAM_REGIONS; i++) {
		const struct mem_region *r = &p->ram[i];
		if (addr >= r->gpa && addr - r->gpa < r->size)
			return run_end(p, r->gpa + r->size);
	}
	return 0;
}

/* Whether [addr, addr+len) is RAM from 1 MiB up to LINUX_LOW_RAM_MAX,
 * all of it in one run (the parent's RAM has holes; a child's has none
 * there). */
static bool fits(const struct partition *p, u64 addr, u64 len)
{
	if (addr < MiB(1) || len > LINUX_LOW_RAM_MAX || addr > LINUX_LOW_RAM_MAX - len)
		return false;
	u64 end = run_end_at(p, addr);
	return end && len <= end - addr;
}

/* pref_address / relocatable_kernel / kernel_alignment / init_size. */
static const char *place_kernel(const struct partition *p, const u8 *k, u64 ksize,
				struct kernel_plan *kp)
{
	u64 pref = rd64(k + 0x258), align = rd32(k + 0x230);

	/* The protocol asks for init_size bytes from the runtime start;
	 * the file part must fit too, should init_size understate it. */
	kp->reserve = MAX((u64)rd32(k + 0x260), ksize - kp->setup_size);
	if (!k[0x234]) {
		/* "A non-relocatable kernel will unconditionally move itself
		 * and to run at this address." */
		if (!fits(p, pref, kp->reserve))
			return "non-relocatable kernel does not fit at its preferred address";
		kp->load = pref;
		return NULL;
	}
	if (align < PAGE_SIZE || align > ALIGN_MAX || (align & (align - 1)))
		return "kernel_alignment is not a power of two between 4 KiB and 1 GiB";
	if (pref && IS_ALIGNED(pref, align) && fits(p, pref, kp->reserve)) {
		kp->load = pref;
		return NULL;
	}
	/* The lowest aligned address from LINUX_KERNEL_MIN where it fits:
	 * each region's start is a candidate. */
	kp->load = 0;
	for (u32 i = 0; i < p->nr_ram && i < MAX_RAM_REGIONS; i++) {
		u64 a = ALIGN_UP(MAX(p->ram[i].gpa, (u64)LINUX_KERNEL_MIN), align);
		if (fits(p, a, kp->reserve) && (!kp->load || a < kp->load))
			kp->load = a;
	}
	if (!kp->load)
		return "kernel (init_size) does not fit in the partition's low memory";
	return NULL;
}

/* Highest page-aligned start for isize bytes ending by `top` in p's RAM
 * and not over the kernel, or 0. */
static u64 initrd_below(const struct partition *p, u64 isize, u64 top, const struct kernel_plan *kp)
{
	u64 kend = kp->load + kp->reserve, best = 0;

	for (u32 i = 0; i < p->nr_ram && i < MAX_RAM_REGIONS; i++) {
		u64 end = MIN(run_end(p, p->ram[i].gpa + p->ram[i].size), top);
		/* Above the kernel, or below it when they would overlap. */
		for (int below = 0; below < 2; below++) {
			u64 e = below ? MIN(end, kp->load) : end;
			if (isize > e)
				continue;
			u64 a = ALIGN_DOWN(e - isize, PAGE_SIZE);
			bool clear = a >= kend || a + isize <= kp->load;
			if (clear && fits(p, a, isize) && a > best)
				best = a;
		}
	}
	return best;
}

/* As high as allowed (initrd_addr_max), never over the kernel. */
static const char *place_initrd(const struct partition *p, const u8 *k, u64 isize,
				struct kernel_plan *kp)
{
	u64 top = MIN((u64)LINUX_LOW_RAM_MAX, (u64)rd32(k + 0x22c) + 1); /* last byte + 1 */

	kp->initrd = initrd_below(p, isize, top, kp);
	return kp->initrd ? NULL : "initrd does not fit in the partition's low memory";
}

/* ---- boot structures -------------------------------------------------- */

static const char *write_tables(struct partition *p)
{
	/* boot.rst "64-bit Boot Protocol": __BOOT_CS (0x10) flat execute/
	 * read, __BOOT_DS (0x18) flat read/write; here the code descriptor
	 * is 64-bit (L=1). Accessed bits set, as the hidden state has them. */
	static const u64 gdt[4] = { 0, 0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL };
	int err = gpa_zero(p, LINUX_GDT, LINUX_ZERO_PAGE + PAGE_SIZE - LINUX_GDT);

	err |= gpa_write(p, LINUX_GDT, gdt, sizeof(gdt));
	u64 e = LINUX_PDPT | PTE_P | PTE_W;
	err |= gpa_write(p, LINUX_PML4, &e, 8);
	for (u64 i = 0; i < 4; i++) {
		e = (LINUX_PD + i * PAGE_SIZE) | PTE_P | PTE_W;
		err |= gpa_write(p, LINUX_PDPT + i * 8, &e, 8);
	}
	for (u64 i = 0; i < 4 * 512; i++) {
		e = (i * LARGE_PAGE_SIZE) | PTE_P | PTE_W | PTE_PS;
		err |= gpa_write(p, LINUX_PD + i * 8, &e, 8);
	}
	return err ? "partition has no RAM for the boot tables below 1 MiB" : NULL;
}

static const char *write_e820(const struct partition *p, struct linux_boot_params *bp)
{
	/* The parent's map is the machine's: up to the zero page's 128. */
	struct guest_mem_range *map = kzalloc(LINUX_E820_MAX * sizeof(*map));

	if (!map)
		return "out of memory";
	int n = guest_memory_map(p, map, LINUX_E820_MAX);
	for (int i = 0; i < n; i++)
		bp->e820_table[i] = (struct linux_e820_entry){ map[i].base, map[i].size,
							       map[i].type };
	kfree(map);
	if (n < 0)
		return "partition memory map has too many ranges";
	bp->e820_entries = (u8)n;
	return NULL;
}

/* "64-bit Boot Protocol": zero the page, copy the setup header from the
 * image, then fill what a loader writes. */
static const char *write_zero_page(struct partition *p, const u8 *k, const struct kernel_plan *kp,
				   u64 isize, u64 rsdp_gpa)
{
	struct linux_boot_params *bp = gpa_to_hva(p, LINUX_ZERO_PAGE, sizeof(*bp));

	if (!bp)
		return "partition has no RAM for the zero page";
	memset(bp, 0, sizeof(*bp));
	memcpy((u8 *)bp + HDR_START, k + HDR_START, kp->hdr_end - HDR_START);
	struct linux_setup_header *h = &bp->hdr;
	h->vid_mode = VIDEO_MODE_NORMAL;
	h->type_of_loader = 0xff; /* no assigned boot loader id */
	h->loadflags |= LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	h->heap_end_ptr = HEAP_END - 0x200;
	h->code32_start = (u32)kp->load; /* relocatable kernel at our address */
	h->cmd_line_ptr = (u32)LINUX_CMDLINE;
	bp->ext_cmd_line_ptr = (u32)(LINUX_CMDLINE >> 32);
	if (isize) {
		h->ramdisk_image = (u32)kp->initrd;
		h->ramdisk_size = (u32)isize;
		bp->ext_ramdisk_image = (u32)(kp->initrd >> 32);
		bp->ext_ramdisk_size = (u32)(isize >> 32);
	}
	/* Kernels of protocol 2.14+ (5.0+) read the RSDP address here. */
	if (h->version >= 0x20e)
		bp->acpi_rsdp_addr = rsdp_gpa;
	return write_e820(p, bp);
}

static void set_entry_state(u64 load, struct vcpu_state *s)
{
	/* Long mode, paging with CR3 on our tables, RFLAGS.IF clear. */
	vcpu_state_entry(ENTRY_LONG, load + 0x200, LINUX_PML4, 0, 0, s);
	s->seg[SEG_CS].sel = LINUX_BOOT_CS;
	for (int i = SEG_ES; i <= SEG_GS; i++)
		if (i != SEG_CS)
			s->seg[i].sel = LINUX_BOOT_DS;
	s->gdtr = (struct dtable){ LINUX_GDT, 4 * 8 - 1 };
	s->idtr = (struct dtable){ 0, 0 };
	s->gpr[GPR_RDI] = 0;
	s->gpr[GPR_RSI] = LINUX_ZERO_PAGE;
	s->gpr[GPR_RSP] = LINUX_STACK_TOP;
}

const char *linux_load(struct partition *p, const u8 *kernel, u64 ksize, const u8 *initrd,
		       u64 isize, const char *cmdline, u64 rsdp_gpa, struct vcpu_state *bsp)
{
	struct kernel_plan kp = { 0 };
	const char *err = check_header(kernel, ksize, &kp);

	if (err)
		return err;
	/* The boot tables, zero page and command line (linux.h). */
	if (!gpa_to_hva(p, LINUX_GDT, LINUX_LOW_END - LINUX_GDT))
		return "partition has no RAM from 4 KiB to 636 KiB";
	if ((err = place_kernel(p, kernel, ksize, &kp)))
		return err;
	if (!initrd)
		isize = 0;
	if (isize && (err = place_initrd(p, kernel, isize, &kp)))
		return err;
	/* "The Kernel Command Line": at most cmdline_size characters. */
	if (!cmdline)
		cmdline = "";
	kp.cmdline_len = strnlen(cmdline, LINUX_LOW_END - LINUX_CMDLINE);
	if (kp.cmdline_len > rd32(kernel + 0x238) || kp.cmdline_len >= LINUX_LOW_END - LINUX_CMDLINE)
		return "kernel command line is longer than the kernel accepts (cmdline_size)";

	if ((err = write_tables(p)) || (err = write_zero_page(p, kernel, &kp, isize, rsdp_gpa)))
		return err;
	if (gpa_write(p, LINUX_CMDLINE, cmdline, kp.cmdline_len + 1) ||
	    gpa_write(p, kp.load, kernel + kp.setup_size, ksize - kp.setup_size) ||
	    gpa_write(p, kp.initrd, initrd, isize))
		return "kernel or initrd lands outside the partition's RAM";
	set_entry_state(kp.load, bsp);
	return NULL;
}

bool linux_detect(const u8 *img, u64 size)
{
	u32 magic;
	u16 flag;

	if (size < 0x206)
		return false;
	memcpy(&flag, img + 0x1fe, 2);
	memcpy(&magic, img + 0x202, 4);
	return flag == 0xaa55 && magic == 0x53726448; /* "HdrS" */
}
