// SPDX-License-Identifier: GPL-2.0-only
/*
 * Commands that act on one partition: pause, resume, shutdown, reboot,
 * destroy, sched. Quiet on success (as xl), one line on failure.
 */
#include "dev.h"
#include "fmt.h"
#include "hvctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Parses NAME (and the given options), opens the device, finds it. */
static int one(int argc, char **argv, const struct opt *opts, struct optval *v, int *fd,
	       struct hv_partition_status *st, char name[HV_NAME_MAX])
{
	const char *pos[1];
	int n = args_parse(argc, argv, opts, v, pos, 1, 1, "NAME");

	if (n < 0)
		return n == -2 ? -2 : EXIT_USAGE;
	*fd = hv_open();
	if (*fd < 0 || hv_find(*fd, pos[0], st))
		return EXIT_FAIL;
	hv_name(st, name);
	return 0;
}

#define ONE(opts, v)                                                             \
	do {                                                                     \
		int r_ = one(argc, argv, opts, v, &fd, &st, name);               \
		if (r_)                                                          \
			return r_ == -2 ? EXIT_OK : r_;                          \
	} while (0)

static int simple(int argc, char **argv, unsigned long req, const char *verb)
{
	struct hv_partition_status st;
	char name[HV_NAME_MAX];
	int fd;

	ONE(NULL, NULL);
	hv_u32 arg = st.id;
	if (hv_ioctl(fd, req, &arg)) {
		hv_report(fd, verb, name, st.id, errno);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_pause(int argc, char **argv)
{
	return simple(argc, argv, HV_IOC_PAUSE, "pause");
}

int cmd_resume(int argc, char **argv)
{
	return simple(argc, argv, HV_IOC_RESUME, "resume");
}

int cmd_reboot(int argc, char **argv)
{
	return simple(argc, argv, HV_IOC_RESET, "reboot");
}

int cmd_destroy(int argc, char **argv)
{
	struct hv_partition_status st;
	char name[HV_NAME_MAX];
	int fd;

	ONE(NULL, NULL);
	if (st.flags & HV_STATUS_PARENT) {
		errmsg("cannot destroy '%s': it is the parent partition", name);
		return EXIT_FAIL;
	}
	/* The driver repeats the hypervisor's share of the work; a busy
	 * hypervisor is waited out (up to a minute). */
	uint64_t deadline = now_ns() + 60ull * 1000000000ull;
	for (;;) {
		hv_u32 arg = st.id;
		if (!hv_ioctl(fd, HV_IOC_DESTROY, &arg) || errno == ENOENT)
			return EXIT_OK;
		int e = errno;
		if ((e != EAGAIN && e != EBUSY && e != EINTR) || now_ns() > deadline ||
		    stop_requested) {
			hv_report(fd, "destroy", name, st.id, e);
			return EXIT_FAIL;
		}
		sleep_ns(50000000ull);
	}
}

/* How an ending shows in the child's status, compared with before. */
static int ended(const struct hv_partition_status *before, const struct hv_partition_status *now)
{
	if (now->restarts != before->restarts || now->state == HV_STATE_STOPPED ||
	    now->state == HV_STATE_REBUILD || now->state == HV_STATE_DYING)
		return (int)now->outcome;
	return -1;
}

/* The first ending of partition before->id among the waiting events,
 * as an HV_OUTCOME_*, or -1. */
static int scan_events(int fd, const struct hv_partition_status *before, const char *name,
		       char *reason, size_t rlen)
{
	struct hv_event ev[16];
	int outcome = -1;

	for (;;) {
		ssize_t n = read(fd, ev, sizeof(ev));
		if (n <= 0)
			return outcome;
		for (ssize_t i = 0; i < n / (ssize_t)sizeof(ev[0]) && outcome < 0; i++) {
			if (ev[i].id != before->id || strncmp(ev[i].name, name, HV_NAME_MAX))
				continue;
			switch (ev[i].type) {
			case HV_EVENT_POWEROFF: outcome = HV_OUTCOME_POWEROFF; break;
			case HV_EVENT_REBOOTED: outcome = HV_OUTCOME_REBOOT; break;
			case HV_EVENT_CRASHED: outcome = HV_OUTCOME_CRASH; break;
			case HV_EVENT_STOPPED: outcome = HV_OUTCOME_EXIT; break;
			case HV_EVENT_DESTROYED: outcome = HV_OUTCOME_DESTROYED; break;
			default: continue;
			}
			fmt_safe(ev[i].reason, sizeof(ev[i].reason), reason, rlen);
		}
		if (outcome >= 0)
			return outcome;
	}
}

static int shutdown_wait(int fd, const struct hv_partition_status *before, const char *name,
			 double timeout)
{
	uint64_t start = now_ns(), deadline = start + (uint64_t)(timeout * 1e9);
	int outcome = -1;
	char reason[128] = "";

	catch_stop_signals();
	while (outcome < 0 && !stop_requested) {
		uint64_t now = now_ns();
		if (now >= deadline)
			break;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t left_ms = (deadline - now) / 1000000 + 1;
		if (poll(&p, 1, left_ms < 250 ? (int)left_ms : 250) > 0 &&
		    (outcome = scan_events(fd, before, name, reason, sizeof(reason))) < 0)
			sleep_ns(50000000ull); /* a poll that says ready with nothing to read */
		if (outcome >= 0)
			break;
		/* Events may be lost (the ring keeps 256): the status says too.
		 * It may also have ended just now: its events first. */
		struct hv_partition_status st;
		char nb[HV_NAME_MAX];
		bool gone = false;
		if (hv_status(fd, before->id, &st))
			gone = errno == ENOENT;
		else if (strcmp(hv_name(&st, nb), name))
			gone = true; /* and the id reused */
		else
			outcome = ended(before, &st);
		if (gone) {
			outcome = scan_events(fd, before, name, reason, sizeof(reason));
			if (outcome < 0)
				outcome = HV_OUTCOME_DESTROYED;
		}
	}
	double took = (double)(now_ns() - start) / 1e9;
	switch (outcome) {
	case HV_OUTCOME_POWEROFF:
		printf("%s: powered off after %.1f s\n", name, took);
		return EXIT_OK;
	case HV_OUTCOME_EXIT:
		printf("%s: stopped after %.1f s%s%s\n", name, took, reason[0] ? ": " : "", reason);
		return EXIT_OK;
	case HV_OUTCOME_REBOOT:
		errmsg("'%s' rebooted instead of powering off", name);
		return EXIT_FAIL;
	case HV_OUTCOME_CRASH:
		errmsg("'%s' crashed while shutting down%s%s", name, reason[0] ? ": " : "", reason);
		return EXIT_FAIL;
	case HV_OUTCOME_DESTROYED:
		errmsg("'%s' was destroyed before it powered off", name);
		return EXIT_FAIL;
	case HV_OUTCOME_TIMEOUT:
		errmsg("'%s' timed out while shutting down", name);
		return EXIT_FAIL;
	default:
		break;
	}
	if (stop_requested) {
		errmsg("stopped waiting for '%s' to power off after %.1f s", name, took);
		return EXIT_FAIL;
	}
	errmsg("'%s' did not power off within %g s (does its OS handle the ACPI power "
	       "button?); 'hvctl destroy %s' stops it", name, timeout, name);
	return EXIT_FAIL;
}

int cmd_shutdown(int argc, char **argv)
{
	static const struct opt opts[] = {
		{ "wait", 'w', false },
		{ "timeout", 't', true },
		{ NULL, 0, false },
	};
	struct optval v[2] = { { 0 } };
	const char *pos[1];
	struct hv_partition_status st;
	char name[HV_NAME_MAX];
	double timeout = 60;
	int n = args_parse(argc, argv, opts, v, pos, 1, 1, "NAME");

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	if (v[1].set && arg_seconds(argv[0], "--timeout", v[1].arg, 0.1, 86400, &timeout))
		return EXIT_USAGE;
	bool wait = v[0].set || v[1].set; /* --timeout implies -w */
	/* This file's events start at its open: before the button. */
	int fd = hv_open();
	if (fd < 0 || hv_find(fd, pos[0], &st))
		return EXIT_FAIL;
	hv_name(&st, name);
	hv_u32 arg = st.id;
	if (hv_ioctl(fd, HV_IOC_SHUTDOWN, &arg)) {
		if (errno == ENOSYS)
			errmsg("cannot shut down '%s': it has no power button (platform none); "
			       "'hvctl destroy %s' stops it", name, name);
		else
			hv_report(fd, "shut down", name, st.id, errno);
		return EXIT_FAIL;
	}
	if (!wait)
		return EXIT_OK;
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK); /* reads never wait past the timeout */
	return shutdown_wait(fd, &st, name, timeout);
}

int cmd_sched(int argc, char **argv)
{
	static const struct opt opts[] = {
		{ "weight", 'w', true },
		{ "cap", 'c', true },
		{ NULL, 0, false },
	};
	struct optval v[2] = { { 0 } };
	const char *pos[1];
	struct hv_partition_status st;
	char name[HV_NAME_MAX];
	uint64_t weight = 0, cap = HV_IOC_CAP_KEEP;
	int n = args_parse(argc, argv, opts, v, pos, 1, 1, "NAME");

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	if (v[0].set && arg_uint(argv[0], "--weight", v[0].arg, 1, HV_WEIGHT_MAX, &weight))
		return EXIT_USAGE;
	if (v[1].set && arg_uint(argv[0], "--cap", v[1].arg, 0, 100ull * HV_VCPUS_MAX, &cap))
		return EXIT_USAGE;
	int fd = hv_open();
	if (fd < 0 || hv_find(fd, pos[0], &st))
		return EXIT_FAIL;
	hv_name(&st, name);
	if (!v[0].set && !v[1].set) {
		if (st.cap)
			printf("%s: weight %u, cap %u%%\n", name, st.weight, st.cap);
		else
			printf("%s: weight %u, cap none\n", name, st.weight);
		return EXIT_OK;
	}
	if (v[1].set && cap > 100ull * st.vcpus) {
		errmsg("cannot set the cap of '%s' to %llu%%: its %u vCPU%s can use at most %u%%",
		       name, (unsigned long long)cap, st.vcpus, st.vcpus == 1 ? "" : "s",
		       100u * st.vcpus);
		return EXIT_FAIL;
	}
	struct hv_ioc_sched req = { .id = st.id, .weight = (uint32_t)weight, .cap = (uint32_t)cap };
	if (hv_ioctl(fd, HV_IOC_SCHED, &req)) {
		hv_report(fd, "change the scheduling of", name, st.id, errno);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
