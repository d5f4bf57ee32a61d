/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's PCI configuration space: through the ECAM window of
 * segment 0 where the MCFG describes one (PCI Firmware 3.2 4.1.2), and
 * through configuration mechanism #1 (ports 0xcf8/0xcfc, PCI Local Bus
 * 3.0 3.2.2.3.2) otherwise. One lock orders every port sequence.
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include "vmm/base/types.h"
#include "drivers/acpi.h"

#define PCI_BDF(bus, dev, fn) ((u32)(((bus) << 8) | ((dev) << 3) | (fn)))
#define PCI_BUS(bdf) ((u32)(bdf) >> 8)
#define PCI_DEV(bdf) (((u32)(bdf) >> 3) & 0x1f)
#define PCI_FN(bdf) ((u32)(bdf) & 7)

#define PCI_CONF1_ADDR 0xcf8
#define PCI_CONF1_DATA 0xcfc
#define PCI_CONF1_ENABLE BIT(31)

/* The ECAM window (NULL without one), for the buses it covers. */
struct pci_ecam {
	u64 base;               /* of bus 0, as the MCFG gives it */
	volatile u8 *map;       /* of bus `first` */
	u8 first, last;
};
extern struct pci_ecam pci_ecam;

void pci_init(const struct acpi_info *a);

/* A configuration register of `size` (1, 2 or 4, naturally aligned)
 * bytes at `reg` (below 4096; below 256 without ECAM). A function that
 * cannot be reached reads all ones. */
u32 pci_cfg_read(u32 bdf, u32 reg, u8 size);
void pci_cfg_write(u32 bdf, u32 reg, u8 size, u32 val);

/* Mechanism #1 as a partition reaches it: CONFIG_ADDRESS `addr`, then
 * `size` bytes at port 0xcfc + `lane`, in one locked sequence. */
void pci_conf1_access(u32 addr, u32 lane, u8 size, bool in, u32 *val);

#endif
