// SPDX-License-Identifier: GPL-2.0-only
/* Touches guest-physical memory it does not own. Named "...write...":
 * writes, else reads; made with unclaimed=stop the hypervisor must stop
 * it. Named "...soft...": made without it, it must find a PC's floating
 * bus there -- reads all ones, a write dropped -- and carry on. */
#include "guest.h"

int guest_main(u32 vcpu, u64 mem)
{
	static struct hv_partition_info info;
	(void)vcpu;
	hypercall(HVC_PARTITION_INFO, (uword)&info, 0, 0);
	bool write = false, soft = false;
	for (int i = 0; info.name[i]; i++) {
		if (!memcmp(&info.name[i], "write", 5))
			write = true;
		if (!memcmp(&info.name[i], "soft", 4))
			soft = true;
	}
	/* Just past its RAM, inside the identity map it was given. */
	volatile u64 *p = (volatile u64 *)(uword)(mem + 0x200000);
	if (soft) {
		u64 a = *p;
		*p = 0x1234;
		u64 b = *p;
		volatile u8 *q = (volatile u8 *)p + 5;
		u8 c = *q;
		if (a == ~0ULL && b == ~0ULL && c == 0xff) {
			printf("unclaimed: reads all ones, a write dropped, still running\n");
			return 0;
		}
		printf("unclaimed: read %llx, after a write %llx, a byte %x\n",
		       (unsigned long long)a, (unsigned long long)b, c);
		return 1;
	}
	printf("%s %p, beyond my memory\n", write ? "writing" : "reading", (void *)p);
	if (write)
		*p = 0x1234;
	else
		(void)*p;
	printf("still running: the hypervisor did not stop me\n");
	return 1;
}
