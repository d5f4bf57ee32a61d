// SPDX-License-Identifier: GPL-2.0-only
/*
 * A child on the virtual PC (platform = "pc") that drives its
 * virtio-console (virtio 1.2 5.3: one port, no optional features) over
 * the modern virtio-pci transport: it writes a greeting on transmitq0,
 * then answers every line that arrives on receiveq0 on transmitq0 -- the
 * parent's `hvctl console --dev hvc` types the lines and reads the
 * answers. What it says on the 16550 at 0x3f8 is for the parent's script:
 *
 *   vcons: virtio-console at 00:SS.0, greeting sent
 *   vcons: done
 *   vcons: hvc got LINE           (for each line that came over the device)
 *
 * and on the virtio console itself: "vcons: hello over hvc0", then
 * "vcons: hvc got LINE" per line. "off" on the UART (or the power button)
 * powers off. Failures print "vcons: ERROR ...". Polled: no interrupts.
 */
#include "virtio_guest.h"

#define VIRTIO_ID_CONSOLE_MODERN 0x1043 /* 0x1040 + device ID 3 (4.1.2.1) */
#define RXQ 0 /* receiveq, port 0 (5.3.2) */
#define TXQ 1 /* transmitq, port 0 */
#define RX_BUF 64
#define TX_BUF 128
#define LINE_MAX 72

static struct vq_desc rx_desc[QSIZE_WANTED] __aligned(4096);
static struct vq_avail rx_avail __aligned(4096);
static struct vq_used rx_used __aligned(4096);
static struct vq_desc tx_desc[QSIZE_WANTED] __aligned(4096);
static struct vq_avail tx_avail __aligned(4096);
static struct vq_used tx_used __aligned(4096);

static u8 rx_buf[QSIZE_WANTED][RX_BUF] __aligned(64);
static u8 tx_buf[QSIZE_WANTED][TX_BUF] __aligned(64);
static bool tx_busy[QSIZE_WANTED];

struct vcons {
	struct virtio_dev v;
	struct vq rx, tx;
	char line[LINE_MAX + 1];
	u32 len;
};

static const char *vcons_setup(struct vcons *c)
{
	const char *err = virtio_negotiate(&c->v, 0);

	if (err)
		return err;
	c->rx = (struct vq){ .index = RXQ, .desc = rx_desc, .avail = &rx_avail, .used = &rx_used };
	if ((err = virtio_queue_setup(&c->v, &c->rx)))
		return err;
	c->tx = (struct vq){ .index = TXQ, .desc = tx_desc, .avail = &tx_avail, .used = &tx_used };
	if ((err = virtio_queue_setup(&c->v, &c->tx)))
		return err;
	if ((err = virtio_driver_ok(&c->v)))
		return err;
	/* 5.3.6.1: receive buffers before the device can have input. */
	for (u16 i = 0; i < c->rx.size; i++) {
		rx_desc[i] = (struct vq_desc){ va2pa(rx_buf[i]), RX_BUF, DESC_F_WRITE, 0 };
		rx_avail.ring[i] = i;
	}
	c->rx.avail_idx = c->rx.size;
	vq_kick(&c->v, &c->rx);
	return NULL;
}

/* The text in one readable descriptor; false when every one is out. */
static bool hvc_write(struct vcons *c, const char *s)
{
	struct vq_used_elem e;
	u32 n = 0;

	while (vq_used_get(&c->tx, &e))
		if (e.id < c->tx.size)
			tx_busy[e.id] = false;
	for (u16 i = 0; i < c->tx.size; i++) {
		if (tx_busy[i])
			continue;
		while (s[n] && n < TX_BUF)
			tx_buf[i][n] = (u8)s[n], n++;
		tx_desc[i] = (struct vq_desc){ va2pa(tx_buf[i]), n, 0, 0 };
		tx_busy[i] = true;
		vq_publish(&c->v, &c->tx, i);
		return true;
	}
	return false;
}

/* Takes one received buffer, if any: its bytes into the line, and the
 * line answered at its end. The buffer goes back to the device. */
static bool hvc_poll(struct vcons *c)
{
	struct vq_used_elem e;

	if (!vq_used_get(&c->rx, &e))
		return false;
	if (e.id >= c->rx.size)
		return true; /* not a head we made available */
	for (u32 i = 0; i < e.len && i < RX_BUF; i++) {
		char ch = (char)rx_buf[e.id][i];
		if (ch != '\r' && ch != '\n') {
			if (c->len < LINE_MAX && ch >= 0x20 && ch < 0x7f)
				c->line[c->len++] = ch;
			continue;
		}
		if (!c->len)
			continue;
		c->line[c->len] = 0;
		c->len = 0;
		say("vcons: hvc got %s\n", c->line);
		static char answer[TX_BUF];
		u32 n = 0;
		for (const char *p = "vcons: hvc got "; *p; p++)
			answer[n++] = *p;
		for (const char *p = c->line; *p && n < TX_BUF - 3; p++)
			answer[n++] = *p;
		answer[n++] = '\r';
		answer[n++] = '\n';
		answer[n] = 0;
		if (!hvc_write(c, answer))
			say("vcons: ERROR transmit queue full\n");
	}
	vq_publish(&c->v, &c->rx, (u16)e.id);
	return true;
}

int guest_main(u32 vcpu, u64 mem)
{
	static struct vcons dev;
	struct vcons *c = &dev;
	bool ready = false;
	const char *err;
	(void)vcpu;
	(void)mem;

	console_init("vcons");
	if (!virtio_find(&c->v, VIRTIO_ID_CONSOLE_MODERN)) {
		say("vcons: ERROR no virtio-console device (%x:%x) on bus 0\n", VIRTIO_VENDOR,
		    VIRTIO_ID_CONSOLE_MODERN);
	} else if ((err = virtio_find_structures(&c->v, 0, "no device configuration"))) {
		say("vcons: ERROR 00:%02x.0: %s\n", c->v.slot, err);
	} else {
		virtio_pci_enable(&c->v);
		if ((err = vcons_setup(c))) {
			say("vcons: ERROR init: %s (status 0x%x)\n", err, status_get(&c->v));
			status_set(&c->v, S_FAILED);
		} else if (hvc_write(c, "vcons: hello over hvc0\r\n")) {
			say("vcons: virtio-console at 00:%02x.0, greeting sent\n", c->v.slot);
			ready = true;
		}
	}
	say("vcons: done\n");

	for (;;) {
		const char *line = poll_command();
		if (line && streq(line, "off"))
			power_off();
		else if (line)
			say("vcons: unknown command '%s'\n", line);
		if (!(ready && hvc_poll(c)))
			pause();
	}
}
