// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtual PC platform from the inside (child platform=pc, 64-bit, one
 * vCPU; run with on_reset=restart expect=poweroff):
 *
 *  1. after idling for half a second (while the other partitions of the
 *     test run start), resets the partition through the reset register
 *     (0xcf9) and, once restarted, through the i8042's reset pulse,
 *     keeping its progress in CMOS RAM, which a reset does not clear;
 *     after each restart the devices must be back in their reset state;
 *  2. RTC: a plausible date in valid BCD, binary and 12-hour modes, a
 *     clock that advances by a second in a second (TSC), setting the year;
 *  3. PM timer: 3.579545 MHz (within 2%) measured against the local APIC
 *     timer (100 MHz), monotonic; SCI_EN set; PM1_EN reads back;
 *  4. the firmware's state after each reset (8259A, PIT counter 0,
 *     LINT0 in virtual-wire mode); the PIT: counter 2 gated through
 *     port 0x61 against the TSC, IRQ 0 through the I/O APIC's pin 2 and
 *     through the 8259A and LINT0 (ExtINT); the HPET: its counter's
 *     rate, timer 0 periodic through the legacy route, timer 2 one-shot
 *     level-triggered on I/O APIC pin 20;
 *     8259A: initialization words, masks read back, IRR/ISR empty; ELCR;
 *  5. I/O APIC: ID, version, redirection entries;
 *  6. UART: the THR-empty interrupt through I/O APIC pin 4 (edge), the
 *     loopback echo, a line printed through THR;
 *  7. a level-triggered route: Remote IRR set until the EOI, the
 *     interrupt again after the EOI while the line stays asserted, the
 *     I/O APIC's EOI register;
 *  8. ACPI power-off (SLP_TYP 5 | SLP_EN): the partition ends "poweroff".
 */
#include "guest.h"
#include "vmm/dev/platform.h"

#define COM PLAT_UART_PORT
#define IOAPIC ((uword)PLAT_IOAPIC_BASE)
#define VEC_UART VEC_IPI /* a vector with a gate in the guest runtime */

#define CMOS_PHASE 0x50 /* general-purpose CMOS byte: how far we got */
#define PHASE_RESET_REG 0xa1
#define PHASE_I8042 0xa2

static u64 tsc_per_ms;

/* ---- CMOS / RTC ---- */

static u32 bcd(u8 v) { return (v >> 4) * 10 + (v & 15); }
static bool bcd_ok(u8 v) { return (v >> 4) <= 9 && (v & 15) <= 9; }

struct rtc {
	u8 sec, min, hour, mday, mon, year, century;
};

/* The registers, read until the seconds did not change meanwhile (the
 * virtual RTC never shows UIP, as its documentation says). */
static void rtc_read(struct rtc *r)
{
	for (int i = 0; i < 100; i++) {
		r->sec = cmos(0);
		r->min = cmos(2);
		r->hour = cmos(4);
		r->mday = cmos(7);
		r->mon = cmos(8);
		r->year = cmos(9);
		r->century = cmos(0x32);
		if (cmos(0) == r->sec)
			return;
	}
}

static s64 days_from_civil(s64 y, u32 m, u32 d)
{
	static const u16 before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	s64 leaps = (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400 - (1969 / 4 - 1969 / 100 + 1969 / 400);
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return 365 * (y - 1970) + leaps + before[(m - 1) % 12] + (m > 2 && leap) + d - 1;
}

static s64 rtc_unix(const struct rtc *r)
{
	s64 days = days_from_civil(bcd(r->century) * 100 + bcd(r->year), bcd(r->mon), bcd(r->mday));
	return days * 86400 + bcd(r->hour) * 3600 + bcd(r->min) * 60 + bcd(r->sec);
}

/* ---- time base: the local APIC timer counts at 100 MHz ---- */

static u32 lapic_count(void)
{
	return apic_read(0x390);
}

static void lapic_timer_free_run(void)
{
	apic_write(0x3e0, 0xb);             /* divide by 1 */
	apic_write(0x320, (1u << 16) | VEC_TIMER); /* masked: counting only */
	apic_write(0x380, 0xffffffffu);
}

/* A reading of the LAPIC count and the PM timer, with the TSC before and
 * after: the width of the bracket bounds how far apart they were. */
struct sample {
	u64 t0, t1;
	u32 lapic, pm;
};

static void take(struct sample *s)
{
	s->t0 = rdtsc();
	s->lapic = lapic_count();
	s->pm = inl(PLAT_PM_TMR);
	s->t1 = rdtsc();
}

/* Measures the PM timer and the TSC against the LAPIC timer over 25 ms
 * (short: the other partitions' vCPUs share the CPUs). Returns the PM
 * timer's rate in Hz (0 when no clean measurement). */
static u64 measure(void)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		struct sample a, b;
		lapic_timer_free_run();
		take(&a);
		/* 25 ms = 2,500,000 ticks at 100 MHz. */
		u64 guard = 0;
		while (a.lapic - lapic_count() < 2500000u && guard++ < 100000000)
			pause();
		take(&b);
		/* The two reads of a sample are at most its bracket apart, so
		 * the rate is off by at most jitter / window: keep it < 1%. */
		u64 window = b.t1 - a.t0, jitter = (a.t1 - a.t0) + (b.t1 - b.t0);
		if (jitter * 100 > window)
			continue; /* descheduled between two reads: again */
		u64 lapic_ticks = a.lapic - b.lapic;
		u64 pm_ticks = (u32)(b.pm - a.pm);
		/* TSC ticks per ms: window in TSC over window in LAPIC ticks. */
		tsc_per_ms = ((b.t0 + b.t1) / 2 - (a.t0 + a.t1) / 2) * 100000 / lapic_ticks;
		return pm_ticks * 100000000 / lapic_ticks;
	}
	return 0;
}

static volatile u32 ticks;
static void on_tick(void) { ticks++; }

/* Halts until a one-shot LAPIC timer of `n` ticks (100 MHz) fires. */
static void halt_for_lapic_ticks(u32 n)
{
	set_irq_handler(VEC_TIMER, on_tick);
	ticks = 0;
	apic_write(0x3e0, 0xb);         /* divide by 1 */
	apic_write(0x320, VEC_TIMER);   /* one-shot */
	apic_write(0x380, n);
	while (!ticks)
		sti_hlt();
	cli();
	apic_write(0x320, (1u << 16) | VEC_TIMER);
}

/* Sleeps in HLT, woken every 10 ms by the LAPIC timer, until the TSC
 * says `ms` have passed: no spinning that other partitions' vCPUs (and
 * the emulator's threads) would feel. */
static void sleep_ms(u64 ms)
{
	u64 end = rdtsc() + ms * tsc_per_ms;

	set_irq_handler(VEC_TIMER, on_tick);
	apic_write(0x3e0, 0xb);                     /* divide by 1 */
	apic_write(0x320, VEC_TIMER | (1u << 17));  /* periodic */
	apic_write(0x380, 1000000);                 /* 10 ms at 100 MHz */
	while (rdtsc() < end)
		sti_hlt();
	cli();
	apic_write(0x320, (1u << 16) | VEC_TIMER);
	apic_write(0x380, 0);
}

/* ---- I/O APIC ---- */

static u32 ioapic_read(u32 reg)
{
	*(volatile u32 *)IOAPIC = reg;
	return *(volatile u32 *)(IOAPIC + 0x10);
}

static void ioapic_write(u32 reg, u32 val)
{
	*(volatile u32 *)IOAPIC = reg;
	*(volatile u32 *)(IOAPIC + 0x10) = val;
}

static void route(u32 pin, u64 e)
{
	ioapic_write(0x10 + 2 * pin + 1, (u32)(e >> 32));
	ioapic_write(0x10 + 2 * pin, (u32)e);
}

static u32 entry_lo(u32 pin)
{
	return ioapic_read(0x10 + 2 * pin);
}

#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)
#define RTE_RIRR (1u << 14)

/* ---- phases 0 and 1: resets ---- */

static void reset_through(const char *how, u8 next_phase, void (*pull)(void))
{
	/* Leave state behind that a reset must clear. */
	outb(COM + 1, 0x05);
	route(PLAT_UART_IRQ, VEC_UART);
	outb(0x21, 0x00);
	cmos_set(CMOS_PHASE, next_phase);
	printf("platform: resetting through %s\n", how);
	pull();
	printf("platform: still running after the reset through %s\n", how);
	guest_exit(2);
}

static void pull_cf9(void) { outb(PLAT_RESET_PORT, PLAT_RESET_VALUE); }
static void pull_i8042(void)
{
	CHECK_EQ(inb(PLAT_I8042_CMD) & 3, 0); /* nothing to read, room to write */
	outb(PLAT_I8042_CMD, 0xfe);
}

/* The first vCPU's LINT0 as the guest found it, before apic_enable(). */
static u32 lint0_at_entry;

/* Counter 0's status by read-back: OUT, null count, access, mode, BCD. */
static u8 pit_status(u32 ch)
{
	outb(0x43, (u8)(0xe0 | (2u << ch)));
	return inb((u16)(0x40 + ch));
}

static void check_reset_state(void)
{
	/* The firmware's state (vmm/dev/platform.c): the 8259A with IRQ 0
	 * and the cascade open, counter 0 in mode 3 (LSB/MSB, binary),
	 * LINT0 in virtual-wire mode. */
	CHECK_EQ(lint0_at_entry, 0x700);
	CHECK_EQ(pit_status(0) & 0x7f, 0x36);
	CHECK_EQ(inb(COM + 1), 0);
	CHECK_EQ(inb(COM + 2), 0x01);
	CHECK_EQ(inb(COM + 5), 0x60);
	CHECK_EQ(entry_lo(PLAT_UART_IRQ), RTE_MASKED);
	CHECK_EQ(inb(0x21), 0xfa);
	CHECK_EQ(inb(0xa1), 0xff);
	CHECK_EQ(inw(PLAT_PM1A_CNT) & 1, 1);
}

/* ---- the checks ---- */

static void test_rtc(void)
{
	struct rtc r, r2;

	CHECK_EQ(cmos(0x0d), 0x80);           /* VRT */
	CHECK_EQ(cmos(0x0a) & 0x80, 0);       /* no update in progress */
	CHECK_EQ(cmos(0x0b), 0x02);           /* BCD, 24 hours */
	rtc_read(&r);
	CHECK(bcd_ok(r.sec) && bcd_ok(r.min) && bcd_ok(r.hour) && bcd_ok(r.mday) &&
	      bcd_ok(r.mon) && bcd_ok(r.year) && bcd_ok(r.century));
	u32 year = bcd(r.century) * 100 + bcd(r.year);
	printf("platform: RTC %u-%02u-%02u %02u:%02u:%02u\n", year, bcd(r.mon), bcd(r.mday),
	       bcd(r.hour), bcd(r.min), bcd(r.sec));
	CHECK(year >= 2024);
	CHECK(bcd(r.mon) >= 1 && bcd(r.mon) <= 12);
	CHECK(bcd(r.mday) >= 1 && bcd(r.mday) <= 31);
	CHECK(bcd(r.hour) < 24 && bcd(r.min) < 60 && bcd(r.sec) < 60);
	u8 wday = cmos(6);
	CHECK(wday >= 1 && wday <= 7);

	/* Binary mode shows the same year. */
	cmos_set(0x0b, 0x06);
	CHECK_EQ(cmos(0x32), bcd(r.century));
	CHECK_EQ(cmos(0x09), bcd(r.year));
	/* 12-hour mode: hours 1-12 with bit 7 for PM. */
	for (int i = 0; i < 10; i++) {
		cmos_set(0x0b, 0x06);
		u8 h24 = cmos(4);
		cmos_set(0x0b, 0x04);
		u8 h12 = cmos(4);
		cmos_set(0x0b, 0x06);
		if (cmos(4) != h24)
			continue; /* the hour turned meanwhile */
		u8 h = h12 & 0x7f;
		CHECK(h >= 1 && h <= 12);
		CHECK_EQ((h % 12) + ((h12 & 0x80) ? 12 : 0), h24);
		break;
	}
	cmos_set(0x0b, 0x02);

	/* A second later by the TSC, a second later by the RTC. */
	s64 t0 = rtc_unix(&r);
	sleep_ms(1100);
	rtc_read(&r2);
	s64 t1 = rtc_unix(&r2);
	printf("platform: RTC advanced %d s in 1.1 s\n", (int)(t1 - t0));
	CHECK(t1 - t0 >= 1 && t1 - t0 <= 3);

	/* Setting the year moves this partition's clock only. */
	cmos_set(0x0b, 0x82);
	cmos_set(0x09, (u8)(((bcd(r2.year) + 1) % 10) | (((bcd(r2.year) + 1) / 10 % 10) << 4)));
	cmos_set(0x0b, 0x02);
	CHECK_EQ(bcd(cmos(0x09)), (bcd(r2.year) + 1) % 100);
	cmos_set(0x0b, 0x82);
	cmos_set(0x09, r2.year);
	cmos_set(0x0b, 0x02);
	CHECK_EQ(cmos(0x09), r2.year);

	/* General-purpose CMOS RAM. */
	cmos_set(0x60, 0x5a);
	CHECK_EQ(cmos(0x60), 0x5a);
	cmos(0x0c); /* clears the flags */
}

static void test_pm(void)
{
	u64 hz = measure();
	printf("platform: PM timer %llu Hz, TSC %llu kHz (against the LAPIC timer)\n",
	       (unsigned long long)hz, (unsigned long long)tsc_per_ms);
	CHECK(hz > 3579545 - 3579545 / 50 && hz < 3579545 + 3579545 / 50);
	CHECK(tsc_per_ms > 0);
	u32 last = inl(PLAT_PM_TMR);
	for (int i = 0; i < 1000; i++) {
		u32 now = inl(PLAT_PM_TMR);
		CHECK((int32_t)(now - last) >= 0);
		last = now;
	}
	CHECK_EQ(inw(PLAT_PM1A_CNT) & 1, 1); /* SCI_EN: ACPI mode */
	outw(PLAT_PM1A_EVT + 2, 0x0100);     /* PWRBTN_EN */
	CHECK_EQ(inw(PLAT_PM1A_EVT + 2), 0x0100);
	outw(PLAT_PM1A_EVT + 2, 0);
}

/* ---- the 8254 PIT ---- */

static volatile u32 pit_ticks;
static void on_pit(void) { pit_ticks++; }
static void on_pit_pic(void)
{
	pit_ticks++;
	outb(0x20, 0x20); /* non-specific EOI */
}

/* Counter 0 in mode 2 at `hz` (binary, LSB then MSB). */
static void pit_rate(u32 hz)
{
	u32 n = 1193182 / hz;
	outb(0x43, 0x34);
	outb(0x40, (u8)n);
	outb(0x40, (u8)(n >> 8));
}

/* Counter 0 at 1 kHz from now; the milliseconds 50 ticks took, timed
 * from before the count was written (a tick never comes before its
 * time; late ones may come close together, when the hypervisor catches
 * up with ticks this vCPU was not there to take), or 0 after 2 s. */
static u32 pit_ms_for_50_ticks(void)
{
	pit_ticks = 0;
	u64 t0 = rdtsc(), end = t0 + 2000 * tsc_per_ms;
	pit_rate(1000);
	while (pit_ticks < 50 && rdtsc() < end) {
		sti();
		pause();
		cli();
	}
	return pit_ticks < 50 ? 0 : (u32)((rdtsc() - t0) / tsc_per_ms);
}

/* Counter 2's rate against the TSC: running free (mode 2, count 65536,
 * gate high), latched and read between two TSC reads at each end of a
 * 25 ms window; a sample whose bracket is wide (the vCPU lost its CPU in
 * between) is taken again, as measure() does. Hz, or 0. */
static u64 pit2_rate(void)
{
	outb(0x61, (inb(0x61) & ~2) | 1);
	outb(0x43, 0xb4);
	outb(0x42, 0);
	outb(0x42, 0);
	for (int attempt = 0; attempt < 8; attempt++) {
		u64 a0 = rdtsc();
		outb(0x43, 0x80);
		u32 ca = inb(0x42);
		ca |= (u32)inb(0x42) << 8;
		u64 a1 = rdtsc();
		u64 end = a1 + 25 * tsc_per_ms;
		while (rdtsc() < end)
			pause();
		u64 b0 = rdtsc();
		outb(0x43, 0x80);
		u32 cb = inb(0x42);
		cb |= (u32)inb(0x42) << 8;
		u64 b1 = rdtsc();
		u64 window = b1 - a0, jitter = (a1 - a0) + (b1 - b0);
		if (jitter * 100 > window || window > 50 * tsc_per_ms)
			continue; /* descheduled in between, or wrapped twice */
		/* Down-counting, 65536 per period. */
		u64 counted = (ca + 65536 - cb) % 65536;
		u64 tsc = (b0 + b1) / 2 - (a0 + a1) / 2;
		return counted * tsc_per_ms * 1000 / tsc;
	}
	return 0;
}

static void test_pit(void)
{
	/* Counter 2 through port 0x61, as Linux calibrates the TSC with
	 * it: gate low, mode 0, 11932 (10 ms), gate high, OUT2 rises --
	 * never before its 10 ms (later only when this vCPU lost its CPU). */
	outb(0x61, inb(0x61) & ~3);
	outb(0x43, 0xb0);
	outb(0x42, 11932 & 0xff);
	outb(0x42, 11932 >> 8);
	CHECK_EQ(inb(0x61) & 0x20, 0);
	u64 t0 = rdtsc(), guard = 0;
	outb(0x61, inb(0x61) | 1);
	while (!(inb(0x61) & 0x20) && guard++ < 100000000)
		;
	u64 us = (rdtsc() - t0) * 1000 / tsc_per_ms;
	CHECK(us >= 9900 && us <= 1000000);
	/* Its rate, within 1%. */
	u64 hz = pit2_rate();
	CHECK(hz >= 1181250 && hz <= 1205114);
	outb(0x61, inb(0x61) & ~3);

	/* IRQ 0 through the I/O APIC's pin 2 (the MADT's override), the
	 * 8259A masked: 1 kHz for 50 ms. */
	outb(0x21, 0xff);
	set_irq_handler(VEC_IPI, on_pit);
	route(2, VEC_IPI);
	u32 apic_ms = pit_ms_for_50_ticks();
	route(2, RTE_MASKED);
	/* Not before 50 ms (50 x 1193 counts); well before the 2.7 s of
	 * the firmware's 18.2 Hz. */
	CHECK(apic_ms >= 49 && apic_ms <= 1000);

	/* IRQ 0 through the 8259A and LINT0 in ExtINT mode (virtual wire):
	 * IRQ 0 at the master's vector base 0x40. */
	outb(0x20, 0x11);
	outb(0x21, VEC_TIMER);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0x21, 0xfe);
	set_irq_handler(VEC_TIMER, on_pit_pic);
	apic_write(0x350, 0x700);
	u32 pic_ms = pit_ms_for_50_ticks();
	apic_write(0x350, 0x10700); /* masked again */
	outb(0x21, 0xff);
	outb(0x20, 0x0b);
	CHECK_EQ(inb(0x20), 0); /* every tick ended by its EOI */
	CHECK(pic_ms >= 49 && pic_ms <= 1000);
	set_irq_handler(VEC_TIMER, NULL);
	set_irq_handler(VEC_IPI, NULL);
	outb(0x43, 0x30); /* stopped: a control word without a count */
	/* (one console line: the guest's printf cuts long ones) */
	printf("pit: OUT2 after %lu us of 10 ms, %lu Hz; 50 ticks at 1 kHz: %u ms (I/O APIC), "
	       "%u ms (8259A)\n", (unsigned long)us, (unsigned long)hz, apic_ms, pic_ms);
}

/* ---- the HPET ---- */

#define HPET ((uword)PLAT_HPET_BASE)
static u64 hpet_rd(u32 off) { return *(volatile u64 *)(HPET + off); }
static void hpet_wr(u32 off, u64 v) { *(volatile u64 *)(HPET + off) = v; }

static volatile u32 hpet_level_irqs;
static void on_hpet_level(void)
{
	hpet_level_irqs++;
	hpet_wr(0x20, 4); /* timer 2's status: cleared, its line down */
}

static void test_hpet(void)
{
	u64 cap = hpet_rd(0);
	CHECK_EQ(cap >> 32, 10000000);      /* 10 ns */
	CHECK_EQ((cap >> 8) & 0x1f, 2);     /* 3 timers */
	CHECK(cap & (1u << 15));            /* legacy route capable */
	hpet_wr(0x10, 0);
	hpet_wr(0xf0, 0);
	hpet_wr(0x10, 1);
	/* The counter's rate against the TSC, bracketed as measure() does. */
	u64 hz = 0;
	for (int attempt = 0; attempt < 8 && !hz; attempt++) {
		u64 a0 = rdtsc(), ca = hpet_rd(0xf0), a1 = rdtsc();
		u64 end = a1 + 20 * tsc_per_ms;
		while (rdtsc() < end)
			pause();
		u64 b0 = rdtsc(), cb = hpet_rd(0xf0), b1 = rdtsc();
		u64 window = b1 - a0, jitter = (a1 - a0) + (b1 - b0);
		if (jitter * 100 > window)
			continue;
		hz = (cb - ca) * tsc_per_ms * 1000 / ((b0 + b1) / 2 - (a0 + a1) / 2);
	}
	CHECK(hz >= 99000000 && hz <= 101000000);
	/* Timer 0 periodic at 1 kHz in 32-bit mode through the legacy
	 * route (IRQ 0: the I/O APIC's pin 2), as Linux sets it up. */
	set_irq_handler(VEC_IPI, on_pit);
	route(2, VEC_IPI);
	hpet_wr(0x10, 3);
	pit_ticks = 0;
	u64 t0 = rdtsc(), end = t0 + 2000 * tsc_per_ms;
	hpet_wr(0x100, 0x14c);
	u32 now = (u32)hpet_rd(0xf0);
	*(volatile u32 *)(HPET + 0x108) = now + 100000;
	*(volatile u32 *)(HPET + 0x108) = 100000;
	while (pit_ticks < 50 && rdtsc() < end) {
		sti();
		pause();
		cli();
	}
	u32 ms = pit_ticks < 50 ? 0 : (u32)((rdtsc() - t0) / tsc_per_ms);
	hpet_wr(0x100, 0);
	hpet_wr(0x10, 1);
	route(2, RTE_MASKED);
	CHECK(ms >= 49 && ms <= 1000);
	/* Timer 2: one-shot, level-triggered, on pin 20, 2 ms ahead. */
	set_irq_handler(VEC_IPI, on_hpet_level);
	route(20, RTE_LEVEL | VEC_IPI);
	hpet_level_irqs = 0;
	CHECK_EQ(hpet_rd(0x140) >> 32, 0x00f00000); /* pins 20-23 */
	hpet_wr(0x148, hpet_rd(0xf0) + 200000);
	hpet_wr(0x140, (20u << 9) | 0x6);
	end = rdtsc() + 1000 * tsc_per_ms;
	while (!hpet_level_irqs && rdtsc() < end) {
		sti();
		pause();
		cli();
	}
	CHECK_EQ(hpet_level_irqs, 1);
	CHECK_EQ(hpet_rd(0x20) & 4, 0);
	CHECK_EQ(entry_lo(20) & RTE_RIRR, 0);
	hpet_wr(0x140, 0);
	route(20, RTE_MASKED);
	route(2, RTE_MASKED);
	hpet_wr(0x10, 0);
	set_irq_handler(VEC_IPI, NULL);
	printf("hpet: %lu Hz; timer 0 at 1 kHz (legacy route): 50 ticks in %u ms; "
	       "timer 2 level on pin 20: %u\n", (unsigned long)hz, ms, hpet_level_irqs);
}

static void test_pic(void)
{
	/* As Linux's init_8259A does it. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	outb(0x20, 0x11);
	outb(0x21, 0x30);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, 0x38);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0xfb);
	outb(0xa1, 0xbf);
	CHECK_EQ(inb(0x21), 0xfb);
	CHECK_EQ(inb(0xa1), 0xbf);
	outb(0x20, 0x0a);
	CHECK_EQ(inb(0x20), 0); /* IRR */
	outb(0x20, 0x0b);
	CHECK_EQ(inb(0x20), 0); /* ISR */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	CHECK_EQ(inb(0x21), 0xff);
	outb(0x4d0, 0x20);
	outb(0x4d1, 0x0e);
	CHECK_EQ(inb(0x4d0), 0x20);
	CHECK_EQ(inb(0x4d1), 0x0e);
	outb(0x4d0, 0);
	outb(0x4d1, 0);
}

static void test_ioapic(void)
{
	u32 id = ioapic_read(0);
	CHECK_EQ(id >> 24, 1); /* the first ID after the one vCPU's */
	CHECK_EQ(ioapic_read(1), 0x00170020);
	for (u32 pin = 0; pin < 24; pin++)
		CHECK_EQ(entry_lo(pin), RTE_MASKED);
	ioapic_write(0x10 + 2 * 20, 0xffffffff);
	ioapic_write(0x11 + 2 * 20, 0xffffffff);
	CHECK_EQ(ioapic_read(0x10 + 2 * 20), 0x0001afff); /* Remote IRR, status: read-only */
	CHECK_EQ(ioapic_read(0x11 + 2 * 20), 0xff000000);
	route(20, RTE_MASKED);
	CHECK_EQ(ioapic_read(0x11 + 2 * 20), 0);
}

static volatile u32 uart_irqs;
static volatile u8 uart_iir;

static void on_uart_edge(void)
{
	uart_irqs++;
	uart_iir = inb(COM + 2); /* reading IIR clears THR empty */
}

static void wait_irqs(u32 n)
{
	for (u64 guard = 0; uart_irqs < n && guard < 10000000; guard++) {
		sti();
		pause();
		cli();
	}
}

static void uart_puts(const char *s)
{
	for (; *s; s++) {
		for (int i = 0; i < 100000 && !(inb(COM + 5) & 0x20); i++)
			pause();
		outb(COM, (u8)*s);
	}
}

static void test_uart(void)
{
	CHECK_EQ(inb(COM + 5), 0x60); /* THR and transmitter empty */
	outb(COM + 3, 0x83);          /* DLAB: 115200 baud */
	outb(COM + 0, 0x01);
	outb(COM + 1, 0x00);
	CHECK_EQ(inb(COM + 0), 0x01);
	outb(COM + 3, 0x03);          /* 8n1 */
	outb(COM + 2, 0x07);          /* FIFOs on and cleared */
	CHECK_EQ(inb(COM + 2) & 0xc0, 0xc0);
	outb(COM + 7, 0xa5);
	CHECK_EQ(inb(COM + 7), 0xa5);

	/* THR empty interrupt: ISA IRQ 4 through I/O APIC pin 4, edge. */
	set_irq_handler(VEC_UART, on_uart_edge);
	route(PLAT_UART_IRQ, VEC_UART); /* fixed, physical, APIC 0 */
	outb(COM + 4, 0x0b);            /* DTR, RTS, OUT2 */
	uart_irqs = 0;
	cli();
	outb(COM + 1, 0x02);
	wait_irqs(1);
	CHECK_EQ(uart_irqs, 1);
	CHECK_EQ(uart_iir, 0xc2);
	CHECK_EQ(inb(COM + 2), 0xc1); /* no longer pending */
	outb(COM + 1, 0x00);
	route(PLAT_UART_IRQ, RTE_MASKED | VEC_UART);

	/* Loopback: the transmitter feeds the receiver; modem lines follow
	 * MCR. */
	outb(COM + 4, 0x1a); /* loop, OUT2, RTS */
	CHECK_EQ(inb(COM + 6) & 0xf0, 0x90);
	outb(COM, 'Z');
	for (int i = 0; i < 1000 && !(inb(COM + 5) & 1); i++)
		pause();
	CHECK_EQ(inb(COM + 5) & 1, 1);
	CHECK_EQ(inb(COM), 'Z');
	CHECK_EQ(inb(COM + 5) & 1, 0);
	outb(COM + 4, 0x0b);

	/* A line on the console through the UART. */
	uart_puts("uart: hello from the guest's 16550\r\n");
}

static volatile u32 level_irqs;
static volatile u32 rirr_in_handler, tmr_in_handler;

static void on_uart_level(void)
{
	level_irqs++;
	if (level_irqs == 1) {
		/* Accepted, not yet EOIed: Remote IRR set, TMR marks the
		 * vector level-triggered. The line stays up: after the EOI
		 * the interrupt must come again. */
		rirr_in_handler = entry_lo(PLAT_UART_IRQ) & RTE_RIRR;
		tmr_in_handler = apic_read(0x180 + (VEC_UART / 32) * 0x10) & (1u << (VEC_UART % 32));
	} else {
		outb(COM + 1, 0x00); /* the source goes away */
	}
}

static void test_level(void)
{
	set_irq_handler(VEC_UART, on_uart_level);
	outb(COM + 1, 0x00);
	outb(COM + 4, 0x0b);
	level_irqs = 0;
	cli();
	route(PLAT_UART_IRQ, RTE_LEVEL | VEC_UART);
	outb(COM + 1, 0x02); /* the line rises and stays up */
	CHECK(entry_lo(PLAT_UART_IRQ) & RTE_RIRR);
	for (u64 guard = 0; level_irqs < 2 && guard < 10000000; guard++) {
		sti();
		pause();
		cli();
	}
	CHECK_EQ(level_irqs, 2);
	CHECK(rirr_in_handler);
	CHECK(tmr_in_handler);
	CHECK_EQ(entry_lo(PLAT_UART_IRQ) & RTE_RIRR, 0);

	/* The EOI register: Remote IRR set, entry masked (it stays set),
	 * cleared by writing the vector at 0x40. */
	outb(COM + 1, 0x02);
	CHECK(entry_lo(PLAT_UART_IRQ) & RTE_RIRR);
	route(PLAT_UART_IRQ, RTE_MASKED | RTE_LEVEL | VEC_UART);
	CHECK(entry_lo(PLAT_UART_IRQ) & RTE_RIRR);
	*(volatile u32 *)(IOAPIC + 0x40) = VEC_UART;
	CHECK_EQ(entry_lo(PLAT_UART_IRQ) & RTE_RIRR, 0);
	outb(COM + 1, 0x00);
	/* The local APIC still holds the accepted vector: take it. */
	for (u64 guard = 0; level_irqs < 3 && guard < 10000000; guard++) {
		sti();
		pause();
		cli();
	}
	CHECK_EQ(level_irqs, 3);
	CHECK_EQ(entry_lo(PLAT_UART_IRQ) & RTE_RIRR, 0);
}

int guest_main(u32 vcpu, u64 mem)
{
	(void)vcpu;
	(void)mem;
	lint0_at_entry = *(volatile u32 *)(uword)(PLAT_LAPIC_BASE + 0x350);
	apic_enable(false);
	u8 phase = cmos(CMOS_PHASE);
	if (phase == 0) {
		/* Idle through the first half second, while the other
		 * partitions of the test run start their vCPUs (some time
		 * their own start-up tightly). */
		halt_for_lapic_ticks(50000000); /* 500 ms at 100 MHz */
		reset_through("the reset register", PHASE_RESET_REG, pull_cf9);
	}
	if (phase == PHASE_RESET_REG) {
		printf("platform: restarted by the reset register\n");
		check_reset_state();
		reset_through("the i8042", PHASE_I8042, pull_i8042);
	}
	if (phase != PHASE_I8042) {
		printf("platform: CMOS phase byte %x makes no sense\n", phase);
		return 1;
	}
	printf("platform: restarted by the i8042 reset pulse\n");
	check_reset_state();
	cmos_set(CMOS_PHASE, 0);

	test_pm(); /* first: it calibrates the TSC the RTC test uses */
	test_rtc();
	test_pit();
	test_hpet();
	test_pic();
	test_ioapic();
	test_uart();
	test_level();
	if (failures)
		return failures;

	printf("platform: all checks passed, powering off through ACPI\n");
	outw(PLAT_PM1A_CNT, (PLAT_SLP_TYP_S5 << 10) | (1u << 13));
	printf("platform: still running after the ACPI power-off\n");
	return 1;
}
