// SPDX-License-Identifier: GPL-2.0-only
/*
 * The /dev/hv driver checked from the parent (partitions/parent/hvdrv):
 * every ioctl once with good arguments and with the bad ones the driver
 * must refuse itself, read() and poll() of events, and one child's
 * build without a start: create, populate, write, vCPU state, status,
 * destroy, with its CREATED and DESTROYED events (one of them woken
 * from a blocking read() by the hypervisor's notification), and the PCI
 * passthrough calls' list and refusals (nothing is assigned). Built static for the
 * parent's test initramfs; prints "HVTEST hvdev: ..." lines and exits
 * non-zero when a check failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv_ioctl.h"

#define CHILD "hvdev-test"

static int failed;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("HVTEST hvdev: %s: ", ok ? "ok" : "FAILED");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failed = 1;
}

/* An ioctl that must fail with errno @want. */
static void refused(int fd, unsigned long cmd, void *arg, int want, const char *what)
{
	int r = ioctl(fd, cmd, arg);

	check(r == -1 && errno == want, "%s: %d (%s), wants %s", what, r,
	      r == -1 ? strerror(errno) : "no error", strerror(want));
}

static void bad_arguments(int fd)
{
	struct hv_ioc_status st;
	struct hv_ioc_create cr;
	struct hv_ioc_write w;
	struct hv_ioc_input in;
	struct hv_ioc_vcpu vc;
	struct hv_ioc_sched sc;
	struct hv_ioc_list l;
	struct hv_ioc_pci_assign pa;
	hv_u32 id = 0, bdf;
	char buf[HV_INPUT_MAX + 1] = "";

	memset(&st, 0, sizeof(st));
	refused(fd, HV_IOC_STATUS, &st, EINVAL, "status of id 0");
	/* Ids are never reused, so any but 0 may name one: the hypervisor
	 * says this one names none. */
	st.id = 0xfffffffeu;
	refused(fd, HV_IOC_STATUS, &st, ENOENT, "status of id 0xfffffffe");
	st.id = 1;
	st.reserved = 1;
	refused(fd, HV_IOC_STATUS, &st, EINVAL, "status with reserved set");
	refused(fd, HV_IOC_STATUS, (void *)8, EFAULT, "status at a bad address");
	refused(fd, HV_IOC_POPULATE, &id, EINVAL, "populate of id 0");
	refused(fd, HV_IOC_DESTROY, &id, EINVAL, "destroy of id 0");
	refused(fd, HV_IOC_START, &id, EINVAL, "start of id 0");

	memset(&cr, 0, sizeof(cr));
	strcpy(cr.create.name, "bad name");
	cr.create.memory_bytes = HV_MEMORY_MIN;
	cr.create.vcpus = 1;
	refused(fd, HV_IOC_CREATE, &cr, EINVAL, "create named 'bad name'");
	strcpy(cr.create.name, CHILD);
	cr.create.memory_bytes = HV_MEMORY_MIN + 4096;
	refused(fd, HV_IOC_CREATE, &cr, EINVAL, "create with unaligned memory");
	cr.create.memory_bytes = HV_MEMORY_MIN;
	cr.create.vcpus = HV_VCPUS_MAX + 1;
	refused(fd, HV_IOC_CREATE, &cr, EINVAL, "create with 65 vCPUs");
	cr.create.vcpus = 1;
	cr.create.reserved[3] = 1;
	refused(fd, HV_IOC_CREATE, &cr, EINVAL, "create with reserved set");

	memset(&w, 0, sizeof(w));
	w.id = 1;
	w.reserved = 1;
	refused(fd, HV_IOC_WRITE, &w, EINVAL, "write with reserved set");
	w.reserved = 0;
	w.gpa = ~0ull;
	w.uaddr = (hv_u64)(unsigned long)buf;
	w.len = 2;
	refused(fd, HV_IOC_WRITE, &w, EINVAL, "write past the end of the address space");

	memset(&in, 0, sizeof(in));
	in.id = 1;
	in.len = HV_INPUT_MAX + 1;
	in.uaddr = (hv_u64)(unsigned long)buf;
	refused(fd, HV_IOC_CONSOLE_INPUT, &in, E2BIG, "console input of 257 bytes");

	memset(&vc, 0, sizeof(vc));
	vc.id = 1;
	vc.vcpu = HV_VCPUS_MAX;
	refused(fd, HV_IOC_VCPU_SET, &vc, EINVAL, "state of vCPU 64");

	memset(&sc, 0, sizeof(sc));
	sc.id = 1;
	sc.weight = HV_WEIGHT_MAX + 1;
	refused(fd, HV_IOC_SCHED, &sc, EINVAL, "weight 65536");

	memset(&l, 0, sizeof(l));
	l.max = 4;
	l.uaddr = 8;
	refused(fd, HV_IOC_LIST, &l, EFAULT, "list into a bad address");
	refused(fd, _IO(HV_IOC_MAGIC, 0x7f), NULL, ENOTTY, "an unknown ioctl");

	pa.id = 0;
	pa.bdf = 0x30;
	refused(fd, HV_IOC_PCI_ASSIGN, &pa, EINVAL, "PCI assign to id 0");
	/* A function no machine has (bus ff, device 1f, function 7): the
	 * driver leaves it to the hypervisor, which finds no such child. */
	pa.id = 0xfffffffeu;
	pa.bdf = 0xffff;
	refused(fd, HV_IOC_PCI_ASSIGN, &pa, ENOENT, "PCI assign to id 0xfffffffe");
	pa.id = 1;
	pa.bdf = 0x10000;
	refused(fd, HV_IOC_PCI_ASSIGN, &pa, EINVAL, "PCI assign of bdf 0x10000");
	bdf = 0x10000;
	refused(fd, HV_IOC_PCI_RETURN, &bdf, EINVAL, "PCI return of bdf 0x10000");
	refused(fd, HV_IOC_PCI_LIST, (void *)8, EFAULT, "PCI list into a bad address");
}

/* The next event, waiting up to @ms for it; 1 if one was read. */
static int next_event(int fd, struct hv_event *ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1 || !(p.revents & POLLIN))
		return 0;
	return read(fd, ev, sizeof(*ev)) == (ssize_t)sizeof(*ev);
}

/* Events until one of @type for @id comes, within @ms each. */
static int wait_event_of(int fd, hv_u32 type, hv_u32 id, int ms)
{
	struct hv_event ev;

	while (next_event(fd, &ev, ms)) {
		printf("HVTEST hvdev: event %llu: partition %u '%s' type %u action %u %s\n",
		       (unsigned long long)ev.seq, ev.id, ev.name, ev.type, ev.action, ev.reason);
		if (ev.type == type && ev.id == id)
			return 1;
	}
	return 0;
}

/* Hypervisor callback interrupts so far, every CPU (/proc/interrupts). */
static unsigned long long callback_irqs(void)
{
	unsigned long long n = 0, v;
	char line[4096], *p, *end;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, "HYP:", 4))
			continue;
		for (p += 4; (v = strtoull(p, &end, 10)), end != p; p = end)
			n += v;
	}
	fclose(f);
	return n;
}

/*
 * A process blocked in read() on a new file (which starts after the
 * newest event) must wake for the next event: forked before the create.
 * Returns its pid; it exits 0 when it read a CREATED event of @name.
 */
static pid_t blocked_reader(const char *name)
{
	struct hv_event ev;
	pid_t pid = fork();
	int fd;

	if (pid)
		return pid;
	alarm(10);
	fd = open(HV_DEVICE, O_RDONLY);
	if (fd < 0)
		_exit(2);
	kill(getpid(), SIGSTOP); /* opened: the parent may go on */
	while (read(fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev))
		if (ev.type == HV_EVENT_CREATED && !strcmp(ev.name, name))
			_exit(0);
	_exit(1);
}

static void child_build(int fd)
{
	static const unsigned char code[] = { 0xf4, 0xeb, 0xfd }; /* hlt; jmp .-1 */
	struct hv_ioc_create cr;
	struct hv_ioc_status st;
	struct hv_ioc_write w;
	struct hv_ioc_vcpu vc;
	unsigned long long irqs = callback_irqs();
	pid_t reader = blocked_reader(CHILD);
	int r, status = -1;
	hv_u32 id;

	/* The reader has opened its file and will block in read(). */
	waitpid(reader, &status, WUNTRACED);
	kill(reader, SIGCONT);
	usleep(300000);
	memset(&cr, 0, sizeof(cr));
	strcpy(cr.create.name, CHILD);
	cr.create.memory_bytes = HV_MEMORY_MIN;
	cr.create.vcpus = 1;
	r = ioctl(fd, HV_IOC_CREATE, &cr);
	check(r == 0 && cr.id, "create '%s': %d (%s), id %u", CHILD, r,
	      r ? strerror(errno) : "", cr.id);
	waitpid(reader, &status, 0);
	check(WIFEXITED(status) && !WEXITSTATUS(status),
	      "a blocked read() woke with the CREATED event (status %#x); "
	      "callback interrupts %llu -> %llu", status, irqs, callback_irqs());
	if (r)
		return;
	id = cr.id;
	check(wait_event_of(fd, HV_EVENT_CREATED, id, 5000), "CREATED event read after poll()");
	r = ioctl(fd, HV_IOC_POPULATE, &id);
	check(r == 0, "populate: %d (%s)", r, r ? strerror(errno) : "");

	memset(&w, 0, sizeof(w));
	w.id = id;
	w.gpa = 0x1000;
	w.uaddr = (hv_u64)(unsigned long)code;
	w.len = sizeof(code);
	r = ioctl(fd, HV_IOC_WRITE, &w);
	check(r == 0, "write %zu bytes: %d (%s)", sizeof(code), r, r ? strerror(errno) : "");

	memset(&vc, 0, sizeof(vc));
	vc.id = id;
	vc.state.mode = HV_MODE_REAL;
	vc.state.rip = 0x1000;
	r = ioctl(fd, HV_IOC_VCPU_SET, &vc);
	check(r == 0, "vCPU 0 state: %d (%s)", r, r ? strerror(errno) : "");

	memset(&st, 0, sizeof(st));
	st.id = id;
	r = ioctl(fd, HV_IOC_STATUS, &st);
	check(r == 0 && !strcmp(st.status.name, CHILD) && st.status.state == HV_STATE_CREATED &&
	      st.status.populated_bytes == HV_MEMORY_MIN,
	      "status: %d, '%s' state %u, %llu of %llu bytes populated", r, st.status.name,
	      st.status.state, (unsigned long long)st.status.populated_bytes,
	      (unsigned long long)st.status.memory_bytes);

	r = ioctl(fd, HV_IOC_DESTROY, &id);
	check(r == 0, "destroy: %d (%s)", r, r ? strerror(errno) : "");
	check(wait_event_of(fd, HV_EVENT_DESTROYED, id, 5000), "DESTROYED event read after poll()");
	r = ioctl(fd, HV_IOC_STATUS, &st);
	check(r == -1 && errno == ENOENT, "status after destroy: %d (%s)", r,
	      r ? strerror(errno) : "no error");
}

int main(void)
{
	struct hv_ioc_ring ring;
	struct hv_pool_info pool;
	struct hv_ioc_list l;
	struct hv_ioc_pci_list pl;
	struct hv_event ev;
	hv_u32 version = 0, ids[HV_PARTITIONS_MAX];
	char log[4096];
	hv_u64 from = 1;
	int fd, nb, r;

	fd = open(HV_DEVICE, O_RDWR);
	if (fd < 0) {
		check(0, "open %s: %s", HV_DEVICE, strerror(errno));
		return 1;
	}
	r = ioctl(fd, HV_IOC_VERSION, &version);
	check(r == 0 && version == HV_ABI_VERSION, "version: %d, ABI %u", r, version);
	r = ioctl(fd, HV_IOC_POOL, &pool);
	check(r == 0 && pool.cpus > 0, "pool: %d, %u CPUs, %llu of %llu MiB free, %u partitions",
	      r, pool.cpus, (unsigned long long)(pool.free_bytes >> 20),
	      (unsigned long long)(pool.total_bytes >> 20), pool.partitions);
	memset(&l, 0, sizeof(l));
	l.uaddr = (hv_u64)(unsigned long)ids;
	l.max = HV_PARTITIONS_MAX;
	r = ioctl(fd, HV_IOC_LIST, &l);
	check(r == 0 && l.count >= 1 && ids[0], "list: %d, %u partitions, first id %u",
	      r, l.count, l.count ? ids[0] : 0);
	memset(&pl, 0xff, sizeof(pl));
	r = ioctl(fd, HV_IOC_PCI_LIST, &pl);
	check(r == 0 && pl.count <= HV_PCI_PT_MAX, "PCI list: %d (%s), %u functions held", r,
	      r ? strerror(errno) : "", pl.count);

	memset(&ring, 0, sizeof(ring));
	ring.len = sizeof(log);
	ring.uaddr = (hv_u64)(unsigned long)log;
	r = ioctl(fd, HV_IOC_LOG_READ, &ring);
	check(r > 0 && ring.end >= ring.pos + (hv_u64)r,
	      "hypervisor log: %d bytes from %llu, end %llu", r,
	      (unsigned long long)ring.pos, (unsigned long long)ring.end);

	/* A new file starts after the newest event. */
	r = read(fd, &ev, sizeof(ev) - 1);
	check(r == -1 && errno == EINVAL, "read() of less than one event: %d (%s)", r,
	      r == -1 ? strerror(errno) : "no error");
	nb = open(HV_DEVICE, O_RDONLY | O_NONBLOCK);
	r = read(nb, &ev, sizeof(ev));
	check(r == -1 && errno == EAGAIN, "non-blocking read() of a new file: %d (%s)", r,
	      r == -1 ? strerror(errno) : "no error");
	r = ioctl(nb, HV_IOC_EVENTS_FROM, &from);
	check(r == 0, "events from 1: %d", r);
	close(nb);

	bad_arguments(fd);
	child_build(fd);
	close(fd);
	printf("HVTEST hvdev: %s\n", failed ? "FAILED" : "all passed");
	return failed;
}
