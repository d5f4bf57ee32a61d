// SPDX-License-Identifier: GPL-2.0-only
/* Hostile: uses an instruction the MMIO emulator does not implement
 * (LOCK CMPXCHG) on a device register. The partition must be stopped
 * with a clear reason, not misemulated. */
#include "guest.h"

int guest_main(u32 vcpu, u64 mem)
{
	(void)vcpu;
	(void)mem;
	volatile u32 *reg = (volatile u32 *)(uword)HV_TESTDEV_MMIO;
	u32 expect = 0, val = 1;
	printf("lock cmpxchg on a device register\n");
	__asm__ __volatile__("lock cmpxchgl %2, %1" : "+a"(expect), "+m"(*reg) : "r"(val) : "memory");
	printf("still running: the hypervisor did not stop me\n");
	return 1;
}
