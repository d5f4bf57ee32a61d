// SPDX-License-Identifier: GPL-2.0-only
#include "partitions/loader.h"
#include "vmm/gmem.h"
#include "vmm/base/string.h"

#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define MAX_SEGMENTS 64

struct segment_desc {
	u64 offset, paddr, filesz, memsz;
};

static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

/* Places one segment, after checking it against the file and memory. */
static const char *load_segment(struct partition *p, const u8 *img, u64 size, u64 limit,
				const struct segment_desc *s)
{
	if (s->filesz > s->memsz)
		return "ELF segment has more file bytes than memory bytes";
	if (s->offset > size || s->filesz > size - s->offset)
		return "ELF segment lies outside the file";
	if (s->paddr > limit || s->memsz > limit - s->paddr)
		return "ELF segment does not fit the partition's memory";
	if (gpa_write(p, s->paddr, img + s->offset, s->filesz) ||
	    gpa_zero(p, s->paddr + s->filesz, s->memsz - s->filesz))
		return "ELF segment lands outside the partition's RAM";
	return NULL;
}

static const char *load_elf(struct partition *p, const u8 *img, u64 size, u64 limit,
			    struct image_info *out)
{
	bool is64 = img[4] == 2;
	u64 hdr = is64 ? 64 : 52;

	if (size < hdr)
		return "ELF header truncated";
	if (img[4] != 1 && img[4] != 2)
		return "ELF class is neither 32- nor 64-bit";
	if (img[5] != 1)
		return "ELF image is not little-endian";
	u16 machine = rd16(img + 18);
	if ((is64 && machine != EM_X86_64) || (!is64 && machine != EM_386))
		return "ELF image is not for x86";
	u64 phoff = is64 ? rd64(img + 32) : rd32(img + 28);
	u16 phentsize = rd16(img + (is64 ? 54 : 42));
	u16 phnum = rd16(img + (is64 ? 56 : 44));
	out->entry = is64 ? rd64(img + 24) : rd32(img + 24);
	out->mode = is64 ? ENTRY_LONG : ENTRY_PROTECTED;
	out->elf = true;

	if (phnum == 0 || phnum > MAX_SEGMENTS)
		return "ELF image has no program headers, or too many";
	if (phentsize < (is64 ? 56 : 32))
		return "ELF program header size is too small";
	if (phoff > size || (u64)phnum * phentsize > size - phoff)
		return "ELF program headers lie outside the file";

	int loaded = 0;
	for (u16 i = 0; i < phnum; i++) {
		const u8 *ph = img + phoff + (u64)i * phentsize;
		if (rd32(ph) != PT_LOAD)
			continue;
		struct segment_desc s;
		if (is64) {
			s.offset = rd64(ph + 8);
			s.paddr = rd64(ph + 24);
			s.filesz = rd64(ph + 32);
			s.memsz = rd64(ph + 40);
		} else {
			s.offset = rd32(ph + 4);
			s.paddr = rd32(ph + 12);
			s.filesz = rd32(ph + 16);
			s.memsz = rd32(ph + 20);
		}
		const char *err = load_segment(p, img, size, limit, &s);
		if (err)
			return err;
		loaded++;
	}
	if (!loaded)
		return "ELF image has no loadable segment";
	if (out->entry >= limit)
		return "ELF entry point lies outside the partition's memory";
	return NULL;
}

const char *image_load(struct partition *p, const u8 *img, u64 size, const struct part_config *cfg,
		       u64 limit, struct image_info *out)
{
	if (size >= 4 && !memcmp(img, "\177ELF", 4)) {
		const char *err = load_elf(p, img, size, limit, out);
		if (!err && cfg->mode_set)
			out->mode = cfg->mode;
		return err;
	}
	out->elf = false;
	out->mode = cfg->mode;
	u64 load = cfg->load_set ? cfg->load : (cfg->mode == ENTRY_REAL ? 0x7c00 : MiB(1));
	out->entry = cfg->entry_set ? cfg->entry : load;
	if (!size)
		return "image is empty";
	if (load > limit || size > limit - load)
		return "image does not fit the partition's memory at its load address";
	if (out->entry >= limit)
		return "entry point lies outside the partition's memory";
	if (out->mode == ENTRY_REAL && out->entry >= 0x100000)
		return "real-mode entry point must lie below 1 MiB";
	if (gpa_write(p, load, img, size))
		return "image lands outside the partition's RAM";
	return NULL;
}
