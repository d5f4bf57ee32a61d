// SPDX-License-Identifier: GPL-2.0-only
/*
 * A child on the virtual PC (platform = "pc", one disk) that drives its
 * virtio-blk device over the modern virtio-pci transport, first as a
 * driver should and then, on request, as a hostile one. Section numbers
 * are virtio 1.2's. Everything it says goes to the 16550 at 0x3f8, one
 * "vblk: ..." line per step, for the parent's script to match:
 *
 *   vblk: capacity N sectors
 *   vblk: wrote 8 sectors, flushed         (sectors 1-8, then a FLUSH)
 *   vblk: read back ok                     (or "vblk: MISMATCH at ...")
 *   vblk: sector0 TEXT                     (its first 16 bytes, up to a NUL)
 *   vblk: past-end read refused            (sector = capacity: IOERR)
 *   vblk: done
 *
 * then waits for a line on the UART: "off" powers off through ACPI S5 (as
 * does the power button); "hostile" breaks four virtqueue rules, each on
 * a freshly reset device, and prints the device status the backend left
 * (NEEDS_RESET, 0x40, is expected in it):
 *
 *   vblk: loop -> status 0x4f              (a descriptor chain 0 -> 1 -> 0)
 *   vblk: bad-address -> status 0x4f       (a buffer at 0xfffffffff000)
 *   vblk: nested-indirect -> status 0x4f   (an indirect table in one)
 *   vblk: avail-ahead -> status 0x4f       (avail->idx 1000 ahead)
 *   vblk: hostile done
 *   vblk: read back ok                     (after one more reset)
 *
 * Failures print "vblk: ERROR ..." and the guest goes on to wait for a
 * command, so that "off" always ends it. The driver polls the used ring:
 * no interrupts (every MSI-X vector stays NO_VECTOR). Time comes from the
 * ACPI PM timer, so timeouts hold however fast the vCPU runs.
 */
#include "virtio_guest.h"

/* ---- virtio ---------------------------------------------------------------- */

#define VIRTIO_ID_BLOCK_MODERN 0x1042 /* 0x1040 + device ID 2 (4.1.2.1) */

/* Feature bits (5.2.3) */
#define F_BLK_RO BIT(5)
#define F_BLK_FLUSH BIT(9)

/* virtio_blk_req (5.2.6): header, data, status. */
#define BLK_T_IN 0
#define BLK_T_OUT 1
#define BLK_T_FLUSH 4
#define BLK_S_OK 0
#define BLK_S_IOERR 1
#define SECTOR 512u

struct blk_req_hdr {
	u32 type, reserved;
	u64 sector;
};

/* The rings on pages of their own; the device reads and writes them. */
static struct vq_desc vq_desc[QSIZE_WANTED] __aligned(4096);
static struct vq_avail vq_avail __aligned(4096);
static struct vq_used vq_used __aligned(4096);
/* Indirect tables for the hostile part (2.7.5.3: 16-byte aligned entries). */
static struct vq_desc itab_outer[1] __aligned(16), itab_inner[2] __aligned(16);

static struct blk_req_hdr req_hdr __aligned(16);
static volatile u8 req_status;
static u8 wbuf[8 * SECTOR] __aligned(4096);
static u8 rbuf[8 * SECTOR] __aligned(4096);

/* Timeouts: the backend is a process in the parent, which may be slow to
 * run (nested, emulated); none of these is waited out when all is well. */
#define REQUEST_TIMEOUT_MS 10000
#define BREAK_TIMEOUT_MS 5000

struct vblk {
	struct virtio_dev v;
	struct vq q; /* queue 0, in vq_desc, vq_avail and vq_used */
};

/* ---- initialization (3.1.1, 4.1.5.1) --------------------------------------- */

static const char *vblk_setup(struct vblk *d)
{
	/* VERSION_1, and what the requests below use: FLUSH requests only
	 * with VIRTIO_BLK_F_FLUSH (5.2.3), INDIRECT flags only with
	 * INDIRECT_DESC (2.7.5.3.1) -- so that the nested-indirect case
	 * breaks the rule it means to, not that one. No EVENT_IDX. */
	const char *err = virtio_negotiate(&d->v, F_BLK_FLUSH | F_INDIRECT_DESC);

	if (err)
		return err;
	d->q = (struct vq){ .index = 0, .desc = vq_desc, .avail = &vq_avail, .used = &vq_used };
	if ((err = virtio_queue_setup(&d->v, &d->q)))
		return err;
	return virtio_driver_ok(&d->v);
}

/* Gives up after a failed step, as 3.1.1 asks: FAILED. */
static bool vblk_init(struct vblk *d)
{
	const char *err = vblk_setup(d);

	if (!err)
		return true;
	say("vblk: ERROR init: %s (status 0x%x)\n", err, status_get(&d->v));
	status_set(&d->v, S_FAILED);
	return false;
}

/* u64 at device configuration offset 0 (5.2.4), read until the
 * configuration generation holds still across it (2.5.1). */
static u64 vblk_capacity(const struct vblk *d)
{
	u32 lo, hi;
	u8 gen;

	for (int tries = 0;; tries++) {
		gen = (u8)win_read(&d->v.common, CC_CFGGEN, 1);
		lo = win_read(&d->v.device, 0, 4);
		hi = win_read(&d->v.device, 4, 4);
		if ((u8)win_read(&d->v.common, CC_CFGGEN, 1) == gen || tries == 100)
			return (u64)hi << 32 | lo;
	}
}

/* ---- requests ---------------------------------------------------------------- */

/* One request at a time, in descriptors 0-2 (2 without data). Returns
 * the status byte the device wrote, or a negative error. */
#define REQ_TIMEOUT -1
#define REQ_BAD_USED -2
static int blk_request(struct vblk *d, u32 type, u64 sector, void *buf, u32 len)
{
	req_hdr = (struct blk_req_hdr){ .type = type, .sector = sector };
	req_status = 0xff;
	vq_desc[0] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, len ? 1 : 2 };
	vq_desc[1] = (struct vq_desc){ va2pa(buf), len,
				       DESC_F_NEXT | (type == BLK_T_IN ? DESC_F_WRITE : 0), 2 };
	vq_desc[2] = (struct vq_desc){ va2pa(&req_status), 1, DESC_F_WRITE, 0 };
	vq_publish(&d->v, &d->q, 0);

	struct vq_used_elem e;
	if (!vq_used_wait(&d->q, REQUEST_TIMEOUT_MS, &e))
		return REQ_TIMEOUT;
	if (e.id != 0)
		return REQ_BAD_USED;
	return req_status;
}

static bool blk_ok(int r, const char *what, u64 sector)
{
	if (r == BLK_S_OK)
		return true;
	if (r == REQ_TIMEOUT)
		say("vblk: ERROR %s sector %llu: no completion in %u ms\n", what,
		    (unsigned long long)sector, (unsigned)REQUEST_TIMEOUT_MS);
	else if (r == REQ_BAD_USED)
		say("vblk: ERROR %s sector %llu: used ring returned another head\n", what,
		    (unsigned long long)sector);
	else
		say("vblk: ERROR %s sector %llu: status %u\n", what, (unsigned long long)sector,
		    (unsigned)r);
	return false;
}

/* ---- the well-behaved part ----------------------------------------------------- */

#define FIRST 1 /* sectors FIRST..FIRST+7: sector 0 is the parent's marker */
#define COUNT 8

static u8 pattern(u32 sector, u32 i) { return (u8)(sector * 31 + i); }

static void write_pattern(struct vblk *d)
{
	for (u32 s = 0; s < COUNT; s++)
		for (u32 i = 0; i < SECTOR; i++)
			wbuf[s * SECTOR + i] = pattern(FIRST + s, i);
	if (d->v.features & F_BLK_RO) {
		say("vblk: ERROR the device is read-only\n");
		return;
	}
	if (!blk_ok(blk_request(d, BLK_T_OUT, FIRST, wbuf, sizeof(wbuf)), "write", FIRST))
		return;
	if (!(d->v.features & F_BLK_FLUSH)) {
		say("vblk: wrote %u sectors, no flush (FLUSH not offered)\n", COUNT);
		return;
	}
	if (blk_ok(blk_request(d, BLK_T_FLUSH, 0, NULL, 0), "flush", 0))
		say("vblk: wrote %u sectors, flushed\n", COUNT);
}

static void read_back(struct vblk *d)
{
	memset(rbuf, 0, sizeof(rbuf));
	if (!blk_ok(blk_request(d, BLK_T_IN, FIRST, rbuf, sizeof(rbuf)), "read", FIRST))
		return;
	for (u32 s = 0; s < COUNT; s++)
		for (u32 i = 0; i < SECTOR; i++)
			if (rbuf[s * SECTOR + i] != pattern(FIRST + s, i)) {
				say("vblk: MISMATCH at sector %u byte %u: 0x%02x, expected 0x%02x\n",
				    FIRST + s, i, rbuf[s * SECTOR + i], pattern(FIRST + s, i));
				return;
			}
	say("vblk: read back ok\n");
}

static void show_sector0(struct vblk *d)
{
	char text[17];
	u32 n;

	memset(rbuf, 0, SECTOR);
	if (!blk_ok(blk_request(d, BLK_T_IN, 0, rbuf, SECTOR), "read", 0))
		return;
	for (n = 0; n < 16 && rbuf[n]; n++)
		text[n] = rbuf[n] >= 0x20 && rbuf[n] < 0x7f ? (char)rbuf[n] : '.';
	text[n] = 0;
	say("vblk: sector0 %s\n", text);
}

static void read_past_end(struct vblk *d, u64 capacity)
{
	int r = blk_request(d, BLK_T_IN, capacity, rbuf, SECTOR);

	if (r == BLK_S_IOERR)
		say("vblk: past-end read refused\n");
	else if (r == BLK_S_OK)
		say("vblk: ERROR past-end read (sector %llu) succeeded\n", (unsigned long long)capacity);
	else
		blk_ok(r, "past-end read", capacity);
}

static void well_behaved(struct vblk *d)
{
	u64 capacity = vblk_capacity(d);

	say("vblk: capacity %llu sectors\n", (unsigned long long)capacity);
	if (capacity < FIRST + COUNT) {
		say("vblk: ERROR the disk is smaller than %u sectors\n", FIRST + COUNT);
		return;
	}
	write_pattern(d);
	read_back(d);
	show_sector0(d);
	read_past_end(d, capacity);
}

/* ---- the hostile part: each case breaks one rule of 2.7 ------------------------ */

/* 2.7.5.2: a chain that never ends. Both descriptors are readable and in
 * RAM, so the loop is the only fault. */
static void hostile_loop(struct vblk *d)
{
	vq_desc[0] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, 1 };
	vq_desc[1] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, 0 };
	vq_publish(&d->v, &d->q, 0);
}

/* A read whose data buffer lies far outside the guest's memory. */
static void hostile_bad_address(struct vblk *d)
{
	req_hdr = (struct blk_req_hdr){ .type = BLK_T_IN, .sector = FIRST };
	vq_desc[0] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, 1 };
	vq_desc[1] = (struct vq_desc){ 0xfffffffff000ull, 4096, DESC_F_NEXT | DESC_F_WRITE, 2 };
	vq_desc[2] = (struct vq_desc){ va2pa(&req_status), 1, DESC_F_WRITE, 0 };
	vq_publish(&d->v, &d->q, 0);
}

/* 2.7.5.3.1: the driver MUST NOT set INDIRECT in an indirect table. The
 * inner table is a valid request, so nesting is the only fault. */
static void hostile_nested_indirect(struct vblk *d)
{
	req_hdr = (struct blk_req_hdr){ .type = BLK_T_IN, .sector = FIRST };
	itab_inner[0] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, 1 };
	itab_inner[1] = (struct vq_desc){ va2pa(&req_status), 1, DESC_F_WRITE, 0 };
	itab_outer[0] = (struct vq_desc){ va2pa(itab_inner), sizeof(itab_inner), DESC_F_INDIRECT, 0 };
	vq_desc[0] = (struct vq_desc){ va2pa(itab_outer), sizeof(itab_outer), DESC_F_INDIRECT, 0 };
	vq_publish(&d->v, &d->q, 0);
}

/* 2.7.13.3: avail->idx may run at most the queue size ahead of what the
 * device has taken; 1000 claims more buffers than the ring holds. */
static void hostile_avail_ahead(struct vblk *d)
{
	/* A valid read in descriptor 0 and every ring entry: the index is
	 * the only fault. */
	req_hdr = (struct blk_req_hdr){ .type = BLK_T_IN, .sector = FIRST };
	vq_desc[0] = (struct vq_desc){ va2pa(&req_hdr), sizeof(req_hdr), DESC_F_NEXT, 1 };
	vq_desc[1] = (struct vq_desc){ va2pa(rbuf), SECTOR, DESC_F_NEXT | DESC_F_WRITE, 2 };
	vq_desc[2] = (struct vq_desc){ va2pa(&req_status), 1, DESC_F_WRITE, 0 };
	for (u32 i = 0; i < d->q.size; i++)
		vq_avail.ring[i] = 0;
	d->q.avail_idx = (u16)(d->q.avail_idx + 1000);
	vq_kick(&d->v, &d->q);
}

static const struct {
	const char *name;
	void (*run)(struct vblk *d);
} hostile_cases[] = {
	{ "loop", hostile_loop },
	{ "bad-address", hostile_bad_address },
	{ "nested-indirect", hostile_nested_indirect },
	{ "avail-ahead", hostile_avail_ahead },
};

static void hostile(struct vblk *d)
{
	for (u32 i = 0; i < ARRAY_SIZE(hostile_cases); i++) {
		if (!vblk_init(d))
			return;
		hostile_cases[i].run(d);
		/* The backend marks the device broken (2.1.2): NEEDS_RESET. */
		struct deadline dl = deadline_in(BREAK_TIMEOUT_MS);
		u8 st;
		while (!((st = status_get(&d->v)) & S_NEEDS_RESET) && !expired(&dl))
			delay_ms(1);
		say("vblk: %s -> status 0x%x\n", hostile_cases[i].name, st);
	}
	say("vblk: hostile done\n");
	if (vblk_init(d))
		read_back(d);
}

/* ---- commands ------------------------------------------------------------------- */

int guest_main(u32 vcpu, u64 mem)
{
	struct vblk dev = { 0 }, *d = &dev;
	bool ready = false;
	const char *err;
	(void)vcpu;
	(void)mem;

	console_init("vblk");
	if (!virtio_find(&d->v, VIRTIO_ID_BLOCK_MODERN)) {
		say("vblk: ERROR no virtio-blk device (%x:%x) on bus 0\n", VIRTIO_VENDOR,
		    VIRTIO_ID_BLOCK_MODERN);
	} else if ((err = virtio_find_structures(&d->v, 8, "no device configuration with the capacity"))) {
		say("vblk: ERROR 00:%02x.0: %s\n", d->v.slot, err);
	} else {
		virtio_pci_enable(&d->v);
		ready = vblk_init(d);
		if (ready) {
			say("vblk: virtio-blk at 00:%02x.0, features 0x%llx, queue %u of %u\n",
			    d->v.slot, (unsigned long long)d->v.features, d->q.size, d->q.max);
			well_behaved(d);
		}
	}
	say("vblk: done\n");

	for (;;) {
		const char *line = read_command();

		if (streq(line, "off"))
			power_off();
		else if (streq(line, "hostile") && ready)
			hostile(d);
		else if (streq(line, "hostile"))
			say("vblk: ERROR no device to be hostile to\n");
		else if (streq(line, "read") && ready)
			read_back(d); /* again: the backend may have been restarted */
		else
			say("vblk: unknown command '%s'\n", line);
	}
}
