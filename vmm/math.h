/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_MATH_H
#define VMM_MATH_H

#include "vmm/types.h"

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

#endif
