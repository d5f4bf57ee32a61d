// SPDX-License-Identifier: GPL-2.0-only
/* Option parsing for the commands (hvctl.h), messages, time, signals. */
#include "hvctl.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void errmsg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("hvctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("hvctl: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, " (see 'hvctl help %s')\n", cmd);
	else
		fputs(" (see 'hvctl --help')\n", stderr);
	return EXIT_USAGE;
}

static const struct opt *find_long(const struct opt *opts, const char *name, size_t len)
{
	for (const struct opt *o = opts; o && (o->lng || o->shrt); o++)
		if (o->lng && strlen(o->lng) == len && !strncmp(o->lng, name, len))
			return o;
	return NULL;
}

static const struct opt *find_short(const struct opt *opts, char ch)
{
	for (const struct opt *o = opts; o && (o->lng || o->shrt); o++)
		if (o->shrt == ch)
			return o;
	return NULL;
}

int args_parse(int argc, char **argv, const struct opt *opts, struct optval *vals,
	       const char **pos, int want_min, int want_max, const char *pos_name)
{
	const char *cmd = argv[0];
	int npos = 0;
	bool opts_done = false;

	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		const struct opt *o = NULL;
		const char *val = NULL;

		if (opts_done || a[0] != '-' || !a[1]) {
			if (npos >= want_max) {
				usage_err(cmd, "unexpected argument '%s'", a);
				return -1;
			}
			pos[npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			opts_done = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help_command(cmd);
			return -2;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			o = find_long(opts, a + 2, len);
			if (!o) {
				usage_err(cmd, "unknown option '%.*s'", (int)(len + 2), a);
				return -1;
			}
			if (eq && !o->arg) {
				usage_err(cmd, "option '--%s' takes no value", o->lng);
				return -1;
			}
			val = eq ? eq + 1 : NULL;
		} else {
			o = find_short(opts, a[1]);
			if (!o) {
				usage_err(cmd, "unknown option '-%c'", a[1]);
				return -1;
			}
			if (a[2] && !o->arg) {
				usage_err(cmd, "unknown option '%s' (give options one at a time)", a);
				return -1;
			}
			val = a[2] ? a + 2 : NULL;
		}
		if (o->arg && !val) {
			if (i + 1 >= argc) {
				if (o->lng)
					usage_err(cmd, "option '--%s' needs a value", o->lng);
				else
					usage_err(cmd, "option '-%c' needs a value", o->shrt);
				return -1;
			}
			val = argv[++i];
		}
		vals[o - opts].set = true;
		vals[o - opts].arg = val;
	}
	if (npos < want_min) {
		usage_err(cmd, "missing %s", pos_name ? pos_name : "argument");
		return -1;
	}
	return npos;
}

int arg_uint(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
	     uint64_t *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		goto bad;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno)
		goto bad;
	if (v < min || v > max) {
		usage_err(cmd, "%s must be between %llu and %llu, not %s", opt,
			  (unsigned long long)min, (unsigned long long)max, s);
		return -1;
	}
	*out = v;
	return 0;
bad:
	usage_err(cmd, "%s needs a whole number, not '%s'", opt, s);
	return -1;
}

int arg_seconds(const char *cmd, const char *opt, const char *s, double min, double max,
		double *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == ' ')
		goto bad;
	double v = strtod(s, &end);
	if (*end || errno || !isfinite(v))
		goto bad;
	if (v < min || v > max) {
		usage_err(cmd, "%s must be between %g and %g seconds, not %s", opt, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
bad:
	usage_err(cmd, "%s needs a number of seconds, not '%s'", opt, s);
	return -1;
}

volatile int stop_requested;

static void on_stop(int sig)
{
	stop_requested = sig;
}

void catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking read or poll returns with EINTR. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);
}
