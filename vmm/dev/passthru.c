// SPDX-License-Identifier: GPL-2.0-only
/* PCI passthrough (passthru.h). Offsets and bits are PCI 3.0's and PCIe 4.0's. */
#include "vmm/dev/passthru.h"
#include "vmm/dev/pci.h"
#include "vmm/dev/platform_dev.h"
#include "vmm/iommu.h"
#include "vmm/partition.h"
#include "vmm/sched.h"
#include "vmm/base/fmt.h"
#include "vmm/base/heap.h"
#include "vmm/base/log.h"
#include "vmm/base/paging.h"
#include "vmm/base/percpu.h"
#include "vmm/base/string.h"
#include "vmm/base/trap.h"
#include "vmm/base/x86.h"
#include "drivers/pci.h"
#include "drivers/timer.h"

#define PT_NVEC (PT_VEC_LAST - PT_VEC_FIRST + 1)
#define NO_SLOT 0xffff
#define MSI_ENTRY 0xffffu  /* the slot's entry: the MSI capability's one message */

#define CAP_MSI 0x05
#define CAP_VENDOR 0x09
#define CAP_PCIE 0x10
#define CAP_MSIX 0x11
#define HDR_TYPE 0x0e
#define CLASS_HOST_BRIDGE 0x0600
#define MSIX_ENABLE BIT(15)
#define MSIX_FMASK BIT(14)
#define MSIX_MASKED BIT(0)
#define MSI_ENABLE BIT(0)
#define MSI_64 BIT(7)
#define MSI_PVM BIT(8)
#define DEVCAP_FLR BIT(28)
#define DEVCTL_FLR BIT(15)
#define FLR_WAIT_US 100000 /* PCIe 4.0 6.6.2: 100 ms before the function is touched */
/* Each function's BARs in the child: a 16 MiB slice of the upper half of
 * the BAR window (virtio devices use the lower one). */
#define PT_WINDOW (HV_PCI_MEM_BASE + HV_PCI_MEM_SIZE / 2)
#define PT_SLICE MiB(16)

enum { FREE, ASSIGNED, ASSIGNABLE };

struct msix_ent {
	u32 addr_lo, addr_hi, data, ctrl; /* the child's */
	u16 slot;                         /* host vector slot, or NO_SLOT */
	u32 irte;
};

struct pt_dev {
	spinlock_t lock;             /* the virtual table and the device's programming */
	u32 state;
	u32 bdf;
	u16 vendor, device;
	struct partition *owner;
	u32 index;                   /* among the owner's: slot HV_PCI_PT_SLOT + index */
	u16 dom_id;
	struct pt dom;
	bool dom_built;
	struct pci_func func;
	u32 raw[PCI_BARS];           /* the BAR registers as the parent's firmware left them */
	u64 hbase[PCI_BARS], hsize[PCI_BARS];
	volatile u8 *hmap[PCI_BARS];
	u8 msi, msix, pcie;          /* capability offsets, 0: none */
	u32 msix_bar, msix_off, msix_n, pba_bar, pba_off;
	struct msix_ent *ent;
	struct msix_ent msi_ent;     /* the MSI capability's message */
	u32 resets;
	u16 cmd;                     /* the command register when it was taken */
	u8 phase;                    /* of a reset step */
	u64 flr_us;
	bool shoot;                  /* the parent's BAR mappings being dropped */
	u64 snap[MAX_VCPUS];
	struct partition *parent;
	u64 gmap[PCI_BARS];          /* where a BAR is mapped into the owner (0: not) */
	u32 gkib[PCI_BARS];          /* how much of it (the trapped pages are not) */
	u32 forwarded, msix_traps;   /* BAR accesses the hypervisor carried out */
};

struct vec_slot {
	struct pt_dev *d;
	u16 entry;
};

static struct pt_dev devs[HV_PCI_PT_MAX];
static struct log_ratelimit no_room;
static spinlock_t slots_lock = SPINLOCK_INIT;
static struct vec_slot slots[MAX_CPUS][PT_NVEC];
static u32 next_cpu;

static void direct_map(struct pt_dev *d, bool unmap_all);

static const char *bdf_name(u32 bdf)
{
	static char buf[4][12];
	static u32 n;
	char *b = buf[n++ % 4];

	hv_snprintf(b, 12, "%02x:%02x.%u", PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf));
	return b;
}

static struct pt_dev *find(u32 bdf)
{
	for (u32 i = 0; i < HV_PCI_PT_MAX; i++)
		if (devs[i].state != FREE && devs[i].bdf == bdf)
			return &devs[i];
	return NULL;
}

bool passthru_holds_function(u32 bdf)
{
	return find(bdf) != NULL;
}

bool passthru_holds_range(u64 base, u64 len)
{
	for (u32 i = 0; i < HV_PCI_PT_MAX; i++) {
		const struct pt_dev *d = &devs[i];
		if (READ_ONCE(d->state) == FREE)
			continue;
		for (u32 b = 0; b < PCI_BARS; b++)
			if (d->hsize[b] && base + len > ALIGN_DOWN(d->hbase[b], PAGE_SIZE) &&
			    base < d->hbase[b] + d->hsize[b])
				return true;
	}
	return false;
}

bool passthru_holds_page(u64 gpa)
{
	return passthru_holds_range(gpa, 1);
}

/* ---- host vectors -------------------------------------------------------- */

/* A free (CPU, vector) pair for entry `entry` of d, round robin over the
 * CPUs online: the slot number (cpu * PT_NVEC + vector index) or NO_SLOT. */
static u16 slot_alloc(struct pt_dev *d, u16 entry)
{
	u16 got = NO_SLOT;
	u64 f = spin_lock_irqsave(&slots_lock);

	for (u32 k = 0; k < nr_cpus && got == NO_SLOT; k++) {
		u32 c = (next_cpu + k) % nr_cpus;
		if (!cpus[c] || !cpus[c]->online)
			continue;
		for (u32 v = 0; v < PT_NVEC; v++)
			if (!slots[c][v].d) {
				slots[c][v] = (struct vec_slot){ d, entry };
				got = (u16)(c * PT_NVEC + v);
				next_cpu = c + 1;
				break;
			}
	}
	spin_unlock_irqrestore(&slots_lock, f);
	return got;
}

static void slot_free(u16 s)
{
	if (s == NO_SLOT)
		return;
	u64 f = spin_lock_irqsave(&slots_lock);
	slots[s / PT_NVEC][s % PT_NVEC].d = NULL;
	spin_unlock_irqrestore(&slots_lock, f);
}

/* The message the device gets for e: through a remapping entry to the
 * slot's CPU and vector. False when no slot or entry is left. */
static bool route(struct pt_dev *d, struct msix_ent *e, u16 entry, u32 *addr, u32 *data)
{
	if (e->slot == NO_SLOT) {
		u16 s = slot_alloc(d, entry);
		if (s == NO_SLOT)
			return false;
		int h = iommu_dev_irte_alloc(d->bdf);
		if (h < 0) {
			slot_free(s);
			return false;
		}
		e->slot = s;
		e->irte = (u32)h;
		iommu_dev_irte_set(d->bdf, e->irte, (u8)(PT_VEC_FIRST + s % PT_NVEC),
				   cpus[s / PT_NVEC]->apic_id);
	}
	iommu_ir_msi(e->irte, addr, data);
	return true;
}

static void unroute(struct pt_dev *d, struct msix_ent *e)
{
	if (e->slot == NO_SLOT)
		return;
	iommu_dev_irte_clear(d->bdf, e->irte);
	slot_free(e->slot);
	e->slot = NO_SLOT;
}

/* The child's message for e, sent to it (the device's interrupt came). */
static void deliver(struct pt_dev *d, const struct msix_ent *e)
{
	struct partition *p = d->owner;

	if (!p || READ_ONCE(p->state) != PART_RUNNING)
		return;
	/* An MSI address is 0xfeeXXXXX (SDM Vol. 3A 11.11.1); anything else
	 * would be a DMA write, which reaches nothing here. */
	if ((e->addr_lo >> 20) != 0xfee || e->addr_hi)
		return;
	platform_deliver(p, (e->addr_lo >> 12) & 0xff, e->addr_lo & BIT(2), (e->data >> 8) & 7,
			 (u8)e->data, false);
}

static void pt_irq(struct trap_frame *tf)
{
	u32 c = this_cpu_id(), v = (u32)tf->vector - PT_VEC_FIRST;

	if (c >= MAX_CPUS || v >= PT_NVEC)
		return;
	spin_lock(&slots_lock); /* interrupts are off in a handler */
	struct vec_slot s = slots[c][v];
	spin_unlock(&slots_lock);
	if (!s.d)
		return;
	spin_lock(&s.d->lock);
	if (s.entry == MSI_ENTRY)
		deliver(s.d, &s.d->msi_ent);
	else if (s.d->ent && s.entry < s.d->msix_n)
		deliver(s.d, &s.d->ent[s.entry]);
	spin_unlock(&s.d->lock);
}

void passthru_init(void)
{
	for (u32 v = PT_VEC_FIRST; v <= PT_VEC_LAST; v++)
		irq_register((u8)v, pt_irq);
	for (u32 i = 0; i < HV_PCI_PT_MAX; i++)
		devs[i].lock = (spinlock_t)SPINLOCK_INIT;
}

/* ---- the device's interrupts, as the child programs them ------------------- */

static u16 vget16(const struct pt_dev *d, u32 off)
{
	u16 v;

	memcpy(&v, &d->func.cfg[off], 2);
	return v;
}

static u32 vget32(const struct pt_dev *d, u32 off)
{
	u32 v;

	memcpy(&v, &d->func.cfg[off], 4);
	return v;
}

static volatile u32 *msix_real(struct pt_dev *d, u32 n)
{
	return (volatile u32 *)(d->hmap[d->msix_bar] + d->msix_off + n * 16);
}

/* Entry n of the device as the child's entry and control say. Locked. */
static void msix_sync(struct pt_dev *d, u32 n)
{
	struct msix_ent *e = &d->ent[n];
	u16 ctrl = vget16(d, d->msix + 2);
	volatile u32 *r = msix_real(d, n);
	u32 addr, data;

	bool live = (ctrl & MSIX_ENABLE) && !(ctrl & MSIX_FMASK) && !(e->ctrl & MSIX_MASKED);
	if (live && !route(d, e, (u16)n, &addr, &data)) {
		log_limited(&no_room, LOG_WARN, "passthrough: %s: no host vector or remapping entry "
			    "left for its MSI-X entry %u: it stays masked", bdf_name(d->bdf), n);
		live = false;
	}
	if (live) {
		r[3] = MSIX_MASKED;
		r[0] = addr;
		r[1] = 0;
		r[2] = data;
		r[3] = 0;
	} else {
		r[3] = MSIX_MASKED; /* pending in the device's PBA until unmasked */
	}
}

static void msix_ctrl_written(struct pt_dev *d)
{
	u16 ctrl = vget16(d, d->msix + 2);

	/* Enabled in the device whenever the child enables it; the function
	 * mask is kept by masking every entry. */
	for (u32 n = 0; n < d->msix_n; n++)
		msix_sync(d, n);
	u16 real = (u16)pci_cfg_read(d->bdf, d->msix + 2, 2);
	real = (u16)((real & ~(MSIX_ENABLE | MSIX_FMASK)) | (ctrl & MSIX_ENABLE));
	pci_cfg_write(d->bdf, d->msix + 2, 2, real);
}

static void msi_written(struct pt_dev *d)
{
	u16 ctrl = vget16(d, d->msi + 2);
	bool wide = ctrl & MSI_64;
	u32 data_at = d->msi + (wide ? 12 : 8);
	struct msix_ent *e = &d->msi_ent;
	u32 addr, data;

	e->addr_lo = vget32(d, d->msi + 4);
	e->addr_hi = wide ? vget32(d, d->msi + 8) : 0;
	e->data = vget16(d, data_at);
	u16 real = (u16)pci_cfg_read(d->bdf, d->msi + 2, 2) & ~(MSI_ENABLE | (7u << 4));
	bool live = ctrl & MSI_ENABLE;
	if (live && !route(d, e, MSI_ENTRY, &addr, &data)) {
		log_limited(&no_room, LOG_WARN, "passthrough: %s: no host vector or remapping entry "
			    "left for its MSI: it stays off", bdf_name(d->bdf));
		live = false;
	}
	if (live) {
		pci_cfg_write(d->bdf, d->msi + 4, 4, addr);
		if (wide)
			pci_cfg_write(d->bdf, d->msi + 8, 4, 0);
		pci_cfg_write(d->bdf, data_at, 2, data);
		pci_cfg_write(d->bdf, d->msi + 2, 2, real | MSI_ENABLE);
	} else {
		pci_cfg_write(d->bdf, d->msi + 2, 2, real);
	}
	if (ctrl & MSI_PVM) /* the mask bit of its one message */
		pci_cfg_write(d->bdf, d->msi + (wide ? 16 : 12), 4, vget32(d, d->msi + (wide ? 16 : 12)) & 1);
}

/* ---- the child's configuration space ------------------------------------- */

static bool in_cap(u32 cap, u32 len, u32 off)
{
	return cap && off >= cap && off < cap + len;
}

/* Whether off lies in a vendor-specific capability the child sees (its
 * body is the device's own, read and written through). */
static bool in_vendor_cap(const struct pt_dev *d, u32 off, u32 *cap)
{
	for (u32 at = d->func.cfg[PCI_CAP_PTR] & 0xfc, n = 0; at && n < 48;
	     at = d->func.cfg[at + 1] & 0xfc, n++) {
		if (d->func.cfg[at] == CAP_VENDOR && off >= at + 2 && off < at + d->func.cfg[at + 2]) {
			*cap = at;
			return true;
		}
	}
	return false;
}

static bool pt_cfg_read(struct pci_func *f, u32 off, u8 size, u32 *val)
{
	struct pt_dev *d = f->dev;
	u32 cap;

	if (off == PCI_STATUS && size == 2) {
		/* Live status, its capability list bit as the child's view. */
		*val = (pci_cfg_read(d->bdf, PCI_STATUS, 2) & ~0x8u) | PCI_STATUS_CAP_LIST;
		return true;
	}
	if (in_vendor_cap(d, off, &cap) && off + size <= cap + d->func.cfg[cap + 2]) {
		*val = pci_cfg_read(d->bdf, off, size);
		return true;
	}
	return false;
}

static void pt_cfg_written(struct pci_func *f, u32 off, u8 size)
{
	struct pt_dev *d = f->dev;
	u32 cap;

	u64 fl = spin_lock_irqsave(&d->lock);
	if (off < PCI_COMMAND + 2 && off + size > PCI_COMMAND) {
		/* Memory decoding and bus mastering as the child says; I/O
		 * decoding never, INTx always off. */
		u16 cmd = vget16(d, PCI_COMMAND) & (PCI_CMD_MEM | PCI_CMD_MASTER);
		pci_cfg_write(d->bdf, PCI_COMMAND, 2, cmd | PCI_CMD_INTX_DISABLE);
	}
	if (in_cap(d->msix, 4, off) || in_cap(d->msix, 4, off + size - 1))
		msix_ctrl_written(d);
	if (in_cap(d->msi, 24, off))
		msi_written(d);
	if (in_vendor_cap(d, off, &cap))
		for (u32 i = 0; i < size && off + i < cap + d->func.cfg[cap + 2]; i++)
			pci_cfg_write(d->bdf, off + i, 1, d->func.cfg[off + i]);
	if (off < PCI_BAR0 + 4 * PCI_BARS && off + size > PCI_COMMAND)
		direct_map(d, false);
	spin_unlock_irqrestore(&d->lock, fl);
}

/* ---- the BARs ------------------------------------------------------------ */

static bool in_table(const struct pt_dev *d, u32 bar, u64 off, u8 size)
{
	return d->msix && bar == d->msix_bar && off >= d->msix_off &&
	       off + size <= d->msix_off + d->msix_n * 16ull;
}

/* [off, off+size) of bar overlaps the MSI-X table. */
static bool touches_table(const struct pt_dev *d, u32 bar, u64 off, u64 size)
{
	return d->msix && bar == d->msix_bar && off < d->msix_off + d->msix_n * 16ull &&
	       off + size > d->msix_off;
}

/* An access reaching into the table from outside it: it must not touch
 * the device's entries (dropped, reads all ones). */
static bool across_table(const struct pt_dev *d, u32 bar, u64 off, u8 size)
{
	return touches_table(d, bar, off, size) && !in_table(d, bar, off, size);
}

static bool in_pba(const struct pt_dev *d, u32 bar, u64 off, u64 size)
{
	return d->msix && bar == d->pba_bar && off + size > d->pba_off &&
	       off < d->pba_off + (d->msix_n + 63) / 64 * 8;
}

static void count(struct pt_dev *d, u32 bar, u64 off, u8 size)
{
	bool msix = touches_table(d, bar, off, size) || in_pba(d, bar, off, size);

	__atomic_fetch_add(&d->forwarded, 1, __ATOMIC_RELAXED);
	if (msix)
		__atomic_fetch_add(&d->msix_traps, 1, __ATOMIC_RELAXED);
}

/*
 * The BARs mapped straight into the owner's guest-physical space, so the
 * child's accesses reach the device with no exit (uncached: the memory
 * type of device registers). Left to the hypervisor, page by page: the
 * pages holding the MSI-X table or the pending bits (the table is
 * virtualized, the bits read-only), and every BAR smaller than a page
 * (its page may hold another device's registers). Only where the BAR
 * decodes (memory decoding on, inside the child's window). A BAR moved
 * or turned off is unmapped and the owner's vCPUs flush at their next
 * entry; until then a vCPU may still reach the old range, which maps
 * only this same device the child owns.
 */
static bool page_trapped(const struct pt_dev *d, u32 bar, u64 pg)
{
	return touches_table(d, bar, pg, PAGE_SIZE) || in_pba(d, bar, pg, PAGE_SIZE);
}

static bool bar_mappable(const struct pt_dev *d, u32 bar)
{
	return d->hsize[bar] >= PAGE_SIZE && !(d->hbase[bar] & (PAGE_SIZE - 1));
}

static u32 map_bar(struct pt_dev *d, struct partition *c, u32 bar, u64 gbase)
{
	u64 run = 0, kib = 0, len = d->hsize[bar];

	for (u64 pg = 0; pg <= len; pg += PAGE_SIZE) {
		if (pg < len && !page_trapped(d, bar, pg))
			continue;
		u64 from = run;
		run = pg + PAGE_SIZE;
		if (pg == from)
			continue;
		if (pt_map(&c->slat, gbase + from, d->hbase[bar] + from, pg - from,
			   PT_R | PT_W | PT_USER | PT_UC)) {
			pr_warn("passthrough: %s: no room in '%s''s tables to map BAR %u: "
				"its accesses are forwarded", bdf_name(d->bdf), c->cfg.name, bar);
			pt_unmap(&c->slat, gbase, len);
			return 0;
		}
		kib += (pg - from) / KiB(1);
	}
	return (u32)kib;
}

/* With d->lock held. unmap_all: every mapping goes (the owner stopped). */
static void direct_map(struct pt_dev *d, bool unmap_all)
{
	struct partition *c = d->owner;
	bool dropped = false;

	if (!c)
		return;
	u64 fl = spin_lock_irqsave(&c->slat_lock);
	for (u32 b = 0; b < PCI_BARS; b++) {
		u64 want = 0, base;
		if (!unmap_all && bar_mappable(d, b) && pci_bar_decoding(&d->func, b, &base))
			want = base;
		if (want == d->gmap[b])
			continue;
		if (d->gmap[b]) {
			pt_unmap(&c->slat, d->gmap[b], d->hsize[b]);
			dropped = true;
		}
		d->gkib[b] = want ? map_bar(d, c, b, want) : 0;
		d->gmap[b] = d->gkib[b] ? want : 0;
	}
	spin_unlock_irqrestore(&c->slat_lock, fl);
	if (dropped)
		__atomic_fetch_add(&c->slat_generation, 1, __ATOMIC_SEQ_CST);
}

static int pt_bar_read(struct vcpu *v, struct pci_func *f, u32 bar, u64 off, u8 size, u64 *val)
{
	struct pt_dev *d = f->dev;
	(void)v;

	count(d, bar, off, size);
	if (in_table(d, bar, off, size)) {
		u64 fl = spin_lock_irqsave(&d->lock);
		u64 t = off - d->msix_off, x = 0;
		memcpy(&x, (u8 *)&d->ent[t / 16] + t % 16, MIN(size, (u8)(16 - t % 16)));
		spin_unlock_irqrestore(&d->lock, fl);
		*val = x;
		return 0;
	}
	if (across_table(d, bar, off, size))
		return 0; /* *val: all ones already */
	volatile u8 *p = d->hmap[bar] + off;
	switch (size) {
	case 1: *val = *p; break;
	case 2: *val = *(volatile u16 *)p; break;
	case 4: *val = *(volatile u32 *)p; break;
	default: *val = *(volatile u64 *)p; break;
	}
	return 0;
}

static int pt_bar_write(struct vcpu *v, struct pci_func *f, u32 bar, u64 off, u8 size, u64 val)
{
	struct pt_dev *d = f->dev;
	(void)v;

	count(d, bar, off, size);
	if (in_table(d, bar, off, size)) {
		/* Dword or qword accesses, aligned (PCI 3.0 6.8.2); others
		 * are dropped as the hardware may. */
		u64 t = off - d->msix_off;
		if ((size != 4 && size != 8) || (off & (size - 1)) || t % 16 + size > 16)
			return 0;
		u64 fl = spin_lock_irqsave(&d->lock);
		memcpy((u8 *)&d->ent[t / 16] + t % 16, &val, size);
		d->ent[t / 16].ctrl &= MSIX_MASKED;
		msix_sync(d, (u32)(t / 16));
		spin_unlock_irqrestore(&d->lock, fl);
		return 0;
	}
	if (across_table(d, bar, off, size) || in_pba(d, bar, off, size))
		return 0; /* the pending bits are read-only */
	volatile u8 *p = d->hmap[bar] + off;
	switch (size) {
	case 1: *p = (u8)val; break;
	case 2: *(volatile u16 *)p = (u16)val; break;
	case 4: *(volatile u32 *)p = (u32)val; break;
	default: *(volatile u64 *)p = val; break;
	}
	return 0;
}

static const struct pci_func_ops pt_ops = {
	.cfg_read = pt_cfg_read,
	.cfg_written = pt_cfg_written,
	.bar_read = pt_bar_read,
	.bar_write = pt_bar_write,
};

/* ---- taking the function ---------------------------------------------------- */

static u32 find_cap(u32 bdf, u8 id)
{
	if (!(pci_cfg_read(bdf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	for (u32 at = pci_cfg_read(bdf, PCI_CAP_PTR, 1) & 0xfc, n = 0; at >= 0x40 && n < 48;
	     at = pci_cfg_read(bdf, at + 1, 1) & 0xfc, n++)
		if (pci_cfg_read(bdf, at, 1) == id)
			return at;
	return 0;
}

/* The device's memory BARs (sized with decoding off): false with *why. */
static bool probe_bars(struct pt_dev *d, const char **why)
{
	for (u32 b = 0; b < PCI_BARS; b++)
		d->raw[b] = pci_cfg_read(d->bdf, PCI_BAR0 + 4 * b, 4);
	for (u32 b = 0; b < PCI_BARS; b++) {
		u32 at = PCI_BAR0 + 4 * b, lo = d->raw[b];
		if (lo & 1)
			continue; /* I/O: not given */
		bool wide = ((lo >> 1) & 3) == 2;
		if (wide && b == PCI_BARS - 1) {
			*why = "a 64-bit BAR in the last register";
			return false;
		}
		pci_cfg_write(d->bdf, at, 4, 0xffffffffu);
		u64 mask = pci_cfg_read(d->bdf, at, 4) & ~0xfull;
		pci_cfg_write(d->bdf, at, 4, lo);
		if (wide) {
			pci_cfg_write(d->bdf, at + 4, 4, 0xffffffffu);
			mask |= (u64)pci_cfg_read(d->bdf, at + 4, 4) << 32;
			pci_cfg_write(d->bdf, at + 4, 4, d->raw[b + 1]);
		} else if (mask) {
			mask |= 0xffffffff00000000ull;
		}
		u64 base = (lo & ~0xfull) | (wide ? (u64)d->raw[b + 1] << 32 : 0);
		u64 size = mask ? ~mask + 1 : 0; /* no bit sticks: no BAR there */
		if (size) {
			if (size > PT_SLICE / 2) {
				*why = "a BAR larger than 8 MiB";
				return false;
			}
			if (!base || !(d->hmap[b] = ioremap(base, size))) {
				*why = "a memory BAR the firmware did not place where the hypervisor can map it";
				return false;
			}
			d->hbase[b] = base;
			d->hsize[b] = size;
		}
		if (wide)
			b++;
	}
	return true;
}

/* Keeps the capability at `at` (its bytes into the child's view) behind
 * `*link`. */
static void keep_cap(struct pt_dev *d, u32 at, u32 len, u8 **link)
{
	for (u32 i = 0; i < len && at + i < 256; i++)
		d->func.cfg[at + i] = (u8)pci_cfg_read(d->bdf, at + i, 1);
	d->func.cfg[at + 1] = 0;
	**link = (u8)at;
	*link = &d->func.cfg[at + 1];
}

/* The child's view: identity, BARs in its slice, the capabilities kept. */
static bool build_view(struct pt_dev *d, const char **why)
{
	struct pci_func *f = &d->func;
	u8 *c = f->cfg, *m = f->wmask;

	memset(f, 0, sizeof(*f));
	f->ops = &pt_ops;
	f->dev = d;
	for (u32 i = 0; i < 0x10; i += 4) {
		u32 v = pci_cfg_read(d->bdf, i, 4);
		memcpy(&c[i], &v, 4);
	}
	u32 sub = pci_cfg_read(d->bdf, PCI_SUBSYS_VENDOR, 4);
	memcpy(&c[PCI_SUBSYS_VENDOR], &sub, 4);
	c[PCI_COMMAND] = c[PCI_COMMAND + 1] = 0;
	c[PCI_STATUS] = 0;
	c[PCI_STATUS + 1] = 0;
	c[HDR_TYPE] = 0; /* one function, type 0 */
	c[0x0c] = c[0x0d] = 0;
	m[PCI_COMMAND] = PCI_CMD_MEM | PCI_CMD_MASTER;
	m[PCI_COMMAND + 1] = PCI_CMD_INTX_DISABLE >> 8;
	m[PCI_INT_LINE] = 0xff;

	/* BARs: largest first, naturally aligned, in this function's slice. */
	u64 slice = PT_WINDOW + d->index * PT_SLICE, used = 0;
	u64 bases[PCI_BARS] = { 0 };
	for (u32 k = 0; k < PCI_BARS; k++) {
		u32 best = PCI_BARS;
		for (u32 b = 0; b < PCI_BARS; b++)
			if (d->hsize[b] && !bases[b] && (best == PCI_BARS || d->hsize[b] > d->hsize[best]))
				best = b;
		if (best == PCI_BARS)
			break;
		u64 at = ALIGN_UP(used, d->hsize[best]);
		if (at + d->hsize[best] > PT_SLICE) {
			*why = "BARs that do not fit in 16 MiB";
			return false;
		}
		bases[best] = slice + at;
		used = at + d->hsize[best];
		f->bar_size[best] = (u32)d->hsize[best];
		memset(&m[PCI_BAR0 + 4 * best], 0xff, 4);
	}
	pci_func_reset(f, bases);

	/* Capabilities: MSI, MSI-X and the vendor's, at their own offsets. */
	u8 *link = &c[PCI_CAP_PTR];
	if (pci_cfg_read(d->bdf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST) {
		for (u32 at = pci_cfg_read(d->bdf, PCI_CAP_PTR, 1) & 0xfc, n = 0; at >= 0x40 && n < 48;
		     n++) {
			u32 next = pci_cfg_read(d->bdf, at + 1, 1) & 0xfc;
			u8 id = (u8)pci_cfg_read(d->bdf, at, 1);
			if (id == CAP_MSIX && d->msix == at) {
				keep_cap(d, at, 12, &link);
				m[at + 3] = (MSIX_ENABLE | MSIX_FMASK) >> 8;
				c[at + 3] &= (u8)~((MSIX_ENABLE | MSIX_FMASK) >> 8);
			} else if (id == CAP_MSI && d->msi == at) {
				u16 ctrl = (u16)pci_cfg_read(d->bdf, at + 2, 2);
				bool wide = ctrl & MSI_64;
				u32 len = 10 + (wide ? 4 : 0) + ((ctrl & MSI_PVM) ? 10 : 0);
				keep_cap(d, at, len, &link);
				/* One message (Multiple Message Capable 0), off. */
				ctrl &= (u16)(MSI_64 | MSI_PVM);
				memcpy(&c[at + 2], &ctrl, 2);
				memset(&c[at + 4], 0, len - 4);
				m[at + 2] = MSI_ENABLE;
				m[at + 4] = 0xfc;
				memset(&m[at + 5], 0xff, 3);
				if (wide)
					memset(&m[at + 8], 0xff, 4);
				m[at + (wide ? 12 : 8)] = m[at + (wide ? 13 : 9)] = 0xff;
				if (ctrl & MSI_PVM)
					m[at + (wide ? 16 : 12)] = 1;
			} else if (id == CAP_VENDOR) {
				u32 len = pci_cfg_read(d->bdf, at + 2, 1);
				if (len >= 3 && at + len <= 256) {
					keep_cap(d, at, len, &link);
					memset(&m[at + 3], 0xff, len - 3);
				}
			}
			at = next;
		}
	}
	if (c[PCI_CAP_PTR])
		c[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	return true;
}

/* The function's MSI and MSI-X off in the device, its decoding and bus
 * mastering off, INTx off. */
static void quiet(u32 bdf, u32 msi, u32 msix)
{
	pci_cfg_write(bdf, PCI_COMMAND, 2, PCI_CMD_INTX_DISABLE);
	if (msi)
		pci_cfg_write(bdf, msi + 2, 2, pci_cfg_read(bdf, msi + 2, 2) & ~MSI_ENABLE);
	if (msix)
		pci_cfg_write(bdf, msix + 2, 2,
			      (pci_cfg_read(bdf, msix + 2, 2) & ~MSIX_ENABLE) | MSIX_FMASK);
}

/* The parent's mappings of the function's BARs dropped: unmapped, then
 * each of its vCPUs in the guest made to leave it once. */
static void shoot_start(struct pt_dev *d, struct partition *parent)
{
	u64 f = spin_lock_irqsave(&parent->slat_lock);
	for (u32 b = 0; b < PCI_BARS; b++)
		if (d->hsize[b])
			pt_unmap(&parent->slat, ALIGN_DOWN(d->hbase[b], PAGE_SIZE),
				 ALIGN_UP(d->hsize[b] + d->hbase[b] % PAGE_SIZE, PAGE_SIZE));
	spin_unlock_irqrestore(&parent->slat_lock, f);
	__atomic_fetch_add(&parent->slat_generation, 1, __ATOMIC_SEQ_CST);
	for (u32 i = 0; i < parent->nr_vcpus && i < MAX_VCPUS; i++) {
		struct vcpu *v = parent->vcpu[i];
		d->snap[i] = __atomic_load_n(&v->exits, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST))
			sched_kick(v);
	}
	d->parent = parent;
	d->shoot = true;
}

static bool shoot_done(struct pt_dev *d)
{
	struct partition *parent = d->parent;

	if (!d->shoot)
		return true;
	for (u32 i = 0; i < parent->nr_vcpus && i < MAX_VCPUS; i++) {
		struct vcpu *v = parent->vcpu[i];
		if (__atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST) &&
		    __atomic_load_n(&v->exits, __ATOMIC_SEQ_CST) == d->snap[i]) {
			sched_kick(v);
			return false;
		}
	}
	d->shoot = false;
	return true;
}

bool passthru_ready(const struct partition *c)
{
	for (u32 i = 0; i < HV_PCI_PT_MAX; i++)
		if (devs[i].state == ASSIGNED && devs[i].owner == c && !shoot_done(&devs[i]))
			return false;
	return true;
}

static void free_msix(struct pt_dev *d)
{
	for (u32 n = 0; d->ent && n < d->msix_n; n++)
		unroute(d, &d->ent[n]);
	unroute(d, &d->msi_ent);
}

/* Back to what the hypervisor holds: nothing of a child left. */
static void forget_child(struct pt_dev *d)
{
	free_msix(d);
	kfree(d->ent);
	d->ent = NULL;
	if (d->dom_built)
		pt_destroy(&d->dom);
	d->dom_built = false;
	d->owner = NULL;
}

static int refuse(const char **why, const char *what, int e)
{
	*why = what;
	return -e;
}

/* A failed assignment of a function already taken from the parent: held,
 * its DMA blocked, assignable (HVC_PCI_RETURN gives it back). */
static int held(struct pt_dev *d, const char **why, const char *what, int e)
{
	iommu_device_block(d->bdf, d->dom_id);
	forget_child(d);
	iommu_dev_ir_close(d->bdf);
	d->state = ASSIGNABLE;
	if (what)
		*why = what;
	return -e;
}

int passthru_assign(struct partition *parent, struct partition *c, u32 bdf, const char **why)
{
	struct pt_dev *d = bdf <= 0xffff ? find(bdf) : NULL;
	const char *err;

	*why = NULL;
	if (d && d->state == ASSIGNED && d->owner == c)
		return shoot_done(d) ? 0 : HV_MORE; /* the call again, while it waits */
	if ((err = iommu_passthrough_refused()))
		return refuse(why, err, HV_EPERM);
	if (bdf > 0xffff || (!d && (pci_cfg_read(bdf, PCI_VENDOR_ID, 2) == 0xffff)))
		return refuse(why, "no such PCI function", HV_ENOENT);
	if (d && d->state == ASSIGNED)
		return refuse(why, "assigned to another child already", HV_EBUSY);
	if (c->state != PART_CREATED || !c->platform || !c->platform->pci)
		return refuse(why, "the child has started, or has no PCI bus", HV_EBUSY);
	if (c->cfg.managed && c->populated < c->cfg.mem)
		return refuse(why, "the child's memory is not all there yet (populate it first)",
			      HV_EBUSY);
	if (iommu_pci_function(bdf))
		return refuse(why, "it is the IOMMU's own function", HV_EINVAL);
	if ((pci_cfg_read(bdf, HDR_TYPE, 1) & 0x7f) != 0)
		return refuse(why, "it is a bridge (header type not 0)", HV_EINVAL);
	if ((pci_cfg_read(bdf, 0x0a, 2)) == CLASS_HOST_BRIDGE)
		return refuse(why, "it is a host bridge", HV_EINVAL);
	u32 index = 0;
	for (u32 i = 0; i < HV_PCI_PT_MAX; i++)
		if (devs[i].state == ASSIGNED && devs[i].owner == c)
			index++;
	if (!d) {
		for (u32 i = 0; i < HV_PCI_PT_MAX && !d; i++)
			if (devs[i].state == FREE)
				d = &devs[i];
		if (!d)
			return refuse(why, "as many functions as the hypervisor holds are held",
				      HV_ENOSPC);
		spinlock_t lock = d->lock;
		memset(d, 0, sizeof(*d));
		d->lock = lock;
		d->bdf = bdf;
		d->dom_id = (u16)(2 + (d - devs));
		d->msi_ent.slot = NO_SLOT;
		d->vendor = (u16)pci_cfg_read(bdf, PCI_VENDOR_ID, 2);
		d->device = (u16)pci_cfg_read(bdf, 2, 2);
		d->msi = (u8)find_cap(bdf, CAP_MSI);
		d->msix = (u8)find_cap(bdf, CAP_MSIX);
		d->pcie = (u8)find_cap(bdf, CAP_PCIE);
		if (!d->msi && !d->msix)
			return refuse(why, "it has neither MSI nor MSI-X (INTx is not passed through)",
				      HV_EINVAL);
		/* Ours from here: the parent sees all ones. */
		d->cmd = (u16)pci_cfg_read(bdf, PCI_COMMAND, 2);
		d->state = ASSIGNABLE;
		quiet(bdf, d->msi, d->msix);
		if (!probe_bars(d, why)) {
			pci_cfg_write(bdf, PCI_COMMAND, 2, d->cmd);
			d->state = FREE;
			return -HV_EINVAL;
		}
		shoot_start(d, parent);
	}
	d->index = index;
	if (d->msix) {
		u32 ctrl = pci_cfg_read(bdf, d->msix + 2, 2), t = pci_cfg_read(bdf, d->msix + 4, 4),
		    pba = pci_cfg_read(bdf, d->msix + 8, 4);
		d->msix_n = (ctrl & 0x7ff) + 1;
		d->msix_bar = t & 7;
		d->msix_off = t & ~7u;
		d->pba_bar = pba & 7;
		d->pba_off = pba & ~7u;
		if (d->msix_bar >= PCI_BARS || !d->hsize[d->msix_bar] ||
		    d->msix_off + d->msix_n * 16ull > d->hsize[d->msix_bar] ||
		    d->pba_bar >= PCI_BARS || !d->hsize[d->pba_bar])
			return held(d, why, "its MSI-X table or pending bits are not inside its "
				    "memory BARs", HV_EINVAL);
		if (!(d->ent = kzalloc(d->msix_n * sizeof(*d->ent))))
			return held(d, why, "out of memory", HV_ENOMEM);
		for (u32 n = 0; n < d->msix_n; n++)
			d->ent[n] = (struct msix_ent){ .ctrl = MSIX_MASKED, .slot = NO_SLOT };
	}
	if (!build_view(d, why))
		return held(d, NULL, NULL, HV_EINVAL);
	if ((err = iommu_domain_build(&d->dom, c)))
		return held(d, why, err, HV_ENOMEM);
	d->dom_built = true;
	if ((err = iommu_dev_ir_open(bdf)))
		return held(d, why, err, HV_ENOMEM);
	if ((err = iommu_device_assign(bdf, &d->dom, d->dom_id)))
		return held(d, why, err, HV_EINVAL);
	if (pci_add(c, HV_PCI_PT_SLOT + index, &d->func))
		return held(d, why, "no free slot on the child's PCI bus", HV_ENOSPC);
	d->owner = c;
	d->forwarded = d->msix_traps = 0;
	d->state = ASSIGNED;
	pr_info("passthrough: %s (%04x:%04x) assigned to partition '%s' at PCI 00:%02x.0 "
		"(DMA confined to its memory, interrupts remapped)", bdf_name(bdf), d->vendor,
		d->device, c->cfg.name, HV_PCI_PT_SLOT + index);
	return shoot_done(d) ? 0 : HV_MORE;
}

/* ---- letting it go --------------------------------------------------------- */

/* The device reset and its BARs as the parent's firmware left them;
 * step 0 starts a function level reset, step 1 waits it out. */
static bool reset_device(struct pt_dev *d)
{
	if (d->phase == 0) {
		u64 fl = spin_lock_irqsave(&d->lock);
		free_msix(d);
		direct_map(d, true);
		spin_unlock_irqrestore(&d->lock, fl);
		quiet(d->bdf, d->msi, d->msix);
		d->flr_us = 0;
		if (d->pcie && (pci_cfg_read(d->bdf, d->pcie + 4, 4) & DEVCAP_FLR)) {
			u16 ctl = (u16)pci_cfg_read(d->bdf, d->pcie + 8, 2);
			pci_cfg_write(d->bdf, d->pcie + 8, 2, ctl | DEVCTL_FLR);
			d->flr_us = timer_uptime_us() + 1;
		}
		d->phase = 1;
	}
	if (d->flr_us && timer_uptime_us() + 1 - d->flr_us < FLR_WAIT_US)
		return false;
	for (u32 b = 0; b < PCI_BARS; b++)
		pci_cfg_write(d->bdf, PCI_BAR0 + 4 * b, 4, d->raw[b]);
	quiet(d->bdf, d->msi, d->msix);
	if (d->flr_us)
		d->resets++;
	d->phase = 0;
	return true;
}

static void released(struct pt_dev *d)
{
	const char *err = iommu_device_block(d->bdf, d->dom_id);

	if (err)
		pr_err("passthrough: %s: its DMA could not be blocked: %s", bdf_name(d->bdf), err);
	u64 fl = spin_lock_irqsave(&d->lock);
	forget_child(d);
	d->state = ASSIGNABLE;
	spin_unlock_irqrestore(&d->lock, fl);
	iommu_dev_ir_close(d->bdf);
	pr_info("passthrough: %s: reset (%s), DMA blocked, assignable", bdf_name(d->bdf),
		d->flr_us ? "FLR" : "no reset method: its state is not scrubbed");
}

bool passthru_reset_step(struct partition *c, bool release)
{
	bool done = true;

	for (u32 i = 0; i < HV_PCI_PT_MAX; i++) {
		struct pt_dev *d = &devs[i];
		if (d->state != ASSIGNED || d->owner != c)
			continue;
		if (!reset_device(d)) {
			done = false;
			continue;
		}
		if (release) {
			released(d);
			continue;
		}
		/* A restart: the child's view at power-on, the device its. */
		u64 fl = spin_lock_irqsave(&d->lock);
		const char *why;
		build_view(d, &why);
		for (u32 n = 0; n < d->msix_n; n++)
			d->ent[n] = (struct msix_ent){ .ctrl = MSIX_MASKED, .slot = NO_SLOT };
		spin_unlock_irqrestore(&d->lock, fl);
	}
	return done;
}

void passthru_release(struct partition *c)
{
	for (u32 i = 0; i < HV_PCI_PT_MAX; i++) {
		struct pt_dev *d = &devs[i];
		if (d->state != ASSIGNED || d->owner != c)
			continue;
		while (!reset_device(d))
			cpu_relax();
		released(d);
	}
}

int passthru_return(u32 bdf, const char **why)
{
	struct pt_dev *d = bdf <= 0xffff ? find(bdf) : NULL;
	const char *err;

	*why = NULL;
	if (!d)
		return refuse(why, "the hypervisor holds no such function", HV_ENOENT);
	if (d->state != ASSIGNABLE)
		return refuse(why, "it is assigned to a child", HV_EBUSY);
	if ((err = iommu_device_to_parent(bdf)))
		return refuse(why, err, HV_EINVAL);
	d->state = FREE;
	pr_info("passthrough: %s returned to the parent", bdf_name(bdf));
	return 0;
}

static u32 mapped_kib(const struct pt_dev *d)
{
	u32 kib = 0;

	for (u32 b = 0; b < PCI_BARS; b++)
		kib += READ_ONCE(d->gkib[b]);
	return kib;
}

u32 passthru_list(struct hv_pci_dev *out, u32 max)
{
	u32 n = 0;

	for (u32 i = 0; i < HV_PCI_PT_MAX; i++) {
		const struct pt_dev *d = &devs[i];
		if (d->state == FREE)
			continue;
		if (n < max)
			out[n] = (struct hv_pci_dev){
				.bdf = d->bdf,
				.state = d->state == ASSIGNED ? HV_PCI_ASSIGNED : HV_PCI_ASSIGNABLE,
				.owner = d->state == ASSIGNED && d->owner ? d->owner->id : 0,
				.vendor = d->vendor,
				.device = d->device,
				.resets = d->resets,
				.mapped_kib = mapped_kib(d),
				.forwarded = __atomic_load_n(&d->forwarded, __ATOMIC_RELAXED),
				.msix_traps = __atomic_load_n(&d->msix_traps, __ATOMIC_RELAXED),
			};
		n++;
	}
	return n;
}
