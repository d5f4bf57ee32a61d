// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/dump.h"
#include "vmm/backend.h"
#include "vmm/base/log.h"
#include "vmm/partition.h"
#include "vmm/dev/vlapic.h"

static const char *run_state(const struct vcpu *v)
{
	switch (v->state) {
	case VCPU_RUNNABLE: return "runnable";
	case VCPU_HALTED: return v->halted_if ? "halted (IF=1)" : "halted (IF=0)";
	case VCPU_WAIT_SIPI: return "waiting for SIPI";
	case VCPU_STOPPED: return "stopped";
	}
	return "?";
}

void vcpu_dump(struct vcpu *v, u64 now, bool regs)
{
	char r[160] = "registers not read (not on its CPU)", apic[160] = "no LAPIC";

	if (regs)
		backend->describe(v, r, sizeof(r));
	if (v->lapic)
		vlapic_describe(v->lapic, now, apic, sizeof(apic));
	log_printf(LOG_ALWAYS, "dump: '%s' vCPU %u on cpu%u: %s%s, exits %lu", v->part->cfg.name,
		   v->id, v->pcpu, run_state(v), READ_ONCE(v->on_cpu) ? ", on CPU" : "",
		   (unsigned long)v->exits);
	log_printf(LOG_ALWAYS, "dump:   %s", r);
	log_printf(LOG_ALWAYS,
		   "dump:   event %s type %u vector %#x, nmi %u init %u sipi %u, %s",
		   v->event.valid ? "pending" : "none", v->event.type, v->event.vector,
		   v->nmi_pending, v->init_pending, v->sipi_pending, apic);
}
