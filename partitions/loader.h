/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PARTITIONS_LOADER_H
#define PARTITIONS_LOADER_H

#include "vmm/partition.h"

struct image_info {
	u64 entry;
	enum entry_mode mode;
	bool elf;
};

/*
 * Copies a boot image into the partition's RAM below `limit`: an ELF32 or
 * ELF64 executable at its segments' physical addresses (entry and, unless
 * mode= says otherwise, 32-bit protected or 64-bit long mode from the ELF
 * class), or a flat binary at load= (default 0x7c00 in real mode, 1 MiB
 * otherwise) entered at entry= (default: the load address). Every field
 * of the image is checked against the file and the partition's memory.
 * Returns NULL or an error message.
 */
const char *image_load(struct partition *p, const u8 *img, u64 size, const struct part_config *cfg,
		       u64 limit, struct image_info *out);

#endif
