// SPDX-License-Identifier: GPL-2.0-only
/*
 * A test kernel's way out: its status written to QEMU's debug-exit port
 * (0xf4), which the partition has with exit_port=0xf4. Reads of the port
 * return 0; a 4-byte write of 5 ends the partition as a failure with
 * code 5 (the run expects just that: expect=fail), and nothing after it
 * runs.
 */
#include "guest.h"

int guest_main(u32 vcpu, u64 mem)
{
	(void)vcpu;
	(void)mem;
	if (inl(0xf4) != 0) {
		printf("exitport: the port reads %#x\n", inl(0xf4));
		return 1;
	}
	printf("exitport: writing 5 to port 0xf4\n");
	outl(0xf4, 5);
	printf("exitport: still running after the exit port\n");
	return 0; /* a pass here would be the wrong outcome */
}
