// SPDX-License-Identifier: GPL-2.0-only
/*
 * A child calls every parent-only hypercall, each with arguments that
 * would be valid from the parent (its own id, a name of another child,
 * a buffer in its memory): each must answer -HV_EPERM and do nothing;
 * numbers past the table answer -HV_ENOSYS.
 */
#include "guest.h"

static u8 buf[4096] __attribute__((aligned(4096)));

int guest_main(u32 vcpu, u64 mem)
{
	u32 r[4];
	(void)vcpu;
	(void)mem;

	cpuid(HV_CPUID_BASE + 1, 0, r);
	u64 self = r[3];
	for (u64 nr = HVC_PARENT_FIRST; nr <= HVC_PARENT_LAST; nr++) {
		for (u64 id = 0; id < 4; id++) {
			s64 ret = hypercall(nr, id ? id : self, (uword)buf, 16);
			if (ret != -HV_EPERM)
				printf("call %#llx (id %llu): %lld\n", (unsigned long long)nr,
				       (unsigned long long)id, (long long)ret);
			CHECK_EQ(ret, -HV_EPERM);
		}
	}
	CHECK_EQ(hypercall(HVC_PARENT_LAST + 1, 0, 0, 0), -HV_ENOSYS);
	CHECK_EQ(hypercall(HVC_COUNT_MAX - 1, 0, 0, 0), -HV_ENOSYS);
	for (u32 i = 0; i < sizeof(buf); i++)
		CHECK_EQ(buf[i], 0); /* nothing was written for it */
	printf("childcalls: %u parent-only calls refused\n",
	       (unsigned)(HVC_PARENT_LAST - HVC_PARENT_FIRST + 1) * 4);
	return 0;
}
