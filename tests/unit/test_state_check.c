// SPDX-License-Identifier: GPL-2.0-only
/*
 * The backstops' decoders of a refused VMRUN (svm/state_check.c, APM
 * Vol. 2 15.5.1) and a refused VM entry (vmx/state_check.c, SDM Vol. 3C
 * 26.3.1): the states the hypervisor builds -- long mode as a test image
 * starts, the real-mode INIT state, protected mode -- pass, and each
 * consistency check, broken alone from a good state, is the one named.
 */
#include "tests/unit/harness.h"
#include "svm/state_check.h"
#include "vmx/state_check.h"
#include "vmm/base/x86.h"
#include "vmm/msr.h"

/* ---- AMD-V ---- */

static const struct svm_check_limits svm_limits = {
	.cr4_allowed = 0x3707ffULL & ~(u64)(CR4_UMIP | CR4_LA57 | CR4_VMXE | CR4_SMXE),
	.efer_allowed = EFER_GUEST_BITS | EFER_SVME,
	.phys_bits = 40,
};

/* A 64-bit guest as svm_set_state() leaves it for a long-mode image. */
static struct vmcb *svm_good(void)
{
	static struct vmcb vmcb;
	struct vmcb_save *s = &vmcb.save;

	__builtin_memset(&vmcb, 0, sizeof(vmcb));
	s->efer = EFER_LME | EFER_LMA | EFER_SVME;
	s->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG | CR0_WP;
	s->cr3 = 0xfff000;
	s->cr4 = CR4_PAE;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = RFLAGS_FIXED;
	s->cs.attrib = 0xb | SEG_ATTR_S | SEG_ATTR_P | SEG_ATTR_L | SEG_ATTR_G;
	s->g_pat = 0x0007040600070406ULL;
	vmcb.ctl.intercept_misc2 = INTERCEPT_VMRUN;
	vmcb.ctl.asid = 1;
	vmcb.ctl.np_enable = 1;
	vmcb.ctl.iopm_base_pa = 0x100000;
	vmcb.ctl.msrpm_base_pa = 0x200000;
	return &vmcb;
}

static void svm_expect(const struct vmcb *vmcb, const char *want)
{
	const char *got = svm_state_check(vmcb, &svm_limits);
	if (!want) {
		if (got)
			harness_fail(__FILE__, __LINE__, "a good VMCB failed: %s", got);
		return;
	}
	if (!got || !harness_contains(got, want))
		harness_fail(__FILE__, __LINE__, "expected '%s', got '%s'", want,
			     got ? got : "(passes)");
}

TEST(svm_good_states_pass)
{
	struct vmcb *v = svm_good();
	svm_expect(v, NULL);
	/* The INIT state: real mode, CD and NW set. */
	v->save.efer = EFER_SVME;
	v->save.cr0 = CR0_ET | CR0_CD | CR0_NW;
	v->save.cr4 = 0;
	v->save.cs.attrib = 0xb | SEG_ATTR_S | SEG_ATTR_P;
	svm_expect(v, NULL);
	/* EFER.LME without paging yet, and a 32-bit CS with D set. */
	v->save.efer = EFER_LME | EFER_SVME;
	v->save.cr0 = CR0_PE | CR0_ET;
	v->save.cs.attrib |= SEG_ATTR_DB;
	svm_expect(v, NULL);
}

TEST(svm_each_check_named)
{
	struct vmcb *v;

	v = svm_good(); v->save.efer &= ~EFER_SVME; svm_expect(v, "EFER.SVME is zero");
	v = svm_good(); v->save.cr0 |= CR0_NW; svm_expect(v, "CR0.CD is zero and CR0.NW");
	v = svm_good(); v->save.cr0 |= 1ULL << 32; svm_expect(v, "CR0[63:32]");
	v = svm_good(); v->save.cr3 |= 1ULL << 40; svm_expect(v, "CR3: an MBZ bit");
	v = svm_good(); v->save.cr3 |= 1ULL << 63; svm_expect(v, "CR3: an MBZ bit");
	v = svm_good(); v->save.cr4 = ~0ULL; svm_expect(v, "CR4: an MBZ bit");
	v = svm_good(); v->save.cr4 |= CR4_VMXE; svm_expect(v, "CR4: an MBZ bit");
	v = svm_good(); v->save.dr6 |= 1ULL << 32; svm_expect(v, "DR6[63:32]");
	v = svm_good(); v->save.dr7 |= 1ULL << 63; svm_expect(v, "DR7[63:32]");
	v = svm_good(); v->save.efer |= BIT(9); svm_expect(v, "EFER: an MBZ bit");
	v = svm_good(); v->save.efer |= BIT(15); svm_expect(v, "EFER: an MBZ bit");
	v = svm_good(); v->save.cr4 &= ~CR4_PAE; svm_expect(v, "CR4.PAE is zero");
	v = svm_good(); v->save.cr0 &= ~CR0_PE; svm_expect(v, "CR0.PE is zero");
	v = svm_good(); v->save.cs.attrib |= SEG_ATTR_DB; svm_expect(v, "CS.L and CS.D");
	v = svm_good(); v->ctl.intercept_misc2 = 0; svm_expect(v, "VMRUN intercept");
	v = svm_good(); v->ctl.msrpm_base_pa = 1ULL << 40; svm_expect(v, "MSRPM");
	v = svm_good(); v->ctl.iopm_base_pa = (1ULL << 40) - 0x1000; svm_expect(v, "IOPM");
	v = svm_good(); v->ctl.eventinj = EVENT_VALID | (1 << EVENT_TYPE_SHIFT) | 32;
	svm_expect(v, "reserved event type");
	v = svm_good(); v->ctl.eventinj = EVENT_VALID | (3 << EVENT_TYPE_SHIFT) | 2;
	svm_expect(v, "vector 2 or above 31");
	v = svm_good(); v->ctl.eventinj = EVENT_VALID | (3 << EVENT_TYPE_SHIFT) | 32;
	svm_expect(v, "vector 2 or above 31");
	v = svm_good(); v->ctl.asid = 0; svm_expect(v, "ASID is zero");
	v = svm_good(); v->save.g_pat = 0x0007040600070402ULL; svm_expect(v, "G_PAT");
	v = svm_good(); v->save.g_pat = 0x0807040600070406ULL; svm_expect(v, "G_PAT");
	/* Outside long mode CR3's high bits are not checked; a good
	 * exception injection passes. */
	v = svm_good(); v->save.efer = EFER_SVME; v->save.cr0 = CR0_PE | CR0_ET;
	v->save.cr3 = 1ULL << 45; v->ctl.eventinj = EVENT_VALID | (3 << EVENT_TYPE_SHIFT) | 13 |
						     EVENT_EV;
	svm_expect(v, NULL);
}

/* ---- VT-x ---- */

/* A Skylake's fixed bits (Bochs corei7_skylake_x): CR0 PE, NE, PG; CR4 VMXE. */
static const struct vmx_check_limits vmx_limits = {
	.cr0_fixed0 = CR0_PE | CR0_NE | CR0_PG, .cr0_fixed1 = 0xffffffffULL,
	.cr4_fixed0 = CR4_VMXE, .cr4_fixed1 = 0x3727ffULL,
	.efer_allowed = EFER_GUEST_BITS, .phys_bits = 39,
};

#define AR(type, dpl) ((type) | BIT(4) | ((dpl) << 5) | BIT(7))
#define AR_CODE64 (AR(0xb, 0) | BIT(13) | BIT(15))
#define AR_DATA32 (AR(0x3, 0) | BIT(14) | BIT(15))

static void flat(struct vmx_guest_seg *s, u16 sel, u32 ar)
{
	s->sel = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->ar = ar;
}

/* What apply_state() writes for a long-mode image (vcpu_state_entry()). */
static struct vmx_guest_state vmx_good(void)
{
	struct vmx_guest_state g;

	__builtin_memset(&g, 0, sizeof(g));
	g.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG | CR0_WP;
	g.cr3 = 0xfff000;
	g.cr4 = CR4_PAE | CR4_VMXE;
	g.dr7 = 0x400;
	g.rflags = RFLAGS_FIXED;
	g.rip = 0xffffffff80001000ULL;
	g.efer = EFER_LME | EFER_LMA;
	g.pat = 0x0007040600070406ULL;
	g.link_pointer = ~0ULL;
	g.gdtr_limit = g.idtr_limit = 0xffff;
	g.pin = PIN_VIRTUAL_NMIS;
	g.cpu2 = CPU2_UNRESTRICTED_GUEST | CPU2_ENABLE_EPT;
	g.entry_ctls = ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_IA32_EFER |
		       ENTRY_IA32E_MODE;
	for (int i = SEG_ES; i <= SEG_GS; i++)
		flat(&g.seg[i], 0x10, AR_DATA32);
	flat(&g.seg[SEG_CS], 0x08, AR_CODE64);
	g.seg[SEG_LDTR] = (struct vmx_guest_seg){ 0, 0, 0xffff, 0x82 };
	g.seg[SEG_TR] = (struct vmx_guest_seg){ 0x18, 0, 0x67, 0x8b };
	return g;
}

static void vmx_expect_at(int line, const struct vmx_guest_state *g, const char *want)
{
	const char *got = vmx_state_check(g, &vmx_limits);
	if (!want) {
		if (got)
			harness_fail(__FILE__, line, "a good state failed: %s", got);
		return;
	}
	if (!got || !harness_contains(got, want))
		harness_fail(__FILE__, line, "expected '%s', got '%s'", want,
			     got ? got : "(passes)");
}
#define vmx_expect(g, want) vmx_expect_at(__LINE__, g, want)

TEST(vmx_good_states_pass)
{
	struct vmx_guest_state g = vmx_good();
	vmx_expect(&g, NULL);

	/* The INIT state under unrestricted guest: real mode, CD and NW
	 * (CR0 as guest_write_cr0() forces NE in), 16-bit segments. */
	g = vmx_good();
	g.cr0 = CR0_ET | CR0_CD | CR0_NW | CR0_NE;
	g.cr4 = CR4_VMXE;
	g.efer = 0;
	g.rip = 0xfff0;
	g.entry_ctls &= ~ENTRY_IA32E_MODE;
	for (int i = SEG_ES; i <= SEG_GS; i++)
		g.seg[i] = (struct vmx_guest_seg){ 0, 0, 0xffff, AR(0x3, 0) };
	g.seg[SEG_CS] = (struct vmx_guest_seg){ 0xf000, 0xffff0000ULL, 0xffff, AR(0xb, 0) };
	g.seg[SEG_TR] = (struct vmx_guest_seg){ 0, 0, 0xffff, 0x8b };
	vmx_expect(&g, NULL);

	/* Single-stepping in an STI shadow with the pending step recorded,
	 * as vmx/vmx.c leaves it for an injected #DB. */
	g = vmx_good();
	g.rflags |= RFLAGS_TF | RFLAGS_IF;
	g.intr = GUEST_INTR_STI;
	g.pending_dbg = DR6_BS;
	g.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT) | 1;
	vmx_expect(&g, NULL);
}

TEST(vmx_each_check_named)
{
	struct vmx_guest_state g;

	g = vmx_good(); g.cr0 &= ~CR0_NE; vmx_expect(&g, "CR0 has a bit");
	g = vmx_good(); g.cr0 |= 1ULL << 32; vmx_expect(&g, "CR0 has a bit");
	g = vmx_good(); g.cr0 &= ~CR0_PE; vmx_expect(&g, "CR0.PG is set and CR0.PE is not");
	g = vmx_good(); g.cr4 = ~0ULL; vmx_expect(&g, "CR4 has a bit");
	g = vmx_good(); g.cr4 &= ~CR4_VMXE; vmx_expect(&g, "CR4 has a bit");
	g = vmx_good(); g.debugctl = BIT(2); vmx_expect(&g, "IA32_DEBUGCTL");
	g = vmx_good(); g.cr4 &= ~CR4_PAE; vmx_expect(&g, "IA-32e mode guest without");
	g = vmx_good(); g.cr0 &= ~CR0_PG; vmx_expect(&g, "IA-32e mode guest without");
	g = vmx_good(); g.entry_ctls &= ~ENTRY_IA32E_MODE; g.efer = 0; g.cr4 |= CR4_PCIDE;
	g.seg[SEG_CS].ar = AR(0xb, 0) | BIT(14) | BIT(15); g.rip = 0x1000;
	vmx_expect(&g, "CR4.PCIDE");
	g = vmx_good(); g.cr3 = 1ULL << 39; vmx_expect(&g, "CR3");
	g = vmx_good(); g.dr7 = 1ULL << 32; vmx_expect(&g, "DR7[63:32]");
	g = vmx_good(); g.sysenter_eip = 1ULL << 47; vmx_expect(&g, "SYSENTER");
	g = vmx_good(); g.pat = 0x0007040600070403ULL; vmx_expect(&g, "IA32_PAT");
	g = vmx_good(); g.efer |= BIT(9); vmx_expect(&g, "IA32_EFER has a reserved bit");
	g = vmx_good(); g.efer &= ~EFER_LMA; vmx_expect(&g, "LMA differs from the IA-32e");
	g = vmx_good(); g.efer &= ~EFER_LME; vmx_expect(&g, "LMA differs from LME");
	g = vmx_good(); g.seg[SEG_TR].sel |= 4; vmx_expect(&g, "TR's selector has TI");
	g = vmx_good(); g.seg[SEG_FS].base = 1ULL << 50; vmx_expect(&g, "base is not canonical");
	g = vmx_good(); g.seg[SEG_CS].ar = AR(0x3, 0) | BIT(13) | BIT(15);
	g.cpu2 &= ~CPU2_UNRESTRICTED_GUEST; vmx_expect(&g, "CS type");
	g = vmx_good(); g.seg[SEG_CS].ar = AR_CODE64 & ~BIT(7); vmx_expect(&g, "CS is a system");
	g = vmx_good(); g.seg[SEG_CS].ar = AR(0xb, 3) | BIT(13) | BIT(15);
	vmx_expect(&g, "non-conforming CS.DPL");
	g = vmx_good(); g.seg[SEG_CS].limit = 0xffffe000; vmx_expect(&g, "CS's limit");
	g = vmx_good(); g.seg[SEG_CS].ar |= BIT(14); vmx_expect(&g, "CS.L and CS.D");
	g = vmx_good(); g.seg[SEG_SS].ar = AR(0xb, 0) | BIT(14) | BIT(15); vmx_expect(&g, "SS type");
	g = vmx_good(); g.seg[SEG_DS].ar = AR(0x2, 0) | BIT(14) | BIT(15); vmx_expect(&g, "not accessed");
	g = vmx_good(); g.seg[SEG_DS].ar |= BIT(9); vmx_expect(&g, "reserved access-rights");
	g = vmx_good(); g.seg[SEG_DS].ar = AR_UNUSABLE; vmx_expect(&g, NULL);
	g = vmx_good(); g.seg[SEG_TR].ar = AR_UNUSABLE; vmx_expect(&g, "TR is unusable");
	g = vmx_good(); g.seg[SEG_TR].ar = 0x83; vmx_expect(&g, "TR type");
	g = vmx_good(); g.seg[SEG_LDTR].ar = 0x83; vmx_expect(&g, "LDTR is not a present LDT");
	g = vmx_good(); g.gdtr_limit = 0x10000; vmx_expect(&g, "GDTR or IDTR limit");
	g = vmx_good(); g.idtr_base = 1ULL << 60; vmx_expect(&g, "GDTR or IDTR base");
	g = vmx_good(); g.seg[SEG_CS].ar &= ~BIT(13); g.seg[SEG_CS].ar |= BIT(14);
	vmx_expect(&g, "RIP bits 63:32");
	g = vmx_good(); g.rip = 1ULL << 50; vmx_expect(&g, "RIP is not canonical");
	g = vmx_good(); g.rflags = 0; vmx_expect(&g, "RFLAGS reserved");
	g = vmx_good(); g.rflags |= BIT(15); vmx_expect(&g, "RFLAGS reserved");
	g = vmx_good(); g.rflags |= RFLAGS_VM; vmx_expect(&g, "RFLAGS.VM");
	g = vmx_good();
	g.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_EXT_INTR << INTR_INFO_TYPE_SHIFT) | 0x30;
	vmx_expect(&g, "external interrupt is injected with RFLAGS.IF clear");
	g = vmx_good(); g.activity = 4; vmx_expect(&g, "activity state is not");
	g = vmx_good(); g.intr = GUEST_INTR_MOV_SS; g.activity = 1; vmx_expect(&g, "outside the active");
	g = vmx_good(); g.intr = BIT(5); vmx_expect(&g, "bits 31:5");
	g = vmx_good(); g.rflags |= RFLAGS_IF; g.intr = GUEST_INTR_STI | GUEST_INTR_MOV_SS;
	vmx_expect(&g, "STI and by MOV SS both");
	g = vmx_good(); g.intr = GUEST_INTR_STI; vmx_expect(&g, "STI with RFLAGS.IF clear");
	g = vmx_good(); g.rflags |= RFLAGS_IF; g.intr = GUEST_INTR_STI;
	g.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_EXT_INTR << INTR_INFO_TYPE_SHIFT) | 0x30;
	vmx_expect(&g, "injected in an STI or MOV SS shadow");
	g = vmx_good(); g.intr = GUEST_INTR_MOV_SS;
	g.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_NMI << INTR_INFO_TYPE_SHIFT) | 2;
	vmx_expect(&g, "NMI is injected with blocking by MOV SS");
	g = vmx_good(); g.intr = GUEST_INTR_NMI;
	g.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_NMI << INTR_INFO_TYPE_SHIFT) | 2;
	vmx_expect(&g, "virtual-NMI blocking");
	g = vmx_good(); g.pending_dbg = BIT(13); vmx_expect(&g, "pending debug exceptions: a reserved");
	/* XSA-308: a #DB re-injected in the shadow of a single-stepped STI
	 * without the pending single step. */
	g = vmx_good(); g.rflags |= RFLAGS_TF | RFLAGS_IF; g.intr = GUEST_INTR_STI;
	g.entry_intr_info = INTR_INFO_VALID | (INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT) | 1;
	vmx_expect(&g, "BS is clear with RFLAGS.TF set");
	g = vmx_good(); g.intr = GUEST_INTR_MOV_SS; g.pending_dbg = DR6_BS;
	vmx_expect(&g, "BS is set with RFLAGS.TF clear");
	g = vmx_good(); g.rflags |= RFLAGS_TF; g.intr = GUEST_INTR_MOV_SS; g.debugctl = BIT(1);
	vmx_expect(&g, NULL); /* BTF set: no step is owed */
	g = vmx_good(); g.link_pointer = 0x1000; vmx_expect(&g, "link pointer");
}

int main(void)
{
	RUN(svm_good_states_pass);
	RUN(svm_each_check_named);
	RUN(vmx_good_states_pass);
	RUN(vmx_each_check_named);
	return harness_finish();
}
