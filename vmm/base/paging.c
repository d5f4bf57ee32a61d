// SPDX-License-Identifier: GPL-2.0-only
/* The hypervisor's own address space. */
#include "vmm/base/paging.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/pmm.h"
#include "vmm/base/x86.h"

struct pt hv_pt;
u64 direct_map_offset; /* 0: boot identity map; see layout.h */
u64 image_phys_base;

/* Before the switch, new tables must sit where the boot map reaches. */
static paddr_t table_limit = GiB(4);

static paddr_t hv_pt_alloc(void *ctx)
{
	(void)ctx;
	return pmm_alloc_zeroed(1, PAGE_SIZE, table_limit);
}

static void hv_pt_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	pmm_free(pa, 1);
}

static void hv_pt_flush(struct pt *pt, u64 va, u64 size)
{
	(void)pt;
	if (!direct_map_offset)
		return; /* tables not live yet */
	if (size <= 64 * PAGE_SIZE) {
		for (u64 off = 0; off < size; off += PAGE_SIZE)
			invlpg(va + off);
	} else {
		write_cr3(read_cr3());
	}
}

bool cpu_has_1g_pages(void)
{
	return cpuid(0x80000001).edx & BIT(26);
}

static int map_image_range(const char *start, const char *end, u32 prot)
{
	u64 va = (u64)(uintptr_t)start;
	u64 size = (u64)(end - start);

	return pt_map(&hv_pt, va, va - KERNEL_VBASE + image_phys_base, size, prot | PT_GLOBAL);
}

static int map_direct(paddr_t pa, u64 len)
{
	paddr_t start = ALIGN_DOWN(pa, LARGE_PAGE_SIZE);
	paddr_t end = ALIGN_UP(pa + len, LARGE_PAGE_SIZE);

	if (end > DIRECT_MAP_SIZE)
		end = DIRECT_MAP_SIZE;
	if (start >= end)
		return 0;
	return pt_map(&hv_pt, DIRECT_MAP_BASE + start, start, end - start, PT_R | PT_W);
}

const char *paging_init(const struct boot_info *bi)
{
	if (!(cpuid(0x80000001).edx & BIT(20)))
		return "CPU lacks the NX bit";
	image_phys_base = bi->image_pa;
	if (pt_init(&hv_pt, &pt_format_x86, cpu_has_1g_pages() ? 3 : 2, hv_pt_alloc,
		    hv_pt_free, NULL) < 0)
		return "out of memory for page tables";
	hv_pt.flush = hv_pt_flush;

	/* The low 4 GiB whole (it holds the local APIC, I/O APIC and most
	 * device registers), then every range the firmware describes above. */
	int r = map_direct(0, GiB(4));
	for (u32 i = 0; i < bi->mmap_count && r == 0; i++)
		r = map_direct(bi->mmap[i].base, bi->mmap[i].len);
	if (r == 0)
		r = map_image_range(__image_start, __text_start, PT_R | PT_W);
	if (r == 0)
		r = map_image_range(__text_start, __text_end, PT_R | PT_X);
	if (r == 0)
		r = map_image_range(__rodata_start, __rodata_end, PT_R);
	if (r == 0)
		r = map_image_range(__data_start, __image_end, PT_R | PT_W);
	if (r < 0)
		return "out of memory for page tables";

	paging_load();
	direct_map_offset = DIRECT_MAP_BASE;
	table_limit = 0;
	return NULL;
}

void paging_load(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	write_cr4(read_cr4() | CR4_PGE);
	write_cr3(hv_pt.root);
}

void *ioremap(paddr_t pa, u64 size)
{
	paddr_t start = ALIGN_DOWN(pa, PAGE_SIZE);
	paddr_t end = ALIGN_UP(pa + size, PAGE_SIZE);

	if (end > DIRECT_MAP_SIZE || end <= start)
		return NULL;
	if (pt_map(&hv_pt, DIRECT_MAP_BASE + start, start, end - start,
		   PT_R | PT_W | PT_UC) < 0)
		return NULL;
	return phys_to_virt(pa);
}
