/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Application-processor start-up code. The BSP copies this blob to a free
 * page below 1 MiB and sends INIT-SIPI-SIPI with that page as the vector
 * (SDM Vol. 3A 9.4.4). The AP starts in real mode at CS:0 = page:0, and
 * goes straight to long mode: PAE, CR3, EFER.LME|NXE, then CR0.PG|PE, and
 * a far jump into a 64-bit code segment (SDM Vol. 3A 10.8.5).
 *
 * The blob is position independent; the BSP fills the data words at the
 * end. The CR3 it gets identity-maps this page and shares the upper half
 * with the hypervisor's tables, so the jump to ap_main lands mapped.
 */
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define OFF(sym) ((sym) - ap_tramp_start)

	.section .rodata
	.balign 16
	.globl ap_tramp_start
ap_tramp_start:
	.code16
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	xor %ebx, %ebx
	mov %ax, %bx
	shl $4, %ebx                   /* linear address of this page */

	leal OFF(tramp_gdt)(%ebx), %eax
	movl %eax, OFF(tramp_gdtr) + 2
	leal OFF(tramp_long)(%ebx), %eax
	movl %eax, OFF(tramp_far)
	lgdtl OFF(tramp_gdtr)

	movl %cr4, %eax
	orl $0x20, %eax                /* PAE */
	movl %eax, %cr4
	movl OFF(ap_tramp_cr3), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x900, %eax               /* LME | NXE */
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax          /* PG | PE */
	movl %eax, %cr0
	ljmpl *OFF(tramp_far)

	.code64
tramp_long:
	mov $SEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov ap_tramp_stack(%rip), %rsp
	mov ap_tramp_percpu(%rip), %rdi
	mov ap_tramp_entry(%rip), %rax
	xor %ebp, %ebp
	jmp *%rax

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00af9b000000ffff
	.quad 0x00cf93000000ffff
tramp_gdtr:
	.short 3 * 8 - 1
	.long 0
	.balign 4
tramp_far:
	.long 0
	.short SEL_CODE
	.balign 8
	.globl ap_tramp_cr3, ap_tramp_stack, ap_tramp_percpu, ap_tramp_entry
ap_tramp_cr3:
	.quad 0
ap_tramp_stack:
	.quad 0
ap_tramp_percpu:
	.quad 0
ap_tramp_entry:
	.quad 0
	.globl ap_tramp_end
ap_tramp_end:
