/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny runtime for test guests: console and results through the
 * hypervisor's test device, checks, hypercalls, MSR and CPUID helpers,
 * exception handling with fix-ups, and the local APIC. Builds for 32-bit
 * protected mode and 64-bit long mode.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "partitions/hv_abi.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef unsigned long uword;

/* mov of a pointer-sized immediate, for asm that names no register. */
#ifdef __x86_64__
#define MOVP "movq"
#else
#define MOVP "movl"
#endif

#define MAX_GUEST_VCPUS 8
#define VEC_TIMER 0x40
#define VEC_IPI 0x41
#define VEC_SPURIOUS 0xff
#define APIC_MMIO 0xfee00000u

/* Provided by each guest: runs on vCPU 0; returns the number of failures. */
int guest_main(u32 vcpu, u64 mem);
/* Optional: what the other vCPUs run (they halt by default). */
void guest_ap(u32 vcpu);

static inline void outb(u16 p, u8 v) { __asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outw(u16 p, u16 v) { __asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outl(u16 p, u32 v) { __asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(p)); }
static inline u8 inb(u16 p) { u8 v; __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline u16 inw(u16 p) { u16 v; __asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline u32 inl(u16 p) { u32 v; __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
static inline void cpuid(u32 leaf, u32 sub, u32 r[4])
{
	__asm__ __volatile__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(sub));
}
static inline void sti(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void cli(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ __volatile__("hlt" ::: "memory"); }
static inline void sti_hlt(void) { __asm__ __volatile__("sti; hlt" ::: "memory"); }
static inline void pause(void) { __asm__ __volatile__("pause" ::: "memory"); }
/* CMOS RTC register or RAM byte (index port 0x70, data 0x71). */
static inline u8 cmos(u8 idx) { outb(0x70, idx); return inb(0x71); }
static inline void cmos_set(u8 idx, u8 v) { outb(0x70, idx); outb(0x71, v); }
static inline u64 mmio_read64(uword a) { return *(volatile u64 *)a; }

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Console (test device port 0x500) and a small printf: %s %c %d %u %x
 * %lx %llx %lu %llu %p. */
void putc_dev(char c);
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checks: a failure prints the expression and counts. */
extern int failures;
#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			printf("CHECK FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                              \
		}                                                                \
	} while (0)
#define CHECK_EQ(a, b)                                                           \
	do {                                                                     \
		u64 _a = (u64)(a), _b = (u64)(b);                                \
		if (_a != _b) {                                                  \
			printf("CHECK FAILED %s:%d: %s == %s (%llx != %llx)\n",  \
			       __FILE__, __LINE__, #a, #b, (unsigned long long)_a, \
			       (unsigned long long)_b);                          \
			failures++;                                              \
		}                                                                \
	} while (0)

/* Ends the partition with a result (0 = pass) through port 0x504. */
void __attribute__((noreturn)) guest_exit(u32 code);

/* Hypercalls: VMMCALL on AMD, VMCALL on Intel, picked from CPUID. */
s64 hypercall(u64 nr, u64 a0, u64 a1, u64 a2);
bool cpu_is_amd(void);

/* Exceptions: vector of the last one, -1 if none since the reset. */
extern volatile int last_vector;
extern volatile uword last_error;
/* CR2 at the last #PF (readable at any CPL). */
extern volatile uword last_cr2;
/* Where the exception handler resumes after a fault it was told about. */
extern volatile uword fixup_ip;
/* Runs one instruction (asm text) that may fault; evaluates to the vector
 * it raised, or -1. */
#define TRY_INSN(insn)                                                           \
	({                                                                       \
		exceptions_reset();                                              \
		__asm__ __volatile__(MOVP " $1f, %0\n\t" insn "\n1:"            \
				     : "=m"(fixup_ip)::"ax", "cx", "dx", "memory"); \
		fixup_ip = 0;                                                    \
		last_vector;                                                     \
	})
void exceptions_reset(void);
/* Single-step recording: while step_rec is set, each #DB is logged (where
 * it trapped and DR6, which the handler then resets) and stepping goes
 * on; the stepped code clears TF itself. */
#define STEP_MAX 24
extern volatile bool step_rec;
extern volatile u32 step_n;
extern volatile uword step_ip[STEP_MAX], step_dr6[STEP_MAX];
/* NMIs taken so far. */
extern volatile u32 nmi_count;
/* Called from the NMI handler, after the count (NULL: nothing). */
extern void (*volatile nmi_hook)(void);
/* MSR access that survives #GP: returns false when it faulted. */
bool rdmsr_safe(u32 msr, u64 *val);
bool wrmsr_safe(u32 msr, u64 val);
u64 rdmsr(u32 msr);
void wrmsr(u32 msr, u64 val);

/* 64-bit only: runs fn at CPL 3 with IOPL 3 on the given stack (both in
 * pages the guest made user-accessible) and returns when it does. */
void run_user(void (*fn)(void), void *stack);

/* Descriptor tables and interrupt vectors for this vCPU. */
void cpu_tables_init(u32 vcpu);
typedef void (*irq_fn)(void);
void set_irq_handler(u8 vector, irq_fn fn);

/* Local APIC in whichever mode is on (xAPIC MMIO or x2APIC MSRs). */
bool apic_x2apic(void);
void apic_enable(bool x2apic);
u32 apic_read(u32 reg);
void apic_write(u32 reg, u32 val);
void apic_eoi(void);
/* Set (NULL: unset) for the calling vCPU: apic_eoi() follows Hyper-V's
 * EOI assist with this word of its VP assist page (counting the EOIs it
 * skipped, all vCPUs together). */
void eoi_assist_use(volatile u32 *word);
extern u32 eoi_skipped;
/* Which vCPU the caller is (from its stack: no exit). */
u32 guest_vcpu_index(void);
u32 apic_id(void);
void apic_send_ipi(u32 dest, u32 lo);

/* Hypervisor vendor leaf base, 0 if absent. */
u32 hv_cpuid_base(void);

/* xorshift64* */
u64 rand64(u64 *state);

#endif
