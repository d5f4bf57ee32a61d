// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reserved bits and invalid combinations (issue 16, item 4): at CPL 0,
 * each write of a value the CPU refuses -- CR0 PG without PE, NW without
 * CD, bits 63:32, paging off in 64-bit mode; CR3 bits above MAXPHYADDR;
 * CR4 all ones, bits the guest is not offered, PCIDE outside IA-32e mode
 * or with a PCID in CR3; EFER reserved bits and SVME, LME changed under
 * paging; PAT memory types 2, 3, 8; DEBUGCTL reserved bits; DR6/DR7 bits
 * 63:32 -- must raise #GP and leave the register as it was, never reach
 * the VMCB/VMCS (where VMRUN or VM entry would refuse it and the
 * partition be stopped); valid values are taken. CR0 writes go once as
 * they are and once with CR0.NE flipped, which VT-x makes the hypervisor
 * carry out (it owns NE). Then a single step over STI (the trap lands in
 * its interrupt shadow: VM entry needs the pending single step recorded,
 * SDM Vol. 3C 26.3.1.5), and, in 32-bit mode, PAE paging turned on by a
 * write the hypervisor carries out (it loads the PDPTEs; a reserved bit
 * in one is #GP) and CPUID at EIP 0xfffffffe, which the hypervisor
 * completes: EIP wraps to 0 (a RIP above 4 GiB outside 64-bit mode fails
 * VM entry).
 */
#include "guest.h"

#ifdef __x86_64__
#define FLAGS_AT_SP "(%%rsp)"
#define OPW "q"
#define BITS "64"
#else
#define FLAGS_AT_SP "(%%esp)"
#define OPW "l"
#define BITS "32"
#endif

#define CR0_PE (1u << 0)
#define CR0_NE (1u << 5)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_PGE (1u << 7)
#define CR4_VMXE (1u << 13)
#define CR4_PCIDE (1u << 17)
#define MSR_EFER 0xc0000080
#define MSR_PAT 0x277
#define MSR_DEBUGCTL 0x1d9

static u32 refused, taken;

#define READ_CR(n)                                                               \
	static inline uword read_cr##n(void)                                     \
	{                                                                        \
		uword v;                                                         \
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v));            \
		return v;                                                        \
	}
#define TRY_CR(n)                                                                \
	static __attribute__((unused)) int try_cr##n(uword v)                    \
	{                                                                        \
		exceptions_reset();                                              \
		__asm__ __volatile__(MOVP " $1f, %0\n\tmov %1, %%cr" #n "\n1:"   \
				     : "=m"(fixup_ip) : "r"(v) : "memory");     \
		fixup_ip = 0;                                                    \
		return last_vector;                                              \
	}
READ_CR(0) READ_CR(3) READ_CR(4)
TRY_CR(0) TRY_CR(3) TRY_CR(4)

static inline __attribute__((unused)) uword read_dr(int n)
{
	uword v;
	if (n == 6)
		__asm__ __volatile__("mov %%db6, %0" : "=r"(v));
	else
		__asm__ __volatile__("mov %%db7, %0" : "=r"(v));
	return v;
}

static __attribute__((unused)) int try_dr(int n, uword v)
{
	exceptions_reset();
	if (n == 6)
		__asm__ __volatile__(MOVP " $1f, %0\n\tmov %1, %%db6\n1:"
				     : "=m"(fixup_ip) : "r"(v) : "memory");
	else
		__asm__ __volatile__(MOVP " $1f, %0\n\tmov %1, %%db7\n1:"
				     : "=m"(fixup_ip) : "r"(v) : "memory");
	fixup_ip = 0;
	return last_vector;
}

/* An invalid write: #GP, and the register reads as before. */
static void refuse_at(int line, const char *what, int vec, u64 before, u64 after)
{
	if (vec != 13 || before != after) {
		printf("CHECK FAILED rsvd.c:%d: %s: vector %d (want 13), %llx -> %llx\n", line,
		       what, vec, (unsigned long long)before, (unsigned long long)after);
		failures++;
	}
	refused++;
}

/* A valid write: no fault, and the register reads the value. */
static void take_at(int line, const char *what, int vec, u64 want, u64 got)
{
	if (vec != -1 || want != got) {
		printf("CHECK FAILED rsvd.c:%d: %s: vector %d (want none), %llx != %llx\n", line,
		       what, vec, (unsigned long long)want, (unsigned long long)got);
		failures++;
	}
	taken++;
}
#ifdef RSVD_TRACE
#define TRACE(what) printf("try %s\n", what)
#else
#define TRACE(what) ((void)0)
#endif
/*
 * The build for an emulator that departs from the manuals where the CPU
 * itself acts (its own MOV to a control register takes values the manuals
 * refuse, say; the hypervisor does not intercept those writes) names the
 * checks it fails here, "|name|name|", and they are left out there
 * (tests/guests/guests.mk says which and why).
 */
#ifdef RSVD_QEMU_TCG
/*
 * The build for QEMU 7.2 TCG (tests/guest_tests.sh): its own MOV to CR0
 * checks nothing (PG without PE, NW without CD, bits 63:32 and paging off
 * in 64-bit mode are all taken) and its MOV to CR3 no reserved bit --
 * AMD-V intercepts neither, and QEMU's VMRUN then refuses the state,
 * where AMD's CPUs fault on the MOV; it raises the single step of STI
 * one instruction late, past the interrupt shadow; and its VMRUN stops
 * making progress with EFER.LME set and paging off (Bochs' Skylake-X and
 * ryzen take each of these as the manuals say).
 */
#define RSVD_SKIP "|CR0 PG without PE|CR0 NW without CD|CR0 bit 32|CR0 bit 63|" \
		  "CR0 paging off in 64-bit mode|CR3 bit 52|CR3 bit 62|"           \
		  "EFER.LME with paging off|STI step|"
#endif
#ifndef RSVD_SKIP
#define RSVD_SKIP ""
#endif
static u32 skipped;

static bool skip(const char *what)
{
	const char *list = RSVD_SKIP;
	size_t n = strlen(what);

	for (const char *p = list; *p; p++)
		if (*p == '|' && !memcmp(p + 1, what, n) && p[n + 1] == '|') {
			skipped++;
			return true;
		}
	return false;
}

/* REFUSE/TAKE(name, the write, expected value, the read): the write
 * first, then the read (argument order is unspecified in C). */
#define REFUSE(what, write, before, read)                                             \
	do {                                                                          \
		if (skip(what))                                                       \
			break;                                                        \
		TRACE(what);                                                          \
		int vec_ = (write);                                                   \
		u64 after_ = (read);                                                  \
		refuse_at(__LINE__, what, vec_, before, after_);                      \
	} while (0)
#define TAKE(what, write, want, read)                                                 \
	do {                                                                          \
		if (skip(what))                                                       \
			break;                                                        \
		TRACE(what);                                                          \
		int vec_ = (write);                                                   \
		u64 got_ = (read);                                                    \
		take_at(__LINE__, what, vec_, want, got_);                            \
	} while (0)

static int msr_try(u32 msr, u64 v)
{
	return wrmsr_safe(msr, v) ? -1 : last_vector;
}

static void test_cr0(void)
{
	for (int pass = 0; pass < 2; pass++) {
		uword cr0 = read_cr0(), flip = pass ? CR0_NE : 0, v;

		v = ((cr0 ^ flip) & ~(uword)CR0_PE) | CR0_PG;
		REFUSE("CR0 PG without PE", try_cr0(v), cr0, read_cr0());
		v = ((cr0 ^ flip) & ~(uword)CR0_CD) | CR0_NW;
		REFUSE("CR0 NW without CD", try_cr0(v), cr0, read_cr0());
#ifdef __x86_64__
		v = (cr0 ^ flip) | (1ULL << 32);
		REFUSE("CR0 bit 32", try_cr0(v), cr0, read_cr0());
		v = (cr0 ^ flip) | (1ULL << 63);
		REFUSE("CR0 bit 63", try_cr0(v), cr0, read_cr0());
		v = (cr0 ^ flip) & ~(uword)CR0_PG;
		REFUSE("CR0 paging off in 64-bit mode", try_cr0(v), cr0, read_cr0());
#endif
		v = (cr0 ^ flip) | CR0_CD | CR0_NW;
		TAKE("CR0 CD and NW", try_cr0(v), v, read_cr0());
		TAKE("CR0 back", try_cr0(cr0), cr0, read_cr0());
	}
}

static void test_cr4(void)
{
	uword cr4 = read_cr4(), v;
	u32 r[4];

	REFUSE("CR4 all ones", try_cr4(~(uword)0), cr4, read_cr4());
	REFUSE("CR4.VMXE (not offered)", try_cr4(cr4 | CR4_VMXE), cr4, read_cr4());
#ifdef __x86_64__
	REFUSE("CR4 bit 32", try_cr4(cr4 | (1ULL << 32)), cr4, read_cr4());
	cpuid(1, 0, r);
	if (r[2] & (1u << 17)) { /* PCID offered */
		uword cr3 = read_cr3();
		try_cr3(cr3 | 8); /* PWT: CR3[11:0] no longer 0 */
		REFUSE("CR4.PCIDE with CR3[11:0] not 0", try_cr4(cr4 | CR4_PCIDE), cr4, read_cr4());
		try_cr3(cr3);
		TAKE("CR4.PCIDE", try_cr4(cr4 | CR4_PCIDE), cr4 | CR4_PCIDE, read_cr4());
		TAKE("CR4.PCIDE off", try_cr4(cr4), cr4, read_cr4());
	}
#else
	(void)r;
	REFUSE("CR4.PCIDE outside IA-32e mode", try_cr4(cr4 | CR4_PCIDE), cr4, read_cr4());
#endif
	v = cr4 ^ CR4_PGE;
	TAKE("CR4.PGE flipped", try_cr4(v), v, read_cr4());
	TAKE("CR4 back", try_cr4(cr4), cr4, read_cr4());
}

#ifdef __x86_64__
/* CR3 in IA-32e mode: bits 63:52 and those above MAXPHYADDR are
 * reserved (SDM Vol. 3A 4.5; APM Vol. 2 3.1.2: MBZ). */
static void test_cr3(void)
{
	uword cr3 = read_cr3();

	REFUSE("CR3 bit 52", try_cr3(cr3 | (1ULL << 52)), cr3, read_cr3());
	REFUSE("CR3 bit 62", try_cr3(cr3 | (1ULL << 62)), cr3, read_cr3());
	TAKE("CR3 reloaded", try_cr3(cr3), cr3, read_cr3());
}

static void test_dr(void)
{
	uword dr6 = read_dr(6), dr7 = read_dr(7);

	REFUSE("DR6 bit 32", try_dr(6, 0xffff0ff0u | (1ULL << 32)), dr6, read_dr(6));
	REFUSE("DR7 bit 32", try_dr(7, 0x400 | (1ULL << 32)), dr7, read_dr(7));
	REFUSE("DR7 bit 63", try_dr(7, 0x400 | (1ULL << 63)), dr7, read_dr(7));
	TAKE("DR6", try_dr(6, 0xffff0ff0u), 0xffff0ff0u, read_dr(6));
	TAKE("DR7", try_dr(7, 0x400), 0x400, read_dr(7));
}
#endif

static void test_msrs(void)
{
	u64 efer = rdmsr(MSR_EFER), pat = rdmsr(MSR_PAT);

	REFUSE("EFER bit 9", msr_try(MSR_EFER, efer | (1u << 9)), efer, rdmsr(MSR_EFER));
	REFUSE("EFER.SVME (not offered)", msr_try(MSR_EFER, efer | (1u << 12)), efer,
	       rdmsr(MSR_EFER));
	REFUSE("EFER bit 63", msr_try(MSR_EFER, efer | (1ULL << 63)), efer, rdmsr(MSR_EFER));
#ifdef __x86_64__
	/* LME cannot change while paging is on (SDM Vol. 3A 10.8.5). */
	REFUSE("EFER.LME cleared under paging", msr_try(MSR_EFER, efer & ~(1ull << 8)), efer,
	       rdmsr(MSR_EFER));
#else
	TAKE("EFER.LME with paging off", msr_try(MSR_EFER, efer | (1u << 8)), efer | (1u << 8),
	     rdmsr(MSR_EFER));
#endif
	TAKE("EFER.SCE flipped", msr_try(MSR_EFER, efer ^ 1), efer ^ 1, rdmsr(MSR_EFER));
	TAKE("EFER back", msr_try(MSR_EFER, efer), efer, rdmsr(MSR_EFER));

	REFUSE("PAT type 2", msr_try(MSR_PAT, (pat & ~0xffULL) | 2), pat, rdmsr(MSR_PAT));
	REFUSE("PAT type 3", msr_try(MSR_PAT, (pat & ~0xff00ULL) | 0x300), pat, rdmsr(MSR_PAT));
	REFUSE("PAT type 8", msr_try(MSR_PAT, pat | (8ULL << 56)), pat, rdmsr(MSR_PAT));
	u64 other = 0x0001050406070100ULL; /* every valid type: 0, 1, 4, 5, 6, 7 */
	TAKE("PAT every type", msr_try(MSR_PAT, other), other, rdmsr(MSR_PAT));
	TAKE("PAT back", msr_try(MSR_PAT, pat), pat, rdmsr(MSR_PAT));

	/* DEBUGCTL: reserved bits (63:32 on both vendors) #GP; 0 is taken (LBR and BTF are not
	 * offered: the hypervisor keeps the guest's DEBUGCTL at 0). */
	REFUSE("DEBUGCTL bit 32", msr_try(MSR_DEBUGCTL, 1ULL << 32), 0, rdmsr(MSR_DEBUGCTL));
	REFUSE("DEBUGCTL bit 63", msr_try(MSR_DEBUGCTL, 1ULL << 63), 0, rdmsr(MSR_DEBUGCTL));
	TAKE("DEBUGCTL 0", msr_try(MSR_DEBUGCTL, 0), 0, rdmsr(MSR_DEBUGCTL));
}

extern const char sti_l1[], sti_l2[];

/*
 * POPF sets TF; the trap comes after STI, in STI's interrupt shadow
 * (blocking by STI), and goes through the hypervisor's #DB intercept.
 * Re-injected there with TF set, VM entry wants the pending single step
 * (BS) recorded (SDM Vol. 3C 26.3.1.5); the guest sees the #DB at the
 * instruction after STI with DR6.BS, then the next one.
 */
static void test_sti_step(void)
{
	if (skip("STI step"))
		return;
	cli();
	step_n = 0;
	step_rec = true;
	__asm__ __volatile__("pushf\n\t"
			     "or" OPW " $0x100, " FLAGS_AT_SP "\n\t"
			     "popf\n\t"
			     "sti\n"
			     "sti_l1: nop\n"
			     "sti_l2: pushf\n\t"
			     "and" OPW " $~0x100, " FLAGS_AT_SP "\n\t"
			     "popf\n\t"
			     "cli" ::: "memory", "cc");
	step_rec = false;
	bool ok = step_n >= 2 && step_ip[0] == (uword)sti_l1 && (step_dr6[0] & (1u << 14)) &&
		  step_ip[1] == (uword)sti_l2;
	if (!ok)
		printf("CHECK FAILED rsvd.c: STI step: %u traps, first at %lx (want %lx) DR6 %lx, "
		       "then %lx (want %lx)\n", step_n, (unsigned long)step_ip[0],
		       (unsigned long)sti_l1, (unsigned long)step_dr6[0], (unsigned long)step_ip[1],
		       (unsigned long)sti_l2);
	CHECK(ok);
	if (ok)
		printf("rsvd: a single step over STI trapped in its shadow with DR6.BS, then stepped on\n");
}

#ifndef __x86_64__
/*
 * PAE paging (32-bit): turned on, once as it is and once with CR0.NE
 * flipped -- then VT-x makes the hypervisor carry the write out, and it
 * must load the four PDPTEs into the VMCS as the CPU's own MOV loads
 * them (VM entry takes them from there) -- a load through it reads what
 * is there, and off again. On Intel, a PDPTE with a reserved bit makes
 * the write #GP (SDM Vol. 2A MOV to CR; Vol. 3A 4.4.1); AMD-V does not
 * intercept CR0, and this hypervisor leaves that check to the CPU there.
 */
static u64 pae_pdpt[4] __attribute__((aligned(32)));
static u64 pae_pd[512] __attribute__((aligned(4096)));
static volatile u32 pae_probe = 0x5a5aa5a5;

static void test_pae(void)
{
	uword cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();

	for (u32 i = 0; i < 512; i++)
		pae_pd[i] = ((u64)i << 21) | 0x83; /* 2 MiB, present, writable */
	pae_pdpt[0] = (u32)(uword)pae_pd | 1;
	try_cr3((uword)pae_pdpt);
	try_cr4(cr4 | (1u << 5));
	for (int pass = 0; pass < 2; pass++) {
		uword flip = pass ? CR0_NE : 0, v = (cr0 ^ flip) | CR0_PG;
		TAKE("PAE paging on", try_cr0(v), v, read_cr0());
		CHECK_EQ(pae_probe, 0x5a5aa5a5);
		TAKE("PAE paging off", try_cr0(cr0), cr0, read_cr0());
		if (!cpu_is_amd()) {
			pae_pdpt[1] = 0x100000 | 1 | 2; /* bit 1 is reserved */
			REFUSE("PAE PDPTE reserved bit", try_cr0(v), cr0, read_cr0());
			pae_pdpt[1] = 0;
		}
	}
	try_cr4(cr4);
	try_cr3(cr3);
}

/*
 * CPUID at EIP 0xfffffffe of a code segment based just past it: the
 * hypervisor completes CPUID, and the next EIP is 0 (EIP wraps within a
 * 32-bit code segment; RIP bits 63:32 set outside 64-bit mode fail VM
 * entry, SDM Vol. 3C 26.3.1.4). At EIP 0 a far jump goes back.
 */
static u64 wrap_gdt[4] __attribute__((aligned(8)));
static u8 wrap_code[16];
extern const char wrap_back[];

static void test_eip_wrap(void)
{
	struct __attribute__((packed)) { u16 limit; u32 base; } old, gd;
	u32 base = (u32)(uword)wrap_code + 2, back = (u32)(uword)wrap_back;

	wrap_code[0] = 0x0f; /* cpuid */
	wrap_code[1] = 0xa2;
	wrap_code[2] = 0xea; /* ljmp $0x08, $wrap_back */
	memcpy(&wrap_code[3], &back, 4);
	wrap_code[7] = 0x08;
	wrap_code[8] = 0x00;
	__asm__ __volatile__("sgdt %0" : "=m"(old));
	memcpy(wrap_gdt, (void *)(uword)old.base, 3 * sizeof(u64));
	/* A flat-limit 32-bit code segment based at wrap_code + 2. */
	wrap_gdt[3] = 0x00cf9b000000ffffULL | ((u64)(base & 0xffffff) << 16) |
		      ((u64)(base >> 24) << 56);
	gd.limit = sizeof(wrap_gdt) - 1;
	gd.base = (u32)(uword)wrap_gdt;
	u32 eax = 0;
	__asm__ __volatile__("lgdt %1\n\t"
			     "xor %%ecx, %%ecx\n\t"
			     "ljmp $0x18, $0xfffffffe\n"
			     ".globl wrap_back\n"
			     "wrap_back:\n\t"
			     "lgdt %2"
			     : "+a"(eax)
			     : "m"(gd), "m"(old)
			     : "ebx", "ecx", "edx", "memory");
	CHECK(eax != 0); /* CPUID leaf 0 ran: the highest leaf */
	if (eax)
		printf("rsvd: CPUID at EIP 0xfffffffe went on at EIP 0\n");
}
#endif

int guest_main(u32 vcpu, u64 mem)
{
	(void)vcpu;
	(void)mem;
	test_cr0();
	test_cr4();
#ifdef __x86_64__
	test_cr3();
	test_dr();
#endif
	test_msrs();
#ifndef __x86_64__
	test_pae();
#endif
	if (skipped)
		printf("rsvd: %u checks left out for this emulator\n", skipped);
	if (!failures)
		printf("rsvd: " BITS "-bit: %u invalid writes #GP with the register unchanged, "
		       "%u valid ones taken\n", refused, taken);
	test_sti_step();
#ifndef __x86_64__
	test_eip_wrap();
#endif
	return 0;
}
