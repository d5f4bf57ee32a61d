// SPDX-License-Identifier: GPL-2.0-only
/*
 * iobench DEVICE MODE SECONDS: the disk figures of `make bench` (run in
 * the parent and in a child on the same backing device, so the two are
 * compared in one run). O_DIRECT throughout, so the page cache of
 * whoever runs it measures nothing.
 *   seqread, seqwrite   1 MiB requests, one at a time: MB/s
 *   rand1, rand32       4 KiB random reads, 1 or 32 in flight (threads):
 *                       IOPS
 * Prints "iobench: MODE: FIGURE UNIT (N requests in S s, I interrupts)",
 * I counting the virtio request-queue interrupts /proc/interrupts shows
 * (0 where there are none, as in a parent with another disk driver).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#define BIG (1u << 20)
#define SMALL 4096u
#define THREADS_MAX 32

static int fd;
static uint64_t size;
static double seconds;
static bool writing;

/* Interrupts of the virtio block request queues so far, all CPUs. */
static unsigned long long virtio_irqs(void)
{
	char line[1024];
	unsigned long long sum = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "virtio") || !strstr(line, "-req"))
			continue;
		char *p = strchr(line, ':');
		while (p && *++p) {
			char *end;
			unsigned long long n = strtoull(p, &end, 10);
			if (end == p)
				break;
			sum += n;
			p = end;
		}
	}
	fclose(f);
	return sum;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct worker {
	pthread_t t;
	unsigned seed;
	uint64_t done;
	size_t block;
	bool random;
	int err;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	void *buf;
	uint64_t at = 0, blocks = size / w->block;
	double end = now() + seconds;

	if (posix_memalign(&buf, 4096, w->block)) {
		w->err = ENOMEM;
		return NULL;
	}
	memset(buf, 0x5a, w->block);
	while (now() < end) {
		if (w->random)
			at = (uint64_t)rand_r(&w->seed) % blocks;
		ssize_t r = writing ? pwrite(fd, buf, w->block, (off_t)(at * w->block))
				    : pread(fd, buf, w->block, (off_t)(at * w->block));
		if (r != (ssize_t)w->block) {
			w->err = r < 0 ? errno : EIO;
			break;
		}
		w->done++;
		at = (at + 1) % blocks;
	}
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker w[THREADS_MAX];
	unsigned threads = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: iobench DEVICE seqread|seqwrite|rand1|rand32 SECONDS\n");
		return 2;
	}
	const char *mode = argv[2];
	bool seq = !strncmp(mode, "seq", 3);
	writing = !strcmp(mode, "seqwrite");
	if (!strcmp(mode, "rand32"))
		threads = THREADS_MAX;
	else if (!seq && strcmp(mode, "rand1")) {
		fprintf(stderr, "iobench: no mode '%s'\n", mode);
		return 2;
	}
	seconds = atof(argv[3]);
	fd = open(argv[1], (writing ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) || size < BIG) {
		fprintf(stderr, "iobench: %s: %s\n", argv[1], fd < 0 ? strerror(errno) : "not a disk");
		return 1;
	}
	unsigned long long irq0 = virtio_irqs();
	double t0 = now();
	for (unsigned i = 0; i < threads; i++) {
		w[i] = (struct worker){ .seed = 12345 + i, .block = seq ? BIG : SMALL, .random = !seq };
		if (pthread_create(&w[i].t, NULL, work, &w[i]))
			return 1;
	}
	uint64_t done = 0;
	int err = 0;
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(w[i].t, NULL);
		done += w[i].done;
		err = err ? err : w[i].err;
	}
	double t = now() - t0;
	if (err) {
		fprintf(stderr, "iobench: %s\n", strerror(err));
		return 1;
	}
	unsigned long long irqs = virtio_irqs() - irq0;
	if (seq)
		printf("iobench: %s: %.1f MB/s (%llu requests in %.2f s, %llu interrupts)\n", mode,
		       (double)done * BIG / 1e6 / t, (unsigned long long)done, t, irqs);
	else
		printf("iobench: %s: %.0f IOPS (%llu requests in %.2f s, %llu interrupts)\n", mode,
		       (double)done / t, (unsigned long long)done, t, irqs);
	return 0;
}
