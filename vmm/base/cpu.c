// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/base/cpu.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"

struct cpu_info boot_cpu;

void cpu_identify(struct cpu_info *c)
{
	struct cpuid_regs r = cpuid(0);

	memset(c, 0, sizeof(*c));
	c->max_leaf = r.eax;
	memcpy(c->vendor_str, &r.ebx, 4);
	memcpy(c->vendor_str + 4, &r.edx, 4);
	memcpy(c->vendor_str + 8, &r.ecx, 4);
	if (!strcmp(c->vendor_str, "GenuineIntel"))
		c->vendor = VENDOR_INTEL;
	else if (!strcmp(c->vendor_str, "AuthenticAMD") || !strcmp(c->vendor_str, "HygonGenuine"))
		c->vendor = VENDOR_AMD;

	r = cpuid(1);
	c->family = (r.eax >> 8) & 0xf;
	c->model = (r.eax >> 4) & 0xf;
	if (c->family == 0xf)
		c->family += (r.eax >> 20) & 0xff;
	if (c->family >= 6)
		c->model |= ((r.eax >> 16) & 0xf) << 4;
	c->stepping = r.eax & 0xf;
	c->vmx = r.ecx & BIT(5);
	c->x2apic = r.ecx & BIT(21);
	c->xsave = r.ecx & BIT(26);
	c->pcid = r.ecx & BIT(17);

	c->max_ext_leaf = cpuid(0x80000000).eax;
	if (c->max_ext_leaf >= 0x80000001) {
		r = cpuid(0x80000001);
		c->svm = r.ecx & BIT(2);
		c->nx = r.edx & BIT(20);
		c->pages_1g = r.edx & BIT(26);
	}
	if (c->max_ext_leaf >= 0x80000004) {
		for (u32 i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i);
			memcpy(c->brand + 16 * i, &r, 16);
		}
		/* Brands are right-aligned with leading spaces on some CPUs. */
		char *b = c->brand;
		while (*b == ' ')
			b++;
		memmove(c->brand, b, strlen(b) + 1);
	}
	if (c->max_ext_leaf >= 0x80000007)
		c->invariant_tsc = cpuid(0x80000007).edx & BIT(8);
	if (c->max_ext_leaf >= 0x80000008) {
		r = cpuid(0x80000008);
		c->phys_addr_bits = r.eax & 0xff;
		c->virt_addr_bits = (r.eax >> 8) & 0xff;
	} else {
		c->phys_addr_bits = 36;
		c->virt_addr_bits = 48;
	}
}

void cpu_setup(void)
{
	/* Native FPU errors, write protection in ring 0, caches on. */
	write_cr0((read_cr0() | CR0_NE | CR0_MP | CR0_WP) & ~(CR0_CD | CR0_NW | CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	/* XSAVE on, so that guests' extended state can be switched (vmm/fpu.c);
	 * the hypervisor itself uses none of it. */
	if (boot_cpu.xsave) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xsetbv(0, 1 | 2); /* x87 and SSE, as after reset with SSE on */
	}
}
