/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AMD-Vi IOMMUs (AMD I/O Virtualization Technology specification, 48882
 * rev 3.x, "the spec" below): DMA remapping through I/O page tables, the
 * command buffer for invalidation, the event log for faults. One domain
 * for every device ID: the tables (ept/ pt_format_amdvi) are given as a
 * physical address. The event log is polled (no MSI set up: that would
 * need the IOMMU's PCI function, which the parent's bus walk owns).
 */
#ifndef DRIVERS_AMDVI_H
#define DRIVERS_AMDVI_H

#include "vmm/base/types.h"

struct amdvi {
	u64 base;
	volatile u8 *regs;
	u64 efr;                  /* extended features */
	paddr_t devtab, cmd, evt, sem;
	volatile u64 *sem_va;     /* COMPLETION_WAIT stores here */
	u64 sem_seq;
	u32 cmd_tail, evt_head;
};

struct amdvi_event {
	u8 code;                  /* 2: I/O page fault (2.5.2) */
	u16 device;               /* requester ID */
	u16 domain;
	bool write;
	u64 addr;
	u32 raw[4];
};

const char *amdvi_probe(struct amdvi *u, u64 base);
/* Every device ID into one domain over the 4-level tables at root and,
 * when irt is not 0, remapping interrupts through the one table of 2048
 * basic entries at irt; then translation on. NULL or why not (the unit
 * stays off). */
const char *amdvi_enable(struct amdvi *u, paddr_t root, paddr_t irt);
/* Whether the unit can drop every cached interrupt entry at once
 * (INVALIDATE_IOMMU_ALL), which one table for every device ID needs. */
bool amdvi_ir_capable(const struct amdvi *u);
void amdvi_ir_flush(struct amdvi *u);
/* Cached translations dropped (the whole domain) and waited for. */
bool amdvi_flush(struct amdvi *u);
/* One device ID moved to another domain: the 4-level tables at root
 * under domain ID `domain` (2 and up; 1 is the parent's), or blocked
 * (root 0): no DMA at all; its interrupts through the table at irt
 * (2^irt_log2 entries), or none at all (irt 0). Caches dropped; false if
 * the unit did not answer. */
bool amdvi_set_device(struct amdvi *u, u16 devid, paddr_t root, u16 domain, paddr_t irt,
		      u32 irt_log2);
/* The next event logged; false when the log is empty. */
bool amdvi_next_event(struct amdvi *u, struct amdvi_event *e, bool *lost);
const char *amdvi_event_name(u8 code);

#endif
