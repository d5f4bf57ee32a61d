/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's debug registers DR0-DR3 and DR6, which neither the VMCS
 * nor the VMCB holds: they belong to the vCPU whose state is in the CPU
 * (DR7 travels in the VMCS/VMCB). The scheduler switches them with the
 * vCPU, so partitions sharing a CPU never see each other's breakpoints.
 */
#ifndef VMM_DEBUGREG_H
#define VMM_DEBUGREG_H

#include "vmm/vcpu.h"

/* Power-on and INIT values (SDM Vol. 3A Table 10-1). */
#define DR6_INIT 0xffff0ff0ULL
void debugreg_init(struct vcpu *v);
/* Saves from's (may be NULL) and loads to's. */
void debugreg_switch(struct vcpu *from, struct vcpu *to);

#endif
