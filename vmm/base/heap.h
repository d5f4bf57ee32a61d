/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_HEAP_H
#define VMM_BASE_HEAP_H

#include "vmm/base/types.h"

/* Small objects come from power-of-two size classes carved out of pages;
 * anything above 2 KiB gets whole pages. Every block is 16-byte aligned. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

#endif
