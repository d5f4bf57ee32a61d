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

void vcpu_complete_insn(struct vcpu *v, u64 next)
{
	u64 rflags = backend->get_reg(v, VREG_RFLAGS);

	vcpu_set_rip(v, next);
	backend->set_reg(v, VREG_INTR_SHADOW, 0);
	vcpu_step_trap(v, rflags);
}

void vcpu_skip_insn(struct vcpu *v)
{
	vcpu_complete_insn(v, backend->next_rip(v));
}
