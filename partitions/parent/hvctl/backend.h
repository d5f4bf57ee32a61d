/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A child's device backends (backend.c, vblk.c, vnet.c, vcon.c, vrng.c): the devices a
 * definition file names are added to the child before it starts, then one
 * process per child -- started by `hvctl create`, or again by `hvctl
 * backend NAME` -- serves them: it maps the child's RAM and its channel
 * through /dev/hv, takes the child's queue notifications from the IN
 * ring, processes the virtqueues (partitions/parent/virtio/virtq.h) and
 * sends the interrupts back through the OUT ring. A backend that fails
 * takes down only its child's devices; it ends when the child goes.
 */
#ifndef HVCTL_BACKEND_H
#define HVCTL_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>

#include "cfg.h"
#include "../virtio/virtq.h"

/* Virtio feature bits the backends offer (virtio 1.2 6, 5.2.3). */
#define VIRTIO_F_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_EVENT_IDX (1ull << 29)
#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)

struct vdev {
	uint32_t type;           /* HV_VIRTIO_* */
	unsigned index;          /* the hypervisor's device index */
	unsigned nq;
	struct virtq q[HV_QUEUES_MAX];
	bool ready;              /* DRIVER_OK seen and its queues set up */
	bool broken;             /* a rule broken: nothing until a reset */
	uint64_t features;       /* what the driver accepted */
	int fd;                  /* the image, block device or tap; -1: none */
	/* virtio-blk */
	bool ro;
	uint64_t sectors;
	char path[CFG_PATH_MAX];
	/* virtio-net */
	uint8_t mac[6];
	char ifname[16];         /* its tap device */
	bool rx_starved;         /* the driver gave no receive buffers */
	bool rx_held;            /* rx_chain is taken, waiting for a frame */
	struct vq_chain rx_chain;
	uint64_t tx_errors, rx_dropped;
	/* virtio-console: fd listens, cfd is `hvctl console --dev hvc` */
	int cfd;
	uint8_t *hist;           /* VCON_HIST bytes of output, a ring */
	uint64_t hist_end;       /* output bytes ever */
	uint64_t cpos;           /* the client's next byte */
	uint8_t in[1024];        /* typed, not yet in a receive buffer */
	size_t in_len;
};

#define VCON_HIST 65536
#define HV_RUN_DIR "/run/hv"


/* The devices of c, described for HV_IOC_DEVICE_ADD and opened (disk
 * images and block devices). Returns the count, or -1 with err. */
int backend_devices(const struct cfg *c, struct vdev *devs, unsigned max, char *err, size_t len);
/* Adds them to the child (before it starts); -1 with errno. */
int backend_add(int fd, uint32_t id, struct vdev *devs, unsigned n);
/* Starts the child's backend process, detached; returns once it has
 * attached to the channel (0), or -1 with errno. */
int backend_spawn(uint32_t id, const char *name, struct vdev *devs, unsigned n);

/* Per device type (vblk.c, vrng.c): what HVC_DEVICE_ADD describes, and
 * one request. handle returns the bytes written into the chain, or -1
 * when the chain breaks the device's rules (why says how). */
void vblk_describe(const struct vdev *d, struct hv_device *out);
long vblk_handle(struct vdev *d, const struct vq_chain *c, char *why, size_t len);
/* A tap device on bridge (made if missing); -1 with err. */
int vnet_open(struct vdev *d, const char *bridge, char *err, size_t len);
void vnet_describe(const struct vdev *d, struct hv_device *out);
long vnet_tx(struct vdev *d, const struct vq_chain *c, char *why, size_t len);
/* > 0: a frame written into c; 0: none (*got: one was dropped, c is
 * still free); -1: c breaks the rules. */
long vnet_rx(struct vdev *d, const struct vq_chain *c, bool *got, char *why, size_t len);
void vcon_describe(const struct vdev *d, struct hv_device *out);
/* /run/hv/console-ID, where a child's hvc0 is reached; -1 if too long. */
int vcon_socket_path(uint32_t id, char *buf, size_t len);
/* In the backend: the socket made and listened on; -1 with errno. */
int vcon_listen(struct vdev *d, uint32_t id);
long vcon_tx(struct vdev *d, const struct vq_chain *c, char *why, size_t len);
long vcon_rx(struct vdev *d, const struct vq_chain *c, bool *got, char *why, size_t len);
/* What to poll for the socket and its client, and what came. */
void vcon_pollfds(const struct vdev *d, struct pollfd *l, struct pollfd *c);
void vcon_events(struct vdev *d, short lrev, short crev);
void vcon_close(struct vdev *d);
void vrng_describe(const struct vdev *d, struct hv_device *out);
long vrng_handle(struct vdev *d, const struct vq_chain *c, char *why, size_t len);

#endif
