// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fake /dev/hv for testing hvctl on the host (tests/hvctl/cli.sh): linked
 * into a dynamic build of hvctl, it takes over open(), ioctl(), read() and
 * close() for "/dev/hv" and answers the ioctls of hv_ioctl.h from a model
 * of the hypervisor kept in a shared file ($FAKEHV_STATE), so separate
 * hvctl runs and the monitor daemon they fork see the same partitions.
 * It follows partitions/manage.c's rules where hvctl depends on them
 * (states, EBUSY/ENOENT/EEXIST/ENOMEM/ENOSYS, console and event rings).
 *
 * What a child "does" is modelled: START prints a boot banner and a
 * prompt on its console; typed lines are echoed and answered with
 * "ran: LINE"; the power button powers it off 0.3 s later (a child whose
 * name ends in "-deaf" ignores it); a reset reboots it. Its on_* actions
 * are carried out as the hypervisor does (REBUILD for restart).
 *
 * PCI passthrough is modelled with four functions of the parent: 00:06.0
 * (1af4:1000) and 00:07.0 (8086:10d3), which may be assigned, 00:01.0, a
 * bridge (EINVAL), and 00:08.0, refused (EINVAL) after the hypervisor took
 * it, as BARs that do not fit are: held, assignable; any other is unknown
 * (ENOENT). A destroyed child's functions are reset and stay assignable
 * until returned.
 *
 * $FAKEHV_FAIL=NAME:ERRNO makes that ioctl (CREATE, POPULATE, WRITE,
 * VCPU_SET, START, PCI_ASSIGN, PCI_RETURN, ...) fail with ERRNO; $FAKEHV_ABI overrides the ABI
 * version; $FAKEHV_INPUT_ROOM bounds the bytes one CONSOLE_INPUT takes.
 * /dev/kmsg is redirected to $FAKEHV_STATE.kmsg.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hv_ioctl.h"

#define NPART 8
#define CON_RING 4096
#define LOG_TEXT "hv: fake hypervisor\nhv: 4 CPUs online\nhv: pool 1024 MiB\n"

struct fpart {
	uint32_t used, id, state, outcome, restarts, vcpu0_set;
	struct hv_create c;
	uint64_t populated, started_ns, stop_ns, writes, bytes, sum, poweroff_at;
	struct hv_vcpu_state vcpu0;
	char stop_reason[128];
	char con[CON_RING];
	uint64_t con_head;
	char line[256];
	uint32_t line_len;
	uint64_t exits;
};

struct fpci {
	uint32_t bdf, state, owner, resets; /* state 0: the parent's */
	uint16_t vendor, device;
	uint32_t bridge;                    /* refused: EINVAL */
	uint32_t taken;                     /* refused, but held: EINVAL */
};

static const struct fpci fpci_init[] = {
	{ .bdf = 0x30, .vendor = 0x1af4, .device = 0x1000 },
	{ .bdf = 0x38, .vendor = 0x8086, .device = 0x10d3 },
	{ .bdf = 0x08, .vendor = 0x8086, .device = 0x29c0, .bridge = 1 },
	{ .bdf = 0x40, .vendor = 0x8086, .device = 0x100e, .taken = 1 },
};
#define NPCI (sizeof(fpci_init) / sizeof(fpci_init[0]))

struct fstate {
	uint32_t magic;
	uint32_t next_id;
	uint64_t next_seq;
	struct hv_event ev[HV_EVENTS_KEPT];
	uint64_t pool_total, pool_free;
	struct fpart p[NPART];
	struct fpci pci[NPCI];
};

static struct fstate *S;
static int lock_fd = -1;
static int fake_fds[64];
static uint64_t fake_pos[64];

static uint64_t now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void attach(void)
{
	const char *path = getenv("FAKEHV_STATE");
	if (S || !path)
		return;
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (ftruncate(fd, sizeof(struct fstate)))
		return;
	S = mmap(NULL, sizeof(*S), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (S == MAP_FAILED) {
		S = NULL;
		return;
	}
	lock_fd = fd;
	flock(lock_fd, LOCK_EX);
	if (S->magic != 0x46414b45) {
		memset(S, 0, sizeof(*S));
		S->magic = 0x46414b45;
		S->next_id = 1;
		S->next_seq = 1;
		S->pool_total = S->pool_free = 1024ull << 20;
		memcpy(S->pci, fpci_init, sizeof(S->pci));
	}
	flock(lock_fd, LOCK_UN);
}

static bool is_fake(int fd)
{
	return fd >= 0 && fd < 64 && fake_fds[fd];
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int mode = va_arg(ap, int);
	va_end(ap);

	if (getenv("FAKEHV_STATE") && !strcmp(path, "/dev/hv")) {
		attach();
		if (!S) {
			errno = EIO;
			return -1;
		}
		/* A real character device behind it, for fstat and poll. */
		int fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", flags, 0);
		if (fd >= 0 && fd < 64) {
			fake_fds[fd] = 1;
			fake_pos[fd] = S->next_seq; /* events after the open */
		}
		return fd;
	}
	if (getenv("FAKEHV_STATE") && !strcmp(path, "/dev/kmsg")) {
		char k[4096];
		snprintf(k, sizeof(k), "%s.kmsg", getenv("FAKEHV_STATE"));
		return (int)syscall(SYS_openat, AT_FDCWD, k, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				    0600);
	}
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int close(int fd)
{
	if (fd >= 0 && fd < 64)
		fake_fds[fd] = 0;
	return (int)syscall(SYS_close, fd);
}

/* ---- the model ----------------------------------------------------------- */

static struct fpart *by_id(uint32_t id)
{
	for (int i = 0; i < NPART; i++)
		if (S->p[i].used && S->p[i].id == id)
			return &S->p[i];
	return NULL;
}

static void event(struct fpart *p, uint32_t type, uint32_t action, const char *reason)
{
	struct hv_event *e = &S->ev[(S->next_seq - 1) % HV_EVENTS_KEPT];
	memset(e, 0, sizeof(*e));
	e->seq = S->next_seq++;
	e->time_ns = now();
	e->id = p->id;
	e->type = type;
	e->action = action;
	memcpy(e->name, p->c.name, HV_NAME_MAX);
	snprintf(e->reason, sizeof(e->reason), "%s", reason ? reason : "");
}

static void con_put(struct fpart *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p->con[p->con_head++ % CON_RING] = s[i];
}

static void con_puts(struct fpart *p, const char *s)
{
	con_put(p, s, strlen(s));
}

static struct fpci *fpci(uint32_t bdf)
{
	for (size_t i = 0; i < NPCI; i++)
		if (S->pci[i].bdf == bdf)
			return &S->pci[i];
	return NULL;
}

static void destroy(struct fpart *p)
{
	for (size_t i = 0; i < NPCI; i++)
		if (S->pci[i].state == HV_PCI_ASSIGNED && S->pci[i].owner == p->id) {
			S->pci[i].state = HV_PCI_ASSIGNABLE;
			S->pci[i].owner = 0;
			S->pci[i].resets++;
		}
	event(p, HV_EVENT_DESTROYED, 0, NULL);
	S->pool_free += p->c.memory_bytes;
	memset(p, 0, sizeof(*p));
}

/* An ending, and what its action makes of it. */
static void ending(struct fpart *p, uint32_t type, uint32_t outcome, uint8_t action,
		   const char *why)
{
	event(p, type, action, why);
	p->outcome = outcome;
	p->stop_ns = now();
	snprintf(p->stop_reason, sizeof(p->stop_reason), "%s", why);
	switch (action) {
	case HV_ACTION_DESTROY:
		destroy(p);
		break;
	case HV_ACTION_RESTART:
		p->state = HV_STATE_REBUILD;
		p->restarts++;
		p->vcpu0_set = 0;
		p->writes = p->bytes = p->sum = 0;
		break;
	default:
		p->state = HV_STATE_STOPPED;
		break;
	}
}

/* What happens with time: power-offs that were asked for. */
static void tick(void)
{
	for (int i = 0; i < NPART; i++) {
		struct fpart *p = &S->p[i];
		if (p->used && p->poweroff_at && now() >= p->poweroff_at) {
			p->poweroff_at = 0;
			con_puts(p, "reboot: Power down\r\n");
			ending(p, HV_EVENT_POWEROFF, HV_OUTCOME_POWEROFF, p->c.on_poweroff,
			       "ACPI S5");
		}
	}
}

static bool fail_injected(const char *name)
{
	const char *f = getenv("FAKEHV_FAIL");
	size_t n = strlen(name);
	if (!f || strncmp(f, name, n) || f[n] != ':')
		return false;
	errno = atoi(f + n + 1);
	return true;
}

static bool ram(const struct fpart *p, uint64_t gpa, uint64_t len)
{
	uint64_t mem = p->c.memory_bytes, low = mem < HV_LOW_RAM_MAX ? mem : HV_LOW_RAM_MAX;
	uint64_t high = mem - low;
	if (gpa < low)
		return len <= low - gpa;
	return gpa >= HV_HIGH_RAM_BASE && gpa - HV_HIGH_RAM_BASE < high &&
	       len <= high - (gpa - HV_HIGH_RAM_BASE);
}

#define FAIL(e) do { errno = (e); return -1; } while (0)

static struct fpart *live(uint32_t id)
{
	struct fpart *p = by_id(id);
	if (!p)
		errno = ENOENT;
	return p;
}

static struct fpart *buildable(uint32_t id)
{
	struct fpart *p = live(id);
	if (p && p->state != HV_STATE_CREATED && p->state != HV_STATE_REBUILD) {
		errno = EBUSY;
		return NULL;
	}
	return p;
}

static void status_of(const struct fpart *p, struct hv_partition_status *st)
{
	memset(st, 0, sizeof(*st));
	st->id = p->id;
	st->state = p->state;
	memcpy(st->name, p->c.name, HV_NAME_MAX);
	st->vcpus = p->c.vcpus;
	st->flags = p->c.flags & HV_CREATE_PLATFORM_PC ? HV_STATUS_PLATFORM_PC : 0;
	st->memory_bytes = p->c.memory_bytes;
	st->populated_bytes = p->populated;
	st->cpus = p->c.cpus;
	st->weight = p->c.weight ? p->c.weight : HV_WEIGHT_DEFAULT;
	st->cap = p->c.cap;
	st->outcome = p->outcome;
	st->restarts = p->restarts;
	st->on_poweroff = p->c.on_poweroff;
	st->on_reboot = p->c.on_reboot;
	st->on_crash = p->c.on_crash;
	if (p->state == HV_STATE_RUNNING || p->state == HV_STATE_PAUSED) {
		uint64_t up = now() - p->started_ns;
		st->uptime_ns = up;
		st->run_ns = up / 2 * p->c.vcpus; /* half a CPU per vCPU */
		st->wait_ns = up / 10;
		st->capped_ns = p->c.cap ? up / 20 : 0;
		for (uint32_t i = 0; i < p->c.vcpus && i < HV_VCPUS_MAX; i++)
			st->vcpu_run_ns[i] = up / 2;
		st->exits[0] = up / 1000000;   /* cpuid: 1000/s */
		st->exits[5] = up / 10000000;  /* hlt: 100/s */
		st->exits[21] = 7;             /* a reason the ABI has no name for */
	}
	snprintf(st->stop_reason, sizeof(st->stop_reason), "%s", p->stop_reason);
}

static int do_ioctl(int fd, unsigned long req, void *arg)
{
	(void)fd;
	tick();
	switch (req) {
	case HV_IOC_VERSION:
		*(hv_u32 *)arg = getenv("FAKEHV_ABI") ? (hv_u32)atoi(getenv("FAKEHV_ABI"))
						      : HV_ABI_VERSION;
		return 0;
	case HV_IOC_LIST: {
		struct hv_ioc_list *l = arg;
		uint32_t *ids = (uint32_t *)(uintptr_t)l->uaddr, n = 0;
		for (int i = 0; i < NPART; i++)
			if (S->p[i].used) {
				if (n < l->max)
					ids[n] = S->p[i].id;
				n++;
			}
		l->count = n;
		return 0;
	}
	case HV_IOC_STATUS: {
		struct hv_ioc_status *s = arg;
		struct fpart *p = live(s->id);
		if (!p)
			return -1;
		status_of(p, &s->status);
		return 0;
	}
	case HV_IOC_CREATE: {
		struct hv_ioc_create *c = arg;
		if (fail_injected("CREATE"))
			return -1;
		for (int i = 0; i < NPART; i++)
			if (S->p[i].used && !strcmp(S->p[i].c.name, c->create.name))
				FAIL(EEXIST);
		if (c->create.memory_bytes > S->pool_free)
			FAIL(ENOMEM);
		if (c->create.cpus && !(c->create.cpus & 0xf))
			FAIL(EINVAL); /* 4 CPUs online */
		for (int i = 0; i < NPART; i++) {
			struct fpart *p = &S->p[i];
			if (p->used)
				continue;
			memset(p, 0, sizeof(*p));
			p->used = 1;
			p->id = S->next_id++;
			p->c = c->create;
			p->state = HV_STATE_CREATED;
			S->pool_free -= c->create.memory_bytes;
			c->id = p->id;
			event(p, HV_EVENT_CREATED, 0, NULL);
			return 0;
		}
		FAIL(ENOSPC);
	}
	case HV_IOC_POPULATE: {
		struct fpart *p = buildable(*(hv_u32 *)arg);
		if (!p || fail_injected("POPULATE"))
			return -1;
		p->populated = p->c.memory_bytes;
		return 0;
	}
	case HV_IOC_WRITE: {
		struct hv_ioc_write *w = arg;
		struct fpart *p = buildable(w->id);
		if (!p || fail_injected("WRITE"))
			return -1;
		if (p->populated < p->c.memory_bytes || !ram(p, w->gpa, w->len))
			FAIL(EFAULT);
		const uint8_t *b = (const uint8_t *)(uintptr_t)w->uaddr;
		for (uint64_t i = 0; i < w->len; i++)
			p->sum += b[i];
		p->writes++;
		p->bytes += w->len;
		return 0;
	}
	case HV_IOC_VCPU_SET: {
		struct hv_ioc_vcpu *v = arg;
		struct fpart *p = buildable(v->id);
		if (!p || fail_injected("VCPU_SET"))
			return -1;
		if (v->vcpu >= p->c.vcpus || v->state.mode > HV_MODE_LONG)
			FAIL(EINVAL);
		if (v->state.mode == HV_MODE_LONG && !ram(p, v->state.cr3, 4096))
			FAIL(EINVAL);
		if (v->vcpu == 0) {
			p->vcpu0 = v->state;
			p->vcpu0_set = 1;
		}
		return 0;
	}
	case HV_IOC_START: {
		struct fpart *p = buildable(*(hv_u32 *)arg);
		if (!p || fail_injected("START"))
			return -1;
		if (p->populated < p->c.memory_bytes)
			FAIL(EBUSY);
		p->state = HV_STATE_RUNNING;
		p->started_ns = now();
		p->stop_reason[0] = 0;
		event(p, HV_EVENT_STARTED, 0, NULL);
		char b[256];
		snprintf(b, sizeof(b), "fake boot: %s, %llu bytes in %llu writes, entry 0x%llx\r\n"
			 "login: ", p->c.name, (unsigned long long)p->bytes,
			 (unsigned long long)p->writes, (unsigned long long)p->vcpu0.rip);
		con_puts(p, b);
		return 0;
	}
	case HV_IOC_PAUSE:
	case HV_IOC_RESUME: {
		struct fpart *p = live(*(hv_u32 *)arg);
		if (!p)
			return -1;
		bool pause = req == HV_IOC_PAUSE;
		if (p->state != (pause ? HV_STATE_RUNNING : HV_STATE_PAUSED))
			FAIL(EBUSY);
		p->state = pause ? HV_STATE_PAUSED : HV_STATE_RUNNING;
		event(p, pause ? HV_EVENT_PAUSED : HV_EVENT_RESUMED, 0, NULL);
		return 0;
	}
	case HV_IOC_SHUTDOWN: {
		struct fpart *p = live(*(hv_u32 *)arg);
		if (!p)
			return -1;
		if (p->state != HV_STATE_RUNNING)
			FAIL(EBUSY);
		if (!(p->c.flags & HV_CREATE_PLATFORM_PC))
			FAIL(ENOSYS);
		event(p, HV_EVENT_SHUTDOWN_REQUESTED, 0, NULL);
		size_t n = strlen(p->c.name);
		if (n < 5 || strcmp(p->c.name + n - 5, "-deaf"))
			p->poweroff_at = now() + 300000000ull;
		return 0;
	}
	case HV_IOC_RESET: {
		struct fpart *p = live(*(hv_u32 *)arg);
		if (!p)
			return -1;
		if (p->state != HV_STATE_RUNNING && p->state != HV_STATE_PAUSED)
			FAIL(EBUSY);
		ending(p, HV_EVENT_REBOOTED, HV_OUTCOME_REBOOT, p->c.on_reboot,
		       "reset by the parent");
		return 0;
	}
	case HV_IOC_DESTROY: {
		struct fpart *p = live(*(hv_u32 *)arg);
		if (!p)
			return -1;
		destroy(p);
		return 0;
	}
	case HV_IOC_SCHED: {
		struct hv_ioc_sched *s = arg;
		struct fpart *p = live(s->id);
		if (!p)
			return -1;
		if (s->weight > HV_WEIGHT_MAX ||
		    (s->cap != HV_IOC_CAP_KEEP && s->cap > 100 * p->c.vcpus))
			FAIL(EINVAL);
		if (s->weight)
			p->c.weight = s->weight;
		if (s->cap != HV_IOC_CAP_KEEP)
			p->c.cap = s->cap;
		return 0;
	}
	case HV_IOC_CONSOLE_READ: {
		struct hv_ioc_ring *r = arg;
		struct fpart *p = live(r->id);
		if (!p)
			return -1;
		uint64_t oldest = p->con_head > CON_RING ? p->con_head - CON_RING : 0;
		uint64_t at = r->pos < oldest ? oldest : r->pos > p->con_head ? p->con_head : r->pos;
		uint32_t n = 0, len = r->len < HV_WRITE_MAX ? r->len : HV_WRITE_MAX;
		char *buf = (char *)(uintptr_t)r->uaddr;
		r->pos = at;
		for (; at < p->con_head && n < len; at++)
			buf[n++] = p->con[at % CON_RING];
		r->end = p->con_head;
		return (int)n;
	}
	case HV_IOC_CONSOLE_INPUT: {
		struct hv_ioc_input *in = arg;
		struct fpart *p = live(in->id);
		if (!p)
			return -1;
		if (in->len > HV_INPUT_MAX)
			FAIL(E2BIG);
		if (!(p->c.flags & HV_CREATE_PLATFORM_PC))
			FAIL(ENOSYS);
		if (p->state != HV_STATE_RUNNING)
			return 0;
		uint32_t room = getenv("FAKEHV_INPUT_ROOM") ? (uint32_t)atoi(getenv("FAKEHV_INPUT_ROOM"))
							    : HV_INPUT_MAX;
		uint32_t n = in->len < room ? in->len : room;
		const char *b = (const char *)(uintptr_t)in->uaddr;
		for (uint32_t i = 0; i < n; i++) {
			char ch = b[i];
			if (ch == '\r' || ch == '\n') {
				char out[320];
				p->line[p->line_len] = 0;
				snprintf(out, sizeof(out), "\r\nran: %s\r\nlogin: ", p->line);
				con_puts(p, out);
				p->line_len = 0;
			} else {
				con_put(p, &ch, 1);
				if (p->line_len < sizeof(p->line) - 1)
					p->line[p->line_len++] = ch;
			}
		}
		return (int)n;
	}
	case HV_IOC_LOG_READ: {
		struct hv_ioc_ring *r = arg;
		const char *log = LOG_TEXT;
		uint64_t n = strlen(log), at = r->pos < n ? r->pos : n;
		uint64_t k = n - at < r->len ? n - at : r->len;
		memcpy((char *)(uintptr_t)r->uaddr, log + at, k);
		r->pos = at;
		r->end = n;
		return (int)k;
	}
	case HV_IOC_POOL: {
		struct hv_pool_info *pi = arg;
		memset(pi, 0, sizeof(*pi));
		pi->total_bytes = S->pool_total;
		pi->free_bytes = S->pool_free;
		pi->reserved_bytes = 32ull << 20;
		pi->cpus = 4;
		for (int i = 0; i < NPART; i++)
			pi->partitions += S->p[i].used;
		return 0;
	}
	case HV_IOC_PCI_ASSIGN: {
		struct hv_ioc_pci_assign *a = arg;
		if (fail_injected("PCI_ASSIGN"))
			return -1;
		struct fpart *p = buildable(a->id);
		if (!p)
			return -1;
		struct fpci *f = fpci(a->bdf);
		if (!f)
			FAIL(ENOENT);
		if (f->bridge)
			FAIL(EINVAL);
		if (f->state == HV_PCI_ASSIGNED)
			FAIL(EBUSY);
		if (f->taken) {
			f->state = HV_PCI_ASSIGNABLE;
			FAIL(EINVAL);
		}
		f->state = HV_PCI_ASSIGNED;
		f->owner = p->id;
		return 0;
	}
	case HV_IOC_PCI_RETURN: {
		struct fpci *f = fpci(*(hv_u32 *)arg);
		if (fail_injected("PCI_RETURN"))
			return -1;
		if (!f || !f->state)
			FAIL(ENOENT);
		if (f->state == HV_PCI_ASSIGNED)
			FAIL(EBUSY);
		f->state = 0;
		return 0;
	}
	case HV_IOC_PCI_LIST: {
		struct hv_ioc_pci_list *l = arg;
		memset(l, 0, sizeof(*l));
		for (size_t i = 0; i < NPCI; i++) {
			const struct fpci *f = &S->pci[i];
			if (!f->state)
				continue;
			struct hv_pci_dev *d = &l->dev[l->count++];
			d->bdf = f->bdf;
			d->state = f->state;
			d->owner = f->owner;
			d->vendor = f->vendor;
			d->device = f->device;
			d->resets = f->resets;
			/* What the hypervisor reports of an assigned function's
			 * BARs: 16 KiB mapped, 7 accesses forwarded (all to the
			 * MSI-X table); the count stays after the owner goes. */
			d->mapped_kib = f->state == HV_PCI_ASSIGNED ? 16 : 0;
			d->forwarded = d->msix_traps = 7;
		}
		return 0;
	}
	case HV_IOC_EVENTS_FROM: {
		hv_u64 from = *(hv_u64 *)arg;
		if (fd >= 0 && fd < 64)
			fake_pos[fd] = from ? from : 1;
		return 0;
	}
	default:
		FAIL(ENOTTY);
	}
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);

	if (!is_fake(fd) || !S)
		return (int)syscall(SYS_ioctl, fd, req, arg);
	flock(lock_fd, LOCK_EX);
	int r = do_ioctl(fd, req, arg);
	int e = errno;
	flock(lock_fd, LOCK_UN);
	errno = e;
	return r;
}

ssize_t read(int fd, void *buf, size_t n)
{
	if (!is_fake(fd) || !S)
		return syscall(SYS_read, fd, buf, n);
	flock(lock_fd, LOCK_EX);
	tick();
	uint64_t oldest = S->next_seq > HV_EVENTS_KEPT ? S->next_seq - HV_EVENTS_KEPT : 1;
	if (fake_pos[fd] < oldest)
		fake_pos[fd] = oldest;
	size_t k = 0;
	struct hv_event *out = buf;
	while (fake_pos[fd] < S->next_seq && (k + 1) * sizeof(*out) <= n) {
		out[k++] = S->ev[(fake_pos[fd] - 1) % HV_EVENTS_KEPT];
		fake_pos[fd]++;
	}
	flock(lock_fd, LOCK_UN);
	if (!k) {
		errno = EAGAIN; /* every fake file is non-blocking */
		return -1;
	}
	return (ssize_t)(k * sizeof(*out));
}
