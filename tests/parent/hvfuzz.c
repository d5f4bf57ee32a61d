// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parent as a hostile caller of the management calls: thousands of
 * /dev/hv ioctls with random and edge-case arguments -- ids that name
 * nothing, its own scratch partitions, sizes and addresses at every
 * boundary, overlapping and unaligned writes, garbage in every structure
 * field. The partitions that were there before it started are never named
 * (a destroy of them would be a valid call); everything else is fair
 * game. Each call must answer (an error, or success where the arguments
 * happen to be valid) and nothing may hang; afterwards every partition
 * that was there must still be there, and the scratch partitions are
 * destroyed. Prints "HVTEST hvfuzz: ..." and exits non-zero on a check
 * that failed.
 *   hvfuzz [CALLS] [SEED]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv_ioctl.h"

static int fd;
static unsigned long long rng;
static hv_u32 keep[HV_PARTITIONS_MAX];
static unsigned nkeep;
static hv_u32 scratch[4];
static unsigned nscratch;
static unsigned long calls, refused, accepted;

static hv_u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool kept(hv_u32 id)
{
	for (unsigned i = 0; i < nkeep; i++)
		if (keep[i] == id)
			return true;
	return false;
}

/* An id for a call: never one of the partitions that were there. */
static hv_u32 any_id(void)
{
	hv_u32 id;

	switch (rnd() % 5) {
	case 0:
		return 0;
	case 1:
		id = (hv_u32)rnd();
		break;
	case 2: /* ids past the first HV_PARTITIONS_MAX: valid names too */
		id = HV_PARTITIONS_MAX + 1 + (hv_u32)(rnd() % 4);
		break;
	default:
		if (nscratch)
			return scratch[rnd() % nscratch];
		id = 1 + (hv_u32)(rnd() % HV_PARTITIONS_MAX);
		break;
	}
	return kept(id) ? 0 : id;
}

/* A size or address at a boundary, or anything. */
static hv_u64 edge(void)
{
	static const hv_u64 e[] = {
		0, 1, 7, 8, 4095, 4096, 4097, 0x9fc00, 0xe0000, 0xfffff, 0x100000,
		HV_WRITE_MAX - 1, HV_WRITE_MAX, HV_WRITE_MAX + 1, 2ull << 20, (2ull << 20) + 1,
		3ull << 30, (3ull << 30) - 8, 4ull << 30, 0xfee00000, 0xfec00000,
		0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~0ull - 4095,
	};

	return rnd() % 3 ? e[rnd() % (sizeof(e) / sizeof(e[0]))] : rnd();
}

static void fill(void *p, size_t n)
{
	unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)rnd();
}

static void note(int r)
{
	calls++;
	if (r < 0)
		refused++;
	else
		accepted++;
}

static void one_call(void)
{
	static unsigned char buf[3 * HV_WRITE_MAX];
	hv_u32 id = any_id();
	union {
		struct hv_ioc_create cr;
		struct hv_ioc_write w;
		struct hv_ioc_vcpu vc;
		struct hv_ioc_sched sc;
		struct hv_ioc_ring rr;
		struct hv_ioc_input in;
		struct hv_ioc_status st;
		struct hv_ioc_list l;
		struct hv_pool_info pool;
	} a;

	memset(&a, 0, sizeof(a));
	switch (rnd() % 14) {
	case 0: /* creation requests, mostly bad, sometimes good */
		fill(&a.cr, sizeof(a.cr));
		if (rnd() % 2) {
			memset(&a.cr, 0, sizeof(a.cr));
			snprintf(a.cr.create.name, sizeof(a.cr.create.name), "fz%u",
				 (unsigned)(rnd() % 1000));
			a.cr.create.memory_bytes = rnd() % 2 ? 2ull << 20 : edge();
			a.cr.create.vcpus = (hv_u32)(rnd() % 3);
			a.cr.create.flags = (hv_u32)(rnd() % 4);
			if (rnd() % 4 == 0)
				a.cr.create.reserved[rnd() % 7] = 1;
		}
		note(ioctl(fd, HV_IOC_CREATE, &a.cr));
		if (a.cr.id && nscratch < 4)
			scratch[nscratch++] = a.cr.id;
		else if (a.cr.id)
			note(ioctl(fd, HV_IOC_DESTROY, &a.cr.id));
		break;
	case 1:
		note(ioctl(fd, HV_IOC_POPULATE, &id));
		break;
	case 2: /* writes: overlapping, unaligned, past the end, huge */
		a.w.id = id;
		a.w.gpa = edge();
		a.w.len = rnd() % 4 ? rnd() % sizeof(buf) : edge();
		if (a.w.len > sizeof(buf) && rnd() % 2)
			a.w.len = sizeof(buf);
		a.w.uaddr = rnd() % 8 ? (hv_u64)(unsigned long)buf : edge();
		fill(buf, 64);
		note(ioctl(fd, HV_IOC_WRITE, &a.w));
		break;
	case 3:
		fill(&a.vc, sizeof(a.vc));
		a.vc.id = id;
		if (rnd() % 2) {
			a.vc.vcpu = (hv_u32)(rnd() % 3);
			a.vc.state.mode = (hv_u32)(rnd() % 4);
			a.vc.state.flags = (hv_u32)(rnd() % 3);
			memset(a.vc.state.reserved, 0, sizeof(a.vc.state.reserved));
			a.vc.state.cr3 = edge();
			a.vc.state.rip = edge();
		}
		note(ioctl(fd, HV_IOC_VCPU_SET, &a.vc));
		break;
	case 4:
		note(ioctl(fd, HV_IOC_START, &id));
		break;
	case 5:
		note(ioctl(fd, rnd() % 2 ? HV_IOC_PAUSE : HV_IOC_RESUME, &id));
		break;
	case 6:
		note(ioctl(fd, rnd() % 2 ? HV_IOC_SHUTDOWN : HV_IOC_RESET, &id));
		break;
	case 7:
		a.sc.id = id;
		a.sc.weight = (hv_u32)edge();
		a.sc.cap = (hv_u32)edge();
		note(ioctl(fd, HV_IOC_SCHED, &a.sc));
		break;
	case 8:
	case 9:
		a.rr.id = rnd() % 4 ? id : (hv_u32)(1 + rnd() % HV_PARTITIONS_MAX);
		a.rr.len = (hv_u32)(rnd() % 2 ? rnd() % sizeof(buf) : edge());
		a.rr.pos = edge();
		a.rr.uaddr = rnd() % 8 ? (hv_u64)(unsigned long)buf : edge();
		/* Reading any partition's console or the log is harmless. */
		note(ioctl(fd, rnd() % 2 ? HV_IOC_CONSOLE_READ : HV_IOC_LOG_READ, &a.rr));
		break;
	case 10:
		a.in.id = id;
		a.in.len = (hv_u32)(rnd() % 2 ? rnd() % 300 : edge());
		a.in.uaddr = rnd() % 8 ? (hv_u64)(unsigned long)buf : edge();
		note(ioctl(fd, HV_IOC_CONSOLE_INPUT, &a.in));
		break;
	case 11:
		a.st.id = rnd() % 2 ? id : (hv_u32)(1 + rnd() % HV_PARTITIONS_MAX);
		note(ioctl(fd, HV_IOC_STATUS, &a.st));
		break;
	case 12:
		a.l.uaddr = rnd() % 8 ? (hv_u64)(unsigned long)buf : edge();
		a.l.max = (hv_u32)edge();
		note(ioctl(fd, HV_IOC_LIST, &a.l));
		break;
	default:
		note(ioctl(fd, rnd() % 2 ? HV_IOC_POOL : _IOWR(HV_IOC_MAGIC, rnd() % 0x40,
							       struct hv_ioc_ring),
			   rnd() % 8 ? (void *)&a : (void *)(unsigned long)edge()));
		break;
	}
}

static int list(hv_u32 *ids, unsigned max)
{
	struct hv_ioc_list l = { (hv_u64)(unsigned long)ids, max, 0 };

	if (ioctl(fd, HV_IOC_LIST, &l))
		return -1;
	return (int)l.count;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 5000;
	hv_u32 after[HV_PARTITIONS_MAX];
	int failed = 0;

	rng = argc > 2 ? strtoull(argv[2], NULL, 0) : (unsigned long long)getpid() * 2654435761ull;
	if (!rng)
		rng = 1;
	fd = open(HV_DEVICE, O_RDWR);
	if (fd < 0) {
		printf("HVTEST hvfuzz: FAILED: %s: %s\n", HV_DEVICE, strerror(errno));
		return 1;
	}
	int k = list(keep, HV_PARTITIONS_MAX);
	if (k < 0) {
		printf("HVTEST hvfuzz: FAILED: list: %s\n", strerror(errno));
		return 1;
	}
	nkeep = (unsigned)k;
	printf("HVTEST hvfuzz: %lu calls, seed %#llx, %u partitions to leave alone\n", n, rng,
	       nkeep);
	fflush(stdout);
	for (unsigned long i = 0; i < n; i++)
		one_call();
	for (unsigned i = 0; i < nscratch; i++)
		ioctl(fd, HV_IOC_DESTROY, &scratch[i]);
	/* Scratch partitions made by creates the fuzzer lost track of. */
	int m = list(after, HV_PARTITIONS_MAX);
	for (int i = 0; i < m; i++) {
		if (kept(after[i]))
			continue;
		struct hv_ioc_status st = { .id = after[i] };
		if (!ioctl(fd, HV_IOC_STATUS, &st) && !strncmp(st.status.name, "fz", 2))
			ioctl(fd, HV_IOC_DESTROY, &after[i]);
	}
	m = list(after, HV_PARTITIONS_MAX);
	unsigned still = 0;
	for (int i = 0; i < m; i++)
		still += kept(after[i]);
	if (m < 0 || still != nkeep || (unsigned)m != nkeep) {
		printf("HVTEST hvfuzz: FAILED: %d partitions after (%u of the %u before)\n", m,
		       still, nkeep);
		failed = 1;
	}
	printf("HVTEST hvfuzz: %s: %lu calls, %lu refused, %lu accepted; %d partitions after, "
	       "as before\n", failed ? "FAILED" : "ok", calls, refused, accepted, m);
	return failed;
}
