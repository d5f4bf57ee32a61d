// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several vCPUs in one partition. With start=bsp the BSP brings the APs
 * up with INIT-SIPI-SIPI (the path an OS uses); with start=all they are
 * already running. Then: fixed IPIs to each AP, a broadcast, and all
 * vCPUs hammering one shared counter at once.
 */
#include "guest.h"

#define AP_TRAMP 0x8000
#define ROUNDS 20000

extern char ap_tramp_start[], ap_tramp_end[], ap_tramp_cr3[];

static volatile u32 online;
static volatile u32 go;
static volatile u32 acks[MAX_GUEST_VCPUS];
static volatile u64 shared;
static volatile u32 done;

static void on_ipi(void)
{
	acks[apic_id() % MAX_GUEST_VCPUS]++;
}

static void hammer(void)
{
	for (int i = 0; i < ROUNDS; i++)
		__atomic_fetch_add(&shared, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&done, 1, __ATOMIC_SEQ_CST);
}

void guest_ap(u32 vcpu)
{
	apic_enable(false);
	__atomic_fetch_add(&online, 1, __ATOMIC_SEQ_CST);
	printf("AP %u online, APIC ID %u\n", vcpu, apic_id());
	while (!go)
		sti_hlt();
	hammer();
	for (;;)
		sti_hlt();
}

static bool wait_for(volatile u32 *v, u32 want, u64 cycles)
{
	u64 t = rdtsc();
	while (*v < want && rdtsc() - t < cycles)
		pause();
	return *v >= want;
}

static void start_aps(u32 n)
{
	u64 cr3;
	__asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
	memcpy((void *)AP_TRAMP, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	*(u32 *)(AP_TRAMP + (ap_tramp_cr3 - ap_tramp_start)) = (u32)cr3;
	for (u32 ap = 1; ap < n; ap++) {
		apic_send_ipi(ap, 0x4500);                    /* INIT, assert */
		apic_send_ipi(ap, 0x4600 | (AP_TRAMP >> 12)); /* start-up */
		apic_send_ipi(ap, 0x4600 | (AP_TRAMP >> 12));
	}
}

int guest_main(u32 vcpu, u64 mem)
{
	u32 r[4];
	(void)vcpu;
	(void)mem;
	cpuid(hv_cpuid_base() + 1, 0, r);
	u32 n = r[2];
	printf("smp: %u vCPUs\n", n);
	CHECK(n >= 2 && n <= MAX_GUEST_VCPUS);
	if (n < 2 || n > MAX_GUEST_VCPUS)
		return 1;
	set_irq_handler(VEC_IPI, on_ipi);
	apic_enable(false);

	/* Already running (start=all, which the hypervisor's leaf says)?
	 * Otherwise wake them the OS way. */
	cpuid(hv_cpuid_base() + 2, 0, r);
	if (!(r[0] & HV_CPUID_FLAG_START_ALL)) {
		printf("starting APs with INIT-SIPI-SIPI\n");
		start_aps(n);
	}
	CHECK(wait_for(&online, n - 1, 20000000000ULL));
	CHECK_EQ(online, n - 1);

	/* A fixed IPI to each AP in turn, by physical APIC ID. */
	for (u32 ap = 1; ap < n; ap++) {
		apic_send_ipi(ap, VEC_IPI);
		CHECK(wait_for(&acks[ap], 1, 20000000000ULL));
	}
	/* All but self. */
	apic_send_ipi(0, VEC_IPI | (3u << 18));
	for (u32 ap = 1; ap < n; ap++)
		CHECK(wait_for(&acks[ap], 2, 20000000000ULL));
	CHECK_EQ(acks[0], 0);

	/* Everyone at once on one counter. */
	go = 1;
	apic_send_ipi(0, VEC_IPI | (3u << 18));
	hammer();
	CHECK(wait_for(&done, n, 20000000000ULL));
	CHECK_EQ(shared, (u64)ROUNDS * n);
	return 0;
}
