// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/sched.h"
#include "vmm/iommu.h"
#include "vmm/backend.h"
#include "vmm/console_input.h"
#include "vmm/debugreg.h"
#include "vmm/dump.h"
#include "vmm/base/fmt.h"
#include "vmm/fpu.h"
#include "vmm/base/log.h"
#include "vmm/base/math.h"
#include "vmm/partition.h"
#include "vmm/spec.h"
#include "vmm/base/percpu.h"
#include "vmm/base/trap.h"
#include "vmm/dev/vlapic.h"
#include "vmm/dev/platform.h"
#include "vmm/event.h"
#include "vmm/msr.h"
#include "vmm/base/x86.h"
#include "drivers/lapic.h"
#include "drivers/timer.h"

struct runqueue {
	spinlock_t lock;
	struct vcpu *head;
	u32 count;
	struct vcpu *last;        /* ran most recently: the tie-break point */
	u64 min_vruntime;         /* the smallest vruntime a runnable vCPU had */
	struct vcpu *fpu_owner;   /* whose FPU state is in the registers */
	struct vcpu *dr_owner;    /* whose DR0-DR3 and DR6 are */
	struct partition *last_part; /* whose vCPU ran last: IBPB on a change */
	volatile bool need_resched;
	bool dump;                /* a dump waits for this CPU's answer */
	u64 timer_armed;          /* host TSC the LAPIC timer fires at, 0 = off */
	u64 acct_tsc;             /* waits are accounted up to here */
	struct vcpu *ran;         /* ran since acct_tsc, for ran_tsc */
	u64 ran_tsc;
};

static struct runqueue rqs[MAX_CPUS];
static u32 place_next;
static spinlock_t place_lock = SPINLOCK_INIT;

/*
 * The dump: each CPU writes its own runqueue at the top of its
 * scheduling loop, where the registers of any vCPU placed on it can be
 * read. A CPU that has not answered DUMP_WAIT_MS after the request (stuck
 * in the hypervisor with interrupts off, say) is written by the next CPU
 * whose timer fires, from what memory says of it.
 */
#define DUMP_WAIT_MS 500
#define CONSOLE_POLL_MS 50
#define SLICE_TSC() ((u64)SCHED_SLICE_US * tsc_khz / 1000)
static u64 dump_started;  /* host TSC of the request; 0 = none under way */
static u32 dump_waiting;  /* CPUs yet to answer */
static spinlock_t dump_lock = SPINLOCK_INIT; /* one CPU's lines at a time */

static void dump_runqueue(struct runqueue *rq, u32 cpu, bool own)
{
	u64 now = rdtsc();
	char timer[40] = "off";

	spin_lock(&dump_lock);
	if (rq->timer_armed && rq->timer_armed != UINT64_MAX) {
		u64 us = rq->timer_armed > now ? (rq->timer_armed - now) * 1000 / tsc_khz : 0;
		hv_snprintf(timer, sizeof(timer), "in %lu.%03lu ms", (unsigned long)(us / 1000),
			    (unsigned long)(us % 1000));
	}
	log_printf(LOG_ALWAYS, "dump: cpu%u%s: %u vCPUs, need_resched %u, timer %s", cpu,
		   own ? "" : " (did not answer: state as memory has it)", rq->count,
		   rq->need_resched, timer);
	for (struct vcpu *v = rq->head; v; v = v->rq_next)
		vcpu_dump(v, now, own);
	spin_unlock(&dump_lock);
	if (__atomic_sub_fetch(&dump_waiting, 1, __ATOMIC_SEQ_CST) == 0) {
		log_printf(LOG_ALWAYS, "dump: end");
		__atomic_store_n(&dump_started, 0, __ATOMIC_SEQ_CST);
	}
}

void sched_dump_request(void)
{
	u32 me = this_cpu_id(), n = 0;

	if (__atomic_load_n(&dump_started, __ATOMIC_SEQ_CST))
		return; /* one at a time */
	for (u32 c = 0; c < nr_cpus; c++)
		n += cpus[c] && cpus[c]->online;
	log_printf(LOG_ALWAYS, "dump: vCPU state on %u CPUs", n);
	for (u32 i = 0; i < MAX_PARTITIONS; i++) {
		struct partition *p = READ_ONCE(partitions[i]);
		if (p)
			log_printf(LOG_ALWAYS, "dump: partition '%s': %s, %u vCPUs%s%s", p->cfg.name,
				   partition_state_name(p->state), p->nr_vcpus,
				   p->stop_reason[0] ? ", stopped: " : "", p->stop_reason);
	}
	__atomic_store_n(&dump_waiting, n, __ATOMIC_SEQ_CST);
	__atomic_store_n(&dump_started, rdtsc() | 1, __ATOMIC_SEQ_CST);
	for (u32 c = 0; c < nr_cpus; c++) {
		if (!cpus[c] || !cpus[c]->online)
			continue;
		__atomic_store_n(&rqs[c].dump, true, __ATOMIC_SEQ_CST);
		if (c == me)
			rqs[c].need_resched = true;
		else
			lapic_send_ipi(cpus[c]->apic_id, ICR_FIXED | VEC_IPI_RESCHED);
	}
}

/* From a timer interrupt: writes the CPUs that let a dump wait too long. */
static void dump_overdue(void)
{
	u64 started = __atomic_load_n(&dump_started, __ATOMIC_SEQ_CST);

	if (!started || rdtsc() - started < DUMP_WAIT_MS * tsc_khz)
		return;
	for (u32 c = 0; c < nr_cpus; c++)
		if (__atomic_exchange_n(&rqs[c].dump, false, __ATOMIC_SEQ_CST))
			dump_runqueue(&rqs[c], c, false);
}

static void timer_irq(struct trap_frame *f)
{
	(void)f;
	struct runqueue *rq = &rqs[this_cpu_id()];
	rq->timer_armed = 0;
	rq->need_resched = true;
	if (iommu_polled && rq == &rqs[0])
		iommu_fault_pending = 1; /* its event logs are looked at */
	console_input_poll(); /* one port read when no byte waits */
	log_drain();
	dump_overdue();
	trap_report_nmis();
}

static void resched_irq(struct trap_frame *f)
{
	(void)f;
	rqs[this_cpu_id()].need_resched = true;
}

/* An IOMMU fault: reported from the scheduler loop, not from here. */
static void iommu_irq(struct trap_frame *f)
{
	(void)f;
	iommu_fault_pending = 1;
	rqs[this_cpu_id()].need_resched = true;
}

void sched_init(void)
{
	irq_register(VEC_TIMER, timer_irq);
	irq_register(VEC_IPI_RESCHED, resched_irq);
	irq_register(VEC_IOMMU, iommu_irq);
}

u32 sched_vcpus_on(u32 cpu)
{
	return rqs[cpu].count;
}

void sched_add(struct vcpu *v, u64 mask)
{
	spin_lock(&place_lock);
	u32 cpu = 0;
	for (u32 tries = 0; tries < nr_cpus; tries++) {
		cpu = place_next++ % nr_cpus;
		if ((!mask || (mask & BIT(cpu % 64))) && cpus[cpu] && cpus[cpu]->online)
			break;
	}
	spin_unlock(&place_lock);
	v->pcpu = cpu;
	struct runqueue *rq = &rqs[cpu];
	u64 f = spin_lock_irqsave(&rq->lock);
	v->vruntime = rq->min_vruntime; /* a newcomer starts even with the others */
	v->rq_next = rq->head;
	rq->head = v;
	rq->count++;
	v->queued = true;
	spin_unlock_irqrestore(&rq->lock, f);
	sched_kick(v);
}

void sched_kick(struct vcpu *v)
{
	if (v->pcpu == this_cpu_id()) {
		rqs[v->pcpu].need_resched = true;
		return;
	}
	if (cpus[v->pcpu] && cpus[v->pcpu]->online)
		lapic_send_ipi(cpus[v->pcpu]->apic_id, ICR_FIXED | VEC_IPI_RESCHED);
}

void sched_timer_changed(struct vcpu *v)
{
	if (v->pcpu == this_cpu_id())
		rqs[v->pcpu].timer_armed = UINT64_MAX; /* force a re-arm */
}

/* Programs the one-shot LAPIC timer to fire at host TSC `when`. */
static void arm_timer(struct runqueue *rq, u64 when)
{
	if (when == rq->timer_armed)
		return;
	rq->timer_armed = when;
	if (!when || when == UINT64_MAX) {
		lapic_timer_stop();
		rq->timer_armed = 0;
		return;
	}
	u64 now = rdtsc();
	u64 ticks = when > now ? muldiv64(when - now, lapic_timer_khz, tsc_khz) : 1;
	lapic_timer_start((u32)MIN(MAX(ticks, 1ULL), 0xffffffffULL), false);
}

/*
 * Which runnable vCPU runs next: the one that has had the least CPU time
 * (vruntime, TSC ticks it held the CPU), the ones after the last to run
 * first on a tie. A vCPU that slept comes back with at most half a slice
 * less than the least of the others (a sleeper's credit, bounded), so a
 * woken vCPU runs at once, ahead of ones that have been computing, yet
 * one that halts and wakes all the time still gets no more than its
 * share: its time counts all the same.
 */
static void wake_credit(struct runqueue *rq, struct vcpu *v)
{
	u64 floor = rq->min_vruntime > SLICE_TSC() / 2 ? rq->min_vruntime - SLICE_TSC() / 2 : 0;

	if (v->vruntime < floor)
		v->vruntime = floor;
}

/*
 * Caps (HVC_PARTITION_SCHED): a partition with a cap of c% gets c% of
 * one CPU's time per CAP_PERIOD, shared by its vCPUs wherever they run.
 * Time is charged from TSC deltas at every switch (run_vcpu), never
 * sampled at ticks, so a guest cannot dodge it by yielding before one.
 * What a period leaves unused is not carried over; what a vCPU overran
 * (its slice ends at most at the budget's end, but vCPUs on several CPUs
 * draw at once) is paid back from the next period.
 */
#define CAP_PERIOD_US 10000
#define CAP_PERIOD_TSC() ((u64)CAP_PERIOD_US * tsc_khz / 1000)

static s64 cap_quota(const struct partition *p)
{
	return (s64)(CAP_PERIOD_TSC() * p->cfg.cap / 100);
}

/* The budget left now (refilled when a period has passed); S64_MAX
 * without a cap. */
static s64 cap_left(struct partition *p, u64 now)
{
	if (!p->cfg.cap)
		return INT64_MAX;
	u64 f = spin_lock_irqsave(&p->cap_lock);
	u64 period = CAP_PERIOD_TSC();
	if (now - p->cap_period >= period) {
		u64 n = (now - p->cap_period) / period;
		s64 quota = cap_quota(p);
		p->cap_budget = MIN(p->cap_budget + (s64)n * quota, quota);
		p->cap_period += n * period;
	}
	s64 left = p->cap_budget;
	spin_unlock_irqrestore(&p->cap_lock, f);
	return left;
}

/* When a capped partition may run again: its next period. */
static u64 cap_next(struct partition *p)
{
	return p->cap_period + CAP_PERIOD_TSC();
}

static void cap_charge(struct partition *p, u64 ticks)
{
	if (p->cfg.cap)
		__atomic_fetch_sub(&p->cap_budget, (s64)ticks, __ATOMIC_RELAXED);
}

static bool capped(struct partition *p, u64 now)
{
	return cap_left(p, now) <= 0;
}

/* CPU time in vruntime units: a partition of weight w advances at
 * HV_WEIGHT_DEFAULT / w the rate, so CPU time splits as the weights. */
static u64 weighted(const struct partition *p, u64 ticks)
{
	u32 w = p->cfg.weight ? p->cfg.weight : HV_WEIGHT_DEFAULT;

	return ticks * HV_WEIGHT_DEFAULT / w;
}

/* INIT and start-up IPIs take effect on the target's own CPU. */
static void process_init_sipi(struct vcpu *v)
{
	if (__atomic_exchange_n(&v->init_pending, false, __ATOMIC_SEQ_CST)) {
		vcpu_reset_to_init(v);
		v->state = VCPU_WAIT_SIPI;
	}
	if (__atomic_exchange_n(&v->sipi_pending, false, __ATOMIC_SEQ_CST) &&
	    v->state == VCPU_WAIT_SIPI) {
		vcpu_start_at_sipi(v, v->sipi_vector);
		v->state = VCPU_RUNNABLE;
	}
}

/* Fires v's due timers -- its local APIC's, and the PC's PIT on the
 * first vCPU -- and returns the host TSC of the next, or 0. */
static u64 vcpu_timers(struct vcpu *v, u64 now)
{
	u64 d = v->lapic ? vlapic_timer_update(v->lapic, now) : 0;
	u64 e = v->id == 0 ? platform_timer_update(v->part, now) : 0;

	return !d ? e : !e ? d : MIN(d, e);
}

/* v's time limit, INIT/SIPI, timer and wake-up; returns the host TSC of
 * its next event (UINT64_MAX for none). */
static u64 update_vcpu(struct vcpu *v, u64 now)
{
	struct partition *p = v->part;
	u64 next = UINT64_MAX;

	if (p->cfg.timeout_ms) {
		u64 deadline = p->start_tsc + (u64)p->cfg.timeout_ms * tsc_khz;
		if (now >= deadline) {
			partition_stop(p, OUTCOME_TIMEOUT, "time limit reached");
			return next;
		}
		next = deadline;
	}
	process_init_sipi(v);
	u64 d = vcpu_timers(v, now);
	if (d)
		next = MIN(next, d);
	if (v->state == VCPU_HALTED &&
	    (v->nmi_pending || (v->halted_if && vcpu_interrupt_pending(v)))) {
		v->state = VCPU_RUNNABLE;
		wake_credit(&rqs[v->pcpu], v);
	}
	return next;
}

/* Timers, watchdogs and wake-ups of every vCPU here; returns the host TSC
 * of the earliest future event. */
static u64 update_vcpus(struct runqueue *rq, u64 now)
{
	u64 next = UINT64_MAX;

	for (struct vcpu *v = rq->head; v; v = v->rq_next) {
		struct partition *p = v->part;
		if (p->state != PART_RUNNING || v->state == VCPU_STOPPED)
			continue;
		/* Busy with v, as in run_vcpu(): a restart waits for this. */
		__atomic_store_n(&v->on_cpu, true, __ATOMIC_SEQ_CST);
		if (p->state == PART_RUNNING)
			next = MIN(next, update_vcpu(v, now));
		if (p->cfg.cap && v->state == VCPU_RUNNABLE && capped(p, now))
			next = MIN(next, cap_next(p));
		__atomic_store_n(&v->on_cpu, false, __ATOMIC_SEQ_CST);
	}
	return next;
}

/*
 * What each vCPU here did since the last look: the one that ran was
 * charged in run_vcpu(); every other runnable one waited, for its CPU
 * or for its partition's cap (hvctl top shows both).
 */
static void account_waits(struct runqueue *rq, u64 now)
{
	u64 delta = now - rq->acct_tsc;

	rq->acct_tsc = now;
	for (struct vcpu *v = rq->head; v; v = v->rq_next) {
		struct partition *p = v->part;
		if (v->state != VCPU_RUNNABLE || p->state != PART_RUNNING)
			continue;
		u64 d = delta;
		if (v == rq->ran)
			d = delta > rq->ran_tsc ? delta - rq->ran_tsc : 0;
		if (capped(p, now))
			v->capped_tsc += d;
		else
			v->wait_tsc += d;
	}
	rq->ran = NULL;
	rq->ran_tsc = 0;
}

/*
 * vCPUs of a dying partition leave the runqueue here, on their own CPU
 * (nothing else walks it), and this CPU forgets every pointer to them
 * before partition_destroy_step() may free them.
 */
static void unlink_dying(struct runqueue *rq)
{
	struct vcpu **pp = &rq->head;

	while (*pp) {
		struct vcpu *v = *pp;
		if (v->part->state != PART_DYING) {
			pp = &v->rq_next;
			continue;
		}
		u64 f = spin_lock_irqsave(&rq->lock);
		*pp = v->rq_next;
		rq->count--;
		spin_unlock_irqrestore(&rq->lock, f);
		if (rq->last == v)
			rq->last = NULL;
		if (rq->ran == v)
			rq->ran = NULL;
		if (rq->fpu_owner == v)
			rq->fpu_owner = NULL; /* its registers: nobody's now */
		if (rq->dr_owner == v)
			rq->dr_owner = NULL;
		if (rq->last_part == v->part)
			rq->last_part = NULL; /* the next partition gets its IBPB */
		v->rq_next = NULL;
		__atomic_store_n(&v->unlinked, true, __ATOMIC_SEQ_CST);
	}
}

static struct vcpu *pick(struct runqueue *rq)
{
	struct vcpu *start = rq->last && rq->last->rq_next ? rq->last->rq_next : rq->head;
	struct vcpu *v = start, *best = NULL;

	if (!v)
		return NULL;
	do {
		if (v->state == VCPU_RUNNABLE && v->part->state == PART_RUNNING &&
		    (!best || v->vruntime < best->vruntime) && !capped(v->part, rdtsc()))
			best = v;
		v = v->rq_next ? v->rq_next : rq->head;
	} while (v != start);
	if (best && best->vruntime > rq->min_vruntime)
		rq->min_vruntime = best->vruntime;
	return best;
}

/* Runs v until it halts, stops, or its slice or another event ends it. */
static void run_vcpu(struct runqueue *rq, struct vcpu *v, u64 others_next)
{
	struct partition *p = v->part;
	u64 start = rdtsc();
	u64 slice_end = start + SCHED_SLICE_US * tsc_khz / 1000;
	s64 budget = cap_left(p, start);

	if (budget < INT64_MAX && budget > 0)
		slice_end = MIN(slice_end, start + (u64)budget);

	/* Seen by partition_restart(), which waits for its vCPUs to be off
	 * their CPUs; the order against the state check below matters. */
	__atomic_store_n(&v->on_cpu, true, __ATOMIC_SEQ_CST);
	if (v->part->state != PART_RUNNING) {
		__atomic_store_n(&v->on_cpu, false, __ATOMIC_SEQ_CST);
		return;
	}
	if (__atomic_load_n(&v->new_state_pending, __ATOMIC_ACQUIRE)) {
		/* Here, on its own CPU, between guests: a VMCS is made
		 * current only where it will run (vmx/vmx.c). */
		backend->set_state(v, v->new_state);
		__atomic_store_n(&v->new_state_pending, false, __ATOMIC_RELEASE);
	}
	if (v->fpu_reset) {
		v->fpu_reset = false;
		fpu_reset(v);
		if (rq->fpu_owner == v)
			rq->fpu_owner = NULL; /* the registers hold the old state */
	}
	if (rq->fpu_owner != v) {
		fpu_switch(rq->fpu_owner, v);
		rq->fpu_owner = v;
	}
	/* A different partition's branch predictions must not steer this
	 * one (vmm/spec.h). */
	if (rq->last_part != v->part) {
		if (spec.ibpb)
			wrmsr(MSR_PRED_CMD, 1);
		rq->last_part = v->part;
	}
	if (v->dr_reset) {
		v->dr_reset = false;
		debugreg_init(v);
		if (rq->dr_owner == v)
			rq->dr_owner = NULL; /* the registers hold the old values */
	}
	if (rq->dr_owner != v) {
		debugreg_switch(rq->dr_owner, v);
		rq->dr_owner = v;
	}
	rq->last = v;
	msr_load_tsc_aux(v);
	for (;;) {
		u64 now = rdtsc();
		u64 d = vcpu_timers(v, now);
		u64 when = MIN(slice_end, others_next);
		if (d)
			when = MIN(when, d);
		arm_timer(rq, when);
		v->run_until = when;
		rq->need_resched = false;

		u64 t0 = rdtsc();
		/* Set before the backend reads slat_generation: a shootdown
		 * (vmm/share.c) that bumps it after that read sees the flag. */
		__atomic_store_n(&v->in_guest, true, __ATOMIC_SEQ_CST);
		enum exit_action a = backend->run(v);
		__atomic_store_n(&v->in_guest, false, __ATOMIC_SEQ_CST);
		u64 ran = rdtsc() - t0;
		v->cpu_tsc += ran;
		v->vruntime += weighted(p, ran);
		cap_charge(p, ran);
		rq->ran = v;
		rq->ran_tsc += ran;
		v->exits++;
		if (unlikely(v->shutdown_pending)) {
			/* A triple fault an exit handler's exception made. */
			v->shutdown_pending = false;
			a = vmm_handle_shutdown(v);
		}
		/* Take the interrupt that may have ended the guest. STI only
		 * opens the window after the next instruction (SDM Vol. 2B
		 * STI), so a NOP must sit between it and the CLI. */
		__asm__ __volatile__("sti; nop; cli" ::: "memory");

		if (a == EXIT_STOP_PARTITION && v->part->state == PART_RUNNING)
			partition_stop(v->part, OUTCOME_FAULT, "stopped by its exit handler");
		if (a != EXIT_RESUME || v->state != VCPU_RUNNABLE || v->part->state != PART_RUNNING)
			break;
		now = rdtsc();
		if (now >= slice_end || now >= others_next)
			break;
		if (rq->need_resched)
			break; /* a timer or a kick: let update_vcpus() look */
		if (p->cfg.cap && capped(p, now))
			break;
	}
	__atomic_store_n(&v->on_cpu, false, __ATOMIC_SEQ_CST);
}

void sched_run(void)
{
	struct runqueue *rq = &rqs[this_cpu_id()];

	for (;;) {
		irq_disable();
		if (unlikely(rq->dump) && __atomic_exchange_n(&rq->dump, false, __ATOMIC_SEQ_CST))
			dump_runqueue(rq, this_cpu_id(), true);
		u64 now = rdtsc();
		if (unlikely(partition_reap_pending))
			unlink_dying(rq);
		if (unlikely(partition_reap_pending) && rq == &rqs[0])
			partition_reap();
		if (unlikely(iommu_fault_pending) && rq == &rqs[0])
			iommu_report_faults();
		account_waits(rq, now);
		u64 next = update_vcpus(rq, now);
		struct vcpu *v = pick(rq);
		if (!v) {
			/* The boot CPU keeps reading the console while
			 * everything sleeps, so a key (a dump request above
			 * all) is never left unread, and feeds the UART from
			 * the log's ring every millisecond while it holds any. */
			if (rq == &rqs[0])
				next = MIN(next, now + (log_pending() ? tsc_khz : CONSOLE_POLL_MS * tsc_khz));
			arm_timer(rq, next);
			if (!rq->need_resched)
				__asm__ __volatile__("sti; hlt" ::: "memory");
			rq->need_resched = false;
			continue;
		}
		run_vcpu(rq, v, next);
	}
}
