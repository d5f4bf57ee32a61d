// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/dump.h"
#include "vmm/backend.h"
#include "vmm/base/log.h"
#include "vmm/partition.h"
#include "vmm/dev/vlapic.h"
#include "vmm/gmem.h"

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

/* The top of the guest's stack, read through its own page tables: the
 * return addresses and any interrupt frame (RIP, CS, RFLAGS) there show
 * where a stuck vCPU came from. */
static void dump_stack(struct vcpu *v)
{
	u64 w[24], rsp = v->gpr[GPR_RSP];
	u32 pf;

	if (gva_read(v, rsp, w, sizeof(w), 0, &pf)) {
		log_printf(LOG_ALWAYS, "dump:   stack at %#lx not readable", (unsigned long)rsp);
		return;
	}
	for (int i = 0; i < 24; i += 4)
		log_printf(LOG_ALWAYS, "dump:   stack %#lx: %016lx %016lx %016lx %016lx",
			   (unsigned long)(rsp + (u64)i * 8), (unsigned long)w[i],
			   (unsigned long)w[i + 1], (unsigned long)w[i + 2], (unsigned long)w[i + 3]);
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
		   "dump:   event %s type %u vector %#x, nmi %u init %u sipi %u, masked re-injections %u, %s",
		   v->event.valid ? "pending" : "none", v->event.type, v->event.vector,
		   v->nmi_pending, v->init_pending, v->sipi_pending, v->masked_reinjects, apic);
	if (regs) {
		/* Where its page tables and its last #PF were: a guest that
		 * triple-faults on an instruction fetch lost its mappings. */
		log_printf(LOG_ALWAYS, "dump:   cr0 %#lx cr2 %#lx cr3 %#lx cr4 %#lx efer %#lx",
			   (unsigned long)backend->get_reg(v, VREG_CR0),
			   (unsigned long)backend->get_reg(v, VREG_CR2),
			   (unsigned long)backend->get_reg(v, VREG_CR3),
			   (unsigned long)backend->get_reg(v, VREG_CR4),
			   (unsigned long)backend->get_reg(v, VREG_EFER));
		dump_stack(v);
	}
}
