// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory operands the hypervisor completes for a guest get the rights the
 * CPU would give them. A process at CPL 3 with IOPL 3 does string I/O and
 * REP MOVS from device memory (both finished by the hypervisor) against a
 * supervisor-only page, a read-only page and a non-canonical address, and
 * must get the #PF (with its error code and CR2) or #GP the hardware
 * gives; against its own pages they work. At CPL 0 with SMAP, string I/O
 * into a user page faults unless RFLAGS.AC is set.
 *
 * Guest-physical layout (16 MiB, 2 MiB pages): 0-2 MiB this image, 8 MiB
 * supervisor-only, 10 MiB user read-only, 12 MiB user read-write; the
 * test device's MMIO page made user-accessible.
 */
#include "guest.h"

#define SUPER_PAGE 0x800000ul
#define RO_PAGE 0xa00000ul
#define USER_PAGE 0xc00000ul
#define NONCANON 0x0000800000000000ul
#define TESTDEV ((uword)HV_TESTDEV_MMIO)
#define PORT_NOP HV_TESTDEV_PORT_NOP

#define PTE_P 1ul
#define PTE_W 2ul
#define PTE_U 4ul
#define PF_P 1
#define PF_W 2
#define PF_U 4

static u64 *table_of(u64 e)
{
	return (u64 *)(uword)(e & 0x000ffffffffff000ull);
}

/* The 2 MiB entry mapping addr in the boot tables (hv_abi.h: 4-level,
 * identity, 2 MiB pages below 4 GiB). */
static u64 *pde_of(uword addr)
{
	uword cr3;
	__asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
	u64 *pml4 = (u64 *)(cr3 & ~0xfffUL);
	u64 *pdpt = table_of(pml4[(addr >> 39) & 511]);
	u64 *pd = table_of(pdpt[(addr >> 30) & 511]);
	return &pd[(addr >> 21) & 511];
}

/* User access down the path to addr: the upper levels allow it. */
static void user_path(uword addr)
{
	uword cr3;
	__asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
	u64 *pml4 = (u64 *)(cr3 & ~0xfffUL);
	pml4[(addr >> 39) & 511] |= PTE_U;
	table_of(pml4[(addr >> 39) & 511])[(addr >> 30) & 511] |= PTE_U;
}

static void flush_tlb(void)
{
	uword cr3;
	__asm__ __volatile__("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3)::"memory");
}

/* String instructions that may fault: the vector, or -1. */
static int try_insb(uword dst, u32 n)
{
	exceptions_reset();
	__asm__ __volatile__(MOVP " $1f, %0\n\trep insb\n1:"
			     : "=m"(fixup_ip), "+D"(dst), "+c"(n) : "d"(PORT_NOP) : "memory");
	fixup_ip = 0;
	return last_vector;
}

static int try_outsb(uword src, u32 n)
{
	exceptions_reset();
	__asm__ __volatile__(MOVP " $1f, %0\n\trep outsb\n1:"
			     : "=m"(fixup_ip), "+S"(src), "+c"(n) : "d"(PORT_NOP) : "memory");
	fixup_ip = 0;
	return last_vector;
}

static int try_movsb(uword dst, uword src, u32 n)
{
	exceptions_reset();
	__asm__ __volatile__(MOVP " $1f, %0\n\trep movsb\n1:"
			     : "=m"(fixup_ip), "+D"(dst), "+S"(src), "+c"(n)::"memory");
	fixup_ip = 0;
	return last_vector;
}

#define CHECK_PF(expr, addr, err)                                                \
	do {                                                                     \
		CHECK_EQ((expr), 14);                                            \
		CHECK_EQ(last_error & 7, (err));                                 \
		CHECK_EQ(last_cr2, (addr));                                      \
	} while (0)

/* What the CPL 3 part found; the kernel part reads it afterwards. */
static volatile int user_failures;
static volatile int ac_vector;
static volatile u32 ac_error;

extern const char us_l1[], us_l2[], us_l3[], us_l4[], us_l5[], us_l6[];
static volatile bool user_steps_ok;

/* Single-step at CPL 3 over instructions the hypervisor completes
 * (issue 16, item 12): CPUID, OUT with IOPL 3, a load from device memory
 * and each iteration of REP OUTSB end with #DB and DR6.BS at the next
 * instruction, as the CPU's own steps do. */
static void step_at_cpl3(void)
{
	static const char out[2] = "xy";
	const uword want[] = { (uword)us_l1, (uword)us_l2, (uword)us_l3, (uword)us_l4,
			       (uword)us_l5, (uword)us_l5, (uword)us_l6 };
	const bool emulated[] = { 1, 0, 1, 1, 0, 1, 1 };
	const u32 nwant = sizeof(want) / sizeof(want[0]);
	const char *src = out;

	step_n = 0;
	step_rec = true;
	__asm__ __volatile__("pushfq\n\t"
			     "orq $0x100, (%%rsp)\n\t"
			     "popfq\n\t"
			     "cpuid\n"
			     "us_l1: mov %[port], %%edx\n"
			     "us_l2: outb %%al, %%dx\n"
			     "us_l3: mov (%[mmio]), %%eax\n"
			     "us_l4: mov $2, %%ecx\n"
			     "us_l5: rep outsb\n"
			     "us_l6: pushfq\n"
			     "andq $~0x100, (%%rsp)\n"
			     "popfq"
			     : "+S"(src)
			     : [port] "i"(PORT_NOP), [mmio] "D"(TESTDEV), "a"(0)
			     : "ebx", "ecx", "edx", "memory", "cc");
	step_rec = false;
	/* Then the CPU's own steps after PUSHFQ and AND (and maybe POPFQ). */
	bool ok = step_n >= nwant + 2 && src == out + 2;
	for (u32 k = 0; k < nwant && k < step_n; k++) {
		if (step_ip[k] != want[k] || (emulated[k] && !(step_dr6[k] & (1u << 14)))) {
			printf("CPL 3 step %u: trap at %lx (want %lx), DR6 %lx\n", k,
			       (unsigned long)step_ip[k], (unsigned long)want[k],
			       (unsigned long)step_dr6[k]);
			ok = false;
		}
	}
	user_steps_ok = ok;
}

static void at_cpl3(void)
{
	int before = failures;

	step_at_cpl3();

	/* Its own pages work, through the hypervisor's hands too. */
	CHECK_EQ(try_insb(USER_PAGE, 16), -1);
	CHECK_EQ(try_outsb(USER_PAGE, 16), -1);
	CHECK_EQ(try_movsb(USER_PAGE, TESTDEV, 8), -1);
	/* A supervisor page: no writes, no reads. */
	CHECK_PF(try_insb(SUPER_PAGE, 4), SUPER_PAGE, PF_P | PF_W | PF_U);
	CHECK_PF(try_outsb(SUPER_PAGE + 0x10, 4), SUPER_PAGE + 0x10, PF_P | PF_U);
	CHECK_PF(try_movsb(SUPER_PAGE + 0x20, TESTDEV, 8), SUPER_PAGE + 0x20, PF_P | PF_W | PF_U);
	/* A read-only page: no writes. */
	CHECK_PF(try_insb(RO_PAGE, 4), RO_PAGE, PF_P | PF_W | PF_U);
	CHECK_PF(try_movsb(RO_PAGE + 0x40, TESTDEV, 8), RO_PAGE + 0x40, PF_P | PF_W | PF_U);
	CHECK_EQ(try_outsb(RO_PAGE, 4), -1);
	/* Non-canonical: #GP(0). */
	CHECK_EQ(try_insb(NONCANON, 4), 13);
	CHECK_EQ(last_error, 0);
	CHECK_EQ(try_outsb(NONCANON + 8, 4), 13);
	CHECK_EQ(try_movsb(NONCANON + 16, TESTDEV, 8), 13);
	/* Alignment checking (CR0.AM, set by the kernel, and RFLAGS.AC): a
	 * misaligned load at CPL 3 raises #AC(0), which the hypervisor
	 * intercepts and gives back. */
	ac_vector = TRY_INSN("pushfq; orl $0x40000, (%%rsp); popfq; movl 0x1001(%%rsp), %%eax");
	ac_error = (u32)last_error;
	__asm__ __volatile__("pushfq; andl $~0x40000, (%%rsp); popfq" ::: "memory", "cc");
	user_failures = failures - before;
}

/* SMAP: the kernel's string I/O into a user page faults unless AC is set. */
static void test_smap(void)
{
	u32 r[4];
	uword cr4;

	cpuid(7, 0, r);
	if (!(r[1] & (1u << 20))) {
		printf("SMAP not offered: skipped\n");
		return;
	}
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	__asm__ __volatile__("mov %0, %%cr4" ::"r"(cr4 | (1ul << 21)));
	CHECK_PF(try_insb(USER_PAGE, 4), USER_PAGE, PF_P | PF_W);
	CHECK_PF(try_movsb(USER_PAGE + 0x80, TESTDEV, 8), USER_PAGE + 0x80, PF_P | PF_W);
	__asm__ __volatile__("stac" ::: "cc");
	CHECK_EQ(try_insb(USER_PAGE, 4), -1);
	CHECK_EQ(try_movsb(USER_PAGE + 0x80, TESTDEV, 8), -1);
	__asm__ __volatile__("clac" ::: "cc");
	__asm__ __volatile__("mov %0, %%cr4" ::"r"(cr4));
	printf("SMAP: kernel string I/O and MOVS into a user page fault without AC\n");
}

static int try_read(uword addr)
{
	u8 v;
	exceptions_reset();
	__asm__ __volatile__(MOVP " $1f, %0\n\tmovb (%2), %1\n1:"
			     : "=m"(fixup_ip), "=q"(v) : "r"(addr) : "memory");
	fixup_ip = 0;
	(void)v;
	return last_vector;
}

static int try_cr4(uword val)
{
	exceptions_reset();
	__asm__ __volatile__(MOVP " $1f, %0\n\tmov %1, %%cr4\n1:"
			     : "=m"(fixup_ip) : "r"(val) : "memory");
	fixup_ip = 0;
	return last_vector;
}

static void wrpkru(u32 val)
{
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xef" ::"a"(val), "c"(0), "d"(0) : "memory");
}

static u32 rdpkru(void)
{
	u32 val, edx;
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xee" : "=a"(val), "=d"(edx) : "c"(0));
	return val;
}

#define CR4_SMAP (1ul << 21)
#define CR4_PKE (1ul << 22)
#define PF_PK 0x20

/*
 * Protection keys (issue 16, item 8). Where offered (CPUID.7.0:ECX.PKU),
 * CR4.PKE turns them on (OSPKE follows it), WRPKRU and RDPKRU work, a
 * key's access-disable bit makes even a supervisor read of a user page
 * with that key fault with PK in the error code (SDM Vol. 3A 4.6.2), and
 * PKRU is the vCPU's own across the CPU's other partitions (the one-CPU
 * run shares it with every other guest). Where not, CR4.PKE is reserved.
 */
static void test_pkeys(void)
{
	u32 r[4];
	uword cr4;

	cpuid(7, 0, r);
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	if (!(r[2] & (1u << 3))) {
		CHECK_EQ(try_cr4(cr4 | CR4_PKE), 13);
		printf("pkeys: not offered; CR4.PKE is reserved (#GP)\n");
		return;
	}
	CHECK(!(r[2] & (1u << 4)));
	CHECK_EQ(try_cr4((cr4 & ~CR4_SMAP) | CR4_PKE), -1);
	cpuid(7, 0, r);
	CHECK(r[2] & (1u << 4)); /* OSPKE */
	wrpkru(0x5555555c);
	CHECK_EQ(rdpkru(), 0x5555555c);
	u64 *pde = pde_of(USER_PAGE), old = *pde;
	*pde = (old & ~(0xfull << 59)) | (1ull << 59); /* key 1 */
	flush_tlb();
	wrpkru(1u << 2); /* key 1: access disabled */
	CHECK_EQ(try_read(USER_PAGE + 0x40), 14);
	CHECK_EQ(last_error & (PF_PK | PF_P), PF_PK | PF_P);
	CHECK_EQ(last_cr2, USER_PAGE + 0x40);
	wrpkru(1u << 4); /* key 2 only: key 1 open again */
	CHECK_EQ(try_read(USER_PAGE + 0x40), -1);
	*pde = old;
	flush_tlb();
	/* The register stays this vCPU's while others use the CPU. */
	wrpkru(0x2468ace0);
	u32 changed = 0;
	for (int i = 0; i < 200; i++) {
		for (int j = 0; j < 20000; j++)
			pause();
		changed |= rdpkru() ^ 0x2468ace0;
	}
	CHECK_EQ(changed, 0);
	wrpkru(0);
	CHECK_EQ(try_cr4(cr4), -1);
	printf("pkeys: offered; a key's access-disable faults a read of a user page with PK, "
	       "PKRU stays the vCPU's\n");
}

int guest_main(u32 vcpu, u64 mem)
{
	(void)vcpu;
	if (mem < 14ul << 20) {
		printf("needs 14 MiB\n");
		return 1;
	}
	/* The pages of the layout above. */
	user_path(0);
	*pde_of(RO_PAGE) = (*pde_of(RO_PAGE) | PTE_U) & ~PTE_W;
	*pde_of(USER_PAGE) |= PTE_U | PTE_W;
	flush_tlb();
	test_smap();
	test_pkeys();
	/* This image and the device page become the user's for the CPL 3
	 * part (after the SMAP part, where the kernel reads the device). */
	user_path(TESTDEV);
	*pde_of(TESTDEV) |= PTE_U;
	*pde_of(0) |= PTE_U;
	flush_tlb();
	uword cr0;
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
	__asm__ __volatile__("mov %0, %%cr0" ::"r"(cr0 | (1ul << 18))); /* AM */
	run_user(at_cpl3, (void *)(USER_PAGE + 0x100000));
	__asm__ __volatile__("mov %0, %%cr0" ::"r"(cr0));
	CHECK_EQ(user_failures, 0);
	/* The runner wants the #AC where the CPU checks alignment (Bochs;
	 * QEMU TCG does not, and then the load just happens). */
	if (ac_vector == 17) {
		CHECK_EQ(ac_error, 0);
		printf("CPL 3: a misaligned load with AC set: #AC, through the hypervisor\n");
	} else {
		CHECK_EQ(ac_vector, -1);
		printf("CPL 3: no #AC for a misaligned load (the CPU does not check alignment)\n");
	}
	printf("CPL 3: string I/O and MOVS from device memory fault as on hardware\n");
	CHECK(user_steps_ok);
	if (user_steps_ok)
		printf("CPL 3: single step over CPUID, OUT, a device load and REP OUTSB: each "
		       "trapped with DR6.BS\n");
	return 0;
}
