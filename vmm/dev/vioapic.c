// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual I/O APIC at PLAT_IOAPIC_BASE: the register model of the Intel
 * 82093AA datasheet (section 3: IOREGSEL at 0x00, IOWIN at 0x10, the ID,
 * version, arbitration and redirection-table registers behind them),
 * with the version-0x20 additions of the chipset I/O APICs that followed
 * it (ICH datasheets, "APIC Registers"): the EOI register at 0x40 and 24
 * inputs.
 *
 * Inputs are modelled as assertion levels, not pin voltages: a device
 * calls vioapic_set_irq(p, pin, true) when its request is active, and
 * the polarity bit is stored for software but not applied (the ACPI
 * tables describe every pin the platform drives as active high).
 *
 * Delivery is instantaneous, so Delivery Status (bit 12) always reads 0.
 * Remote IRR (bit 14) is set when a level-triggered fixed or
 * lowest-priority interrupt is accepted by at least one local APIC and is
 * cleared by the EOI (local APIC broadcast or this EOI register) for its
 * vector; while it is set the pin does not deliver again (82093AA 3.2.4).
 */
#include "vmm/dev/platform_dev.h"
#include "vmm/host_irq.h"
#include "vmm/partition.h"
#include "vmm/sched.h"
#include "vmm/dev/vlapic.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOEOI 0x40

#define REG_ID 0x00
#define REG_VERSION 0x01
#define REG_ARB 0x02
#define REG_REDIR 0x10
#define REG_REDIR_END (REG_REDIR + 2 * PLAT_IOAPIC_PINS)

/* Version 0x20, highest redirection entry in bits 23:16. */
#define VERSION_VALUE (((u32)(PLAT_IOAPIC_PINS - 1) << 16) | 0x20)

#define RTE_VECTOR(e) ((u8)((e) & 0xff))
#define RTE_DELMODE(e) ((u32)((e) >> 8) & 7)
#define RTE_LOGICAL BIT(11)
#define RTE_DELIVS BIT(12)
#define RTE_POLARITY BIT(13)
#define RTE_REMOTE_IRR BIT(14)
#define RTE_LEVEL BIT(15)
#define RTE_MASKED BIT(16)
#define RTE_DEST(e) ((u32)((e) >> 56))
/* Bits software may write; 17-55 are reserved, 12 and 14 read-only. */
#define RTE_WRITABLE (0xfffULL | RTE_POLARITY | RTE_LEVEL | RTE_MASKED | (0xffULL << 56))

enum { DM_FIXED = 0, DM_LOWEST = 1, DM_SMI = 2, DM_NMI = 4, DM_INIT = 5, DM_EXTINT = 7 };

u32 platform_ioapic_id(const struct partition *p)
{
	return p->platform ? p->platform->cfg.ioapic_id : p->cfg.vcpus;
}

void vioapic_reset(struct platform_state *ps)
{
	struct vioapic *io = &ps->ioapic;
	u64 f = spin_lock_irqsave(&io->lock);

	io->ioregsel = 0;
	io->id = (ps->cfg.ioapic_id & 0xff) << 24;
	io->lines = 0;
	/* Every entry masked after reset (82093AA 3.2.4, bit 16). */
	for (u32 i = 0; i < PLAT_IOAPIC_PINS; i++)
		io->redir[i] = RTE_MASKED;
	spin_unlock_irqrestore(&io->lock, f);
}

bool platform_deliver(struct partition *p, u32 dest, bool logical, u32 mode, u8 vec, bool level)
{
	struct vcpu *lowest = NULL;
	bool taken = false;

	/* SMI, ExtINT (the 8259 behind it never presents a vector here) and
	 * the reserved modes reach nobody. Vectors 0-15 are illegal for
	 * fixed and lowest-priority messages (SDM 11.5.3): the local APIC
	 * refuses them. */
	if (mode != DM_FIXED && mode != DM_LOWEST && mode != DM_NMI && mode != DM_INIT)
		return false;
	if ((mode == DM_FIXED || mode == DM_LOWEST) && vec < 16)
		return false;
	for (u32 i = 0; i < p->nr_vcpus && i < MAX_VCPUS; i++) {
		struct vcpu *v = p->vcpu[i];
		if (!v || !v->lapic || !vlapic_match_dest(v->lapic, dest, logical))
			continue;
		switch (mode) {
		case DM_FIXED:
			if (vlapic_set_irq(v->lapic, vec, level))
				sched_kick(v);
			taken = true;
			break;
		case DM_LOWEST:
			/* Lowest priority: one target, the one with the lowest
			 * task priority (first on a tie). */
			if (!lowest || vlapic_get_tpr(v->lapic) < vlapic_get_tpr(lowest->lapic))
				lowest = v;
			break;
		case DM_NMI:
			__atomic_store_n(&v->nmi_pending, true, __ATOMIC_SEQ_CST);
			sched_kick(v);
			taken = true;
			break;
		default: /* INIT */
			__atomic_store_n(&v->init_pending, true, __ATOMIC_SEQ_CST);
			sched_kick(v);
			taken = true;
			break;
		}
	}
	if (lowest) {
		if (vlapic_set_irq(lowest->lapic, vec, level))
			sched_kick(lowest);
		taken = true;
	}
	return taken;
}

/* Sends the message an entry describes; true when some local APIC took
 * it (what sets Remote IRR for level-triggered entries). */
static bool deliver(struct partition *p, u64 e)
{
	return platform_deliver(p, RTE_DEST(e), e & RTE_LOGICAL, RTE_DELMODE(e), RTE_VECTOR(e),
				e & RTE_LEVEL);
}

/* A level-triggered pin delivers while asserted, unmasked and not
 * waiting for an EOI. */
static void service_level(struct partition *p, struct vioapic *io, u32 pin)
{
	u64 e = io->redir[pin];

	if (!(e & RTE_LEVEL) || !(io->lines & (1u << pin)) || (e & (RTE_MASKED | RTE_REMOTE_IRR)))
		return;
	u32 mode = RTE_DELMODE(e);
	if (deliver(p, e) && (mode == DM_FIXED || mode == DM_LOWEST))
		io->redir[pin] |= RTE_REMOTE_IRR;
}

void vioapic_set_irq(struct partition *p, u32 gsi, bool level)
{
	struct platform_state *ps = p ? p->platform : NULL;

	if (!ps || gsi >= PLAT_IOAPIC_PINS)
		return;
	struct vioapic *io = &ps->ioapic;
	u32 bit = 1u << gsi;
	u64 f = spin_lock_irqsave(&io->lock);
	bool was = io->lines & bit;

	if (level)
		io->lines |= bit;
	else
		io->lines &= ~bit;
	u64 e = io->redir[gsi];
	if (e & RTE_LEVEL)
		service_level(p, io, gsi);
	else if (level && !was && !(e & RTE_MASKED))
		deliver(p, e); /* edge: the rising edge only; masked edges are lost */
	spin_unlock_irqrestore(&io->lock, f);
}

static void eoi_locked(struct partition *p, struct vioapic *io, u8 vector)
{
	for (u32 pin = 0; pin < PLAT_IOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];
		if (RTE_VECTOR(e) != vector || !(e & RTE_REMOTE_IRR))
			continue;
		io->redir[pin] = e & ~RTE_REMOTE_IRR;
		if (host_irq_forwarded(p, pin)) {
			/* The physical pin, masked since it fired, tells
			 * whether the device still asserts it. */
			io->lines &= ~(1u << pin);
			host_irq_eoi(pin);
			continue;
		}
		/* Still asserted: the request goes out again. */
		service_level(p, io, pin);
	}
}

void vioapic_eoi(struct vcpu *v, u8 vector)
{
	struct partition *p = v ? v->part : NULL;
	struct platform_state *ps = p ? p->platform : NULL;

	if (!ps)
		return;
	u64 f = spin_lock_irqsave(&ps->ioapic.lock);
	eoi_locked(p, &ps->ioapic, vector);
	spin_unlock_irqrestore(&ps->ioapic.lock, f);
}

/* ---- registers ---- */

static u32 reg_read(const struct vioapic *io, u32 sel)
{
	switch (sel) {
	case REG_ID:
		return io->id;
	case REG_VERSION:
		return VERSION_VALUE;
	case REG_ARB:
		/* Arbitration ID: the low four ID bits (82093AA 3.2.3). */
		return io->id & 0x0f000000u;
	}
	if (sel >= REG_REDIR && sel < REG_REDIR_END) {
		u64 e = io->redir[(sel - REG_REDIR) / 2];
		return (sel & 1) ? (u32)(e >> 32) : (u32)e;
	}
	return 0; /* unimplemented indices read as zero */
}

static void reg_write(struct partition *p, struct vioapic *io, u32 sel, u32 val)
{
	if (sel == REG_ID) {
		/* Only bits 27:24 are the ID; 31:28 keep what they had
		 * (82093AA 3.2.1). */
		io->id = (io->id & 0xf0000000u) | (val & 0x0f000000u);
		return;
	}
	if (sel < REG_REDIR || sel >= REG_REDIR_END)
		return; /* version, arbitration and unimplemented: read-only */
	u32 pin = (sel - REG_REDIR) / 2;
	u64 old = io->redir[pin], e;
	if (sel & 1)
		e = (old & 0xffffffffULL) | ((u64)val << 32);
	else
		e = (old & ~0xffffffffULL) | val;
	e = (e & RTE_WRITABLE) | (old & RTE_REMOTE_IRR);
	/* An edge-triggered entry has no Remote IRR; switching to edge and
	 * back is how software without the EOI register clears a stuck one. */
	if (!(e & RTE_LEVEL))
		e &= ~RTE_REMOTE_IRR;
	io->redir[pin] = e;
	if (host_irq_forwarded(p, pin)) {
		/* The physical pin decides from now on; a request still
		 * asserted there fires again once it is unmasked. */
		io->lines &= ~(1u << pin);
		host_irq_route(p, pin, e);
		return;
	}
	service_level(p, io, pin); /* unmasked while asserted */
}

/* Byte i of the 32-bit value of the register covering `off`, with
 * `win` the current IOWIN value. */
static bool byte_at(const struct vioapic *io, u64 off, u32 win, u8 *b)
{
	if (off < IOREGSEL + 4)
		*b = (u8)(io->ioregsel >> (8 * (off & 3)));
	else if (off >= IOWIN && off < IOWIN + 4)
		*b = (u8)(win >> (8 * (off & 3)));
	else
		return false;
	return true;
}

int vioapic_mmio_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val)
{
	struct platform_state *ps = opaque;
	struct vioapic *io = &ps->ioapic;
	u64 r = 0;
	(void)v;

	if (size > 8)
		size = 8;
	u64 f = spin_lock_irqsave(&io->lock);
	u32 win = reg_read(io, io->ioregsel);
	for (u8 i = 0; i < size; i++) {
		u8 b;
		if (byte_at(io, off + i, win, &b))
			r |= (u64)b << (8 * i);
	}
	spin_unlock_irqrestore(&io->lock, f);
	*val = r;
	return 0;
}

int vioapic_mmio_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val)
{
	struct platform_state *ps = opaque;
	struct vioapic *io = &ps->ioapic;
	(void)v;

	if (size > 8)
		size = 8;
	u64 f = spin_lock_irqsave(&io->lock);
	u32 sel = io->ioregsel, win = reg_read(io, sel);
	bool win_written = false;
	for (u8 i = 0; i < size; i++) {
		u64 o = off + i;
		u8 b = (u8)(val >> (8 * i));
		if (o == IOREGSEL) {
			io->ioregsel = b; /* bits 31:8 are reserved */
		} else if (o >= IOWIN && o < IOWIN + 4) {
			u32 sh = 8 * (u32)(o & 3);
			win = (win & ~(0xffu << sh)) | ((u32)b << sh);
			win_written = true;
		} else if (o == IOEOI) {
			eoi_locked(ps->part, io, b);
		}
	}
	/* IOWIN bytes go to the register IOREGSEL chose before this write. */
	if (win_written)
		reg_write(ps->part, io, sel, win);
	spin_unlock_irqrestore(&io->lock, f);
	return 0;
}
