// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/base/percpu.h"
#include "vmm/base/heap.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/pmm.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"

struct percpu *cpus[MAX_CPUS];
u32 nr_cpus;
u32 nr_cpus_online;

static struct percpu bsp_percpu __aligned(64);
static u8 bsp_ist[IST_COUNT][IST_STACK_SIZE] __aligned(16);
static bool percpu_ready;
extern char boot_stack_top[];

u32 this_cpu_id(void)
{
	return percpu_ready ? this_cpu()->cpu : 0;
}

void percpu_activate(struct percpu *p)
{
	gdt_init(&p->gdt, &p->tss);
	for (int i = 1; i <= IST_COUNT; i++)
		p->tss.ist[i - 1] = (u64)(uintptr_t)(p->ist_stack[i] + IST_STACK_SIZE);
	gdt_load(&p->gdt);
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)p);
	idt_load();
}

void percpu_init_bsp(void)
{
	struct percpu *p = &bsp_percpu;

	p->self = p;
	p->cpu = 0;
	p->stack_top = (u64)(uintptr_t)boot_stack_top;
	for (int i = 1; i <= IST_COUNT; i++)
		p->ist_stack[i] = bsp_ist[i - 1];
	cpus[0] = p;
	percpu_activate(p);
	percpu_ready = true;
}

static u8 *alloc_stack(u64 size)
{
	paddr_t pa = pmm_alloc_zeroed(size / PAGE_SIZE, PAGE_SIZE, 0);
	return pa ? phys_to_virt(pa) : NULL;
}

struct percpu *percpu_alloc(u32 cpu, u32 apic_id)
{
	if (cpu >= MAX_CPUS)
		return NULL;
	struct percpu *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	u8 *stack = alloc_stack(CPU_STACK_SIZE);
	if (!stack) {
		kfree(p);
		return NULL;
	}
	p->self = p;
	p->cpu = cpu;
	p->apic_id = apic_id;
	p->stack_top = (u64)(uintptr_t)(stack + CPU_STACK_SIZE);
	for (int i = 1; i <= IST_COUNT; i++) {
		p->ist_stack[i] = alloc_stack(IST_STACK_SIZE);
		if (!p->ist_stack[i])
			return NULL; /* boot-time only: the leak does not matter */
	}
	cpus[cpu] = p;
	return p;
}
