// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multiboot 0.6.96 loader. Section numbers in comments are the spec's
 * ("3.1.2 The magic fields of Multiboot header", ...). The image is
 * untrusted: every offset and size is checked against the file and the
 * partition's memory before anything is written; arithmetic is in u64
 * on 32-bit fields, so it cannot wrap.
 */
#include "partitions/multiboot.h"
#include "partitions/linux.h"
#include "vmm/vcpu_state.h"
#include "vmm/gmem.h"
#include "vmm/base/string.h"

#define EM_386 3
#define ET_EXEC 2
#define PT_LOAD 1
#define MAX_PHDRS 64
#define MAX_LOADS 16 /* loadable segments; real kernels have a handful */
#define LOADER_NAME "hv"

struct mb_segment {
	u64 offset, filesz, paddr, memsz;
};

struct mb_image {
	struct mb_segment seg[MAX_LOADS];
	u32 nr_seg;
	u64 entry;
};

static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }

/* 3.1: within the first 8192 bytes, longword aligned, sum of the three
 * magic fields zero. Returns the offset or -1. */
static s64 find_header(const u8 *img, u64 size)
{
	if (!img)
		return -1;
	for (u64 off = 0; off + 12 <= MIN(size, (u64)MB_SEARCH_LEN); off += 4)
		if (rd32(img + off) == MB_HEADER_MAGIC &&
		    (u32)(rd32(img + off) + rd32(img + off + 4) + rd32(img + off + 8)) == 0)
			return (s64)off;
	return -1;
}

bool multiboot_detect(const u8 *img, u64 size)
{
	return find_header(img, size) >= 0;
}

/* 3.1.3 The address fields of Multiboot header (flag 16). */
static const char *parse_kludge(const u8 *img, u64 size, u64 hoff, struct mb_image *mi)
{
	struct multiboot_header h;

	if (hoff + 32 > MB_SEARCH_LEN || hoff + 32 > size)
		return "multiboot address fields lie past the first 8 KiB or the file";
	memcpy(&h, img + hoff, 32);
	if (h.load_addr > h.header_addr)
		return "multiboot load_addr lies above header_addr";
	/* "offset at which the header was found, minus (header_addr - load_addr)" */
	if ((u64)h.header_addr - h.load_addr > hoff)
		return "multiboot load_addr lies before the start of the file";
	struct mb_segment *s = &mi->seg[0];
	s->offset = hoff - ((u64)h.header_addr - h.load_addr);
	s->paddr = h.load_addr;
	if (!h.load_end_addr) {
		s->filesz = size - s->offset; /* "the whole OS image file" */
	} else {
		if (h.load_end_addr < h.load_addr)
			return "multiboot load_end_addr lies below load_addr";
		s->filesz = (u64)h.load_end_addr - h.load_addr;
		if (s->filesz > size - s->offset)
			return "multiboot load_end_addr lies past the end of the file";
	}
	s->memsz = s->filesz;
	if (h.bss_end_addr) {
		if (h.bss_end_addr < s->paddr + s->filesz)
			return "multiboot bss_end_addr lies below the loaded data";
		s->memsz = (u64)h.bss_end_addr - h.load_addr;
	}
	mi->nr_seg = 1;
	mi->entry = h.entry_addr;
	return NULL;
}

/* An ELF entry point is virtual; kernels linked high give p_vaddr !=
 * p_paddr, so translate it through the segment that holds it. */
static bool elf_entry(u64 vaddr, const struct mb_segment *s, u64 *entry)
{
	if (*entry >= s->paddr && *entry - s->paddr < s->memsz)
		return true;
	if (*entry >= vaddr && *entry - vaddr < s->memsz) {
		*entry = s->paddr + (*entry - vaddr);
		return true;
	}
	return false;
}

static const char *parse_elf(const u8 *img, u64 size, struct mb_image *mi)
{
	if (size < 52 || memcmp(img, "\177ELF", 4))
		return "multiboot image is not ELF and has no a.out kludge (flag 16)";
	if (img[4] != 1)
		return "multiboot ELF image is not ELF32 (ELF64 needs the a.out kludge)";
	if (img[5] != 1 || rd16(img + 18) != EM_386 || rd16(img + 16) != ET_EXEC)
		return "multiboot ELF image is not a little-endian i386 executable";
	u64 phoff = rd32(img + 28), phentsize = rd16(img + 42), phnum = rd16(img + 44);
	u64 entry = rd32(img + 24);
	bool entry_found = false;

	if (!phnum || phnum > MAX_PHDRS || phentsize < 32)
		return "multiboot ELF image has no program headers, too many, or short ones";
	if (phoff > size || phnum * phentsize > size - phoff)
		return "multiboot ELF program headers lie outside the file";
	mi->nr_seg = 0;
	for (u64 i = 0; i < phnum; i++) {
		const u8 *ph = img + phoff + i * phentsize;
		struct mb_segment *s = &mi->seg[mi->nr_seg];
		if (rd32(ph) != PT_LOAD || !rd32(ph + 20))
			continue;
		if (mi->nr_seg == MAX_LOADS)
			return "multiboot ELF image has too many loadable segments";
		s->offset = rd32(ph + 4);
		s->paddr = rd32(ph + 12);
		s->filesz = rd32(ph + 16);
		s->memsz = rd32(ph + 20);
		if (s->filesz > s->memsz || s->offset > size || s->filesz > size - s->offset)
			return "multiboot ELF segment lies outside the file";
		if (!entry_found)
			entry_found = elf_entry(rd32(ph + 8), s, &entry);
		mi->nr_seg++;
	}
	if (!mi->nr_seg)
		return "multiboot ELF image has no loadable segment";
	if (!entry_found)
		return "multiboot ELF entry point lies outside its loadable segments";
	mi->entry = entry;
	return NULL;
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 bend)
{
	return a < bend && b < a + alen;
}

/* Every segment in low RAM, clear of the boot area and the reserved
 * window; the entry inside what is loaded. */
static const char *check_segments(const struct partition *p, const struct mb_image *mi)
{
	u64 low_end = guest_low_ram_end(p);
	bool entry_ok = false;

	for (u32 i = 0; i < mi->nr_seg; i++) {
		const struct mb_segment *s = &mi->seg[i];
		if (s->paddr > low_end || s->memsz > low_end - s->paddr)
			return "multiboot kernel segment lies outside the partition's low RAM";
		if (overlaps(s->paddr, s->memsz, MB_AREA_START, MB_AREA_END))
			return "multiboot kernel segment overlaps the boot information area";
		if (overlaps(s->paddr, s->memsz, LINUX_LOW_END, MiB(1)))
			return "multiboot kernel segment overlaps the reserved 0x9f000-0x100000 area";
		if (mi->entry >= s->paddr && mi->entry - s->paddr < s->memsz)
			entry_ok = true;
	}
	return entry_ok ? NULL : "multiboot entry point lies outside the loaded image";
}

/* The module at the first page past the kernel (page-aligned whether or
 * not the header asks, 3.1.2), in low RAM; its entry and string. */
static const char *load_module(struct partition *p, const struct mb_image *mi, const u8 *mod,
			       u64 mod_size, const char *mod_cmdline, struct multiboot_info *mbi)
{
	u64 at = 0, low_end = guest_low_ram_end(p);
	u64 slen = strnlen(mod_cmdline, MB_CMDLINE - MB_MOD_STRING);

	for (u32 i = 0; i < mi->nr_seg; i++)
		at = MAX(at, ALIGN_UP(mi->seg[i].paddr + mi->seg[i].memsz, PAGE_SIZE));
	if (at > low_end || mod_size > low_end - at)
		return "the multiboot module does not fit in low RAM past the kernel";
	if (slen >= MB_CMDLINE - MB_MOD_STRING)
		return "the multiboot module's command line is too long";
	u32 entry[4] = { (u32)at, (u32)(at + mod_size), (u32)MB_MOD_STRING, 0 };
	if (gpa_write(p, at, mod, mod_size) || gpa_write(p, MB_MODS, entry, sizeof(entry)) ||
	    gpa_write(p, MB_MOD_STRING, mod_cmdline, slen + 1))
		return "the multiboot module lands outside the partition's RAM";
	mbi->flags |= MBI_MODS;
	mbi->mods_count = 1;
	mbi->mods_addr = (u32)MB_MODS;
	return NULL;
}

/* 3.3: mem_*, the memory map, the command line and our name. */
static const char *write_info(struct partition *p, const char *cmdline,
			      struct multiboot_info mbi)
{
	struct guest_mem_range map[16];
	int n = guest_memory_map(p, map, (int)ARRAY_SIZE(map));
	const char *name = p->cfg.name[0] ? p->cfg.name : "kernel";
	u64 nlen = strnlen(name, sizeof(p->cfg.name)), clen;
	int err = 0;

	if (n < 0)
		return "partition memory map has too many ranges";
	if (!cmdline)
		cmdline = "";
	clen = strnlen(cmdline, MB_AREA_END - MB_CMDLINE);
	if (nlen + 1 + clen + 1 > MB_AREA_END - MB_CMDLINE)
		return "multiboot command line is too long";
	for (int i = 0; i < n; i++) {
		struct multiboot_mmap_entry e = { 20, map[i].base, map[i].size, map[i].type };
		err |= gpa_write(p, MB_MMAP + (u64)i * sizeof(e), &e, sizeof(e));
		/* "Lower memory starts at address 0, and upper memory starts
		 * at address 1 megabyte"; upper ends at the first hole. */
		if (map[i].type == GUEST_MEM_RAM && map[i].base == 0)
			mbi.mem_lower = (u32)(MIN(map[i].size, KiB(640)) >> 10);
		if (map[i].type == GUEST_MEM_RAM && map[i].base == MiB(1))
			mbi.mem_upper = (u32)(map[i].size >> 10);
	}
	mbi.flags |= MBI_MEMORY | MBI_CMDLINE | MBI_MMAP | MBI_LOADER_NAME;
	mbi.mmap_addr = (u32)MB_MMAP;
	mbi.mmap_length = (u32)(n * sizeof(struct multiboot_mmap_entry));
	mbi.cmdline = (u32)MB_CMDLINE;
	mbi.boot_loader_name = (u32)MB_LOADER_NAME;
	err |= gpa_write(p, MB_INFO, &mbi, sizeof(mbi));
	err |= gpa_write(p, MB_LOADER_NAME, LOADER_NAME, sizeof(LOADER_NAME));
	err |= gpa_write(p, MB_CMDLINE, name, nlen);
	err |= gpa_write(p, MB_CMDLINE + nlen, clen ? " " : "", 1);
	err |= gpa_write(p, MB_CMDLINE + nlen + 1, cmdline, clen + 1);
	return err ? "partition has no RAM for the multiboot information" : NULL;
}

const char *multiboot_load(struct partition *p, const u8 *img, u64 size, const char *cmdline,
			   const u8 *mod, u64 mod_size, const char *mod_cmdline,
			   struct vcpu_state *bsp)
{
	struct multiboot_info mbi = { 0 };
	/* The GDT the spec does not require: null, 0x08 code, 0x10 data. */
	static const u64 gdt[3] = { 0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL };
	struct mb_image mi;
	s64 hoff = find_header(img, size);
	const char *err;

	if (hoff < 0)
		return "no multiboot header in the first 8 KiB";
	u32 flags = rd32(img + hoff + 4);
	/* 3.1.2: a requirement bit the loader cannot meet must fail the
	 * load. Bit 0 (page-aligned modules) and bit 1 are met. */
	if (flags & MB_FLAG_VIDEO)
		return "multiboot kernel requires video mode information (flag 2)";
	if (flags & 0xfff8u)
		return "multiboot kernel requires unknown features (flags bits 3-15)";
	memset(&mi, 0, sizeof(mi));
	err = (flags & MB_FLAG_AOUT_KLUDGE) ? parse_kludge(img, size, (u64)hoff, &mi)
					    : parse_elf(img, size, &mi);
	if (err || (err = check_segments(p, &mi)))
		return err;

	if (gpa_zero(p, MB_AREA_START, MB_AREA_END - MB_AREA_START) ||
	    gpa_write(p, MB_GDT, gdt, sizeof(gdt)))
		return "partition has no RAM for the multiboot information";
	for (u32 i = 0; i < mi.nr_seg; i++) {
		const struct mb_segment *s = &mi.seg[i];
		if (gpa_write(p, s->paddr, img + s->offset, s->filesz) ||
		    gpa_zero(p, s->paddr + s->filesz, s->memsz - s->filesz))
			return "multiboot kernel segment lands outside the partition's RAM";
	}
	if (mod && (err = load_module(p, &mi, mod, mod_size, mod_cmdline ? mod_cmdline : "", &mbi)))
		return err;
	if ((err = write_info(p, cmdline, mbi)))
		return err;

	/* 3.2 Machine state. */
	vcpu_state_entry(ENTRY_PROTECTED, mi.entry, 0, 0, 0, bsp);
	bsp->gdtr = (struct dtable){ MB_GDT, sizeof(gdt) - 1 };
	bsp->gpr[GPR_RAX] = MB_BOOT_MAGIC;
	bsp->gpr[GPR_RBX] = MB_INFO;
	bsp->gpr[GPR_RSI] = 0;
	bsp->gpr[GPR_RDI] = 0;
	return NULL;
}
