// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt remapping (VT-d 3.4 5.1): one interrupt table for every unit.
 *
 * With remapping on and compatibility-format interrupts blocked, a
 * device's interrupt message reaches a CPU only through an entry of the
 * table, which only the hypervisor writes: the entries it fills are the
 * messages the parent programmed and the hypervisor checked (partitions/
 * parent_pci.c, parent_msix.c: fixed or lowest-priority, a device vector,
 * one of the parent's vCPUs) and the I/O APIC pins it mirrors
 * (host_irq.c). The devices hold remappable messages naming those
 * entries, so a message a device writes by DMA -- whatever its address
 * and data -- is either one of them or blocked, and the unit records the
 * fault. Entries do not check the requester (SVT 0): each delivers only
 * what the parent may receive anyway; a child's device will need it.
 */
#include "vmm/iommu.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/pmm.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/string.h"
#include "drivers/lapic.h"
#include "drivers/vtd.h"

#define IRT_LOG2 14                      /* 16384 entries: 256 KiB */
#define IRT_ENTRIES (1u << IRT_LOG2)

/* An entry's low half (9.10); the high half (requester checks) stays 0. */
#define IRTE_P BIT(0)
#define IRTE_TM BIT(4)
#define IRTE_DLM(m) ((u64)(m) << 5)
#define IRTE_V(v) ((u64)(v) << 16)
#define IRTE_DST_XAPIC(id) ((u64)((id) & 0xff) << 40)
#define IRTE_DST_X2APIC(id) ((u64)(id) << 32)

/* A remappable message (5.1.5.2) and I/O APIC entry (5.1.5.1). */
#define MSI_REMAP_IF BIT(4)
#define MSI_REMAP_SHV BIT(3)

static struct vtd *units;
static u32 nunits;
static volatile u64 *irt;
static bool x2apic_dest;
static u64 used[IRT_ENTRIES / 64];
static spinlock_t irt_lock = SPINLOCK_INIT;

bool iommu_ir_on(void)
{
	return irt != NULL;
}

const char *iommu_ir_start(struct vtd *u, u32 n)
{
	const char *err;

	for (u32 i = 0; i < n; i++)
		if (!vtd_ir_capable(&u[i]))
			return "a unit cannot remap interrupts (ECAP.IR, or no queued invalidation)";
	paddr_t pa = pmm_alloc_zeroed(IRT_ENTRIES * 16 / PAGE_SIZE, PAGE_SIZE, 0);
	if (!pa)
		return "out of memory for the interrupt table";
	x2apic_dest = lapic_x2apic_mode();
	for (u32 i = 0; i < n; i++) {
		if ((err = vtd_ir_enable(&u[i], pa, IRT_LOG2, x2apic_dest))) {
			while (i--)
				vtd_ir_disable(&u[i]); /* all or none: messages have one format */
			pmm_free(pa, IRT_ENTRIES * 16 / PAGE_SIZE);
			return err;
		}
	}
	units = u;
	nunits = n;
	irt = phys_to_virt(pa);
	used[0] = 1; /* entry 0 stays empty: a stray 0 names nothing */
	return NULL;
}

static void flush(void)
{
	for (u32 i = 0; i < nunits; i++)
		vtd_ir_flush(&units[i]);
}

int iommu_irte_alloc(u32 n)
{
	int found = -1;

	if (!irt || !n || (n & (n - 1)) || n > 64)
		return -1;
	u64 f = spin_lock_irqsave(&irt_lock);
	for (u32 h = 0; h + n <= IRT_ENTRIES && found < 0; h += n) {
		u64 mask = (n == 64 ? ~0ULL : ((1ULL << n) - 1)) << (h % 64);
		if (!(used[h / 64] & mask)) {
			used[h / 64] |= mask;
			found = (int)h;
		}
	}
	spin_unlock_irqrestore(&irt_lock, f);
	return found;
}

void iommu_irte_set(u32 h, u8 vector, u32 apic_id, bool lowest, bool level)
{
	if (!irt || h >= IRT_ENTRIES)
		return;
	u64 e = IRTE_P | IRTE_V(vector) | IRTE_DLM(lowest ? 1 : 0) | (level ? IRTE_TM : 0) |
		(x2apic_dest ? IRTE_DST_X2APIC(apic_id) : IRTE_DST_XAPIC(apic_id));
	u64 f = spin_lock_irqsave(&irt_lock);
	irt[h * 2] = e; /* one 64-bit store: never half an entry (9.10) */
	flush();
	spin_unlock_irqrestore(&irt_lock, f);
}

void iommu_irte_clear(u32 h)
{
	if (!irt || h >= IRT_ENTRIES)
		return;
	u64 f = spin_lock_irqsave(&irt_lock);
	irt[h * 2] = 0;
	flush();
	spin_unlock_irqrestore(&irt_lock, f);
}

u32 iommu_ir_msi_addr(u32 h)
{
	return 0xfee00000u | (h & 0x7fff) << 5 | MSI_REMAP_IF | MSI_REMAP_SHV | ((h >> 15) & 1) << 2;
}

u64 iommu_ir_rte(u32 h, u64 rte)
{
	/* Keeps vector (it must match the entry's, for EOIs), polarity,
	 * trigger and mask; the rest names the entry. */
	return (rte & (0xffull | BIT(13) | BIT(15) | BIT(16))) | (u64)(h & 0x7fff) << 49 | BIT(48) |
	       (u64)((h >> 15) & 1) << 11;
}
