// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/cr.h"
#include "vmm/backend.h"
#include "vmm/base/cpu.h"
#include "vmm/event.h"
#include "vmm/fpu.h"
#include "vmm/gmem.h"
#include "vmm/guest_insn.h"
#include "vmm/dev/vlapic.h"
#include "vmm/base/x86.h"

/* CR4 bits every guest may set (SDM Vol. 3A 2.5); the rest follow what
 * CPUID offers it (vmm/cpuid.c keeps FSGSBASE, SMEP and SMAP from leaf 7,
 * PCID from leaf 1, XSAVE and PKE when the CPU has them). VMXE, SMXE,
 * UMIP, CET and LA57 stay reserved: those features are hidden. */
#define CR4_GUEST_BASE (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | \
			CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT)

u64 cr4_guest_allowed(void)
{
	static u64 allowed;

	if (!allowed) {
		struct cpuid_regs l1 = cpuid(1), l7 = { 0 };
		u64 a = CR4_GUEST_BASE;
		if (cpuid(0).eax >= 7)
			cpuid_count(7, 0, &l7);
		if (l1.ecx & BIT(17))
			a |= CR4_PCIDE;
		if (l7.ebx & BIT(0))
			a |= CR4_FSGSBASE;
		if (l7.ebx & BIT(7))
			a |= CR4_SMEP;
		if (l7.ebx & BIT(20))
			a |= CR4_SMAP;
		if (fpu_xcr0_allowed())
			a |= CR4_OSXSAVE;
		if (fpu_xcr0_allowed() & XCR0_PKRU)
			a |= CR4_PKE;
		allowed = a;
	}
	return allowed;
}

int vcpu_read_pdptes(struct vcpu *v, u64 cr3, u64 pdpte[4])
{
	u64 above = ~0ULL << (boot_cpu.phys_addr_bits ? boot_cpu.phys_addr_bits : 52);

	if (gpa_read(v->part, cr3 & 0xffffffe0ULL, pdpte, 4 * sizeof(u64)))
		return -1;
	for (int i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & (above | 0x1e6ULL))) /* 2:1, 8:5 */
			return -1;
	return 0;
}

bool cr0_loads_pdptes(u64 old, u64 val, u64 cr4, u64 efer)
{
	return (val & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LME) &&
	       ((val ^ old) & (CR0_PG | CR0_CD | CR0_NW));
}

/*
 * A MOV to CR0 the CPU would refuse with #GP (SDM Vol. 2A MOV to CR;
 * APM Vol. 2 3.1.1 and 14.6). Each refusal also keeps a state VM entry
 * or VMRUN would reject out of the VMCS/VMCB (SDM Vol. 3C 26.3.1.1, APM
 * Vol. 2 15.5.1): bits 63:32, PG without PE, NW without CD, IA-32e mode
 * without PAE, CR4.PCIDE without IA-32e mode, RIP above 4 GiB outside
 * 64-bit mode.
 */
static bool cr0_ok(struct vcpu *v, u64 val)
{
	u64 efer = backend->get_reg(v, VREG_EFER);
	u64 cr4 = backend->get_reg(v, VREG_CR4);
	u64 old = backend->get_reg(v, VREG_CR0);

	if (val >> 32)
		return false;
	if ((val & CR0_PG) && !(val & CR0_PE))
		return false;
	if ((val & CR0_NW) && !(val & CR0_CD))
		return false;
	if (!(val & CR0_PG) && (old & CR0_PG)) {
		/* Paging cannot go off in 64-bit mode, only from compatibility
		 * mode, nor while CR4.PCIDE is set (SDM Vol. 3A 4.10.1). */
		if (vcpu_cpu_mode(v) == X86_MODE_LONG64 || (cr4 & CR4_PCIDE))
			return false;
	}
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		struct segment cs;
		/* Long mode needs PAE before paging (SDM Vol. 3A 10.8.5). It
		 * starts in compatibility mode: with an L=1 CS already loaded
		 * it is refused, as KVM's kvm_set_cr0() does (with D=1 too the
		 * VMCB/VMCS would hold a CS.L+D pair VMRUN and VM entry reject,
		 * APM Vol. 2 15.5.1, SDM Vol. 3C 26.3.1.2). */
		if (!(cr4 & CR4_PAE))
			return false;
		backend->get_seg(v, SEG_CS, &cs);
		if (cs.attr & SEG_ATTR_L)
			return false;
	}
	/* PAE paging loads the PDPTEs: a reserved bit in a present one is
	 * #GP (SDM Vol. 2A MOV to CR; VM entry would refuse it, SDM Vol. 3C
	 * 26.3.1.6). Only VT-x gets here: AMD-V does not intercept CR0. */
	if (cr0_loads_pdptes(old, val, cr4, efer)) {
		u64 pdpte[4];
		if (vcpu_read_pdptes(v, backend->get_reg(v, VREG_CR3), pdpte))
			return false;
	}
	return true;
}

static bool cr4_ok(struct vcpu *v, u64 val)
{
	u64 efer = backend->get_reg(v, VREG_EFER);
	u64 old = backend->get_reg(v, VREG_CR4);

	if (val & ~cr4_guest_allowed())
		return false;
	if ((efer & EFER_LMA) && !(val & CR4_PAE))
		return false;
	if ((val & CR4_PCIDE) && !(efer & EFER_LMA))
		return false;
	/* PCIDE may come on only with PCID 0 in CR3 (SDM Vol. 3A 4.10.1). */
	if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) && (backend->get_reg(v, VREG_CR3) & 0xfff))
		return false;
	return true;
}

/*
 * MOV to CR3 (neither backend exits on it today; kept exact for when one
 * does): in IA-32e mode bits 63:52 and those at or above MAXPHYADDR are
 * reserved (SDM Vol. 3A 4.5, APM Vol. 2 3.1.2; VMRUN and VM entry check
 * them too), except bit 63 with CR4.PCIDE, which asks for no flush and
 * is not stored (SDM Vol. 3A 4.10.4.1).
 */
static bool cr3_ok(struct vcpu *v, u64 *val)
{
	if (!(backend->get_reg(v, VREG_EFER) & EFER_LMA))
		return true;
	if (backend->get_reg(v, VREG_CR4) & CR4_PCIDE)
		*val &= ~BIT(63);
	return !(*val >> (boot_cpu.phys_addr_bits ? boot_cpu.phys_addr_bits : 52));
}

enum exit_action vmm_handle_cr_write(struct vcpu *v, int cr, u64 val)
{
	bool ok = true;

	/* Outside 64-bit mode the source is a 32-bit register. */
	if (vcpu_cpu_mode(v) != X86_MODE_LONG64)
		val = (u32)val;

	switch (cr) {
	case 0:
		if ((ok = cr0_ok(v, val)))
			backend->set_reg(v, VREG_CR0, val);
		break;
	case 3:
		if ((ok = cr3_ok(v, &val)))
			backend->set_reg(v, VREG_CR3, val);
		break;
	case 4:
		if ((ok = cr4_ok(v, val)))
			backend->set_reg(v, VREG_CR4, val);
		break;
	case 8:
		/* CR8 is the task-priority class: TPR[7:4] (SDM Vol. 3A 10.8.6.1). */
		if ((ok = val <= 15) && v->lapic)
			vlapic_set_tpr(v->lapic, (u32)val << 4);
		break;
	default:
		ok = false;
	}
	if (!ok) {
		vcpu_inject_gp(v, 0);
		return EXIT_RESUME;
	}
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

enum exit_action vmm_handle_cr_read(struct vcpu *v, int cr, int gpr)
{
	u64 val;

	switch (cr) {
	case 0: val = backend->get_reg(v, VREG_CR0); break;
	case 3: val = backend->get_reg(v, VREG_CR3); break;
	case 4: val = backend->get_reg(v, VREG_CR4); break;
	case 8: val = v->lapic ? vlapic_get_tpr(v->lapic) >> 4 : 0; break;
	default:
		vcpu_inject_ud(v);
		return EXIT_RESUME;
	}
	/* Outside 64-bit mode only the low 32 bits of the register change. */
	if (vcpu_cpu_mode(v) != X86_MODE_LONG64)
		val = (u32)val;
	v->gpr[gpr & 15] = val;
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
