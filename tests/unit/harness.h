/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny host unit-test harness. Each test program lists its cases in
 * main() with RUN(name) and ends with `return harness_finish();`. Every
 * case prints one line, "PASS unit/<file>/<case>" or
 * "FAIL unit/<file>/<case>: <first failure> [(+N more)]", and the program
 * exits non-zero when any case failed.
 *
 * CHECK/CHECK_EQ/CHECK_STR record a failure and carry on; REQUIRE ends the
 * case at once (for results later checks would dereference).
 * EXPECT_PANIC runs a statement that must call panic() and catches it.
 *
 * This header deliberately does not include <string.h>: test files that
 * include vmm/string.h would otherwise redeclare memcpy and friends.
 */
#ifndef TESTS_UNIT_HARNESS_H
#define TESTS_UNIT_HARNESS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

#define HARNESS_PRINTF(a, b) __attribute__((format(printf, a, b)))

void harness_fail(const char *file, int line, const char *fmt, ...) HARNESS_PRINTF(3, 4);
void harness_check_eq(const char *file, int line, const char *ea, const char *eb,
		      unsigned long long a, unsigned long long b);
void harness_check_str(const char *file, int line, const char *ea, const char *eb,
		       const char *a, const char *b);
__attribute__((noreturn)) void harness_abort_case(void);
bool harness_contains(const char *hay, const char *needle);

/* name is the case name; file is __FILE__ of the test program. */
void harness_run(const char *file, const char *name, void (*fn)(void));
/*
 * The same for a case built at run time, e.g. one row of a table: runs
 * fn(arg) under name, which need only live until the call returns.
 */
void harness_run_named(const char *file, const char *name, void (*fn)(void *), void *arg);
int harness_finish(void);

#define RUN(name) harness_run(__FILE__, #name, test_##name)
#define TEST(name) static void test_##name(void)

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond))                                                     \
			harness_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);    \
	} while (0)

#define CHECK_EQ(a, b)                                                           \
	harness_check_eq(__FILE__, __LINE__, #a, #b, (unsigned long long)(a),    \
			 (unsigned long long)(b))

#define CHECK_STR(a, b) harness_check_str(__FILE__, __LINE__, #a, #b, (a), (b))

#define REQUIRE(cond)                                                            \
	do {                                                                     \
		if (!(cond)) {                                                   \
			harness_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond);  \
			harness_abort_case();                                    \
		}                                                                \
	} while (0)

/* panic() longjmps here while harness_panic_armed is set. */
extern jmp_buf harness_panic_jmp;
extern volatile int harness_panic_armed;
extern char harness_panic_msg[512];
extern int harness_panics; /* panics caught since start, for sanity checks */

/* Runs stmt, which must panic with a message containing substr. */
#define EXPECT_PANIC(stmt, substr)                                               \
	do {                                                                     \
		harness_panic_armed = 1;                                         \
		if (setjmp(harness_panic_jmp) == 0) {                            \
			stmt;                                                    \
			harness_panic_armed = 0;                                 \
			harness_fail(__FILE__, __LINE__,                         \
				     "expected a panic from %s", #stmt);         \
		} else {                                                         \
			harness_panic_armed = 0;                                 \
			if (!harness_contains(harness_panic_msg, (substr)))      \
				harness_fail(__FILE__, __LINE__,                 \
					     "panic \"%s\" lacks \"%s\"",        \
					     harness_panic_msg, (substr));       \
		}                                                                \
	} while (0)

#endif
