// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit-test harness, plus the few hypervisor symbols the sources
 * under test reference: the direct-map offset (0, so phys_to_virt is the
 * identity on the host), CPUID, logging and panic().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/x86.h"

/* Stubs for the hypervisor's globals. */
u64 direct_map_offset = 0;
u64 image_phys_base;
int log_level = LOG_DEBUG;

/* cpuid_count() in host tests (vmm/base/x86.h): the host's own CPUID,
 * unless the test links a fake CPU of its own. */
__attribute__((weak)) void host_cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			     : "a"(leaf), "c"(sub));
}

jmp_buf harness_panic_jmp;
volatile int harness_panic_armed;
char harness_panic_msg[512];
int harness_panics;

static const char *cur_file, *cur_case;
static int cur_failures;
static char cur_reason[1024];
static jmp_buf case_jmp;
static int cases, failed_cases;

/* Logging is only shown when HV_TEST_VERBOSE is set: the expected output
 * is the PASS/FAIL lines. */
void log_vprintf(int level, const char *fmt, va_list ap)
{
	if (level > log_level || !getenv("HV_TEST_VERBOSE"))
		return;
	vfprintf(stderr, fmt, ap);
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
	if (getenv("HV_TEST_VERBOSE"))
		fputs(s, stderr);
}

static void print_fail_line(const char *reason)
{
	printf("FAIL unit/%s/%s: %s", cur_file, cur_case, reason);
	if (cur_failures > 1)
		printf(" (+%d more)", cur_failures - 1);
	printf("\n");
	fflush(stdout);
}

/* panic() must not return. A test that expects one arms the jump with
 * EXPECT_PANIC; anything else is a failure of the running case, and the
 * program stops because the code under test may hold locks or be half
 * way through an update. */
void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(harness_panic_msg, sizeof(harness_panic_msg), fmt, ap);
	va_end(ap);
	if (harness_panic_armed) {
		harness_panic_armed = 0;
		harness_panics++;
		longjmp(harness_panic_jmp, 1);
	}
	if (cur_case) {
		cur_failures++;
		if (cur_failures == 1)
			snprintf(cur_reason, sizeof(cur_reason), "unexpected panic: %s",
				 harness_panic_msg);
		print_fail_line(cur_reason);
	} else {
		fprintf(stderr, "panic outside a test case: %s\n", harness_panic_msg);
	}
	abort();
}

bool harness_contains(const char *hay, const char *needle)
{
	return hay && needle && strstr(hay, needle) != NULL;
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Every failure goes to stderr; the first one names the case. */
	fprintf(stderr, "  %s:%d: %s\n", file, line, msg);
	if (cur_failures++ == 0)
		snprintf(cur_reason, sizeof(cur_reason), "%s:%d: %s", file, line, msg);
}

void harness_check_eq(const char *file, int line, const char *ea, const char *eb,
		      unsigned long long a, unsigned long long b)
{
	if (a != b)
		harness_fail(file, line, "%s == %s: %#llx (%lld) != %#llx (%lld)", ea, eb, a,
			     (long long)a, b, (long long)b);
}

void harness_check_str(const char *file, int line, const char *ea, const char *eb,
		       const char *a, const char *b)
{
	if (a == b)
		return;
	if (!a || !b || strcmp(a, b))
		harness_fail(file, line, "%s == %s: \"%s\" != \"%s\"", ea, eb,
			     a ? a : "(NULL)", b ? b : "(NULL)");
}

void harness_abort_case(void)
{
	longjmp(case_jmp, 1);
}

/* Runs one case: fn() or, when fn is NULL, fn_arg(arg). */
static void run_case(const char *file, const char *name, void (*fn)(void),
		     void (*fn_arg)(void *), void *arg)
{
	const char *base = strrchr(file, '/');
	static char fname[128];

	base = base ? base + 1 : file;
	snprintf(fname, sizeof(fname), "%s", base);
	char *dot = strrchr(fname, '.');
	if (dot)
		*dot = 0;
	cur_file = fname;
	cur_case = name;
	cur_failures = 0;
	cur_reason[0] = 0;
	cases++;
	if (setjmp(case_jmp) == 0) {
		if (fn)
			fn();
		else
			fn_arg(arg);
	}
	if (cur_failures) {
		failed_cases++;
		print_fail_line(cur_reason);
	} else {
		printf("PASS unit/%s/%s\n", cur_file, cur_case);
	}
	fflush(stdout);
	cur_case = NULL;
}

void harness_run(const char *file, const char *name, void (*fn)(void))
{
	run_case(file, name, fn, NULL, NULL);
}

void harness_run_named(const char *file, const char *name, void (*fn)(void *), void *arg)
{
	run_case(file, name, NULL, fn, arg);
}

int harness_finish(void)
{
	if (!cases) {
		printf("FAIL unit/%s/none: no test cases ran\n", cur_file ? cur_file : "?");
		return 1;
	}
	fprintf(stderr, "%s: %d cases, %d failed\n", cur_file, cases, failed_cases);
	return failed_cases ? 1 : 0;
}
