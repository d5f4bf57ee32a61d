// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile but well-formed: thousands of random hypercalls with random
 * arguments (pointers at and beyond the ends of memory, huge lengths),
 * random MSR reads and writes, random port I/O and random accesses to
 * the test device. Every call must return a valid result or a defined
 * error, and the partition must survive to report.
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

static bool msr_forbidden(u32 msr)
{
	/* State this guest itself depends on. */
	return msr == 0x1b || msr == 0xc0000080 || msr == 0x277 || msr == 0x6e0 ||
	       (msr >= 0x800 && msr <= 0x8ff) || msr == 0x10;
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
		if (nr == HVC_CONSOLE_WRITE)
			a1 %= 8; /* keep the log readable */
		s64 r = hypercall(nr, a0, a1, a2);
		calls++;
		if (r < 0) {
			errors++;
			if (!known_error(r)) {
				printf("hypercall %llx returned unknown error %lld\n",
				       (unsigned long long)nr, (long long)r);
				failures++;
			}
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
		if (!rdmsr_safe(msr, &v))
			gp++;
		if ((rand64(&s) & 3) == 0 && !wrmsr_safe(msr, rand64(&s)))
			gp++;
	}
	printf("MSR fuzzing: %u #GP\n", gp);

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
