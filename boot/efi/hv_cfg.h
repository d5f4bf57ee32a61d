/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv.cfg: the boot configuration hv.efi reads from beside itself, the
 * counterpart of a GRUB menu entry:
 *
 *   # comment
 *   cmdline console=com1 loglevel=info
 *   module guests/io.elf child name=io mem=16M vcpus=2
 *
 * Module paths are relative to hv.efi's directory. Each module reaches
 * the core with the command line "ARGS" (without the path), as GRUB's
 * module2 passes it.
 */
#ifndef BOOT_EFI_HV_CFG_H
#define BOOT_EFI_HV_CFG_H

#include <stddef.h>
#include "boot/boot_info.h"

#define HV_CFG_PATH_MAX 128

struct hv_cfg_module {
	char path[HV_CFG_PATH_MAX];
	char cmdline[BOOT_MODCMD_MAX]; /* the arguments after the path */
};

struct hv_cfg {
	char cmdline[BOOT_CMDLINE_MAX];
	uint32_t nmodules;
	struct hv_cfg_module modules[BOOT_MODULES_MAX];
};

/* Returns NULL, or an error message with *line set to the bad line. */
const char *hv_cfg_parse(const char *text, size_t len, struct hv_cfg *cfg, int *line);

#endif
