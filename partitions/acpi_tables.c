// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI tables for a partition on the virtual PC platform (vmm/platform.h),
 * for an unmodified Linux booted without firmware.
 *
 * Layout, from the area's base (PLAT_ACPI_BASE = 0xe0000 for partitions):
 *
 *   +0x000  RSDP   36 bytes  ACPI 6.5 5.2.5.3; 16-byte aligned and first,
 *                            where the legacy scan of 0xe0000-0xfffff
 *                            (5.2.5.1) finds it without boot_params
 *   +0x040  FACS   64 bytes  5.2.10; 64-byte aligned as the spec requires
 *   +0x080  RSDT   52 bytes  5.2.7; FACP, APIC, MCFG, HPET, 32-bit pointers
 *   +0x0c0  XSDT   68 bytes  5.2.8; the same, 64-bit pointers
 *   +0x110  FADT  276 bytes  5.2.9; revision 6, minor 5
 *   +0x230  DSDT             5.2.11.1; partitions/dsdt.asl, compiled
 *   then    MCFG   60 bytes  PCI Firmware 3.2 4.1.2: ECAM for bus 0
 *                            (vmm/dev/pci.h), reserved in the DSDT
 *   then    HPET   56 bytes  IA-PC HPET 1.0a 3.2.4: the HPET at
 *                            PLAT_HPET_BASE (vmm/dev/vhpet.c)
 *   then    MADT             5.2.12; the one table whose size depends on
 *                            the vCPU count, last so the others never move
 *
 * Every table but the MADT has a fixed size, so their addresses are the
 * same for every partition; with 64 vCPUs everything ends below +0x500.
 *
 * Why a FACS, although it only holds the global lock and the waking
 * vector, neither of which this platform uses: ACPI 6.5 5.2.9 allows
 * FIRMWARE_CTRL = X_FIRMWARE_CTRL = 0 only when HW_REDUCED_ACPI is set,
 * and this platform is not hardware-reduced (it has PM1 blocks and a PM
 * timer). Linux 6.1 (ACPICA acpi_tb_initialize_facs) boots without one,
 * but then leaves acpi_gbl_FACS NULL, and its global-lock path
 * (acpi_ev_acquire_global_lock -> ACPI_ACQUIRE_GLOBAL_LOCK) dereferences
 * the FACS as soon as GBL_EN sticks in the PM1 enable register and any
 * AML or driver takes the lock. 64 bytes of zeroes remove the question.
 *
 * Tables are written through gpa_write() into the partition's RAM, so a
 * partition can never be handed tables the hypervisor did not check fit.
 */
#include "partitions/acpi_tables.h"
#include "vmm/base/errno.h"
#include "vmm/gmem.h"
#include "vmm/partition.h"
#include "vmm/dev/platform.h"
#include "vmm/base/string.h"

/* OEM ID (6 characters) and creator ID of every table built here; the
 * DSDT carries the same OEM ID from its DefinitionBlock. */
#define OEM_ID "HVHV  "
#define OEM_REVISION 1
#define CREATOR_ID "HVHV"
#define CREATOR_REVISION 1

/* ---- table formats (ACPI 6.5 chapter 5) ---------------------------- */

/* System description table header (5.2.6). */
struct sdt_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	char creator_id[4];
	u32 creator_revision;
} __packed;
_Static_assert(sizeof(struct sdt_header) == 36, "ACPI 6.5 5.2.6");

/* Root System Description Pointer, ACPI 2.0+ form (5.2.5.3). */
struct rsdp {
	char signature[8];
	u8 checksum;          /* of the first 20 bytes */
	char oem_id[6];
	u8 revision;          /* 2: the 36-byte form with the XSDT */
	u32 rsdt;
	u32 length;
	u64 xsdt;
	u8 ext_checksum;      /* of all 36 bytes */
	u8 reserved[3];
} __packed;
_Static_assert(sizeof(struct rsdp) == 36, "ACPI 6.5 5.2.5.3");

/* Generic Address Structure (5.2.3.2). */
struct gas {
	u8 space;             /* 1: system I/O */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;       /* 1 byte, 2 word, 3 dword, 4 qword */
	u64 address;
} __packed;
_Static_assert(sizeof(struct gas) == 12, "ACPI 6.5 5.2.3.2");

#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1
#define GAS_ACCESS_WORD 2
#define GAS_ACCESS_DWORD 3

/* Fixed ACPI Description Table, revision 6 (5.2.9, Table 5.9). */
struct fadt {
	struct sdt_header h;
	u32 firmware_ctrl;    /* FACS */
	u32 dsdt;
	u8 reserved0;         /* INT_MODEL in ACPI 1.0 */
	u8 preferred_pm_profile;
	u16 sci_int;
	u32 smi_cmd;
	u8 acpi_enable;
	u8 acpi_disable;
	u8 s4bios_req;
	u8 pstate_cnt;
	u32 pm1a_evt_blk;
	u32 pm1b_evt_blk;
	u32 pm1a_cnt_blk;
	u32 pm1b_cnt_blk;
	u32 pm2_cnt_blk;
	u32 pm_tmr_blk;
	u32 gpe0_blk;
	u32 gpe1_blk;
	u8 pm1_evt_len;
	u8 pm1_cnt_len;
	u8 pm2_cnt_len;
	u8 pm_tmr_len;
	u8 gpe0_blk_len;
	u8 gpe1_blk_len;
	u8 gpe1_base;
	u8 cst_cnt;
	u16 p_lvl2_lat;
	u16 p_lvl3_lat;
	u16 flush_size;
	u16 flush_stride;
	u8 duty_offset;
	u8 duty_width;
	u8 day_alrm;
	u8 mon_alrm;
	u8 century;
	u16 iapc_boot_arch;
	u8 reserved1;
	u32 flags;
	struct gas reset_reg;
	u8 reset_value;
	u16 arm_boot_arch;
	u8 minor_version;
	u64 x_firmware_ctrl;
	u64 x_dsdt;
	struct gas x_pm1a_evt_blk;
	struct gas x_pm1b_evt_blk;
	struct gas x_pm1a_cnt_blk;
	struct gas x_pm1b_cnt_blk;
	struct gas x_pm2_cnt_blk;
	struct gas x_pm_tmr_blk;
	struct gas x_gpe0_blk;
	struct gas x_gpe1_blk;
	struct gas sleep_control_reg;
	struct gas sleep_status_reg;
	u64 hypervisor_vendor_id;
} __packed;
_Static_assert(sizeof(struct fadt) == 276, "ACPI 6.5 Table 5.9: FADT revision 6");
_Static_assert(offsetof(struct fadt, sci_int) == 46, "FADT SCI_INT");
_Static_assert(offsetof(struct fadt, pm1a_evt_blk) == 56, "FADT PM1a_EVT_BLK");
_Static_assert(offsetof(struct fadt, pm1_evt_len) == 88, "FADT PM1_EVT_LEN");
_Static_assert(offsetof(struct fadt, century) == 108, "FADT CENTURY");
_Static_assert(offsetof(struct fadt, flags) == 112, "FADT Flags");
_Static_assert(offsetof(struct fadt, reset_reg) == 116, "FADT RESET_REG");
_Static_assert(offsetof(struct fadt, minor_version) == 131, "FADT Minor Version");
_Static_assert(offsetof(struct fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct fadt, x_pm1a_evt_blk) == 148, "FADT X_PM1a_EVT_BLK");
_Static_assert(offsetof(struct fadt, x_pm_tmr_blk) == 208, "FADT X_PM_TMR_BLK");
_Static_assert(offsetof(struct fadt, sleep_control_reg) == 244, "FADT SLEEP_CONTROL_REG");
_Static_assert(offsetof(struct fadt, hypervisor_vendor_id) == 268, "FADT hypervisor id");

/* FADT Flags (Table 5.10). */
#define FADT_WBINVD BIT(0)        /* WBINVD works: always on x86 */
#define FADT_PROC_C1 BIT(2)       /* C1 (HLT) on every processor */
#define FADT_SLP_BUTTON BIT(5)    /* no fixed-hardware sleep button */
#define FADT_FIX_RTC BIT(6)       /* no RTC wake status in PM1 */
#define FADT_TMR_VAL_EXT BIT(8)   /* the PM timer counts 32 bits */
#define FADT_RESET_REG_SUP BIT(10)

/* IA-PC Boot Architecture Flags (5.2.9.3, Table 5.11). */
#define BOOT_LEGACY_DEVICES BIT(0)
#define BOOT_8042 BIT(1)
#define BOOT_VGA_NOT_PRESENT BIT(2)

/* Firmware ACPI Control Structure (5.2.10, Table 5.14); no checksum. */
struct facs {
	char signature[4];
	u32 length;
	u32 hardware_signature;
	u32 firmware_waking_vector;
	u32 global_lock;
	u32 flags;
	u64 x_firmware_waking_vector;
	u8 version;
	u8 reserved0[3];
	u32 ospm_flags;
	u8 reserved1[24];
} __packed;
_Static_assert(sizeof(struct facs) == 64, "ACPI 6.5 Table 5.14");

/* MADT (5.2.12) and the interrupt controller structures it lists. */
struct madt {
	struct sdt_header h;
	u32 lapic_addr;
	u32 flags;
} __packed;
_Static_assert(sizeof(struct madt) == 44, "ACPI 6.5 Table 5.19");

#define MADT_PCAT_COMPAT BIT(0)

struct madt_lapic {       /* type 0, 5.2.12.2 */
	u8 type, length;
	u8 uid;
	u8 apic_id;
	u32 flags;
} __packed;

struct madt_ioapic {      /* type 1, 5.2.12.3 */
	u8 type, length;
	u8 id;
	u8 reserved;
	u32 address;
	u32 gsi_base;
} __packed;

struct madt_iso {         /* type 2, 5.2.12.5 */
	u8 type, length;
	u8 bus;               /* 0: ISA */
	u8 source;            /* ISA IRQ */
	u32 gsi;
	u16 flags;            /* MPS INTI flags */
} __packed;

struct madt_lapic_nmi {   /* type 4, 5.2.12.7 */
	u8 type, length;
	u8 uid;               /* 0xff: all processors */
	u16 flags;
	u8 lint;
} __packed;

struct madt_x2apic {      /* type 9, 5.2.12.12 */
	u8 type, length;
	u16 reserved;
	u32 x2apic_id;
	u32 flags;
	u32 uid;
} __packed;

struct madt_x2apic_nmi {  /* type 10, 5.2.12.13 */
	u8 type, length;
	u16 flags;
	u32 uid;              /* 0xffffffff: all processors */
	u8 lint;
	u8 reserved[3];
} __packed;

_Static_assert(sizeof(struct madt_lapic) == 8, "ACPI 6.5 Table 5.23");
_Static_assert(sizeof(struct madt_ioapic) == 12, "ACPI 6.5 Table 5.25");
_Static_assert(sizeof(struct madt_iso) == 10, "ACPI 6.5 Table 5.26");
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "ACPI 6.5 Table 5.30");
_Static_assert(sizeof(struct madt_x2apic) == 16, "ACPI 6.5 Table 5.38");
_Static_assert(sizeof(struct madt_x2apic_nmi) == 12, "ACPI 6.5 Table 5.40");

#define MADT_ENABLED BIT(0)
/* MPS INTI flags (Table 5.27): polarity in bits 0-1, trigger in 2-3. */
#define INTI_ACTIVE_HIGH 0x1
#define INTI_EDGE (0x1 << 2)
#define INTI_LEVEL (0x3 << 2)

/* Processors with an APIC ID up to 254 take a Processor Local APIC
 * structure; 255 and above only fit a Processor Local x2APIC structure
 * (5.2.12.12). */
#define XAPIC_MAX_ID 254

/* ---- layout --------------------------------------------------------- */

#define OFF_RSDP 0x000
#define OFF_FACS 0x040
#define OFF_RSDT 0x080
#define OFF_XSDT 0x0c0
#define OFF_FADT 0x110
#define OFF_DSDT 0x230
#define TABLE_ALIGN 16

#define RSDT_ENTRIES 4 /* FACP, APIC, MCFG, HPET */
#define RSDT_LEN (sizeof(struct sdt_header) + RSDT_ENTRIES * 4)
#define XSDT_LEN (sizeof(struct sdt_header) + RSDT_ENTRIES * 8)

_Static_assert(OFF_RSDP + sizeof(struct rsdp) <= OFF_FACS, "RSDP overlaps FACS");
_Static_assert(OFF_FACS % 64 == 0, "ACPI 6.5 5.2.10: FACS is 64-byte aligned");
_Static_assert(OFF_FACS + sizeof(struct facs) <= OFF_RSDT, "FACS overlaps RSDT");
_Static_assert(OFF_RSDT + RSDT_LEN <= OFF_XSDT, "RSDT overlaps XSDT");
_Static_assert(OFF_XSDT + XSDT_LEN <= OFF_FADT, "XSDT overlaps FADT");
_Static_assert(OFF_FADT + sizeof(struct fadt) <= OFF_DSDT, "FADT overlaps DSDT");
_Static_assert(OFF_RSDT % TABLE_ALIGN == 0 && OFF_XSDT % TABLE_ALIGN == 0 &&
	       OFF_FADT % TABLE_ALIGN == 0 && OFF_DSDT % TABLE_ALIGN == 0,
	       "tables are 16-byte aligned");

static u64 dsdt_len(void)
{
	return (u64)(acpi_dsdt_aml_end - acpi_dsdt_aml);
}

/* MCFG (PCI Firmware Specification 3.2 4.1.2): the header, 8 reserved
 * bytes, one ECAM allocation. */
struct mcfg {
	struct sdt_header h;
	u64 reserved;
	u64 base;
	u16 segment;
	u8 bus_start, bus_end;
	u32 reserved1;
} __packed;
_Static_assert(sizeof(struct mcfg) == 60, "PCI Firmware 3.2 Table 4-3");

static u64 mcfg_offset(void)
{
	return ALIGN_UP(OFF_DSDT + dsdt_len(), (u64)TABLE_ALIGN);
}

/* The HPET description table (IA-PC HPET 1.0a, 3.2.4). */
struct hpet_table {
	struct sdt_header h;
	u32 block_id;         /* the capabilities register's low half */
	struct gas base;      /* system memory */
	u8 number;
	u16 min_tick;         /* the least periodic-mode tick, counter ticks */
	u8 page_protection;
} __packed;
_Static_assert(sizeof(struct hpet_table) == 56, "IA-PC HPET 1.0a Table 3");

static u64 hpet_offset(void)
{
	return ALIGN_UP(mcfg_offset() + sizeof(struct mcfg), (u64)TABLE_ALIGN);
}

static u64 madt_offset(void)
{
	return ALIGN_UP(hpet_offset() + sizeof(struct hpet_table), (u64)TABLE_ALIGN);
}

static u64 madt_length(u32 nr_cpus)
{
	u64 nx = nr_cpus > XAPIC_MAX_ID + 1 ? nr_cpus - (XAPIC_MAX_ID + 1) : 0;
	u64 nl = nr_cpus - nx;

	return sizeof(struct madt) + nl * sizeof(struct madt_lapic) +
	       nx * sizeof(struct madt_x2apic) + sizeof(struct madt_ioapic) +
	       2 * sizeof(struct madt_iso) + sizeof(struct madt_lapic_nmi) +
	       (nx ? sizeof(struct madt_x2apic_nmi) : 0);
}

u64 acpi_tables_size(u32 nr_cpus)
{
	return madt_offset() + madt_length(nr_cpus);
}

/* ---- helpers -------------------------------------------------------- */

static u8 sum8(const void *p, u64 len)
{
	const u8 *b = p;
	u8 s = 0;

	for (u64 i = 0; i < len; i++)
		s += b[i];
	return s;
}

static void header_init(struct sdt_header *h, const char sig[4], u32 len, u8 rev,
			const char table_id[8])
{
	memset(h, 0, sizeof(*h));
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, table_id, 8);
	h->oem_revision = OEM_REVISION;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_revision = CREATOR_REVISION;
}

/* The checksum byte makes all of a table's bytes sum to zero (5.2.6). */
static void table_checksum(void *table, u32 len)
{
	struct sdt_header *h = table;

	h->checksum = 0;
	h->checksum = (u8)-sum8(table, len);
}

static struct gas io_gas(u16 port, u8 bits, u8 access)
{
	return (struct gas){ .space = GAS_SYSTEM_IO, .bit_width = bits,
			     .bit_offset = 0, .access_size = access, .address = port };
}

/*
 * The MADT is built piece by piece straight into guest memory (its size
 * grows with the vCPU count, too big for a stack buffer on a large
 * partition); the checksum is summed on the way and the header written
 * last.
 */
struct table_writer {
	struct partition *p;
	u64 gpa;        /* where the table starts */
	u32 len;        /* bytes so far, header included */
	u8 body_sum;    /* of the bytes after the header */
	int err;
};

static void tw_begin(struct table_writer *w, struct partition *p, u64 gpa, u32 header_len)
{
	*w = (struct table_writer){ .p = p, .gpa = gpa, .len = header_len };
}

static void tw_put(struct table_writer *w, const void *data, u32 n)
{
	if (!w->err)
		w->err = gpa_write(w->p, w->gpa + w->len, data, n);
	w->body_sum += sum8(data, n);
	w->len += n;
}

/* ---- the tables ----------------------------------------------------- */

struct acpi_layout {
	u64 rsdp, facs, rsdt, xsdt, fadt, dsdt, mcfg, hpet, madt;
	u32 nr_cpus;
	u32 ioapic_id;
};

static int write_rsdp(struct partition *p, const struct acpi_layout *l)
{
	struct rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, OEM_ID, 6);
	r.revision = 2;
	r.rsdt = (u32)l->rsdt;
	r.length = sizeof(r);
	r.xsdt = l->xsdt;
	/* Two checksums (5.2.5.3): the ACPI 1.0 part, then the whole. */
	r.checksum = (u8)-sum8(&r, 20);
	r.ext_checksum = (u8)-sum8(&r, sizeof(r));
	return gpa_write(p, l->rsdp, &r, sizeof(r));
}

static int write_facs(struct partition *p, const struct acpi_layout *l)
{
	struct facs f;

	/* No S4BIOS, no waking vector (no S1-S4 is offered), the global
	 * lock free and never contended by firmware (there is none). */
	memset(&f, 0, sizeof(f));
	memcpy(f.signature, "FACS", 4);
	f.length = sizeof(f);
	f.version = 2; /* ACPI 6.5 Table 5.14 */
	return gpa_write(p, l->facs, &f, sizeof(f));
}

/* RSDT and XSDT list the same tables (5.2.7, 5.2.8). The RSDT is kept
 * for ACPI 1.0 readers and for a loader that copies only 20 bytes of the
 * RSDP; ACPI 2.0+ OSes, Linux included, use the XSDT. */
static int write_roots(struct partition *p, const struct acpi_layout *l)
{
	struct {
		struct sdt_header h;
		u32 entry[RSDT_ENTRIES];
	} __packed rsdt;
	struct {
		struct sdt_header h;
		u64 entry[RSDT_ENTRIES];
	} __packed xsdt;
	int err;

	_Static_assert(sizeof(rsdt) == RSDT_LEN && sizeof(xsdt) == XSDT_LEN, "root sizes");
	header_init(&rsdt.h, "RSDT", sizeof(rsdt), 1, "HVRSDT  ");
	rsdt.entry[0] = (u32)l->fadt;
	rsdt.entry[1] = (u32)l->madt;
	rsdt.entry[2] = (u32)l->mcfg;
	rsdt.entry[3] = (u32)l->hpet;
	table_checksum(&rsdt, sizeof(rsdt));
	header_init(&xsdt.h, "XSDT", sizeof(xsdt), 1, "HVXSDT  ");
	xsdt.entry[0] = l->fadt;
	xsdt.entry[1] = l->madt;
	xsdt.entry[2] = l->mcfg;
	xsdt.entry[3] = l->hpet;
	table_checksum(&xsdt, sizeof(xsdt));
	if ((err = gpa_write(p, l->rsdt, &rsdt, sizeof(rsdt))))
		return err;
	return gpa_write(p, l->xsdt, &xsdt, sizeof(xsdt));
}

static int write_fadt(struct partition *p, const struct acpi_layout *l)
{
	struct fadt f;

	memset(&f, 0, sizeof(f));
	header_init(&f.h, "FACP", sizeof(f), 6, "HVFACP  ");
	f.minor_version = 5; /* ACPI 6.5 */

	/* The FACS through the 32-bit field only: X_FIRMWARE_CTRL stays 0,
	 * since a reader must ignore FIRMWARE_CTRL when X_ is set and two
	 * copies of one pointer buy nothing below 4 GiB. The DSDT goes in
	 * both fields, equal, so neither kind of reader is confused. */
	f.firmware_ctrl = (u32)l->facs;
	f.dsdt = (u32)l->dsdt;
	f.x_dsdt = l->dsdt;

	f.preferred_pm_profile = 0; /* unspecified: a virtual machine */
	f.sci_int = PLAT_SCI_IRQ;   /* an ISA IRQ, as on a PC (5.2.9) */

	/* SMI_CMD = 0: there is no SMM and no legacy mode to leave. The
	 * PM1 control register reports SCI_EN = 1 from reset, so OSPM finds
	 * the machine already in ACPI mode (ACPI 6.5 4.8.3.2.1, 16.3.1) and
	 * ACPI_ENABLE/ACPI_DISABLE are unused. */
	f.smi_cmd = 0;

	/* The fixed hardware (4.8.3): PM1a event block (status and enable,
	 * 2 bytes each), PM1a control, and the PM timer. No PM1b, PM2 or
	 * GPE blocks: nothing raises a general-purpose event. */
	f.pm1a_evt_blk = PLAT_PM1A_EVT;
	f.pm1_evt_len = 4;
	f.pm1a_cnt_blk = PLAT_PM1A_CNT;
	f.pm1_cnt_len = 2;
	f.pm_tmr_blk = PLAT_PM_TMR;
	f.pm_tmr_len = 4;

	/* No C2 or C3 (latencies above 100 and 1000 us say so, 5.2.9);
	 * guests idle with HLT, the C1 the flags advertise. */
	f.p_lvl2_lat = 101;
	f.p_lvl3_lat = 1001;

	/* CENTURY = 0: the virtual RTC promises no century register, and
	 * Linux then infers the century from the two-digit year. No RTC
	 * day/month alarm either. */
	f.century = 0;

	/*
	 * IA-PC boot architecture (5.2.9.3):
	 *  - LEGACY_DEVICES: the UART, RTC and PIC are ISA devices at
	 *    their legacy ports.
	 *  - no 8042: the keyboard-controller ports only take the reset
	 *    pulse; with the bit clear Linux's i8042 driver does not probe
	 *    for a keyboard or mouse (arch/x86/kernel/acpi/boot.c marks
	 *    the controller firmware-absent).
	 *  - VGA not present: nothing at 0xa0000 or the VGA ports.
	 *  - MSI supported (bit 3 clear): the virtio devices on the PCI
	 *    bus interrupt through MSI-X only (vmm/dev/virtio_pci.c); with
	 *    the bit set Linux 6.1 calls pci_no_msi() in acpi_pci_init()
	 *    and their drivers fail to probe.
	 *  - CMOS RTC present (bit 5 clear).
	 */
	f.iapc_boot_arch = BOOT_LEGACY_DEVICES | BOOT_VGA_NOT_PRESENT;

	/* Not HW_REDUCED_ACPI: the fixed hardware above exists.
	 * PWR_BUTTON clear: the power button is the fixed-feature one
	 * (PWRBTN_STS/EN in PM1, 4.8.2.2.1), which HVC_PARTITION_SHUTDOWN
	 * presses. SLP_BUTTON set: no sleep button. FIX_RTC set: PM1 has no
	 * RTC_STS. */
	f.flags = FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON |
		  FADT_FIX_RTC | FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP;

	/* The reset register (4.8.3.6): an 8-bit I/O write, the value of
	 * the PC's reset control port. Linux tries it first on reboot. */
	f.reset_reg = io_gas(PLAT_RESET_PORT, 8, GAS_ACCESS_BYTE);
	f.reset_value = PLAT_RESET_VALUE;

	/* The X_ blocks mirror the 32-bit ones with the same lengths (bit
	 * widths = 8 x the _LEN fields), which is what ACPICA checks. PM1
	 * registers are 16 bits wide and accessed so; the timer 32. */
	f.x_pm1a_evt_blk = io_gas(PLAT_PM1A_EVT, 32, GAS_ACCESS_WORD);
	f.x_pm1a_cnt_blk = io_gas(PLAT_PM1A_CNT, 16, GAS_ACCESS_WORD);
	f.x_pm_tmr_blk = io_gas(PLAT_PM_TMR, 32, GAS_ACCESS_DWORD);

	table_checksum(&f, sizeof(f));
	return gpa_write(p, l->fadt, &f, sizeof(f));
}

static int write_madt(struct partition *p, const struct acpi_layout *l)
{
	struct table_writer w;
	struct madt m;
	bool any_x2apic = false;

	tw_begin(&w, p, l->madt, sizeof(m));

	/* One processor per vCPU, APIC ID = UID = vCPU index, enabled (the
	 * partition starts them all; none is hot-added later). */
	for (u32 i = 0; i < l->nr_cpus; i++) {
		if (i <= XAPIC_MAX_ID) {
			struct madt_lapic e = { .type = 0, .length = sizeof(e), .uid = (u8)i,
						.apic_id = (u8)i, .flags = MADT_ENABLED };
			tw_put(&w, &e, sizeof(e));
		} else {
			struct madt_x2apic e = { .type = 9, .length = sizeof(e), .x2apic_id = i,
						 .flags = MADT_ENABLED, .uid = i };
			tw_put(&w, &e, sizeof(e));
			any_x2apic = true;
		}
	}

	/* The one I/O APIC, its 24 inputs being GSIs 0-23. */
	struct madt_ioapic io = { .type = 1, .length = sizeof(io), .id = (u8)l->ioapic_id,
				  .address = (u32)PLAT_IOAPIC_BASE, .gsi_base = 0 };
	tw_put(&w, &io, sizeof(io));

	/*
	 * Interrupt source overrides (5.2.12.5), the two a PC has: the PIT
	 * (ISA IRQ 0) is wired to I/O APIC input 2, edge-triggered, active
	 * high; the SCI is level-triggered and active high on GSI 9 (an
	 * override only for its trigger mode and polarity, which differ
	 * from ISA's). Every other ISA IRQ n is GSI n, edge, active high.
	 */
	struct madt_iso irq0 = { .type = 2, .length = sizeof(irq0), .bus = 0, .source = 0,
				 .gsi = 2, .flags = INTI_ACTIVE_HIGH | INTI_EDGE };
	struct madt_iso sci = { .type = 2, .length = sizeof(sci), .bus = 0,
				.source = PLAT_SCI_IRQ, .gsi = PLAT_SCI_IRQ,
				.flags = INTI_ACTIVE_HIGH | INTI_LEVEL };
	tw_put(&w, &irq0, sizeof(irq0));
	tw_put(&w, &sci, sizeof(sci));

	/* NMI arrives on LINT1 of every processor, edge, active high, as
	 * on a PC (5.2.12.7); x2APIC-only processors need the x2APIC form
	 * (5.2.12.13) to be covered. */
	struct madt_lapic_nmi nmi = { .type = 4, .length = sizeof(nmi), .uid = 0xff,
				      .flags = INTI_ACTIVE_HIGH | INTI_EDGE, .lint = 1 };
	tw_put(&w, &nmi, sizeof(nmi));
	if (any_x2apic) {
		struct madt_x2apic_nmi x2nmi = { .type = 10, .length = sizeof(x2nmi),
						 .flags = INTI_ACTIVE_HIGH | INTI_EDGE,
						 .uid = 0xffffffffu, .lint = 1 };
		tw_put(&w, &x2nmi, sizeof(x2nmi));
	}
	if (w.err)
		return w.err;

	/* PCAT_COMPAT: the dual 8259s exist (held masked by the
	 * hypervisor), so the OS must mask them before using the I/O
	 * APIC (5.2.12, Table 5.20). */
	header_init(&m.h, "APIC", w.len, 6, "HVAPIC  ");
	m.lapic_addr = (u32)PLAT_LAPIC_BASE;
	m.flags = MADT_PCAT_COMPAT;
	m.h.checksum = 0;
	m.h.checksum = (u8)-(u8)(sum8(&m, sizeof(m)) + w.body_sum);
	return gpa_write(p, l->madt, &m, sizeof(m));
}

static int write_mcfg(struct partition *p, const struct acpi_layout *l)
{
	struct mcfg m;

	memset(&m, 0, sizeof(m));
	header_init(&m.h, "MCFG", sizeof(m), 1, "HVMCFG  ");
	m.base = HV_PCI_ECAM_BASE;
	m.segment = 0;
	m.bus_start = 0;
	m.bus_end = (u8)(HV_PCI_ECAM_SIZE / MiB(1) - 1);
	table_checksum(&m, sizeof(m));
	return gpa_write(p, l->mcfg, &m, sizeof(m));
}

static int write_hpet(struct partition *p, const struct acpi_layout *l)
{
	struct hpet_table t;

	memset(&t, 0, sizeof(t));
	header_init(&t.h, "HPET", sizeof(t), 1, "HVHPET  ");
	/* Vendor 8086, legacy route capable, 64-bit, 3 timers, revision 1:
	 * what the device's capabilities register says (vhpet.c). */
	t.block_id = 0x8086a201;
	t.base = (struct gas){ .space = 0, .bit_width = 64, .address = PLAT_HPET_BASE };
	t.min_tick = 100; /* 1 us */
	table_checksum(&t, sizeof(t));
	return gpa_write(p, l->hpet, &t, sizeof(t));
}

/* The DSDT is the compiled AML as iasl wrote it, header and checksum
 * included; it is only checked, never changed. */
static bool dsdt_blob_ok(void)
{
	struct sdt_header h;
	u64 len = dsdt_len();

	if (len < sizeof(h))
		return false;
	memcpy(&h, acpi_dsdt_aml, sizeof(h));
	return !memcmp(h.signature, "DSDT", 4) && h.length == len &&
	       sum8(acpi_dsdt_aml, len) == 0;
}

int acpi_tables_write(struct partition *p, const struct acpi_tables_params *prm,
		      u64 *rsdp_gpa)
{
	struct acpi_layout l;
	int err;

	if (!p || !prm || !rsdp_gpa || !prm->nr_cpus)
		return -EINVAL;
	u64 base = prm->base, size = prm->size;
	/* 16-byte alignment for the RSDP (5.2.5.1); below 4 GiB for the
	 * 32-bit pointers of the RSDP, RSDT and FADT. */
	if (!IS_ALIGNED(base, 16) || size > GiB(4) || base > GiB(4) - size)
		return -EINVAL;
	if (prm->ioapic_id > 0xff) /* an 8-bit field in the MADT */
		return -EINVAL;
	if (!dsdt_blob_ok())
		return -EINVAL;
	/* Checked before anything is written: a partition never gets half
	 * a set of tables. */
	if (acpi_tables_size(prm->nr_cpus) > size)
		return -ENOSPC;

	l.nr_cpus = prm->nr_cpus;
	l.ioapic_id = prm->ioapic_id;
	l.rsdp = base + OFF_RSDP;
	l.facs = base + OFF_FACS;
	l.rsdt = base + OFF_RSDT;
	l.xsdt = base + OFF_XSDT;
	l.fadt = base + OFF_FADT;
	l.dsdt = base + OFF_DSDT;
	l.mcfg = base + mcfg_offset();
	l.hpet = base + hpet_offset();
	l.madt = base + madt_offset();

	/* Nothing stale survives from an earlier boot of the partition
	 * (a restart reuses its memory); this also checks, before any table
	 * is written, that the whole area is the partition's RAM. */
	if ((err = gpa_zero(p, base, size)))
		return err;
	if ((err = write_rsdp(p, &l)) || (err = write_facs(p, &l)) ||
	    (err = write_roots(p, &l)) || (err = write_fadt(p, &l)) ||
	    (err = gpa_write(p, l.dsdt, acpi_dsdt_aml, dsdt_len())) ||
	    (err = write_mcfg(p, &l)) || (err = write_hpet(p, &l)) || (err = write_madt(p, &l)))
		return err;
	*rsdp_gpa = l.rsdp;
	return 0;
}

int acpi_tables_build(struct partition *p, u64 *rsdp_gpa)
{
	if (!p)
		return -EINVAL;
	/* The I/O APIC ID is the one the virtual I/O APIC reports in its ID
	 * register (vmm/dev/vioapic.c): the MADT must agree with the device. */
	struct acpi_tables_params prm = {
		.base = PLAT_ACPI_BASE,
		.size = PLAT_ACPI_SIZE,
		.nr_cpus = p->nr_vcpus,
		.ioapic_id = platform_ioapic_id(p),
	};
	return acpi_tables_write(p, &prm, rsdp_gpa);
}
