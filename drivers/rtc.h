/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PC's MC146818-compatible real-time clock, read once at boot for the
 * wall-clock time, and the calendar arithmetic the virtual RTC shares
 * with it (proleptic Gregorian calendar, UTC, no leap seconds).
 */
#ifndef DRIVERS_RTC_H
#define DRIVERS_RTC_H

#include "vmm/base/types.h"

/* Register indices (MC146818 datasheet, "Address Map"; 0x32 is the
 * century byte of the IBM PC CMOS layout). */
#define RTC_REG_SEC 0x00
#define RTC_REG_SEC_ALARM 0x01
#define RTC_REG_MIN 0x02
#define RTC_REG_MIN_ALARM 0x03
#define RTC_REG_HOUR 0x04
#define RTC_REG_HOUR_ALARM 0x05
#define RTC_REG_WDAY 0x06
#define RTC_REG_MDAY 0x07
#define RTC_REG_MON 0x08
#define RTC_REG_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_REG_SHUTDOWN 0x0f
#define RTC_REG_CENTURY 0x32

#define RTC_A_UIP 0x80
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_BINARY 0x04  /* DM: binary, else BCD */
#define RTC_B_24H 0x02
#define RTC_B_DSE 0x01
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
#define RTC_D_VRT 0x80

/* Broken-down UTC time. */
struct rtc_time {
	u32 sec, min, hour;  /* 0-59, 0-59, 0-23 */
	u32 mday, mon;       /* 1-31, 1-12 */
	u32 year;            /* full year, e.g. 2026 */
	u32 wday;            /* 0 = Sunday */
};

/* Earliest and latest times the conversions promise: 0000-01-01 00:00:00
 * and 9999-12-31 23:59:59. */
#define RTC_TIME_MIN (-62167219200LL)
#define RTC_TIME_MAX 253402300799LL

u8 rtc_bcd_to_bin(u8 v);
/* v modulo 100, in BCD. */
u8 rtc_bin_to_bcd(u32 v);
bool rtc_is_leap(s64 year);
/* Days from 1970-01-01 to year-mon-mday; mday may run past the month's
 * end (counts on into the next); mon must be 1-12. */
s64 rtc_days_from_civil(s64 year, u32 mon, u32 mday);
/* Seconds since 1970 of tm (wday ignored), and back. */
s64 rtc_time_to_unix(const struct rtc_time *tm);
void rtc_unix_to_time(s64 t, struct rtc_time *tm);

/* The time and control registers as read from the chip. */
struct rtc_raw {
	u8 sec, min, hour, mday, mon, year, b;
	u8 century;         /* raw value of the century register */
	bool have_century;  /* the FADT names one */
};
/* Decodes raw registers (BCD or binary per B, 12 or 24 hours); without
 * a century register, years 70-99 are 19xx and 00-69 20xx. False when a
 * field is out of range. */
bool rtc_decode(const struct rtc_raw *r, struct rtc_time *tm);

/* Reads the host RTC: waits for no update in progress, reads until two
 * reads agree, and converts (the chip is taken to keep UTC, as Linux
 * and QEMU keep it). Returns seconds since 1970, or 0 when there is no
 * readable RTC. Uses the century register the FADT names (acpi.century). */
u64 rtc_read_unix_time(void);

#endif
