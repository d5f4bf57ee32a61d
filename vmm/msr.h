/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_MSR_H
#define VMM_MSR_H

#include "vmm/base/types.h"

struct vcpu;

/* Whether guest reads (or writes) of msr may go straight to the hardware;
 * the backends build their MSR bitmaps from this. */
bool msr_passthrough(u32 msr, bool write);

/* IA32_MISC_ENABLE of a new vCPU (Intel; SDM Vol. 4 2.1, table 2-2):
 * fast strings on; no performance monitoring, so BTS and PEBS
 * unavailable (read-only). Fast strings and TCC are the guest's to set. */
#define MISC_ENABLE_FAST_STRINGS BIT(0)
#define MISC_ENABLE_TCC BIT(3)
#define MISC_ENABLE_EMON BIT(7)
#define MISC_ENABLE_BTS_UNAVAIL BIT(11)
#define MISC_ENABLE_PEBS_UNAVAIL BIT(12)
#define MISC_ENABLE_RESET (MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAIL | \
			   MISC_ENABLE_PEBS_UNAVAIL)

/* The EFER bits a guest may set (the rest, SVME included, #GP); the
 * backends' VMRUN / VM-entry checks allow no others either. */
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

/* RDTSCP (and IA32_TSC_AUX) offered to guests: the CPU has it and the
 * backend lets it run in the guest (VT-x: "enable RDTSCP"). Set by the
 * backend at start-up. */
extern bool guest_rdtscp;
/* Loads v's IA32_TSC_AUX into this CPU before it enters v (the
 * hypervisor itself never reads it). */
void msr_load_tsc_aux(struct vcpu *v);

#endif
