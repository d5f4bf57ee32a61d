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
#include "vmm/gpr_asm.h"

#define HOST_RSP 0x6c14

	.text
	.globl vmx_enter
vmx_enter:
	push_host_regs
	push %rdi                  /* gpr[] */

	cmp %rsp, (%rdx)
	je 1f
	mov %rsp, (%rdx)
	mov $HOST_RSP, %eax
	vmwrite %rsp, %rax
1:
	/* "launched", tested after VERW (which changes ZF); below HOST_RSP,
	 * so an exit leaves it behind. */
	push %rsi

	mov G(RAX)(%rdi), %rax
	load_guest_gprs %rdi
	mov G(RDI)(%rdi), %rdi

	maybe_verw
	cmpl $0, (%rsp)
	jnz 2f
	vmlaunch
	jmp 3f
2:	vmresume
3:	/* VMfail: back out with the host's registers. */
	add $8, %rsp
	pop %rdi
	pop_host_regs
	mov $1, %eax
	ret

	.globl vmx_exit_point
vmx_exit_point:
	push %rdi                  /* guest RDI */
	mov 8(%rsp), %rdi          /* gpr[] */
	mov %rax, G(RAX)(%rdi)
	store_guest_gprs %rdi
	pop G(RDI)(%rdi)
	fill_rsb %rax              /* before our first RET */
	pop %rdi
	pop_host_regs
	xor %eax, %eax
	ret
	.section .note.GNU-stack, "", @progbits
