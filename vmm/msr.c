// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MSR policy, one table: which MSRs pass through to the hardware
 * (state the backend switches per vCPU), which are emulated, and which
 * read as zero. Everything else gets #GP, as on a CPU without the MSR.
 */
#include "vmm/msr.h"
#include "vmm/backend.h"
#include "vmm/base/cpu.h"
#include "vmm/base/errno.h"
#include "vmm/event.h"
#include "vmm/hyperv.h"
#include "vmm/base/log.h"
#include "vmm/base/percpu.h"
#include "vmm/partition.h"
#include "vmm/spec.h"
#include "vmm/base/trap.h"
#include "vmm/dev/vlapic.h"
#include "vmm/base/x86.h"

#define MSR_PLATFORM_ID 0x17
#define MSR_BIOS_UPDT_TRIG 0x79
#define MSR_BIOS_SIGN 0x8b
#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MTRR_VAR_FIRST 0x200
#define MSR_MTRR_VAR_LAST 0x20f
#define MSR_MTRR_FIX64K 0x250
#define MSR_MTRR_FIX16K_80000 0x258
#define MSR_MTRR_FIX16K_A0000 0x259
#define MSR_MTRR_FIX4K_FIRST 0x268
#define MSR_MTRR_FIX4K_LAST 0x26f
#define MSR_DEBUGCTL 0x1d9
#define MSR_HWCR 0xc0010015
#define MSR_PERF_LEGACY_FIRST 0xc0010000 /* PERF_CTL0-3, then PERF_CTR0-3 */
#define MSR_PERF_LEGACY_LAST 0xc0010007
#define MSR_SYSCFG 0xc0010010
#define MSR_INT_PENDING_MSG 0xc0010055
#define MSR_VM_CR 0xc0010114

/* Eight variable ranges, fixed ranges, write-combining (SDM 11.11.2.1). */
#define MTRRCAP_VALUE (8 | BIT(8) | BIT(10))

enum msr_kind { MSR_PASS, MSR_EMULATE, MSR_ZERO };

typedef int (*msr_read_fn)(struct vcpu *v, u32 msr, u64 *val);
typedef int (*msr_write_fn)(struct vcpu *v, u32 msr, u64 val);

struct msr_rule {
	u32 first, last;
	enum msr_kind kind;
	msr_read_fn read;
	msr_write_fn write;
};

static int fixed_index(u32 msr)
{
	if (msr == MSR_MTRR_FIX64K)
		return 0;
	if (msr == MSR_MTRR_FIX16K_80000 || msr == MSR_MTRR_FIX16K_A0000)
		return 1 + (int)(msr - MSR_MTRR_FIX16K_80000);
	return 3 + (int)(msr - MSR_MTRR_FIX4K_FIRST);
}

static int mtrr_read(struct vcpu *v, u32 msr, u64 *val)
{
	if (msr == MSR_MTRRCAP)
		*val = MTRRCAP_VALUE;
	else if (msr == MSR_MTRR_DEF_TYPE)
		*val = v->mtrr_def_type;
	else if (msr >= MSR_MTRR_VAR_FIRST && msr <= MSR_MTRR_VAR_LAST)
		*val = v->mtrr_var[msr - MSR_MTRR_VAR_FIRST];
	else
		*val = v->mtrr_fixed[fixed_index(msr)];
	return 0;
}

static bool valid_memtype(u64 t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static int mtrr_write(struct vcpu *v, u32 msr, u64 val)
{
	if (msr == MSR_MTRRCAP)
		return -EINVAL;
	if (msr == MSR_MTRR_DEF_TYPE) {
		if ((val & ~0xcffULL) || !valid_memtype(val & 0xff))
			return -EINVAL;
		v->mtrr_def_type = val;
	} else if (msr >= MSR_MTRR_VAR_FIRST && msr <= MSR_MTRR_VAR_LAST) {
		/* PHYSBASE: type in 0-7, 8-11 reserved; PHYSMASK: 0-10
		 * reserved, V in 11; both: nothing at or above MAXPHYADDR
		 * (SDM Vol. 3A 12.11.2.3). */
		u64 above = ~0ULL << (boot_cpu.phys_addr_bits ? boot_cpu.phys_addr_bits : 36);
		u64 reserved = above | ((msr & 1) ? 0x7ffULL : 0xf00ULL);
		if ((val & reserved) || (!(msr & 1) && !valid_memtype(val & 0xff)))
			return -EINVAL;
		v->mtrr_var[msr - MSR_MTRR_VAR_FIRST] = val;
	} else {
		for (int i = 0; i < 8; i++)
			if (!valid_memtype((val >> (8 * i)) & 0xff))
				return -EINVAL;
		v->mtrr_fixed[fixed_index(msr)] = val;
	}
	return 0;
}

static int efer_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	*val = backend->get_reg(v, VREG_EFER);
	return 0;
}

static int efer_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	u64 old = backend->get_reg(v, VREG_EFER);

	if (val & ~EFER_GUEST_BITS)
		return -EINVAL; /* includes SVME: SVM is hidden */
	/* LME cannot change while paging is on (SDM Vol. 3A 10.8.5). */
	if (((val ^ old) & EFER_LME) && (backend->get_reg(v, VREG_CR0) & CR0_PG))
		return -EINVAL;
	/* LMA is read-only: the CPU sets it when paging turns on. */
	val = (val & ~EFER_LMA) | (old & EFER_LMA);
	backend->set_reg(v, VREG_EFER, val);
	return 0;
}

static int pat_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	*val = backend->get_reg(v, VREG_PAT);
	return 0;
}

static int pat_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	if (!pat_types_valid(val))
		return -EINVAL;
	backend->set_reg(v, VREG_PAT, val);
	return 0;
}

static int tsc_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	backend->set_reg(v, VREG_TSC_OFFSET, val - rdtsc());
	return 0;
}

static int feature_control_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)v;
	(void)msr;
	*val = 1; /* locked, VMX off: guests must not try to turn it on */
	return 0;
}

static int vm_cr_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)v;
	(void)msr;
	*val = BIT(3) | BIT(4); /* LOCK | SVMDIS: SVM unavailable */
	return 0;
}

/* IA32_MISC_ENABLE: Intel's (AMD has no such MSR: #GP). The value is the
 * vCPU's own; fast strings and TCC are writable, the "no BTS/PEBS" bits
 * read-only (a write that changes them faults, as KVM has it), the
 * performance-monitoring bit reads 0 whatever is written (no PMU), and
 * every other bit -- ones whose features are not offered, or that would
 * take NX or CPUID leaves away -- faults when set. */
static int misc_enable_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	if (boot_cpu.vendor == VENDOR_AMD)
		return -EINVAL;
	*val = v->misc_enable;
	return 0;
}

static int misc_enable_write(struct vcpu *v, u32 msr, u64 val)
{
	const u64 ro = MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL;
	const u64 rw = MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_TCC;

	(void)msr;
	val &= ~(u64)MISC_ENABLE_EMON;
	if (boot_cpu.vendor == VENDOR_AMD || ((val ^ v->misc_enable) & ro) || (val & ~(ro | rw)))
		return -EINVAL;
	v->misc_enable = val;
	return 0;
}

static int ignore_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)v;
	(void)msr;
	(void)val;
	return 0;
}

/* Architecturally read-only: any write is #GP (MCG_CAP, SDM Vol. 3B 16.3.1.1). */
static int read_only(struct vcpu *v, u32 msr, u64 val)
{
	(void)v;
	(void)msr;
	(void)val;
	return -EINVAL;
}

static int zero_only_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)v;
	(void)msr;
	return val ? -EINVAL : 0;
}

static int apic_read(struct vcpu *v, u32 msr, u64 *val)
{
	return v->lapic ? vlapic_msr_read(v, msr, val) : -EINVAL;
}

static int apic_write(struct vcpu *v, u32 msr, u64 val)
{
	return v->lapic ? vlapic_msr_write(v, msr, val) : -EINVAL;
}

/*
 * AMD's legacy performance counters (APM Vol. 2 13.2.1): every AMD CPU
 * since K7 has them, with no CPUID bit to say otherwise, so a guest may
 * touch them whatever CPUID says. With no virtual PMU they are honest
 * "no PMU" registers: what is written reads back, nothing ever counts
 * (KVM answers them the same way). Intel CPUs have no such MSRs: #GP.
 */
static int perf_legacy_read(struct vcpu *v, u32 msr, u64 *val)
{
	if (boot_cpu.vendor != VENDOR_AMD)
		return -EINVAL;
	*val = v->perf_legacy[msr - MSR_PERF_LEGACY_FIRST];
	return 0;
}

static int perf_legacy_write(struct vcpu *v, u32 msr, u64 val)
{
	if (boot_cpu.vendor != VENDOR_AMD)
		return -EINVAL;
	/* Counters are 48 bits wide (APM 13.2.1); controls keep all. */
	if (msr >= MSR_PERF_LEGACY_FIRST + 4)
		val &= (1ULL << 48) - 1;
	v->perf_legacy[msr - MSR_PERF_LEGACY_FIRST] = val;
	return 0;
}

/* AMD-only MSRs a stock kernel probes, which read as 0 and take only 0
 * (absent on Intel: #GP), as KVM answers them: SYSCFG (APM Vol. 2
 * 3.2.1: no SME, no MTRR fixed-range extensions on offer) and
 * INT_PENDING_MSG (BKDG family 10h: no C1E, which Linux checks on CPUs
 * with erratum 400). */
static int amd_zero_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)v;
	(void)msr;
	if (boot_cpu.vendor != VENDOR_AMD)
		return -EINVAL;
	*val = 0;
	return 0;
}

static int amd_zero_write(struct vcpu *v, u32 msr, u64 val)
{
	return boot_cpu.vendor == VENDOR_AMD ? zero_only_write(v, msr, val) : -EINVAL;
}

/* IA32_SPEC_CTRL and IA32_PRED_CMD, as CPUID offers them (vmm/spec.h):
 * the guest's SPEC_CTRL goes in around each entry; IBPB goes straight
 * to the CPU. */
static int spec_ctrl_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	if (!spec.guest_spec_ctrl_bits)
		return -EINVAL;
	*val = v->spec_ctrl;
	return 0;
}

static int spec_ctrl_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	if (!spec.guest_spec_ctrl_bits || (val & ~spec.guest_spec_ctrl_bits))
		return -EINVAL;
	v->spec_ctrl = val;
	return 0;
}

static int pred_cmd_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)v;
	(void)msr;
	if (!spec.ibpb || (val & ~1ULL))
		return -EINVAL;
	if (val)
		wrmsr(MSR_PRED_CMD, 1);
	return 0;
}

bool guest_rdtscp;

/* The TSC_AUX value each CPU holds (~0: unknown, load it). */
static u64 cpu_tsc_aux[MAX_CPUS] = { [0 ... MAX_CPUS - 1] = ~0ULL };

void msr_load_tsc_aux(struct vcpu *v)
{
	u32 cpu = this_cpu_id();

	if (!guest_rdtscp || cpu_tsc_aux[cpu] == v->tsc_aux)
		return;
	wrmsr(MSR_TSC_AUX, v->tsc_aux);
	cpu_tsc_aux[cpu] = v->tsc_aux;
}

/* IA32_TSC_AUX: 32 bits, the rest reserved (#GP); only where RDTSCP is
 * offered, as a CPU without it has no such MSR. */
static int tsc_aux_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)msr;
	if (!guest_rdtscp)
		return -EINVAL;
	*val = v->tsc_aux;
	return 0;
}

static int tsc_aux_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)msr;
	if (!guest_rdtscp || (val >> 32))
		return -EINVAL;
	v->tsc_aux = (u32)val;
	msr_load_tsc_aux(v); /* it runs on this CPU: in effect at once */
	return 0;
}

static const struct msr_rule rules[] = {
	{ MSR_SPEC_CTRL, MSR_SPEC_CTRL, MSR_EMULATE, spec_ctrl_read, spec_ctrl_write },
	{ MSR_PRED_CMD, MSR_PRED_CMD, MSR_EMULATE, NULL, pred_cmd_write },
	/* Hyper-V synthetic MSRs (vmm/hyperv.c) */
	{ HV_MSR_FIRST, HV_MSR_LAST, MSR_EMULATE, hyperv_msr_read, hyperv_msr_write },
	/* Switched by VMLOAD/VMSAVE on AMD-V, by the VMCS or by hand on VT-x. */
	{ MSR_FS_BASE, MSR_KERNEL_GS_BASE, MSR_PASS, NULL, NULL },
	{ MSR_STAR, MSR_SFMASK, MSR_PASS, NULL, NULL },
	{ MSR_SYSENTER_CS, MSR_SYSENTER_EIP, MSR_PASS, NULL, NULL },
	/* Reads of the TSC pass through with the vCPU's offset applied. */
	{ MSR_TSC, MSR_TSC, MSR_EMULATE, NULL, tsc_write },
	{ MSR_EFER, MSR_EFER, MSR_EMULATE, efer_read, efer_write },
	{ MSR_PAT, MSR_PAT, MSR_EMULATE, pat_read, pat_write },
	{ MSR_TSC_AUX, MSR_TSC_AUX, MSR_EMULATE, tsc_aux_read, tsc_aux_write },
	{ MSR_APIC_BASE, MSR_APIC_BASE, MSR_EMULATE, apic_read, apic_write },
	{ 0x6e0, 0x6e0, MSR_EMULATE, apic_read, apic_write }, /* TSC deadline */
	{ 0x800, 0x8ff, MSR_EMULATE, apic_read, apic_write }, /* x2APIC */
	{ MSR_MTRRCAP, MSR_MTRRCAP, MSR_EMULATE, mtrr_read, mtrr_write },
	{ MSR_MTRR_DEF_TYPE, MSR_MTRR_DEF_TYPE, MSR_EMULATE, mtrr_read, mtrr_write },
	{ MSR_MTRR_VAR_FIRST, MSR_MTRR_VAR_LAST, MSR_EMULATE, mtrr_read, mtrr_write },
	{ MSR_MTRR_FIX64K, MSR_MTRR_FIX64K, MSR_EMULATE, mtrr_read, mtrr_write },
	{ MSR_MTRR_FIX16K_80000, MSR_MTRR_FIX16K_A0000, MSR_EMULATE, mtrr_read, mtrr_write },
	{ MSR_MTRR_FIX4K_FIRST, MSR_MTRR_FIX4K_LAST, MSR_EMULATE, mtrr_read, mtrr_write },
	{ MSR_FEATURE_CONTROL, MSR_FEATURE_CONTROL, MSR_EMULATE, feature_control_read, NULL },
	{ MSR_MISC_ENABLE, MSR_MISC_ENABLE, MSR_EMULATE, misc_enable_read, misc_enable_write },
	{ MSR_VM_CR, MSR_VM_CR, MSR_EMULATE, vm_cr_read, NULL },
	{ MSR_DEBUGCTL, MSR_DEBUGCTL, MSR_ZERO, NULL, zero_only_write },
	/* Harmless identification and machine-check status: read as zero. */
	{ 0x0, 0x1, MSR_ZERO, NULL, NULL },
	{ MSR_PLATFORM_ID, MSR_PLATFORM_ID, MSR_ZERO, NULL, NULL },
	{ MSR_BIOS_UPDT_TRIG, MSR_BIOS_UPDT_TRIG, MSR_ZERO, NULL, ignore_write },
	{ MSR_BIOS_SIGN, MSR_BIOS_SIGN, MSR_ZERO, NULL, ignore_write },
	{ MSR_MCG_CAP, MSR_MCG_CAP, MSR_ZERO, NULL, read_only },
	{ MSR_MCG_STATUS, MSR_MCG_STATUS, MSR_ZERO, NULL, zero_only_write },
	{ MSR_HWCR, MSR_HWCR, MSR_ZERO, NULL, NULL },
	{ MSR_PERF_LEGACY_FIRST, MSR_PERF_LEGACY_LAST, MSR_EMULATE, perf_legacy_read,
	  perf_legacy_write },
	{ MSR_SYSCFG, MSR_SYSCFG, MSR_EMULATE, amd_zero_read, amd_zero_write },
	{ MSR_INT_PENDING_MSG, MSR_INT_PENDING_MSG, MSR_EMULATE, amd_zero_read, amd_zero_write },
};

static const struct msr_rule *find_rule(u32 msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (msr >= rules[i].first && msr <= rules[i].last)
			return &rules[i];
	return NULL;
}

bool msr_passthrough(u32 msr, bool write)
{
	const struct msr_rule *r = find_rule(msr);

	if (!r)
		return false;
	if (r->kind == MSR_PASS)
		return true;
	/* TSC reads go to the hardware, which applies the offset. */
	return msr == MSR_TSC && !write;
}

/* A pass-through MSR exited after all (the permission map says it never
 * does). Going to the hardware here would read or write the
 * hypervisor's own FS/GS/KERNEL_GS_BASE or SYSCALL state: refuse. */
static int pass_msr_trapped(struct vcpu *v, u32 msr)
{
	static struct log_ratelimit rl;

	log_limited(&rl, LOG_ERR, "%s: MSR %#x exited although it passes through: refused",
		    v->part->cfg.name, msr);
	return -EINVAL;
}

static int msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	const struct msr_rule *r = find_rule(msr);

	if (!r)
		return -EINVAL;
	if (r->kind == MSR_ZERO || (r->kind == MSR_EMULATE && !r->read && msr != MSR_TSC)) {
		*val = 0;
		return r->kind == MSR_ZERO ? 0 : -EINVAL;
	}
	if (msr == MSR_TSC) {
		*val = rdtsc() + backend->get_reg(v, VREG_TSC_OFFSET);
		return 0;
	}
	if (r->kind == MSR_PASS)
		return pass_msr_trapped(v, msr);
	return r->read(v, msr, val);
}

static int msr_write(struct vcpu *v, u32 msr, u64 val)
{
	const struct msr_rule *r = find_rule(msr);

	if (!r)
		return -EINVAL;
	if (r->kind == MSR_PASS)
		return pass_msr_trapped(v, msr);
	if (!r->write)
		return r->kind == MSR_ZERO && val == 0 ? 0 : -EINVAL;
	return r->write(v, msr, val);
}

enum exit_action vmm_handle_rdmsr(struct vcpu *v)
{
	u32 msr = (u32)v->gpr[GPR_RCX];
	u64 val = 0;

	if (msr_read(v, msr, &val)) {
		pr_debug("%s: rdmsr %#x -> #GP", v->part->cfg.name, msr);
		vcpu_inject_gp(v, 0);
		return EXIT_RESUME;
	}
	v->gpr[GPR_RAX] = (u32)val;
	v->gpr[GPR_RDX] = val >> 32;
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

enum exit_action vmm_handle_wrmsr(struct vcpu *v)
{
	u32 msr = (u32)v->gpr[GPR_RCX];
	u64 val = (v->gpr[GPR_RDX] << 32) | (u32)v->gpr[GPR_RAX];

	if (msr_write(v, msr, val)) {
		pr_debug("%s: wrmsr %#x <- %#lx -> #GP", v->part->cfg.name, msr, (unsigned long)val);
		vcpu_inject_gp(v, 0);
		return EXIT_RESUME;
	}
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
