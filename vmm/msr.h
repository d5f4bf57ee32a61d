/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_MSR_H
#define VMM_MSR_H

#include "vmm/base/types.h"

/* Whether guest reads (or writes) of msr may go straight to the hardware;
 * the backends build their MSR bitmaps from this. */
bool msr_passthrough(u32 msr, bool write);

#endif
