/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_MAIN_H
#define VMM_MAIN_H

#include "boot/boot_info.h"
#include "vmm/base/cmdline.h"

extern struct hv_options hv_opts;

__noreturn void vmm_main(const struct boot_info *bi);
/* After the platform is up: run partitions (or finish the test run). */
__noreturn void vmm_run(const struct boot_info *bi);
/* Application processors park here until vmm_run() has work for them. */
__noreturn void ap_wait_for_work(void);

#endif
