// SPDX-License-Identifier: GPL-2.0-only
/* Hostile: touches guest-physical memory it does not own (reads, or writes
 * when its name contains "write"). The hypervisor must stop it. */
#include "guest.h"

int guest_main(u32 vcpu, u64 mem)
{
	static struct hv_partition_info info;
	(void)vcpu;
	hypercall(HVC_PARTITION_INFO, (uword)&info, 0, 0);
	bool write = false;
	for (int i = 0; info.name[i]; i++)
		if (!memcmp(&info.name[i], "write", 5))
			write = true;
	/* Just past its RAM, inside the identity map it was given. */
	volatile u64 *p = (volatile u64 *)(uword)(mem + 0x200000);
	printf("%s %p, beyond my memory\n", write ? "writing" : "reading", (void *)p);
	if (write)
		*p = 0x1234;
	else
		(void)*p;
	printf("still running: the hypervisor did not stop me\n");
	return 1;
}
