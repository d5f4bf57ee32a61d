// SPDX-License-Identifier: GPL-2.0-only
/* Bringing up the application processors. */
#include "vmm/base/smp.h"
#include "vmm/base/cpu.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/paging.h"
#include "vmm/base/percpu.h"
#include "vmm/base/pmm.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"
#include "drivers/acpi.h"
#include "drivers/lapic.h"
#include "drivers/timer.h"

extern char ap_tramp_start[], ap_tramp_end[];
extern char ap_tramp_cr3[], ap_tramp_stack[], ap_tramp_percpu[], ap_tramp_entry[];

static void ap_main(struct percpu *p);

static void tramp_set(u8 *page, const char *field, u64 v)
{
	memcpy(page + (field - ap_tramp_start), &v, sizeof(v));
}

/*
 * The AP turns paging on while executing from the low page, so its first
 * CR3 must map that page at its own address; the upper half (direct map
 * and image) is shared with the hypervisor's tables for the jump out.
 */
static paddr_t build_tramp_cr3(paddr_t tramp, paddr_t *extra)
{
	paddr_t pml4 = pmm_alloc_zeroed(1, PAGE_SIZE, GiB(4));
	paddr_t pdpt = pmm_alloc_zeroed(1, PAGE_SIZE, GiB(4));
	paddr_t pd = pmm_alloc_zeroed(1, PAGE_SIZE, GiB(4));

	if (!pml4 || !pdpt || !pd)
		panic("smp: out of low memory for the trampoline tables");
	u64 *l4 = phys_to_virt(pml4), *l3 = phys_to_virt(pdpt), *l2 = phys_to_virt(pd);
	const u64 *hv = phys_to_virt(hv_pt.root);
	for (int i = 256; i < 512; i++)
		l4[i] = hv[i];
	l4[0] = pdpt | PTE_P | PTE_W;
	l3[0] = pd | PTE_P | PTE_W;
	l2[0] = (tramp & ~(LARGE_PAGE_SIZE - 1)) | PTE_P | PTE_W | PTE_PS;
	extra[0] = pdpt;
	extra[1] = pd;
	return pml4;
}

static bool start_ap(u8 *page, paddr_t tramp, struct percpu *p)
{
	tramp_set(page, ap_tramp_stack, p->stack_top);
	tramp_set(page, ap_tramp_percpu, (u64)(uintptr_t)p);
	tramp_set(page, ap_tramp_entry, (u64)(uintptr_t)ap_main);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* INIT, 10 ms, SIPI, 200 us, SIPI (SDM Vol. 3A 9.4.4.1). */
	lapic_send_ipi(p->apic_id, ICR_INIT | ICR_ASSERT);
	mdelay(10);
	for (int attempt = 0; attempt < 2 && !READ_ONCE(p->online); attempt++) {
		lapic_send_ipi(p->apic_id, ICR_STARTUP | (u32)(tramp >> PAGE_SHIFT));
		udelay(200);
	}
	/* Emulators can be slow to schedule a new CPU: allow a second. */
	for (int i = 0; i < 1000 && !READ_ONCE(p->online); i++)
		mdelay(1);
	return READ_ONCE(p->online);
}

static void (*ap_work)(void);

/* The low APIC ID bits that number threads within a core (CPUID leaf
 * 0BH, level type SMT: SDM Vol. 3A 9.9.1); 0 when unknown. */
static u32 smt_bits(void)
{
	struct cpuid_regs r;

	if (boot_cpu.max_leaf < 0xb)
		return 0;
	cpuid_count(0xb, 0, &r);
	return ((r.ecx >> 8) & 0xff) == 1 ? r.eax & 0x1f : 0;
}

void smp_boot(u32 max_cpus, bool smt, void (*work)(void))
{
	u32 thread_mask = (1u << smt_bits()) - 1, skipped = 0;
	ap_work = work;
	u32 bsp_apic = lapic_id();

	cpus[0]->apic_id = bsp_apic;
	nr_cpus = 1;
	nr_cpus_online = 1;
	cpus[0]->online = true;

	paddr_t tramp = pmm_low_page();
	if (!tramp) {
		pr_warn("smp: no free page below 1 MiB; running on the boot CPU only");
		return;
	}
	u8 *page = phys_to_virt(tramp);
	memcpy(page, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	paddr_t extra[2];
	paddr_t cr3 = build_tramp_cr3(tramp, extra);
	tramp_set(page, ap_tramp_cr3, cr3);

	for (u32 i = 0; i < acpi.ncpus; i++) {
		const struct acpi_cpu *c = &acpi.cpus[i];
		if (!c->enabled || c->apic_id == bsp_apic)
			continue;
		if (!smt && (c->apic_id & thread_mask)) {
			skipped++;
			continue;
		}
		if (max_cpus && nr_cpus >= max_cpus)
			break;
		if (nr_cpus >= MAX_CPUS) {
			pr_warn("smp: more than %u CPUs; the rest stay offline", MAX_CPUS);
			break;
		}
		struct percpu *p = percpu_alloc(nr_cpus, c->apic_id);
		if (!p) {
			pr_err("smp: out of memory for cpu%u", nr_cpus);
			break;
		}
		nr_cpus++;
		if (start_ap(page, tramp, p)) {
			__atomic_fetch_add(&nr_cpus_online, 1, __ATOMIC_SEQ_CST);
		} else {
			pr_err("smp: cpu%u (APIC id %u) did not come online", p->cpu, p->apic_id);
		}
	}
	if (skipped)
		pr_info("smp: %u sibling thread%s left offline (smt=off)", skipped,
			skipped == 1 ? "" : "s");
	pmm_free(cr3, 1);
	pmm_free(extra[0], 1);
	pmm_free(extra[1], 1);
}

static void ap_main(struct percpu *p)
{
	paging_load();
	percpu_activate(p);
	cpu_setup();
	lapic_init_cpu();
	if (lapic_id() != p->apic_id)
		pr_warn("APIC id %u, firmware said %u", lapic_id(), p->apic_id);
	pr_debug("online (APIC id %u)", p->apic_id);
	WRITE_ONCE(p->online, true);
	ap_work();
	panic("an application processor's work returned");
}
