// SPDX-License-Identifier: GPL-2.0-only
/* Building partitions from their descriptions: the kind of image, the
 * memory layout, the devices, the vCPUs and their starting state (again
 * at each restart, as the core's reload hook). */
#include "partitions/build.h"
#include "partitions/acpi_tables.h"
#include "partitions/linux.h"
#include "partitions/loader.h"
#include "partitions/multiboot.h"
#include "partitions/parent.h"
#include "vmm/vcpu_state.h"
#include "vmm/backend.h"
#include "vmm/gmem.h"
#include "vmm/host_irq.h"
#include "vmm/base/fmt.h"
#include "vmm/base/layout.h"
#include "vmm/base/math.h"
#include "vmm/base/percpu.h"
#include "vmm/base/pmm.h"
#include "vmm/base/x86.h"
#include "vmm/dev/platform.h"
#include "vmm/dev/testdev.h"
#include "vmm/dev/vlapic.h"

/* Guest-physical layout: RAM from 0, with the 3-4 GiB hole left for
 * devices (the LAPIC and I/O APIC pages, the test device). */
#define LOW_RAM_MAX GiB(3)
#define HIGH_RAM_BASE GiB(4)
/* Top of low RAM: the boot page tables of long-mode images. */
#define BOOT_AREA_SIZE (6 * PAGE_SIZE)

static u64 low_ram_top(const struct partition *p)
{
	return MIN(p->cfg.mem, LOW_RAM_MAX);
}

/* Identity map of the first 4 GiB with 2 MiB pages, for long-mode entry. */
static u64 build_boot_tables(struct partition *p)
{
	u64 base = low_ram_top(p) - BOOT_AREA_SIZE;
	u64 pml4 = base, pdpt = base + PAGE_SIZE, pd = base + 2 * PAGE_SIZE;
	u64 e;

	gpa_zero(p, base, BOOT_AREA_SIZE);
	e = pdpt | PTE_P | PTE_W;
	gpa_write(p, pml4, &e, 8);
	for (u64 i = 0; i < 4; i++) {
		e = (pd + i * PAGE_SIZE) | PTE_P | PTE_W;
		gpa_write(p, pdpt + i * 8, &e, 8);
	}
	for (u64 i = 0; i < 2048; i++) {
		e = (i << 21) | PTE_P | PTE_W | PTE_PS;
		gpa_write(p, pd + i * 8, &e, 8);
	}
	return pml4;
}

/*
 * Loads the image and computes every vCPU's starting state. Linux and
 * multiboot kernels get the PC platform's ACPI tables and their boot
 * protocol's entry state on vCPU 0, with the others waiting for SIPI as
 * on a PC; test images enter at their entry point on vCPU 0 (or on every
 * vCPU with start=all).
 */
static const char *load_and_reset(struct partition *p)
{
	struct vcpu_state bsp, s;
	struct image_info info;
	u64 cr3 = 0;
	const char *err = NULL;

	if (p->kind == IMAGE_LINUX || p->kind == IMAGE_MULTIBOOT) {
		u64 rsdp = 0;
		if (p->is_parent)
			rsdp = parent_rsdp(); /* the machine's tables */
		else if (p->platform && acpi_tables_build(p, &rsdp))
			return "the ACPI tables do not fit";
		err = p->kind == IMAGE_LINUX
			      ? linux_load(p, p->image, p->image_size, p->initrd, p->initrd_size,
					   p->cfg.kernel_cmdline, rsdp, &bsp)
			      : multiboot_load(p, p->image, p->image_size, p->cfg.kernel_cmdline,
					       p->initrd, p->initrd_size, p->cfg.module_cmdline, &bsp);
	} else {
		err = image_load(p, p->image, p->image_size, &p->cfg,
				 low_ram_top(p) - BOOT_AREA_SIZE, &info);
		if (!err && info.mode == ENTRY_LONG)
			cr3 = build_boot_tables(p);
	}
	if (err)
		return err;
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *v = p->vcpu[i];
		bool starts = i == 0 || (p->kind == IMAGE_PLAIN && p->cfg.start_all);
		if (p->kind != IMAGE_PLAIN && i == 0)
			s = bsp;
		else if (p->kind != IMAGE_PLAIN)
			vcpu_state_init(&s);
		else
			vcpu_state_entry(info.mode, info.entry, cr3, v->id, p->cfg.mem, &s);
		if (v->arch)
			backend->set_state(v, &s);
		else if (backend->vcpu_create(v, &s))
			return "out of memory for vCPU state";
		vcpu_reset_power_on(v);
		v->state = starts ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
	}
	return NULL;
}

/* Memory for a child: RAM from 0, the 3-4 GiB hole, the rest above. */
static const char *child_memory(struct partition *p)
{
	const char *why = partition_add_ram(p, 0, low_ram_top(p));

	if (!why && p->cfg.mem > LOW_RAM_MAX)
		why = partition_add_ram(p, HIGH_RAM_BASE, p->cfg.mem - LOW_RAM_MAX);
	return why;
}

static const struct partition_ops child_ops = { .reload = load_and_reset };

static struct partition *create(const struct part_config *cfg, const u8 *image, u64 size,
				const u8 *initrd, u64 initrd_size, const struct boot_info *bi,
				u64 parent_mem, char *err, size_t errlen)
{
	const char *why = NULL;
	struct partition *p = partition_alloc(cfg, cfg->parent ? &parent_ops : &child_ops);

	if (!p) {
		hv_snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->image = image;
	p->image_size = size;
	p->initrd = initrd;
	p->initrd_size = initrd_size;
	p->kind = linux_detect(image, size) ? IMAGE_LINUX
		  : multiboot_detect(image, size) ? IMAGE_MULTIBOOT : IMAGE_PLAIN;
	/* Kernels booted by a PC boot protocol expect a PC around them. */
	if (!cfg->platform_set)
		p->cfg.platform_pc = p->kind != IMAGE_PLAIN;
	if (p->kind == IMAGE_PLAIN && initrd) {
		why = "an initrd needs a Linux kernel image";
		goto fail;
	}
	p->is_parent = cfg->parent;
	if (p->is_parent && p->kind != IMAGE_LINUX) {
		why = "the parent must be a Linux kernel (bzImage)";
		goto fail;
	}
	if (!cfg->parent && cfg->mem < BOOT_AREA_SIZE + MiB(1)) {
		why = "mem= is too small";
		goto fail;
	}
	struct pmm_stats st;
	pmm_get_stats(&st);
	if (!cfg->parent && cfg->mem / PAGE_SIZE > st.free_pages) {
		why = "not enough free memory";
		goto fail;
	}
	why = cfg->parent ? parent_setup(p, bi, parent_mem) : child_memory(p);
	if (why)
		goto fail;
	if (p->cfg.testdev && testdev_attach(p)) {
		why = "too many devices";
		goto fail;
	}
	if (p->cfg.platform_pc && platform_attach(p, p->is_parent ? parent_platform() : NULL)) {
		why = "cannot attach the PC platform devices";
		goto fail;
	}
	if (p->cfg.exit_port && (why = exit_port_attach(p, p->cfg.exit_port)))
		goto fail;
	for (u32 i = 0; i < p->cfg.vcpus && !why; i++) {
		/* The parent's vCPU n is physical CPU n's double (parent.h). */
		if (p->is_parent)
			why = partition_add_vcpu(p, cpus[parent_vcpu_cpu(i)]->apic_id,
						 BIT(parent_vcpu_cpu(i)));
		else
			why = partition_add_vcpu(p, i, p->cfg.cpus_mask);
	}
	why = why ?: load_and_reset(p);
	/* The firmware's state on a new PC (a restart's reset of the devices
	 * applies it after every reload). */
	if (!why && p->platform)
		platform_firmware_state(p);
	why = why ?: partition_register(p);
	if (why)
		goto fail;
	if (p->is_parent)
		host_irq_init(p); /* the machine's interrupts are its */
	return p;

fail:
	hv_snprintf(err, errlen, "%s", why);
	partition_free(p);
	return NULL;
}

struct partition *partition_create(const struct part_config *cfg, const u8 *image, u64 size,
				   const u8 *initrd, u64 initrd_size, char *err, size_t errlen)
{
	if (cfg->parent) {
		hv_snprintf(err, errlen, "the parent is created by partition_create_parent");
		return NULL;
	}
	return create(cfg, image, size, initrd, initrd_size, NULL, 0, err, errlen);
}

struct partition *partition_create_parent(const struct part_config *cfg, const u8 *image,
					  u64 size, const u8 *initrd, u64 initrd_size,
					  const struct boot_info *bi, u64 parent_mem, char *err,
					  size_t errlen)
{
	if (!cfg->parent) {
		hv_snprintf(err, errlen, "not a parent description");
		return NULL;
	}
	return create(cfg, image, size, initrd, initrd_size, bi, parent_mem, err, errlen);
}

bool partition_outcome_expected(const struct partition *p)
{
	static const enum part_outcome want[] = {
		[EXPECT_PASS] = OUTCOME_PASS, [EXPECT_FAIL] = OUTCOME_FAIL,
		[EXPECT_FAULT] = OUTCOME_FAULT, [EXPECT_TRIPLE_FAULT] = OUTCOME_TRIPLE_FAULT,
		[EXPECT_TIMEOUT] = OUTCOME_TIMEOUT, [EXPECT_EXIT] = OUTCOME_EXIT,
		[EXPECT_POWEROFF] = OUTCOME_POWEROFF, [EXPECT_RESET] = OUTCOME_RESET,
	};
	if (p->cfg.expect == EXPECT_ANY)
		return p->outcome != OUTCOME_NONE;
	return p->outcome == want[p->cfg.expect];
}
