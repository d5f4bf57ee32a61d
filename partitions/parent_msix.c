// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MSI-X tables of the parent's devices (PCI Local Bus 3.0 6.8.2).
 *
 * A table lives in device memory, behind one of the function's BARs,
 * where the parent's writes would reach the device unseen. At the
 * parent's set-up the hypervisor finds every function with an MSI-X
 * capability and a table where the firmware put it, and makes the pages
 * holding the table a device of the parent's: reads and the bytes around
 * the table go to the hardware as made; a write to an entry is judged as
 * the MSI capability is (parent_pci_rules.c's message check) whenever the
 * entry is live -- MSI-X on, the function not masked, the entry not
 * masked -- and dropped (logged, rate-limited) when it would make a live
 * entry bad. Turning MSI-X on, or unmasking the function, is judged over
 * the whole table by parent_pci_rules.c through parent_msix_live(), and
 * the BAR may not move while it decodes (parent_msix_bar()). Under
 * interrupt remapping the device's entries name remapping entries
 * (vmm/iommu_ir.c) and the parent's own messages are kept here, what it
 * reads back and what the remapping entries deliver.
 */
#include "partitions/parent.h"
#include "partitions/parent_pci_rules.h"
#include "vmm/dev/passthru.h"
#include "vmm/base/fmt.h"
#include "vmm/base/heap.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/paging.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/string.h"
#include "vmm/iommu.h"
#include "drivers/pci.h"

#define MAX_MSIX_TABLES 32
#define MSIX_TABLE_SIZE(ctrl) (((ctrl) & 0x7ffu) + 1)

struct msix_table {
	u32 bdf;
	u32 src;           /* the requester its messages carry (pci_msi_source) */
	u32 cap;           /* the capability's offset */
	u32 bar;           /* BIR */
	u64 bar_addr;      /* where the BAR decodes, as mediated */
	u64 addr;          /* the table's machine address */
	u32 entries;
	u64 page;          /* the mediated pages: [page, page + span) */
	u64 span;
	volatile u8 *map;  /* of page */
	/* Under interrupt remapping: the parent's address, upper address and
	 * data of each entry (what it reads back), and each entry's
	 * remapping entry (0 = none yet); the device holds messages naming
	 * those. */
	u32 *view;
	u32 *irte;
};

static struct msix_table tables[MAX_MSIX_TABLES];
static u32 ntables;
static struct log_ratelimit refusals;

static const struct msix_table *table_of(u32 bdf)
{
	for (u32 i = 0; i < ntables; i++)
		if (tables[i].bdf == bdf)
			return &tables[i];
	return NULL;
}

bool parent_msix_bar(u32 bdf, u32 bar, u64 *addr)
{
	const struct msix_table *t = table_of(bdf);

	if (!t || t->bar != bar)
		return false;
	*addr = t->bar_addr;
	return true;
}

static volatile u32 *hw_dword(const struct msix_table *t, u32 i, u32 dw)
{
	return (volatile u32 *)(t->map + (t->addr - t->page) + i * MSIX_ENTRY_SIZE + dw * 4);
}

/* An entry's dword as the parent sees it. */
static u32 entry_dword(const struct msix_table *t, u32 i, u32 dw)
{
	return t->view && dw < 3 ? t->view[i * 3 + dw] : *hw_dword(t, i, dw);
}

/* Entry i as the parent sees it, with a write of `size` bytes at byte
 * `first` of it applied when size is not 0. */
static void entry_view(const struct msix_table *t, u32 i, u32 first, u8 size, u64 val, u32 ent[4])
{
	u8 bytes[MSIX_ENTRY_SIZE];

	for (u32 d = 0; d < 4; d++)
		ent[d] = entry_dword(t, i, d);
	memcpy(bytes, ent, sizeof(bytes));
	memcpy(bytes + first, &val, size);
	memcpy(ent, bytes, sizeof(bytes));
}

static const char *entry_bad(const struct cfg_env *e, u32 i, const u32 ent[4])
{
	static char why[160];
	const char *bad;

	if (ent[3] & MSIX_VECTOR_MASKED)
		return NULL;
	bad = msi_message_check(e, ent[0], ent[1], ent[2], 1);
	if (!bad)
		return NULL;
	hv_snprintf(why, sizeof(why), "entry %u (address %#x, data %#x): %s", i, ent[0], ent[2], bad);
	return why;
}

const char *parent_msix_live(struct partition *p, u32 bdf)
{
	const struct msix_table *t = table_of(bdf);
	struct cfg_env e = parent_cfg_env(p);

	if (!t)
		return "its table is not one the hypervisor mediates (its BAR was not assigned at "
		       "boot, or there are too many tables)";
	for (u32 i = 0; i < t->entries; i++) {
		u32 ent[4];
		entry_view(t, i, 0, 0, 0, ent);
		const char *bad = entry_bad(&e, i, ent);
		if (bad)
			return bad;
	}
	return NULL;
}

/* Whether the function's MSI-X is on and not function-masked. */
static bool live(const struct msix_table *t)
{
	u32 ctrl = pci_cfg_read(t->bdf, t->cap + 2, 2);

	return (ctrl & MSIX_CTRL_ENABLE) && !(ctrl & MSIX_CTRL_MASKALL);
}

static int table_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val)
{
	struct msix_table *t = opaque;

	(void)v;
	/* A function given to a child: not the parent's any more. */
	if (off + size > t->span || (size != 1 && size != 2 && size != 4 && size != 8) ||
	    passthru_holds_function(t->bdf)) {
		*val = ~0ULL;
		return 0;
	}
	hw_mmio_access(t->map + off, size, false, val);
	if (!t->view)
		return 0;
	/* The parent's messages over what the device holds. */
	u64 tstart = t->addr - t->page, tend = tstart + (u64)t->entries * MSIX_ENTRY_SIZE;
	for (u32 b = 0; b < size; b++) {
		u64 at_off = off + b;
		if (at_off < tstart || at_off >= tend || (at_off - tstart) % MSIX_ENTRY_SIZE >= 12)
			continue;
		u64 e = (at_off - tstart) / MSIX_ENTRY_SIZE, in = (at_off - tstart) % MSIX_ENTRY_SIZE;
		u8 byte = (u8)(t->view[e * 3 + in / 4] >> (8 * (in % 4)));
		*val = (*val & ~(0xffULL << (8 * b))) | ((u64)byte << (8 * b));
	}
	return 0;
}

/* A write inside the table: the entry as it would be, judged when live. */
static const char *entry_write_bad(struct partition *p, const struct msix_table *t, u64 toff,
				   u8 size, u64 val)
{
	u32 i = (u32)(toff / MSIX_ENTRY_SIZE), first = (u32)(toff % MSIX_ENTRY_SIZE);
	u32 ent[4];

	if (first + size > MSIX_ENTRY_SIZE || (first & (size - 1u)))
		return "not a naturally aligned access within one entry";
	if (!live(t))
		return NULL;
	entry_view(t, i, first, size, val, ent);
	struct cfg_env e = parent_cfg_env(p);
	return entry_bad(&e, i, ent);
}

/* A judged write to an entry under interrupt remapping: the message
 * part to the parent's view, the device's entry naming the remapping
 * entry that now delivers it, the vector control to the device. */
static void remapped_write(struct partition *p, struct msix_table *t, u64 toff, u8 size, u64 val)
{
	u32 i = (u32)(toff / MSIX_ENTRY_SIZE), first = (u32)(toff % MSIX_ENTRY_SIZE);
	u32 ent[4];

	entry_view(t, i, first, size, val, ent);
	if (first + size > 12)
		*hw_dword(t, i, 3) = ent[3];
	if (first >= 12)
		return;
	if (!t->irte[i]) {
		int h = iommu_irte_alloc(1);
		if (h <= 0) {
			log_limited(&refusals, LOG_WARN, "parent: MSI-X entry %u of %02x:%02x.%u: no "
				    "room in the interrupt table: its message is not kept", i,
				    PCI_BUS(t->bdf), PCI_DEV(t->bdf), PCI_FN(t->bdf));
			return;
		}
		t->irte[i] = (u32)h;
	}
	memcpy(&t->view[i * 3], ent, 12);
	u32 addr, data;
	iommu_ir_msi(t->irte[i], &addr, &data);
	*hw_dword(t, i, 0) = addr;
	*hw_dword(t, i, 1) = 0;
	*hw_dword(t, i, 2) = data;
	struct cfg_env e = parent_cfg_env(p);
	parent_irte_program(p, &e, t->irte[i], 1, ent[0], ent[1], ent[2], t->src);
}

static int table_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val)
{
	struct msix_table *t = opaque;
	u64 toff = off - (t->addr - t->page);
	const char *bad = NULL;
	bool in_table = off >= t->addr - t->page && toff < (u64)t->entries * MSIX_ENTRY_SIZE;

	if (off + size > t->span || (size != 1 && size != 2 && size != 4 && size != 8) ||
	    passthru_holds_function(t->bdf))
		return 0;
	u64 f = spin_lock_irqsave(&parent_cfg_lock);
	if (in_table)
		bad = entry_write_bad(v->part, t, toff, size, val);
	if (!bad && in_table && t->view)
		remapped_write(v->part, t, toff, size, val);
	else if (!bad)
		hw_mmio_access(t->map + off, size, true, &val);
	spin_unlock_irqrestore(&parent_cfg_lock, f);
	if (bad)
		log_limited(&refusals, LOG_WARN, "parent: MSI-X table write of %02x:%02x.%u at %#lx "
			    "(%u bytes, value %#lx): refused: %s", PCI_BUS(t->bdf), PCI_DEV(t->bdf),
			    PCI_FN(t->bdf), (unsigned long)(t->page + off), size, (unsigned long)val,
			    bad);
	return 0;
}

/* The BAR's address, or 0 when it is not an assigned memory BAR. */
static u64 bar_addr(u32 bdf, u32 bar)
{
	u32 lo = pci_cfg_read(bdf, 0x10 + 4 * bar, 4);

	if (lo & 1)
		return 0; /* I/O space: no table there */
	u64 a = lo & ~0xfu;
	if ((lo & 0x6) == 0x4)
		a |= bar < 5 ? (u64)pci_cfg_read(bdf, 0x14 + 4 * bar, 4) << 32 : 0;
	return a;
}

static const char *add_table(struct partition *p, u32 bdf, u32 cap, u8 header)
{
	u32 ctrl = pci_cfg_read(bdf, cap + 2, 2), where = pci_cfg_read(bdf, cap + 4, 4);
	u32 bar = where & 7;
	u64 base = bar < (header == 1 ? 2u : 6u) ? bar_addr(bdf, bar) : 0;

	if (!base) {
		pr_warn("parent: %02x:%02x.%u: its MSI-X table's BAR %u is not assigned: MSI-X "
			"refused for it", PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf), bar);
		return NULL;
	}
	if (ntables == MAX_MSIX_TABLES) {
		pr_warn("parent: %02x:%02x.%u: more than %u MSI-X tables: MSI-X refused for it",
			PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf), MAX_MSIX_TABLES);
		return NULL;
	}
	struct msix_table *t = &tables[ntables];
	*t = (struct msix_table){ .bdf = bdf, .cap = cap, .bar = bar, .bar_addr = base,
				  .addr = base + (where & ~7u), .entries = MSIX_TABLE_SIZE(ctrl) };
	struct cfg_env e = parent_cfg_env(p);
	t->src = pci_msi_source(&e, bdf);
	t->page = ALIGN_DOWN(t->addr, PAGE_SIZE);
	t->span = ALIGN_UP(t->addr + (u64)t->entries * MSIX_ENTRY_SIZE, PAGE_SIZE) - t->page;
	t->map = ioremap(t->page, t->span);
	if (!t->map)
		return "cannot map an MSI-X table";
	if (iommu_ir_on()) {
		t->view = kzalloc(t->entries * 3 * sizeof(u32));
		t->irte = kzalloc(t->entries * sizeof(u32));
		if (!t->view || !t->irte)
			return "out of memory for an MSI-X table's messages";
		for (u32 i = 0; i < t->entries; i++)
			for (u32 d = 0; d < 3; d++)
				t->view[i * 3 + d] = *hw_dword(t, i, d);
	}
	struct mmio_device d = { .base = t->page, .size = t->span, .opaque = t,
				 .read = table_read, .write = table_write };
	if (partition_add_mmio(p, &d))
		return "too many devices";
	ntables++;
	return NULL;
}

const char *parent_msix_setup(struct partition *p)
{
	struct cfg_env e = parent_cfg_env(p);
	const char *err;

	for (u32 bus = 0; bus < 256; bus++) {
		for (u32 dev = 0; dev < 32; dev++) {
			for (u32 fn = 0; fn < 8; fn++) {
				u32 bdf = PCI_BDF(bus, dev, fn);
				u32 id = pci_cfg_read(bdf, 0, 4);
				if (id == 0xffffffffu || id == 0) {
					if (fn == 0)
						break;
					continue;
				}
				u8 header = (u8)pci_cfg_read(bdf, 0x0e, 1);
				u32 cap = e.hidden(e.ctx, bdf) ? 0 : pci_find_cap(&e, bdf, PCI_CAP_MSIX);
				if (cap && (header & 0x7f) <= 1 &&
				    (err = add_table(p, bdf, cap, header & 0x7f)))
					return err;
				if (fn == 0 && !(header & 0x80))
					break;
			}
		}
	}
	if (ntables)
		pr_info("parent: %u MSI-X table%s mediated", ntables, ntables == 1 ? "" : "s");
	return NULL;
}
