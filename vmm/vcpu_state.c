// SPDX-License-Identifier: GPL-2.0-only
/* Architectural starting states: entry points, INIT, start-up IPI. */
#include "vmm/vcpu_state.h"
#include "vmm/backend.h"
#include "vmm/msr.h"
#include "vmm/base/string.h"
#include "vmm/dev/vlapic.h"
#include "vmm/base/x86.h"

#define ATTR_CODE16 (SEG_ATTR_TYPE(0xb) | SEG_ATTR_S | SEG_ATTR_P)
#define ATTR_DATA16 (SEG_ATTR_TYPE(0x3) | SEG_ATTR_S | SEG_ATTR_P)
#define ATTR_CODE32 (ATTR_CODE16 | SEG_ATTR_DB | SEG_ATTR_G)
#define ATTR_DATA32 (ATTR_DATA16 | SEG_ATTR_DB | SEG_ATTR_G)
#define ATTR_CODE64 (ATTR_CODE16 | SEG_ATTR_L | SEG_ATTR_G)
#define ATTR_TSS_BUSY (SEG_ATTR_TYPE(0xb) | SEG_ATTR_P)
#define ATTR_LDT (SEG_ATTR_TYPE(0x2) | SEG_ATTR_P)

static void set_seg(struct segment *s, u16 sel, u64 base, u32 limit, u16 attr)
{
	s->sel = sel;
	s->base = base;
	s->limit = limit;
	s->attr = attr;
}

/* The real-mode shape shared by INIT and SIPI (SDM Vol. 3A Table 9-1). */
static void real_mode(struct vcpu_state *s, u16 cs_sel, u64 cs_base, u64 rip)
{
	memset(s, 0, sizeof(*s));
	s->rflags = RFLAGS_FIXED;
	s->rip = rip;
	s->cr0 = CR0_ET;
	set_seg(&s->seg[SEG_CS], cs_sel, cs_base, 0xffff, ATTR_CODE16);
	for (int i = 0; i < NR_SEGS; i++) {
		if (i == SEG_CS)
			continue;
		set_seg(&s->seg[i], 0, 0, 0xffff, ATTR_DATA16);
	}
	set_seg(&s->seg[SEG_LDTR], 0, 0, 0xffff, ATTR_LDT);
	set_seg(&s->seg[SEG_TR], 0, 0, 0xffff, ATTR_TSS_BUSY);
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
}

void vcpu_state_init(struct vcpu_state *s)
{
	real_mode(s, 0xf000, 0xffff0000ULL, 0xfff0);
	s->cr0 |= CR0_CD | CR0_NW;
	s->gpr[GPR_RDX] = cpuid(1).eax; /* processor signature */
}

void vcpu_state_sipi(struct vcpu_state *s, u8 vector)
{
	real_mode(s, (u16)(vector << 8), (u64)vector << 12, 0);
}

void vcpu_state_entry(enum entry_mode mode, u64 entry, u64 cr3, u32 vcpu_id, u64 mem,
		      struct vcpu_state *s)
{
	memset(s, 0, sizeof(*s));
	s->rflags = RFLAGS_FIXED;
	s->gpr[GPR_RDI] = vcpu_id;
	switch (mode) {
	case ENTRY_REAL:
		real_mode(s, (u16)(entry >> 4), entry & ~0xfULL, entry & 0xf);
		s->gpr[GPR_RDI] = vcpu_id;
		s->gpr[GPR_RSI] = MIN(mem >> 10, 0xffffULL);
		return;
	case ENTRY_PROTECTED:
		s->cr0 = CR0_PE | CR0_ET | CR0_NE;
		set_seg(&s->seg[SEG_CS], 0x08, 0, 0xffffffff, ATTR_CODE32);
		s->gpr[GPR_RSI] = MIN(mem, 0xffffffffULL);
		break;
	case ENTRY_LONG:
		s->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG | CR0_WP;
		s->cr3 = cr3;
		s->cr4 = CR4_PAE;
		s->efer = EFER_LME | EFER_LMA;
		set_seg(&s->seg[SEG_CS], 0x08, 0, 0xffffffff, ATTR_CODE64);
		s->gpr[GPR_RSI] = mem;
		break;
	}
	s->rip = entry;
	for (int i = SEG_ES; i <= SEG_GS; i++)
		if (i != SEG_CS)
			set_seg(&s->seg[i], 0x10, 0, 0xffffffff, ATTR_DATA32);
	set_seg(&s->seg[SEG_LDTR], 0, 0, 0xffff, ATTR_LDT);
	set_seg(&s->seg[SEG_TR], 0x18, 0, 0x67, ATTR_TSS_BUSY);
}

void vcpu_reset_to_init(struct vcpu *v)
{
	struct vcpu_state s;

	vcpu_state_init(&s);
	backend->set_state(v, &s);
	if (v->lapic)
		vlapic_reset(v->lapic);
	v->nmi_pending = false;
	v->dr_reset = true;
}

void vcpu_reset_power_on(struct vcpu *v)
{
	if (v->lapic)
		vlapic_reset(v->lapic);
	v->event.valid = false;
	v->nmi_pending = v->init_pending = v->sipi_pending = false;
	v->extint_held = v->extint_last = 0;
	/* SDM Vol. 3A, "Processor State After Reset". */
	v->tsc_aux = 0;
	v->misc_enable = MISC_ENABLE_RESET;
	/* The Hyper-V MSRs start disabled, as the partition's (TLFS). */
	v->hv_vp_assist = 0;
	v->hv_eoi_armed = false;
}

void vcpu_start_at_sipi(struct vcpu *v, u8 vector)
{
	struct vcpu_state s;

	vcpu_state_sipi(&s, vector);
	backend->set_state(v, &s);
}
