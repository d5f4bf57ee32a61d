// SPDX-License-Identifier: GPL-2.0-only
/* Hostile: an empty IDT, then an exception: #GP, #DF, shutdown. */
#include "guest.h"

int guest_main(u32 vcpu, u64 mem)
{
	struct { u16 limit; uword base; } __attribute__((packed)) none = { 0, 0 };
	(void)vcpu;
	(void)mem;
	printf("triple faulting\n");
	__asm__ __volatile__("lidt %0; int3" ::"m"(none));
	printf("still running after a triple fault\n");
	return 1;
}
