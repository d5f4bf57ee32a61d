// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host's CMOS real-time clock (MC146818 and the chipset clocks that
 * copy it), read once at boot, and calendar arithmetic.
 */
#include "drivers/rtc.h"
#include "drivers/acpi.h"
#include "vmm/base/x86.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
/* Polls of the update flag before giving up (a missing RTC reads 0xff,
 * UIP always set). An update keeps UIP set for at most 2 ms (MC146818
 * datasheet, "Update Cycle": 244 us warning plus 1984 us at most); a
 * poll is two port accesses, a microsecond or more each. */
#define UIP_POLLS 200000
#define READ_ATTEMPTS 10

static const u16 days_before_month[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
static const u8 days_in_month[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

u8 rtc_bcd_to_bin(u8 v)
{
	return (u8)((v >> 4) * 10 + (v & 0xf));
}

u8 rtc_bin_to_bcd(u32 v)
{
	v %= 100;
	return (u8)(((v / 10) << 4) | (v % 10));
}

/* Division rounding towards minus infinity (d > 0). */
static s64 floor_div(s64 n, s64 d)
{
	s64 q = n / d;
	return (n % d != 0 && n < 0) ? q - 1 : q;
}

bool rtc_is_leap(s64 y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Leap years in 1..y (negative for y < 0; year 0 is a leap year of the
 * proleptic calendar). */
static s64 leaps_through(s64 y)
{
	return floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400);
}

s64 rtc_days_from_civil(s64 year, u32 mon, u32 mday)
{
	if (mon < 1 || mon > 12)
		mon = 1;
	s64 days = 365 * (year - 1970) + leaps_through(year - 1) - leaps_through(1969);
	days += days_before_month[mon - 1];
	if (mon > 2 && rtc_is_leap(year))
		days++;
	return days + (s64)mday - 1;
}

s64 rtc_time_to_unix(const struct rtc_time *tm)
{
	return rtc_days_from_civil(tm->year, tm->mon, tm->mday) * 86400 +
	       (s64)tm->hour * 3600 + (s64)tm->min * 60 + tm->sec;
}

void rtc_unix_to_time(s64 t, struct rtc_time *tm)
{
	if (t < RTC_TIME_MIN)
		t = RTC_TIME_MIN;
	if (t > RTC_TIME_MAX)
		t = RTC_TIME_MAX;
	s64 days = floor_div(t, 86400), secs = t - days * 86400;

	tm->hour = (u32)(secs / 3600);
	tm->min = (u32)(secs / 60 % 60);
	tm->sec = (u32)(secs % 60);
	/* 1970-01-01 was a Thursday. */
	tm->wday = (u32)(days + 4 - floor_div(days + 4, 7) * 7);
	/* 146097 days make 400 Gregorian years: a guess within a year,
	 * then corrected. */
	s64 y = 1970 + floor_div(days * 400, 146097);
	while (rtc_days_from_civil(y, 1, 1) > days)
		y--;
	while (rtc_days_from_civil(y + 1, 1, 1) <= days)
		y++;
	u32 doy = (u32)(days - rtc_days_from_civil(y, 1, 1));
	u32 m = 0;
	for (;;) {
		u32 len = days_in_month[m] + (m == 1 && rtc_is_leap(y));
		if (doy < len || m == 11)
			break;
		doy -= len;
		m++;
	}
	tm->year = (u32)y;
	tm->mon = m + 1;
	tm->mday = doy + 1;
}

bool rtc_decode(const struct rtc_raw *r, struct rtc_time *tm)
{
	bool bin = r->b & RTC_B_BINARY;
#define DEC(x) (bin ? (u32)(x) : (u32)rtc_bcd_to_bin(x))
	tm->sec = DEC(r->sec);
	tm->min = DEC(r->min);
	if (r->b & RTC_B_24H) {
		tm->hour = DEC(r->hour);
	} else {
		/* 12-hour mode: 1-12 with bit 7 for PM (MC146818 Table 3). */
		u32 h = DEC(r->hour & 0x7f);
		if (h < 1 || h > 12)
			return false;
		tm->hour = h % 12 + ((r->hour & 0x80) ? 12 : 0);
	}
	tm->mday = DEC(r->mday);
	tm->mon = DEC(r->mon);
	u32 yy = DEC(r->year);
	u32 cc = r->have_century ? DEC(r->century) : 0;
#undef DEC
	if (tm->sec > 59 || tm->min > 59 || tm->hour > 23 || tm->mday < 1 || tm->mday > 31 ||
	    tm->mon < 1 || tm->mon > 12 || yy > 99)
		return false;
	/* A century register holding nonsense is ignored. */
	if (!r->have_century || cc < 19 || cc > 99)
		cc = yy < 70 ? 20 : 19;
	tm->year = cc * 100 + yy;
	tm->wday = (u32)((rtc_days_from_civil(tm->year, tm->mon, tm->mday) % 7 + 11) % 7);
	return true;
}

/* The chip itself: not in host unit tests, which stub the reading. */
#ifndef HV_HOST_TEST
static u8 cmos_read(u8 reg)
{
	/* Bit 7 of the index is the NMI mask on PCs: keep NMIs enabled. */
	outb(CMOS_INDEX, reg & 0x7f);
	return inb(CMOS_DATA);
}

static bool wait_no_update(void)
{
	for (u32 i = 0; i < UIP_POLLS; i++) {
		if (!(cmos_read(RTC_REG_A) & RTC_A_UIP))
			return true;
		cpu_relax();
	}
	return false;
}

static void read_raw(struct rtc_raw *r, u8 century_reg)
{
	r->sec = cmos_read(RTC_REG_SEC);
	r->min = cmos_read(RTC_REG_MIN);
	r->hour = cmos_read(RTC_REG_HOUR);
	r->mday = cmos_read(RTC_REG_MDAY);
	r->mon = cmos_read(RTC_REG_MON);
	r->year = cmos_read(RTC_REG_YEAR);
	r->b = cmos_read(RTC_REG_B);
	r->have_century = century_reg != 0;
	r->century = century_reg ? cmos_read(century_reg) : 0;
}

u64 rtc_read_unix_time(void)
{
	/* The FADT's CENTURY is an index into CMOS RAM, 0 = none. */
	u8 century_reg = acpi.have_fadt && acpi.century >= 0x0e && acpi.century < 0x80
				 ? acpi.century : 0;
	struct rtc_raw a, b;
	struct rtc_time tm;

	/* The registers are only stable outside an update cycle; reading
	 * twice and comparing catches one that began between the UIP check
	 * and the last read (MC146818 "Update Cycle", method 1). */
	for (u32 attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
		if (!wait_no_update())
			return 0;
		read_raw(&a, century_reg);
		if (!wait_no_update())
			return 0;
		read_raw(&b, century_reg);
		if (a.sec == b.sec && a.min == b.min && a.hour == b.hour && a.mday == b.mday &&
		    a.mon == b.mon && a.year == b.year && a.b == b.b && a.century == b.century)
			break;
		if (attempt == READ_ATTEMPTS - 1)
			return 0;
	}
	if (!rtc_decode(&b, &tm))
		return 0;
	s64 t = rtc_time_to_unix(&tm);
	return t > 0 ? (u64)t : 0;
}
#endif
