/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_POWER_H
#define VMM_BASE_POWER_H

#include "vmm/base/types.h"

/* ACPI S5, then the emulator exits; halts if all of them fail. */
__noreturn void power_off(void);
/* ACPI reset register, 8042 pulse, port 0xcf9, then a triple fault. */
__noreturn void power_reset(void);

/*
 * Test mode (test=1): report the outcome on the console and end the run:
 * QEMU's isa-debug-exit (port 0xf4: exit code (value << 1) | 1, so 1 is
 * pass and 3 is fail), Bochs' shutdown port 0x8900, then ACPI power-off.
 */
void power_set_test_mode(bool on);
bool power_test_mode(void);
__noreturn void test_finish(bool pass, const char *why);
/* Called on panic: in test mode the run ends as a failure at once. */
void power_on_panic(void);

#endif
