/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_MATH_H
#define VMM_BASE_MATH_H

#include "vmm/base/types.h"

/* a * b / c with a 128-bit intermediate; saturates instead of faulting
 * when the quotient does not fit. c must not be 0. */
static inline u64 muldiv64(u64 a, u64 b, u64 c)
{
	u64 lo, hi, q, r;

	__asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b));
	if (hi >= c)
		return UINT64_MAX;
	__asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(c));
	(void)r;
	return q;
}

/* (hi * 2^64) / d for hi < d: the fraction hi/d as a 0.64 fixed-point
 * number (the Hyper-V reference TSC scale). */
static inline u64 div128_hi(u64 hi, u64 d)
{
	u64 q, r;

	if (hi >= d)
		return UINT64_MAX;
	__asm__("divq %4" : "=a"(q), "=d"(r) : "a"(0ULL), "d"(hi), "rm"(d));
	(void)r;
	return q;
}

/* (a * b) >> 64 */
static inline u64 mul_hi64(u64 a, u64 b)
{
	u64 lo, hi;

	__asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b));
	(void)lo;
	return hi;
}

/*
 * idx when idx < size, else 0, computed without a branch the CPU could
 * predict past: for table lookups on guest-chosen indices, after the
 * bounds check (Spectre v1; the same mask as Linux's
 * array_index_mask_nospec).
 */
static inline u64 array_index_nospec(u64 idx, u64 size)
{
	u64 mask;

	__asm__("cmp %1, %2; sbb %0, %0" : "=r"(mask) : "g"(size), "r"(idx) : "cc");
	return idx & mask;
}

#endif
