/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include "svm/vmcb.h"
#include "vmm/backend.h"

struct svm_vcpu {
	struct vmcb *vmcb;
	paddr_t vmcb_pa;
	u32 asid;
	u32 asid_cpu;
	u32 asid_generation;
	u64 slat_generation;
	bool nmi_masked;    /* an injected NMI's handler has not returned */
	bool nmi_iret_seen; /* its IRET is executing: unmask at the next exit */
	/* With another NMI pending at that IRET: single-stepped over it (TF
	 * set by us), so that the #DB right after it is that next exit. The
	 * guest's TF before it and its DR6 are kept to undo the step. */
	bool nmi_step, nmi_step_tf;
	u64 nmi_step_dr6;
	bool flush_guest_tlb; /* an emulated CR4 write: flush its ASID */
};

/* Looks the exit code up in the exit table and runs its handler. */
enum exit_action svm_dispatch(struct vcpu *v, u64 exitcode);

#endif
