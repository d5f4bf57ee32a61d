/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_FPU_H
#define VMM_FPU_H

#include "vmm/vcpu.h"

/* Guest x87/SSE state stays in the registers while a vCPU runs (the
 * hypervisor is built without SSE); switching vCPUs on a CPU saves the
 * old one's and loads the new one's. Either may be NULL. */
void fpu_switch(struct vcpu *from, struct vcpu *to);
/* Allocates v's save area in the power-on state. */
int fpu_init_vcpu(struct vcpu *v);
/* Puts v's save area back in the power-on state. Only while v is off its
 * CPU and not that CPU's FPU owner (see struct vcpu's fpu_reset). */
void fpu_reset(struct vcpu *v);

#endif
