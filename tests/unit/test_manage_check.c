// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stateless argument checks of the parent's management calls
 * (partitions/manage_check.c): every field of a creation request, a vCPU
 * state and a scheduling change, one bad value at a time against a good
 * request, so each refusal is the one field's doing.
 */
#include <stdio.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "partitions/manage_check.h"

#define ONLINE 0x3ULL /* CPUs 0 and 1 up */

static struct hv_create good(void)
{
	struct hv_create c;

	memset(&c, 0, sizeof(c));
	strcpy(c.name, "web-1.a_b");
	c.memory_bytes = 64ULL << 20;
	c.vcpus = 2;
	c.flags = HV_CREATE_PLATFORM_PC;
	c.on_reboot = HV_ACTION_RESTART;
	return c;
}

TEST(create_good)
{
	struct hv_create c = good();

	CHECK_EQ(manage_check_create(&c, ONLINE), 0);
	c.memory_bytes = HV_MEMORY_MIN;
	CHECK_EQ(manage_check_create(&c, ONLINE), 0);
	c.memory_bytes = HV_MEMORY_MAX;
	c.vcpus = HV_VCPUS_MAX;
	c.cap = 100 * HV_VCPUS_MAX;
	c.weight = HV_WEIGHT_MAX;
	c.cpus = 0x2;
	c.on_poweroff = c.on_crash = HV_ACTION_MAX;
	CHECK_EQ(manage_check_create(&c, ONLINE), 0);
	memset(c.name, 'a', sizeof(c.name) - 1); /* 31 characters */
	c.name[sizeof(c.name) - 1] = 0;
	CHECK_EQ(manage_check_create(&c, ONLINE), 0);
}

/* One bad field each. */
static void bad_name_empty(struct hv_create *c) { c->name[0] = 0; }
static void bad_name_unterminated(struct hv_create *c) { memset(c->name, 'a', sizeof(c->name)); }
static void bad_name_space(struct hv_create *c) { strcpy(c->name, "a b"); }
static void bad_name_slash(struct hv_create *c) { strcpy(c->name, "../x"); }
static void bad_name_high(struct hv_create *c) { c->name[0] = (char)0xc3; }
static void bad_mem_zero(struct hv_create *c) { c->memory_bytes = 0; }
static void bad_mem_small(struct hv_create *c) { c->memory_bytes = 1ULL << 20; }
static void bad_mem_unaligned(struct hv_create *c) { c->memory_bytes += 4096; }
static void bad_mem_huge(struct hv_create *c) { c->memory_bytes = HV_MEMORY_MAX + HV_MEMORY_ALIGN; }
static void bad_mem_wrap(struct hv_create *c) { c->memory_bytes = ~0ULL - (HV_MEMORY_ALIGN - 1); }
static void bad_vcpus_zero(struct hv_create *c) { c->vcpus = 0; }
static void bad_vcpus_many(struct hv_create *c) { c->vcpus = HV_VCPUS_MAX + 1; }
static void bad_vcpus_neg(struct hv_create *c) { c->vcpus = 0xffffffffu; }
static void bad_flags(struct hv_create *c) { c->flags = 1u << 31; }
static void bad_cpus_offline(struct hv_create *c) { c->cpus = 0x4; }
static void bad_weight(struct hv_create *c) { c->weight = HV_WEIGHT_MAX + 1; }
static void bad_cap(struct hv_create *c) { c->cap = 201; } /* 2 vCPUs: at most 200 */
static void bad_poweroff(struct hv_create *c) { c->on_poweroff = HV_ACTION_MAX + 1; }
static void bad_reboot(struct hv_create *c) { c->on_reboot = 0xff; }
static void bad_crash(struct hv_create *c) { c->on_crash = 3; }
static void bad_reserved0(struct hv_create *c) { c->reserved0 = 1; }
static void bad_reserved(struct hv_create *c) { c->reserved[6] = 1; }

static const struct {
	const char *name;
	void (*spoil)(struct hv_create *c);
} bad_creates[] = {
	{ "name_empty", bad_name_empty }, { "name_unterminated", bad_name_unterminated },
	{ "name_space", bad_name_space }, { "name_slash", bad_name_slash },
	{ "name_high", bad_name_high }, { "mem_zero", bad_mem_zero },
	{ "mem_small", bad_mem_small }, { "mem_unaligned", bad_mem_unaligned },
	{ "mem_huge", bad_mem_huge }, { "mem_wrap", bad_mem_wrap },
	{ "vcpus_zero", bad_vcpus_zero }, { "vcpus_many", bad_vcpus_many },
	{ "vcpus_neg", bad_vcpus_neg }, { "flags", bad_flags },
	{ "cpus_offline", bad_cpus_offline }, { "weight", bad_weight }, { "cap", bad_cap },
	{ "on_poweroff", bad_poweroff }, { "on_reboot", bad_reboot }, { "on_crash", bad_crash },
	{ "reserved0", bad_reserved0 }, { "reserved", bad_reserved },
};

static void one_bad_create(void *arg)
{
	void (*spoil)(struct hv_create *) = *(void (**)(struct hv_create *))arg;
	struct hv_create c = good();

	spoil(&c);
	CHECK_EQ(manage_check_create(&c, ONLINE), HV_EINVAL);
}

static struct hv_vcpu_state vgood(u32 mode)
{
	struct hv_vcpu_state s;

	memset(&s, 0, sizeof(s));
	s.mode = mode;
	s.flags = HV_VCPU_RUNNABLE;
	s.rip = mode == HV_MODE_REAL ? 0x7c00 : 0x100000;
	s.cr3 = mode == HV_MODE_LONG ? 0x9000 : 0;
	s.gpr[6] = 0x7000; /* RSI: the zero page, say */
	return s;
}

TEST(vcpu_state)
{
	struct hv_vcpu_state s;

	for (u32 m = HV_MODE_REAL; m <= HV_MODE_LONG; m++) {
		s = vgood(m);
		CHECK_EQ(manage_check_vcpu_state(&s), 0);
	}
	s = vgood(HV_MODE_LONG);
	s.rip = 0xffffffff80000000ULL; /* canonical, high */
	CHECK_EQ(manage_check_vcpu_state(&s), 0);
	s.rip = 0x0000800000000000ULL; /* not canonical */
	CHECK_EQ(manage_check_vcpu_state(&s), HV_EINVAL);
	s = vgood(HV_MODE_LONG);
	s.cr3 = 0x9008; /* not page-aligned */
	CHECK_EQ(manage_check_vcpu_state(&s), HV_EINVAL);
	s.cr3 = 1ULL << 52; /* beyond any physical address */
	CHECK_EQ(manage_check_vcpu_state(&s), HV_EINVAL);
	s = vgood(HV_MODE_PROTECTED);
	s.rip = 0x100000000ULL;
	CHECK_EQ(manage_check_vcpu_state(&s), HV_EINVAL);
	s = vgood(HV_MODE_REAL);
	s.rip = 0x100000;
	CHECK_EQ(manage_check_vcpu_state(&s), HV_EINVAL);
	s = vgood(HV_MODE_REAL);
	s.mode = 3;
	CHECK_EQ(manage_check_vcpu_state(&s), HV_EINVAL);
	s = vgood(HV_MODE_REAL);
	s.flags = 2;
	CHECK_EQ(manage_check_vcpu_state(&s), HV_EINVAL);
	s = vgood(HV_MODE_REAL);
	s.reserved[3] = 1;
	CHECK_EQ(manage_check_vcpu_state(&s), HV_EINVAL);
}

TEST(sched)
{
	CHECK_EQ(manage_check_sched(0, 0xffffffffULL, 1, false), 0);   /* keep both */
	CHECK_EQ(manage_check_sched(512, 25, 1, false), 0);
	CHECK_EQ(manage_check_sched(HV_WEIGHT_MAX, 400, 4, false), 0);
	CHECK_EQ(manage_check_sched(HV_WEIGHT_MAX + 1, 25, 1, false), HV_EINVAL);
	CHECK_EQ(manage_check_sched(256, 101, 1, false), HV_EINVAL);
	CHECK_EQ(manage_check_sched(256, 1ULL << 40, 64, false), HV_EINVAL);
	CHECK_EQ(manage_check_sched(~0ULL, 0xffffffffULL, 1, false), HV_EINVAL);
	/* The parent: a weight, never a cap. */
	CHECK_EQ(manage_check_sched(1024, 0xffffffffULL, 4, true), 0);
	CHECK_EQ(manage_check_sched(0, 0, 4, true), 0);
	CHECK_EQ(manage_check_sched(0, 50, 4, true), HV_EINVAL);
}

int main(void)
{
	char name[64];

	RUN(create_good);
	for (size_t i = 0; i < sizeof(bad_creates) / sizeof(bad_creates[0]); i++) {
		snprintf(name, sizeof(name), "create_bad_%s", bad_creates[i].name);
		harness_run_named(__FILE__, name, one_bad_create, (void *)&bad_creates[i].spoil);
	}
	RUN(vcpu_state);
	RUN(sched);
	return harness_finish();
}
