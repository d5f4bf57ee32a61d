// SPDX-License-Identifier: GPL-2.0-only
/*
 * The AMD-V exit table: one entry per exit code (APM Vol. 2 Appendix C),
 * each naming a vmm/ handler and a statistics bucket. Only the decoding
 * of SVM-specific exit information lives here.
 */
#include "svm/svm.h"
#include "svm/state_check.h"
#include "vmm/base/cpu.h"
#include "vmm/base/log.h"
#include "vmm/cr.h"
#include "vmm/event.h"
#include "vmm/guest_insn.h"
#include "vmm/msr.h"
#include "vmm/partition.h"

static inline struct vmcb *vmcb_of(struct vcpu *v)
{
	return ((struct svm_vcpu *)v->arch)->vmcb;
}

static enum exit_action svm_exit_ioio(struct vcpu *v)
{
	u64 info = vmcb_of(v)->ctl.exitinfo1;
	struct io_access io = {
		.port = (u16)(info >> IOIO_PORT_SHIFT),
		.in = info & IOIO_IN,
		.string = info & IOIO_STR,
		.rep = info & IOIO_REP,
		.seg = (info >> IOIO_SEG_SHIFT) & 7,
	};
	unsigned sz = (info >> IOIO_SZ_SHIFT) & 7, a = (info >> IOIO_A_SHIFT) & 7;

	io.size = sz & 1 ? 1 : sz & 2 ? 2 : 4;
	io.addr_size = a & 1 ? 2 : a & 2 ? 4 : 8;
	return vmm_handle_io(v, &io);
}

static enum exit_action svm_exit_msr(struct vcpu *v)
{
	return vmcb_of(v)->ctl.exitinfo1 ? vmm_handle_wrmsr(v) : vmm_handle_rdmsr(v);
}

static enum exit_action svm_exit_npf(struct vcpu *v)
{
	struct vmcb *vmcb = vmcb_of(v);
	u64 err = vmcb->ctl.exitinfo1;

	return vmm_handle_gpa_fault(v, vmcb->ctl.exitinfo2, err & NPF_WRITE, err & NPF_FETCH);
}

/* The IRET intercept is a watch for the end of an NMI handler (APM Vol. 2
 * 15.21.3 leaves NMI blocking to the VMM): IRET is about to run; the
 * next exit, after it did, lifts the blocking. */
static enum exit_action svm_exit_iret(struct vcpu *v)
{
	struct svm_vcpu *sv = v->arch;

	sv->nmi_iret_seen = true;
	sv->vmcb->ctl.intercept_misc1 &= ~INTERCEPT_IRET;
	/* SVM keeps no NMI blocking of its own: the intercept comes before
	 * the IRET runs, and the next NMI is due right after it (SDM Vol.
	 * 3A 6.7.1; APM Vol. 2 8.2.3). With one pending, step over the IRET
	 * (the trap follows the TF it starts with; the RFLAGS it pops stay
	 * the guest's), as KVM does without vNMI. */
	if (__atomic_load_n(&v->nmi_pending, __ATOMIC_ACQUIRE) && !sv->nmi_step) {
		sv->nmi_step = true;
		sv->nmi_step_tf = sv->vmcb->save.rflags & RFLAGS_TF;
		sv->nmi_step_dr6 = sv->vmcb->save.dr6;
		sv->vmcb->save.rflags |= RFLAGS_TF;
	}
	return EXIT_RESUME;
}

/* The #DB of the step over an NMI handler's IRET: ours, unless the guest
 * was single-stepping itself (then it is its own trap). */
static bool nmi_step_trap(struct vcpu *v)
{
	struct svm_vcpu *sv = v->arch;

	if (!sv->nmi_step)
		return false;
	sv->nmi_step = false;
	if (sv->nmi_step_tf)
		return false;
	sv->vmcb->save.dr6 = sv->nmi_step_dr6;
	return true;
}

/* An intercepted exception; #AC's error code is in EXITINFO1. */
static enum exit_action svm_exit_exception(struct vcpu *v)
{
	struct vmcb *vmcb = vmcb_of(v);
	u8 vector = (u8)(vmcb->ctl.exitcode - SVM_EXIT_EXCP_BASE);

	if (vector == VEC_DB && nmi_step_trap(v))
		return EXIT_RESUME; /* this exit ends the NMI blocking */

	return vmm_handle_exception(v, vector, EVENT_EXCEPTION, vector == VEC_AC,
				    (u32)vmcb->ctl.exitinfo1, 0);
}

/* MOV to CR4: the source register from the decode assists (EXITINFO1
 * bit 63 and bits 3:0, APM Vol. 2 15.8.1) or from the instruction. */
static enum exit_action svm_exit_cr4_write(struct vcpu *v)
{
	u64 info = vmcb_of(v)->ctl.exitinfo1;
	int cr = 4, gpr;

	if (info & BIT(63))
		gpr = (int)(info & 15);
	else if (insn_mov_to_cr(v, &cr, &gpr) || cr != 4)
		return vmm_stop(v, "a CR4 write exit at an instruction that is not MOV to CR4");
	return vmm_handle_cr_write(v, 4, v->gpr[gpr]);
}

/* An INIT sent to this CPU (the hypervisor sends none after boot; a
 * partition may have arranged one): dropped, never a reset. */
static enum exit_action svm_exit_init(struct vcpu *v)
{
	static struct log_ratelimit rl;

	log_limited(&rl, LOG_WARN, "%s: vCPU %u: an INIT signal reached its CPU: ignored",
		    v->part->cfg.name, v->id);
	return EXIT_RESUME;
}

/*
 * VMRUN refused the VMCB (VMEXIT_INVALID). The core's checks keep every
 * state a guest can reach out of the VMCB, so this is the hypervisor's
 * bug: stop the partition, naming the consistency check the VMCB fails
 * (APM Vol. 2 15.5.1). Off the common path: only this exit pays for it.
 */
static enum exit_action svm_exit_invalid(struct vcpu *v)
{
	const struct svm_check_limits l = {
		.cr4_allowed = cr4_guest_allowed(),
		.efer_allowed = EFER_GUEST_BITS | EFER_SVME,
		.phys_bits = boot_cpu.phys_addr_bits,
	};
	const char *why = svm_state_check(vmcb_of(v), &l);

	if (!why)
		why = "no check of APM Vol. 2 15.5.1 fails on the VMCB as the exit left it";
	pr_err("%s: vCPU %u: VMRUN failed (VMEXIT_INVALID): %s", v->part->cfg.name, v->id, why);
	backend->dump(v);
	vmm_count_exit(v, STAT_INVALID);
	return vmm_stop(v, "VMRUN failed: invalid guest state: %s", why);
}

static const struct exit_entry svm_exit_table[SVM_EXIT_TABLE_SIZE] = {
	[SVM_EXIT_EXCP_BASE + VEC_DB] = { svm_exit_exception, STAT_EXCEPTION },
	[SVM_EXIT_EXCP_BASE + VEC_AC] = { svm_exit_exception, STAT_EXCEPTION },
	[SVM_EXIT_EXCP_BASE + VEC_MC_V] = { svm_exit_exception, STAT_EXCEPTION },
	[SVM_EXIT_INIT] = { svm_exit_init, STAT_OTHER },
	[SVM_EXIT_CR0_WRITE + 4] = { svm_exit_cr4_write, STAT_CR },
	[SVM_EXIT_INTR] = { vmm_handle_intr, STAT_INTR },
	[SVM_EXIT_NMI] = { vmm_handle_intr, STAT_INTR },
	[SVM_EXIT_SMI] = { vmm_handle_intr, STAT_INTR },
	[SVM_EXIT_VINTR] = { vmm_handle_intr_window, STAT_INTR_WINDOW },
	[SVM_EXIT_RDPMC] = { vmm_handle_rdpmc, STAT_OTHER },
	[SVM_EXIT_CPUID] = { vmm_handle_cpuid, STAT_CPUID },
	[SVM_EXIT_IRET] = { svm_exit_iret, STAT_OTHER },
	[SVM_EXIT_INVD] = { vmm_handle_nop_insn, STAT_INVD },
	[SVM_EXIT_HLT] = { vmm_handle_hlt, STAT_HLT },
	[SVM_EXIT_IOIO] = { svm_exit_ioio, STAT_IO },
	[SVM_EXIT_MSR] = { svm_exit_msr, STAT_MSR_READ },
	[SVM_EXIT_SHUTDOWN] = { vmm_handle_shutdown, STAT_SHUTDOWN },
	[SVM_EXIT_VMMCALL] = { vmm_handle_hypercall, STAT_HYPERCALL },
	[SVM_EXIT_VMRUN] = { vmm_handle_ud, STAT_VIRT_INSN },
	[SVM_EXIT_VMLOAD] = { vmm_handle_ud, STAT_VIRT_INSN },
	[SVM_EXIT_VMSAVE] = { vmm_handle_ud, STAT_VIRT_INSN },
	[SVM_EXIT_STGI] = { vmm_handle_ud, STAT_VIRT_INSN },
	[SVM_EXIT_CLGI] = { vmm_handle_ud, STAT_VIRT_INSN },
	[SVM_EXIT_SKINIT] = { vmm_handle_ud, STAT_VIRT_INSN },
	[SVM_EXIT_INVLPGA] = { vmm_handle_ud, STAT_VIRT_INSN },
	[SVM_EXIT_RDTSCP] = { vmm_handle_ud, STAT_OTHER },
	[SVM_EXIT_WBINVD] = { vmm_handle_wbinvd, STAT_INVD },
	[SVM_EXIT_RDPRU] = { vmm_handle_ud, STAT_OTHER },
	[SVM_EXIT_INVLPGB] = { vmm_handle_ud, STAT_OTHER },
	[SVM_EXIT_INVLPGB_ILLEGAL] = { vmm_handle_ud, STAT_OTHER },
	[SVM_EXIT_MONITOR] = { vmm_handle_ud, STAT_OTHER },
	[SVM_EXIT_MWAIT] = { vmm_handle_ud, STAT_OTHER },
	[SVM_EXIT_XSETBV] = { vmm_handle_xsetbv, STAT_XSETBV },
	[SVM_EXIT_NPF] = { svm_exit_npf, STAT_BY_HANDLER },
};

enum exit_action svm_dispatch(struct vcpu *v, u64 code)
{
	/* VMEXIT_INVALID is -1 in the 64-bit EXITCODE (APM Vol. 2 15.5.1);
	 * QEMU TCG stores only its low 32 bits. No exit code lies between
	 * the table's end and 0xffffffff, so both mean the same. */
	if (code == SVM_EXIT_INVALID || code == 0xffffffffULL)
		return svm_exit_invalid(v);
	const struct exit_entry *e = code < SVM_EXIT_TABLE_SIZE ? &svm_exit_table[code] : NULL;
	if (!e || !e->fn)
		return vmm_unexpected_exit(v, code, "unhandled SVM exit");
	/* RDMSR and WRMSR share an exit code; count them apart. */
	unsigned stat = e->stat;
	if (code == SVM_EXIT_MSR && vmcb_of(v)->ctl.exitinfo1)
		stat = STAT_MSR_WRITE;
	vmm_count_exit(v, stat);
	return e->fn(v);
}
