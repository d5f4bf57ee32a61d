/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_CPU_H
#define VMM_BASE_CPU_H

#include "vmm/base/types.h"

enum cpu_vendor { VENDOR_OTHER, VENDOR_INTEL, VENDOR_AMD };

struct cpu_info {
	enum cpu_vendor vendor;
	char vendor_str[13];
	char brand[49];
	u32 family, model, stepping;
	u32 max_leaf, max_ext_leaf;
	bool vmx, svm, x2apic, pages_1g, nx, invariant_tsc, xsave, pcid;
	u8 phys_addr_bits, virt_addr_bits;
};

extern struct cpu_info boot_cpu;

void cpu_identify(struct cpu_info *c);
/* Per-CPU control-register set-up shared by the BSP and every AP. */
void cpu_setup(void);

#endif
