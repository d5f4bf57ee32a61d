/* SPDX-License-Identifier: GPL-2.0-only */
/* The parent's management calls (partitions/manage.c). */
#ifndef PARTITIONS_MANAGE_H
#define PARTITIONS_MANAGE_H

#include "vmm/base/types.h"

/* Registers the calls in the hypercall table; at boot, before any
 * partition runs. */
void manage_init(void);
/* The device and channel calls (partitions/manage_dev.c); manage_init
 * registers them. */
void manage_dev_init(void);

/* A management call as the table holds it: every one runs under
 * partition_mgmt_lock (vmm/partition.h), which also keeps the reaper off
 * the partitions it works on. LOCKED(fn) defines locked_fn. */
#define LOCKED(fn)                                                              \
	static struct hc_result locked_##fn(struct vcpu *v, const struct hc_args *a) \
	{                                                                       \
		spin_lock(&partition_mgmt_lock);                                \
		struct hc_result r = fn(v, a);                                  \
		spin_unlock(&partition_mgmt_lock);                              \
		return r;                                                       \
	}

#endif
