// SPDX-License-Identifier: GPL-2.0-only
/* The parent partition's memory, devices, ports and power (parent.h). */
#include "partitions/parent.h"
#include "partitions/linux.h"
#include "vmm/dev/passthru.h"
#include "vmm/base/console.h"
#include "vmm/base/cpu.h"
#include "vmm/base/fmt.h"
#include "vmm/host_irq.h"
#include "vmm/iommu.h"
#include "vmm/main.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/percpu.h"
#include "vmm/dev/platform.h"
#include "vmm/base/pmm.h"
#include "vmm/base/power.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/string.h"
#include "vmm/dev/vlapic.h"
#include "vmm/base/x86.h"
#include "drivers/acpi.h"

/* Memory the hypervisor keeps free for itself (page tables, vCPUs,
 * heap) when the parent takes the rest: 1/32 of it, within these. */
#define KEEP_MIN MiB(32)
#define KEEP_MAX MiB(256)
/* Page-table pages the parent's on-demand mappings of device space may
 * add (2 MiB): device space comes in 2 MiB blocks, so a table page
 * covers 1 GiB of it and the machine's MMIO needs a handful; a sweep of
 * a 52-bit physical address space would otherwise take the hypervisor's
 * memory with it. */
#define ON_DEMAND_TABLE_PAGES 512

static paddr_t rsdp_page;
static u32 cpu_of[MAX_VCPUS];

/* ---- memory -------------------------------------------------------------- */

/* RAM at its own address. The first MiB was never the pool's; what the
 * parent took from the pool goes back to it with the parent. */
static const char *add_identity(struct partition *p, u64 base, u64 size)
{
	return partition_add_region(p, base, base, size, base >= MiB(1));
}

static const char *setup_memory(struct partition *p, const struct boot_info *host, u64 cap)
{
	const char *err;
	u64 total = 0;

	/* Below 1 MiB: what the firmware calls usable. The hypervisor keeps
	 * the first MiB out of its pool and needed it only to start CPUs;
	 * Linux needs it for its own real-mode trampoline. Partly usable
	 * pages are the parent's whole: the rest of such a page is firmware
	 * data (the EBDA after 0x9fc00) it reads as on a PC. */
	for (u32 i = 0; i < host->mmap_count; i++) {
		const struct boot_mem_range *r = &host->mmap[i];
		u64 lo = ALIGN_DOWN(r->base, PAGE_SIZE);
		u64 hi = ALIGN_UP(MIN(r->base + r->len, MiB(1)), PAGE_SIZE);
		if (p->nr_ram && lo < p->ram[p->nr_ram - 1].gpa + p->ram[p->nr_ram - 1].size)
			lo = p->ram[p->nr_ram - 1].gpa + p->ram[p->nr_ram - 1].size;
		if (r->type != BOOT_MEM_USABLE || lo >= hi)
			continue;
		if ((err = add_identity(p, lo, hi - lo)))
			return err;
		total += hi - lo;
	}

	struct pmm_stats st;
	pmm_get_stats(&st);
	u64 free = st.free_pages * PAGE_SIZE;
	u64 keep = MIN(MAX(free / 32, KEEP_MIN), KEEP_MAX);
	if (free < keep + MiB(64))
		return "not enough free memory for the parent";
	/* The pool for the children it will create: pool=, or a quarter of
	 * what is free, leaving the parent at least 64 MiB. */
	u64 pool = hv_opts.pool_set ? hv_opts.pool : ALIGN_DOWN(free / 4, MiB(2));
	pool = MIN(pool, free - keep - MiB(64));
	partition_pool_init(keep);
	u64 want = free - keep - pool;
	if (cap)
		want = cap > total ? MIN(want, cap - total) : 0;

	/* Every free run from 1 MiB up, lowest first: the kernel and its
	 * initrd want memory below 4 GiB. */
	for (u64 from = MiB(1); want >= PAGE_SIZE;) {
		u64 n;
		paddr_t pa = pmm_alloc_run(from, want / PAGE_SIZE, &n);
		if (!pa)
			break;
		if (p->nr_ram >= MAX_RAM_REGIONS) {
			pmm_free(pa, n);
			pr_warn("parent: free memory is in more than %u pieces; the rest stays free",
				MAX_RAM_REGIONS);
			break;
		}
		/* Nothing of the boot (loader data, freed boot pages) leaks. */
		memset(phys_to_virt(pa), 0, n * PAGE_SIZE);
		if ((err = add_identity(p, pa, n * PAGE_SIZE)))
			return err;
		total += n * PAGE_SIZE;
		want -= n * PAGE_SIZE;
		from = pa + n * PAGE_SIZE;
	}
	p->cfg.mem = total;
	return NULL;
}

/* Its own copy of the machine's RSDP, read-only, in a page the memory
 * map calls reserved: UEFI machines keep the RSDP where no scan finds it. */
static const char *setup_rsdp(struct partition *p, const struct boot_info *host)
{
	if (!host->rsdp_len)
		return NULL; /* the kernel scans the BIOS areas itself */
	rsdp_page = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	if (!rsdp_page)
		return "out of memory";
	memcpy(phys_to_virt(rsdp_page), host->rsdp, MIN(host->rsdp_len, sizeof(host->rsdp)));
	if (pt_map(&p->slat, rsdp_page, rsdp_page, PAGE_SIZE, PT_R | PT_USER) < 0)
		return "out of memory for nested page tables";
	return NULL;
}

u64 parent_rsdp(void)
{
	return rsdp_page;
}

u32 parent_vcpu_cpu(u32 i)
{
	return i < MAX_VCPUS ? cpu_of[i] : 0;
}

/* ---- what the parent may touch ------------------------------------------ */

/* Pages that are the hypervisor's whatever the memory map says. */
static const char *hv_page(u64 page)
{
	if (acpi.lapic_addr && page == ALIGN_DOWN(acpi.lapic_addr, PAGE_SIZE))
		return "the local APIC";
	for (u32 i = 0; i < acpi.nioapics; i++)
		if (page == ALIGN_DOWN((u64)acpi.ioapics[i].addr, PAGE_SIZE))
			return "an I/O APIC";
	if (iommu_register_page(page))
		return "an IOMMU";
	return NULL;
}

static u32 phys_bits(void)
{
	return boot_cpu.phys_addr_bits ? boot_cpu.phys_addr_bits : 36;
}

/* What the parent may not reach at gpa, or NULL: the hypervisor's (its
 * memory and the APIC pages), memory the firmware calls bad, addresses
 * past the physical address width, and -- once the parent's on-demand
 * mappings have used up their page-table quota -- any more device space. */
static const char *hidden_what(const struct partition *p, u64 gpa)
{
	const char *what = hv_page(ALIGN_DOWN(gpa, PAGE_SIZE));
	u32 type = parent_host_type(gpa);

	if (what)
		return what;
	if (passthru_holds_page(ALIGN_DOWN(gpa, PAGE_SIZE)))
		return "a PCI function's BAR (the function is a child's)";
	if (gpa >> phys_bits())
		return "an address past the physical address width";
	if (type == BOOT_MEM_USABLE)
		return parent_owned(p, gpa) ? NULL : "hypervisor memory";
	if (type == BOOT_MEM_BAD)
		return "memory the firmware marked bad";
	if (p->slat_quota && READ_ONCE(p->slat_pages) >= p->slat_quota)
		return "device space past its page-table quota";
	return NULL;
}

bool parent_gpa_hidden(const struct partition *p, u64 gpa)
{
	return hidden_what(p, gpa) != NULL;
}

void parent_report_denied(const struct partition *p, u64 gpa, bool write)
{
	static struct log_ratelimit rl;
	const char *what = hidden_what(p, gpa);

	if (what)
		log_limited(&rl, LOG_WARN, "parent %s %s at %#lx: denied (reads as all ones, "
			    "writes are dropped)", write ? "writes" : "reads", what, (unsigned long)gpa);
}

/* Whether [base, base+len) holds a page the parent must not map: the
 * hypervisor's, its RSDP copy, a virtual device, a vCPU's APIC page. */
static bool special_in(struct partition *p, u64 base, u64 len)
{
	if (passthru_holds_range(base, len))
		return true;
	for (u64 pg = base; pg < base + len; pg += PAGE_SIZE)
		if (hv_page(pg))
			return true;
	if (rsdp_page && rsdp_page >= base && rsdp_page < base + len)
		return true;
	for (u32 i = 0; i < p->nr_mmio; i++)
		if (p->mmio[i].base < base + len && base < p->mmio[i].base + p->mmio[i].size)
			return true;
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		u64 b = vlapic_base(p->vcpu[i]->lapic);
		if (b >= base && b < base + len)
			return true;
	}
	return false;
}

bool parent_map_on_demand(struct partition *p, u64 gpa)
{
	u32 type = parent_host_type(gpa);

	if (gpa >> phys_bits() || type == BOOT_MEM_USABLE || type == BOOT_MEM_BAD ||
	    special_in(p, ALIGN_DOWN(gpa, PAGE_SIZE), PAGE_SIZE))
		return false;
	/* Firmware tables are memory (write-back); everything else is device
	 * space, uncached. A 2 MiB block of device space in one go. */
	bool firmware = type == BOOT_MEM_ACPI_RECLAIM || type == BOOT_MEM_ACPI_NVS;
	u64 block = ALIGN_DOWN(gpa, LARGE_PAGE_SIZE);
	bool large = !firmware && !parent_host_overlaps(block, LARGE_PAGE_SIZE, BOOT_MEM_USABLE) &&
		     !parent_host_overlaps(block, LARGE_PAGE_SIZE, BOOT_MEM_ACPI_RECLAIM) &&
		     !parent_host_overlaps(block, LARGE_PAGE_SIZE, BOOT_MEM_ACPI_NVS) &&
		     !special_in(p, block, LARGE_PAGE_SIZE);
	u64 base = large ? block : ALIGN_DOWN(gpa, PAGE_SIZE);
	u64 flags = spin_lock_irqsave(&p->slat_lock);
	int r = pt_map(&p->slat, base, base, large ? LARGE_PAGE_SIZE : PAGE_SIZE,
		       PT_RWX | PT_USER | (firmware ? 0 : PT_UC));
	spin_unlock_irqrestore(&p->slat_lock, flags);
	return r == 0;
}

const struct partition_ops parent_ops = {
	.unclaimed_port = parent_unclaimed_port,
	.map_on_demand = parent_map_on_demand,
	.hidden = parent_gpa_hidden,
	.denied = parent_report_denied,
};

const struct platform_config *parent_platform(void)
{
	/* The machine's first I/O APIC, where its MADT says, with its ID;
	 * the RTC, ACPI hardware and i8042 are the machine's own; its
	 * serial port is the machine's console. */
	static struct platform_config c;

	c = (struct platform_config){
		.ioapic_base = acpi.nioapics ? acpi.ioapics[0].addr : PLAT_IOAPIC_BASE,
		.ioapic_id = acpi.nioapics ? acpi.ioapics[0].id : 0,
		.machine_devices = true,
		.raw_console = true,
	};
	return &c;
}

const char *parent_setup(struct partition *p, const struct boot_info *bi, u64 parent_mem)
{
	const char *err;
	u32 n = 0;

	parent_map_init(bi);
	for (u32 c = 0; c < nr_cpus && n < MAX_VCPUS; c++)
		if (cpus[c] && cpus[c]->online)
			cpu_of[n++] = c;
	p->cfg.vcpus = n;
	if ((err = setup_memory(p, bi, parent_mem)) || (err = setup_rsdp(p, bi)))
		return err;
	if ((err = iommu_confine_parent(p)))
		return err;
	p->slat_quota = p->slat_pages + ON_DEMAND_TABLE_PAGES;
	return parent_io_setup(p);
}
