// SPDX-License-Identifier: GPL-2.0-only
/* Exit handlers that need no vendor decoding, and exit accounting. */
#include "vmm/exit.h"
#include "vmm/dump.h"
#include "vmm/backend.h"
#include "vmm/event.h"
#include "vmm/fpu.h"
#include "vmm/base/fmt.h"
#include "vmm/base/log.h"
#include "vmm/partition.h"
#include "vmm/dev/vlapic.h"
#include "vmm/base/x86.h"

const char *const exit_stat_names[NR_EXIT_STATS] = {
	[STAT_CPUID] = "cpuid", [STAT_IO] = "io", [STAT_MSR_READ] = "rdmsr",
	[STAT_MSR_WRITE] = "wrmsr", [STAT_MMIO] = "mmio", [STAT_HLT] = "hlt",
	[STAT_HYPERCALL] = "hypercall", [STAT_INTR] = "intr",
	[STAT_INTR_WINDOW] = "intr-window", [STAT_EXCEPTION] = "exception",
	[STAT_NPF] = "npf", [STAT_SHUTDOWN] = "shutdown", [STAT_PAUSE] = "pause",
	[STAT_CR] = "cr", [STAT_XSETBV] = "xsetbv", [STAT_VIRT_INSN] = "virt-insn",
	[STAT_INVD] = "invd", [STAT_TIMER] = "timer", [STAT_INVALID] = "invalid",
	[STAT_OTHER] = "other",
};

void vmm_count_exit(struct vcpu *v, unsigned stat)
{
	if (stat < NR_EXIT_STATS)
		__atomic_fetch_add(&v->part->exit_counts[stat], 1, __ATOMIC_RELAXED);
}

enum exit_action vmm_handle_hlt(struct vcpu *v)
{
	bool open = backend->get_reg(v, VREG_RFLAGS) & RFLAGS_IF;

	vcpu_skip_insn(v);
	/* An interrupt already waiting ends the halt at once; so does the
	 * single-step trap of the HLT itself, delivered as KVM does. */
	if ((open && vcpu_interrupt_pending(v)) || v->event.valid)
		return EXIT_RESUME;
	v->halted_if = open;
	v->state = VCPU_HALTED;
	return EXIT_YIELD;
}

enum exit_action vmm_handle_shutdown(struct vcpu *v)
{
	struct partition *p = v->part;

	if (p->cfg.restart_on_reset && partition_restart(p) == 0)
		return EXIT_YIELD;
	/* Where it was: a crash that explains itself in the log. */
	vcpu_dump(v, rdtsc(), true);
	partition_stop(p, OUTCOME_TRIPLE_FAULT, "triple fault (shutdown)");
	return EXIT_STOP_PARTITION;
}

enum exit_action vmm_handle_exception(struct vcpu *v, u8 vector, u8 type, bool has_error,
				      u32 error, u8 insn_len)
{
	if (vector == VEC_MC_V) {
		pr_err("%s: vCPU %u: machine check while it ran", v->part->cfg.name, v->id);
		return vmm_stop(v, "machine check (#MC) while it ran");
	}
	if (vcpu_queue_exception(v, vector, has_error, error) && type != EVENT_EXCEPTION) {
		v->event.type = type;
		v->event.insn_len = insn_len;
	}
	return EXIT_RESUME;
}

enum exit_action vmm_handle_intr(struct vcpu *v)
{
	(void)v;
	return EXIT_RESUME; /* the host takes the interrupt once IF is set */
}

enum exit_action vmm_handle_intr_window(struct vcpu *v)
{
	(void)v;
	return EXIT_RESUME; /* the next entry injects */
}

enum exit_action vmm_handle_xsetbv(struct vcpu *v)
{
	/* SDM Vol. 2B XSETBV: #UD without CR4.OSXSAVE; #GP at CPL > 0, for
	 * an XCR other than 0 or a value the CPU would refuse. */
	if (!fpu_xcr0_allowed() || !(backend->get_reg(v, VREG_CR4) & CR4_OSXSAVE)) {
		vcpu_inject_ud(v);
		return EXIT_RESUME;
	}
	u64 val = ((v->gpr[GPR_RDX] & 0xffffffffULL) << 32) | (u32)v->gpr[GPR_RAX];
	if (backend->get_reg(v, VREG_CPL) != 0 || (u32)v->gpr[GPR_RCX] != 0 ||
	    !fpu_set_xcr0(v, val)) {
		vcpu_inject_gp(v, 0);
		return EXIT_RESUME;
	}
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

enum exit_action vmm_handle_pause(struct vcpu *v)
{
	vcpu_skip_insn(v);
	return EXIT_YIELD;
}

enum exit_action vmm_handle_nop_insn(struct vcpu *v)
{
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

/*
 * WBINVD writes back and invalidates every cache line of the physical
 * CPU, other partitions' included: milliseconds a guest could spend at
 * will. Only a partition that drives devices can need it (for DMA that
 * does not snoop), so only that one's is carried out; for the others it
 * is the no-op it is on coherent memory (KVM does the same). INVD must
 * never run as such: it would drop other partitions' dirty lines.
 */
enum exit_action vmm_handle_wbinvd(struct vcpu *v)
{
	if (v->part->is_parent)
		wbinvd();
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

/*
 * No performance counters are offered (CPUID leaf 0AH is zero, AMD's
 * PERFCTR_CORE hidden), so every ECX names an invalid counter: #GP(0),
 * as on hardware (SDM Vol. 2B RDPMC), on both vendors.
 */
enum exit_action vmm_handle_rdpmc(struct vcpu *v)
{
	vcpu_inject_gp(v, 0);
	return EXIT_RESUME;
}

enum exit_action vmm_handle_ud(struct vcpu *v)
{
	vcpu_inject_ud(v);
	return EXIT_RESUME;
}

enum exit_action vmm_stop(struct vcpu *v, const char *fmt, ...)
{
	char why[sizeof(v->part->stop_reason)];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	partition_stop(v->part, OUTCOME_FAULT, why);
	return EXIT_STOP_PARTITION;
}

enum exit_action vmm_unexpected_exit(struct vcpu *v, u64 code, const char *what)
{
	pr_err("%s: vCPU %u: %s (exit code %#lx)", v->part->cfg.name, v->id, what,
	       (unsigned long)code);
	backend->dump(v);
	vmm_count_exit(v, code == (u64)-1 ? STAT_INVALID : STAT_OTHER);
	return vmm_stop(v, "%s (exit code %#lx)", what, (unsigned long)code);
}
