// SPDX-License-Identifier: GPL-2.0-only
/* The unit tests' backend (fake_backend.h). */
#include "tests/unit/fake_backend.h"

u64 regs[VREG_INTR_SHADOW + 1];
struct segment segs[NR_SEGS];

static u64 fake_get_reg(struct vcpu *v, enum vreg r)
{
	(void)v;
	return regs[r];
}

static void fake_set_reg(struct vcpu *v, enum vreg r, u64 val)
{
	(void)v;
	regs[r] = val;
}

static void fake_get_seg(struct vcpu *v, enum seg_reg s, struct segment *out)
{
	(void)v;
	*out = segs[s];
}

static u64 fake_next_rip(struct vcpu *v)
{
	(void)v;
	return regs[VREG_RIP] + FAKE_INSN_LEN;
}

static void fake_insn_state(struct vcpu *v, u64 *rip, u64 *rflags)
{
	(void)v;
	*rip = regs[VREG_RIP];
	*rflags = regs[VREG_RFLAGS];
}

static void fake_insn_done(struct vcpu *v, u64 next)
{
	(void)v;
	regs[VREG_RIP] = next;
	regs[VREG_INTR_SHADOW] = 0;
}

static const struct backend_ops fake_backend = {
	.name = "fake",
	.get_reg = fake_get_reg,
	.set_reg = fake_set_reg,
	.get_seg = fake_get_seg,
	.next_rip = fake_next_rip,
	.insn_state = fake_insn_state,
	.insn_done = fake_insn_done,
};
const struct backend_ops *backend = &fake_backend;
