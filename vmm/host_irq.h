/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical device interrupts, forwarded to the parent partition, which
 * owns the devices. See host_irq.c for how INTx, MSI and MSI-X reach it.
 */
#ifndef VMM_HOST_IRQ_H
#define VMM_HOST_IRQ_H

#include "vmm/base/types.h"

struct partition;

/* Vectors the parent's devices may use; the hypervisor's own start at
 * VEC_TIMER (0xf0). Linux gives devices 0x20-0xeb. */
#define HOST_IRQ_VEC_FIRST 0x20
#define HOST_IRQ_VEC_LAST 0xef

/* Makes p the receiver of every physical device interrupt. */
void host_irq_init(struct partition *p);
/* Whether the parent's virtual I/O APIC input `pin` is the physical GSI
 * of the same number (all but the one the virtual UART drives). */
bool host_irq_forwarded(const struct partition *p, u32 pin);
/* The parent wrote the redirection entry of a forwarded pin: mirror it
 * into the physical I/O APIC. Called under the virtual I/O APIC's lock. */
void host_irq_route(struct partition *p, u32 pin, u64 rte);
/* The parent's EOI reached a level-triggered forwarded pin: the physical
 * pin may fire again. */
void host_irq_eoi(u32 pin);

#endif
