// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM-entry checks on guest state (SDM Vol. 3C 26.3.1.1-26.3.1.5), in
 * the SDM's order, each answering with its own name. Pure: it reads the
 * copy it is given and nothing else, so the host unit test
 * (tests/unit/test_state_check.c) drives it with made-up states. The
 * virtual-8086 and SMM cases are left out: the hypervisor enters neither.
 */
#include "vmx/state_check.h"
#include "vmm/base/x86.h"

#define AR_TYPE(ar) ((ar) & 0xf)
#define AR_S BIT(4)
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define AR_P BIT(7)
#define AR_L BIT(13)
#define AR_DB BIT(14)
#define AR_G BIT(15)
#define AR_RESERVED 0xfffe0f00U /* bits 11:8 and 31:17 */

/* DEBUGCTL bits a VMCS may hold: LBR, BTF and 6-15 (SDM Vol. 3B 17.4.1). */
#define DEBUGCTL_DEFINED 0xffc3ULL
/* Pending debug exceptions: B3-B0, enabled breakpoint, BS, RTM (SDM Vol.
 * 3C 24.4.2, Table 24-4); the rest is reserved. */
#define PENDING_DBG_DEFINED (0xfULL | BIT(12) | BIT(14) | BIT(16))
#define INTR_RESERVED 0xffffffe0U
#define ACTIVITY_HLT 1

static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

/* Limit and granularity agree (SDM Vol. 3C 26.3.1.2): limit bits 11:0
 * not all ones need G=0; any of bits 31:20 set needs G=1. */
static bool limit_g_ok(u32 limit, u32 ar)
{
	if ((limit & 0xfff) != 0xfff && (ar & AR_G))
		return false;
	if ((limit & 0xfff00000U) && !(ar & AR_G))
		return false;
	return true;
}

static const char *check_cr_msr(const struct vmx_guest_state *g, const struct vmx_check_limits *l,
				bool ug, bool ia32e)
{
	u64 fixed0 = l->cr0_fixed0;

	if (ug)
		fixed0 &= ~(CR0_PE | CR0_PG);
	if ((g->cr0 & fixed0) != fixed0 || (g->cr0 & ~l->cr0_fixed1))
		return "CR0 has a bit set to a value VMX operation does not support";
	if ((g->cr0 & CR0_PG) && !(g->cr0 & CR0_PE))
		return "CR0.PG is set and CR0.PE is not";
	if ((g->cr4 & l->cr4_fixed0) != l->cr4_fixed0 || (g->cr4 & ~l->cr4_fixed1))
		return "CR4 has a bit set to a value VMX operation does not support";
	if ((g->entry_ctls & ENTRY_LOAD_DEBUG_CONTROLS) && (g->debugctl & ~DEBUGCTL_DEFINED))
		return "IA32_DEBUGCTL has a reserved bit set";
	if (ia32e && (!(g->cr0 & CR0_PG) || !(g->cr4 & CR4_PAE)))
		return "IA-32e mode guest without CR0.PG and CR4.PAE";
	if (!ia32e && (g->cr4 & CR4_PCIDE))
		return "CR4.PCIDE is set outside IA-32e mode";
	if (g->cr3 >> (l->phys_bits ? l->phys_bits : 52))
		return "CR3 has a bit set at or above MAXPHYADDR";
	if ((g->entry_ctls & ENTRY_LOAD_DEBUG_CONTROLS) && (g->dr7 >> 32))
		return "DR7[63:32] are not zero";
	if (!canonical(g->sysenter_esp) || !canonical(g->sysenter_eip))
		return "IA32_SYSENTER_ESP or _EIP is not canonical";
	if ((g->entry_ctls & ENTRY_LOAD_IA32_PAT) && !pat_types_valid(g->pat))
		return "IA32_PAT holds an invalid memory type";
	if (g->entry_ctls & ENTRY_LOAD_IA32_EFER) {
		if (g->efer & ~l->efer_allowed)
			return "IA32_EFER has a reserved bit set";
		if (!!(g->efer & EFER_LMA) != ia32e)
			return "IA32_EFER.LMA differs from the IA-32e mode guest control";
		if ((g->cr0 & CR0_PG) && !!(g->efer & EFER_LMA) != !!(g->efer & EFER_LME))
			return "IA32_EFER.LMA differs from LME with CR0.PG set";
	}
	return NULL;
}

/* A usable data segment (SS, DS, ES, FS, GS). */
static const char *check_data_seg(const struct vmx_guest_seg *s, bool ss)
{
	u32 t = AR_TYPE(s->ar);

	if (ss && t != 3 && t != 7)
		return "SS type is not read/write data (3 or 7)";
	if (!(t & 1))
		return "a usable data segment is not accessed (type bit 0)";
	if ((t & 8) && !(t & 2))
		return "a usable data segment is execute-only code";
	if (!(s->ar & AR_S))
		return "a usable data segment is a system segment (S=0)";
	if (!(s->ar & AR_P))
		return "a usable data segment is not present";
	if (s->ar & AR_RESERVED)
		return "a usable data segment has reserved access-rights bits set";
	if (!limit_g_ok(s->limit, s->ar))
		return "a data segment's limit disagrees with its G bit";
	return NULL;
}

static const char *check_segments(const struct vmx_guest_state *g, bool ug, bool ia32e)
{
	const struct vmx_guest_seg *cs = &g->seg[SEG_CS], *ss = &g->seg[SEG_SS];
	const struct vmx_guest_seg *tr = &g->seg[SEG_TR], *ldtr = &g->seg[SEG_LDTR];
	bool ss_usable = !(ss->ar & AR_UNUSABLE);
	u32 ct = AR_TYPE(cs->ar);

	if (tr->sel & 4)
		return "TR's selector has TI set";
	if (!(ldtr->ar & AR_UNUSABLE) && (ldtr->sel & 4))
		return "LDTR's selector has TI set";
	if (!ug && (ss->sel & 3) != (cs->sel & 3))
		return "SS.RPL differs from CS.RPL";
	if (!canonical(tr->base) || !canonical(g->seg[SEG_FS].base) ||
	    !canonical(g->seg[SEG_GS].base) ||
	    (!(ldtr->ar & AR_UNUSABLE) && !canonical(ldtr->base)))
		return "a TR, FS, GS or LDTR base is not canonical";
	if (cs->base >> 32)
		return "CS base bits 63:32 are not zero";
	for (int i = SEG_ES; i <= SEG_DS; i++)
		if (i != SEG_CS && !(g->seg[i].ar & AR_UNUSABLE) && (g->seg[i].base >> 32))
			return "an SS, DS or ES base has bits 63:32 set";
	/* CS: accessed code, or with unrestricted guest accessed read/write
	 * data (type 3) at DPL 0. */
	if (!(ct == 9 || ct == 11 || ct == 13 || ct == 15 || (ug && ct == 3)))
		return "CS type is not accessed code (9, 11, 13, 15) or, unrestricted, 3";
	if (!(cs->ar & AR_S) || !(cs->ar & AR_P))
		return "CS is a system segment or not present";
	if (ct == 3 && AR_DPL(cs->ar) != 0)
		return "CS of type 3 with DPL other than 0";
	if ((ct == 9 || ct == 11) && ss_usable && AR_DPL(cs->ar) != AR_DPL(ss->ar))
		return "non-conforming CS.DPL differs from SS.DPL";
	if ((ct == 13 || ct == 15) && ss_usable && AR_DPL(cs->ar) > AR_DPL(ss->ar))
		return "conforming CS.DPL is above SS.DPL";
	if (cs->ar & AR_RESERVED)
		return "CS has reserved access-rights bits set";
	if (!limit_g_ok(cs->limit, cs->ar))
		return "CS's limit disagrees with its G bit";
	if (ia32e && (cs->ar & AR_L) && (cs->ar & AR_DB))
		return "CS.L and CS.D are both set in IA-32e mode";
	if (!ug && AR_DPL(ss->ar) != (ss->sel & 3))
		return "SS.DPL differs from SS.RPL";
	if ((!(g->cr0 & CR0_PE) || ct == 3) && AR_DPL(ss->ar) != 0)
		return "SS.DPL is not 0 with CR0.PE clear or a type-3 CS";
	for (int i = SEG_ES; i <= SEG_GS; i++) {
		if (i == SEG_CS || (g->seg[i].ar & AR_UNUSABLE))
			continue;
		const char *e = check_data_seg(&g->seg[i], i == SEG_SS);
		if (e)
			return e;
	}
	u32 tt = AR_TYPE(tr->ar);
	if (tr->ar & AR_UNUSABLE)
		return "TR is unusable";
	if (!(tt == 11 || (!ia32e && tt == 3)))
		return "TR type is not a busy TSS (11, or 3 outside IA-32e mode)";
	if ((tr->ar & AR_S) || !(tr->ar & AR_P) || (tr->ar & AR_RESERVED))
		return "TR is not a present system segment with clear reserved bits";
	if (!limit_g_ok(tr->limit, tr->ar))
		return "TR's limit disagrees with its G bit";
	if (!(ldtr->ar & AR_UNUSABLE)) {
		if (AR_TYPE(ldtr->ar) != 2 || (ldtr->ar & AR_S) || !(ldtr->ar & AR_P) ||
		    (ldtr->ar & AR_RESERVED))
			return "a usable LDTR is not a present LDT descriptor (type 2, S=0)";
		if (!limit_g_ok(ldtr->limit, ldtr->ar))
			return "LDTR's limit disagrees with its G bit";
	}
	return NULL;
}

static const char *check_rip_rflags(const struct vmx_guest_state *g, bool ia32e)
{
	bool l = g->seg[SEG_CS].ar & AR_L;

	if ((!ia32e || !l) && (g->rip >> 32))
		return "RIP bits 63:32 are set outside 64-bit mode";
	if (ia32e && l && !canonical(g->rip))
		return "RIP is not canonical in 64-bit mode";
	if ((g->rflags & ~0x3fffffULL) || (g->rflags & (BIT(15) | BIT(5) | BIT(3))) ||
	    !(g->rflags & RFLAGS_FIXED))
		return "RFLAGS reserved bits are not as required (63:22, 15, 5, 3 zero; 1 one)";
	if ((ia32e || !(g->cr0 & CR0_PE)) && (g->rflags & RFLAGS_VM))
		return "RFLAGS.VM is set in IA-32e mode or with CR0.PE clear";
	if ((g->entry_intr_info & INTR_INFO_VALID) &&
	    ((g->entry_intr_info >> INTR_INFO_TYPE_SHIFT) & 7) == INTR_TYPE_EXT_INTR &&
	    !(g->rflags & RFLAGS_IF))
		return "an external interrupt is injected with RFLAGS.IF clear";
	return NULL;
}

static const char *check_non_register(const struct vmx_guest_state *g)
{
	bool shadow = g->intr & (GUEST_INTR_STI | GUEST_INTR_MOV_SS);
	bool inject = g->entry_intr_info & INTR_INFO_VALID;
	u32 type = (g->entry_intr_info >> INTR_INFO_TYPE_SHIFT) & 7;

	if (g->activity > 3)
		return "the activity state is not 0-3";
	if (g->activity == ACTIVITY_HLT && AR_DPL(g->seg[SEG_SS].ar) != 0)
		return "the HLT activity state with SS.DPL other than 0";
	if (shadow && g->activity != 0)
		return "blocking by STI or MOV SS outside the active state";
	if (g->intr & INTR_RESERVED)
		return "interruptibility-state bits 31:5 are set";
	if ((g->intr & GUEST_INTR_STI) && (g->intr & GUEST_INTR_MOV_SS))
		return "blocking by STI and by MOV SS both set";
	if ((g->intr & GUEST_INTR_STI) && !(g->rflags & RFLAGS_IF))
		return "blocking by STI with RFLAGS.IF clear";
	if (inject && type == INTR_TYPE_EXT_INTR && shadow)
		return "an external interrupt is injected in an STI or MOV SS shadow";
	if (inject && type == INTR_TYPE_NMI && (g->intr & GUEST_INTR_MOV_SS))
		return "an NMI is injected with blocking by MOV SS";
	if (g->intr & BIT(2))
		return "blocking by SMI outside SMM";
	if (inject && type == INTR_TYPE_NMI && (g->pin & PIN_VIRTUAL_NMIS) &&
	    (g->intr & GUEST_INTR_NMI))
		return "an NMI is injected with virtual-NMI blocking";
	if (g->pending_dbg & ~PENDING_DBG_DEFINED)
		return "pending debug exceptions: a reserved bit is set";
	if (shadow || g->activity == ACTIVITY_HLT) {
		/* The step the previous instruction owes: set exactly when
		 * TF is set and BTF is clear (SDM Vol. 3C 26.3.1.5). */
		bool step = (g->rflags & RFLAGS_TF) && !(g->debugctl & BIT(1));
		if (step && !(g->pending_dbg & DR6_BS))
			return "pending debug BS is clear with RFLAGS.TF set in an STI/MOV SS shadow or HLT";
		if (!step && (g->pending_dbg & DR6_BS))
			return "pending debug BS is set with RFLAGS.TF clear (or BTF set) in a shadow or HLT";
	}
	if (g->link_pointer != ~0ULL)
		return "the VMCS link pointer is not FFFFFFFF_FFFFFFFFH";
	return NULL;
}

const char *vmx_state_check(const struct vmx_guest_state *g, const struct vmx_check_limits *l)
{
	bool ug = g->cpu2 & CPU2_UNRESTRICTED_GUEST;
	bool ia32e = g->entry_ctls & ENTRY_IA32E_MODE;
	const char *e;

	if ((e = check_cr_msr(g, l, ug, ia32e)) || (e = check_segments(g, ug, ia32e)))
		return e;
	if (!canonical(g->gdtr_base) || !canonical(g->idtr_base))
		return "the GDTR or IDTR base is not canonical";
	if ((g->gdtr_limit | g->idtr_limit) >> 16)
		return "the GDTR or IDTR limit has bits 31:16 set";
	if ((e = check_rip_rflags(g, ia32e)) || (e = check_non_register(g)))
		return e;
	return NULL;
}
