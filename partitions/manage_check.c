// SPDX-License-Identifier: GPL-2.0-only
/* Stateless checks of the management calls' arguments (manage_check.h). */
#include "partitions/manage_check.h"
#include "partitions/config.h"
#include "vmm/base/layout.h"
#include "vmm/base/string.h"

#define CAP_KEEP 0xffffffffULL

static bool all_zero(const void *buf, size_t n)
{
	const u8 *b = buf;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

s64 manage_check_create(const struct hv_create *c, u64 online)
{
	size_t len = strnlen(c->name, sizeof(c->name));

	if (len == 0 || len >= sizeof(c->name) || !part_name_valid(c->name))
		return HV_EINVAL;
	if (c->memory_bytes < HV_MEMORY_MIN || c->memory_bytes > HV_MEMORY_MAX ||
	    c->memory_bytes % HV_MEMORY_ALIGN)
		return HV_EINVAL;
	if (c->vcpus < 1 || c->vcpus > HV_VCPUS_MAX)
		return HV_EINVAL;
	if (c->flags & ~HV_CREATE_FLAGS_ALL)
		return HV_EINVAL;
	if (c->cpus && !(c->cpus & online))
		return HV_EINVAL;
	if (c->weight > HV_WEIGHT_MAX || c->cap > 100 * c->vcpus)
		return HV_EINVAL;
	if (c->on_poweroff > HV_ACTION_MAX || c->on_reboot > HV_ACTION_MAX ||
	    c->on_crash > HV_ACTION_MAX)
		return HV_EINVAL;
	if (c->reserved0 || !all_zero(c->reserved, sizeof(c->reserved)))
		return HV_EINVAL;
	return 0;
}

s64 manage_check_vcpu_state(const struct hv_vcpu_state *s)
{
	if (s->mode > HV_MODE_LONG || (s->flags & ~HV_VCPU_RUNNABLE) ||
	    !all_zero(s->reserved, sizeof(s->reserved)))
		return HV_EINVAL;
	switch (s->mode) {
	case HV_MODE_REAL:
		return s->rip < MiB(1) ? 0 : HV_EINVAL;
	case HV_MODE_PROTECTED:
		return s->rip <= 0xffffffffULL ? 0 : HV_EINVAL;
	default:
		return canonical(s->rip) && s->cr3 % PAGE_SIZE == 0 &&
		       s->cr3 < (1ULL << 52) ? 0 : HV_EINVAL;
	}
}

s64 manage_check_sched(u64 weight, u64 cap, u32 vcpus, bool parent)
{
	if (weight > HV_WEIGHT_MAX)
		return HV_EINVAL;
	if (cap != CAP_KEEP && (cap > 100ULL * vcpus || (cap && parent)))
		return HV_EINVAL; /* the parent is never capped */
	return 0;
}
