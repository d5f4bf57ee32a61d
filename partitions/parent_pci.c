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
#include "vmm/dev/passthru.h"
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

spinlock_t parent_cfg_lock = SPINLOCK_INIT;
static u32 parent_cf8;
static struct log_ratelimit refusals, rule_refusals[CFG_KINDS];

static u32 ones(u8 size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* ---- MSI under interrupt remapping -------------------------------------------
 * The device holds a remappable message naming the function's block of
 * entries (vmm/iommu_ir.c); the parent's own message is kept here, is
 * what it reads back, and is what the entries deliver once it is good. */

#define MAX_MSI_SHADOWS 64

struct msi_shadow {
	u32 bdf, cap;
	u32 irte, block; /* entries [irte, irte + block): 2^MMC of them */
	u32 src;         /* the requester its messages carry (pci_msi_source) */
	u32 lo, hi, data; /* the parent's message registers (data: its dword) */
};

static struct msi_shadow shadows[MAX_MSI_SHADOWS];
static u32 nshadows;

static struct msi_shadow *shadow_of(u32 bdf)
{
	for (u32 i = 0; i < nshadows; i++)
		if (shadows[i].bdf == bdf)
			return &shadows[i];
	return NULL;
}

struct msi_regs {
	u32 lo, hi, data; /* offsets; hi 0 for a 32-bit message */
};

static struct msi_regs msi_regs(u32 cap, u32 ctrl)
{
	bool wide = ctrl & MSI_CTRL_64BIT;
	return (struct msi_regs){ cap + 4, wide ? cap + 8 : 0, cap + (wide ? 12 : 8) };
}

/* The parent's view of the dword at reg4, when the shadow holds it. */
static bool shadow_dword(const struct msi_shadow *sh, u32 reg4, u32 *v)
{
	struct msi_regs r = msi_regs(sh->cap, pci_cfg_read(sh->bdf, sh->cap + 2, 2));

	if (reg4 == r.lo)
		*v = sh->lo;
	else if (r.hi && reg4 == r.hi)
		*v = sh->hi;
	else if (reg4 == r.data)
		*v = (pci_cfg_read(sh->bdf, reg4, 4) & 0xffff0000u) | (sh->data & 0xffff);
	else
		return false;
	return true;
}

/* The function's registers as the parent sees them. */
static u32 view_read(u32 bdf, u32 reg, u8 size)
{
	const struct msi_shadow *sh;
	u32 dw;

	if (iommu_pci_function(bdf) || passthru_holds_function(bdf))
		return ones(size);
	if (!iommu_ir_on() || !(sh = shadow_of(bdf)) || !shadow_dword(sh, reg & ~3u, &dw))
		return pci_cfg_read(bdf, reg, size);
	return (dw >> (8 * (reg & 3))) & ones(size);
}

/* The parent vCPU a message's destination (8 bits, physical or logical)
 * names first: its APIC ID, or false for none. */
static bool named_vcpu(struct partition *p, u8 dest, bool logical, u32 *apic)
{
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *v = p->vcpu[i];
		if (v && v->lapic && vlapic_match_dest(v->lapic, dest, logical)) {
			*apic = v->apic_id;
			return true;
		}
	}
	return false;
}

const char *parent_pci_not_isolated(struct partition *p, u32 bdf)
{
	struct cfg_env e = parent_cfg_env(p);
	u32 src = pci_msi_source(&e, bdf);

	if (src == bdf)
		return NULL;
	return src == IR_SRC_ANY ? "no bridge leads to its bus"
				 : "it sits below a bridge to conventional PCI, whose ID its requests "
				   "may carry (shared with the functions beside it)";
}

void parent_irte_program(struct partition *p, const struct cfg_env *e, u32 irte, u32 n,
			 u32 lo, u32 hi, u32 data, u32 src)
{
	u32 apic;
	bool good = !msi_message_check(e, lo, hi, data & 0xffff, n) &&
		    named_vcpu(p, (u8)MSI_ADDR_DEST(lo), lo & MSI_ADDR_LOGICAL, &apic);

	for (u32 k = 0; k < n; k++) {
		if (good)
			iommu_irte_set(irte + k, (u8)((data & ~(n - 1)) + k), apic,
				       ((data >> 8) & 7) == 1, data & BIT(15), src);
		else
			iommu_irte_clear(irte + k);
	}
}

static void shadow_program(struct partition *p, const struct cfg_env *e,
			   const struct msi_shadow *sh)
{
	u32 ctrl = pci_cfg_read(sh->bdf, sh->cap + 2, 2), mme = MSI_CTRL_MME(ctrl);
	u32 n = 1u << (mme > 5 ? 5 : mme);

	parent_irte_program(p, e, sh->irte, n > sh->block ? sh->block : n, sh->lo,
			    (ctrl & MSI_CTRL_64BIT) ? sh->hi : 0, sh->data, sh->src);
	for (u32 k = n; k < sh->block; k++)
		iommu_irte_clear(sh->irte + k);
}

/* A write the rules passed: to the hardware, or -- for the message of an
 * MSI capability under interrupt remapping -- to the shadow, with the
 * device's message naming the shadow's entries. */
static void cfg_write(struct partition *p, const struct cfg_env *e, u32 bdf, u32 reg, u8 size,
		      u32 val)
{
	u32 cap = iommu_ir_on() && reg >= 0x40 ? pci_find_cap(e, bdf, PCI_CAP_MSI) : 0;

	if (!cap || reg < cap || reg >= cap + 16) {
		pci_cfg_write(bdf, reg, size, val);
		return;
	}
	u32 ctrl = pci_cfg_read(bdf, cap + 2, 2), reg4 = reg & ~3u, old, shift = 8 * (reg & 3);
	struct msi_regs r = msi_regs(cap, ctrl);
	struct msi_shadow *sh = shadow_of(bdf);
	bool msg = reg4 == r.lo || (r.hi && reg4 == r.hi) || reg4 == r.data;

	if (msg && !sh) {
		/* Multiple Message Capable: 2^0-2^5 (6 and 7 are reserved). */
		u32 block = 1u << MIN((ctrl >> 1) & 7, 5u);
		int h = nshadows < MAX_MSI_SHADOWS ? iommu_irte_alloc(block) : -1;
		if (h < 0) {
			log_limited(&refusals, LOG_WARN, "parent: MSI of %02x:%02x.%u: no room in the "
				    "interrupt table: its message is not kept", PCI_BUS(bdf),
				    PCI_DEV(bdf), PCI_FN(bdf));
			return;
		}
		sh = &shadows[nshadows++];
		*sh = (struct msi_shadow){ .bdf = bdf, .cap = cap, .irte = (u32)h, .block = block,
					   .src = pci_msi_source(e, bdf) };
		sh->lo = pci_cfg_read(bdf, r.lo, 4);
		sh->hi = r.hi ? pci_cfg_read(bdf, r.hi, 4) : 0;
		sh->data = pci_cfg_read(bdf, r.data, 4);
	}
	if (!msg) {
		pci_cfg_write(bdf, reg, size, val); /* control, mask and pending bits */
	} else {
		u32 *dw = reg4 == r.lo ? &sh->lo : reg4 == r.data ? &sh->data : &sh->hi;
		u32 mask = ones(size) << shift;
		old = reg4 == r.data ? (pci_cfg_read(bdf, reg4, 4) & 0xffff0000u) | (*dw & 0xffff) : *dw;
		*dw = (old & ~mask) | ((val << shift) & mask);
		u32 addr, data;
		iommu_ir_msi(sh->irte, &addr, &data);
		if (reg4 == r.lo)
			pci_cfg_write(bdf, reg4, 4, addr);
		else if (reg4 == r.hi)
			pci_cfg_write(bdf, reg4, 4, 0);
		else /* the extended data passes */
			pci_cfg_write(bdf, reg4, 4, (*dw & 0xffff0000u) | data);
	}
	if (sh)
		shadow_program(p, e, sh);
}

static u32 env_read32(void *ctx, u32 bdf, u32 reg)
{
	(void)ctx;
	return view_read(bdf, reg, 4);
}

static bool env_hidden(void *ctx, u32 bdf)
{
	(void)ctx;
	return iommu_pci_function(bdf) || passthru_holds_function(bdf);
}

static bool env_dest_ok(void *ctx, u8 dest, bool logical)
{
	u32 apic;

	return named_vcpu(ctx, dest, logical, &apic);
}

static const char *env_msix_live(void *ctx, u32 bdf)
{
	return parent_msix_live(ctx, bdf);
}

static bool env_msix_bar(void *ctx, u32 bdf, u32 bar, u64 *addr)
{
	(void)ctx;
	return parent_msix_bar(bdf, bar, addr);
}

struct cfg_env parent_cfg_env(struct partition *p)
{
	return (struct cfg_env){ .read32 = env_read32, .hidden = env_hidden,
				 .dest_ok = env_dest_ok, .msix_live = env_msix_live,
				 .msix_bar = env_msix_bar, .vec_first = HOST_IRQ_VEC_FIRST,
				 .vec_last = HOST_IRQ_VEC_LAST, .ctx = p };
}

static void refused(enum cfg_refusal kind, const char *via, u32 bdf, u32 reg, u8 size, u32 val,
		    const char *why)
{
	log_limited(&rule_refusals[kind], LOG_WARN, "parent: PCI config write (%s) %02x:%02x.%u+%#x (%u "
		    "byte%s, value %#x): refused: %s", via, PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf),
		    reg, size, size == 1 ? "" : "s", val, why);
}

bool parent_pci_port(struct vcpu *v, u16 port, u8 size, bool in, u32 *val)
{
	u32 end = (u32)port + size, bdf, reg;
	enum cfg_refusal kind;
	char why[160];

	if (port == PCI_CONF1_ADDR && size == 4) {
		u64 f = spin_lock_irqsave(&parent_cfg_lock);
		if (in)
			*val = parent_cf8;
		else
			parent_cf8 = *val & CONF1_KEPT;
		spin_unlock_irqrestore(&parent_cfg_lock, f);
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
	struct cfg_env e = parent_cfg_env(v->part);
	u64 f = spin_lock_irqsave(&parent_cfg_lock);
	u32 addr = parent_cf8;
	bdf = (addr >> 8) & 0xffff;
	reg = (addr & 0xfc) + lane;
	bool on = addr & PCI_CONF1_ENABLE;
	if (!on) {
		pci_conf1_access(addr, lane, size, in, val); /* reaches no function */
	} else if (in) {
		*val = view_read(bdf, reg, size);
	} else if ((kind = parent_cfg_refused(&e, bdf, reg, size, *val, why, sizeof(why)))) {
		spin_unlock_irqrestore(&parent_cfg_lock, f);
		refused(kind, "port", bdf, reg, size, *val, why);
		return true;
	} else {
		cfg_write(v->part, &e, bdf, reg, size, *val);
	}
	spin_unlock_irqrestore(&parent_cfg_lock, f);
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
	if (!ecam_decode(off, size, &bdf, &reg)) {
		*val = size >= 8 ? ~0ULL : ones(size);
		return 0;
	}
	u64 f = spin_lock_irqsave(&parent_cfg_lock);
	*val = view_read(bdf, reg, size);
	spin_unlock_irqrestore(&parent_cfg_lock, f);
	return 0;
}

static int ecam_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val)
{
	struct cfg_env e = parent_cfg_env(v->part);
	char why[160];
	u32 bdf, reg;

	(void)opaque;
	if (!ecam_decode(off, size, &bdf, &reg)) {
		log_limited(&refusals, LOG_WARN, "parent: PCI config write (ECAM) at %#lx (%u "
			    "bytes): refused: not a naturally aligned 1, 2 or 4 bytes",
			    (unsigned long)(pci_ecam.base + ((u64)pci_ecam.first << 20) + off), size);
		return 0;
	}
	u64 f = spin_lock_irqsave(&parent_cfg_lock);
	enum cfg_refusal kind = parent_cfg_refused(&e, bdf, reg, size, (u32)val, why, sizeof(why));
	if (!kind)
		cfg_write(v->part, &e, bdf, reg, size, (u32)val);
	spin_unlock_irqrestore(&parent_cfg_lock, f);
	if (kind)
		refused(kind, "ECAM", bdf, reg, size, (u32)val, why);
	return 0;
}

const char *parent_pci_setup(struct partition *p)
{
	const char *err;

	partition_trap_ports(p, PCI_CONF1_ADDR, 4);
	partition_trap_ports(p, PCI_CONF1_DATA, 4);
	if ((err = parent_msix_setup(p)) || !pci_ecam.map)
		return err;
	struct mmio_device d = {
		.base = pci_ecam.base + ((u64)pci_ecam.first << 20),
		.size = (u64)(pci_ecam.last - pci_ecam.first + 1) << 20,
		.read = ecam_read, .write = ecam_write,
	};
	return partition_add_mmio(p, &d) ? "too many devices" : NULL;
}
