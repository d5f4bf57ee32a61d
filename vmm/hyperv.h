/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Hyper-V TLFS enlightenments a stock Linux uses for time: CPUID
 * leaves 0x40000000-0x40000006, the guest OS id, hypercall page, VP index,
 * TSC and APIC frequency MSRs, the reference counter and the reference
 * TSC page (Hyper-V TLFS 6.0, sections 2, 3, 12). With them Linux knows
 * its TSC and LAPIC timer frequencies and needs no PIT to calibrate.
 */
#ifndef VMM_HYPERV_H
#define VMM_HYPERV_H

#include "vmm/base/x86.h"

struct vcpu;

#define HV_MSR_GUEST_OS_ID 0x40000000
#define HV_MSR_HYPERCALL 0x40000001
#define HV_MSR_VP_INDEX 0x40000002
#define HV_MSR_TIME_REF_COUNT 0x40000020
#define HV_MSR_REFERENCE_TSC 0x40000021
#define HV_MSR_TSC_FREQUENCY 0x40000022
#define HV_MSR_APIC_FREQUENCY 0x40000023
#define HV_MSR_EOI 0x40000070
#define HV_MSR_ICR 0x40000071
#define HV_MSR_TPR 0x40000072
#define HV_MSR_VP_ASSIST_PAGE 0x40000073
#define HV_MSR_FIRST 0x40000000
#define HV_MSR_LAST 0x400000ff

#define HV_CPUID_FIRST 0x40000000u
#define HV_CPUID_LAST 0x40000010u /* the timing leaf */

/* Per-partition state of the synthetic MSRs. */
struct hyperv_state {
	u64 guest_os_id;
	u64 hypercall;
	u64 reference_tsc;
};

/* Fills leaf 0x40000000 + n; false for leaves beyond the Hyper-V range. */
bool hyperv_cpuid(struct vcpu *v, u32 leaf, struct cpuid_regs *r);
int hyperv_msr_read(struct vcpu *v, u32 msr, u64 *val);
int hyperv_msr_write(struct vcpu *v, u32 msr, u64 val);
/* Whether VMCALL from this vCPU follows the Hyper-V calling convention
 * (the guest enabled the hypercall page) rather than ours. */
/* Whether the hypercall at RIP came through the guest's Hyper-V
 * hypercall page (a Hyper-V call) rather than its own VMCALL (ours). */
bool hyperv_hypercall_from_page(struct vcpu *v);
/*
 * EOI assist (TLFS 10.3.5, the VP assist page's "no EOI required" bit):
 * before an entry, the hypervisor tells the guest it may skip the EOI of
 * its highest in-service interrupt (hyperv_eoi_arm); after the exit, a
 * guest that took the offer (cleared the bit) gets that EOI done for it
 * (hyperv_eoi_sync), before the exit is handled, so every handler sees
 * the in-service register as the guest left it. An idle guest's timer
 * tick then costs its HLT and no EOI exit.
 */
void hyperv_eoi_arm(struct vcpu *v);
void hyperv_eoi_sync(struct vcpu *v);
/* Hyper-V status for a hypercall we do not implement (TLFS 3.9). */
#define HV_STATUS_INVALID_HYPERCALL_CODE 2

#endif
