/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU state dump, asked for from the console (the hypervisor's
 * debug key 'v'): every CPU writes its runqueue and each vCPU on it --
 * run state, registers, pending events, the virtual LAPIC -- so a guest
 * that hangs explains itself. A CPU that does not answer is reported.
 */
#ifndef VMM_DUMP_H
#define VMM_DUMP_H

#include "vmm/vcpu.h"

/* One vCPU, from its own CPU (registers through the backend) or, when
 * `regs` is false, from another CPU (software state only). */
void vcpu_dump(struct vcpu *v, u64 now, bool regs);

#endif
