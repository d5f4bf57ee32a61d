/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A child's RAM shown to the parent, for the device backends that serve
 * it (HVC_MEMORY_SHARE): each RAM region of the child is mapped into the
 * parent's second-level tables at its host address (the parent's
 * guest-physical addresses are the machine's), until the child is
 * destroyed. Taking it back is a shootdown: the mappings go, the parent's
 * slat_generation moves, and the destroy waits until no vCPU of the
 * parent can still hold a translation from before (each has left the
 * guest once) before the memory is scrubbed and returned to the pool.
 */
#ifndef VMM_SHARE_H
#define VMM_SHARE_H

#include "vmm/partition.h"

/* Maps child's RAM into to (idempotent); fills out[] with up to max
 * ranges and returns how many there are, or -1 when a mapping failed
 * (out of table pages; nothing stays mapped). */
int partition_share_ram(struct partition *child, struct partition *to,
			struct hv_mem_range *out, u32 max);
/* One step of taking the shared RAM back; true when it is (or was never
 * shared). A vCPU running an exit handler -- the caller's own -- is out
 * of the guest already. */
bool partition_unshare_step(struct partition *child);

#endif
