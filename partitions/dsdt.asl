/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DSDT of a Linux child partition (ACPI 6.5 5.2.11.1), compiled at build
 * time with iasl into $(BUILD)/dsdt.aml and embedded in the hypervisor by
 * partitions/dsdt_blob.S; partitions/acpi_tables.c copies it into the
 * partition next to the FADT that points at it.
 *
 * Deliberately minimal. Everything a guest needs to find its CPUs and
 * interrupt controllers is in the MADT, and the fixed hardware (PM1 event
 * and control blocks, PM timer, reset register) in the FADT; the namespace
 * only has to carry what the tables cannot say:
 *
 *  - \_S5: the SLP_TYP value for soft-off, without which Linux has no
 *    ACPI power-off (ACPI 6.5 7.4.2.6).
 *  - \_PIC: lets the OS say which interrupt model it uses (ACPI 6.5
 *    5.8.1). The platform needs no change either way; the method only
 *    exists so the call succeeds.
 *  - \_SB: the system bus scope (ACPI 6.5 5.3.1), with the pvpanic port
 *    (QEMU's ACPI ID QEMU0001, which Linux's pvpanic driver binds),
 *    through which a panicking guest kernel says so; the PCI host bridge
 *    of bus 0 (PNP0A08, vmm/dev/pci.h) with the windows its devices'
 *    BARs decode in; and a motherboard-resources device (PNP0C02) that
 *    reserves the ECAM area the MCFG names, which Linux requires before
 *    it uses ECAM (PCI Firmware 3.2 4.1.2). The UART,
 *    RTC and PIC sit at their legacy ISA addresses, which Linux probes
 *    without namespace objects; processors come from the MADT alone; the
 *    power button is the FADT's fixed-feature one.
 *
 * No OperationRegion touches hardware, so the AML never traps into the
 * hypervisor except through the fixed registers the FADT lists.
 *
 * Compliance revision 2: 64-bit integers (ACPI 6.5 19.6.29). The OEM ID
 * and OEM table ID match the tables built in C.
 */
DefinitionBlock ("", "DSDT", 2, "HVHV  ", "HVDSDT  ", 0x00000001)
{
	/*
	 * \_S5 (ACPI 6.5 7.4.2.6): SLP_TYPa, SLP_TYPb, then two reserved
	 * entries. The value is what the virtual PM1a control register
	 * recognises as soft-off: PLAT_SLP_TYP_S5 in vmm/platform.h (5, as
	 * on the PIIX4/ICH chipsets). There is no PM1b block, so SLP_TYPb
	 * only repeats it. ASL cannot include the C header; the unit test
	 * (tests/unit/test_acpi_tables.c) checks the two agree.
	 */
	Name (_S5, Package (0x04)
	{
		0x05,
		0x05,
		Zero,
		Zero
	})

	/*
	 * \_PIC (ACPI 6.5 5.8.1): Arg0 is 0 for PIC mode, 1 for APIC mode,
	 * 2 for SAPIC mode. Interrupt routing does not depend on it (there
	 * is no PCI routing table), so the value is only remembered.
	 */
	Name (PICM, Zero)
	Method (_PIC, 1, NotSerialized)
	{
		PICM = Arg0
	}

	/* The system bus (ACPI 6.5 5.3.1). */
	Scope (\_SB)
	{
		/* pvpanic at port 0x510 (PLAT_PVPANIC_PORT), one byte. */
		Device (PEVT)
		{
			Name (_HID, "QEMU0001")
			Name (_STA, 0x0F)
			Name (_CRS, ResourceTemplate ()
			{
				IO (Decode16, 0x0510, 0x0510, 0x01, 0x01)
			})
		}

		/*
		 * PCI bus 0 (ACPI 6.5 6.1.5, 6.2.2; PCI Firmware 3.2 4.1).
		 * Its resources, which must match hv_abi.h's HV_PCI_*:
		 * bus 0 only; configuration mechanism #1 at 0xcf8-0xcff
		 * (consumed); the I/O window 0xc000-0xcfff and the memory
		 * window 0xc0000000-0xcfffffff the BARs sit in (produced).
		 * Interrupts are MSI-X only: no _PRT. No _OSC either: the
		 * functions are conventional PCI, with nothing native to
		 * hand over.
		 */
		Device (PCI0)
		{
			Name (_HID, EisaId ("PNP0A08"))
			Name (_CID, EisaId ("PNP0A03"))
			Name (_UID, Zero)
			Name (_SEG, Zero)
			Name (_BBN, Zero)
			Name (_CRS, ResourceTemplate ()
			{
				WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
					0x0000, 0x0000, 0x0000, 0x0000, 0x0001)
				IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
				WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
					0x0000, 0xC000, 0xCFFF, 0x0000, 0x1000)
				DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
					NonCacheable, ReadWrite,
					0x00000000, 0xC0000000, 0xCFFFFFFF, 0x00000000, 0x10000000)
			})
		}

		/* The ECAM area of bus 0: HV_PCI_ECAM_BASE, 1 MiB. */
		Device (MRES)
		{
			Name (_HID, EisaId ("PNP0C02"))
			Name (_UID, One)
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0xE0000000, 0x00100000)
			})
		}
	}
}
