/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_DEV_TESTDEV_H
#define VMM_DEV_TESTDEV_H

#include "vmm/partition.h"

/* Adds the test device (ports and MMIO page, see hv_abi.h) to p. */
int testdev_attach(struct partition *p);
/* Line-buffered partition console shared with HVC_CONSOLE_WRITE. */
void testdev_console_putc(struct partition *p, char c);
void testdev_console_flush(struct partition *p);

#endif
