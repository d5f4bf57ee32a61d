/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * void svm_enter(u64 *gpr, u64 vmcb_pa, u64 host_vmcb_pa)
 *
 * Runs the guest once. gpr[] holds every guest register except RAX and
 * RSP, which VMRUN takes from the VMCB. VMRUN/#VMEXIT switch only part of
 * the state; FS, GS, TR, LDTR, KernelGSBase and the SYSCALL/SYSENTER MSRs
 * move with VMLOAD/VMSAVE (APM Vol. 2 15.5.2), so the guest's are loaded
 * and saved around VMRUN and the host's (our per-CPU GS base) reloaded
 * before anything can interrupt us.
 *
 * GIF is clear from CLGI until STGI, so no interrupt or NMI reaches the
 * host while guest FS/GS are live. RFLAGS.IF is set at VMRUN: with
 * V_INTR_MASKING the host's IF decides whether physical interrupts exit
 * the guest (APM 15.21.1), and they must, for preemption. Returns with
 * IF clear and GIF set; the caller's STI takes any pending interrupt.
 */
#include "vmm/gpr_asm.h"

	.text
	.globl svm_enter
svm_enter:
	push_host_regs
	push %rdi                  /* gpr[] */
	push %rdx                  /* host VMCB */
	mov %rsi, %rax             /* guest VMCB */

	load_guest_gprs %rdi
	mov G(RDI)(%rdi), %rdi

	clgi
	sti
	vmload %rax
	maybe_verw
	vmrun %rax
	vmsave %rax

	push %rdi                  /* guest RDI */
	mov 16(%rsp), %rdi         /* gpr[] */
	store_guest_gprs %rdi
	pop G(RDI)(%rdi)
	fill_rsb %rax              /* before our first RET */

	mov (%rsp), %rax           /* host VMCB: our GS base and TR back */
	vmload %rax
	cli
	stgi

	add $16, %rsp
	pop_host_regs
	ret
	.section .note.GNU-stack, "", @progbits
