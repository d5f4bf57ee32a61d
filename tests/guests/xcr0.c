// SPDX-License-Identifier: GPL-2.0-only
/*
 * XSETBV goes through the hypervisor, which refuses what the CPU would
 * and what guests are not offered: no x87, AVX without SSE, PKRU and MPX
 * (hidden), an XCR other than 0; an allowed value takes effect. Runs on
 * Bochs only: QEMU TCG executes XSETBV without taking the SVM intercept
 * the APM specifies (tests/guest_tests.sh).
 */
#include "guest.h"

static inline u64 xgetbv0(void)
{
	u32 lo, hi;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

static int try_xsetbv(u32 index, u64 val)
{
	exceptions_reset();
	__asm__ __volatile__(MOVP " $1f, %0\n\txsetbv\n1:"
			     : "=m"(fixup_ip)
			     : "c"(index), "a"((u32)val), "d"((u32)(val >> 32))
			     : "memory");
	fixup_ip = 0;
	return last_vector;
}

int guest_main(u32 vcpu, u64 mem)
{
	u32 r[4];
	uword cr4;

	(void)vcpu;
	(void)mem;
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 26))) {
		printf("xcr0: XSAVE not offered\n");
		return 1;
	}
	CHECK_EQ(try_xsetbv(0, 3), 6); /* #UD before CR4.OSXSAVE */
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	__asm__ __volatile__("mov %0, %%cr4" ::"r"(cr4 | (1ul << 18)));
	cpuid(1, 0, r);
	CHECK(r[2] & (1u << 27)); /* OSXSAVE now reads as set */
	CHECK_EQ(try_xsetbv(0, 0), 13);         /* no x87 */
	CHECK_EQ(try_xsetbv(0, 5), 13);         /* AVX without SSE */
	CHECK_EQ(try_xsetbv(0, 3 | 0x200), 13); /* PKRU: not offered */
	CHECK_EQ(try_xsetbv(0, 3 | 0x8), 13);   /* MPX: not offered */
	CHECK_EQ(try_xsetbv(1, 3), 13);         /* an XCR other than 0 */
	CHECK_EQ(xgetbv0(), 1);
	CHECK_EQ(try_xsetbv(0, 3), -1);
	CHECK_EQ(xgetbv0(), 3);
	printf("xcr0: XSETBV refuses what it must\n");
	return 0;
}
