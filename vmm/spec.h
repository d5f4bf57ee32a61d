/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Speculative-execution mitigations between partitions and the
 * hypervisor, chosen once at boot from what the CPU says of itself
 * (CPUID and IA32_ARCH_CAPABILITIES), as KVM and Xen choose theirs:
 *  - IBPB when a CPU switches from one partition's vCPU to another's, so
 *    one partition's branch training does not steer the next (Spectre
 *    v2 between guests);
 *  - the return stack buffer refilled after every VM exit, before the
 *    hypervisor's first RET (the entry stubs' fill_rsb);
 *  - VERW before every VM entry on CPUs affected by MDS/TAA with the
 *    MD_CLEAR microcode, so no buffer carries the hypervisor's data in;
 *  - the L1 data cache flushed before VM entry on Intel CPUs affected by
 *    L1TF (IA32_FLUSH_CMD), where the CPU does not do it itself;
 *  - enhanced IBRS kept on in the hypervisor where the CPU has it, and
 *    the guest's SPEC_CTRL switched around each entry;
 *  - on CPUs with the iTLB multihit erratum, guest memory mapped with
 *    4 KiB pages only (no executable large pages);
 *  - indirect calls through retpolines (the build's -mindirect-branch)
 *    and guest-chosen table indices masked (array_index_nospec);
 *  - smt=off keeps sibling threads offline.
 * Guests see SPEC_CTRL/PRED_CMD in CPUID exactly when they can use them.
 */
#ifndef VMM_SPEC_H
#define VMM_SPEC_H

#include "vmm/vcpu.h"
#include "vmm/base/x86.h"

#define MSR_SPEC_CTRL 0x48
#define MSR_PRED_CMD 0x49
#define MSR_ARCH_CAPABILITIES 0x10a
#define MSR_FLUSH_CMD 0x10b
#define SPEC_CTRL_IBRS BIT(0)
#define SPEC_CTRL_STIBP BIT(1)
#define SPEC_CTRL_SSBD BIT(2)

struct spec_policy {
	bool ibpb;            /* PRED_CMD.IBPB on a partition switch */
	bool verw;            /* VERW before VM entry (MDS, TAA) */
	bool l1d_flush;       /* FLUSH_CMD before VM entry (L1TF, VT-x) */
	bool eibrs;           /* SPEC_CTRL.IBRS on in the hypervisor */
	bool small_pages;     /* iTLB multihit: no guest large pages */
	u64 host_spec_ctrl;   /* the hypervisor's SPEC_CTRL (0 without the MSR) */
	u64 guest_spec_ctrl_bits; /* SPEC_CTRL bits guests may set; 0: no MSR */
};

extern struct spec_policy spec;

/* At boot on the boot CPU: decides and reports. */
void spec_init(void);
/* On every CPU: the hypervisor's own SPEC_CTRL. */
void spec_cpu_init(void);

/* Around each VM entry (backends): the guest's SPEC_CTRL in, buffers
 * cleared; and the hypervisor's SPEC_CTRL back after the exit. */
static inline void spec_guest_enter(struct vcpu *v)
{
	if (v->spec_ctrl != spec.host_spec_ctrl)
		wrmsr(MSR_SPEC_CTRL, v->spec_ctrl);
	if (spec.l1d_flush)
		wrmsr(MSR_FLUSH_CMD, 1);
}

static inline void spec_guest_exit(struct vcpu *v)
{
	if (v->spec_ctrl != spec.host_spec_ctrl)
		wrmsr(MSR_SPEC_CTRL, spec.host_spec_ctrl);
}

/* The entry stubs' VERW flag and selector (read from assembly). */
extern u8 spec_verw_flag;
extern u16 spec_verw_sel;

#endif
