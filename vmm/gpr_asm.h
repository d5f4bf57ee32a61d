/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest GPR moves shared by the SVM and VMX entry stubs: every register
 * both vendors keep in gpr[] (RAX and RSP differ: the VMCB holds both,
 * the VMCS only RSP; RDI is the gpr[] pointer itself, moved last/first).
 */
#ifndef VMM_GPR_ASM_H
#define VMM_GPR_ASM_H

#include "vmm/gpr.h"

#define G(r) (GPR_##r * 8)

.macro load_guest_gprs base
	mov G(RCX)(\base), %rcx
	mov G(RDX)(\base), %rdx
	mov G(RBX)(\base), %rbx
	mov G(RBP)(\base), %rbp
	mov G(RSI)(\base), %rsi
	mov G(R8)(\base), %r8
	mov G(R9)(\base), %r9
	mov G(R10)(\base), %r10
	mov G(R11)(\base), %r11
	mov G(R12)(\base), %r12
	mov G(R13)(\base), %r13
	mov G(R14)(\base), %r14
	mov G(R15)(\base), %r15
.endm

.macro store_guest_gprs base
	mov %rcx, G(RCX)(\base)
	mov %rdx, G(RDX)(\base)
	mov %rbx, G(RBX)(\base)
	mov %rbp, G(RBP)(\base)
	mov %rsi, G(RSI)(\base)
	mov %r8, G(R8)(\base)
	mov %r9, G(R9)(\base)
	mov %r10, G(R10)(\base)
	mov %r11, G(R11)(\base)
	mov %r12, G(R12)(\base)
	mov %r13, G(R13)(\base)
	mov %r14, G(R14)(\base)
	mov %r15, G(R15)(\base)
.endm

/* Callee-saved registers of the SysV ABI around a guest entry. */
.macro push_host_regs
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro pop_host_regs
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
.endm

/*
 * Speculation barriers of the entry stubs (vmm/spec.h). fill_rsb puts 32
 * harmless return addresses in the return stack buffer, so that no
 * return the hypervisor makes after a VM exit is predicted from entries
 * the guest left there (the sequence Linux and KVM use: pairs of calls
 * whose speculated returns land on INT3). maybe_verw clears the CPU's
 * buffers before VM entry where spec_verw_flag says so (MDS, TAA). Both
 * clobber nothing the stubs still need: fill_rsb uses \reg, maybe_verw
 * the flags.
 */
.macro fill_rsb reg
	mov $16, \reg
771:
	call 772f
	int3
772:
	call 773f
	int3
773:
	dec \reg
	jnz 771b
	add $(8 * 32), %rsp
.endm

.macro maybe_verw
	cmpb $0, spec_verw_flag(%rip)
	je 774f
	verw spec_verw_sel(%rip)
774:
.endm

#endif
