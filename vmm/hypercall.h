/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypercall table (vmm/hypercall.c). The core's own calls are in it
 * from the start; the builders (partitions/) register the parent's
 * management calls at boot. Every handler gets the caller's vCPU and its
 * six arguments, already truncated to 32 bits for 32-bit callers, and
 * treats each as hostile.
 */
#ifndef VMM_HYPERCALL_H
#define VMM_HYPERCALL_H

#include "vmm/exit.h"
#include "partitions/hv_abi.h"

#define HC_CHILD BIT(0)
#define HC_PARENT BIT(1)
#define HC_ANY (HC_CHILD | HC_PARENT)

struct hc_args {
	u64 a[6];
};

/* A call returns its result (>= 0) or -HV_E*; it may also ask the caller's
 * vCPU to yield or its partition to stop. */
struct hc_result {
	s64 ret;
	enum exit_action action;
};

typedef struct hc_result (*hc_fn)(struct vcpu *v, const struct hc_args *a);

static inline struct hc_result hc_ok(s64 ret)
{
	return (struct hc_result){ ret, EXIT_RESUME };
}

/* Puts fn in the table at nr (< HVC_COUNT_MAX, not yet taken), callable
 * by the partitions `allowed` names; at boot, before any guest runs. */
void hypercall_register(u32 nr, hc_fn fn, const char *name, u32 allowed);

#endif
