// SPDX-License-Identifier: GPL-2.0-only
/* C entry shared by every guest: tables, then guest_main on vCPU 0 and
 * guest_ap (if the guest has one) on the others. */
#include "guest.h"

void guest_entry(u32 vcpu, u64 mem);

__attribute__((weak)) void guest_ap(u32 vcpu)
{
	(void)vcpu;
	for (;;)
		cli(), hlt();
}

void guest_entry(u32 vcpu, u64 mem)
{
	cpu_tables_init(vcpu);
	if (vcpu != 0) {
		guest_ap(vcpu);
		for (;;)
			cli(), hlt();
	}
	int f = guest_main(vcpu, mem) + failures;
	printf("%s\n", f ? "FAILED" : "all checks passed");
	guest_exit(f ? 1 : 0);
}
