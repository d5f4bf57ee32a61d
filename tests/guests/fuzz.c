// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile but well-formed: thousands of random hypercalls with random
 * arguments (pointers at and beyond the ends of memory, huge lengths),
 * random MSR reads and writes, random port I/O and random accesses to
 * the test device. Every call must return a valid result or a defined
 * error -- the right one where the call's contract says which, so that
 * a wrong success fails too -- and the partition must survive to report.
 * The MSRs the guest itself depends on get invalid values that must be
 * refused with #GP and leave the register as it was.
 */
#include "guest.h"

#define ROUNDS 3000

static bool known_error(s64 r)
{
	return r == -HV_EPERM || r == -HV_ENOENT || r == -HV_E2BIG || r == -HV_EAGAIN ||
	       r == -HV_ENOMEM || r == -HV_EFAULT || r == -HV_EBUSY || r == -HV_EINVAL ||
	       r == -HV_ENOSYS;
}

static u64 interesting(u64 *s, u64 mem)
{
	static const u64 edges[] = { 0, 1, 0xfff, 0x1000, 0xfffffffful, 0x100000000ull,
				     0x7fffffffffffffffull, 0xffffffffffffffffull,
				     0xfee00000, 0xfeb00000 };
	u64 r = rand64(s);
	switch (r % 4) {
	case 0: return edges[(r >> 8) % (sizeof(edges) / sizeof(edges[0]))];
	case 1: return mem - ((r >> 8) % 64);
	case 2: return (r >> 8) % mem;
	default: return rand64(s);
	}
}

/* Each MSR the guest depends on, given values it must refuse (#GP) and
 * then found unchanged; the x2APIC range, with x2APIC off, refuses all. */
static void refuse(u32 msr, u64 bad)
{
	u64 before = 0, after = 0;

	CHECK(rdmsr_safe(msr, &before));
	if (wrmsr_safe(msr, bad)) {
		printf("wrmsr %x <- %llx succeeded\n", msr, (unsigned long long)bad);
		failures++;
	}
	CHECK(rdmsr_safe(msr, &after));
	CHECK_EQ(after, before);
}

static void test_sensitive_msrs(void)
{
	u64 v;

	refuse(0xc0000080, 1ull << 63);          /* EFER: reserved bit */
	refuse(0xc0000080, 1ull << 3);           /* EFER: reserved bit 3 */
	refuse(0x277, 0x0707070707070702ull);    /* PAT: type 2 is reserved */
	refuse(0x277, 0x0007040600070408ull);    /* PAT: type 8 is reserved */
	refuse(0x1b, 0xfee00000ull | (1ull << 63)); /* APIC_BASE: reserved bit */
	refuse(0x1b, 0xfee00000ull | (1u << 10)); /* x2APIC on with the APIC off */
	CHECK(!rdmsr_safe(0x808, &v));           /* x2APIC TPR in xAPIC mode */
	CHECK(!wrmsr_safe(0x80b, 0));            /* x2APIC EOI in xAPIC mode */
	CHECK(!rdmsr_safe(0x802, &v));           /* x2APIC ID in xAPIC mode */
	/* TSC and TSC_DEADLINE take any value; the TSC moves on from it. */
	u64 t0 = rdtsc();
	CHECK(wrmsr_safe(0x10, t0 + 1000000));
	CHECK(rdtsc() >= t0 + 1000000);
	CHECK(wrmsr_safe(0x6e0, 0));
	printf("sensitive MSRs refuse invalid values\n");
}

static bool msr_forbidden(u32 msr)
{
	/* State this guest itself depends on. */
	return msr == 0x1b || msr == 0xc0000080 || msr == 0x277 || msr == 0x6e0 ||
	       (msr >= 0x800 && msr <= 0x8ff) || msr == 0x10;
}

/* What a call with these arguments must return, as its contract says:
 * 0 = any success, an error code, or 1 = no fixed answer. */
static s64 expected(u64 nr, u64 a0, u64 a1, u64 mem)
{
	if (nr >= HVC_PARENT_FIRST && nr <= HVC_PARENT_LAST)
		return -HV_EPERM; /* a child calling the parent's calls */
	switch (nr) {
	case HVC_VERSION:
		return HV_ABI_VERSION;
	case HVC_CONSOLE_WRITE:
		if (a1 > 4096)
			return -HV_E2BIG;
		if (a1 == 0)
			return 0; /* nothing read, wherever it points */
		if (a0 + a1 < a0 || a0 + a1 > mem)
			return -HV_EFAULT;
		return (s64)a1;
	case HVC_PARTITION_INFO:
		if (a0 + sizeof(struct hv_partition_info) > mem || a0 > mem)
			return -HV_EFAULT;
		return 0;
	case HVC_YIELD:
	case HVC_TIME_NS:
		return 1;
	default:
		return -HV_ENOSYS; /* no such call, in either range */
	}
}

int guest_main(u32 vcpu, u64 mem)
{
	u64 s = rdtsc() | 1;
	u32 calls = 0, errors = 0;
	(void)vcpu;

	for (int i = 0; i < ROUNDS; i++) {
		u64 nr = rand64(&s) % 0x240;
		if ((rand64(&s) & 15) == 0)
			nr = rand64(&s);
		if (nr == HVC_EXIT)
			continue;
		u64 a0 = interesting(&s, mem), a1 = interesting(&s, mem), a2 = interesting(&s, mem);
		if (nr == HVC_CONSOLE_WRITE && a1 <= 4096)
			a1 %= 8; /* keep the log readable */
		s64 r = hypercall(nr, a0, a1, a2);
		s64 want = expected(nr, a0, a1, mem);
		calls++;
		if (r < 0) {
			errors++;
			if (!known_error(r)) {
				printf("hypercall %llx returned unknown error %lld\n",
				       (unsigned long long)nr, (long long)r);
				failures++;
			}
		}
		if (want != 1 && r != want) {
			printf("hypercall %llx (%llx, %llx): %lld, expected %lld\n",
			       (unsigned long long)nr, (unsigned long long)a0, (unsigned long long)a1,
			       (long long)r, (long long)want);
			failures++;
		}
	}
	printf("%u hypercalls, %u refused\n", calls, errors);

	u32 gp = 0;
	for (int i = 0; i < ROUNDS; i++) {
		u64 v;
		u32 msr = (u32)rand64(&s);
		if (i & 1)
			msr = (u32)(rand64(&s) % 0x2000) | ((u32)(rand64(&s) % 3) == 1 ? 0xc0000000u : 0);
		if (msr_forbidden(msr))
			continue;
		bool read_ok = rdmsr_safe(msr, &v);
		if (!read_ok)
			gp++;
		if ((rand64(&s) & 3) == 0 && !wrmsr_safe(msr, rand64(&s)))
			gp++;
		/* Outside the ranges MSRs live in, nothing exists: a read
		 * that succeeds there is a wrong success. */
		bool exists = msr < 0x2000 || (msr >= 0x40000000 && msr < 0x40000100) ||
			      (msr >= 0xc0000000 && msr < 0xc0002000) ||
			      (msr >= 0xc0010000 && msr < 0xc0012000);
		if (read_ok && !exists) {
			printf("rdmsr %x succeeded where no MSR exists\n", msr);
			failures++;
		}
	}
	printf("MSR fuzzing: %u #GP\n", gp);
	test_sensitive_msrs();

	for (int i = 0; i < ROUNDS; i++) {
		u16 port = (u16)rand64(&s);
		if (port >= HV_TESTDEV_PORT_CONSOLE && port < HV_TESTDEV_PORT_CONSOLE + 12)
			continue;
		switch (rand64(&s) % 6) {
		case 0: (void)inb(port); break;
		case 1: (void)inw(port); break;
		case 2: (void)inl(port); break;
		case 3: outb(port, (u8)rand64(&s)); break;
		case 4: outw(port, (u16)rand64(&s)); break;
		default: outl(port, (u32)rand64(&s)); break;
		}
	}
	volatile u8 *dev = (volatile u8 *)(uword)HV_TESTDEV_MMIO;
	for (int i = 0; i < ROUNDS; i++) {
		u32 off = (u32)(rand64(&s) % 4088);
		switch (rand64(&s) % 4) {
		case 0: dev[off] = (u8)rand64(&s); break;
		case 1: *(volatile u32 *)(dev + off) = (u32)rand64(&s); break;
		case 2: (void)*(volatile u64 *)(dev + off); break;
		default: (void)dev[off]; break;
		}
	}
	printf("port and device fuzzing done\n");
	/* The hypervisor is still answering sanely. */
	CHECK_EQ(hypercall(HVC_VERSION, 0, 0, 0), HV_ABI_VERSION);
	return 0;
}
