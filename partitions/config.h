/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PARTITIONS_CONFIG_H
#define PARTITIONS_CONFIG_H

#include "vmm/partition.h"

enum module_kind { MODULE_UNKNOWN, MODULE_CHILD, MODULE_INITRD, MODULE_PARENT, MODULE_GUARD };

/*
 * Parses a boot module's command line (what follows the file name on
 * GRUB's module2 line or in hv.cfg): "KIND key=value ...", e.g.
 *   child name=io mem=16M vcpus=2 mode=long
 *   child name=linux mem=256M vcpus=2 -- console=ttyS0
 *   initrd name=linux
 *   parent -- console=ttyS0
 *   initrd name=parent
 *   guard
 * A guard module is ignored: the page loaded first so that GRUB on UEFI
 * never puts a module that matters at address 0 (scripts/mkguard.sh).
 * Everything after "--" is the guest kernel's own command line; an
 * initrd module names the partition it belongs to. The parent is named
 * "parent" unless name= says otherwise; it gets every CPU and the
 * memory the hypervisor's parent_mem= allows, so it takes only name=,
 * expect= and timeout=.
 * Returns NULL, or an error naming the offending token (written to err).
 */
const char *part_config_parse(const char *cmdline, enum module_kind *kind,
			      struct part_config *cfg, char *err, size_t errlen);

/* 1-31 of [A-Za-z0-9_.-] (the caller checks the length). */
bool part_name_valid(const char *s);

#endif
