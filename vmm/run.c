// SPDX-License-Identifier: GPL-2.0-only
/* What the hypervisor does once the platform is up: start the boot
 * modules' partitions on every CPU and schedule them. */
#include "vmm/main.h"
#include "partitions/config.h"
#include "partitions/partition.h"
#include "vmm/backend.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/percpu.h"
#include "vmm/base/power.h"
#include "vmm/sched.h"
#include "vmm/base/trap.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"
#include "drivers/acpi.h"
#include "drivers/lapic.h"

static volatile bool go;          /* APs wait for this */
static u32 config_errors;

static const char *expect_name(enum part_expect e)
{
	static const char *const names[] = {
		[EXPECT_PASS] = "pass", [EXPECT_FAIL] = "fail", [EXPECT_FAULT] = "fault",
		[EXPECT_TRIPLE_FAULT] = "triple-fault", [EXPECT_TIMEOUT] = "timeout",
		[EXPECT_EXIT] = "exit", [EXPECT_POWEROFF] = "poweroff", [EXPECT_RESET] = "reset",
		[EXPECT_ANY] = "any",
	};
	return e < ARRAY_SIZE(names) ? names[e] : "?";
}

static void finish_test_run(void)
{
	u32 good = 0, total = 0;

	for (u32 i = 0; i < MAX_PARTITIONS; i++) {
		struct partition *p = partitions[i];
		if (!p)
			continue;
		total++;
		bool ok = partition_outcome_expected(p);
		good += ok;
		pr_info("test: partition '%s': %s, expected %s: %s", p->cfg.name,
			outcome_name(p->outcome),
			expect_name(p->cfg.expect),
			ok ? "ok" : "WRONG");
	}
	pr_info("test: %u of %u partitions ended as expected, %u configuration error%s", good,
		total, config_errors, config_errors == 1 ? "" : "s");
	test_finish(good == total && !config_errors,
		    config_errors ? "a boot module was rejected" : "a partition ended unexpectedly");
}

static void all_stopped(void)
{
	if (power_test_mode())
		finish_test_run();
	pr_info("hv: every partition has stopped");
}

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

/* A child module and the initrd module that names it, if any. */
struct child_module {
	struct part_config cfg;
	const u8 *image, *initrd;
	u64 size, initrd_size;
	u32 index;
};

static struct child_module children[BOOT_MODULES_MAX];

static struct child_module *find_child(u32 n, const char *name)
{
	for (u32 i = 0; i < n; i++)
		if (!strcmp(children[i].cfg.name, name))
			return &children[i];
	return NULL;
}

/* Reads every module's description, pairs initrds with their partitions,
 * then creates and starts the partitions, the parent last. A rejected line is reported
 * and counted; the others still start. */
static void create_partitions(const struct boot_info *bi)
{
	u32 n = 0;
	int parent_index = -1;
	char err[160];

	for (u32 i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];
		struct part_config cfg;
		enum module_kind kind;
		if (part_config_parse(m->cmdline, &kind, &cfg, err, sizeof(err))) {
			pr_err("module %u (%s): %s", i, m->cmdline, err);
			config_errors++;
			continue;
		}
		if (kind != MODULE_CHILD && kind != MODULE_PARENT)
			continue;
		if (kind == MODULE_PARENT && parent_index >= 0) {
			pr_err("module %u: a second parent partition", i);
			config_errors++;
			continue;
		}
		if (find_child(n, cfg.name)) {
			pr_err("module %u: a partition named '%s' already exists", i, cfg.name);
			config_errors++;
			continue;
		}
		children[n] = (struct child_module){ .cfg = cfg, .image = phys_to_virt(m->start),
						     .size = m->end - m->start, .index = i };
		if (kind == MODULE_PARENT)
			parent_index = (int)n;
		n++;
	}
	for (u32 i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];
		struct part_config cfg;
		enum module_kind kind;
		if (part_config_parse(m->cmdline, &kind, &cfg, err, sizeof(err)) ||
		    kind != MODULE_INITRD)
			continue;
		struct child_module *c = find_child(n, cfg.name);
		if (!c || c->initrd) {
			pr_err("module %u: initrd for %s partition '%s'", i,
			       c ? "the already-served" : "no", cfg.name);
			config_errors++;
			continue;
		}
		c->initrd = phys_to_virt(m->start);
		c->initrd_size = m->end - m->start;
	}
	/* Children first: the parent gets the memory they leave. */
	for (u32 i = 0; i < n; i++) {
		struct child_module *c = &children[i];
		if ((int)i == parent_index)
			continue;
		struct partition *p = partition_create(&c->cfg, c->image, c->size, c->initrd,
						       c->initrd_size, err, sizeof(err));
		if (!p) {
			pr_err("partition '%s' not created: %s", c->cfg.name, err);
			config_errors++;
			continue;
		}
		partition_start(p);
	}
	if (parent_index >= 0) {
		struct child_module *c = &children[parent_index];
		struct partition *p = partition_create_parent(&c->cfg, c->image, c->size, c->initrd,
							      c->initrd_size, bi, hv_opts.parent_mem,
							      err, sizeof(err));
		if (!p) {
			pr_err("parent partition not created: %s", err);
			config_errors++;
			return;
		}
		partition_start(p);
	}
}

void vmm_run(const struct boot_info *bi)
{
	const char *why = NULL, *bsp_err = NULL;

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
	} else {
		pr_info("hv: %s backend", backend->name);
		/* The boot CPU first: its set-up also builds what every vCPU
		 * shares (permission maps), before any partition exists. */
		bsp_err = backend->cpu_init();
		sched_init();
		partition_set_all_stopped_hook(all_stopped);
		create_partitions(bi);
	}
	/* Partitions are placed; wake the other CPUs to run theirs. */
	WRITE_ONCE(go, true);
	for (u32 c = 1; c < nr_cpus; c++)
		if (cpus[c] && cpus[c]->online)
			lapic_send_ipi(cpus[c]->apic_id, ICR_FIXED | VEC_IPI_RESCHED);
	if (power_test_mode() && nr_partitions == 0) {
		if (config_errors)
			test_finish(false, "a boot module was rejected");
		test_finish(true, NULL);
	}
	if (backend)
		cpu_run(bsp_err);
	pr_info("hv: nothing to run; idle");
	for (;;) {
		irq_enable();
		cpu_hlt();
	}
}
