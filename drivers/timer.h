/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef DRIVERS_TIMER_H
#define DRIVERS_TIMER_H

#include "vmm/base/types.h"

struct acpi_info;

extern u64 tsc_khz;
extern u64 lapic_timer_khz; /* LAPIC timer ticks per ms at divide-by-16 */

void timer_early_init(void); /* records the boot TSC */
/* Measures the TSC and LAPIC timer against the ACPI PM timer, or the PIT
 * when there is none. Returns NULL or an error string. */
const char *timer_calibrate(const struct acpi_info *a);
const char *timer_reference_name(void);
u64 timer_uptime_us(void);
void udelay(u64 us);
void mdelay(u64 ms);

#endif
