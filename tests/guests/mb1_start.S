/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry of the multiboot (v1) test kernel. The header (Multiboot 0.6.96,
 * 3.1) comes first in the image; built with MB_AOUT it also carries the
 * address fields (flag 16) and the image is a flat binary, so both of the
 * loader's paths are tested. At entry (3.2) EAX holds the boot magic and
 * EBX the information structure; ESP is undefined, so set our own.
 */
#define MB_MAGIC 0x1badb002
#ifdef MB_AOUT
#define MB_FLAGS 0x00010003 /* page-aligned modules, memory info, address fields */
#else
#define MB_FLAGS 0x00000003
#endif

	.section .text.start, "ax"
	.code32
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
#ifdef MB_AOUT
	.long mb_header      /* header_addr */
	.long _start_image   /* load_addr: the flat binary's first byte */
	.long _edata         /* load_end_addr */
	.long _end           /* bss_end_addr */
	.long _start         /* entry_addr */
#endif

	.globl _start
_start:
	mov $mb_stack_top, %esp  /* MOV leaves EFLAGS as the loader set it */
	pushf                /* EFLAGS at entry */
	push %ebx            /* information structure */
	push %eax            /* magic */
	call mb1_entry
1:	cli
	hlt
	jmp 1b

	/* vCPU 0's stack, named as lib/start32.S names them (lib.c finds
	 * the vCPU index from the stack pointer). */
	.bss
	.balign 16
	.globl guest_stacks
guest_stacks:
	.skip 16384
mb_stack_top:
	.section .note.GNU-stack, "", @progbits
