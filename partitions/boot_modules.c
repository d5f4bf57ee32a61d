// SPDX-License-Identifier: GPL-2.0-only
/* The partitions the boot modules describe (pre-launched children and
 * the parent), and in test mode the verdict once they have all stopped. */
#include "partitions/boot_modules.h"
#include "partitions/build.h"
#include "partitions/config.h"
#include "partitions/manage.h"
#include "partitions/parent.h"
#include "vmm/dev/passthru.h"
#include "vmm/backend.h"
#include "vmm/main.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/power.h"
#include "vmm/base/string.h"

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

/* A module with nothing but zeros is no image (and a flat binary of
 * zeros would run as one): GRUB 2.06 under OVMF has been seen to hand
 * over a small module it placed at physical 0 zeroed, with some sizes of
 * the hypervisor's image. */
static bool all_zero(const struct boot_module *m)
{
	const u8 *b = phys_to_virt(m->start);

	for (u64 i = 0; i < m->end - m->start; i++)
		if (b[i])
			return false;
	return true;
}

/* A pre-launched child's PCI functions (pci=) taken from the parent and
 * given to it, then the child started; freed with the reason if one
 * cannot be. The parent has not run yet: nothing of it maps them. */
static void start_with_functions(struct partition *p, struct partition *parent)
{
	for (u32 k = 0; k < p->cfg.npci; k++) {
		u32 bdf = p->cfg.pci[k];
		const char *why = "there is no parent partition to take it from";
		int r = -1;
		if (parent && !(why = parent_pci_not_isolated(parent, bdf)))
			r = passthru_assign(parent, p, bdf, &why);
		for (u32 tries = 0; r == HV_MORE && tries < 1000; tries++)
			r = passthru_assign(parent, p, bdf, &why);
		if (r != 0) {
			pr_err("partition '%s' not created: PCI %02x:%02x.%u: %s", p->cfg.name,
			       bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7,
			       why ? why : "its parent's vCPUs still map it");
			config_errors++;
			partition_free(p);
			return;
		}
	}
	partition_start(p);
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
		if (all_zero(m)) {
			/* GRUB 2.06 on UEFI reads a module it places at address 0
			 * through what its C code takes for a NULL buffer: nothing
			 * is read (scripts/mkguard.sh). */
			pr_err("module %u (partition '%s'): its %lu bytes at %#lx are all zero: the boot "
			       "loader did not deliver the image%s", i, cfg.name,
			       (unsigned long)(m->end - m->start), (unsigned long)m->start,
			       m->start == 0 ? " (GRUB on UEFI loses a module it places at address 0: "
					       "load a 'guard' module first)" : "");
			config_errors++;
			continue;
		}
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
		if (strlen(cfg.kernel_cmdline) >= sizeof(c->cfg.module_cmdline)) {
			pr_err("module %u: its command line is longer than %u bytes", i,
			       (u32)sizeof(c->cfg.module_cmdline) - 1);
			config_errors++;
			c->initrd = NULL;
			continue;
		}
		hv_strlcpy(c->cfg.module_cmdline, cfg.kernel_cmdline, sizeof(c->cfg.module_cmdline));
	}
	/* Children first: the parent gets the memory they leave. A child
	 * given PCI functions starts after the parent, whose creation turns
	 * the IOMMU on. */
	struct partition *waiting[MAX_PARTITIONS], *parent = NULL;
	u32 nwaiting = 0;
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
		if (p->cfg.npci && nwaiting < MAX_PARTITIONS)
			waiting[nwaiting++] = p;
		else
			partition_start(p);
	}
	if (parent_index >= 0) {
		struct child_module *c = &children[parent_index];
		parent = partition_create_parent(&c->cfg, c->image, c->size, c->initrd,
						 c->initrd_size, bi, hv_opts.parent_mem, err,
						 sizeof(err));
		if (!parent) {
			pr_err("parent partition not created: %s", err);
			config_errors++;
		}
	}
	for (u32 i = 0; i < nwaiting; i++)
		start_with_functions(waiting[i], parent);
	if (parent)
		partition_start(parent);
}

void partitions_boot(const struct boot_info *bi)
{
	if (!backend)
		return; /* vmm_virt_init said why nothing runs */
	partition_set_all_stopped_hook(all_stopped);
	manage_init();
	create_partitions(bi);
	if (power_test_mode() && nr_partitions == 0)
		test_finish(!config_errors, "a boot module was rejected");
}
