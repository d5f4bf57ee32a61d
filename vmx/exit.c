// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VT-x exit table: one entry per basic exit reason (SDM Vol. 3D
 * Appendix C), each naming a vmm/ handler and a statistics bucket. Only
 * the decoding of VMX-specific exit information lives here.
 */
#include "vmx/vmx.h"
#include "vmm/cr.h"
#include "vmm/guest_insn.h"
#include "vmm/base/log.h"
#include "vmm/event.h"

void vmx_clear_window(struct vcpu *v, bool nmi);
bool vmx_has_ins_outs_info(void);

/* I/O exit qualification (SDM Vol. 3C Table 28-5). */
static enum exit_action vmx_exit_io(struct vcpu *v)
{
	u64 q = vmcs_readl(EXIT_QUALIFICATION);
	struct io_access io = {
		.size = (u8)((q & 7) + 1),
		.in = q & BIT(3),
		.string = q & BIT(4),
		.rep = q & BIT(5),
		.port = (u16)(q >> 16),
		.seg = SEG_DS,
	};

	if (io.string) {
		if (vmx_has_ins_outs_info()) {
			/* Instruction information (SDM Table 28-8). */
			u32 info = vmcs_read32(VM_EXIT_INSTRUCTION_INFO);
			io.addr_size = (u8)(2u << ((info >> 7) & 7));
			io.seg = (info >> 15) & 7;
		} else {
			enum x86_mode m = vcpu_cpu_mode(v);
			io.addr_size = m == X86_MODE_LONG64 ? 8 : m == X86_MODE_PROT32 ? 4 : 2;
		}
	}
	return vmm_handle_io(v, &io);
}

/* Control-register access qualification (SDM Vol. 3C Table 28-3). */
static enum exit_action vmx_exit_cr(struct vcpu *v)
{
	u64 q = vmcs_readl(EXIT_QUALIFICATION);
	int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;

	switch (type) {
	case 0: /* MOV to CR */
		return vmm_handle_cr_write(v, cr, v->gpr[reg]);
	case 1: /* MOV from CR */
		return vmm_handle_cr_read(v, cr, reg);
	case 2: /* CLTS */
		return vmm_handle_cr_write(v, 0, backend->get_reg(v, VREG_CR0) & ~CR0_TS);
	default: { /* LMSW: loads CR0[3:0] but cannot clear PE */
		u64 cr0 = backend->get_reg(v, VREG_CR0);
		u64 src = (q >> 16) & 0xf;
		return vmm_handle_cr_write(v, 0, (cr0 & ~0xeULL) | src | (cr0 & CR0_PE));
	}
	}
}

/*
 * An exit for a fault of an IRET that had just lifted virtual-NMI
 * blocking (bit 12 of the exit qualification or of the interruption
 * information): the IRET runs again, so the blocking goes back before
 * the entry ("NMI unblocking due to IRET", SDM Vol. 3C 27.2.1 for EPT
 * violations, 27.2.2 for exceptions; undefined when the exit came
 * during event delivery).
 */
#define NMI_UNBLOCKED_BY_IRET BIT(12)
#define INTR_BLOCK_NMI BIT(3)

static void keep_nmi_blocking(u64 bits)
{
	if ((bits & NMI_UNBLOCKED_BY_IRET) && !(vmcs_read32(IDT_VECTORING_INFO) & INTR_INFO_VALID))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) | INTR_BLOCK_NMI);
}

static enum exit_action vmx_exit_ept_violation(struct vcpu *v)
{
	u64 q = vmcs_readl(EXIT_QUALIFICATION);

	keep_nmi_blocking(q);

	return vmm_handle_gpa_fault(v, vmcs_read64(GUEST_PHYSICAL_ADDRESS), q & BIT(1), q & BIT(2));
}

#define DR6_STATUS 0x600fULL /* B0-B3, BD, BS: what the qualification reports */

/*
 * With NMI exiting, a host NMI that arrives while the guest runs ends up
 * here instead of in the host's IDT; hand it over (SDM Vol. 3C 27.1).
 * Otherwise an exception of the bitmap (INTERCEPTED_EXCEPTIONS). For #DB
 * the CPU left DR6 alone and put its new bits in the exit qualification
 * (SDM Vol. 3C 28.2.1): they go to DR6 before the #DB goes back in.
 */
static enum exit_action vmx_exit_exception_nmi(struct vcpu *v)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);
	u8 type = (info >> INTR_INFO_TYPE_SHIFT) & 7, vector = info & 0xff;

	if (type == INTR_TYPE_NMI) {
		__asm__ __volatile__("int $2");
		return EXIT_RESUME;
	}
	if (!(INTERCEPTED_EXCEPTIONS & BIT(vector)))
		return vmm_unexpected_exit(v, vector, "unexpected guest exception");
	keep_nmi_blocking(info);
	if (vector == VEC_DB) {
		u64 q = vmcs_readl(EXIT_QUALIFICATION);
		write_dr6((read_dr6() & ~DR6_STATUS) | (q & DR6_STATUS));
	}
	bool has_error = info & INTR_INFO_DELIVER_CODE;
	return vmm_handle_exception(v, vector, type, has_error,
				    has_error ? vmcs_read32(VM_EXIT_INTR_ERROR_CODE) : 0,
				    type == EVENT_EXCEPTION ? 0 : (u8)vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

static enum exit_action vmx_exit_intr_window(struct vcpu *v)
{
	vmx_clear_window(v, false);
	return vmm_handle_intr_window(v);
}

static enum exit_action vmx_exit_nmi_window(struct vcpu *v)
{
	vmx_clear_window(v, true);
	return EXIT_RESUME;
}

/* An INIT signal to this physical CPU is blocked in VMX operation and
 * shows up as an exit; nothing of ours sends one after boot. */
static enum exit_action vmx_exit_init(struct vcpu *v)
{
	(void)v;
	return EXIT_RESUME;
}

static const struct exit_entry vmx_exit_table[VMX_EXIT_TABLE_SIZE] = {
	[EXIT_REASON_EXCEPTION_NMI] = { vmx_exit_exception_nmi, STAT_EXCEPTION },
	[EXIT_REASON_EXTERNAL_INTERRUPT] = { vmm_handle_intr, STAT_INTR },
	[EXIT_REASON_TRIPLE_FAULT] = { vmm_handle_shutdown, STAT_SHUTDOWN },
	[EXIT_REASON_INIT] = { vmx_exit_init, STAT_OTHER },
	[EXIT_REASON_INTERRUPT_WINDOW] = { vmx_exit_intr_window, STAT_INTR_WINDOW },
	[EXIT_REASON_NMI_WINDOW] = { vmx_exit_nmi_window, STAT_INTR_WINDOW },
	[EXIT_REASON_CPUID] = { vmm_handle_cpuid, STAT_CPUID },
	[EXIT_REASON_GETSEC] = { vmm_handle_ud, STAT_OTHER },
	[EXIT_REASON_HLT] = { vmm_handle_hlt, STAT_HLT },
	[EXIT_REASON_INVD] = { vmm_handle_nop_insn, STAT_INVD },
	[EXIT_REASON_RDPMC] = { vmm_handle_rdpmc, STAT_OTHER },
	[EXIT_REASON_VMCALL] = { vmm_handle_hypercall, STAT_HYPERCALL },
	/* VMX is hidden from guests: its instructions raise #UD. */
	[EXIT_REASON_VMCLEAR] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_VMLAUNCH] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_VMPTRLD] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_VMPTRST] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_VMREAD] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_VMRESUME] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_VMWRITE] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_VMXOFF] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_VMXON] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_INVEPT] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_INVVPID] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_VMFUNC] = { vmm_handle_ud, STAT_VIRT_INSN },
	[EXIT_REASON_CR_ACCESS] = { vmx_exit_cr, STAT_CR },
	[EXIT_REASON_IO_INSTRUCTION] = { vmx_exit_io, STAT_IO },
	[EXIT_REASON_MSR_READ] = { vmm_handle_rdmsr, STAT_MSR_READ },
	[EXIT_REASON_MSR_WRITE] = { vmm_handle_wrmsr, STAT_MSR_WRITE },
	[EXIT_REASON_MWAIT] = { vmm_handle_ud, STAT_OTHER },
	[EXIT_REASON_MONITOR] = { vmm_handle_ud, STAT_OTHER },
	[EXIT_REASON_PAUSE] = { vmm_handle_pause, STAT_PAUSE },
	[EXIT_REASON_EPT_VIOLATION] = { vmx_exit_ept_violation, STAT_BY_HANDLER },
	[EXIT_REASON_WBINVD] = { vmm_handle_wbinvd, STAT_INVD },
	[EXIT_REASON_XSETBV] = { vmm_handle_xsetbv, STAT_XSETBV },
	[EXIT_REASON_PREEMPTION_TIMER] = { vmm_handle_intr, STAT_TIMER },
};

enum exit_action vmx_dispatch(struct vcpu *v, u32 reason)
{
	const struct exit_entry *e = reason < VMX_EXIT_TABLE_SIZE ? &vmx_exit_table[reason] : NULL;

	if (!e || !e->fn)
		return vmm_unexpected_exit(v, reason, "unhandled VMX exit");
	vmm_count_exit(v, e->stat);
	return e->fn(v);
}
