/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_MAIN_H
#define VMM_MAIN_H

#include "boot/boot_info.h"
#include "vmm/base/cmdline.h"

extern struct hv_options hv_opts;

/* Takes the machine: memory, CPUs, interrupts, timers, virtualization.
 * Returns its own copy of the boot information, for the partitions
 * layer to build the pre-launched partitions from. */
const struct boot_info *vmm_main(const struct boot_info *bi);
/* The end of vmm_main (run.c): picks the backend and prepares this CPU
 * (or, in test mode without one, ends the run). */
void vmm_virt_init(const struct boot_info *bi);
/* Once the partitions are created: every CPU runs vCPUs, forever. */
__noreturn void vmm_run(void);
/* Application processors park here until vmm_run() has work for them. */
__noreturn void ap_wait_for_work(void);

#endif
