// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMRUN's consistency checks (APM Vol. 2 15.5.1, "Canonicalization and
 * Consistency Checks"), in the APM's order, each answering with its own
 * name. Pure: it reads the VMCB it is given and nothing else, so the host
 * unit test (tests/unit/test_state_check.c) drives it with made-up VMCBs.
 */
#include "svm/state_check.h"
#include "vmm/base/x86.h"
#include "vmm/vcpu.h"

/*
 * EVENTINJ (APM Vol. 2 15.20): the reserved type 1 and types 5-7, an
 * exception (type 3) with vector 2 (NMI) or above 31, and set reserved
 * bits 30:12 make VMRUN fail.
 */
static const char *eventinj_check(u64 ev)
{
	if (!(ev & EVENT_VALID))
		return NULL;
	u8 type = (ev >> EVENT_TYPE_SHIFT) & 7, vector = (u8)ev;
	if (type == 1 || type > 4)
		return "EVENTINJ: reserved event type";
	if (type == 3 && (vector == 2 || vector > 31))
		return "EVENTINJ: exception with vector 2 or above 31";
	if (ev & 0x7ffff000ULL)
		return "EVENTINJ: reserved bits 30:12 set";
	return NULL;
}

const char *svm_state_check(const struct vmcb *vmcb, const struct svm_check_limits *l)
{
	const struct vmcb_save *s = &vmcb->save;
	const struct vmcb_control *c = &vmcb->ctl;
	bool lme_pg = (s->efer & EFER_LME) && (s->cr0 & CR0_PG);

	if (!(s->efer & EFER_SVME))
		return "EFER.SVME is zero";
	if (!(s->cr0 & CR0_CD) && (s->cr0 & CR0_NW))
		return "CR0.CD is zero and CR0.NW is set";
	if (s->cr0 >> 32)
		return "CR0[63:32] are not zero";
	/* CR3's MBZ bits in long mode: 63:52 and those at or above
	 * MAXPHYADDR (APM Vol. 2 3.1.2, 5.3.2). */
	if (lme_pg && (s->cr3 >> (l->phys_bits ? l->phys_bits : 52)))
		return "CR3: an MBZ bit is set (at or above MAXPHYADDR)";
	if (s->cr4 & ~l->cr4_allowed)
		return "CR4: an MBZ bit is set";
	if (s->dr6 >> 32)
		return "DR6[63:32] are not zero";
	if (s->dr7 >> 32)
		return "DR7[63:32] are not zero";
	if (s->efer & ~l->efer_allowed)
		return "EFER: an MBZ bit is set";
	if (lme_pg && !(s->cr4 & CR4_PAE))
		return "EFER.LME and CR0.PG are set and CR4.PAE is zero";
	if (lme_pg && !(s->cr0 & CR0_PE))
		return "EFER.LME and CR0.PG are set and CR0.PE is zero";
	if (lme_pg && (s->cr4 & CR4_PAE) && (s->cs.attrib & SEG_ATTR_L) &&
	    (s->cs.attrib & SEG_ATTR_DB))
		return "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D are all set";
	if (!(c->intercept_misc2 & INTERCEPT_VMRUN))
		return "the VMRUN intercept is clear";
	/* The permission maps must lie below MAXPHYADDR: the IOPM is 12 KiB,
	 * the MSRPM 8 KiB. */
	u64 top = l->phys_bits ? 1ULL << l->phys_bits : 1ULL << 52;
	if ((c->msrpm_base_pa & ~0xfffULL) + 2 * 4096 > top)
		return "the MSRPM lies beyond the physical address space";
	if ((c->iopm_base_pa & ~0xfffULL) + 3 * 4096 > top)
		return "the IOPM lies beyond the physical address space";
	const char *ev = eventinj_check(c->eventinj);
	if (ev)
		return ev;
	if (!c->asid)
		return "ASID is zero";
	/* With nested paging, G_PAT must hold valid types (APM Vol. 2
	 * 15.25.8, 15.5.1). */
	if ((c->np_enable & 1) && !pat_types_valid(s->g_pat))
		return "G_PAT: an invalid memory type";
	return NULL;
}
