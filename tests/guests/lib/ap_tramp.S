/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Start-up code for a 64-bit guest's application processors, copied by
 * the BSP to AP_TRAMP (0x8000) and entered through INIT-SIPI-SIPI with
 * vector 0x08: real mode -> PAE, the BSP's CR3, EFER.LME, paging -> 64-bit
 * code -> ap_start64 with RDI = the vCPU index (the initial APIC ID from
 * CPUID leaf 1, which the hypervisor sets to the index).
 */
#define AP_TRAMP 0x8000
#define A(sym) (AP_TRAMP + (sym) - ap_tramp_start)

	.section .rodata
	.balign 16
	.globl ap_tramp_start, ap_tramp_end, ap_tramp_cr3
	.code16
ap_tramp_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	lgdtl A(tr_gdtr)
	mov %cr4, %eax
	or $0x20, %eax
	mov %eax, %cr4
	mov A(ap_tramp_cr3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax
	mov %eax, %cr0
	ljmpl *A(tr_far)

	.code64
tr_long:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $1, %eax
	cpuid
	shr $24, %ebx
	mov %ebx, %edi
	xor %esi, %esi
	movabs $ap_start64, %rax
	jmp *%rax

	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00af9b000000ffff
	.quad 0x00cf93000000ffff
tr_gdtr:
	.short 23
	.long A(tr_gdt)
tr_far:
	.long A(tr_long)
	.short 0x08
	.balign 4
ap_tramp_cr3:
	.long 0
ap_tramp_end:
	.section .note.GNU-stack, "", @progbits
