/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device side of a split virtqueue (virtio 1.2 section 2.7), for the
 * virtio backends that run in the parent partition and serve a child
 * whose RAM they have mapped.
 *
 * The child is hostile: every field of the rings and indirect tables is
 * read once into a local and checked there, and the first rule the child
 * breaks marks the queue broken for good (the backend then sets
 * DEVICE_NEEDS_RESET: 2.1.2 "Device Requirements: Device Status Field").
 * The rules and the bugs that taught them are listed in virtq.c. The
 * buffers' contents stay the child's: see struct vq_seg.
 *
 * A backend's loop, with notification suppression (2.7.10 "Available
 * Buffer Notification Suppression") and the recheck that closes the race
 * between "the ring is empty" and "notify me":
 *
 *	for (;;) {
 *		vq_disable_notify(q);
 *		while ((r = vq_pop(q, &c)) == 1)
 *			vq_push(q, c.head, serve(&c));
 *		if (r < 0 || !vq_enable_notify(q))
 *			break;
 *	}
 *	if (r < 0)
 *		set DEVICE_NEEDS_RESET and send a configuration change;
 *	else if (vq_need_interrupt(q))
 *		send the used buffer notification;
 *
 * Not thread-safe: one thread serves a queue. Split rings only (no
 * VIRTIO_F_RING_PACKED, no VIRTIO_F_IN_ORDER assumptions), little-endian
 * (virtio 1.x, never legacy), x86-64 hosts.
 */
#ifndef PARENT_VIRTIO_VIRTQ_H
#define PARENT_VIRTIO_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Descriptor flags (2.7.5), avail->flags (2.7.7), used->flags (2.7.10). */
#define VIRTQ_DESC_F_NEXT		1
#define VIRTQ_DESC_F_WRITE		2
#define VIRTQ_DESC_F_INDIRECT		4
#define VIRTQ_AVAIL_F_NO_INTERRUPT	1
#define VIRTQ_USED_F_NO_NOTIFY		1

#define VQ_MAX_QUEUE_SIZE	32768u	/* 2.7: the largest power of two in 16 bits */
#define VQ_MAX_SEGS		256u	/* buffers per chain; more is a violation */
#define VQ_MAX_INDIRECT		1024u	/* entries in one indirect table */

/* One range of the child's RAM as mapped in this process. */
struct vq_region {
	uint64_t gpa, size;
	uint8_t *hva;
};

struct vq_mem {
	struct vq_region r[4];
	unsigned n; /* regions in use; more than 4 counts as 4 */
};

/*
 * The host pointer for [gpa, gpa + len) when the range lies wholly inside
 * one region; NULL when it does not, when it wraps past 2^64, or when len
 * is 0 (an empty range maps to nothing).
 */
void *vq_mem_ptr(const struct vq_mem *m, uint64_t gpa, uint64_t len);

/*
 * One buffer of a chain, in the child's memory: its contents belong to
 * the child, which may change them at any time, so a backend copies what
 * it must validate (vq_chain_read) before it validates it.
 */
struct vq_seg {
	uint8_t *hva;
	uint32_t len; /* never 0 */
	bool writable;
};

/* A popped descriptor chain: every device-readable segment comes first. */
struct vq_chain {
	uint16_t head; /* what vq_push() gives back */
	unsigned nseg;
	struct vq_seg seg[VQ_MAX_SEGS];
	uint64_t readable, writable; /* bytes; each at most UINT32_MAX */
};

/* 2.7.8: le32 id (the chain's head), le32 len (bytes written). */
struct vq_used_elem {
	uint32_t id, len;
};

struct virtq {
	const struct vq_mem *mem;	/* must outlive the queue */
	uint16_t size;			/* power of two, <= max given at init */
	uint64_t desc, avail, used;	/* guest-physical */
	bool event_idx;			/* VIRTIO_F_EVENT_IDX negotiated */
	uint16_t last_avail;		/* next available entry to take */
	uint16_t used_idx;		/* our copy of used->idx */
	uint16_t signalled_used;	/* used idx at the last interrupt decision */
	bool broken;
	char why[96];			/* the first rule broken */

	/* Host pointers to the rings, checked at init. */
	uint8_t *desc_hva;		/* 16 * size bytes, read by memcpy only */
	uint16_t *avail_hva;		/* flags, idx, ring[size], used_event */
	uint16_t *used_hdr;		/* flags, idx */
	struct vq_used_elem *used_ring;	/* ring[size] */
	uint16_t *avail_event;		/* after used_ring */
};

/*
 * Sets up q for a queue the driver has described; max_size is what the
 * device offered (at most VQ_MAX_QUEUE_SIZE). Returns 0, or -1 with the
 * reason in q->why and q broken. Writes nothing to the child's memory:
 * the driver initializes the rings (2.7.10.1).
 */
int vq_init(struct virtq *q, const struct vq_mem *m, uint16_t size, uint16_t max_size,
	    uint64_t desc, uint64_t avail, uint64_t used, bool event_idx);

/*
 * Takes the next available chain into c. Returns 1 with a chain, 0 when
 * none is available, -1 when the queue is broken (q->why says why; every
 * later call returns -1 until vq_init). On 0 and -1, c is left empty.
 */
int vq_pop(struct virtq *q, struct vq_chain *c);

/*
 * Gives the chain at head back with `written` bytes written into it, and
 * publishes the new used->idx. Returns 0, or -1 (nothing written) when the
 * queue is broken, head is not below the queue size, or no chain is
 * outstanding: the caller's bug, which leaves the queue as it was.
 */
int vq_push(struct virtq *q, uint16_t head, uint32_t written);

/*
 * Whether to send the used buffer notification now (2.7.7.2): with
 * EVENT_IDX, whether used->idx passed the driver's used_event since the
 * last call; without, whether the driver left NO_INTERRUPT clear. False on
 * a broken queue.
 */
bool vq_need_interrupt(struct virtq *q);

/*
 * Asks the driver to notify again (2.7.10): avail_event = last_avail with
 * EVENT_IDX, used->flags = 0 without. Returns true when the ring already
 * holds buffers not yet popped (the driver may have added them before it
 * could see the request, and then it will not notify), so the caller pops
 * again instead of waiting for a notification that may never come.
 */
bool vq_enable_notify(struct virtq *q);

/* Tells the driver notifications are not needed (a hint only). */
void vq_disable_notify(struct virtq *q);

/*
 * Copy out of the device-readable part / into the device-writable part of
 * a chain, starting `off` bytes into that part, across segments. Return
 * the bytes copied: less than len when the part ends first.
 */
size_t vq_chain_read(const struct vq_chain *c, size_t off, void *dst, size_t len);
size_t vq_chain_write(const struct vq_chain *c, size_t off, const void *src, size_t len);

#endif
