// SPDX-License-Identifier: GPL-2.0-only
/*
 * WRMSR of a non-canonical address to the MSRs that hold one -- FS_BASE,
 * GS_BASE, KERNEL_GS_BASE, LSTAR, CSTAR, and on Intel SYSENTER_EIP and
 * SYSENTER_ESP -- raises #GP and leaves the MSR as it was (SDM Vol. 4,
 * WRMSR; APM Vol. 3, WRMSR); a canonical one is taken. These MSRs pass
 * straight through to the CPU, which checks. Runs on Bochs only: QEMU
 * TCG takes the non-canonical values (tests/guest_tests.sh).
 */
#include "guest.h"

static const struct { u32 msr; const char *name; bool intel_only; } msrs[] = {
	{ 0xc0000100, "FS_BASE", false },       { 0xc0000101, "GS_BASE", false },
	{ 0xc0000102, "KERNEL_GS_BASE", false }, { 0xc0000082, "LSTAR", false },
	{ 0xc0000083, "CSTAR", false },          { 0x176, "SYSENTER_EIP", true },
	{ 0x175, "SYSENTER_ESP", true },
};

int guest_main(u32 vcpu, u64 mem)
{
	u32 r[4];
	(void)vcpu;
	(void)mem;
	cpuid(0, 0, r);
	bool intel = r[1] == 0x756e6547; /* "Genu" */
	u32 n = 0;

	for (u32 i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		if (msrs[i].intel_only && !intel)
			continue;
		u32 m = msrs[i].msr;
		u64 old = rdmsr(m), v;
		if (wrmsr_safe(m, 0x0000800000000000ull)) {
			printf("canon: %s took 0x0000800000000000\n", msrs[i].name);
			failures++;
		}
		CHECK(rdmsr_safe(m, &v) && v == old);
		CHECK(wrmsr_safe(m, 0xffff800000001000ull));
		CHECK_EQ(rdmsr(m), 0xffff800000001000ull);
		wrmsr(m, old);
		n++;
	}
	if (!failures)
		printf("canon: non-canonical WRMSR to %u MSRs: #GP, the MSR unchanged\n", n);
	return failures;
}
