// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueues, the device's side (virtio 1.2 section 2.7), for the
 * backends in the parent partition. The child writes the rings, indirect
 * tables and buffers, and may rewrite any of them while we look. The rules
 * below are what device implementations learned the hard way; each one
 * but the single loads (a matter of how the code reads memory, which no
 * single-threaded test observes) is a case in tests/unit/test_virtq.c:
 *
 * - A field the child writes is loaded once into a local, and only the
 *   local is checked and used: a second load can return another value than
 *   the one checked (the double fetches of Xen's PV backends, XSA-155).
 *   avail->idx is read once per pop; a descriptor is copied whole before
 *   any of it is looked at.
 * - Indices are bounded before they index: the head against the queue
 *   size, every next against the table it indexes, avail->idx against
 *   last_avail (at most the queue size ahead), and no more chains are
 *   outstanding than the queue has descriptors (QEMU's CVE-2016-5403: a
 *   driver that never waits made virtqueue_pop allocate without end).
 * - Every chain is bounded: at most the queue size of descriptors in the
 *   descriptor table, at most the table's entries inside an indirect
 *   table, so a loop in next ends as a violation, not a hang; at most
 *   VQ_MAX_SEGS buffers and 4 GiB each way (2.7.5.2). A zero-length
 *   descriptor is legal and counts nowhere but in the hops (vhost's
 *   CVE-2019-14835: one counted in one array and not in the other let a
 *   guest overflow the second).
 * - Every (addr, len) lies wholly in one region of the child's memory,
 *   computed without wrapping. A buffer across two regions is refused:
 *   regions adjacent in the child need not be in this process (the
 *   CVE-2019-18960 of Firecracker's and cloud-hypervisor's vsock, where
 *   such a buffer reached the heap past a region's end).
 * - Indirect tables (2.7.5.3): a non-zero multiple of 16 bytes, at most
 *   VQ_MAX_INDIRECT entries, in the child's memory; no INDIRECT inside one,
 *   never INDIRECT with NEXT (2.7.5.3.1).
 * - Device-readable buffers all come before device-writable ones
 *   (2.7.4.2 "Driver Requirements: Message Framing"), so a backend never
 *   takes what it may overwrite as part of a request.
 * - The first violation breaks the queue until vq_init: a driver that
 *   broke a rule once cannot be trusted to have kept the others, and the
 *   device is to ask for a reset (DEVICE_NEEDS_RESET, 2.1.2).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "virtq.h"

/* virtio 1.x rings are little-endian (2.7.3 is legacy only); x86 reads them as they are. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian hosts only");

/* 2.7.5 */
struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
_Static_assert(sizeof(struct vq_desc) == 16, "virtq_desc is 16 bytes");
_Static_assert(sizeof(struct vq_used_elem) == 8, "virtq_used_elem is 8 bytes");

/*
 * After a descriptor is copied into a local, the compiler must not read
 * the child's copy again in place of the local (a double fetch it may
 * otherwise introduce, since nothing in this thread writes the source).
 */
#define vq_compiler_barrier() __asm__ __volatile__("" ::: "memory")

__attribute__((format(printf, 2, 3))) static int vq_violation(struct virtq *q,
							      const char *fmt, ...)
{
	va_list ap;

	if (!q->broken) {
		va_start(ap, fmt);
		vsnprintf(q->why, sizeof(q->why), fmt, ap);
		va_end(ap);
		q->broken = true;
	}
	return -1;
}

void *vq_mem_ptr(const struct vq_mem *m, uint64_t gpa, uint64_t len)
{
	unsigned n = m->n < 4 ? m->n : 4;

	if (!len)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		const struct vq_region *r = &m->r[i];
		uint64_t off;

		/* A region whose last byte is past 2^64 is the caller's mistake: skip it. */
		if (!r->hva || !r->size || r->size - 1 > UINT64_MAX - r->gpa || gpa < r->gpa)
			continue;
		off = gpa - r->gpa;
		if (off >= r->size || len > r->size - off)
			continue;
		return r->hva + off;
	}
	return NULL;
}

int vq_init(struct virtq *q, const struct vq_mem *m, uint16_t size, uint16_t max_size,
	    uint64_t desc, uint64_t avail, uint64_t used, bool event_idx)
{
	/* The sizes of the three parts, with both event fields (2.7). */
	uint64_t desc_len = 16ull * size, avail_len = 6 + 2ull * size, used_len = 6 + 8ull * size;
	void *d, *a, *u;

	memset(q, 0, sizeof(*q));
	q->mem = m;
	q->size = size;
	q->desc = desc;
	q->avail = avail;
	q->used = used;
	q->event_idx = event_idx;

	if (!m)
		return vq_violation(q, "no memory map");
	if (max_size > VQ_MAX_QUEUE_SIZE)
		return vq_violation(q, "device maximum queue size %u is above %u", max_size,
				    VQ_MAX_QUEUE_SIZE);
	/* 2.7: a power of two, so idx % size survives idx wrapping at 2^16. */
	if (!size || size > max_size || (size & (size - 1)))
		return vq_violation(q, "queue size %u: not a power of two in 1..%u", size,
				    max_size);
	/* 2.7.1: the alignment of each part. */
	if (desc & 15)
		return vq_violation(q, "descriptor table at %#llx: not 16-byte aligned",
				    (unsigned long long)desc);
	if (avail & 1)
		return vq_violation(q, "available ring at %#llx: not 2-byte aligned",
				    (unsigned long long)avail);
	if (used & 3)
		return vq_violation(q, "used ring at %#llx: not 4-byte aligned",
				    (unsigned long long)used);
	d = vq_mem_ptr(m, desc, desc_len);
	a = vq_mem_ptr(m, avail, avail_len);
	u = vq_mem_ptr(m, used, used_len);
	if (!d)
		return vq_violation(q, "descriptor table [%#llx, +%#llx): not in the child's memory",
				    (unsigned long long)desc, (unsigned long long)desc_len);
	if (!a)
		return vq_violation(q, "available ring [%#llx, +%#llx): not in the child's memory",
				    (unsigned long long)avail, (unsigned long long)avail_len);
	if (!u)
		return vq_violation(q, "used ring [%#llx, +%#llx): not in the child's memory",
				    (unsigned long long)used, (unsigned long long)used_len);
	/*
	 * The ring fields are accessed atomically, which needs them aligned
	 * in this process too: a region mapped at a host address of another
	 * alignment than its guest address is the caller's mistake.
	 */
	if (((uintptr_t)a & 1) || ((uintptr_t)u & 3))
		return vq_violation(q, "rings mapped at misaligned host addresses");
	q->desc_hva = d;
	q->avail_hva = a;
	q->used_hdr = u;
	q->used_ring = (void *)((uint8_t *)u + 4);
	q->avail_event = (void *)((uint8_t *)u + 4 + 8ull * size);
	return 0;
}

/*
 * Follows the chain at head (checked below the queue size) into c. The
 * hop counter counts the descriptors taken from the current table: at
 * most the queue size in the descriptor table (2.7.5.3.1), at most the
 * table's own entries in an indirect one; one more means a loop.
 */
static int vq_walk(struct virtq *q, struct vq_chain *c, uint16_t head)
{
	const uint8_t *table = q->desc_hva;
	uint32_t entries = q->size, hops = 0, idx = head;
	const char *where = "desc";
	bool indirect = false, seen_writable = false;
	struct vq_desc d;

	for (;;) {
		if (++hops > entries)
			return vq_violation(q, "chain at head %u: more than %u descriptors in %s",
					    head, entries, indirect ? "its indirect table" : "the table");
		memcpy(&d, table + (size_t)idx * sizeof(d), sizeof(d));
		vq_compiler_barrier();

		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/*
			 * 2.7.5.3.2: the device ignores WRITE on this descriptor.
			 * Where we are is this flag, never the table's address:
			 * a table may well be the descriptor table itself.
			 */
			if (indirect)
				return vq_violation(q, "chain at head %u: INDIRECT inside an indirect table",
						    head);
			if (d.flags & VIRTQ_DESC_F_NEXT)
				return vq_violation(q, "desc %u: INDIRECT together with NEXT", idx);
			if (!d.len || d.len % sizeof(d) || d.len / sizeof(d) > VQ_MAX_INDIRECT)
				return vq_violation(q, "desc %u: indirect table of %u bytes, not 16 * 1..%u",
						    idx, d.len, VQ_MAX_INDIRECT);
			table = vq_mem_ptr(q->mem, d.addr, d.len);
			if (!table)
				return vq_violation(q, "desc %u: indirect table [%#llx, +%#x) not in the child's memory",
						    idx, (unsigned long long)d.addr, d.len);
			entries = d.len / sizeof(d);
			hops = 0;
			idx = 0;
			indirect = true;
			where = "indirect desc";
			continue;
		}

		bool writable = d.flags & VIRTQ_DESC_F_WRITE;
		if (!writable && seen_writable)
			return vq_violation(q, "%s %u: device-readable after device-writable", where,
					    idx);
		seen_writable |= writable;
		/* A zero-length buffer is legal and maps to nothing: its addr is never looked at. */
		if (d.len) {
			uint64_t *total = writable ? &c->writable : &c->readable;
			uint8_t *hva = vq_mem_ptr(q->mem, d.addr, d.len);

			if (!hva)
				return vq_violation(q, "%s %u: buffer [%#llx, +%#x) not in the child's memory",
						    where, idx, (unsigned long long)d.addr, d.len);
			if (*total + d.len > UINT32_MAX)
				return vq_violation(q, "chain at head %u: more than 4 GiB device-%s",
						    head, writable ? "writable" : "readable");
			if (c->nseg == VQ_MAX_SEGS)
				return vq_violation(q, "chain at head %u: more than %u buffers", head,
						    VQ_MAX_SEGS);
			c->seg[c->nseg++] = (struct vq_seg){ .hva = hva, .len = d.len, .writable = writable };
			*total += d.len;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= entries)
			return vq_violation(q, "%s %u: next %u is outside its table of %u", where, idx,
					    d.next, entries);
		idx = d.next;
	}
}

int vq_pop(struct virtq *q, struct vq_chain *c)
{
	uint16_t avail_idx, pending, slot, head;

	c->head = 0;
	c->nseg = 0;
	c->readable = c->writable = 0;
	if (q->broken)
		return -1;
	/*
	 * Acquire pairs with the driver's barrier before it raises idx
	 * (2.7.13.3.1 "Driver Requirements: Updating idx"): the ring entries
	 * and descriptors below are read after it, so they are at least as new
	 * as this idx says.
	 */
	avail_idx = __atomic_load_n(&q->avail_hva[1], __ATOMIC_ACQUIRE);
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending > q->size)
		return vq_violation(q, "avail idx %u is %u past last_avail %u: more than the queue size %u",
				    avail_idx, pending, q->last_avail, q->size);
	if (!pending)
		return 0;
	/* Each outstanding chain holds a descriptor of the table (2.7.13). */
	if ((uint16_t)(q->last_avail - q->used_idx) >= q->size)
		return vq_violation(q, "more than %u chains outstanding", q->size);
	slot = q->last_avail & (q->size - 1);
	head = __atomic_load_n(&q->avail_hva[2 + slot], __ATOMIC_RELAXED);
	if (head >= q->size)
		return vq_violation(q, "avail ring slot %u: head %u is not below the queue size %u",
				    slot, head, q->size);
	if (vq_walk(q, c, head) < 0) {
		c->nseg = 0;
		c->readable = c->writable = 0;
		return -1;
	}
	c->head = head;
	q->last_avail++;
	return 1;
}

int vq_push(struct virtq *q, uint16_t head, uint32_t written)
{
	struct vq_used_elem *e;

	if (q->broken || head >= q->size || q->last_avail == q->used_idx)
		return -1;
	e = &q->used_ring[q->used_idx & (q->size - 1)];
	__atomic_store_n(&e->id, head, __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, written, __ATOMIC_RELAXED);
	q->used_idx++;
	/*
	 * 2.7.8.2: the element (and what the backend wrote into the buffers)
	 * before the idx that hands them over; release orders both.
	 */
	__atomic_store_n(&q->used_hdr[1], q->used_idx, __ATOMIC_RELEASE);
	return 0;
}

bool vq_need_interrupt(struct virtq *q)
{
	uint16_t old, new, event;

	if (q->broken)
		return false;
	/*
	 * Our used->idx store must be visible before we read the driver's
	 * used_event or flags, which it writes before re-reading used->idx:
	 * with either order relaxed both sides can miss the other and the
	 * interrupt is lost (Linux vhost_notify()'s smp_mb()).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	old = q->signalled_used;
	new = q->used_idx;
	q->signalled_used = new;
	if (!q->event_idx)
		return !(__atomic_load_n(&q->avail_hva[0], __ATOMIC_RELAXED) &
			 VIRTQ_AVAIL_F_NO_INTERRUPT);
	event = __atomic_load_n(&q->avail_hva[2 + q->size], __ATOMIC_RELAXED);
	/*
	 * 2.7.7.2: interrupt when the entry at used_event was written since
	 * the last decision, i.e. used_event is in [old, new) modulo 2^16
	 * (Linux's vring_need_event()).
	 */
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

bool vq_enable_notify(struct virtq *q)
{
	if (q->broken)
		return false;
	if (q->event_idx)
		__atomic_store_n(q->avail_event, q->last_avail, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&q->used_hdr[0], 0, __ATOMIC_RELAXED);
	/*
	 * The request must be visible before avail->idx is read again: the
	 * driver raises idx, then reads avail_event or flags (2.7.13.4.1
	 * "Driver Requirements: Notifying The Device"). If each side read
	 * before the other's store landed, the driver would skip the
	 * notification and we would wait on a ring that is not empty.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&q->avail_hva[1], __ATOMIC_ACQUIRE) != q->last_avail;
}

void vq_disable_notify(struct virtq *q)
{
	/*
	 * With EVENT_IDX the device keeps flags at 0 (2.7.10.2): an
	 * avail_event left behind last_avail suppresses notifications by
	 * itself, as the driver notifies only on passing it.
	 */
	if (q->broken || q->event_idx)
		return;
	__atomic_store_n(&q->used_hdr[0], VIRTQ_USED_F_NO_NOTIFY, __ATOMIC_RELAXED);
}

/* Copies between buf and the writable (to_chain) or readable part of c. */
static size_t vq_chain_copy(const struct vq_chain *c, bool to_chain, size_t off, void *dst,
			    const void *src, size_t len)
{
	unsigned nseg = c->nseg < VQ_MAX_SEGS ? c->nseg : VQ_MAX_SEGS;
	size_t done = 0;

	for (unsigned i = 0; i < nseg && done < len; i++) {
		const struct vq_seg *s = &c->seg[i];
		size_t n;

		if (s->writable != to_chain)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off;
		if (n > len - done)
			n = len - done;
		if (to_chain)
			memcpy(s->hva + off, (const uint8_t *)src + done, n);
		else
			memcpy((uint8_t *)dst + done, s->hva + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t vq_chain_read(const struct vq_chain *c, size_t off, void *dst, size_t len)
{
	return vq_chain_copy(c, false, off, dst, NULL, len);
}

size_t vq_chain_write(const struct vq_chain *c, size_t off, const void *src, size_t len)
{
	return vq_chain_copy(c, true, off, NULL, src, len);
}
