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

/* Queues an exception; a second one during delivery of the first turns
 * into #DF, and a fault while delivering #DF into a shutdown (SDM Vol. 3A
 * 6.15, Table 6-5). Returns false when the guest must be shut down. */
bool vcpu_queue_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);
void vcpu_inject_ud(struct vcpu *v);
void vcpu_inject_gp(struct vcpu *v, u32 error);
void vcpu_inject_pf(struct vcpu *v, u64 addr, u32 error);

/* The event to inject at the next entry, if any. *window is set when an
 * interrupt waits for the guest to open its interrupt window. */
bool event_next(struct vcpu *v, struct pending_event *ev, bool *window);

#endif
