// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt remapping: one interrupt table for every unit of the machine.
 *
 * With remapping on, a device's interrupt message reaches a CPU only
 * through an entry of the table, which only the hypervisor writes: the
 * entries it fills are the messages the parent programmed and the
 * hypervisor checked (partitions/parent_pci.c, parent_msix.c: fixed or
 * lowest-priority, a device vector, one of the parent's vCPUs) and the
 * I/O APIC pins it mirrors (host_irq.c). The devices hold messages that
 * name those entries, so a message a device writes by DMA -- whatever its
 * address and data -- is either one of them or blocked, and the unit
 * records the fault. The parent's entries do not check the requester:
 * each delivers only what the parent may receive anyway. A function
 * passed through to a child (vmm/dev/passthru.c) is kept apart: on
 * AMD-Vi it has a table of its own (its device table entry names it, so
 * it can name nothing else); on VT-d its entries verify its requester ID
 * (SVT 01b, 9.10), so no other device reaches them -- its own messages
 * can still name the parent's entries there.
 *
 *  - VT-d (VT-d 3.4 5.1): 16384 entries of 16 bytes; remappable-format
 *    messages name an entry by handle (address bits 19:5 and 2, with a
 *    subhandle in the data: a block of 2^n entries serves multi-message
 *    MSI); compatibility-format messages blocked (GCMD.CFI clear).
 *  - AMD-Vi (48882 2.2.5): every device ID's table is this one; basic
 *    32-bit entries indexed by message data bits 10:0. Only fixed and
 *    lowest-priority messages are remapped (data 10:8 = 0 or 1), so the
 *    usable indexes are 0-0x1ff; NMI, INIT, ExtINT and LINT messages are
 *    blocked by the device table (no *Pass bits). An I/O APIC pin's
 *    redirection entry carries its index (0x20-0xff) as its vector, so
 *    the local APIC's EOI never matches it: host_irq.c ends a level
 *    pin's interrupt at the I/O APIC itself (drivers/ioapic.c).
 */
#include "vmm/iommu.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/percpu.h"
#include "vmm/base/pmm.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/string.h"
#include "vmm/base/trap.h"
#include "drivers/amdvi.h"
#include "drivers/lapic.h"
#include "drivers/vtd.h"

#define VTD_LOG2 14                      /* 16384 entries: 256 KiB */
#define AMD_LOG2 11                      /* 2048 entries: 8 KiB */
#define MAX_ENTRIES (1u << VTD_LOG2)

/* VT-d entry, low half (9.10); the high half (requester checks) stays 0. */
#define VTD_P BIT(0)
#define VTD_TM BIT(4)
#define VTD_DLM(m) ((u64)(m) << 5)
#define VTD_V(v) ((u64)(v) << 16)
#define VTD_DST_XAPIC(id) ((u64)((id) & 0xff) << 40)
#define VTD_DST_X2APIC(id) ((u64)(id) << 32)
#define VTD_MSI_IF BIT(4)
#define VTD_MSI_SHV BIT(3)

/* AMD-Vi basic entry (2.2.5.1). */
#define AMD_REMAP_EN BIT(0)
#define AMD_INT_TYPE(t) ((u32)(t) << 2)
#define AMD_DEST(id) (((u32)(id) & 0xff) << 8)
#define AMD_VECTOR(v) ((u32)(v) << 16)
#define AMD_USABLE 0x200                 /* indexes a fixed/lowest message can name */

static struct vtd *vtd_units;
static struct amdvi *amd_units;
static u32 nunits;
static paddr_t table_pa;
static volatile u64 *vtd_irt;
static volatile u32 *amd_irt;
static u32 entries;
static bool x2apic_dest;
static u64 used[MAX_ENTRIES / 64];
static spinlock_t irt_lock = SPINLOCK_INIT;

/* A passed-through function's own table (AMD-Vi): the indexes a fixed
 * message can name, one page. */
#define DEV_LOG2 9
#define DEV_TABLES 8
#define VTD_SVT_SID BIT(18)              /* high half: verify the requester ID exactly */
#define VTD_SVT_BUS BIT(19)              /* high half: the requester's bus in SID 15:8-7:0 */
struct dev_table {
	bool on;
	u32 bdf;
	paddr_t pa;
	volatile u32 *irt;
	u64 used[(1u << DEV_LOG2) / 64];
};
static struct dev_table dev_tables[DEV_TABLES];

bool iommu_ir_on(void)
{
	return vtd_irt || amd_irt;
}

#ifdef HV_HOST_TEST
/* Host unit tests start the module afresh for each case. */
void iommu_ir_reset(void)
{
	vtd_units = NULL;
	amd_units = NULL;
	nunits = entries = 0;
	table_pa = 0;
	vtd_irt = NULL;
	amd_irt = NULL;
	x2apic_dest = false;
	memset(used, 0, sizeof(used));
	memset(dev_tables, 0, sizeof(dev_tables));
}
#endif

static void take(u32 h)
{
	used[h / 64] |= 1ULL << (h % 64);
}

const char *iommu_ir_start_vtd(struct vtd *u, u32 n)
{
	const char *err;

	for (u32 i = 0; i < n; i++)
		if (!vtd_ir_capable(&u[i]))
			return "a unit cannot remap interrupts (ECAP.IR, or no queued invalidation)";
	u32 pages = (1u << VTD_LOG2) * 16 / PAGE_SIZE;
	paddr_t pa = pmm_alloc_zeroed(pages, PAGE_SIZE, 0);
	if (!pa)
		return "out of memory for the interrupt table";
	x2apic_dest = lapic_x2apic_mode();
	for (u32 i = 0; i < n; i++) {
		if ((err = vtd_ir_enable(&u[i], pa, VTD_LOG2, x2apic_dest))) {
			while (i--)
				vtd_ir_disable(&u[i]); /* all or none: messages have one format */
			pmm_free(pa, pages);
			return err;
		}
	}
	vtd_units = u;
	nunits = n;
	entries = 1u << VTD_LOG2;
	vtd_irt = phys_to_virt(pa);
	take(0); /* entry 0 stays empty: a stray 0 names nothing */
	return NULL;
}

paddr_t iommu_ir_table_amdvi(struct amdvi *u, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (!amdvi_ir_capable(&u[i]))
			return 0;
	/* x2APIC IDs past 255 would need the 128-bit entries (XTSup). */
	for (u32 c = 0; c < nr_cpus; c++)
		if (cpus[c] && cpus[c]->apic_id > 0xff)
			return 0;
	table_pa = pmm_alloc_zeroed((1u << AMD_LOG2) * 4 / PAGE_SIZE, PAGE_SIZE, 0);
	return table_pa;
}

void iommu_ir_start_amdvi(struct amdvi *u, u32 n)
{
	amd_units = u;
	nunits = n;
	entries = AMD_USABLE;
	amd_irt = phys_to_virt(table_pa);
	take(0);
	for (u32 h = 0; h < VEC_FIRST_IRQ; h++)
		take(h); /* an I/O APIC entry's vector field is never below 0x20 */
}

static void flush(void)
{
	for (u32 i = 0; i < nunits; i++) {
		if (vtd_irt)
			vtd_ir_flush(&vtd_units[i]);
		else
			amdvi_ir_flush(&amd_units[i]);
	}
}

int iommu_irte_alloc(u32 n)
{
	int found = -1;

	if (!iommu_ir_on() || !n || (n & (n - 1)) || n > 64)
		return -1;
	u64 f = spin_lock_irqsave(&irt_lock);
	/* AMD-Vi: messages from the top, pins (0x20-0xff) from the bottom. */
	for (u32 k = 0; k + n <= entries && found < 0; k += n) {
		u32 h = amd_irt ? entries - n - k : k;
		u64 mask = (n == 64 ? ~0ULL : ((1ULL << n) - 1)) << (h % 64);
		if (!(used[h / 64] & mask)) {
			used[h / 64] |= mask;
			found = (int)h;
		}
	}
	spin_unlock_irqrestore(&irt_lock, f);
	return found;
}

int iommu_irte_alloc_pin(void)
{
	int found = -1;

	if (!amd_irt)
		return iommu_irte_alloc(1);
	/* AMD-Vi: an index the I/O APIC can send as a fixed vector. */
	u64 f = spin_lock_irqsave(&irt_lock);
	for (u32 h = VEC_FIRST_IRQ; h < 0x100 && found < 0; h++) {
		if (!(used[h / 64] & (1ULL << (h % 64)))) {
			take(h);
			found = (int)h;
		}
	}
	spin_unlock_irqrestore(&irt_lock, f);
	return found;
}

/* The high half of a VT-d entry: SID, SQ 00b (every bit compared), SVT. */
static u64 vtd_source(u32 src)
{
	if (src == IR_SRC_ANY)
		return 0;
	if (src & BIT(31))
		return (src & 0xffff) | VTD_SVT_BUS;
	return (src & 0xffff) | VTD_SVT_SID;
}

void iommu_irte_set(u32 h, u8 vector, u32 apic_id, bool lowest, bool level, u32 src)
{
	if (!iommu_ir_on() || h >= entries)
		return;
	u64 f = spin_lock_irqsave(&irt_lock);
	if (vtd_irt) {
		/* The check first; a present entry whose check changes goes
		 * away meanwhile. Then the low half in one store (9.10). */
		if ((vtd_irt[h * 2] & VTD_P) && vtd_irt[h * 2 + 1] != vtd_source(src))
			vtd_irt[h * 2] = 0;
		vtd_irt[h * 2 + 1] = vtd_source(src);
		vtd_irt[h * 2] = VTD_P | VTD_V(vector) | VTD_DLM(lowest ? 1 : 0) |
				 (level ? VTD_TM : 0) |
				 (x2apic_dest ? VTD_DST_X2APIC(apic_id) : VTD_DST_XAPIC(apic_id));
	} else { /* the trigger mode travels in the message itself */
		amd_irt[h] = AMD_REMAP_EN | AMD_INT_TYPE(lowest ? 1 : 0) | AMD_DEST(apic_id) |
			     AMD_VECTOR(vector);
	}
	flush();
	spin_unlock_irqrestore(&irt_lock, f);
}

void iommu_irte_clear(u32 h)
{
	if (!iommu_ir_on() || h >= entries)
		return;
	u64 f = spin_lock_irqsave(&irt_lock);
	if (vtd_irt) {
		vtd_irt[h * 2] = 0;
		vtd_irt[h * 2 + 1] = 0;
	} else {
		amd_irt[h] = 0;
	}
	flush();
	spin_unlock_irqrestore(&irt_lock, f);
}

void iommu_ir_msi(u32 h, u32 *addr, u32 *data)
{
	if (vtd_irt) {
		*addr = 0xfee00000u | (h & 0x7fff) << 5 | VTD_MSI_IF | VTD_MSI_SHV |
			((h >> 15) & 1) << 2;
		*data = 0; /* subhandle 0: the block's first; a device adds its message number */
	} else {
		*addr = 0xfee00000u;
		*data = h & 0x7ff; /* the index, a fixed or lowest-priority message */
	}
}

/* ---- a passed-through function's entries ------------------------------------ */

static struct dev_table *dev_table(u32 bdf)
{
	for (u32 i = 0; i < DEV_TABLES; i++)
		if (dev_tables[i].on && dev_tables[i].bdf == bdf)
			return &dev_tables[i];
	return NULL;
}

const char *iommu_dev_ir_open(u32 bdf)
{
	if (!iommu_ir_on())
		return "no interrupt remapping";
	if (!amd_irt || dev_table(bdf))
		return NULL; /* VT-d: the common table, entries checking the requester */
	for (u32 i = 0; i < DEV_TABLES; i++) {
		struct dev_table *t = &dev_tables[i];
		if (t->on)
			continue;
		if (!(t->pa = pmm_alloc_zeroed(1, PAGE_SIZE, 0)))
			return "out of memory for its interrupt table";
		t->irt = phys_to_virt(t->pa);
		t->bdf = bdf;
		memset(t->used, 0, sizeof(t->used));
		t->used[0] = 1; /* index 0 stays empty, as in the common table */
		t->on = true;
		return NULL;
	}
	return "too many functions with interrupt tables of their own";
}

paddr_t iommu_dev_ir_table(u32 bdf, u32 *log2)
{
	const struct dev_table *t = dev_table(bdf);

	*log2 = DEV_LOG2;
	return t ? t->pa : 0;
}

paddr_t iommu_ir_common_table(u32 *log2)
{
	*log2 = AMD_LOG2;
	return amd_irt ? table_pa : 0;
}

void iommu_dev_ir_close(u32 bdf)
{
	struct dev_table *t = dev_table(bdf);

	if (!t)
		return;
	pmm_free(t->pa, 1);
	t->on = false;
}

int iommu_dev_irte_alloc(u32 bdf)
{
	struct dev_table *t = amd_irt ? dev_table(bdf) : NULL;
	int found = -1;

	if (!amd_irt)
		return iommu_irte_alloc(1);
	if (!t)
		return -1;
	u64 f = spin_lock_irqsave(&irt_lock);
	for (u32 h = 1; h < (1u << DEV_LOG2) && found < 0; h++)
		if (!(t->used[h / 64] & (1ULL << (h % 64)))) {
			t->used[h / 64] |= 1ULL << (h % 64);
			found = (int)h;
		}
	spin_unlock_irqrestore(&irt_lock, f);
	return found;
}

void iommu_dev_irte_set(u32 bdf, u32 h, u8 vector, u32 apic_id)
{
	struct dev_table *t = amd_irt ? dev_table(bdf) : NULL;

	if (!iommu_ir_on() || bdf > 0xffff)
		return;
	u64 f = spin_lock_irqsave(&irt_lock);
	if (vtd_irt && h < entries) {
		/* The requester check before the present bit. */
		vtd_irt[h * 2 + 1] = vtd_source(bdf);
		vtd_irt[h * 2] = VTD_P | VTD_V(vector) |
				 (x2apic_dest ? VTD_DST_X2APIC(apic_id) : VTD_DST_XAPIC(apic_id));
	} else if (t && h < (1u << DEV_LOG2)) {
		t->irt[h] = AMD_REMAP_EN | AMD_INT_TYPE(0) | AMD_DEST(apic_id) | AMD_VECTOR(vector);
	}
	flush();
	spin_unlock_irqrestore(&irt_lock, f);
}

void iommu_dev_irte_clear(u32 bdf, u32 h)
{
	struct dev_table *t = amd_irt ? dev_table(bdf) : NULL;

	if (!iommu_ir_on())
		return;
	u64 f = spin_lock_irqsave(&irt_lock);
	if (vtd_irt && h < entries) {
		vtd_irt[h * 2] = 0;
		vtd_irt[h * 2 + 1] = 0;
		used[h / 64] &= ~(1ULL << (h % 64));
	} else if (t && h < (1u << DEV_LOG2)) {
		t->irt[h] = 0;
		t->used[h / 64] &= ~(1ULL << (h % 64));
	}
	flush();
	spin_unlock_irqrestore(&irt_lock, f);
}

u64 iommu_ir_rte(u32 h, u64 rte)
{
	/* Polarity, trigger and mask stay the pin's own. */
	u64 keep = rte & (BIT(13) | BIT(15) | BIT(16));

	if (vtd_irt) /* the vector must match the entry's, for EOIs (5.1.5.1) */
		return keep | (rte & 0xff) | (u64)(h & 0x7fff) << 49 | BIT(48) |
		       (u64)((h >> 15) & 1) << 11;
	/* AMD-Vi: the index as the vector field, fixed delivery */
	return keep | (h & 0xff);
}
