/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading and measuring the guest instruction at RIP. */
#ifndef VMM_GUEST_INSN_H
#define VMM_GUEST_INSN_H

#include "vmm/vcpu.h"
#include "vmm/insn/decode.h"

/* The vCPU's code-segment mode (real, 16/32-bit protected, 64-bit). */
enum x86_mode vcpu_cpu_mode(struct vcpu *v);
/* Linear address of CS:offset (segment base; 64-bit mode ignores it). */
u64 vcpu_linear(struct vcpu *v, enum seg_reg seg, u64 offset);
/* Whether `size` bytes at seg:offset may be read (or written) through
 * the segment, as the CPU checks a data access before paging (SDM Vol.
 * 3A 5.3-5.6): usable, of a readable or writable type, within its limit
 * (expand-up or expand-down); in 64-bit mode, canonical. Returns 0, or
 * the vector the guest gets (#GP, or #SS for SS). */
int vcpu_seg_check(struct vcpu *v, enum seg_reg seg, u64 offset, u32 size, bool write);
/*
 * Copies up to X86_MAX_INSN_LEN bytes at CS:RIP, stopping early at a page
 * the guest cannot read. Returns the count, or a negative error (with
 * *pf_error set when the first byte itself faults).
 */
int insn_fetch(struct vcpu *v, u8 *buf, u32 *pf_error);
/* Length of the instruction at RIP, or a negative error. */
int insn_length_at_rip(struct vcpu *v);
/* The instruction at RIP as MOV to a control register (0F 22 /r): the
 * CR number and source GPR; a negative error when it is not one. */
int insn_mov_to_cr(struct vcpu *v, int *cr, int *gpr);

#endif
