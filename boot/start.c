// SPDX-License-Identifier: GPL-2.0-only
/* First C code of each boot path: produce a boot_info, then start the
 * core, the partitions the boot modules describe, and the scheduler. */
#include "boot/mb2.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/main.h"
#include "partitions/boot_modules.h"
#include "vmm/base/console.h"
#include "vmm/base/string.h"

static struct boot_info mb2_boot_info;

void mb2_main(u64 mbi_pa, u64 load_pa);

static __noreturn void start(const struct boot_info *bi_in)
{
	const struct boot_info *bi = vmm_main(bi_in);

	partitions_boot(bi);
	vmm_run();
}

void efi_handoff_main(u64 bi_pa);

void mb2_main(u64 mbi_pa, u64 load_pa)
{
	/* The boot map identity-maps the first 4 GiB, where GRUB puts the
	 * information block. */
	const char *err = mb2_parse((const void *)(uintptr_t)mbi_pa, load_pa, &mb2_boot_info);

	mb2_boot_info.image_size = (u64)(__image_end - __image_start);
	if (err) {
		console_init(0x3f8, 115200);
		panic("multiboot2: %s", err);
	}
	start(&mb2_boot_info);
}

void efi_handoff_main(u64 bi_pa)
{
	/* hv.efi placed its boot_info below 4 GiB, inside the identity map. */
	start((const struct boot_info *)(uintptr_t)bi_pa);
}
