/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multiboot2 header and 32-bit entry.
 *
 * GRUB loads the image as one flat block (address tag) wherever it finds a
 * 2 MiB-aligned hole (relocatable tag) and enters here in 32-bit protected
 * mode, paging off, with EAX = magic and EBX = the boot information
 * (Multiboot2 spec 3.3). The stack is undefined, so the load address comes
 * from the load-base tag GRUB puts in the information, not from call/pop.
 *
 * We build boot page tables inside the image (identity map of the first
 * 4 GiB, plus the image at KERNEL_VBASE), enter long mode and jump to the
 * linked address. Everything here is addressed relative to %ebp = load base.
 */
#include "vmm/base/layout.h"

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB2_BOOT_MAGIC 0x36d76289
#define MB2_TAG_OPTIONAL 1
#define MB2_INFO_LOAD_BASE 21

#define OFF(sym) ((sym) - mb2_header)

	.section .boot, "awx"
	.balign 8
	.globl mb2_header
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	/* Information request: all optional, we cope with what we get. */
	.balign 8
1:	.short 1, MB2_TAG_OPTIONAL
	.long 2f - 1b
	.long 1, 3, 6, 12, 14, 15, 17, 21
2:
	/* Address tag: load the file as one flat block (a.out kludge). */
	.balign 8
1:	.short 2, 0
	.long 2f - 1b
	.long __mb2_load_pa        /* header_addr: header is at offset 0 */
	.long __mb2_load_pa        /* load_addr */
	.long __mb2_load_end_pa    /* load_end_addr */
	.long __mb2_bss_end_pa     /* bss_end_addr: GRUB zeroes .bss */
2:
	.balign 8
1:	.short 3, 0                /* entry address */
	.long 2f - 1b
	.long __mb2_entry_pa
2:
	.balign 8
1:	.short 10, 0               /* relocatable */
	.long 2f - 1b
	.long IMAGE_ALIGN          /* min_addr */
	.long 0xc0000000           /* max_addr: stay inside the 4 GiB identity map */
	.long IMAGE_ALIGN          /* align: boot tables use 2 MiB pages */
	.long 1                    /* prefer low memory */
2:
	.balign 8
	.short 0, 0                /* end */
	.long 8
mb2_header_end:

	.code32
	.globl mb2_entry32
mb2_entry32:
	cli
	cld
	cmp $MB2_BOOT_MAGIC, %eax
	jne early_fail_magic

	/* Find the load base tag; without one we were loaded at the link address. */
	mov $PHYS_LINK_BASE, %ebp
	lea 8(%ebx), %ecx
1:	mov (%ecx), %eax
	test %eax, %eax
	jz 3f
	cmp $MB2_INFO_LOAD_BASE, %eax
	jne 2f
	mov 8(%ecx), %ebp
	jmp 3f
2:	mov 4(%ecx), %eax
	add $7, %eax
	and $~7, %eax
	add %eax, %ecx
	jmp 1b
3:
	lea OFF(boot_stack32_top)(%ebp), %esp
	mov %ebx, %esi             /* keep the boot information pointer */

	/* Long mode is CPUID 0x80000001 EDX bit 29. */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb early_fail_lm
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx
	jnc early_fail_lm

	/* Identity map 0..4 GiB with 2 MiB pages: 4 page directories. */
	lea OFF(boot_pd_lo)(%ebp), %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax             /* present, writable, 2 MiB */
	mov %eax, (%edi,%ecx,8)
	mov %ecx, %eax
	shr $11, %eax              /* high dword of (ecx << 21) */
	mov %eax, 4(%edi,%ecx,8)
	inc %ecx
	cmp $2048, %ecx
	jb 1b

	lea OFF(boot_pdpt_lo)(%ebp), %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $12, %eax
	lea OFF(boot_pd_lo) + 3(%ebp,%eax), %eax
	mov %eax, (%edi,%ecx,8)
	inc %ecx
	cmp $4, %ecx
	jb 1b

	/* KERNEL_VBASE (PML4 511, PDPT 510) -> load base, 1 GiB window. */
	lea OFF(boot_pd_hi)(%ebp), %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	add %ebp, %eax
	or $0x83, %eax
	mov %eax, (%edi,%ecx,8)
	inc %ecx
	cmp $512, %ecx
	jb 1b
	lea OFF(boot_pd_hi) + 3(%ebp), %eax
	mov %eax, OFF(boot_pdpt_hi) + 510 * 8(%ebp)

	lea OFF(boot_pdpt_lo) + 3(%ebp), %eax
	mov %eax, OFF(boot_pml4)(%ebp)
	lea OFF(boot_pdpt_hi) + 3(%ebp), %eax
	mov %eax, OFF(boot_pml4) + 511 * 8(%ebp)

	/* PAE, then CR3, then EFER.LME|NXE, then paging (SDM Vol. 3A 10.8.5). */
	mov %cr4, %eax
	or $0x20, %eax
	mov %eax, %cr4
	lea OFF(boot_pml4)(%ebp), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx
	rdmsr
	or $0x900, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax
	mov %eax, %cr0

	lea OFF(boot_gdt32)(%ebp), %eax
	mov %eax, OFF(boot_gdtr32) + 2(%ebp)
	lgdt OFF(boot_gdtr32)(%ebp)
	push $0x08
	lea OFF(mb2_entry64_low)(%ebp), %eax
	push %eax
	lret

early_fail_magic:
	mov $PHYS_LINK_BASE, %ebp
	lea OFF(msg_magic)(%ebp), %esi
	jmp early_fail
early_fail_lm:
	lea OFF(msg_lm)(%ebp), %esi
early_fail:
	/* Tell a human on COM1 why we stopped; we have no console yet. */
	mov $0x3f8, %dx
1:	lodsb
	test %al, %al
	jz 2f
	out %al, %dx
	jmp 1b
2:	cli
	hlt
	jmp 2b

	.code64
mb2_entry64_low:
	movabs $mb2_entry64, %rax
	mov %esi, %edi             /* boot information (physical) */
	mov %ebp, %esi             /* load base */
	jmp *%rax

msg_magic:
	.asciz "hv: not started by a multiboot2 loader\r\n"
msg_lm:
	.asciz "hv: this CPU has no 64-bit long mode\r\n"

	.balign 8
boot_gdt32:
	.quad 0
	.quad 0x00af9a000000ffff   /* 64-bit code */
	.quad 0x00cf92000000ffff   /* data */
boot_gdtr32:
	.short 3 * 8 - 1
	.long 0

	.balign 4096
boot_pml4:
	.fill 512, 8, 0
boot_pdpt_lo:
	.fill 512, 8, 0
boot_pdpt_hi:
	.fill 512, 8, 0
boot_pd_hi:
	.fill 512, 8, 0
boot_pd_lo:
	.fill 2048, 8, 0
	.fill 256, 4, 0
boot_stack32_top:
