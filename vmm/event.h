/* SPDX-License-Identifier: GPL-2.0-only */
/* Events for a vCPU: exceptions the hypervisor raises, interrupts from
 * the virtual LAPIC, and which of them goes in at the next entry. */
#ifndef VMM_EVENT_H
#define VMM_EVENT_H

#include "vmm/vcpu.h"

#define VEC_DE 0
#define VEC_DB 1
#define VEC_NMI_V 2
#define VEC_BP 3
#define VEC_UD 6
#define VEC_DF_V 8
#define VEC_TS 10
#define VEC_NP 11
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF_V 14
#define VEC_AC 17
#define VEC_MC_V 18

/* The exceptions every backend intercepts: #DB and #AC, so that one
 * raised while delivering itself exits each time instead of looping in
 * the CPU with no exit at all (CVE-2015-8104, CVE-2015-5307), and #MC,
 * so that a machine check in a guest reaches the hypervisor. */
#define INTERCEPTED_EXCEPTIONS (BIT(VEC_DB) | BIT(VEC_AC) | BIT(VEC_MC_V))

/* Queues an exception; a second one during delivery of the first turns
 * into #DF, and a fault while delivering #DF into a shutdown (SDM Vol. 3A
 * 6.15, Table 6-5), which the run loop carries out after the exit
 * (vcpu->shutdown_pending). An interrupt or NMI whose delivery the exit
 * interrupted is not lost: it goes back to the local APIC (or the NMI
 * latch) and is delivered after the exception. Returns false on a
 * shutdown. */
bool vcpu_queue_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);
void vcpu_inject_ud(struct vcpu *v);
void vcpu_inject_gp(struct vcpu *v, u32 error);
void vcpu_inject_pf(struct vcpu *v, u64 addr, u32 error);

/* Whether an interrupt waits for v (its local APIC's, or the 8259A's
 * through its LINT0): what ends a HLT with interrupts on. */
bool vcpu_interrupt_pending(struct vcpu *v);

/* The single-step trap of an instruction (or one iteration of a REP
 * string instruction) the hypervisor completed, when the guest's
 * RFLAGS.TF was set as it began: a #DB with DR6.BS. */
void vcpu_step_trap(struct vcpu *v, u64 rflags);

/* The event to inject at the next entry, if any. *window is set when an
 * interrupt waits for the guest to open its interrupt window. */
bool event_next(struct vcpu *v, struct pending_event *ev, bool *window);

#endif
