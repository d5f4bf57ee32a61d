/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's IOMMUs (iommu=on, the default; off; required): they are
 * the hypervisor's. The parent's devices get one DMA domain, identity-
 * mapped over exactly the parent's RAM and the ranges the firmware says
 * devices must keep reaching (RMRR); the hypervisor, the pool and the
 * children are not in it. Faults are logged with the device, the address
 * and the reason, rate-limited; the faulting request is dropped, the
 * machine goes on. The firmware's DMAR/IVRS and the units' registers are
 * kept from the parent, so its kernel never programs them.
 */
#ifndef VMM_IOMMU_H
#define VMM_IOMMU_H

#include "vmm/base/types.h"

struct partition;

/* Set by the fault interrupt (and at every timer tick of the boot CPU
 * when a unit must be polled); its scheduler loop reports. */
extern volatile u32 iommu_fault_pending;
extern bool iommu_polled;

/*
 * Confines the parent's DMA to its memory (p->ram) and the firmware's
 * reserved ranges, and turns translation on. Returns NULL, or why the
 * parent must not start (iommu=required without a usable IOMMU).
 */
const char *iommu_confine_parent(const struct partition *p);
/* Whether the page is an IOMMU's register page (the parent's hidden). */
bool iommu_register_page(u64 page);
/* Whether the PCI function (segment 0) is an IOMMU's own (AMD-Vi units
 * are PCI functions, with their registers described by a capability):
 * whatever iommu= says, the parent finds no such function. */
bool iommu_pci_function(u32 bdf);
/*
 * Interrupt remapping (iommu_ir.c; VT-d and AMD-Vi): on when every unit
 * can. An entry delivers one vector to one CPU; the devices get messages
 * (and the I/O APIC entries) that name entries, made by the calls below.
 */
struct vtd;
struct amdvi;
const char *iommu_ir_start_vtd(struct vtd *units, u32 n);
/* AMD-Vi: the table the units' device tables must name (0: no
 * remapping), then, once they are on, remapping through it. */
paddr_t iommu_ir_table_amdvi(struct amdvi *units, u32 n);
void iommu_ir_start_amdvi(struct amdvi *units, u32 n);
bool iommu_ir_on(void);
#ifdef HV_HOST_TEST
void iommu_ir_reset(void);
#endif
/* n (a power of two up to 64) aligned entries: the first's number, or -1. */
int iommu_irte_alloc(u32 n);
/* An entry an I/O APIC pin can name, or -1. */
int iommu_irte_alloc_pin(void);
/* Who may send through an entry: VT-d checks the requester (9.10);
 * AMD-Vi's common table checks none (a passed-through function has a
 * table of its own instead). A requester ID (bus << 8 | dev << 3 | fn)
 * exactly, any requester on a range of buses (a conventional PCI
 * function, whose requests a bridge may carry under its own ID), or any. */
#define IR_SRC_ANY 0xffffffffu
#define IR_SRC_BUSES(first, last) (BIT(31) | (u32)(first) << 8 | (u32)(last))
void iommu_irte_set(u32 h, u8 vector, u32 apic_id, bool lowest, bool level, u32 src);
/* The requester ID a GSI's I/O APIC sends with (the DMAR's device scope),
 * or IR_SRC_ANY when the firmware does not say. */
u32 iommu_ioapic_source(u32 gsi);
void iommu_irte_clear(u32 h);
/* The message naming entry h; a device that adds k to its data (a
 * multi-message MSI) names h + k. */
void iommu_ir_msi(u32 h, u32 *addr, u32 *data);
/* An I/O APIC entry's polarity, trigger and mask (and vector), naming h. */
u64 iommu_ir_rte(u32 h, u64 rte);
/*
 * Devices given to children (vmm/dev/passthru.c): why passthrough is
 * refused (no DMA translation, no interrupt remapping), or NULL; a
 * domain's tables over a child's RAM (its guest-physical addresses to
 * its host pages; pt_destroy frees them); a function moved into such a
 * domain (id 2 and up, one per function), blocked (no DMA at all), or
 * back in the parent's. NULL or why not.
 */
struct pt;
const char *iommu_passthrough_refused(void);
const char *iommu_domain_build(struct pt *pt, const struct partition *p);
const char *iommu_device_assign(u32 bdf, const struct pt *pt, u16 id);
const char *iommu_device_block(u32 bdf, u16 id);
const char *iommu_device_to_parent(u32 bdf);
/*
 * A passed-through function's interrupts (vmm/dev/passthru.c): open
 * before it is moved into its domain (AMD-Vi: a table of its own, which
 * iommu_dev_ir_table answers for its device table entry; VT-d: nothing),
 * entries of its own (AMD-Vi) or of the common table checking that the
 * requester is the function (VT-d), the messages naming them as
 * iommu_ir_msi makes them; closed when it is blocked or the parent's.
 */
const char *iommu_dev_ir_open(u32 bdf);
paddr_t iommu_dev_ir_table(u32 bdf, u32 *log2);
/* AMD-Vi's common table (0 without one). */
paddr_t iommu_ir_common_table(u32 *log2);
void iommu_dev_ir_close(u32 bdf);
int iommu_dev_irte_alloc(u32 bdf);
void iommu_dev_irte_set(u32 bdf, u32 h, u8 vector, u32 apic_id);
void iommu_dev_irte_clear(u32 bdf, u32 h);
/* Logs and clears the faults every unit recorded. */
void iommu_report_faults(void);

#endif
