// SPDX-License-Identifier: GPL-2.0-only
#include "drivers/ioapic.h"
#include "vmm/base/log.h"
#include "vmm/base/paging.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/x86.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define REDIR_MASKED BIT(16)
#define REDIR_LEVEL BIT(15)
#define IOAPIC_EOI 0x40 /* MMIO: version 0x20 and later */

struct ioapic ioapics[ACPI_MAX_IOAPICS];
u32 nr_ioapics;
/* IOREGSEL/IOWIN is a pair: one CPU at a time, interrupts off. */
static spinlock_t rte_lock = SPINLOCK_INIT;

static struct ioapic *find_gsi(u32 gsi, u32 *pin)
{
	for (u32 i = 0; i < nr_ioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

int ioapic_set_rte(u32 gsi, u64 rte)
{
	u32 pin;
	struct ioapic *io = find_gsi(gsi, &pin);

	if (!io)
		return -1;
	u64 f = spin_lock_irqsave(&rte_lock);
	/* Masked first, so the pin never fires half-programmed. */
	ioapic_write(io, IOAPIC_REDTBL(pin), REDIR_MASKED);
	ioapic_write(io, IOAPIC_REDTBL(pin) + 1, (u32)(rte >> 32));
	ioapic_write(io, IOAPIC_REDTBL(pin), (u32)rte);
	spin_unlock_irqrestore(&rte_lock, f);
	return 0;
}

int ioapic_mask_gsi(u32 gsi, bool masked)
{
	u32 pin;
	struct ioapic *io = find_gsi(gsi, &pin);

	if (!io)
		return -1;
	u64 f = spin_lock_irqsave(&rte_lock);
	u32 lo = ioapic_read(io, IOAPIC_REDTBL(pin));
	ioapic_write(io, IOAPIC_REDTBL(pin), masked ? lo | REDIR_MASKED : lo & ~REDIR_MASKED);
	spin_unlock_irqrestore(&rte_lock, f);
	return 0;
}

int ioapic_eoi_gsi(u32 gsi)
{
	u32 pin;
	struct ioapic *io = find_gsi(gsi, &pin);

	if (!io)
		return -1;
	u64 f = spin_lock_irqsave(&rte_lock);
	u32 lo = ioapic_read(io, IOAPIC_REDTBL(pin));
	if (io->version >= 0x20) {
		io->regs[IOAPIC_EOI / 4] = lo & 0xff; /* every entry with this vector field */
	} else if (lo & REDIR_LEVEL) {
		/* No EOI register: an entry made edge-triggered forgets its
		 * Remote IRR (as Linux does for these parts). */
		ioapic_write(io, IOAPIC_REDTBL(pin), (lo | REDIR_MASKED) & ~REDIR_LEVEL);
		ioapic_write(io, IOAPIC_REDTBL(pin), lo | REDIR_MASKED);
		ioapic_write(io, IOAPIC_REDTBL(pin), lo);
	}
	spin_unlock_irqrestore(&rte_lock, f);
	return 0;
}

u32 ioapic_read(struct ioapic *io, u32 reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

void ioapic_write(struct ioapic *io, u32 reg, u32 val)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = val;
}

void ioapic_init(const struct acpi_info *a)
{
	nr_ioapics = 0;
	for (u32 i = 0; i < a->nioapics; i++) {
		struct ioapic *io = &ioapics[nr_ioapics];
		io->regs = ioremap(a->ioapics[i].addr, PAGE_SIZE);
		if (!io->regs) {
			pr_warn("ioapic: cannot map %#x", a->ioapics[i].addr);
			continue;
		}
		io->id = a->ioapics[i].id;
		io->gsi_base = a->ioapics[i].gsi_base;
		u32 ver = ioapic_read(io, IOAPIC_VER);
		io->pins = ((ver >> 16) & 0xff) + 1;
		io->version = (u8)ver;
		for (u32 pin = 0; pin < io->pins; pin++) {
			ioapic_write(io, IOAPIC_REDTBL(pin) + 1, 0);
			ioapic_write(io, IOAPIC_REDTBL(pin), REDIR_MASKED);
		}
		nr_ioapics++;
		pr_debug("ioapic %u at %#x: GSIs %u-%u", io->id, a->ioapics[i].addr,
			 io->gsi_base, io->gsi_base + io->pins - 1);
	}
}

void pic_disable(void)
{
	/* ICW1-4 (8259A datasheet): edge, cascade, vectors 0x20/0x28. */
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	io_delay();
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	io_delay();
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	io_delay();
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	io_delay();
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}
