/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A backend for host unit tests of the exit handlers (test_io, test_mmio,
 * test_msr, test_cpuid): registers and segments are plain arrays the test
 * sets and reads, and every instruction is FAKE_INSN_LEN bytes long.
 * Defines `backend`; link tests/unit/fake_backend.c.
 */
#ifndef TESTS_UNIT_FAKE_BACKEND_H
#define TESTS_UNIT_FAKE_BACKEND_H

#include "vmm/backend.h"

#define FAKE_INSN_LEN 2

extern u64 regs[VREG_INTR_SHADOW + 1];
extern struct segment segs[NR_SEGS];

/* tests/unit/fake_events.c, for tests that stub no events of their own:
 * exceptions queued, and #DBs among them. */
extern u32 fake_exceptions, fake_db_count;

#endif
