// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine's PCI configuration space as the parent reaches it: every
 * access exits -- ports 0xcf8/0xcfc-0xcff are trapped and the ECAM window
 * is a device of the parent's, never mapped -- and each write is judged
 * by parent_pci_rules.c before the hypervisor makes it. The parent keeps
 * a CONFIG_ADDRESS of its own: the machine's is written only in the
 * locked sequence that makes an access (drivers/pci.c), so the parent's
 * address and the hypervisor's own accesses never interleave.
 */
#include "partitions/parent.h"
#include "partitions/parent_pci_rules.h"
#include "vmm/base/log.h"
#include "vmm/base/spinlock.h"
#include "vmm/dev/vlapic.h"
#include "vmm/host_irq.h"
#include "vmm/iommu.h"
#include "drivers/pci.h"

/* Bits 30:24 of CONFIG_ADDRESS are reserved, except on AMD parts that
 * take 27:24 as extended register bits when told to (BKDG, F3x8C): the
 * hypervisor never sets them, so the register the rules judge is the
 * register the hardware reaches. */
#define CONF1_KEPT (PCI_CONF1_ENABLE | 0x00fffffcu)

static spinlock_t cfg_lock = SPINLOCK_INIT;
static u32 parent_cf8;
static struct log_ratelimit refusals;

static u32 env_read32(void *ctx, u32 bdf, u32 reg)
{
	(void)ctx;
	return pci_cfg_read(bdf, reg, 4);
}

static bool env_hidden(void *ctx, u32 bdf)
{
	(void)ctx;
	return iommu_pci_function(bdf);
}

static bool env_dest_ok(void *ctx, u8 dest, bool logical)
{
	struct partition *p = ctx;

	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *v = p->vcpu[i];
		if (v && v->lapic && vlapic_match_dest(v->lapic, dest, logical))
			return true;
	}
	return false;
}

static struct cfg_env env_of(struct partition *p)
{
	return (struct cfg_env){ .read32 = env_read32, .hidden = env_hidden,
				 .dest_ok = env_dest_ok, .vec_first = HOST_IRQ_VEC_FIRST,
				 .vec_last = HOST_IRQ_VEC_LAST, .ctx = p };
}

static u32 ones(u8 size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void refused(const char *via, u32 bdf, u32 reg, u8 size, u32 val, const char *why)
{
	log_limited(&refusals, LOG_WARN, "parent: PCI config write (%s) %02x:%02x.%u+%#x (%u "
		    "byte%s, value %#x): refused: %s", via, PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf),
		    reg, size, size == 1 ? "" : "s", val, why);
}

bool parent_pci_port(struct vcpu *v, u16 port, u8 size, bool in, u32 *val)
{
	u32 end = (u32)port + size, bdf, reg;
	char why[160];

	if (port == PCI_CONF1_ADDR && size == 4) {
		u64 f = spin_lock_irqsave(&cfg_lock);
		if (in)
			*val = parent_cf8;
		else
			parent_cf8 = *val & CONF1_KEPT;
		spin_unlock_irqrestore(&cfg_lock, f);
		return true;
	}
	if (end <= PCI_CONF1_DATA || port >= PCI_CONF1_DATA + 4)
		return false;
	if (port < PCI_CONF1_DATA || end > PCI_CONF1_DATA + 4) {
		log_limited(&refusals, LOG_WARN, "parent: %s %#x (%u bytes): refused: it straddles "
			    "PCI's CONFIG_DATA", in ? "in" : "out", port, size);
		if (in)
			*val = ones(size);
		return true;
	}
	u32 lane = port - PCI_CONF1_DATA;
	struct cfg_env e = env_of(v->part);
	u64 f = spin_lock_irqsave(&cfg_lock);
	u32 addr = parent_cf8;
	bdf = (addr >> 8) & 0xffff;
	reg = (addr & 0xfc) + lane;
	bool on = addr & PCI_CONF1_ENABLE;
	if (in) {
		if (on && e.hidden(e.ctx, bdf))
			*val = ones(size);
		else
			pci_conf1_access(addr, lane, size, true, val);
	} else if (on && parent_cfg_refused(&e, bdf, reg, size, *val, why, sizeof(why))) {
		spin_unlock_irqrestore(&cfg_lock, f);
		refused("port", bdf, reg, size, *val, why);
		return true;
	} else {
		pci_conf1_access(addr, lane, size, false, val);
	}
	spin_unlock_irqrestore(&cfg_lock, f);
	return true;
}

/* The ECAM window: offset = bus (from the window's first) << 20 |
 * devfn << 12 | register (PCIe 5.0 7.2.2). */
static bool ecam_decode(u64 off, u8 size, u32 *bdf, u32 *reg)
{
	*bdf = ((pci_ecam.first + (u32)(off >> 20)) << 8) | (u32)((off >> 12) & 0xff);
	*reg = (u32)(off & 0xfff);
	return (size == 1 || size == 2 || size == 4) && !(*reg & (size - 1u));
}

static int ecam_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val)
{
	u32 bdf, reg;

	(void)v;
	(void)opaque;
	if (!ecam_decode(off, size, &bdf, &reg) || iommu_pci_function(bdf))
		*val = size >= 8 ? ~0ULL : ones(size);
	else
		*val = pci_cfg_read(bdf, reg, size);
	return 0;
}

static int ecam_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val)
{
	struct cfg_env e = env_of(v->part);
	char why[160];
	u32 bdf, reg;

	(void)opaque;
	if (!ecam_decode(off, size, &bdf, &reg)) {
		log_limited(&refusals, LOG_WARN, "parent: PCI config write (ECAM) at %#lx (%u "
			    "bytes): refused: not a naturally aligned 1, 2 or 4 bytes",
			    (unsigned long)(pci_ecam.base + ((u64)pci_ecam.first << 20) + off), size);
		return 0;
	}
	u64 f = spin_lock_irqsave(&cfg_lock);
	bool no = parent_cfg_refused(&e, bdf, reg, size, (u32)val, why, sizeof(why));
	if (!no)
		pci_cfg_write(bdf, reg, size, (u32)val);
	spin_unlock_irqrestore(&cfg_lock, f);
	if (no)
		refused("ECAM", bdf, reg, size, (u32)val, why);
	return 0;
}

const char *parent_pci_setup(struct partition *p)
{
	partition_trap_ports(p, PCI_CONF1_ADDR, 4);
	partition_trap_ports(p, PCI_CONF1_DATA, 4);
	if (!pci_ecam.map)
		return NULL;
	struct mmio_device d = {
		.base = pci_ecam.base + ((u64)pci_ecam.first << 20),
		.size = (u64)(pci_ecam.last - pci_ecam.first + 1) << 20,
		.read = ecam_read, .write = ecam_write,
	};
	return partition_add_mmio(p, &d) ? "too many devices" : NULL;
}
