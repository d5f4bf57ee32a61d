/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include "vmm/base/types.h"

struct acpi_sdt_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "ACPI 6.5 5.2.6");

struct acpi_rsdp {
	char signature[8];
	u8 checksum;
	char oem_id[6];
	u8 revision;
	u32 rsdt;
	/* ACPI 2.0+ */
	u32 length;
	u64 xsdt;
	u8 ext_checksum;
	u8 reserved[3];
} __packed;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 6.5 5.2.5.3");

/* Generic Address Structure (ACPI 6.5 5.2.3.2). */
struct acpi_gas {
	u8 space; /* 0 memory, 1 I/O */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;
	u64 address;
} __packed;

#define ACPI_MAX_IOAPICS 16
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_CPUS 256

struct acpi_cpu {
	u32 apic_id;
	u32 uid;
	bool enabled;
};

struct acpi_ioapic {
	u32 id;
	u32 addr;
	u32 gsi_base;
};

struct acpi_override {
	u8 bus;
	u8 source; /* ISA IRQ */
	u32 gsi;
	u16 flags; /* polarity and trigger mode */
};

#define ACPI_MAX_IOMMUS 8
#define ACPI_MAX_RMRRS 16

/* A VT-d remapping unit (DMAR DRHD, VT-d 3.4 8.3). */
struct acpi_drhd {
	u64 base;          /* its registers: one page, or 2^(size+12) bytes */
	u32 size;          /* bytes of register space */
	u16 segment;
	bool include_all;  /* every device of the segment not under another */
};

/* Memory the firmware needs devices to reach (DMAR RMRR, VT-d 3.4 8.4;
 * IVRS IVMD unity maps): [base, limit], limit inclusive. */
struct acpi_rmrr {
	u64 base, limit;
};

/* An AMD-Vi unit (IVRS IVHD, AMD IOMMU 3.x 5.2.2). */
struct acpi_ivhd {
	u64 base;          /* its MMIO registers */
	u16 devid;         /* the IOMMU's own PCI function (BDF) */
	u16 cap_offset;    /* its capability block in that function */
	u16 segment;
	u8 type;           /* 0x10, 0x11 or 0x40 */
};

struct acpi_info {
	u64 rsdp_addr;   /* 0 when the RSDP came as a copy from the loader */
	u8 revision;
	bool have_xsdt;
	u64 lapic_addr;
	bool pic_present;  /* MADT PCAT_COMPAT */
	u32 ncpus;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	u32 nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	u32 noverrides;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	/* FADT */
	bool have_fadt;
	u32 pm1a_cnt, pm1b_cnt;  /* I/O ports, 0 = none */
	u32 pm1a_evt, pm1b_evt;  /* I/O ports, 0 = none */
	u8 pm1_evt_len, pm1_cnt_len; /* bytes per block (at least 4 and 2) */
	/* Control blocks the X_ fields put in memory space (0 = none): the
	 * hypervisor mediates them like the I/O ones. */
	u64 pm1a_cnt_mem, pm1b_cnt_mem;
	/* Hardware-reduced sleep registers (FADT 6.0 SLEEP_CONTROL_REG,
	 * SLEEP_STATUS_REG); address 0 = none. */
	struct acpi_gas sleep_control, sleep_status;
	u32 pm_tmr;              /* I/O port, 0 = none */
	bool pm_tmr_32bit;
	bool reset_supported;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u16 boot_arch;           /* IAPC_BOOT_ARCH */
	u8 century;
	bool hw_reduced;
	bool have_s5;
	u8 slp_typa, slp_typb;
	u64 hpet_addr;           /* 0 = no HPET table */
	/* SPCR (Microsoft's Serial Port Console Redirection table, rev. 2+):
	 * the UART the firmware redirects its console to. */
	bool have_spcr;
	u8 spcr_type;            /* interface type: 0 16550, 1 16450, 0x12 16550-compatible */
	struct acpi_gas spcr_base;
	u32 spcr_baud;           /* 0: as the firmware left the UART */
	u64 mcfg_addr;           /* PCIe ECAM of segment 0, 0 = none */
	u8 mcfg_bus_start, mcfg_bus_end;
	/* DMAR (Intel) and IVRS (AMD): the IOMMUs, where the firmware's
	 * tables are (so the parent can be kept from them), and what
	 * devices must keep reaching. */
	u64 dmar_pa, ivrs_pa;    /* 0 = no such table */
	u8 dmar_haw;             /* host address width, bits */
	u8 dmar_flags;           /* bit 0 INTR_REMAP, bit 1 X2APIC_OPT_OUT */
	u32 ndrhd;
	struct acpi_drhd drhd[ACPI_MAX_IOMMUS];
	u32 nivhd;
	struct acpi_ivhd ivhd[ACPI_MAX_IOMMUS];
	u32 nrmrr;
	struct acpi_rmrr rmrr[ACPI_MAX_RMRRS];
	/* The I/O APICs an IVHD's special entries name (their IDs): AMD-Vi
	 * remaps their interrupts (Linux wants each one listed too). */
	u32 nivrs_ioapics;
	u8 ivrs_ioapic[ACPI_MAX_IOAPICS];
	/* The requester IDs the I/O APICs' interrupts carry, as the DMAR's
	 * device scopes give them (VT-d 3.4 8.3.1; one-step paths only). */
	u32 ndmar_ioapics;
	struct { u8 id; u16 sid; } dmar_ioapic[ACPI_MAX_IOAPICS];
	u32 iommu_bad;           /* structures rejected as malformed */
	u32 ntables;
	char table_sigs[32][5];
};

/* Maps a table's bytes for reading; a hook so host tests can feed samples. */
typedef const void *(*acpi_map_fn)(u64 pa, u64 len);

/*
 * Parses the tables reached from an RSDP (given as a copy, or found by
 * scanning the BIOS areas when rsdp_copy is NULL). Bad checksums, short
 * lengths and out-of-range entries are rejected per table; the result
 * keeps what was valid. Returns NULL or an error string when no usable
 * root table exists.
 */
const char *acpi_parse(const void *rsdp_copy, u32 rsdp_len, acpi_map_fn map,
		       struct acpi_info *out);
bool acpi_checksum_ok(const void *p, u64 len);
/* The console the SPCR names: NULL with its I/O port and baud rate (0:
 * keep the UART's), or why the hypervisor's console cannot use it. */
const char *acpi_spcr_console(const struct acpi_info *a, u16 *port, u32 *baud);

/* Finds "_S5_" in AML and reads the SLP_TYP values (ACPI 6.5 7.4.2). */
bool acpi_find_s5(const u8 *aml, u64 len, u8 *typa, u8 *typb);

extern struct acpi_info acpi;

#endif
