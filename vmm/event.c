// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/event.h"
#include "vmm/backend.h"
#include "vmm/dev/vlapic.h"
#include "vmm/dev/platform.h"
#include "vmm/base/log.h"
#include "vmm/partition.h"

static bool contributory(u8 v)
{
	return v == VEC_DE || (v >= VEC_TS && v <= VEC_GP);
}

bool vcpu_queue_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	struct pending_event *e = &v->event;

	if (e->valid && e->type == EVENT_EXT_INTR && v->extint_last == (0x100 | e->vector)) {
		v->extint_held = v->extint_last;
		e->valid = false;
	} else if (e->valid && e->type == EVENT_EXT_INTR && v->lapic) {
		vlapic_unaccept(v->lapic, e->vector);
		e->valid = false;
	} else if (e->valid && e->type == EVENT_NMI) {
		__atomic_store_n(&v->nmi_pending, true, __ATOMIC_SEQ_CST);
		backend->nmi_undeliver(v);
		e->valid = false;
	} else if (e->valid && e->type != EVENT_EXCEPTION) {
		e->valid = false; /* INT n: RIP is still on it; it runs again */
	}
	if (e->valid && e->type == EVENT_EXCEPTION) {
		if (e->vector == VEC_DF_V) {
			e->valid = false;
			v->shutdown_pending = true; /* triple fault */
			return false;
		}
		bool first_pf = e->vector == VEC_PF_V;
		if ((contributory(e->vector) && contributory(vector)) ||
		    (first_pf && (contributory(vector) || vector == VEC_PF_V))) {
			vector = VEC_DF_V;
			has_error = true;
			error = 0;
		}
	}
	e->valid = true;
	e->type = EVENT_EXCEPTION;
	e->vector = vector;
	e->has_error = has_error;
	e->error = error;
	return true;
}

void vcpu_inject_ud(struct vcpu *v)
{
	vcpu_queue_exception(v, VEC_UD, false, 0);
}

void vcpu_inject_gp(struct vcpu *v, u32 error)
{
	vcpu_queue_exception(v, VEC_GP, true, error);
}

void vcpu_inject_pf(struct vcpu *v, u64 addr, u32 error)
{
	backend->set_reg(v, VREG_CR2, addr);
	vcpu_queue_exception(v, VEC_PF_V, true, error);
}

bool vcpu_interrupt_pending(struct vcpu *v)
{
	return v->lapic && (v->extint_held || vlapic_pending(v->lapic) >= 0 ||
			    platform_extint_pending(v));
}

bool event_next(struct vcpu *v, struct pending_event *ev, bool *window)
{
	*window = false;
	if (v->event.valid) {
		*ev = v->event;
		v->event.valid = false;
		/* An external interrupt comes back only from an exit during its
		 * delivery, which began at IF=1 outside a shadow and left RFLAGS
		 * as it was (APM Vol. 2 15.7.2; SDM Vol. 3C 27.2.4). One put back
		 * at IF=0 would run its handler inside code that masked it (a
		 * guest deadlocking on a lock it holds): say so, a few times. */
		if (ev->type == EVENT_EXT_INTR && !backend->interrupts_open(v) &&
		    v->masked_reinjects++ < 3)
			pr_warn("partition '%s' vCPU %u: interrupt %#x re-injected with interrupts "
				"masked (rip %#lx rflags %#lx)", v->part->cfg.name, v->id, ev->vector,
				(unsigned long)vcpu_rip(v),
				(unsigned long)backend->get_reg(v, VREG_RFLAGS));
		return true;
	}
	if (v->nmi_pending && backend->nmi_open(v)) {
		__atomic_store_n(&v->nmi_pending, false, __ATOMIC_SEQ_CST);
		ev->valid = true;
		ev->type = EVENT_NMI;
		ev->vector = VEC_NMI_V;
		ev->has_error = false;
		ev->error = 0;
		return true;
	}
	if (!v->lapic)
		return false;
	/* A vector the 8259A gave first, then the local APIC's, then a
	 * request of the 8259A's (its ExtINT bypasses the priorities). */
	int vec = v->extint_held ? -1 : vlapic_pending(v->lapic);
	bool ext = v->extint_held || (vec < 0 && platform_extint_pending(v));
	if (vec < 0 && !ext)
		return false;
	if (!backend->interrupts_open(v)) {
		*window = true;
		return false;
	}
	if (ext) {
		vec = v->extint_held ? v->extint_held & 0xff : platform_extint_ack(v);
		v->extint_held = 0;
		v->extint_last = (u16)(0x100 | vec);
	} else {
		vlapic_accept(v->lapic, (u8)vec);
		v->extint_last = 0;
	}
	ev->valid = true;
	ev->type = EVENT_EXT_INTR;
	ev->vector = (u8)vec;
	ev->has_error = false;
	ev->error = 0;
	return true;
}
