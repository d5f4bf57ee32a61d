// SPDX-License-Identifier: GPL-2.0-only
/* Instructions the hypervisor completes for a guest: RIP, the interrupt
 * shadow and the single-step trap the CPU would have raised. */
#include "vmm/backend.h"
#include "vmm/event.h"
#include "vmm/base/x86.h"

/*
 * An instruction that began with RFLAGS.TF set ends with a single-step
 * trap (SDM Vol. 3B 18.3.1.4; APM Vol. 2 ch. 13): the CPU would have
 * raised it had it run the instruction, so the hypervisor, which ran it
 * instead, must. DR6.BS set and B0-B3 cleared as the CPU does for a
 * step; a trap, so it goes in after RIP moved on, ahead of any external
 * interrupt (SDM Vol. 3A Table 6-2). None of the instructions completed
 * here changes TF.
 */
void vcpu_step_trap(struct vcpu *v, u64 rflags)
{
	if (!(rflags & RFLAGS_TF))
		return;
	u64 dr6 = backend->get_reg(v, VREG_DR6);
	backend->set_reg(v, VREG_DR6, (dr6 & ~DR6_B0_B3) | DR6_BS);
	vcpu_queue_exception(v, VEC_DB, false, 0);
}

/*
 * Outside 64-bit mode the instruction pointer wraps at the code size: an
 * instruction that ends past 4 GiB (or 64 KiB in 16-bit code) continues
 * at the bottom (SDM Vol. 1 3.6.1, 3.5). The sum the exit reports does
 * not wrap, and a RIP above 4 GiB outside 64-bit mode fails VM entry
 * (SDM Vol. 3C 26.3.1.4). Only a RIP that crossed such a line can need
 * it, so the mode is looked at only then.
 */
static u64 wrap_rip(struct vcpu *v, u64 rip, u64 next)
{
	struct segment cs;

	if (!((rip ^ next) >> 16))
		return next;
	u64 cr0 = backend->get_reg(v, VREG_CR0);
	backend->get_seg(v, SEG_CS, &cs);
	if (!(cr0 & CR0_PE) || (backend->get_reg(v, VREG_RFLAGS) & RFLAGS_VM))
		return next & 0xffff; /* real and virtual-8086 mode */
	if ((backend->get_reg(v, VREG_EFER) & EFER_LMA) && (cs.attr & SEG_ATTR_L))
		return next;
	return (cs.attr & SEG_ATTR_DB) ? next & 0xffffffffULL : next & 0xffff;
}

void vcpu_complete_insn(struct vcpu *v, u64 next)
{
	u64 rip, rflags;

	backend->insn_state(v, &rip, &rflags);
	backend->insn_done(v, wrap_rip(v, rip, next));
	vcpu_step_trap(v, rflags);
}

void vcpu_skip_insn(struct vcpu *v)
{
	vcpu_complete_insn(v, backend->next_rip(v));
}
