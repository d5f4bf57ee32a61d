/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_LOG_H
#define VMM_BASE_LOG_H

#include "vmm/base/types.h"
#include "vmm/base/spinlock.h"

/* LOG_ALWAYS: output someone asked for (a dump), whatever the level. */
enum log_level { LOG_ALWAYS = -1, LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int log_level;

void log_printf(int level, const char *fmt, ...) __printf(2, 3);
void log_vprintf(int level, const char *fmt, va_list ap) __printf(2, 0);
/* Raw console output with no prefix and no lock (panic path only). */
void log_raw(const char *s);
/* The console ring (log.c): gives the UART what it takes without waiting
 * (every scheduler tick calls it); whether bytes wait; writes out
 * everything, waiting (before a power-off, a reset or a panic). */
void log_drain(void);
bool log_pending(void);
void log_flush(void);
/* A log line (info level) of a partition's console output: dropped
 * rather than waited for when the console ring is full. */
void log_guest(const char *fmt, ...) __printf(1, 2);
/* Copies the hypervisor's own lines kept since position *pos (moved up
 * to the oldest kept); *end = position after the newest. */
size_t log_history_read(u64 *pos, u64 *end, char *buf, size_t len);
/* A partition's raw console bytes (the parent's serial port). A log line
 * that comes while such output is mid-line starts on a line of its own. */
void log_stream(const char *s, size_t n);

/*
 * Rate limiting for messages a guest can trigger: at most LOG_RL_BURST in
 * each LOG_RL_WINDOW_MS window; the first message after a window in which
 * some were held back says how many. One per message source, zeroed.
 */
#define LOG_RL_BURST 10
#define LOG_RL_WINDOW_MS 5000
struct log_ratelimit {
	spinlock_t lock;
	u64 window_start;  /* TSC */
	u32 printed, suppressed;
};
__printf(3, 4) void log_limited(struct log_ratelimit *rl, int level, const char *fmt, ...);

#define pr_err(...) log_printf(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define ASSERT(cond)                                                             \
	do {                                                                     \
		if (unlikely(!(cond)))                                           \
			panic("assertion failed: %s at %s:%d", #cond, __FILE__,  \
			      __LINE__);                                         \
	} while (0)

#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

#endif
