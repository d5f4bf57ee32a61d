// SPDX-License-Identifier: GPL-2.0-only
/*
 * The legacy 8259A pair (master at 0x20/0x21, slave at 0xa0/0xa1, cascaded
 * on the master's input 2) and the edge/level control registers (ELCR,
 * 0x4d0/0x4d1). A child's ISA lines (the PIT on IRQ 0, the UART, the RTC,
 * the SCI) reach both this pair and the I/O APIC, as on a PC; the
 * master's output goes to the first vCPU's LINT0 when that is programmed
 * ExtINT (virtual wire), or to its INTR pin while its local APIC is
 * globally disabled (vmm/event.c takes the vector through vpic_intack).
 *
 * The command decoding follows the Intel 8259A datasheet: with A0 = 0 a
 * byte with D4 set is ICW1, else D3 selects OCW3 over OCW2; with A0 = 1
 * the bytes after ICW1 are ICW2, ICW3 (unless ICW1 said single mode) and
 * ICW4 (if ICW1 asked for it), and OCW1 (the mask) after that. Requests:
 * an edge-triggered input (ELCR bit clear) latches its rising edge in IRR,
 * a level-triggered one holds IRR while high; the highest-priority
 * unmasked request above everything in service raises the output (fully
 * nested mode, with special mask mode and rotation); the acknowledge
 * moves it to ISR (not with AEOI), and the EOIs of OCW2 end it. A request
 * gone before the acknowledge gives IRQ 7's vector with nothing in
 * service (the datasheet's spurious interrupt). Not modelled: special
 * fully nested mode, buffered mode, 8080 mode (ICW4 bits are kept).
 */
#include "vmm/dev/platform_dev.h"
#include "vmm/partition.h"
#include "vmm/sched.h"

#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1 0x10
#define OCW3 0x08
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40

/* ELCR bits that must stay 0 (edge): IRQ 0, 1, 2 on the master, 8 and 13
 * on the slave (PIIX/ICH "ELCR1/ELCR2" register descriptions). */
#define ELCR1_MASK 0xf8
#define ELCR2_MASK 0xde

#define OCW2_EOI 0x20
#define OCW2_SL 0x40
#define OCW2_R 0x80
#define ICW4_AEOI 0x02

static void chip_reset(struct vpic_chip *c)
{
	*c = (struct vpic_chip){ 0 };
	/* Masked until the guest (or the firmware state) says otherwise. */
	c->imr = 0xff;
	c->lowest = 7;
}

void vpic_reset(struct platform_state *ps)
{
	struct vpic *pic = &ps->pic;
	u64 f = spin_lock_irqsave(&pic->lock);

	chip_reset(&pic->chip[0]);
	chip_reset(&pic->chip[1]);
	pic->elcr[0] = pic->elcr[1] = 0;
	spin_unlock_irqrestore(&pic->lock, f);
}

/* The input to present, or -1: the highest-priority unmasked request
 * above everything in service (special mask mode: in-service inputs that
 * are masked do not hold the others back). */
static int chip_pending(const struct vpic_chip *c)
{
	u8 req = c->irr & ~c->imr;
	u8 svc = c->special_mask ? c->isr & ~c->imr : c->isr;
	int best = -1;

	for (u32 r = 0; r < 8; r++) {
		u32 i = (c->lowest + 1 + r) & 7;
		if (svc & BIT(i))
			return best;
		if (req & BIT(i)) {
			best = (int)i;
			break;
		}
	}
	return best;
}

/* The slave's output is the master's input 2 (a level, as the slave
 * holds INT until acknowledged). */
static void cascade(struct vpic *pic)
{
	struct vpic_chip *m = &pic->chip[0];
	bool high = chip_pending(&pic->chip[1]) >= 0;

	m->irr = high ? m->irr | BIT(2) : m->irr & ~BIT(2);
	m->lines = high ? m->lines | BIT(2) : m->lines & ~BIT(2);
}

static void kick_bsp(struct platform_state *ps)
{
	struct partition *p = ps->part;

	if (p && p->nr_vcpus && p->vcpu[0])
		sched_kick(p->vcpu[0]);
}

void vpic_set_irq(struct platform_state *ps, u32 irq, bool level)
{
	struct vpic *pic = &ps->pic;

	if (irq >= 16 || irq == 2)
		return; /* input 2 is the cascade */
	struct vpic_chip *c = &pic->chip[irq / 8];
	u8 bit = (u8)BIT(irq % 8);
	u64 f = spin_lock_irqsave(&pic->lock);
	bool before = chip_pending(&pic->chip[0]) >= 0;
	bool was = c->lines & bit;

	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
	if (pic->elcr[irq / 8] & bit)
		c->irr = level ? c->irr | bit : c->irr & ~bit;
	else if (level && !was)
		c->irr |= bit;
	cascade(pic);
	bool after = chip_pending(&pic->chip[0]) >= 0;
	spin_unlock_irqrestore(&pic->lock, f);
	if (after && !before)
		kick_bsp(ps);
}

bool vpic_output(struct platform_state *ps)
{
	struct vpic *pic = &ps->pic;
	u64 f = spin_lock_irqsave(&pic->lock);
	bool out = chip_pending(&pic->chip[0]) >= 0;
	spin_unlock_irqrestore(&pic->lock, f);
	return out;
}

/* Acknowledges input i of c: in service (unless AEOI), and an edge
 * request consumed. */
static void ack(struct vpic_chip *c, u8 elcr, u32 i)
{
	if (!(elcr & BIT(i)))
		c->irr &= ~BIT(i);
	if (c->icw4 & ICW4_AEOI) {
		if (c->rotate_aeoi)
			c->lowest = (u8)i;
	} else {
		c->isr |= BIT(i);
	}
}

/* The acknowledge of one chip: its input, or 7 when none (spurious). */
static u32 chip_ack(struct vpic *pic, u32 n)
{
	struct vpic_chip *c = &pic->chip[n];
	int i = chip_pending(c);

	if (i < 0)
		return 7;
	ack(c, n ? pic->elcr[1] : (u8)(pic->elcr[0] & ~BIT(2)), (u32)i);
	return (u32)i;
}

u8 vpic_intack(struct platform_state *ps)
{
	struct vpic *pic = &ps->pic;
	u64 f = spin_lock_irqsave(&pic->lock);
	u32 i = chip_ack(pic, 0);
	u8 vec;

	if (i == 2) {
		u32 j = chip_ack(pic, 1);
		vec = (u8)(pic->chip[1].vector_base + j);
	} else {
		vec = (u8)(pic->chip[0].vector_base + i);
	}
	cascade(pic);
	spin_unlock_irqrestore(&pic->lock, f);
	return vec;
}

/* The highest-priority input in service, or -1. */
static int highest_isr(const struct vpic_chip *c)
{
	for (u32 r = 0; r < 8; r++) {
		u32 i = (c->lowest + 1 + r) & 7;
		if (c->isr & BIT(i))
			return (int)i;
	}
	return -1;
}

static void ocw2(struct vpic_chip *c, u8 val)
{
	u32 level = val & 7;
	int i;

	switch (val & (OCW2_R | OCW2_SL | OCW2_EOI)) {
	case OCW2_EOI:                          /* non-specific EOI */
	case OCW2_R | OCW2_EOI:                 /* ... and rotate */
		if ((i = highest_isr(c)) < 0)
			break;
		c->isr &= ~BIT(i);
		if (val & OCW2_R)
			c->lowest = (u8)i;
		break;
	case OCW2_SL | OCW2_EOI:                /* specific EOI */
	case OCW2_R | OCW2_SL | OCW2_EOI:       /* ... and rotate */
		c->isr &= ~BIT(level);
		if (val & OCW2_R)
			c->lowest = (u8)level;
		break;
	case OCW2_R:                            /* rotate in AEOI mode: set */
		c->rotate_aeoi = true;
		break;
	case 0:                                 /* ... clear */
		c->rotate_aeoi = false;
		break;
	case OCW2_R | OCW2_SL:                  /* set priority */
		c->lowest = (u8)level;
		break;
	default:                                /* no operation */
		break;
	}
}

/* The poll command's answer: bit 7 set with the input, acknowledged. */
static u8 poll_read(struct vpic *pic, u32 n)
{
	struct vpic_chip *c = &pic->chip[n];
	int i = chip_pending(c);

	c->poll = false;
	if (i < 0)
		return 0;
	ack(c, pic->elcr[n], (u32)i);
	return (u8)(0x80 | i);
}

static u8 chip_read(struct vpic *pic, u32 n, bool a0)
{
	struct vpic_chip *c = &pic->chip[n];

	if (c->poll)
		return poll_read(pic, n);
	if (a0)
		return c->imr; /* OCW1 */
	return c->read_isr ? c->isr : c->irr;
}

static void chip_write(struct vpic_chip *c, bool a0, u8 val)
{
	if (!a0) {
		if (val & ICW1) {
			/* ICW1 starts initialization (8259A "Initialization
			 * Command Words"): the mask is cleared, nothing is in
			 * service, the edge sense circuit resets (an input
			 * must rise again to request), IR7 gets the lowest
			 * priority, status reads select IRR, special mask
			 * mode ends. */
			*c = (struct vpic_chip){
				.want_icw4 = val & ICW1_IC4, .single = val & ICW1_SNGL,
				.lowest = 7, .lines = c->lines, .icw_next = 2,
				.vector_base = c->vector_base, .icw3 = c->icw3,
				.icw4 = (val & ICW1_IC4) ? c->icw4 : 0,
			};
		} else if (val & OCW3) {
			if (val & OCW3_RR)
				c->read_isr = val & OCW3_RIS;
			c->poll = val & OCW3_POLL;
			if (val & OCW3_ESMM)
				c->special_mask = val & OCW3_SMM;
		} else {
			ocw2(c, val);
		}
		return;
	}
	switch (c->icw_next) {
	case 2:
		c->vector_base = val & 0xf8;
		c->icw_next = !c->single ? 3 : c->want_icw4 ? 4 : 0;
		break;
	case 3:
		c->icw3 = val;
		c->icw_next = c->want_icw4 ? 4 : 0;
		break;
	case 4:
		c->icw4 = val & 0x1f;
		c->icw_next = 0;
		break;
	default:
		c->imr = val; /* OCW1 */
		break;
	}
}

static u8 byte_read(struct vpic *pic, u16 port)
{
	switch (port) {
	case VPIC_MASTER: case VPIC_MASTER + 1:
		return chip_read(pic, 0, port & 1);
	case VPIC_SLAVE: case VPIC_SLAVE + 1:
		return chip_read(pic, 1, port & 1);
	case VPIC_ELCR: case VPIC_ELCR + 1:
		return pic->elcr[port & 1];
	default:
		return 0xff;
	}
}

static void byte_write(struct vpic *pic, u16 port, u8 val)
{
	switch (port) {
	case VPIC_MASTER: case VPIC_MASTER + 1:
		chip_write(&pic->chip[0], port & 1, val);
		break;
	case VPIC_SLAVE: case VPIC_SLAVE + 1:
		chip_write(&pic->chip[1], port & 1, val);
		break;
	case VPIC_ELCR:
		pic->elcr[0] = val & ELCR1_MASK;
		break;
	case VPIC_ELCR + 1:
		pic->elcr[1] = val & ELCR2_MASK;
		break;
	default:
		break;
	}
	cascade(pic);
}

/* Each of the three ranges is two ports wide. */
static u16 range_base(u16 port)
{
	return port >= VPIC_ELCR ? VPIC_ELCR : port >= VPIC_SLAVE ? VPIC_SLAVE : VPIC_MASTER;
}

int vpic_io_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val)
{
	struct platform_state *ps = opaque;
	u16 base = range_base(port);
	u32 r = 0;
	(void)v;

	u64 f = spin_lock_irqsave(&ps->pic.lock);
	for (u8 i = 0; i < size && i < 4; i++) {
		u8 b = isa_byte_in_range(port, i, base, 2) ? byte_read(&ps->pic, (u16)(port + i))
							    : 0xff;
		r |= (u32)b << (8 * i);
	}
	spin_unlock_irqrestore(&ps->pic.lock, f);
	*val = r;
	return 0;
}

int vpic_io_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val)
{
	struct platform_state *ps = opaque;
	u16 base = range_base(port);
	(void)v;

	u64 f = spin_lock_irqsave(&ps->pic.lock);
	bool before = chip_pending(&ps->pic.chip[0]) >= 0;
	for (u8 i = 0; i < size && i < 4; i++)
		if (isa_byte_in_range(port, i, base, 2))
			byte_write(&ps->pic, (u16)(port + i), (u8)(val >> (8 * i)));
	bool after = chip_pending(&ps->pic.chip[0]) >= 0;
	spin_unlock_irqrestore(&ps->pic.lock, f);
	/* An unmask or an EOI may let a held request out. */
	if (after && !before)
		kick_bsp(ps);
	return 0;
}
