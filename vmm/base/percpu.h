/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-CPU data, reached through the GS base so every CPU finds its own. */
#ifndef VMM_BASE_PERCPU_H
#define VMM_BASE_PERCPU_H

#include "vmm/base/types.h"
#include "vmm/base/desc.h"

#define MAX_CPUS 256
#define CPU_STACK_SIZE KiB(16)
#define IST_STACK_SIZE KiB(8)

enum ist_index { IST_NMI = 1, IST_DF = 2, IST_MC = 3, IST_COUNT = 3 };

struct percpu {
	struct percpu *self; /* must stay first: this_cpu() reads %gs:0 */
	u32 cpu;             /* logical index, 0 = boot CPU */
	u32 apic_id;
	u64 stack_top;
	volatile bool online;
	u64 exceptions;      /* exceptions taken on this CPU (diagnostics) */
	u64 nmis, nmis_reported, last_nmi_rip; /* unexpected NMIs (trap.c) */
	struct gdt gdt;
	struct tss tss __aligned(16);
	u8 *ist_stack[IST_COUNT + 1];
};

extern struct percpu *cpus[MAX_CPUS];
extern u32 nr_cpus;        /* CPUs described by firmware and usable */
extern u32 nr_cpus_online;

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ __volatile__("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Safe before the per-CPU area is set up: the GS base is 0 until then. */
u32 this_cpu_id(void);

void percpu_init_bsp(void);
struct percpu *percpu_alloc(u32 cpu, u32 apic_id);
void percpu_activate(struct percpu *p);

#endif
