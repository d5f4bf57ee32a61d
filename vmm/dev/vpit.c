// SPDX-License-Identifier: GPL-2.0-only
/*
 * The 8254 programmable interval timer (ports 0x40-0x43) and the PC's
 * port 0x61 (counter 2's gate, the speaker bit, counter 2's output and
 * the refresh toggle), for children with the PC platform. Counter 0's
 * output is ISA IRQ 0: the 8259A's input 0 and the I/O APIC's pin 2.
 *
 * The counters follow the Intel 8254 datasheet: control words (counter
 * latch, read-back with count and status, the four access modes, BCD),
 * modes 0-5 with the gate of counter 2 (it stops modes 0, 2, 3 and 4
 * while low, restarts modes 2 and 3 and triggers modes 1 and 5 on its
 * rising edge; the gates of counters 0 and 1 are tied high, as on a PC).
 * A count is a function of the time since it was loaded, at 1.193182 MHz
 * from the host TSC. Two simplifications, as QEMU's and KVM's models make
 * them: a new count takes effect when written, not at the end of the
 * current period in modes 2 and 3, and the clock that loads a count is
 * not counted.
 *
 * Counter 0's rising edges are pulses on IRQ 0, sent from the timer of
 * the partition's first vCPU (vpit_timer_update). An edge the host
 * delivers late is still delivered, and the ones after it follow at once
 * (MIN_EDGE_US apart) until the count is caught up, as KVM re-injects
 * its PIT's ticks: a guest that keeps time by counting ticks stays on
 * time. A backlog of more than a second (a paused partition, a host busy
 * elsewhere) is dropped instead. Edges come no closer than MIN_EDGE_US
 * apart, however short the period.
 */
#include "vmm/dev/platform_dev.h"
#include "vmm/base/math.h"
#include "vmm/base/x86.h"
#include "vmm/partition.h"
#include "vmm/sched.h"
#include "drivers/timer.h"

#define MIN_EDGE_US 100

#define CW_SC(v) (((v) >> 6) & 3)
#define CW_RW(v) (((v) >> 4) & 3)
#define CW_MODE(v) (((v) >> 1) & 7)
#define CW_BCD BIT(0)
#define RB_NO_COUNT BIT(5)
#define RB_NO_STATUS BIT(4)
#define ST_OUT BIT(7)
#define ST_NULL BIT(6)

#define P61_GATE2 BIT(0)
#define P61_SPEAKER BIT(1)
#define P61_WRITABLE 0x0f
#define P61_REFRESH BIT(4)
#define P61_OUT2 BIT(5)
#define REFRESH_NS 15085 /* the refresh toggle's half period */

static u32 range(const struct vpit_counter *c)
{
	return c->bcd ? 10000 : 65536;
}

/* Counter ticks since host TSC `since`. */
static u64 ticks_since(u64 since, u64 now)
{
	return now > since && tsc_khz ? muldiv64(now - since, VPIT_HZ, tsc_khz * 1000) : 0;
}

/* Host TSC ticks for n counter ticks, rounded up: an edge is never
 * looked for before its time. */
static u64 ticks_to_tsc(u64 n)
{
	return muldiv64(n, tsc_khz * 1000, VPIT_HZ) + 1;
}

/* Ticks counted since the count was loaded (or the trigger), as of now:
 * frozen while a low gate holds the count. */
static u64 elapsed(const struct vpit_counter *c, u64 now)
{
	return c->frozen ? c->frozen_ticks : ticks_since(c->start_tsc, now);
}

static bool counting(const struct vpit_counter *c)
{
	/* Modes 1 and 5 count only once triggered. */
	return c->loaded && ((c->mode != 1 && c->mode != 5) || c->triggered);
}

/* The counting element's value and the output, at tick t of the count. */
static void state_at(const struct vpit_counter *c, u64 t, u32 *value, bool *out)
{
	u32 n = c->count, r = range(c);

	if (!counting(c)) {
		/* Mode 0 holds OUT low from its control word on; the others
		 * start high. A count not loaded reads as what was left. */
		*value = c->loaded ? n % r : c->held % r;
		*out = c->mode != 0;
		return;
	}
	switch (c->mode) {
	case 0: case 1:
		*value = (u32)((n + r - t % r) % r);
		*out = t >= n;
		break;
	case 2:
		*value = n - (u32)(t % n);
		*out = c->frozen || *value != 1;
		break;
	case 3: {
		u32 d = (u32)(t % n);
		*value = n - (2 * d) % n;
		*out = c->frozen || d < (n + 1) / 2;
		break;
	}
	default: /* 4, 5: one tick low at the terminal count */
		*value = (u32)((n + r - t % r) % r);
		*out = t != n;
		break;
	}
}

static u16 to_bcd(u32 v)
{
	return (u16)((v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) | ((v / 1000 % 10) << 12));
}

static u16 read_value(const struct vpit_counter *c, u64 now)
{
	u32 v;
	bool out;
	state_at(c, elapsed(c, now), &v, &out);
	v %= 65536;
	return c->bcd ? to_bcd(v) : (u16)v;
}

static bool output(const struct vpit_counter *c, u64 now)
{
	u32 v;
	bool out;
	state_at(c, elapsed(c, now), &v, &out);
	return out;
}

/* Tick (since the load) of the first rising edge of OUT after tick t, or
 * 0 for none to come. */
static u64 next_edge(const struct vpit_counter *c, u64 t)
{
	if (!counting(c) || c->frozen)
		return 0;
	switch (c->mode) {
	case 0: case 1:
		return t < c->count ? c->count : 0;
	case 2: case 3:
		return (t / c->count + 1) * c->count;
	default:
		return t <= c->count ? (u64)c->count + 1 : 0;
	}
}

/* Counter 0's next edge in host TSC (0: none): the one after the last
 * delivered, or after now for a count just started. */
static void plan_edge(struct vpit *pit, u64 now)
{
	struct vpit_counter *c = &pit->ch[0];
	u64 t = elapsed(c, now);

	if (!c->edge_tick || t > c->edge_tick + VPIT_HZ)
		c->edge_tick = next_edge(c, t);
	if (!c->edge_tick) {
		__atomic_store_n(&pit->edge_tsc, 0, __ATOMIC_RELEASE);
		return;
	}
	u64 when = c->start_tsc + ticks_to_tsc(c->edge_tick);
	u64 soonest = pit->last_edge_tsc + (u64)MIN_EDGE_US * tsc_khz / 1000;
	/* Stored once: vpit_timer_update reads it without the lock. */
	__atomic_store_n(&pit->edge_tsc, MAX(MAX(when, soonest), now + 1), __ATOMIC_RELEASE);
}

/* The first vCPU's timer must see the change (from any CPU). */
static void timer_changed(struct platform_state *ps)
{
	struct partition *p = ps->part;
	struct vcpu *v0 = p && p->nr_vcpus ? p->vcpu[0] : NULL;

	if (!v0)
		return;
	sched_timer_changed(v0);
	sched_kick(v0);
}

/* Starts counting from now (a count loaded, a trigger, a restart). */
static void start(struct vpit_counter *c, u64 now)
{
	c->start_tsc = now;
	c->frozen = false;
	c->frozen_ticks = 0;
	c->triggered = true;
	c->edge_tick = 0;
}

static void load_count(struct vpit *pit, u32 i, u32 n, u64 now)
{
	struct vpit_counter *c = &pit->ch[i];

	if (c->bcd)
		n = (n & 0xf) + ((n >> 4) & 0xf) * 10 + ((n >> 8) & 0xf) * 100 + ((n >> 12) & 0xf) * 1000;
	c->count = n ? n : range(c);
	/* Mode 2 and 3 need at least 2 (1 is illegal in the datasheet). */
	if ((c->mode == 2 || c->mode == 3) && c->count < 2)
		c->count = 2;
	c->loaded = true;
	c->null_count = false;
	c->triggered = false;
	c->edge_tick = 0;
	if (c->mode == 1 || c->mode == 5) {
		c->frozen = false; /* armed: waits for the gate's rising edge */
		return;
	}
	start(c, now);
	/* Counter 2 with its gate low: loaded, not counting. */
	if (i == 2 && !pit->gate2) {
		c->frozen = true;
		c->frozen_ticks = 0;
	}
}

static void control_word(struct vpit *pit, u8 val, u64 now)
{
	u32 sc = CW_SC(val);

	if (sc == 3) {
		/* Read-back: bits 3:1 select counters 2..0. */
		for (u32 i = 0; i < 3; i++) {
			struct vpit_counter *c = &pit->ch[i];
			if (!(val & BIT(i + 1)))
				continue;
			if (!(val & RB_NO_COUNT) && !c->count_latched) {
				c->latched = read_value(c, now);
				c->count_latched = true;
				c->latch_msb_next = false;
			}
			if (!(val & RB_NO_STATUS) && !c->status_latched) {
				c->status = (u8)((output(c, now) ? ST_OUT : 0) | (c->null_count ? ST_NULL : 0) |
						 (c->rw << 4) | (c->mode << 1) | (c->bcd ? 1 : 0));
				c->status_latched = true;
			}
		}
		return;
	}
	struct vpit_counter *c = &pit->ch[sc];
	if (!CW_RW(val)) {
		/* Counter latch command; a second one before the read is
		 * ignored. */
		if (!c->count_latched) {
			c->latched = read_value(c, now);
			c->count_latched = true;
			c->latch_msb_next = false;
		}
		return;
	}
	c->held = read_value(c, now);
	c->rw = (u8)CW_RW(val);
	c->mode = (u8)(CW_MODE(val) > 5 ? CW_MODE(val) - 4 : CW_MODE(val));
	c->bcd = val & CW_BCD;
	c->loaded = false;
	c->null_count = true;
	c->triggered = false;
	c->frozen = false;
	c->edge_tick = 0;
	c->write_msb_next = c->read_msb_next = false;
	c->count_latched = c->status_latched = false;
}

static void write_counter(struct vpit *pit, u32 i, u8 val, u64 now)
{
	struct vpit_counter *c = &pit->ch[i];

	switch (c->rw) {
	case 1:
		load_count(pit, i, val, now);
		break;
	case 2:
		load_count(pit, i, (u32)val << 8, now);
		break;
	case 3:
		if (!c->write_msb_next) {
			c->write_lsb = val;
			c->write_msb_next = true;
			/* Mode 0: the first byte stops the count. */
			if (c->mode == 0 && c->loaded) {
				c->held = read_value(c, now);
				c->loaded = false;
			}
			break;
		}
		c->write_msb_next = false;
		load_count(pit, i, c->write_lsb | ((u32)val << 8), now);
		break;
	default: /* no control word yet: the byte goes nowhere */
		break;
	}
}

static u8 read_counter(struct vpit_counter *c, u64 now)
{
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_latched) {
		u8 b;
		if (c->rw == 2)
			b = (u8)(c->latched >> 8);
		else if (c->rw == 3 && c->latch_msb_next)
			b = (u8)(c->latched >> 8);
		else
			b = (u8)c->latched;
		if (c->rw == 3 && !c->latch_msb_next)
			c->latch_msb_next = true;
		else
			c->count_latched = false;
		return b;
	}
	u16 v = read_value(c, now);
	switch (c->rw) {
	case 2:
		return (u8)(v >> 8);
	case 3:
		c->read_msb_next = !c->read_msb_next;
		return c->read_msb_next ? (u8)v : (u8)(v >> 8);
	default:
		return (u8)v;
	}
}

/* Counter 2's gate from port 0x61 bit 0. */
static void set_gate2(struct vpit *pit, bool high, u64 now)
{
	struct vpit_counter *c = &pit->ch[2];

	if (high == pit->gate2)
		return;
	pit->gate2 = high;
	if (!c->loaded)
		return;
	if (high) {
		if (c->mode == 1 || c->mode == 5 || c->mode == 2 || c->mode == 3)
			start(c, now); /* trigger, or reload */
		else if (c->frozen) {
			/* Modes 0 and 4 go on where they stopped. */
			u64 back = ticks_to_tsc(c->frozen_ticks);
			c->start_tsc = now > back ? now - back : 0;
			c->frozen = false;
		}
	} else if (c->mode != 1 && c->mode != 5 && counting(c)) {
		c->frozen_ticks = ticks_since(c->start_tsc, now);
		c->frozen = true;
	}
}

static u8 port61_read(struct vpit *pit, u64 now)
{
	u64 ns = tsc_khz ? muldiv64(now, 1000000, tsc_khz) : 0;
	return (u8)(pit->port61 | (((ns / REFRESH_NS) & 1) ? P61_REFRESH : 0) |
		    (output(&pit->ch[2], now) ? P61_OUT2 : 0));
}

u8 vpit_read_at(struct platform_state *ps, u16 port, u64 now)
{
	struct vpit *pit = &ps->pit;
	u64 f = spin_lock_irqsave(&pit->lock);
	u8 b = port == VPIT_PORT61 ? port61_read(pit, now)
	     : port < VPIT_BASE + 3 ? read_counter(&pit->ch[port - VPIT_BASE], now)
				    : 0xff; /* the control word cannot be read */
	spin_unlock_irqrestore(&pit->lock, f);
	return b;
}

void vpit_write_at(struct platform_state *ps, u16 port, u8 val, u64 now)
{
	struct vpit *pit = &ps->pit;
	u64 f = spin_lock_irqsave(&pit->lock);
	u64 before = pit->edge_tsc;

	if (port == VPIT_PORT61) {
		pit->port61 = val & P61_WRITABLE;
		set_gate2(pit, val & P61_GATE2, now);
	} else if (port == VPIT_BASE + 3) {
		control_word(pit, val, now);
	} else {
		write_counter(pit, port - VPIT_BASE, val, now);
	}
	plan_edge(pit, now);
	bool changed = pit->edge_tsc != before;
	spin_unlock_irqrestore(&pit->lock, f);
	if (changed)
		timer_changed(ps);
}

u64 vpit_timer_update(struct platform_state *ps, u64 now)
{
	struct vpit *pit = &ps->pit;
	/* Called at every entry of the first vCPU: nothing due, no lock. */
	u64 e = __atomic_load_n(&pit->edge_tsc, __ATOMIC_ACQUIRE);

	if (!e || now < e)
		return e;
	u64 f = spin_lock_irqsave(&pit->lock);
	bool fire = pit->edge_tsc && now >= pit->edge_tsc;

	if (fire) {
		struct vpit_counter *c = &pit->ch[0];
		pit->last_edge_tsc = now;
		pit->edges++;
		c->edge_tick = next_edge(c, c->edge_tick);
		plan_edge(pit, now);
	}
	u64 next = pit->edge_tsc;
	spin_unlock_irqrestore(&pit->lock, f);
	/* The HPET's legacy replacement route cuts the PIT off IRQ 0. */
	if (fire && !vhpet_legacy(ps)) {
		/* A pulse: both inputs are edge-triggered. */
		platform_isa_irq(ps, 0, true);
		platform_isa_irq(ps, 0, false);
	}
	return next;
}

void vpit_reset(struct platform_state *ps)
{
	struct vpit *pit = &ps->pit;
	u64 f = spin_lock_irqsave(&pit->lock);

	for (u32 i = 0; i < 3; i++)
		pit->ch[i] = (struct vpit_counter){ .mode = 0, .rw = 3 };
	pit->port61 = 0;
	pit->gate2 = false;
	pit->last_edge_tsc = 0;
	__atomic_store_n(&pit->edge_tsc, 0, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&pit->lock, f);
}

void vpit_firmware(struct platform_state *ps, u64 now)
{
	/* What a PC BIOS leaves: counter 0 in mode 3 with the full count
	 * (18.2 Hz, the BIOS tick), binary, LSB then MSB. */
	vpit_write_at(ps, VPIT_BASE + 3, 0x36, now);
	vpit_write_at(ps, VPIT_BASE, 0, now);
	vpit_write_at(ps, VPIT_BASE, 0, now);
}

static u16 byte_base(u16 port)
{
	return port == VPIT_PORT61 ? VPIT_PORT61 : VPIT_BASE;
}

int vpit_io_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val)
{
	struct platform_state *ps = opaque;
	u16 base = byte_base(port), count = base == VPIT_PORT61 ? 1 : 4;
	u64 now = rdtsc();
	u32 r = 0;
	(void)v;

	for (u8 i = 0; i < size && i < 4; i++) {
		u8 b = isa_byte_in_range(port, i, base, count) ? vpit_read_at(ps, (u16)(port + i), now)
							       : 0xff;
		r |= (u32)b << (8 * i);
	}
	*val = r;
	return 0;
}

int vpit_io_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val)
{
	struct platform_state *ps = opaque;
	u16 base = byte_base(port), count = base == VPIT_PORT61 ? 1 : 4;
	u64 now = rdtsc();
	(void)v;

	for (u8 i = 0; i < size && i < 4; i++)
		if (isa_byte_in_range(port, i, base, count))
			vpit_write_at(ps, (u16)(port + i), (u8)(val >> (8 * i)), now);
	return 0;
}
