// SPDX-License-Identifier: GPL-2.0-only
#include "drivers/ioapic.h"
#include "vmm/log.h"
#include "vmm/paging.h"
#include "vmm/x86.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define REDIR_MASKED BIT(16)

struct ioapic ioapics[ACPI_MAX_IOAPICS];
u32 nr_ioapics;

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
