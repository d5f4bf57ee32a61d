// SPDX-License-Identifier: GPL-2.0-only
/* Virtual local APIC (SDM Vol. 3A chapter 11). */
#include "vmm/dev/vlapic.h"
#include "vmm/backend.h"
#include "vmm/base/errno.h"
#include "vmm/base/fmt.h"
#include "vmm/base/heap.h"
#include "vmm/base/log.h"
#include "vmm/base/math.h"
#include "vmm/partition.h"
#include "vmm/dev/platform.h"
#include "vmm/sched.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"
#include "drivers/lapic.h"
#include "drivers/timer.h"

#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN BIT(11)
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8ff
#define MSR_TSC_DEADLINE 0x6e0
#define LAPIC_SELF_IPI 0x3f0
#define LAPIC_LVT_CMCI 0x2f0

#define SVR_ENABLE BIT(8)
#define VERSION (0x14 | (6u << 16)) /* integrated APIC, 7 LVT entries */
#define LVT_DELIVERY_MASK (7u << 8)
#define TIMER_MODE_MASK (3u << 17)
#define TIMER_ONESHOT (0u << 17)
#define TIMER_PERIODIC (1u << 17)
#define TIMER_TSC_DEADLINE (2u << 17)

enum { LVT_CMCI, LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, NR_LVT };

struct vlapic {
	struct vcpu *v;
	u64 apic_base;
	u32 id;
	u32 tpr, svr, ldr, dfr, esr, icr_hi;
	u32 lvt[NR_LVT];
	u32 timer_init, timer_divcfg;
	u64 timer_start;     /* host TSC the count started at */
	u64 timer_deadline;  /* host TSC of expiry, 0 = idle */
	u64 tsc_deadline;    /* guest TSC, TSC-deadline mode */
	u32 isr[8], tmr[8];
	u32 irr[8];          /* set from any CPU: atomic */
};

static bool enabled(const struct vlapic *l)
{
	return (l->apic_base & APIC_BASE_EN) && (l->svr & SVR_ENABLE);
}

bool vlapic_present(const struct vlapic *l)
{
	return l->apic_base & APIC_BASE_EN;
}

bool vlapic_x2apic(struct vlapic *l)
{
	return (l->apic_base & APIC_BASE_EXTD) && (l->apic_base & APIC_BASE_EN);
}

u64 vlapic_base(struct vlapic *l)
{
	return l->apic_base & ~0xfffULL;
}

u32 vlapic_get_tpr(struct vlapic *l)
{
	return l->tpr;
}

void vlapic_set_tpr(struct vlapic *l, u32 tpr)
{
	l->tpr = tpr & 0xff;
}

void vlapic_reset(struct vlapic *l)
{
	u32 id = l->id;
	struct vcpu *v = l->v;

	memset(l, 0, sizeof(*l));
	l->v = v;
	l->id = id;
	l->apic_base = VLAPIC_BASE_DEFAULT | APIC_BASE_EN | (id == 0 ? APIC_BASE_BSP : 0);
	l->dfr = 0xffffffff;
	l->svr = 0xff;
	for (int i = 0; i < NR_LVT; i++)
		l->lvt[i] = LVT_MASKED;
}

struct vlapic *vlapic_create(struct vcpu *v)
{
	struct vlapic *l = kzalloc(sizeof(*l));

	if (!l)
		return NULL;
	l->v = v;
	l->id = v->apic_id;
	vlapic_reset(l);
	return l;
}

void vlapic_destroy(struct vlapic *l)
{
	kfree(l);
}

void vlapic_virtual_wire(struct vlapic *l)
{
	l->svr = SVR_ENABLE | 0xff;
	l->lvt[LVT_LINT0] = LVT_DM_EXTINT;
	l->lvt[LVT_LINT1] = LVT_DM_NMI;
}

bool vlapic_extint_open(const struct vlapic *l)
{
	/* Globally disabled, the APIC is out of the way: the 8259A's
	 * output is the processor's INTR (SDM Vol. 3A 11.4.3). Otherwise
	 * only through an unmasked LINT0 in ExtINT mode, which bypasses
	 * IRR and the priorities (SDM 11.5.1). */
	if (!vlapic_present(l))
		return true;
	return (l->svr & SVR_ENABLE) && !(l->lvt[LVT_LINT0] & LVT_MASKED) &&
	       (l->lvt[LVT_LINT0] & LVT_DM_MASK) == LVT_DM_EXTINT;
}

static int highest_bit(const u32 *bits)
{
	for (int i = 7; i >= 0; i--) {
		u32 w = __atomic_load_n(&bits[i], __ATOMIC_ACQUIRE);
		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

static u32 ppr(const struct vlapic *l)
{
	int isrv = highest_bit(l->isr);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

int vlapic_pending(struct vlapic *l)
{
	if (!enabled(l))
		return -1;
	int irrv = highest_bit(l->irr);
	if (irrv < 0 || ((u32)irrv & 0xf0) <= (ppr(l) & 0xf0))
		return -1;
	return irrv;
}

void vlapic_accept(struct vlapic *l, u8 vec)
{
	__atomic_fetch_and(&l->irr[vec / 32], ~(1u << (vec % 32)), __ATOMIC_SEQ_CST);
	l->isr[vec / 32] |= 1u << (vec % 32);
}

void vlapic_unaccept(struct vlapic *l, u8 vec)
{
	l->isr[vec / 32] &= ~(1u << (vec % 32));
	__atomic_fetch_or(&l->irr[vec / 32], 1u << (vec % 32), __ATOMIC_SEQ_CST);
}

bool vlapic_set_irq(struct vlapic *l, u8 vec, bool level)
{
	/* Globally disabled, the APIC is as good as absent (SDM Vol. 3A
	 * 11.4.3): it takes no interrupt. */
	if (!vlapic_present(l))
		return false;
	if (vec < 16) {
		/* Vectors 0-15 are illegal for interrupts (SDM 11.5.3). */
		l->esr |= BIT(6);
		return false;
	}
	u32 bit = 1u << (vec % 32);
	if (level)
		__atomic_fetch_or(&l->tmr[vec / 32], bit, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&l->tmr[vec / 32], ~bit, __ATOMIC_SEQ_CST);
	u32 old = __atomic_fetch_or(&l->irr[vec / 32], bit, __ATOMIC_SEQ_CST);
	return !(old & bit);
}

static void eoi(struct vlapic *l)
{
	int v = highest_bit(l->isr);

	if (v < 0)
		return;
	l->isr[v / 32] &= ~(1u << (v % 32));
	/* A level-triggered vector's EOI goes on to the I/O APIC, which
	 * clears Remote IRR (SDM 11.8.5; no EOI-broadcast suppression is
	 * offered: VERSION bit 24 is clear). */
	if (__atomic_load_n(&l->tmr[v / 32], __ATOMIC_ACQUIRE) & (1u << (v % 32)))
		vioapic_eoi(l->v, (u8)v);
}

bool vlapic_eoi_avoidable(struct vlapic *l)
{
	int v = highest_bit(l->isr);

	return enabled(l) && v >= 0 && highest_bit(l->irr) < 0 &&
	       !(__atomic_load_n(&l->tmr[v / 32], __ATOMIC_ACQUIRE) & (1u << (v % 32)));
}

void vlapic_eoi(struct vlapic *l)
{
	eoi(l);
}

static u32 count_bits(const u32 *bits)
{
	u32 n = 0;

	for (int i = 0; i < 8; i++)
		for (u32 w = __atomic_load_n(&bits[i], __ATOMIC_ACQUIRE); w; w &= w - 1)
			n++;
	return n;
}

void vlapic_describe(struct vlapic *l, u64 now, char *buf, size_t size)
{
	static const char *const modes[] = { "one-shot", "periodic", "tsc-deadline", "reserved" };
	int irr = highest_bit(l->irr), isr = highest_bit(l->isr);
	u32 lvt = l->lvt[LVT_TIMER];
	char timer[48] = "off";

	if (l->timer_deadline) {
		u64 us = l->timer_deadline > now ? (l->timer_deadline - now) * 1000 / tsc_khz : 0;
		hv_snprintf(timer, sizeof(timer), "%s in %lu.%03lu ms%s",
			    modes[(lvt & TIMER_MODE_MASK) >> 17], (unsigned long)(us / 1000),
			    (unsigned long)(us % 1000), (lvt & LVT_MASKED) ? " (masked)" : "");
	}
	hv_snprintf(buf, size, "%s%s irr %#x (%u set) isr %#x (%u set) tpr %#x ppr %#x timer %s",
		    vlapic_x2apic(l) ? "x2apic" : "xapic", enabled(l) ? "" : " disabled",
		    irr < 0 ? 0 : irr, count_bits(l->irr), isr < 0 ? 0 : isr, count_bits(l->isr),
		    l->tpr, ppr(l), timer);
}

/* ---- timer ---- */

static u32 timer_divisor(const struct vlapic *l)
{
	u32 d = (l->timer_divcfg & 3) | ((l->timer_divcfg >> 1) & 4);
	return d == 7 ? 1 : 2u << d;
}

/* Host TSC ticks for n timer ticks at the current divider. */
static u64 ticks_to_tsc(const struct vlapic *l, u64 n)
{
	return muldiv64(n * timer_divisor(l), tsc_khz, VLAPIC_BUS_KHZ);
}

/* The periodic timer's period: no shorter than MIN_PERIOD_US, as KVM
 * clamps it, so that a guest cannot keep its CPU busy with timer
 * interrupts alone. */
#define MIN_PERIOD_US 200
static u64 period_tsc(const struct vlapic *l)
{
	return MAX(ticks_to_tsc(l, l->timer_init), (u64)MIN_PERIOD_US * tsc_khz / 1000);
}

static void timer_start(struct vlapic *l, u64 now)
{
	bool periodic = (l->lvt[LVT_TIMER] & TIMER_MODE_MASK) == TIMER_PERIODIC;

	l->timer_start = now;
	l->timer_deadline = !l->timer_init ? 0
			    : now + (periodic ? period_tsc(l) : ticks_to_tsc(l, l->timer_init));
	sched_timer_changed(l->v);
}

static u32 timer_current(const struct vlapic *l, u64 now)
{
	u32 mode = l->lvt[LVT_TIMER] & TIMER_MODE_MASK;

	if (!l->timer_deadline || mode == TIMER_TSC_DEADLINE)
		return 0;
	u64 deadline = l->timer_deadline;
	if (now >= deadline) {
		if (mode != TIMER_PERIODIC || !l->timer_init)
			return 0;
		/* A periodic count reloads at zero and keeps going (SDM Vol. 3A
		 * 11.5.4), even if nobody has looked since it expired. */
		u64 period = period_tsc(l);
		deadline = now + period - (now - deadline) % period;
	}
	u64 left = muldiv64(deadline - now, VLAPIC_BUS_KHZ, tsc_khz * timer_divisor(l));
	return left > l->timer_init ? l->timer_init : (u32)left;
}

u64 vlapic_timer_update(struct vlapic *l, u64 now)
{
	if (!l->timer_deadline || now < l->timer_deadline)
		return l->timer_deadline;
	u32 lvt = l->lvt[LVT_TIMER];
	if (!(lvt & LVT_MASKED) && enabled(l))
		vlapic_set_irq(l, lvt & 0xff, false);
	if ((lvt & TIMER_MODE_MASK) == TIMER_PERIODIC && l->timer_init) {
		u64 period = period_tsc(l);
		/* Late by more than a period: skip ahead, no catch-up burst. */
		l->timer_start = now - l->timer_deadline >= period ? now : l->timer_deadline;
		l->timer_deadline = l->timer_start + (period ? period : 1);
	} else {
		l->timer_deadline = 0;
		l->tsc_deadline = 0;
	}
	return l->timer_deadline;
}

/* ---- interrupt commands ---- */

static bool logical_match(const struct vlapic *src, const struct vlapic *dst, u32 dest)
{
	if (vlapic_x2apic((struct vlapic *)src)) {
		/* x2APIC cluster mode (SDM 11.12.10.2). */
		u32 cluster = dst->id >> 4, bit = 1u << (dst->id & 0xf);
		return (dest >> 16) == cluster && (dest & bit);
	}
	u32 ldr = dst->ldr >> 24;
	dest &= 0xff;
	if ((dst->dfr >> 28) == 0xf) /* flat model */
		return (ldr & dest) != 0;
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf); /* cluster */
}

bool vlapic_match_dest(struct vlapic *l, u32 dest, bool logical)
{
	/* The 8-bit destination of an I/O APIC message; 0xff addresses
	 * every local APIC in both modes (SDM 11.6.2.1, 11.6.2.2). */
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == l->id;
	if (vlapic_x2apic(l)) {
		/* An 8-bit logical destination can only name x2APIC cluster 0
		 * (SDM 11.12.10.2): bit n is the APIC with ID n. */
		return (l->id >> 4) == 0 && (dest & (1u << (l->id & 0xf)));
	}
	u32 ldr = l->ldr >> 24;
	if ((l->dfr >> 28) == 0xf) /* flat model */
		return (ldr & dest) != 0;
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf); /* cluster */
}

static void deliver(struct vcpu *t, u32 mode, u8 vec, bool level)
{
	struct vlapic *dl = t->lapic;

	switch (mode) {
	case 0: /* fixed */
	case 1: /* lowest priority: every target is as good as another */
		if (vlapic_set_irq(dl, vec, level))
			sched_kick(t);
		break;
	case 4: /* NMI */
		__atomic_store_n(&t->nmi_pending, true, __ATOMIC_SEQ_CST);
		sched_kick(t);
		break;
	case 5: /* INIT */
		__atomic_store_n(&t->init_pending, true, __ATOMIC_SEQ_CST);
		sched_kick(t);
		break;
	case 6: /* start-up: recognised only in wait-for-SIPI (SDM Vol. 3A
		 * 9.4.4), or after an INIT still on its way there */
		if (READ_ONCE(t->state) != VCPU_WAIT_SIPI &&
		    !__atomic_load_n(&t->init_pending, __ATOMIC_SEQ_CST))
			break;
		t->sipi_vector = vec;
		__atomic_store_n(&t->sipi_pending, true, __ATOMIC_SEQ_CST);
		sched_kick(t);
		break;
	default: /* SMI and reserved modes: ignored */
		break;
	}
}

static void send_ipi(struct vlapic *l, u32 lo, u32 dest)
{
	struct partition *p = l->v->part;
	u32 mode = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
	u8 vec = lo & 0xff;
	bool logical = lo & BIT(11);
	bool level = lo & BIT(14); /* the assert bit; INIT de-assert has it clear */
	bool trigger_level = lo & BIT(15);
	bool x2 = vlapic_x2apic(l);
	u32 broadcast = x2 ? 0xffffffffu : 0xffu;

	if (mode == 5 && !level)
		return; /* INIT level de-assert: no effect on modern CPUs */
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *t = p->vcpu[i];
		bool self = t == l->v, hit;
		switch (shorthand) {
		case 1: hit = self; break;
		case 2: hit = true; break;
		case 3: hit = !self; break;
		default:
			/* In x2APIC mode FFFF_FFFFH is a broadcast in logical
			 * as in physical mode (SDM Vol. 3A 11.12.10.2). */
			if (logical)
				hit = (x2 && dest == broadcast) || logical_match(l, t->lapic, dest);
			else
				hit = dest == broadcast || dest == t->lapic->id;
			break;
		}
		if (hit)
			deliver(t, mode, vec, trigger_level);
	}
}

/* ---- register file ---- */

/* Reads a register by xAPIC offset; false when it does not exist. */
static bool reg_read(struct vlapic *l, u32 off, u64 *val)
{
	u64 now = rdtsc();
	bool x2 = vlapic_x2apic(l);

	if (off >= LAPIC_ISR && off < LAPIC_ISR + 0x80) {
		*val = l->isr[(off - LAPIC_ISR) / 16];
		return true;
	}
	if (off >= LAPIC_TMR && off < LAPIC_TMR + 0x80) {
		*val = l->tmr[(off - LAPIC_TMR) / 16];
		return true;
	}
	if (off >= LAPIC_IRR && off < LAPIC_IRR + 0x80) {
		*val = __atomic_load_n(&l->irr[(off - LAPIC_IRR) / 16], __ATOMIC_ACQUIRE);
		return true;
	}
	switch (off) {
	case LAPIC_ID: *val = x2 ? l->id : l->id << 24; break;
	case LAPIC_VERSION: *val = VERSION; break;
	case LAPIC_TPR: *val = l->tpr; break;
	case 0xa0: *val = ppr(l); break;
	case LAPIC_LDR:
		*val = x2 ? ((l->id >> 4) << 16) | (1u << (l->id & 0xf)) : l->ldr;
		break;
	case LAPIC_DFR:
		if (x2)
			return false;
		*val = l->dfr;
		break;
	case LAPIC_SVR: *val = l->svr; break;
	case LAPIC_ESR: *val = l->esr; break;
	case LAPIC_ICR_LO: *val = 0; break; /* delivery is instantaneous */
	case LAPIC_ICR_HI:
		if (x2)
			return false;
		*val = l->icr_hi;
		break;
	case LAPIC_LVT_CMCI: *val = l->lvt[LVT_CMCI]; break;
	case LAPIC_LVT_TIMER: *val = l->lvt[LVT_TIMER]; break;
	case LAPIC_LVT_THERMAL: *val = l->lvt[LVT_THERMAL]; break;
	case LAPIC_LVT_PERF: *val = l->lvt[LVT_PERF]; break;
	case LAPIC_LVT_LINT0: *val = l->lvt[LVT_LINT0]; break;
	case LAPIC_LVT_LINT1: *val = l->lvt[LVT_LINT1]; break;
	case LAPIC_LVT_ERROR: *val = l->lvt[LVT_ERROR]; break;
	case LAPIC_TIMER_INIT: *val = l->timer_init; break;
	case LAPIC_TIMER_CUR: *val = timer_current(l, now); break;
	case LAPIC_TIMER_DIV: *val = l->timer_divcfg; break;
	default:
		return false;
	}
	return true;
}

static void write_lvt(struct vlapic *l, int idx, u32 val)
{
	static const u32 writable[NR_LVT] = {
		[LVT_CMCI] = 0x107ff, [LVT_TIMER] = 0x710ff, [LVT_THERMAL] = 0x107ff,
		[LVT_PERF] = 0x107ff, [LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff,
		[LVT_ERROR] = 0x100ff,
	};
	/* While software-disabled, LVT masks stay set (SDM 11.4.7.2). */
	if (!(l->svr & SVR_ENABLE))
		val |= LVT_MASKED;
	u32 old = l->lvt[idx];
	l->lvt[idx] = val & writable[idx];
	if (idx == LVT_TIMER && ((old ^ l->lvt[idx]) & TIMER_MODE_MASK)) {
		/* A mode change disarms the timer (SDM 11.5.4.1). */
		l->timer_deadline = 0;
		l->tsc_deadline = 0;
		sched_timer_changed(l->v);
	}
}

/* Writes a register; false when the write is illegal (#GP in x2APIC). */
static bool reg_write(struct vlapic *l, u32 off, u64 val64)
{
	u32 val = (u32)val64;
	bool x2 = vlapic_x2apic(l);

	switch (off) {
	case LAPIC_ID:
		if (x2)
			return false;
		break; /* xAPIC ID writes are model-specific: ignore */
	case LAPIC_TPR: l->tpr = val & 0xff; break;
	case LAPIC_EOI:
		if (x2 && val)
			return false;
		eoi(l);
		break;
	case LAPIC_LDR:
		if (x2)
			return false;
		l->ldr = val & 0xff000000u;
		break;
	case LAPIC_DFR:
		if (x2)
			return false;
		l->dfr = val | 0x0fffffffu;
		break;
	case LAPIC_SVR:
		l->svr = val & 0x11ff;
		if (!(val & SVR_ENABLE))
			for (int i = 0; i < NR_LVT; i++)
				l->lvt[i] |= LVT_MASKED;
		break;
	case LAPIC_ESR: l->esr = 0; break;
	case LAPIC_ICR_LO:
		if (x2)
			send_ipi(l, val, (u32)(val64 >> 32));
		else
			send_ipi(l, val, l->icr_hi >> 24);
		break;
	case LAPIC_ICR_HI:
		if (x2)
			return false;
		l->icr_hi = val & 0xff000000u;
		break;
	case LAPIC_LVT_CMCI: write_lvt(l, LVT_CMCI, val); break;
	case LAPIC_LVT_TIMER: write_lvt(l, LVT_TIMER, val); break;
	case LAPIC_LVT_THERMAL: write_lvt(l, LVT_THERMAL, val); break;
	case LAPIC_LVT_PERF: write_lvt(l, LVT_PERF, val); break;
	case LAPIC_LVT_LINT0: write_lvt(l, LVT_LINT0, val); break;
	case LAPIC_LVT_LINT1: write_lvt(l, LVT_LINT1, val); break;
	case LAPIC_LVT_ERROR: write_lvt(l, LVT_ERROR, val); break;
	case LAPIC_TIMER_INIT:
		if ((l->lvt[LVT_TIMER] & TIMER_MODE_MASK) == TIMER_TSC_DEADLINE)
			break; /* ignored in TSC-deadline mode */
		l->timer_init = val;
		timer_start(l, rdtsc());
		break;
	case LAPIC_TIMER_DIV: l->timer_divcfg = val & 0xb; break;
	case LAPIC_SELF_IPI:
		if (!x2)
			return false;
		if (vlapic_set_irq(l, val & 0xff, false))
			sched_kick(l->v);
		break;
	default:
		/* Read-only registers: ignored in xAPIC mode, #GP in x2APIC. */
		return !x2;
	}
	return true;
}

int vlapic_icr_write64(struct vlapic *l, u64 val)
{
	if (vlapic_x2apic(l))
		return reg_write(l, LAPIC_ICR_LO, val) ? 0 : -EINVAL;
	l->icr_hi = (u32)(val >> 32) & 0xff000000u;
	return reg_write(l, LAPIC_ICR_LO, (u32)val) ? 0 : -EINVAL;
}

u64 vlapic_icr_read64(struct vlapic *l)
{
	u64 lo = 0;

	reg_read(l, LAPIC_ICR_LO, &lo);
	return (u64)l->icr_hi << 32 | (u32)lo;
}

int vlapic_mmio_read(struct vcpu *v, void *opaque, u64 offset, u8 size, u64 *val)
{
	(void)opaque;
	u64 r = 0;
	/* Registers are 32-bit at 16-byte strides; other accesses read 0. */
	if (!vlapic_x2apic(v->lapic) && reg_read(v->lapic, (u32)(offset & ~0xfULL), &r))
		r >>= 8 * (offset & 3);
	else
		r = 0;
	*val = size == 8 ? r : r & ((1ULL << (8 * size)) - 1);
	return 0;
}

int vlapic_mmio_write(struct vcpu *v, void *opaque, u64 offset, u8 size, u64 val)
{
	(void)opaque;
	if (vlapic_x2apic(v->lapic) || (offset & 0xf) || size < 4)
		return 0; /* unaligned or narrow writes have no defined effect */
	if (offset == LAPIC_ICR_LO)
		val &= 0xffffffffULL;
	reg_write(v->lapic, (u32)offset, val);
	return 0;
}

bool vlapic_handles_msr(u32 msr)
{
	return msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE ||
	       (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

static int set_apic_base(struct vlapic *l, u64 val)
{
	u64 reserved = ~(0x000ffffffffff000ULL | APIC_BASE_BSP | APIC_BASE_EXTD | APIC_BASE_EN);
	bool en = val & APIC_BASE_EN, extd = val & APIC_BASE_EXTD;

	if (val & reserved)
		return -EINVAL;
	if (extd && !en)
		return -EINVAL; /* invalid state (SDM 11.12.5, Figure 11-27) */
	if (vlapic_x2apic(l) && en && !extd)
		return -EINVAL; /* x2APIC -> xAPIC must go through disabled */
	if ((val & APIC_BASE_BSP) != (l->apic_base & APIC_BASE_BSP))
		return -EINVAL; /* BSP is read-only here */
	if (!en) {
		u64 bsp = l->apic_base & APIC_BASE_BSP;
		vlapic_reset(l);
		l->apic_base = (val & ~0xfffULL) | bsp;
		sched_timer_changed(l->v);
		return 0;
	}
	l->apic_base = val;
	return 0;
}

int vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	struct vlapic *l = v->lapic;

	if (msr == MSR_APIC_BASE) {
		*val = l->apic_base;
		return 0;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*val = (l->lvt[LVT_TIMER] & TIMER_MODE_MASK) == TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
		return 0;
	}
	if (!vlapic_x2apic(l))
		return -EINVAL;
	u32 off = (msr - MSR_X2APIC_FIRST) << 4;
	if (off == LAPIC_EOI || off == LAPIC_SELF_IPI)
		return -EINVAL; /* write-only */
	if (off == LAPIC_ICR_LO) {
		*val = 0;
		return 0;
	}
	return reg_read(l, off, val) ? 0 : -EINVAL;
}

int vlapic_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct vlapic *l = v->lapic;

	if (msr == MSR_APIC_BASE)
		return set_apic_base(l, val);
	if (msr == MSR_TSC_DEADLINE) {
		if ((l->lvt[LVT_TIMER] & TIMER_MODE_MASK) != TIMER_TSC_DEADLINE)
			return 0; /* ignored outside TSC-deadline mode */
		l->tsc_deadline = val;
		/* Guest TSC = host TSC + offset. */
		l->timer_deadline = val ? MAX(val - backend->get_reg(v, VREG_TSC_OFFSET), 1ULL) : 0;
		sched_timer_changed(v);
		return 0;
	}
	if (!vlapic_x2apic(l))
		return -EINVAL;
	u32 off = (msr - MSR_X2APIC_FIRST) << 4;
	if (off != LAPIC_ICR_LO && (val >> 32))
		return -EINVAL; /* reserved bits of 32-bit registers */
	return reg_write(l, off, val) ? 0 : -EINVAL;
}
