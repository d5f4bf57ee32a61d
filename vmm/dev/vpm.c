// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI fixed hardware the FADT describes, the reset register and a
 * token i8042:
 *
 *  - PM1a event block at PLAT_PM1A_EVT: PM1_STS (16-bit, write 1 to
 *    clear) and PM1_EN (16-bit) (ACPI 6.5 4.8.3.1). TMR_STS is set
 *    whenever the timer's bit 31 has changed since it was last cleared;
 *    WAK_STS after a sleep request this platform cannot honour;
 *    PWRBTN_STS when the parent presses the fixed-feature power button
 *    (HVC_PARTITION_SHUTDOWN; the FADT says the button is there). The SCI
 *    (PLAT_SCI_IRQ, level) is raised while PWRBTN_STS and PWRBTN_EN are
 *    both set; nothing else raises it (no GPE block, and timer overflow
 *    events are not signalled even with TMR_EN set).
 *  - PM1a control at PLAT_PM1A_CNT (4.8.3.2.1): SCI_EN always reads 1 -
 *    the platform is in ACPI mode from the start, with no SMI_CMD to
 *    switch (the FADT says so) - BM_RLD and SLP_TYP read back. SLP_EN
 *    with SLP_TYP = PLAT_SLP_TYP_S5 powers the partition off; other
 *    sleep types wake at once (WAK_STS), as the DSDT offers only \_S5.
 *  - PM timer at PLAT_PM_TMR (4.8.3.3): 32 bits at 3.579545 MHz from the
 *    host TSC, counting from the partition's creation; never backwards,
 *    whichever CPU reads it.
 *  - Reset register PLAT_RESET_PORT (0xcf9, byte-wide, as the FADT's
 *    RESET_REG says): PLAT_RESET_VALUE, or any value with RST_CPU (bit 2)
 *    set as on PIIX/ICH chipsets, resets the partition. Bits 1 and 3
 *    (SYS_RST, FULL_RST) read back. Word and dword accesses at 0xcf9
 *    belong to PCI configuration mechanism #1 and do nothing here.
 *  - i8042 at PLAT_I8042_DATA/PLAT_I8042_CMD: status 0x1c or 0x14 (self
 *    test passed, keyboard not inhibited, A2 per the last write; output
 *    buffer empty, input buffer empty), the data port reads 0, and a
 *    pulse-output-port command with bit 0 clear (0xf0-0xfe, Linux uses
 *    0xfe) resets the partition, as the 8042's pulse of the CPU reset
 *    line does. Left out: every other command (no keyboard or mouse, no
 *    self-test answer, no command byte, no A20 gate: writes vanish and
 *    nothing is ever read back), so a guest probing for a keyboard finds
 *    none.
 */
#include "vmm/dev/platform_dev.h"
#include "vmm/base/math.h"
#include "vmm/partition.h"
#include "drivers/timer.h"

#define PM_TIMER_HZ 3579545ULL

#define PM1_STS_TMR BIT(0)
#define PM1_STS_PWRBTN BIT(8)
#define PM1_EN_PWRBTN BIT(8)
#define PM1_STS_WAK BIT(15)
/* PM1_EN: TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN, PCIEXP_WAKE_DIS. */
#define PM1_EN_MASK 0x4721
#define PM1_CNT_SCI_EN BIT(0)
#define PM1_CNT_BM_RLD BIT(1)
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_TYP (7u << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN BIT(13)
#define PM1_CNT_HELD (PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP)

#define RST_CNT_SYS_RST 0x02
#define RST_CNT_RST_CPU 0x04
#define RST_CNT_FULL_RST 0x08

#define KBD_STATUS 0x14     /* SYS (self test passed), keyboard not inhibited */
#define KBD_STATUS_A2 0x08  /* the last write went to the command port */

enum pm_action { PM_NONE, PM_POWEROFF, PM_RESET };

void vpm_init(struct platform_state *ps)
{
	struct vpm *pm = &ps->pm;
	u64 f = spin_lock_irqsave(&pm->lock);

	pm->tmr_base_tsc = rdtsc();
	pm->tmr_last = 0;
	pm->tmr_sts_base = 0;
	spin_unlock_irqrestore(&pm->lock, f);
	vpm_reset(ps);
}

void vpm_reset(struct platform_state *ps)
{
	struct vpm *pm = &ps->pm;
	u64 f = spin_lock_irqsave(&pm->lock);

	/* The timer runs on through a reset; the registers start over. */
	pm->sts_wak = 0;
	pm->en = 0;
	pm->cnt = 0;
	pm->tmr_sts_base = pm->tmr_last;
	pm->reset_reg = 0;
	pm->kbd_cmd_last = false;
	spin_unlock_irqrestore(&pm->lock, f);
}

/* Timer ticks since the partition was created, never less than what
 * any CPU was handed before (TSCs of different CPUs may disagree by a
 * little). Called under the lock. */
static u64 timer_ticks(struct vpm *pm)
{
	u64 d = rdtsc() - pm->tmr_base_tsc;
	u64 t = tsc_khz ? muldiv64(d, PM_TIMER_HZ, tsc_khz * 1000) : 0;

	if ((s64)d < 0)
		t = 0;
	if (t < pm->tmr_last)
		t = pm->tmr_last;
	pm->tmr_last = t;
	return t;
}

static u16 pm1_sts(struct vpm *pm)
{
	u16 s = pm->sts_wak;

	if ((timer_ticks(pm) >> 31) != (pm->tmr_sts_base >> 31))
		s |= PM1_STS_TMR;
	return s;
}

/* The SCI's level, with pm->lock held. */
static bool sci_level(const struct vpm *pm)
{
	return (pm->sts_wak & PM1_STS_PWRBTN) && (pm->en & PM1_EN_PWRBTN);
}

void vpm_power_button(struct platform_state *ps)
{
	struct vpm *pm = &ps->pm;

	u64 f = spin_lock_irqsave(&pm->lock);
	pm->sts_wak |= PM1_STS_PWRBTN;
	bool level = sci_level(pm);
	spin_unlock_irqrestore(&pm->lock, f);
	platform_isa_irq(ps, PLAT_SCI_IRQ, level);
}

static u16 pm1_cnt(const struct vpm *pm)
{
	return pm->cnt | PM1_CNT_SCI_EN;
}

/* A write of `size` bytes at offset `off` of a block, seen by the
 * register of `width` bytes at `reg_off` that held `old`: the bytes the
 * access covers replaced, *hit set when there are any. */
static u32 merge_bytes(u32 old, u32 reg_off, u32 width, u16 off, u8 size, u32 val, bool *hit)
{
	for (u8 i = 0; i < size && i < 4; i++) {
		u32 o = (u32)off + i;
		if (o < reg_off || o >= reg_off + width)
			continue;
		u32 sh = 8 * (o - reg_off);
		old = (old & ~(0xffu << sh)) | (((val >> (8 * i)) & 0xff) << sh);
		*hit = true;
	}
	return old;
}

/* The bytes of a register of `width` bytes at `reg_off` that an access
 * of `size` at `off` reads, placed in the access's lanes. */
static u32 pick_bytes(u32 reg, u32 reg_off, u32 width, u16 off, u8 size)
{
	u32 r = 0;

	for (u8 i = 0; i < size && i < 4; i++) {
		u32 o = (u32)off + i;
		if (o >= reg_off && o < reg_off + width)
			r |= ((reg >> (8 * (o - reg_off))) & 0xff) << (8 * i);
	}
	return r;
}

/* Lanes of an access that fall on no register of ours float high. */
static u32 floating_lanes(u16 port, u8 size, u16 first, u16 count)
{
	u32 r = 0;

	for (u8 i = 0; i < size && i < 4; i++)
		if (!isa_byte_in_range(port, i, first, count))
			r |= 0xffu << (8 * i);
	return r;
}

int vpm_io_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val)
{
	struct platform_state *ps = opaque;
	struct vpm *pm = &ps->pm;
	u32 r = 0;
	(void)v;

	u64 f = spin_lock_irqsave(&pm->lock);
	if (port >= PLAT_PM1A_EVT && port < PLAT_PM1A_EVT + 4) {
		u16 off = (u16)(port - PLAT_PM1A_EVT);
		r = pick_bytes(pm1_sts(pm), 0, 2, off, size) | pick_bytes(pm->en, 2, 2, off, size);
		r |= floating_lanes(port, size, PLAT_PM1A_EVT, 4);
	} else if (port >= PLAT_PM1A_CNT && port < PLAT_PM1A_CNT + 2) {
		r = pick_bytes(pm1_cnt(pm), 0, 2, (u16)(port - PLAT_PM1A_CNT), size);
		r |= floating_lanes(port, size, PLAT_PM1A_CNT, 2);
	} else if (port >= PLAT_PM_TMR && port < PLAT_PM_TMR + 4) {
		/* One reading of the counter for the whole access. */
		r = pick_bytes((u32)timer_ticks(pm), 0, 4, (u16)(port - PLAT_PM_TMR), size);
		r |= floating_lanes(port, size, PLAT_PM_TMR, 4);
	} else if (port == PLAT_RESET_PORT) {
		r = size == 1 ? pm->reset_reg : 0xffffffffu;
	} else if (port == PLAT_I8042_CMD) {
		r = KBD_STATUS | (pm->kbd_cmd_last ? KBD_STATUS_A2 : 0);
		r |= floating_lanes(port, size, PLAT_I8042_CMD, 1);
	} else if (port == PLAT_I8042_DATA) {
		r = floating_lanes(port, size, PLAT_I8042_DATA, 1); /* no data: 0 */
	} else {
		r = 0xffffffffu;
	}
	spin_unlock_irqrestore(&pm->lock, f);
	*val = r;
	return 0;
}

int vpm_io_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val)
{
	struct platform_state *ps = opaque;
	struct vpm *pm = &ps->pm;
	enum pm_action act = PM_NONE;
	bool hit = false;
	(void)v;

	u64 f = spin_lock_irqsave(&pm->lock);
	if (port >= PLAT_PM1A_EVT && port < PLAT_PM1A_EVT + 4) {
		u16 off = (u16)(port - PLAT_PM1A_EVT);
		u32 clear = merge_bytes(0, 0, 2, off, size, val, &hit);
		/* Status bits clear where a 1 is written (4.8.3.1.1). */
		if (clear & PM1_STS_TMR)
			pm->tmr_sts_base = timer_ticks(pm);
		pm->sts_wak &= (u16)~clear;
		hit = false;
		u32 en = merge_bytes(pm->en, 2, 2, off, size, val, &hit);
		if (hit)
			pm->en = (u16)(en & PM1_EN_MASK);
	} else if (port >= PLAT_PM1A_CNT && port < PLAT_PM1A_CNT + 2) {
		u32 cnt = merge_bytes(pm1_cnt(pm), 0, 2, (u16)(port - PLAT_PM1A_CNT), size, val, &hit);
		pm->cnt = (u16)(cnt & PM1_CNT_HELD);
		if (cnt & PM1_CNT_SLP_EN) {
			u32 typ = (cnt & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT;
			if (typ == PLAT_SLP_TYP_S5)
				act = PM_POWEROFF;
			else
				pm->sts_wak |= PM1_STS_WAK; /* no such sleep state: awake again */
		}
	} else if (port == PLAT_RESET_PORT) {
		if (size == 1) {
			u8 b = (u8)val;
			pm->reset_reg = b & (RST_CNT_SYS_RST | RST_CNT_FULL_RST);
			if (b == PLAT_RESET_VALUE || (b & RST_CNT_RST_CPU))
				act = PM_RESET;
		}
	} else if (port == PLAT_I8042_CMD) {
		u8 cmd = (u8)val;
		pm->kbd_cmd_last = true;
		/* 0xf0-0xff pulse output-port bits 0-3 low where the command's
		 * bit is 0; bit 0 is the CPU reset line. */
		if ((cmd & 0xf0) == 0xf0 && !(cmd & 1))
			act = PM_RESET;
	} else if (port == PLAT_I8042_DATA) {
		pm->kbd_cmd_last = false;
	}
	bool level = sci_level(pm);
	spin_unlock_irqrestore(&pm->lock, f);
	platform_isa_irq(ps, PLAT_SCI_IRQ, level);

	/* Power-off and reset stop or restart the partition, which resets
	 * these very devices: never from inside a device lock. */
	if (act == PM_POWEROFF)
		platform_poweroff(ps->part);
	else if (act == PM_RESET)
		platform_reset(ps->part);
	return 0;
}
