/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A child's PCI bus 0 (hv_abi.h, HV_PCI_*): configuration mechanism #1 at
 * ports 0xcf8-0xcff (PCI Local Bus 3.0 3.2.2.3.2; the byte at 0xcf9 stays
 * the reset control register, as on PIIX/ICH), ECAM at HV_PCI_ECAM_BASE
 * (PCI Express Base 4.0 7.2.2), and the windows the functions' BARs decode
 * in. The bus keeps each function's 256-byte configuration space with a
 * per-byte write mask (what software may change), applies BAR size masks,
 * and decodes a BAR only while the command register enables its kind and
 * it lies wholly inside its window; the function (virtio_pci.c) does the
 * rest. Functions have no PCI Express capability, so ECAM offsets past
 * 0xff read as zero and ignore writes (PCIe 4.0 7.2.2.2 for a function
 * without extended capabilities).
 */
#ifndef VMM_DEV_PCI_H
#define VMM_DEV_PCI_H

#include "vmm/base/types.h"
#include "vmm/base/spinlock.h"

struct partition;
struct vcpu;
struct platform_state;

#define PCI_SLOTS 32
#define PCI_BARS 6

/* Configuration space offsets (PCI 3.0 6.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_BAR0 0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_CAP_PTR 0x34
#define PCI_INT_LINE 0x3c
#define PCI_CMD_IO BIT(0)
#define PCI_CMD_MEM BIT(1)
#define PCI_CMD_MASTER BIT(2)
#define PCI_CMD_INTX_DISABLE BIT(10)
#define PCI_STATUS_CAP_LIST BIT(4)

struct pci_func;

struct pci_func_ops {
	/* After software wrote [off, off+size) of configuration space (the
	 * masked bytes are already in cfg). */
	void (*cfg_written)(struct pci_func *f, u32 off, u8 size);
	/* A read of [off, off+size) the function computes (NULL: cfg). */
	bool (*cfg_read)(struct pci_func *f, u32 off, u8 size, u32 *val);
	/* BAR accesses, off inside the BAR. Return 0 or a negative error
	 * that stops the partition. */
	int (*bar_read)(struct vcpu *v, struct pci_func *f, u32 bar, u64 off, u8 size, u64 *val);
	int (*bar_write)(struct vcpu *v, struct pci_func *f, u32 bar, u64 off, u8 size, u64 val);
};

struct pci_func {
	u8 cfg[256];
	u8 wmask[256];
	u32 bar_size[PCI_BARS];  /* 0: none; a power of two */
	bool bar_io[PCI_BARS];
	const struct pci_func_ops *ops;
	void *dev;
};

struct pci_bus {
	spinlock_t lock;          /* config address and every function's cfg */
	u32 config_address;       /* port 0xcf8 */
	struct pci_func *slot[PCI_SLOTS];
	struct pci_func host;     /* 00:00.0 */
	struct platform_state *ps;
};

/* Attaches bus 0 to a child's platform: ports 0xcf8-0xcff, ECAM and the
 * BAR windows. Returns 0 or -1. */
int pci_attach(struct partition *p, struct platform_state *ps);
void pci_detach(struct partition *p);
/* Puts f at slot (1..PCI_SLOTS-1). Returns 0 or -1 (taken). */
int pci_add(struct partition *p, u32 slot, struct pci_func *f);
/* A BAR's base address as software set it (0 if none). */
u64 pci_bar_base(const struct pci_func *f, u32 bar);
/* Whether bar of f decodes now (its kind enabled in the command
 * register, the BAR wholly inside its window); *base: where it is. */
bool pci_bar_decoding(const struct pci_func *f, u32 bar, u64 *base);
/* Back to the power-on state: command 0, BARs at `bases` (what firmware
 * would have assigned), as after reset. */
void pci_func_reset(struct pci_func *f, const u64 *bases);

#endif
