// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cross-partition CPU state: two of these run on the same physical CPU
 * (cpus=0), each with sentinels of its own (from its partition id) in the
 * debug registers DR0-DR3, DR6 and DR7, CR2, the SYSCALL MSRs and
 * KERNEL_GS_BASE. It sleeps through timer ticks, so the scheduler runs
 * the other one in between, and checks after each that every register
 * still holds its own value, never the other's. It also checks that CR4
 * bits for features it is not offered cannot be set (#GP), and that a
 * CR4 write the hypervisor intercepts leaves the allowed bits working.
 */
#include "guest.h"

#define ROUNDS 40
#define TIMER_COUNT 200000u /* 2 ms at the 100 MHz bus */

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

static volatile u32 ticks;

static void on_timer(void)
{
	ticks++;
}

#define DR_ACCESSORS(n)                                                          \
	static inline uword read_dr##n(void)                                     \
	{                                                                        \
		uword v;                                                         \
		__asm__ __volatile__("mov %%db" #n ", %0" : "=r"(v));            \
		return v;                                                        \
	}                                                                        \
	static inline void write_dr##n(uword v)                                  \
	{                                                                        \
		__asm__ __volatile__("mov %0, %%db" #n ::"r"(v));                \
	}
DR_ACCESSORS(0)
DR_ACCESSORS(1)
DR_ACCESSORS(2)
DR_ACCESSORS(3)
DR_ACCESSORS(6)
DR_ACCESSORS(7)

static inline uword read_cr2(void)
{
	uword v;
	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline void write_cr2(uword v)
{
	__asm__ __volatile__("mov %0, %%cr2" ::"r"(v));
}

static inline uword read_cr4(void)
{
	uword v;
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* MOV to CR4 that may fault: the vector it raised, or -1. */
static int write_cr4(uword v)
{
	exceptions_reset();
	__asm__ __volatile__(MOVP " $1f, %0\n\tmov %1, %%cr4\n1:" : "=m"(fixup_ip) : "r"(v)
			     : "memory");
	fixup_ip = 0;
	return last_vector;
}

struct sentinels {
	uword dr[4], dr6, dr7, cr2;
	u64 star, lstar, cstar, sfmask, kgs;
};

static void make(struct sentinels *s, u32 id)
{
	/* Breakpoint addresses past the partition's memory: never touched. */
	uword base = (uword)0x40000000 + (uword)0x1000 * id;

	for (int i = 0; i < 4; i++)
		s->dr[i] = base + 0x100 * (uword)i + 0x10;
	/* DR6: B0-B3 (bits 3:0) are the software-visible status; the rest
	 * reads as fixed ones. DR7: conditions and lengths of its own (bits
	 * 31:16) and LE/GE, with no breakpoint enabled: QEMU TCG crashes
	 * when a guest enables breakpoints at addresses that nothing maps
	 * (a test-only workaround; the suite guest checks one that fires). */
	s->dr6 = 0xffff0ff0u | (id & 0xf);
	s->dr7 = 0x400u | 0x300u | (id & 1 ? 0x37310000u : 0x13730000u);
	s->cr2 = base + 0xc2;
	s->star = ((u64)(0x10 + 8 * id) << 32);
	s->lstar = 0xffffffff80000000ull + base;
	s->cstar = 0xffffffff90000000ull + base;
	s->sfmask = 0x4700 | id;
	s->kgs = 0xffff888000000000ull + base;
}

static void load(const struct sentinels *s)
{
	write_dr7(0x400);
	write_dr0(s->dr[0]);
	write_dr1(s->dr[1]);
	write_dr2(s->dr[2]);
	write_dr3(s->dr[3]);
	write_dr6(s->dr6);
	write_dr7(s->dr7);
	write_cr2(s->cr2);
	wrmsr(MSR_STAR, s->star);
	wrmsr(MSR_LSTAR, s->lstar);
	wrmsr(MSR_CSTAR, s->cstar);
	wrmsr(MSR_SFMASK, s->sfmask);
	wrmsr(MSR_KERNEL_GS_BASE, s->kgs);
}

/* ---- extended state: XCR0 and the AVX registers ---- */

static bool has_xsave(void)
{
	u32 r[4];
	cpuid(1, 0, r);
	return r[2] & (1u << 26);
}


static bool avx;          /* this partition uses AVX (odd ids) */
static u64 my_xcr0;
static u8 ymm_mine[4][32] __attribute__((aligned(32)));

static inline u64 xgetbv0(void)
{
	u32 lo, hi;
	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

/* XSETBV that may fault: the vector, or -1. */
static int try_xsetbv(u32 index, u64 val)
{
	exceptions_reset();
	__asm__ __volatile__(MOVP " $1f, %0\n\txsetbv\n1:"
			     : "=m"(fixup_ip)
			     : "c"(index), "a"((u32)val), "d"((u32)(val >> 32))
			     : "memory");
	fixup_ip = 0;
	return last_vector;
}

static void load_ymm(void)
{
	__asm__ __volatile__("vmovdqu (%0), %%ymm0\n\tvmovdqu 32(%0), %%ymm1\n\t"
			     "vmovdqu 64(%0), %%ymm2\n\tvmovdqu 96(%0), %%ymm3"
			     ::"r"(ymm_mine) : "memory");
}

static int compare_ymm(u32 round)
{
	static u8 now[4][32] __attribute__((aligned(32)));

	__asm__ __volatile__("vmovdqu %%ymm0, (%0)\n\tvmovdqu %%ymm1, 32(%0)\n\t"
			     "vmovdqu %%ymm2, 64(%0)\n\tvmovdqu %%ymm3, 96(%0)"
			     ::"r"(now) : "memory");
	if (memcmp(now, ymm_mine, sizeof(now))) {
		printf("round %u: a YMM register is not mine\n", round);
		return 1;
	}
	return 0;
}

/* With XSAVE offered: CR4.OSXSAVE and an XCR0 of its own (odd ids with
 * AVX state, even ones without), whose registers the other partition on
 * this CPU must not disturb. (XSETBV's own checks: tests/guests/xcr0.c.) */
static void setup_xsave(u32 id)
{
	u32 r[4];

	if (!has_xsave()) {
		printf("XSAVE not offered: extended state not checked\n");
		return;
	}
	CHECK_EQ(write_cr4(read_cr4() | (1u << 18)), -1);
	CHECK_EQ(xgetbv0(), 1); /* x87 only, after reset */
	cpuid(1, 0, r);
	avx = (id & 1) && (r[2] & (1u << 28));
	my_xcr0 = avx ? 7 : 3;
	CHECK_EQ(try_xsetbv(0, my_xcr0), -1);
	CHECK_EQ(xgetbv0(), my_xcr0);
	if (avx) {
		for (int i = 0; i < 4; i++)
			for (int j = 0; j < 32; j++)
				ymm_mine[i][j] = (u8)(id * 16 + i * 4 + j);
		load_ymm();
	}
}

static int compare(const struct sentinels *s, u32 round)
{
	uword dr[4] = { read_dr0(), read_dr1(), read_dr2(), read_dr3() };
	int bad = 0;

	for (int i = 0; i < 4; i++)
		if (dr[i] != s->dr[i]) {
			printf("round %u: DR%d is %lx, mine is %lx\n", round, i, (unsigned long)dr[i],
			       (unsigned long)s->dr[i]);
			bad++;
		}
	if ((read_dr6() & 0xf) != (s->dr6 & 0xf)) {
		printf("round %u: DR6 is %lx\n", round, (unsigned long)read_dr6());
		bad++;
	}
	if ((read_dr7() & 0xffff00ffu) != (s->dr7 & 0xffff00ffu)) {
		printf("round %u: DR7 is %lx\n", round, (unsigned long)read_dr7());
		bad++;
	}
	if (read_cr2() != s->cr2) {
		printf("round %u: CR2 is %lx\n", round, (unsigned long)read_cr2());
		bad++;
	}
	if (my_xcr0 && xgetbv0() != my_xcr0) {
		printf("round %u: XCR0 is %llx, mine is %llx\n", round,
		       (unsigned long long)xgetbv0(), (unsigned long long)my_xcr0);
		bad++;
	}
	if (avx)
		bad += compare_ymm(round);
	if (rdmsr(MSR_STAR) != s->star || rdmsr(MSR_LSTAR) != s->lstar ||
	    rdmsr(MSR_CSTAR) != s->cstar || rdmsr(MSR_SFMASK) != s->sfmask ||
	    rdmsr(MSR_KERNEL_GS_BASE) != s->kgs) {
		printf("round %u: a SYSCALL MSR or KERNEL_GS_BASE is not mine\n", round);
		bad++;
	}
	return bad;
}

/* CR4 bits for hidden features: VMXE, SMXE, CET, LA57, UMIP, PKE where
 * CPUID offers no PKU, and OSXSAVE where it offers no XSAVE. */
static const u8 hidden_cr4[] = { 13, 14, 23, 12, 11, 22, 18 };

static bool has_pku(void)
{
	u32 r[4];
	cpuid(7, 0, r);
	return r[2] & (1u << 3);
}

static void test_cr4(void)
{
	uword cr4 = read_cr4();

	for (unsigned i = 0; i < sizeof(hidden_cr4); i++) {
		if ((hidden_cr4[i] == 22 && has_pku()) || (hidden_cr4[i] == 18 && has_xsave()))
			continue;
		CHECK_EQ(write_cr4(cr4 | ((uword)1 << hidden_cr4[i])), 13);
		CHECK_EQ(read_cr4(), cr4);
	}
#ifdef __x86_64__
	CHECK_EQ(write_cr4(cr4 | (1ull << 40)), 13); /* reserved */
#endif
	/* All ones (a test kernel's check that reserved bits fault): #GP,
	 * nothing changed, and no invalid guest state for the next entry. */
	CHECK_EQ(write_cr4(~(uword)0), 13);
	CHECK_EQ(read_cr4(), cr4);
	/* Offered bits still work: TSD and PCE toggle, and come back. */
	CHECK_EQ(write_cr4(cr4 ^ ((1u << 2) | (1u << 8))), -1);
	CHECK_EQ(read_cr4(), cr4 ^ ((1u << 2) | (1u << 8)));
	CHECK_EQ(write_cr4(cr4), -1);
	CHECK_EQ(read_cr4(), cr4);
}

int guest_main(u32 vcpu, u64 mem)
{
	u32 r[4];
	struct sentinels mine;
	int bad = 0;

	(void)vcpu;
	(void)mem;
	cpuid(HV_CPUID_BASE + 1, 0, r);
	u32 id = r[3];
	printf("isolate: partition %u\n", id);
	test_cr4();
	setup_xsave(id);
	make(&mine, id);
	load(&mine);
	set_irq_handler(VEC_TIMER, on_timer);
	apic_enable(false);
	apic_write(0x3e0, 0xb);                    /* divide by 1 */
	apic_write(0x320, VEC_TIMER | (1u << 17)); /* periodic */
	apic_write(0x380, TIMER_COUNT);
	for (u32 round = 0; round < ROUNDS; round++) {
		u32 t = ticks;
		while (ticks == t)
			sti_hlt(); /* the other partition runs meanwhile */
		cli();
		bad += compare(&mine, round);
		if (bad > 8)
			break;
	}
	apic_write(0x320, 1u << 16); /* masked */
	write_dr7(0x400);
	CHECK_EQ(bad, 0);
	printf("isolate: %u rounds beside the other partition\n", ROUNDS);
	return 0;
}
