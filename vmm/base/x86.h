/* SPDX-License-Identifier: GPL-2.0-only */
/* Thin wrappers around x86 instructions and architectural constants. */
#ifndef VMM_BASE_X86_H
#define VMM_BASE_X86_H

#include "vmm/base/types.h"

#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_AM BIT(18)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)

#define CR4_VME BIT(0)
#define CR4_PVI BIT(1)
#define CR4_TSD BIT(2)
#define CR4_DE BIT(3)
#define CR4_PSE BIT(4)
#define CR4_PAE BIT(5)
#define CR4_MCE BIT(6)
#define CR4_PGE BIT(7)
#define CR4_PCE BIT(8)
#define CR4_OSFXSR BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_UMIP BIT(11)
#define CR4_LA57 BIT(12)
#define CR4_VMXE BIT(13)
#define CR4_SMXE BIT(14)
#define CR4_FSGSBASE BIT(16)
#define CR4_PCIDE BIT(17)
#define CR4_OSXSAVE BIT(18)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)
#define CR4_PKE BIT(22)

#define RFLAGS_CF BIT(0)
#define RFLAGS_FIXED BIT(1)
#define RFLAGS_PF BIT(2)
#define RFLAGS_AF BIT(4)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_SF BIT(7)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_DF BIT(10)
#define RFLAGS_OF BIT(11)
#define RFLAGS_RF BIT(16)
#define RFLAGS_VM BIT(17)
#define RFLAGS_AC BIT(18)

/* DR6 status: breakpoints 0-3 hit, single step (SDM Vol. 3B 18.2.3). */
#define DR6_B0_B3 0xfULL
#define DR6_BS BIT(14)

#define MSR_APIC_BASE 0x1b
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_TSC 0x10
#define MSR_MTRRCAP 0xfe
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE 0x1a0
#define MSR_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103

#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define EFER_SVME BIT(12)

/* Page-table entry bits (SDM Vol. 3A 4.5). */
#define PTE_P BIT(0)
#define PTE_W BIT(1)
#define PTE_U BIT(2)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_A BIT(5)
#define PTE_D BIT(6)
#define PTE_PS BIT(7)
#define PTE_G BIT(8)
#define PTE_NX BIT(63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

#ifdef HV_HOST_TEST
/*
 * Host unit tests: CPUID and WRMSR reach the test's fake CPU. The
 * harness's default CPUID is the host's own (tests/unit/harness.c); a test
 * that links code writing an MSR (which faults in user mode) defines
 * host_wrmsr.
 */
void host_cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r);
void host_wrmsr(u32 msr, u64 val);

static inline void cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r)
{
	host_cpuid_count(leaf, sub, r);
}
#else
static inline void cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			     : "a"(leaf), "c"(sub));
}
#endif

static inline struct cpuid_regs cpuid(u32 leaf)
{
	struct cpuid_regs r;
	cpuid_count(leaf, 0, &r);
	return r;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

#ifdef HV_HOST_TEST
static inline void wrmsr(u32 msr, u64 val) { host_wrmsr(msr, val); }
#else
static inline void wrmsr(u32 msr, u64 val)
{
	__asm__ __volatile__("wrmsr" ::"c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
			     : "memory");
}
#endif

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void outb(u16 port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outw(u16 port, u16 v)
{
	__asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outl(u16 port, u32 v)
{
	__asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u16 inw(u16 port)
{
	u16 v;
	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u32 inl(u16 port)
{
	u32 v;
	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* One port access of `size` (1, 2 or 4) bytes: a read into *val, or a
 * write of it. */
static inline void hw_port_io(u16 port, u8 size, bool in, u32 *val)
{
	if (in)
		*val = size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
	else if (size == 1)
		outb(port, (u8)*val);
	else if (size == 2)
		outw(port, (u16)*val);
	else
		outl(port, *val);
}

/* One device-memory access of `size` (1, 2, 4 or 8) bytes at `at`: a
 * read into *val, or a write of it. */
static inline void hw_mmio_access(volatile u8 *at, u8 size, bool write, u64 *val)
{
	switch (size) {
	case 1:
		if (write)
			*at = (u8)*val;
		else
			*val = *at;
		break;
	case 2:
		if (write)
			*(volatile u16 *)at = (u16)*val;
		else
			*val = *(volatile u16 *)at;
		break;
	case 4:
		if (write)
			*(volatile u32 *)at = (u32)*val;
		else
			*val = *(volatile u32 *)at;
		break;
	default:
		if (write)
			*(volatile u64 *)at = *val;
		else
			*val = *(volatile u64 *)at;
		break;
	}
}

#define DEFINE_CR_ACCESSORS(n)                                                   \
	static inline u64 read_cr##n(void)                                       \
	{                                                                        \
		u64 v;                                                           \
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v));            \
		return v;                                                        \
	}                                                                        \
	static inline void write_cr##n(u64 v)                                    \
	{                                                                        \
		__asm__ __volatile__("mov %0, %%cr" #n ::"r"(v) : "memory");     \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

#define DEFINE_DR_ACCESSORS(n)                                                   \
	static inline u64 read_dr##n(void)                                       \
	{                                                                        \
		u64 v;                                                           \
		__asm__ __volatile__("mov %%db" #n ", %0" : "=r"(v));            \
		return v;                                                        \
	}                                                                        \
	static inline void write_dr##n(u64 v)                                    \
	{                                                                        \
		__asm__ __volatile__("mov %0, %%db" #n ::"r"(v) : "memory");     \
	}
static inline u64 xgetbv(u32 index)
{
	u32 lo, hi;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
	return ((u64)hi << 32) | lo;
}

static inline void xsetbv(u32 index, u64 val)
{
	__asm__ __volatile__("xsetbv" ::"c"(index), "a"((u32)val), "d"((u32)(val >> 32)));
}

DEFINE_DR_ACCESSORS(0)
DEFINE_DR_ACCESSORS(1)
DEFINE_DR_ACCESSORS(2)
DEFINE_DR_ACCESSORS(3)
DEFINE_DR_ACCESSORS(6)
DEFINE_DR_ACCESSORS(7)
#undef DEFINE_DR_ACCESSORS

static inline u64 read_rflags(void)
{
	u64 f;
	__asm__ __volatile__("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline void cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
static inline void irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void irq_enable(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void cpu_hlt(void) { __asm__ __volatile__("hlt" ::: "memory"); }

static inline bool irqs_enabled(void) { return read_rflags() & RFLAGS_IF; }

#ifdef HV_HOST_TEST
/* Host unit tests run in user mode, where cli/sti would fault. */
static inline u64 irq_save(void) { return 0; }
static inline void irq_restore(u64 flags) { (void)flags; }
#else
static inline u64 irq_save(void)
{
	u64 f = read_rflags();
	irq_disable();
	return f;
}

static inline void irq_restore(u64 flags)
{
	if (flags & RFLAGS_IF)
		irq_enable();
}
#endif

static inline void invlpg(u64 va)
{
	__asm__ __volatile__("invlpg (%0)" ::"r"(va) : "memory");
}

static inline void wbinvd(void) { __asm__ __volatile__("wbinvd" ::: "memory"); }

static inline void io_delay(void) { outb(0x80, 0); }

/* Every entry of a PAT value a valid memory type: UC, WC, WT, WP, WB or
 * UC- (SDM Vol. 3A 12.12.2; APM Vol. 2 7.8.1); 2, 3 and 8-255 are
 * reserved, refused by WRMSR and by VMRUN/VM entry alike. */
static inline bool pat_types_valid(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(pat >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

#endif
