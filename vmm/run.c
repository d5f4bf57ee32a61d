// SPDX-License-Identifier: GPL-2.0-only
/* What the hypervisor does once the platform is up. */
#include "vmm/main.h"
#include "vmm/log.h"
#include "vmm/percpu.h"
#include "vmm/power.h"
#include "vmm/string.h"
#include "vmm/x86.h"
#include "drivers/acpi.h"

void vmm_run(const struct boot_info *bi)
{
	(void)bi;
	u32 listed = 0;

	if (!strcmp(hv_opts.selftest, "fault")) {
		/* Low canonical addresses are unmapped once paging is ours. */
		pr_info("selftest: touching an unmapped address");
		*(volatile u64 *)0xdead000 = 1;
	}

	for (u32 i = 0; i < acpi.ncpus; i++)
		listed += acpi.cpus[i].enabled;
	if (power_test_mode()) {
		u32 want = hv_opts.max_cpus && hv_opts.max_cpus < listed ? hv_opts.max_cpus : listed;
		if (nr_cpus_online != want)
			test_finish(false, "not every CPU came online");
		test_finish(true, NULL);
	}
	pr_info("hv: nothing to run; idle");
	for (;;) {
		irq_enable();
		cpu_hlt();
	}
}
