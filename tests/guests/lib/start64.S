/* SPDX-License-Identifier: GPL-2.0-only */
/* 64-bit entry: RDI = vCPU index, RSI = memory size (see hv_abi.h).
 * Application processors started by INIT/SIPI come through ap_tramp.S
 * into ap_start64 with RDI set the same way. */
	.section .text.start, "ax"
	.code64
	.globl _start, ap_start64
_start:
ap_start64:
	cli
	cld
	mov %edi, %eax
	and $7, %eax
	inc %eax
	shl $14, %eax
	lea guest_stacks(%rip), %rsp
	add %rax, %rsp
	xor %ebp, %ebp
	call guest_entry
1:	hlt
	jmp 1b

	.bss
	.balign 16
	.globl guest_stacks
guest_stacks:
	.skip 16384 * 8
	.section .note.GNU-stack, "", @progbits
