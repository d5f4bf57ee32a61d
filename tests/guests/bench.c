// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit-cost benchmark, measured from inside the guest in TSC ticks: the
 * round trip of CPUID, a port access handled in the hypervisor, an
 * emulated MSR read and a hypercall, against a loop that does not exit;
 * then the exits per second of an idle guest with a 1 kHz LAPIC timer,
 * with its own EOIs and with Hyper-V's EOI assist (as Linux uses it).
 */
#include "guest.h"

#define N 2000

static volatile u32 ticks;
static void on_timer(void) { ticks++; }

static u64 cycles_cpuid(void)
{
	u32 r[4];
	u64 t = rdtsc();
	for (int i = 0; i < N; i++)
		cpuid(0, 0, r);
	return rdtsc() - t;
}

static u64 cycles_port(void)
{
	u64 t = rdtsc();
	for (int i = 0; i < N; i++)
		outb(HV_TESTDEV_PORT_NOP, 0);
	return rdtsc() - t;
}

static u64 cycles_msr(void)
{
	u64 t = rdtsc();
	for (int i = 0; i < N; i++) {
		u32 lo, hi;
		__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x2ff));
	}
	return rdtsc() - t;
}

static u64 cycles_hypercall(void)
{
	u64 t = rdtsc();
	for (int i = 0; i < N; i++)
		hypercall(HVC_VERSION, 0, 0, 0);
	return rdtsc() - t;
}

static u64 cycles_baseline(void)
{
	u64 t = rdtsc();
	for (int i = 0; i < N; i++)
		__asm__ __volatile__("lfence" ::: "memory");
	return rdtsc() - t;
}

static u64 exits_so_far(void)
{
	static struct hv_partition_info info;
	hypercall(HVC_PARTITION_INFO, (uword)&info, 0, 0);
	return info.exits;
}

/* Idle with the running 1 kHz timer for 1000 ticks: exits per second. */
static void idle_second(const char *what)
{
	ticks = 0;
	s64 t0 = hypercall(HVC_TIME_NS, 0, 0, 0);
	u64 e0 = exits_so_far();
	while (ticks < 1000)
		sti_hlt();
	cli();
	u64 e1 = exits_so_far();
	s64 t1 = hypercall(HVC_TIME_NS, 0, 0, 0);
	u64 ms = (u64)(t1 - t0) / 1000000;
	printf("bench: idle 1 kHz timer%s: %llu exits in %llu ms = %llu exits/s, %u ticks\n", what,
	       (unsigned long long)(e1 - e0), (unsigned long long)ms,
	       (unsigned long long)(ms ? (e1 - e0) * 1000 / ms : 0), ticks);
}

int guest_main(u32 vcpu, u64 mem)
{
	(void)vcpu;
	(void)mem;
	u64 base = cycles_baseline() / N;
	struct { const char *name; u64 (*fn)(void); } tests[] = {
		{ "cpuid", cycles_cpuid }, { "port-io", cycles_port },
		{ "msr-read", cycles_msr }, { "hypercall", cycles_hypercall },
	};
	printf("bench: baseline (no exit) %llu ticks per iteration\n", (unsigned long long)base);
	for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		u64 c = tests[i].fn() / N;
		printf("bench: %s round trip %llu ticks (%llu x baseline)\n", tests[i].name,
		       (unsigned long long)c, (unsigned long long)(base ? c / base : 0));
	}

	/* Idle with a 1 kHz timer: how many exits per second does it cost? */
	set_irq_handler(VEC_TIMER, on_timer);
	apic_enable(true);
	apic_write(0x3e0, 0xb);                    /* divide by 1 */
	apic_write(0x320, VEC_TIMER | (1u << 17)); /* periodic */
	apic_write(0x380, 100000);                 /* 1 ms at the 100 MHz bus */
	idle_second("");
	/* The same with the VP assist page's EOI assist (TLFS 10.3.5). */
	static u8 assist[4096] __attribute__((aligned(4096)));
	wrmsr(0x40000073, (uword)assist | 1);
	eoi_assist = (volatile u32 *)assist;
	idle_second(" with EOI assist");
	eoi_assist = NULL;
	wrmsr(0x40000073, 0);
	apic_write(0x320, VEC_TIMER | (1u << 16));
	return 0;
}
