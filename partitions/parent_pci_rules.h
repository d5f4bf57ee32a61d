/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parent may write to the machine's PCI configuration space
 * (parent_pci.c acts on the verdict). Pure decisions over a reader of
 * the function's current registers: host unit tests run them.
 *  - A function the hypervisor keeps (an AMD-Vi unit's own function) is
 *    not there for the parent: reads all ones, writes dropped.
 *  - MSI (PCI Local Bus 3.0 6.8.1): while a function's MSI is enabled,
 *    and when it is being enabled, its message must be one the parent
 *    may send -- to 0xFEExxxxx (no upper address), addressed to one of
 *    the parent's vCPUs, with fixed or lowest-priority delivery (never
 *    SMI, NMI, INIT or ExtINT) and vectors in the range the hypervisor
 *    leaves to devices. A write that would make it otherwise is dropped.
 *    Messages written while MSI is off are kept, and judged when it is
 *    turned on (Linux writes the message first, then enables it; it
 *    clears the message only after disabling).
 *  - MSI-X (6.8.2): the tables are in device memory, where the hypervisor
 *    mediates them (parent_msix.c, with the same message check for each
 *    entry that is live). Here: MSI-X may be turned on (enabled and not
 *    function-masked) only while every unmasked entry of a mediated table
 *    is good -- never for a function whose table is not mediated -- and
 *    while memory decoding is on, a BAR holding a mediated table may not
 *    move, nor may decoding be turned on while it is away (Linux sizes
 *    BARs with decoding off and puts them back).
 * Everything else goes to the hardware as made; the IOMMU confines the
 * DMA this allows.
 */
#ifndef PARTITIONS_PARENT_PCI_RULES_H
#define PARTITIONS_PARENT_PCI_RULES_H

#include "vmm/base/types.h"

#define PCI_CAP_MSI 0x05
#define MSI_CTRL_ENABLE BIT(0)
#define MSI_CTRL_MME(c) (((c) >> 4) & 7)
#define MSI_CTRL_64BIT BIT(7)
#define PCI_CAP_MSIX 0x11
#define MSIX_CTRL_MASKALL BIT(14)
#define MSIX_CTRL_ENABLE BIT(15)
#define MSIX_ENTRY_SIZE 16
#define MSIX_VECTOR_MASKED BIT(0) /* of an entry's vector control */
#define PCI_COMMAND_MEMORY BIT(1)
#define MSI_ADDR_BASE 0xfee00000u
#define MSI_ADDR_LOGICAL BIT(2)
#define MSI_ADDR_DEST(a) (((a) >> 12) & 0xff)

struct cfg_env {
	/* The function's dword at `reg` (4-byte aligned), as it is now. */
	u32 (*read32)(void *ctx, u32 bdf, u32 reg);
	/* Whether the hypervisor keeps the function. */
	bool (*hidden)(void *ctx, u32 bdf);
	/* Whether an MSI address's destination (8 bits, physical or
	 * logical) names one of the parent's vCPUs. */
	bool (*dest_ok)(void *ctx, u8 dest, bool logical);
	/* Why the function's MSI-X may not be turned on with its table as it
	 * is (not mediated, or an unmasked entry that is not good), or NULL. */
	const char *(*msix_live)(void *ctx, u32 bdf);
	/* Whether BAR `bar` (0-5) of the function holds a mediated MSI-X
	 * table, and the address it is mediated at. */
	bool (*msix_bar)(void *ctx, u32 bdf, u32 bar, u64 *addr);
	/* Lowest and highest vector a device may use. */
	u8 vec_first, vec_last;
	void *ctx;
};

/* Why an MSI message (address, upper address, data, and the number of
 * vectors it stands for) is not one the parent may send, or NULL. */
const char *msi_message_check(const struct cfg_env *e, u32 addr_lo, u32 addr_hi, u32 data,
			      u32 nvec);

/* Which rule refuses a write (each has its own rate limit in the log,
 * so a flood of one kind hides no other). */
enum cfg_refusal {
	CFG_PASS,
	CFG_HIDDEN,  /* a function the hypervisor keeps */
	CFG_MSI,     /* an MSI message */
	CFG_MSIX,    /* MSI-X on over a table that is not good */
	CFG_BAR,     /* a BAR holding an MSI-X table, or memory decoding */
	CFG_KINDS,
};

/* Why a write of `size` bytes at `reg` of function `bdf` must be
 * dropped (in `why`, and by which rule), or CFG_PASS. `size` and `reg`
 * are as the hardware takes them (1, 2 or 4, naturally aligned). */
enum cfg_refusal parent_cfg_refused(const struct cfg_env *e, u32 bdf, u32 reg, u8 size, u32 val, char *why,
			size_t n);

/* The offset of the function's capability `id`, or 0. */
u32 pci_find_cap(const struct cfg_env *e, u32 bdf, u8 id);
/*
 * The requester IDs a function's interrupt messages arrive with, for the
 * remapping entries' check (VT-d 3.4 9.10; vmm/iommu.h's IR_SRC_*):
 * its own on the root bus and below PCI Express ports; any on the bus
 * range of a bridge to conventional PCI above it (which may send them
 * under its own ID); any when no bridge leads to its bus.
 */
#define PCI_CAP_EXP 0x10
#define PCI_EXP_ROOT_PORT 4
#define PCI_EXP_DOWNSTREAM 6
u32 pci_msi_source(const struct cfg_env *e, u32 bdf);

#endif
