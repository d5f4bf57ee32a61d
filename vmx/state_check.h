/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM-entry checks on the guest-state area (SDM Vol. 3C 26.3.1), over
 * a copy of the VMCS fields they read, to name the one a VMCS fails when
 * VM entry refused it ("invalid guest state", exit reason 33). Used only
 * on that path: the hypervisor's own checks (vmm/cr.c, vmm/msr.c, the
 * pending single step of vmx/vmx.c) keep such states out of the VMCS, so
 * a hit here is a bug to report.
 */
#ifndef VMX_STATE_CHECK_H
#define VMX_STATE_CHECK_H

#include "vmx/vmcs.h"
#include "vmm/vcpu.h"

struct vmx_guest_seg {
	u16 sel;
	u64 base;
	u32 limit;
	u32 ar; /* VMX access rights, AR_UNUSABLE in bit 16 */
};

/* The VMCS fields the checks read (read only after a failed entry). */
struct vmx_guest_state {
	u64 cr0, cr3, cr4, dr7, rflags, rip, efer, pat, debugctl, pending_dbg;
	u64 sysenter_esp, sysenter_eip, link_pointer;
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
	u32 intr, activity;
	u32 pin, cpu2, entry_ctls, entry_intr_info;
	struct vmx_guest_seg seg[NR_SEGS];
};

struct vmx_check_limits {
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1; /* SDM Vol. 3D A.7, A.8 */
	u64 efer_allowed; /* EFER bits the guest may hold */
	u8 phys_bits;     /* MAXPHYADDR */
};

/* The first check g fails, in the SDM's words; NULL if none. */
const char *vmx_state_check(const struct vmx_guest_state *g, const struct vmx_check_limits *l);

#endif
