/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_FPU_H
#define VMM_FPU_H

#include "vmm/vcpu.h"

/* Guest x87/SSE and XSAVE state stays in the registers while a vCPU runs
 * (the hypervisor is built without SSE); switching vCPUs on a CPU saves
 * the old one's and loads the new one's. Either may be NULL. */
void fpu_switch(struct vcpu *from, struct vcpu *to);
/* At boot: which XSAVE components guests may enable, and the area size. */
void fpu_init(void);
u64 fpu_xcr0_allowed(void);   /* 0: no XSAVE for guests */
/* XCR0's PKRU bit: in fpu_xcr0_allowed() where guests get protection
 * keys (the CPU has PKU and XSAVE manages PKRU). */
#define XCR0_PKRU BIT(9)
u32 fpu_area_size(void);
/* Allocates v's save area in the power-on state (and frees it). */
int fpu_init_vcpu(struct vcpu *v);
void fpu_free_vcpu(struct vcpu *v);
/* XSETBV from v, running on this CPU: false when the value is invalid. */
bool fpu_set_xcr0(struct vcpu *v, u64 val);
/* Puts v's save area back in the power-on state. Only while v is off its
 * CPU and not that CPU's FPU owner (see struct vcpu's fpu_reset). */
void fpu_reset(struct vcpu *v);

#endif
