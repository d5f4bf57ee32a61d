// SPDX-License-Identifier: GPL-2.0-only
/* The hypervisor's IOMMUs and the parent's DMA domain (iommu.h). */
#include "vmm/iommu.h"
#include "vmm/main.h"
#include "vmm/partition.h"
#include "vmm/base/cmdline.h"
#include "vmm/base/cpu.h"
#include "vmm/base/fmt.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/percpu.h"
#include "vmm/base/pmm.h"
#include "vmm/base/string.h"
#include "vmm/base/trap.h"
#include "drivers/acpi.h"
#include "drivers/amdvi.h"
#include "drivers/lapic.h"
#include "drivers/vtd.h"
#include "ept/pt.h"

volatile u32 iommu_fault_pending;
bool iommu_polled;

static struct vtd vtd[ACPI_MAX_IOMMUS];
static u32 nvtd;
static struct amdvi amdvi[ACPI_MAX_IOMMUS];
static u32 namdvi;
static struct pt domain;
/* What the parent's domain was built with, for the children's. */
static const struct pt_format *dom_fmt;
static u8 dom_leaf_max, dom_width;
static bool dma_on;

static paddr_t dom_alloc(void *ctx)
{
	(void)ctx;
	return pmm_alloc_zeroed(1, PAGE_SIZE, 0);
}

static void dom_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	pmm_free(pa, 1);
}

bool iommu_register_page(u64 page)
{
	for (u32 i = 0; i < acpi.ndrhd; i++)
		if (page >= ALIGN_DOWN(acpi.drhd[i].base, PAGE_SIZE) &&
		    page < acpi.drhd[i].base + acpi.drhd[i].size)
			return true;
	for (u32 i = 0; i < acpi.nivhd; i++)
		if (page >= ALIGN_DOWN(acpi.ivhd[i].base, PAGE_SIZE) &&
		    page < acpi.ivhd[i].base + KiB(16)) /* AMD-Vi: 16 KiB of registers */
			return true;
	return false;
}

bool iommu_pci_function(u32 bdf)
{
	for (u32 i = 0; i < acpi.nivhd; i++)
		if (acpi.ivhd[i].segment == 0 && acpi.ivhd[i].devid == bdf)
			return true;
	return false;
}

/* The firmware's table renamed (as Xen does: "XMAR"), its checksum kept,
 * so the parent's kernel finds no IOMMU to drive. */
static void hide_table(u64 pa)
{
	if (!pa || pa + sizeof(struct acpi_sdt_header) > DIRECT_MAP_SIZE)
		return;
	struct acpi_sdt_header *h = phys_to_virt(pa);
	u8 old = (u8)h->signature[0];
	h->signature[0] = 'X';
	h->checksum = (u8)(h->checksum + old - 'X');
}

/* [base, base+size) identity-mapped, read and write, in 4 KiB steps at
 * the edges. */
static const char *map_range(u64 base, u64 size)
{
	u64 lo = ALIGN_DOWN(base, PAGE_SIZE), hi = ALIGN_UP(base + size, PAGE_SIZE);

	if (hi <= lo)
		return NULL;
	return pt_map(&domain, lo, lo, hi - lo, PT_R | PT_W) ? "out of memory for its tables" : NULL;
}

static const char *build_domain(const struct partition *p, const struct pt_format *fmt,
				u8 leaf_max, u8 width)
{
	const char *err;

	dom_fmt = fmt;
	dom_leaf_max = leaf_max;
	dom_width = width;
	if (pt_init(&domain, fmt, leaf_max, dom_alloc, dom_free, NULL))
		return "out of memory for its tables";
	for (u32 i = 0; i < p->nr_ram; i++) {
		const struct mem_region *r = &p->ram[i];
		if (r->hpa != r->gpa)
			return "the parent's memory is not identity-mapped";
		if ((r->gpa + r->size - 1) >> width)
			return "the parent's memory lies beyond what the IOMMU translates";
		if ((err = map_range(r->gpa, r->size)))
			return err;
	}
	/* What the firmware still reaches by DMA (USB legacy emulation,
	 * graphics stolen memory), as the firmware says (RMRR). */
	for (u32 i = 0; i < acpi.nrmrr; i++)
		if ((err = map_range(acpi.rmrr[i].base, acpi.rmrr[i].limit - acpi.rmrr[i].base + 1)))
			return err;
	return NULL;
}

static const char *confine_vtd(const struct partition *p)
{
	const char *err;
	u8 leaf_max = 3, width = 64;

	for (u32 i = 0; i < acpi.ndrhd; i++) {
		if ((err = vtd_probe(&vtd[nvtd], acpi.drhd[i].base, acpi.drhd[i].size))) {
			pr_warn("iommu: VT-d unit at %#lx: %s", (unsigned long)acpi.drhd[i].base, err);
			continue;
		}
		leaf_max = MIN(leaf_max, vtd[nvtd].leaf_max);
		width = MIN(width, MIN(vtd[nvtd].mgaw, vtd[nvtd].levels == 4 ? 48 : 39));
		nvtd++;
	}
	if (!nvtd)
		return "no usable VT-d unit";
	if ((err = build_domain(p, &pt_format_vtd, leaf_max, width)))
		return err;
	u32 enabled = 0;
	for (u32 i = 0; i < nvtd; i++) {
		if ((err = vtd_enable(&vtd[i], domain.root, VEC_IOMMU, cpus[0]->apic_id))) {
			pr_err("iommu: VT-d unit at %#lx: %s", (unsigned long)vtd[i].base, err);
			continue;
		}
		enabled++;
		pr_info("iommu: VT-d unit at %#lx: DMA remapping on (%u-level tables, %s, %s%s)",
			(unsigned long)vtd[i].base, vtd[i].levels,
			vtd[i].leaf_max == 3 ? "1G/2M pages" : vtd[i].leaf_max == 2 ? "2M pages" : "4K pages",
			vtd[i].qi ? "queued invalidation" : "register invalidation",
			vtd[i].coherent ? "" : ", non-coherent walks");
	}
	if (enabled != nvtd)
		return "a VT-d unit could not be turned on";
	if ((err = iommu_ir_start_vtd(vtd, nvtd)))
		pr_warn("iommu: interrupt remapping not in use (%s): a device the parent drives "
			"can write any interrupt message", err);
	else {
		u32 io = iommu_ioapic_source(0);
		char who[48];
		if (io == IR_SRC_ANY)
			hv_snprintf(who, sizeof(who), "the I/O APIC's unchecked: the DMAR names none");
		else
			hv_snprintf(who, sizeof(who), "the I/O APIC's as %02x:%02x.%u", io >> 8,
				    (io >> 3) & 0x1f, io & 7);
		pr_info("iommu: interrupt remapping on (%s destinations, compatibility format "
			"blocked; requesters checked: each device's, %s)",
			lapic_x2apic_mode() ? "x2APIC" : "xAPIC", who);
	}
	return NULL;
}

static const char *confine_amdvi(const struct partition *p)
{
	const char *err;

	for (u32 i = 0; i < acpi.nivhd; i++) {
		if ((err = amdvi_probe(&amdvi[namdvi], acpi.ivhd[i].base))) {
			pr_warn("iommu: AMD-Vi unit at %#lx: %s", (unsigned long)acpi.ivhd[i].base, err);
			continue;
		}
		namdvi++;
	}
	if (!namdvi)
		return "no usable AMD-Vi unit";
	/* Four levels (48 bits), 2 MiB leaves: what every AMD-Vi walks. */
	if ((err = build_domain(p, &pt_format_amdvi, 2, 48)))
		return err; /* amdvi_enable writes the caches back before it starts */
	/* Interrupt remapping where the firmware says the units remap the
	 * I/O APICs' interrupts (IVHD special entries, as Linux requires). */
	const char *no_ir = NULL;
	paddr_t irt = 0;
	if (acpi.nivrs_ioapics < acpi.nioapics || !acpi.nioapics)
		no_ir = "the IVRS names no unit for an I/O APIC's interrupts";
	else if (!(irt = iommu_ir_table_amdvi(amdvi, namdvi)))
		no_ir = "a unit cannot drop all its cached entries at once (EFR.IASup), or an APIC ID "
			"is above 255";
	for (u32 i = 0; i < namdvi; i++) {
		if ((err = amdvi_enable(&amdvi[i], domain.root, irt))) {
			pr_err("iommu: AMD-Vi unit at %#lx: %s", (unsigned long)amdvi[i].base, err);
			return "an AMD-Vi unit could not be turned on";
		}
		pr_info("iommu: AMD-Vi unit at %#lx (device %02x:%02x.%u): DMA remapping on "
			"(4-level tables, 2M pages, event log polled)", (unsigned long)amdvi[i].base,
			acpi.ivhd[i].devid >> 8, (acpi.ivhd[i].devid >> 3) & 0x1f,
			acpi.ivhd[i].devid & 7);
	}
	iommu_polled = true;
	if (irt) {
		iommu_ir_start_amdvi(amdvi, namdvi);
		pr_info("iommu: interrupt remapping on (one table of %u usable entries; NMI, INIT "
			"and ExtINT messages blocked)", 0x200u);
	} else {
		pr_warn("iommu: interrupt remapping not in use (%s): a device the parent drives "
			"can write any interrupt message", no_ir);
	}
	return NULL;
}

const char *iommu_confine_parent(const struct partition *p)
{
	const char *err = NULL;
	bool have = acpi.ndrhd || acpi.nivhd;

	/* Whatever the option: the IOMMUs are the hypervisor's to drive. */
	hide_table(acpi.dmar_pa);
	hide_table(acpi.ivrs_pa);
	if (acpi.iommu_bad)
		pr_warn("iommu: %u malformed DMAR/IVRS structure%s ignored", acpi.iommu_bad,
			acpi.iommu_bad == 1 ? "" : "s");
	if (hv_opts.iommu == IOMMU_OFF) {
		pr_warn("iommu: off (iommu=off): the parent's devices can DMA into all memory, "
			"the hypervisor's and the children's included");
		return NULL;
	}
	if (acpi.ndrhd)
		err = confine_vtd(p);
	else if (acpi.nivhd)
		err = confine_amdvi(p);
	else
		err = "the firmware describes none (no DMAR or IVRS table)";
	if (!err) {
		dma_on = true;
		pr_info("iommu: the parent's devices reach only the parent's memory (%lu MiB in "
			"the domain, %u firmware range%s)", (unsigned long)(p->cfg.mem >> 20),
			acpi.nrmrr, acpi.nrmrr == 1 ? "" : "s");
		return NULL;
	}
	if (hv_opts.iommu == IOMMU_REQUIRED)
		return have ? err : "iommu=required, but the firmware describes no IOMMU";
	pr_warn("iommu: not in use (%s): the parent's devices can DMA into all memory, the "
		"hypervisor's and the children's included", err);
	return NULL;
}

u32 iommu_ioapic_source(u32 gsi)
{
	const struct acpi_ioapic *io = NULL;

	for (u32 i = 0; i < acpi.nioapics; i++)
		if (acpi.ioapics[i].gsi_base <= gsi && (!io || acpi.ioapics[i].gsi_base > io->gsi_base))
			io = &acpi.ioapics[i];
	for (u32 i = 0; io && i < acpi.ndmar_ioapics; i++)
		if (acpi.dmar_ioapic[i].id == io->id)
			return acpi.dmar_ioapic[i].sid;
	return IR_SRC_ANY;
}

/* ---- a device given to a child ---------------------------------------- */

const char *iommu_passthrough_refused(void)
{
	if (!dma_on)
		return "no IOMMU translates DMA (iommu=off, or none found)";
	if (!iommu_ir_on())
		return "the IOMMU does not remap interrupts";
	return NULL;
}

const char *iommu_domain_build(struct pt *pt, const struct partition *p)
{
	if (!dma_on)
		return "no IOMMU";
	if (pt_init(pt, dom_fmt, dom_leaf_max, dom_alloc, dom_free, NULL))
		return "out of memory for its tables";
	for (u32 i = 0; i < p->nr_ram; i++) {
		const struct mem_region *r = &p->ram[i];
		if ((r->gpa + r->size - 1) >> dom_width) {
			pt_destroy(pt);
			return "the child's memory lies beyond what the IOMMU translates";
		}
		if (pt_map(pt, r->gpa, r->hpa, r->size, PT_R | PT_W)) {
			pt_destroy(pt);
			return "out of memory for its tables";
		}
	}
	return NULL;
}

/* Every unit: the function to `root` under `id` (0: blocked, root 0;
 * parent: the common domain). */
static const char *device_to(u32 bdf, paddr_t root, u16 id, bool parent)
{
	const char *err = NULL;

	for (u32 i = 0; i < nvtd && !err; i++)
		err = parent ? vtd_reset_device(&vtd[i], bdf) : vtd_set_device(&vtd[i], bdf, root, id);
	/* AMD-Vi: the parent's common interrupt table, the function's own,
	 * or (blocked) none. */
	u32 log2 = 0;
	paddr_t irt = parent ? iommu_ir_common_table(&log2)
			     : root ? iommu_dev_ir_table(bdf, &log2) : 0;
	for (u32 i = 0; i < namdvi && !err; i++)
		if (!amdvi_set_device(&amdvi[i], (u16)bdf, parent ? domain.root : root,
				      parent ? 1 : id, irt, log2))
			err = "an AMD-Vi unit did not take the change";
	return err;
}

const char *iommu_device_assign(u32 bdf, const struct pt *pt, u16 id)
{
	return device_to(bdf, pt->root, id, false);
}

const char *iommu_device_block(u32 bdf, u16 id)
{
	return device_to(bdf, 0, id, false);
}

const char *iommu_device_to_parent(u32 bdf)
{
	return device_to(bdf, 0, 0, true);
}

static const char *bdf(u16 sid, char *buf)
{
	hv_snprintf(buf, 8, "%02x:%02x.%u", sid >> 8, (sid >> 3) & 0x1f, sid & 7);
	return buf;
}

void iommu_report_faults(void)
{
	static struct log_ratelimit rl;
	struct vtd_fault f;
	char name[8];

	iommu_fault_pending = 0;
	for (u32 i = 0; i < nvtd; i++) {
		bool lost = false;
		for (u32 n = 0; n < 256 && vtd_next_fault(&vtd[i], &f, &lost); n++) {
			if (f.interrupt)
				log_limited(&rl, LOG_WARN, "iommu: interrupt message by device %s "
					    "(entry %#lx) blocked: %s", bdf(f.source, name),
					    (unsigned long)f.addr, vtd_reason(f.reason));
			else
				log_limited(&rl, LOG_WARN, "iommu: DMA %s by device %s at %#lx blocked: "
					    "%s", f.write ? "write" : "read", bdf(f.source, name),
					    (unsigned long)f.addr, vtd_reason(f.reason));
		}
		if (lost)
			log_limited(&rl, LOG_WARN, "iommu: VT-d unit at %#lx: more faults than it "
				    "could record", (unsigned long)vtd[i].base);
	}
	for (u32 i = 0; i < namdvi; i++) {
		struct amdvi_event e;
		bool lost = false;
		for (u32 n = 0; n < 256 && amdvi_next_event(&amdvi[i], &e, &lost); n++) {
			if (e.code == 0x2)
				log_limited(&rl, LOG_WARN, "iommu: DMA %s by device %s at %#lx "
					    "blocked: I/O page fault", e.write ? "write" : "read",
					    bdf(e.device, name), (unsigned long)e.addr);
			else
				log_limited(&rl, LOG_WARN, "iommu: AMD-Vi unit at %#lx: %s (event "
					    "%08x %08x %08x %08x)", (unsigned long)amdvi[i].base,
					    amdvi_event_name(e.code), e.raw[0], e.raw[1], e.raw[2],
					    e.raw[3]);
		}
		if (lost)
			log_limited(&rl, LOG_WARN, "iommu: AMD-Vi unit at %#lx: its event log "
				    "overflowed", (unsigned long)amdvi[i].base);
	}
}
