// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-pci transport (vmm/dev/virtio_pci.h). Section numbers are
 * virtio 1.2's.
 *
 * Configuration space (4.1.4): vendor 0x1af4, device 0x1040 + type (a
 * modern device), revision 1; capabilities: MSI-X at 0x40, then the
 * virtio structures common (0x50), notify (0x60), ISR (0x78), device
 * (0x88, when it has configuration bytes) and PCI configuration access
 * (0x98, which every device must offer, 4.1.4.9).
 *
 * Locking: each device's state under its lock, taken inside the bus lock
 * (configuration writes) and outside the channel's (records are sent
 * with it held, so they leave in the order the driver acted).
 */
#include "vmm/dev/virtio_pci.h"
#include "vmm/dev/pci.h"
#include "vmm/dev/platform_dev.h"
#include "vmm/channel.h"
#include "vmm/base/heap.h"
#include "vmm/base/log.h"
#include "vmm/base/string.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_SUBSYS 0x1100
#define NO_VECTOR 0xffff

/* Capability offsets in configuration space. */
#define CAP_MSIX 0x40
#define CAP_COMMON 0x50
#define CAP_NOTIFY 0x60
#define CAP_ISR 0x78
#define CAP_DEVICE 0x88
#define CAP_PCICFG 0x98
#define PCICFG_DATA (CAP_PCICFG + 16)
/* virtio_pci_cap.cfg_type (4.1.4) */
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4
#define CFG_PCI 5

/* Inside BAR1 (hv_abi.h). */
#define BAR_IO 0
#define BAR_MEM 1
#define OFF_COMMON 0x0000
#define COMMON_LEN 0x38
#define OFF_ISR 0x1000
#define OFF_DEVICE 0x2000
#define OFF_MSIX 0x3000
#define OFF_PBA 0x3800
#define NOTIFY_MULT 2

/* MSI-X (PCI 3.0 6.8.2) */
#define MSIX_ENABLE BIT(15)
#define MSIX_FMASK BIT(14)
#define MSIX_ENTRY_MASKED BIT(0)

/* Common configuration fields (4.1.4.3). */
#define CC_DFSELECT 0x00
#define CC_DF 0x04
#define CC_GFSELECT 0x08
#define CC_GF 0x0c
#define CC_MSIX 0x10
#define CC_NUMQ 0x12
#define CC_STATUS 0x14
#define CC_CFGGEN 0x15
#define CC_QSELECT 0x16
#define CC_QSIZE 0x18
#define CC_QMSIX 0x1a
#define CC_QENABLE 0x1c
#define CC_QNOTIFYOFF 0x1e
#define CC_QDESC 0x20
#define CC_QDRIVER 0x28
#define CC_QDEVICE 0x30

struct vq {
	u16 size, msix, enabled;
	u64 desc, driver, device;
};

struct msix_entry {
	u32 addr_lo, addr_hi, data, ctrl;
};

struct virtio_dev {
	spinlock_t lock;
	struct pci_func func;
	struct partition *part;
	u32 index;
	struct hv_device d;          /* as the backend gave it */
	u8 config[HV_DEVICE_CONFIG_MAX];
	u32 dfselect, gfselect;
	u64 driver_features;
	u16 msix_config, qselect;
	u8 status, isr, generation;
	bool reset_pending;
	bool broken_logged;
	u32 resets;
	struct vq q[HV_QUEUES_MAX];
	u32 nvec;
	struct msix_entry msix[HV_QUEUES_MAX + 1];
	u64 pba;
};

static const char *type_name(u32 t)
{
	switch (t) {
	case HV_VIRTIO_NET: return "virtio-net";
	case HV_VIRTIO_BLOCK: return "virtio-blk";
	case HV_VIRTIO_CONSOLE: return "virtio-console";
	case HV_VIRTIO_RNG: return "virtio-rng";
	default: return "virtio";
	}
}

/* PCI class codes (class, subclass) by device type. */
static u32 class_of(u32 t)
{
	switch (t) {
	case HV_VIRTIO_NET: return 0x020000;     /* network, Ethernet */
	case HV_VIRTIO_BLOCK: return 0x018000;   /* mass storage, other */
	case HV_VIRTIO_CONSOLE: return 0x078000; /* communication, other */
	default: return 0x00ff00;                /* unclassified */
	}
}

static void put16(u8 *b, u32 off, u16 v) { memcpy(b + off, &v, 2); }
static void put32(u8 *b, u32 off, u32 v) { memcpy(b + off, &v, 4); }

static u64 bar_bases(const struct virtio_dev *vd, u32 bar)
{
	return bar == BAR_IO ? HV_PCI_IO_BASE + vd->index * HV_PCI_IO_BAR_SIZE
			     : HV_PCI_MEM_BASE + vd->index * HV_PCI_MEM_BAR_SIZE;
}

static void vendor_cap(u8 *c, u32 at, u8 next, u8 type, u8 bar, u32 off, u32 len, u8 caplen)
{
	c[at] = 0x09; /* vendor-specific */
	c[at + 1] = next;
	c[at + 2] = caplen;
	c[at + 3] = type;
	c[at + 4] = bar;
	put32(c, at + 8, off);
	put32(c, at + 12, len);
}

static void build_config_space(struct virtio_dev *vd)
{
	struct pci_func *f = &vd->func;
	u8 *c = f->cfg, *m = f->wmask;
	bool has_dev = vd->d.config_len > 0;

	memset(c, 0, sizeof(f->cfg));
	memset(m, 0, sizeof(f->wmask));
	put16(c, PCI_VENDOR_ID, VIRTIO_VENDOR);
	put16(c, 0x02, (u16)(0x1040 + vd->d.type));
	put16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
	put32(c, PCI_REVISION, (class_of(vd->d.type) << 8) | 1);
	put16(c, PCI_SUBSYS_VENDOR, VIRTIO_VENDOR);
	put16(c, PCI_SUBSYS_VENDOR + 2, VIRTIO_SUBSYS);
	c[PCI_CAP_PTR] = CAP_MSIX;
	/* Writable: command (I/O, memory, bus master; INTx disable), the
	 * BARs (sized by the bus), the interrupt line. */
	m[PCI_COMMAND] = PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER;
	m[PCI_COMMAND + 1] = PCI_CMD_INTX_DISABLE >> 8;
	f->bar_size[BAR_IO] = HV_PCI_IO_BAR_SIZE;
	f->bar_io[BAR_IO] = true;
	f->bar_size[BAR_MEM] = HV_PCI_MEM_BAR_SIZE;
	memset(m + PCI_BAR0, 0xff, 8);
	m[PCI_INT_LINE] = 0xff;

	/* MSI-X: table and PBA in BAR1; enable and function mask writable. */
	c[CAP_MSIX] = 0x11;
	c[CAP_MSIX + 1] = CAP_COMMON;
	put16(c, CAP_MSIX + 2, (u16)(vd->nvec - 1));
	put32(c, CAP_MSIX + 4, OFF_MSIX | BAR_MEM);
	put32(c, CAP_MSIX + 8, OFF_PBA | BAR_MEM);
	m[CAP_MSIX + 3] = (MSIX_ENABLE | MSIX_FMASK) >> 8;

	vendor_cap(c, CAP_COMMON, CAP_NOTIFY, CFG_COMMON, BAR_MEM, OFF_COMMON, COMMON_LEN, 16);
	vendor_cap(c, CAP_NOTIFY, CAP_ISR, CFG_NOTIFY, BAR_IO, 0, HV_PCI_IO_BAR_SIZE, 20);
	put32(c, CAP_NOTIFY + 16, NOTIFY_MULT);
	vendor_cap(c, CAP_ISR, has_dev ? CAP_DEVICE : CAP_PCICFG, CFG_ISR, BAR_MEM, OFF_ISR, 4, 16);
	if (has_dev)
		vendor_cap(c, CAP_DEVICE, CAP_PCICFG, CFG_DEVICE, BAR_MEM, OFF_DEVICE,
			   ALIGN_UP(vd->d.config_len, 4), 16);
	/* PCI configuration access (4.1.4.9): bar, offset, length and the
	 * data window are the driver's. */
	vendor_cap(c, CAP_PCICFG, 0, CFG_PCI, 0, 0, 0, 20);
	m[CAP_PCICFG + 4] = 0xff;
	memset(m + CAP_PCICFG + 8, 0xff, 12);
}

/* ---- interrupts ----------------------------------------------------------- */

static u16 msix_ctrl(const struct virtio_dev *vd)
{
	u16 v;

	memcpy(&v, &vd->func.cfg[CAP_MSIX + 2], 2);
	return v;
}

/* Sends vector n's message, or keeps it pending while masked (PCI 3.0
 * 6.8.3.5). With the device lock held. */
static void msix_fire(struct virtio_dev *vd, u32 n)
{
	u16 ctrl = msix_ctrl(vd);

	if (!(ctrl & MSIX_ENABLE) || n >= vd->nvec)
		return; /* no INTx here: the interrupt has nowhere to go */
	struct msix_entry *e = &vd->msix[n];
	if ((ctrl & MSIX_FMASK) || (e->ctrl & MSIX_ENTRY_MASKED)) {
		vd->pba |= BIT(n);
		return;
	}
	vd->pba &= ~BIT(n);
	/* An MSI address is 0xfeeXXXXX (SDM Vol. 3A 11.11.1): destination
	 * ID in bits 19:12, destination mode in bit 2. Anything else would
	 * be a DMA write somewhere: it goes nowhere here. */
	if ((e->addr_lo >> 20) != 0xfee || e->addr_hi)
		return;
	platform_deliver(vd->part, (e->addr_lo >> 12) & 0xff, e->addr_lo & BIT(2),
			 (e->data >> 8) & 7, (u8)e->data, false);
}

static void msix_unmasked(struct virtio_dev *vd)
{
	for (u32 n = 0; n < vd->nvec; n++)
		if (vd->pba & BIT(n))
			msix_fire(vd, n);
}

static void raise_locked(struct virtio_dev *vd, u16 q)
{
	u16 vec = q == HV_CHAN_CONFIG_IRQ ? vd->msix_config : q < vd->d.queues ? vd->q[q].msix
									     : NO_VECTOR;
	if (!(msix_ctrl(vd) & MSIX_ENABLE)) {
		vd->isr |= q == HV_CHAN_CONFIG_IRQ ? 2 : 1;
		return;
	}
	if (vec != NO_VECTOR)
		msix_fire(vd, vec);
}

/* ---- reset and status ---------------------------------------------------- */

static void reset_state(struct virtio_dev *vd)
{
	vd->dfselect = vd->gfselect = 0;
	vd->driver_features = 0;
	vd->msix_config = NO_VECTOR;
	vd->qselect = 0;
	vd->status = 0;
	vd->isr = 0;
	vd->reset_pending = false;
	vd->broken_logged = false;
	memcpy(vd->config, vd->d.config, sizeof(vd->config));
	for (u32 i = 0; i < HV_QUEUES_MAX; i++)
		vd->q[i] = (struct vq){ .size = vd->d.queue_size, .msix = NO_VECTOR };
}

static void status_write(struct virtio_dev *vd, u8 val)
{
	if (val == 0) {
		/* The driver waits until status reads 0 (4.1.4.3.2); a
		 * backend that is there finishes with the rings first. */
		vd->resets++;
		vd->generation++;
		bool told = channel_send(vd->part, HV_CHAN_STATUS, (u8)vd->index, 0, 0);
		u8 keep = vd->status;
		reset_state(vd);
		/* Only a device the backend may be using (DRIVER_OK) waits
		 * for it; the status it reads meanwhile is the old one, not
		 * 0, so the driver keeps waiting. */
		if (told && (keep & HV_VIRTIO_S_DRIVER_OK)) {
			vd->status = keep;
			vd->reset_pending = true;
		}
		return;
	}
	if (vd->reset_pending)
		return;
	/* FEATURES_OK only for features the device offered, VERSION_1
	 * among them (2.2, 3.1.1): otherwise the bit does not stick and
	 * the driver gives up. */
	if ((val & HV_VIRTIO_S_FEATURES_OK) && !(vd->status & HV_VIRTIO_S_FEATURES_OK) &&
	    ((vd->driver_features & ~vd->d.features) ||
	     !(vd->driver_features & HV_VIRTIO_F_VERSION_1)))
		val &= (u8)~HV_VIRTIO_S_FEATURES_OK;
	/* NEEDS_RESET is the device's to set. */
	vd->status = (u8)((val & ~HV_VIRTIO_S_NEEDS_RESET) | (vd->status & HV_VIRTIO_S_NEEDS_RESET));
	channel_send(vd->part, HV_CHAN_STATUS, (u8)vd->index, 0, vd->status);
}

/* ---- common configuration -------------------------------------------------- */

static u64 common_read(struct virtio_dev *vd, u64 off, u8 size)
{
	struct vq *q = vd->qselect < vd->d.queues ? &vd->q[vd->qselect] : NULL;
	u8 b[COMMON_LEN];

	memset(b, 0, sizeof(b));
	put32(b, CC_DFSELECT, vd->dfselect);
	put32(b, CC_DF, vd->dfselect < 2 ? (u32)(vd->d.features >> (32 * vd->dfselect)) : 0);
	put32(b, CC_GFSELECT, vd->gfselect);
	put32(b, CC_GF, vd->gfselect < 2 ? (u32)(vd->driver_features >> (32 * vd->gfselect)) : 0);
	put16(b, CC_MSIX, vd->msix_config);
	put16(b, CC_NUMQ, vd->d.queues);
	b[CC_STATUS] = vd->status;
	b[CC_CFGGEN] = vd->generation;
	put16(b, CC_QSELECT, vd->qselect);
	if (q) {
		put16(b, CC_QSIZE, q->size);
		put16(b, CC_QMSIX, q->msix);
		put16(b, CC_QENABLE, q->enabled);
		put16(b, CC_QNOTIFYOFF, vd->qselect);
		memcpy(b + CC_QDESC, &q->desc, 8);
		memcpy(b + CC_QDRIVER, &q->driver, 8);
		memcpy(b + CC_QDEVICE, &q->device, 8);
	}
	u64 v = 0;
	if (off + size <= COMMON_LEN)
		memcpy(&v, b + off, size);
	return v;
}

static void set_half(u64 *field, u64 off, u8 size, u64 val)
{
	if (size == 8)
		*field = val;
	else if (size == 4 && !(off & 4))
		*field = (*field & ~0xffffffffULL) | (u32)val;
	else if (size == 4)
		*field = (*field & 0xffffffffULL) | (val << 32);
}

static void common_write(struct virtio_dev *vd, u64 off, u8 size, u64 val)
{
	struct vq *q = vd->qselect < vd->d.queues ? &vd->q[vd->qselect] : NULL;
	/* Queue fields only change while the queue is off and the driver
	 * has not finished (4.1.4.3.2); everything waits out a reset. */
	bool qw = q && !q->enabled && !(vd->status & HV_VIRTIO_S_DRIVER_OK) && !vd->reset_pending;

	if (vd->reset_pending && off != CC_STATUS)
		return;
	switch (off) {
	case CC_DFSELECT:
		if (size == 4)
			vd->dfselect = (u32)val;
		break;
	case CC_GFSELECT:
		if (size == 4)
			vd->gfselect = (u32)val;
		break;
	case CC_GF:
		if (size == 4 && vd->gfselect < 2 && !(vd->status & HV_VIRTIO_S_FEATURES_OK)) {
			u32 sh = 32 * vd->gfselect;
			vd->driver_features = (vd->driver_features & ~(0xffffffffULL << sh)) |
					      ((u64)(u32)val << sh);
		}
		break;
	case CC_MSIX:
		if (size == 2)
			vd->msix_config = (u16)val < vd->nvec ? (u16)val : NO_VECTOR;
		break;
	case CC_STATUS:
		if (size == 1)
			status_write(vd, (u8)val);
		break;
	case CC_QSELECT:
		if (size == 2)
			vd->qselect = (u16)val;
		break;
	case CC_QSIZE:
		/* A power of two no larger than the device's (2.7). */
		if (size == 2 && qw && val && val <= vd->d.queue_size && !(val & (val - 1)))
			q->size = (u16)val;
		break;
	case CC_QMSIX:
		if (size == 2 && q && !vd->reset_pending)
			q->msix = (u16)val < vd->nvec ? (u16)val : NO_VECTOR;
		break;
	case CC_QENABLE:
		if (size == 2 && qw && val == 1)
			q->enabled = 1;
		break;
	case CC_QDESC: case CC_QDESC + 4:
		if (qw)
			set_half(&q->desc, off, size, val);
		break;
	case CC_QDRIVER: case CC_QDRIVER + 4:
		if (qw)
			set_half(&q->driver, off, size, val);
		break;
	case CC_QDEVICE: case CC_QDEVICE + 4:
		if (qw)
			set_half(&q->device, off, size, val);
		break;
	default:
		break; /* read-only or no field: ignored */
	}
}

/* ---- BAR accesses ----------------------------------------------------------- */

static u64 mem_read_locked(struct virtio_dev *vd, u64 off, u8 size)
{
	u64 v = 0;

	if (off < OFF_COMMON + COMMON_LEN)
		return common_read(vd, off, size);
	if (off >= OFF_ISR && off < OFF_ISR + 4) {
		/* Reading the ISR clears it (4.1.4.5). */
		v = off == OFF_ISR ? vd->isr : 0;
		vd->isr = 0;
		return v;
	}
	if (off >= OFF_DEVICE && off - OFF_DEVICE + size <= HV_DEVICE_CONFIG_MAX) {
		memcpy(&v, vd->config + (off - OFF_DEVICE), size);
		return v;
	}
	if (off >= OFF_MSIX && off < OFF_MSIX + vd->nvec * 16 && size <= 8 && !(off & (size - 1))) {
		u8 *e = (u8 *)vd->msix;
		memcpy(&v, e + (off - OFF_MSIX), size);
		return v;
	}
	if (off >= OFF_PBA && off + size <= OFF_PBA + 8) {
		v = vd->pba >> (8 * (off - OFF_PBA));
		return size == 8 ? v : v & ((1ULL << (8 * size)) - 1);
	}
	return 0;
}

static void mem_write_locked(struct virtio_dev *vd, u64 off, u8 size, u64 val)
{
	if (off < OFF_COMMON + COMMON_LEN) {
		common_write(vd, off, size, val);
		return;
	}
	if (off >= OFF_MSIX && off < OFF_MSIX + vd->nvec * 16 && (size == 4 || size == 8) &&
	    !(off & (size - 1))) {
		u8 *e = (u8 *)vd->msix;
		memcpy(e + (off - OFF_MSIX), &val, size);
		/* Only bit 0 of vector control is defined (PCI 3.0 6.8.2.9). */
		for (u32 n = 0; n < vd->nvec; n++)
			vd->msix[n].ctrl &= MSIX_ENTRY_MASKED;
		msix_unmasked(vd);
	}
	/* Device configuration: read-only here (no feature the devices
	 * offer makes a field writable); ISR and PBA are read-only. */
}

static int bar_read(struct vcpu *v, struct pci_func *f, u32 bar, u64 off, u8 size, u64 *val)
{
	struct virtio_dev *vd = f->dev;
	(void)v;

	u64 fl = spin_lock_irqsave(&vd->lock);
	*val = bar == BAR_MEM ? mem_read_locked(vd, off, size) : 0;
	spin_unlock_irqrestore(&vd->lock, fl);
	return 0;
}

static int bar_write(struct vcpu *v, struct pci_func *f, u32 bar, u64 off, u8 size, u64 val)
{
	struct virtio_dev *vd = f->dev;
	(void)v;

	u64 fl = spin_lock_irqsave(&vd->lock);
	if (bar == BAR_MEM) {
		mem_write_locked(vd, off, size, val);
	} else if (!(off % NOTIFY_MULT) && off / NOTIFY_MULT < vd->d.queues) {
		/* A kick (4.1.4.4): to the backend, and the vCPU goes on. */
		u16 q = (u16)(off / NOTIFY_MULT);
		if (vd->q[q].enabled && (vd->status & HV_VIRTIO_S_DRIVER_OK) && !vd->reset_pending)
			channel_send(vd->part, HV_CHAN_KICK, (u8)vd->index, q, 0);
	}
	spin_unlock_irqrestore(&vd->lock, fl);
	return 0;
}

/* ---- configuration space hooks ------------------------------------------- */

/* The PCI configuration access capability's window onto the BARs. */
static bool pcicfg_target(struct virtio_dev *vd, u32 *bar, u32 *off, u8 *len)
{
	u8 *c = vd->func.cfg;
	u32 l;

	*bar = c[CAP_PCICFG + 4];
	memcpy(off, c + CAP_PCICFG + 8, 4);
	memcpy(&l, c + CAP_PCICFG + 12, 4);
	*len = (u8)l;
	if ((l != 1 && l != 2 && l != 4) || *bar > BAR_MEM || *off % l)
		return false;
	return *off + l <= vd->func.bar_size[*bar];
}

static bool cfg_read(struct pci_func *f, u32 off, u8 size, u32 *val)
{
	struct virtio_dev *vd = f->dev;
	u32 bar, at;
	u8 len;

	if (off != PCICFG_DATA || !pcicfg_target(vd, &bar, &at, &len))
		return false;
	u64 v = 0;
	bar_read(NULL, f, bar, at, len, &v);
	*val = (u32)v & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
	return true;
}

static void cfg_written(struct pci_func *f, u32 off, u8 size)
{
	struct virtio_dev *vd = f->dev;
	u32 bar, at, data;
	u8 len;

	if (off <= CAP_MSIX + 3 && off + size > CAP_MSIX + 3) {
		u64 fl = spin_lock_irqsave(&vd->lock);
		msix_unmasked(vd);
		spin_unlock_irqrestore(&vd->lock, fl);
	}
	if (off == PCICFG_DATA && pcicfg_target(vd, &bar, &at, &len)) {
		memcpy(&data, f->cfg + PCICFG_DATA, 4);
		bar_write(NULL, f, bar, at, len, data);
	}
}

static const struct pci_func_ops virtio_ops = {
	.cfg_written = cfg_written,
	.cfg_read = cfg_read,
	.bar_read = bar_read,
	.bar_write = bar_write,
};

/* ---- the calls ------------------------------------------------------------- */

static struct virtio_dev *dev_of(struct partition *p, u32 i)
{
	struct platform_state *ps = p->platform;

	return ps && i < ps->nr_vdev ? ps->vdev[i] : NULL;
}

int virtio_pci_add(struct partition *p, const struct hv_device *d)
{
	struct platform_state *ps = p->platform;

	if (!ps || !ps->pci)
		return -HV_EINVAL; /* no PC platform, no PCI bus */
	if (ps->nr_vdev >= HV_DEVICES_MAX)
		return -HV_ENOSPC;
	if (d->type < HV_VIRTIO_NET || d->type > HV_VIRTIO_RNG || !d->queues ||
	    d->queues > HV_QUEUES_MAX || !d->queue_size || d->queue_size > HV_QUEUE_SIZE_MAX ||
	    (d->queue_size & (d->queue_size - 1)) || !(d->features & HV_VIRTIO_F_VERSION_1) ||
	    d->config_len > HV_DEVICE_CONFIG_MAX || d->reserved0)
		return -HV_EINVAL;
	for (u32 i = 0; i < ARRAY_SIZE(d->reserved); i++)
		if (d->reserved[i])
			return -HV_EINVAL;
	struct virtio_dev *vd = kzalloc(sizeof(*vd));
	if (!vd)
		return -HV_ENOMEM;
	vd->part = p;
	vd->index = ps->nr_vdev;
	vd->d = *d;
	/* Bytes past config_len read as zero. */
	memset(vd->d.config + d->config_len, 0, HV_DEVICE_CONFIG_MAX - d->config_len);
	vd->nvec = d->queues + 1u;
	vd->func.ops = &virtio_ops;
	vd->func.dev = vd;
	build_config_space(vd);
	u64 bases[PCI_BARS] = { bar_bases(vd, BAR_IO), bar_bases(vd, BAR_MEM) };
	pci_func_reset(&vd->func, bases);
	reset_state(vd);
	for (u32 n = 0; n < vd->nvec; n++)
		vd->msix[n].ctrl = MSIX_ENTRY_MASKED; /* masked at reset (6.8.2.9) */
	if (pci_add(p, vd->index + 1, &vd->func)) {
		kfree(vd);
		return -HV_EBUSY;
	}
	ps->vdev[ps->nr_vdev++] = vd;
	pr_info("partition '%s': %s device %u at PCI 00:%02x.0, %u queue%s of %u", p->cfg.name,
		type_name(d->type), vd->index, vd->index + 1, d->queues, d->queues == 1 ? "" : "s",
		d->queue_size);
	return (int)vd->index;
}

int virtio_pci_query(struct partition *p, u32 i, struct hv_device_state *out)
{
	struct virtio_dev *vd = dev_of(p, i);

	if (!vd)
		return -HV_ENOENT;
	memset(out, 0, sizeof(*out));
	u64 fl = spin_lock_irqsave(&vd->lock);
	out->type = vd->d.type;
	out->status = vd->status;
	out->reset_pending = vd->reset_pending;
	out->queues = vd->d.queues;
	out->driver_features = vd->driver_features;
	out->resets = vd->resets;
	out->config_len = vd->d.config_len;
	memcpy(out->config, vd->config, sizeof(out->config));
	for (u32 q = 0; q < vd->d.queues; q++)
		out->queue[q] = (struct hv_queue_state){ .desc = vd->q[q].desc,
							 .driver = vd->q[q].driver,
							 .device = vd->q[q].device,
							 .size = vd->q[q].size,
							 .msix_vector = vd->q[q].msix,
							 .enabled = vd->q[q].enabled };
	spin_unlock_irqrestore(&vd->lock, fl);
	return 0;
}

int virtio_pci_ack(struct partition *p, u32 i, u32 what, const char *reason)
{
	struct virtio_dev *vd = dev_of(p, i);
	bool log = false;

	if (!vd)
		return -HV_ENOENT;
	if (what != HV_ACK_RESET && what != HV_ACK_BROKEN)
		return -HV_EINVAL;
	u64 fl = spin_lock_irqsave(&vd->lock);
	if (what == HV_ACK_RESET) {
		if (vd->reset_pending) {
			vd->reset_pending = false;
			vd->status = 0;
		}
	} else if (!vd->reset_pending && vd->status) {
		/* 2.1.2: the device sets NEEDS_RESET and tells the driver
		 * with a configuration change notification. */
		vd->status |= HV_VIRTIO_S_NEEDS_RESET;
		vd->generation++;
		raise_locked(vd, HV_CHAN_CONFIG_IRQ);
		log = !vd->broken_logged;
		vd->broken_logged = true;
	}
	spin_unlock_irqrestore(&vd->lock, fl);
	if (log)
		pr_warn("partition '%s': %s device %u needs a reset: %s", p->cfg.name,
			type_name(vd->d.type), i, reason && *reason ? reason : "its backend says so");
	return 0;
}

void virtio_pci_irq(struct partition *p, u32 i, u16 q)
{
	struct virtio_dev *vd = dev_of(p, i);

	if (!vd)
		return;
	u64 fl = spin_lock_irqsave(&vd->lock);
	if (!vd->reset_pending && (vd->status & HV_VIRTIO_S_DRIVER_OK))
		raise_locked(vd, q);
	spin_unlock_irqrestore(&vd->lock, fl);
}

void virtio_pci_backend_gone(struct partition *p)
{
	struct platform_state *ps = p->platform;

	for (u32 i = 0; ps && i < ps->nr_vdev; i++) {
		struct virtio_dev *vd = ps->vdev[i];
		u64 fl = spin_lock_irqsave(&vd->lock);
		if (vd->reset_pending) {
			vd->reset_pending = false;
			vd->status = 0;
		}
		spin_unlock_irqrestore(&vd->lock, fl);
	}
}

void virtio_pci_reset_all(struct partition *p)
{
	struct platform_state *ps = p->platform;

	for (u32 i = 0; ps && i < ps->nr_vdev; i++) {
		struct virtio_dev *vd = ps->vdev[i];
		u64 fl = spin_lock_irqsave(&vd->lock);
		u64 bases[PCI_BARS] = { bar_bases(vd, BAR_IO), bar_bases(vd, BAR_MEM) };
		build_config_space(vd);
		pci_func_reset(&vd->func, bases);
		reset_state(vd);
		vd->pba = 0;
		for (u32 n = 0; n < vd->nvec; n++)
			vd->msix[n] = (struct msix_entry){ .ctrl = MSIX_ENTRY_MASKED };
		vd->resets++;
		channel_send(p, HV_CHAN_STATUS, (u8)i, 0, 0);
		spin_unlock_irqrestore(&vd->lock, fl);
	}
}

void virtio_pci_free_all(struct partition *p)
{
	struct platform_state *ps = p->platform;

	for (u32 i = 0; ps && i < ps->nr_vdev; i++) {
		kfree(ps->vdev[i]);
		ps->vdev[i] = NULL;
	}
	if (ps)
		ps->nr_vdev = 0;
}
