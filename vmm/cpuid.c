// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPUID a guest sees: the host's, minus what the hypervisor does not
 * virtualize (VMX/SVM above all, and features whose state it does not
 * switch), plus the hypervisor bit, the vendor leaf and a topology that
 * matches the partition's vCPUs.
 */
#include "vmm/exit.h"
#include "vmm/fpu.h"
#include "vmm/backend.h"
#include "vmm/msr.h"
#include "vmm/base/cpu.h"
#include "vmm/hyperv.h"
#include "vmm/partition.h"
#include "vmm/spec.h"
#include "vmm/base/string.h"
#include "vmm/dev/vlapic.h"
#include "vmm/base/x86.h"
#include "drivers/timer.h"

/* Leaf 1 ECX */
#define F1C_MONITOR BIT(3)
#define F1C_DS_CPL BIT(4)
#define F1C_VMX BIT(5)
#define F1C_SMX BIT(6)
#define F1C_EST BIT(7)
#define F1C_TM2 BIT(8)
#define F1C_SDBG BIT(11)
#define F1C_FMA BIT(12)
#define F1C_PDCM BIT(15)
#define F1C_DCA BIT(18)
#define F1C_X2APIC BIT(21)
#define F1C_TSC_DEADLINE BIT(24)
#define F1C_XSAVE BIT(26)
#define F1C_OSXSAVE BIT(27)
#define F1C_AVX BIT(28)
#define F1C_F16C BIT(29)
#define F1C_HYPERVISOR BIT(31)
/* Leaf 1 EDX */
#define F1D_APIC BIT(9)   /* as IA32_APIC_BASE.EN says (SDM Vol. 3A 11.4.3) */
#define F1D_DS BIT(21)
#define F1D_ACPI BIT(22)
#define F1D_HTT BIT(28)
#define F1D_TM BIT(29)
#define F1D_PBE BIT(31)
/* Leaf 7.0 EBX features that need no state or MSR the hypervisor lacks. */
#define F7B_KEEP (BIT(0) | BIT(3) | BIT(7) | BIT(8) | BIT(9) | BIT(19) | BIT(20) | \
		  BIT(23) | BIT(24) | BIT(29))
/* Leaf 0x80000001 ECX */
#define E1C_SVM BIT(2)
#define E1C_SKINIT BIT(12)
#define E1C_WDT BIT(13)
#define E1C_LWP BIT(15)
#define E1C_TOPOEXT BIT(22)
#define E1C_PERFCTR BIT(23)
#define E1C_MWAITX BIT(29)
/* Leaf 0x80000001 EDX */
#define E1D_RDTSCP BIT(27)

#define MAX_BASIC_LEAF 0x15u
/* Extended leaves guests see: up to 0x80000008, and AMD's 0x80000021
 * (reduced to the bits below); the others in between read zero. */
#define MAX_EXT_LEAF 0x80000021u
/* 0x80000007 EDX: invariant TSC only (the rest is power management). */
#define E7D_INVARIANT_TSC BIT(8)
/* 0x80000021 EAX: facts about the CPU that need nothing of the
 * hypervisor -- no nested data breakpoints, LFENCE serializing, a null
 * selector clearing the base. Not AutoIBRS (an EFER bit guests cannot
 * set) nor SBPB (a PRED_CMD bit they cannot write), nor the rest. */
#define E21A_KEEP (BIT(0) | BIT(2) | BIT(6))

/* Extended state (vmm/fpu.c): what guests may enable in XCR0. */
#define XCR0_AVX BIT(2)
#define XCR0_AVX512 (BIT(5) | BIT(6) | BIT(7))
#define F7B_AVX2 BIT(5)
/* AVX512F, DQ, IFMA, CD, BW, VL; and in ECX VBMI, VBMI2, VNNI, BITALG,
 * VPOPCNTDQ: instructions on the state XCR0 enables, nothing more. */
#define F7B_AVX512 (BIT(16) | BIT(17) | BIT(21) | BIT(28) | BIT(30) | BIT(31))
#define F7C_AVX512 (BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14))
#define F7C_RDPID BIT(22)
#define F7C_PKU BIT(3)
#define F7C_OSPKE BIT(4)
#define D1A_KEEP (BIT(0) | BIT(1) | BIT(2)) /* XSAVEOPT, XSAVEC, XGETBV1; not XSAVES */

/* Leaf 0DH: the components guests may enable, their sizes and offsets as
 * the CPU gives them (the sizes that depend on XCR0 come from the CPU,
 * which holds the guest's XCR0 while it runs). */
static void xsave_leaf(u32 sub, struct cpuid_regs *r)
{
	u64 x = fpu_xcr0_allowed();

	if (!x) {
		memset(r, 0, sizeof(*r));
	} else if (sub == 0) {
		r->eax = (u32)x;
		r->edx = (u32)(x >> 32);
		r->ecx = fpu_area_size();
	} else if (sub == 1) {
		r->eax &= D1A_KEEP;
		r->ecx = r->edx = 0;
	} else if (sub >= 64 || !(x & BIT(sub))) {
		memset(r, 0, sizeof(*r));
	}
}

/* The speculation controls: offered exactly as the MSR policy handles
 * them (vmm/msr.c, vmm/spec.h); everything else of the leaf hidden. */
#define F7D_MD_CLEAR BIT(10)
#define F7D_SPEC_CTRL BIT(26)
#define F7D_STIBP BIT(27)
#define F7D_SSBD BIT(31)
#define E8B_IBPB BIT(12)
#define E8B_IBRS BIT(14)
#define E8B_STIBP BIT(15)
#define E8B_SSBD BIT(24)

static u32 spec_leaf7_edx(u32 host)
{
	u32 d = host & F7D_MD_CLEAR; /* VERW clears buffers for the guest too */

	if (spec.ibpb && (spec.guest_spec_ctrl_bits & SPEC_CTRL_IBRS))
		d |= F7D_SPEC_CTRL;
	if (spec.guest_spec_ctrl_bits & SPEC_CTRL_STIBP)
		d |= F7D_STIBP;
	if (spec.guest_spec_ctrl_bits & SPEC_CTRL_SSBD)
		d |= F7D_SSBD;
	return boot_cpu.vendor == VENDOR_INTEL ? d : 0;
}

/* The rest of 0x80000008 EBX: CLZERO, XSAVEERPTR (FXSAVE's pointer
 * behaviour) and WBNOINVD (intercepted with WBINVD). Not IRPERF or CPPC
 * (MSRs not offered), INVLPGB, RDPRU (intercepted: #UD), MCOMMIT (its EFER
 * enable is refused). */
#define E8B_KEEP (BIT(0) | BIT(2) | BIT(9))

static u32 spec_ext8_ebx(u32 host)
{
	u32 b = host & E8B_KEEP;

	if (boot_cpu.vendor != VENDOR_AMD)
		return b;
	if (spec.ibpb)
		b |= E8B_IBPB;
	if (spec.guest_spec_ctrl_bits & SPEC_CTRL_IBRS)
		b |= E8B_IBRS;
	if (spec.guest_spec_ctrl_bits & SPEC_CTRL_STIBP)
		b |= E8B_STIBP;
	if (spec.guest_spec_ctrl_bits & SPEC_CTRL_SSBD)
		b |= E8B_SSBD;
	return b;
}

static void vendor_leaf(struct vcpu *v, u32 leaf, struct cpuid_regs *r)
{
	struct partition *p = v->part;

	memset(r, 0, sizeof(*r));
	if (leaf == HV_CPUID_BASE) {
		r->eax = HV_CPUID_BASE + 2;
		memcpy(&r->ebx, HV_CPUID_SIGNATURE, 4);
		memcpy(&r->ecx, HV_CPUID_SIGNATURE + 4, 4);
		memcpy(&r->edx, HV_CPUID_SIGNATURE + 8, 4);
	} else if (leaf == HV_CPUID_BASE + 1) {
		r->eax = HV_ABI_VERSION;
		r->ebx = v->id;
		r->ecx = p->nr_vcpus;
		r->edx = p->id;
	} else if (leaf == HV_CPUID_BASE + 2) {
		if (p->kind == IMAGE_PLAIN && p->cfg.start_all)
			r->eax |= HV_CPUID_FLAG_START_ALL;
	}
}

static void topology_leaf(struct vcpu *v, u32 sub, struct cpuid_regs *r)
{
	u32 n = v->part->nr_vcpus, shift = 0, top = n;

	/* The field must cover every APIC ID of the package: the parent's
	 * are the physical CPUs', which can be sparse (smt=off). */
	for (u32 i = 0; i < n; i++)
		if (v->part->vcpu[i] && v->part->vcpu[i]->apic_id + 1 > top)
			top = v->part->vcpu[i]->apic_id + 1;
	while ((1u << shift) < top)
		shift++;
	memset(r, 0, sizeof(*r));
	r->edx = v->apic_id;
	r->ecx = sub & 0xff;
	if (sub == 0) { /* SMT level: one thread per core */
		r->eax = 0;
		r->ebx = 1;
		r->ecx |= 1u << 8;
	} else if (sub == 1) { /* core level: every vCPU */
		r->eax = shift;
		r->ebx = n;
		r->ecx |= 2u << 8;
	}
}

static void guest_cpuid(struct vcpu *v, u32 leaf, u32 sub, struct cpuid_regs *r)
{
	if (hyperv_cpuid(v, leaf, r))
		return;
	if (leaf >= 0x40000100 && leaf < 0x40010000) {
		vendor_leaf(v, leaf, r);
		return;
	}
	u32 max_basic = MIN(boot_cpu.max_leaf, MAX_BASIC_LEAF);
	if (leaf < 0x80000000 && leaf > max_basic && leaf != 0x15) {
		memset(r, 0, sizeof(*r));
		return;
	}
	if (leaf >= 0x80000000 && (leaf > boot_cpu.max_ext_leaf || leaf > MAX_EXT_LEAF ||
				   (leaf > 0x80000008 && leaf != MAX_EXT_LEAF))) {
		memset(r, 0, sizeof(*r));
		return;
	}
	cpuid_count(leaf, sub, r);

	switch (leaf) {
	case 0:
		/* Leaf 0x15 is synthesized for Intel guests (see below). */
		r->eax = boot_cpu.vendor == VENDOR_INTEL ? MAX_BASIC_LEAF : max_basic;
		break;
	case 1:
		r->ebx = (r->ebx & 0x0000ffffu) | (v->apic_id << 24) |
			 (MIN(v->part->nr_vcpus, 255u) << 16);
		r->ecx &= ~(F1C_MONITOR | F1C_DS_CPL | F1C_VMX | F1C_SMX | F1C_EST | F1C_TM2 |
			    F1C_SDBG | F1C_PDCM | F1C_DCA | F1C_OSXSAVE);
		if (!fpu_xcr0_allowed())
			r->ecx &= ~F1C_XSAVE;
		if (!(fpu_xcr0_allowed() & XCR0_AVX))
			r->ecx &= ~(F1C_AVX | F1C_F16C | F1C_FMA);
		/* OSXSAVE mirrors the guest's own CR4 (SDM Vol. 2A CPUID). */
		if (backend->get_reg(v, VREG_CR4) & CR4_OSXSAVE)
			r->ecx |= F1C_OSXSAVE;
		/* The virtual LAPIC offers x2APIC and TSC-deadline whatever the host has. */
		r->ecx |= F1C_HYPERVISOR | F1C_X2APIC | F1C_TSC_DEADLINE;
		r->edx &= ~(F1D_DS | F1D_ACPI | F1D_TM | F1D_PBE);
		if (v->lapic && vlapic_present(v->lapic))
			r->edx |= F1D_APIC;
		else
			r->edx &= ~F1D_APIC;
		if (v->part->nr_vcpus > 1)
			r->edx |= F1D_HTT;
		else
			r->edx &= ~F1D_HTT;
		break;
	case 4:
		/* Cores per package minus one, in EAX[31:26]. */
		r->eax = (r->eax & 0x03ffffffu) | ((MIN(v->part->nr_vcpus, 64u) - 1) << 26);
		break;
	case 6: case 0xa:
		/* No power management or performance counters. */
		memset(r, 0, sizeof(*r));
		break;
	case 0xd:
		xsave_leaf(sub, r);
		break;
	case 7:
		if (sub == 0) {
			u64 x = fpu_xcr0_allowed();
			u32 ebx = r->ebx, ecx = r->ecx;
			r->eax = 0;
			r->ebx = ebx & (F7B_KEEP | ((x & XCR0_AVX) ? F7B_AVX2 : 0) |
					((x & XCR0_AVX512) ? F7B_AVX512 : 0));
			r->ecx = (x & XCR0_AVX512) ? ecx & F7C_AVX512 : 0;
			/* RDPID reads TSC_AUX, the vCPU's where RDTSCP is
			 * offered (VT-x: "enable RDTSCP" enables both). */
			if (guest_rdtscp)
				r->ecx |= ecx & F7C_RDPID;
			/* Protection keys where PKRU is switched; OSPKE
			 * mirrors the guest's CR4.PKE, as OSXSAVE does. */
			if (x & XCR0_PKRU) {
				r->ecx |= ecx & F7C_PKU;
				if (backend->get_reg(v, VREG_CR4) & CR4_PKE)
					r->ecx |= F7C_OSPKE;
			}
			r->edx = spec_leaf7_edx(r->edx);
		} else {
			memset(r, 0, sizeof(*r));
		}
		break;
	case 0xb: case 0x1f:
		topology_leaf(v, sub, r);
		break;
	case 0x15:
		/*
		 * TSC and crystal (SDM Vol. 3B 18.7.3): crystal = the virtual
		 * LAPIC bus, TSC = crystal * EBX / EAX. Only Intel CPUs have
		 * the leaf, and only Intel guests read it.
		 */
		memset(r, 0, sizeof(*r));
		if (boot_cpu.vendor == VENDOR_INTEL) {
			r->eax = (u32)VLAPIC_BUS_KHZ;
			r->ebx = (u32)tsc_khz;
			r->ecx = (u32)(VLAPIC_BUS_KHZ * 1000);
		}
		break;
	case 0x80000000:
		r->eax = MIN(r->eax, MAX_EXT_LEAF);
		break;
	case 0x80000007:
		r->eax = r->ebx = r->ecx = 0;
		r->edx &= E7D_INVARIANT_TSC;
		break;
	case MAX_EXT_LEAF:
		r->eax &= E21A_KEEP;
		r->ebx = r->ecx = r->edx = 0;
		break;
	case 0x80000001:
		r->ecx &= ~(E1C_SVM | E1C_SKINIT | E1C_WDT | E1C_LWP | E1C_TOPOEXT | E1C_PERFCTR |
			    E1C_MWAITX);
		if (!guest_rdtscp)
			r->edx &= ~E1D_RDTSCP;
		/* AMD's copy of the APIC bit follows the APIC too (APM Vol. 3
		 * E.4.2); Intel keeps the bit reserved here. */
		if (boot_cpu.vendor == VENDOR_AMD && !(v->lapic && vlapic_present(v->lapic)))
			r->edx &= ~F1D_APIC;
		break;
	case 0x80000008:
		r->ebx = spec_ext8_ebx(r->ebx);
		r->ecx = (r->ecx & ~0xffu) | (MIN(v->part->nr_vcpus, 256u) - 1);
		break;
	default:
		break;
	}
}

enum exit_action vmm_handle_cpuid(struct vcpu *v)
{
	struct cpuid_regs r;

	guest_cpuid(v, (u32)v->gpr[GPR_RAX], (u32)v->gpr[GPR_RCX], &r);
	/* CPUID writes EAX..EDX and zeroes their upper halves. */
	v->gpr[GPR_RAX] = r.eax;
	v->gpr[GPR_RBX] = r.ebx;
	v->gpr[GPR_RCX] = r.ecx;
	v->gpr[GPR_RDX] = r.edx;
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
