// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net (virtio 1.2 5.1) on a tap device in the parent, attached to
 * a bridge (made on demand), so children reach each other, the parent,
 * and through the parent's routing the rest of the network. No offloads:
 * each packet is one Ethernet frame behind the 12-byte virtio_net_hdr
 * (5.1.6), which the backend strips on transmit and writes, zeroed but
 * for num_buffers = 1, on receive.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>

#include "backend.h"

#define NET_HDR 12
#define FRAME_MAX 1518        /* Ethernet with a VLAN tag, no FCS */
#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_STATUS (1ull << 16)
#define LINK_UP 1
#define RXQ 0
#define TXQ 1

static int ifflags_up(int sock, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

int vnet_open(struct vdev *d, const char *bridge, char *err, size_t len)
{
	struct ifreq ifr;
	int sock = -1;

	d->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (d->fd < 0) {
		snprintf(err, len, "/dev/net/tun: %s (is the tun module loaded?)", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "hvtap%%d");
	if (ioctl(d->fd, TUNSETIFF, &ifr)) {
		snprintf(err, len, "making a tap device: %s", strerror(errno));
		return -1;
	}
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifr.ifr_name);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		snprintf(err, len, "socket: %s", strerror(errno));
		return -1;
	}
	/* The bridge, made on first use (as xl's vif-bridge script does
	 * not: there it must exist; here a user gets one). */
	if (ioctl(sock, SIOCBRADDBR, bridge) && errno != EEXIST) {
		snprintf(err, len, "bridge %s: %s (is the bridge module loaded?)", bridge,
			 strerror(errno));
		close(sock);
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", d->ifname);
	if (ioctl(sock, SIOCGIFINDEX, &ifr)) {
		snprintf(err, len, "%s: %s", d->ifname, strerror(errno));
		close(sock);
		return -1;
	}
	int index = ifr.ifr_ifindex;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", bridge);
	ifr.ifr_ifindex = index;
	if (ioctl(sock, SIOCBRADDIF, &ifr) || ifflags_up(sock, bridge) ||
	    ifflags_up(sock, d->ifname)) {
		snprintf(err, len, "putting %s on bridge %s: %s", d->ifname, bridge, strerror(errno));
		close(sock);
		return -1;
	}
	close(sock);
	return 0;
}

void vnet_describe(const struct vdev *d, struct hv_device *out)
{
	uint16_t status = LINK_UP;

	memset(out, 0, sizeof(*out));
	out->type = HV_VIRTIO_NET;
	out->queues = 2; /* receiveq1, transmitq1 (5.1.2) */
	out->queue_size = 256;
	out->features = HV_VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX |
			VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS;
	/* struct virtio_net_config (5.1.4): mac, status. */
	memcpy(out->config, d->mac, 6);
	memcpy(out->config + 6, &status, 2);
	out->config_len = 8;
}

/* A transmit chain: the header, then the frame, to the tap. */
long vnet_tx(struct vdev *d, const struct vq_chain *c, char *why, size_t len)
{
	struct iovec iov[VQ_MAX_SEGS];
	uint64_t skip = NET_HDR;
	int n = 0;

	if (c->readable < NET_HDR) {
		snprintf(why, len, "a transmitted packet without its %d-byte header", NET_HDR);
		return -1;
	}
	for (unsigned i = 0; i < c->nseg; i++) {
		const struct vq_seg *s = &c->seg[i];
		if (s->writable)
			continue;
		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		iov[n].iov_base = s->hva + skip;
		iov[n].iov_len = s->len - skip;
		skip = 0;
		n++;
	}
	/* A full tap queue drops the frame, as a congested link would. */
	if (n && c->readable - NET_HDR <= 65535 && writev(d->fd, iov, n) < 0 && errno != EAGAIN)
		d->tx_errors++;
	return 0;
}

/* One frame from the tap into a receive chain; returns the bytes written
 * into the chain, 0 when the tap had nothing (the chain stays held), or
 * -1 when the chain cannot take even a header. */
long vnet_rx(struct vdev *d, const struct vq_chain *c, bool *got, char *why, size_t len)
{
	uint8_t frame[65536];
	uint8_t hdr[NET_HDR] = { 0 };

	*got = false;
	if (c->writable < NET_HDR) {
		snprintf(why, len, "a receive buffer smaller than the %d-byte header", NET_HDR);
		return -1;
	}
	ssize_t n = read(d->fd, frame, sizeof(frame));
	if (n <= 0)
		return 0;
	*got = true;
	if ((uint64_t)n > c->writable - NET_HDR) {
		d->rx_dropped++; /* larger than the driver's buffer: dropped */
		return NET_HDR - NET_HDR;
	}
	hdr[10] = 1; /* num_buffers (5.1.6.4: 1 without MRG_RXBUF) */
	vq_chain_write(c, 0, hdr, NET_HDR);
	vq_chain_write(c, NET_HDR, frame, (size_t)n);
	return NET_HDR + n;
}
