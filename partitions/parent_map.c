// SPDX-License-Identifier: GPL-2.0-only
/* The machine's memory map, and the parent's view of it (parent.h). Kept
 * apart from parent.c so that host unit tests can compile it. */
#include "partitions/parent.h"
#include "partitions/linux.h"

static const struct boot_info *host;

void parent_map_init(const struct boot_info *bi)
{
	host = bi;
}

bool parent_host_overlaps(u64 base, u64 len, u32 type)
{
	for (u32 i = 0; i < host->mmap_count; i++) {
		const struct boot_mem_range *r = &host->mmap[i];
		if (r->type == type && base < r->base + r->len && r->base < base + len)
			return true;
	}
	return false;
}

u32 parent_host_type(u64 pa)
{
	for (u32 i = 0; i < host->mmap_count; i++) {
		const struct boot_mem_range *r = &host->mmap[i];
		if (pa >= r->base && pa - r->base < r->len)
			return r->type;
	}
	return 0; /* a hole: device space */
}

const struct mem_region *parent_owned(const struct partition *p, u64 pa)
{
	for (u32 i = 0; i < p->nr_ram; i++)
		if (pa >= p->ram[i].gpa && pa - p->ram[i].gpa < p->ram[i].size)
			return &p->ram[i];
	return NULL;
}

/* The lowest region that starts above pa, or NULL. */
static const struct mem_region *owned_after(const struct partition *p, u64 pa)
{
	const struct mem_region *best = NULL;

	for (u32 i = 0; i < p->nr_ram; i++)
		if (p->ram[i].gpa > pa && (!best || p->ram[i].gpa < best->gpa))
			best = &p->ram[i];
	return best;
}

int parent_memory_map(const struct partition *p, struct guest_mem_range *out, int max)
{
	int n = 0;

	for (u32 i = 0; i < host->mmap_count; i++) {
		const struct boot_mem_range *r = &host->mmap[i];
		u64 cur = r->base, end = r->base + r->len;
		if (r->type != BOOT_MEM_USABLE) {
			/* ACPI data, NVS, reserved and bad keep their e820 types. */
			u32 t = r->type <= BOOT_MEM_BAD ? r->type : GUEST_MEM_RESERVED;
			if (!guest_mem_add(out, &n, max, cur, end, t))
				return -1;
			continue;
		}
		/* Usable RAM is the parent's where it owns it; the rest (the
		 * hypervisor, the pool, other partitions) is reserved. */
		while (cur < end) {
			const struct mem_region *m = parent_owned(p, cur);
			u64 stop;
			u32 t;
			if (m) {
				stop = MIN(end, m->gpa + m->size);
				t = GUEST_MEM_RAM;
			} else {
				const struct mem_region *next = owned_after(p, cur);
				stop = next ? MIN(end, next->gpa) : end;
				t = GUEST_MEM_RESERVED;
			}
			if (!guest_mem_add(out, &n, max, cur, stop, t))
				return -1;
			cur = stop;
		}
	}
	return n;
}

