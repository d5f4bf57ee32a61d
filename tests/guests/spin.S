/* SPDX-License-Identifier: GPL-2.0-only */
/* Hostile: interrupts off, spinning forever. It must not keep other
 * partitions on its CPU from running, and its time limit must end it. */
	.code16
	.section .text
	.globl _start
_start:
	cli
1:	jmp 1b
	.section .note.GNU-stack, "", @progbits
