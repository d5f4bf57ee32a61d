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
/* Logs and clears the faults every unit recorded. */
void iommu_report_faults(void);

#endif
