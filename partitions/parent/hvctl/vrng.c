// SPDX-License-Identifier: GPL-2.0-only
/* virtio-rng (virtio 1.2 5.4): the parent's kernel's randomness. */
#include <string.h>
#include <sys/random.h>

#include "backend.h"

#define CHUNK 4096

void vrng_describe(const struct vdev *d, struct hv_device *out)
{
	(void)d;
	memset(out, 0, sizeof(*out));
	out->type = HV_VIRTIO_RNG;
	out->queues = 1;
	out->queue_size = 64;
	out->features = HV_VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX;
	out->config_len = 0;
}

long vrng_handle(struct vdev *d, const struct vq_chain *c, char *why, size_t len)
{
	uint8_t buf[CHUNK];
	(void)d;
	(void)why;
	(void)len;

	/* 5.4.6: fill the device-writable buffers; at most a page per
	 * request, the driver asks again. */
	size_t n = c->writable < CHUNK ? (size_t)c->writable : CHUNK;
	ssize_t got = n ? getrandom(buf, n, GRND_NONBLOCK) : 0;
	if (got <= 0)
		return 0;
	return (long)vq_chain_write(c, 0, buf, (size_t)got);
}
