// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU-bound forever: a child the scheduler's weights and caps are measured
 * on (tests/parent/manage.sh). It never halts and never exits by itself.
 */
#include "guest.h"

int guest_main(u32 vcpu, u64 mem)
{
	volatile u64 n = 0;

	printf("burn: vCPU %u, %llu MiB, burning\n", vcpu, (unsigned long long)(mem >> 20));
	for (;;)
		n++;
	return 0;
}
