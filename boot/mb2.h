/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BOOT_MB2_H
#define BOOT_MB2_H

#include "boot/boot_info.h"

/*
 * Translates a multiboot2 information block into a boot_info. Every tag is
 * bounds-checked against total_size: a malformed block yields an error
 * string instead of a read past its end.
 */
const char *mb2_parse(const void *mbi, uint64_t load_pa, struct boot_info *bi);

#endif
