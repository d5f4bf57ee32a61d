// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit-cost benchmark, measured from inside the guest in TSC ticks: the
 * round trip of CPUID, a port access handled in the hypervisor, an
 * emulated MSR read and a hypercall, against a loop that does not exit;
 * then the exits per second of an idle guest with a 1 kHz LAPIC timer,
 * with its own EOIs and with Hyper-V's EOI assist (as Linux uses it), and
 * the exits per IPI of two vCPUs passing one back and forth, both ways.
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

/*
 * IPI ping-pong between vCPU 0 and vCPU 1, each waiting for the other in
 * `sti; hlt` as an idle OS does: vCPU 1's handler answers every IPI with
 * one back. Exits per IPI are the partition's exits over the rounds
 * (both vCPUs: the sender's ICR write, the receiver's HLT and EOI).
 */
#define IPI_ROUNDS 1000

static volatile u32 ap_ready, ap_assist, ap_assist_on, pongs;

static void on_ipi(void)
{
	if (guest_vcpu_index() == 0)
		pongs++;
	else
		apic_send_ipi(0, VEC_IPI);
}

void guest_ap(u32 vcpu)
{
	static u8 assist[4096] __attribute__((aligned(4096)));
	(void)vcpu;

	apic_enable(true);
	ap_ready = 1;
	for (;;) {
		cli();
		if (ap_assist != ap_assist_on) {
			wrmsr(0x40000073, ap_assist ? (uword)assist | 1 : 0);
			eoi_assist_use(ap_assist ? (volatile u32 *)assist : NULL);
			ap_assist_on = ap_assist;
		}
		sti_hlt();
	}
}

static void ping(void)
{
	u32 want = pongs + 1;

	apic_send_ipi(1, VEC_IPI);
	for (;;) {
		cli();
		if (pongs >= want)
			break;
		sti_hlt();
	}
}

static void ipi_rounds(const char *what)
{
	u64 e0 = exits_so_far();
	u64 t = rdtsc();
	for (u32 i = 0; i < IPI_ROUNDS; i++)
		ping();
	t = rdtsc() - t;
	u64 e = exits_so_far() - e0 - 1; /* the reading's own hypercall */
	u64 per100 = e * 100 / (2 * IPI_ROUNDS);
	printf("bench: IPI ping-pong%s: %llu ticks per round trip, %llu.%02llu exits per IPI\n",
	       what, (unsigned long long)(t / IPI_ROUNDS), (unsigned long long)(per100 / 100),
	       (unsigned long long)(per100 % 100));
}

int guest_main(u32 vcpu, u64 mem)
{
	(void)vcpu;
	(void)mem;
	/* vCPU 1 settles in HLT first: it takes no exits while measured. A
	 * partition of one vCPU skips the IPI rounds. */
	u64 t0 = rdtsc();
	while (!ap_ready && rdtsc() - t0 < 100000000)
		pause();
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
	eoi_assist_use((volatile u32 *)assist);
	idle_second(" with EOI assist");
	eoi_assist_use(NULL);
	wrmsr(0x40000073, 0);
	apic_write(0x320, VEC_TIMER | (1u << 16));

	if (!ap_ready) {
		printf("bench: IPI ping-pong: no second vCPU\n");
		return 0;
	}
	set_irq_handler(VEC_IPI, on_ipi);
	ipi_rounds("");
	/* Both vCPUs with the EOI assist; one round lets vCPU 1 take it up. */
	wrmsr(0x40000073, (uword)assist | 1);
	eoi_assist_use((volatile u32 *)assist);
	ap_assist = 1;
	ping();
	while (!ap_assist_on)
		ping();
	ipi_rounds(" with EOI assist");
	return 0;
}
