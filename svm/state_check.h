/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMRUN consistency checks (APM Vol. 2 15.5.1) over a VMCB, to name
 * the one a VMCB fails when VMRUN refused it (VMEXIT_INVALID). Used only
 * on that path: the hypervisor's own checks (vmm/cr.c, vmm/msr.c) keep
 * such states out of the VMCB, so a hit here is a bug to report.
 */
#ifndef SVM_STATE_CHECK_H
#define SVM_STATE_CHECK_H

#include "svm/vmcb.h"

struct svm_check_limits {
	u64 cr4_allowed;  /* CR4 bits the VMCB may hold */
	u64 efer_allowed; /* EFER bits the VMCB may hold (SVME included) */
	u8 phys_bits;     /* MAXPHYADDR */
};

/* The first check vmcb fails, named after the APM's list; NULL if none. */
const char *svm_state_check(const struct vmcb *vmcb, const struct svm_check_limits *l);

#endif
