/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI passthrough (hv_abi.h, HVC_PCI_*): a PCI function of the machine
 * given to a child. The hypervisor holds it from the assignment on: the
 * parent no longer sees it (its configuration space reads all ones, its
 * memory BARs are unmapped from the parent and denied), its DMA goes
 * through an IOMMU domain over exactly the child's RAM, and the child
 * finds it on its PCI bus 0 at slot HV_PCI_PT_SLOT + n with
 *  - the function's identity, and of its capabilities only MSI, MSI-X
 *    and the vendor-specific ones (virtio's), at their own offsets;
 *  - each memory BAR as a 32-bit BAR of the same size in the child's BAR
 *    window, mapped straight into the child where it decodes, but for
 *    the pages of the MSI-X table and pending bits and BARs under a page,
 *    whose accesses the hypervisor forwards (I/O BARs are not given:
 *    their decoding stays off);
 *  - command-register memory decode and bus mastering passed on, never
 *    I/O decode or INTx (only message-signalled interrupts);
 *  - MSI and MSI-X virtualized: the device holds messages that name
 *    remapping entries of the hypervisor's, delivering one of its own
 *    vectors (PT_VEC_*) to a CPU; the handler sends the child's own
 *    message to the child.
 * When the child ends (destroyed, or reset for a restart) the function is
 * quiesced and reset (function level reset where it has one), its BARs
 * restored, and, for a destroy, its DMA blocked: "assignable" until
 * HVC_PCI_RETURN gives it back to the parent.
 */
#ifndef VMM_DEV_PASSTHRU_H
#define VMM_DEV_PASSTHRU_H

#include "vmm/base/types.h"

struct partition;
struct hv_pci_dev;

/* The hypervisor's vectors for passed-through devices' interrupts, on
 * every CPU (below VEC_APIC_ERROR, above the IOMMU's). */
#define PT_VEC_FIRST 0xf4
#define PT_VEC_LAST 0xfd

void passthru_init(void);
/*
 * The parent's function bdf to child c (being built): 0, HV_MORE while
 * the parent's vCPUs have yet to drop their mappings of its BARs (call
 * again with the same arguments), or a negative HV_E* with *why.
 */
int passthru_assign(struct partition *parent, struct partition *c, u32 bdf, const char **why);
/* An assignable function back to the parent: 0 or a negative HV_E*. */
int passthru_return(u32 bdf, const char **why);
/* Every function held: count written (up to max). */
u32 passthru_list(struct hv_pci_dev *out, u32 max);
/* Whether c's functions are ready to run (no shootdown outstanding). */
bool passthru_ready(const struct partition *c);
/*
 * A child's functions quiesced and reset, a step at a time (the reaper:
 * a function level reset wants 100 ms before the function is touched
 * again): true when done. release: for a destroy (DMA blocked, the
 * functions assignable); else for a restart (they stay the child's,
 * their virtual configuration back at power-on).
 */
bool passthru_reset_step(struct partition *c, bool release);
/* What is left of c's functions let go at once (c is being freed). */
void passthru_release(struct partition *c);
/* The parent's view: whether the function, or the page at gpa (a memory
 * BAR of a held function), is the hypervisor's now. */
bool passthru_holds_function(u32 bdf);
bool passthru_holds_page(u64 gpa);
/* Whether [base, base+len) touches a page of such a BAR. */
bool passthru_holds_range(u64 base, u64 len);

#endif
