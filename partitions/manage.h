/* SPDX-License-Identifier: GPL-2.0-only */
/* The parent's management calls (partitions/manage.c). */
#ifndef PARTITIONS_MANAGE_H
#define PARTITIONS_MANAGE_H

#include "vmm/base/types.h"

/* Registers the calls in the hypercall table; at boot, before any
 * partition runs. */
void manage_init(void);

#endif
