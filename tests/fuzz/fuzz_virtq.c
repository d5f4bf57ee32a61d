// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the split-virtqueue library of the parent's
 * virtio backends (partitions/parent/virtio/virtq.c): the input is a
 * hostile child's whole view of one queue. Built with clang and
 * -fsanitize=fuzzer,address,undefined it fuzzes; built with any compiler
 * and -DFUZZ_REPLAY it is a program that runs each file named on its
 * command line through the same code (tests/fuzz/fuzz.mk builds both).
 *
 * Input, little-endian (tests/fuzz/mkseeds.py writes seeds of it):
 *
 *	0  u16 queue size (raw: vq_init judges it)    2  u16 device maximum
 *	4  u16 first index (last_avail = used_idx)    6  u16 image length
 *	8  u16 split: where region 1 begins           10 u8 flags, 11 u8 unused
 *	12 u32 desc   16 u32 avail   20 u32 used      (guest-physical)
 *	24 image[image length], then {u16 offset, u16 value} driver writes
 *
 * flags: 1 EVENT_IDX negotiated, 2 two regions, 4 hold chains. The image
 * is the child's RAM: region 0 at guest-physical 0 holds its first
 * `split` bytes (all of it without flag 2), region 1 at REGION1_GPA the
 * rest, so a gap lies between them.
 *
 * Each round pops until none is left or the queue breaks, reads and
 * writes each chain and gives it back (with flag 4, chains with odd heads
 * are held, and given back out of order at the start of the next
 * even-numbered round), asks whether to interrupt, applies up to
 * four driver writes (the child changing the rings between our looks)
 * and re-enables notifications; the next round follows while that
 * recheck finds work or driver writes remain. Whatever the bytes, nothing
 * may crash, and every chain popped must keep the library's promises
 * (check_chain).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partitions/parent/virtio/virtq.h"

#define HDR_LEN	    24
#define REGION1_GPA 0x100000u
#define FLAG_EVENT  1 /* VIRTIO_F_EVENT_IDX */
#define FLAG_SPLIT  2 /* two regions */
#define FLAG_HOLD   4 /* hold chains with odd heads, give them back out of order */
#define MAX_ROUNDS  64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_virtq: broken promise: %s\n", what);
		abort();
	}
}

/* What vq_pop() promises about a chain it returns. */
static void check_chain(const struct virtq *q, const struct vq_chain *c, const uint8_t *img,
			size_t img_len)
{
	uint64_t r = 0, w = 0;
	bool seen_w = false;

	check(c->head < q->size, "head below the queue size");
	check(c->nseg <= VQ_MAX_SEGS, "at most VQ_MAX_SEGS segments");
	for (unsigned i = 0; i < c->nseg; i++) {
		const struct vq_seg *s = &c->seg[i];

		check(s->len > 0, "no empty segment");
		check(s->hva >= img && s->len <= img_len && (size_t)(s->hva - img) <= img_len - s->len,
		      "segment inside the child's memory");
		check(s->writable || !seen_w, "readable segments first");
		seen_w |= s->writable;
		*(s->writable ? &w : &r) += s->len;
	}
	check(r == c->readable && w == c->writable, "byte counts add up");
	check(r <= UINT32_MAX && w <= UINT32_MAX, "byte counts fit 32 bits");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vq_chain c;
	static uint16_t held[VQ_MAX_QUEUE_SIZE];
	size_t nheld = 0;
	struct vq_mem mem = { .n = 1 };
	struct virtq q;
	const uint8_t *writes;
	size_t img_len, split, nwrites, next = 0;
	uint8_t *img;
	uint8_t hdr[HDR_LEN], buf[64];
	static const char reply[] = "virtq fuzz reply";

	if (size < HDR_LEN)
		return 0;
	memcpy(hdr, data, HDR_LEN);
	img_len = le16(hdr + 6);
	if (img_len > size - HDR_LEN)
		img_len = size - HDR_LEN;
	if (!img_len)
		return 0;
	writes = data + HDR_LEN + img_len;
	nwrites = (size - HDR_LEN - img_len) / 4;

	/* An exact-size copy: ASan flags any access past the child's RAM. */
	img = malloc(img_len);
	if (!img)
		return 0;
	memcpy(img, data + HDR_LEN, img_len);
	mem.r[0] = (struct vq_region){ .gpa = 0, .size = img_len, .hva = img };
	split = le16(hdr + 8) & ~(size_t)15; /* keeps host and guest alignment alike */
	if ((hdr[10] & FLAG_SPLIT) && split && split < img_len) {
		mem.r[0].size = split;
		mem.r[1] = (struct vq_region){ .gpa = REGION1_GPA, .size = img_len - split, .hva = img + split };
		mem.n = 2;
	}

	if (vq_init(&q, &mem, le16(hdr + 0), le16(hdr + 2), le32(hdr + 12), le32(hdr + 16),
		    le32(hdr + 20), hdr[10] & FLAG_EVENT) == 0) {
		q.last_avail = q.used_idx = q.signalled_used = le16(hdr + 4);
		for (unsigned round = 0; round < MAX_ROUNDS; round++) {
			int r = 0;

			while (nheld && !(round & 1))
				check(vq_push(&q, held[--nheld], 0) == 0, "push of a held chain");
			vq_disable_notify(&q);
			/* Never more pops than a queue can hold twice over: the writes above may alias anything. */
			for (unsigned n = 0; n < 2u * q.size + 2 && (r = vq_pop(&q, &c)) == 1; n++) {
				size_t got, put, want = c.writable < sizeof(reply) ? c.writable : sizeof(reply);

				check_chain(&q, &c, img, img_len);
				if ((hdr[10] & FLAG_HOLD) && (c.head & 1)) {
					/* vq_pop() refuses a chain beyond the queue size outstanding. */
					check(nheld < q.size, "outstanding chains bounded");
					held[nheld++] = c.head;
					continue;
				}
				got = vq_chain_read(&c, 0, buf, sizeof(buf));
				check(got == (c.readable < sizeof(buf) ? c.readable : sizeof(buf)), "read length");
				if (c.readable > 3)
					check(vq_chain_read(&c, c.readable - 3, buf, sizeof(buf)) == 3, "read tail");
				put = vq_chain_write(&c, 0, reply, sizeof(reply));
				check(put == want, "write length");
				if (c.writable > 5)
					check(vq_chain_write(&c, c.writable - 5, reply, sizeof(reply)) == 5, "write tail");
				check(vq_push(&q, c.head, (uint32_t)put) == 0, "push of a popped chain");
			}
			check(r != -1 || q.broken, "-1 only when broken");
			check(!q.broken || (r == -1 && q.why[0]), "a broken queue says why");
			(void)vq_need_interrupt(&q);
			if (q.broken)
				break;
			/* The driver, meanwhile: then the recheck may see its work. */
			for (unsigned i = 0; i < 4 && next < nwrites; i++, next++) {
				size_t off = le16(writes + 4 * next) % img_len;

				if (off + 2 <= img_len)
					memcpy(img + off, writes + 4 * next + 2, 2);
			}
			if (!vq_enable_notify(&q) && next >= nwrites)
				break;
		}
		if (q.broken)
			check(vq_pop(&q, &c) == -1, "broken stays broken");
	} else {
		check(q.broken && q.why[0], "a failed init says why");
		check(vq_pop(&q, &c) == -1, "no pops after a failed init");
	}
	free(img);
	return 0;
}

#ifdef FUZZ_REPLAY
/*
 * Runs each file named on the command line through the harness once,
 * from an exact-size copy as libFuzzer gives it.
 */
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *in = NULL;
		long n = -1;

		if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
			in = malloc(n ? (size_t)n : 1);
		if (!in || fread(in, 1, (size_t)n, f) != (size_t)n) {
			perror(argv[i]);
			return 1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(in, (size_t)n);
		free(in);
	}
	printf("fuzz_virtq: %d inputs replayed\n", argc - 1);
	return 0;
}
#endif
