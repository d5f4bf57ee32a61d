// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console (virtio 1.2 5.3): one port, the child's hvc0, with no
 * optional features (no MULTIPORT, SIZE or EMERG_WRITE). What the child
 * writes on its transmitq goes into a history ring here; `hvctl console
 * --dev hvc NAME` connects to the backend's socket (/run/hv/console-ID),
 * is sent what the ring still holds, then follows it; what it types
 * fills the receive buffers the driver gave. The child never waits for
 * a console client: output nobody reads is kept up to the ring's size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend.h"

#define CONFIG_LEN 12 /* cols, rows, max_nr_ports, emerg_wr (5.3.4): unused */

void vcon_describe(const struct vdev *d, struct hv_device *out)
{
	(void)d;
	memset(out, 0, sizeof(*out));
	out->type = HV_VIRTIO_CONSOLE;
	out->queues = 2; /* receiveq0, transmitq0 (5.3.2) */
	out->queue_size = 64;
	out->features = HV_VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX;
	out->config_len = CONFIG_LEN;
}

int vcon_socket_path(uint32_t id, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/console-%u", HV_RUN_DIR, id);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int vcon_listen(struct vdev *d, uint32_t id)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	d->cfd = -1;
	if (vcon_socket_path(id, sa.sun_path, sizeof(sa.sun_path)))
		return -1;
	if ((mkdir("/run", 0755) && errno != EEXIST) || (mkdir(HV_RUN_DIR, 0700) && errno != EEXIST))
		return -1;
	d->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0)
		return -1;
	/* Ids are never reused: a file left here is an earlier backend's
	 * of this same child (killed, now started again). */
	unlink(sa.sun_path);
	mode_t old = umask(0077); /* the child's console is root's alone */
	int r = bind(d->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r || listen(d->fd, 2)) {
		int e = errno;
		close(d->fd);
		d->fd = -1;
		errno = e;
		return -1;
	}
	snprintf(d->path, sizeof(d->path), "%s", sa.sun_path);
	return 0;
}

long vcon_tx(struct vdev *d, const struct vq_chain *c, char *why, size_t len)
{
	(void)why;
	(void)len;
	/* 5.3.6: the readable part is output; anything writable is ignored. */
	for (size_t off = 0; off < c->readable;) {
		size_t at = (size_t)(d->hist_end % VCON_HIST);
		size_t n = VCON_HIST - at;
		if (n > c->readable - off)
			n = (size_t)(c->readable - off);
		n = vq_chain_read(c, off, d->hist + at, n);
		if (!n)
			break;
		off += n;
		d->hist_end += n;
	}
	return 0;
}

long vcon_rx(struct vdev *d, const struct vq_chain *c, bool *got, char *why, size_t len)
{
	(void)why;
	(void)len;
	*got = false;
	if (!d->in_len || !c->writable)
		return 0;
	size_t n = vq_chain_write(c, 0, d->in, d->in_len);
	memmove(d->in, d->in + n, d->in_len - n);
	d->in_len -= n;
	return (long)n;
}

static void drop_client(struct vdev *d)
{
	if (d->cfd >= 0)
		close(d->cfd);
	d->cfd = -1;
}

/* Sends the client what it has not seen; false when it went away. */
static bool flush_client(struct vdev *d)
{
	if (d->hist_end - d->cpos > VCON_HIST) {
		char msg[96];
		int m = snprintf(msg, sizeof(msg),
				 "\r\n[hvc: %llu bytes of output lost: the client fell behind]\r\n",
				 (unsigned long long)(d->hist_end - d->cpos - VCON_HIST));
		if (write(d->cfd, msg, (size_t)m) < 0 && errno != EAGAIN)
			return false;
		d->cpos = d->hist_end - VCON_HIST;
	}
	while (d->cpos < d->hist_end) {
		size_t at = (size_t)(d->cpos % VCON_HIST);
		size_t n = VCON_HIST - at;
		if (n > d->hist_end - d->cpos)
			n = (size_t)(d->hist_end - d->cpos);
		ssize_t w = write(d->cfd, d->hist + at, n);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (w <= 0)
			return false;
		d->cpos += (uint64_t)w;
	}
	return true;
}

void vcon_events(struct vdev *d, short lrev, short crev)
{
	if (lrev & POLLIN) {
		int c = accept4(d->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c >= 0 && d->cfd >= 0) {
			static const char busy[] = "hvc: this console has a client already\r\n";
			if (write(c, busy, sizeof(busy) - 1) < 0) {
				/* it is being closed anyway */
			}
			close(c);
		} else if (c >= 0) {
			d->cfd = c;
			/* A new client sees what the ring still holds. */
			d->cpos = d->hist_end > VCON_HIST ? d->hist_end - VCON_HIST : 0;
		}
	}
	if (d->cfd < 0)
		return;
	if (crev & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = read(d->cfd, d->in + d->in_len, sizeof(d->in) - d->in_len);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			drop_client(d);
			return;
		}
		if (n > 0)
			d->in_len += (size_t)n;
	}
	if (!flush_client(d))
		drop_client(d);
}

void vcon_pollfds(const struct vdev *d, struct pollfd *l, struct pollfd *c)
{
	*l = (struct pollfd){ .fd = d->fd, .events = POLLIN };
	short ev = 0;
	if (d->cfd >= 0 && d->in_len < sizeof(d->in))
		ev |= POLLIN;
	if (d->cfd >= 0 && d->cpos < d->hist_end)
		ev |= POLLOUT;
	*c = (struct pollfd){ .fd = d->cfd, .events = ev };
}

void vcon_close(struct vdev *d)
{
	drop_client(d);
	if (d->path[0])
		unlink(d->path);
}
