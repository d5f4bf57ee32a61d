// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk (virtio 1.2 5.2) on an image file or a block device in the
 * parent. Requests are served as they come, synchronously: a write is in
 * the file before its completion goes back, and a FLUSH is an
 * fdatasync(), so nothing the child saw acknowledged after a flush is
 * lost when the child is destroyed the next instant.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "backend.h"

#define SECTOR 512
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2
#define ID_BYTES 20
#define SEG_MAX 126           /* data buffers per request, header and status aside */
#define SIZE_MAX_BYTES (1u << 20)

struct req_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

void vblk_describe(const struct vdev *d, struct hv_device *out)
{
	uint32_t seg = SEG_MAX, size = SIZE_MAX_BYTES, blk = SECTOR;

	memset(out, 0, sizeof(*out));
	out->type = HV_VIRTIO_BLOCK;
	out->queues = 1;
	out->queue_size = 256;
	out->features = HV_VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX |
			VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE |
			VIRTIO_BLK_F_FLUSH | (d->ro ? VIRTIO_BLK_F_RO : 0);
	/* struct virtio_blk_config (5.2.4): capacity, size_max, seg_max,
	 * geometry (unused), blk_size. */
	memcpy(out->config + 0, &d->sectors, 8);
	memcpy(out->config + 8, &size, 4);
	memcpy(out->config + 12, &seg, 4);
	memcpy(out->config + 20, &blk, 4);
	out->config_len = 24;
}

/* The iovecs of [off, off+len) of the chain's readable or writable part. */
static int iov_of(const struct vq_chain *c, bool writable, uint64_t off, uint64_t len,
		  struct iovec *iov, int max)
{
	int n = 0;

	for (unsigned i = 0; i < c->nseg && len; i++) {
		const struct vq_seg *s = &c->seg[i];
		if (s->writable != writable)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		uint64_t take = s->len - off < len ? s->len - off : len;
		if (n == max)
			return -1;
		iov[n].iov_base = s->hva + off;
		iov[n].iov_len = take;
		n++;
		len -= take;
		off = 0;
	}
	return len ? -1 : n;
}

/* The whole of an I/O, or -1. */
static int rw_all(struct vdev *d, bool write, struct iovec *iov, int n, uint64_t at)
{
	while (n > 0) {
		ssize_t r = write ? pwritev(d->fd, iov, n, (off_t)at) : preadv(d->fd, iov, n, (off_t)at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		at += (uint64_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

long vblk_handle(struct vdev *d, const struct vq_chain *c, char *why, size_t len)
{
	struct req_hdr h;
	struct iovec iov[SEG_MAX + 2];
	uint8_t st = S_OK;
	uint64_t data = 0;

	/* 5.2.6: a header the device reads, the data, a status byte the
	 * device writes last. A request without room for them is the
	 * driver's breach of the rules. */
	if (c->readable < sizeof(h) || c->writable < 1) {
		snprintf(why, len, "a block request without its header or status byte");
		return -1;
	}
	vq_chain_read(c, 0, &h, sizeof(h));
	switch (h.type) {
	case T_IN:
	case T_OUT: {
		bool out = h.type == T_OUT;
		data = out ? c->readable - sizeof(h) : c->writable - 1;
		uint64_t end = h.sector + data / SECTOR;
		int n;
		if (data % SECTOR || h.sector > d->sectors || end > d->sectors || end < h.sector) {
			st = S_IOERR;
		} else if (out && d->ro) {
			st = S_IOERR;
		} else if ((n = iov_of(c, !out, out ? sizeof(h) : 0, data, iov, SEG_MAX + 2)) < 0) {
			st = S_IOERR; /* more buffers than SEG_MAX said */
		} else if (n && rw_all(d, out, iov, n, h.sector * SECTOR)) {
			st = S_IOERR;
		}
		if (out)
			data = 0; /* nothing written into the chain but the status */
		break;
	}
	case T_FLUSH:
		if (fdatasync(d->fd) && errno != EINVAL && errno != EROFS)
			st = S_IOERR;
		break;
	case T_GET_ID: {
		char id[ID_BYTES];
		memset(id, 0, sizeof(id));
		snprintf(id, sizeof(id), "hv-disk-%u", d->index);
		data = c->writable - 1 < ID_BYTES ? c->writable - 1 : ID_BYTES;
		vq_chain_write(c, 0, id, data);
		break;
	}
	default:
		st = S_UNSUPP;
		break;
	}
	if (st != S_OK && h.type == T_IN)
		data = 0;
	vq_chain_write(c, c->writable - 1, &st, 1);
	return (long)(data + 1);
}
