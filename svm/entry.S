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
#include "vmm/gpr.h"

#define G(r) (GPR_##r * 8)

	.text
	.globl svm_enter
svm_enter:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi                  /* gpr[] */
	push %rdx                  /* host VMCB */
	mov %rsi, %rax             /* guest VMCB */

	mov G(RCX)(%rdi), %rcx
	mov G(RDX)(%rdi), %rdx
	mov G(RBX)(%rdi), %rbx
	mov G(RBP)(%rdi), %rbp
	mov G(RSI)(%rdi), %rsi
	mov G(R8)(%rdi), %r8
	mov G(R9)(%rdi), %r9
	mov G(R10)(%rdi), %r10
	mov G(R11)(%rdi), %r11
	mov G(R12)(%rdi), %r12
	mov G(R13)(%rdi), %r13
	mov G(R14)(%rdi), %r14
	mov G(R15)(%rdi), %r15
	mov G(RDI)(%rdi), %rdi

	clgi
	sti
	vmload %rax
	vmrun %rax
	vmsave %rax

	push %rdi                  /* guest RDI */
	mov 16(%rsp), %rdi         /* gpr[] */
	mov %rcx, G(RCX)(%rdi)
	mov %rdx, G(RDX)(%rdi)
	mov %rbx, G(RBX)(%rdi)
	mov %rbp, G(RBP)(%rdi)
	mov %rsi, G(RSI)(%rdi)
	mov %r8, G(R8)(%rdi)
	mov %r9, G(R9)(%rdi)
	mov %r10, G(R10)(%rdi)
	mov %r11, G(R11)(%rdi)
	mov %r12, G(R12)(%rdi)
	mov %r13, G(R13)(%rdi)
	mov %r14, G(R14)(%rdi)
	mov %r15, G(R15)(%rdi)
	pop G(RDI)(%rdi)

	mov (%rsp), %rax           /* host VMCB: our GS base and TR back */
	vmload %rax
	cli
	stgi

	add $16, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.section .note.GNU-stack, "", @progbits
