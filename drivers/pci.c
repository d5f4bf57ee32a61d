// SPDX-License-Identifier: GPL-2.0-only
/* PCI configuration space of the machine (pci.h). */
#include "drivers/pci.h"
#include "vmm/base/log.h"
#include "vmm/base/paging.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/x86.h"

struct pci_ecam pci_ecam;
static spinlock_t conf1_lock = SPINLOCK_INIT;

void pci_init(const struct acpi_info *a)
{
	if (!a->mcfg_addr || a->mcfg_bus_end < a->mcfg_bus_start)
		return;
	u64 first = a->mcfg_addr + ((u64)a->mcfg_bus_start << 20);
	u64 size = (u64)(a->mcfg_bus_end - a->mcfg_bus_start + 1) << 20;
	pci_ecam.map = ioremap(first, size);
	if (!pci_ecam.map) {
		pr_warn("pci: cannot map the ECAM window at %#lx", (unsigned long)first);
		return;
	}
	pci_ecam.base = a->mcfg_addr;
	pci_ecam.first = a->mcfg_bus_start;
	pci_ecam.last = a->mcfg_bus_end;
}

static volatile u8 *ecam_at(u32 bdf, u32 reg)
{
	u32 bus = PCI_BUS(bdf);

	if (!pci_ecam.map || bus < pci_ecam.first || bus > pci_ecam.last)
		return NULL;
	return pci_ecam.map + ((u64)(bus - pci_ecam.first) << 20) + ((u64)(bdf & 0xff) << 12) + reg;
}

static bool cfg_ok(u32 reg, u8 size)
{
	return (size == 1 || size == 2 || size == 4) && !(reg & (size - 1u)) && reg < 4096;
}

void pci_conf1_access(u32 addr, u32 lane, u8 size, bool in, u32 *val)
{
	u16 port = (u16)(PCI_CONF1_DATA + lane);
	u64 f = spin_lock_irqsave(&conf1_lock);

	outl(PCI_CONF1_ADDR, addr);
	hw_port_io(port, size, in, val);
	spin_unlock_irqrestore(&conf1_lock, f);
}

static u32 conf1_addr(u32 bdf, u32 reg)
{
	return PCI_CONF1_ENABLE | (bdf & 0xffff) << 8 | (reg & 0xfc);
}

u32 pci_cfg_read(u32 bdf, u32 reg, u8 size)
{
	volatile u8 *at = ecam_at(bdf, reg);
	u32 v = 0xffffffffu;

	if (!cfg_ok(reg, size))
		return v;
	if (at)
		return size == 1 ? *at : size == 2 ? *(volatile u16 *)at : *(volatile u32 *)at;
	if (reg < 256 && bdf <= 0xffff)
		pci_conf1_access(conf1_addr(bdf, reg), reg & 3, size, true, &v);
	return v;
}

void pci_cfg_write(u32 bdf, u32 reg, u8 size, u32 val)
{
	volatile u8 *at = ecam_at(bdf, reg);

	if (!cfg_ok(reg, size))
		return;
	if (at) {
		if (size == 1)
			*at = (u8)val;
		else if (size == 2)
			*(volatile u16 *)at = (u16)val;
		else
			*(volatile u32 *)at = val;
	} else if (reg < 256 && bdf <= 0xffff) {
		pci_conf1_access(conf1_addr(bdf, reg), reg & 3, size, false, &val);
	}
}
