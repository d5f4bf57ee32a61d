// SPDX-License-Identifier: GPL-2.0-only
/* A child's PCI bus 0 (vmm/dev/pci.h). */
#include "vmm/dev/pci.h"
#include "vmm/dev/platform_dev.h"
#include "vmm/base/heap.h"
#include "vmm/base/string.h"
#include "vmm/partition.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define CA_ENABLE BIT(31)

u64 pci_bar_base(const struct pci_func *f, u32 bar)
{
	u32 raw;

	if (bar >= PCI_BARS || !f->bar_size[bar])
		return 0;
	memcpy(&raw, &f->cfg[PCI_BAR0 + 4 * bar], 4);
	return raw & (f->bar_io[bar] ? ~3u : ~15u);
}

void pci_func_reset(struct pci_func *f, const u64 *bases)
{
	u16 cmd = 0;

	memcpy(&f->cfg[PCI_COMMAND], &cmd, 2);
	for (u32 b = 0; b < PCI_BARS; b++) {
		u32 raw = 0;
		if (f->bar_size[b])
			raw = (u32)bases[b] | (f->bar_io[b] ? 1 : 0);
		memcpy(&f->cfg[PCI_BAR0 + 4 * b], &raw, 4);
	}
	f->cfg[PCI_INT_LINE] = 0;
}

bool pci_bar_decoding(const struct pci_func *f, u32 bar, u64 *base)
{
	u16 cmd;
	bool io = f->bar_io[bar];
	u64 len = f->bar_size[bar];

	*base = pci_bar_base(f, bar);
	memcpy(&cmd, &f->cfg[PCI_COMMAND], 2);
	if (!len || !(cmd & (io ? PCI_CMD_IO : PCI_CMD_MEM)))
		return false;
	u64 wbase = io ? HV_PCI_IO_BASE : HV_PCI_MEM_BASE;
	u64 wsize = io ? HV_PCI_IO_SIZE : HV_PCI_MEM_SIZE;
	return *base >= wbase && *base - wbase <= wsize - len;
}

/* Whether bar of f decodes [addr, addr+size) now: its kind enabled, the
 * BAR inside its window, the access inside the BAR. */
static bool bar_hit(const struct pci_func *f, u32 bar, bool io, u64 addr, u8 size, u64 *off)
{
	u64 base, len = f->bar_size[bar];

	if (f->bar_io[bar] != io || !pci_bar_decoding(f, bar, &base))
		return false;
	if (addr < base || addr - base > len - size)
		return false;
	*off = addr - base;
	return true;
}

static struct pci_func *find_bar(struct pci_bus *bus, bool io, u64 addr, u8 size, u32 *bar,
				 u64 *off)
{
	struct pci_func *hit = NULL;

	u64 fl = spin_lock_irqsave(&bus->lock);
	for (u32 s = 0; s < PCI_SLOTS && !hit; s++) {
		struct pci_func *f = bus->slot[s];
		for (u32 b = 0; f && b < PCI_BARS && !hit; b++)
			if (bar_hit(f, b, io, addr, size, off)) {
				hit = f;
				*bar = b;
			}
	}
	spin_unlock_irqrestore(&bus->lock, fl);
	return hit;
}

/* ---- configuration space ----------------------------------------------- */

static u32 cfg_read(struct pci_bus *bus, u32 slot, u32 fn, u32 off, u8 size)
{
	struct pci_func *f = slot < PCI_SLOTS && fn == 0 ? bus->slot[slot] : NULL;
	u32 val = 0;

	if (!f)
		return 0xffffffffu; /* no device: master abort reads all ones */
	if (off >= 256)
		return 0;
	if (f->ops->cfg_read && f->ops->cfg_read(f, off, size, &val))
		return val;
	memcpy(&val, &f->cfg[off], size);
	return val;
}

static void cfg_write(struct pci_bus *bus, u32 slot, u32 fn, u32 off, u8 size, u32 val)
{
	struct pci_func *f = slot < PCI_SLOTS && fn == 0 ? bus->slot[slot] : NULL;

	if (!f || off >= 256)
		return;
	for (u32 i = 0; i < size; i++) {
		u8 m = f->wmask[off + i], b = (u8)(val >> (8 * i));
		f->cfg[off + i] = (u8)((f->cfg[off + i] & ~m) | (b & m));
	}
	/* BARs: the bits below the size read as zero (that is how software
	 * sizes them, PCI 3.0 6.2.5.1), the type bits stay. */
	for (u32 b = 0; b < PCI_BARS; b++) {
		u32 at = PCI_BAR0 + 4 * b, raw;
		if (!f->bar_size[b] || at + 4 <= off || at >= off + size)
			continue;
		memcpy(&raw, &f->cfg[at], 4);
		raw &= ~(f->bar_size[b] - 1);
		if (f->bar_io[b])
			raw = (raw & 0xffffu) | 1; /* 16-bit I/O decode */
		memcpy(&f->cfg[at], &raw, 4);
	}
	if (f->ops->cfg_written)
		f->ops->cfg_written(f, off, size);
}

static int ports_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val)
{
	struct platform_state *ps = opaque;
	struct pci_bus *bus = ps->pci;

	if (port == PLAT_RESET_PORT && size == 1)
		return vpm_io_read(v, ps, port, size, val);
	u64 fl = spin_lock_irqsave(&bus->lock);
	u32 ca = bus->config_address;
	if (port == CONFIG_ADDRESS && size == 4)
		*val = ca;
	else if (port >= CONFIG_DATA && port + size <= CONFIG_DATA + 4 && (ca & CA_ENABLE) &&
		 !((ca >> 16) & 0xff))
		*val = cfg_read(bus, (ca >> 11) & 31, (ca >> 8) & 7,
				(ca & 0xfc) + (port - CONFIG_DATA), size);
	else
		*val = 0xffffffffu;
	spin_unlock_irqrestore(&bus->lock, fl);
	return 0;
}

static int ports_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val)
{
	struct platform_state *ps = opaque;
	struct pci_bus *bus = ps->pci;

	if (port == PLAT_RESET_PORT && size == 1)
		return vpm_io_write(v, ps, port, size, val);
	u64 fl = spin_lock_irqsave(&bus->lock);
	u32 ca = bus->config_address;
	/* Only a dword at 0xcf8 is CONFIG_ADDRESS (PCI 3.0 3.2.2.3.2);
	 * narrower accesses there are ordinary I/O that reaches nothing. */
	if (port == CONFIG_ADDRESS && size == 4)
		bus->config_address = val & 0x80fffffcu;
	else if (port >= CONFIG_DATA && port + size <= CONFIG_DATA + 4 && (ca & CA_ENABLE) &&
		 !((ca >> 16) & 0xff))
		cfg_write(bus, (ca >> 11) & 31, (ca >> 8) & 7, (ca & 0xfc) + (port - CONFIG_DATA),
			  size, val);
	spin_unlock_irqrestore(&bus->lock, fl);
	return 0;
}

/* ECAM: bus 0 only; an access must not cross a dword (PCIe 4.0 7.2.2). */
static bool ecam_split(u64 off, u8 size, u32 *slot, u32 *fn, u32 *reg)
{
	if (size > 4 || (off & 3) + size > 4)
		return false;
	*slot = (u32)(off >> 15) & 31;
	*fn = (u32)(off >> 12) & 7;
	*reg = (u32)off & 0xfff;
	return true;
}

static int ecam_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val)
{
	struct pci_bus *bus = ((struct platform_state *)opaque)->pci;
	u32 slot, fn, reg;
	(void)v;

	if (!ecam_split(off, size, &slot, &fn, &reg)) {
		*val = ~0ULL;
		return 0;
	}
	u64 fl = spin_lock_irqsave(&bus->lock);
	*val = cfg_read(bus, slot, fn, reg, size);
	spin_unlock_irqrestore(&bus->lock, fl);
	return 0;
}

static int ecam_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val)
{
	struct pci_bus *bus = ((struct platform_state *)opaque)->pci;
	u32 slot, fn, reg;
	(void)v;

	if (!ecam_split(off, size, &slot, &fn, &reg))
		return 0;
	u64 fl = spin_lock_irqsave(&bus->lock);
	cfg_write(bus, slot, fn, reg, size, (u32)val);
	spin_unlock_irqrestore(&bus->lock, fl);
	return 0;
}

/* ---- the BAR windows ----------------------------------------------------- */

/* The host bridge has no BARs: nothing reaches these. */
static int host_bar_read(struct vcpu *v, struct pci_func *f, u32 bar, u64 off, u8 size, u64 *val)
{
	(void)v, (void)f, (void)bar, (void)off, (void)size;
	*val = ~0ULL;
	return 0;
}

static int host_bar_write(struct vcpu *v, struct pci_func *f, u32 bar, u64 off, u8 size, u64 val)
{
	(void)v, (void)f, (void)bar, (void)off, (void)size, (void)val;
	return 0;
}

static const struct pci_func_ops host_ops = { .bar_read = host_bar_read,
					      .bar_write = host_bar_write };

static int mem_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val)
{
	struct pci_bus *bus = ((struct platform_state *)opaque)->pci;
	u32 bar;
	u64 at;
	struct pci_func *f = find_bar(bus, false, HV_PCI_MEM_BASE + off, size, &bar, &at);

	/* Nothing decodes it: a master abort reads all ones. */
	*val = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	return f ? f->ops->bar_read(v, f, bar, at, size, val) : 0;
}

static int mem_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val)
{
	struct pci_bus *bus = ((struct platform_state *)opaque)->pci;
	u32 bar;
	u64 at;
	struct pci_func *f = find_bar(bus, false, HV_PCI_MEM_BASE + off, size, &bar, &at);

	return f ? f->ops->bar_write(v, f, bar, at, size, val) : 0;
}

static int io_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val)
{
	struct pci_bus *bus = ((struct platform_state *)opaque)->pci;
	u32 bar;
	u64 at, x = ~0ULL;
	struct pci_func *f = find_bar(bus, true, port, size, &bar, &at);
	int r = f ? f->ops->bar_read(v, f, bar, at, size, &x) : 0;

	*val = (u32)x;
	return r;
}

static int io_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val)
{
	struct pci_bus *bus = ((struct platform_state *)opaque)->pci;
	u32 bar;
	u64 at;
	struct pci_func *f = find_bar(bus, true, port, size, &bar, &at);

	return f ? f->ops->bar_write(v, f, bar, at, size, val) : 0;
}

/*
 * The host bridge at 00:00.0 (class 06/00): nothing to program, but an OS
 * looks for it -- Linux (arch/x86/pci/direct.c, pci_sanity_check) trusts
 * configuration mechanism #1 on a machine without a 2001-or-later DMI
 * date only when bus 0 has a host bridge or a VGA device. Red Hat's
 * generic host bridge ID (1b36:0008), as virtio devices use Red Hat's
 * 1af4.
 */
static void host_bridge_init(struct pci_func *f)
{
	const u16 vendor = 0x1b36, device = 0x0008, status = 0;
	const u32 class_rev = 0x06000000; /* class 06, subclass 00, prog-if 00, rev 0 */

	memset(f, 0, sizeof(*f));
	memcpy(&f->cfg[PCI_VENDOR_ID], &vendor, 2);
	memcpy(&f->cfg[0x02], &device, 2);
	memcpy(&f->cfg[PCI_STATUS], &status, 2);
	memcpy(&f->cfg[PCI_REVISION], &class_rev, 4);
	f->wmask[PCI_COMMAND] = PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER;
	f->ops = &host_ops;
}

int pci_attach(struct partition *p, struct platform_state *ps)
{
	if (!(ps->pci = kzalloc(sizeof(*ps->pci))))
		return -1;
	ps->pci->ps = ps;
	host_bridge_init(&ps->pci->host);
	ps->pci->slot[0] = &ps->pci->host;
	struct io_device ports = { .base = CONFIG_ADDRESS, .count = 8, .opaque = ps,
				   .read = ports_read, .write = ports_write };
	struct io_device window = { .base = HV_PCI_IO_BASE, .count = HV_PCI_IO_SIZE, .opaque = ps,
				    .read = io_read, .write = io_write };
	struct mmio_device ecam = { .base = HV_PCI_ECAM_BASE, .size = HV_PCI_ECAM_SIZE,
				    .opaque = ps, .read = ecam_read, .write = ecam_write };
	struct mmio_device mem = { .base = HV_PCI_MEM_BASE, .size = HV_PCI_MEM_SIZE,
				   .opaque = ps, .read = mem_read, .write = mem_write };
	if (partition_add_io(p, &ports) || partition_add_io(p, &window) ||
	    partition_add_mmio(p, &ecam) || partition_add_mmio(p, &mem))
		return -1;
	return 0;
}

void pci_detach(struct partition *p)
{
	struct platform_state *ps = p->platform;

	if (ps) {
		kfree(ps->pci);
		ps->pci = NULL;
	}
}

int pci_add(struct partition *p, u32 slot, struct pci_func *f)
{
	struct pci_bus *bus = p->platform ? p->platform->pci : NULL;

	if (!bus || slot == 0 || slot >= PCI_SLOTS)
		return -1;
	u64 fl = spin_lock_irqsave(&bus->lock);
	bool free = !bus->slot[slot];
	if (free)
		bus->slot[slot] = f;
	spin_unlock_irqrestore(&bus->lock, fl);
	return free ? 0 : -1;
}
