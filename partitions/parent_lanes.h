/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parent's accesses to the machine's trapped ports and power
 * registers ask of the machine, byte lane by byte lane (parent_io.c acts
 * on the verdict). Pure decisions over the machine's ACPI description:
 * host unit tests run them.
 */
#ifndef PARTITIONS_PARENT_LANES_H
#define PARTITIONS_PARENT_LANES_H

#include "vmm/base/types.h"
#include "drivers/acpi.h"

#define PIT_FIRST 0x40
#define PIT_LAST 0x43
#define QEMU_EXIT_PORT 0xf4
#define QEMU_EXIT_LEN 4
#define BOCHS_EXIT_PORT 0x8900
#define PORT_I8042_DATA 0x60
#define PORT_I8042_CMD 0x64
#define PORT_92 0x92
#define PORT_CF8 0xcf8
#define PORT_CF9 0xcf9

enum lane_verdict {
	LANE_PASS,     /* to the hardware as it was made */
	LANE_REFUSE,   /* reads float high, writes vanish */
	LANE_SLEEP_S5, /* power the machine off (after stopping everything) */
	LANE_RESET,    /* reset the machine (after stopping everything) */
};

/* What the lanes remember between accesses: the i8042's "write output
 * port" command makes the next data byte its output port. */
struct lane_state {
	bool i8042_output_next;
};

/* The hypervisor's own ports, never the parent's. */
bool parent_hv_port(u32 port);
/* A port access of `size` bytes at `port` (the value, for a write). */
enum lane_verdict parent_port_verdict(struct lane_state *st, u16 port, u8 size, bool in, u32 val,
				      char *why, size_t n);
/* A write of `size` bytes at machine address `addr` to a page holding a
 * power register in memory space. */
enum lane_verdict parent_mem_verdict(u64 addr, u8 size, u64 val, char *why, size_t n);
/* The I/O port of a GAS in I/O space, or 0. */
u16 parent_gas_port(const struct acpi_gas *g);

#endif
