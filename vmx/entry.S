/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * int vmx_enter(u64 *gpr, u32 launched, u64 *host_rsp)
 *
 * Runs the guest once with VMLAUNCH (first entry) or VMRESUME. Every
 * guest register but RSP (which the VMCS holds) comes from gpr[] and goes
 * back there. A VM exit lands at vmx_exit_point with the stack as it was
 * at entry (HOST_RSP), gpr[] on top. HOST_RSP is rewritten only when it
 * changed, which after the first entry it does not. Returns 0 after an
 * exit, 1 when VMLAUNCH/VMRESUME itself failed (VM-instruction error).
 */
#include "vmm/gpr.h"

#define G(r) (GPR_##r * 8)
#define HOST_RSP 0x6c14

	.text
	.globl vmx_enter
vmx_enter:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi                  /* gpr[] */

	cmp %rsp, (%rdx)
	je 1f
	mov %rsp, (%rdx)
	mov $HOST_RSP, %eax
	vmwrite %rsp, %rax
1:
	test %esi, %esi            /* flags survive the MOVs below */

	mov G(RAX)(%rdi), %rax
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

	jnz 2f
	vmlaunch
	jmp 3f
2:	vmresume
3:	/* VMfail: back out with the host's registers. */
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	mov $1, %eax
	ret

	.globl vmx_exit_point
vmx_exit_point:
	push %rdi                  /* guest RDI */
	mov 8(%rsp), %rdi          /* gpr[] */
	mov %rax, G(RAX)(%rdi)
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
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	xor %eax, %eax
	ret
	.section .note.GNU-stack, "", @progbits
