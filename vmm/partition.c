// SPDX-License-Identifier: GPL-2.0-only
/*
 * The partition object and its lifecycle: the table of partitions, memory
 * from the pool, the device registry, vCPUs, start, stop, restart, and the
 * report each stop leaves in the log. What a partition is made of -- its
 * image, its memory layout, its devices -- is its builder's business
 * (partitions/), which reaches the core through partition_ops.
 */
#include "vmm/partition.h"
#include "vmm/msr.h"
#include "vmm/channel.h"
#include "vmm/backend.h"
#include "vmm/fpu.h"
#include "vmm/console_input.h"
#include "vmm/part_event.h"
#include "vmm/vcpu_state.h"
#include "vmm/sched.h"
#include "vmm/spec.h"
#include "vmm/base/fmt.h"
#include "vmm/base/heap.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/math.h"
#include "vmm/base/paging.h"
#include "vmm/base/percpu.h"
#include "vmm/base/pmm.h"
#include "vmm/base/string.h"
#include "vmm/dev/platform.h"
#include "vmm/dev/testdev.h"
#include "vmm/dev/vlapic.h"
#include "drivers/timer.h"

struct partition *partitions[MAX_PARTITIONS];
u32 nr_partitions;
static volatile u32 live_partitions;
/* Taken with interrupts off: the console's input poll, in a timer
 * interrupt, walks the table under it. */
static spinlock_t table_lock = SPINLOCK_INIT;
spinlock_t partition_mgmt_lock = SPINLOCK_INIT;
volatile u32 partition_reap_pending;
static void pool_taken(struct partition *p, u64 bytes);
static void (*all_stopped_hook)(void);

void partition_set_all_stopped_hook(void (*fn)(void))
{
	all_stopped_hook = fn;
}

/* Second-level table pages, counted against the partition's quota. */
static paddr_t slat_alloc(void *ctx)
{
	struct partition *p = ctx;

	if (p->slat_quota && p->slat_pages >= p->slat_quota)
		return 0;
	paddr_t pa = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	if (pa)
		__atomic_fetch_add(&p->slat_pages, 1, __ATOMIC_RELAXED);
	return pa;
}

static void slat_free(void *ctx, paddr_t pa)
{
	struct partition *p = ctx;

	__atomic_fetch_sub(&p->slat_pages, 1, __ATOMIC_RELAXED);
	pmm_free(pa, 1);
}

struct partition *partition_alloc(const struct part_config *cfg,
				  const struct partition_ops *ops)
{
	struct partition *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->cfg = *cfg;
	p->ops = ops;
	p->state = PART_CREATED;
	if (!cfg->parent) {
		paddr_t ring = pmm_alloc_zeroed(CONSOLE_RING / PAGE_SIZE, PAGE_SIZE, 0);
		if (!ring) {
			kfree(p);
			return NULL;
		}
		p->con_ring = phys_to_virt(ring);
	}
	/* Large pages where the CPU allows them, but none on CPUs with the
	 * iTLB multihit erratum (vmm/spec.h). */
	u8 leaf = spec.small_pages ? 1 : cpu_has_1g_pages() ? 3 : 2;
	if (pt_init(&p->slat, backend->slat_format, leaf, slat_alloc, slat_free, p)) {
		if (p->con_ring)
			pmm_free(virt_to_phys(p->con_ring), CONSOLE_RING / PAGE_SIZE);
		kfree(p);
		return NULL;
	}
	return p;
}

const char *partition_add_region(struct partition *p, u64 gpa, paddr_t hpa, u64 size, bool pool)
{
	if (p->nr_ram >= MAX_RAM_REGIONS)
		return "memory too fragmented";
	p->ram[p->nr_ram++] = (struct mem_region){ gpa, size, hpa, pool };
	if (pt_map(&p->slat, gpa, hpa, size, PT_RWX | PT_USER) < 0)
		return "out of memory for nested page tables";
	return NULL;
}

const char *partition_add_ram(struct partition *p, u64 gpa, u64 size)
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
		const char *why = partition_add_region(p, gpa, hpa, chunk, true);
		if (why)
			return why;
		pool_taken(p, chunk);
		p->populated += chunk;
		gpa += chunk;
		size -= chunk;
	}
	return NULL;
}

/* Maps a chunk at gpa, extending the last region when both addresses
 * continue it (so regions stay few however many steps filled them). */
static const char *add_chunk(struct partition *p, u64 gpa, paddr_t hpa, u64 size)
{
	struct mem_region *last = p->nr_ram ? &p->ram[p->nr_ram - 1] : NULL;

	if (last && last->pool && last->gpa + last->size == gpa && last->hpa + last->size == hpa) {
		if (pt_map(&p->slat, gpa, hpa, size, PT_RWX | PT_USER) < 0)
			return "out of memory for nested page tables";
		last->size += size;
		return NULL;
	}
	return partition_add_region(p, gpa, hpa, size, true);
}

s64 partition_fill_ram(struct partition *p, u64 gpa, u64 size, u64 budget, const char **why)
{
	u64 mapped = 0;

	/* What of the range is mapped already: regions are added in order. */
	for (u32 i = 0; i < p->nr_ram; i++) {
		const struct mem_region *r = &p->ram[i];
		if (r->gpa >= gpa && r->gpa < gpa + size)
			mapped += MIN(r->size, gpa + size - r->gpa);
	}
	while (mapped < size && budget) {
		if (!p->fill_size) {
			u64 at = gpa + mapped, left = size - mapped;
			u64 chunk = MIN(left, GiB(1));
			u64 align = (at % GiB(1) == 0 && chunk == GiB(1)) ? GiB(1) : LARGE_PAGE_SIZE;
			paddr_t hpa = 0;
			while (chunk >= LARGE_PAGE_SIZE) {
				hpa = pmm_alloc(chunk / PAGE_SIZE, align, 0);
				if (hpa)
					break;
				chunk = ALIGN_DOWN(chunk / 2, LARGE_PAGE_SIZE);
				align = LARGE_PAGE_SIZE;
			}
			if (!hpa) {
				*why = "not enough free memory";
				return -1;
			}
			if (p->nr_ram >= MAX_RAM_REGIONS &&
			    !(p->ram[p->nr_ram - 1].gpa + p->ram[p->nr_ram - 1].size == at &&
			      p->ram[p->nr_ram - 1].hpa + p->ram[p->nr_ram - 1].size == hpa)) {
				pmm_free(hpa, chunk / PAGE_SIZE);
				*why = "memory too fragmented";
				return -1;
			}
			pool_taken(p, chunk);
			p->fill_hpa = hpa;
			p->fill_size = chunk;
			p->fill_done = 0;
		}
		u64 n = MIN(budget, p->fill_size - p->fill_done);
		memset((u8 *)phys_to_virt(p->fill_hpa) + p->fill_done, 0, n);
		p->fill_done += n;
		budget -= n;
		if (p->fill_done < p->fill_size)
			break;
		u32 regions = p->nr_ram;
		*why = add_chunk(p, gpa + mapped, p->fill_hpa, p->fill_size);
		if (*why) {
			if (p->nr_ram != regions)
				p->fill_size = 0; /* the region table has it: freed with p */
			return -1;
		}
		mapped += p->fill_size;
		p->populated += p->fill_size;
		p->fill_size = 0;
	}
	return (s64)mapped;
}

const char *partition_add_vcpu(struct partition *p, u32 apic_id, u64 cpu_mask)
{
	if (p->nr_vcpus >= MAX_VCPUS)
		return "too many vCPUs";
	struct vcpu *v = kzalloc(sizeof(*v));
	if (!v)
		return "out of memory for vCPUs";
	v->part = p;
	v->id = p->nr_vcpus;
	v->apic_id = apic_id;
	v->cpu_mask = cpu_mask;
	v->lapic = vlapic_create(v);
	if (!v->lapic || fpu_init_vcpu(v)) {
		vlapic_destroy(v->lapic);
		kfree(v);
		return "out of memory for vCPUs";
	}
	v->mtrr_def_type = 0xc06; /* MTRRs on, fixed on, default WB */
	v->misc_enable = MISC_ENABLE_RESET;
	v->dr_reset = true;
	p->vcpu[p->nr_vcpus++] = v;
	return NULL;
}

/* Ids count up and are never reused, so a call that names a partition
 * that went (a repeated destroy, a late status) cannot reach another. */
static u32 next_id = 1;

const char *partition_register(struct partition *p)
{
	u32 slot;

	u64 f = spin_lock_irqsave(&table_lock);
	for (slot = 0; slot < MAX_PARTITIONS && partitions[slot]; slot++)
		;
	if (slot >= MAX_PARTITIONS) {
		spin_unlock_irqrestore(&table_lock, f);
		return "too many partitions";
	}
	p->slot = slot;
	p->id = next_id++;
	partitions[slot] = p;
	nr_partitions++;
	spin_unlock_irqrestore(&table_lock, f);
	return NULL;
}

struct partition *partition_by_id(u64 id)
{
	for (u32 i = 0; id && i < MAX_PARTITIONS; i++) {
		struct partition *p = READ_ONCE(partitions[i]);
		if (p && p->id == id)
			return p;
	}
	return NULL;
}

void partition_scrub(struct partition *p)
{
	for (u32 i = 0; i < p->nr_ram; i++)
		if (p->ram[i].pool)
			memset(phys_to_virt(p->ram[i].hpa), 0, p->ram[i].size);
}

static void free_ram(struct partition *p, bool scrubbed)
{
	for (u32 i = 0; i < p->nr_ram; i++) {
		if (!p->ram[i].pool)
			continue;
		/* Scrub on the way out too: the next owner must see zeros. */
		if (!scrubbed)
			memset(phys_to_virt(p->ram[i].hpa), 0, p->ram[i].size);
		pmm_free(p->ram[i].hpa, p->ram[i].size / PAGE_SIZE);
	}
	p->nr_ram = 0;
}

void partition_unregister(struct partition *p)
{
	u64 f = spin_lock_irqsave(&table_lock);
	if (p->id && partitions[p->slot] == p) {
		partitions[p->slot] = NULL;
		nr_partitions--;
	}
	spin_unlock_irqrestore(&table_lock, f);
}

static void free_partition(struct partition *p, bool scrubbed)
{
	if (!p)
		return;
	partition_unregister(p);
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		if (p->vcpu[i]->arch)
			backend->vcpu_destroy(p->vcpu[i]);
		vlapic_destroy(p->vcpu[i]->lapic);
		fpu_free_vcpu(p->vcpu[i]);
		kfree(p->vcpu[i]->new_state);
		kfree(p->vcpu[i]);
	}
	free_ram(p, scrubbed);
	if (p->fill_size) /* a chunk not yet mapped; what was scrubbed of it
			   * is zero, the rest never held anything of p's */
		pmm_free(p->fill_hpa, p->fill_size / PAGE_SIZE);
	if (p->port_bitmap)
		pmm_free(p->port_bitmap, PORT_BITMAP_PAGES);
	if (p->slat.root)
		pt_destroy(&p->slat);
	platform_detach(p);
	channel_free(p);
	if (p->con_ring)
		pmm_free(virt_to_phys(p->con_ring), CONSOLE_RING / PAGE_SIZE);
	kfree(p);
}

void partition_free(struct partition *p)
{
	free_partition(p, false);
}

void partition_free_scrubbed(struct partition *p)
{
	free_partition(p, true);
}

void partition_trap_ports(struct partition *p, u32 base, u32 count)
{
	if (!p->port_bitmap)
		return; /* everything exits already */
	u8 *bm = phys_to_virt(p->port_bitmap);
	for (u32 port = base; port < base + count && port <= 0xffff; port++)
		bm[port / 8] |= (u8)(1u << (port % 8));
}

const char *partition_pass_ports(struct partition *p)
{
	if (p->port_bitmap)
		return NULL;
	paddr_t pa = pmm_alloc_zeroed(PORT_BITMAP_PAGES, PAGE_SIZE, 0);
	if (!pa)
		return "out of memory for the port bitmap";
	/* SVM's third page: accesses that run past port 0xffff exit. */
	memset(phys_to_virt(pa + 2 * PAGE_SIZE), 0xff, PAGE_SIZE);
	p->port_bitmap = pa;
	for (u32 i = 0; i < p->nr_io; i++)
		partition_trap_ports(p, p->io[i].base, p->io[i].count);
	return NULL;
}

int partition_add_io(struct partition *p, const struct io_device *d)
{
	if (p->nr_io >= MAX_IO_DEVICES)
		return -1;
	p->io[p->nr_io++] = *d;
	partition_trap_ports(p, d->base, d->count);
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

void partition_start(struct partition *p)
{
	u64 total = 0;

	for (u32 i = 0; i < p->nr_ram; i++)
		total += p->ram[i].size;
	pr_info("partition %u '%s': %u vCPU%s, %lu MiB, starting", p->id, p->cfg.name,
		p->nr_vcpus, p->nr_vcpus == 1 ? "" : "s", (unsigned long)(total >> 20));
	__atomic_fetch_add(&live_partitions, 1, __ATOMIC_SEQ_CST);
	p->start_tsc = rdtsc();
	p->cap_period = p->start_tsc;
	p->cap_budget = (s64)((u64)SCHED_SLICE_US * tsc_khz / 1000 * p->cfg.cap / 100);
	p->outcome = OUTCOME_NONE;
	p->stop_reason[0] = 0;
	p->state = PART_RUNNING;
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		if (p->vcpu[i]->queued)
			sched_kick(p->vcpu[i]);
		else
			sched_add(p->vcpu[i], p->vcpu[i]->cpu_mask);
	}
	part_event(p, HV_EVENT_STARTED, 0, NULL);
}

int partition_pause(struct partition *p)
{
	spin_lock(&p->lock);
	bool ok = p->state == PART_RUNNING;
	if (ok)
		p->state = PART_PAUSED;
	spin_unlock(&p->lock);
	if (!ok)
		return -1;
	/* Each vCPU leaves its CPU at its next exit, which the kick brings. */
	for (u32 i = 0; i < p->nr_vcpus; i++)
		sched_kick(p->vcpu[i]);
	part_event(p, HV_EVENT_PAUSED, 0, NULL);
	return 0;
}

int partition_resume(struct partition *p)
{
	spin_lock(&p->lock);
	bool ok = p->state == PART_PAUSED;
	if (ok)
		p->state = PART_RUNNING;
	spin_unlock(&p->lock);
	if (!ok)
		return -1;
	for (u32 i = 0; i < p->nr_vcpus; i++)
		sched_kick(p->vcpu[i]);
	part_event(p, HV_EVENT_RESUMED, 0, NULL);
	return 0;
}

const char *partition_state_name(u32 state)
{
	static const char *const names[] = {
		[PART_CREATED] = "created", [PART_RUNNING] = "running",
		[PART_RESTARTING] = "restarting", [PART_STOPPED] = "stopped",
		[PART_PAUSED] = "paused", [PART_REBUILD] = "rebuild", [PART_DYING] = "dying",
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
		[OUTCOME_PANIC] = "panic", [OUTCOME_DESTROYED] = "destroyed",
	};
	return o < ARRAY_SIZE(names) ? names[o] : "?";
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
	if (p->state == PART_DYING) {
		spin_unlock(&p->lock);
		return;
	}
	bool was_running = p->state == PART_RUNNING || p->state == PART_RESTARTING ||
			   p->state == PART_PAUSED;
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
	partition_ended(p, outcome, reason);
	if (was_running && __atomic_sub_fetch(&live_partitions, 1, __ATOMIC_SEQ_CST) == 0 &&
	    all_stopped_hook)
		all_stopped_hook();
}

/* ---- the pool --------------------------------------------------------- */

static u64 hv_reserve;     /* free memory the hypervisor keeps for itself */
static u64 pool_promised;  /* reserved for children, not yet taken */

void partition_pool_init(u64 hypervisor_reserve)
{
	hv_reserve = hypervisor_reserve;
}

u64 partition_pool_reserve_bytes(void)
{
	return hv_reserve;
}

u64 partition_pool_free(void)
{
	struct pmm_stats st;

	pmm_get_stats(&st);
	u64 free = st.free_pages * PAGE_SIZE;
	u64 used = hv_reserve + READ_ONCE(pool_promised);
	return free > used ? free - used : 0;
}

bool partition_pool_reserve(struct partition *p, u64 bytes)
{
	u64 f = spin_lock_irqsave(&table_lock);
	bool ok = partition_pool_free() >= bytes;
	if (ok) {
		pool_promised += bytes;
		p->reserved_pool = bytes;
	}
	spin_unlock_irqrestore(&table_lock, f);
	return ok;
}

/* Memory taken from the pool for p: no longer promised, now used. */
static void pool_taken(struct partition *p, u64 bytes)
{
	u64 f = spin_lock_irqsave(&table_lock);
	u64 n = MIN(bytes, p->reserved_pool);
	p->reserved_pool -= n;
	pool_promised -= n;
	spin_unlock_irqrestore(&table_lock, f);
}

void partition_pool_release(struct partition *p)
{
	pool_taken(p, p->reserved_pool);
}

/* ---- console output ---------------------------------------------------- */

void partition_console_record(struct partition *p, const char *s, u32 n)
{
	if (!p->con_ring)
		return;
	u64 f = spin_lock_irqsave(&p->con_lock);
	for (u32 i = 0; i < n; i++)
		p->con_ring[p->con_head++ % CONSOLE_RING] = s[i];
	spin_unlock_irqrestore(&p->con_lock, f);
}

u32 partition_console_read(struct partition *p, u64 *pos, u64 *end, char *buf, u32 len)
{
	u32 n = 0;

	if (!p->con_ring) {
		*end = 0;
		*pos = 0;
		return 0;
	}
	u64 f = spin_lock_irqsave(&p->con_lock);
	u64 head = p->con_head, oldest = head > CONSOLE_RING ? head - CONSOLE_RING : 0;
	u64 at = MIN(MAX(*pos, oldest), head);
	*pos = at;
	for (; at < head && n < len; at++)
		buf[n++] = p->con_ring[at % CONSOLE_RING];
	*end = head;
	spin_unlock_irqrestore(&p->con_lock, f);
	return n;
}

#define CONSOLE_BURST KiB(64)
#define CONSOLE_RATE KiB(16) /* bytes per second */

bool partition_console_allow(struct partition *p, u32 n)
{
	static struct log_ratelimit rl;
	u64 now = rdtsc();

	u64 f = spin_lock_irqsave(&p->console_lock);
	if (!p->console_refill_tsc) {
		p->console_tokens = CONSOLE_BURST;
		p->console_refill_tsc = now;
	}
	u64 earned = (now - p->console_refill_tsc) * CONSOLE_RATE / (tsc_khz * 1000);
	if (earned) {
		p->console_tokens = MIN(p->console_tokens + earned, (u64)CONSOLE_BURST);
		p->console_refill_tsc = now;
	}
	bool ok = p->console_tokens >= n;
	if (ok)
		p->console_tokens -= n;
	else
		p->console_dropped += n;
	u64 dropped = p->console_dropped;
	spin_unlock_irqrestore(&p->console_lock, f);
	if (!ok)
		log_limited(&rl, LOG_WARN, "partition '%s': console output over %u KiB/s: %lu bytes "
			    "dropped so far", p->cfg.name, (u32)(CONSOLE_RATE >> 10), (unsigned long)dropped);
	return ok;
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
	if (!p->ops || !p->ops->reload)
		return -1;
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
	const char *err = p->ops->reload(p);
	if (err) {
		pr_err("partition '%s': restart failed: %s", p->cfg.name, err);
		return -1;
	}
	for (u32 i = 0; i < p->nr_vcpus; i++)
		p->vcpu[i]->fpu_reset = p->vcpu[i]->dr_reset = true;
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
