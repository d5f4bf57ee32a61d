// SPDX-License-Identifier: GPL-2.0-only
/*
 * Liveness: a partition that sleeps between ticks of a 20 Hz local APIC
 * timer and measures, with the hypervisor's clock (HVC_TIME_NS), when
 * each tick reaches it, while hostile partitions (flood.c) share its CPU.
 * It passes when 40 ticks took 2 s within 25% and no tick came more than
 * MAX_GAP_MS after the one before: the 50 ms period, plus the scheduler's
 * latency for a woken vCPU (it runs ahead of ones that have been
 * computing, so at most the rest of an exit handler's work), plus slack
 * for QEMU TCG, whose exits cost tens of microseconds each and which
 * shares the host's cores with whatever else runs.
 */
#include "guest.h"

#define TICKS 40
#define PERIOD_COUNT 5000000u /* 50 ms at the 100 MHz bus */
#define MAX_GAP_MS 150

static volatile u32 ticks;
static volatile u64 at[TICKS + 1];

static void on_timer(void)
{
	if (ticks <= TICKS)
		at[ticks] = (u64)hypercall(HVC_TIME_NS, 0, 0, 0);
	ticks++;
}

int guest_main(u32 vcpu, u64 mem)
{
	(void)vcpu;
	(void)mem;
	set_irq_handler(VEC_TIMER, on_timer);
	apic_enable(false);
	apic_write(0x3e0, 0xb);                    /* divide by 1 */
	apic_write(0x320, VEC_TIMER | (1u << 17)); /* periodic */
	apic_write(0x380, PERIOD_COUNT);
	while (ticks <= TICKS)
		sti_hlt();
	cli();
	apic_write(0x320, 1u << 16);
	u64 gap = 0;
	for (u32 i = 1; i <= TICKS; i++)
		if (at[i] - at[i - 1] > gap)
			gap = at[i] - at[i - 1];
	u64 total_ms = (at[TICKS] - at[0]) / 1000000, gap_ms = gap / 1000000;
	printf("jitter: %u ticks in %llu ms (expected %u), longest gap %llu ms (bound %u)\n", TICKS,
	       (unsigned long long)total_ms, TICKS * 50, (unsigned long long)gap_ms, MAX_GAP_MS);
	CHECK(total_ms >= TICKS * 50 * 3 / 4 && total_ms <= TICKS * 50 * 5 / 4);
	CHECK(gap_ms <= MAX_GAP_MS);
	return 0;
}
