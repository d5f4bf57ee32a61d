/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI tables of a partition on the virtual PC platform
 * (vmm/platform.h): RSDP, RSDT, XSDT, FADT, FACS, MADT and DSDT, written
 * into the partition's memory so that an unmodified Linux finds its CPUs,
 * its I/O APIC, the PM timer, power-off (S5) and the reset register.
 */
#ifndef PARTITIONS_ACPI_TABLES_H
#define PARTITIONS_ACPI_TABLES_H

#include "vmm/base/types.h"

struct partition;

/*
 * Writes the tables at PLAT_ACPI_BASE, inside [PLAT_ACPI_BASE,
 * PLAT_ACPI_BASE + PLAT_ACPI_SIZE), which must be the partition's RAM; the
 * rest of that area is zeroed. The RSDP comes first, at PLAT_ACPI_BASE
 * itself, where Linux's scan of 0xe0000-0xfffff finds it too. *rsdp_gpa
 * receives its address (for boot_params.acpi_rsdp_addr). One Processor
 * Local APIC per vCPU, APIC ID = vCPU index.
 * Returns 0, -ENOSPC when the tables do not fit, -EFAULT when the area is
 * not the partition's RAM, -EINVAL on a bad partition or DSDT blob.
 */
int acpi_tables_build(struct partition *p, u64 *rsdp_gpa);

/* What acpi_tables_build() derives from the partition and the platform. */
struct acpi_tables_params {
	u64 base, size;  /* the area: base 16-byte aligned, all below 4 GiB */
	u32 nr_cpus;     /* processors with APIC IDs and UIDs 0..nr_cpus-1 */
	u32 ioapic_id;   /* 0-255 */
};

/* The same with explicit parameters (tests: small areas, many CPUs). */
int acpi_tables_write(struct partition *p, const struct acpi_tables_params *prm,
		      u64 *rsdp_gpa);

/* Bytes the tables take for nr_cpus processors (alignment included). */
u64 acpi_tables_size(u32 nr_cpus);

/* The compiled partitions/dsdt.asl, a complete table with its header
 * (partitions/dsdt_blob.S). */
extern const u8 acpi_dsdt_aml[];
extern const u8 acpi_dsdt_aml_end[];

#endif
