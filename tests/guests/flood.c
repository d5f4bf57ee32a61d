// SPDX-License-Identifier: GPL-2.0-only
/*
 * A hostile neighbour for the liveness test: four vCPUs (start=all), each
 * flooding the hypervisor its own way, forever (the partition ends by its
 * time limit):
 *   vCPU 0: console lines through the test device, as fast as it can;
 *   vCPU 1: console hypercalls of 4 KiB;
 *   vCPU 2: self-IPIs and self-NMIs, taking each;
 *   vCPU 3: #DB from single-stepping, one per instruction (every #DB exits
 *           to the hypervisor, which intercepts #DB).
 */
#include "guest.h"

static volatile u64 ipis, nmis_seen;
static char page[4096];

static void on_ipi(void)
{
	ipis++;
}

static void storm(void)
{
	apic_enable(true);
	set_irq_handler(VEC_IPI, on_ipi);
	for (;;) {
		apic_send_ipi(0, VEC_IPI | (1u << 18));        /* self, fixed */
		apic_send_ipi(0, (4u << 8) | (1u << 18));      /* self, NMI */
		sti();
		pause();
		cli();
	}
}

static void single_step(void)
{
	for (;;) {
#ifdef __x86_64__
		__asm__ __volatile__("pushf; orq $0x100, (%%rsp); popf; nop; nop; nop" ::: "memory");
#else
		__asm__ __volatile__("pushf; orl $0x100, (%%esp); popf; nop; nop; nop" ::: "memory");
#endif
	}
}

void guest_ap(u32 vcpu)
{
	if (vcpu == 1) {
		memset(page, 'h', sizeof(page));
		for (u32 i = 63; i < sizeof(page); i += 64)
			page[i] = '\n';
		for (;;)
			hypercall(HVC_CONSOLE_WRITE, (u64)(uword)page, sizeof(page), 0);
	}
	if (vcpu == 2)
		storm();
	single_step();
}

int guest_main(u32 vcpu, u64 mem)
{
	(void)vcpu;
	(void)mem;
	for (u32 n = 0;; n++)
		printf("flood %u: the quick brown fox jumps over the lazy dog, "
		       "again and again and again\n", n);
	return 0;
}
