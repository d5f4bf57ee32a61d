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
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
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

__attribute__((format(printf, 3, 4)))
static void mlog(const struct monitor *m, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n = snprintf(line, sizeof(line), "<%d>hvctl: %s: ", level, m->name);

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	int k = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (k >= 0) {
		if (write(k, line, strlen(line)) < 0) {
			/* nowhere else to say it */
		}
		close(k);
	}
}

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

int monitor_spawn(uint32_t id, const char *name, const char *file, const struct cfg *c, bool pc)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		/* Detached from the terminal and the caller: a session of its
		 * own, and a second fork so init adopts it. */
		close(p[0]);
		if (setsid() < 0)
			_exit(1);
		pid_t g = fork();
		if (g)
			_exit(g < 0);
		signal(SIGHUP, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		struct monitor m = { .id = id, .c = calloc(1, sizeof(*c)), .pc = pc };
		char abs_file[PATH_MAX];
		snprintf(m.name, sizeof(m.name), "%s", name);
		if (!m.c)
			_exit(1);
		*m.c = *c;
		absolute(m.c->kernel);
		absolute(m.c->ramdisk);
		m.file = realpath(file, abs_file) ? abs_file : file;
		m.ev_fd = hv_open_flags(O_NONBLOCK);
		m.fd = m.ev_fd < 0 ? -1 : hv_open();
		if (m.fd < 0)
			_exit(1);
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			if (nul > 2)
				close(nul);
		}
		if (chdir("/")) {
			/* stays where it was */
		}
		char comm[16];
		snprintf(comm, sizeof(comm), "hvmon-%s", name);
		prctl(PR_SET_NAME, comm, 0, 0, 0);
		if (write(p[1], "k", 1) != 1)
			_exit(1);
		close(p[1]);
		mlog(&m, 6, "monitor %d follows partition %u", (int)getpid(), id);
		monitor_loop(&m);
		_exit(0);
	}
	close(p[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	char ch = 0;
	ssize_t n;
	do
		n = read(p[0], &ch, 1);
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == 1 && ch == 'k')
		return 0;
	errno = ECHILD;
	return -1;
}
