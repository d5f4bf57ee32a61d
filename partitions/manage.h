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

#endif
