// SPDX-License-Identifier: GPL-2.0-only
/*
 * The HPET of a child's PC (IA-PC HPET specification 1.0a), at
 * PLAT_HPET_BASE and described by the child's ACPI HPET table: a 64-bit
 * main counter at 100 MHz (period 10 ns), three timers with 64-bit
 * comparators and 32-bit mode, timer 0 periodic-capable, edge or level
 * interrupts to I/O APIC pins 20-23, and the legacy replacement route
 * (timer 0 on ISA IRQ 0, timer 1 on IRQ 8, the PIT's IRQ 0 cut off). No
 * FSB (MSI) delivery.
 *
 * A timer fires when the main counter reaches its comparator. A
 * comparator (or period) write that finds the comparator already passed
 * -- by less than half the counter's range -- fires at once, as QEMU's
 * HPET does: the guest wrote "now + delta" and only the hypervisor's
 * delay (its vCPU off the CPU between reading the counter and writing)
 * made it late; on hardware it waits for the wrap (43 s in 32-bit
 * mode), and Linux's periodic set-up would lose its tick for that long.
 * Configuration writes keep the hardware's rule (a reset comparator of
 * all ones is not "passed").
 * A periodic timer adds its period to the comparator each time (a
 * comparator write with VAL_SET set sets both, one without it the period
 * only: Linux's programming sequence, as QEMU reads it). Late periods are
 * delivered at once, MIN_EDGE_US apart, until caught up; a backlog of
 * more than a second is dropped. Timer events come from the first vCPU's
 * timer, like the PIT's (vhpet_timer_update). A departure: a timer whose
 * interrupt is disabled is not followed, so a periodic one's comparator
 * does not advance meanwhile (setting Tn_INT_ENB_CNF arms it afresh).
 */
#include "vmm/dev/platform_dev.h"
#include "vmm/base/math.h"
#include "vmm/base/x86.h"
#include "vmm/partition.h"
#include "vmm/sched.h"
#include "drivers/timer.h"

#define MIN_EDGE_US 100

#define REG_CAP 0x000
#define REG_CONF 0x010
#define REG_ISR 0x020
#define REG_COUNTER 0x0f0
#define REG_TIMER0 0x100
#define TIMER_STRIDE 0x20
#define T_CONF 0x00
#define T_CMP 0x08
#define T_FSB 0x10

#define CONF_ENABLE BIT(0)
#define CONF_LEGACY BIT(1)

#define TN_LEVEL BIT(1)
#define TN_INT_ENB BIT(2)
#define TN_PERIODIC BIT(3)
#define TN_PER_CAP BIT(4)
#define TN_SIZE_CAP BIT(5)
#define TN_VAL_SET BIT(6)
#define TN_32BIT BIT(8)
#define TN_ROUTE_SHIFT 9
#define TN_ROUTE_MASK (0x1fULL << TN_ROUTE_SHIFT)
#define TN_WRITABLE (TN_LEVEL | TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_32BIT | TN_ROUTE_MASK)
/* I/O APIC pins a timer may be routed to: 20-23, clear of the ISA ones. */
#define ROUTE_CAP 0x00f00000ULL

#define PERIOD_FS 10000000ULL /* 10 ns */
#define CAP_VALUE ((PERIOD_FS << 32) | (0x8086ULL << 16) | BIT(15) | BIT(13) | \
		   ((u64)(VHPET_TIMERS - 1) << 8) | 0x01)

static u64 ticks_since(u64 since, u64 now)
{
	return now > since && tsc_khz ? muldiv64(now - since, VHPET_HZ / 1000, tsc_khz) : 0;
}

/* Host TSC for n counter ticks, rounded up. */
static u64 ticks_to_tsc(u64 n)
{
	return muldiv64(n, tsc_khz, VHPET_HZ / 1000) + 1;
}

static u64 counter_at(const struct vhpet *h, u64 now)
{
	return (h->conf & CONF_ENABLE) ? h->counter + ticks_since(h->base_tsc, now) : h->counter;
}

/* The counter value of timer i's next match after counter value c, or 0
 * for none (a 64-bit comparator behind the counter); with `late`, a
 * comparator passed by less than half the range matches now (c). */
static u64 next_match(const struct vhpet_timer *t, u64 c, bool late)
{
	if (t->conf & TN_32BIT) {
		u32 d = (u32)t->cmp - (u32)c;
		if (late && (s32)d <= 0)
			return c;
		return c + (d ? d : BIT(32));
	}
	if (late && (s64)(t->cmp - c) <= 0)
		return c;
	return t->cmp > c ? t->cmp : 0;
}

/* Where timer i's interrupt goes: an ISA line (legacy replacement) or an
 * I/O APIC pin; -1 for none. */
static int isa_line(const struct vhpet *h, u32 i)
{
	if (!(h->conf & CONF_LEGACY) || i > 1)
		return -1;
	return i == 0 ? 0 : 8;
}

static u32 pin_of(const struct vhpet_timer *t)
{
	return (u32)((t->conf & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT);
}

/* What to do to a timer's interrupt line once the HPET lock is dropped:
 * raise it (a pulse in edge mode) or lower it. */
struct hpet_line {
	bool valid, level_mode, level;
	int isa;   /* an ISA line (the legacy route), or -1 */
	u32 pin;   /* else this I/O APIC pin */
};

static struct hpet_line line(int isa, u32 pin, bool level_mode, bool level)
{
	return (struct hpet_line){ .valid = true, .isa = isa, .pin = pin,
				   .level_mode = level_mode, .level = level };
}

static void signal(struct platform_state *ps, const struct hpet_line *l)
{
	if (!l->valid)
		return;
	if (l->isa >= 0) {
		platform_isa_irq(ps, (u32)l->isa, l->level);
		if (!l->level_mode && l->level)
			platform_isa_irq(ps, (u32)l->isa, false);
	} else {
		vioapic_set_irq(ps->part, l->pin, l->level);
		if (!l->level_mode && l->level)
			vioapic_set_irq(ps->part, l->pin, false);
	}
}

/* Timer i's next event in host TSC (0: none), from counter value c. */
static void plan(struct vhpet *h, u32 i, u64 now)
{
	struct vhpet_timer *t = &h->t[i];

	t->fire_tsc = 0;
	/* A timer whose interrupt is off is not followed: its comparator
	 * does not move on meanwhile (enabling it arms it afresh). */
	if (!(h->conf & CONF_ENABLE) || !t->target || !(t->conf & TN_INT_ENB))
		return;
	u64 c = counter_at(h, now);
	u64 when = t->target > c ? now + ticks_to_tsc(t->target - c) : now + 1;
	u64 soonest = h->last_event_tsc + (u64)MIN_EDGE_US * tsc_khz / 1000;
	t->fire_tsc = MAX(when, soonest);
}

/* Timer i armed afresh from the counter now (a comparator or
 * configuration write, the counter started or set). */
static void arm(struct vhpet *h, u32 i, u64 now, bool late)
{
	h->t[i].target = next_match(&h->t[i], counter_at(h, now), late);
	plan(h, i, now);
}

static void arm_all(struct vhpet *h, u64 now)
{
	for (u32 i = 0; i < VHPET_TIMERS; i++)
		arm(h, i, now, false);
}

/* The earliest of the timers' events, kept in h->next_tsc for the
 * lock-free look of vhpet_timer_update; under the lock. */
static u64 update_next(struct vhpet *h)
{
	u64 next = 0;

	for (u32 i = 0; i < VHPET_TIMERS; i++)
		if (h->t[i].fire_tsc && (!next || h->t[i].fire_tsc < next))
			next = h->t[i].fire_tsc;
	__atomic_store_n(&h->next_tsc, next, __ATOMIC_RELEASE);
	return next;
}

static void timer_changed(struct platform_state *ps)
{
	struct partition *p = ps->part;
	struct vcpu *v0 = p && p->nr_vcpus ? p->vcpu[0] : NULL;

	if (v0) {
		sched_timer_changed(v0);
		sched_kick(v0);
	}
}

/* One due match of timer i: the comparator moves on (periodic), the
 * status bit is set (level mode), the line to raise in *act. */
static void fire(struct vhpet *h, u32 i, u64 now, struct hpet_line *act)
{
	struct vhpet_timer *t = &h->t[i];
	u64 c = counter_at(h, now);

	if (t->conf & TN_PERIODIC && t->period) {
		t->cmp += t->period;
		if (t->conf & TN_32BIT)
			t->cmp = (u32)t->cmp;
		t->target += t->period;
		/* More than a second behind: the next period after now. */
		if (c > t->target + VHPET_HZ)
			t->target = c + t->period - (c - t->target) % t->period;
	} else {
		t->target = (t->conf & TN_32BIT) ? t->target + BIT(32) : 0;
	}
	h->last_event_tsc = now;
	plan(h, i, now);
	if (!(t->conf & TN_INT_ENB))
		return;
	*act = line(isa_line(h, i), pin_of(t), t->conf & TN_LEVEL, true);
	if (t->conf & TN_LEVEL)
		h->isr |= BIT(i);
}

u64 vhpet_timer_update(struct platform_state *ps, u64 now)
{
	struct vhpet *h = &ps->hpet;
	struct hpet_line act[VHPET_TIMERS] = { 0 };
	/* Called at every entry of the first vCPU: nothing due, no lock. */
	u64 next = __atomic_load_n(&h->next_tsc, __ATOMIC_ACQUIRE);

	if (!next || now < next)
		return next;
	u64 f = spin_lock_irqsave(&h->lock);
	for (u32 i = 0; i < VHPET_TIMERS; i++)
		if (h->t[i].fire_tsc && now >= h->t[i].fire_tsc)
			fire(h, i, now, &act[i]);
	next = update_next(h);
	spin_unlock_irqrestore(&h->lock, f);
	for (u32 i = 0; i < VHPET_TIMERS; i++)
		signal(ps, &act[i]);
	return next;
}

bool vhpet_legacy(struct platform_state *ps)
{
	return __atomic_load_n(&ps->hpet.conf, __ATOMIC_RELAXED) & CONF_LEGACY;
}

static u64 reg_read(struct vhpet *h, u64 off, u64 now)
{
	if (off >= REG_TIMER0 && off < REG_TIMER0 + VHPET_TIMERS * TIMER_STRIDE) {
		const struct vhpet_timer *t = &h->t[(off - REG_TIMER0) / TIMER_STRIDE];
		switch ((off - REG_TIMER0) % TIMER_STRIDE) {
		case T_CONF:
			return (t->conf & ~TN_VAL_SET) | TN_SIZE_CAP | (ROUTE_CAP << 32) |
			       (t == &h->t[0] ? TN_PER_CAP : 0);
		case T_CMP:
			return (t->conf & TN_32BIT) ? (u32)t->cmp : t->cmp;
		default:
			return 0; /* FSB route: not offered */
		}
	}
	switch (off) {
	case REG_CAP: return CAP_VALUE;
	case REG_CONF: return h->conf;
	case REG_ISR: return h->isr;
	case REG_COUNTER: return counter_at(h, now);
	default: return 0;
	}
}

static void timer_write(struct vhpet *h, u32 i, u64 reg, u64 val, u64 now,
			struct hpet_line *low)
{
	struct vhpet_timer *t = &h->t[i];

	if (reg == T_CONF) {
		u64 was = t->conf, v = val & TN_WRITABLE;
		if (i != 0)
			v &= ~TN_PERIODIC; /* only timer 0 can be periodic */
		/* A route the timer cannot take reads back as before. */
		u32 pin = (u32)((v & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT);
		if (!(ROUTE_CAP & BIT(pin)))
			v = (v & ~TN_ROUTE_MASK) | (was & TN_ROUTE_MASK);
		t->conf = v;
		if (v & TN_32BIT)
			t->cmp = (u32)t->cmp;
		/* Its level line goes down when it leaves level mode, stops
		 * interrupting or moves. */
		if ((was & TN_LEVEL) && (h->isr & BIT(i)) &&
		    (!(v & TN_LEVEL) || !(v & TN_INT_ENB) || ((was ^ v) & TN_ROUTE_MASK))) {
			*low = line(isa_line(h, i), (u32)((was & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT),
				    true, false);
			h->isr &= ~BIT(i);
		}
		arm(h, i, now, false);
		return;
	}
	if (reg != T_CMP)
		return;
	if (t->conf & TN_32BIT)
		val = (u32)val;
	if (!(t->conf & TN_PERIODIC) || (t->conf & TN_VAL_SET))
		t->cmp = val;
	t->period = val;
	t->conf &= ~TN_VAL_SET;
	arm(h, i, now, true);
}

/* A 64-bit register's new value from a 4- or 8-byte write at byte `at`. */
static u64 merge(u64 old, u64 at, u8 size, u64 val)
{
	if (size >= 8)
		return val;
	u64 shift = 8 * (at & 7), mask = (BIT(8 * size) - 1) << shift;
	return (old & ~mask) | ((val << shift) & mask);
}

void vhpet_write_at(struct platform_state *ps, u64 off, u8 size, u64 val, u64 now)
{
	struct vhpet *h = &ps->hpet;
	struct hpet_line low[VHPET_TIMERS] = { 0 };
	u64 f = spin_lock_irqsave(&h->lock);
	u64 reg = off & ~7ULL, before = h->next_tsc;
	u64 v = merge(reg_read(h, reg, now), off, size, val);

	if (reg >= REG_TIMER0 && reg < REG_TIMER0 + VHPET_TIMERS * TIMER_STRIDE) {
		u32 i = (u32)((reg - REG_TIMER0) / TIMER_STRIDE);
		timer_write(h, i, (reg - REG_TIMER0) % TIMER_STRIDE, v, now, &low[i]);
	} else if (reg == REG_CONF) {
		u64 was = h->conf;
		if ((was & CONF_ENABLE) && !(v & CONF_ENABLE))
			h->counter = counter_at(h, now); /* halted: it holds */
		if (!(was & CONF_ENABLE) && (v & CONF_ENABLE))
			h->base_tsc = now;
		h->conf = v & (CONF_ENABLE | CONF_LEGACY);
		/* Lines of level-mode timers that change routes drop. */
		if ((was ^ h->conf) & CONF_LEGACY)
			for (u32 i = 0; i < 2; i++)
				if (h->isr & BIT(i)) {
					h->isr &= ~BIT(i);
					low[i] = line((was & CONF_LEGACY) ? (i ? 8 : 0) : -1,
						      pin_of(&h->t[i]), true, false);
				}
		arm_all(h, now);
	} else if (reg == REG_ISR) {
		/* Writing 1 clears a level-mode timer's status and its line. */
		for (u32 i = 0; i < VHPET_TIMERS; i++)
			if ((v & BIT(i)) && (h->isr & BIT(i)) && (off & 7) == 0) {
				h->isr &= ~BIT(i);
				low[i] = line(isa_line(h, i), pin_of(&h->t[i]), true, false);
			}
	} else if (reg == REG_COUNTER) {
		h->counter = v;
		h->base_tsc = now;
		arm_all(h, now);
	}
	bool changed = update_next(h) != before;
	spin_unlock_irqrestore(&h->lock, f);
	for (u32 i = 0; i < VHPET_TIMERS; i++)
		signal(ps, &low[i]);
	if (changed)
		timer_changed(ps);
}

u64 vhpet_read_at(struct platform_state *ps, u64 off, u8 size, u64 now)
{
	struct vhpet *h = &ps->hpet;
	u64 f = spin_lock_irqsave(&h->lock);
	u64 v = reg_read(h, off & ~7ULL, now);
	spin_unlock_irqrestore(&h->lock, f);

	v >>= 8 * (off & 7);
	return size >= 8 ? v : v & (BIT(8 * size) - 1);
}

void vhpet_reset(struct platform_state *ps)
{
	struct vhpet *h = &ps->hpet;
	u64 f = spin_lock_irqsave(&h->lock);

	h->conf = h->isr = h->counter = h->base_tsc = h->last_event_tsc = 0;
	__atomic_store_n(&h->next_tsc, 0, __ATOMIC_RELEASE);
	/* Comparators all ones after reset (HPET 1.0a 2.3.9.2.2). */
	for (u32 i = 0; i < VHPET_TIMERS; i++)
		h->t[i] = (struct vhpet_timer){ .cmp = ~0ULL, .period = ~0ULL };
	spin_unlock_irqrestore(&h->lock, f);
}

int vhpet_mmio_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val)
{
	(void)v;
	*val = off < VHPET_SIZE ? vhpet_read_at(opaque, off, size, rdtsc()) : ~0ULL;
	return 0;
}

int vhpet_mmio_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val)
{
	(void)v;
	if (off < VHPET_SIZE)
		vhpet_write_at(opaque, off, size, val, rdtsc());
	return 0;
}
