/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the virtio test guests on the virtual PC share: the 16550 console
 * and its command line, time from the ACPI PM timer, PCI configuration
 * mechanism #1, register windows in I/O or memory BARs, and a polled
 * modern virtio-pci driver (discovery, initialization, split queues).
 * Section numbers are virtio 1.2's. Identity-mapped, 64-bit, no
 * interrupts: every MSI-X vector stays NO_VECTOR.
 */
#ifndef VIRTIO_GUEST_H
#define VIRTIO_GUEST_H

#include "guest.h"
#include "vmm/dev/platform.h"

/* ---- 16550 console and commands ------------------------------------------- */

#define UART_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

/* FIFOs, 8N1 and the ACPI power button; who prefixes "powering off". */
void console_init(const char *who);
void uart_putc(char c);
/* printf for the UART: %s %c %u %x with optional 0-padded width and l/ll. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Waits for a non-empty line typed on the UART (printable characters,
 * up to 79); the power button powers off meanwhile. */
const char *read_command(void);
/* The same without waiting: NULL while no whole line has come. */
const char *poll_command(void);
void __attribute__((noreturn)) power_off(void);
bool streq(const char *a, const char *b);

/* ---- time: the ACPI PM timer (32 bits at 3.579545 MHz) -------------------- */

#define PMT_HZ 3579545u

struct deadline {
	u32 start, ticks;
};

struct deadline deadline_in(u32 ms);
/* Each look is a port read, an exit: pollers look only now and then. */
bool expired(const struct deadline *d);
void delay_ms(u32 ms);

/* ---- PCI configuration space: mechanism #1 (PCI 3.0 3.2.2.3.2) ------------ */

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

u8 pci_read8(u32 slot, u32 off);
u16 pci_read16(u32 slot, u32 off);
u32 pci_read32(u32 slot, u32 off);
void pci_write16(u32 slot, u32 off, u16 v);

/* ---- register windows: a virtio structure in an I/O or a memory BAR ------- */

struct window {
	u64 base;
	u32 len;
	bool io;
};

u32 win_read(const struct window *w, u32 off, u32 size);
void win_write(const struct window *w, u32 off, u32 size, u32 v);
void write64(const struct window *w, u32 off, u64 v);

/* ---- virtio-pci ------------------------------------------------------------ */

#define VIRTIO_VENDOR 0x1af4

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

/* Transport feature bits (6) */
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

/* Timeouts: the backend is a process in the parent, which may be slow to
 * run (nested, emulated); none of these is waited out when all is well. */
#define RESET_TIMEOUT_MS 10000

struct virtio_dev {
	u32 slot;
	struct window common, notify, isr, device;
	u32 notify_mult;
	u64 features; /* offered */
	u8 status;    /* what the driver has set */
};

/* One split queue. The caller owns the rings (on pages of their own,
 * which the device reads and writes) and sets index and the pointers. */
struct vq {
	u16 index;
	struct vq_desc *desc;
	struct vq_avail *avail;
	struct vq_used *used;
	u16 size, max, notify_off;
	u16 avail_idx; /* our next avail->idx */
	u16 used_seen; /* used->idx we have consumed up to */
};

static inline u64 va2pa(const volatile void *p) { return (u64)(uword)p; } /* identity-mapped */

u8 status_get(const struct virtio_dev *d);
void status_set(struct virtio_dev *d, u8 bits);

/* The first function on bus 0 with vendor 1af4 and this device ID. */
bool virtio_find(struct virtio_dev *d, u16 pci_device_id);
/* The structures of cfg_type 1-4 (4.1.4); NULL when all are there, with
 * a device configuration of at least device_len bytes (else device_err). */
const char *virtio_find_structures(struct virtio_dev *d, u32 device_len, const char *device_err);
/* BARs as assigned; decode on, and bus mastering for the rings. */
void virtio_pci_enable(const struct virtio_dev *d);
/* Writes 0 and waits until status reads 0 (4.1.4.3.2). */
bool virtio_reset(struct virtio_dev *d);
/* 3.1.1 up to FEATURES_OK: reset, ACKNOWLEDGE, DRIVER, the offered
 * features into d->features, VERSION_1 | (offered & optional) accepted. */
const char *virtio_negotiate(struct virtio_dev *d, u64 optional);
/* 4.1.5.1.3: the rings zeroed, QSIZE_WANTED or the largest power of two
 * the device takes below it, no MSI-X vector, enabled. */
const char *virtio_queue_setup(struct virtio_dev *d, struct vq *q);
/* DRIVER_OK, and a check that the device did not fail there. */
const char *virtio_driver_ok(struct virtio_dev *d);

/* Publishes avail->idx = q->avail_idx and notifies the queue (4.1.5.2). */
void vq_kick(const struct virtio_dev *d, struct vq *q);
/* Makes the chain at head available (2.7.13) and kicks. */
void vq_publish(const struct virtio_dev *d, struct vq *q, u16 head);
/* The next used element, if the device has returned one (2.7.8). */
bool vq_used_get(struct vq *q, struct vq_used_elem *e);
/* The same, polled for up to ms milliseconds. */
bool vq_used_wait(struct vq *q, u32 ms, struct vq_used_elem *e);

#endif
