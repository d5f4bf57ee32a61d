// SPDX-License-Identifier: GPL-2.0-only
/* Partition lifecycle: create (memory, nested tables, image, vCPUs), stop,
 * restart, and the report each stop leaves in the log. */
#include "partitions/partition.h"
#include "partitions/acpi_tables.h"
#include "partitions/linux.h"
#include "partitions/loader.h"
#include "partitions/multiboot.h"
#include "partitions/parent.h"
#include "partitions/vcpu_state.h"
#include "vmm/backend.h"
#include "vmm/base/fmt.h"
#include "vmm/fpu.h"
#include "vmm/gmem.h"
#include "vmm/base/heap.h"
#include "vmm/host_irq.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/paging.h"
#include "vmm/base/percpu.h"
#include "vmm/dev/platform.h"
#include "vmm/base/pmm.h"
#include "vmm/sched.h"
#include "vmm/base/string.h"
#include "vmm/dev/testdev.h"
#include "vmm/dev/vlapic.h"
#include "vmm/base/x86.h"
#include "drivers/timer.h"

/* Guest-physical layout: RAM from 0, with the 3-4 GiB hole left for
 * devices (the LAPIC and I/O APIC pages, the test device). */
#define LOW_RAM_MAX GiB(3)
#define HIGH_RAM_BASE GiB(4)
/* Top of low RAM: the boot page tables of long-mode images. */
#define BOOT_AREA_SIZE (6 * PAGE_SIZE)

struct partition *partitions[MAX_PARTITIONS];
u32 nr_partitions;
static volatile u32 live_partitions;
static spinlock_t table_lock = SPINLOCK_INIT;
static partition_all_stopped_fn all_stopped_hook;

void partition_set_all_stopped_hook(partition_all_stopped_fn fn)
{
	all_stopped_hook = fn;
}

static paddr_t slat_alloc(void *ctx)
{
	(void)ctx;
	return pmm_alloc_zeroed(1, PAGE_SIZE, 0);
}

static void slat_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	pmm_free(pa, 1);
}

int partition_add_io(struct partition *p, const struct io_device *d)
{
	if (p->nr_io >= MAX_IO_DEVICES)
		return -1;
	p->io[p->nr_io++] = *d;
	return 0;
}

int partition_add_mmio(struct partition *p, const struct mmio_device *d)
{
	if (p->nr_mmio >= MAX_MMIO_DEVICES)
		return -1;
	p->mmio[p->nr_mmio++] = *d;
	return 0;
}

const struct io_device *partition_find_io(struct partition *p, u16 port)
{
	for (u32 i = 0; i < p->nr_io; i++)
		if (port >= p->io[i].base && port - p->io[i].base < p->io[i].count)
			return &p->io[i];
	return NULL;
}

const struct mmio_device *partition_find_mmio(struct partition *p, u64 gpa)
{
	for (u32 i = 0; i < p->nr_mmio; i++)
		if (gpa >= p->mmio[i].base && gpa - p->mmio[i].base < p->mmio[i].size)
			return &p->mmio[i];
	return NULL;
}

/* Backs [gpa, gpa+size) with host memory in 2 MiB-aligned extents,
 * scrubbed, and maps it in the nested tables. */
static const char *add_ram(struct partition *p, u64 gpa, u64 size)
{
	u64 chunk = size;

	while (size) {
		chunk = MIN(chunk, size);
		paddr_t hpa = pmm_alloc(chunk / PAGE_SIZE, LARGE_PAGE_SIZE, 0);
		if (!hpa) {
			if (chunk <= LARGE_PAGE_SIZE)
				return "not enough free memory";
			chunk = ALIGN_UP(chunk / 2, LARGE_PAGE_SIZE);
			continue;
		}
		if (p->nr_ram >= MAX_RAM_REGIONS) {
			pmm_free(hpa, chunk / PAGE_SIZE);
			return "memory too fragmented";
		}
		memset(phys_to_virt(hpa), 0, chunk);
		p->ram[p->nr_ram++] = (struct mem_region){ gpa, chunk, hpa };
		if (pt_map(&p->slat, gpa, hpa, chunk, PT_RWX | PT_USER) < 0)
			return "out of memory for nested page tables";
		gpa += chunk;
		size -= chunk;
	}
	return NULL;
}

static void free_ram(struct partition *p)
{
	for (u32 i = 0; i < p->nr_ram; i++) {
		/* The parent's first MiB was never the pool's. */
		if (p->is_parent && p->ram[i].hpa < MiB(1))
			continue;
		/* Scrub on the way out too: the next owner must see zeros. */
		memset(phys_to_virt(p->ram[i].hpa), 0, p->ram[i].size);
		pmm_free(p->ram[i].hpa, p->ram[i].size / PAGE_SIZE);
	}
	p->nr_ram = 0;
}

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
			      : multiboot_load(p, p->image, p->image_size, p->cfg.kernel_cmdline, &bsp);
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
		if (v->lapic)
			vlapic_reset(v->lapic);
		v->event.valid = false;
		v->nmi_pending = v->init_pending = v->sipi_pending = false;
		v->state = starts ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
	}
	return NULL;
}

static struct vcpu *vcpu_alloc(struct partition *p, u32 id)
{
	struct vcpu *v = kzalloc(sizeof(*v));

	if (!v)
		return NULL;
	v->part = p;
	v->id = id;
	/* The parent's vCPU n is physical CPU n's double (parent.h). */
	v->apic_id = p->is_parent ? cpus[parent_vcpu_cpu(id)]->apic_id : id;
	v->lapic = vlapic_create(v);
	if (!v->lapic || fpu_init_vcpu(v)) {
		vlapic_destroy(v->lapic);
		kfree(v);
		return NULL;
	}
	v->mtrr_def_type = 0xc06; /* MTRRs on, fixed on, default WB */
	return v;
}

/* Memory for a child: RAM from 0, the 3-4 GiB hole, the rest above. */
static const char *child_memory(struct partition *p)
{
	const char *why = add_ram(p, 0, low_ram_top(p));

	if (!why && p->cfg.mem > LOW_RAM_MAX)
		why = add_ram(p, HIGH_RAM_BASE, p->cfg.mem - LOW_RAM_MAX);
	return why;
}

static struct partition *create(const struct part_config *cfg, const u8 *image, u64 size,
				const u8 *initrd, u64 initrd_size, const struct boot_info *bi,
				u64 parent_mem, char *err, size_t errlen)
{
	const char *why = NULL;
	struct partition *p = kzalloc(sizeof(*p));

	if (!p) {
		hv_snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->cfg = *cfg;
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
	p->state = PART_CREATED;
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
	if (pt_init(&p->slat, backend->slat_format, cpu_has_1g_pages() ? 3 : 2, slat_alloc,
		    slat_free, NULL)) {
		why = "out of memory for nested page tables";
		goto fail;
	}
	why = cfg->parent ? parent_setup(p, bi, parent_mem) : child_memory(p);
	if (why)
		goto fail;
	if (p->cfg.testdev && testdev_attach(p)) {
		why = "too many devices";
		goto fail;
	}
	if (p->cfg.platform_pc && platform_attach(p)) {
		why = "cannot attach the PC platform devices";
		goto fail;
	}
	for (u32 i = 0; i < p->cfg.vcpus; i++) {
		p->vcpu[i] = vcpu_alloc(p, i);
		if (!p->vcpu[i]) {
			why = "out of memory for vCPUs";
			goto fail;
		}
		p->nr_vcpus = i + 1;
	}
	why = load_and_reset(p);
	if (why)
		goto fail;

	spin_lock(&table_lock);
	for (p->id = 1; p->id <= MAX_PARTITIONS && partitions[p->id - 1]; p->id++)
		;
	if (p->id > MAX_PARTITIONS) {
		spin_unlock(&table_lock);
		why = "too many partitions";
		goto fail;
	}
	partitions[p->id - 1] = p;
	nr_partitions++;
	spin_unlock(&table_lock);
	if (p->is_parent)
		host_irq_init(p); /* the machine's interrupts are its */
	return p;

fail:
	hv_snprintf(err, errlen, "%s", why);
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		if (p->vcpu[i]->arch)
			backend->vcpu_destroy(p->vcpu[i]);
		vlapic_destroy(p->vcpu[i]->lapic);
		kfree(p->vcpu[i]->fpu);
		kfree(p->vcpu[i]);
	}
	free_ram(p);
	if (p->slat.root)
		pt_destroy(&p->slat);
	platform_detach(p);
	kfree(p);
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

void partition_start(struct partition *p)
{
	u64 total = 0;

	for (u32 i = 0; i < p->nr_ram; i++)
		total += p->ram[i].size;
	pr_info("partition %u '%s': %u vCPU%s, %lu MiB, starting", p->id, p->cfg.name,
		p->nr_vcpus, p->nr_vcpus == 1 ? "" : "s", (unsigned long)(total >> 20));
	__atomic_fetch_add(&live_partitions, 1, __ATOMIC_SEQ_CST);
	p->start_tsc = rdtsc();
	p->state = PART_RUNNING;
	for (u32 i = 0; i < p->nr_vcpus; i++)
		sched_add(p->vcpu[i], p->is_parent ? BIT(parent_vcpu_cpu(i)) : p->cfg.cpus_mask);
}

const char *partition_state_name(u32 state)
{
	static const char *const names[] = {
		[PART_CREATED] = "created", [PART_RUNNING] = "running",
		[PART_RESTARTING] = "restarting", [PART_STOPPED] = "stopped",
	};
	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

const char *outcome_name(enum part_outcome o)
{
	static const char *const names[] = {
		[OUTCOME_NONE] = "none", [OUTCOME_PASS] = "pass", [OUTCOME_FAIL] = "fail",
		[OUTCOME_FAULT] = "fault", [OUTCOME_TRIPLE_FAULT] = "triple-fault",
		[OUTCOME_TIMEOUT] = "timeout", [OUTCOME_EXIT] = "exit",
		[OUTCOME_POWEROFF] = "poweroff", [OUTCOME_RESET] = "reset",
	};
	return o < ARRAY_SIZE(names) ? names[o] : "?";
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

static void report_exits(const struct partition *p)
{
	char line[512];
	int n = 0;
	u64 total = 0;
	u64 us = (p->stop_tsc - p->start_tsc) * 1000 / (tsc_khz ? tsc_khz : 1);

	for (int i = 0; i < NR_EXIT_STATS; i++) {
		u64 c = p->exit_counts[i];
		total += c;
		if (c && n < (int)sizeof(line))
			n += hv_snprintf(line + n, sizeof(line) - (size_t)n, " %s=%lu",
					 exit_stat_names[i], (unsigned long)c);
	}
	if (n == 0)
		line[0] = 0;
	pr_info("partition '%s' exits: total=%lu in %lu ms (%lu/s):%s", p->cfg.name,
		(unsigned long)total, (unsigned long)(us / 1000),
		(unsigned long)(us ? total * 1000000 / us : 0), line);
}

void partition_stop(struct partition *p, enum part_outcome outcome, const char *reason)
{
	spin_lock(&p->lock);
	if (p->state == PART_STOPPED) {
		spin_unlock(&p->lock);
		return;
	}
	bool was_running = p->state == PART_RUNNING || p->state == PART_RESTARTING;
	p->state = PART_STOPPED;
	p->stop_tsc = rdtsc();
	p->outcome = outcome;
	hv_strlcpy(p->stop_reason, reason, sizeof(p->stop_reason));
	spin_unlock(&p->lock);

	for (u32 i = 0; i < p->nr_vcpus; i++) {
		p->vcpu[i]->state = VCPU_STOPPED;
		sched_kick(p->vcpu[i]);
	}
	testdev_console_flush(p);
	pr_info("partition '%s' stopped: %s [%s]", p->cfg.name, reason, outcome_name(outcome));
	report_exits(p);
	if (was_running && __atomic_sub_fetch(&live_partitions, 1, __ATOMIC_SEQ_CST) == 0 &&
	    all_stopped_hook)
		all_stopped_hook();
}

/* Longest wait for the other vCPUs to leave their CPUs: an exit handler
 * is short, so this only ends a restart when something is badly wrong. */
#define RESTART_WAIT_MS 1000

/* Whether every vCPU of p but those on this CPU (the caller's own, which
 * is in the exit handler calling us) has left its CPU. */
static bool others_off_cpu(struct partition *p)
{
	for (u32 i = 0; i < p->nr_vcpus; i++)
		if (p->vcpu[i]->pcpu != this_cpu_id() &&
		    __atomic_load_n(&p->vcpu[i]->on_cpu, __ATOMIC_SEQ_CST))
			return false;
	return true;
}

int partition_restart(struct partition *p)
{
	spin_lock(&p->lock);
	if (p->state == PART_RESTARTING) {
		spin_unlock(&p->lock);
		return 0; /* another vCPU's reset got there first */
	}
	if (p->state != PART_RUNNING || ++p->restarts > 16) {
		spin_unlock(&p->lock);
		return -1;
	}
	p->state = PART_RESTARTING;
	spin_unlock(&p->lock);
	pr_info("partition '%s': restarting (restart %u)", p->cfg.name, p->restarts);

	/* A reset is a whole-machine event: every vCPU leaves the guest and
	 * stays out (the scheduler runs none of a partition that is not
	 * RUNNING) before memory and state change under it. */
	for (u32 i = 0; i < p->nr_vcpus; i++)
		sched_kick(p->vcpu[i]);
	u64 deadline = rdtsc() + (u64)RESTART_WAIT_MS * tsc_khz;
	while (!others_off_cpu(p)) {
		if (rdtsc() > deadline) {
			pr_err("partition '%s': restart failed: a vCPU did not leave its CPU",
			       p->cfg.name);
			return -1; /* still RESTARTING: the caller's stop counts it */
		}
		cpu_relax();
	}

	for (u32 i = 0; i < p->nr_ram; i++)
		memset(phys_to_virt(p->ram[i].hpa), 0, p->ram[i].size);
	/* The synthetic MSRs are zero after a reset (TLFS 3.13, 12.6). */
	memset(&p->hyperv, 0, sizeof(p->hyperv));
	const char *err = load_and_reset(p);
	if (err) {
		pr_err("partition '%s': restart failed: %s", p->cfg.name, err);
		return -1;
	}
	for (u32 i = 0; i < p->nr_vcpus; i++)
		p->vcpu[i]->fpu_reset = true;
	platform_devices_reset(p); /* as a hardware reset leaves them */
	/* Every vCPU flushes its nested-table translations at its next entry. */
	__atomic_fetch_add(&p->slat_generation, 1, __ATOMIC_SEQ_CST);

	spin_lock(&p->lock);
	bool resumed = p->state == PART_RESTARTING; /* not stopped meanwhile */
	if (resumed)
		p->state = PART_RUNNING;
	spin_unlock(&p->lock);
	if (!resumed)
		return 0;
	for (u32 i = 0; i < p->nr_vcpus; i++)
		sched_kick(p->vcpu[i]);
	return 0;
}
