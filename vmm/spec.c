// SPDX-License-Identifier: GPL-2.0-only
/* Speculative-execution mitigations (spec.h), decided at boot. */
#include "vmm/spec.h"
#include "vmm/main.h"
#include "vmm/base/cpu.h"
#include "vmm/base/desc.h"
#include "vmm/base/log.h"
#include "vmm/base/trap.h"

/* CPUID.7.0:EDX (SDM Vol. 2A CPUID, Table 3-8). */
#define F7D_MD_CLEAR BIT(10)
#define F7D_SPEC_CTRL BIT(26)  /* IBRS and IBPB */
#define F7D_STIBP BIT(27)
#define F7D_FLUSH_L1D BIT(28)
#define F7D_ARCH_CAP BIT(29)
#define F7D_SSBD BIT(31)
/* CPUID.80000008H:EBX (AMD). */
#define E8B_IBPB BIT(12)
#define E8B_IBRS BIT(14)
#define E8B_STIBP BIT(15)
#define E8B_SSBD BIT(24)
/* IA32_ARCH_CAPABILITIES. */
#define ARCH_RDCL_NO BIT(0)
#define ARCH_IBRS_ALL BIT(1)
#define ARCH_SKIP_L1DFL_VMENTRY BIT(3)
#define ARCH_MDS_NO BIT(5)
#define ARCH_PSCHANGE_MC_NO BIT(6)
#define ARCH_TAA_NO BIT(8)

struct spec_policy spec;
u8 spec_verw_flag;
u16 spec_verw_sel = SEL_DATA;

void spec_init(void)
{
	struct cpuid_regs l7 = { 0 }, e8 = { 0 };
	u64 arch = 0;

	if (boot_cpu.max_leaf >= 7)
		cpuid_count(7, 0, &l7);
	if (boot_cpu.max_ext_leaf >= 0x80000008)
		e8 = cpuid(0x80000008);
	if ((l7.edx & F7D_ARCH_CAP) && !rdmsr_safe(MSR_ARCH_CAPABILITIES, &arch))
		arch = 0;
	bool intel = boot_cpu.vendor == VENDOR_INTEL;

	/* SPEC_CTRL and PRED_CMD: only where writing them works. */
	bool has_spec_ctrl = (intel ? (l7.edx & F7D_SPEC_CTRL) : (e8.ebx & E8B_IBRS)) &&
			     wrmsr_safe(MSR_SPEC_CTRL, 0);
	bool has_ibpb = (intel ? (l7.edx & F7D_SPEC_CTRL) : (e8.ebx & E8B_IBPB)) &&
			wrmsr_safe(MSR_PRED_CMD, 1);
	spec.ibpb = has_ibpb;
	if (has_spec_ctrl) {
		spec.guest_spec_ctrl_bits = SPEC_CTRL_IBRS;
		if (intel ? (l7.edx & F7D_STIBP) : (e8.ebx & E8B_STIBP))
			spec.guest_spec_ctrl_bits |= SPEC_CTRL_STIBP;
		if (intel ? (l7.edx & F7D_SSBD) : (e8.ebx & E8B_SSBD))
			spec.guest_spec_ctrl_bits |= SPEC_CTRL_SSBD;
		spec.eibrs = arch & ARCH_IBRS_ALL;
		spec.host_spec_ctrl = spec.eibrs ? SPEC_CTRL_IBRS : 0;
	}
	/* MDS/TAA: Intel CPUs that do not say MDS_NO (and TAA_NO). */
	spec.verw = intel && (l7.edx & F7D_MD_CLEAR) &&
		    (!(arch & ARCH_MDS_NO) || !(arch & ARCH_TAA_NO));
	spec_verw_flag = spec.verw;
	/* L1TF: Intel CPUs without RDCL_NO, unless the CPU flushes at entry. */
	spec.l1d_flush = intel && boot_cpu.vmx && (l7.edx & F7D_FLUSH_L1D) &&
			 !(arch & ARCH_RDCL_NO) && !(arch & ARCH_SKIP_L1DFL_VMENTRY);
	/* iTLB multihit: Intel CPUs that do not say PSCHANGE_MC_NO. */
	spec.small_pages = intel && !(arch & ARCH_PSCHANGE_MC_NO);

	pr_info("spec: IBPB on partition switch %s; RSB refilled after every exit; "
		"VERW before entry %s; L1D flush before entry %s; indirect branches: %s; "
		"guest large pages %s; SMT %s",
		spec.ibpb ? "yes" : "no (CPU lacks IBPB)",
		spec.verw ? "yes" : (intel && !(l7.edx & F7D_MD_CLEAR)) ? "no (no MD_CLEAR)" : "no (not affected)",
		spec.l1d_flush ? "yes" : "no (not affected or not needed)",
		spec.eibrs ? "enhanced IBRS and retpolines" : "retpolines",
		spec.small_pages ? "off (iTLB multihit: 4 KiB pages only)" : "on",
		hv_opts.smt ? "on (siblings may run different partitions)" : "off");
	spec_cpu_init();
}

void spec_cpu_init(void)
{
	if (spec.guest_spec_ctrl_bits)
		wrmsr_safe(MSR_SPEC_CTRL, spec.host_spec_ctrl);
}
