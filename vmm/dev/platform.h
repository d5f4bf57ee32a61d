/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual PC a Linux (or multiboot) child sees: where its devices sit
 * and the interfaces between them. Test guests get only the test device;
 * partitions booted through the Linux or multiboot protocols get this
 * platform and the ACPI tables that describe it.
 */
#ifndef VMM_DEV_PLATFORM_H
#define VMM_DEV_PLATFORM_H

#include "vmm/base/types.h"

struct partition;
struct vcpu;

/* Guest-physical and port layout. */
#define PLAT_IOAPIC_BASE 0xfec00000ULL
#define PLAT_IOAPIC_PINS 24
#define PLAT_LAPIC_BASE 0xfee00000ULL
#define PLAT_HPET_BASE 0xfed00000ULL
#define PLAT_ACPI_BASE 0xe0000ULL   /* RSDP first: the BIOS area Linux scans */
#define PLAT_ACPI_SIZE 0x10000ULL
#define PLAT_PM1A_EVT 0x600         /* PM1a status (2 bytes), enable (2 bytes) */
#define PLAT_PM1A_CNT 0x604         /* PM1a control, 2 bytes */
#define PLAT_PM_TMR 0x608           /* ACPI PM timer, 32-bit, 3.579545 MHz */
#define PLAT_RESET_PORT 0xcf9       /* FADT reset register */
#define PLAT_RESET_VALUE 0x06
#define PLAT_SCI_IRQ 9
#define PLAT_UART_PORT 0x3f8
#define PLAT_UART_IRQ 4
#define PLAT_RTC_PORT 0x70
#define PLAT_RTC_IRQ 8
#define PLAT_I8042_DATA 0x60
#define PLAT_I8042_CMD 0x64
#define PLAT_PVPANIC_PORT 0x510     /* pvpanic (ACPI QEMU0001); QEMU puts it at
                                     * 0x505, inside the test device here */
/* SLP_TYP for S5 in the DSDT's \_S5 package and the PM1a_CNT write. */
#define PLAT_SLP_TYP_S5 5

/* How a partition's PC departs from the default (a child's): the parent's
 * is the machine's (partitions/parent.h). */
struct platform_config {
	u64 ioapic_base;      /* guest-physical address of the I/O APIC */
	u32 ioapic_id;
	bool machine_devices; /* the RTC, ACPI PM block, reset port and i8042
			       * are the machine's own: not emulated */
	bool raw_console;     /* the UART's bytes reach the console as they
			       * come, untagged (the machine's console) */
};

/* Attaches every platform device to p (UART, RTC, PIC, I/O APIC, ACPI PM
 * block, reset port, i8042), configured by cfg (NULL: a child's PC, the
 * I/O APIC at PLAT_IOAPIC_BASE with the ID after the vCPUs'). Returns 0
 * or -1. */
int platform_attach(struct partition *p, const struct platform_config *cfg);
/* Frees what platform_attach allocated (partition creation failed). */
void platform_detach(struct partition *p);
/* Back to the state after a hardware reset (partition restart). The RTC
 * keeps its time and CMOS RAM, as a battery-backed one does. */
void platform_devices_reset(struct partition *p);

/* The devices and the first vCPU's local APIC as a PC's firmware leaves
 * them (a child's PC; nothing for the parent's): after the partition is
 * built and after each restart. */
void platform_firmware_state(struct partition *p);

/* The 8259A's request through v's LINT0 (the first vCPU's, in ExtINT
 * mode or with its APIC disabled), and its acknowledge: the vector. */
bool platform_extint_pending(struct vcpu *v);
u8 platform_extint_ack(struct vcpu *v);
/* The PC's timers that are not a vCPU's (the PIT): fires what is due at
 * host TSC `now`, returns the host TSC of the next event or 0. */
u64 platform_timer_update(struct partition *p, u64 now);

/* The I/O APIC's ID (ID register bits 31:24 after reset, and the MADT's
 * I/O APIC entry): a child's is the first APIC ID after its vCPUs'
 * 0..vcpus-1, so that it never equals a processor's. */
u32 platform_ioapic_id(const struct partition *p);

/* Virtual I/O APIC: raise or lower an input (ISA IRQs 0-15 = GSIs 0-15,
 * with IRQ0 on GSI2 as the MADT override says). */
void vioapic_set_irq(struct partition *p, u32 gsi, bool level);
/* An interrupt message (from the I/O APIC or an MSI) to the local APICs
 * of p: an 8-bit destination, physical or logical; fixed, lowest
 * priority, NMI or INIT (others reach nobody, as do vectors 0-15 in fixed
 * and lowest-priority mode, SDM 11.5.3). True when some APIC took it. */
bool platform_deliver(struct partition *p, u32 dest, bool logical, u32 mode, u8 vec, bool level);
/* The LAPIC of v took an EOI for a level-triggered vector. */
void vioapic_eoi(struct vcpu *v, u8 vector);

/* What the guest asked of the machine (ACPI S5, reset register, i8042
 * pulse): the partition stops, or restarts if configured to. */
void platform_poweroff(struct partition *p);
/* Presses the ACPI power button of p's PC (-1: it has none). */
int platform_power_button(struct partition *p);
void platform_reset(struct partition *p);

/* Host wall-clock time at boot, for the virtual RTC (seconds since 1970,
 * UTC; 0 when the host has no readable RTC). */
extern u64 host_boot_unix_time;
/* Reads the host RTC once (drivers/rtc.h) and sets host_boot_unix_time;
 * called at boot once ACPI and the TSC are known. */
void platform_host_clock_init(void);

#endif
