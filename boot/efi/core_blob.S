/* SPDX-License-Identifier: GPL-2.0-only */
/* The core ELF, embedded in hv.efi (the path comes from the Makefile). */
	.section .rodata
	.balign 16
	.globl hv_core_start, hv_core_end
hv_core_start:
	.incbin CORE_FILE
hv_core_end:
	.section .note.GNU-stack, "", @progbits
