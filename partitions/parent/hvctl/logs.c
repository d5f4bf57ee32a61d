// SPDX-License-Identifier: GPL-2.0-only
/* `hvctl dmesg`, `hvctl events`, `hvctl pool`: the hypervisor's log, its
 * events, its memory pool. */
#include "cfg.h"
#include "dev.h"
#include "fmt.h"
#include "hvctl.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_BUF 65536
#define FOLLOW_MS 200

int cmd_dmesg(int argc, char **argv)
{
	static const struct opt opts[] = { { "follow", 'f', false }, { NULL, 0, false } };
	static unsigned char buf[LOG_BUF];
	struct optval v[1] = { { 0 } };
	uint64_t pos = 0;
	int n = args_parse(argc, argv, opts, v, NULL, 0, 0, NULL);

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	int fd = hv_open();
	if (fd < 0)
		return EXIT_FAIL;
	catch_stop_signals();
	while (!stop_requested) {
		struct hv_ioc_ring r = { .len = sizeof(buf), .pos = pos, .uaddr = (uintptr_t)buf };
		int got = hv_ioctl(fd, HV_IOC_LOG_READ, &r);
		if (got < 0) {
			if (errno == EINTR)
				break;
			errmsg("cannot read the hypervisor's log: %s", hv_strerror(errno));
			return EXIT_FAIL;
		}
		if (r.pos > pos && pos)
			fprintf(stderr, "hvctl: %llu bytes of the log were lost (the ring "
				"overflowed)\n", (unsigned long long)(r.pos - pos));
		if (got > (int)sizeof(buf))
			got = (int)sizeof(buf);
		if (got && fwrite(buf, 1, (size_t)got, stdout) != (size_t)got)
			return EXIT_FAIL;
		pos = r.pos + (uint64_t)got;
		if (got && pos < r.end)
			continue;
		if (!v[0].set)
			break;
		fflush(stdout);
		poll(NULL, 0, FOLLOW_MS);
	}
	return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
}

static void event_time(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%llu.%06llu", (unsigned long long)(ns / 1000000000ull),
		 (unsigned long long)(ns / 1000ull % 1000000ull));
}

static bool has_action(uint32_t type)
{
	return type == HV_EVENT_REBOOTED || type == HV_EVENT_POWEROFF || type == HV_EVENT_CRASHED;
}

static void event_json(struct json *j, const struct hv_event *e)
{
	json_obj_begin(j);
	json_key(j, "seq");
	json_u64(j, e->seq);
	json_key(j, "time_ns");
	json_u64(j, e->time_ns);
	json_key(j, "id");
	json_u64(j, e->id);
	json_key(j, "name");
	json_strn(j, e->name, sizeof(e->name));
	json_key(j, "type");
	json_str(j, fmt_event(e->type));
	if (has_action(e->type)) {
		json_key(j, "action");
		json_str(j, cfg_action_name(e->action));
	}
	json_key(j, "reason");
	json_strn(j, e->reason, sizeof(e->reason));
	json_obj_end(j);
}

static void event_text(const struct hv_event *e)
{
	char t[32], name[HV_NAME_MAX], reason[sizeof(e->reason)];

	event_time(e->time_ns, t, sizeof(t));
	fmt_safe(e->name, sizeof(e->name), name, sizeof(name));
	fmt_safe(e->reason, sizeof(e->reason), reason, sizeof(reason));
	printf("%6llu %14s %3u %-16s %-18s %-8s %s\n", (unsigned long long)e->seq, t, e->id, name,
	       fmt_event(e->type), has_action(e->type) ? cfg_action_name(e->action) : "-",
	       reason[0] ? reason : "-");
}

int cmd_events(int argc, char **argv)
{
	static const struct opt opts[] = {
		{ "json", 'j', false },
		{ "follow", 'f', false },
		{ NULL, 0, false },
	};
	struct optval v[2] = { { 0 } };
	struct hv_event ev[32];
	struct json j;
	bool json = false, follow = false;
	int n = args_parse(argc, argv, opts, v, NULL, 0, 0, NULL);

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	json = v[0].set;
	follow = v[1].set;
	int fd = hv_open_flags(O_NONBLOCK);
	if (fd < 0)
		return EXIT_FAIL;
	hv_u64 from = 1; /* every event the hypervisor keeps */
	if (hv_ioctl(fd, HV_IOC_EVENTS_FROM, &from)) {
		errmsg("cannot read the hypervisor's events: %s", hv_strerror(errno));
		return EXIT_FAIL;
	}
	catch_stop_signals();
	/* One JSON document; followed, one object per line (JSON Lines). */
	json_init(&j, stdout, !follow);
	if (json && !follow)
		json_arr_begin(&j);
	if (!json)
		printf("%6s %14s %3s %-16s %-18s %-8s %s\n", "SEQ", "TIME", "ID", "NAME", "EVENT",
		       "ACTION", "REASON");
	int rc = EXIT_OK;
	while (!stop_requested) {
		ssize_t got = read(fd, ev, sizeof(ev));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno != EAGAIN) {
			errmsg("cannot read the hypervisor's events: %s", hv_strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
		if (got > 0) {
			for (ssize_t i = 0; i < got / (ssize_t)sizeof(ev[0]); i++) {
				if (!json) {
					event_text(&ev[i]);
				} else if (follow) {
					json_init(&j, stdout, false);
					event_json(&j, &ev[i]);
					json_end(&j);
				} else {
					event_json(&j, &ev[i]);
				}
			}
			continue;
		}
		if (!follow)
			break;
		if (fflush(stdout)) {
			rc = EXIT_FAIL;
			break;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 1000) > 0 && !(p.revents & POLLIN))
			poll(NULL, 0, FOLLOW_MS); /* an error state: do not spin */
	}
	if (json && !follow) {
		json_arr_end(&j);
		json_end(&j);
	}
	if (fflush(stdout))
		rc = EXIT_FAIL;
	return rc;
}

int cmd_pool(int argc, char **argv)
{
	static const struct opt opts[] = { { "json", 'j', false }, { NULL, 0, false } };
	struct optval v[1] = { { 0 } };
	struct hv_pool_info p;
	char a[32];
	int n = args_parse(argc, argv, opts, v, NULL, 0, 0, NULL);

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	int fd = hv_open();
	if (fd < 0)
		return EXIT_FAIL;
	memset(&p, 0, sizeof(p));
	if (hv_ioctl(fd, HV_IOC_POOL, &p)) {
		errmsg("cannot read the hypervisor's memory pool: %s", hv_strerror(errno));
		return EXIT_FAIL;
	}
	if (v[0].set) {
		struct json j;
		json_init(&j, stdout, true);
		json_obj_begin(&j);
		json_key(&j, "total_bytes");
		json_u64(&j, p.total_bytes);
		json_key(&j, "free_bytes");
		json_u64(&j, p.free_bytes);
		json_key(&j, "reserved_bytes");
		json_u64(&j, p.reserved_bytes);
		json_key(&j, "cpus");
		json_u64(&j, p.cpus);
		json_key(&j, "partitions");
		json_u64(&j, p.partitions);
		json_obj_end(&j);
		json_end(&j);
		return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
	}
	fmt_mib(p.free_bytes, a, sizeof(a));
	printf("free:        %s\n", a);
	fmt_mib(p.total_bytes, a, sizeof(a));
	printf("total:       %s\n", a);
	fmt_mib(p.reserved_bytes, a, sizeof(a));
	printf("reserved:    %s (kept for the hypervisor's own use)\n", a);
	printf("cpus:        %u\n", p.cpus);
	printf("partitions:  %u\n", p.partitions);
	return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
}
