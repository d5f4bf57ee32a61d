// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI tables of Linux child partitions (partitions/acpi_tables.c),
 * built into a fake partition's memory and read back through the
 * hypervisor's own ACPI parser (drivers/acpi.c), which rejects any table
 * with a bad checksum. The DSDT is the real compiled partitions/dsdt.asl,
 * linked in through partitions/dsdt_blob.S exactly as in the hypervisor.
 *
 * The partition's RAM is one host buffer covering guest-physical
 * 0-1 MiB; gpa_write() and gpa_zero() are stubbed here to reach it
 * through the partition's RAM regions, and record the lowest and highest
 * byte the builder touched. Everything outside the ACPI area is filled
 * with a canary that must survive.
 *
 * Set ACPI_TABLES_DUMP=<dir> to get each table as a file, for a manual
 * cross-check with `iasl -d`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "drivers/acpi.h"
#include "partitions/acpi_tables.h"
#include "vmm/base/errno.h"
#include "vmm/gmem.h"
#include "vmm/partition.h"
#include "vmm/dev/platform.h"

#define RAM_SIZE 0x100000ULL /* guest-physical 0-1 MiB */
#define CANARY 0xa5

static u8 *ram;
static struct partition *part;
static u64 touched_lo, touched_hi; /* [lo, hi) the builder wrote */
static int bad_maps;

/* ---- the partition's memory ------------------------------------------ */

static int ram_access(struct partition *p, u64 gpa, const void *buf, u64 len)
{
	if (gpa + len < gpa)
		return -EFAULT;
	for (u32 i = 0; i < p->nr_ram; i++) {
		const struct mem_region *r = &p->ram[i];
		if (gpa >= r->gpa && gpa + len <= r->gpa + r->size) {
			u8 *host = (u8 *)(uintptr_t)r->hpa + (gpa - r->gpa);
			if (buf)
				memcpy(host, buf, len);
			else
				memset(host, 0, len);
			if (len) {
				touched_lo = gpa < touched_lo ? gpa : touched_lo;
				touched_hi = gpa + len > touched_hi ? gpa + len : touched_hi;
			}
			return 0;
		}
	}
	return -EFAULT;
}

int gpa_write(struct partition *p, u64 gpa, const void *buf, u64 len)
{
	return ram_access(p, gpa, buf, len);
}

int gpa_zero(struct partition *p, u64 gpa, u64 len)
{
	return ram_access(p, gpa, NULL, len);
}

/* vmm/dev/vioapic.c is not linked: the same rule as its platform_ioapic_id(),
 * the first APIC ID after the vCPUs'. The MADT must carry whatever this
 * returns. */
u32 platform_ioapic_id(const struct partition *p)
{
	return p->cfg.vcpus;
}

/* A fresh partition with nr vCPUs; RAM is canary everywhere. */
static void setup(u32 nr)
{
	if (!ram) {
		ram = malloc(RAM_SIZE);
		part = calloc(1, sizeof(*part));
		REQUIRE(ram && part);
	}
	memset(ram, CANARY, RAM_SIZE);
	memset(part, 0, sizeof(*part));
	part->ram[0] = (struct mem_region){ .gpa = 0, .size = RAM_SIZE, .hpa = (uintptr_t)ram };
	part->nr_ram = 1;
	part->nr_vcpus = nr;
	part->cfg.vcpus = nr;
	touched_lo = ~0ULL;
	touched_hi = 0;
	bad_maps = 0;
}

/*
 * The parser's view of guest memory. Table reads must stay inside the
 * ACPI area; the only other reads allowed are the legacy RSDP scan's
 * (the EBDA pointer word at 0x40e and 0xe0000-0xfffff).
 */
static const void *tmap(u64 pa, u64 len)
{
	if (pa >= RAM_SIZE || len > RAM_SIZE - pa) {
		bad_maps++;
		return NULL;
	}
	bool in_area = pa >= PLAT_ACPI_BASE && pa - PLAT_ACPI_BASE <= PLAT_ACPI_SIZE &&
		       len <= PLAT_ACPI_SIZE - (pa - PLAT_ACPI_BASE);
	bool scan = (pa == 0x40e && len == 2) || (pa == 0xe0000 && len == 0x20000);
	if (!in_area && !scan)
		bad_maps++;
	return ram + pa;
}

static u16 rd16(u64 pa) { u16 v; memcpy(&v, ram + pa, 2); return v; }
static u32 rd32(u64 pa) { u32 v; memcpy(&v, ram + pa, 4); return v; }
static u64 rd64(u64 pa) { u64 v; memcpy(&v, ram + pa, 8); return v; }

static bool inside_area(u64 pa, u64 len)
{
	return pa >= PLAT_ACPI_BASE && len <= PLAT_ACPI_SIZE &&
	       pa - PLAT_ACPI_BASE <= PLAT_ACPI_SIZE - len;
}

/* Bytes outside [lo, hi) still hold the canary. */
static bool canary_intact_outside(u64 lo, u64 hi)
{
	for (u64 i = 0; i < RAM_SIZE; i++)
		if ((i < lo || i >= hi) && ram[i] != CANARY)
			return false;
	return true;
}

/* The tables, found from the RSDP as an OS would. */
struct found {
	u64 rsdp, rsdt, xsdt, fadt, madt, facs, dsdt;
};

static void find_tables(u64 rsdp, struct found *f)
{
	memset(f, 0, sizeof(*f));
	f->rsdp = rsdp;
	f->rsdt = rd32(rsdp + 16);
	f->xsdt = rd64(rsdp + 24);
	REQUIRE(inside_area(f->xsdt, 36));
	u32 n = (rd32(f->xsdt + 4) - 36) / 8;
	for (u32 i = 0; i < n; i++) {
		u64 t = rd64(f->xsdt + 36 + 8 * i);
		REQUIRE(inside_area(t, 36));
		if (!memcmp(ram + t, "FACP", 4))
			f->fadt = t;
		else if (!memcmp(ram + t, "APIC", 4))
			f->madt = t;
	}
	REQUIRE(f->fadt && f->madt);
	f->facs = rd32(f->fadt + 36);
	f->dsdt = rd64(f->fadt + 140);
}

/* A complete table: inside the area, 16-byte aligned, checksummed, with
 * the expected signature, revision and OEM ID. */
static void check_table(u64 pa, const char *sig, u8 rev)
{
	REQUIRE(inside_area(pa, 36));
	u32 len = rd32(pa + 4);
	CHECK(inside_area(pa, len));
	CHECK(!memcmp(ram + pa, sig, 4));
	CHECK_EQ(ram[pa + 8], rev);
	CHECK(acpi_checksum_ok(ram + pa, len));
	CHECK(!memcmp(ram + pa + 10, "HVHV  ", 6));
	CHECK_EQ(pa % 16, 0);
}

static struct acpi_info ai;

/* ---- one build, checked through the parser ----------------------- */

static void check_vcpus(void *arg)
{
	u32 n = (u32)(uintptr_t)arg;
	u64 rsdp = 0;
	u8 copy[36];

	setup(n);
	REQUIRE(acpi_tables_build(part, &rsdp) == 0);
	CHECK_EQ(rsdp, PLAT_ACPI_BASE);
	CHECK_EQ(rsdp % 16, 0);

	/* Only the area was written (it is zeroed whole), nothing else. */
	CHECK_EQ(touched_lo, PLAT_ACPI_BASE);
	CHECK_EQ(touched_hi, PLAT_ACPI_BASE + PLAT_ACPI_SIZE);
	CHECK(canary_intact_outside(PLAT_ACPI_BASE, PLAT_ACPI_BASE + PLAT_ACPI_SIZE));

	/* The RSDP as boot_params.acpi_rsdp_addr hands it over. */
	memcpy(copy, ram + rsdp, sizeof(copy));
	CHECK(!memcmp(copy, "RSD PTR ", 8));
	CHECK(acpi_checksum_ok(copy, 20));
	CHECK(acpi_checksum_ok(copy, 36));
	CHECK_EQ(copy[15], 2);
	CHECK_EQ(rd32(rsdp + 20), 36);
	CHECK(!memcmp(copy + 9, "HVHV  ", 6));

	memset(&ai, 0x5a, sizeof(ai));
	REQUIRE(acpi_parse(copy, sizeof(copy), tmap, &ai) == NULL);
	CHECK_EQ(bad_maps, 0);
	CHECK_EQ(ai.revision, 2);
	CHECK(ai.have_xsdt);
	/* Every table passed its checksum (the parser drops bad ones). */
	REQUIRE(ai.ntables == 4);
	CHECK_STR(ai.table_sigs[0], "FACP");
	CHECK_STR(ai.table_sigs[1], "APIC");
	CHECK_STR(ai.table_sigs[2], "MCFG");
	CHECK_STR(ai.table_sigs[3], "HPET");
	/* MCFG: one allocation, bus 0 at the ECAM base the bus decodes. */
	u64 mcfg = 0;
	for (u64 a = PLAT_ACPI_BASE; a + 60 <= PLAT_ACPI_BASE + PLAT_ACPI_SIZE; a += 16)
		if (!memcmp(ram + a, "MCFG", 4)) {
			mcfg = a;
			break;
		}
	REQUIRE(mcfg);
	CHECK_EQ(rd32(mcfg + 4), 60);
	CHECK(acpi_checksum_ok(ram + mcfg, 60));
	u64 ecam;
	memcpy(&ecam, ram + mcfg + 44, 8);
	CHECK_EQ(ecam, HV_PCI_ECAM_BASE);
	CHECK_EQ(ram[mcfg + 54], 0);
	CHECK_EQ(ram[mcfg + 55], 0);

	/* MADT */
	CHECK_EQ(ai.lapic_addr, PLAT_LAPIC_BASE);
	CHECK(ai.pic_present);
	REQUIRE(ai.ncpus == n);
	for (u32 i = 0; i < n; i++) {
		CHECK_EQ(ai.cpus[i].apic_id, i);
		CHECK_EQ(ai.cpus[i].uid, i);
		CHECK(ai.cpus[i].enabled);
	}
	REQUIRE(ai.nioapics == 1);
	CHECK_EQ(ai.ioapics[0].id, platform_ioapic_id(part));
	CHECK_EQ(ai.ioapics[0].id, n);
	CHECK_EQ(ai.ioapics[0].addr, PLAT_IOAPIC_BASE);
	CHECK_EQ(ai.ioapics[0].gsi_base, 0);
	REQUIRE(ai.noverrides == 2);
	CHECK_EQ(ai.overrides[0].bus, 0);
	CHECK_EQ(ai.overrides[0].source, 0);
	CHECK_EQ(ai.overrides[0].gsi, 2);
	CHECK_EQ(ai.overrides[0].flags, 0x5);  /* edge, active high */
	CHECK_EQ(ai.overrides[1].bus, 0);
	CHECK_EQ(ai.overrides[1].source, PLAT_SCI_IRQ);
	CHECK_EQ(ai.overrides[1].gsi, PLAT_SCI_IRQ);
	CHECK_EQ(ai.overrides[1].flags, 0xd);  /* level, active high */

	/* FADT */
	CHECK(ai.have_fadt);
	CHECK(!ai.hw_reduced);
	CHECK_EQ(ai.pm1a_cnt, PLAT_PM1A_CNT);
	CHECK_EQ(ai.pm1b_cnt, 0);
	CHECK_EQ(ai.pm_tmr, PLAT_PM_TMR);
	CHECK(ai.pm_tmr_32bit);
	CHECK(ai.reset_supported);
	CHECK_EQ(ai.reset_reg.space, 1);
	CHECK_EQ(ai.reset_reg.bit_width, 8);
	CHECK_EQ(ai.reset_reg.bit_offset, 0);
	CHECK_EQ(ai.reset_reg.address, PLAT_RESET_PORT);
	CHECK_EQ(ai.reset_value, PLAT_RESET_VALUE);
	CHECK_EQ(ai.boot_arch, 0x0005); /* legacy devices, no VGA, no 8042; MSI (virtio-pci) */
	CHECK_EQ(ai.century, 0);

	/* DSDT, through X_DSDT: the compiled _S5 package. */
	CHECK(ai.have_s5);
	CHECK_EQ(ai.slp_typa, PLAT_SLP_TYP_S5);
	CHECK_EQ(ai.slp_typb, PLAT_SLP_TYP_S5);

	CHECK_EQ(ai.hpet_addr, PLAT_HPET_BASE); /* the HPET table, as the parser reads it */
	CHECK_EQ(ai.mcfg_addr, HV_PCI_ECAM_BASE); /* as the hypervisor's own parser reads it */

	/* Every table in the area, aligned, checksummed, with our OEM ID;
	 * the MADT last and ending where acpi_tables_size() says. */
	struct found f;
	find_tables(rsdp, &f);
	check_table(f.rsdt, "RSDT", 1);
	check_table(f.xsdt, "XSDT", 1);
	check_table(f.fadt, "FACP", 6);
	check_table(f.madt, "APIC", 6);
	check_table(f.dsdt, "DSDT", 2);
	CHECK_EQ(f.madt + rd32(f.madt + 4), PLAT_ACPI_BASE + acpi_tables_size(n));
	CHECK(acpi_tables_size(n) <= PLAT_ACPI_SIZE);
	REQUIRE(inside_area(f.facs, 64));
	CHECK_EQ(f.facs % 64, 0);
}

/* ---- the other ways an OS finds the tables ------------------------- */

TEST(legacy_scan_and_rsdt)
{
	u64 rsdp = 0;

	setup(4);
	REQUIRE(acpi_tables_build(part, &rsdp) == 0);

	/* No RSDP handed over: the scan of 0xe0000-0xfffff finds it. The
	 * BIOS data area's EBDA pointer is 0 in a partition's zeroed RAM
	 * (no EBDA to scan first); here it would be canary. */
	memset(ram + 0x40e, 0, 2);
	REQUIRE(acpi_parse(NULL, 0, tmap, &ai) == NULL);
	CHECK_EQ(bad_maps, 0);
	CHECK(ai.have_xsdt);
	CHECK_EQ(ai.ncpus, 4);
	CHECK(ai.have_s5);

	/* Only 20 bytes of RSDP (ACPI 1.0 reader): the RSDT, same tables. */
	u8 copy[20];
	memcpy(copy, ram + rsdp, sizeof(copy));
	REQUIRE(acpi_parse(copy, sizeof(copy), tmap, &ai) == NULL);
	CHECK_EQ(bad_maps, 0);
	CHECK(!ai.have_xsdt);
	REQUIRE(ai.ntables == 4);
	CHECK_STR(ai.table_sigs[0], "FACP");
	CHECK_STR(ai.table_sigs[1], "APIC");
	CHECK_STR(ai.table_sigs[2], "MCFG");
	CHECK_STR(ai.table_sigs[3], "HPET");
	CHECK_EQ(ai.ncpus, 4);
	CHECK_EQ(ai.pm_tmr, PLAT_PM_TMR);
	CHECK(ai.have_s5);

	/* The RSDT lists what the XSDT lists. */
	struct found f;
	find_tables(rsdp, &f);
	CHECK_EQ(rd32(f.rsdt + 4), 36 + 4 * 4);
	CHECK_EQ(rd32(f.rsdt + 36), f.fadt);
	CHECK_EQ(rd32(f.rsdt + 40), f.madt);
	CHECK_EQ(rd32(f.xsdt + 4), 36 + 4 * 8);
}

/* ---- fields the parser does not report ------------------------------ */

static void check_gas(u64 pa, u8 space, u8 width, u8 access, u64 addr)
{
	CHECK_EQ(ram[pa], space);
	CHECK_EQ(ram[pa + 1], width);
	CHECK_EQ(ram[pa + 2], 0);
	CHECK_EQ(ram[pa + 3], access);
	CHECK_EQ(rd64(pa + 4), addr);
}

TEST(fadt_fields)
{
	u64 rsdp = 0;
	struct found f;

	setup(2);
	REQUIRE(acpi_tables_build(part, &rsdp) == 0);
	find_tables(rsdp, &f);
	u64 t = f.fadt;

	CHECK_EQ(rd32(t + 4), 276);              /* ACPI 6.5 Table 5.9 */
	CHECK_EQ(ram[t + 8], 6);
	CHECK_EQ(ram[t + 131], 5);               /* minor version */
	CHECK_EQ(rd32(t + 40), f.dsdt);          /* DSDT = X_DSDT */
	CHECK_EQ(rd64(t + 132), 0);              /* X_FIRMWARE_CTRL */
	CHECK_EQ(rd16(t + 46), PLAT_SCI_IRQ);    /* SCI_INT */
	CHECK_EQ(rd32(t + 48), 0);               /* SMI_CMD: always ACPI mode */
	CHECK_EQ(ram[t + 52], 0);                /* ACPI_ENABLE */
	CHECK_EQ(ram[t + 53], 0);                /* ACPI_DISABLE */
	CHECK_EQ(rd32(t + 56), PLAT_PM1A_EVT);
	CHECK_EQ(rd32(t + 60), 0);               /* PM1b_EVT_BLK */
	CHECK_EQ(rd32(t + 64), PLAT_PM1A_CNT);
	CHECK_EQ(rd32(t + 68), 0);               /* PM1b_CNT_BLK */
	CHECK_EQ(rd32(t + 72), 0);               /* PM2_CNT_BLK */
	CHECK_EQ(rd32(t + 76), PLAT_PM_TMR);
	CHECK_EQ(rd32(t + 80), 0);               /* GPE0_BLK */
	CHECK_EQ(rd32(t + 84), 0);               /* GPE1_BLK */
	CHECK_EQ(ram[t + 88], 4);                /* PM1_EVT_LEN */
	CHECK_EQ(ram[t + 89], 2);                /* PM1_CNT_LEN */
	CHECK_EQ(ram[t + 90], 0);                /* PM2_CNT_LEN */
	CHECK_EQ(ram[t + 91], 4);                /* PM_TMR_LEN */
	CHECK_EQ(ram[t + 92], 0);                /* GPE0_BLK_LEN */
	CHECK_EQ(ram[t + 93], 0);                /* GPE1_BLK_LEN */
	CHECK_EQ(rd16(t + 96), 101);             /* no C2 */
	CHECK_EQ(rd16(t + 98), 1001);            /* no C3 */
	/* WBINVD, PROC_C1, SLP_BUTTON, FIX_RTC, TMR_VAL_EXT, RESET_REG_SUP;
	 * not PWR_BUTTON (the fixed-feature power button is there), not
	 * HW_REDUCED_ACPI. */
	CHECK_EQ(rd32(t + 112), (1u << 0) | (1u << 2) | (1u << 5) |
				(1u << 6) | (1u << 8) | (1u << 10));
	check_gas(t + 116, 1, 8, 1, PLAT_RESET_PORT);
	CHECK_EQ(ram[t + 128], PLAT_RESET_VALUE);
	check_gas(t + 148, 1, 32, 2, PLAT_PM1A_EVT);  /* X_PM1a_EVT_BLK */
	check_gas(t + 160, 0, 0, 0, 0);               /* X_PM1b_EVT_BLK */
	check_gas(t + 172, 1, 16, 2, PLAT_PM1A_CNT);  /* X_PM1a_CNT_BLK */
	check_gas(t + 184, 0, 0, 0, 0);               /* X_PM1b_CNT_BLK */
	check_gas(t + 196, 0, 0, 0, 0);               /* X_PM2_CNT_BLK */
	check_gas(t + 208, 1, 32, 3, PLAT_PM_TMR);    /* X_PM_TMR_BLK */
	check_gas(t + 220, 0, 0, 0, 0);               /* X_GPE0_BLK */
	check_gas(t + 232, 0, 0, 0, 0);               /* X_GPE1_BLK */
	check_gas(t + 244, 0, 0, 0, 0);               /* SLEEP_CONTROL_REG */
	check_gas(t + 256, 0, 0, 0, 0);               /* SLEEP_STATUS_REG */

	/* The FACS (ACPI 6.5 5.2.10): 64 bytes, 64-byte aligned, version 2. */
	u64 facs = rd32(t + 36);
	REQUIRE(inside_area(facs, 64));
	CHECK_EQ(facs % 64, 0);
	CHECK(!memcmp(ram + facs, "FACS", 4));
	CHECK_EQ(rd32(facs + 4), 64);
	CHECK_EQ(rd32(facs + 16), 0);            /* global lock free */
	CHECK_EQ(ram[facs + 32], 2);

	/* The DSDT in the partition is the embedded blob, byte for byte. */
	u64 dlen = (u64)(acpi_dsdt_aml_end - acpi_dsdt_aml);
	CHECK_EQ(rd32(f.dsdt + 4), dlen);
	CHECK(!memcmp(ram + f.dsdt, acpi_dsdt_aml, dlen));
}

TEST(madt_entries)
{
	u64 rsdp = 0;
	struct found f;
	int lapics = 0, ioapics = 0, isos = 0, nmis = 0, others = 0;

	setup(4);
	REQUIRE(acpi_tables_build(part, &rsdp) == 0);
	find_tables(rsdp, &f);
	u64 t = f.madt;
	u32 len = rd32(t + 4);

	CHECK_EQ(rd32(t + 36), PLAT_LAPIC_BASE);
	CHECK_EQ(rd32(t + 40), 1);               /* PCAT_COMPAT */
	for (u32 off = 44; off < len;) {
		u8 type = ram[t + off], elen = ram[t + off + 1];
		REQUIRE(elen >= 2 && off + elen <= len);
		switch (type) {
		case 0:
			CHECK_EQ(elen, 8);
			CHECK_EQ(rd32(t + off + 4), 1); /* enabled, not online-capable */
			lapics++;
			break;
		case 1:
			CHECK_EQ(elen, 12);
			CHECK_EQ(ram[t + off + 3], 0);
			ioapics++;
			break;
		case 2:
			CHECK_EQ(elen, 10);
			isos++;
			break;
		case 4: /* all processors, edge/high, LINT1 */
			CHECK_EQ(elen, 6);
			CHECK_EQ(ram[t + off + 2], 0xff);
			CHECK_EQ(rd16(t + off + 3), 0x5);
			CHECK_EQ(ram[t + off + 5], 1);
			nmis++;
			break;
		default:
			others++;
			break;
		}
		off += elen;
	}
	CHECK_EQ(lapics, 4);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(isos, 2);
	CHECK_EQ(nmis, 1);
	CHECK_EQ(others, 0);                     /* no x2APIC entries below 255 */
}

/* Processors with APIC IDs >= 255 only fit x2APIC structures (5.2.12.12),
 * and need the x2APIC NMI structure too. */
TEST(x2apic_above_254)
{
	u64 rsdp = 0;
	struct found f;
	const u32 n = 300;
	u32 next_lapic = 0, next_x2 = 255;
	int x2nmi = 0;

	setup(n);
	struct acpi_tables_params prm = { .base = PLAT_ACPI_BASE, .size = PLAT_ACPI_SIZE,
					  .nr_cpus = n, .ioapic_id = 0xfe };
	REQUIRE(acpi_tables_write(part, &prm, &rsdp) == 0);
	find_tables(rsdp, &f);
	check_table(f.madt, "APIC", 6);
	u64 t = f.madt;
	u32 len = rd32(t + 4);
	for (u32 off = 44; off < len;) {
		u8 type = ram[t + off], elen = ram[t + off + 1];
		REQUIRE(elen >= 2 && off + elen <= len);
		if (type == 0) {
			CHECK_EQ(ram[t + off + 3], next_lapic);
			next_lapic++;
		} else if (type == 9) {
			CHECK_EQ(elen, 16);
			CHECK_EQ(rd32(t + off + 4), next_x2);   /* x2APIC ID */
			CHECK_EQ(rd32(t + off + 8), 1);         /* enabled */
			CHECK_EQ(rd32(t + off + 12), next_x2);  /* UID */
			next_x2++;
		} else if (type == 10) {
			CHECK_EQ(elen, 12);
			CHECK_EQ(rd16(t + off + 2), 0x5);
			CHECK_EQ(rd32(t + off + 4), 0xffffffffu);
			CHECK_EQ(ram[t + off + 8], 1);
			x2nmi++;
		}
		off += elen;
	}
	CHECK_EQ(next_lapic, 255);
	CHECK_EQ(next_x2, n);
	CHECK_EQ(x2nmi, 1);

	/* The parser keeps its first ACPI_MAX_CPUS (256): 255 xAPIC ones
	 * and the first x2APIC one. */
	u8 copy[36];
	memcpy(copy, ram + rsdp, sizeof(copy));
	REQUIRE(acpi_parse(copy, sizeof(copy), tmap, &ai) == NULL);
	CHECK_EQ(bad_maps, 0);
	REQUIRE(ai.ncpus == ACPI_MAX_CPUS);
	CHECK_EQ(ai.cpus[254].apic_id, 254);
	CHECK_EQ(ai.cpus[255].apic_id, 255);
	CHECK_EQ(ai.cpus[255].uid, 255);
	CHECK(ai.cpus[255].enabled);
	CHECK_EQ(ai.ioapics[0].id, 0xfe);
	CHECK(ai.have_s5);
}

/* ---- limits and errors ------------------------------------------------ */

TEST(area_too_small)
{
	u64 rsdp = 0xdead;
	const u64 base = 0x10000;

	for (u32 n = 1; n <= 64; n *= 4) {
		u64 need = acpi_tables_size(n);
		setup(n);
		struct acpi_tables_params prm = { .base = base, .size = need - 1,
						  .nr_cpus = n, .ioapic_id = n };
		CHECK_EQ(acpi_tables_write(part, &prm, &rsdp), -ENOSPC);
		CHECK_EQ(rsdp, 0xdead);
		CHECK_EQ(touched_hi, 0);          /* nothing written at all */
		CHECK(canary_intact_outside(0, 0));

		/* Exactly enough is enough. */
		prm.size = need;
		REQUIRE(acpi_tables_write(part, &prm, &rsdp) == 0);
		CHECK_EQ(rsdp, base);
		CHECK_EQ(touched_lo, base);
		CHECK_EQ(touched_hi, base + need);
		CHECK(canary_intact_outside(base, base + need));
		u8 copy[36];
		memcpy(copy, ram + rsdp, sizeof(copy));
		REQUIRE(acpi_parse(copy, sizeof(copy), tmap, &ai) == NULL);
		CHECK_EQ(ai.ntables, 4);
		CHECK_EQ(ai.ncpus, n);
		CHECK(ai.have_s5);
		rsdp = 0xdead;
	}
	/* 64 vCPUs (MAX_VCPUS) fit the platform's area with room to spare. */
	CHECK(acpi_tables_size(MAX_VCPUS) < PLAT_ACPI_SIZE / 16);
	CHECK(acpi_tables_size(1) < acpi_tables_size(2));
}

TEST(bad_arguments)
{
	u64 rsdp = 0xdead;
	struct acpi_tables_params prm = { .base = PLAT_ACPI_BASE, .size = PLAT_ACPI_SIZE,
					  .nr_cpus = 1, .ioapic_id = 1 };

	setup(1);
	prm.base = PLAT_ACPI_BASE + 8;           /* RSDP not 16-byte aligned */
	CHECK_EQ(acpi_tables_write(part, &prm, &rsdp), -EINVAL);
	prm.base = PLAT_ACPI_BASE;
	prm.nr_cpus = 0;
	CHECK_EQ(acpi_tables_write(part, &prm, &rsdp), -EINVAL);
	prm.nr_cpus = 1;
	prm.ioapic_id = 256;                     /* 8-bit MADT field */
	CHECK_EQ(acpi_tables_write(part, &prm, &rsdp), -EINVAL);
	prm.ioapic_id = 1;
	prm.base = GiB(4) - 0x1000;              /* crosses 4 GiB */
	prm.size = 0x2000;
	CHECK_EQ(acpi_tables_write(part, &prm, &rsdp), -EINVAL);
	prm.base = RAM_SIZE - 0x1000;            /* partly beyond the RAM */
	CHECK_EQ(acpi_tables_write(part, &prm, &rsdp), -EFAULT);
	CHECK_EQ(rsdp, 0xdead);
	CHECK_EQ(touched_hi, 0);
	CHECK(canary_intact_outside(0, 0));

	part->nr_vcpus = part->cfg.vcpus = 0;
	CHECK_EQ(acpi_tables_build(part, &rsdp), -EINVAL);
	CHECK_EQ(acpi_tables_build(NULL, &rsdp), -EINVAL);
	part->nr_vcpus = part->cfg.vcpus = 1;
	CHECK_EQ(acpi_tables_build(part, NULL), -EINVAL);
	part->nr_ram = 0;                        /* no RAM at PLAT_ACPI_BASE */
	CHECK_EQ(acpi_tables_build(part, &rsdp), -EFAULT);
	CHECK_EQ(rsdp, 0xdead);
}

/* A rebuild (partition restart) leaves nothing of the old tables. */
TEST(rebuild_smaller)
{
	u64 rsdp = 0;

	setup(64);
	REQUIRE(acpi_tables_build(part, &rsdp) == 0);
	part->nr_vcpus = part->cfg.vcpus = 1;
	REQUIRE(acpi_tables_build(part, &rsdp) == 0);
	u64 end = PLAT_ACPI_BASE + acpi_tables_size(1);
	bool zero = true;
	for (u64 pa = end; pa < PLAT_ACPI_BASE + PLAT_ACPI_SIZE; pa++)
		zero &= ram[pa] == 0;
	CHECK(zero);
	memset(ram + 0x40e, 0, 2); /* no EBDA, as in zeroed RAM */
	REQUIRE(acpi_parse(NULL, 0, tmap, &ai) == NULL);
	CHECK_EQ(bad_maps, 0);
	CHECK_EQ(ai.ncpus, 1);
}

/* The embedded AML itself: a valid DSDT whose \_S5 is PLAT_SLP_TYP_S5. */
TEST(dsdt_blob)
{
	u64 len = (u64)(acpi_dsdt_aml_end - acpi_dsdt_aml);
	u8 a = 0, b = 0;

	REQUIRE(len > 36);
	CHECK(!memcmp(acpi_dsdt_aml, "DSDT", 4));
	u32 hlen;
	memcpy(&hlen, acpi_dsdt_aml + 4, 4);
	CHECK_EQ(hlen, len);
	CHECK(acpi_checksum_ok(acpi_dsdt_aml, len));
	CHECK_EQ(acpi_dsdt_aml[8], 2);           /* 64-bit integers */
	CHECK(!memcmp(acpi_dsdt_aml + 10, "HVHV  ", 6));
	REQUIRE(acpi_find_s5(acpi_dsdt_aml + 36, len - 36, &a, &b));
	CHECK_EQ(a, PLAT_SLP_TYP_S5);
	CHECK_EQ(b, PLAT_SLP_TYP_S5);
	/* The pvpanic device: _HID "QEMU0001" and one I/O port descriptor
	 * (ACPI 6.5 6.4.2.5: 0x47, decode16, min, max, align, length) at
	 * PLAT_PVPANIC_PORT, the port the platform serves. */
	const u8 io[] = { 0x47, 0x01, PLAT_PVPANIC_PORT & 0xff, PLAT_PVPANIC_PORT >> 8,
			  PLAT_PVPANIC_PORT & 0xff, PLAT_PVPANIC_PORT >> 8, 0x01, 0x01 };
	bool hid = false, port = false;
	for (u64 i = 0; i + sizeof(io) <= len; i++) {
		hid = hid || !memcmp(acpi_dsdt_aml + i, "QEMU0001", 8);
		port = port || !memcmp(acpi_dsdt_aml + i, io, sizeof(io));
	}
	CHECK(hid);
	CHECK(port);
	/* The PCI host bridge's windows and the ECAM reservation agree with
	 * hv_abi.h (ACPI 6.5 6.4.3.5.3 WordIO, 6.4.3.5.2 DWordMemory: min,
	 * max, translation, length at the end; 6.4.3.4 Memory32Fixed). */
	const u32 io_max = HV_PCI_IO_BASE + HV_PCI_IO_SIZE - 1;
	const u8 wio[] = { HV_PCI_IO_BASE & 0xff, HV_PCI_IO_BASE >> 8, io_max & 0xff, io_max >> 8,
			   0, 0, HV_PCI_IO_SIZE & 0xff, HV_PCI_IO_SIZE >> 8 };
	u32 mem[4] = { (u32)HV_PCI_MEM_BASE, (u32)(HV_PCI_MEM_BASE + HV_PCI_MEM_SIZE - 1), 0,
		       (u32)HV_PCI_MEM_SIZE };
	u8 ecam[12] = { 0x86, 0x09, 0x00, 0x01 };
	u32 eb = (u32)HV_PCI_ECAM_BASE, el = (u32)HV_PCI_ECAM_SIZE;
	memcpy(ecam + 4, &eb, 4);
	memcpy(ecam + 8, &el, 4);
	bool has_io = false, has_mem = false, has_ecam = false, has_pci = false;
	for (u64 i = 0; i + sizeof(ecam) <= len; i++) {
		has_io = has_io || !memcmp(acpi_dsdt_aml + i, wio, sizeof(wio));
		has_mem = has_mem || !memcmp(acpi_dsdt_aml + i, mem, sizeof(mem));
		has_ecam = has_ecam || !memcmp(acpi_dsdt_aml + i, ecam, sizeof(ecam));
		/* EisaId("PNP0A08") as AML encodes it: 0x080ad041. */
		has_pci = has_pci || !memcmp(acpi_dsdt_aml + i, "\x0c\x41\xd0\x0a\x08", 5);
	}
	CHECK(has_io);
	CHECK(has_mem);
	CHECK(has_ecam);
	CHECK(has_pci);
}

/* ---- optional dump for `iasl -d` ---------------------------------------- */

static void dump(const char *dir, const char *name, u64 pa, u64 len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	FILE *fp = fopen(path, "wb");
	REQUIRE(fp);
	REQUIRE(fwrite(ram + pa, 1, len, fp) == len);
	fclose(fp);
}

TEST(dump_for_iasl)
{
	const char *dir = getenv("ACPI_TABLES_DUMP");
	u64 rsdp = 0;
	struct found f;

	if (!dir)
		return;
	setup(4);
	REQUIRE(acpi_tables_build(part, &rsdp) == 0);
	find_tables(rsdp, &f);
	dump(dir, "rsdp", f.rsdp, 36);
	dump(dir, "rsdt", f.rsdt, rd32(f.rsdt + 4));
	dump(dir, "xsdt", f.xsdt, rd32(f.xsdt + 4));
	dump(dir, "facp", f.fadt, rd32(f.fadt + 4));
	dump(dir, "facs", f.facs, 64);
	dump(dir, "apic", f.madt, rd32(f.madt + 4));
	dump(dir, "dsdt", f.dsdt, rd32(f.dsdt + 4));
	dump(dir, "area", PLAT_ACPI_BASE, acpi_tables_size(4));
}

int main(void)
{
	static const u32 counts[] = { 1, 2, 4, 64 };

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "vcpus_%u", counts[i]);
		harness_run_named(__FILE__, name, check_vcpus, (void *)(uintptr_t)counts[i]);
	}
	RUN(legacy_scan_and_rsdt);
	RUN(fadt_fields);
	RUN(madt_entries);
	RUN(x2apic_above_254);
	RUN(area_too_small);
	RUN(bad_arguments);
	RUN(rebuild_smaller);
	RUN(dsdt_blob);
	RUN(dump_for_iasl);
	free(ram);
	free(part);
	return harness_finish();
}
