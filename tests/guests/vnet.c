// SPDX-License-Identifier: GPL-2.0-only
/*
 * A child on the virtual PC (platform = "pc", one NIC) that drives its
 * virtio-net device over the modern virtio-pci transport and proves both
 * directions with ARP: it asks who has 10.99.0.1 (the parent's address
 * on the bridge) and waits for the answer. Section numbers are virtio
 * 1.2's. Everything it says goes to the 16550 at 0x3f8, for the parent's
 * script to match:
 *
 *   vnet: virtio-net at 00:SS.0, mac xx:xx:xx:xx:xx:xx
 *   vnet: arp reply from 10.99.0.1 at xx:xx:xx:xx:xx:xx
 *                                   (or "vnet: ERROR no arp reply from 10.99.0.1")
 *   vnet: done
 *
 * then waits for a line on the UART: "off" powers off through ACPI S5 (as
 * does the power button); "arp" repeats the exchange and its line.
 * Failures print "vnet: ERROR ..." and the guest goes on to wait for a
 * command, so that "off" always ends it. The driver polls the used rings:
 * no interrupts. Time comes from the ACPI PM timer.
 */
#include "virtio_guest.h"

#define VIRTIO_ID_NET_MODERN 0x1041 /* 0x1040 + device ID 1 (4.1.2.1) */
#define RXQ 0 /* receiveq1 (5.1.2) */
#define TXQ 1 /* transmitq1 */

/* Feature bits (5.1.3): the MAC and nothing else the device may offer --
 * no offloads, no merged buffers, no STATUS, no EVENT_IDX, no INDIRECT. */
#define F_NET_MAC BIT(5)

/* struct virtio_net_hdr (5.1.6): 12 bytes with VERSION_1, num_buffers
 * included. All zero on transmit: no checksum, no GSO. */
#define NET_HDR 12
#define RX_BUF 2048 /* a full 1514-byte frame and the header fit */
#define TX_BUF 128  /* the header and a minimum-size frame */
#define ETH_ZLEN 60 /* a frame without its FCS is padded to this */

/* Ethernet and ARP (RFC 826) for IPv4 over Ethernet. */
#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV4 0x0800
#define ARP_LEN 28
#define ARP_REQUEST 1
#define ARP_REPLY 2

static const u8 my_ip[4] = { 10, 99, 0, 9 };
static const u8 peer_ip[4] = { 10, 99, 0, 1 };

#define ARP_TIMEOUT_MS 10000
#define ARP_RETRY_MS 1000

/* The rings on pages of their own; the device reads and writes them. */
static struct vq_desc rx_desc[QSIZE_WANTED] __aligned(4096);
static struct vq_avail rx_avail __aligned(4096);
static struct vq_used rx_used __aligned(4096);
static struct vq_desc tx_desc[QSIZE_WANTED] __aligned(4096);
static struct vq_avail tx_avail __aligned(4096);
static struct vq_used tx_used __aligned(4096);

static u8 rx_buf[QSIZE_WANTED][RX_BUF] __aligned(4096);
static u8 tx_buf[QSIZE_WANTED][TX_BUF] __aligned(64);
/* Which transmit descriptors the device still holds. */
static bool tx_busy[QSIZE_WANTED];

struct vnet {
	struct virtio_dev v;
	struct vq rx, tx;
	u8 mac[ETH_ALEN];
};

/* ---- initialization (3.1.1, 5.1.5) ------------------------------------------- */

/* mac[6] at device configuration offset 0 (5.1.4), read until the
 * configuration generation holds still across it (2.5.1). */
static void read_mac(struct vnet *n)
{
	for (int tries = 0;; tries++) {
		u8 gen = (u8)win_read(&n->v.common, CC_CFGGEN, 1);
		for (u32 i = 0; i < ETH_ALEN; i++)
			n->mac[i] = (u8)win_read(&n->v.device, i, 1);
		if ((u8)win_read(&n->v.common, CC_CFGGEN, 1) == gen || tries == 100)
			return;
	}
}

/* Every receive descriptor a buffer of its own, all made available
 * (5.1.6.3), then one notification. */
static void rx_fill(struct vnet *n)
{
	for (u16 i = 0; i < n->rx.size; i++) {
		rx_desc[i] = (struct vq_desc){ va2pa(rx_buf[i]), RX_BUF, DESC_F_WRITE, 0 };
		rx_avail.ring[i] = i;
	}
	n->rx.avail_idx = n->rx.size;
	vq_kick(&n->v, &n->rx);
}

static const char *vnet_setup(struct vnet *n)
{
	const char *err = virtio_negotiate(&n->v, F_NET_MAC);

	if (err)
		return err;
	if (!(n->v.features & F_NET_MAC))
		return "MAC not offered";
	read_mac(n);
	n->rx = (struct vq){ .index = RXQ, .desc = rx_desc, .avail = &rx_avail, .used = &rx_used };
	if ((err = virtio_queue_setup(&n->v, &n->rx)))
		return err;
	n->tx = (struct vq){ .index = TXQ, .desc = tx_desc, .avail = &tx_avail, .used = &tx_used };
	if ((err = virtio_queue_setup(&n->v, &n->tx)))
		return err;
	memset(tx_busy, 0, sizeof(tx_busy));
	if ((err = virtio_driver_ok(&n->v)))
		return err;
	/* After DRIVER_OK, so that no notification reaches a device not yet live. */
	rx_fill(n);
	return NULL;
}

/* Gives up after a failed step, as 3.1.1 asks: FAILED. */
static bool vnet_init(struct vnet *n)
{
	const char *err = vnet_setup(n);

	if (!err)
		return true;
	say("vnet: ERROR init: %s (status 0x%x)\n", err, status_get(&n->v));
	status_set(&n->v, S_FAILED);
	return false;
}

/* ---- frames --------------------------------------------------------------------- */

static void tx_reclaim(struct vnet *n)
{
	struct vq_used_elem e;

	while (vq_used_get(&n->tx, &e))
		if (e.id < n->tx.size)
			tx_busy[e.id] = false;
}

/* One frame in one readable descriptor: the zeroed header, then the frame
 * padded to the Ethernet minimum (5.1.6.2; with VERSION_1 the device
 * assumes no framing, so one descriptor may carry both). */
static bool send_frame(struct vnet *n, const u8 *frame, u32 len)
{
	u32 padded = len < ETH_ZLEN ? ETH_ZLEN : len;

	if (NET_HDR + padded > TX_BUF)
		return false;
	tx_reclaim(n);
	for (u16 i = 0; i < n->tx.size; i++) {
		if (tx_busy[i])
			continue;
		memset(tx_buf[i], 0, NET_HDR + padded);
		memcpy(tx_buf[i] + NET_HDR, frame, len);
		tx_desc[i] = (struct vq_desc){ va2pa(tx_buf[i]), NET_HDR + padded, 0, 0 };
		tx_busy[i] = true;
		vq_publish(&n->v, &n->tx, i);
		return true;
	}
	return false;
}

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static u16 get16(const u8 *p) { return (u16)(p[0] << 8 | p[1]); }

static bool send_arp_request(struct vnet *n)
{
	u8 f[ETH_HLEN + ARP_LEN];
	u8 *a = f + ETH_HLEN;

	memset(f, 0xff, ETH_ALEN); /* broadcast */
	memcpy(f + ETH_ALEN, n->mac, ETH_ALEN);
	put16(f + 12, ETHERTYPE_ARP);
	put16(a + 0, 1); /* htype: Ethernet */
	put16(a + 2, ETHERTYPE_IPV4);
	a[4] = ETH_ALEN;
	a[5] = 4;
	put16(a + 6, ARP_REQUEST);
	memcpy(a + 8, n->mac, ETH_ALEN);
	memcpy(a + 14, my_ip, 4);
	memset(a + 18, 0, ETH_ALEN);
	memcpy(a + 24, peer_ip, 4);
	return send_frame(n, f, sizeof(f));
}

/* An ARP reply from peer_ip to our MAC; its sender MAC into peer. */
static bool is_arp_reply(const struct vnet *n, const u8 *f, u32 len, u8 *peer)
{
	const u8 *a = f + ETH_HLEN;

	if (len < ETH_HLEN + ARP_LEN || get16(f + 12) != ETHERTYPE_ARP)
		return false;
	if (get16(a + 0) != 1 || get16(a + 2) != ETHERTYPE_IPV4 || a[4] != ETH_ALEN || a[5] != 4 ||
	    get16(a + 6) != ARP_REPLY)
		return false;
	if (memcmp(a + 14, peer_ip, 4) || memcmp(a + 18, n->mac, ETH_ALEN))
		return false;
	memcpy(peer, a + 8, ETH_ALEN);
	return true;
}

/* Looks at one received frame, if there is one, and gives its buffer
 * back to the device. Returns true when it was the reply. */
static bool rx_one(struct vnet *n, bool *got, u8 *peer)
{
	struct vq_used_elem e;
	bool reply = false;

	*got = vq_used_get(&n->rx, &e);
	if (!*got)
		return false;
	if (e.id >= n->rx.size) /* not a head we made available: not ours to re-post */
		return false;
	if (e.len > NET_HDR && e.len <= RX_BUF)
		reply = is_arp_reply(n, rx_buf[e.id] + NET_HDR, e.len - NET_HDR, peer);
	vq_publish(&n->v, &n->rx, (u16)e.id);
	return reply;
}

static void arp_exchange(struct vnet *n)
{
	struct deadline total = deadline_in(ARP_TIMEOUT_MS), retry = deadline_in(ARP_RETRY_MS);
	u8 peer[ETH_ALEN];
	bool got;

	if (!send_arp_request(n))
		say("vnet: ERROR transmit queue full\n");
	for (u32 i = 0;; i++) {
		if (rx_one(n, &got, peer)) {
			say("vnet: arp reply from %u.%u.%u.%u at %02x:%02x:%02x:%02x:%02x:%02x\n",
			    peer_ip[0], peer_ip[1], peer_ip[2], peer_ip[3], peer[0], peer[1], peer[2],
			    peer[3], peer[4], peer[5]);
			return;
		}
		if (!got)
			pause();
		if (i & 255)
			continue;
		if (expired(&total))
			break;
		if (expired(&retry)) {
			retry = deadline_in(ARP_RETRY_MS);
			send_arp_request(n);
		}
		tx_reclaim(n);
	}
	say("vnet: ERROR no arp reply from %u.%u.%u.%u\n", peer_ip[0], peer_ip[1], peer_ip[2],
	    peer_ip[3]);
}

/* ---- commands ------------------------------------------------------------------- */

int guest_main(u32 vcpu, u64 mem)
{
	struct vnet dev = { 0 }, *n = &dev;
	bool ready = false;
	const char *err;
	(void)vcpu;
	(void)mem;

	console_init("vnet");
	if (!virtio_find(&n->v, VIRTIO_ID_NET_MODERN)) {
		say("vnet: ERROR no virtio-net device (%x:%x) on bus 0\n", VIRTIO_VENDOR,
		    VIRTIO_ID_NET_MODERN);
	} else if ((err = virtio_find_structures(&n->v, ETH_ALEN, "no device configuration with the MAC"))) {
		say("vnet: ERROR 00:%02x.0: %s\n", n->v.slot, err);
	} else {
		virtio_pci_enable(&n->v);
		ready = vnet_init(n);
		if (ready) {
			say("vnet: virtio-net at 00:%02x.0, mac %02x:%02x:%02x:%02x:%02x:%02x\n",
			    n->v.slot, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
			arp_exchange(n);
		}
	}
	say("vnet: done\n");

	for (;;) {
		const char *line = read_command();

		if (streq(line, "off"))
			power_off();
		else if (streq(line, "arp") && ready)
			arp_exchange(n);
		else if (streq(line, "arp"))
			say("vnet: ERROR no device to send from\n");
		else
			say("vnet: unknown command '%s'\n", line);
	}
}
