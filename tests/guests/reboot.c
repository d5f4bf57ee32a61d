// SPDX-License-Identifier: GPL-2.0-only
/*
 * A partition with several running vCPUs resets (run with vcpus=3
 * start=all platform=pc on_reset=restart). First boot: the APs leave
 * marks in memory and in their x87 control word and spin in the guest;
 * then vCPU 0 writes the reset register as the last AP triple-faults:
 * whichever reset the hypervisor takes first, the other finds the
 * restart under way or never happens, and there is one restart. Second
 * boot (told apart by a CMOS byte, which a reset keeps): every vCPU must
 * have started over at the entry point, with memory reloaded and the x87
 * state at power-on.
 */
#include "guest.h"

#define CMOS_BOOT 0x51 /* general-purpose CMOS byte: which boot this is */
#define BOOTED_ONCE 0x5a
#define VCPUS 3
#define FCW_POWER_ON 0x37f
#define FCW_MARK 0x27f /* double precision instead of extended */

static volatile u32 online;
static volatile u32 go;
static volatile u64 marks[MAX_GUEST_VCPUS];
static volatile u16 fcw[MAX_GUEST_VCPUS];

static u16 read_fcw(void)
{
	u16 w;
	__asm__ __volatile__("fnstcw %0" : "=m"(w));
	return w;
}

static void set_fcw(u16 w)
{
	__asm__ __volatile__("fldcw %0" ::"m"(w));
}

static void triple_fault(void)
{
	struct { u16 limit; uword base; } __attribute__((packed)) none = { 0, 0 };
	__asm__ __volatile__("lidt %0; int3" ::"m"(none));
}

void guest_ap(u32 vcpu)
{
	u32 slot = vcpu % MAX_GUEST_VCPUS;

	fcw[slot] = read_fcw();
	marks[slot]++;
	__atomic_fetch_add(&online, 1, __ATOMIC_SEQ_CST);
	if (cmos(CMOS_BOOT) == BOOTED_ONCE)
		return; /* the second boot only reports in */
	set_fcw(FCW_MARK);
	while (!go)
		pause();
	if (vcpu == 2)
		triple_fault();
	/* Busy in the guest, as a reset finds a running OS. */
	for (;;)
		marks[slot]++;
}

static bool wait_online(u32 want)
{
	u64 t = rdtsc();
	while (online < want && rdtsc() - t < 4000000000ull)
		pause();
	return online >= want;
}

int guest_main(u32 vcpu, u64 mem)
{
	(void)vcpu;
	(void)mem;

	if (cmos(CMOS_BOOT) != BOOTED_ONCE) {
		printf("first boot: %u vCPUs up, resetting\n", wait_online(VCPUS - 1) ? VCPUS : 0);
		CHECK_EQ(online, VCPUS - 1);
		cmos_set(CMOS_BOOT, BOOTED_ONCE);
		set_fcw(FCW_MARK);
		go = 1;
		outb(0xcf9, 0x02);
		outb(0xcf9, 0x06); /* hard reset (the PIIX4 reset control register) */
		printf("still running after the reset\n");
		return 1;
	}
	printf("second boot\n");
	CHECK(wait_online(VCPUS - 1));
	CHECK_EQ(read_fcw(), FCW_POWER_ON);
	for (u32 i = 1; i < VCPUS; i++) {
		/* Reloaded memory: each AP counted once since the reset. */
		CHECK_EQ(marks[i], 1);
		CHECK_EQ(fcw[i], FCW_POWER_ON);
	}
	CHECK_EQ(go, 0);
	printf("every vCPU started over after the reset\n");
	return 0;
}
