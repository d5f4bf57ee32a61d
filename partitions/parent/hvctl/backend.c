// SPDX-License-Identifier: GPL-2.0-only
/*
 * A child's backend process (backend.h). The channel's IN ring is read
 * the way hv_abi.h describes: interrupt_mask set while draining, cleared,
 * then one more look; OUT records are written and handed over with
 * HV_IOC_CHANNEL_SIGNAL, many per call. Queues are processed with
 * notifications suppressed, and re-armed (EVENT_IDX's avail_event) before
 * the last look, so a steady stream costs the driver no kicks.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include "backend.h"
#include "dev.h"
#include "hvctl.h"
#include "hv_ioctl.h"

#define RING_PAGES 8
#define PAGE 4096ull

struct backend {
	int fd;
	uint32_t id;
	char name[HV_NAME_MAX];
	char who[HV_NAME_MAX + 16]; /* "NAME: backend", for its log lines */
	uint8_t *area;
	struct hv_chan_ctl *in, *out;
	uint8_t *in_data, *out_data;
	uint32_t size, in_r, out_w;
	unsigned irqs;             /* OUT records not yet signalled */
	struct vq_mem mem;
	struct vdev *dev;
	unsigned ndev;
	struct vq_chain chain;
};

/* Its lines in the kernel log: "hvctl: NAME: backend: ...". */
#define blog(b, level, ...) daemon_log(level, (b)->who, __VA_ARGS__)


/* ---- devices ---------------------------------------------------------------- */

int backend_devices(const struct cfg *c, struct vdev *devs, unsigned max, char *err, size_t len)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->ndisks && n < max; i++, n++) {
		struct vdev *d = &devs[n];
		memset(d, 0, sizeof(*d));
		d->type = HV_VIRTIO_BLOCK;
		d->fd = -1;
		d->ro = c->disk[i].ro;
		snprintf(d->path, sizeof(d->path), "%s", c->disk[i].path);
		d->fd = open(d->path, (d->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		struct stat sb;
		uint64_t bytes = 0;
		if (d->fd < 0 || fstat(d->fd, &sb)) {
			snprintf(err, len, "disk %s: %s", d->path, strerror(errno));
			goto fail;
		}
		if (S_ISBLK(sb.st_mode)) {
			if (ioctl(d->fd, BLKGETSIZE64, &bytes)) {
				snprintf(err, len, "disk %s: %s", d->path, strerror(errno));
				goto fail;
			}
		} else if (S_ISREG(sb.st_mode)) {
			bytes = (uint64_t)sb.st_size;
		} else {
			snprintf(err, len, "disk %s: neither a file nor a block device", d->path);
			goto fail;
		}
		if (bytes < 512) {
			snprintf(err, len, "disk %s: smaller than one 512-byte sector", d->path);
			goto fail;
		}
		d->sectors = bytes / 512; /* a partial last sector is not the child's */
		continue;
fail:
		for (unsigned k = 0; k <= n; k++)
			if (devs[k].fd >= 0)
				close(devs[k].fd);
		return -1;
	}
	for (unsigned i = 0; i < c->nvifs && n < max; i++, n++) {
		struct vdev *d = &devs[n];
		memset(d, 0, sizeof(*d));
		d->type = HV_VIRTIO_NET;
		d->fd = -1;
		if (c->vif[i].has_mac) {
			memcpy(d->mac, c->vif[i].mac, 6);
		} else {
			/* Locally administered, from the child's name: the same
			 * child gets the same address each time. */
			uint32_t h = 2166136261u;
			for (const char *p = c->name; *p; p++)
				h = (h ^ (uint8_t)*p) * 16777619u;
			uint8_t m[6] = { 0x02, 0x68, (uint8_t)(h >> 24), (uint8_t)(h >> 16),
					 (uint8_t)(h >> 8), (uint8_t)((h & 0xf0) | i) };
			memcpy(d->mac, m, 6);
		}
		if (vnet_open(d, c->vif[i].bridge, err, len)) {
			for (unsigned k = 0; k <= n; k++)
				if (devs[k].fd >= 0)
					close(devs[k].fd);
			return -1;
		}
	}
	if (c->rng && n < max) {
		memset(&devs[n], 0, sizeof(devs[n]));
		devs[n].type = HV_VIRTIO_RNG;
		devs[n].fd = -1;
		n++;
	}
	if (c->vconsole && n < max) {
		/* Its socket is made by the backend, which knows the id. */
		memset(&devs[n], 0, sizeof(devs[n]));
		devs[n].type = HV_VIRTIO_CONSOLE;
		devs[n].fd = devs[n].cfd = -1;
		n++;
	}
	return (int)n;
}

int backend_add(int fd, uint32_t id, struct vdev *devs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct hv_ioc_device_add req;
		memset(&req, 0, sizeof(req));
		req.id = id;
		if (devs[i].type == HV_VIRTIO_BLOCK)
			vblk_describe(&devs[i], &req.dev);
		else if (devs[i].type == HV_VIRTIO_NET)
			vnet_describe(&devs[i], &req.dev);
		else if (devs[i].type == HV_VIRTIO_CONSOLE)
			vcon_describe(&devs[i], &req.dev);
		else
			vrng_describe(&devs[i], &req.dev);
		if (hv_ioctl(fd, HV_IOC_DEVICE_ADD, &req))
			return -1;
		devs[i].index = req.device;
		devs[i].nq = req.dev.queues;
	}
	return 0;
}

/* ---- the OUT ring ------------------------------------------------------------- */

static void signal_now(struct backend *b)
{
	if (!b->irqs)
		return;
	b->irqs = 0;
	if (ioctl(b->fd, HV_IOC_CHANNEL_SIGNAL) < 0 && errno != EINTR)
		blog(b, 4, "signalling the hypervisor failed: %s", strerror(errno));
}

static void send_irq(struct backend *b, unsigned dev, uint16_t q)
{
	for (int tries = 0; tries < 2; tries++) {
		uint32_t r = __atomic_load_n(&b->out->read_index, __ATOMIC_ACQUIRE);
		if ((b->out_w + HV_CHAN_RECORD) % b->size != r) {
			struct hv_chan_record rec = { .type = HV_CHAN_IRQ, .device = (uint8_t)dev,
						      .queue = q };
			memcpy(b->out_data + b->out_w, &rec, sizeof(rec));
			b->out_w = (b->out_w + HV_CHAN_RECORD) % b->size;
			__atomic_store_n(&b->out->write_index, b->out_w, __ATOMIC_RELEASE);
			b->irqs++;
			return;
		}
		b->irqs = 1;
		signal_now(b); /* full: the hypervisor takes them all */
	}
}

/* ---- queues ------------------------------------------------------------------- */

static void mark_broken(struct backend *b, struct vdev *d, const char *why)
{
	struct hv_ioc_device_ack ack;

	if (d->broken)
		return;
	d->broken = true;
	blog(b, 4, "device %u: %s", d->index, why);
	memset(&ack, 0, sizeof(ack));
	ack.id = b->id;
	ack.device = d->index;
	ack.what = HV_ACK_BROKEN;
	snprintf(ack.reason, sizeof(ack.reason), "%s", why);
	if (hv_ioctl(b->fd, HV_IOC_DEVICE_ACK, &ack))
		blog(b, 4, "device %u: telling the hypervisor failed: %s", d->index,
		     strerror(errno));
}

/* Frames from the tap, or typed console input, into the receive queue
 * while both have some. */
static void rx_fill(struct backend *b, struct vdev *d)
{
	struct virtq *q = &d->q[0];
	char why[128];
	bool pushed = false, got;

	if (!d->ready || d->broken || !q->size)
		return;
	for (;;) {
		if (!d->rx_held) {
			int r = vq_pop(q, &d->rx_chain);
			if (r < 0) {
				snprintf(why, sizeof(why), "queue 0: %s", q->why);
				mark_broken(b, d, why);
				return;
			}
			if (r == 0) {
				/* None: ask the driver to say when it adds some. */
				if (vq_enable_notify(q))
					continue;
				d->rx_starved = true;
				break;
			}
			d->rx_held = true;
		}
		long n = d->type == HV_VIRTIO_NET ? vnet_rx(d, &d->rx_chain, &got, why, sizeof(why))
						  : vcon_rx(d, &d->rx_chain, &got, why, sizeof(why));
		if (n < 0) {
			mark_broken(b, d, why);
			return;
		}
		if (n == 0) {
			if (got)
				continue; /* a frame too big for the buffer, dropped */
			break;            /* the tap (or the input) is empty */
		}
		vq_push(q, d->rx_chain.head, (uint32_t)n);
		d->rx_held = false;
		pushed = true;
	}
	if (pushed && vq_need_interrupt(q))
		send_irq(b, d->index, 0);
}

static void process(struct backend *b, struct vdev *d, unsigned qi)
{
	struct virtq *q = &d->q[qi];
	char why[96];
	bool pushed = false;
	int r;

	if (!d->ready || d->broken || qi >= d->nq || !q->size)
		return;
	if ((d->type == HV_VIRTIO_NET || d->type == HV_VIRTIO_CONSOLE) && qi == 0) {
		d->rx_starved = false; /* the driver added receive buffers */
		rx_fill(b, d);
		return;
	}
	vq_disable_notify(q);
	for (;;) {
		while ((r = vq_pop(q, &b->chain)) == 1) {
			why[0] = 0;
			long n = d->type == HV_VIRTIO_BLOCK ? vblk_handle(d, &b->chain, why, sizeof(why))
				 : d->type == HV_VIRTIO_NET ? vnet_tx(d, &b->chain, why, sizeof(why))
				 : d->type == HV_VIRTIO_CONSOLE ? vcon_tx(d, &b->chain, why, sizeof(why))
							    : vrng_handle(d, &b->chain, why, sizeof(why));
			if (n < 0) {
				mark_broken(b, d, why);
				return;
			}
			vq_push(q, b->chain.head, (uint32_t)n);
			pushed = true;
		}
		if (r < 0) {
			snprintf(why, sizeof(why), "queue %u: %s", qi, q->why);
			mark_broken(b, d, why);
			return;
		}
		if (!vq_enable_notify(q))
			break; /* nothing came meanwhile */
		vq_disable_notify(q);
	}
	if (pushed && vq_need_interrupt(q))
		send_irq(b, d->index, (uint16_t)qi);
	if (d->type == HV_VIRTIO_CONSOLE)
		vcon_events(d, 0, 0); /* the new output to the client */
}

/* What the driver has done to the device since we last looked. */
static void refresh(struct backend *b, struct vdev *d)
{
	struct hv_ioc_device_query st;

	memset(&st, 0, sizeof(st));
	st.id = b->id;
	st.device = d->index;
	if (hv_ioctl(b->fd, HV_IOC_DEVICE_QUERY, &st))
		return;
	const struct hv_device_state *s = &st.state;
	if (s->reset_pending || !s->status) {
		d->ready = false;
		d->broken = false;
		d->rx_held = d->rx_starved = false;
		memset(d->q, 0, sizeof(d->q));
		if (s->reset_pending) {
			struct hv_ioc_device_ack ack = { .id = b->id, .device = d->index,
							 .what = HV_ACK_RESET };
			hv_ioctl(b->fd, HV_IOC_DEVICE_ACK, &ack);
		}
		return;
	}
	if (d->ready || d->broken || !(s->status & HV_VIRTIO_S_DRIVER_OK) ||
	    (s->status & (HV_VIRTIO_S_NEEDS_RESET | HV_VIRTIO_S_FAILED)))
		return;
	d->features = s->driver_features;
	for (unsigned i = 0; i < d->nq && i < HV_QUEUES_MAX; i++) {
		const struct hv_queue_state *qs = &s->queue[i];
		if (!qs->enabled)
			continue;
		if (vq_init(&d->q[i], &b->mem, qs->size, 1024, qs->desc, qs->driver, qs->device,
			    d->features & VIRTIO_F_EVENT_IDX)) {
			char why[128];
			snprintf(why, sizeof(why), "queue %u: %s", i, d->q[i].why);
			mark_broken(b, d, why);
			return;
		}
		/* Carry on from what was completed: 0 for a fresh queue (the
		 * driver zeroes its rings); for a backend started again, the
		 * requests the old one took and never finished are taken
		 * again (a block request done twice writes the same bytes). */
		uint16_t done = __atomic_load_n(&d->q[i].used_hdr[1], __ATOMIC_ACQUIRE);
		d->q[i].last_avail = d->q[i].used_idx = d->q[i].signalled_used = done;
	}
	d->ready = true;
	for (unsigned i = 0; i < d->nq; i++)
		process(b, d, i);
}

static struct vdev *dev_by_index(struct backend *b, unsigned index)
{
	for (unsigned i = 0; i < b->ndev; i++)
		if (b->dev[i].index == index)
			return &b->dev[i];
	return NULL;
}

static void record(struct backend *b, const struct hv_chan_record *r)
{
	struct vdev *d = dev_by_index(b, r->device);

	if (!d)
		return;
	if (r->type == HV_CHAN_KICK)
		process(b, d, r->queue);
	else if (r->type == HV_CHAN_STATUS)
		refresh(b, d);
}

static void everything(struct backend *b)
{
	for (unsigned i = 0; i < b->ndev; i++) {
		refresh(b, &b->dev[i]);
		for (unsigned q = 0; q < b->dev[i].nq; q++)
			process(b, &b->dev[i], q);
	}
}

/* Drains the IN ring; false once the channel is closed. */
static bool drain(struct backend *b)
{
	for (;;) {
		__atomic_store_n(&b->in->interrupt_mask, 1, __ATOMIC_SEQ_CST);
		uint32_t w = __atomic_load_n(&b->in->write_index, __ATOMIC_ACQUIRE);
		if (w >= b->size || w % HV_CHAN_RECORD)
			return false; /* not the hypervisor's doing: give up */
		while (b->in_r != w) {
			struct hv_chan_record r;
			memcpy(&r, b->in_data + b->in_r, sizeof(r));
			b->in_r = (b->in_r + HV_CHAN_RECORD) % b->size;
			__atomic_store_n(&b->in->read_index, b->in_r, __ATOMIC_RELEASE);
			record(b, &r);
		}
		uint32_t fl = __atomic_load_n(&b->in->flags, __ATOMIC_ACQUIRE);
		if (fl & HV_CHAN_OVERFLOW) {
			__atomic_fetch_and(&b->in->flags, ~HV_CHAN_OVERFLOW, __ATOMIC_SEQ_CST);
			everything(b);
		}
		signal_now(b);
		if (fl & HV_CHAN_CLOSED)
			return false;
		__atomic_store_n(&b->in->interrupt_mask, 0, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&b->in->write_index, __ATOMIC_ACQUIRE) == b->in_r)
			return true;
	}
}

/* ---- setting up --------------------------------------------------------------- */

/* The child's RAM, mapped so that each of its two runs (below 3 GiB and
 * from 4 GiB) is one stretch here, whatever chunks the pool gave. */
static int map_memory(struct backend *b, const struct hv_ioc_channel_attach *at)
{
	uint64_t low = 0, high = 0;

	for (unsigned i = 0; i < at->nranges; i++) {
		const struct hv_mem_range *r = &at->ranges[i];
		uint64_t end = r->child_gpa + r->size;
		if (r->child_gpa < HV_LOW_RAM_MAX)
			low = end > low ? end : low;
		else
			high = end - HV_HIGH_RAM_BASE > high ? end - HV_HIGH_RAM_BASE : high;
	}
	b->mem.n = 0;
	for (int run = 0; run < 2; run++) {
		uint64_t base = run ? HV_HIGH_RAM_BASE : 0, size = run ? high : low;
		if (!size)
			continue;
		uint8_t *va = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				   -1, 0);
		if (va == MAP_FAILED)
			return -1;
		for (unsigned i = 0; i < at->nranges; i++) {
			const struct hv_mem_range *r = &at->ranges[i];
			if (r->child_gpa < base || r->child_gpa + r->size > base + size)
				continue;
			if (mmap(va + (r->child_gpa - base), r->size, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, b->fd,
				 (off_t)(HV_MMAP_CHILD + r->child_gpa)) == MAP_FAILED)
				return -1;
		}
		b->mem.r[b->mem.n++] = (struct vq_region){ .gpa = base, .size = size, .hva = va };
	}
	return 0;
}

static int attach(struct backend *b)
{
	struct hv_ioc_channel_attach *at = calloc(1, sizeof(*at));

	if (!at)
		return -1;
	at->id = b->id;
	at->pages = RING_PAGES;
	if (hv_ioctl(b->fd, HV_IOC_CHANNEL_ATTACH, at) || map_memory(b, at)) {
		free(at);
		return -1;
	}
	free(at);
	b->area = mmap(NULL, RING_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd,
		       HV_MMAP_RING);
	if (b->area == MAP_FAILED)
		return -1;
	b->in = (struct hv_chan_ctl *)b->area;
	b->out = (struct hv_chan_ctl *)(b->area + 2048);
	b->size = b->in->data_size;
	if (!b->size || b->size % HV_CHAN_RECORD || b->size > (RING_PAGES - 1) / 2 * PAGE) {
		errno = EPROTO;
		return -1;
	}
	b->in_data = b->area + PAGE;
	b->out_data = b->area + PAGE + b->size;
	b->in_r = __atomic_load_n(&b->in->read_index, __ATOMIC_ACQUIRE);
	b->out_w = __atomic_load_n(&b->out->write_index, __ATOMIC_ACQUIRE);
	return 0;
}

static void serve(struct backend *b)
{
	everything(b); /* what the driver did before we were here */
	signal_now(b);
	for (;;) {
		struct pollfd p[1 + 2 * HV_DEVICES_MAX];
		struct vdev *owner[1 + 2 * HV_DEVICES_MAX];
		unsigned np = 1;
		p[0] = (struct pollfd){ .fd = b->fd, .events = POLLIN };
		for (unsigned i = 0; i < b->ndev; i++) {
			struct vdev *d = &b->dev[i];
			/* A tap is watched while its receive queue has room; a
			 * console's socket and client always (two entries). */
			if (d->type == HV_VIRTIO_NET && d->ready && !d->broken && !d->rx_starved) {
				owner[np] = d;
				p[np++] = (struct pollfd){ .fd = d->fd, .events = POLLIN };
			} else if (d->type == HV_VIRTIO_CONSOLE && d->fd >= 0) {
				owner[np] = owner[np + 1] = d;
				vcon_pollfds(d, &p[np], &p[np + 1]);
				np += 2;
			}
		}
		int r = poll(p, np, 1000);
		if (r < 0 && errno != EINTR)
			break;
		for (unsigned i = 1; r > 0 && i < np; i++) {
			struct vdev *d = owner[i];
			if (d->type == HV_VIRTIO_CONSOLE) {
				vcon_events(d, p[i].revents, p[i + 1].revents);
				i++;
				rx_fill(b, d);
			} else if (p[i].revents & POLLIN) {
				rx_fill(b, d);
			}
		}
		if (!drain(b))
			break;
	}
	blog(b, 6, "the channel closed: the backend ends");
	for (unsigned i = 0; i < b->ndev; i++)
		if (b->dev[i].type == HV_VIRTIO_CONSOLE)
			vcon_close(&b->dev[i]);
}

static int backend_setup(void *arg)
{
	struct backend *b = arg;

	b->fd = hv_open();
	if (b->fd < 0)
		return ENODEV;
	if (attach(b))
		return errno;
	for (unsigned i = 0; i < b->ndev; i++) {
		struct vdev *d = &b->dev[i];
		if (d->type != HV_VIRTIO_CONSOLE)
			continue;
		d->hist = malloc(VCON_HIST);
		if (!d->hist || vcon_listen(d, b->id))
			return errno ? errno : ENOMEM;
	}
	return 0;
}

static void backend_run(void *arg)
{
	struct backend *b = arg;

	blog(b, 6, "serving %u device%s (pid %d)", b->ndev, b->ndev == 1 ? "" : "s",
	     (int)getpid());
	serve(b);
}

int backend_spawn(uint32_t id, const char *name, struct vdev *devs, unsigned n)
{
	struct backend *b = calloc(1, sizeof(*b));
	char comm[16];

	if (!b)
		return -1;
	b->id = id;
	snprintf(b->name, sizeof(b->name), "%s", name);
	snprintf(b->who, sizeof(b->who), "%s: backend", name);
	b->dev = devs;
	b->ndev = n;
	snprintf(comm, sizeof(comm), "hvdev-%s", name);
	int r = daemon_spawn(comm, backend_setup, backend_run, b);
	int e = errno;
	free(b);
	errno = e;
	return r;
}
