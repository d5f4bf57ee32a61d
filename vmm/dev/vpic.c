// SPDX-License-Identifier: GPL-2.0-only
/*
 * The legacy 8259A pair (master at 0x20/0x21, slave at 0xa0/0xa1) and the
 * edge/level control registers (ELCR, 0x4d0/0x4d1), held in a sane,
 * silent state: a guest can run its usual initialization and masking,
 * and read its masks back, but the PICs never request an interrupt -
 * every interrupt of this platform goes through the I/O APIC. So IRR,
 * ISR and the poll byte always read 0, and EOIs have nothing to end.
 *
 * The command decoding follows the Intel 8259A datasheet: with A0 = 0 a
 * byte with D4 set is ICW1, else D3 selects OCW3 over OCW2; with A0 = 1
 * the bytes after ICW1 are ICW2, ICW3 (unless ICW1 said single mode) and
 * ICW4 (if ICW1 asked for it), and OCW1 (the mask) after that. The masks
 * read back as written, 0xff after reset and after ICW1.
 */
#include "vmm/dev/platform_dev.h"
#include "vmm/partition.h"

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

static void chip_reset(struct vpic_chip *c)
{
	*c = (struct vpic_chip){ 0 };
	/* Masked until the guest says otherwise: nothing can be pending. */
	c->imr = 0xff;
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

static u8 chip_read(struct vpic_chip *c, bool a0)
{
	if (a0)
		return c->imr; /* OCW1 */
	/* IRR, ISR, or the poll byte (bit 7 clear: no request) - all empty. */
	c->poll = false;
	return 0;
}

static void chip_write(struct vpic_chip *c, bool a0, u8 val)
{
	if (!a0) {
		if (val & ICW1) {
			/* ICW1 starts initialization: status reads select IRR,
			 * special mask mode ends (8259A "Initialization Command
			 * Words"). The datasheet also clears the mask; this
			 * model sets it instead, so that the chips stay fully
			 * masked until the guest writes OCW1 - nothing could be
			 * delivered either way. */
			c->imr = 0xff;
			c->want_icw4 = val & ICW1_IC4;
			c->single = val & ICW1_SNGL;
			c->read_isr = false;
			c->special_mask = false;
			c->poll = false;
			if (!c->want_icw4)
				c->icw4 = 0;
			c->icw_next = 2;
		} else if (val & OCW3) {
			if (val & OCW3_RR)
				c->read_isr = val & OCW3_RIS;
			c->poll = val & OCW3_POLL;
			if (val & OCW3_ESMM)
				c->special_mask = val & OCW3_SMM;
		}
		/* OCW2 (EOI, rotation, priority): nothing is ever in service. */
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
		return chip_read(&pic->chip[0], port & 1);
	case VPIC_SLAVE: case VPIC_SLAVE + 1:
		return chip_read(&pic->chip[1], port & 1);
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
	for (u8 i = 0; i < size && i < 4; i++)
		if (isa_byte_in_range(port, i, base, 2))
			byte_write(&ps->pic, (u16)(port + i), (u8)(val >> (8 * i)));
	spin_unlock_irqrestore(&ps->pic.lock, f);
	return 0;
}
