// SPDX-License-Identifier: GPL-2.0-only
/* The parent's port and power-register accesses, judged byte lane by
 * byte lane (parent_lanes.h). */
#include "partitions/parent_lanes.h"
#include "vmm/base/console.h"
#include "vmm/base/fmt.h"
#include "vmm/base/power.h"
#include "vmm/dev/platform.h"
#include "drivers/acpi.h"

#define I8042_WRITE_OUTPUT 0xd1
#define CF9_RST_CPU BIT(2)
#define PORT92_FAST_RESET BIT(0)
/* In the high byte of PM1x_CNT (bits 13 and 12:10 of the register) and
 * in the hardware-reduced SLEEP_CONTROL register (bits 5 and 4:2):
 * ACPI 6.5 4.8.3.2.1 and 4.8.3.7. */
#define SLP_EN_BYTE BIT(5)
#define SLP_TYP_BYTE(b) ((u8)(((b) >> 2) & 7))

u16 parent_gas_port(const struct acpi_gas *g)
{
	return g->space == 1 && g->address && g->address <= 0xffff ? (u16)g->address : 0;
}

bool parent_hv_port(u32 port)
{
	u16 con = console_port();

	if (port >= PIT_FIRST && port <= PIT_LAST)
		return true; /* its time reference */
	if (con && con != PLAT_UART_PORT && port >= con && port < con + 8u)
		return true; /* its console, when not the parent's virtual COM1 */
	return power_test_mode() &&
	       ((port >= QEMU_EXIT_PORT && port < QEMU_EXIT_PORT + QEMU_EXIT_LEN) ||
		port == BOCHS_EXIT_PORT);
}

/* A sleep request (SLP_EN with SLP_TYP typ for block a or b): S5 powers
 * the machine off; any other state is refused, since a machine resumed
 * from S1-S4 would run the parent's waking vector with virtualization
 * off. */
static enum lane_verdict sleep_request(u8 typ, bool block_b, u64 reg, char *why, size_t n)
{
	if (acpi.have_s5 && typ == (block_b ? acpi.slp_typb : acpi.slp_typa))
		return LANE_SLEEP_S5;
	hv_snprintf(why, n, "sleep state with SLP_TYP %u through %#lx: only S5 (power-off) is allowed",
		    typ, (unsigned long)reg);
	return LANE_REFUSE;
}

/* Writing byte b to port q, one lane of an access of `size` bytes at
 * `port`. */
static enum lane_verdict out_lane(struct lane_state *st, u16 port, u8 size, u32 q, u8 b, char *why,
				  size_t n)
{
	u16 rr = acpi.reset_supported ? parent_gas_port(&acpi.reset_reg) : 0;
	u16 sc = parent_gas_port(&acpi.sleep_control);

	if (acpi.pm1a_cnt && q == acpi.pm1a_cnt + 1 && (b & SLP_EN_BYTE))
		return sleep_request(SLP_TYP_BYTE(b), false, acpi.pm1a_cnt, why, n);
	if (acpi.pm1b_cnt && q == acpi.pm1b_cnt + 1 && (b & SLP_EN_BYTE))
		return sleep_request(SLP_TYP_BYTE(b), true, acpi.pm1b_cnt, why, n);
	if (sc && q == sc && (b & SLP_EN_BYTE))
		return sleep_request(SLP_TYP_BYTE(b), false, sc, why, n);
	if (rr && q == rr && b == acpi.reset_value)
		return LANE_RESET;
	/* 0xcf9 is the chipset's reset control for every access but a dword
	 * at 0xcf8, which is PCI's CONFIG_ADDRESS. */
	if (q == PORT_CF9 && !(port == PORT_CF8 && size == 4) && (b & CF9_RST_CPU))
		return LANE_RESET;
	if (q == PORT_92 && (b & PORT92_FAST_RESET))
		return LANE_RESET;
	if (q == PORT_I8042_CMD) {
		st->i8042_output_next = b == I8042_WRITE_OUTPUT;
		/* Commands 0xf0-0xff pulse the output lines their low nibble
		 * leaves clear; line 0 is the system reset. */
		if ((b & 0xf1) == 0xf0)
			return LANE_RESET;
	}
	if (q == PORT_I8042_DATA && st->i8042_output_next) {
		st->i8042_output_next = false;
		if (!(b & 1))
			return LANE_RESET; /* output port bit 0 low: system reset */
	}
	return LANE_PASS;
}

enum lane_verdict parent_port_verdict(struct lane_state *st, u16 port, u8 size, bool in, u32 val,
				      char *why, size_t n)
{
	for (u8 i = 0; i < size; i++) {
		if (parent_hv_port((u32)port + i)) {
			hv_snprintf(why, n, "port %#x is the hypervisor's", port + i);
			return LANE_REFUSE;
		}
	}
	if (in)
		return LANE_PASS;
	for (u8 i = 0; i < size; i++) {
		enum lane_verdict v = out_lane(st, port, size, (u32)port + i, (u8)(val >> (8 * i)),
					       why, n);
		if (v != LANE_PASS)
			return v;
	}
	return LANE_PASS;
}

static bool is_mem_reg(const struct acpi_gas *g, u64 addr)
{
	return g->space == 0 && g->address && g->address == addr;
}

static enum lane_verdict mem_byte(u64 a, u8 b, char *why, size_t n)
{
	if (acpi.pm1a_cnt_mem && a == acpi.pm1a_cnt_mem + 1 && (b & SLP_EN_BYTE))
		return sleep_request(SLP_TYP_BYTE(b), false, acpi.pm1a_cnt_mem, why, n);
	if (acpi.pm1b_cnt_mem && a == acpi.pm1b_cnt_mem + 1 && (b & SLP_EN_BYTE))
		return sleep_request(SLP_TYP_BYTE(b), true, acpi.pm1b_cnt_mem, why, n);
	if (is_mem_reg(&acpi.sleep_control, a) && (b & SLP_EN_BYTE))
		return sleep_request(SLP_TYP_BYTE(b), false, a, why, n);
	if (acpi.reset_supported && is_mem_reg(&acpi.reset_reg, a) && b == acpi.reset_value)
		return LANE_RESET;
	return LANE_PASS;
}

enum lane_verdict parent_mem_verdict(u64 addr, u8 size, u64 val, char *why, size_t n)
{
	for (u8 i = 0; i < size && i < 8; i++) {
		enum lane_verdict v = mem_byte(addr + i, (u8)(val >> (8 * i)), why, n);
		if (v != LANE_PASS)
			return v;
	}
	return LANE_PASS;
}
