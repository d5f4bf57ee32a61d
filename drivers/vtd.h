/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel VT-d remapping units (Intel VT-d 3.4, "the spec" below): DMA
 * remapping through second-level tables, queued invalidation, fault
 * recording. One domain for every device behind a unit: the tables the
 * caller builds (ept/ pt_format_vtd) are given as a physical address.
 */
#ifndef DRIVERS_VTD_H
#define DRIVERS_VTD_H

#include "vmm/base/types.h"

struct vtd {
	u64 base;                 /* register page(s) */
	volatile u8 *regs;
	u64 cap, ecap;
	u8 levels;                /* second-level table levels: 3 or 4 */
	u8 leaf_max;              /* largest leaf: 1 (4K), 2 (2M), 3 (1G) */
	u8 mgaw;                  /* bits of DMA address it translates */
	bool coherent;            /* its table walks snoop the caches */
	bool qi;                  /* queued invalidation in use */
	paddr_t root, context, iq;
	paddr_t top;              /* the common domain's table, as the unit walks it */
	u32 iq_tail;
	volatile u32 *wait;       /* the invalidation wait's status word */
	paddr_t wait_pa;
	u32 wait_seq;
};

struct vtd_fault {
	u16 source;               /* requester ID: bus << 8 | dev << 3 | fn */
	u8 reason;                /* the spec's fault reason (7.1.3) */
	bool write;
	bool interrupt;           /* an interrupt request, not a DMA */
	u64 addr;                 /* page of the faulting request; its index for an interrupt */
};

/* Maps the unit's registers and reads what it can do; NULL or why not. */
const char *vtd_probe(struct vtd *u, u64 base, u32 size);
/*
 * Points every bus, device and function at the second-level tables at
 * slpt (a 4-level root; a 3-level unit uses its first entry's table),
 * invalidates, routes fault events to vector on the CPU with apic_id,
 * and turns translation on. NULL or why not (the unit stays off).
 */
const char *vtd_enable(struct vtd *u, paddr_t slpt, u8 vector, u32 apic_id);
/*
 * One function moved out of the common domain: to the second-level tables
 * at slpt (a 4-level root) under domain ID `domain` (2 and up, below the
 * unit's CAP.ND count; 1 is the common one), or blocked (slpt 0: its
 * context entry not present, every request faults). Caches dropped.
 */
const char *vtd_set_device(struct vtd *u, u32 bdf, paddr_t slpt, u16 domain);
/* The function back in the common domain. */
const char *vtd_reset_device(struct vtd *u, u32 bdf);
/*
 * Interrupt remapping (5.1): the unit takes the interrupt table at irt
 * (2^entries_log2 entries of 16 bytes; x2APIC destinations in extended
 * mode), blocks compatibility-format interrupts and turns remapping on.
 * Needs queued invalidation (vtd_enable gives it where the unit has it).
 */
bool vtd_ir_capable(const struct vtd *u);
const char *vtd_ir_enable(struct vtd *u, paddr_t irt, u32 entries_log2, bool x2apic);
void vtd_ir_disable(struct vtd *u);
/* Every interrupt table entry the unit may have cached, dropped. */
void vtd_ir_flush(struct vtd *u);
/* Everything the unit may have cached about the tables, dropped. */
void vtd_flush(struct vtd *u);
/* The next recorded fault, cleared; false when none is left. *lost
 * is set when the unit overflowed (faults it could not record). */
bool vtd_next_fault(struct vtd *u, struct vtd_fault *f, bool *lost);
const char *vtd_reason(u8 reason);

#endif
