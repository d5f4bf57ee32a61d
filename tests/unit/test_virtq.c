// SPDX-License-Identifier: GPL-2.0-only
/*
 * The split-virtqueue library of the parent's virtio backends
 * (partitions/parent/virtio/virtq.c), against a fake child: three
 * separately allocated regions with gaps between them, so ASan flags any
 * access past a region. Every rule of virtq.c has a case that breaks it
 * (and checks q->why names that rule, so a later check catching the same
 * chain for another reason does not pass the case) next to the legal
 * limit that must still work. The double-fetch rules (avail->idx and each
 * descriptor loaded once) are not observable from one thread; the fuzzer
 * and the code's structure carry those.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/harness.h"
#include "partitions/parent/virtio/virtq.h"

/* The child's memory: 64 KiB, a gap, 64 KiB, a gap, 16 MiB. */
#define R0	 0x10000ull
#define R0_SIZE	 0x10000ull
#define R1	 0x40000ull
#define R1_SIZE	 0x10000ull
#define R2	 0x1000000ull
#define R2_SIZE	 0x1000000ull
#define GAP	 0x30000ull /* between R0 and R1 */

/* The default layout: rings in region 0, buffers and tables in region 1. */
#define DESC	 R0
#define AVAIL	 (R0 + 0x4000)
#define USED	 (R0 + 0x5000)
#define BUF	 R1
#define TABLE	 (R1 + 0x8000)
#define QSZ	 16

static uint8_t *ram0, *ram1, *ram2;
static struct vq_mem mem;
static struct virtq q;
static struct vq_chain c;

/* The test's own translation, independent of vq_mem_ptr(). */
static void *g2h(uint64_t gpa, uint64_t len)
{
	if (gpa >= R0 && gpa + len <= R0 + R0_SIZE)
		return ram0 + (gpa - R0);
	if (gpa >= R1 && gpa + len <= R1 + R1_SIZE)
		return ram1 + (gpa - R1);
	if (gpa >= R2 && gpa + len <= R2 + R2_SIZE)
		return ram2 + (gpa - R2);
	harness_fail(__FILE__, __LINE__, "test bug: %#llx not in the fake RAM",
		     (unsigned long long)gpa);
	harness_abort_case();
}

static uint16_t rd16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, g2h(gpa, 2), 2);
	return v;
}

static uint32_t rd32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, g2h(gpa, 4), 4);
	return v;
}

static void wr16(uint64_t gpa, uint16_t v)
{
	memcpy(g2h(gpa, 2), &v, 2);
}

static void desc_at(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		    uint16_t next)
{
	uint8_t *p = g2h(table + 16ull * i, 16);

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc_at(DESC, i, addr, len, flags, next);
}

#define R_ 0
#define W_ VIRTQ_DESC_F_WRITE
#define N_ VIRTQ_DESC_F_NEXT
#define I_ VIRTQ_DESC_F_INDIRECT

/* The driver offers the chain at head: ring entry, then idx. */
static void offer(uint16_t head)
{
	uint16_t idx = rd16(AVAIL + 2);

	wr16(AVAIL + 4 + 2ull * (idx & (q.size - 1)), head);
	wr16(AVAIL + 2, (uint16_t)(idx + 1));
}

static void set_avail_idx(uint16_t idx)
{
	wr16(AVAIL + 2, idx);
}

static void fresh_ram(void)
{
	memset(ram0, 0, R0_SIZE);
	memset(ram1, 0, R1_SIZE);
	memset(&mem, 0, sizeof(mem));
	mem.r[0] = (struct vq_region){ R0, R0_SIZE, ram0 };
	mem.r[1] = (struct vq_region){ R1, R1_SIZE, ram1 };
	mem.r[2] = (struct vq_region){ R2, R2_SIZE, ram2 };
	mem.n = 3;
}

/* A queue of `size` in the default layout, every index starting at start. */
static void setup_at(uint16_t size, bool event_idx, uint16_t start)
{
	fresh_ram();
	REQUIRE(vq_init(&q, &mem, size, size, DESC, AVAIL, USED, event_idx) == 0);
	q.last_avail = q.used_idx = q.signalled_used = start;
	wr16(AVAIL + 2, start);
	wr16(USED + 2, start);
}

static void setup(uint16_t size, bool event_idx)
{
	setup_at(size, event_idx, 0);
}

/* The next pop breaks the queue, for the rule whose message has substr. */
#define POP_BREAKS(substr)                                                         \
	do {                                                                       \
		CHECK_EQ(vq_pop(&q, &c), -1);                                      \
		CHECK(q.broken);                                                   \
		if (!harness_contains(q.why, (substr)))                            \
			harness_fail(__FILE__, __LINE__, "why \"%s\" lacks \"%s\"", \
				     q.why, (substr));                             \
		CHECK_EQ(c.nseg, 0);                                               \
	} while (0)

#define INIT_FAILS(substr, ...)                                                    \
	do {                                                                       \
		CHECK_EQ(vq_init(&q, &mem, __VA_ARGS__), -1);                      \
		CHECK(q.broken);                                                   \
		if (!harness_contains(q.why, (substr)))                            \
			harness_fail(__FILE__, __LINE__, "why \"%s\" lacks \"%s\"", \
				     q.why, (substr));                             \
		CHECK_EQ(vq_pop(&q, &c), -1);                                      \
		CHECK_EQ(vq_push(&q, 0, 0), -1);                                   \
		CHECK(!vq_need_interrupt(&q));                                     \
		CHECK(!vq_enable_notify(&q));                                      \
	} while (0)

#define INIT_OK(...)                                                               \
	do {                                                                       \
		if (vq_init(&q, &mem, __VA_ARGS__) != 0)                           \
			harness_fail(__FILE__, __LINE__, "vq_init: %s", q.why);    \
	} while (0)

/* ---- vq_mem_ptr ------------------------------------------------------- */

TEST(mem_ptr_inside)
{
	fresh_ram();
	CHECK(vq_mem_ptr(&mem, R0, 1) == ram0);
	CHECK(vq_mem_ptr(&mem, R0, R0_SIZE) == ram0);
	CHECK(vq_mem_ptr(&mem, R0 + R0_SIZE - 4, 4) == ram0 + R0_SIZE - 4);
	CHECK(vq_mem_ptr(&mem, R1 + 0x123, 0x10) == ram1 + 0x123);
	CHECK(vq_mem_ptr(&mem, R2 + R2_SIZE - 1, 1) == ram2 + R2_SIZE - 1);
}

TEST(mem_ptr_outside)
{
	fresh_ram();
	CHECK(vq_mem_ptr(&mem, R0, 0) == NULL); /* empty maps to nothing */
	CHECK(vq_mem_ptr(&mem, R0 - 1, 1) == NULL);
	CHECK(vq_mem_ptr(&mem, R0 - 1, 2) == NULL);
	CHECK(vq_mem_ptr(&mem, R0 + R0_SIZE - 4, 5) == NULL); /* one byte past */
	CHECK(vq_mem_ptr(&mem, R0 + R0_SIZE, 1) == NULL);
	CHECK(vq_mem_ptr(&mem, GAP, 1) == NULL);
	CHECK(vq_mem_ptr(&mem, R0, R1 + R1_SIZE - R0) == NULL); /* across the gap */
	CHECK(vq_mem_ptr(&mem, R0 + 8, UINT64_MAX) == NULL);	/* gpa + len wraps */
	CHECK(vq_mem_ptr(&mem, UINT64_MAX, 2) == NULL);
	CHECK(vq_mem_ptr(&mem, UINT64_MAX - 7, 16) == NULL);
}

TEST(mem_ptr_edges)
{
	uint8_t top[32];

	fresh_ram();
	/* Two regions adjacent in guest memory: a range across them is refused. */
	mem.r[3] = (struct vq_region){ R1 + R1_SIZE, 64, top };
	mem.n = 4;
	CHECK(vq_mem_ptr(&mem, R1 + R1_SIZE, 32) == top);
	CHECK(vq_mem_ptr(&mem, R1 + R1_SIZE - 8, 16) == NULL);
	/* A region ending exactly at 2^64 works up to its last byte. */
	mem.r[3] = (struct vq_region){ UINT64_MAX - 31, 32, top };
	CHECK(vq_mem_ptr(&mem, UINT64_MAX - 31, 32) == top);
	CHECK(vq_mem_ptr(&mem, UINT64_MAX, 1) == top + 31);
	CHECK(vq_mem_ptr(&mem, UINT64_MAX, 2) == NULL);
	/* One that would wrap past 2^64 is skipped whole. */
	mem.r[3] = (struct vq_region){ UINT64_MAX - 15, 32, top };
	CHECK(vq_mem_ptr(&mem, UINT64_MAX - 15, 1) == NULL);
	CHECK(vq_mem_ptr(&mem, 0, 1) == NULL);
	/* A count above 4 reads no further than r[3]; no hva, no region. */
	mem.n = 1000;
	CHECK(vq_mem_ptr(&mem, GAP, 1) == NULL);
	CHECK(vq_mem_ptr(&mem, R1, 1) == ram1);
	mem.r[1].hva = NULL;
	CHECK(vq_mem_ptr(&mem, R1, 1) == NULL);
}

/* ---- vq_init ---------------------------------------------------------- */

TEST(init_queue_size)
{
	fresh_ram();
	INIT_FAILS("queue size 0", 0, 16, DESC, AVAIL, USED, false);
	INIT_FAILS("queue size 3", 3, 16, DESC, AVAIL, USED, false);
	INIT_FAILS("queue size 12", 12, 16, DESC, AVAIL, USED, false);
	INIT_FAILS("queue size 32", 32, 16, DESC, AVAIL, USED, false);
	INIT_FAILS("queue size 32768", 32768, 16, DESC, AVAIL, USED, false);
	INIT_FAILS("above 32768", 16, 65535, DESC, AVAIL, USED, false);
	INIT_OK(1, 16, DESC, AVAIL, USED, false);
	INIT_OK(16, 16, DESC, AVAIL, USED, false);
	CHECK(!q.broken);
	INIT_OK(256, 32768, DESC, AVAIL, USED, true);
}

TEST(init_alignment)
{
	fresh_ram();
	INIT_FAILS("not 16-byte aligned", QSZ, QSZ, DESC + 8, AVAIL, USED, false);
	INIT_FAILS("not 2-byte aligned", QSZ, QSZ, DESC, AVAIL + 1, USED, false);
	INIT_FAILS("not 4-byte aligned", QSZ, QSZ, DESC, AVAIL, USED + 2, false);
	INIT_OK(QSZ, QSZ, DESC + 16, AVAIL + 2, USED + 4, false);
	/* The host mapping must keep the guest alignment for atomic access. */
	mem.r[0].hva = ram0 + 1;
	mem.r[0].size = R0_SIZE - 1;
	INIT_FAILS("misaligned host", QSZ, QSZ, DESC, AVAIL, USED, false);
}

TEST(init_rings_in_memory)
{
	uint64_t end = R0 + R0_SIZE;

	fresh_ram();
	INIT_FAILS("descriptor table", QSZ, QSZ, GAP, AVAIL, USED, false);
	INIT_FAILS("descriptor table", QSZ, QSZ, end - 16 * QSZ + 16, AVAIL, USED, false);
	INIT_FAILS("descriptor table", QSZ, QSZ, UINT64_MAX - 15, AVAIL, USED, false);
	INIT_OK(QSZ, QSZ, end - 16 * QSZ, AVAIL, USED, false);
	/* The available ring with used_event: flags, idx, ring fit, used_event does not. */
	INIT_FAILS("available ring", QSZ, QSZ, DESC, end - (4 + 2 * QSZ), USED, false);
	INIT_FAILS("available ring", QSZ, QSZ, DESC, GAP, USED, false);
	INIT_FAILS("available ring", QSZ, QSZ, DESC, UINT64_MAX - 1, USED, false);
	INIT_OK(QSZ, QSZ, DESC, end - (6 + 2 * QSZ), USED, false);
	/* The used ring with avail_event. */
	INIT_FAILS("used ring", QSZ, QSZ, DESC, AVAIL, end - (4 + 8 * QSZ), false);
	INIT_FAILS("used ring", QSZ, QSZ, DESC, AVAIL, GAP, false);
	INIT_FAILS("used ring", QSZ, QSZ, DESC, AVAIL, UINT64_MAX - 3, false);
	INIT_OK(QSZ, QSZ, DESC, AVAIL, end - (8 + 8 * QSZ), false);
	/* A ring running from one region into the next is refused. */
	mem.r[3] = (struct vq_region){ end, 0x1000, ram1 };
	mem.n = 4;
	INIT_FAILS("descriptor table", QSZ, QSZ, end - 16 * 8, AVAIL, USED, false);
}

/* ---- popping chains ----------------------------------------------------- */

TEST(pop_empty)
{
	setup(QSZ, false);
	CHECK_EQ(vq_pop(&q, &c), 0);
	CHECK_EQ(vq_pop(&q, &c), 0);
	CHECK(!q.broken);
	CHECK_EQ(q.last_avail, 0);
}

TEST(direct_chain)
{
	uint8_t *b = g2h(BUF, 0x100), out[32], in[16];

	setup(QSZ, false);
	for (unsigned i = 0; i < 0x100; i++)
		b[i] = (uint8_t)i;
	desc(0, BUF + 0x00, 10, R_ | N_, 3);
	desc(3, BUF + 0x40, 6, R_ | N_, 5);
	desc(5, BUF + 0x80, 8, W_ | N_, 7);
	desc(7, BUF + 0xc0, 4, W_, 0);
	offer(0);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.head, 0);
	REQUIRE(c.nseg == 4);
	CHECK_EQ(c.readable, 16);
	CHECK_EQ(c.writable, 12);
	CHECK(c.seg[0].hva == b && c.seg[0].len == 10 && !c.seg[0].writable);
	CHECK(c.seg[1].hva == b + 0x40 && c.seg[1].len == 6 && !c.seg[1].writable);
	CHECK(c.seg[2].hva == b + 0x80 && c.seg[2].len == 8 && c.seg[2].writable);
	CHECK(c.seg[3].hva == b + 0xc0 && c.seg[3].len == 4 && c.seg[3].writable);
	CHECK_EQ(q.last_avail, 1);

	/* Reads span the readable segments and stop where they end. */
	memset(out, 0xee, sizeof(out));
	CHECK_EQ(vq_chain_read(&c, 0, out, sizeof(out)), 16);
	CHECK(!memcmp(out, b, 10) && !memcmp(out + 10, b + 0x40, 6));
	CHECK_EQ(out[16], 0xee);
	CHECK_EQ(vq_chain_read(&c, 8, out, 4), 4);
	CHECK(out[0] == 8 && out[1] == 9 && out[2] == 0x40 && out[3] == 0x41);
	CHECK_EQ(vq_chain_read(&c, 15, out, 4), 1);
	CHECK_EQ(out[0], 0x45);
	CHECK_EQ(vq_chain_read(&c, 16, out, 4), 0);
	CHECK_EQ(vq_chain_read(&c, 1000, out, 4), 0);

	/* Writes span the writable segments and never touch readable ones. */
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0xa0 + i);
	CHECK_EQ(vq_chain_write(&c, 0, in, sizeof(in)), 12);
	CHECK(!memcmp(b + 0x80, in, 8) && !memcmp(b + 0xc0, in + 8, 4));
	CHECK_EQ(b[0xc4], 0xc4);
	CHECK_EQ(vq_chain_write(&c, 6, in, 4), 4);
	CHECK(b[0x86] == 0xa0 && b[0x87] == 0xa1 && b[0xc0] == 0xa2 && b[0xc1] == 0xa3);
	CHECK_EQ(vq_chain_write(&c, 12, in, 4), 0);
	CHECK_EQ(b[0], 0);
	CHECK_EQ(b[0x40], 0x40);

	/* Nothing more; an empty pop leaves c empty. */
	CHECK_EQ(vq_pop(&q, &c), 0);
	CHECK_EQ(c.nseg, 0);
	CHECK_EQ(c.readable + c.writable, 0);
}

TEST(zero_length_descriptors)
{
	setup(QSZ, false);
	/* Their addresses are never looked at and they add no segment. */
	desc(0, GAP, 0, R_ | N_, 1);
	desc(1, BUF, 4, R_ | N_, 2);
	desc(2, UINT64_MAX, 0, W_ | N_, 3);
	desc(3, BUF + 8, 4, W_, 0);
	offer(0);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.nseg, 2);
	CHECK_EQ(c.readable, 4);
	CHECK_EQ(c.writable, 4);
}

TEST(indirect_chain)
{
	setup(QSZ, false);
	/* WRITE on the descriptor naming the table is ignored (2.7.5.3.2). */
	desc(2, TABLE, 3 * 16, I_ | W_, 0);
	desc_at(TABLE, 0, BUF, 5, R_ | N_, 2);
	desc_at(TABLE, 2, BUF + 0x10, 7, W_ | N_, 1);
	desc_at(TABLE, 1, BUF + 0x20, 9, W_, 0);
	offer(2);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.head, 2);
	REQUIRE(c.nseg == 3);
	CHECK_EQ(c.readable, 5);
	CHECK_EQ(c.writable, 16);
	CHECK(c.seg[0].hva == g2h(BUF, 1) && !c.seg[0].writable);
	CHECK(c.seg[1].hva == g2h(BUF + 0x10, 1) && c.seg[1].writable);
	CHECK(c.seg[2].hva == g2h(BUF + 0x20, 1) && c.seg[2].len == 9);
}

TEST(direct_then_indirect)
{
	setup(QSZ, false);
	/* 2.7.5.3.2: normal descriptors, then one naming a table. */
	desc(0, BUF, 4, R_ | N_, 1);
	desc(1, TABLE, 2 * 16, I_, 0);
	desc_at(TABLE, 0, BUF + 0x10, 4, R_ | N_, 1);
	desc_at(TABLE, 1, BUF + 0x20, 4, W_, 0);
	offer(0);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.nseg, 3);
	CHECK_EQ(c.readable, 8);
	CHECK_EQ(c.writable, 4);
}

TEST(indirect_longer_than_queue)
{
	/* A table may hold more entries than the queue has (up to VQ_MAX_INDIRECT). */
	setup(QSZ, false);
	desc(0, TABLE, 32 * 16, I_, 0);
	for (unsigned i = 0; i < 32; i++)
		desc_at(TABLE, i, BUF + i, 1, R_ | (i < 31 ? N_ : 0), (uint16_t)(i + 1));
	offer(0);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.nseg, 32);
	CHECK_EQ(c.readable, 32);
}

/* ---- pushing and the used ring ------------------------------------------ */

TEST(push_used_ring)
{
	setup(QSZ, false);
	desc(4, BUF, 8, W_, 0);
	desc(9, BUF + 8, 8, W_, 0);
	offer(4);
	offer(9);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.head, 4);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.head, 9);
	/* Out of order is allowed; the used ring records what came back when. */
	CHECK_EQ(vq_push(&q, 9, 3), 0);
	CHECK_EQ(rd16(USED + 2), 1);
	CHECK_EQ(vq_push(&q, 4, 8), 0);
	CHECK_EQ(rd16(USED + 2), 2);
	CHECK_EQ(q.used_idx, 2);
	CHECK_EQ(rd32(USED + 4), 9);
	CHECK_EQ(rd32(USED + 8), 3);
	CHECK_EQ(rd32(USED + 12), 4);
	CHECK_EQ(rd32(USED + 16), 8);
	/* The caller's mistakes: refused, nothing written, queue not broken. */
	CHECK_EQ(vq_push(&q, 4, 8), -1); /* nothing outstanding */
	offer(4);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(vq_push(&q, QSZ, 0), -1);
	CHECK_EQ(rd16(USED + 2), 2);
	CHECK(!q.broken);
	CHECK_EQ(vq_push(&q, 4, 0), 0);
	CHECK_EQ(rd16(USED + 2), 3);
}

TEST(index_wraparound)
{
	setup_at(QSZ, false, 65534);
	for (unsigned i = 0; i < 3; i++) {
		desc(i, BUF + i, 1, W_, 0);
		offer((uint16_t)i);
	}
	CHECK_EQ(rd16(AVAIL + 2), 1);
	CHECK_EQ(rd16(AVAIL + 4 + 2 * 14), 0); /* 65534 % 16 */
	CHECK_EQ(rd16(AVAIL + 4 + 2 * 0), 2);
	for (unsigned i = 0; i < 3; i++) {
		REQUIRE(vq_pop(&q, &c) == 1);
		CHECK_EQ(c.head, i);
		CHECK_EQ(vq_push(&q, c.head, 1), 0);
	}
	CHECK_EQ(vq_pop(&q, &c), 0);
	CHECK_EQ(q.last_avail, 1);
	CHECK_EQ(rd16(USED + 2), 1);
	CHECK_EQ(rd32(USED + 4 + 8 * 14), 0);
	CHECK_EQ(rd32(USED + 4 + 8 * 15), 1);
	CHECK_EQ(rd32(USED + 4 + 8 * 0), 2);
}

/* ---- the driver's violations ------------------------------------------- */

TEST(avail_idx_too_far)
{
	setup(QSZ, false);
	desc(0, BUF, 1, R_, 0);
	set_avail_idx(QSZ + 1);
	POP_BREAKS("avail idx 17");

	/* Exactly the queue size ahead is legal, across the wrap too. */
	setup_at(QSZ, false, 65530);
	desc(0, BUF, 1, R_, 0);
	set_avail_idx((uint16_t)(65530 + QSZ));
	for (unsigned i = 0; i < QSZ; i++) {
		REQUIRE(vq_pop(&q, &c) == 1);
		CHECK_EQ(vq_push(&q, c.head, 0), 0);
	}
	CHECK_EQ(vq_pop(&q, &c), 0);
	setup_at(QSZ, false, 65530);
	set_avail_idx((uint16_t)(65530 + QSZ + 1));
	POP_BREAKS("more than the queue size");
	/* An idx that went backwards is a huge step forwards. */
	setup_at(QSZ, false, 100);
	set_avail_idx(99);
	POP_BREAKS("avail idx 99");
}

TEST(too_many_outstanding)
{
	setup(QSZ, false);
	desc(0, BUF, 1, W_, 0);
	set_avail_idx(QSZ);
	for (unsigned i = 0; i < QSZ; i++)
		REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(vq_pop(&q, &c), 0);
	/* The driver cannot offer a 17th chain while 16 hold all descriptors. */
	set_avail_idx(QSZ + 1);
	POP_BREAKS("chains outstanding");

	/* With one given back it can. */
	setup(QSZ, false);
	desc(0, BUF, 1, W_, 0);
	set_avail_idx(QSZ);
	for (unsigned i = 0; i < QSZ; i++)
		REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(vq_push(&q, 0, 1), 0);
	set_avail_idx(QSZ + 1);
	CHECK_EQ(vq_pop(&q, &c), 1);
}

TEST(head_out_of_range)
{
	setup(QSZ, false);
	desc(QSZ - 1, BUF, 1, R_, 0);
	offer(QSZ - 1);
	CHECK_EQ(vq_pop(&q, &c), 1);
	offer(QSZ);
	POP_BREAKS("head 16");
	setup(QSZ, false);
	offer(0xffff);
	POP_BREAKS("head 65535");
}

TEST(next_out_of_range)
{
	setup(QSZ, false);
	desc(0, BUF, 1, R_ | N_, QSZ - 1);
	desc(QSZ - 1, BUF, 1, R_, 0);
	offer(0);
	CHECK_EQ(vq_pop(&q, &c), 1);
	desc(0, BUF, 1, R_ | N_, QSZ);
	offer(0);
	POP_BREAKS("next 16 is outside its table of 16");

	/* Inside an indirect table, next is bounded by the table, not the queue. */
	setup(QSZ, false);
	desc(0, TABLE, 2 * 16, I_, 0);
	desc_at(TABLE, 0, BUF, 1, R_ | N_, 2);
	offer(0);
	POP_BREAKS("next 2 is outside its table of 2");
}

TEST(loop_in_table)
{
	/* A chain of exactly the queue size is legal. */
	setup(QSZ, false);
	for (unsigned i = 0; i < QSZ; i++)
		desc(i, BUF + i, 1, W_ | (i < QSZ - 1 ? N_ : 0), (uint16_t)(i + 1));
	offer(0);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.nseg, QSZ);

	setup(QSZ, false);
	desc(0, BUF, 1, R_ | N_, 1);
	desc(1, BUF, 1, R_ | N_, 0);
	offer(0);
	POP_BREAKS("more than 16 descriptors in the table");
	/* Zero-length descriptors add no segment: only the hop count stops them. */
	setup(QSZ, false);
	desc(5, 0, 0, R_ | N_, 5);
	offer(5);
	POP_BREAKS("more than 16 descriptors in the table");
}

TEST(loop_in_indirect_table)
{
	setup(QSZ, false);
	desc(0, TABLE, 4 * 16, I_, 0);
	for (unsigned i = 0; i < 4; i++)
		desc_at(TABLE, i, BUF + i, 1, R_ | (i < 3 ? N_ : 0), (uint16_t)(i + 1));
	offer(0);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.nseg, 4);

	/* The table's own size bounds the walk in it, not the queue size. */
	desc_at(TABLE, 3, BUF + 3, 1, R_ | N_, 0);
	offer(0);
	POP_BREAKS("more than 4 descriptors in its indirect table");
	setup(QSZ, false);
	desc(0, TABLE, 4 * 16, I_, 0);
	desc_at(TABLE, 2, 0, 0, W_ | N_, 2);
	desc_at(TABLE, 0, 0, 0, W_ | N_, 2);
	offer(0);
	POP_BREAKS("more than 4 descriptors in its indirect table");
}

TEST(indirect_table_length)
{
	static const uint32_t bad[] = { 0, 8, 24, 16 * 1024 + 16, 0xfffffff0 };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(QSZ, false);
		desc(0, TABLE, bad[i], I_, 0);
		offer(0);
		POP_BREAKS("indirect table of");
	}
	/* The largest table allowed. */
	setup(QSZ, false);
	desc(0, R1, 16 * 1024, I_, 0);
	desc_at(R1, 0, BUF + 0x5000, 4, W_, 0);
	offer(0);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.writable, 4);
}

TEST(indirect_with_next)
{
	setup(QSZ, false);
	desc(0, TABLE, 16, I_ | N_, 1);
	desc(1, BUF, 1, W_, 0);
	desc_at(TABLE, 0, BUF, 1, R_, 0);
	offer(0);
	POP_BREAKS("INDIRECT together with NEXT");
}

TEST(nested_indirect)
{
	setup(QSZ, false);
	desc(0, TABLE, 2 * 16, I_, 0);
	desc_at(TABLE, 0, BUF, 1, R_ | N_, 1);
	desc_at(TABLE, 1, TABLE, 2 * 16, I_, 0);
	offer(0);
	POP_BREAKS("INDIRECT inside an indirect table");

	/*
	 * A table that is the descriptor table itself: its entry 0 is the
	 * descriptor naming it, and still inside a table (found by the fuzzer).
	 */
	setup(QSZ, false);
	desc(0, DESC, 2 * 16, I_, 0);
	offer(0);
	POP_BREAKS("INDIRECT inside an indirect table");
}

TEST(indirect_table_outside_memory)
{
	static const uint64_t where[][2] = {
		{ GAP, 32 },
		{ R1 + R1_SIZE - 16, 32 },		/* straddles the end */
		{ UINT64_MAX - 15, 32 },		/* wraps */
		{ R0 + R0_SIZE - 16, 32 },		/* runs into the gap */
	};

	for (unsigned i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		setup(QSZ, false);
		desc(0, where[i][0], (uint32_t)where[i][1], I_, 0);
		offer(0);
		POP_BREAKS("indirect table [");
	}
}

TEST(readable_after_writable)
{
	setup(QSZ, false);
	desc(0, BUF, 4, W_ | N_, 1);
	desc(1, BUF + 4, 4, R_, 0);
	offer(0);
	POP_BREAKS("desc 1: device-readable after device-writable");

	setup(QSZ, false);
	desc(0, TABLE, 3 * 16, I_, 0);
	desc_at(TABLE, 0, BUF, 4, R_ | N_, 1);
	desc_at(TABLE, 1, BUF, 4, W_ | N_, 2);
	desc_at(TABLE, 2, BUF, 4, R_, 0);
	offer(0);
	POP_BREAKS("indirect desc 2: device-readable after device-writable");

	/* The order holds across the step into the table. */
	setup(QSZ, false);
	desc(0, BUF, 4, W_ | N_, 1);
	desc(1, TABLE, 16, I_, 0);
	desc_at(TABLE, 0, BUF, 4, R_, 0);
	offer(0);
	POP_BREAKS("indirect desc 0: device-readable after device-writable");
}

TEST(buffer_outside_memory)
{
	static const uint64_t where[][2] = {
		{ GAP, 1 },
		{ R0 + R0_SIZE - 4, 5 },		/* one byte past region 0 */
		{ R1 - 1, 2 },				/* one byte before region 1 */
		{ R0 + R0_SIZE - 16, R1 - R0 },		/* across the gap */
		{ UINT64_MAX - 7, 16 },			/* wraps */
		{ R2 + R2_SIZE - 1, 0xffffffff },
	};

	for (unsigned i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		setup(QSZ, false);
		desc(0, BUF, 1, R_ | N_, 1);
		desc(1, where[i][0], (uint32_t)where[i][1], W_, 0);
		offer(0);
		POP_BREAKS("desc 1: buffer [");
	}
	setup(QSZ, false);
	desc(0, TABLE, 16, I_, 0);
	desc_at(TABLE, 0, GAP, 16, R_, 0);
	offer(0);
	POP_BREAKS("indirect desc 0: buffer [");
	/* Up to the last byte of a region is fine. */
	setup(QSZ, false);
	desc(0, R0 + R0_SIZE - 4, 4, W_, 0);
	offer(0);
	CHECK_EQ(vq_pop(&q, &c), 1);
}

TEST(too_many_segments)
{
	/* 256 buffers, with zero-length descriptors in between that do not count. */
	setup(512, false);
	for (unsigned i = 0; i < 299; i++)
		desc(i, BUF + i, i % 7 == 3 ? 0 : 1, R_ | (i < 298 ? N_ : 0), (uint16_t)(i + 1));
	offer(0);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.nseg, VQ_MAX_SEGS); /* 299 less the 43 of length 0 */

	setup(512, false);
	for (unsigned i = 0; i < VQ_MAX_SEGS; i++)
		desc(i, BUF + i, 1, W_ | N_, (uint16_t)(i + 1));
	desc(VQ_MAX_SEGS - 1, BUF, 1, W_, 0);
	offer(0);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.nseg, VQ_MAX_SEGS);

	desc(VQ_MAX_SEGS - 1, BUF, 1, W_ | N_, VQ_MAX_SEGS);
	desc(VQ_MAX_SEGS, BUF, 1, W_, 0);
	offer(0);
	POP_BREAKS("more than 256 buffers");
}

/* 256 buffers of 16 MiB, all the same region 2: 4 GiB, one byte too many. */
static void four_gib(uint16_t flags, uint32_t last_len)
{
	setup(256, false);
	for (unsigned i = 0; i < 256; i++)
		desc(i, R2, i < 255 ? (uint32_t)R2_SIZE : last_len, (uint16_t)(flags | (i < 255 ? N_ : 0)),
		     (uint16_t)(i + 1));
	offer(0);
}

TEST(total_length_overflow)
{
	four_gib(R_, (uint32_t)R2_SIZE - 1);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.readable, UINT32_MAX);
	four_gib(W_, (uint32_t)R2_SIZE - 1);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(c.writable, UINT32_MAX);

	four_gib(R_, (uint32_t)R2_SIZE);
	POP_BREAKS("more than 4 GiB device-readable");
	four_gib(W_, (uint32_t)R2_SIZE);
	POP_BREAKS("more than 4 GiB device-writable");
}

TEST(broken_stays_broken)
{
	char why[sizeof(q.why)];

	setup(QSZ, false);
	desc(0, BUF, 4, W_, 0);
	offer(0);
	REQUIRE(vq_pop(&q, &c) == 1);
	offer(QSZ);
	POP_BREAKS("head 16");
	memcpy(why, q.why, sizeof(why));
	/* The driver "repairs" the ring: the queue stays broken with the first reason. */
	wr16(AVAIL + 4 + 2, 0);
	CHECK_EQ(vq_pop(&q, &c), -1);
	CHECK_EQ(vq_pop(&q, &c), -1);
	CHECK_STR(q.why, why);
	CHECK_EQ(vq_push(&q, 0, 4), -1);
	CHECK_EQ(rd16(USED + 2), 0);
	CHECK(!vq_need_interrupt(&q));
	CHECK(!vq_enable_notify(&q));
	/* Until the next init. */
	REQUIRE(vq_init(&q, &mem, QSZ, QSZ, DESC, AVAIL, USED, false) == 0);
	CHECK(!q.broken);
	CHECK_STR(q.why, "");
	CHECK_EQ(vq_pop(&q, &c), 1);
}

/* ---- notifications ------------------------------------------------------- */

TEST(need_interrupt_event_idx)
{
	/* used_event, the used idx at the last decision, the used idx now, verdict */
	static const struct {
		uint16_t event, old, now;
		bool want;
	} cases[] = {
		{ 0, 0, 1, true },	   /* 2.7.7.2's example: after the first buffer */
		{ 0, 1, 2, false },
		{ 5, 3, 6, true },	   /* 5 in [3, 6) */
		{ 3, 3, 4, true },
		{ 6, 3, 6, false },	   /* not yet written */
		{ 2, 3, 6, false },	   /* already passed at the last decision */
		{ 7, 7, 7, false },	   /* nothing new */
		{ 65535, 65534, 1, true }, /* across the wrap */
		{ 65535, 65535, 0, true },
		{ 0, 65535, 0, false },
		{ 0, 65530, 2, true },
		{ 3, 65530, 2, false },
		{ 40000, 10, 9, true },	   /* 65535 new entries: every event but 9 */
		{ 9, 10, 9, false },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(QSZ, true);
		wr16(AVAIL + 4 + 2 * QSZ, cases[i].event);
		wr16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT); /* ignored with EVENT_IDX (2.7.7.2) */
		q.signalled_used = cases[i].old;
		q.used_idx = cases[i].now;
		bool got = vq_need_interrupt(&q);
		if (got != cases[i].want)
			harness_fail(__FILE__, __LINE__, "case %u: event %u, old %u, new %u: %d",
				     i, cases[i].event, cases[i].old, cases[i].now, got);
		CHECK_EQ(q.signalled_used, cases[i].now);
	}

	/* Through pushes: the driver wants to hear once entry 1 is used. */
	setup(QSZ, true);
	wr16(AVAIL + 4 + 2 * QSZ, 1);
	desc(0, BUF, 1, W_, 0);
	offer(0);
	offer(0);
	REQUIRE(vq_pop(&q, &c) == 1);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK_EQ(vq_push(&q, 0, 1), 0);
	CHECK(!vq_need_interrupt(&q));
	CHECK_EQ(vq_push(&q, 0, 1), 0);
	CHECK(vq_need_interrupt(&q));
	CHECK(!vq_need_interrupt(&q));
}

TEST(need_interrupt_flags)
{
	setup(QSZ, false);
	wr16(AVAIL + 4 + 2 * QSZ, 12345); /* used_event is ignored without EVENT_IDX */
	CHECK(vq_need_interrupt(&q));
	wr16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	CHECK(!vq_need_interrupt(&q));
	wr16(AVAIL, 0);
	CHECK(vq_need_interrupt(&q));
}

TEST(notify_flags)
{
	setup(QSZ, false);
	vq_disable_notify(&q);
	CHECK_EQ(rd16(USED), VIRTQ_USED_F_NO_NOTIFY);
	CHECK(!vq_enable_notify(&q));
	CHECK_EQ(rd16(USED), 0);
	/* A buffer offered while notifications were off: enable says so. */
	vq_disable_notify(&q);
	desc(0, BUF, 1, W_, 0);
	offer(0);
	CHECK(vq_enable_notify(&q));
	CHECK_EQ(rd16(USED), 0);
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK(!vq_enable_notify(&q));
	CHECK_EQ(rd16(USED + 4 + 8 * QSZ), 0); /* avail_event untouched */
}

TEST(notify_event_idx)
{
	setup_at(QSZ, true, 65535);
	vq_disable_notify(&q);
	CHECK_EQ(rd16(USED), 0); /* 2.7.10.2: flags stay 0 with EVENT_IDX */
	CHECK(!vq_enable_notify(&q));
	CHECK_EQ(rd16(USED + 4 + 8 * QSZ), 65535);
	CHECK_EQ(rd16(USED), 0);
	desc(0, BUF, 1, W_, 0);
	offer(0);
	CHECK(vq_enable_notify(&q));
	REQUIRE(vq_pop(&q, &c) == 1);
	CHECK(!vq_enable_notify(&q));
	CHECK_EQ(rd16(USED + 4 + 8 * QSZ), 0);
}

/*
 * A walk that does not end (a hop counter gone) must fail its case, not
 * hang the test: each case gets CASE_SECONDS, then the case fails and the
 * program ends.
 */
#define CASE_SECONDS 20
static const char *volatile running;

static void say(const char *s)
{
	ssize_t r = write(STDOUT_FILENO, s, strlen(s));

	(void)r;
}

static void on_alarm(int sig)
{
	(void)sig;
	say("FAIL unit/test_virtq/");
	say(running ? running : "?");
	say(": did not end within 20 s (a chain walk that never ends?)\n");
	_exit(1);
}

#undef RUN
#define RUN(name)                                                                  \
	do {                                                                       \
		running = #name;                                                   \
		alarm(CASE_SECONDS);                                               \
		harness_run(__FILE__, #name, test_##name);                         \
		alarm(0);                                                          \
	} while (0)

int main(void)
{
	signal(SIGALRM, on_alarm);
	ram0 = malloc(R0_SIZE);
	ram1 = malloc(R1_SIZE);
	ram2 = malloc(R2_SIZE);
	if (!ram0 || !ram1 || !ram2)
		return 1;
	RUN(mem_ptr_inside);
	RUN(mem_ptr_outside);
	RUN(mem_ptr_edges);
	RUN(init_queue_size);
	RUN(init_alignment);
	RUN(init_rings_in_memory);
	RUN(pop_empty);
	RUN(direct_chain);
	RUN(zero_length_descriptors);
	RUN(indirect_chain);
	RUN(direct_then_indirect);
	RUN(indirect_longer_than_queue);
	RUN(push_used_ring);
	RUN(index_wraparound);
	RUN(avail_idx_too_far);
	RUN(too_many_outstanding);
	RUN(head_out_of_range);
	RUN(next_out_of_range);
	RUN(loop_in_table);
	RUN(loop_in_indirect_table);
	RUN(indirect_table_length);
	RUN(indirect_with_next);
	RUN(nested_indirect);
	RUN(indirect_table_outside_memory);
	RUN(readable_after_writable);
	RUN(buffer_outside_memory);
	RUN(too_many_segments);
	RUN(total_length_overflow);
	RUN(broken_stays_broken);
	RUN(need_interrupt_event_idx);
	RUN(need_interrupt_flags);
	RUN(notify_flags);
	RUN(notify_event_idx);
	free(ram0);
	free(ram1);
	free(ram2);
	return harness_finish();
}
