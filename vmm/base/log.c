// SPDX-License-Identifier: GPL-2.0-only
/* Leveled log: every line carries the time since boot and the CPU. */
#include "vmm/base/log.h"
#include "vmm/base/console.h"
#include "vmm/base/fmt.h"
#include "vmm/base/percpu.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"
#include "drivers/timer.h"

int log_level = LOG_INFO;
static spinlock_t log_lock = SPINLOCK_INIT;
static bool stream_mid_line; /* raw output left a line unfinished */

static const char *const level_tag[] = { "ERROR: ", "WARN: ", "", "debug: " };

void log_vprintf(int level, const char *fmt, va_list ap)
{
	char line[512];
	int n;

	if (level > log_level)
		return;
	u64 us = timer_uptime_us();
	n = hv_snprintf(line, sizeof(line), "[%4lu.%06lu] cpu%u %s",
			(unsigned long)(us / 1000000), (unsigned long)(us % 1000000),
			this_cpu_id(), level < 0 ? "" : level_tag[level & 3]);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	int m = hv_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	size_t len = (size_t)n + (m > 0 ? (size_t)m : 0);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	if (len == 0 || line[len - 1] != '\n')
		line[len++] = '\n';

	u64 f = spin_lock_irqsave(&log_lock);
	if (stream_mid_line)
		console_write("\n", 1);
	stream_mid_line = false;
	console_write(line, len);
	spin_unlock_irqrestore(&log_lock, f);
}

void log_stream(const char *s, size_t n)
{
	if (!n)
		return;
	u64 f = spin_lock_irqsave(&log_lock);
	console_write_bytes(s, n); /* the partition sends its own CRs */
	stream_mid_line = s[n - 1] != '\n';
	spin_unlock_irqrestore(&log_lock, f);
}

void log_printf(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}

void log_raw(const char *s)
{
	console_write(s, strlen(s));
}

void log_limited(struct log_ratelimit *rl, int level, const char *fmt, ...)
{
	u64 now = rdtsc(), window = LOG_RL_WINDOW_MS * tsc_khz;
	u32 held = 0;
	bool print;

	u64 f = spin_lock_irqsave(&rl->lock);
	if (!rl->window_start || now - rl->window_start >= window) {
		held = rl->suppressed;
		rl->window_start = now;
		rl->printed = rl->suppressed = 0;
	}
	print = rl->printed < LOG_RL_BURST;
	if (print)
		rl->printed++;
	else
		rl->suppressed++;
	spin_unlock_irqrestore(&rl->lock, f);
	if (held)
		log_printf(level, "(%u similar messages suppressed)", held);
	if (print) {
		va_list ap;
		va_start(ap, fmt);
		log_vprintf(level, fmt, ap);
		va_end(ap);
	}
}
