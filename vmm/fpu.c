// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guests' x87, SSE and -- where the CPU has XSAVE -- extended state (AVX,
 * AVX-512, PKRU), switched when a CPU changes vCPUs. While a vCPU runs, XCR0
 * holds its value (VM entry and exit leave XCR0 alone, SDM Vol. 3C 27.3,
 * APM Vol. 2 15.5), so its XSAVE and XRSTOR use the components it
 * enabled; each vCPU's area is sized for every component guests may
 * enable (fpu_xcr0_allowed).
 */
#include "vmm/fpu.h"
#include "vmm/base/cpu.h"
#include "vmm/base/heap.h"
#include "vmm/base/math.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"

#define FXSAVE_SIZE 512
#define XSAVE_HEADER 64
#define XCR0_X87 BIT(0)
#define XCR0_SSE BIT(1)
#define XCR0_AVX BIT(2)
#define XCR0_AVX512 (BIT(5) | BIT(6) | BIT(7)) /* opmask, ZMM_Hi256, Hi16_ZMM */

static u64 allowed;     /* XCR0 bits guests may set; 0: no XSAVE */
static u32 area_size = FXSAVE_SIZE;

void fpu_init(void)
{
	if (!boot_cpu.xsave || boot_cpu.max_leaf < 0xd)
		return;
	struct cpuid_regs r;
	cpuid_count(0xd, 0, &r);
	u64 host = ((u64)r.edx << 32) | r.eax;
	/* The user-state components whose state is switched here and whose
	 * use needs nothing else of the hypervisor; MPX, AMX and the rest
	 * stay hidden. */
	allowed = host & (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512);
	if ((allowed & XCR0_AVX512) != XCR0_AVX512 || !(allowed & XCR0_AVX))
		allowed &= ~XCR0_AVX512;
	/* PKRU, where the CPU has protection keys (CPUID.7.0:ECX.PKU) and
	 * XSAVE manages the register. The host runs with CR4.PKE clear, so
	 * a guest's PKRU binds nothing of the hypervisor's while it stays
	 * loaded across exits; it is switched with the rest. */
	struct cpuid_regs l7 = { 0 };
	if (boot_cpu.max_leaf >= 7)
		cpuid_count(7, 0, &l7);
	if ((host & XCR0_PKRU) && (l7.ecx & BIT(3)))
		allowed |= XCR0_PKRU;
	/* The area: the legacy region and header, then each component at its
	 * standard offset (CPUID.0DH.i EBX), for the allowed ones. */
	u32 size = FXSAVE_SIZE + XSAVE_HEADER;
	for (u32 i = 2; i < 64; i++) {
		if (!(allowed & BIT(i)))
			continue;
		cpuid_count(0xd, i, &r);
		size = MAX(size, r.ebx + r.eax);
	}
	area_size = size;
}

u64 fpu_xcr0_allowed(void)
{
	return allowed;
}

u32 fpu_area_size(void)
{
	return area_size;
}

/* The power-on state: FCW 0x37f, MXCSR 0x1f80 (SDM Vol. 1 10.5.1), the
 * XSAVE header zeroed (every component in its initial state). */
static void fpu_default(struct vcpu *v)
{
	u8 *area = v->fpu;

	memset(area, 0, area_size);
	area[0] = 0x7f;
	area[1] = 0x03;
	area[24] = 0x80;
	area[25] = 0x1f;
	v->xcr0 = XCR0_X87; /* XCR0 after reset (SDM Vol. 1 13.3) */
}

int fpu_init_vcpu(struct vcpu *v)
{
	/* XSAVE wants 64-byte alignment; heap blocks guarantee 16. */
	v->fpu_block = kmalloc(area_size + 64);
	if (!v->fpu_block)
		return -1;
	v->fpu = (void *)ALIGN_UP((uintptr_t)v->fpu_block, 64);
	fpu_default(v);
	return 0;
}

void fpu_free_vcpu(struct vcpu *v)
{
	kfree(v->fpu_block);
	v->fpu_block = v->fpu = NULL;
}

void fpu_reset(struct vcpu *v)
{
	fpu_default(v);
}

void fpu_switch(struct vcpu *from, struct vcpu *to)
{
	if (!allowed) {
		if (from && from->fpu)
			__asm__ __volatile__("fxsave64 %0" : "=m"(*(u8(*)[FXSAVE_SIZE])from->fpu));
		if (to && to->fpu)
			__asm__ __volatile__("fxrstor64 %0" ::"m"(*(u8(*)[FXSAVE_SIZE])to->fpu));
		return;
	}
	/* XCR0 is from's while its state is in the registers: read it back,
	 * as it stands (an emulator that lets XSETBV run without its
	 * intercept -- QEMU TCG -- changes it behind our back). PKRU is
	 * switched whatever the guest's XCR0 says: CR4.PKE alone makes
	 * WRPKRU work (SDM Vol. 1 13.3 has no dependency), so XCR0 gets the
	 * bit for the XSAVE and XRSTOR (they act on XCR0 AND the mask). */
	u64 always = allowed & XCR0_PKRU;
	if (from && from->fpu) {
		from->xcr0 = xgetbv(0);
		u64 m = from->xcr0 | always;
		if (m != from->xcr0)
			xsetbv(0, m);
		__asm__ __volatile__("xsave64 (%0)" ::"r"(from->fpu), "a"((u32)m),
				     "d"((u32)(m >> 32)) : "memory");
	}
	if (to && to->fpu) {
		u64 m = to->xcr0 | always;
		xsetbv(0, m);
		__asm__ __volatile__("xrstor64 (%0)" ::"r"(to->fpu), "a"((u32)m),
				     "d"((u32)(m >> 32)) : "memory");
		if (m != to->xcr0)
			xsetbv(0, to->xcr0);
	}
}

bool fpu_set_xcr0(struct vcpu *v, u64 val)
{
	/* SDM Vol. 2B XSETBV and Vol. 1 13.3: x87 always, AVX needs SSE,
	 * the three AVX-512 components together and with AVX. */
	if (!(val & XCR0_X87) || (val & ~allowed))
		return false;
	if ((val & XCR0_AVX) && !(val & XCR0_SSE))
		return false;
	if ((val & XCR0_AVX512) && ((val & XCR0_AVX512) != XCR0_AVX512 || !(val & XCR0_AVX)))
		return false;
	v->xcr0 = val;
	xsetbv(0, val); /* v owns this CPU's FPU while its exit is handled */
	return true;
}
