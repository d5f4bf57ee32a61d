// SPDX-License-Identifier: GPL-2.0-only
/* Names and numbers as hvctl prints them (fmt.h). */
#include "fmt.h"

#include <stdio.h>

#include "hv_abi.h"

static const char *const exit_names[] = HV_EXIT_REASON_NAMES;
const unsigned fmt_exit_names = sizeof(exit_names) / sizeof(exit_names[0]);

const char *fmt_state(uint32_t state)
{
	switch (state) {
	case HV_STATE_CREATED: return "created";
	case HV_STATE_RUNNING: return "running";
	case HV_STATE_PAUSED: return "paused";
	case HV_STATE_STOPPED: return "stopped";
	case HV_STATE_REBUILD: return "rebuilding";
	case HV_STATE_DYING: return "dying";
	default: return "unknown";
	}
}

const char *fmt_outcome(uint32_t outcome)
{
	switch (outcome) {
	case HV_OUTCOME_NONE: return "-";
	case HV_OUTCOME_POWEROFF: return "poweroff";
	case HV_OUTCOME_REBOOT: return "reboot";
	case HV_OUTCOME_CRASH: return "crash";
	case HV_OUTCOME_EXIT: return "exit";
	case HV_OUTCOME_TIMEOUT: return "timeout";
	case HV_OUTCOME_DESTROYED: return "destroyed";
	default: return "unknown";
	}
}

const char *fmt_event(uint32_t type)
{
	switch (type) {
	case HV_EVENT_CREATED: return "created";
	case HV_EVENT_STARTED: return "started";
	case HV_EVENT_PAUSED: return "paused";
	case HV_EVENT_RESUMED: return "resumed";
	case HV_EVENT_REBOOTED: return "rebooted";
	case HV_EVENT_POWEROFF: return "poweroff";
	case HV_EVENT_CRASHED: return "crashed";
	case HV_EVENT_STOPPED: return "stopped";
	case HV_EVENT_DESTROYED: return "destroyed";
	case HV_EVENT_SHUTDOWN_REQUESTED: return "shutdown-requested";
	default: return "unknown";
	}
}

const char *fmt_exit_reason(unsigned i, char *buf, size_t len)
{
	if (i < fmt_exit_names)
		return exit_names[i];
	snprintf(buf, len, "reason-%u", i);
	return buf;
}

void fmt_mib(uint64_t bytes, char *buf, size_t len)
{
	const uint64_t mib = 1ull << 20, gib = 1ull << 30;

	if (bytes >= gib && bytes % (gib / 4) == 0)
		snprintf(buf, len, "%g GiB", (double)bytes / (double)gib);
	else if (bytes % mib == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes / mib));
	else
		snprintf(buf, len, "%.1f MiB", (double)bytes / (double)mib);
}

void fmt_size(uint64_t bytes, char *buf, size_t len)
{
	const uint64_t mib = 1ull << 20, gib = 1ull << 30;

	if (bytes >= gib && bytes % gib == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(bytes / gib));
	else if (bytes % mib == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(bytes / mib));
	else
		snprintf(buf, len, "%lluK", (unsigned long long)((bytes + 1023) / 1024));
}

void fmt_uptime(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ull;
	unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;

	if (d)
		snprintf(buf, len, "%llud %02llu:%02llu:%02llu", d, h, m, sec);
	else
		snprintf(buf, len, "%02llu:%02llu:%02llu", h, m, sec);
}

void fmt_secs(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%llu.%03llu", (unsigned long long)(ns / 1000000000ull),
		 (unsigned long long)(ns / 1000000ull % 1000));
}

void fmt_safe(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	if (!outlen)
		return;
	for (size_t i = 0; i < n && s[i] && o + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)s[i];
		out[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[o] = 0;
}
