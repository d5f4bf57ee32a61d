/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual local APIC every vCPU sees: xAPIC registers through MMIO at
 * the APIC base (0xfee00000 by default) and x2APIC registers through MSRs
 * 0x800-0x8ff once the guest turns x2APIC mode on. Timer in one-shot,
 * periodic and TSC-deadline modes; IPIs including INIT and SIPI.
 */
#ifndef VMM_DEV_VLAPIC_H
#define VMM_DEV_VLAPIC_H

#include "vmm/base/types.h"

struct vcpu;
struct vlapic;

#define VLAPIC_BASE_DEFAULT 0xfee00000ULL
/* Frequency the virtual timer counts at before its divider (a 100 MHz
 * bus, reported to guests through CPUID 0x15 and the Hyper-V MSRs). */
#define VLAPIC_BUS_KHZ 100000ULL

struct vlapic *vlapic_create(struct vcpu *v);
void vlapic_destroy(struct vlapic *l);
/* Back to the power-on state (INIT). */
void vlapic_reset(struct vlapic *l);

/* Highest pending vector the guest would take now (IRR above the
 * processor priority), or -1. */
int vlapic_pending(struct vlapic *l);
/* The vector was delivered: IRR -> ISR. */
void vlapic_accept(struct vlapic *l, u8 vector);
/* Its delivery was cut short and will not be retried as it was: ISR ->
 * IRR, to be delivered again. */
void vlapic_unaccept(struct vlapic *l, u8 vector);
/* Raises an interrupt (from any CPU). Returns true when it is new. */
bool vlapic_set_irq(struct vlapic *l, u8 vector, bool level);

/* The first vCPU's APIC as a PC's firmware leaves it: software-enabled,
 * LINT0 ExtINT (virtual wire to the 8259A), LINT1 NMI. */
void vlapic_virtual_wire(struct vlapic *l);
/* Whether the 8259A's output reaches this processor now (LINT0 in
 * ExtINT mode, or the APIC globally disabled). */
bool vlapic_extint_open(const struct vlapic *l);

/* Whether an interrupt message for the 8-bit destination `dest` (an I/O
 * APIC redirection entry's) reaches this local APIC, in physical or
 * logical destination mode (flat or cluster model, from its DFR/LDR). */
bool vlapic_match_dest(struct vlapic *l, u32 dest, bool logical);

/* Timer: fires expired timers at host TSC `now`; returns the host TSC of
 * the next expiry or 0. Called on the vCPU's own physical CPU. */
u64 vlapic_timer_update(struct vlapic *l, u64 now);

/* Register access. MMIO (xAPIC) offsets within the 4 KiB page. */
int vlapic_mmio_read(struct vcpu *v, void *opaque, u64 offset, u8 size, u64 *val);
int vlapic_mmio_write(struct vcpu *v, void *opaque, u64 offset, u8 size, u64 val);
/* MSRs: IA32_APIC_BASE, x2APIC range, TSC_DEADLINE. Return 0, or
 * -EINVAL when the guest must get #GP. */
int vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val);
int vlapic_msr_write(struct vcpu *v, u32 msr, u64 val);
bool vlapic_handles_msr(u32 msr);
u64 vlapic_base(struct vlapic *l);
u32 vlapic_get_tpr(struct vlapic *l);
/* Whether the guest may skip the EOI of its highest in-service vector
 * (Hyper-V's EOI assist, vmm/hyperv.c): the APIC enabled, nothing
 * waiting in the IRR that the EOI would let in, the vector edge-
 * triggered (a level one's EOI goes on to the I/O APIC at once). */
bool vlapic_eoi_avoidable(struct vlapic *l);
/* An EOI, as a write of the EOI register. */
void vlapic_eoi(struct vlapic *l);
/* The ICR as Hyper-V's ICR MSR carries it (TLFS 10.5: high dword the
 * destination, low the command); a write sends. */
int vlapic_icr_write64(struct vlapic *l, u64 val);
u64 vlapic_icr_read64(struct vlapic *l);
void vlapic_set_tpr(struct vlapic *l, u32 tpr);
bool vlapic_x2apic(struct vlapic *l);
/* IA32_APIC_BASE.EN: a globally disabled APIC is absent -- no page, no
 * MSRs, no interrupts, CPUID.1:EDX.APIC clear (SDM Vol. 3A 11.4.3). */
bool vlapic_present(const struct vlapic *l);
/* One line of state for a diagnostic dump: the highest requested and
 * in-service vectors, TPR/PPR and the timer, as of host TSC `now`. */
void vlapic_describe(struct vlapic *l, u64 now, char *buf, size_t size);

#endif
