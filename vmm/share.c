// SPDX-License-Identifier: GPL-2.0-only
/* A child's RAM shown to the parent (vmm/share.h). */
#include "vmm/share.h"
#include "vmm/sched.h"
#include "vmm/base/log.h"

static u32 ranges_of(const struct partition *c, struct hv_mem_range *out, u32 max)
{
	u32 n = 0;

	for (u32 i = 0; i < c->nr_ram; i++) {
		if (n < max)
			out[n] = (struct hv_mem_range){ .child_gpa = c->ram[i].gpa,
							.parent_gpa = c->ram[i].hpa,
							.size = c->ram[i].size };
		n++;
	}
	return n;
}

static void unmap_all(struct partition *c, struct partition *to, u32 upto)
{
	u64 f = spin_lock_irqsave(&to->slat_lock);
	for (u32 i = 0; i < upto; i++)
		pt_unmap(&to->slat, c->ram[i].hpa, c->ram[i].size);
	spin_unlock_irqrestore(&to->slat_lock, f);
}

int partition_share_ram(struct partition *c, struct partition *to, struct hv_mem_range *out,
			u32 max)
{
	if (c->shared_to == to)
		return (int)ranges_of(c, out, max);
	if (c->shared_to)
		return -1;
	/* Only what came from the pool: a child made from the boot
	 * configuration has nothing else, and nothing of it is the
	 * parent's own or the hypervisor's. */
	for (u32 i = 0; i < c->nr_ram; i++)
		if (!c->ram[i].pool)
			return -1;
	u64 f = spin_lock_irqsave(&to->slat_lock);
	/* The table pages this takes (a few per GiB: 2 MiB and 1 GiB
	 * leaves) are not the parent's on-demand budget, which a sweep of
	 * device space may have used up: the quota grows by what they take. */
	u32 quota = to->slat_quota, before = to->slat_pages;
	to->slat_quota = 0;
	for (u32 i = 0; i < c->nr_ram; i++) {
		if (pt_map(&to->slat, c->ram[i].hpa, c->ram[i].hpa, c->ram[i].size,
			   PT_RWX | PT_USER) < 0) {
			to->slat_quota = quota ? quota + (to->slat_pages - before) : 0;
			spin_unlock_irqrestore(&to->slat_lock, f);
			unmap_all(c, to, i + 1);
			__atomic_fetch_add(&to->slat_generation, 1, __ATOMIC_SEQ_CST);
			return -1;
		}
	}
	to->slat_quota = quota ? quota + (to->slat_pages - before) : 0;
	spin_unlock_irqrestore(&to->slat_lock, f);
	c->shared_to = to;
	c->unshare_phase = 0;
	pr_info("partition '%s': its RAM is visible to '%s' for its device backends",
		c->cfg.name, to->cfg.name);
	return (int)ranges_of(c, out, max);
}

bool partition_unshare_step(struct partition *c)
{
	struct partition *to = c->shared_to;

	if (!to)
		return true;
	if (c->unshare_phase == 0) {
		unmap_all(c, to, c->nr_ram);
		/* After the unmap: a vCPU entering from now on sees the new
		 * generation and flushes (the backends check it at entry). */
		__atomic_fetch_add(&to->slat_generation, 1, __ATOMIC_SEQ_CST);
		for (u32 i = 0; i < to->nr_vcpus; i++) {
			struct vcpu *v = to->vcpu[i];
			v->shootdown_exits = __atomic_load_n(&v->exits, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST))
				sched_kick(v);
		}
		c->unshare_phase = 1;
	}
	/* Done once every vCPU of `to` is out of the guest or has left it
	 * since (in_guest is set before the generation is read at entry). */
	for (u32 i = 0; i < to->nr_vcpus; i++) {
		struct vcpu *v = to->vcpu[i];
		if (!__atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&v->exits, __ATOMIC_SEQ_CST) != v->shootdown_exits)
			continue;
		sched_kick(v);
		return false;
	}
	c->shared_to = NULL;
	return true;
}
