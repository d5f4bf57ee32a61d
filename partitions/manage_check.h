/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The argument checks of the parent's management calls that need no
 * state (partitions/manage_check.c): pure functions, unit-tested on the
 * host (tests/unit/test_manage_check.c). Each returns 0 or an HV_E* code.
 */
#ifndef PARTITIONS_MANAGE_CHECK_H
#define PARTITIONS_MANAGE_CHECK_H

#include "vmm/base/types.h"
#include "partitions/hv_abi.h"

/* A creation request; online = the mask of CPUs that are up. (Whether
 * the name is taken is the caller's to check.) */
s64 manage_check_create(const struct hv_create *c, u64 online);
/* A vCPU state; whether cr3 lies in the partition's RAM is the caller's. */
s64 manage_check_vcpu_state(const struct hv_vcpu_state *s);
/* HVC_PARTITION_SCHED's weight (0 = keep) and cap (0xffffffff = keep). */
s64 manage_check_sched(u64 weight, u64 cap, u32 vcpus, bool parent);

#endif
