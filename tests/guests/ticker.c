// SPDX-License-Identifier: GPL-2.0-only
/*
 * A child that runs beside the parent for as long as the machine does:
 * it sleeps in HLT between ticks of its local APIC timer (every 0.5 s of
 * the 100 MHz virtual bus) and prints "tick N" every fourth, so the
 * runner sees it make progress while the parent works. It never ends by
 * itself; the parent's power-off stops it (expect=poweroff).
 */
#include "guest.h"

#define TIMER_COUNT 50000000u /* 0.5 s at the 100 MHz bus, divide by 1 */

static volatile u32 ticks;

static void on_timer(void)
{
	ticks++; /* the library's stub sends the EOI */
}

int guest_main(u32 vcpu, u64 mem)
{
	(void)vcpu;
	printf("ticker: %llu MiB, ticking\n", (unsigned long long)(mem >> 20));
	set_irq_handler(VEC_TIMER, on_timer);
	apic_enable(false);
	apic_write(0x3e0, 0xb);                    /* divide by 1 */
	apic_write(0x320, VEC_TIMER | (1u << 17)); /* periodic */
	apic_write(0x380, TIMER_COUNT);
	for (u32 seen = 0;;) {
		sti_hlt();
		cli();
		if (ticks / 4 != seen) {
			seen = ticks / 4;
			printf("tick %u\n", seen);
		}
	}
}
