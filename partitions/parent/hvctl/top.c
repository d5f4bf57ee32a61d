// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvctl top`: each partition's CPU use over an interval, from the
 * differences of its run_ns (CPU time of all its vCPUs), wait_ns
 * (runnable, waiting for a CPU) and capped_ns (runnable, held back by its
 * cap) between two samples, over the wall time between them; exits per
 * second likewise. 100% is one CPU's worth.
 *
 * -b (batch): a header line, then one line per partition per iteration,
 * whitespace-separated, no units, for scripts:
 *   ITER ID NAME STATE VCPUS MEM_MIB CPU_PCT WAIT_PCT CAPPED_PCT RUN_S WAIT_S CAPPED_S EXITS_PER_S
 * Otherwise a screen redrawn each interval; q quits.
 */
#include "dev.h"
#include "fmt.h"
#include "hvctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct sample {
	uint64_t t;
	int n;
	struct hv_partition_status *st;
};

struct row {
	const struct hv_partition_status *st;
	double cpu, wait, capped, exits;
};

static uint64_t exits_of(const struct hv_partition_status *st)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < HV_EXIT_REASONS; i++)
		t += st->exits[i];
	return t;
}

static int take(int fd, struct sample *s)
{
	free(s->st);
	s->st = NULL;
	s->n = hv_status_all(fd, &s->st);
	s->t = now_ns();
	return s->n < 0 ? -1 : 0;
}

static double pct(uint64_t now, uint64_t before, uint64_t dt)
{
	return now >= before && dt ? (double)(now - before) * 100.0 / (double)dt : 0;
}

/* The same partition in the previous sample: same id and name, and its
 * counters did not go back (a restart resets them). */
static const struct hv_partition_status *previous(const struct sample *prev,
						  const struct hv_partition_status *st)
{
	for (int i = 0; i < prev->n; i++) {
		const struct hv_partition_status *p = &prev->st[i];
		if (p->id == st->id && !strncmp(p->name, st->name, HV_NAME_MAX) &&
		    p->run_ns <= st->run_ns && exits_of(p) <= exits_of(st))
			return p;
	}
	return NULL;
}

static void compute(const struct sample *prev, const struct sample *cur, struct row *rows)
{
	uint64_t dt = cur->t - prev->t;
	static const struct hv_partition_status zero;

	for (int i = 0; i < cur->n; i++) {
		const struct hv_partition_status *st = &cur->st[i], *p = previous(prev, st);
		if (!p)
			p = &zero; /* new, or restarted: everything since it began */
		rows[i].st = st;
		rows[i].cpu = pct(st->run_ns, p->run_ns, dt);
		rows[i].wait = pct(st->wait_ns, p->wait_ns, dt);
		rows[i].capped = pct(st->capped_ns, p->capped_ns, dt);
		rows[i].exits = dt ? (double)(exits_of(st) - exits_of(p)) * 1e9 / (double)dt : 0;
	}
}

static void batch(unsigned iter, const struct row *rows, int n)
{
	char name[HV_NAME_MAX];

	for (int i = 0; i < n; i++) {
		const struct hv_partition_status *st = rows[i].st;
		fmt_safe(st->name, sizeof(st->name), name, sizeof(name));
		/* A name cannot hold spaces (hv_create's charset); "-" if empty. */
		printf("%u %u %s %s %u %llu %.1f %.1f %.1f %.3f %.3f %.3f %.0f\n", iter, st->id,
		       name[0] ? name : "-", fmt_state(st->state), st->vcpus,
		       (unsigned long long)(st->memory_bytes >> 20), rows[i].cpu, rows[i].wait,
		       rows[i].capped, (double)st->run_ns / 1e9, (double)st->wait_ns / 1e9,
		       (double)st->capped_ns / 1e9, rows[i].exits);
	}
}

static void screen(int fd, const struct row *rows, int n, double interval)
{
	struct hv_pool_info p;
	char name[HV_NAME_MAX], f[32], t[32], clock[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	fputs("\033[H\033[2J", stdout);
	memset(&p, 0, sizeof(p));
	if (!hv_ioctl(fd, HV_IOC_POOL, &p)) {
		fmt_mib(p.free_bytes, f, sizeof(f));
		fmt_mib(p.total_bytes, t, sizeof(t));
		printf("hvctl top - %s  %d partition%s  %u CPU%s  pool %s free of %s  every %gs\n\n",
		       clock, n, n == 1 ? "" : "s", p.cpus, p.cpus == 1 ? "" : "s", f, t, interval);
	} else {
		printf("hvctl top - %s  %d partition%s  every %gs\n\n", clock, n, n == 1 ? "" : "s",
		       interval);
	}
	printf("%3s %-16s %-10s %5s %7s %6s %6s %6s %10s %10s\n", "ID", "NAME", "STATE", "VCPUS",
	       "MEMORY", "CPU%", "WAIT%", "CAP%", "CPU-TIME", "EXITS/S");
	for (int i = 0; i < n; i++) {
		const struct hv_partition_status *st = rows[i].st;
		char mem[32], cpu[32];
		fmt_safe(st->name, sizeof(st->name), name, sizeof(name));
		fmt_size(st->memory_bytes, mem, sizeof(mem));
		snprintf(cpu, sizeof(cpu), "%.1fs", (double)st->run_ns / 1e9);
		printf("%3u %-16s %-10s %5u %7s %6.1f %6.1f %6.1f %10s %10.0f\n", st->id, name,
		       fmt_state(st->state), st->vcpus, mem, rows[i].cpu, rows[i].wait,
		       rows[i].capped, cpu, rows[i].exits);
	}
	printf("\n(q quits)\n");
}

/* Waits ns, or until q on a terminal; true when asked to quit. */
static bool wait_or_quit(uint64_t ns, bool keys)
{
	uint64_t end = now_ns() + ns;

	while (!stop_requested) {
		uint64_t now = now_ns();
		if (now >= end)
			return false;
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		int ms = (int)((end - now) / 1000000 + 1);
		if (poll(&p, keys ? 1 : 0, ms) > 0 && (p.revents & POLLIN)) {
			char ch;
			if (read(STDIN_FILENO, &ch, 1) == 1 && (ch == 'q' || ch == 'Q' || ch == 3))
				return true;
		}
	}
	return true;
}

int cmd_top(int argc, char **argv)
{
	static const struct opt opts[] = {
		{ "batch", 'b', false },
		{ "delay", 'd', true },
		{ "iterations", 'n', true },
		{ NULL, 0, false },
	};
	struct optval v[3] = { { 0 } };
	double delay = 3;
	uint64_t iters = 0;
	struct sample prev = { 0 }, cur = { 0 };
	struct termios saved, raw;
	bool keys = false;
	int rc = EXIT_OK;
	int n = args_parse(argc, argv, opts, v, NULL, 0, 0, NULL);

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	if (v[1].set && arg_seconds(argv[0], "-d", v[1].arg, 0.1, 3600, &delay))
		return EXIT_USAGE;
	if (v[2].set && arg_uint(argv[0], "-n", v[2].arg, 1, 1000000000, &iters))
		return EXIT_USAGE;
	bool is_batch = v[0].set;
	int fd = hv_open();
	if (fd < 0)
		return EXIT_FAIL;
	catch_stop_signals();
	if (take(fd, &prev)) {
		errmsg("cannot list partitions: %s", hv_strerror(errno));
		return EXIT_FAIL;
	}
	if (!is_batch && isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved)) {
		raw = saved;
		raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		keys = !tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	if (is_batch)
		printf("ITER ID NAME STATE VCPUS MEM_MIB CPU_PCT WAIT_PCT CAPPED_PCT RUN_S WAIT_S "
		       "CAPPED_S EXITS_PER_S\n");
	/* The first interval is at most a second, so a screen comes soon. */
	uint64_t wait = (uint64_t)(delay * 1e9);
	for (unsigned iter = 1; !iters || iter <= iters; iter++) {
		uint64_t first = wait < 1000000000ull ? wait : 1000000000ull;
		if (wait_or_quit(iter == 1 ? first : wait, keys))
			break;
		if (take(fd, &cur)) {
			errmsg("cannot list partitions: %s", hv_strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
		struct row *rows = calloc(cur.n ? (size_t)cur.n : 1, sizeof(*rows));
		if (!rows) {
			rc = EXIT_FAIL;
			break;
		}
		compute(&prev, &cur, rows);
		if (is_batch)
			batch(iter, rows, cur.n);
		else
			screen(fd, rows, cur.n, delay);
		free(rows);
		if (fflush(stdout)) {
			rc = EXIT_FAIL;
			break;
		}
		struct sample tmp = prev;
		prev = cur;
		cur = tmp;
	}
	if (keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	free(prev.st);
	free(cur.st);
	return rc;
}
