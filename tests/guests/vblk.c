// SPDX-License-Identifier: GPL-2.0-only
/*
 * A child on the virtual PC (platform = "pc", one disk) that drives its
 * virtio-blk device over the modern virtio-pci transport, first as a
 * driver should and then, on request, as a hostile one. Section numbers
 * are virtio 1.2's. Everything it says goes to the 16550 at 0x3f8, one
 * "vblk: ..." line per step, for the parent's script to match:
 *
 *   vblk: capacity N sectors
 *   vblk: wrote 8 sectors, flushed         (sectors 1-8, then a FLUSH)
 *   vblk: read back ok                     (or "vblk: MISMATCH at ...")
 *   vblk: sector0 TEXT                     (its first 16 bytes, up to a NUL)
 *   vblk: past-end read refused            (sector = capacity: IOERR)
 *   vblk: done
 *
 * then waits for a line on the UART: "off" powers off through ACPI S5 (as
 * does the power button); "hostile" breaks four virtqueue rules, each on
 * a freshly reset device, and prints the device status the backend left
 * (NEEDS_RESET, 0x40, is expected in it):
 *
 *   vblk: loop -> status 0x4f              (a descriptor chain 0 -> 1 -> 0)
 *   vblk: bad-address -> status 0x4f       (a buffer at 0xfffffffff000)
 *   vblk: nested-indirect -> status 0x4f   (an indirect table in one)
 *   vblk: avail-ahead -> status 0x4f       (avail->idx 1000 ahead)
 *   vblk: hostile done
 *   vblk: read back ok                     (after one more reset)
 *
 * Failures print "vblk: ERROR ..." and the guest goes on to wait for a
 * command, so that "off" always ends it. The driver polls the used ring:
 * no interrupts (every MSI-X vector stays NO_VECTOR). Time comes from the
 * ACPI PM timer, so timeouts hold however fast the vCPU runs.
 */
#include "guest.h"
#include "vmm/dev/platform.h"

/* ---- 16550 console -------------------------------------------------------- */

#define UART_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

static void uart_putc(char c)
{
	while (!(inb(PLAT_UART_PORT + UART_LSR) & LSR_THRE))
		pause();
	outb(PLAT_UART_PORT, (u8)c);
}

static void uart_putnum(u64 v, u32 base, int width)
{
	char buf[20];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (width-- > n)
		uart_putc('0');
	while (n)
		uart_putc(buf[--n]);
}

/* printf for the UART: %s %c %u %x with optional 0-padded width and l/ll. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			if (*fmt == '\n')
				uart_putc('\r');
			uart_putc(*fmt);
			continue;
		}
		int width = 0, lng = 0;
		for (fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l'; fmt++)
			lng++;
		switch (*fmt) {
		case 's':
			for (const char *s = va_arg(ap, const char *); *s; s++)
				uart_putc(*s);
			break;
		case 'c':
			uart_putc((char)va_arg(ap, int));
			break;
		case 'u':
		case 'x':
			uart_putnum(lng >= 2 ? va_arg(ap, unsigned long long)
				    : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int),
				    *fmt == 'u' ? 10 : 16, width);
			break;
		default:
			uart_putc('%');
			uart_putc(*fmt);
		}
	}
	va_end(ap);
}

/* ---- time: the ACPI PM timer (32 bits at 3.579545 MHz) -------------------- */

#define PMT_HZ 3579545u

struct deadline {
	u32 start, ticks;
};

static struct deadline deadline_in(u32 ms)
{
	return (struct deadline){ .start = inl(PLAT_PM_TMR), .ticks = (u32)((u64)ms * PMT_HZ / 1000) };
}

/* Each look is a port read, an exit: pollers look only now and then. */
static bool expired(const struct deadline *d)
{
	return (u32)(inl(PLAT_PM_TMR) - d->start) >= d->ticks;
}

static void delay_ms(u32 ms)
{
	struct deadline d = deadline_in(ms);

	while (!expired(&d))
		for (int i = 0; i < 64; i++)
			pause();
}

/* ---- PCI configuration space: mechanism #1 (PCI 3.0 3.2.2.3.2) ------------ */

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_SLOTS 32
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEM 0x2
#define PCI_CMD_MASTER 0x4
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAP_VENDOR 0x09

static void pci_select(u32 slot, u32 off)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | slot << 11 | (off & 0xfc));
}

static u8 pci_read8(u32 slot, u32 off)
{
	pci_select(slot, off);
	return inb((u16)(PCI_CONFIG_DATA + (off & 3)));
}

static u16 pci_read16(u32 slot, u32 off)
{
	pci_select(slot, off);
	return inw((u16)(PCI_CONFIG_DATA + (off & 2)));
}

static u32 pci_read32(u32 slot, u32 off)
{
	pci_select(slot, off);
	return inl(PCI_CONFIG_DATA);
}

static void pci_write16(u32 slot, u32 off, u16 v)
{
	pci_select(slot, off);
	outw((u16)(PCI_CONFIG_DATA + (off & 2)), v);
}

/* ---- register windows: a virtio structure in an I/O or a memory BAR ------- */

struct window {
	u64 base;
	u32 len;
	bool io;
};

/* Plain MOVs, so that the hypervisor's MMIO decoder sees the simplest form. */
static u32 win_read(const struct window *w, u32 off, u32 size)
{
	u64 a = w->base + off;
	u32 v;

	if (w->io)
		return size == 1 ? inb((u16)a) : size == 2 ? inw((u16)a) : inl((u16)a);
	if (size == 1) {
		u8 b;
		__asm__ __volatile__("movb (%1), %0" : "=q"(b) : "r"(a) : "memory");
		v = b;
	} else if (size == 2) {
		u16 h;
		__asm__ __volatile__("movw (%1), %0" : "=r"(h) : "r"(a) : "memory");
		v = h;
	} else {
		__asm__ __volatile__("movl (%1), %0" : "=r"(v) : "r"(a) : "memory");
	}
	return v;
}

static void win_write(const struct window *w, u32 off, u32 size, u32 v)
{
	u64 a = w->base + off;

	if (w->io) {
		if (size == 1)
			outb((u16)a, (u8)v);
		else if (size == 2)
			outw((u16)a, (u16)v);
		else
			outl((u16)a, v);
	} else if (size == 1) {
		__asm__ __volatile__("movb %0, (%1)" ::"q"((u8)v), "r"(a) : "memory");
	} else if (size == 2) {
		__asm__ __volatile__("movw %0, (%1)" ::"r"((u16)v), "r"(a) : "memory");
	} else {
		__asm__ __volatile__("movl %0, (%1)" ::"r"(v), "r"(a) : "memory");
	}
}

/* ---- virtio ---------------------------------------------------------------- */

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_ID_BLOCK_MODERN 0x1042 /* 0x1040 + device ID 2 (4.1.2.1) */

/* virtio_pci_cap (4.1.4) */
#define VCAP_CFG_TYPE 3
#define VCAP_BAR 4
#define VCAP_OFFSET 8
#define VCAP_LENGTH 12
#define VCAP_NOTIFY_MULT 16 /* virtio_pci_notify_cap (4.1.4.4) */
#define VCAP_LEN 16
#define VCAP_NOTIFY_LEN 20
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4

/* virtio_pci_common_cfg (4.1.4.3) */
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
#define COMMON_LEN 0x38
#define NO_VECTOR 0xffff

/* Device status (2.1) */
#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40
#define S_FAILED 0x80

/* Feature bits (6, 5.2.3) */
#define F_BLK_RO BIT(5)
#define F_BLK_FLUSH BIT(9)
#define F_INDIRECT_DESC BIT(28)
#define F_VERSION_1 BIT(32)

/* Split virtqueue (2.7) */
#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define DESC_F_INDIRECT 4
#define AVAIL_F_NO_INTERRUPT 1
#define QSIZE_WANTED 16

struct vq_desc {
	u64 addr;
	u32 len;
	u16 flags, next;
};

struct vq_avail {
	u16 flags, idx;
	u16 ring[QSIZE_WANTED];
	u16 used_event;
};

struct vq_used_elem {
	u32 id, len;
};

struct vq_used {
	u16 flags, idx;
	struct vq_used_elem ring[QSIZE_WANTED];
	u16 avail_event;
};

_Static_assert(sizeof(struct vq_desc) == 16, "virtq_desc layout (2.7.5)");
_Static_assert(sizeof(struct vq_used_elem) == 8, "virtq_used_elem layout (2.7.8)");

/* virtio_blk_req (5.2.6): header, data, status. */
#define BLK_T_IN 0
#define BLK_T_OUT 1
#define BLK_T_FLUSH 4
#define BLK_S_OK 0
#define BLK_S_IOERR 1
#define SECTOR 512u

struct blk_req_hdr {
	u32 type, reserved;
	u64 sector;
};

/* The rings on pages of their own; the device reads and writes them. */
static struct vq_desc vq_desc[QSIZE_WANTED] __aligned(4096);
static struct vq_avail vq_avail __aligned(4096);
static struct vq_used vq_used __aligned(4096);
/* Indirect tables for the hostile part (2.7.5.3: 16-byte aligned entries). */
static struct vq_desc itab_outer[1] __aligned(16), itab_inner[2] __aligned(16);

static struct blk_req_hdr req_hdr __aligned(16);
static volatile u8 req_status;
static u8 wbuf[8 * SECTOR] __aligned(4096);
static u8 rbuf[8 * SECTOR] __aligned(4096);

/* Timeouts: the backend is a process in the parent, which may be slow to
 * run (nested, emulated); none of these is waited out when all is well. */
#define RESET_TIMEOUT_MS 10000
#define REQUEST_TIMEOUT_MS 10000
#define BREAK_TIMEOUT_MS 5000

struct vblk {
	u32 slot;
	struct window common, notify, isr, device;
	u32 notify_mult;
	u64 features;  /* offered */
	u16 qsize, qmax, notify_off;
	u8 status;     /* what the driver has set */
	u16 avail_idx; /* our next avail->idx */
	u16 used_seen; /* used->idx we have consumed up to */
};

static u8 status_get(const struct vblk *d) { return (u8)win_read(&d->common, CC_STATUS, 1); }

static void status_set(struct vblk *d, u8 bits)
{
	d->status |= bits;
	win_write(&d->common, CC_STATUS, 1, d->status);
}

static u64 va2pa(const volatile void *p) { return (u64)(uword)p; } /* identity-mapped */

/* ---- discovery: the capability list (4.1.4) ------------------------------ */

/* A BAR's address as the hypervisor (or firmware) assigned it (PCI 3.0 6.2.5.1). */
static bool bar_window(u32 slot, u32 bar, struct window *w)
{
	u32 raw = pci_read32(slot, PCI_BAR0 + 4 * bar);

	w->io = raw & 1;
	if (w->io) {
		w->base = raw & ~3u;
	} else {
		w->base = raw & ~15u;
		if (((raw >> 1) & 3) == 2 && bar < 5) /* 64-bit: the next BAR is the top half */
			w->base |= (u64)pci_read32(slot, PCI_BAR0 + 4 * (bar + 1)) << 32;
	}
	return w->base != 0;
}

/* Finds the structures of cfg_type 1-4, the first of each type (4.1.4.1:
 * later ones are alternatives; unknown types and BARs above 5 are ignored). */
static const char *find_structures(struct vblk *d)
{
	struct window *where[CFG_DEVICE + 1] = {
		[CFG_COMMON] = &d->common, [CFG_NOTIFY] = &d->notify,
		[CFG_ISR] = &d->isr, [CFG_DEVICE] = &d->device,
	};
	bool found[CFG_DEVICE + 1] = { false };
	u32 ptr, hops = 0;

	if (!(pci_read16(d->slot, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return "no capability list";
	for (ptr = pci_read8(d->slot, PCI_CAP_PTR) & 0xfc; ptr; ptr = pci_read8(d->slot, ptr + 1) & 0xfc) {
		if (ptr < 0x40 || ++hops > 48)
			return "malformed capability list";
		if (pci_read8(d->slot, ptr) != PCI_CAP_VENDOR || pci_read8(d->slot, ptr + 2) < VCAP_LEN)
			continue;
		u8 type = pci_read8(d->slot, ptr + VCAP_CFG_TYPE), bar = pci_read8(d->slot, ptr + VCAP_BAR);
		if (type < CFG_COMMON || type > CFG_DEVICE || found[type] || bar > 5)
			continue;
		struct window w;
		if (!bar_window(d->slot, bar, &w))
			continue;
		w.base += pci_read32(d->slot, ptr + VCAP_OFFSET);
		w.len = pci_read32(d->slot, ptr + VCAP_LENGTH);
		if (type == CFG_NOTIFY) {
			if (pci_read8(d->slot, ptr + 2) < VCAP_NOTIFY_LEN)
				continue;
			d->notify_mult = pci_read32(d->slot, ptr + VCAP_NOTIFY_MULT);
		}
		found[type] = true;
		*where[type] = w;
	}
	if (!found[CFG_COMMON] || d->common.len < COMMON_LEN)
		return "no common configuration";
	if (!found[CFG_NOTIFY])
		return "no notification structure";
	if (!found[CFG_ISR])
		return "no ISR structure";
	if (!found[CFG_DEVICE] || d->device.len < 8)
		return "no device configuration with the capacity";
	return NULL;
}

static bool find_device(struct vblk *d)
{
	for (u32 slot = 0; slot < PCI_SLOTS; slot++) {
		u32 id = pci_read32(slot, 0);
		if ((id & 0xffff) == VIRTIO_VENDOR && id >> 16 == VIRTIO_ID_BLOCK_MODERN) {
			d->slot = slot;
			return true;
		}
	}
	return false;
}

/* ---- initialization (3.1.1, 4.1.5.1) --------------------------------------- */

/* Writes 0 and waits until status reads 0 (4.1.4.3.2): the backend in the
 * parent finishes with the rings first, asynchronously. */
static bool vblk_reset(struct vblk *d)
{
	struct deadline dl = deadline_in(RESET_TIMEOUT_MS);

	d->status = 0;
	win_write(&d->common, CC_STATUS, 1, 0);
	while (status_get(d) != 0) {
		if (expired(&dl))
			return false;
		delay_ms(1);
	}
	return true;
}

static void write64(const struct window *w, u32 off, u64 v)
{
	win_write(w, off, 4, (u32)v);
	win_write(w, off + 4, 4, (u32)(v >> 32));
}

static const char *vblk_setup(struct vblk *d)
{
	if (!vblk_reset(d))
		return "reset did not complete";
	status_set(d, S_ACKNOWLEDGE);
	status_set(d, S_DRIVER);

	win_write(&d->common, CC_DFSELECT, 4, 0);
	d->features = win_read(&d->common, CC_DF, 4);
	win_write(&d->common, CC_DFSELECT, 4, 1);
	d->features |= (u64)win_read(&d->common, CC_DF, 4) << 32;
	if (!(d->features & F_VERSION_1))
		return "VERSION_1 not offered";
	/* VERSION_1, and what the requests below use: FLUSH requests only
	 * with VIRTIO_BLK_F_FLUSH (5.2.3), INDIRECT flags only with
	 * INDIRECT_DESC (2.7.5.3.1) -- so that the nested-indirect case
	 * breaks the rule it means to, not that one. No EVENT_IDX. */
	u64 want = F_VERSION_1 | (d->features & (F_BLK_FLUSH | F_INDIRECT_DESC));
	win_write(&d->common, CC_GFSELECT, 4, 0);
	win_write(&d->common, CC_GF, 4, (u32)want);
	win_write(&d->common, CC_GFSELECT, 4, 1);
	win_write(&d->common, CC_GF, 4, (u32)(want >> 32));
	status_set(d, S_FEATURES_OK);
	if (!(status_get(d) & S_FEATURES_OK))
		return "FEATURES_OK did not stick";

	/* Queue 0 (4.1.5.1.3): the rings zeroed, then their addresses. */
	if (win_read(&d->common, CC_NUMQ, 2) < 1)
		return "no queues";
	win_write(&d->common, CC_QSELECT, 2, 0);
	d->qmax = (u16)win_read(&d->common, CC_QSIZE, 2);
	if (!d->qmax)
		return "queue 0 not available";
	if (win_read(&d->common, CC_QENABLE, 2))
		return "queue 0 enabled after reset";
	for (d->qsize = QSIZE_WANTED; d->qsize > d->qmax; d->qsize >>= 1)
		;
	memset(vq_desc, 0, sizeof(vq_desc));
	memset(&vq_avail, 0, sizeof(vq_avail));
	memset(&vq_used, 0, sizeof(vq_used));
	vq_avail.flags = AVAIL_F_NO_INTERRUPT; /* we poll (2.7.7) */
	d->avail_idx = d->used_seen = 0;
	win_write(&d->common, CC_QSIZE, 2, d->qsize);
	if (win_read(&d->common, CC_QSIZE, 2) != d->qsize)
		return "queue size not taken";
	write64(&d->common, CC_QDESC, va2pa(vq_desc));
	write64(&d->common, CC_QDRIVER, va2pa(&vq_avail));
	write64(&d->common, CC_QDEVICE, va2pa(&vq_used));
	win_write(&d->common, CC_MSIX, 2, NO_VECTOR);
	win_write(&d->common, CC_QMSIX, 2, NO_VECTOR);
	d->notify_off = (u16)win_read(&d->common, CC_QNOTIFYOFF, 2);
	if ((u64)d->notify_off * d->notify_mult + 2 > d->notify.len)
		return "queue notify address outside the notification structure";
	win_write(&d->common, CC_QENABLE, 2, 1);

	status_set(d, S_DRIVER_OK);
	if (status_get(d) & (S_NEEDS_RESET | S_FAILED))
		return "device failed at DRIVER_OK";
	return NULL;
}

/* Gives up after a failed step, as 3.1.1 asks: FAILED. */
static bool vblk_init(struct vblk *d)
{
	const char *err = vblk_setup(d);

	if (!err)
		return true;
	say("vblk: ERROR init: %s (status 0x%x)\n", err, status_get(d));
	status_set(d, S_FAILED);
	return false;
}

/* u64 at device configuration offset 0 (5.2.4), read until the
 * configuration generation holds still across it (2.5.1). */
static u64 vblk_capacity(const struct vblk *d)
{
	u32 lo, hi;
	u8 gen;

	for (int tries = 0;; tries++) {
		gen = (u8)win_read(&d->common, CC_CFGGEN, 1);
		lo = win_read(&d->device, 0, 4);
		hi = win_read(&d->device, 4, 4);
		if ((u8)win_read(&d->common, CC_CFGGEN, 1) == gen || tries == 100)
			return (u64)hi << 32 | lo;
	}
}

/* ---- requests ---------------------------------------------------------------- */

/* Publishes avail->idx = d->avail_idx and notifies queue 0 (4.1.5.2). */
static void vq_kick(struct vblk *d)
{
	/* The ring entries and descriptors before the index (2.7.13.3). */
	__atomic_store_n(&vq_avail.idx, d->avail_idx, __ATOMIC_RELEASE);
	/* The index before the notification, and before any read of
	 * used->flags (2.7.13.4); we kick every time, NO_NOTIFY or not. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	win_write(&d->notify, (u32)d->notify_off * d->notify_mult, 2, 0 /* queue 0 */);
}

/* Makes the chain at head available (2.7.13) and kicks. */
static void vq_publish(struct vblk *d, u16 head)
{
	vq_avail.ring[d->avail_idx & (d->qsize - 1)] = head;
	d->avail_idx++;
	vq_kick(d);
}

/* One request at a time, in descriptors 0-2 (2 without data). Returns
 * the status byte the device wrote, or a negative error. */
#define REQ_TIMEOUT -1
#define REQ_BAD_USED -2
static int blk_request(struct vblk *d, u32 type, u64 sector, void *buf, u32 len)
{
	req_hdr = (struct blk_req_hdr){ .type = type, .sector = sector };
	req_status = 0xff;
	vq_desc[0] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, len ? 1 : 2 };
	vq_desc[1] = (struct vq_desc){ va2pa(buf), len,
				       DESC_F_NEXT | (type == BLK_T_IN ? DESC_F_WRITE : 0), 2 };
	vq_desc[2] = (struct vq_desc){ va2pa(&req_status), 1, DESC_F_WRITE, 0 };
	vq_publish(d, 0);

	struct deadline dl = deadline_in(REQUEST_TIMEOUT_MS);
	for (u32 n = 0; __atomic_load_n(&vq_used.idx, __ATOMIC_ACQUIRE) == d->used_seen; n++) {
		if (!(n & 255) && expired(&dl))
			return REQ_TIMEOUT;
		pause();
	}
	struct vq_used_elem e = vq_used.ring[d->used_seen & (d->qsize - 1)];
	d->used_seen++;
	if (e.id != 0)
		return REQ_BAD_USED;
	/* 2.7.8: the data before the index (the acquire above). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return req_status;
}

static bool blk_ok(int r, const char *what, u64 sector)
{
	if (r == BLK_S_OK)
		return true;
	if (r == REQ_TIMEOUT)
		say("vblk: ERROR %s sector %llu: no completion in %u ms\n", what,
		    (unsigned long long)sector, (unsigned)REQUEST_TIMEOUT_MS);
	else if (r == REQ_BAD_USED)
		say("vblk: ERROR %s sector %llu: used ring returned another head\n", what,
		    (unsigned long long)sector);
	else
		say("vblk: ERROR %s sector %llu: status %u\n", what, (unsigned long long)sector,
		    (unsigned)r);
	return false;
}

/* ---- the well-behaved part ----------------------------------------------------- */

#define FIRST 1 /* sectors FIRST..FIRST+7: sector 0 is the parent's marker */
#define COUNT 8

static u8 pattern(u32 sector, u32 i) { return (u8)(sector * 31 + i); }

static void write_pattern(struct vblk *d)
{
	for (u32 s = 0; s < COUNT; s++)
		for (u32 i = 0; i < SECTOR; i++)
			wbuf[s * SECTOR + i] = pattern(FIRST + s, i);
	if (d->features & F_BLK_RO) {
		say("vblk: ERROR the device is read-only\n");
		return;
	}
	if (!blk_ok(blk_request(d, BLK_T_OUT, FIRST, wbuf, sizeof(wbuf)), "write", FIRST))
		return;
	if (!(d->features & F_BLK_FLUSH)) {
		say("vblk: wrote %u sectors, no flush (FLUSH not offered)\n", COUNT);
		return;
	}
	if (blk_ok(blk_request(d, BLK_T_FLUSH, 0, NULL, 0), "flush", 0))
		say("vblk: wrote %u sectors, flushed\n", COUNT);
}

static void read_back(struct vblk *d)
{
	memset(rbuf, 0, sizeof(rbuf));
	if (!blk_ok(blk_request(d, BLK_T_IN, FIRST, rbuf, sizeof(rbuf)), "read", FIRST))
		return;
	for (u32 s = 0; s < COUNT; s++)
		for (u32 i = 0; i < SECTOR; i++)
			if (rbuf[s * SECTOR + i] != pattern(FIRST + s, i)) {
				say("vblk: MISMATCH at sector %u byte %u: 0x%02x, expected 0x%02x\n",
				    FIRST + s, i, rbuf[s * SECTOR + i], pattern(FIRST + s, i));
				return;
			}
	say("vblk: read back ok\n");
}

static void show_sector0(struct vblk *d)
{
	char text[17];
	u32 n;

	memset(rbuf, 0, SECTOR);
	if (!blk_ok(blk_request(d, BLK_T_IN, 0, rbuf, SECTOR), "read", 0))
		return;
	for (n = 0; n < 16 && rbuf[n]; n++)
		text[n] = rbuf[n] >= 0x20 && rbuf[n] < 0x7f ? (char)rbuf[n] : '.';
	text[n] = 0;
	say("vblk: sector0 %s\n", text);
}

static void read_past_end(struct vblk *d, u64 capacity)
{
	int r = blk_request(d, BLK_T_IN, capacity, rbuf, SECTOR);

	if (r == BLK_S_IOERR)
		say("vblk: past-end read refused\n");
	else if (r == BLK_S_OK)
		say("vblk: ERROR past-end read (sector %llu) succeeded\n", (unsigned long long)capacity);
	else
		blk_ok(r, "past-end read", capacity);
}

static void well_behaved(struct vblk *d)
{
	u64 capacity = vblk_capacity(d);

	say("vblk: capacity %llu sectors\n", (unsigned long long)capacity);
	if (capacity < FIRST + COUNT) {
		say("vblk: ERROR the disk is smaller than %u sectors\n", FIRST + COUNT);
		return;
	}
	write_pattern(d);
	read_back(d);
	show_sector0(d);
	read_past_end(d, capacity);
}

/* ---- the hostile part: each case breaks one rule of 2.7 ------------------------ */

/* 2.7.5.2: a chain that never ends. Both descriptors are readable and in
 * RAM, so the loop is the only fault. */
static void hostile_loop(struct vblk *d)
{
	vq_desc[0] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, 1 };
	vq_desc[1] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, 0 };
	vq_publish(d, 0);
}

/* A read whose data buffer lies far outside the guest's memory. */
static void hostile_bad_address(struct vblk *d)
{
	req_hdr = (struct blk_req_hdr){ .type = BLK_T_IN, .sector = FIRST };
	vq_desc[0] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, 1 };
	vq_desc[1] = (struct vq_desc){ 0xfffffffff000ull, 4096, DESC_F_NEXT | DESC_F_WRITE, 2 };
	vq_desc[2] = (struct vq_desc){ va2pa(&req_status), 1, DESC_F_WRITE, 0 };
	vq_publish(d, 0);
}

/* 2.7.5.3.1: the driver MUST NOT set INDIRECT in an indirect table. The
 * inner table is a valid request, so nesting is the only fault. */
static void hostile_nested_indirect(struct vblk *d)
{
	req_hdr = (struct blk_req_hdr){ .type = BLK_T_IN, .sector = FIRST };
	itab_inner[0] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, 1 };
	itab_inner[1] = (struct vq_desc){ va2pa(&req_status), 1, DESC_F_WRITE, 0 };
	itab_outer[0] = (struct vq_desc){ va2pa(itab_inner), sizeof(itab_inner), DESC_F_INDIRECT, 0 };
	vq_desc[0] = (struct vq_desc){ va2pa(itab_outer), sizeof(itab_outer), DESC_F_INDIRECT, 0 };
	vq_publish(d, 0);
}

/* 2.7.13.3: avail->idx may run at most the queue size ahead of what the
 * device has taken; 1000 claims more buffers than the ring holds. */
static void hostile_avail_ahead(struct vblk *d)
{
	/* A valid read in descriptor 0 and every ring entry: the index is
	 * the only fault. */
	req_hdr = (struct blk_req_hdr){ .type = BLK_T_IN, .sector = FIRST };
	vq_desc[0] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, 1 };
	vq_desc[1] = (struct vq_desc){ va2pa(rbuf), SECTOR, DESC_F_NEXT | DESC_F_WRITE, 2 };
	vq_desc[2] = (struct vq_desc){ va2pa(&req_status), 1, DESC_F_WRITE, 0 };
	for (u32 i = 0; i < d->qsize; i++)
		vq_avail.ring[i] = 0;
	d->avail_idx = (u16)(d->avail_idx + 1000);
	vq_kick(d);
}

static const struct {
	const char *name;
	void (*run)(struct vblk *d);
} hostile_cases[] = {
	{ "loop", hostile_loop },
	{ "bad-address", hostile_bad_address },
	{ "nested-indirect", hostile_nested_indirect },
	{ "avail-ahead", hostile_avail_ahead },
};

static void hostile(struct vblk *d)
{
	for (u32 i = 0; i < ARRAY_SIZE(hostile_cases); i++) {
		if (!vblk_init(d))
			return;
		hostile_cases[i].run(d);
		/* The backend marks the device broken (2.1.2): NEEDS_RESET. */
		struct deadline dl = deadline_in(BREAK_TIMEOUT_MS);
		u8 st;
		while (!((st = status_get(d)) & S_NEEDS_RESET) && !expired(&dl))
			delay_ms(1);
		say("vblk: %s -> status 0x%x\n", hostile_cases[i].name, st);
	}
	say("vblk: hostile done\n");
	if (vblk_init(d))
		read_back(d);
}

/* ---- commands ------------------------------------------------------------------- */

#define PM1_PWRBTN (1u << 8)
#define PM1_SLP_EN (1u << 13)

static void __attribute__((noreturn)) power_off(void)
{
	say("vblk: powering off\n");
	outw(PLAT_PM1A_CNT, (PLAT_SLP_TYP_S5 << 10) | PM1_SLP_EN);
	for (;;)
		cli(), hlt();
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int guest_main(u32 vcpu, u64 mem)
{
	struct vblk dev = { 0 }, *d = &dev;
	bool ready = false;
	char line[80];
	u32 len = 0;
	const char *err;
	(void)vcpu;
	(void)mem;

	outb(PLAT_UART_PORT + 2, 0x07); /* FIFOs on, cleared */
	outb(PLAT_UART_PORT + 3, 0x03); /* 8N1 */
	outw(PLAT_PM1A_EVT + 2, PM1_PWRBTN); /* PWRBTN_EN */

	if (!find_device(d)) {
		say("vblk: ERROR no virtio-blk device (%x:%x) on bus 0\n", VIRTIO_VENDOR,
		    VIRTIO_ID_BLOCK_MODERN);
	} else if ((err = find_structures(d))) {
		say("vblk: ERROR 00:%02x.0: %s\n", d->slot, err);
	} else {
		/* BARs as assigned; decode on, and bus mastering for the rings. */
		pci_write16(d->slot, PCI_COMMAND, (u16)(pci_read16(d->slot, PCI_COMMAND) |
						       PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER));
		ready = vblk_init(d);
		if (ready) {
			say("vblk: virtio-blk at 00:%02x.0, features 0x%llx, queue %u of %u\n",
			    d->slot, (unsigned long long)d->features, d->qsize, d->qmax);
			well_behaved(d);
		}
	}
	say("vblk: done\n");

	for (;;) {
		if (inw(PLAT_PM1A_EVT) & PM1_PWRBTN) {
			outw(PLAT_PM1A_EVT, PM1_PWRBTN);
			power_off();
		}
		if (!(inb(PLAT_UART_PORT + UART_LSR) & LSR_DR)) {
			pause();
			continue;
		}
		char c = (char)inb(PLAT_UART_PORT);
		if (c != '\r' && c != '\n') {
			if (len < sizeof(line) - 1 && c >= 0x20 && c < 0x7f)
				line[len++] = c;
			continue;
		}
		if (!len)
			continue;
		line[len] = 0;
		len = 0;
		if (streq(line, "off"))
			power_off();
		else if (streq(line, "hostile") && ready)
			hostile(d);
		else if (streq(line, "hostile"))
			say("vblk: ERROR no device to be hostile to\n");
		else if (streq(line, "read") && ready)
			read_back(d); /* again: the backend may have been restarted */
		else
			say("vblk: unknown command '%s'\n", line);
	}
}
