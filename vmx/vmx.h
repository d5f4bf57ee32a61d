/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include "vmx/vmcs.h"
#include "vmm/backend.h"

/* Register cache: a field is read from the VMCS at most once per exit and
 * written back only if a handler changed it. */
enum vmx_cached { VC_RIP, VC_RSP, VC_RFLAGS, VC_INTR, NR_VMX_CACHED };

struct vmx_vcpu {
	paddr_t vmcs_pa;
	u16 vpid;
	bool launched;       /* VMLAUNCH done on its CPU; VMRESUME from now on */
	bool initialized;    /* control and host fields written */
	bool state_pending;  /* `pending` must be loaded before the next entry */
	bool flush_guest_tlb; /* an emulated CR4 write: invalidate its VPID before entry */
	struct vcpu_state pending;
	u64 host_rsp;        /* HOST_RSP as last written */
	u64 slat_generation;
	u32 exit_reason;
	u64 cache[NR_VMX_CACHED];
	u8 cache_valid, cache_dirty;
	u32 cpu_ctl;         /* primary processor-based controls as written */
	u64 cr0_shadow, cr4_shadow; /* what the guest believes CR0/CR4 hold */
	/* SYSCALL/SWAPGS state VMX does not switch (SDM Vol. 3C 27.3). */
	u64 cr2, kernel_gs_base, star, lstar, cstar, sfmask;
};

/* Looks the basic exit reason up in the exit table and runs its handler. */
enum exit_action vmx_dispatch(struct vcpu *v, u32 reason);
u64 vmx_cached_read(struct vcpu *v, enum vmx_cached c);

#endif
