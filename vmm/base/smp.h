/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_SMP_H
#define VMM_BASE_SMP_H

#include "vmm/base/types.h"

/* Starts every CPU the MADT lists as enabled, up to max_cpus (0 = all),
 * and with smt false none that is a second thread of a core; each runs
 * `work` once it is set up (the core's: it never returns). */
void smp_boot(u32 max_cpus, bool smt, void (*work)(void));

#endif
