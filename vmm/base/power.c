// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/base/power.h"
#include "vmm/base/log.h"
#include "vmm/base/desc.h"
#include "vmm/base/x86.h"
#include "drivers/acpi.h"
#include "drivers/timer.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900
#define SLP_EN BIT(13)

static bool test_mode;

void power_set_test_mode(bool on) { test_mode = on; }
bool power_test_mode(void) { return test_mode; }

static void emulator_exit(u8 code)
{
	outb(QEMU_DEBUG_EXIT_PORT, code);
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (u8)*s);
}

static void acpi_s5(void)
{
	if (!acpi.have_fadt || !acpi.have_s5 || !acpi.pm1a_cnt)
		return;
	/* SLP_TYPx and SLP_EN in PM1x_CNT (ACPI 6.5 4.8.4.2, 7.4.2). */
	u16 v = inw((u16)acpi.pm1a_cnt) & ~(7u << 10);
	outw((u16)acpi.pm1a_cnt, v | (u16)(acpi.slp_typa << 10) | SLP_EN);
	if (acpi.pm1b_cnt) {
		v = inw((u16)acpi.pm1b_cnt) & ~(7u << 10);
		outw((u16)acpi.pm1b_cnt, v | (u16)(acpi.slp_typb << 10) | SLP_EN);
	}
}

static __noreturn void halt_forever(void)
{
	for (;;) {
		irq_disable();
		cpu_hlt();
	}
}

void power_off(void)
{
	irq_disable();
	log_flush();
	acpi_s5();
	mdelay(100);
	emulator_exit(0);
	log_raw("hv: power-off failed; halted\n");
	halt_forever();
}

void power_reset(void)
{
	irq_disable();
	log_flush();
	if (acpi.reset_supported && acpi.reset_reg.space == 1 &&
	    acpi.reset_reg.address <= 0xffff)
		outb((u16)acpi.reset_reg.address, acpi.reset_value);
	mdelay(50);
	outb(0x64, 0xfe); /* 8042 pulses the reset line */
	mdelay(50);
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06); /* PCI reset control: hard reset */
	mdelay(50);
	/* Last resort: an empty IDT turns the next exception into a triple fault. */
	struct desc_ptr none = { 0, 0 };
	lidt(&none);
	__asm__ __volatile__("int3");
	halt_forever();
}

void test_finish(bool pass, const char *why)
{
	irq_disable();
	log_flush();
	log_raw(pass ? "hv: test result: PASS\n" : "hv: test result: FAIL (");
	if (!pass) {
		log_raw(why ? why : "unknown");
		log_raw(")\n");
	}
	emulator_exit(pass ? 0 : 1);
	acpi_s5();
	halt_forever();
}

void power_on_panic(void)
{
	if (test_mode)
		test_finish(false, "hypervisor panic");
}
