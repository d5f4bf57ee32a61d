/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef DRIVERS_IOAPIC_H
#define DRIVERS_IOAPIC_H

#include "vmm/base/types.h"
#include "drivers/acpi.h"

struct ioapic {
	volatile u32 *regs;
	u32 id;
	u32 gsi_base;
	u32 pins;
	u8 version;
};

extern struct ioapic ioapics[ACPI_MAX_IOAPICS];
extern u32 nr_ioapics;

/* Maps every I/O APIC the MADT lists and masks all of its pins: nothing
 * is routed until a partition that owns the device asks for it. */
void ioapic_init(const struct acpi_info *a);
u32 ioapic_read(struct ioapic *io, u32 reg);
void ioapic_write(struct ioapic *io, u32 reg, u32 val);

/* Redirection entry of a GSI, whichever I/O APIC has it; safe from any
 * CPU and from interrupt handlers. Return -1 for a GSI no I/O APIC has. */
int ioapic_set_rte(u32 gsi, u64 rte);
int ioapic_mask_gsi(u32 gsi, bool masked);
/* Clears the pin's Remote IRR (the EOI register of version 0x20 and
 * later, for the entry's vector field; an edge/level toggle before):
 * for entries whose vector field is not the vector delivered, as under
 * AMD-Vi interrupt remapping, where the local APIC's EOI never matches. */
int ioapic_eoi_gsi(u32 gsi);

/* Remaps the legacy 8259 pair away from the exception vectors and masks
 * every line, so a stray ISA interrupt can never look like a fault. */
void pic_disable(void);

#endif
