/* SPDX-License-Identifier: GPL-2.0-only */
/* 32-bit entry: EDI = vCPU index, ESI = memory size (see hv_abi.h). */
	.section .text.start, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov %edi, %eax
	and $7, %eax
	inc %eax
	shl $14, %eax
	lea guest_stacks(%eax), %esp
	push $0
	push %esi
	push %edi
	call guest_entry
1:	hlt
	jmp 1b

	.bss
	.balign 16
	.globl guest_stacks
guest_stacks:
	.skip 16384 * 8
	.section .note.GNU-stack, "", @progbits
