// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux bzImages through the 32-bit boot protocol (Documentation/arch/x86/
 * boot.rst, "32-bit Boot Protocol"; the zero page per zero-page.rst):
 * struct boot_params zeroed, the setup header copied from the image and
 * filled in as a loader does, the protected-mode kernel loaded, entered in
 * 32-bit protected mode with paging off at its first byte with ESI = the
 * zero page. Protocol 2.12+ only. The image is untrusted input: every
 * header value is checked before it sizes or places anything, in 64-bit
 * arithmetic from 32-bit fields so nothing wraps.
 *
 * Child memory plan (below 1 MiB nothing but the zero page and the
 * command line; the kernel copies both before it uses low memory):
 *
 *   0x09000  zero page (struct boot_params); ESP starts below it
 *   0x0a000  command line, up to HV_LOW_RAM_END and cmdline_size
 *   kernel   relocatable: pref_address (raised to 1 MiB and
 *            kernel_alignment), where it also runs; otherwise 1 MiB, and
 *            it runs at pref_address. init_size bytes from where it runs
 *            must be RAM.
 *   initrd   page-aligned, as high as low RAM and initrd_addr_max allow,
 *            above the kernel
 *
 * e820 (hv_abi.h's layout): RAM [0, HV_LOW_RAM_END), reserved
 * [HV_LOW_RAM_END, 1 MiB), RAM [1 MiB, min(memory, 3 GiB)), and RAM from
 * 4 GiB for the rest.
 */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECTOR 512
#define PAGE 4096ull
#define MIB (1ull << 20)
#define HDR_START 0x1f1
#define HDR_MIN_END 0x268 /* through handover_offset: every 2.12 field */
#define HDR_MAX_END 0x290 /* the room struct boot_params has for it */
#define KERNEL_MAX (1ull << 30)

/* Offsets in the image's setup header and in struct boot_params. */
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_SENTINEL 0x1ef
#define BP_E820_TABLE 0x2d0
#define E820_ENTRY 20
#define E820_RAM 1
#define E820_RESERVED 2
#define H_SETUP_SECTS 0x1f1
#define H_VID_MODE 0x1fa
#define H_BOOT_FLAG 0x1fe
#define H_HEADER 0x202
#define H_VERSION 0x206
#define H_TYPE_OF_LOADER 0x210
#define H_LOADFLAGS 0x211
#define H_CODE32_START 0x214
#define H_RAMDISK_IMAGE 0x218
#define H_RAMDISK_SIZE 0x21c
#define H_CMD_LINE_PTR 0x228
#define H_INITRD_ADDR_MAX 0x22c
#define H_KERNEL_ALIGNMENT 0x230
#define H_RELOCATABLE 0x234
#define H_CMDLINE_SIZE 0x238
#define H_SETUP_DATA 0x250
#define H_PREF_ADDRESS 0x258
#define H_INIT_SIZE 0x260

#define LOADED_HIGH 0x01
/* Obsolete since Linux 5.8, which loads its own GDT first; before, it
 * makes startup_32 keep the flat segments it was entered with instead of
 * loading __BOOT_DS (0x18) from a GDT the entry state does not have
 * (HV_MODE_PROTECTED: flat CS 0x08, data 0x10, no boot GDT). */
#define KEEP_SEGMENTS 0x40
#define VID_MODE_NORMAL 0xffff

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

static int fail(struct load_plan *plan, enum load_blame blame, char *err, size_t errlen,
		const char *msg)
{
	plan->blame = blame;
	snprintf(err, errlen, "%s", msg);
	return -1;
}

static void mib_str(uint64_t bytes, char *buf, size_t len)
{
	if (bytes % MIB == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes / MIB));
	else
		snprintf(buf, len, "%.1f MiB", (double)bytes / (double)MIB);
}

static void e820_add(uint8_t *zp, uint64_t base, uint64_t end, uint32_t type)
{
	uint8_t n = zp[BP_E820_ENTRIES];

	if (base >= end)
		return;
	uint8_t *e = zp + BP_E820_TABLE + n * E820_ENTRY;
	wr64(e, base);
	wr64(e + 8, end - base);
	wr32(e + 16, type);
	zp[BP_E820_ENTRIES] = (uint8_t)(n + 1);
}

int load_linux(const struct load_input *in, struct load_plan *plan, char *err, size_t errlen)
{
	const uint8_t *k = in->image;
	uint64_t ksize = in->size, mem = in->memory, low_top = load_low_top(mem);
	char a[32], b[32], msg[256];

	memset(plan, 0, sizeof(*plan));
	plan->kind = LOAD_LINUX;

	/* "The Real-Mode Kernel Header". */
	if (ksize < 2 * SECTOR || load_detect(k, ksize) != LOAD_LINUX)
		return fail(plan, LOAD_BLAME_KERNEL, err, errlen,
			    "not a Linux bzImage (no boot flag and HdrS signature)");
	if (ksize > KERNEL_MAX)
		return fail(plan, LOAD_BLAME_KERNEL, err, errlen, "kernel image is larger than 1 GiB");
	plan->protocol = rd16(k + H_VERSION);
	if (plan->protocol < 0x20c) {
		snprintf(msg, sizeof(msg), "kernel boot protocol %u.%02u is older than 2.12 "
			 "(Linux 3.8): too old to load", plan->protocol >> 8, plan->protocol & 0xff);
		return fail(plan, LOAD_BLAME_KERNEL, err, errlen, msg);
	}
	/* "0x0202 + byte value at offset 0x0201" is where the header ends. */
	uint64_t hdr_end = 0x202 + (uint64_t)k[0x201];
	if (hdr_end < HDR_MIN_END)
		return fail(plan, LOAD_BLAME_KERNEL, err, errlen,
			    "kernel setup header is shorter than protocol 2.12 requires");
	if (hdr_end > HDR_MAX_END)
		hdr_end = HDR_MAX_END;
	/* "If this field is 0, the real value is 4." */
	uint64_t sects = k[H_SETUP_SECTS] ? k[H_SETUP_SECTS] : 4;
	uint64_t setup_size = (sects + 1) * SECTOR;
	if (setup_size >= ksize || hdr_end > setup_size)
		return fail(plan, LOAD_BLAME_KERNEL, err, errlen,
			    "kernel image is truncated: its protected-mode part lies past the end");
	if (!(k[H_LOADFLAGS] & LOADED_HIGH))
		return fail(plan, LOAD_BLAME_KERNEL, err, errlen,
			    "kernel is a zImage (LOADED_HIGH clear): only bzImages load");
	uint64_t pm_size = ksize - setup_size;
	uint64_t init_size = rd32(k + H_INIT_SIZE), pref = rd64(k + H_PREF_ADDRESS);
	uint64_t align = rd32(k + H_KERNEL_ALIGNMENT);
	bool relocatable = k[H_RELOCATABLE] != 0;
	if (!init_size)
		return fail(plan, LOAD_BLAME_KERNEL, err, errlen, "kernel's init_size is zero");
	if (init_size < pm_size)
		init_size = pm_size; /* the file must fit where it runs, too */

	if (pref >= HV_LOW_RAM_MAX)
		return fail(plan, LOAD_BLAME_KERNEL, err, errlen,
			    "kernel's pref_address lies above 3 GiB, outside low RAM");

	/* Where it loads and where it runs (boot.rst, init_size: "the kernel
	 * runtime start address"). */
	uint64_t load, run;
	if (relocatable) {
		if (align < PAGE || align > (1ull << 30) || (align & (align - 1)))
			return fail(plan, LOAD_BLAME_KERNEL, err, errlen, "kernel_alignment is not "
				    "a power of two between 4 KiB and 1 GiB");
		load = align_up(pref > LOAD_LINUX_KERNEL_MIN ? pref : LOAD_LINUX_KERNEL_MIN, align);
		run = load;
	} else {
		load = LOAD_LINUX_KERNEL_MIN;
		run = pref > LOAD_LINUX_KERNEL_MIN ? pref : LOAD_LINUX_KERNEL_MIN;
	}
	uint64_t kend = run + init_size > load + pm_size ? run + init_size : load + pm_size;
	if (kend > low_top) {
		mib_str(kend, a, sizeof(a));
		mib_str(low_top, b, sizeof(b));
		snprintf(msg, sizeof(msg), "the kernel needs RAM up to %s (pref_address + "
			 "init_size) and the partition has %s: raise memory", a, b);
		return fail(plan, LOAD_BLAME_MEMORY, err, errlen, msg);
	}
	plan->kernel_gpa = load;
	plan->kernel_end = kend;
	plan->entry = load;

	/* "The Kernel Command Line": at most cmdline_size characters. */
	const char *cmdline = in->cmdline ? in->cmdline : "";
	size_t clen = strlen(cmdline);
	uint64_t cmax = rd32(k + H_CMDLINE_SIZE);
	if (cmax > HV_LOW_RAM_END - LOAD_LINUX_CMDLINE - 1)
		cmax = HV_LOW_RAM_END - LOAD_LINUX_CMDLINE - 1;
	if (clen > cmax) {
		snprintf(msg, sizeof(msg), "the command line is %zu bytes and this kernel takes "
			 "at most %llu", clen, (unsigned long long)cmax);
		return fail(plan, LOAD_BLAME_CMDLINE, err, errlen, msg);
	}

	/* The initrd: as high as allowed, page-aligned, above the kernel. */
	uint64_t isize = in->initrd ? in->initrd_size : 0;
	if (in->initrd && !isize)
		return fail(plan, LOAD_BLAME_RAMDISK, err, errlen, "the ramdisk file is empty");
	if (isize) {
		uint64_t top = (uint64_t)rd32(k + H_INITRD_ADDR_MAX) + 1; /* last byte + 1 */
		if (top > low_top)
			top = low_top;
		uint64_t at = isize <= top ? (top - isize) & ~(PAGE - 1) : 0;
		if (isize > top || at < kend) {
			mib_str(isize, a, sizeof(a));
			mib_str(kend, b, sizeof(b));
			char c[32];
			mib_str(top, c, sizeof(c));
			snprintf(msg, sizeof(msg), "the ramdisk (%s) does not fit between the kernel's "
				 "end (%s) and %s: raise memory", a, b, c);
			return fail(plan, LOAD_BLAME_RAMDISK, err, errlen, msg);
		}
		plan->initrd_gpa = at;
	}

	/* The zero page: zeroed, the setup header from the image, then what
	 * a loader fills in. */
	uint8_t *zp = calloc(1, PAGE);
	if (!zp)
		return fail(plan, LOAD_BLAME_KERNEL, err, errlen, "out of memory");
	plan->owned[0] = zp;
	memcpy(zp + HDR_START, k + HDR_START, hdr_end - HDR_START);
	zp[BP_SENTINEL] = 0;
	wr16(zp + H_VID_MODE, VID_MODE_NORMAL);
	zp[H_TYPE_OF_LOADER] = 0xff; /* no assigned boot loader id */
	zp[H_LOADFLAGS] = (uint8_t)(zp[H_LOADFLAGS] | KEEP_SEGMENTS);
	wr32(zp + H_CODE32_START, (uint32_t)load);
	wr32(zp + H_CMD_LINE_PTR, (uint32_t)LOAD_LINUX_CMDLINE);
	wr32(zp + H_RAMDISK_IMAGE, (uint32_t)plan->initrd_gpa);
	wr32(zp + H_RAMDISK_SIZE, (uint32_t)isize);
	wr64(zp + H_SETUP_DATA, 0);
	if (in->pc)
		wr64(zp + BP_ACPI_RSDP, HV_ACPI_BASE);
	uint64_t first_ram_end = low_top < HV_LOW_RAM_END ? low_top : HV_LOW_RAM_END;
	e820_add(zp, 0, first_ram_end, E820_RAM);
	e820_add(zp, HV_LOW_RAM_END, 1 * MIB, E820_RESERVED);
	e820_add(zp, 1 * MIB, low_top, E820_RAM);
	e820_add(zp, HV_HIGH_RAM_BASE, HV_HIGH_RAM_BASE + load_high_size(mem), E820_RAM);

	load_add(plan, LOAD_LINUX_ZERO_PAGE, zp, PAGE, "zero page");
	load_add(plan, LOAD_LINUX_CMDLINE, cmdline, clen + 1, "command line");
	load_add(plan, load, k + setup_size, pm_size, "kernel");
	load_add(plan, plan->initrd_gpa, in->initrd, isize, "ramdisk");

	/* "At entry, the CPU must be in 32-bit protected mode with paging
	 * disabled; ... %esi must hold the base address of the struct
	 * boot_params; %ebp, %edi and %ebx must be zero." The protocol's
	 * __BOOT_CS/__BOOT_DS selectors are not the mode's (KEEP_SEGMENTS
	 * above); interrupts are off in every HV_MODE entry state. */
	struct hv_vcpu_state *s = &plan->vcpu0;
	s->mode = HV_MODE_PROTECTED;
	s->flags = HV_VCPU_RUNNABLE;
	s->rip = load;
	s->gpr[4] = LOAD_LINUX_STACK_TOP; /* RSP */
	s->gpr[6] = LOAD_LINUX_ZERO_PAGE; /* RSI */
	return 0;
}
