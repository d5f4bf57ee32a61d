/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_TRAP_H
#define VMM_BASE_TRAP_H

#include "vmm/base/types.h"

/* Saved by trap_common in this order; layout checked in trap.c. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

#define VEC_NMI 2
#define VEC_DF 8
#define VEC_PF 14
#define VEC_MC 18
#define VEC_SX 30
#define VEC_FIRST_IRQ 32
#define VEC_TIMER 0xf0
#define VEC_IPI_RESCHED 0xf1
#define VEC_IPI_CALL 0xf2
#define VEC_IOMMU 0xf3 /* an IOMMU recorded a fault */
#define VEC_APIC_ERROR 0xfe
#define VEC_SPURIOUS 0xff

typedef void (*irq_handler_fn)(struct trap_frame *f);
/* Says in the log how many unexpected NMIs this CPU took since it last
 * said so (the NMI handler itself takes no lock); outside NMI context. */
void trap_report_nmis(void);
void irq_register(u8 vector, irq_handler_fn fn);

/* Prints registers and a backtrace of a frame (panic and fault reports). */
void dump_frame(const struct trap_frame *f);
void backtrace_from(u64 rbp, u64 rip);

/*
 * An instruction that may fault (rdmsr of an MSR the CPU may lack):
 * if it does, execution resumes at fixup instead of crashing.
 */
struct extable_entry {
	u64 insn;
	u64 fixup;
};

bool rdmsr_safe(u32 msr, u64 *val);
bool wrmsr_safe(u32 msr, u64 val);

#endif
