// SPDX-License-Identifier: GPL-2.0-only
/* Leveled log: every line carries the time since boot and the CPU. */
#include "vmm/base/log.h"
#include "vmm/base/math.h"
#include "vmm/base/console.h"
#include "vmm/base/fmt.h"
#include "vmm/base/percpu.h"
#include "vmm/base/power.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"
#include "drivers/timer.h"

int log_level = LOG_INFO;

/*
 * The console is written from a ring, so that no exit handler (nor
 * anything else with interrupts off) waits for a UART that sends a byte
 * in 87 us at 115200 baud: a line goes into the ring, and whoever logs
 * or takes a scheduler tick then gives the UART what it takes without
 * waiting (its FIFO, 16 bytes at a time), one CPU at a time. Emulated
 * UARTs take everything at once. Lines in the ring before a power-off,
 * a reset or a panic are written out first (log_flush).
 */
#define RING_SIZE KiB(64)
static char ring[RING_SIZE];
static u64 ring_head, ring_tail; /* bytes put and taken; mod RING_SIZE */
static spinlock_t ring_lock = SPINLOCK_INIT;
static spinlock_t drain_lock = SPINLOCK_INIT; /* one CPU feeds the UART */
static bool ring_bol = true; /* the last byte in the ring ended a line */
static u64 ring_dropped;     /* partition output the ring had no room for */

static const char *const level_tag[] = { "ERROR: ", "WARN: ", "", "debug: " };

/*
 * In test mode every line of the hypervisor's own begins with this byte
 * (ASCII RS, which a terminal does not show), and no partition's output
 * carries it: children's lines are sanitized, and the parent's raw
 * stream has it replaced. So a test runner that anchors on it reads only
 * what the hypervisor wrote -- a guest cannot forge a verdict or a stop
 * reason (tests/lib.sh).
 */
#define LINE_MARK '\x1e'
static bool raw_bol = true; /* log_raw is at the start of a line */

/* Feeds the UART from the ring; with wait, until the ring is empty. */
static void drain(bool wait)
{
	if (!spin_trylock(&drain_lock))
		return;
	for (;;) {
		u64 f = spin_lock_irqsave(&ring_lock);
		u64 tail = ring_tail, avail = ring_head - tail;
		spin_unlock_irqrestore(&ring_lock, f);
		if (!avail)
			break;
		u64 at = tail % RING_SIZE;
		size_t n = (size_t)MIN(avail, RING_SIZE - at);
		if (wait) {
			console_write_bytes(ring + at, n);
		} else {
			n = console_write_nowait(ring + at, n);
			if (!n)
				break; /* the UART is busy: the next tick goes on */
		}
		f = spin_lock_irqsave(&ring_lock);
		ring_tail = tail + n;
		spin_unlock_irqrestore(&ring_lock, f);
	}
	spin_unlock(&drain_lock);
}

void log_drain(void)
{
	drain(false);
}

bool log_pending(void)
{
	return READ_ONCE(ring_head) != READ_ONCE(ring_tail);
}

void log_flush(void)
{
	drain(true);
}

/*
 * A line (the hypervisor's, or a child's tagged output) that comes while
 * the parent's raw stream has left a line unfinished starts on a line of
 * its own: this break goes first. In test mode it begins with ASCII GS,
 * so the test runner can take the breaks and the marked lines out and
 * read the parent's stream as the parent wrote it (tests/lib.sh).
 */
#define BREAK_MARK '\x1d'

/* Puts bytes in the ring (with CR before each LF when cooked). A
 * hypervisor line waits for room; a partition's output is dropped (and
 * counted) when the ring is three-quarters full, so it cannot crowd out
 * the hypervisor's own lines. `raw` is the parent's stream. Returns
 * whether it went in. */
static bool ring_put(const char *s, size_t n, bool cooked, bool own, bool raw)
{
	size_t need = n;

	if (cooked)
		for (size_t i = 0; i < n; i++)
			need += s[i] == '\n';
	for (;;) {
		u64 f = spin_lock_irqsave(&ring_lock);
		u64 used = ring_head - ring_tail;
		u64 room = own ? RING_SIZE - used : (used < RING_SIZE / 4 * 3 ? RING_SIZE / 4 * 3 - used : 0);
		bool brk = !raw && !ring_bol && n;
		size_t extra = brk ? 2 + (power_test_mode() ? 1 : 0) : 0;
		if (need + extra <= room) {
			if (brk) {
				if (power_test_mode())
					ring[ring_head++ % RING_SIZE] = BREAK_MARK;
				ring[ring_head++ % RING_SIZE] = '\r';
				ring[ring_head++ % RING_SIZE] = '\n';
			}
			for (size_t i = 0; i < n; i++) {
				if (cooked && s[i] == '\n')
					ring[ring_head++ % RING_SIZE] = '\r';
				ring[ring_head++ % RING_SIZE] = s[i];
			}
			if (n)
				ring_bol = s[n - 1] == '\n';
			spin_unlock_irqrestore(&ring_lock, f);
			return true;
		}
		if (!own || need + extra > RING_SIZE) {
			ring_dropped += n;
			spin_unlock_irqrestore(&ring_lock, f);
			return false;
		}
		spin_unlock_irqrestore(&ring_lock, f);
		drain(true); /* our own line: wait for room */
	}
}

/*
 * The hypervisor's own lines, kept for the parent to read (HVC_LOG_READ,
 * `hvctl dmesg`): the newest HISTORY_SIZE bytes, positions counting every
 * byte, without the test-mode line mark.
 */
#define HISTORY_SIZE KiB(64)
static char history[HISTORY_SIZE];
static u64 history_head;
static spinlock_t history_lock = SPINLOCK_INIT;

static void history_put(const char *s, size_t n)
{
	u64 f = spin_lock_irqsave(&history_lock);
	for (size_t i = 0; i < n; i++)
		history[history_head++ % HISTORY_SIZE] = s[i];
	spin_unlock_irqrestore(&history_lock, f);
}

size_t log_history_read(u64 *pos, u64 *end, char *buf, size_t len)
{
	size_t n = 0;

	u64 f = spin_lock_irqsave(&history_lock);
	u64 oldest = history_head > HISTORY_SIZE ? history_head - HISTORY_SIZE : 0;
	u64 at = MIN(MAX(*pos, oldest), history_head);
	*pos = at;
	for (; at < history_head && n < len; at++)
		buf[n++] = history[at % HISTORY_SIZE];
	*end = history_head;
	spin_unlock_irqrestore(&history_lock, f);
	return n;
}

/* A log line; `own` lines (the hypervisor's) wait for room in the ring,
 * others (a partition's console output) are dropped when it is full. */
static void log_line(int level, bool own, const char *fmt, va_list ap)
{
	char line[512];
	int n;

	if (level > log_level)
		return;
	u64 us = timer_uptime_us();
	n = hv_snprintf(line, sizeof(line), "%s[%4lu.%06lu] cpu%u %s",
			power_test_mode() ? "\x1e" : "", (unsigned long)(us / 1000000),
			(unsigned long)(us % 1000000), this_cpu_id(),
			level < 0 ? "" : level_tag[level & 3]);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	int m = hv_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	size_t len = (size_t)n + (m > 0 ? (size_t)m : 0);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	if (len == 0 || line[len - 1] != '\n')
		line[len++] = '\n';
	if (own) {
		size_t mark = power_test_mode() ? 1 : 0;
		history_put(line + mark, len - mark);
	}
	ring_put(line, len, true, own, false);
	drain(false);
}

void log_vprintf(int level, const char *fmt, va_list ap)
{
	log_line(level, true, fmt, ap);
}

void log_guest(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(LOG_INFO, false, fmt, ap);
	va_end(ap);
}

void log_stream(const char *s, size_t n)
{
	char buf[256];

	while (n) {
		size_t k = MIN(n, sizeof(buf));
		for (size_t i = 0; i < k; i++)
			buf[i] = s[i] == LINE_MARK || s[i] == BREAK_MARK ? '?' : s[i];
		ring_put(buf, k, false, false, true); /* the partition sends its own CRs */
		s += k;
		n -= k;
	}
	drain(false);
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
	/* The panic path: what the ring holds first, unless another CPU was
	 * stopped while feeding the UART; then this, with no lock. */
	drain(true);
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		if (raw_bol && power_test_mode())
			console_write_bytes("\x1e", 1);
		if (s[i] == '\n')
			console_write_bytes("\r", 1);
		console_write_bytes(s + i, 1);
		raw_bol = s[i] == '\n';
	}
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
