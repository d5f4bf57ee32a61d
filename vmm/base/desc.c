// SPDX-License-Identifier: GPL-2.0-only
/* GDT, TSS and IDT setup. */
#include "vmm/base/desc.h"
#include "vmm/base/trap.h"
#include "vmm/base/percpu.h"

static struct idt_entry idt[256] __aligned(16);
extern char trap_stubs_start[];

void gdt_init(struct gdt *gdt, struct tss *tss)
{
	u64 base = (u64)(uintptr_t)tss;
	u64 limit = sizeof(*tss) - 1;

	gdt->entry[0] = 0;
	gdt->entry[1] = GDT_CODE64;
	gdt->entry[2] = GDT_DATA;
	/* 64-bit available TSS descriptor, two slots (SDM Vol. 3A 8.2.3). */
	gdt->entry[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
			(((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt->entry[4] = base >> 32;
	tss->iomap_base = sizeof(*tss); /* no I/O bitmap */
}

void gdt_load(struct gdt *gdt)
{
	struct desc_ptr p = { sizeof(*gdt) - 1, (u64)(uintptr_t)gdt };

	lgdt(&p);
	__asm__ __volatile__("pushq %0\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "mov %1, %%eax\n\t"
			     "mov %%eax, %%ds\n\t"
			     "mov %%eax, %%es\n\t"
			     "mov %%eax, %%ss\n\t"
			     :
			     : "i"((u64)SEL_CODE), "i"(SEL_DATA)
			     : "rax", "memory");
	ltr(SEL_TSS);
}

static void set_gate(unsigned vec, u64 handler, u8 ist)
{
	idt[vec].offset_lo = handler & 0xffff;
	idt[vec].selector = SEL_CODE;
	idt[vec].ist = ist;
	idt[vec].type_attr = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	idt[vec].offset_mid = (handler >> 16) & 0xffff;
	idt[vec].offset_hi = (u32)(handler >> 32);
	idt[vec].reserved = 0;
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		u8 ist = 0;
		/* NMI, #DF and #MC can arrive on a corrupt stack: give them
		 * known-good ones (SDM Vol. 3A 6.14.5). */
		if (v == VEC_NMI)
			ist = IST_NMI;
		else if (v == VEC_DF)
			ist = IST_DF;
		else if (v == VEC_MC)
			ist = IST_MC;
		set_gate(v, (u64)(uintptr_t)trap_stubs_start + 16 * v, ist);
	}
}

void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	lidt(&p);
}
