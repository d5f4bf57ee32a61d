// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scrubbing, seen from children (tests/parent/manage.sh): built twice.
 * With -DSCRUB_FILL it writes a pattern over all the memory it does not
 * use itself and waits to be destroyed; without, it looks for that
 * pattern in all of its memory and reports what it found. A child
 * created after the filler was destroyed must find none of it.
 */
#include "guest.h"

#define PATTERN 0x4c4c494642555253ull /* "SRUBFILL" */
/* The long-mode page tables its builder puts at the top of low RAM. */
#define TOP_RESERVED (64u * 1024)

extern char _end[];

int guest_main(u32 vcpu, u64 mem)
{
	u64 lo = ((u64)(uword)_end + 0xfffff) & ~0xfffffull; /* past image and stack */
	u64 hi = (mem < (3ull << 30) ? mem : (3ull << 30)) - TOP_RESERVED;
	(void)vcpu;

#ifdef SCRUB_FILL
	for (u64 a = lo; a < hi; a += 8)
		*(volatile u64 *)(uword)a = PATTERN ^ a;
	printf("scrub: filled %llu MiB with the pattern\n", (unsigned long long)((hi - lo) >> 20));
	for (;;)
		sti_hlt();
#else
	u64 found = 0, nonzero = 0;
	for (u64 a = lo; a < hi; a += 8) {
		u64 v = *(volatile u64 *)(uword)a;
		if (v == (PATTERN ^ a))
			found++;
		if (v)
			nonzero++;
	}
	printf("scrub: checked %llu MiB: %llu pattern words, %llu non-zero words\n",
	       (unsigned long long)((hi - lo) >> 20), (unsigned long long)found,
	       (unsigned long long)nonzero);
	CHECK_EQ(found, 0);
	CHECK_EQ(nonzero, 0);
	return 0;
#endif
}
