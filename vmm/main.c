// SPDX-License-Identifier: GPL-2.0-only
/* vmm_main: the core's start, the same for every boot path. */
#include "vmm/main.h"
#include "vmm/spec.h"
#include "vmm/fpu.h"
#include "vmm/base/cmdline.h"
#include "vmm/base/console.h"
#include "vmm/base/cpu.h"
#include "vmm/base/heap.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/paging.h"
#include "vmm/base/percpu.h"
#include "vmm/dev/platform.h"
#include "vmm/base/pmm.h"
#include "vmm/base/power.h"
#include "vmm/base/smp.h"
#include "vmm/base/string.h"
#include "vmm/base/trap.h"
#include "drivers/acpi.h"
#include "drivers/ioapic.h"
#include "drivers/pci.h"
#include "drivers/lapic.h"
#include "drivers/timer.h"

struct hv_options hv_opts;
static struct boot_info boot_copy;

static const char *boot_path_name(u32 path)
{
	switch (path) {
	case BOOT_PATH_MB2_BIOS: return "GRUB multiboot2 (BIOS)";
	case BOOT_PATH_MB2_EFI: return "GRUB multiboot2 (UEFI)";
	case BOOT_PATH_EFI: return "UEFI application hv.efi";
	default: return "unknown";
	}
}

static const char *mem_type_name(u32 type)
{
	switch (type) {
	case BOOT_MEM_USABLE: return "usable";
	case BOOT_MEM_ACPI_RECLAIM: return "ACPI data";
	case BOOT_MEM_ACPI_NVS: return "ACPI NVS";
	case BOOT_MEM_BAD: return "bad";
	default: return "reserved";
	}
}

static void option_warning(const char *why, const char *key, const char *val)
{
	pr_warn("command line: %s%s%s: %s", key, val[0] ? "=" : "", val, why);
}

static const void *acpi_map_direct(u64 pa, u64 len)
{
	/* ACPI tables live in RAM or firmware-reserved ranges the direct map
	 * covers; anything else is not a table we can trust. */
	if (pa + len < pa || pa + len > DIRECT_MAP_SIZE)
		return NULL;
	return phys_to_virt(pa);
}

static void print_memory_map(const struct boot_info *bi)
{
	u64 total = 0;

	for (u32 i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_range *r = &bi->mmap[i];
		pr_debug("  %#014lx-%#014lx %s", (unsigned long)r->base,
			 (unsigned long)(r->base + r->len - 1), mem_type_name(r->type));
		if (r->type == BOOT_MEM_USABLE)
			total += r->len;
	}
	pr_info("memory map: %u ranges, %lu MiB usable", bi->mmap_count,
		(unsigned long)(total >> 20));
}

/* console=auto: once ACPI is read, the UART the firmware's SPCR names
 * (a server's serial-over-LAN port) becomes the console. The lines
 * before went to COM1; the first one after says so. */
static void console_from_spcr(void)
{
	u16 port, was = console_port();
	u32 baud;
	const char *why = acpi_spcr_console(&acpi, &port, &baud);

	if (!acpi.have_spcr)
		return;
	if (why) {
		pr_warn("console: the ACPI SPCR's console cannot be used: %s; staying on %#x", why,
			was);
		return;
	}
	if (port == was)
		return;
	pr_info("console: moving to the UART the ACPI SPCR names, at %#x", port);
	log_flush();
	console_init(port, baud);
	if (!console_port()) {
		console_init(was, hv_opts.console_baud);
		pr_warn("console: no UART answers at %#x, which the ACPI SPCR names; staying on %#x",
			port, was);
		return;
	}
	pr_info("console: the UART the ACPI SPCR names, at %#x, %u baud%s (earlier lines went "
		"to %#x)", port, console_baud(), baud ? "" : " as the firmware set it", was);
}

static __noreturn void boot_fail(const char *what, const char *why)
{
	panic("%s: %s", what, why);
}

const struct boot_info *vmm_main(const struct boot_info *bi_in)
{
	const char *err;

	timer_early_init();
	/* A console first, so that every later failure can be reported. */
	console_init(0x3f8, 115200);
	if (!bi_in || bi_in->magic != BOOT_INFO_MAGIC || bi_in->version != BOOT_INFO_VERSION)
		boot_fail("boot", "boot information is missing or of another version");
	if (bi_in != &boot_copy)
		memcpy(&boot_copy, bi_in, sizeof(boot_copy));
	const struct boot_info *bi = &boot_copy;
	boot_copy.cmdline[BOOT_CMDLINE_MAX - 1] = 0;

	hv_options_default(&hv_opts);
	/* Parse quietly first to learn console=, then again to report. */
	hv_options_parse(&hv_opts, bi->cmdline, NULL);
	console_init(hv_opts.console_port, hv_opts.console_baud);
	log_level = hv_opts.loglevel;
	power_set_test_mode(hv_opts.test);

	percpu_init_bsp();
	idt_init();
	idt_load();
	cpu_identify(&boot_cpu);
	cpu_setup();

	pr_info("hv: hypervisor starting (boot path: %s, loader: %s)", boot_path_name(bi->path),
		bi->loader[0] ? bi->loader : "unknown");
	pr_info("command line: %s", bi->cmdline);
	{
		struct hv_options scratch;
		hv_options_default(&scratch);
		hv_options_parse(&scratch, bi->cmdline, option_warning);
	}
	pr_info("cpu: %s %s family %#x model %#x, %s%s%s", boot_cpu.vendor_str,
		boot_cpu.brand, boot_cpu.family, boot_cpu.model,
		boot_cpu.svm ? "AMD-V " : "", boot_cpu.vmx ? "VT-x " : "",
		boot_cpu.x2apic ? "x2APIC" : "xAPIC only");

	print_memory_map(bi);
	if ((err = pmm_init(bi, GiB(4))))
		boot_fail("memory", err);
	if ((err = paging_init(bi)))
		boot_fail("paging", err);
	pr_info("image at %#lx (%lu KiB), %u boot module%s", (unsigned long)bi->image_pa,
		(unsigned long)(bi->image_size >> 10), bi->module_count,
		bi->module_count == 1 ? "" : "s");
	for (u32 i = 0; i < bi->module_count; i++)
		pr_info("  module %u: %#lx-%#lx %s", i, (unsigned long)bi->modules[i].start,
			(unsigned long)bi->modules[i].end, bi->modules[i].cmdline);

	if ((err = acpi_parse(bi->rsdp_len ? bi->rsdp : NULL, bi->rsdp_len, acpi_map_direct,
			      &acpi)))
		boot_fail("ACPI", err);
	pr_info("acpi: revision %u, %u tables, %u CPUs, %u I/O APICs, PM timer %s", acpi.revision,
		acpi.ntables, acpi.ncpus, acpi.nioapics, acpi.pm_tmr ? "yes" : "no");
	if (hv_opts.console_auto)
		console_from_spcr();

	pic_disable();
	if ((err = lapic_init_bsp(acpi.lapic_addr, hv_opts.x2apic)))
		boot_fail("local APIC", err);
	ioapic_init(&acpi);
	pci_init(&acpi);
	if ((err = timer_calibrate(&acpi)))
		boot_fail("timer", err);
	pr_info("timer: TSC %lu.%03lu MHz%s, LAPIC timer %lu kHz (by %s), %s mode",
		(unsigned long)(tsc_khz / 1000), (unsigned long)(tsc_khz % 1000),
		boot_cpu.invariant_tsc ? " invariant" : "", (unsigned long)lapic_timer_khz,
		timer_reference_name(), lapic_x2apic_mode() ? "x2APIC" : "xAPIC");
	platform_host_clock_init(); /* wall clock for guests' RTCs (after ACPI: century) */

	spec_init();
	fpu_init();
	smp_boot(hv_opts.max_cpus, hv_opts.smt, ap_wait_for_work);

	struct pmm_stats st;
	pmm_get_stats(&st);
	u32 listed = 0;
	for (u32 i = 0; i < acpi.ncpus; i++)
		listed += acpi.cpus[i].enabled;
	pr_info("hv: boot summary: path %s; CPUs online %u of %u; memory %lu MiB usable, "
		"%lu MiB free", boot_path_name(bi->path), nr_cpus_online, listed,
		(unsigned long)(st.usable_pages >> 8), (unsigned long)(st.free_pages >> 8));

	vmm_virt_init(bi);
	return bi;
}
