/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 64-bit entries at the linked (high) address. Both expect long mode with
 * the image mapped at KERNEL_VBASE and the first 4 GiB identity-mapped.
 *
 *   mb2_entry64(mbi_pa, load_pa)  from the multiboot2 stub
 *   hv_entry64(boot_info_pa)      from hv.efi (the ELF entry point)
 *
 * Neither can trust the loader's GDT (it may live in memory we are about
 * to reuse), so both load the core's own before anything else.
 */
#include "vmm/base/layout.h"

#define SEL_CODE 0x08
#define SEL_DATA 0x10

.macro core_setup
	cli
	cld
	lea boot_stack_top(%rip), %rsp
	lgdt early_gdtr(%rip)
	pushq $SEL_CODE
	lea 1f(%rip), %rax
	pushq %rax
	lretq
1:	mov $SEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	xor %ebp, %ebp             /* terminates backtraces */
.endm

	.text
	.globl mb2_entry64
mb2_entry64:
	mov %rdi, %r12
	mov %rsi, %r13
	core_setup
	mov %r12, %rdi
	mov %r13, %rsi
	call mb2_main
	jmp halt_forever

	.globl hv_entry64
hv_entry64:
	mov %rdi, %r12
	core_setup
	mov %r12, %rdi
	call efi_handoff_main
halt_forever:
	cli
	hlt
	jmp halt_forever

	.section .rodata
	.balign 8
early_gdt:
	.quad 0
	.quad 0x00af9b000000ffff
	.quad 0x00cf93000000ffff
early_gdtr:
	.short 3 * 8 - 1
	.quad early_gdt

	.bss
	.balign 16
	.globl boot_stack_bottom
boot_stack_bottom:
	.skip 16384
	.globl boot_stack_top
boot_stack_top:
