// SPDX-License-Identifier: GPL-2.0-only
/* What the hypervisor does once the machine is up: pick the backend,
 * then run vCPUs on every CPU. */
#include "vmm/main.h"
#include "vmm/backend.h"
#include "vmm/partition.h"
#include "vmm/sched.h"
#include "vmm/spec.h"
#include "vmm/base/log.h"
#include "vmm/base/percpu.h"
#include "vmm/base/power.h"
#include "vmm/base/string.h"
#include "vmm/base/trap.h"
#include "vmm/base/x86.h"
#include "drivers/acpi.h"
#include "drivers/lapic.h"

static volatile bool go;          /* APs wait for this */
static const char *bsp_err;       /* the boot CPU could not enable virtualization */

/* Enables virtualization here and runs vCPUs; never returns. */
static __noreturn void cpu_run(const char *err)
{
	if (err) {
		pr_err("%s: %s; this CPU runs no vCPUs", backend->name, err);
		for (;;) {
			irq_enable();
			cpu_hlt();
		}
	}
	sched_run();
}

void ap_wait_for_work(void)
{
	spec_cpu_init();
	while (!READ_ONCE(go)) {
		irq_enable();
		cpu_hlt();
		irq_disable();
	}
	if (backend)
		cpu_run(backend->cpu_init());
	for (;;) {
		irq_enable();
		cpu_hlt();
	}
}

void vmm_virt_init(const struct boot_info *bi)
{
	const char *why = NULL;

	if (!strcmp(hv_opts.selftest, "fault")) {
		/* Low canonical addresses are unmapped once paging is ours. */
		pr_info("selftest: touching an unmapped address");
		*(volatile u64 *)0xdead000 = 1;
	}

	backend = backend_probe(&why);
	if (!backend) {
		pr_warn("hv: cannot run partitions: %s", why);
		if (power_test_mode()) {
			u32 listed = 0;
			for (u32 i = 0; i < acpi.ncpus; i++)
				listed += acpi.cpus[i].enabled;
			u32 want = hv_opts.max_cpus && hv_opts.max_cpus < listed ? hv_opts.max_cpus
										   : listed;
			if (bi->module_count)
				test_finish(false, "partitions configured but no virtualization");
			test_finish(nr_cpus_online == want, "not every CPU came online");
		}
		return;
	}
	pr_info("hv: %s backend", backend->name);
	/* The boot CPU first: its set-up also builds what every vCPU shares
	 * (permission maps), before any partition exists. */
	bsp_err = backend->cpu_init();
	sched_init();
}

void vmm_run(void)
{
	/* Partitions are placed; wake the other CPUs to run theirs. */
	WRITE_ONCE(go, true);
	for (u32 c = 1; c < nr_cpus; c++)
		if (cpus[c] && cpus[c]->online)
			lapic_send_ipi(cpus[c]->apic_id, ICR_FIXED | VEC_IPI_RESCHED);
	if (backend)
		cpu_run(bsp_err);
	pr_info("hv: nothing to run; idle");
	for (;;) {
		irq_enable();
		cpu_hlt();
	}
}
