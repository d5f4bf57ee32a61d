/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exception and interrupt entry. One 16-byte stub per vector pushes a
 * dummy error code where the CPU does not (SDM Vol. 3A 6.15 lists the
 * vectors that have one) and the vector number, then joins trap_common,
 * which saves struct trap_frame and calls trap_dispatch().
 */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
		      (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 16
	.globl trap_stubs_start
trap_stubs_start:
.altmacro
.macro stub v
	.balign 16
	.if !HAS_ERROR(\v)
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
.endm
.set vec, 0
.rept 256
	stub %vec
	.set vec, vec + 1
.endr

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	mov %rsp, %rdi
	cld
	call trap_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	add $16, %rsp
	iretq

/* bool rdmsr_safe(u32 msr, u64 *val) */
	.globl rdmsr_safe
rdmsr_safe:
	mov %edi, %ecx
1:	rdmsr
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, (%rsi)
	mov $1, %eax
	ret
2:	xor %eax, %eax
	ret
	.pushsection .extable, "a"
	.quad 1b, 2b
	.popsection

/* bool wrmsr_safe(u32 msr, u64 val) */
	.globl wrmsr_safe
wrmsr_safe:
	mov %edi, %ecx
	mov %rsi, %rax
	mov %rsi, %rdx
	shr $32, %rdx
1:	wrmsr
	mov $1, %eax
	ret
2:	xor %eax, %eax
	ret
	.pushsection .extable, "a"
	.quad 1b, 2b
	.popsection
