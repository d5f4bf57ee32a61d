/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The compiled DSDT (partitions/dsdt.asl -> $(BUILD)/dsdt.aml), embedded in
 * the hypervisor's .rodata; partitions/acpi_tables.c copies it into each
 * partition. The path comes from partitions/acpi.mk as DSDT_FILE. The
 * unit test links the same file, so it checks the very bytes guests get.
 */
	.section .rodata
	.balign 16
	.globl acpi_dsdt_aml, acpi_dsdt_aml_end
	.type acpi_dsdt_aml, @object
	.type acpi_dsdt_aml_end, @object
acpi_dsdt_aml:
	.incbin DSDT_FILE
acpi_dsdt_aml_end:
	.size acpi_dsdt_aml, acpi_dsdt_aml_end - acpi_dsdt_aml
	.section .note.GNU-stack, "", @progbits
