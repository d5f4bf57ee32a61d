// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parent's accesses to trapped ports and power registers, judged
 * byte lane by byte lane (partitions/parent_lanes.c): every sleep state
 * but S5 refused through any lane that reaches SLP_EN, every reset path
 * recognised however it is reached, the hypervisor's own ports refused
 * to any access that touches them, and everything else passed.
 */
#include <string.h>

#include "tests/unit/harness.h"
#include "partitions/parent_lanes.h"
#include "vmm/base/console.h"
#include "vmm/base/power.h"

struct acpi_info acpi;
static u16 con_port = 0x3f8;
static bool test_mode;

u16 console_port(void)
{
	return con_port;
}

bool power_test_mode(void)
{
	return test_mode;
}

static char why[160];
static struct lane_state st;

/* q35's FADT: PM1a at 0x600 (event) and 0x604 (control), S5 SLP_TYP 0,
 * the reset register at 0xcf9 with 6. */
static void machine(void)
{
	memset(&acpi, 0, sizeof(acpi));
	acpi.pm1a_evt = 0x600;
	acpi.pm1a_cnt = 0x604;
	acpi.pm1_evt_len = 4;
	acpi.pm1_cnt_len = 2;
	acpi.have_s5 = true;
	acpi.slp_typa = acpi.slp_typb = 0;
	acpi.reset_supported = true;
	acpi.reset_reg = (struct acpi_gas){ .space = 1, .bit_width = 8, .address = 0xcf9 };
	acpi.reset_value = 6;
	con_port = 0x3f8;
	test_mode = false;
	memset(&st, 0, sizeof(st));
	why[0] = 0;
}

static enum lane_verdict out(u16 port, u8 size, u32 val)
{
	return parent_port_verdict(&st, port, size, false, val, why, sizeof(why));
}

static enum lane_verdict in(u16 port, u8 size)
{
	return parent_port_verdict(&st, port, size, true, 0, why, sizeof(why));
}

TEST(every_sleep_state_but_s5_refused_on_every_lane)
{
	machine();
	for (u32 t = 0; t < 8; t++) {
		u32 hi = (t << 2) | 0x20;
		enum lane_verdict want = t == 0 ? LANE_SLEEP_S5 : LANE_REFUSE;
		CHECK_EQ(out(0x605, 1, hi), want);            /* the high byte alone */
		CHECK_EQ(out(0x604, 2, hi << 8), want);       /* the register */
		CHECK_EQ(out(0x605, 2, hi), want);            /* a word from its high byte */
		CHECK_EQ(out(0x602, 4, hi << 24), want);      /* a dword from PM1_EN */
		CHECK_EQ(out(0x604, 4, hi << 8), want);       /* a dword past it */
	}
	CHECK(harness_contains(why, "only S5"));
	/* SLP_TYP without SLP_EN, and the low byte (SCI_EN), are the parent's. */
	CHECK_EQ(out(0x604, 2, 5u << 10), LANE_PASS);
	CHECK_EQ(out(0x604, 1, 0xff), LANE_PASS);
	CHECK_EQ(out(0x600, 4, 0xffffffff), LANE_PASS); /* status and enable */
	/* Reads never sleep anything. */
	CHECK_EQ(in(0x604, 2), LANE_PASS);
}

TEST(pm1b_and_hardware_reduced_sleep_control)
{
	machine();
	acpi.pm1b_cnt = 0x644;
	acpi.slp_typa = 7;
	acpi.slp_typb = 3;
	CHECK_EQ(out(0x645, 1, (3 << 2) | 0x20), LANE_SLEEP_S5);
	CHECK_EQ(out(0x645, 1, (7 << 2) | 0x20), LANE_REFUSE); /* a's S5 type on b */
	CHECK_EQ(out(0x605, 1, (7 << 2) | 0x20), LANE_SLEEP_S5);
	acpi.sleep_control = (struct acpi_gas){ .space = 1, .bit_width = 8, .address = 0x404 };
	CHECK_EQ(out(0x404, 1, (1 << 2) | 0x20), LANE_REFUSE);
	CHECK_EQ(out(0x403, 2, ((1 << 2) | 0x20) << 8), LANE_REFUSE);
	CHECK_EQ(out(0x404, 1, (7 << 2) | 0x20), LANE_SLEEP_S5);
	CHECK_EQ(out(0x404, 1, 7 << 2), LANE_PASS);
}

TEST(every_reset_path_however_reached)
{
	machine();
	CHECK_EQ(out(0xcf9, 1, 0x06), LANE_RESET);
	CHECK_EQ(out(0xcf9, 1, 0x04), LANE_RESET);
	CHECK_EQ(out(0xcf9, 1, 0x02), LANE_PASS); /* the reset type alone */
	CHECK_EQ(out(0xcf8, 2, 0x0400), LANE_RESET);
	CHECK_EQ(out(0xcf8, 4, 0x80000400), LANE_PASS); /* CONFIG_ADDRESS */
	CHECK_EQ(out(0xcf8, 4, 0x06000000), LANE_PASS);
	CHECK_EQ(out(0x92, 1, 0x01), LANE_RESET);
	CHECK_EQ(out(0x91, 2, 0x0100), LANE_RESET);
	CHECK_EQ(out(0x92, 1, 0x02), LANE_PASS); /* A20 */
	/* The i8042: pulses with line 0 low, and the output port with bit 0 low. */
	CHECK_EQ(out(0x64, 1, 0xfe), LANE_RESET);
	CHECK_EQ(out(0x64, 1, 0xf0), LANE_RESET);
	CHECK_EQ(out(0x64, 1, 0xff), LANE_PASS);
	CHECK_EQ(out(0x64, 1, 0xf1), LANE_PASS);
	CHECK_EQ(out(0x60, 1, 0x00), LANE_PASS); /* keyboard data */
	CHECK_EQ(out(0x64, 1, 0xd1), LANE_PASS);
	CHECK_EQ(out(0x60, 1, 0xdf), LANE_PASS); /* bit 0 high: no reset */
	CHECK_EQ(out(0x60, 1, 0xde), LANE_PASS); /* the command was used up */
	CHECK_EQ(out(0x64, 1, 0xd1), LANE_PASS);
	CHECK_EQ(out(0x60, 1, 0xde), LANE_RESET);
	CHECK_EQ(out(0x64, 1, 0xd1), LANE_PASS);
	CHECK_EQ(out(0x64, 1, 0xae), LANE_PASS); /* another command cancels it */
	CHECK_EQ(out(0x60, 1, 0x00), LANE_PASS);
	CHECK_EQ(out(0x63, 2, 0xfe00), LANE_RESET); /* a word whose high lane is 0x64 */
	/* A reset register somewhere else, with its own value. */
	acpi.reset_reg.address = 0xb2;
	acpi.reset_value = 0x33;
	CHECK_EQ(out(0xb2, 1, 0x33), LANE_RESET);
	CHECK_EQ(out(0xb0, 4, 0x00330000), LANE_RESET);
	CHECK_EQ(out(0xb0, 4, 0x33000000), LANE_PASS); /* 0xb3 */
	CHECK_EQ(out(0xb2, 1, 0x32), LANE_PASS);
	acpi.reset_supported = false;
	CHECK_EQ(out(0xb2, 1, 0x33), LANE_PASS);
}

TEST(hypervisor_ports_refused_to_any_access_touching_them)
{
	machine();
	CHECK_EQ(out(0x3f, 2, 0x3434), LANE_REFUSE);
	CHECK(harness_contains(why, "port 0x40"));
	CHECK_EQ(in(0x43, 1), LANE_REFUSE);
	CHECK_EQ(in(0x41, 4), LANE_REFUSE);
	CHECK_EQ(out(0x3f, 1, 0), LANE_PASS);
	CHECK_EQ(out(0x44, 1, 0), LANE_PASS);
	/* The exit ports only in test mode. */
	CHECK_EQ(out(0xf3, 2, 0x0100), LANE_PASS);
	test_mode = true;
	CHECK_EQ(out(0xf3, 2, 0x0100), LANE_REFUSE);
	CHECK_EQ(out(0xf1, 4, 0x01000000), LANE_REFUSE);
	CHECK_EQ(out(0xf7, 1, 0), LANE_REFUSE);
	CHECK_EQ(out(0xf8, 1, 0), LANE_PASS);
	CHECK_EQ(out(0x88ff, 2, 0x5300), LANE_REFUSE);
	/* The console: COM1 is the parent's virtual UART (a device, not a
	 * machine port); any other console port is the hypervisor's. */
	CHECK_EQ(out(0x2f8, 1, 'x'), LANE_PASS);
	con_port = 0x2f8;
	CHECK_EQ(out(0x2f7, 2, 0x7800), LANE_REFUSE);
	CHECK_EQ(in(0x2ff, 1), LANE_REFUSE);
	CHECK_EQ(in(0x300, 1), LANE_PASS);
}

TEST(registers_in_memory_space)
{
	machine();
	acpi.reset_reg = (struct acpi_gas){ .space = 0, .bit_width = 8, .address = 0xfed00040 };
	acpi.reset_value = 0xaa;
	acpi.sleep_control = (struct acpi_gas){ .space = 0, .bit_width = 8, .address = 0xfed00050 };
	acpi.pm1a_cnt_mem = 0xfed00060;
	CHECK_EQ(parent_mem_verdict(0xfed00040, 1, 0xaa, why, sizeof(why)), LANE_RESET);
	CHECK_EQ(parent_mem_verdict(0xfed0003c, 8, 0xaaULL << 32, why, sizeof(why)), LANE_RESET);
	CHECK_EQ(parent_mem_verdict(0xfed00040, 1, 0xab, why, sizeof(why)), LANE_PASS);
	CHECK_EQ(parent_mem_verdict(0xfed00050, 1, (1 << 2) | 0x20, why, sizeof(why)), LANE_REFUSE);
	CHECK_EQ(parent_mem_verdict(0xfed0004c, 8, 0x24ULL << 32, why, sizeof(why)), LANE_REFUSE);
	CHECK_EQ(parent_mem_verdict(0xfed00050, 1, 0x20, why, sizeof(why)), LANE_SLEEP_S5);
	CHECK_EQ(parent_mem_verdict(0xfed00060, 2, 0x2400, why, sizeof(why)), LANE_REFUSE);
	CHECK_EQ(parent_mem_verdict(0xfed00060, 2, 0x0024, why, sizeof(why)), LANE_PASS);
	CHECK_EQ(parent_mem_verdict(0xfed00070, 8, ~0ULL, why, sizeof(why)), LANE_PASS);
}

int main(void)
{
	RUN(every_sleep_state_but_s5_refused_on_every_lane);
	RUN(pm1b_and_hardware_reduced_sleep_control);
	RUN(every_reset_path_however_reached);
	RUN(hypervisor_ports_refused_to_any_access_touching_them);
	RUN(registers_in_memory_space);
	return harness_finish();
}
