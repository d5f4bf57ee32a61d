/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_DEV_TESTDEV_H
#define VMM_DEV_TESTDEV_H

#include "vmm/partition.h"

/* Adds the test device (ports and MMIO page, see hv_abi.h) to p. */
int testdev_attach(struct partition *p);
/*
 * A test-exit port at `port` (4 bytes), as QEMU's isa-debug-exit: a
 * write of any width ends the partition -- value 0 as a pass, anything
 * else as a failure with that code (QEMU would exit with (value << 1) |
 * 1). Reads return 0. NULL, or why it cannot be attached (the ports are
 * a device's already).
 */
const char *exit_port_attach(struct partition *p, u16 port);
/* Line-buffered partition console shared with HVC_CONSOLE_WRITE. */
void testdev_console_putc(struct partition *p, char c);
void testdev_console_flush(struct partition *p);

#endif
