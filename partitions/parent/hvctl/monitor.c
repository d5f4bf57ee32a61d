// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-child monitor (as xl's per-domain daemon): `create` forks it
 * when a child's definition restarts it on some ending. It keeps the
 * definition in memory, follows the hypervisor's events on its own
 * /dev/hv file and, whenever its child waits in HV_STATE_REBUILD (it
 * rebooted, crashed or powered off with HV_ACTION_RESTART: memory
 * scrubbed, vCPUs reset), reads the images again, writes them and vCPU 0
 * (build_load) and starts it. It ends when its child is destroyed (or its
 * id names another partition). Killing it never touches the child: the
 * child merely stays in HV_STATE_REBUILD at its next restart.
 *
 * It logs to the kernel log (/dev/kmsg: dmesg shows it) since it has no
 * terminal; events alone are not trusted to arrive (the ring keeps 256),
 * so the child's status is checked at every wakeup and every 2 s.
 */
#include "cfg.h"
#include "dev.h"
#include "hvctl.h"
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POLL_MS 2000
#define LOOP_RESTARTS 10           /* this many restarts ... */
#define LOOP_WINDOW_NS (60ull * 1000000000ull) /* ... within this: give up */

struct monitor {
	int fd;                   /* for the calls */
	int ev_fd;                /* for events, non-blocking */
	uint32_t id;
	char name[HV_NAME_MAX];
	const char *file;
	struct cfg *c;
	bool pc;
	uint64_t restarts[LOOP_RESTARTS]; /* times of the latest, a ring */
	unsigned nrestarts;
};

/* Its lines in the kernel log: "hvctl: NAME: ...". */
#define mlog(m, level, ...) daemon_log(level, (m)->name, __VA_ARGS__)


static bool same_child(const struct monitor *m, uint32_t id, const char *name)
{
	return id == m->id && !strncmp(name, m->name, HV_NAME_MAX);
}

static void give_up(struct monitor *m)
{
	for (int tries = 0; tries < 100; tries++) {
		hv_u32 arg = m->id;
		if (!hv_ioctl(m->fd, HV_IOC_DESTROY, &arg) || errno == ENOENT)
			return;
		if (errno != EAGAIN && errno != EBUSY && errno != EINTR)
			break;
		sleep_ns(100000000ull);
	}
	mlog(m, 3, "cannot destroy it either: %s", hv_strerror(errno));
}

/* Loads and starts the child again; false when it was given up. */
static bool rebuild(struct monitor *m, const struct hv_partition_status *st)
{
	char err[CFG_ERR_MAX + CFG_PATH_MAX];
	struct image img;
	const char *what = NULL;
	uint64_t now = now_ns();

	/* A child that restarts this often is stuck in a loop. */
	if (m->nrestarts >= LOOP_RESTARTS &&
	    now - m->restarts[m->nrestarts % LOOP_RESTARTS] < LOOP_WINDOW_NS) {
		mlog(m, 3, "restarted %u times within a minute: giving up and destroying it",
		     LOOP_RESTARTS);
		give_up(m);
		return false;
	}
	m->restarts[m->nrestarts++ % LOOP_RESTARTS] = now;

	if (image_prepare(m->file, m->c, m->pc, &img, err, sizeof(err))) {
		mlog(m, 3, "cannot restart it: %s; destroying it", err);
		give_up(m);
		return false;
	}
	int r = build_load(m->fd, m->id, &img.plan, &what);
	int e = errno;
	image_release(&img);
	if (r) {
		if (e == ENOENT)
			return false;
		mlog(m, 3, "cannot restart it: writing its %s failed: %s; destroying it", what,
		     hv_strerror(e));
		give_up(m);
		return false;
	}
	hv_u32 arg = m->id;
	if (hv_ioctl(m->fd, HV_IOC_START, &arg)) {
		e = errno;
		if (e == ENOENT)
			return false;
		mlog(m, 3, "cannot restart it: starting it failed: %s; destroying it",
		     hv_strerror(e));
		give_up(m);
		return false;
	}
	mlog(m, 5, "restarted after %s (restart %u)",
	     st->outcome == HV_OUTCOME_CRASH ? "a crash" :
	     st->outcome == HV_OUTCOME_POWEROFF ? "a power-off" : "a reboot", st->restarts);
	return true;
}

static void monitor_loop(struct monitor *m)
{
	struct hv_event ev[16];

	for (;;) {
		struct pollfd p = { .fd = m->ev_fd, .events = POLLIN };
		int r = poll(&p, 1, POLL_MS);
		if (r < 0 && errno != EINTR)
			sleep_ns(1000000000ull);
		if (r > 0) {
			ssize_t n = read(m->ev_fd, ev, sizeof(ev));
			if (n < 0) /* EPOLLERR, or a poll that says ready for nothing */
				sleep_ns(errno == EAGAIN ? 200000000ull : 1000000000ull);
			for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof(ev[0]); i++)
				if (ev[i].type == HV_EVENT_DESTROYED &&
				    same_child(m, ev[i].id, ev[i].name))
					return;
		}
		struct hv_partition_status st;
		char nb[HV_NAME_MAX];
		if (hv_status(m->fd, m->id, &st)) {
			if (errno == ENOENT)
				return;
			continue;
		}
		if (!same_child(m, st.id, hv_name(&st, nb)))
			return; /* destroyed, and the id reused */
		if (st.state == HV_STATE_REBUILD && !rebuild(m, &st))
			return;
	}
}

/* Absolute paths, so the daemon can leave the caller's directory. */
static void absolute(char *path)
{
	char buf[PATH_MAX];

	if (path[0] && path[0] != '/' && realpath(path, buf) && strlen(buf) < CFG_PATH_MAX)
		strcpy(path, buf);
}

struct monitor_args {
	uint32_t id;
	const char *name, *file;
	const struct cfg *c;
	bool pc;
	struct monitor m;
	char abs_file[PATH_MAX];
};

static int monitor_setup(void *arg)
{
	struct monitor_args *a = arg;
	struct monitor *m = &a->m;

	*m = (struct monitor){ .id = a->id, .c = calloc(1, sizeof(*a->c)), .pc = a->pc };
	snprintf(m->name, sizeof(m->name), "%s", a->name);
	if (!m->c)
		return ENOMEM;
	*m->c = *a->c;
	absolute(m->c->kernel);
	absolute(m->c->ramdisk);
	m->file = realpath(a->file, a->abs_file) ? a->abs_file : a->file;
	m->ev_fd = hv_open_flags(O_NONBLOCK);
	m->fd = m->ev_fd < 0 ? -1 : hv_open();
	return m->fd < 0 ? ENODEV : 0;
}

static void monitor_run(void *arg)
{
	struct monitor *m = &((struct monitor_args *)arg)->m;

	mlog(m, 6, "monitor %d follows partition %u", (int)getpid(), m->id);
	monitor_loop(m);
}

int monitor_spawn(uint32_t id, const char *name, const char *file, const struct cfg *c, bool pc)
{
	static struct monitor_args a;
	char comm[16];

	a = (struct monitor_args){ .id = id, .name = name, .file = file, .c = c, .pc = pc };
	snprintf(comm, sizeof(comm), "hvmon-%s", name);
	return daemon_spawn(comm, monitor_setup, monitor_run, &a);
}
