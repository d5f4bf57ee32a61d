// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI table parsing (drivers/acpi.c) over sample tables built here with
 * real checksums. Each table is its own exact-size heap block (ASan flags
 * any read past its end) placed at a made-up physical address; the map
 * hook translates those, and refuses (and counts) any request that is not
 * wholly inside one table, which is the contract the parser relies on.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/unit/harness.h"
#include "drivers/acpi.h"

/* ---- "physical memory" --------------------------------------------- */

struct region {
	u64 pa, len;
	u8 *host;
	bool owned; /* free() at reset */
};
static struct region regions[64];
static int nregions;
static int bad_maps;

static void mem_reset(void)
{
	for (int i = 0; i < nregions; i++)
		if (regions[i].owned)
			free(regions[i].host);
	nregions = 0;
	bad_maps = 0;
}

static void mem_add(u64 pa, u8 *host, u64 len, bool owned)
{
	REQUIRE(nregions < (int)ARRAY_SIZE(regions));
	regions[nregions++] = (struct region){ pa, len, host, owned };
}

static const void *tmap(u64 pa, u64 len)
{
	for (int i = 0; i < nregions; i++) {
		const struct region *r = &regions[i];
		if (pa >= r->pa && len <= r->len && pa - r->pa <= r->len - len)
			return r->host + (pa - r->pa);
	}
	bad_maps++;
	return NULL;
}

/* ---- table builders -------------------------------------------------- */

static void put16(u8 *p, u16 v) { memcpy(p, &v, 2); }
static void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }
static void put64(u8 *p, u64 v) { memcpy(p, &v, 8); }

static u8 sum8(const u8 *p, u64 len)
{
	u8 s = 0;
	for (u64 i = 0; i < len; i++)
		s += p[i];
	return s;
}

/* A zeroed table with its header filled in; the checksum comes later. */
static u8 *table_new(const char *sig, u32 len, u8 rev)
{
	u8 *t = calloc(1, len);
	REQUIRE(t);
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "HVTEST", 6);
	memcpy(t + 16, "UNITTEST", 8);
	return t;
}

static void table_sum(u8 *t)
{
	u32 len;
	memcpy(&len, t + 4, 4);
	t[9] = 0;
	t[9] = (u8)-sum8(t, len);
}

/* Builds, checksums and places a table at pa. */
static u8 *place(u64 pa, u8 *t)
{
	u32 len;
	memcpy(&len, t + 4, 4);
	table_sum(t);
	mem_add(pa, t, len, true);
	return t;
}

static u8 *root_table(const char *sig, const u64 *pas, int n, int entry)
{
	u8 *t = table_new(sig, 36 + (u32)(n * entry), 1);
	for (int i = 0; i < n; i++) {
		if (entry == 8)
			put64(t + 36 + i * 8, pas[i]);
		else
			put32(t + 36 + i * 4, (u32)pas[i]);
	}
	return t;
}

static void rsdp_fill(u8 r[36], u8 rev, u32 rsdt, u64 xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "HVTEST", 6);
	r[15] = rev;
	put32(r + 16, rsdt);
	put32(r + 20, 36);
	put64(r + 24, xsdt);
	r[8] = (u8)-sum8(r, 20);
	r[32] = (u8)-sum8(r, 36);
}

static void gas(u8 *p, u8 space, u8 width, u64 addr)
{
	p[0] = space;
	p[1] = width;
	p[2] = 0;
	p[3] = space == 1 ? 1 : 3;
	put64(p + 4, addr);
}

/* MADT entries. */
static u32 e_lapic(u8 *p, u8 uid, u8 id, u32 flags)
{
	p[0] = 0, p[1] = 8, p[2] = uid, p[3] = id;
	put32(p + 4, flags);
	return 8;
}
static u32 e_ioapic(u8 *p, u8 id, u32 addr, u32 gsi)
{
	p[0] = 1, p[1] = 12, p[2] = id, p[3] = 0;
	put32(p + 4, addr);
	put32(p + 8, gsi);
	return 12;
}
static u32 e_iso(u8 *p, u8 src, u32 gsi, u16 flags)
{
	p[0] = 2, p[1] = 10, p[2] = 0, p[3] = src;
	put32(p + 4, gsi);
	put16(p + 8, flags);
	return 10;
}
static u32 e_nmi(u8 *p)
{
	p[0] = 4, p[1] = 6, p[2] = 0xff, p[3] = 5, p[4] = 0, p[5] = 1;
	return 6;
}
static u32 e_lapic_override(u8 *p, u64 addr)
{
	p[0] = 5, p[1] = 12, p[2] = p[3] = 0;
	put64(p + 4, addr);
	return 12;
}
static u32 e_x2apic(u8 *p, u32 id, u32 flags, u32 uid)
{
	p[0] = 9, p[1] = 16, p[2] = p[3] = 0;
	put32(p + 4, id);
	put32(p + 8, flags);
	put32(p + 12, uid);
	return 16;
}

/* A MADT with every entry kind the parser knows, plus one it skips. */
static u8 *madt_full(void)
{
	u8 body[256];
	u32 n = 0;

	n += e_lapic(body + n, 0, 0, 1);
	n += e_lapic(body + n, 1, 2, 0); /* disabled */
	n += e_nmi(body + n);
	n += e_x2apic(body + n, 0x100, 1, 7);
	n += e_ioapic(body + n, 2, 0xfec00000, 0);
	n += e_ioapic(body + n, 3, 0xfec01000, 24);
	n += e_iso(body + n, 0, 2, 0);
	n += e_iso(body + n, 9, 9, 0xd);
	n += e_lapic_override(body + n, 0x1fee00000ULL);
	u8 *t = table_new("APIC", 44 + n, 5);
	put32(t + 36, 0xfee00000);
	put32(t + 40, 1); /* PCAT_COMPAT */
	memcpy(t + 44, body, n);
	return t;
}

static const u8 aml_s5_byte[] = {
	0x10, 0x05, 0x5c, 0x00, 0x00,                   /* some Scope() first */
	0x08, '_', 'S', '4', '_', 0x12, 0x06, 0x02, 0x0a, 0x04, 0x0a, 0x04,
	0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
	0xa4, 0x00,
};

static u8 *dsdt_with(const u8 *aml, u32 len)
{
	u8 *t = table_new("DSDT", 36 + len, 2);
	memcpy(t + 36, aml, len);
	return t;
}

#define FADT_LEN 276
/* FADT rev 6: legacy blocks and X_ blocks at different ports, so the
 * test sees which one wins. */
static u8 *fadt_full(u32 dsdt32, u64 xdsdt)
{
	u8 *t = table_new("FACP", FADT_LEN, 6);
	put32(t + 40, dsdt32);
	put32(t + 64, 0x1004);     /* PM1a_CNT_BLK */
	put32(t + 68, 0);          /* PM1b_CNT_BLK */
	put32(t + 76, 0x1008);     /* PM_TMR_BLK */
	t[91] = 4;                 /* PM_TMR_LEN */
	t[108] = 0x32;             /* CENTURY */
	put16(t + 109, 0x0003);    /* IAPC_BOOT_ARCH: legacy devices, 8042 */
	put32(t + 112, (1u << 8) | (1u << 10)); /* TMR_VAL_EXT, RESET_REG_SUP */
	gas(t + 116, 1, 8, 0xcf9); /* RESET_REG */
	t[128] = 0x06;
	put64(t + 140, xdsdt);
	gas(t + 172, 1, 16, 0x604); /* X_PM1a_CNT_BLK */
	gas(t + 208, 1, 32, 0x608); /* X_PM_TMR_BLK */
	return t;
}

static u8 *hpet_table(u64 addr, u8 space)
{
	u8 *t = table_new("HPET", 56, 1);
	put32(t + 36, 0x8086a201);
	gas(t + 40, space, 64, addr);
	return t;
}

static u8 *mcfg_table(void)
{
	u8 *t = table_new("MCFG", 44 + 32, 1);
	/* Segment 1 first: the parser wants segment 0. */
	put64(t + 44, 0xc0000000);
	put16(t + 52, 1);
	t[54] = 0, t[55] = 0x7f;
	put64(t + 60, 0xe0000000);
	put16(t + 68, 0);
	t[70] = 0, t[71] = 0xff;
	return t;
}

/* Physical addresses of the sample tables. */
#define PA_XSDT 0x7fe10000ULL
#define PA_RSDT 0x7fe20000ULL
#define PA_MADT 0x7fe30000ULL
#define PA_FADT 0x7fe40000ULL
#define PA_DSDT 0x7fe50000ULL
#define PA_HPET 0x7fe60000ULL
#define PA_MCFG 0x123450000ULL /* above 4 GiB: only an XSDT reaches it */

/* The full sample platform; returns the RSDP copy in r. */
static void platform(u8 r[36])
{
	static const u64 x[] = { PA_MADT, PA_FADT, PA_HPET, PA_MCFG };
	static const u64 rs[] = { PA_MADT, PA_FADT, PA_HPET };

	mem_reset();

	place(PA_XSDT, root_table("XSDT", x, 4, 8));
	place(PA_RSDT, root_table("RSDT", rs, 3, 4));
	place(PA_MADT, madt_full());
	place(PA_FADT, fadt_full(0xdead000, PA_DSDT));
	place(PA_DSDT, dsdt_with(aml_s5_byte, sizeof(aml_s5_byte)));
	place(PA_HPET, hpet_table(0xfed00000, 0));
	place(PA_MCFG, mcfg_table());
	rsdp_fill(r, 2, (u32)PA_RSDT, PA_XSDT);
}

static struct acpi_info ai;

/* Finds the region holding pa, to modify a placed table. */
static u8 *table_at(u64 pa)
{
	for (int i = 0; i < nregions; i++)
		if (regions[i].pa == pa)
			return regions[i].host;
	return NULL;
}

/* ---- tests ----------------------------------------------------------- */

TEST(checksum)
{
	u8 b[5] = { 1, 2, 3, 4, (u8)-10 };
	CHECK(acpi_checksum_ok(b, 5));
	CHECK(!acpi_checksum_ok(b, 4));
	CHECK(acpi_checksum_ok(b, 0));
	b[4]++;
	CHECK(!acpi_checksum_ok(b, 5));
}

TEST(full_platform_xsdt)
{
	u8 r[36];
	mem_reset();
	platform(r);
	memset(&ai, 0x5a, sizeof(ai)); /* acpi_parse must clear it */
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(bad_maps, 0);
	CHECK_EQ(ai.rsdp_addr, 0);
	CHECK_EQ(ai.revision, 2);
	CHECK(ai.have_xsdt);

	/* MADT */
	CHECK_EQ(ai.lapic_addr, 0x1fee00000ULL); /* the override wins */
	CHECK(ai.pic_present);
	REQUIRE(ai.ncpus == 3);
	CHECK_EQ(ai.cpus[0].apic_id, 0);
	CHECK_EQ(ai.cpus[0].uid, 0);
	CHECK(ai.cpus[0].enabled);
	CHECK_EQ(ai.cpus[1].apic_id, 2);
	CHECK_EQ(ai.cpus[1].uid, 1);
	CHECK(!ai.cpus[1].enabled);
	CHECK_EQ(ai.cpus[2].apic_id, 0x100);
	CHECK_EQ(ai.cpus[2].uid, 7);
	CHECK(ai.cpus[2].enabled);
	REQUIRE(ai.nioapics == 2);
	CHECK_EQ(ai.ioapics[0].id, 2);
	CHECK_EQ(ai.ioapics[0].addr, 0xfec00000);
	CHECK_EQ(ai.ioapics[0].gsi_base, 0);
	CHECK_EQ(ai.ioapics[1].id, 3);
	CHECK_EQ(ai.ioapics[1].addr, 0xfec01000);
	CHECK_EQ(ai.ioapics[1].gsi_base, 24);
	REQUIRE(ai.noverrides == 2);
	CHECK_EQ(ai.overrides[0].source, 0);
	CHECK_EQ(ai.overrides[0].gsi, 2);
	CHECK_EQ(ai.overrides[0].flags, 0);
	CHECK_EQ(ai.overrides[1].source, 9);
	CHECK_EQ(ai.overrides[1].gsi, 9);
	CHECK_EQ(ai.overrides[1].flags, 0xd);
	CHECK_EQ(ai.overrides[1].bus, 0);

	/* FADT: the X_ blocks win; the DSDT comes from X_DSDT. */
	CHECK(ai.have_fadt);
	CHECK_EQ(ai.pm1a_cnt, 0x604);
	CHECK_EQ(ai.pm1b_cnt, 0);
	CHECK_EQ(ai.pm_tmr, 0x608);
	CHECK(ai.pm_tmr_32bit);
	CHECK(ai.reset_supported);
	CHECK_EQ(ai.reset_reg.space, 1);
	CHECK_EQ(ai.reset_reg.address, 0xcf9);
	CHECK_EQ(ai.reset_value, 6);
	CHECK_EQ(ai.boot_arch, 3);
	CHECK_EQ(ai.century, 0x32);
	CHECK(!ai.hw_reduced);
	CHECK(ai.have_s5);
	CHECK_EQ(ai.slp_typa, 5);
	CHECK_EQ(ai.slp_typb, 5);

	CHECK_EQ(ai.hpet_addr, 0xfed00000);
	CHECK_EQ(ai.mcfg_addr, 0xe0000000);
	CHECK_EQ(ai.mcfg_bus_start, 0);
	CHECK_EQ(ai.mcfg_bus_end, 0xff);
	REQUIRE(ai.ntables == 4);
	CHECK_STR(ai.table_sigs[0], "APIC");
	CHECK_STR(ai.table_sigs[1], "FACP");
	CHECK_STR(ai.table_sigs[2], "HPET");
	CHECK_STR(ai.table_sigs[3], "MCFG");
	mem_reset();
}

/* A 20-byte ACPI 1.0 RSDP reaches the tables through the RSDT. */
TEST(rsdp_v1_uses_rsdt)
{
	u8 r[36];
	mem_reset();
	platform(r);
	rsdp_fill(r, 0, (u32)PA_RSDT, 0);
	CHECK(acpi_parse(r, 20, tmap, &ai) == NULL);
	CHECK_EQ(bad_maps, 0);
	CHECK_EQ(ai.revision, 0);
	CHECK(!ai.have_xsdt);
	CHECK_EQ(ai.ntables, 3);
	CHECK_EQ(ai.ncpus, 3);
	CHECK(ai.have_s5);
	CHECK_EQ(ai.mcfg_addr, 0); /* only listed in the XSDT */

	/* A v2 RSDP cut to 20 bytes by the loader: no XSDT pointer. */
	platform(r);
	CHECK(acpi_parse(r, 20, tmap, &ai) == NULL);
	CHECK(!ai.have_xsdt);
	CHECK_EQ(ai.ntables, 3);
	mem_reset();
}

TEST(rsdp_corrupt)
{
	u8 r[36];
	mem_reset();
	platform(r);
	r[8]++;
	CHECK_STR(acpi_parse(r, 36, tmap, &ai), "ACPI RSDP is corrupt");
	platform(r);
	r[3] = 'X';
	CHECK_STR(acpi_parse(r, 36, tmap, &ai), "ACPI RSDP is corrupt");
	/* The first-20-byte checksum matters even for a v2 RSDP. */
	platform(r);
	r[16] ^= 1;
	CHECK_STR(acpi_parse(r, 36, tmap, &ai), "ACPI RSDP is corrupt");
	/* Too short a copy means "scan", and there is no BIOS area here. */
	platform(r);
	CHECK_STR(acpi_parse(r, 19, tmap, &ai), "no ACPI RSDP found");
	CHECK_STR(acpi_parse(NULL, 0, tmap, &ai), "no ACPI RSDP found");
	mem_reset();
}

TEST(xsdt_bad_falls_back_to_rsdt)
{
	u8 r[36];

	/* XSDT checksum wrong. */
	mem_reset();
	platform(r);
	table_at(PA_XSDT)[9]++;
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK(!ai.have_xsdt);
	CHECK_EQ(ai.ntables, 3);
	CHECK_EQ(ai.ncpus, 3);
	CHECK(ai.have_fadt);

	/* XSDT pointer at something that is not an XSDT. */
	platform(r);
	rsdp_fill(r, 2, (u32)PA_RSDT, PA_HPET);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK(!ai.have_xsdt);
	CHECK_EQ(ai.ntables, 3);

	/* XSDT pointer to unmapped memory. */
	platform(r);
	rsdp_fill(r, 2, (u32)PA_RSDT, 0x4000000000ULL);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK(!ai.have_xsdt);
	CHECK_EQ(ai.ntables, 3);

	/* Extended RSDP checksum wrong: the XSDT pointer is not trusted. */
	platform(r);
	r[32]++;
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK(!ai.have_xsdt);
	CHECK_EQ(ai.ntables, 3);

	/* Neither root is usable. */
	platform(r);
	table_at(PA_XSDT)[9]++;
	table_at(PA_RSDT)[9]++;
	CHECK_STR(acpi_parse(r, 36, tmap, &ai), "no valid RSDT or XSDT");
	platform(r);
	rsdp_fill(r, 0, (u32)PA_MADT, 0); /* RSDT pointer at the MADT */
	CHECK_STR(acpi_parse(r, 20, tmap, &ai), "no valid RSDT or XSDT");
	rsdp_fill(r, 0, 0, 0);
	CHECK_STR(acpi_parse(r, 20, tmap, &ai), "no valid RSDT or XSDT");
	mem_reset();
}

/* A corrupt or unreachable table is skipped; the rest still count. */
TEST(bad_table_skipped)
{
	u8 r[36];
	mem_reset();
	platform(r);
	table_at(PA_FADT)[50] ^= 0x40;
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK(!ai.have_fadt);
	CHECK(!ai.have_s5);
	CHECK_EQ(ai.pm1a_cnt, 0);
	CHECK_EQ(ai.ncpus, 3);
	CHECK_EQ(ai.hpet_addr, 0xfed00000);
	CHECK_EQ(ai.ntables, 3);

	/* Entries pointing at nothing, at 0, at a header claiming less than
	 * a header or more than 16 MiB. */
	mem_reset();
	u8 *tiny = table_new("TINY", 36, 1);
	put32(tiny + 4, 20);
	place(0x1000, tiny);
	u8 *huge = table_new("HUGE", 36, 1);
	put32(huge + 4, 0x2000000); /* never checksummed: it is never mapped whole */
	mem_add(0x2000, huge, 36, true);
	place(PA_MADT, madt_full());
	static const u64 x[] = { 0x5000000000ULL, 0, 0x1000, 0x2000, PA_MADT };
	place(PA_XSDT, root_table("XSDT", x, 5, 8));
	rsdp_fill(r, 2, 0, PA_XSDT);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.ntables, 1);
	CHECK_EQ(ai.ncpus, 3);
	mem_reset();
}

/* The DSDT: found through the 32-bit pointer when X_DSDT is 0, ignored
 * when corrupt or not a DSDT. */
TEST(fadt_dsdt_pointer)
{
	u8 r[36];
	static const u8 aml_zero_one[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04,
					   0x00, 0x01, 0x00, 0x00 };

	mem_reset();
	platform(r);
	u8 *f = table_at(PA_FADT);
	put32(f + 40, (u32)PA_DSDT + 0x1000);
	put64(f + 140, 0);
	table_sum(f);
	place(PA_DSDT + 0x1000, dsdt_with(aml_zero_one, sizeof(aml_zero_one)));
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK(ai.have_s5);
	CHECK_EQ(ai.slp_typa, 0);
	CHECK_EQ(ai.slp_typb, 1);

	table_at(PA_DSDT + 0x1000)[40] ^= 1;
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK(ai.have_fadt);
	CHECK(!ai.have_s5);

	put32(f + 40, (u32)PA_HPET);
	table_sum(f);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK(ai.have_fadt);
	CHECK(!ai.have_s5);
	mem_reset();
}

/* An ACPI 1.0-sized FADT (116 bytes): legacy blocks only, no reset
 * register; odd X_ blocks are ignored. */
TEST(fadt_legacy_and_odd)
{
	u8 r[36];
	static const u64 x[] = { PA_FADT };

	mem_reset();
	u8 *f = table_new("FACP", 116, 1);
	put32(f + 40, (u32)PA_DSDT);
	put32(f + 64, 0xb004);
	put32(f + 68, 0xb044);
	put32(f + 76, 0xb008);
	f[91] = 4;
	put32(f + 112, (1u << 10) | (1u << 20)); /* RESET_REG_SUP, HW_REDUCED */
	place(PA_FADT, f);
	place(PA_DSDT, dsdt_with(aml_s5_byte, sizeof(aml_s5_byte)));
	place(PA_XSDT, root_table("XSDT", x, 1, 8));
	rsdp_fill(r, 2, 0, PA_XSDT);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK(ai.have_fadt);
	CHECK_EQ(ai.pm1a_cnt, 0xb004);
	CHECK_EQ(ai.pm1b_cnt, 0xb044);
	CHECK_EQ(ai.pm_tmr, 0xb008);
	CHECK(!ai.pm_tmr_32bit);
	CHECK(!ai.reset_supported); /* the register is beyond the table */
	CHECK(ai.hw_reduced);
	CHECK(ai.have_s5);

	/* Full-size FADT with X_ blocks in memory space or beyond 16 bits,
	 * a timer block of the wrong length and ports that do not fit. */
	mem_reset();
	f = fadt_full(0, PA_DSDT);
	put32(f + 64, 0x12345);   /* PM1a_CNT_BLK: not an I/O port */
	put32(f + 68, 0x1044);
	f[91] = 3;                /* PM_TMR_LEN */
	gas(f + 172, 0, 16, 0x604);      /* memory space: ignored */
	gas(f + 184, 1, 16, 0x10000);    /* beyond 16 bits: ignored */
	gas(f + 208, 0, 32, 0xfed00000); /* memory-space timer: ignored */
	gas(f + 116, 1, 8, 0);           /* reset register at 0 */
	place(PA_FADT, f);
	place(PA_DSDT, dsdt_with(aml_s5_byte, sizeof(aml_s5_byte)));
	place(PA_XSDT, root_table("XSDT", x, 1, 8));
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.pm1a_cnt, 0);
	CHECK_EQ(ai.pm1b_cnt, 0x1044);
	CHECK_EQ(ai.pm_tmr, 0);
	CHECK(!ai.reset_supported);

	/* Shorter than 116 bytes: not parsed at all. */
	mem_reset();
	f = table_new("FACP", 115, 1);
	put32(f + 64, 0xb004);
	place(PA_FADT, f);
	place(PA_XSDT, root_table("XSDT", x, 1, 8));
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK(!ai.have_fadt);
	CHECK_EQ(ai.pm1a_cnt, 0);
	CHECK_EQ(ai.ntables, 1);
	mem_reset();
}

TEST(hpet_mcfg_variants)
{
	u8 r[36];
	static const u64 x[] = { PA_HPET, PA_MCFG };

	mem_reset();
	place(PA_HPET, hpet_table(0xfed00000, 1)); /* I/O space: not usable */
	u8 *m = table_new("MCFG", 44 + 16 + 8, 1); /* one entry, then a stub */
	put64(m + 44, 0xb0000000);
	put16(m + 52, 1);
	place(PA_MCFG, m);
	place(PA_XSDT, root_table("XSDT", x, 2, 8));
	rsdp_fill(r, 2, 0, PA_XSDT);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.hpet_addr, 0);
	CHECK_EQ(ai.mcfg_addr, 0); /* no segment 0 */
	CHECK_EQ(ai.ntables, 2);

	mem_reset();
	u8 *h = table_new("HPET", 55, 1); /* too short */
	gas(h + 40, 0, 64, 0xfed00000);
	place(PA_HPET, h);
	place(PA_MCFG, table_new("MCFG", 44, 1)); /* no entries */
	place(PA_XSDT, root_table("XSDT", x, 2, 8));
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.hpet_addr, 0);
	CHECK_EQ(ai.mcfg_addr, 0);
	mem_reset();
}

#define PA_SPCR 0x7fe90000ULL

/* SPCR (revision 2, 80 bytes): interface type, base address, baud code. */
static u8 *spcr_table(u8 type, u8 space, u64 addr, u8 baud, u32 len)
{
	u8 *t = table_new("SPCR", len, 2);
	t[36] = type;
	gas(t + 40, space, 8, addr);
	t[58] = baud;
	return t;
}

static const char *spcr_parse(u8 *spcr, u16 *port, u32 *baud)
{
	u8 r[36];
	static const u64 x[] = { PA_SPCR };

	mem_reset();
	place(PA_SPCR, spcr);
	place(PA_XSDT, root_table("XSDT", x, 1, 8));
	rsdp_fill(r, 2, 0, PA_XSDT);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	*port = 0, *baud = 1;
	return acpi_spcr_console(&ai, port, baud);
}

/* console=auto's choice: an I/O-port 16550 (full, subset or the
 * "compatible" type) with its baud rate code (an unknown code: as the
 * firmware left it); a memory-mapped UART, another interface type, port 0
 * or above 0xfff8, a short table, and no table are refused with why. */
TEST(spcr_console)
{
	u16 port;
	u32 baud;

	CHECK(spcr_parse(spcr_table(0, 1, 0x2f8, 7, 80), &port, &baud) == NULL);
	CHECK(ai.have_spcr);
	CHECK_EQ(port, 0x2f8);
	CHECK_EQ(baud, 115200);
	CHECK(spcr_parse(spcr_table(1, 1, 0x3e8, 3, 88), &port, &baud) == NULL);
	CHECK_EQ(port, 0x3e8);
	CHECK_EQ(baud, 9600);
	CHECK(spcr_parse(spcr_table(0x12, 1, 0x2e8, 0, 80), &port, &baud) == NULL);
	CHECK_EQ(baud, 0);
	CHECK(spcr_parse(spcr_table(0, 1, 0x3f8, 5, 80), &port, &baud) == NULL);
	CHECK_EQ(baud, 0); /* code 5 is reserved */
	CHECK(spcr_parse(spcr_table(0, 1, 0x3f8, 0xff, 80), &port, &baud) == NULL);
	CHECK_EQ(baud, 0);
	CHECK_STR(spcr_parse(spcr_table(0, 0, 0xfe030000, 7, 80), &port, &baud),
		  "its UART is memory-mapped (the console drives I/O-port UARTs)");
	CHECK_EQ(port, 0);
	CHECK_STR(spcr_parse(spcr_table(3, 1, 0x2f8, 7, 80), &port, &baud),
		  "its UART is not 16550-compatible");
	CHECK_STR(spcr_parse(spcr_table(0, 1, 0, 7, 80), &port, &baud),
		  "its UART's I/O port is out of range");
	CHECK_STR(spcr_parse(spcr_table(0, 1, 0xfff9, 7, 80), &port, &baud),
		  "its UART's I/O port is out of range");
	CHECK_STR(spcr_parse(spcr_table(0, 1, 0x2f8, 7, 79), &port, &baud), "no SPCR table");
	CHECK(!ai.have_spcr);
	mem_reset();
}

#define PA_DMAR 0x7fe70000ULL
#define PA_IVRS 0x7fe80000ULL

/* DMAR (VT-d 3.4 8.1): two units (one INCLUDE_PCI_ALL, with device
 * scopes: I/O APIC 2 at ff:00.0, an endpoint, I/O APIC 3 behind a bridge
 * (a two-step path: not taken); one on segment 1, which is not used), an
 * RMRR, a structure of an unknown type, then a DRHD whose length runs
 * past the table's end. */
static u8 *dmar_table(void)
{
	u8 *t = table_new("DMAR", 48 + 42 + 16 + 24 + 8 + 16, 1);
	u32 o = 48;
	t[36] = 38;          /* host address width - 1 */
	t[37] = 1;           /* INTR_REMAP */
	put16(t + o, 0), put16(t + o + 2, 42), t[o + 4] = 1, put16(t + o + 6, 0);
	put64(t + o + 8, 0xfed90000);
	t[o + 16] = 3, t[o + 17] = 8, t[o + 20] = 2, t[o + 21] = 0xff;   /* I/O APIC 2 */
	t[o + 24] = 1, t[o + 25] = 8, t[o + 29] = 0, t[o + 30] = 3;      /* an endpoint */
	t[o + 32] = 3, t[o + 33] = 10, t[o + 36] = 3, t[o + 38] = 0x1e; /* two steps */
	o += 42;
	put16(t + o, 0), put16(t + o + 2, 16), put16(t + o + 6, 1);
	put64(t + o + 8, 0xfed91000);
	o += 16;
	put16(t + o, 1), put16(t + o + 2, 24);
	put64(t + o + 8, 0x7f000000), put64(t + o + 16, 0x7f0fffff);
	o += 24;
	put16(t + o, 7), put16(t + o + 2, 8);
	o += 8;
	put16(t + o, 0), put16(t + o + 2, 64); /* past the end */
	put64(t + o + 8, 0xfed92000);
	return t;
}

/* IVRS: an IVHD of type 0x10 (its device entries: all devices, the I/O
 * APIC with ID 5, an HPET) and one of 0x11 for the same IOMMU (the first
 * counts), an IVMD unity range, one IVMD that is not unity. */
static u8 *ivrs_table(void)
{
	u8 *t = table_new("IVRS", 48 + 44 + 40 + 32 + 32, 2);
	u32 o = 48;
	t[o] = 0x10, put16(t + o + 2, 44), put16(t + o + 4, 0x0002), put16(t + o + 6, 0x40);
	put64(t + o + 8, 0xfeb80000);
	t[o + 24] = 0x01;                                    /* all devices */
	t[o + 28] = 0x48, t[o + 32] = 5, t[o + 35] = 1;      /* I/O APIC 5 */
	t[o + 36] = 0x48, t[o + 40] = 0, t[o + 43] = 2;      /* an HPET */
	o += 44;
	t[o] = 0x11, put16(t + o + 2, 40), put16(t + o + 4, 0x0002), put16(t + o + 6, 0x40);
	put64(t + o + 8, 0xfeb90000);
	o += 40;
	t[o] = 0x21, t[o + 1] = 1, put16(t + o + 2, 32);
	put64(t + o + 16, 0x9d000000), put64(t + o + 24, 0x10000);
	o += 32;
	t[o] = 0x20, t[o + 1] = 8, put16(t + o + 2, 32); /* exclusion, not unity */
	put64(t + o + 16, 0x9e000000), put64(t + o + 24, 0x10000);
	return t;
}

TEST(dmar_ivrs)
{
	u8 r[36];
	static const u64 x[] = { PA_DMAR, PA_IVRS };

	mem_reset();
	place(PA_DMAR, dmar_table());
	place(PA_IVRS, ivrs_table());
	place(PA_XSDT, root_table("XSDT", x, 2, 8));
	rsdp_fill(r, 2, 0, PA_XSDT);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.dmar_pa, PA_DMAR);
	CHECK_EQ(ai.dmar_haw, 39);
	CHECK_EQ(ai.dmar_flags, 1);
	REQUIRE(ai.ndrhd == 1);
	CHECK_EQ(ai.drhd[0].base, 0xfed90000);
	CHECK_EQ(ai.drhd[0].size, 4096);
	CHECK(ai.drhd[0].include_all);
	REQUIRE(ai.ndmar_ioapics == 1);
	CHECK_EQ(ai.dmar_ioapic[0].id, 2);
	CHECK_EQ(ai.dmar_ioapic[0].sid, 0xff00);
	CHECK_EQ(ai.ivrs_pa, PA_IVRS);
	REQUIRE(ai.nivhd == 1);
	CHECK_EQ(ai.ivhd[0].base, 0xfeb80000);
	CHECK_EQ(ai.ivhd[0].devid, 2);
	CHECK_EQ(ai.ivhd[0].cap_offset, 0x40);
	REQUIRE(ai.nivrs_ioapics == 1);
	CHECK_EQ(ai.ivrs_ioapic[0], 5);
	REQUIRE(ai.nrmrr == 2);
	CHECK_EQ(ai.rmrr[0].base, 0x7f000000);
	CHECK_EQ(ai.rmrr[0].limit, 0x7f0fffff);
	CHECK_EQ(ai.rmrr[1].base, 0x9d000000);
	CHECK_EQ(ai.rmrr[1].limit, 0x9d00ffff);
	CHECK_EQ(ai.iommu_bad, 1); /* the DRHD past the end */

	/* A DMAR shorter than its fixed part, an IVRS structure of length 0:
	 * nothing from either, and no endless walk. */
	mem_reset();
	place(PA_DMAR, table_new("DMAR", 40, 1));
	u8 *v = table_new("IVRS", 48 + 8, 2);
	v[48] = 0x10;
	place(PA_IVRS, v);
	place(PA_XSDT, root_table("XSDT", x, 2, 8));
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.dmar_pa, 0);
	CHECK_EQ(ai.ndrhd + ai.nivhd + ai.nrmrr, 0);
	CHECK_EQ(ai.iommu_bad, 1);

	/* An IVHD whose last device entry (8 bytes) runs past its end: the
	 * unit counts, the entry does not. */
	mem_reset();
	v = table_new("IVRS", 48 + 36, 2);
	v[48] = 0x10, put16(v + 50, 36), put16(v + 52, 2), put64(v + 56, 0xfeb80000);
	v[72] = 0x48, v[76] = 7, v[79] = 1;   /* whole: I/O APIC 7 */
	v[80] = 0x48;                         /* 4 of its 8 bytes */
	place(PA_IVRS, v);
	place(PA_XSDT, root_table("XSDT", x + 1, 1, 8));
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.nivhd, 1);
	CHECK_EQ(ai.nivrs_ioapics, 1);
	CHECK_EQ(ai.iommu_bad, 1);
	mem_reset();
}

/* Places a MADT flush against a PROT_NONE page: any read past its end
 * faults. */
static u8 *guard_pages;
static long page_size;

static void guarded_madt(const u8 *body, u32 n)
{
	u8 *t = guard_pages + page_size - (44 + n);
	memset(guard_pages, 0, (size_t)page_size);
	memcpy(t, "APIC", 4);
	put32(t + 4, 44 + n);
	t[8] = 5;
	put32(t + 36, 0xfee00000);
	put32(t + 40, 0);
	memcpy(t + 44, body, n);
	table_sum(t);
	mem_add(PA_MADT, t, 44 + n, false);
}

static void madt_root(u8 r[36])
{
	static const u64 x[] = { PA_MADT };
	place(PA_XSDT, root_table("XSDT", x, 1, 8));
	rsdp_fill(r, 2, 0, PA_XSDT);
}

TEST(madt_malformed)
{
	u8 r[36], body[64];
	u32 n;

	memset(body, 0, sizeof(body));

	page_size = sysconf(_SC_PAGESIZE);
	guard_pages = mmap(NULL, (size_t)page_size * 2, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(guard_pages != MAP_FAILED);
	REQUIRE(mprotect(guard_pages + page_size, (size_t)page_size, PROT_NONE) == 0);

	/* An entry of length 0 stops parsing (it would loop forever). */
	mem_reset();
	n = e_lapic(body, 0, 0, 1);
	body[n] = 0, body[n + 1] = 0;
	n += 2;
	guarded_madt(body, n);
	madt_root(r);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.ncpus, 1);
	CHECK_EQ(ai.lapic_addr, 0xfee00000);
	CHECK(!ai.pic_present);

	/* Length 1, then an entry claiming more than the table holds. */
	mem_reset();
	n = e_lapic(body, 0, 0, 1);
	body[n] = 0, body[n + 1] = 1;
	guarded_madt(body, n + 2);
	madt_root(r);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.ncpus, 1);

	mem_reset();
	n = e_lapic(body, 0, 0, 1);
	n += e_x2apic(body + n, 5, 1, 5);
	guarded_madt(body, n - 4); /* the x2APIC entry is cut short */
	madt_root(r);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.ncpus, 1);

	/* A lone type byte in the last byte of the table. */
	mem_reset();
	n = e_lapic(body, 0, 0, 1);
	body[n++] = 9;
	guarded_madt(body, n);
	madt_root(r);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.ncpus, 1);

	/* Entries too short for their type are skipped, not misread. */
	mem_reset();
	n = 0;
	body[n] = 0, body[n + 1] = 6, n += 6;  /* LAPIC needs 8 */
	body[n] = 1, body[n + 1] = 11, n += 11; /* I/O APIC needs 12 */
	body[n] = 2, body[n + 1] = 9, n += 9;  /* override needs 10 */
	body[n] = 5, body[n + 1] = 11, n += 11; /* address override needs 12 */
	body[n] = 9, body[n + 1] = 15, n += 15; /* x2APIC needs 16 */
	n += e_lapic(body + n, 3, 4, 1);
	guarded_madt(body, n);
	madt_root(r);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	REQUIRE(ai.ncpus == 1);
	CHECK_EQ(ai.cpus[0].apic_id, 4);
	CHECK_EQ(ai.nioapics, 0);
	CHECK_EQ(ai.noverrides, 0);
	CHECK_EQ(ai.lapic_addr, 0xfee00000);

	/* Shorter than the fixed part: nothing at all. */
	mem_reset();
	u8 *t = guard_pages + page_size - 40;
	memcpy(t, "APIC", 4);
	put32(t + 4, 40);
	table_sum(t);
	mem_add(PA_MADT, t, 40, false);
	madt_root(r);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.lapic_addr, 0);
	CHECK_EQ(ai.ntables, 1);
	CHECK_EQ(bad_maps, 0);

	mem_reset();
	munmap(guard_pages, (size_t)page_size * 2);
}

/* More entries than the fixed arrays hold are dropped, not overflowed. */
TEST(madt_limits)
{
	u8 r[36];
	u32 n = 300 * 8 + 20 * 12 + 20 * 10;
	u8 *t = table_new("APIC", 44 + n, 5);
	u8 *p = t + 44;

	mem_reset();
	for (int i = 0; i < 300; i++)
		p += e_lapic(p, (u8)i, (u8)i, 1);
	for (int i = 0; i < 20; i++)
		p += e_ioapic(p, (u8)i, 0xfec00000 + (u32)i * 0x1000, (u32)i * 24);
	for (int i = 0; i < 20; i++)
		p += e_iso(p, (u8)i, (u32)i, 0);
	place(PA_MADT, t);
	madt_root(r);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.ncpus, ACPI_MAX_CPUS);
	CHECK_EQ(ai.cpus[ACPI_MAX_CPUS - 1].apic_id, (ACPI_MAX_CPUS - 1) & 0xff);
	CHECK_EQ(ai.nioapics, ACPI_MAX_IOAPICS);
	CHECK_EQ(ai.ioapics[15].gsi_base, 15 * 24);
	CHECK_EQ(ai.noverrides, ACPI_MAX_OVERRIDES);
	mem_reset();
}

/* More tables than table_sigs holds; a root with a partial last entry. */
TEST(many_tables)
{
	u8 r[36];
	u64 pas[40];

	mem_reset();
	for (int i = 0; i < 40; i++) {
		pas[i] = 0x10000000ULL + (u64)i * 0x1000;
		char sig[5] = { 'T', 'S', (char)('A' + i / 26), (char)('A' + i % 26), 0 };
		place(pas[i], table_new(sig, 36, 1));
	}
	u8 *x = root_table("XSDT", pas, 40, 8);
	put32(x + 4, 36 + 40 * 8 - 3); /* the last entry is cut */
	place(PA_XSDT, x);
	rsdp_fill(r, 2, 0, PA_XSDT);
	CHECK(acpi_parse(r, 36, tmap, &ai) == NULL);
	CHECK_EQ(ai.ntables, 32);
	CHECK_STR(ai.table_sigs[0], "TSAA");
	CHECK_STR(ai.table_sigs[31], "TSBF");
	CHECK_EQ(bad_maps, 0);
	mem_reset();
}

/* Without a copy from the loader, the RSDP is found in the EBDA or the
 * BIOS area, on a 16-byte boundary, with a valid checksum. */
TEST(scan_bios)
{
	u8 r[36];
	u8 *bda = calloc(1, 0x100), *ebda = calloc(1, 1024), *bios = calloc(1, 0x20000);

	REQUIRE(bda && ebda && bios);
	mem_reset();
	platform(r);
	mem_add(0x400, bda, 0x100, true);
	mem_add(0x9fc00, ebda, 1024, true);
	mem_add(0xe0000, bios, 0x20000, true);
	put16(bda + 0xe, 0x9fc0);

	/* In the EBDA. */
	memcpy(ebda + 0x100, r, 36);
	CHECK(acpi_parse(NULL, 0, tmap, &ai) == NULL);
	CHECK(ai.have_xsdt);
	CHECK_EQ(ai.ntables, 4);

	/* Off a 16-byte boundary it is not seen; a bad checksum is passed
	 * over for a good one further on. */
	memset(ebda, 0, 1024);
	memcpy(ebda + 0x108, r, 36);
	memcpy(bios + 0x100, r, 36);
	bios[0x108]++; /* the checksum byte of that copy */
	u8 v1[36];
	rsdp_fill(v1, 0, (u32)PA_RSDT, 0);
	memcpy(bios + 0x1f000, v1, 20);
	CHECK(acpi_parse(NULL, 0, tmap, &ai) == NULL);
	CHECK(!ai.have_xsdt);
	CHECK_EQ(ai.revision, 0);
	CHECK_EQ(ai.ntables, 3);

	/* A v2 RSDP whose 36 bytes would run past the BIOS area is not
	 * read beyond it; a v1 in the same spot is fine. */
	memset(bios, 0, 0x20000);
	memcpy(bios + 0x1ffe0, r, 32);
	CHECK_STR(acpi_parse(NULL, 0, tmap, &ai), "no ACPI RSDP found");
	rsdp_fill(r, 0, (u32)PA_RSDT, 0);
	memcpy(bios + 0x1ffe0, r, 20);
	CHECK(acpi_parse(NULL, 0, tmap, &ai) == NULL);
	CHECK_EQ(ai.ntables, 3);

	/* No EBDA pointer: only the BIOS area is searched. */
	put16(bda + 0xe, 0);
	CHECK(acpi_parse(NULL, 0, tmap, &ai) == NULL);
	memset(bios, 0, 0x20000);
	CHECK_STR(acpi_parse(NULL, 0, tmap, &ai), "no ACPI RSDP found");
	mem_reset();
}

/* ---- _S5 ------------------------------------------------------------- */

static bool s5(const u8 *aml, u64 len, u8 *a, u8 *b)
{
	/* An exact-size copy, so ASan catches any read past len. */
	u8 *copy = malloc(len ? len : 1);
	memcpy(copy, aml, len);
	*a = *b = 0xee;
	bool ok = acpi_find_s5(copy, len, a, b);
	free(copy);
	return ok;
}

TEST(s5_encodings)
{
	static const struct {
		u8 aml[24];
		u8 len, a, b;
	} good[] = {
		/* BytePrefix values, 1-byte PkgLength */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0, 0 },
		  14, 5, 5 },
		/* ZeroOp / OneOp */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x01, 0x00, 0x00 }, 12, 0, 1 },
		/* Root prefix */
		{ { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x01, 0x00, 0, 0 }, 13, 1, 0 },
		/* 2-byte PkgLength, WordPrefix and DWordPrefix */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x40, 0x01, 0x02, 0x0b, 0x07, 0x00, 0x0c, 0x03,
		    0, 0, 0 },
		  17, 7, 3 },
		/* 4-byte PkgLength */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0xc0, 0, 0, 0, 0x02, 0x0a, 0x06, 0x0a, 0x07 },
		  15, 6, 7 },
		/* A reference to _S5_ (not a NameOp) comes first */
		{ { 0x70, '_', 'S', '5', '_', 0x60, 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02,
		    0x0a, 0x02, 0x0a, 0x03 },
		  18, 2, 3 },
		/* A Name(_S5_) that is no package, then the real one */
		{ { 0x08, '_', 'S', '5', '_', 0x0a, 0x05, 0x08, '_', 'S', '5', '_', 0x12, 0x05,
		    0x02, 0x01, 0x01 },
		  17, 1, 1 },
		/* Second element not an integer: typb follows typa */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x05, 0x12 }, 11, 5, 5 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(good); i++) {
		u8 a, b;
		if (!s5(good[i].aml, good[i].len, &a, &b)) {
			harness_fail(__FILE__, __LINE__, "case %u: _S5 not found", i);
			continue;
		}
		CHECK_EQ(a, good[i].a);
		CHECK_EQ(b, good[i].b);
	}
}

TEST(s5_absent_or_truncated)
{
	static const u8 full[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x04,
				   0x0a, 0x05, 0x0a, 0x06, 0x00, 0x00 };
	u8 a, b;

	/* Every cut of a good encoding: false until SLP_TYPa is complete,
	 * then true (typb falls back to typa until it is complete too). */
	for (u64 cut = 0; cut <= sizeof(full); cut++) {
		bool ok = s5(full, cut, &a, &b);
		CHECK_EQ(ok, cut >= 10);
		if (ok) {
			CHECK_EQ(a, 5);
			CHECK_EQ(b, cut >= 12 ? 6 : 5);
		}
	}
	/* The same with a 4-byte PkgLength cut inside the length. */
	static const u8 four[] = { 0x08, '_', 'S', '5', '_', 0x12, 0xc0, 0, 0 };
	CHECK(!s5(four, sizeof(four), &a, &b));

	static const u8 none[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x06, 0x04, 0x0a, 0x05 };
	CHECK(!s5(none, sizeof(none), &a, &b));
	static const u8 no_nameop[] = { '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a, 0x05 };
	CHECK(!s5(no_nameop, sizeof(no_nameop), &a, &b));
	static const u8 not_int[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0d, 'a', 0 };
	CHECK(!s5(not_int, sizeof(not_int), &a, &b));
	static const u8 tail[] = { 0x00, 0x08, '_', 'S', '5', '_' };
	CHECK(!s5(tail, sizeof(tail), &a, &b));
	CHECK(!s5(tail, 0, &a, &b));
}

int main(void)
{
	RUN(checksum);
	RUN(full_platform_xsdt);
	RUN(rsdp_v1_uses_rsdt);
	RUN(rsdp_corrupt);
	RUN(xsdt_bad_falls_back_to_rsdt);
	RUN(bad_table_skipped);
	RUN(fadt_dsdt_pointer);
	RUN(fadt_legacy_and_odd);
	RUN(hpet_mcfg_variants);
	RUN(spcr_console);
	RUN(dmar_ivrs);
	RUN(madt_malformed);
	RUN(madt_limits);
	RUN(many_tables);
	RUN(scan_bios);
	RUN(s5_encodings);
	RUN(s5_absent_or_truncated);
	mem_reset();
	return harness_finish();
}
