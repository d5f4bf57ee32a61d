// SPDX-License-Identifier: GPL-2.0-only
/*
 * The polled virtio-pci driver and console the virtio test guests share
 * (see virtio_guest.h). Section numbers are virtio 1.2's.
 */
#include "virtio_guest.h"

/* ---- 16550 console and commands ------------------------------------------- */

#define PM1_PWRBTN (1u << 8)
#define PM1_SLP_EN (1u << 13)

static const char *console_who = "guest";

void console_init(const char *who)
{
	console_who = who;
	outb(PLAT_UART_PORT + 2, 0x07); /* FIFOs on, cleared */
	outb(PLAT_UART_PORT + 3, 0x03); /* 8N1 */
	outw(PLAT_PM1A_EVT + 2, PM1_PWRBTN); /* PWRBTN_EN */
}

void uart_putc(char c)
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

void say(const char *fmt, ...)
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

void __attribute__((noreturn)) power_off(void)
{
	say("%s: powering off\n", console_who);
	outw(PLAT_PM1A_CNT, (PLAT_SLP_TYP_S5 << 10) | PM1_SLP_EN);
	for (;;)
		cli(), hlt();
}

const char *poll_command(void)
{
	static char line[80];
	static u32 len;

	for (;;) {
		if (inw(PLAT_PM1A_EVT) & PM1_PWRBTN) {
			outw(PLAT_PM1A_EVT, PM1_PWRBTN);
			power_off();
		}
		if (!(inb(PLAT_UART_PORT + UART_LSR) & LSR_DR))
			return NULL;
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
		return line;
	}
}

const char *read_command(void)
{
	const char *line;

	while (!(line = poll_command()))
		pause();
	return line;
}

bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* ---- time -------------------------------------------------------------------- */

struct deadline deadline_in(u32 ms)
{
	return (struct deadline){ .start = inl(PLAT_PM_TMR), .ticks = (u32)((u64)ms * PMT_HZ / 1000) };
}

bool expired(const struct deadline *d)
{
	return (u32)(inl(PLAT_PM_TMR) - d->start) >= d->ticks;
}

void delay_ms(u32 ms)
{
	struct deadline d = deadline_in(ms);

	while (!expired(&d))
		for (int i = 0; i < 64; i++)
			pause();
}

/* ---- PCI configuration space ------------------------------------------------- */

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

static void pci_select(u32 slot, u32 off)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | slot << 11 | (off & 0xfc));
}

u8 pci_read8(u32 slot, u32 off)
{
	pci_select(slot, off);
	return inb((u16)(PCI_CONFIG_DATA + (off & 3)));
}

u16 pci_read16(u32 slot, u32 off)
{
	pci_select(slot, off);
	return inw((u16)(PCI_CONFIG_DATA + (off & 2)));
}

u32 pci_read32(u32 slot, u32 off)
{
	pci_select(slot, off);
	return inl(PCI_CONFIG_DATA);
}

void pci_write16(u32 slot, u32 off, u16 v)
{
	pci_select(slot, off);
	outw((u16)(PCI_CONFIG_DATA + (off & 2)), v);
}

/* ---- register windows ---------------------------------------------------------- */

/* Plain MOVs, so that the hypervisor's MMIO decoder sees the simplest form. */
u32 win_read(const struct window *w, u32 off, u32 size)
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

void win_write(const struct window *w, u32 off, u32 size, u32 v)
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

void write64(const struct window *w, u32 off, u64 v)
{
	win_write(w, off, 4, (u32)v);
	win_write(w, off + 4, 4, (u32)(v >> 32));
}

/* ---- virtio-pci: discovery (4.1.4) ------------------------------------------ */

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

u8 status_get(const struct virtio_dev *d) { return (u8)win_read(&d->common, CC_STATUS, 1); }

void status_set(struct virtio_dev *d, u8 bits)
{
	d->status |= bits;
	win_write(&d->common, CC_STATUS, 1, d->status);
}

bool virtio_find(struct virtio_dev *d, u16 pci_device_id)
{
	for (u32 slot = 0; slot < PCI_SLOTS; slot++) {
		u32 id = pci_read32(slot, 0);
		if ((id & 0xffff) == VIRTIO_VENDOR && id >> 16 == pci_device_id) {
			d->slot = slot;
			return true;
		}
	}
	return false;
}

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

/* The first structure of each type (4.1.4.1: later ones are
 * alternatives; unknown types and BARs above 5 are ignored). */
const char *virtio_find_structures(struct virtio_dev *d, u32 device_len, const char *device_err)
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
	if (!found[CFG_DEVICE] || d->device.len < device_len)
		return device_err;
	return NULL;
}

void virtio_pci_enable(const struct virtio_dev *d)
{
	pci_write16(d->slot, PCI_COMMAND, (u16)(pci_read16(d->slot, PCI_COMMAND) |
					       PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER));
}

/* ---- virtio-pci: initialization (3.1.1, 4.1.5.1) ----------------------------- */

/* The backend in the parent finishes with the rings first, asynchronously. */
bool virtio_reset(struct virtio_dev *d)
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

const char *virtio_negotiate(struct virtio_dev *d, u64 optional)
{
	if (!virtio_reset(d))
		return "reset did not complete";
	status_set(d, S_ACKNOWLEDGE);
	status_set(d, S_DRIVER);

	win_write(&d->common, CC_DFSELECT, 4, 0);
	d->features = win_read(&d->common, CC_DF, 4);
	win_write(&d->common, CC_DFSELECT, 4, 1);
	d->features |= (u64)win_read(&d->common, CC_DF, 4) << 32;
	if (!(d->features & F_VERSION_1))
		return "VERSION_1 not offered";
	u64 want = F_VERSION_1 | (d->features & optional);
	win_write(&d->common, CC_GFSELECT, 4, 0);
	win_write(&d->common, CC_GF, 4, (u32)want);
	win_write(&d->common, CC_GFSELECT, 4, 1);
	win_write(&d->common, CC_GF, 4, (u32)(want >> 32));
	status_set(d, S_FEATURES_OK);
	if (!(status_get(d) & S_FEATURES_OK))
		return "FEATURES_OK did not stick";
	return NULL;
}

/* "queue N what" for the few queues a test guest has. */
static const char *queue_error(const struct vq *q, const char *what)
{
	static char msg[64];
	u32 n = 0;

	for (const char *s = "queue "; *s; s++)
		msg[n++] = *s;
	msg[n++] = (char)('0' + q->index % 10);
	msg[n++] = ' ';
	for (; *what && n < sizeof(msg) - 1; what++)
		msg[n++] = *what;
	msg[n] = 0;
	return msg;
}

const char *virtio_queue_setup(struct virtio_dev *d, struct vq *q)
{
	if (win_read(&d->common, CC_NUMQ, 2) <= q->index)
		return q->index ? queue_error(q, "beyond num_queues") : "no queues";
	win_write(&d->common, CC_QSELECT, 2, q->index);
	q->max = (u16)win_read(&d->common, CC_QSIZE, 2);
	if (!q->max)
		return queue_error(q, "not available");
	if (win_read(&d->common, CC_QENABLE, 2))
		return queue_error(q, "enabled after reset");
	for (q->size = QSIZE_WANTED; q->size > q->max; q->size >>= 1)
		;
	memset(q->desc, 0, QSIZE_WANTED * sizeof(*q->desc));
	memset(q->avail, 0, sizeof(*q->avail));
	memset(q->used, 0, sizeof(*q->used));
	q->avail->flags = AVAIL_F_NO_INTERRUPT; /* we poll (2.7.7) */
	q->avail_idx = q->used_seen = 0;
	win_write(&d->common, CC_QSIZE, 2, q->size);
	if (win_read(&d->common, CC_QSIZE, 2) != q->size)
		return "queue size not taken";
	write64(&d->common, CC_QDESC, va2pa(q->desc));
	write64(&d->common, CC_QDRIVER, va2pa(q->avail));
	write64(&d->common, CC_QDEVICE, va2pa(q->used));
	win_write(&d->common, CC_MSIX, 2, NO_VECTOR);
	win_write(&d->common, CC_QMSIX, 2, NO_VECTOR);
	q->notify_off = (u16)win_read(&d->common, CC_QNOTIFYOFF, 2);
	if ((u64)q->notify_off * d->notify_mult + 2 > d->notify.len)
		return "queue notify address outside the notification structure";
	win_write(&d->common, CC_QENABLE, 2, 1);
	return NULL;
}

const char *virtio_driver_ok(struct virtio_dev *d)
{
	status_set(d, S_DRIVER_OK);
	if (status_get(d) & (S_NEEDS_RESET | S_FAILED))
		return "device failed at DRIVER_OK";
	return NULL;
}

/* ---- split queues ------------------------------------------------------------ */

void vq_kick(const struct virtio_dev *d, struct vq *q)
{
	/* The ring entries and descriptors before the index (2.7.13.3). */
	__atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
	/* The index before the notification, and before any read of
	 * used->flags (2.7.13.4); we kick every time, NO_NOTIFY or not. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	win_write(&d->notify, (u32)q->notify_off * d->notify_mult, 2, q->index);
}

void vq_publish(const struct virtio_dev *d, struct vq *q, u16 head)
{
	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	q->avail_idx++;
	vq_kick(d, q);
}

bool vq_used_get(struct vq *q, struct vq_used_elem *e)
{
	if (__atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE) == q->used_seen)
		return false;
	*e = q->used->ring[q->used_seen & (q->size - 1)];
	q->used_seen++;
	/* 2.7.8: the data before the index (the acquire above). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return true;
}

bool vq_used_wait(struct vq *q, u32 ms, struct vq_used_elem *e)
{
	struct deadline dl = deadline_in(ms);

	for (u32 n = 0; !vq_used_get(q, e); n++) {
		if (!(n & 255) && expired(&dl))
			return false;
		pause();
	}
	return true;
}
