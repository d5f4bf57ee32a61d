/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PARTITIONS_BOOT_MODULES_H
#define PARTITIONS_BOOT_MODULES_H

#include "boot/boot_info.h"

/* Creates and starts the partitions the boot modules describe, the
 * parent last; a rejected line is reported and counted, the others still
 * start. In test mode, arranges the verdict for when all have stopped. */
void partitions_boot(const struct boot_info *bi);

#endif
