/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PARTITIONS_BUILD_H
#define PARTITIONS_BUILD_H

#include "vmm/partition.h"
#include "boot/boot_info.h"

/* Builds a partition from its description, image and optional initrd
 * (both kept for restarts); NULL with a reason in err on failure, with
 * everything undone. */
struct partition *partition_create(const struct part_config *cfg, const u8 *image, u64 size,
				   const u8 *initrd, u64 initrd_size, char *err, size_t errlen);
/* Builds the parent partition (partitions/parent.h) from its description,
 * the machine's boot information and the parent_mem= cap (0 = none). */
struct partition *partition_create_parent(const struct part_config *cfg, const u8 *image,
					  u64 size, const u8 *initrd, u64 initrd_size,
					  const struct boot_info *bi, u64 parent_mem, char *err,
					  size_t errlen);
/* Whether it ended the way its expect= says (test mode). */
bool partition_outcome_expected(const struct partition *p);

#endif
