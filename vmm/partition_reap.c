// SPDX-License-Identifier: GPL-2.0-only
/*
 * How partitions end: the event each ending posts for the parent, the
 * action a managed child's configuration names for it (destroy, restart,
 * preserve), and the reaper that carries out destroys and restarts in
 * bounded steps -- from the parent's HVC_PARTITION_DESTROY, or, for what
 * the hypervisor decided itself, from the boot CPU's scheduler loop.
 *
 * A destroy: the partition becomes DYING; each CPU takes the partition's
 * vCPUs off its runqueue and forgets them (vmm/sched.c); its memory is
 * scrubbed SCRUB_STEP at a time; then it is freed and its memory goes
 * back to the pool. A restart of a managed child (REBUILD): its vCPUs
 * off their CPUs, its memory scrubbed, vCPUs and devices reset; it then
 * waits for its builder in the parent to load it and start it again.
 */
#include "vmm/partition.h"
#include "vmm/backend.h"
#include "vmm/channel.h"
#include "vmm/share.h"
#include "vmm/console_input.h"
#include "vmm/part_event.h"
#include "vmm/sched.h"
#include "vmm/vcpu_state.h"
#include "vmm/base/heap.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/math.h"
#include "vmm/base/string.h"
#include "vmm/dev/passthru.h"
#include "vmm/dev/platform.h"
#include "vmm/dev/vlapic.h"
#include "drivers/timer.h"

/* How long a destroy waits for the child's backend in the parent to let
 * go of it (vmm/channel.h). */
#define BACKEND_GRACE_US 10000000ULL
/* Bytes scrubbed per step: a few milliseconds of memset. */
#define SCRUB_STEP MiB(32)

static u8 action_for(const struct partition *p, enum part_outcome o, u32 *type)
{
	switch (o) {
	case OUTCOME_POWEROFF:
		*type = HV_EVENT_POWEROFF;
		return p->cfg.on_poweroff;
	case OUTCOME_RESET:
		*type = HV_EVENT_REBOOTED;
		return p->cfg.on_reboot;
	case OUTCOME_FAULT:
	case OUTCOME_TRIPLE_FAULT:
	case OUTCOME_PANIC:
		*type = HV_EVENT_CRASHED;
		return p->cfg.on_crash;
	default:
		*type = HV_EVENT_STOPPED;
		return HV_ACTION_PRESERVE;
	}
}

static void queue_reap(struct partition *p, u8 work)
{
	spin_lock(&p->lock);
	bool first = p->reap == REAP_NONE;
	if (work == REAP_DESTROY || first) {
		p->reap = work;
		p->reap_phase = 0;
		p->reap_region = 0;
		p->reap_offset = 0;
	}
	spin_unlock(&p->lock);
	/* The boot CPU's scheduler loop looks at least every 50 ms. */
	if (first)
		__atomic_fetch_add(&partition_reap_pending, 1, __ATOMIC_SEQ_CST);
}

void partition_ended(struct partition *p, enum part_outcome outcome, const char *reason)
{
	u32 type;
	u8 action = action_for(p, outcome, &type);

	if (outcome == OUTCOME_DESTROYED)
		return; /* the destroy under way posts its own event */
	if (!p->cfg.managed)
		action = HV_ACTION_PRESERVE; /* boot children keep their on_reset= */
	if (action == HV_ACTION_RESTART) {
		/* Posted once the partition waits for its builder. */
		p->ended_event = (u8)type;
		p->ended_action = action;
		hv_strlcpy(p->ended_reason, reason, sizeof(p->ended_reason));
		queue_reap(p, REAP_REBUILD);
		return;
	}
	part_event(p, type, action, reason);
	if (action == HV_ACTION_DESTROY)
		queue_reap(p, REAP_DESTROY);
}

/* Whether every vCPU of p is off its CPU (and, dying, off its runqueue). */
static bool vcpus_gone(struct partition *p, bool unlinked)
{
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *v = p->vcpu[i];
		if (__atomic_load_n(&v->on_cpu, __ATOMIC_SEQ_CST))
			return false;
		if (unlinked && v->queued && !__atomic_load_n(&v->unlinked, __ATOMIC_SEQ_CST))
			return false;
	}
	return true;
}

static void kick_all(struct partition *p)
{
	for (u32 i = 0; i < p->nr_vcpus; i++)
		if (p->vcpu[i]->queued)
			sched_kick(p->vcpu[i]);
}

/* One SCRUB_STEP of zeroing p's pool memory; true when all of it is. */
static bool scrub_step(struct partition *p)
{
	u64 left = SCRUB_STEP;

	while (p->reap_region < p->nr_ram && left) {
		struct mem_region *r = &p->ram[p->reap_region];
		if (!r->pool || p->reap_offset >= r->size) {
			p->reap_region++;
			p->reap_offset = 0;
			continue;
		}
		u64 n = MIN(left, r->size - p->reap_offset);
		memset((u8 *)phys_to_virt(r->hpa) + p->reap_offset, 0, n);
		p->reap_offset += n;
		left -= n;
	}
	return p->reap_region >= p->nr_ram;
}

static bool destroy_step(struct partition *p)
{
	switch (p->reap_phase) {
	case 0: {
		u32 s = READ_ONCE(p->state);
		if (s == PART_RUNNING || s == PART_PAUSED || s == PART_RESTARTING)
			partition_stop(p, OUTCOME_DESTROYED, "destroyed by the parent");
		spin_lock(&p->lock);
		p->state = PART_DYING;
		p->outcome = OUTCOME_DESTROYED;
		spin_unlock(&p->lock);
		channel_close(p, "the partition is being destroyed");
		kick_all(p);
		p->reap_phase = 1;
		p->reap_region = 0;
		p->reap_offset = 0;
		return false;
	}
	case 1:
		if (!vcpus_gone(p, true)) {
			kick_all(p);
			return false;
		}
		/* Its passed-through devices stopped and reset before its
		 * memory can go: they DMA into it. */
		if (!passthru_reset_step(p, true))
			return false;
		p->reap_phase = 2;
		return false;
	case 2:
		/* Its backend in the parent has its RAM mapped until its file
		 * goes (the module then closes the channel): wait for that, a
		 * while, before the RAM can be someone else's -- a late write
		 * of an old backend must not land in the next child. */
		/* reap_wait_us is the start plus one (0: not waiting yet). The
		 * wait so far is never negative: a step in the same
		 * microsecond, or on a CPU whose clock reads a hair behind,
		 * must not read as a wait of 2^64 - 1 (it did on Bochs, and
		 * the grace never held). */
		if (!p->reap_wait_us)
			p->reap_wait_us = timer_uptime_us() + 1;
		u64 now = timer_uptime_us() + 1;
		u64 waited = now > p->reap_wait_us ? now - p->reap_wait_us : 0;
		if (channel_parent_attached(p) && waited < BACKEND_GRACE_US)
			return false;
		if (channel_parent_attached(p))
			pr_warn("partition '%s': its backend in the parent still holds it after "
				"%u s; destroying it anyway", p->cfg.name,
				(unsigned)(BACKEND_GRACE_US / 1000000));
		p->reap_wait_us = 0;
		p->reap_phase = 3;
		return false;
	case 3:
		/* Its RAM out of the parent's reach before it is scrubbed and
		 * can go to someone else. */
		if (!partition_unshare_step(p))
			return false;
		p->reap_phase = 4;
		return false;
	case 4:
		if (!scrub_step(p))
			return false;
		p->reap_phase = 5;
		return false;
	default:
		part_event(p, HV_EVENT_DESTROYED, HV_ACTION_DESTROY, NULL);
		pr_info("partition '%s' destroyed", p->cfg.name);
		/* Out of the table first: nothing finds it from now on. */
		partition_unregister(p);
		console_input_forget(p);
		part_event_forget(p);
		partition_pool_release(p);
		partition_free_scrubbed(p);
		return true;
	}
}

/* Every vCPU at its power-on state, waiting for INIT/SIPI (the builder
 * sets the ones that start); devices and synthetic MSRs reset. */
static bool reset_vcpus(struct partition *p)
{
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *v = p->vcpu[i];
		if (!v->new_state && !(v->new_state = kzalloc(sizeof(*v->new_state))))
			return false;
		vcpu_state_init(v->new_state);
		__atomic_store_n(&v->new_state_pending, true, __ATOMIC_RELEASE);
		vcpu_reset_power_on(v);
		v->fpu_reset = v->dr_reset = true;
		v->state = VCPU_WAIT_SIPI;
	}
	memset(&p->hyperv, 0, sizeof(p->hyperv));
	platform_devices_reset(p);
	__atomic_fetch_add(&p->slat_generation, 1, __ATOMIC_SEQ_CST);
	return true;
}

static bool rebuild_step(struct partition *p)
{
	switch (p->reap_phase) {
	case 0:
		if (!vcpus_gone(p, false) || !passthru_reset_step(p, false))
			return false;
		p->reap_phase = 1;
		return false;
	case 1:
		if (!scrub_step(p))
			return false;
		p->reap_phase = 2;
		return false;
	default:
		if (!reset_vcpus(p)) {
			/* No memory for a vCPU's state: it cannot come back. */
			p->ended_action = HV_ACTION_PRESERVE;
			part_event(p, p->ended_event, HV_ACTION_PRESERVE,
				   "its restart failed: out of memory");
			return true;
		}
		spin_lock(&p->lock);
		if (p->state == PART_STOPPED)
			p->state = PART_REBUILD;
		spin_unlock(&p->lock);
		p->restarts++;
		pr_info("partition '%s': reset, waiting for its builder (restart %u)", p->cfg.name,
			p->restarts);
		part_event(p, p->ended_event, p->ended_action, p->ended_reason);
		return true;
	}
}

/* One step of p's reaping; true when it is done (p may be gone). */
static bool reap_step(struct partition *p)
{
	bool destroy = p->reap == REAP_DESTROY;
	bool done = destroy ? destroy_step(p) : rebuild_step(p);

	if (done) {
		if (!destroy)
			p->reap = REAP_NONE; /* (a destroyed p is gone) */
		__atomic_fetch_sub(&partition_reap_pending, 1, __ATOMIC_SEQ_CST);
	}
	return done;
}

bool partition_destroy_step(struct partition *p)
{
	if (p->reap != REAP_DESTROY)
		queue_reap(p, REAP_DESTROY);
	return reap_step(p);
}

void partition_reap(void)
{
	if (!spin_trylock(&partition_mgmt_lock))
		return; /* the parent is at it: the next loop looks again */
	for (u32 i = 0; i < MAX_PARTITIONS; i++) {
		struct partition *p = partitions[i];
		if (p && p->reap != REAP_NONE) {
			reap_step(p);
			break; /* one step per scheduler loop */
		}
	}
	spin_unlock(&partition_mgmt_lock);
}
