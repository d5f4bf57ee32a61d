// SPDX-License-Identifier: GPL-2.0-only
/* Time keeping: TSC and LAPIC timer calibration, delays. */
#include "drivers/timer.h"
#include "drivers/acpi.h"
#include "drivers/lapic.h"
#include "vmm/base/log.h"
#include "vmm/base/trap.h"
#include "vmm/base/x86.h"

#define PM_TIMER_HZ 3579545ULL
#define PIT_HZ 1193182ULL
#define CALIBRATE_MS 20

u64 tsc_khz;
u64 lapic_timer_khz;
static u64 boot_tsc;
static const char *reference = "none";

void timer_early_init(void)
{
	boot_tsc = rdtsc();
}

const char *timer_reference_name(void)
{
	return reference;
}

u64 timer_uptime_us(void)
{
	if (!tsc_khz)
		return 0;
	u64 d = rdtsc() - boot_tsc;
	return d / tsc_khz * 1000 + (d % tsc_khz) * 1000 / tsc_khz;
}

/* Busy-waits `ticks` of the ACPI PM timer (24 or 32 bits wide). */
static void pm_timer_wait(u16 port, bool wide, u64 ticks)
{
	u32 mask = wide ? 0xffffffffu : 0xffffffu;
	u32 last = inl(port) & mask;
	u64 elapsed = 0;

	while (elapsed < ticks) {
		u32 now = inl(port) & mask;
		elapsed += (now - last) & mask;
		last = now;
	}
}

/* Busy-waits on PIT channel 2 in mode 0 (gate via port 0x61). */
static void pit_wait(u64 ticks)
{
	while (ticks) {
		u16 chunk = ticks > 0xffff ? 0xffff : (u16)ticks;
		outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
		outb(0x43, 0xb0);                       /* ch2, lo/hi, mode 0 */
		outb(0x42, chunk & 0xff);
		outb(0x42, chunk >> 8);
		while (!(inb(0x61) & 0x20))
			cpu_relax();
		ticks -= chunk;
	}
}

static void reference_wait_ms(const struct acpi_info *a, u64 ms)
{
	if (a && a->pm_tmr)
		pm_timer_wait((u16)a->pm_tmr, a->pm_tmr_32bit, PM_TIMER_HZ * ms / 1000);
	else
		pit_wait(PIT_HZ * ms / 1000);
}

const char *timer_calibrate(const struct acpi_info *a)
{
	reference = a && a->pm_tmr ? "ACPI PM timer" : "PIT";

	/* LAPIC timer and TSC over the same window. */
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	u64 t0 = rdtsc();
	reference_wait_ms(a, CALIBRATE_MS);
	u64 t1 = rdtsc();
	u32 left = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);

	tsc_khz = (t1 - t0) / CALIBRATE_MS;
	lapic_timer_khz = (0xffffffffu - left) / CALIBRATE_MS;
	if (!tsc_khz)
		return "TSC does not advance";
	if (!lapic_timer_khz)
		return "LAPIC timer does not count";
	return NULL;
}

void udelay(u64 us)
{
	if (!tsc_khz) {
		/* Before calibration: the PIT needs no set-up and is always there
		 * on the PCs that still boot this early without a PM timer. */
		pit_wait(PIT_HZ * us / 1000000 + 1);
		return;
	}
	u64 end = rdtsc() + us * tsc_khz / 1000;
	while ((s64)(rdtsc() - end) < 0)
		cpu_relax();
}

void mdelay(u64 ms)
{
	udelay(ms * 1000);
}
