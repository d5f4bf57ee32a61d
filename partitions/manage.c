// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parent's management calls (partitions/hv_abi.h, HVC_PARENT_FIRST
 * and up): create a child from the pool, populate it, load it, set its
 * vCPUs, start, pause, resume, press its power button, reset, destroy,
 * schedule, read its console and the hypervisor's log, follow events.
 *
 * Everything the parent passes is hostile input: every id, address,
 * length, name, flag and reserved field is checked, work per call is
 * bounded (populate and destroy continue over calls, HV_MORE), and a bad
 * call gets an error code and changes nothing. The calls are serialized
 * by partition_mgmt_lock, which also keeps the reaper (vmm/partition_reap.c)
 * away from a partition a call is working on.
 *
 * The parent builds a child's contents itself (its images are parsed in
 * the parent, as Xen's domain builder does in dom0): the hypervisor only
 * copies bytes into the child's RAM and sets vCPU state.
 */
#include "partitions/manage.h"
#include "partitions/manage_check.h"
#include "partitions/acpi_tables.h"
#include "partitions/config.h"
#include "vmm/backend.h"
#include "vmm/gmem.h"
#include "vmm/hypercall.h"
#include "vmm/dev/passthru.h"
#include "vmm/part_event.h"
#include "vmm/sched.h"
#include "vmm/vcpu_state.h"
#include "vmm/base/cpu.h"
#include "vmm/base/heap.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/math.h"
#include "vmm/base/percpu.h"
#include "vmm/base/power.h"
#include "vmm/base/string.h"
#include "vmm/dev/platform.h"
#include "vmm/dev/testdev.h"
#include "vmm/dev/vuart.h"
#include "drivers/timer.h"

/* Bytes of memory scrubbed per populate call. */
#define POPULATE_STEP MiB(32)
#define LIST_MAX MAX_PARTITIONS
#define EVENTS_MAX 64u

/* One bounce buffer for the copies, under partition_mgmt_lock. */
static u8 bounce[HV_WRITE_MAX];

static struct hc_result err(s64 e)
{
	return hc_ok(-e);
}

/* The partition an id names; the parent only where allowed. */
static struct partition *lookup(u64 id, bool parent_ok, s64 *e)
{
	struct partition *p = partition_by_id(id);

	*e = 0;
	if (!p || p->state == PART_DYING)
		*e = HV_ENOENT;
	else if (p->is_parent && !parent_ok)
		*e = HV_EPERM;
	return *e ? NULL : p;
}

static u64 online_mask(void)
{
	u64 m = 0;

	for (u32 c = 0; c < nr_cpus && c < 64; c++)
		if (cpus[c] && cpus[c]->online)
			m |= BIT(c);
	return m;
}

/* Its RAM layout (hv_abi.h): low RAM from 0, the rest from 4 GiB. */
static u64 low_size(const struct partition *p)
{
	return MIN(p->cfg.mem, HV_LOW_RAM_MAX);
}

/* ---- queries -------------------------------------------------------------- */

static struct hc_result hc_list(struct vcpu *v, const struct hc_args *a)
{
	u32 ids[LIST_MAX], n = 0;
	u64 max = a->a[1];

	for (u32 i = 0; i < MAX_PARTITIONS; i++) {
		struct partition *p = partitions[i];
		if (p && p->state != PART_DYING)
			ids[n++] = p->id;
	}
	if (max && gpa_write(v->part, a->a[0], ids, MIN((u64)n, max) * sizeof(u32)))
		return err(HV_EFAULT);
	return hc_ok(n);
}

static u32 status_state(const struct partition *p)
{
	switch (p->state) {
	case PART_RUNNING:
	case PART_RESTARTING:
		return HV_STATE_RUNNING;
	case PART_PAUSED:
		return HV_STATE_PAUSED;
	case PART_STOPPED:
		return HV_STATE_STOPPED;
	case PART_REBUILD:
		return HV_STATE_REBUILD;
	case PART_DYING:
		return HV_STATE_DYING;
	default:
		return HV_STATE_CREATED;
	}
}

static u32 status_outcome(enum part_outcome o)
{
	switch (o) {
	case OUTCOME_NONE: return HV_OUTCOME_NONE;
	case OUTCOME_POWEROFF: return HV_OUTCOME_POWEROFF;
	case OUTCOME_RESET: return HV_OUTCOME_REBOOT;
	case OUTCOME_FAULT:
	case OUTCOME_TRIPLE_FAULT:
	case OUTCOME_PANIC: return HV_OUTCOME_CRASH;
	case OUTCOME_TIMEOUT: return HV_OUTCOME_TIMEOUT;
	case OUTCOME_DESTROYED: return HV_OUTCOME_DESTROYED;
	default: return HV_OUTCOME_EXIT;
	}
}

static u64 tsc_ns(u64 ticks)
{
	return muldiv64(ticks, 1000000, tsc_khz ? tsc_khz : 1);
}

static struct hc_result hc_status(struct vcpu *v, const struct hc_args *a)
{
	static struct hv_partition_status st; /* under the lock; 1 KiB */
	s64 e;
	struct partition *p = lookup(a->a[0], true, &e);

	if (!p)
		return err(e);
	memset(&st, 0, sizeof(st));
	st.id = p->id;
	st.state = status_state(p);
	memcpy(st.name, p->cfg.name, sizeof(st.name));
	st.vcpus = p->nr_vcpus;
	st.flags = (p->is_parent ? HV_STATUS_PARENT : 0) |
		   (p->cfg.managed ? 0 : HV_STATUS_PRELAUNCHED) |
		   (p->platform ? HV_STATUS_PLATFORM_PC : 0);
	for (u32 i = 0; i < p->nr_ram; i++)
		st.populated_bytes += p->ram[i].size;
	st.memory_bytes = p->cfg.managed ? p->cfg.mem : st.populated_bytes;
	st.cpus = p->cfg.cpus_mask;
	st.weight = p->cfg.weight ? p->cfg.weight : HV_WEIGHT_DEFAULT;
	st.cap = p->cfg.cap;
	st.outcome = status_outcome(p->outcome);
	st.restarts = p->restarts;
	st.on_poweroff = p->cfg.on_poweroff;
	st.on_reboot = p->cfg.on_reboot;
	st.on_crash = p->cfg.on_crash;
	if (p->start_tsc) {
		u32 s = p->state;
		u64 end = (s == PART_STOPPED || s == PART_REBUILD) && p->stop_tsc ? p->stop_tsc : rdtsc();
		st.uptime_ns = end > p->start_tsc ? tsc_ns(end - p->start_tsc) : 0;
	}
	for (u32 i = 0; i < p->nr_vcpus && i < HV_VCPUS_MAX; i++) {
		const struct vcpu *c = p->vcpu[i];
		st.vcpu_run_ns[i] = tsc_ns(c->cpu_tsc);
		st.run_ns += st.vcpu_run_ns[i];
		st.wait_ns += tsc_ns(c->wait_tsc);
		st.capped_ns += tsc_ns(c->capped_tsc);
	}
	for (u32 i = 0; i < NR_EXIT_STATS && i < HV_EXIT_REASONS; i++)
		st.exits[i] = p->exit_counts[i];
	hv_strlcpy(st.stop_reason, p->stop_reason, sizeof(st.stop_reason));
	if (gpa_write(v->part, a->a[1], &st, sizeof(st)))
		return err(HV_EFAULT);
	return hc_ok(0);
}

static struct hc_result hc_pool_info(struct vcpu *v, const struct hc_args *a)
{
	struct hv_pool_info info;
	u32 n = 0;

	memset(&info, 0, sizeof(info));
	for (u32 i = 0; i < MAX_PARTITIONS; i++)
		n += partitions[i] && partitions[i]->state != PART_DYING;
	info.free_bytes = partition_pool_free();
	info.reserved_bytes = partition_pool_reserve_bytes();
	/* The pool: what is free, and what managed children hold. */
	info.total_bytes = info.free_bytes;
	for (u32 i = 0; i < MAX_PARTITIONS; i++) {
		const struct partition *p = partitions[i];
		if (p && p->cfg.managed)
			info.total_bytes += p->populated + p->reserved_pool;
	}
	for (u64 m = online_mask(); m; m &= m - 1)
		info.cpus++;
	info.partitions = n;
	if (gpa_write(v->part, a->a[0], &info, sizeof(info)))
		return err(HV_EFAULT);
	return hc_ok(0);
}

/* ---- create, populate, load ------------------------------------------------ */

/* A partition being destroyed no longer holds its name: once it is out
 * of the list a user may create its successor, while the old one's memory
 * is still being scrubbed (its id stays its own). */
static bool name_taken(const char *name)
{
	for (u32 i = 0; i < MAX_PARTITIONS; i++)
		if (partitions[i] && READ_ONCE(partitions[i]->state) != PART_DYING &&
		    !strcmp(partitions[i]->cfg.name, name))
			return true;
	return false;
}

static const struct partition_ops managed_ops; /* no reload: its builder reloads it */

static struct hc_result hc_create(struct vcpu *v, const struct hc_args *a)
{
	struct hv_create c;
	struct part_config cfg;
	struct vcpu_state init;
	const char *why = NULL;

	if (gpa_read(v->part, a->a[0], &c, sizeof(c)))
		return err(HV_EFAULT);
	s64 e = manage_check_create(&c, online_mask());
	if (!e && name_taken(c.name))
		e = HV_EEXIST;
	if (e)
		return err(e);

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.name, c.name, sizeof(cfg.name));
	cfg.mem = c.memory_bytes;
	cfg.vcpus = c.vcpus;
	cfg.cpus_mask = c.cpus & online_mask();
	cfg.weight = c.weight ? c.weight : HV_WEIGHT_DEFAULT;
	cfg.cap = c.cap;
	cfg.on_poweroff = c.on_poweroff;
	cfg.on_reboot = c.on_reboot;
	cfg.on_crash = c.on_crash;
	cfg.platform_pc = cfg.platform_set = c.flags & HV_CREATE_PLATFORM_PC;
	cfg.stop_unclaimed = c.flags & HV_CREATE_STOP_UNCLAIMED;
	cfg.managed = true;
	cfg.expect = EXPECT_ANY;
	/* In test mode the runner reads children from the log, and test
	 * images report through the test device. */
	cfg.console_log = cfg.testdev = power_test_mode();

	struct partition *p = partition_alloc(&cfg, &managed_ops);
	if (!p)
		return err(HV_ENOMEM);
	if (!partition_pool_reserve(p, cfg.mem)) {
		partition_free(p);
		return err(HV_ENOMEM);
	}
	vcpu_state_init(&init);
	for (u32 i = 0; i < cfg.vcpus && !why; i++) {
		why = partition_add_vcpu(p, i, cfg.cpus_mask);
		if (!why && backend->vcpu_create(p->vcpu[i], &init))
			why = "out of memory for vCPU state";
		if (!why)
			p->vcpu[i]->state = VCPU_WAIT_SIPI;
	}
	if (!why && cfg.testdev && testdev_attach(p))
		why = "too many devices";
	if (!why && cfg.platform_pc && platform_attach(p, NULL))
		why = "cannot attach the PC platform";
	if (!why && p->platform)
		platform_firmware_state(p);
	why = why ?: partition_register(p);
	if (why) {
		pr_warn("manage: creating '%s' failed: %s", cfg.name, why);
		partition_pool_release(p);
		partition_free(p);
		return err(HV_ENOMEM);
	}
	pr_info("manage: partition %u '%s' created: %u vCPU%s, %lu MiB", p->id, p->cfg.name,
		p->nr_vcpus, p->nr_vcpus == 1 ? "" : "s", (unsigned long)(cfg.mem >> 20));
	part_event(p, HV_EVENT_CREATED, 0, NULL);
	return hc_ok(p->id);
}

/* A partition its builder may load: new, or reset for a restart. */
static struct partition *buildable(u64 id, s64 *e)
{
	struct partition *p = lookup(id, false, e);

	if (p && (!p->cfg.managed || (p->state != PART_CREATED && p->state != PART_REBUILD))) {
		*e = HV_EBUSY;
		return NULL;
	}
	return p;
}

static struct hc_result hc_populate(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = buildable(a->a[0], &e);
	const char *why = NULL;
	(void)v;

	if (!p)
		return err(e);
	u64 low = low_size(p), high = p->cfg.mem - low;
	s64 done = partition_fill_ram(p, 0, low, POPULATE_STEP, &why);
	if (done >= 0 && (u64)done == low && high)
		done = partition_fill_ram(p, HV_HIGH_RAM_BASE, high, POPULATE_STEP, &why);
	if (done < 0) {
		pr_warn("manage: populating '%s' failed: %s", p->cfg.name, why);
		return err(!strcmp(why, "not enough free memory") ? HV_ENOMEM : HV_ENOSPC);
	}
	return hc_ok(p->populated >= p->cfg.mem ? 0 : HV_MORE);
}

static struct hc_result hc_write(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = buildable(a->a[0], &e);
	u64 gpa = a->a[1], src = a->a[2], len = a->a[3];

	if (!p)
		return err(e);
	if (len > HV_WRITE_MAX)
		return err(HV_E2BIG);
	if (gpa_read(v->part, src, bounce, len))
		return err(HV_EFAULT);
	/* Only its RAM: not device pages, not beyond what is populated. */
	if (len && !gpa_to_hva(p, gpa, len))
		return err(HV_EFAULT);
	if (gpa_write(p, gpa, bounce, len))
		return err(HV_EFAULT);
	return hc_ok(0);
}

static struct hc_result hc_vcpu_set(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = buildable(a->a[0], &e);
	struct hv_vcpu_state st;
	static const enum entry_mode modes[] = {
		[HV_MODE_REAL] = ENTRY_REAL, [HV_MODE_PROTECTED] = ENTRY_PROTECTED,
		[HV_MODE_LONG] = ENTRY_LONG,
	};

	if (!p)
		return err(e);
	if (a->a[1] >= p->nr_vcpus)
		return err(HV_EINVAL);
	if (gpa_read(v->part, a->a[2], &st, sizeof(st)))
		return err(HV_EFAULT);
	if ((e = manage_check_vcpu_state(&st)))
		return err(e);
	if (st.mode == HV_MODE_LONG && !gpa_to_hva(p, st.cr3, PAGE_SIZE))
		return err(HV_EINVAL); /* its page tables start in its RAM */

	struct vcpu *c = p->vcpu[array_index_nospec(a->a[1], p->nr_vcpus)];
	if (!c->new_state && !(c->new_state = kzalloc(sizeof(*c->new_state))))
		return err(HV_ENOMEM);
	/* The mode's architectural entry state, then the builder's registers. */
	vcpu_state_entry(modes[st.mode], st.rip, st.mode == HV_MODE_LONG ? st.cr3 : 0, c->id,
			 p->cfg.mem, c->new_state);
	for (u32 i = 0; i < NR_GPRS && i < 16; i++)
		c->new_state->gpr[i] = st.gpr[i];
	__atomic_store_n(&c->new_state_pending, true, __ATOMIC_RELEASE);
	c->state = (st.flags & HV_VCPU_RUNNABLE) ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
	return hc_ok(0);
}

/* ---- lifecycle -------------------------------------------------------------- */

static struct hc_result hc_start(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = buildable(a->a[0], &e);
	u64 rsdp;
	(void)v;

	if (!p)
		return err(e);
	if (p->populated < p->cfg.mem)
		return err(HV_EBUSY); /* populate it first */
	if (!passthru_ready(p))
		return err(HV_EAGAIN); /* the parent still maps a function given to it */
	if (p->platform && acpi_tables_build(p, &rsdp))
		return err(HV_ENOSPC);
	partition_start(p);
	return hc_ok(0);
}

static struct hc_result hc_pause(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = lookup(a->a[0], false, &e);
	(void)v;

	if (!p)
		return err(e);
	return hc_ok(partition_pause(p) ? -HV_EBUSY : 0);
}

static struct hc_result hc_resume(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = lookup(a->a[0], false, &e);
	(void)v;

	if (!p)
		return err(e);
	return hc_ok(partition_resume(p) ? -HV_EBUSY : 0);
}

static struct hc_result hc_shutdown(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = lookup(a->a[0], false, &e);
	(void)v;

	if (!p)
		return err(e);
	if (p->state != PART_RUNNING)
		return err(HV_EBUSY);
	if (platform_power_button(p))
		return err(HV_ENOSYS); /* no PC platform: no power button */
	part_event(p, HV_EVENT_SHUTDOWN_REQUESTED, 0, NULL);
	return hc_ok(0);
}

static struct hc_result hc_reset(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = lookup(a->a[0], false, &e);
	(void)v;

	if (!p)
		return err(e);
	if (p->state != PART_RUNNING && p->state != PART_PAUSED)
		return err(HV_EBUSY);
	/* A boot child that restarts on reset reloads its own image. */
	if (!p->cfg.managed && p->cfg.restart_on_reset && p->state == PART_RUNNING &&
	    partition_restart(p) == 0)
		return hc_ok(0);
	partition_stop(p, OUTCOME_RESET, "reset by the parent");
	return hc_ok(0);
}

static struct hc_result hc_destroy(struct vcpu *v, const struct hc_args *a)
{
	struct partition *p = partition_by_id(a->a[0]);
	(void)v;

	if (!p)
		return err(HV_ENOENT);
	if (p->is_parent)
		return err(HV_EPERM);
	return hc_ok(partition_destroy_step(p) ? 0 : HV_MORE);
}

static struct hc_result hc_sched(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = lookup(a->a[0], true, &e);
	u64 weight = a->a[1], cap = a->a[2];
	(void)v;

	if (!p)
		return err(e);
	if ((e = manage_check_sched(weight, cap, p->nr_vcpus, p->is_parent)))
		return err(e);
	if (weight)
		p->cfg.weight = (u32)weight;
	if (cap != 0xffffffffULL)
		p->cfg.cap = (u32)cap;
	return hc_ok(0);
}

/* ---- consoles, log, events ------------------------------------------------- */

static struct hc_result ring_reply(struct vcpu *v, u64 at, struct hv_ring_read *r, u32 n)
{
	if (gpa_write(v->part, r->buf, bounce, n) || gpa_write(v->part, at, r, sizeof(*r)))
		return err(HV_EFAULT);
	return hc_ok(n);
}

static struct hc_result hc_console_read(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = lookup(a->a[0], false, &e);
	struct hv_ring_read r;

	if (!p)
		return err(e);
	if (gpa_read(v->part, a->a[1], &r, sizeof(r)))
		return err(HV_EFAULT);
	if (r.len > HV_WRITE_MAX || r.reserved)
		return err(HV_EINVAL);
	u32 n = partition_console_read(p, &r.pos, &r.end, (char *)bounce, r.len);
	return ring_reply(v, a->a[1], &r, n);
}

static struct hc_result hc_log_read(struct vcpu *v, const struct hc_args *a)
{
	struct hv_ring_read r;

	if (gpa_read(v->part, a->a[0], &r, sizeof(r)))
		return err(HV_EFAULT);
	if (r.len > HV_WRITE_MAX || r.reserved)
		return err(HV_EINVAL);
	u32 n = (u32)log_history_read(&r.pos, &r.end, (char *)bounce, r.len);
	return ring_reply(v, a->a[0], &r, n);
}

static struct hc_result hc_console_input(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = lookup(a->a[0], false, &e);
	u64 len = a->a[2];
	u32 n = 0;

	if (!p)
		return err(e);
	if (len > HV_INPUT_MAX)
		return err(HV_E2BIG);
	if (!vuart_present(p))
		return err(HV_ENOSYS); /* no UART */
	if (gpa_read(v->part, a->a[1], bounce, len))
		return err(HV_EFAULT);
	while (n < len && p->state == PART_RUNNING && vuart_input_room(p))
		vuart_input(p, (char)bounce[n++]);
	return hc_ok(n);
}

static struct hc_result hc_event_read(struct vcpu *v, const struct hc_args *a)
{
	static struct hv_event ev[EVENTS_MAX];
	u64 max = MIN(a->a[1], (u64)EVENTS_MAX);

	u32 n = part_event_read(ev, (u32)max, a->a[2]);
	if (n && gpa_write(v->part, a->a[0], ev, n * sizeof(ev[0])))
		return err(HV_EFAULT);
	return hc_ok(n);
}

static struct hc_result hc_event_notify(struct vcpu *v, const struct hc_args *a)
{
	u64 vec = a->a[0];

	if (vec && (vec < 0x20 || vec > 0xff))
		return err(HV_EINVAL);
	/* Its vCPU 0: the interrupt wakes the driver, on whichever CPU. */
	part_event_notify(v->part->vcpu[0], (u8)vec);
	return hc_ok(0);
}

/* ---- the table ----------------------------------------------------------- */

LOCKED(hc_list)
LOCKED(hc_status)
LOCKED(hc_create)
LOCKED(hc_populate)
LOCKED(hc_write)
LOCKED(hc_vcpu_set)
LOCKED(hc_start)
LOCKED(hc_pause)
LOCKED(hc_resume)
LOCKED(hc_shutdown)
LOCKED(hc_reset)
LOCKED(hc_destroy)
LOCKED(hc_sched)
LOCKED(hc_console_read)
LOCKED(hc_console_input)
LOCKED(hc_log_read)
LOCKED(hc_event_read)
LOCKED(hc_event_notify)
LOCKED(hc_pool_info)

void manage_init(void)
{
	static const struct {
		u32 nr;
		hc_fn fn;
		const char *name;
	} calls[] = {
		{ HVC_PARTITION_LIST, locked_hc_list, "partition_list" },
		{ HVC_PARTITION_STATUS, locked_hc_status, "partition_status" },
		{ HVC_PARTITION_CREATE, locked_hc_create, "partition_create" },
		{ HVC_PARTITION_POPULATE, locked_hc_populate, "partition_populate" },
		{ HVC_PARTITION_WRITE, locked_hc_write, "partition_write" },
		{ HVC_VCPU_SET_STATE, locked_hc_vcpu_set, "vcpu_set_state" },
		{ HVC_PARTITION_START, locked_hc_start, "partition_start" },
		{ HVC_PARTITION_PAUSE, locked_hc_pause, "partition_pause" },
		{ HVC_PARTITION_RESUME, locked_hc_resume, "partition_resume" },
		{ HVC_PARTITION_SHUTDOWN, locked_hc_shutdown, "partition_shutdown" },
		{ HVC_PARTITION_RESET, locked_hc_reset, "partition_reset" },
		{ HVC_PARTITION_DESTROY, locked_hc_destroy, "partition_destroy" },
		{ HVC_PARTITION_SCHED, locked_hc_sched, "partition_sched" },
		{ HVC_CONSOLE_READ, locked_hc_console_read, "console_read" },
		{ HVC_CONSOLE_INPUT, locked_hc_console_input, "console_input" },
		{ HVC_LOG_READ, locked_hc_log_read, "log_read" },
		{ HVC_EVENT_READ, locked_hc_event_read, "event_read" },
		{ HVC_EVENT_NOTIFY, locked_hc_event_notify, "event_notify" },
		{ HVC_POOL_INFO, locked_hc_pool_info, "pool_info" },
	};

	for (u32 i = 0; i < ARRAY_SIZE(calls); i++)
		hypercall_register(calls[i].nr, calls[i].fn, calls[i].name, HC_PARENT);
	manage_dev_init();
}
