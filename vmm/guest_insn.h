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
/* Where a fetch stopped early because of a guest page fault. */
struct fetch_fault {
	bool faulted;
	u64 lin;       /* the address the guest's #PF names */
	u32 error;     /* its error code */
};
/*
 * Copies up to X86_MAX_INSN_LEN bytes at CS:RIP, stopping early at a page
 * the guest cannot read (then *f says where, for a #PF if the instruction
 * needs bytes from it). Returns the count, or a negative error when not
 * even the first byte could be read.
 */
int insn_fetch(struct vcpu *v, u8 *buf, struct fetch_fault *f);
/* Length of the instruction at RIP, or a negative error. */
int insn_length_at_rip(struct vcpu *v);
/* The instruction at RIP as MOV to a control register (0F 22 /r): the
 * CR number and source GPR; a negative error when it is not one. */
int insn_mov_to_cr(struct vcpu *v, int *cr, int *gpr);

#endif
