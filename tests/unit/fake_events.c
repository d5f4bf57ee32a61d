// SPDX-License-Identifier: GPL-2.0-only
/* Exceptions queued by the code under test, for tests whose only one is
 * the single-step trap (vmm/step.c): counted, #DB apart. */
#include "tests/unit/fake_backend.h"
#include "vmm/event.h"

u32 fake_exceptions, fake_db_count;

bool vcpu_queue_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	(void)v;
	(void)has_error;
	(void)error;
	fake_exceptions++;
	if (vector == VEC_DB)
		fake_db_count++;
	return true;
}
