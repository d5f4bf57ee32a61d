// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual MC146818 real-time clock and its 128 bytes of CMOS RAM, at the
 * index/data ports 0x70/0x71 (Motorola MC146818A datasheet).
 *
 * The clock is real time: the host's wall clock at boot
 * (host_boot_unix_time, read from the physical RTC) plus the hypervisor's
 * uptime, plus a per-partition offset. A guest that writes a time
 * register moves its own clock by what it wrote: the offset changes, the
 * host and other partitions are untouched. While register B's SET bit is
 * on, the clock stands and the fields the guest writes are kept as they
 * are (so a date can be set field by field, through impossible
 * intermediate dates); clearing SET starts the clock from them.
 *
 * Registers:
 *  - 0x00-0x09 seconds, alarms, minutes, hours, day of week (1 = Sunday),
 *    day of month, month, year, and 0x32 the century, in BCD or binary
 *    per B.DM and 12 or 24 hours per B.24/12, always from the current
 *    time (so changing the format bits re-encodes at once, where a chip
 *    would show the change after the next update). The day of week is
 *    computed; writes to it are ignored. Out-of-range writes are clamped.
 *  - A: UIP always reads 0 (an update takes no time here); the divider and
 *    rate bits read back as written. Readers must do what they do on a
 *    real chip anyway: re-read the seconds to detect a rollover between
 *    two reads.
 *  - B as written, except that setting SET clears UIE (datasheet).
 *  - C: the flags a chip would have raised since C was last read - UF
 *    once per second, PF at the rate A selects, AF when an alarm matched
 *    (checked against the current second only), IRQF per the enables -
 *    cleared by the read.
 *  - D: VRT (valid RAM and time) always set.
 *  - 0x0e-0x7f: general storage, zero at power-on (0x0f is the shutdown
 *    status byte a BIOS would look at; nothing here does).
 *
 * Left out: no interrupt is ever raised on IRQ 8 (periodic, alarm and
 * update-ended interrupts are not generated, only the flags in C), the
 * square-wave output, daylight-saving adjustment (DSE is stored only),
 * the divider-reset states of A (the clock always runs), and the upper
 * 128 bytes at 0x72/0x73 of later chipsets.
 */
#include "vmm/dev/platform_dev.h"
#include "vmm/base/math.h"
#include "vmm/partition.h"
#include "vmm/base/string.h"
#include "drivers/timer.h"

#define RTC_INDEX_MASK 0x7f
#define RTC_NMI_MASK 0x80
#define RTC_ALARM_DONT_CARE 0xc0 /* alarm bytes 0xc0-0xff match any value */

u64 host_boot_unix_time;

static s64 host_now(void)
{
	return (s64)host_boot_unix_time + (s64)(timer_uptime_us() / 1000000);
}

static s64 clamp_time(s64 t)
{
	return t < RTC_TIME_MIN ? RTC_TIME_MIN : t > RTC_TIME_MAX ? RTC_TIME_MAX : t;
}

/* The guest's current time, broken down. */
static void guest_time(const struct vrtc *r, struct rtc_time *tm)
{
	if (r->frozen)
		*tm = r->set_tm;
	else
		rtc_unix_to_time(clamp_time(host_now() + r->offset), tm);
}

void vrtc_init(struct platform_state *ps)
{
	struct vrtc *r = &ps->rtc;
	u64 f = spin_lock_irqsave(&r->lock);

	memset(r->ram, 0, sizeof(r->ram));
	r->offset = 0;
	/* What a PC BIOS leaves: 32.768 kHz time base, 1024 Hz rate; BCD,
	 * 24-hour, no interrupts. */
	r->ram[RTC_REG_A] = 0x26;
	r->ram[RTC_REG_B] = RTC_B_24H;
	spin_unlock_irqrestore(&r->lock, f);
	vrtc_reset(ps);
}

void vrtc_reset(struct platform_state *ps)
{
	struct vrtc *r = &ps->rtc;
	u64 f = spin_lock_irqsave(&r->lock);

	/* The chip is battery-backed: a reset keeps time and RAM. Only the
	 * index latch and the flags start over; a time left half-set runs. */
	if (r->frozen) {
		r->offset = rtc_time_to_unix(&r->set_tm) - host_now();
		r->frozen = false;
		r->ram[RTC_REG_B] &= (u8)~RTC_B_SET;
	}
	r->index = 0;
	r->last_c_us = timer_uptime_us();
	spin_unlock_irqrestore(&r->lock, f);
}

static bool binary(const struct vrtc *r)
{
	return r->ram[RTC_REG_B] & RTC_B_BINARY;
}

static u8 encode(const struct vrtc *r, u32 v)
{
	v %= 100;
	return binary(r) ? (u8)v : rtc_bin_to_bcd(v);
}

static u32 decode(const struct vrtc *r, u8 v)
{
	return binary(r) ? v : rtc_bcd_to_bin(v);
}

static u8 encode_hour(const struct vrtc *r, u32 h)
{
	if (r->ram[RTC_REG_B] & RTC_B_24H)
		return encode(r, h);
	/* 12-hour mode: 12, 1-11 with bit 7 for PM (datasheet Table 3). */
	u32 h12 = h % 12 ? h % 12 : 12;
	return (u8)(encode(r, h12) | (h >= 12 ? 0x80 : 0));
}

static u32 decode_hour(const struct vrtc *r, u8 v)
{
	if (r->ram[RTC_REG_B] & RTC_B_24H)
		return decode(r, v);
	u32 h = decode(r, v & 0x7f) % 12;
	return h + ((v & 0x80) ? 12 : 0);
}

static u32 clamp(u32 v, u32 lo, u32 hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* A time register as the guest reads it now. */
static u8 time_reg(const struct vrtc *r, u32 idx)
{
	struct rtc_time tm;

	guest_time(r, &tm);
	switch (idx) {
	case RTC_REG_SEC: return encode(r, tm.sec);
	case RTC_REG_MIN: return encode(r, tm.min);
	case RTC_REG_HOUR: return encode_hour(r, tm.hour);
	case RTC_REG_WDAY: return encode(r, tm.wday + 1);
	case RTC_REG_MDAY: return encode(r, tm.mday);
	case RTC_REG_MON: return encode(r, tm.mon);
	case RTC_REG_YEAR: return encode(r, tm.year % 100);
	default: return encode(r, MIN(tm.year / 100, 99u)); /* century */
	}
}

static void set_time_reg(struct vrtc *r, u32 idx, u8 val)
{
	struct rtc_time tm;

	guest_time(r, &tm);
	switch (idx) {
	case RTC_REG_SEC: tm.sec = clamp(decode(r, val), 0, 59); break;
	case RTC_REG_MIN: tm.min = clamp(decode(r, val), 0, 59); break;
	case RTC_REG_HOUR: tm.hour = clamp(decode_hour(r, val), 0, 23); break;
	case RTC_REG_MDAY: tm.mday = clamp(decode(r, val), 1, 31); break;
	case RTC_REG_MON: tm.mon = clamp(decode(r, val), 1, 12); break;
	case RTC_REG_YEAR: tm.year = tm.year / 100 * 100 + clamp(decode(r, val), 0, 99); break;
	default: tm.year = clamp(decode(r, val), 0, 99) * 100 + tm.year % 100; break;
	}
	if (r->frozen) {
		r->set_tm = tm; /* kept as written until SET is cleared */
		return;
	}
	/* Days past the month's end count on into the next month. */
	r->offset = clamp_time(rtc_time_to_unix(&tm)) - host_now();
}

static bool alarm_hit(const struct vrtc *r)
{
	static const u8 pairs[3][2] = {
		{ RTC_REG_SEC_ALARM, RTC_REG_SEC },
		{ RTC_REG_MIN_ALARM, RTC_REG_MIN },
		{ RTC_REG_HOUR_ALARM, RTC_REG_HOUR },
	};
	for (u32 i = 0; i < 3; i++) {
		u8 a = r->ram[pairs[i][0]];
		if ((a & RTC_ALARM_DONT_CARE) != RTC_ALARM_DONT_CARE && a != time_reg(r, pairs[i][1]))
			return false;
	}
	return true;
}

/* Register C: what happened since it was last read. */
static u8 read_c(struct vrtc *r)
{
	u64 now = timer_uptime_us(), last = r->last_c_us;
	u8 b = r->ram[RTC_REG_B], rs = r->ram[RTC_REG_A] & 0xf, c = 0;

	if (!(b & RTC_B_SET) && now / 1000000 != last / 1000000) {
		c |= RTC_C_UF;
		if (alarm_hit(r))
			c |= RTC_C_AF;
	}
	if (rs) {
		/* Rate select 1 and 2 repeat 8 and 9 (256 and 128 Hz); 3-15
		 * give 32768 >> (rs - 1) Hz (datasheet Table 5). */
		u64 hz = rs <= 2 ? 32768u >> (rs + 6) : 32768u >> (rs - 1);
		if (muldiv64(now, hz, 1000000) != muldiv64(last, hz, 1000000))
			c |= RTC_C_PF;
	}
	if (((c & RTC_C_PF) && (b & RTC_B_PIE)) || ((c & RTC_C_AF) && (b & RTC_B_AIE)) ||
	    ((c & RTC_C_UF) && (b & RTC_B_UIE)))
		c |= RTC_C_IRQF;
	r->last_c_us = now;
	return c;
}

static u8 reg_read(struct vrtc *r, u32 idx)
{
	switch (idx) {
	case RTC_REG_SEC: case RTC_REG_MIN: case RTC_REG_HOUR: case RTC_REG_WDAY:
	case RTC_REG_MDAY: case RTC_REG_MON: case RTC_REG_YEAR: case RTC_REG_CENTURY:
		return time_reg(r, idx);
	case RTC_REG_A:
		return r->ram[RTC_REG_A] & (u8)~RTC_A_UIP;
	case RTC_REG_C:
		return read_c(r);
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return r->ram[idx & RTC_INDEX_MASK];
	}
}

static void reg_write(struct vrtc *r, u32 idx, u8 val)
{
	switch (idx) {
	case RTC_REG_SEC: case RTC_REG_MIN: case RTC_REG_HOUR: case RTC_REG_MDAY:
	case RTC_REG_MON: case RTC_REG_YEAR: case RTC_REG_CENTURY:
		set_time_reg(r, idx, val);
		break;
	case RTC_REG_WDAY: /* computed from the date */
	case RTC_REG_C: case RTC_REG_D: /* read-only */
		break;
	case RTC_REG_A:
		r->ram[RTC_REG_A] = val & (u8)~RTC_A_UIP;
		break;
	case RTC_REG_B: {
		u8 old = r->ram[RTC_REG_B];
		if (val & RTC_B_SET)
			val &= (u8)~RTC_B_UIE;
		if ((val & RTC_B_SET) && !(old & RTC_B_SET)) {
			guest_time(r, &r->set_tm);
			r->frozen = true;
		} else if (!(val & RTC_B_SET) && (old & RTC_B_SET)) {
			/* The clock starts again from what was set. */
			r->offset = clamp_time(rtc_time_to_unix(&r->set_tm)) - host_now();
			r->frozen = false;
		}
		r->ram[RTC_REG_B] = val;
		break;
	}
	default:
		r->ram[idx & RTC_INDEX_MASK] = val;
		break;
	}
}

int vrtc_io_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val)
{
	struct platform_state *ps = opaque;
	struct vrtc *r = &ps->rtc;
	u32 out = 0;
	(void)v;

	u64 f = spin_lock_irqsave(&r->lock);
	for (u8 i = 0; i < size && i < 4; i++) {
		u32 p = (u32)port + i;
		u8 b = 0xff;
		if (p == PLAT_RTC_PORT)
			b = r->index; /* the index latch reads back, NMI bit included */
		else if (p == PLAT_RTC_PORT + 1)
			b = reg_read(r, r->index & RTC_INDEX_MASK);
		out |= (u32)b << (8 * i);
	}
	spin_unlock_irqrestore(&r->lock, f);
	*val = out;
	return 0;
}

int vrtc_io_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val)
{
	struct platform_state *ps = opaque;
	struct vrtc *r = &ps->rtc;
	(void)v;

	u64 f = spin_lock_irqsave(&r->lock);
	for (u8 i = 0; i < size && i < 4; i++) {
		u32 p = (u32)port + i;
		u8 b = (u8)(val >> (8 * i));
		/* Bit 7 of the index is the PC's NMI mask: kept, and without
		 * effect (NMIs of this platform come only from local APICs). */
		if (p == PLAT_RTC_PORT)
			r->index = b;
		else if (p == PLAT_RTC_PORT + 1)
			reg_write(r, r->index & RTC_INDEX_MASK, b);
	}
	spin_unlock_irqrestore(&r->lock, f);
	return 0;
}
