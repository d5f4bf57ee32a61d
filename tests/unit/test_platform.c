// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtual PC platform's device models (vmm/dev/vioapic.c, vpic.c,
 * vuart.c, vrtc.c, vpm.c, platform.c, console_input.c) and the calendar
 * arithmetic of drivers/rtc.c, compiled for the host. Devices are
 * attached with the real platform_attach() and driven through the port
 * and MMIO callbacks it registers, as vmm/io.c and vmm/mmio.c call them;
 * what lies outside (local APICs, the scheduler, partition stop and
 * restart, the console, time) is stubbed here and recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "vmm/base/console.h"
#include "vmm/console_input.h"
#include "vmm/base/heap.h"
#include "vmm/host_irq.h"
#include "vmm/dev/passthru.h"
#include "vmm/base/log.h"
#include "partitions/parent.h"
#include "drivers/acpi.h"
#include "vmm/partition.h"
#include "vmm/dev/platform.h"
#include "vmm/dev/platform_dev.h"
#include "vmm/sched.h"
#include "vmm/dev/testdev.h"
#include "vmm/dev/vlapic.h"
#include "vmm/dev/vuart.h"
#include "vmm/dev/virtio_pci.h"
#include "drivers/rtc.h"
#include "drivers/timer.h"

/* ---- stubs and their records ---- */

/* No passed-through functions here (vmm/dev/passthru.c drives hardware). */
void passthru_release(struct partition *c)
{
	(void)c;
}

#define NV 4

struct vlapic {
	u32 id;
	bool extint_open; /* LINT0 in ExtINT mode */
	bool virtual_wire; /* set by the firmware state */
	u32 ldr;  /* logical ID, flat model: bits 7:0 */
	u32 tpr;
	u32 irr[8], tmr[8];
	u32 accepted; /* interrupts taken */
	u8 last_vec;
	bool last_level;
};

static struct vlapic lapics[NV];
static u32 kicks;
static char console_out[512];
static u32 console_len;
static u64 fake_us;
static int stop_outcome = -1;
static char stop_reason[128];
static u32 restarts_called;
static int restart_result;

u64 tsc_khz = 1000000;
struct acpi_info acpi;

/* The physical I/O APIC behind a parent's forwarded pins (host_irq.c). */
static struct partition *fwd_parent;
static u64 phys_rte[PLAT_IOAPIC_PINS];
static u32 phys_routes, phys_eois;

bool host_irq_forwarded(const struct partition *p, u32 pin)
{
	return p && p == fwd_parent && pin < PLAT_IOAPIC_PINS && pin != PLAT_UART_IRQ;
}

void host_irq_route(struct partition *p, u32 pin, u64 rte)
{
	(void)p;
	phys_rte[pin] = rte;
	phys_routes++;
}

void host_irq_eoi(u32 pin)
{
	(void)pin;
	phys_eois++;
}

void log_stream(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		testdev_console_putc(NULL, s[i]);
}

struct partition *partitions[MAX_PARTITIONS];
u32 nr_partitions;

bool vlapic_set_irq(struct vlapic *l, u8 vec, bool level)
{
	u32 bit = 1u << (vec % 32);
	bool fresh = !(l->irr[vec / 32] & bit);

	l->irr[vec / 32] |= bit;
	if (level)
		l->tmr[vec / 32] |= bit;
	else
		l->tmr[vec / 32] &= ~bit;
	l->accepted++;
	l->last_vec = vec;
	l->last_level = level;
	return fresh;
}

bool vlapic_match_dest(struct vlapic *l, u32 dest, bool logical)
{
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	return logical ? (l->ldr & dest) != 0 : dest == l->id;
}

void vlapic_virtual_wire(struct vlapic *l)
{
	l->virtual_wire = l->extint_open = true;
}

bool vlapic_extint_open(const struct vlapic *l)
{
	return l->extint_open;
}

static u32 timer_changes;

void sched_timer_changed(struct vcpu *v)
{
	(void)v;
	timer_changes++;
}

u32 vlapic_get_tpr(struct vlapic *l)
{
	return l->tpr;
}

void sched_kick(struct vcpu *v)
{
	(void)v;
	kicks++;
}

static int dump_requests;

bool partition_console_allow(struct partition *p, u32 n)
{
	(void)p;
	(void)n;
	return true;
}

/* The child's console ring (vmm/partition.c): what the UART sent. */
static char ring_out[4096];
static size_t ring_len;

void partition_console_record(struct partition *p, const char *s, u32 n)
{
	(void)p;
	for (u32 i = 0; i < n && ring_len < sizeof(ring_out) - 1; i++)
		ring_out[ring_len++] = s[i];
}

void sched_dump_request(void)
{
	dump_requests++;
}

void testdev_console_putc(struct partition *p, char c)
{
	(void)p;
	if (console_len < sizeof(console_out) - 1)
		console_out[console_len++] = c;
	console_out[console_len] = 0;
}

u64 timer_uptime_us(void)
{
	return fake_us;
}

u64 rtc_read_unix_time(void)
{
	return 1709214330; /* 2024-02-29 13:45:30 */
}

void *kzalloc(size_t size)
{
	return calloc(1, size);
}

void kfree(void *p)
{
	free(p);
}

int partition_add_io(struct partition *p, const struct io_device *d)
{
	if (p->nr_io >= MAX_IO_DEVICES)
		return -1;
	p->io[p->nr_io++] = *d;
	return 0;
}

/* No channel here: the PCI tests see what the transport does without a
 * backend. */
void *gpa_to_hva(struct partition *p, u64 gpa, u64 len)
{
	(void)p;
	(void)gpa;
	(void)len;
	return NULL;
}

int partition_add_mmio(struct partition *p, const struct mmio_device *d)
{
	if (p->nr_mmio >= MAX_MMIO_DEVICES)
		return -1;
	p->mmio[p->nr_mmio++] = *d;
	return 0;
}

void partition_stop(struct partition *p, enum part_outcome outcome, const char *reason)
{
	p->state = PART_STOPPED;
	p->outcome = outcome;
	stop_outcome = (int)outcome;
	snprintf(stop_reason, sizeof(stop_reason), "%s", reason);
}

int partition_restart(struct partition *p)
{
	restarts_called++;
	if (restart_result == 0)
		platform_devices_reset(p); /* what the real one does */
	return restart_result;
}

/* The console UART's receiver: bytes queued by the test. */
static const char *console_in;
static size_t console_in_len, console_in_pos;

int console_getc(void)
{
	if (console_in_pos >= console_in_len)
		return -1;
	return (u8)console_in[console_in_pos++];
}

/* ---- a partition to attach the platform to ---- */

static struct partition part;
static struct vcpu vcpus[NV];
static bool as_parent; /* setup() builds the parent partition */

static void reset_records(void)
{
	memset(lapics, 0, sizeof(lapics));
	for (u32 i = 0; i < NV; i++)
		lapics[i].id = i;
	kicks = 0;
	console_len = 0;
	console_out[0] = 0;
	stop_outcome = -1;
	stop_reason[0] = 0;
	restarts_called = 0;
	restart_result = 0;
}

static void detach(struct partition *p)
{
	platform_detach(p);
}

/* A fresh partition with n vCPUs and the platform attached. */
static void setup(u32 n)
{
	detach(&part);
	memset(&part, 0, sizeof(part));
	memset(vcpus, 0, sizeof(vcpus));
	reset_records();
	snprintf(part.cfg.name, sizeof(part.cfg.name), "plat");
	part.cfg.vcpus = n;
	part.cfg.platform_pc = true;
	part.cfg.console_log = true; /* a boot child's: its UART reaches the log */
	part.cfg.parent = part.is_parent = as_parent;
	part.state = PART_RUNNING;
	/* The parent's PC is the machine's, as partitions/parent.c
	 * configures it from the machine's ACPI tables. */
	struct platform_config machine = {
		.ioapic_base = acpi.ioapics[0].addr, .ioapic_id = acpi.ioapics[0].id,
		.machine_devices = true, .raw_console = true,
	};
	REQUIRE(platform_attach(&part, as_parent ? &machine : NULL) == 0);
	REQUIRE(part.platform != NULL);
	for (u32 i = 0; i < n; i++) {
		vcpus[i].part = &part;
		vcpus[i].id = i;
		vcpus[i].lapic = &lapics[i];
		part.vcpu[i] = &vcpus[i];
	}
	part.nr_vcpus = n;
}

static const struct io_device *find_io(struct partition *p, u16 port)
{
	for (u32 i = 0; i < p->nr_io; i++)
		if (port >= p->io[i].base && port - p->io[i].base < p->io[i].count)
			return &p->io[i];
	return NULL;
}

/* Port accesses as vmm/io.c makes them. */
static u32 in(u16 port, u8 size)
{
	u32 mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	const struct io_device *d = find_io(&part, port);
	u32 v = 0;

	if (!d)
		return mask;
	CHECK_EQ(d->read(&vcpus[0], d->opaque, port, size, &v), 0);
	return v & mask;
}

static void out(u16 port, u8 size, u32 val)
{
	u32 mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	const struct io_device *d = find_io(&part, port);

	if (d)
		CHECK_EQ(d->write(&vcpus[0], d->opaque, port, size, val & mask), 0);
}

static u8 pin8(u16 port) { return (u8)in(port, 1); }
static void pout8(u16 port, u8 v) { out(port, 1, v); }

/* MMIO accesses as vmm/mmio.c makes them (offset within the device). */
static u64 mmio_read(u64 gpa, u8 size)
{
	for (u32 i = 0; i < part.nr_mmio; i++) {
		const struct mmio_device *d = &part.mmio[i];
		if (gpa >= d->base && gpa - d->base < d->size) {
			u64 v = 0;
			CHECK_EQ(d->read(&vcpus[0], d->opaque, gpa - d->base, size, &v), 0);
			return v;
		}
	}
	harness_fail(__FILE__, __LINE__, "no device at %#llx", (unsigned long long)gpa);
	return 0;
}

static void mmio_write(u64 gpa, u8 size, u64 val)
{
	for (u32 i = 0; i < part.nr_mmio; i++) {
		const struct mmio_device *d = &part.mmio[i];
		if (gpa >= d->base && gpa - d->base < d->size) {
			CHECK_EQ(d->write(&vcpus[0], d->opaque, gpa - d->base, size, val), 0);
			return;
		}
	}
	harness_fail(__FILE__, __LINE__, "no device at %#llx", (unsigned long long)gpa);
}

static u64 rng = 0x9e3779b97f4a7c15ULL;
static u64 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* ==== RTC arithmetic (drivers/rtc.c) ==== */

TEST(rtc_bcd)
{
	CHECK_EQ(rtc_bcd_to_bin(0x00), 0);
	CHECK_EQ(rtc_bcd_to_bin(0x59), 59);
	CHECK_EQ(rtc_bcd_to_bin(0x99), 99);
	CHECK_EQ(rtc_bin_to_bcd(0), 0x00);
	CHECK_EQ(rtc_bin_to_bcd(7), 0x07);
	CHECK_EQ(rtc_bin_to_bcd(59), 0x59);
	CHECK_EQ(rtc_bin_to_bcd(100), 0x00);
	CHECK_EQ(rtc_bin_to_bcd(2024), 0x24);
	for (u32 v = 0; v < 100; v++)
		CHECK_EQ(rtc_bcd_to_bin(rtc_bin_to_bcd(v)), v);
}

struct known_time {
	s64 t;
	u32 year, mon, mday, hour, min, sec, wday;
};

TEST(rtc_unix_known_dates)
{
	static const struct known_time k[] = {
		{ 0, 1970, 1, 1, 0, 0, 0, 4 },
		{ -1, 1969, 12, 31, 23, 59, 59, 3 },
		{ 951782400, 2000, 2, 29, 0, 0, 0, 2 },       /* 2000 is a leap year (÷400) */
		{ 951868800, 2000, 3, 1, 0, 0, 0, 3 },
		{ 1709164800, 2024, 2, 29, 0, 0, 0, 4 },
		{ 1735689599, 2024, 12, 31, 23, 59, 59, 2 },
		{ 2147483647, 2038, 1, 19, 3, 14, 7, 2 },
		{ 4107456000, 2100, 2, 28, 0, 0, 0, 0 },
		{ 4107542400, 2100, 3, 1, 0, 0, 0, 1 },       /* 2100 is not (÷100) */
		{ -2208988800, 1900, 1, 1, 0, 0, 0, 1 },
		{ -2203977600, 1900, 2, 28, 0, 0, 0, 3 },
		{ -2203891200, 1900, 3, 1, 0, 0, 0, 4 },
		{ RTC_TIME_MAX, 9999, 12, 31, 23, 59, 59, 5 },
		{ RTC_TIME_MIN, 0, 1, 1, 0, 0, 0, 6 },
	};
	for (u32 i = 0; i < ARRAY_SIZE(k); i++) {
		struct rtc_time tm;
		rtc_unix_to_time(k[i].t, &tm);
		CHECK_EQ(tm.year, k[i].year);
		CHECK_EQ(tm.mon, k[i].mon);
		CHECK_EQ(tm.mday, k[i].mday);
		CHECK_EQ(tm.hour, k[i].hour);
		CHECK_EQ(tm.min, k[i].min);
		CHECK_EQ(tm.sec, k[i].sec);
		CHECK_EQ(tm.wday, k[i].wday);
		CHECK_EQ(rtc_time_to_unix(&tm), k[i].t);
	}
	CHECK(rtc_is_leap(2000) && rtc_is_leap(2024) && rtc_is_leap(0));
	CHECK(!rtc_is_leap(1900) && !rtc_is_leap(2100) && !rtc_is_leap(2023));
}

/* Every day across three century boundaries follows the one before. */
TEST(rtc_unix_day_by_day)
{
	static const u32 years[] = { 1899, 1999, 2099 };
	static const u8 mlen[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	for (u32 k = 0; k < ARRAY_SIZE(years); k++) {
		s64 day = rtc_days_from_civil(years[k], 1, 1);
		u32 y = years[k], m = 1, d = 1;
		for (u32 n = 0; n < 3 * 366; n++, day++) {
			struct rtc_time tm;
			rtc_unix_to_time(day * 86400 + 43210, &tm);
			if (tm.year != y || tm.mon != m || tm.mday != d || tm.hour != 12 ||
			    tm.min != 0 || tm.sec != 10) {
				harness_fail(__FILE__, __LINE__, "day %lld: %u-%u-%u, expected %u-%u-%u",
					     (long long)day, tm.year, tm.mon, tm.mday, y, m, d);
				return;
			}
			u32 len = mlen[m - 1] + (m == 2 && rtc_is_leap(y));
			if (++d > len) {
				d = 1;
				if (++m > 12) {
					m = 1;
					y++;
				}
			}
		}
	}
}

TEST(rtc_unix_round_trip)
{
	for (s64 t = RTC_TIME_MIN; t <= RTC_TIME_MAX; t += 86399LL * 37 + 13) {
		struct rtc_time tm;
		rtc_unix_to_time(t, &tm);
		REQUIRE(tm.mon >= 1 && tm.mon <= 12 && tm.mday >= 1 && tm.mday <= 31);
		REQUIRE(tm.hour < 24 && tm.min < 60 && tm.sec < 60 && tm.wday < 7);
		if (rtc_time_to_unix(&tm) != t) {
			harness_fail(__FILE__, __LINE__, "%lld does not round-trip", (long long)t);
			return;
		}
	}
	/* Out of range: clamped, not undefined. */
	struct rtc_time tm;
	rtc_unix_to_time(INT64_MAX, &tm);
	CHECK_EQ(tm.year, 9999);
	rtc_unix_to_time(INT64_MIN, &tm);
	CHECK_EQ(tm.year, 0);
}

TEST(rtc_decode_formats)
{
	struct rtc_time tm;
	/* BCD, 24 hours, century register. */
	struct rtc_raw r = { .sec = 0x30, .min = 0x45, .hour = 0x13, .mday = 0x29, .mon = 0x02,
			     .year = 0x24, .b = RTC_B_24H, .century = 0x20, .have_century = true };
	REQUIRE(rtc_decode(&r, &tm));
	CHECK_EQ(rtc_time_to_unix(&tm), 1709214330);
	CHECK_EQ(tm.wday, 4);
	/* Binary. */
	r = (struct rtc_raw){ .sec = 30, .min = 45, .hour = 13, .mday = 29, .mon = 2, .year = 24,
			      .b = RTC_B_24H | RTC_B_BINARY, .century = 20, .have_century = true };
	REQUIRE(rtc_decode(&r, &tm));
	CHECK_EQ(rtc_time_to_unix(&tm), 1709214330);
	/* 12 hours: 1 PM is 0x81; 12 AM is hour 0, 12 PM hour 12. */
	r.b = RTC_B_BINARY;
	r.hour = 0x81;
	REQUIRE(rtc_decode(&r, &tm));
	CHECK_EQ(tm.hour, 13);
	r.hour = 12;
	REQUIRE(rtc_decode(&r, &tm));
	CHECK_EQ(tm.hour, 0);
	r.hour = 0x80 | 12;
	REQUIRE(rtc_decode(&r, &tm));
	CHECK_EQ(tm.hour, 12);
	r.b = 0; /* BCD 12-hour */
	r.hour = 0x80 | 0x11;
	r.sec = 0x30, r.min = 0x45, r.mday = 0x29, r.mon = 0x02, r.year = 0x24, r.century = 0x20;
	REQUIRE(rtc_decode(&r, &tm));
	CHECK_EQ(tm.hour, 23);
	/* No century register: 70-99 are 19xx, 00-69 20xx; nonsense ignored. */
	r.have_century = false;
	r.year = 0x69;
	REQUIRE(rtc_decode(&r, &tm));
	CHECK_EQ(tm.year, 2069);
	r.year = 0x70;
	REQUIRE(rtc_decode(&r, &tm));
	CHECK_EQ(tm.year, 1970);
	r.have_century = true;
	r.century = 0x05;
	REQUIRE(rtc_decode(&r, &tm));
	CHECK_EQ(tm.year, 1970);
	r.century = 0x21;
	REQUIRE(rtc_decode(&r, &tm));
	CHECK_EQ(tm.year, 2170);
	/* Out of range fields are refused. */
	struct rtc_raw bad = r;
	bad.sec = 0x60;
	CHECK(!rtc_decode(&bad, &tm));
	bad = r;
	bad.mon = 0x13;
	CHECK(!rtc_decode(&bad, &tm));
	bad = r;
	bad.mday = 0;
	CHECK(!rtc_decode(&bad, &tm));
	bad = r;
	bad.hour = 0x80; /* 12-hour mode has no hour 0 */
	CHECK(!rtc_decode(&bad, &tm));
	bad = r;
	bad.hour = 0x13;
	CHECK(!rtc_decode(&bad, &tm));
}

/* ==== virtual RTC ==== */

static u8 cmos(u8 idx)
{
	pout8(0x70, idx);
	return pin8(0x71);
}

static void cmos_set(u8 idx, u8 v)
{
	pout8(0x70, idx);
	pout8(0x71, v);
}

TEST(vrtc_reads_host_time)
{
	host_boot_unix_time = 1709214330; /* Thu 2024-02-29 13:45:30 */
	fake_us = 0;
	setup(1);
	CHECK_EQ(cmos(RTC_REG_SEC), 0x30);
	CHECK_EQ(cmos(RTC_REG_MIN), 0x45);
	CHECK_EQ(cmos(RTC_REG_HOUR), 0x13);
	CHECK_EQ(cmos(RTC_REG_WDAY), 5); /* 1 = Sunday */
	CHECK_EQ(cmos(RTC_REG_MDAY), 0x29);
	CHECK_EQ(cmos(RTC_REG_MON), 0x02);
	CHECK_EQ(cmos(RTC_REG_YEAR), 0x24);
	CHECK_EQ(cmos(RTC_REG_CENTURY), 0x20);
	CHECK_EQ(cmos(RTC_REG_A), 0x26);
	CHECK_EQ(cmos(RTC_REG_B), RTC_B_24H);
	CHECK_EQ(cmos(RTC_REG_D), RTC_D_VRT);
	/* Binary. */
	cmos_set(RTC_REG_B, RTC_B_24H | RTC_B_BINARY);
	CHECK_EQ(cmos(RTC_REG_HOUR), 13);
	CHECK_EQ(cmos(RTC_REG_YEAR), 24);
	CHECK_EQ(cmos(RTC_REG_CENTURY), 20);
	CHECK_EQ(cmos(RTC_REG_SEC), 30);
	/* 12 hours, binary and BCD: 1 PM. */
	cmos_set(RTC_REG_B, RTC_B_BINARY);
	CHECK_EQ(cmos(RTC_REG_HOUR), 0x81);
	cmos_set(RTC_REG_B, 0);
	CHECK_EQ(cmos(RTC_REG_HOUR), 0x81);
	host_boot_unix_time = 1709164800 + 23 * 3600; /* 11 PM */
	CHECK_EQ(cmos(RTC_REG_HOUR), 0x91);
	host_boot_unix_time = 1709164800 + 30; /* 12 AM */
	CHECK_EQ(cmos(RTC_REG_HOUR), 0x12);
	host_boot_unix_time = 1709164800 + 12 * 3600; /* 12 PM */
	CHECK_EQ(cmos(RTC_REG_HOUR), 0x92);
	/* Time runs with the uptime. */
	host_boot_unix_time = 1709214330;
	cmos_set(RTC_REG_B, RTC_B_24H);
	fake_us = 61 * 1000000ULL + 999999;
	CHECK_EQ(cmos(RTC_REG_SEC), 0x31);
	CHECK_EQ(cmos(RTC_REG_MIN), 0x46);
	/* The index latch keeps the NMI bit and reads back. */
	pout8(0x70, 0x80 | RTC_REG_YEAR);
	CHECK_EQ(pin8(0x71), 0x24);
	CHECK_EQ(pin8(0x70), 0x89);
	/* UIP never reads set; the divider bits as written. */
	cmos_set(RTC_REG_A, 0xff);
	CHECK_EQ(cmos(RTC_REG_A), 0x7f);
	detach(&part);
}

TEST(vrtc_register_c_flags)
{
	host_boot_unix_time = 1709214330;
	fake_us = 5000000;
	setup(1);
	cmos_set(RTC_REG_A, 0x20); /* no periodic rate */
	CHECK_EQ(cmos(RTC_REG_C), 0);
	fake_us += 400000;
	CHECK_EQ(cmos(RTC_REG_C), 0);       /* still within the second */
	fake_us += 700000;
	CHECK_EQ(cmos(RTC_REG_C), RTC_C_UF); /* a second boundary passed */
	CHECK_EQ(cmos(RTC_REG_C), 0);        /* read clears */
	cmos_set(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	fake_us += 1000000;
	CHECK_EQ(cmos(RTC_REG_C), RTC_C_UF | RTC_C_IRQF);
	/* Periodic: 1024 Hz (rate 6). */
	cmos_set(RTC_REG_A, 0x26);
	fake_us += 500;
	CHECK_EQ(cmos(RTC_REG_C) & RTC_C_PF, 0); /* within one 976 us period */
	fake_us += 2000;
	CHECK_EQ(cmos(RTC_REG_C), RTC_C_PF);     /* PF without PIE: no IRQF */
	cmos_set(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	fake_us += 2000;
	CHECK_EQ(cmos(RTC_REG_C), RTC_C_PF | RTC_C_IRQF);
	/* Alarm: don't-care everywhere matches at each update. */
	cmos_set(RTC_REG_A, 0x20);
	cmos_set(RTC_REG_B, RTC_B_24H | RTC_B_AIE);
	cmos_set(RTC_REG_SEC_ALARM, 0xff);
	cmos_set(RTC_REG_MIN_ALARM, 0xc0);
	cmos_set(RTC_REG_HOUR_ALARM, 0xc0);
	fake_us += 1000000;
	CHECK_EQ(cmos(RTC_REG_C), RTC_C_UF | RTC_C_AF | RTC_C_IRQF);
	cmos_set(RTC_REG_HOUR_ALARM, 0x01); /* not this hour */
	fake_us += 1000000;
	CHECK_EQ(cmos(RTC_REG_C), RTC_C_UF);
	/* No update flag while SET holds the clock. */
	cmos_set(RTC_REG_B, RTC_B_24H | RTC_B_SET);
	fake_us += 3000000;
	CHECK_EQ(cmos(RTC_REG_C), 0);
	detach(&part);
}

TEST(vrtc_guest_sets_time)
{
	host_boot_unix_time = 1711879200; /* 2024-03-31 10:00:00 */
	fake_us = 0;
	setup(1);
	/* Field by field under SET, through the impossible 2025-02-31. */
	cmos_set(RTC_REG_B, RTC_B_24H | RTC_B_SET | RTC_B_UIE);
	CHECK_EQ(cmos(RTC_REG_B), RTC_B_24H | RTC_B_SET); /* SET clears UIE */
	cmos_set(RTC_REG_YEAR, 0x25);
	cmos_set(RTC_REG_MON, 0x02);
	CHECK_EQ(cmos(RTC_REG_MDAY), 0x31); /* kept as written while SET */
	cmos_set(RTC_REG_MDAY, 0x15);
	cmos_set(RTC_REG_HOUR, 0x23);
	cmos_set(RTC_REG_MIN, 0x59);
	cmos_set(RTC_REG_SEC, 0x50);
	fake_us += 10000000; /* the clock stands while SET */
	CHECK_EQ(cmos(RTC_REG_SEC), 0x50);
	cmos_set(RTC_REG_B, RTC_B_24H);
	fake_us += 15000000;
	CHECK_EQ(cmos(RTC_REG_YEAR), 0x25);
	CHECK_EQ(cmos(RTC_REG_MON), 0x02);
	CHECK_EQ(cmos(RTC_REG_MDAY), 0x16);
	CHECK_EQ(cmos(RTC_REG_HOUR), 0x00);
	CHECK_EQ(cmos(RTC_REG_MIN), 0x00);
	CHECK_EQ(cmos(RTC_REG_SEC), 0x05);
	CHECK_EQ(cmos(RTC_REG_WDAY), 1); /* 2025-02-16 is a Sunday */
	/* Without SET: one field moves the clock at once; the host's does
	 * not change. */
	cmos_set(RTC_REG_CENTURY, 0x21);
	CHECK_EQ(cmos(RTC_REG_CENTURY), 0x21);
	CHECK_EQ(cmos(RTC_REG_YEAR), 0x25);
	cmos_set(RTC_REG_CENTURY, 0x20);
	cmos_set(RTC_REG_B, RTC_B_24H | RTC_B_BINARY);
	cmos_set(RTC_REG_MIN, 30);
	CHECK_EQ(cmos(RTC_REG_MIN), 30);
	CHECK_EQ(cmos(RTC_REG_HOUR), 0);
	CHECK_EQ(host_boot_unix_time, 1711879200);
	/* 12-hour writes: 11 PM. */
	cmos_set(RTC_REG_B, RTC_B_BINARY);
	cmos_set(RTC_REG_HOUR, 0x80 | 11);
	cmos_set(RTC_REG_B, RTC_B_24H | RTC_B_BINARY);
	CHECK_EQ(cmos(RTC_REG_HOUR), 23);
	/* Nonsense is clamped, never out of range. */
	cmos_set(RTC_REG_MON, 0x77);
	CHECK_EQ(cmos(RTC_REG_MON), 12);
	/* The day of week is computed; writes are ignored. */
	u8 wd = cmos(RTC_REG_WDAY);
	cmos_set(RTC_REG_WDAY, 7);
	CHECK_EQ(cmos(RTC_REG_WDAY), wd);
	/* A reset keeps the time (the chip is battery-backed). */
	u8 year = cmos(RTC_REG_YEAR), mon = cmos(RTC_REG_MON);
	platform_devices_reset(&part);
	CHECK_EQ(cmos(RTC_REG_YEAR), year);
	CHECK_EQ(cmos(RTC_REG_MON), mon);
	detach(&part);
}

TEST(vrtc_cmos_ram)
{
	setup(1);
	for (u32 i = 0x0e; i < 0x80; i++)
		if (i != RTC_REG_CENTURY)
			CHECK_EQ(cmos((u8)i), 0);
	for (u32 i = 0x0e; i < 0x80; i++)
		if (i != RTC_REG_CENTURY)
			cmos_set((u8)i, (u8)(i * 7 + 1));
	for (u32 i = 0x0e; i < 0x80; i++)
		if (i != RTC_REG_CENTURY)
			CHECK_EQ(cmos((u8)i), (u8)(i * 7 + 1));
	/* The index wraps at 128 (bit 7 is the NMI mask). */
	CHECK_EQ(cmos(0xff), (u8)(0x7f * 7 + 1));
	/* C and D are read-only. */
	cmos_set(RTC_REG_D, 0);
	CHECK_EQ(cmos(RTC_REG_D), RTC_D_VRT);
	/* RAM survives a reset. */
	platform_devices_reset(&part);
	CHECK_EQ(cmos(0x40), (u8)(0x40 * 7 + 1));
	/* A word access at 0x70 is index then data. */
	out(0x70, 2, 0x5a00 | 0x41);
	CHECK_EQ(cmos(0x41), 0x5a);
	CHECK_EQ(in(0x71, 4), 0xffffff5a); /* data, then three floating bytes */
	detach(&part);
}

/* ==== UART ==== */

#define COM 0x3f8

static bool uart_line(void)
{
	return part.platform->ioapic.lines & (1u << PLAT_UART_IRQ);
}

TEST(uart_reset_and_dlab)
{
	setup(1);
	CHECK_EQ(pin8(COM + 1), 0);
	CHECK_EQ(pin8(COM + 2), 0x01);
	CHECK_EQ(pin8(COM + 3), 0);
	CHECK_EQ(pin8(COM + 4), 0);
	CHECK_EQ(pin8(COM + 5), 0x60);
	CHECK_EQ(pin8(COM + 6), 0xb0); /* CTS, DSR, DCD */
	pout8(COM + 7, 0xa5);
	CHECK_EQ(pin8(COM + 7), 0xa5);
	/* Divisor latch behind DLAB. */
	pout8(COM + 1, 0x05);
	pout8(COM + 3, 0x83);
	CHECK_EQ(pin8(COM + 0), 12);
	pout8(COM + 0, 0x01);
	pout8(COM + 1, 0x02);
	CHECK_EQ(pin8(COM + 0), 0x01);
	CHECK_EQ(pin8(COM + 1), 0x02);
	CHECK_EQ(console_len, 0); /* a DLL write transmits nothing */
	pout8(COM + 3, 0x03);
	CHECK_EQ(pin8(COM + 1), 0x05);
	CHECK_EQ(pin8(COM + 3), 0x03);
	/* IER keeps four bits, MCR five. */
	pout8(COM + 1, 0xff);
	CHECK_EQ(pin8(COM + 1), 0x0f);
	pout8(COM + 4, 0xff);
	CHECK_EQ(pin8(COM + 4), 0x1f);
	detach(&part);
}

TEST(uart_transmit_to_console)
{
	setup(1);
	const char *s = "hello\r\n";
	for (const char *c = s; *c; c++) {
		CHECK(pin8(COM + 5) & 0x20);
		pout8(COM, (u8)*c);
	}
	CHECK_STR(console_out, "hello\r\n");
	/* A word write is THR then IER. */
	out(COM, 2, 0x0200 | 'x');
	CHECK_EQ(console_out[7], 'x');
	CHECK_EQ(pin8(COM + 1), 0x02);
	detach(&part);
}

TEST(uart_thre_interrupt_and_out2)
{
	setup(1);
	/* Without OUT2 the interrupt stays inside the chip. */
	pout8(COM + 1, 0x02);
	CHECK_EQ(pin8(COM + 2), 0x02);
	CHECK(!uart_line());
	CHECK_EQ(pin8(COM + 2), 0x01); /* that read cleared it */
	pout8(COM + 1, 0x00);
	pout8(COM + 4, 0x0b); /* DTR, RTS, OUT2 */
	CHECK(!uart_line());
	pout8(COM + 1, 0x02); /* enabling it with THR empty raises it */
	CHECK(uart_line());
	CHECK_EQ(pin8(COM + 2), 0x02);
	CHECK(!uart_line());
	pout8(COM, 'a'); /* THR empty again at once */
	CHECK(uart_line());
	pout8(COM + 1, 0x00);
	CHECK(!uart_line());
	/* Re-enabling raises it again (Linux's THRE test). */
	pout8(COM + 1, 0x02);
	CHECK(uart_line());
	pout8(COM + 4, 0x03); /* OUT2 off: line drops, IIR still says so */
	CHECK(!uart_line());
	CHECK_EQ(pin8(COM + 2), 0x02);
	detach(&part);
}

TEST(uart_receive_fifo_and_priorities)
{
	setup(1);
	pout8(COM + 4, 0x08);
	pout8(COM + 2, 0x41); /* FIFO on, trigger 4 */
	CHECK_EQ(pin8(COM + 2), 0xc1);
	vuart_input(&part, 'a');
	CHECK_EQ(pin8(COM + 5), 0x61);
	CHECK(!uart_line());
	pout8(COM + 1, 0x01);
	CHECK_EQ(pin8(COM + 2), 0xcc); /* below the trigger: timeout */
	CHECK(uart_line());
	vuart_input(&part, 'b');
	vuart_input(&part, 'c');
	vuart_input(&part, 'd');
	CHECK_EQ(pin8(COM + 2), 0xc4); /* trigger level reached */
	CHECK_EQ(pin8(COM), 'a');
	CHECK_EQ(pin8(COM + 2), 0xcc);
	CHECK_EQ(pin8(COM), 'b');
	CHECK_EQ(pin8(COM), 'c');
	CHECK_EQ(pin8(COM), 'd');
	CHECK_EQ(pin8(COM + 5), 0x60);
	CHECK_EQ(pin8(COM + 2), 0xc1);
	CHECK(!uart_line());
	/* Overrun: 17 bytes into 16. */
	for (int i = 0; i < 17; i++)
		vuart_input(&part, (char)('A' + i));
	pout8(COM + 1, 0x07); /* + line status, + THR empty */
	CHECK_EQ(pin8(COM + 2), 0xc6); /* line status first */
	CHECK_EQ(pin8(COM + 5), 0x63); /* DR, OE; the read clears OE */
	CHECK_EQ(pin8(COM + 2), 0xc4); /* then received data */
	for (int i = 0; i < 16; i++)
		CHECK_EQ(pin8(COM), 'A' + i);
	CHECK_EQ(pin8(COM + 2), 0xc2); /* then THR empty */
	CHECK_EQ(pin8(COM + 2), 0xc1);
	/* Modem status last: a delta from loopback. */
	pout8(COM + 1, 0x08);
	pout8(COM + 4, 0x10 | 0x02); /* loop, RTS: CTS stays, DSR and DCD drop */
	CHECK_EQ(pin8(COM + 2), 0xc0);
	CHECK_EQ(pin8(COM + 6), 0x10 | 0x02 | 0x08); /* CTS; DDSR, DDCD */
	CHECK_EQ(pin8(COM + 2), 0xc1);
	CHECK_EQ(pin8(COM + 6), 0x10);
	/* FCR clears the receiver. */
	pout8(COM + 4, 0x08);
	vuart_input(&part, 'x');
	pout8(COM + 2, 0x03);
	CHECK_EQ(pin8(COM + 5) & 1, 0);
	/* FIFOs off: one holding register, the second byte overruns. */
	pout8(COM + 2, 0x00);
	CHECK_EQ(pin8(COM + 2) & 0xc0, 0);
	vuart_input(&part, '1');
	vuart_input(&part, '2');
	CHECK_EQ(pin8(COM + 5), 0x63);
	CHECK_EQ(pin8(COM), '1');
	CHECK_EQ(pin8(COM + 5), 0x60);
	detach(&part);
}

TEST(uart_loopback)
{
	setup(1);
	pout8(COM + 2, 0x07);
	pout8(COM + 1, 0x01);
	pout8(COM + 4, 0x10 | 0x08 | 0x02); /* loop, OUT2, RTS */
	CHECK_EQ(pin8(COM + 6) & 0xf0, 0x90); /* CTS = RTS, DCD = OUT2 */
	pout8(COM, 'Z');
	CHECK_EQ(console_len, 0); /* nothing leaves the chip */
	CHECK_EQ(pin8(COM + 5) & 1, 1);
	CHECK_EQ(pin8(COM + 2), 0xc4); /* trigger level 1 */
	CHECK(!uart_line()); /* OUT2's pin is forced off in loopback */
	vuart_input(&part, 'h'); /* the serial input is disconnected */
	CHECK_EQ(pin8(COM), 'Z');
	CHECK_EQ(pin8(COM + 5) & 1, 0);
	pout8(COM + 4, 0x10 | 0x01 | 0x04); /* DTR, OUT1 */
	CHECK_EQ(pin8(COM + 6) & 0xf0, 0x60);
	pout8(COM + 4, 0x10);                 /* RI falls: trailing edge */
	CHECK_EQ(pin8(COM + 6) & 0x04, 0x04);
	/* Out of loopback, interrupts reach the pin again. */
	pout8(COM + 4, 0x08);
	vuart_input(&part, 'q');
	CHECK(uart_line());
	CHECK_EQ(pin8(COM), 'q');
	CHECK(!uart_line());
	detach(&part);
}

TEST(uart_wide_and_odd_accesses)
{
	setup(1);
	pout8(COM + 7, 0x42);
	CHECK_EQ(in(COM + 6, 4), 0xffff42b0); /* MSR, SCR, then past the UART */
	out(COM + 7, 4, 0x11223344);          /* SCR only */
	CHECK_EQ(pin8(COM + 7), 0x44);
	for (int i = 0; i < 20000; i++) {
		u16 port = (u16)(COM + rnd() % 8);
		u8 size = (u8)(1u << (rnd() % 3));
		if (rnd() & 1)
			out(port, size, (u32)rnd());
		else
			(void)in(port, size);
		if (!(i % 64))
			vuart_input(&part, (char)rnd());
	}
	CHECK(part.platform->uart.rx_count <= VUART_FIFO_SIZE);
	detach(&part);
}

/* ==== I/O APIC ==== */

#define IOAPIC PLAT_IOAPIC_BASE

static u32 ioapic_read(u32 reg)
{
	mmio_write(IOAPIC, 4, reg);
	return (u32)mmio_read(IOAPIC + 0x10, 4);
}

static void ioapic_write(u32 reg, u32 val)
{
	mmio_write(IOAPIC, 4, reg);
	mmio_write(IOAPIC + 0x10, 4, val);
}

static void route(u32 pin, u64 e)
{
	ioapic_write(0x10 + 2 * pin + 1, (u32)(e >> 32));
	ioapic_write(0x10 + 2 * pin, (u32)e);
}

static u64 entry(u32 pin)
{
	return ioapic_read(0x10 + 2 * pin) | ((u64)ioapic_read(0x11 + 2 * pin) << 32);
}

#define LEVEL (1u << 15)
#define MASKED (1u << 16)
#define RIRR (1u << 14)
#define LOGICAL (1u << 11)

TEST(ioapic_id_version_and_entries)
{
	setup(2);
	CHECK_EQ(platform_ioapic_id(&part), 2);
	CHECK_EQ(ioapic_read(0), 2u << 24);
	CHECK_EQ(ioapic_read(1), 0x00170020);
	CHECK_EQ(ioapic_read(2), 2u << 24);
	ioapic_write(0, 0x0affffff);
	CHECK_EQ(ioapic_read(0), 0x0a000000);
	ioapic_write(0, 0xf5000000);           /* bits 31:28 are not the ID's */
	CHECK_EQ(ioapic_read(0), 0x05000000);
	ioapic_write(1, 0);
	CHECK_EQ(ioapic_read(1), 0x00170020);
	CHECK_EQ(ioapic_read(5), 0);
	CHECK_EQ(ioapic_read(0x40), 0); /* past the 24 entries */
	CHECK_EQ(ioapic_read(0xff), 0);
	/* IOREGSEL keeps its low byte. */
	mmio_write(IOAPIC, 4, 0xffffff12);
	CHECK_EQ(mmio_read(IOAPIC, 4), 0x12);
	for (u32 pin = 0; pin < 24; pin++)
		CHECK_EQ(entry(pin), MASKED);
	/* Writable bits only; Remote IRR and Delivery Status are read-only. */
	ioapic_write(0x10, 0xffffffff);
	CHECK_EQ(ioapic_read(0x10), 0x1afff);
	ioapic_write(0x11, 0xffffffff);
	CHECK_EQ(ioapic_read(0x11), 0xff000000);
	route(23, 0x5a000000000028b1ULL);
	CHECK_EQ(entry(23), 0x5a000000000028b1ULL);
	/* Byte and quadword accesses to the window. */
	ioapic_write(0x10 + 46, 0x00012345 & 0x1afff);
	mmio_write(IOAPIC, 1, 0x10 + 46);
	CHECK_EQ(mmio_read(IOAPIC + 0x11, 1), 0x23);
	CHECK_EQ(mmio_read(IOAPIC + 0x10, 8), 0x12345 & 0x1afff);
	mmio_write(IOAPIC + 0x10, 1, 0x99); /* low byte only */
	CHECK_EQ(ioapic_read(0x10 + 46), ((0x12345 & 0x1afff) & ~0xffu) | 0x99);
	CHECK_EQ(mmio_read(IOAPIC + 0x20, 4), 0);
	CHECK_EQ(mmio_read(IOAPIC + 0xff8, 8), 0);
	mmio_write(IOAPIC + 0x800, 8, ~0ULL);
	detach(&part);
}

TEST(ioapic_edge_delivery)
{
	setup(2);
	route(4, (1ULL << 56) | 0x41); /* edge, physical, APIC 1 */
	vioapic_set_irq(&part, 4, true);
	CHECK_EQ(lapics[1].accepted, 1);
	CHECK_EQ(lapics[1].last_vec, 0x41);
	CHECK(!lapics[1].last_level);
	CHECK_EQ(lapics[0].accepted, 0);
	CHECK(kicks >= 1);
	vioapic_set_irq(&part, 4, true); /* no new edge */
	CHECK_EQ(lapics[1].accepted, 1);
	vioapic_set_irq(&part, 4, false);
	vioapic_set_irq(&part, 4, true);
	CHECK_EQ(lapics[1].accepted, 2);
	CHECK_EQ(entry(4) & RIRR, 0);
	/* A masked edge is lost, also once unmasked. */
	vioapic_set_irq(&part, 4, false);
	route(4, MASKED | (1ULL << 56) | 0x41);
	vioapic_set_irq(&part, 4, true);
	route(4, (1ULL << 56) | 0x41);
	CHECK_EQ(lapics[1].accepted, 2);
	/* Out-of-range pins and partitions without a platform are ignored. */
	vioapic_set_irq(&part, 24, true);
	vioapic_set_irq(&part, 0xffffffffu, true);
	struct partition bare = { 0 };
	vioapic_set_irq(&bare, 4, true);
	detach(&part);
}

TEST(ioapic_level_remote_irr)
{
	setup(2);
	route(9, LEVEL | 0x51); /* physical APIC 0 */
	vioapic_set_irq(&part, 9, true);
	CHECK_EQ(lapics[0].accepted, 1);
	CHECK(lapics[0].last_level);
	CHECK(entry(9) & RIRR);
	/* No second delivery until the EOI. */
	vioapic_set_irq(&part, 9, false);
	vioapic_set_irq(&part, 9, true);
	CHECK_EQ(lapics[0].accepted, 1);
	/* An EOI for another vector changes nothing. */
	vioapic_eoi(&vcpus[0], 0x52);
	CHECK(entry(9) & RIRR);
	/* EOI while still asserted: delivered again. */
	vioapic_eoi(&vcpus[0], 0x51);
	CHECK_EQ(lapics[0].accepted, 2);
	CHECK(entry(9) & RIRR);
	/* Deasserted, then EOI: Remote IRR clears, nothing more. */
	vioapic_set_irq(&part, 9, false);
	vioapic_eoi(&vcpus[0], 0x51);
	CHECK_EQ(entry(9) & RIRR, 0);
	CHECK_EQ(lapics[0].accepted, 2);
	/* The EOI register (version 0x20): masked, so no new delivery. */
	vioapic_set_irq(&part, 9, true);
	CHECK_EQ(lapics[0].accepted, 3);
	route(9, MASKED | LEVEL | 0x51);
	CHECK(entry(9) & RIRR); /* masking keeps it */
	mmio_write(IOAPIC + 0x40, 4, 0x51);
	CHECK_EQ(entry(9) & RIRR, 0);
	CHECK_EQ(lapics[0].accepted, 3);
	/* Unmasked while asserted: delivered. */
	route(9, LEVEL | 0x51);
	CHECK_EQ(lapics[0].accepted, 4);
	CHECK(entry(9) & RIRR);
	/* Switching to edge drops Remote IRR. */
	route(9, 0x51);
	CHECK_EQ(entry(9) & RIRR, 0);
	/* Illegal vectors reach nobody and set nothing. */
	vioapic_set_irq(&part, 10, true);
	route(10, LEVEL | 0x05);
	CHECK_EQ(entry(10) & RIRR, 0);
	CHECK_EQ(lapics[0].accepted + lapics[1].accepted, 4);
	/* A partition without the platform: EOIs are ignored. */
	struct partition bare = { 0 };
	struct vcpu bv = { .part = &bare };
	vioapic_eoi(&bv, 0x51);
	detach(&part);
}

/* The parent's I/O APIC: the machine's ID and address, its pins mirrored
 * to the physical I/O APIC, Remote IRR cleared by the parent's EOI
 * without a re-delivery (the physical pin fires again if still asserted),
 * the UART's pin virtual; and none of the child's machine devices. */
TEST(ioapic_parent_forwarding)
{
	memset(&acpi, 0, sizeof(acpi));
	acpi.nioapics = 1;
	acpi.ioapics[0] = (struct acpi_ioapic){ .id = 7, .addr = IOAPIC, .gsi_base = 0 };
	as_parent = true;
	setup(2);
	as_parent = false;
	fwd_parent = &part;
	phys_routes = phys_eois = 0;
	mmio_write(IOAPIC, 4, 0);
	CHECK_EQ(mmio_read(IOAPIC + 0x10, 4), 7u << 24);
	route(20, LEVEL | 0x41);
	CHECK_EQ(phys_rte[20] & 0x1ffff, LEVEL | 0x41);
	CHECK(phys_routes >= 1);
	vioapic_set_irq(&part, 20, true); /* the physical pin fired */
	CHECK_EQ(lapics[0].accepted, 1);
	CHECK(entry(20) & RIRR);
	vioapic_eoi(&vcpus[0], 0x41);
	CHECK_EQ(phys_eois, 1);
	CHECK_EQ(entry(20) & RIRR, 0);
	CHECK_EQ(lapics[0].accepted, 1);
	/* Masking goes to the physical pin too. */
	route(20, MASKED | LEVEL | 0x41);
	CHECK(phys_rte[20] & MASKED);
	/* The UART's pin stays the virtual UART's. */
	u32 before = phys_routes;
	route(PLAT_UART_IRQ, 0x42);
	CHECK_EQ(phys_routes, before);
	/* The machine's RTC, ACPI registers and i8042 are the parent's own. */
	CHECK(find_io(&part, PLAT_UART_PORT) != NULL);
	CHECK(find_io(&part, PLAT_RTC_PORT) == NULL);
	CHECK(find_io(&part, PLAT_PM1A_CNT) == NULL);
	CHECK(find_io(&part, PLAT_I8042_CMD) == NULL);
	fwd_parent = NULL;
	detach(&part);
}

TEST(ioapic_destinations)
{
	setup(4);
	lapics[0].ldr = 0x01;
	lapics[1].ldr = 0x02;
	lapics[2].ldr = 0x04;
	lapics[3].ldr = 0x08;
	/* Physical broadcast. */
	route(1, (0xffULL << 56) | 0x30);
	vioapic_set_irq(&part, 1, true);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(lapics[i].accepted, 1);
	/* Logical, flat: APICs 1 and 3. */
	route(2, (0x0aULL << 56) | LOGICAL | 0x31);
	vioapic_set_irq(&part, 2, true);
	CHECK_EQ(lapics[0].accepted, 1);
	CHECK_EQ(lapics[1].accepted, 2);
	CHECK_EQ(lapics[2].accepted, 1);
	CHECK_EQ(lapics[3].accepted, 2);
	/* Lowest priority: one of them, the lowest TPR. */
	lapics[1].tpr = 0x20;
	lapics[3].tpr = 0x10;
	route(3, (0x0aULL << 56) | LOGICAL | (1u << 8) | 0x32);
	vioapic_set_irq(&part, 3, true);
	CHECK_EQ(lapics[1].accepted, 2);
	CHECK_EQ(lapics[3].accepted, 3);
	CHECK_EQ(lapics[3].last_vec, 0x32);
	/* NMI and INIT. */
	route(5, (2ULL << 56) | (4u << 8));
	vioapic_set_irq(&part, 5, true);
	CHECK(vcpus[2].nmi_pending);
	CHECK(!vcpus[0].nmi_pending);
	route(6, (3ULL << 56) | (5u << 8));
	vioapic_set_irq(&part, 6, true);
	CHECK(vcpus[3].init_pending);
	/* ExtINT and SMI go nowhere; so does a destination nobody has. */
	u32 before = lapics[0].accepted + lapics[1].accepted + lapics[2].accepted +
		     lapics[3].accepted;
	route(7, (7u << 8) | 0x40);
	vioapic_set_irq(&part, 7, true);
	route(8, (2u << 8) | 0x40);
	vioapic_set_irq(&part, 8, true);
	route(11, (0x77ULL << 56) | LEVEL | 0x40);
	vioapic_set_irq(&part, 11, true);
	CHECK_EQ(entry(11) & RIRR, 0); /* nobody took it */
	CHECK_EQ(lapics[0].accepted + lapics[1].accepted + lapics[2].accepted +
		 lapics[3].accepted, before);
	detach(&part);
}

TEST(ioapic_uart_level_route)
{
	/* The UART's line through a level-triggered entry, as the guest
	 * test does it. */
	setup(1);
	route(PLAT_UART_IRQ, LEVEL | 0x41);
	pout8(COM + 4, 0x08);
	pout8(COM + 1, 0x02);
	CHECK_EQ(lapics[0].accepted, 1);
	CHECK(entry(PLAT_UART_IRQ) & RIRR);
	vioapic_eoi(&vcpus[0], 0x41); /* still asserted */
	CHECK_EQ(lapics[0].accepted, 2);
	pout8(COM + 1, 0x00);
	vioapic_eoi(&vcpus[0], 0x41);
	CHECK_EQ(entry(PLAT_UART_IRQ) & RIRR, 0);
	CHECK_EQ(lapics[0].accepted, 2);
	detach(&part);
}

/* ==== 8259A pair and ELCR ==== */

TEST(pic_init_and_masks)
{
	setup(1);
	CHECK_EQ(pin8(0x21), 0xff);
	CHECK_EQ(pin8(0xa1), 0xff);
	/* Linux's init_8259A sequence. */
	pout8(0x21, 0xff);
	pout8(0xa1, 0xff);
	pout8(0x20, 0x11);
	CHECK_EQ(pin8(0x21), 0); /* ICW1 clears the mask (8259A datasheet) */
	pout8(0x21, 0x30);
	pout8(0x21, 0x04);
	pout8(0x21, 0x01);
	pout8(0xa0, 0x11);
	pout8(0xa1, 0x38);
	pout8(0xa1, 0x02);
	pout8(0xa1, 0x01);
	pout8(0x21, 0xfb);
	pout8(0xa1, 0xff);
	CHECK_EQ(pin8(0x21), 0xfb);
	CHECK_EQ(pin8(0xa1), 0xff);
	CHECK_EQ(part.platform->pic.chip[0].vector_base, 0x30);
	CHECK_EQ(part.platform->pic.chip[1].icw3, 0x02);
	/* IRR, ISR and poll all read empty. */
	pout8(0x20, 0x0a);
	CHECK_EQ(pin8(0x20), 0);
	pout8(0x20, 0x0b);
	CHECK_EQ(pin8(0x20), 0);
	pout8(0x20, 0x0c);
	CHECK_EQ(pin8(0x20), 0);
	pout8(0x20, 0x20); /* EOI: nothing in service */
	CHECK_EQ(pin8(0x21), 0xfb);
	/* Single mode without ICW4: the third byte is already OCW1. */
	pout8(0xa0, 0x12);
	pout8(0xa1, 0x70);
	pout8(0xa1, 0x5a);
	CHECK_EQ(pin8(0xa1), 0x5a);
	/* Word access: both ports of a chip. */
	out(0x20, 2, 0x3c0a);
	CHECK_EQ(pin8(0x21), 0x3c);
	CHECK_EQ(in(0x21, 2), 0xff3c);
	/* ELCR: IRQ 0-2, 8 and 13 stay edge. */
	pout8(0x4d0, 0xff);
	pout8(0x4d1, 0xff);
	CHECK_EQ(pin8(0x4d0), 0xf8);
	CHECK_EQ(pin8(0x4d1), 0xde);
	out(0x4d0, 2, 0x0220);
	CHECK_EQ(in(0x4d0, 2), 0x0220);
	platform_devices_reset(&part);
	/* Reset, then the firmware's state: IRQ 0 and the cascade open. */
	CHECK_EQ(pin8(0x21), 0xfa);
	CHECK_EQ(pin8(0xa1), 0xff);
	CHECK_EQ(part.platform->pic.chip[0].vector_base, 0x08);
	CHECK_EQ(part.platform->pic.chip[1].vector_base, 0x70);
	CHECK(lapics[0].virtual_wire);
	CHECK(!lapics[1].virtual_wire);
	CHECK_EQ(pin8(0x4d1), 0);
	detach(&part);
}

/* Linux's initialization of the pair, vectors 0x30 and 0x38, all masked. */
static void pic_init(void)
{
	static const u8 seq[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x30 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x38 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
		{ 0x21, 0xff }, { 0xa1, 0xff },
	};
	for (u32 i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		pout8(seq[i][0], seq[i][1]);
}

TEST(pic_delivery_priority_and_eoi)
{
	setup(2);
	struct platform_state *ps = part.platform;
	pic_init();
	/* A masked edge is latched in IRR but asks for nothing. */
	vpic_set_irq(ps, 4, true);
	vpic_set_irq(ps, 4, false);
	CHECK(!vpic_output(ps));
	pout8(0x20, 0x0a);
	CHECK_EQ(pin8(0x20), 0x10);
	u32 k = kicks;
	pout8(0x21, 0xee); /* unmask 0 and 4 */
	CHECK(vpic_output(ps));
	CHECK(kicks > k); /* the first vCPU is told */
	/* Only the first vCPU, and only through an open LINT0. */
	CHECK(!platform_extint_pending(&vcpus[0]));
	lapics[0].extint_open = lapics[1].extint_open = true;
	CHECK(platform_extint_pending(&vcpus[0]));
	CHECK(!platform_extint_pending(&vcpus[1]));
	CHECK_EQ(platform_extint_ack(&vcpus[0]), 0x34);
	pout8(0x20, 0x0b);
	CHECK_EQ(pin8(0x20), 0x10); /* ISR */
	pout8(0x20, 0x0a);
	CHECK_EQ(pin8(0x20), 0);    /* the edge was consumed */
	CHECK(!vpic_output(ps));
	/* IRQ 0 outranks IRQ 4 in service: nested. */
	vpic_set_irq(ps, 0, true);
	vpic_set_irq(ps, 0, false);
	CHECK(vpic_output(ps));
	CHECK_EQ(vpic_intack(ps), 0x30);
	pout8(0x20, 0x0b);
	CHECK_EQ(pin8(0x20), 0x11);
	/* IRQ 4 again while both are in service: held back. */
	vpic_set_irq(ps, 4, true);
	CHECK(!vpic_output(ps));
	pout8(0x20, 0x20); /* non-specific EOI: IRQ 0, the highest */
	CHECK_EQ(pin8(0x20), 0x10);
	CHECK(!vpic_output(ps)); /* IRQ 4 is still in service */
	pout8(0x20, 0x64); /* specific EOI of 4 */
	CHECK_EQ(pin8(0x20), 0);
	CHECK(vpic_output(ps));
	CHECK_EQ(vpic_intack(ps), 0x34);
	pout8(0x20, 0x20);
	/* A request gone before the acknowledge: IRQ 7's vector, nothing
	 * in service. */
	pout8(0x4d0, 0x10); /* IRQ 4 level-triggered */
	vpic_set_irq(ps, 4, true);
	CHECK(vpic_output(ps));
	vpic_set_irq(ps, 4, false);
	CHECK(!vpic_output(ps));
	CHECK_EQ(vpic_intack(ps), 0x37);
	pout8(0x20, 0x0b);
	CHECK_EQ(pin8(0x20), 0);
	detach(&part);
}

TEST(pic_cascade_poll_aeoi)
{
	setup(1);
	struct platform_state *ps = part.platform;
	pic_init();
	pout8(0x21, 0xfb); /* the cascade open */
	pout8(0xa1, 0xef); /* IRQ 12 */
	vpic_set_irq(ps, 12, true);
	CHECK(vpic_output(ps));
	CHECK_EQ(vpic_intack(ps), 0x3c);
	pout8(0xa0, 0x0b);
	CHECK_EQ(pin8(0xa0), 0x10);
	pout8(0x20, 0x0b);
	CHECK_EQ(pin8(0x20), 0x04);
	pout8(0xa0, 0x20);
	pout8(0x20, 0x20);
	CHECK_EQ(pin8(0xa0), 0);
	CHECK_EQ(pin8(0x20), 0);
	/* Poll: the answer acknowledges. */
	vpic_set_irq(ps, 12, false);
	vpic_set_irq(ps, 12, true);
	pout8(0xa0, 0x0c);
	CHECK_EQ(pin8(0xa0), 0x84);
	pout8(0xa0, 0x0c);
	CHECK_EQ(pin8(0xa0), 0); /* nothing more */
	pout8(0xa0, 0x20);
	/* Automatic EOI (ICW4 bit 1): nothing stays in service. */
	pout8(0x20, 0x11);
	pout8(0x21, 0x30);
	pout8(0x21, 0x04);
	pout8(0x21, 0x03);
	pout8(0x21, 0xfe);
	vpic_set_irq(ps, 0, true);
	CHECK_EQ(vpic_intack(ps), 0x30);
	pout8(0x20, 0x0b);
	CHECK_EQ(pin8(0x20), 0);
	/* ICW1 resets edge sensing: a line still high must fall first. */
	pout8(0x20, 0x11);
	pout8(0x21, 0x30);
	pout8(0x21, 0x04);
	pout8(0x21, 0x01);
	vpic_set_irq(ps, 0, true);
	CHECK(!vpic_output(ps));
	vpic_set_irq(ps, 0, false);
	vpic_set_irq(ps, 0, true);
	CHECK(vpic_output(ps));
	detach(&part);
}

/* ==== 8254 PIT and port 0x61 ==== */

/* TSC at 1 GHz here (tsc_khz): a PIT tick is 838.1 ns. */
static u64 tick_tsc(u64 ticks)
{
	return ticks * 1000000000ull / VPIT_HZ + 1;
}

static u16 pit_read16(u32 ch, u64 now)
{
	struct platform_state *ps = part.platform;
	u8 lo = vpit_read_at(ps, (u16)(0x40 + ch), now);
	return (u16)(lo | (vpit_read_at(ps, (u16)(0x40 + ch), now) << 8));
}

TEST(pit_counter0_modes_and_irq0)
{
	setup(1);
	struct platform_state *ps = part.platform;
	u64 t0 = 1000000;
	CHECK_EQ(vpit_timer_update(ps, t0), 0); /* nothing programmed */
	/* Mode 2, count 1000: a rising edge every 1000 ticks. */
	vpit_write_at(ps, 0x43, 0x34, t0);
	vpit_write_at(ps, 0x40, 1000 & 0xff, t0);
	vpit_write_at(ps, 0x40, 1000 >> 8, t0);
	CHECK(timer_changes > 0);
	u64 next = vpit_timer_update(ps, t0);
	CHECK(next >= t0 + tick_tsc(1000) - 2 && next <= t0 + tick_tsc(1000) + 2);
	CHECK_EQ(pit_read16(0, t0 + tick_tsc(250)), 750);
	/* Latch: the value at the latch, whatever the time of the read. */
	vpit_write_at(ps, 0x43, 0x00, t0 + tick_tsc(400));
	CHECK_EQ(pit_read16(0, t0 + tick_tsc(900)), 600);
	CHECK_EQ(ps->pit.edges, 0);
	vpit_timer_update(ps, next);
	CHECK_EQ(ps->pit.edges, 1);
	/* The pulse reached the 8259A (IRQ 0) and the I/O APIC (pin 2). */
	pout8(0x20, 0x0a);
	CHECK_EQ(pin8(0x20) & 1, 1);
	/* A host that was late: the edges it owes follow 100 us apart
	 * until the count is caught up (edges 2000..10000), then the
	 * period again. */
	u64 now = t0 + tick_tsc(10500);
	next = vpit_timer_update(ps, now);
	CHECK_EQ(ps->pit.edges, 2);
	CHECK_EQ(next, now + 100000);
	while (ps->pit.edges < 11 && next < now + 10000000)
		next = vpit_timer_update(ps, next);
	CHECK_EQ(ps->pit.edges, 11); /* 1000 ... 11000 */
	CHECK(next >= t0 + tick_tsc(12000) - 2 && next <= t0 + tick_tsc(12000) + 2);
	/* More than a second behind: one edge, the backlog dropped, the
	 * next at the next period's end. */
	now = t0 + tick_tsc(12000 + 3 * VPIT_HZ + 10);
	next = vpit_timer_update(ps, now);
	CHECK_EQ(ps->pit.edges, 12);
	CHECK(next > now + 100000 && next <= now + tick_tsc(1000));
	vpit_timer_update(ps, next);
	CHECK_EQ(ps->pit.edges, 13);
	/* Read-back of counter 0's status: OUT high, mode 2, LSB/MSB. */
	vpit_write_at(ps, 0x43, 0xe2, t0 + tick_tsc(10600));
	CHECK_EQ(vpit_read_at(ps, 0x40, t0), 0xb4);
	/* Mode 0, count 100: OUT low, one edge at the terminal count. */
	vpit_write_at(ps, 0x43, 0x30, t0);
	vpit_write_at(ps, 0x40, 100, t0);
	vpit_write_at(ps, 0x40, 0, t0);
	vpit_write_at(ps, 0x43, 0xe2, t0 + tick_tsc(50));
	CHECK_EQ(vpit_read_at(ps, 0x40, t0) & 0x80, 0);
	vpit_write_at(ps, 0x43, 0xe2, t0 + tick_tsc(101));
	CHECK_EQ(vpit_read_at(ps, 0x40, t0) & 0x80, 0x80);
	/* Then it wraps on, counting down from 0xffff. */
	CHECK_EQ(pit_read16(0, t0 + tick_tsc(102)), 0xfffe);
	/* A control word alone stops it: no count, no edges. */
	vpit_write_at(ps, 0x43, 0x30, t0 + tick_tsc(200));
	CHECK_EQ(vpit_timer_update(ps, t0 + tick_tsc(300)), 0);
	/* Mode 3 with a period shorter than the floor: edges 100 us apart. */
	vpit_write_at(ps, 0x43, 0x36, t0);
	vpit_write_at(ps, 0x40, 2, t0);
	vpit_write_at(ps, 0x40, 0, t0);
	u64 e0 = ps->pit.edges;
	now = vpit_timer_update(ps, t0);
	CHECK_EQ(ps->pit.edges, e0); /* not yet */
	for (int i = 0; i < 50; i++)
		now = vpit_timer_update(ps, now);
	CHECK_EQ(ps->pit.edges - e0, 50);
	CHECK(now - t0 >= 49 * 100000ull);
	/* BCD: a count of 1000 (0x1000) reads back in BCD. */
	vpit_write_at(ps, 0x43, 0x35, t0);
	vpit_write_at(ps, 0x40, 0x00, t0);
	vpit_write_at(ps, 0x40, 0x10, t0);
	CHECK_EQ(pit_read16(0, t0 + tick_tsc(1)), 0x0999);
	/* The control port reads nothing; reset stops everything. */
	CHECK_EQ(vpit_read_at(ps, 0x43, t0), 0xff);
	platform_devices_reset(&part);
	/* ... and the firmware state starts counter 0 at 18.2 Hz. */
	CHECK(ps->pit.edge_tsc != 0);
	CHECK_EQ(ps->pit.ch[0].mode, 3);
	CHECK_EQ(ps->pit.ch[0].count, 65536);
	detach(&part);
}

TEST(pit_counter2_gate_and_port61)
{
	setup(1);
	struct platform_state *ps = part.platform;
	u64 t0 = 5000000;
	/* Linux's PIT calibration: gate low, mode 0, a count, gate high,
	 * poll OUT2 (port 0x61 bit 5). */
	vpit_write_at(ps, 0x61, 0x00, t0);
	vpit_write_at(ps, 0x43, 0xb0, t0);
	vpit_write_at(ps, 0x42, 0xe8, t0);
	vpit_write_at(ps, 0x42, 0x03, t0); /* 1000 */
	CHECK_EQ(pit_read16(2, t0 + tick_tsc(5000)), 1000); /* the gate holds it */
	vpit_write_at(ps, 0x61, 0x01, t0 + tick_tsc(5000));
	u64 g = t0 + tick_tsc(5000);
	CHECK_EQ(vpit_read_at(ps, 0x61, g + tick_tsc(10)) & 0x21, 0x01);
	CHECK_EQ(vpit_read_at(ps, 0x61, g + tick_tsc(1001)) & 0x21, 0x21);
	/* Gate low in mode 0 stops the count; high goes on. */
	vpit_write_at(ps, 0x43, 0xb0, g);
	vpit_write_at(ps, 0x42, 0xe8, g);
	vpit_write_at(ps, 0x42, 0x03, g);
	vpit_write_at(ps, 0x61, 0x00, g + tick_tsc(300));
	CHECK_EQ(pit_read16(2, g + tick_tsc(900)), 700);
	vpit_write_at(ps, 0x61, 0x01, g + tick_tsc(900));
	u16 v = pit_read16(2, g + tick_tsc(1000));
	CHECK(v >= 599 && v <= 600);
	/* Bits 0-3 read back; 6 and 7 are 0; the refresh bit toggles. */
	vpit_write_at(ps, 0x61, 0xff, g);
	CHECK_EQ(vpit_read_at(ps, 0x61, g) & 0xcf, 0x0f);
	u8 a = vpit_read_at(ps, 0x61, 0) & 0x10, b = vpit_read_at(ps, 0x61, 15085) & 0x10;
	CHECK(a != b);
	/* Mode 1 (one-shot): armed by the count, fired by the gate. */
	vpit_write_at(ps, 0x61, 0x00, g);
	vpit_write_at(ps, 0x43, 0xb2, g);
	vpit_write_at(ps, 0x42, 100, g);
	vpit_write_at(ps, 0x42, 0, g);
	CHECK_EQ(vpit_read_at(ps, 0x61, g + tick_tsc(500)) & 0x20, 0x20);
	vpit_write_at(ps, 0x61, 0x01, g + tick_tsc(500));
	CHECK_EQ(vpit_read_at(ps, 0x61, g + tick_tsc(550)) & 0x20, 0);
	CHECK_EQ(vpit_read_at(ps, 0x61, g + tick_tsc(601)) & 0x20, 0x20);
	/* Through the port callbacks: a word access at 0x60 reaches 0x61's
	 * byte only through the PIT's own port. */
	CHECK_EQ(in(0x43, 1), 0xff);
	detach(&part);
}

/* ==== HPET ==== */

TEST(hpet_registers_counter_and_timers)
{
	setup(1);
	struct platform_state *ps = part.platform;
	u64 t0 = 1000000; /* TSC at 1 GHz: a counter tick (10 ns) is 10 */
	/* Capabilities: 10 ns, vendor 8086, legacy capable, 64-bit, 3
	 * timers, revision 1; in halves too. */
	CHECK_EQ(vhpet_read_at(ps, 0, 8, t0), 0x009896808086a201ULL);
	CHECK_EQ(vhpet_read_at(ps, 4, 4, t0), 0x00989680);
	/* Halted: the counter holds; enabled, it counts at 100 MHz. */
	CHECK_EQ(vhpet_read_at(ps, 0xf0, 8, t0 + 5000), 0);
	vhpet_write_at(ps, 0x10, 4, 1, t0);
	CHECK_EQ(vhpet_read_at(ps, 0xf0, 8, t0 + 5000), 500);
	vhpet_write_at(ps, 0x10, 4, 0, t0 + 10000);
	CHECK_EQ(vhpet_read_at(ps, 0xf0, 4, t0 + 90000), 1000);
	vhpet_write_at(ps, 0xf0, 8, 0, t0);
	/* Timer 1 can be neither periodic nor routed where its capability
	 * says not: pins 20-23 only. */
	CHECK_EQ(vhpet_read_at(ps, 0x120, 8, t0) >> 32, 0x00f00000);
	vhpet_write_at(ps, 0x120, 4, (5u << 9) | 0x8, t0);
	CHECK_EQ(vhpet_read_at(ps, 0x120, 4, t0) & 0x3e08, 0);
	/* Timer 1: one-shot, level, pin 20, at counter 1000. */
	vhpet_write_at(ps, 0x120, 4, (20u << 9) | 0x6, t0);
	vhpet_write_at(ps, 0x128, 8, 1000, t0);
	vhpet_write_at(ps, 0x10, 4, 1, t0);
	u64 next = vhpet_timer_update(ps, t0);
	CHECK(next >= t0 + 10000 && next <= t0 + 10002);
	CHECK_EQ(ps->ioapic.lines & BIT(20), 0);
	vhpet_timer_update(ps, next);
	CHECK_EQ(vhpet_read_at(ps, 0x20, 8, next), 2);  /* its status */
	CHECK(ps->ioapic.lines & BIT(20));             /* its line, held */
	CHECK_EQ(vhpet_timer_update(ps, next + 100000), 0); /* once */
	vhpet_write_at(ps, 0x20, 8, 2, next);          /* cleared by a 1 */
	CHECK_EQ(vhpet_read_at(ps, 0x20, 8, next), 0);
	CHECK_EQ(ps->ioapic.lines & BIT(20), 0);
	/* A comparator written behind the counter (the guest's vCPU was
	 * off its CPU between reading the counter and writing) fires at
	 * once; a configuration write does not count it as passed. */
	vhpet_write_at(ps, 0x128, 8, 5, next);
	next = vhpet_timer_update(ps, next);
	CHECK(next > 0 && next <= t0 + 10000 + 100001);
	vhpet_timer_update(ps, next);
	CHECK_EQ(vhpet_read_at(ps, 0x20, 8, next) & 2, 2);
	vhpet_write_at(ps, 0x20, 8, 2, next);
	vhpet_write_at(ps, 0x120, 4, (20u << 9) | 0x6, next);
	CHECK_EQ(vhpet_timer_update(ps, next), 0);
	/* (later in time: every step below at or after t1) */
	u64 t1 = next + 1000000;
	vhpet_write_at(ps, 0x120, 4, 0, t1); /* timer 1 off */
	/* Timer 0 as Linux programs it in legacy mode: 32-bit periodic,
	 * VAL_SET, comparator = now + delta, then delta = the period. */
	vhpet_write_at(ps, 0x10, 4, 3, t1);
	vhpet_write_at(ps, 0x100, 4, 0x14c, t1);
	u32 now_cnt = (u32)vhpet_read_at(ps, 0xf0, 4, t1);
	vhpet_write_at(ps, 0x108, 4, now_cnt + 100000, t1); /* 1 ms */
	vhpet_write_at(ps, 0x108, 4, 100000, t1);
	CHECK_EQ(vhpet_read_at(ps, 0x100, 4, t1) & 0x40, 0); /* VAL_SET reads 0 */
	/* The PIT's IRQ 0 is cut off meanwhile: its edges go nowhere. */
	vpit_write_at(ps, 0x43, 0x34, t1);
	vpit_write_at(ps, 0x40, 10, t1);
	vpit_write_at(ps, 0x40, 0, t1);
	pic_init();
	pout8(0x21, 0xfe);
	u64 pe = ps->pit.edges;
	vpit_timer_update(ps, vpit_timer_update(ps, t1));
	CHECK(ps->pit.edges > pe);
	CHECK(!vpic_output(ps));
	vpit_write_at(ps, 0x43, 0x30, t1);
	/* Timer 0's period: IRQ 0 every millisecond, on the 8259A too. */
	next = vhpet_timer_update(ps, t1);
	CHECK(next >= t1 + 1000000 && next <= t1 + 1000002);
	next = vhpet_timer_update(ps, next);
	CHECK(vpic_output(ps));
	CHECK_EQ(vpic_intack(ps), 0x30);
	CHECK(next >= t1 + 2000000 && next <= t1 + 2000002);
	CHECK_EQ(vhpet_read_at(ps, 0x108, 4, next), now_cnt + 200000);
	/* Legacy route off: the PIT's IRQ 0 again. */
	vhpet_write_at(ps, 0x10, 4, 1, t1);
	CHECK(!vhpet_legacy(ps));
	platform_devices_reset(&part);
	CHECK_EQ(vhpet_read_at(ps, 0x10, 8, t0), 0);
	CHECK_EQ(vhpet_read_at(ps, 0x108, 8, t0), ~0ULL);
	detach(&part);
}

/* ==== ACPI PM block, reset register, i8042 ==== */

TEST(pm_registers)
{
	setup(1);
	CHECK_EQ(in(PLAT_PM1A_CNT, 2), 1);  /* SCI_EN */
	out(PLAT_PM1A_CNT, 2, 0);
	CHECK_EQ(in(PLAT_PM1A_CNT, 2), 1);
	out(PLAT_PM1A_CNT, 2, 0x0002 | (3u << 10));
	CHECK_EQ(in(PLAT_PM1A_CNT, 2), 0x0003 | (3u << 10));
	CHECK_EQ(in(PLAT_PM1A_EVT, 2), 0);
	out(PLAT_PM1A_EVT + 2, 2, 0xffff);
	CHECK_EQ(in(PLAT_PM1A_EVT + 2, 2), 0x4721);
	out(PLAT_PM1A_EVT + 2, 2, 0x0121);
	CHECK_EQ(in(PLAT_PM1A_EVT, 4), 0x01210000);
	CHECK_EQ(in(PLAT_PM1A_EVT + 3, 1), 0x01);
	/* A sleep state we do not have: awake again at once, WAK_STS. */
	out(PLAT_PM1A_CNT, 2, (1u << 10) | (1u << 13));
	CHECK_EQ(stop_outcome, -1);
	CHECK_EQ(in(PLAT_PM1A_EVT, 2), 0x8000);
	out(PLAT_PM1A_EVT, 2, 0x7fff); /* writing 0 to it keeps it */
	CHECK_EQ(in(PLAT_PM1A_EVT, 2), 0x8000);
	out(PLAT_PM1A_EVT, 2, 0x8000);
	CHECK_EQ(in(PLAT_PM1A_EVT, 2), 0);
	/* Reset clears the registers. */
	platform_devices_reset(&part);
	CHECK_EQ(in(PLAT_PM1A_EVT, 4), 0);
	CHECK_EQ(in(PLAT_PM1A_CNT, 2), 1);
	detach(&part);
}

TEST(pm_timer)
{
	setup(1);
	u32 a = in(PLAT_PM_TMR, 4);
	for (volatile int i = 0; i < 2000000; i++)
		;
	u32 b = in(PLAT_PM_TMR, 4);
	CHECK(b != a);
	CHECK((s32)(b - a) > 0);
	for (int i = 0; i < 1000; i++) {
		u32 c = in(PLAT_PM_TMR, 4);
		CHECK((s32)(c - b) >= 0);
		b = c;
	}
	/* The counter never goes back, whatever the TSC says. */
	part.platform->pm.tmr_last = 0xfffffff0ULL;
	CHECK(in(PLAT_PM_TMR, 4) >= 0xfffffff0u);
	/* TMR_STS once bit 31 has changed; write 1 to clear. */
	part.platform->pm.tmr_last = 0x80000001ULL;
	CHECK_EQ(in(PLAT_PM1A_EVT, 2) & 1, 1);
	out(PLAT_PM1A_EVT, 2, 1);
	CHECK_EQ(in(PLAT_PM1A_EVT, 2) & 1, 0);
	/* Narrow reads see lanes of one value; lanes past the block float. */
	CHECK_EQ(in(PLAT_PM_TMR + 3, 4) >> 8, 0xffffff);
	detach(&part);
}

TEST(pm_poweroff)
{
	setup(1);
	out(PLAT_PM1A_CNT, 2, (PLAT_SLP_TYP_S5 << 10) | (1u << 13));
	CHECK_EQ(stop_outcome, OUTCOME_POWEROFF);
	CHECK_STR(stop_reason, "powered off through ACPI");
	/* The same by bytes: the high byte carries SLP_EN. */
	setup(1);
	pout8(PLAT_PM1A_CNT, 0x01);
	CHECK_EQ(stop_outcome, -1);
	pout8(PLAT_PM1A_CNT + 1, (u8)(((PLAT_SLP_TYP_S5 << 10) | (1u << 13)) >> 8));
	CHECK_EQ(stop_outcome, OUTCOME_POWEROFF);
	detach(&part);
}

static bool sci_line(void)
{
	return part.platform->ioapic.lines & (1u << PLAT_SCI_IRQ);
}

/* The fixed-feature power button: PWRBTN_STS set by a press, the SCI
 * raised only while PWRBTN_EN is set too, both write-1-to-clear and
 * reset by a reset; the parent's PC has none (the machine's PM block). */
TEST(pm_power_button)
{
	setup(1);
	CHECK_EQ(platform_power_button(&part), 0);
	CHECK_EQ(in(PLAT_PM1A_EVT, 2) & 0x100, 0x100);
	CHECK(!sci_line()); /* not enabled */
	out(PLAT_PM1A_EVT + 2, 2, 0x100); /* PWRBTN_EN */
	CHECK(sci_line());
	out(PLAT_PM1A_EVT, 2, 0x100); /* clear the status */
	CHECK_EQ(in(PLAT_PM1A_EVT, 2) & 0x100, 0);
	CHECK(!sci_line());
	CHECK_EQ(platform_power_button(&part), 0); /* pressed again, enabled */
	CHECK(sci_line());
	CHECK_EQ(stop_outcome, -1); /* the guest decides what it does */
	out(PLAT_PM1A_EVT, 4, 0x100); /* dword: clears status, disables */
	CHECK(!sci_line());
	platform_devices_reset(&part);
	CHECK_EQ(in(PLAT_PM1A_EVT, 4), 0);
	detach(&part);
	as_parent = true;
	setup(1);
	as_parent = false;
	CHECK_EQ(platform_power_button(&part), -1);
	detach(&part);
}

/* pvpanic: the events it knows, and a panic stops the partition. */
TEST(pvpanic)
{
	setup(1);
	CHECK_EQ(pin8(PLAT_PVPANIC_PORT), 0x03);
	pout8(PLAT_PVPANIC_PORT, 0x02); /* a crash kernel loads: nothing stops */
	CHECK_EQ(stop_outcome, -1);
	pout8(PLAT_PVPANIC_PORT, 0x01);
	CHECK_EQ(stop_outcome, OUTCOME_PANIC);
	CHECK_STR(stop_reason, "its kernel panicked (pvpanic)");
	detach(&part);
}

/* A child the parent created shows its console only in its ring. */
TEST(uart_managed_child_ring_only)
{
	setup(1);
	part.cfg.console_log = false;
	ring_len = 0;
	pout8(COM, 'h');
	pout8(COM, 'i');
	CHECK_EQ(console_len, 0);
	CHECK_EQ(ring_len, 2);
	CHECK_EQ(ring_out[0], 'h');
	detach(&part);
}

TEST(pm_reset_register_and_i8042)
{
	setup(1);
	/* Without on_reset=restart: the partition stops. */
	pout8(PLAT_RESET_PORT, 0x02);
	CHECK_EQ(stop_outcome, -1);
	CHECK_EQ(pin8(PLAT_RESET_PORT), 0x02);
	out(PLAT_RESET_PORT, 2, 0x0606); /* not a byte: PCI config space */
	CHECK_EQ(stop_outcome, -1);
	CHECK_EQ(in(PLAT_RESET_PORT, 2), 0xffff);
	pout8(PLAT_RESET_PORT, PLAT_RESET_VALUE);
	CHECK_EQ(stop_outcome, OUTCOME_RESET);
	CHECK_STR(stop_reason, "reset requested");
	CHECK_EQ(restarts_called, 0);

	/* With it: a restart, which resets the devices. */
	setup(1);
	part.cfg.restart_on_reset = true;
	pout8(COM + 1, 0x05);
	pout8(PLAT_RESET_PORT, 0x04);
	CHECK_EQ(restarts_called, 1);
	CHECK_EQ(stop_outcome, -1);
	CHECK_EQ(pin8(COM + 1), 0);
	/* A restart that fails stops the partition. */
	restart_result = -1;
	pout8(PLAT_RESET_PORT, 0x0e);
	CHECK_EQ(restarts_called, 2);
	CHECK_EQ(stop_outcome, OUTCOME_RESET);

	/* i8042: no data, status with A2 after a command; pulse reset. */
	setup(1);
	CHECK_EQ(pin8(PLAT_I8042_CMD), 0x14);
	CHECK_EQ(pin8(PLAT_I8042_DATA), 0);
	pout8(PLAT_I8042_CMD, 0xaa); /* self test: ignored */
	CHECK_EQ(pin8(PLAT_I8042_CMD), 0x1c);
	CHECK_EQ(pin8(PLAT_I8042_DATA), 0);
	pout8(PLAT_I8042_DATA, 0x55);
	CHECK_EQ(pin8(PLAT_I8042_CMD), 0x14);
	pout8(PLAT_I8042_CMD, 0xff); /* pulses nothing */
	CHECK_EQ(stop_outcome, -1);
	pout8(PLAT_I8042_CMD, 0xfe);
	CHECK_EQ(stop_outcome, OUTCOME_RESET);
	detach(&part);
}

/* Every port and the MMIO page with random sizes and values, in random
 * order: nothing may crash or read out of bounds (ASan and UBSan watch). */
TEST(hostile_accesses)
{
	static const u16 ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x3f8, 0x3f9, 0x3fa,
				     0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff, 0x70, 0x71, 0x600, 0x601,
				     0x602, 0x603, 0x604, 0x605, 0x608, 0x609, 0x60a, 0x60b,
				     0xcf9, 0x60, 0x64 };
	setup(2);
	part.cfg.restart_on_reset = true;
	for (int i = 0; i < 200000; i++) {
		u64 r = rnd();
		u8 size = (u8)(1u << (r % 3));
		if ((r >> 8) % 5 == 0) {
			u64 off = (r >> 16) % 4096;
			u8 msize = (u8)(1u << ((r >> 12) % 4));
			if (off + msize > 4096)
				off = 4096 - msize;
			if (r & (1ULL << 40))
				mmio_write(IOAPIC + off, msize, rnd());
			else
				(void)mmio_read(IOAPIC + off, msize);
			continue;
		}
		u16 port = ports[(r >> 16) % ARRAY_SIZE(ports)];
		if (r & (1ULL << 40)) {
			u32 v = (u32)rnd();
			/* Power-off ends the run; avoid it so the rest goes on. */
			if (port >= PLAT_PM1A_CNT && port < PLAT_PM1A_CNT + 2)
				v &= ~(1u << 13) & ~(1u << 5);
			out(port, size, v);
		} else {
			(void)in(port, size);
		}
		if (!(i % 97))
			vioapic_set_irq(&part, (u32)(rnd() % 30), rnd() & 1);
		if (!(i % 89))
			vioapic_eoi(&vcpus[rnd() & 1], (u8)rnd());
		if (!(i % 101))
			vuart_input(&part, (char)rnd());
		if (!(i % 5000))
			fake_us += rnd() % 100000000;
		part.state = PART_RUNNING;
	}
	struct platform_state *ps = part.platform;
	CHECK(ps->uart.rx_count <= VUART_FIFO_SIZE);
	CHECK(ps->uart.rx_head < VUART_FIFO_SIZE);
	detach(&part);
}

/* ==== console input focus ==== */

static struct partition cparts[3];

/* A byte from partition p's UART, as vmm/io.c reads it. */
static u8 uart_in(struct partition *p, u16 port)
{
	const struct io_device *d = find_io(p, port);
	u32 v = 0;

	REQUIRE(d);
	CHECK_EQ(d->read(&vcpus[0], d->opaque, port, 1, &v), 0);
	return (u8)v;
}

TEST(console_input_focus)
{
	detach(&part);
	reset_records();
	memset(cparts, 0, sizeof(cparts));
	memset(partitions, 0, sizeof(partitions));
	for (u32 i = 0; i < 3; i++) {
		snprintf(cparts[i].cfg.name, sizeof(cparts[i].cfg.name), "p%u", i);
		cparts[i].id = i + 1;
		cparts[i].slot = i;
		cparts[i].cfg.vcpus = 1;
		cparts[i].cfg.console_log = true; /* boot children */
		cparts[i].state = PART_RUNNING;
		partitions[i] = &cparts[i];
	}
	/* p0 and p2 have a UART, p1 (a test guest) has none. */
	REQUIRE(platform_attach(&cparts[0], NULL) == 0);
	REQUIRE(platform_attach(&cparts[2], NULL) == 0);
	struct vuart *u0 = &cparts[0].platform->uart, *u2 = &cparts[2].platform->uart;
	u0->fcr = u2->fcr = 0x01; /* FIFOs on, as a driver sets them */

	console_input_poll(); /* nothing waiting: nothing happens */
	CHECK_EQ(u0->rx_count + u2->rx_count, 0);
	console_in = "ab";
	console_in_len = 2;
	console_in_pos = 0;
	console_input_poll();
	CHECK_EQ(u0->rx_count, 2); /* the first partition with a UART */
	CHECK_EQ(u0->rx[0], 'a');
	/* Three Ctrl-A: focus to p2, skipping p1; nothing forwarded. */
	console_in = "\x01\x01\x01" "c";
	console_in_len = 4;
	console_in_pos = 0;
	console_input_poll();
	CHECK_EQ(u0->rx_count, 2);
	CHECK_EQ(u2->rx_count, 1);
	CHECK_EQ(u2->rx[0], 'c');
	/* One or two Ctrl-A then something else reach the guest. */
	console_in = "\x01x\x01\x01y";
	console_in_len = 5;
	console_in_pos = 0;
	console_input_poll();
	CHECK_EQ(u2->rx_count, 6);
	CHECK_EQ(u2->rx[1], 0x01);
	CHECK_EQ(u2->rx[2], 'x');
	CHECK_EQ(u2->rx[3], 0x01);
	CHECK_EQ(u2->rx[4], 0x01);
	CHECK_EQ(u2->rx[5], 'y');
	/* After the last partition, the hypervisor: its keys reach no
	 * guest, and 'v' asks for the vCPU dump. */
	console_in = "\x01\x01\x01zv\x01q";
	console_in_len = 7;
	console_in_pos = 0;
	console_input_poll();
	CHECK_EQ(u0->rx_count, 2);
	CHECK_EQ(u2->rx_count, 6);
	CHECK_EQ(dump_requests, 1);
	/* Around again to p0. */
	console_in = "\x01\x01\x01z";
	console_in_len = 4;
	console_in_pos = 0;
	console_input_poll();
	CHECK_EQ(u0->rx_count, 3);
	CHECK_EQ(u0->rx[2], 'z');
	/* The focused partition stops: input moves on by itself. */
	cparts[0].state = PART_STOPPED;
	console_in = "w";
	console_in_len = 1;
	console_in_pos = 0;
	console_input_poll();
	CHECK_EQ(u2->rx_count, 7);
	CHECK_EQ(u2->rx[6], 'w');
	/* A long burst is taken over several polls. */
	static char burst[100];
	memset(burst, 'k', sizeof(burst));
	console_in = burst;
	console_in_len = sizeof(burst);
	console_in_pos = 0;
	console_input_poll();
	CHECK(console_in_pos < sizeof(burst));
	while (console_in_pos < console_in_len)
		console_input_poll();
	CHECK_EQ(u2->rx_count, VUART_FIFO_SIZE);
	/* What the FIFO had no room for waits, in order, for the driver to
	 * read: every byte of the burst arrives, none lost to overrun. */
	u32 got = 0;
	for (u32 round = 0; round < 20 && got < 7 + sizeof(burst); round++) {
		while (uart_in(&cparts[2], COM + 5) & 1) {
			u8 b = uart_in(&cparts[2], COM);
			if (got >= 7)
				CHECK_EQ(b, 'k');
			got++;
		}
		console_input_poll();
	}
	CHECK_EQ(got, 7 + sizeof(burst));
	CHECK_EQ(u2->lsr_err & 0x02, 0);
	memset(partitions, 0, sizeof(partitions));
	platform_detach(&cparts[0]);
	platform_detach(&cparts[2]);
}

/* ---- PCI bus 0 and the virtio-pci transport (vmm/dev/pci.c, virtio_pci.c) ---- */

static u32 cfg_rd(u32 slot, u32 off, u8 size)
{
	out(0xcf8, 4, 0x80000000u | (slot << 11) | (off & 0xfc));
	return in((u16)(0xcfc + (off & 3)), size);
}

static void cfg_wr(u32 slot, u32 off, u8 size, u32 v)
{
	out(0xcf8, 4, 0x80000000u | (slot << 11) | (off & 0xfc));
	out((u16)(0xcfc + (off & 3)), size, v);
}

TEST(pci_config_mechanisms)
{
	setup(1);
	/* Only a dword at 0xcf8 is CONFIG_ADDRESS; reserved bits read 0. */
	out(0xcf8, 4, 0x80000003u);
	CHECK_EQ(in(0xcf8, 4), 0x80000000u);
	CHECK_EQ(cfg_rd(0, 0, 4), 0x00081b36u); /* the host bridge */
	CHECK_EQ(cfg_rd(0, 8, 4) >> 8, 0x060000u);
	CHECK_EQ(cfg_rd(1, 0, 4), 0xffffffffu); /* nothing at 00:01.0 */
	CHECK_EQ(cfg_rd(1, 0, 2), 0xffffu);
	/* Bus 1 has nothing either. */
	out(0xcf8, 4, 0x80010000u);
	CHECK_EQ(in(0xcfc, 4), 0xffffffffu);
	/* ECAM sees the same space; past 0xff a conventional function is 0. */
	CHECK_EQ(mmio_read(HV_PCI_ECAM_BASE, 4), 0x00081b36u);
	CHECK_EQ(mmio_read(HV_PCI_ECAM_BASE + 0x100, 4), 0u);
	CHECK_EQ(mmio_read(HV_PCI_ECAM_BASE + (1u << 15), 4), 0xffffffffu);
	/* The host bridge's identity is read-only. */
	cfg_wr(0, 0, 4, 0x12345678u);
	CHECK_EQ(cfg_rd(0, 0, 4), 0x00081b36u);
	/* The reset byte at 0xcf9 still resets; a dword at 0xcf8 does not. */
	out(0xcf8, 4, 0x80000600u);
	CHECK_EQ(stop_outcome, -1);
	pout8(0xcf9, 0x06);
	CHECK_EQ(stop_outcome, OUTCOME_RESET);
	detach(&part);
}

static struct hv_device blk_desc(void)
{
	struct hv_device d;
	u64 cap = 1234;

	memset(&d, 0, sizeof(d));
	d.type = HV_VIRTIO_BLOCK;
	d.queues = 1;
	d.queue_size = 64;
	d.features = HV_VIRTIO_F_VERSION_1 | BIT(9);
	d.config_len = 8;
	memcpy(d.config, &cap, 8);
	return d;
}

TEST(virtio_pci_add_checks)
{
	setup(1);
	struct hv_device d = blk_desc();
	d.features = BIT(9); /* no VERSION_1 */
	CHECK_EQ(virtio_pci_add(&part, &d), -HV_EINVAL);
	d = blk_desc();
	d.queue_size = 48;
	CHECK_EQ(virtio_pci_add(&part, &d), -HV_EINVAL);
	d = blk_desc();
	d.queues = HV_QUEUES_MAX + 1;
	CHECK_EQ(virtio_pci_add(&part, &d), -HV_EINVAL);
	d = blk_desc();
	d.config_len = HV_DEVICE_CONFIG_MAX + 1;
	CHECK_EQ(virtio_pci_add(&part, &d), -HV_EINVAL);
	d = blk_desc();
	d.reserved[2] = 1;
	CHECK_EQ(virtio_pci_add(&part, &d), -HV_EINVAL);
	d = blk_desc();
	for (int i = 0; i < HV_DEVICES_MAX; i++)
		CHECK_EQ(virtio_pci_add(&part, &d), i);
	CHECK_EQ(virtio_pci_add(&part, &d), -HV_ENOSPC);
	detach(&part);
}

/* Finds virtio capability `type` in slot's list; its offset or 0. */
static u32 find_vcap(u32 slot, u8 type)
{
	u32 at = cfg_rd(slot, 0x34, 1), hops = 0;

	while (at && hops++ < 48) {
		if (cfg_rd(slot, at, 1) == 0x09 && cfg_rd(slot, at + 3, 1) == type)
			return at;
		at = cfg_rd(slot, at + 1, 1);
	}
	return 0;
}

TEST(virtio_pci_transport)
{
	setup(1);
	struct hv_device d = blk_desc();
	REQUIRE(virtio_pci_add(&part, &d) == 0);
	/* Identity (virtio 1.2 4.1.2): a modern block device. */
	CHECK_EQ(cfg_rd(1, 0, 4), 0x10421af4u);
	CHECK_EQ(cfg_rd(1, 8, 4), 0x01800001u);
	CHECK(cfg_rd(1, 6, 2) & 0x10); /* capability list */
	CHECK_EQ(cfg_rd(1, 0x3d, 1), 0u); /* no INTx pin */
	/* Every structure is in the list, MSI-X first. */
	CHECK_EQ(cfg_rd(1, cfg_rd(1, 0x34, 1), 1), 0x11u);
	for (u8 t = 1; t <= 5; t++)
		CHECK(find_vcap(1, t) != 0);
	/* BAR sizing (PCI 3.0 6.2.5.1), then back where they were. */
	u32 bar0 = cfg_rd(1, 0x10, 4), bar1 = cfg_rd(1, 0x14, 4);
	CHECK_EQ(bar0, HV_PCI_IO_BASE | 1u);
	CHECK_EQ(bar1, (u32)HV_PCI_MEM_BASE);
	cfg_wr(1, 0x14, 4, 0xffffffffu);
	CHECK_EQ(cfg_rd(1, 0x14, 4), ~(HV_PCI_MEM_BAR_SIZE - 1));
	cfg_wr(1, 0x10, 4, 0xffffffffu);
	CHECK_EQ(cfg_rd(1, 0x10, 4), (0xffffu & ~(HV_PCI_IO_BAR_SIZE - 1)) | 1u);
	cfg_wr(1, 0x10, 4, bar0);
	cfg_wr(1, 0x14, 4, bar1);
	u64 common = HV_PCI_MEM_BASE + cfg_rd(1, find_vcap(1, 1) + 8, 4);
	/* Decoding is off until the command register says so. */
	CHECK_EQ(mmio_read(common + 0x12, 2), 0xffffu);
	cfg_wr(1, 4, 2, 0x7);
	CHECK_EQ(mmio_read(common + 0x12, 2), 1u); /* num_queues */
	/* Features: VERSION_1 is bit 32. */
	mmio_write(common + 0x00, 4, 1);
	CHECK_EQ(mmio_read(common + 0x04, 4), 1u);
	mmio_write(common + 0x00, 4, 0);
	CHECK_EQ(mmio_read(common + 0x04, 4), (u32)BIT(9));
	/* A feature it did not offer: FEATURES_OK does not stick. */
	mmio_write(common + 0x14, 1, 1 | 2);
	mmio_write(common + 0x08, 4, 0);
	mmio_write(common + 0x0c, 4, BIT(9) | BIT(5));
	mmio_write(common + 0x08, 4, 1);
	mmio_write(common + 0x0c, 4, 1);
	mmio_write(common + 0x14, 1, 1 | 2 | 8);
	CHECK_EQ(mmio_read(common + 0x14, 1), 3u);
	mmio_write(common + 0x08, 4, 0);
	mmio_write(common + 0x0c, 4, BIT(9));
	mmio_write(common + 0x14, 1, 1 | 2 | 8);
	CHECK_EQ(mmio_read(common + 0x14, 1), 11u);
	/* Queue size: a power of two up to the device's. */
	mmio_write(common + 0x16, 2, 0);
	CHECK_EQ(mmio_read(common + 0x18, 2), 64u);
	mmio_write(common + 0x18, 2, 48);
	CHECK_EQ(mmio_read(common + 0x18, 2), 64u);
	mmio_write(common + 0x18, 2, 128);
	CHECK_EQ(mmio_read(common + 0x18, 2), 64u);
	mmio_write(common + 0x18, 2, 32);
	CHECK_EQ(mmio_read(common + 0x18, 2), 32u);
	/* A vector past the table reads back as NO_VECTOR (4.1.5.1.2). */
	mmio_write(common + 0x1a, 2, 5);
	CHECK_EQ(mmio_read(common + 0x1a, 2), 0xffffu);
	mmio_write(common + 0x1a, 2, 1);
	CHECK_EQ(mmio_read(common + 0x1a, 2), 1u);
	mmio_write(common + 0x20, 4, 0x10000);
	mmio_write(common + 0x24, 4, 0);
	CHECK_EQ(mmio_read(common + 0x20, 8), 0x10000u);
	mmio_write(common + 0x1c, 2, 1);
	CHECK_EQ(mmio_read(common + 0x1c, 2), 1u);
	/* Enabled: the queue's address no longer changes. */
	mmio_write(common + 0x20, 4, 0x20000);
	CHECK_EQ(mmio_read(common + 0x20, 8), 0x10000u);
	/* The device configuration the backend gave. */
	u64 devcfg = HV_PCI_MEM_BASE + cfg_rd(1, find_vcap(1, 4) + 8, 4);
	CHECK_EQ(mmio_read(devcfg, 8), 1234u);

	/* MSI-X: the entry masked, the interrupt waits in the PBA. */
	u32 mx = cfg_rd(1, 0x34, 1);
	u64 table = HV_PCI_MEM_BASE + (cfg_rd(1, mx + 4, 4) & ~7u);
	u64 pba = HV_PCI_MEM_BASE + (cfg_rd(1, mx + 8, 4) & ~7u);
	CHECK_EQ(cfg_rd(1, mx + 2, 2) & 0x7ff, 1u); /* 2 vectors */
	cfg_wr(1, mx + 2, 2, 0x8000);              /* enable */
	mmio_write(table + 16, 4, 0xfee00000u);    /* entry 1: APIC 0 */
	mmio_write(table + 20, 4, 0);
	mmio_write(table + 24, 4, 0x41);
	mmio_write(common + 0x14, 1, 1 | 2 | 8 | 4); /* DRIVER_OK */
	u32 before = lapics[0].accepted;
	virtio_pci_irq(&part, 0, 0);
	CHECK_EQ(lapics[0].accepted, before);
	CHECK_EQ(mmio_read(pba, 8), 2u);
	mmio_write(table + 28, 4, 0); /* unmask: delivered now */
	CHECK_EQ(lapics[0].accepted, before + 1);
	CHECK_EQ(lapics[0].last_vec, 0x41);
	CHECK_EQ(mmio_read(pba, 8), 0u);
	virtio_pci_irq(&part, 0, 0);
	CHECK_EQ(lapics[0].accepted, before + 2);
	/* The function mask holds it too. */
	cfg_wr(1, mx + 2, 2, 0xc000);
	virtio_pci_irq(&part, 0, 0);
	CHECK_EQ(lapics[0].accepted, before + 2);
	cfg_wr(1, mx + 2, 2, 0x8000);
	CHECK_EQ(lapics[0].accepted, before + 3);
	/* An address that is not the APIC's goes nowhere. */
	mmio_write(table + 16, 4, 0x12345000u);
	virtio_pci_irq(&part, 0, 0);
	CHECK_EQ(lapics[0].accepted, before + 3);

	/* The PCI configuration access capability reaches BAR1. */
	u32 pc = find_vcap(1, 5);
	cfg_wr(1, pc + 4, 1, 1);
	cfg_wr(1, pc + 8, 4, 0x12); /* num_queues */
	cfg_wr(1, pc + 12, 4, 2);
	CHECK_EQ(cfg_rd(1, pc + 16, 2), 1u);

	/* Reset with no backend attached: status reads 0 at once. */
	mmio_write(common + 0x14, 1, 0);
	CHECK_EQ(mmio_read(common + 0x14, 1), 0u);
	CHECK_EQ(mmio_read(common + 0x1c, 2), 0u);
	struct hv_device_state st;
	CHECK_EQ(virtio_pci_query(&part, 0, &st), 0);
	CHECK_EQ(st.resets, 1u);
	CHECK_EQ(virtio_pci_query(&part, 1, &st), -HV_ENOENT);
	/* Kicks with no channel go nowhere and the vCPU goes on. */
	out((u16)HV_PCI_IO_BASE, 2, 0);
	/* A broken device: NEEDS_RESET once live. */
	mmio_write(common + 0x14, 1, 1 | 2 | 8 | 4);
	CHECK_EQ(virtio_pci_ack(&part, 0, HV_ACK_BROKEN, "test"), 0);
	CHECK(mmio_read(common + 0x14, 1) & 0x40);
	CHECK_EQ(virtio_pci_ack(&part, 0, 9, NULL), -HV_EINVAL);
	detach(&part);
}

int main(void)
{
	RUN(rtc_bcd);
	RUN(rtc_unix_known_dates);
	RUN(rtc_unix_day_by_day);
	RUN(rtc_unix_round_trip);
	RUN(rtc_decode_formats);
	RUN(vrtc_reads_host_time);
	RUN(vrtc_register_c_flags);
	RUN(vrtc_guest_sets_time);
	RUN(vrtc_cmos_ram);
	RUN(uart_reset_and_dlab);
	RUN(uart_transmit_to_console);
	RUN(uart_thre_interrupt_and_out2);
	RUN(uart_receive_fifo_and_priorities);
	RUN(uart_loopback);
	RUN(uart_wide_and_odd_accesses);
	RUN(ioapic_id_version_and_entries);
	RUN(ioapic_edge_delivery);
	RUN(ioapic_level_remote_irr);
	RUN(ioapic_parent_forwarding);
	RUN(ioapic_destinations);
	RUN(ioapic_uart_level_route);
	RUN(pic_init_and_masks);
	RUN(pic_delivery_priority_and_eoi);
	RUN(pic_cascade_poll_aeoi);
	RUN(pit_counter0_modes_and_irq0);
	RUN(pit_counter2_gate_and_port61);
	RUN(hpet_registers_counter_and_timers);
	RUN(pm_registers);
	RUN(pm_timer);
	RUN(pm_poweroff);
	RUN(pm_power_button);
	RUN(pvpanic);
	RUN(uart_managed_child_ring_only);
	RUN(pm_reset_register_and_i8042);
	RUN(hostile_accesses);
	RUN(console_input_focus);
	RUN(pci_config_mechanisms);
	RUN(virtio_pci_add_checks);
	RUN(virtio_pci_transport);
	detach(&part);
	return harness_finish();
}
