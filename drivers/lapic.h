/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef DRIVERS_LAPIC_H
#define DRIVERS_LAPIC_H

#include "vmm/base/types.h"

/* Register offsets in the xAPIC page; x2APIC MSR = 0x800 + offset / 16. */
#define LAPIC_ID 0x20
#define LAPIC_VERSION 0x30
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_LDR 0xd0
#define LAPIC_DFR 0xe0
#define LAPIC_SVR 0xf0
#define LAPIC_ISR 0x100
#define LAPIC_TMR 0x180
#define LAPIC_IRR 0x200
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define LVT_MASKED BIT(16)
#define LVT_TIMER_PERIODIC BIT(17)
#define LVT_TIMER_TSC_DEADLINE BIT(18)
#define LVT_DM_MASK (7u << 8)
#define LVT_DM_NMI (4u << 8)
#define LVT_DM_EXTINT (7u << 8)

#define ICR_FIXED (0u << 8)
#define ICR_NMI (4u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_PENDING BIT(12)
#define ICR_ASSERT BIT(14)
#define ICR_LEVEL BIT(15)
#define ICR_ALL_BUT_SELF (3u << 18)

/* Maps the BSP's local APIC and switches it to x2APIC when allowed. */
const char *lapic_init_bsp(u64 base_pa, bool want_x2apic);
/* Enables this CPU's local APIC in the mode the BSP chose. */
void lapic_init_cpu(void);
bool lapic_ready(void);
bool lapic_x2apic_mode(void);
u32 lapic_id(void);
u32 lapic_read(u32 reg);
void lapic_write(u32 reg, u32 val);
void lapic_eoi(void);
/* Sends an IPI and waits (bounded) for delivery; false on timeout. */
bool lapic_send_ipi(u32 apic_id, u32 icr_lo);
void lapic_send_nmi_all_but_self(void);

/* One-shot or periodic timer on VEC_TIMER, in LAPIC timer ticks. */
void lapic_timer_start(u32 ticks, bool periodic);
void lapic_timer_stop(void);

#endif
