// SPDX-License-Identifier: GPL-2.0-only
/* The hypervisor's own local APIC, in xAPIC (MMIO) or x2APIC (MSR) mode.
 * QEMU TCG offers no x2APIC, so both modes are first-class. */
#include "drivers/lapic.h"
#include "vmm/base/log.h"
#include "vmm/base/paging.h"
#include "vmm/base/trap.h"
#include "vmm/base/x86.h"

#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_X2APIC BIT(10)
#define APIC_BASE_ENABLE BIT(11)
#define X2APIC_MSR(reg) (0x800 + ((reg) >> 4))

static volatile u32 *mmio;
static bool x2apic;
static bool ready;

bool lapic_ready(void) { return ready; }
bool lapic_x2apic_mode(void) { return x2apic; }

u32 lapic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(X2APIC_MSR(reg));
	return mmio[reg / 4];
}

void lapic_write(u32 reg, u32 val)
{
	if (x2apic)
		wrmsr(X2APIC_MSR(reg), val);
	else
		mmio[reg / 4] = val;
}

u32 lapic_id(void)
{
	if (x2apic)
		return (u32)rdmsr(X2APIC_MSR(LAPIC_ID));
	return mmio[LAPIC_ID / 4] >> 24;
}

void lapic_eoi(void)
{
	if (ready)
		lapic_write(LAPIC_EOI, 0);
}

static void enable_mode(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);

	base |= APIC_BASE_ENABLE;
	/* xAPIC -> x2APIC must go through enabled xAPIC (SDM Vol. 3A 11.12.5). */
	wrmsr(MSR_APIC_BASE, base);
	if (x2apic)
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC);
}

const char *lapic_init_bsp(u64 base_pa, bool want_x2apic)
{
	u64 msr = rdmsr(MSR_APIC_BASE);
	bool has_x2apic = cpuid(1).ecx & BIT(21);

	if (!(cpuid(1).edx & BIT(9)))
		return "CPU has no local APIC";
	/* Firmware may have left x2APIC on; it cannot be turned off without
	 * disabling the APIC, so honour it. */
	x2apic = (has_x2apic && want_x2apic) || (msr & APIC_BASE_X2APIC);
	if (!x2apic) {
		u64 pa = base_pa ? base_pa : (msr & 0xffffff000ULL);
		mmio = ioremap(pa, PAGE_SIZE);
		if (!mmio)
			return "cannot map the local APIC";
	}
	lapic_init_cpu();
	ready = true;
	return NULL;
}

void lapic_init_cpu(void)
{
	enable_mode();
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_LVT_PERF, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, VEC_APIC_ERROR);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, BIT(8) | VEC_SPURIOUS);
	lapic_write(LAPIC_EOI, 0);
}

bool lapic_send_ipi(u32 apic_id, u32 icr_lo)
{
	if (x2apic) {
		/* x2APIC ICR writes are a single MSR and need no polling. */
		wrmsr(X2APIC_MSR(LAPIC_ICR_LO), ((u64)apic_id << 32) | icr_lo);
		return true;
	}
	mmio[LAPIC_ICR_HI / 4] = apic_id << 24;
	mmio[LAPIC_ICR_LO / 4] = icr_lo;
	for (int i = 0; i < 1000000; i++) {
		if (!(mmio[LAPIC_ICR_LO / 4] & ICR_PENDING))
			return true;
		cpu_relax();
	}
	return false;
}

void lapic_send_nmi_all_but_self(void)
{
	lapic_send_ipi(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}

void lapic_timer_start(u32 ticks, bool periodic)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | (periodic ? LVT_TIMER_PERIODIC : 0));
	lapic_write(LAPIC_TIMER_INIT, ticks ? ticks : 1);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0);
}
