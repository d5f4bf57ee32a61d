/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU scheduler. Each vCPU is placed on one physical CPU when its
 * partition is created (round-robin over the CPUs its partition may use)
 * and stays there, so its VMCB/VMCS never migrates. A CPU runs its vCPUs
 * round-robin in time slices cut by its own LAPIC timer; a vCPU that
 * halts gives the CPU away until an interrupt for it arrives.
 */
#ifndef VMM_SCHED_H
#define VMM_SCHED_H

#include "vmm/vcpu.h"

#define SCHED_SLICE_US 10000

void sched_init(void);
/* Places v on a physical CPU allowed by mask (0 = any) and makes it runnable. */
void sched_add(struct vcpu *v, u64 cpu_mask);
/* Something changed for v (interrupt, INIT, SIPI, stop): make its CPU look. */
void sched_kick(struct vcpu *v);
/* v's virtual timer moved (called on v's own CPU). */
void sched_timer_changed(struct vcpu *v);
/* Runs vCPUs on this CPU forever. */
__noreturn void sched_run(void);
/* Asks every CPU to write its runqueue and vCPUs to the log (vmm/dump.h);
 * from any context. */
void sched_dump_request(void);
/* Number of vCPUs placed on a CPU (for the boot summary). */
u32 sched_vcpus_on(u32 cpu);

#endif
