// SPDX-License-Identifier: GPL-2.0-only
/*
 * ELF32 and ELF64 images (the project's test guests and other freestanding
 * payloads): PT_LOAD segments at their physical addresses, file bytes
 * only (the child's memory starts zeroed, so bss needs no write), and the
 * entry state hv_abi.h gives pre-launched images, as partitions/loader.c
 * and partitions/build.c do in the hypervisor: RDI = vCPU index (0),
 * RSI = memory size in bytes (saturated at 4 GiB-1 for ELF32); ELF32 in
 * HV_MODE_PROTECTED; ELF64 in HV_MODE_LONG on an identity map of the
 * first 4 GiB with 2 MiB pages whose six tables (PML4, PDPT, 4 PDs) sit
 * at the top of low RAM, where no segment may go. The image is untrusted:
 * every offset and size is checked in 64-bit arithmetic.
 */
#include "load.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PHNUM_MAX 64
#define PAGE 4096ull
#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

__attribute__((format(printf, 4, 5)))
static int fail(struct load_plan *plan, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	plan->blame = LOAD_BLAME_KERNEL;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The identity map of 0-4 GiB with 2 MiB pages, as build_boot_tables. */
static uint8_t *build_tables(uint64_t base)
{
	uint8_t *t = calloc(1, LOAD_TABLES_SIZE);
	uint64_t e;

	if (!t)
		return NULL;
	e = (base + PAGE) | PTE_P | PTE_W;
	memcpy(t, &e, 8);
	for (uint64_t i = 0; i < 4; i++) {
		e = (base + (2 + i) * PAGE) | PTE_P | PTE_W;
		memcpy(t + PAGE + i * 8, &e, 8);
	}
	for (uint64_t i = 0; i < 4 * 512; i++) {
		e = (i << 21) | PTE_P | PTE_W | PTE_PS;
		memcpy(t + 2 * PAGE + i * 8, &e, 8);
	}
	return t;
}

int load_elf(const struct load_input *in, struct load_plan *plan, char *err, size_t errlen)
{
	const uint8_t *img = in->image;
	uint64_t size = in->size, mem = in->memory, low_top = load_low_top(mem);

	memset(plan, 0, sizeof(*plan));
	if (size < 5 || memcmp(img, "\177ELF", 4))
		return fail(plan, err, errlen, "not an ELF image");
	if (img[4] != 1 && img[4] != 2)
		return fail(plan, err, errlen, "ELF class %u is neither 32- nor 64-bit", img[4]);
	bool is64 = img[4] == 2;
	plan->kind = is64 ? LOAD_ELF64 : LOAD_ELF32;
	if (size < (is64 ? 64u : 52u))
		return fail(plan, err, errlen, "ELF header is truncated");
	if (img[5] != 1)
		return fail(plan, err, errlen, "ELF image is not little-endian");
	uint16_t machine = rd16(img + 18);
	if (machine != (is64 ? EM_X86_64 : EM_386))
		return fail(plan, err, errlen, "ELF image is for machine %u, not %s", machine,
			    is64 ? "x86-64 (62)" : "i386 (3)");
	if (in->initrd)
		return fail(plan, err, errlen, "an ELF image takes no ramdisk (only a Linux "
			    "kernel does)");
	uint64_t phoff = is64 ? rd64(img + 32) : rd32(img + 28);
	uint16_t phentsize = rd16(img + (is64 ? 54 : 42));
	uint16_t phnum = rd16(img + (is64 ? 56 : 44));
	uint64_t entry = is64 ? rd64(img + 24) : rd32(img + 24);
	if (phnum == 0 || phnum > PHNUM_MAX)
		return fail(plan, err, errlen, "ELF image has %u program headers (1 to %u "
			    "expected)", phnum, PHNUM_MAX);
	if (phentsize < (is64 ? 56 : 32))
		return fail(plan, err, errlen, "ELF program header size %u is too small", phentsize);
	if (phoff > size || (uint64_t)phnum * phentsize > size - phoff)
		return fail(plan, err, errlen, "ELF program headers lie outside the file");

	/* ELF64's tables: the top of low RAM; ELF32 has none. */
	uint64_t limit = low_top;
	if (is64) {
		if (low_top < LOAD_TABLES_SIZE + (1ull << 20))
			return fail(plan, err, errlen, "the partition is too small for the page tables");
		limit = low_top - LOAD_TABLES_SIZE;
		plan->tables_gpa = limit;
	}

	unsigned loaded = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
		uint64_t off, paddr, filesz, memsz;
		if (rd32(ph) != PT_LOAD)
			continue;
		if (is64) {
			off = rd64(ph + 8);
			paddr = rd64(ph + 24);
			filesz = rd64(ph + 32);
			memsz = rd64(ph + 40);
		} else {
			off = rd32(ph + 4);
			paddr = rd32(ph + 12);
			filesz = rd32(ph + 16);
			memsz = rd32(ph + 20);
		}
		if (filesz > memsz)
			return fail(plan, err, errlen, "ELF segment %u has more file bytes than "
				    "memory bytes", i);
		if (off > size || filesz > size - off)
			return fail(plan, err, errlen, "ELF segment %u lies outside the file", i);
		if (!memsz)
			continue;
		if (!load_in_ram(mem, paddr, memsz))
			return fail(plan, err, errlen, "ELF segment %u [0x%llx, 0x%llx) lies outside "
				    "the partition's RAM", i, (unsigned long long)paddr,
				    (unsigned long long)(paddr + memsz));
		if (is64 && paddr < low_top && paddr + memsz > limit)
			return fail(plan, err, errlen, "ELF segment %u [0x%llx, 0x%llx) overlaps the "
				    "page tables at [0x%llx, 0x%llx)", i, (unsigned long long)paddr,
				    (unsigned long long)(paddr + memsz), (unsigned long long)limit,
				    (unsigned long long)low_top);
		if (!load_add(plan, paddr, img + off, filesz, "ELF segment"))
			return fail(plan, err, errlen, "ELF image has too many segments");
		if (!loaded || paddr < plan->kernel_gpa)
			plan->kernel_gpa = paddr;
		if (paddr + memsz > plan->kernel_end)
			plan->kernel_end = paddr + memsz;
		loaded++;
	}
	if (!loaded)
		return fail(plan, err, errlen, "ELF image has no loadable segment");
	if (entry >= limit)
		return fail(plan, err, errlen, "ELF entry point 0x%llx lies outside the partition's "
			    "low RAM (below 0x%llx)", (unsigned long long)entry,
			    (unsigned long long)limit);
	plan->entry = entry;

	struct hv_vcpu_state *s = &plan->vcpu0;
	s->flags = HV_VCPU_RUNNABLE;
	s->rip = entry;
	s->gpr[7] = 0; /* RDI: vCPU index */
	if (is64) {
		uint8_t *t = build_tables(limit);
		if (!t)
			return fail(plan, err, errlen, "out of memory");
		plan->owned[0] = t;
		if (!load_add(plan, limit, t, LOAD_TABLES_SIZE, "page tables"))
			return fail(plan, err, errlen, "ELF image has too many segments");
		s->mode = HV_MODE_LONG;
		s->cr3 = limit;
		s->gpr[6] = mem; /* RSI */
	} else {
		s->mode = HV_MODE_PROTECTED;
		s->gpr[6] = mem < 0xffffffffull ? mem : 0xffffffffull;
	}
	return 0;
}
