// SPDX-License-Identifier: GPL-2.0-only
/* ACPI table discovery: RSDP, XSDT/RSDT, MADT, FADT (+DSDT _S5), HPET, MCFG. */
#include "drivers/acpi.h"
#include "vmm/base/math.h"
#include "vmm/base/string.h"

struct acpi_info acpi;

#define FADT_FLAG_TMR_VAL_EXT BIT(8)
#define FADT_FLAG_RESET_REG_SUP BIT(10)
#define FADT_FLAG_HW_REDUCED BIT(20)
#define MADT_PCAT_COMPAT BIT(0)

bool acpi_checksum_ok(const void *p, u64 len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (u64 i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

static u8 rd8(const u8 *t, u32 off) { return t[off]; }
static u16 rd16(const u8 *t, u32 off) { u16 v; memcpy(&v, t + off, 2); return v; }
static u32 rd32(const u8 *t, u32 off) { u32 v; memcpy(&v, t + off, 4); return v; }
static u64 rd64(const u8 *t, u32 off) { u64 v; memcpy(&v, t + off, 8); return v; }

/* Maps and validates a table; NULL when it is unreadable or corrupt. */
static const struct acpi_sdt_header *map_table(acpi_map_fn map, u64 pa)
{
	if (!pa)
		return NULL;
	const struct acpi_sdt_header *h = map(pa, sizeof(*h));
	if (!h || h->length < sizeof(*h) || h->length > MiB(16))
		return NULL;
	h = map(pa, h->length);
	if (!h || !acpi_checksum_ok(h, h->length))
		return NULL;
	return h;
}

static void parse_madt(const struct acpi_sdt_header *h, struct acpi_info *a)
{
	const u8 *t = (const u8 *)h;
	u32 len = h->length;

	if (len < 44)
		return;
	a->lapic_addr = rd32(t, 36);
	a->pic_present = rd32(t, 40) & MADT_PCAT_COMPAT;
	for (u32 off = 44; off + 2 <= len;) {
		u8 type = t[off], elen = t[off + 1];
		if (elen < 2 || off + elen > len)
			break; /* malformed entry: stop rather than misread */
		const u8 *e = t + off;
		switch (type) {
		case 0: /* processor local APIC */
			if (elen >= 8 && a->ncpus < ACPI_MAX_CPUS) {
				u32 flags = rd32(e, 4);
				struct acpi_cpu *c = &a->cpus[a->ncpus++];
				c->uid = e[2];
				c->apic_id = e[3];
				c->enabled = flags & 1;
			}
			break;
		case 1: /* I/O APIC */
			if (elen >= 12 && a->nioapics < ACPI_MAX_IOAPICS) {
				struct acpi_ioapic *io = &a->ioapics[a->nioapics++];
				io->id = e[2];
				io->addr = rd32(e, 4);
				io->gsi_base = rd32(e, 8);
			}
			break;
		case 2: /* interrupt source override */
			if (elen >= 10 && a->noverrides < ACPI_MAX_OVERRIDES) {
				struct acpi_override *o = &a->overrides[a->noverrides++];
				o->bus = e[2];
				o->source = e[3];
				o->gsi = rd32(e, 4);
				o->flags = rd16(e, 8);
			}
			break;
		case 5: /* local APIC address override */
			if (elen >= 12)
				a->lapic_addr = rd64(e, 4);
			break;
		case 9: /* processor local x2APIC */
			if (elen >= 16 && a->ncpus < ACPI_MAX_CPUS) {
				u32 flags = rd32(e, 8);
				struct acpi_cpu *c = &a->cpus[a->ncpus++];
				c->apic_id = rd32(e, 4);
				c->uid = rd32(e, 12);
				c->enabled = flags & 1;
			}
			break;
		default:
			break;
		}
		off += elen;
	}
}

/* Reads a PkgLength (ACPI 6.5 20.2.4); returns its encoded size or 0. */
static u32 pkg_length_size(const u8 *p, u64 avail)
{
	if (!avail)
		return 0;
	u32 n = 1 + (p[0] >> 6);
	return n <= avail ? n : 0;
}

/* Reads one integer data object; returns bytes consumed or 0. */
static u32 aml_integer(const u8 *p, u64 avail, u8 *out)
{
	if (!avail)
		return 0;
	switch (p[0]) {
	case 0x00: *out = 0; return 1;          /* ZeroOp */
	case 0x01: *out = 1; return 1;          /* OneOp */
	case 0x0a: if (avail < 2) return 0; *out = p[1]; return 2; /* BytePrefix */
	case 0x0b: if (avail < 3) return 0; *out = p[1]; return 3; /* WordPrefix */
	case 0x0c: if (avail < 5) return 0; *out = p[1]; return 5; /* DWordPrefix */
	default:
		return 0;
	}
}

bool acpi_find_s5(const u8 *aml, u64 len, u8 *typa, u8 *typb)
{
	for (u64 i = 0; i + 4 < len; i++) {
		if (memcmp(aml + i, "_S5_", 4))
			continue;
		/* NameOp, optionally with a root prefix, names the package. */
		if (!(i >= 1 && aml[i - 1] == 0x08) &&
		    !(i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == 0x08))
			continue;
		u64 p = i + 4;
		if (p >= len || aml[p] != 0x12) /* PackageOp */
			continue;
		p++;
		u32 pl = pkg_length_size(aml + p, len - p);
		if (!pl)
			return false;
		p += pl;
		if (p >= len)
			return false;
		p++; /* NumElements */
		u32 n = aml_integer(aml + p, len - p, typa);
		if (!n)
			return false;
		p += n;
		if (!aml_integer(aml + p, len - p, typb))
			*typb = *typa;
		return true;
	}
	return false;
}

static u32 gas_io_port(const u8 *t, u32 len, u32 off)
{
	if (off + 12 > len)
		return 0;
	if (t[off] != 1) /* system I/O space */
		return 0;
	u64 addr = rd64(t, off + 4);
	return addr <= 0xffff ? (u32)addr : 0;
}

/* A GAS in memory space (0 when it is not one). */
static u64 gas_mem_addr(const u8 *t, u32 len, u32 off)
{
	if (off + 12 > len || t[off] != 0)
		return 0;
	return rd64(t, off + 4);
}

static void parse_fadt(const struct acpi_sdt_header *h, acpi_map_fn map, struct acpi_info *a)
{
	const u8 *t = (const u8 *)h;
	u32 len = h->length;

	if (len < 116)
		return;
	a->have_fadt = true;
	a->pm1a_evt = rd32(t, 56);
	a->pm1b_evt = rd32(t, 60);
	a->pm1a_cnt = rd32(t, 64);
	a->pm1b_cnt = rd32(t, 68);
	/* At least the lengths the specification requires (ACPI 6.5 5.2.9):
	 * a shorter one would leave part of a block unmediated. */
	a->pm1_evt_len = MAX(rd8(t, 88), (u8)4);
	a->pm1_cnt_len = MAX(rd8(t, 89), (u8)2);
	a->pm_tmr = rd32(t, 76);
	u8 tmr_len = rd8(t, 91);
	a->century = rd8(t, 108);
	a->boot_arch = rd16(t, 109);
	u32 flags = rd32(t, 112);
	a->pm_tmr_32bit = flags & FADT_FLAG_TMR_VAL_EXT;
	a->hw_reduced = flags & FADT_FLAG_HW_REDUCED;
	if (len >= 129 && (flags & FADT_FLAG_RESET_REG_SUP)) {
		memcpy(&a->reset_reg, t + 116, sizeof(a->reset_reg));
		a->reset_value = rd8(t, 128);
		a->reset_supported = a->reset_reg.address != 0;
	}
	/* Extended (X_) blocks win when present and in I/O space. */
	u32 port;
	if ((port = gas_io_port(t, len, 148)))
		a->pm1a_evt = port;
	if ((port = gas_io_port(t, len, 160)))
		a->pm1b_evt = port;
	a->pm1a_cnt_mem = gas_mem_addr(t, len, 172);
	a->pm1b_cnt_mem = gas_mem_addr(t, len, 184);
	if (len >= 268) {
		memcpy(&a->sleep_control, t + 244, sizeof(a->sleep_control));
		memcpy(&a->sleep_status, t + 256, sizeof(a->sleep_status));
	}
	if ((port = gas_io_port(t, len, 172)))
		a->pm1a_cnt = port;
	if ((port = gas_io_port(t, len, 184)))
		a->pm1b_cnt = port;
	if ((port = gas_io_port(t, len, 208))) {
		a->pm_tmr = port;
		tmr_len = 4;
	}
	if (a->pm_tmr > 0xffff || tmr_len < 4)
		a->pm_tmr = 0;
	if (a->pm1a_cnt > 0xffff)
		a->pm1a_cnt = 0;
	if (a->pm1b_cnt > 0xffff)
		a->pm1b_cnt = 0;
	if (a->pm1a_evt > 0xffff)
		a->pm1a_evt = 0;
	if (a->pm1b_evt > 0xffff)
		a->pm1b_evt = 0;

	u64 dsdt = rd32(t, 40);
	if (len >= 148 && rd64(t, 140))
		dsdt = rd64(t, 140);
	const struct acpi_sdt_header *d = map_table(map, dsdt);
	if (d && !memcmp(d->signature, "DSDT", 4))
		a->have_s5 = acpi_find_s5((const u8 *)d + sizeof(*d), d->length - sizeof(*d),
					  &a->slp_typa, &a->slp_typb);
}

static void add_rmrr(struct acpi_info *a, u64 base, u64 limit)
{
	if (limit < base || a->nrmrr >= ACPI_MAX_RMRRS) {
		a->iommu_bad++;
		return;
	}
	a->rmrr[a->nrmrr++] = (struct acpi_rmrr){ base, limit };
}

/* A DRHD's device scopes (8.3.1: type, length, flags, reserved,
 * enumeration ID, start bus, then a (device, function) pair per step):
 * the I/O APICs' (type 3, enumeration ID = I/O APIC ID). A path of more
 * than one step would need the bridges' bus numbers: not taken. */
static void dmar_ioapic_scopes(const u8 *t, u32 off, u32 end, struct acpi_info *a)
{
	while (off + 6 <= end) {
		u8 type = t[off], len = t[off + 1];
		if (len < 6 || off + len > end)
			return;
		if (type == 3 && len == 8 && a->ndmar_ioapics < ACPI_MAX_IOAPICS &&
		    t[off + 6] < 32 && t[off + 7] < 8)
			a->dmar_ioapic[a->ndmar_ioapics++] = (typeof(a->dmar_ioapic[0])){
				.id = t[off + 4],
				.sid = (u16)(t[off + 5] << 8 | t[off + 6] << 3 | t[off + 7]),
			};
		off += len;
	}
}

/* DMAR (VT-d 3.4 8.1): the host address width and flags, then remapping
 * structures of (type u16, length u16). Only segment 0 is used. */
static void parse_dmar(const struct acpi_sdt_header *h, u64 pa, struct acpi_info *a)
{
	const u8 *t = (const u8 *)h;

	if (h->length < 48)
		return;
	a->dmar_pa = pa;
	a->dmar_haw = (u8)(t[36] + 1);
	a->dmar_flags = t[37];
	for (u32 off = 48; off + 4 <= h->length;) {
		u16 type = rd16(t, off), len = rd16(t, off + 2);
		if (len < 4 || off + len > h->length) {
			a->iommu_bad++;
			return; /* the rest cannot be walked */
		}
		if (type == 0 && len >= 16) { /* DRHD (8.3) */
			u8 size = t[off + 5] & 0xf;
			dmar_ioapic_scopes(t, off + 16, off + len, a);
			if (a->ndrhd < ACPI_MAX_IOMMUS && rd64(t, off + 8) && rd16(t, off + 6) == 0) {
				a->drhd[a->ndrhd++] = (struct acpi_drhd){
					.base = rd64(t, off + 8),
					.size = 1u << (12 + size),
					.segment = rd16(t, off + 6),
					.include_all = t[off + 4] & 1,
				};
			} else if (rd16(t, off + 6) == 0) {
				a->iommu_bad++;
			}
		} else if (type == 1 && len >= 24) { /* RMRR (8.4) */
			if (rd16(t, off + 6) == 0)
				add_rmrr(a, rd64(t, off + 8), rd64(t, off + 16));
		} else if (type <= 1) {
			a->iommu_bad++;
		}
		off += len;
	}
}

/* An IVHD's device entries (5.2.2.2): 4 bytes for types below 0x40, 8
 * for 0x40-0x7f, a length of their own past that (0xf0: byte 21). The
 * special-device entries (0x48, variety 1) name the I/O APICs whose
 * interrupts the unit remaps. */
static void ivhd_special(const u8 *t, u32 off, u32 end, struct acpi_info *a)
{
	while (off + 4 <= end) {
		u8 type = t[off];
		u32 len = type < 0x40 ? 4 : type < 0x80 ? 8 : type == 0xf0 && off + 22 <= end ?
			  22u + t[off + 21] : 0;
		if (!len || off + len > end) {
			a->iommu_bad++;
			return;
		}
		if (type == 0x48 && t[off + 7] == 1 && a->nivrs_ioapics < ACPI_MAX_IOAPICS)
			a->ivrs_ioapic[a->nivrs_ioapics++] = t[off + 4];
		off += len;
	}
}

/* IVRS (AMD IOMMU 3.x 5.2): IVinfo, then IVHD blocks (type 0x10, 0x11,
 * 0x40; length at +2) and IVMD blocks (0x20-0x22; unity ranges). An
 * IVRS may describe one IOMMU twice (0x10 and 0x11/0x40 for the same
 * device): the first block of each device ID counts. */
static void parse_ivrs(const struct acpi_sdt_header *h, u64 pa, struct acpi_info *a)
{
	const u8 *t = (const u8 *)h;

	if (h->length < 48)
		return;
	a->ivrs_pa = pa;
	for (u32 off = 48; off + 4 <= h->length;) {
		u8 type = t[off];
		u16 len = rd16(t, off + 2);
		if (len < 4 || off + len > h->length) {
			a->iommu_bad++;
			return;
		}
		if ((type == 0x10 || type == 0x11 || type == 0x40) && len >= 24) {
			u16 devid = rd16(t, off + 4), seg = rd16(t, off + 16);
			bool seen = false;
			for (u32 i = 0; i < a->nivhd; i++)
				seen |= a->ivhd[i].devid == devid && a->ivhd[i].segment == seg;
			if (!seen && seg == 0 && a->nivhd < ACPI_MAX_IOMMUS && rd64(t, off + 8))
				a->ivhd[a->nivhd++] = (struct acpi_ivhd){
					.base = rd64(t, off + 8),
					.devid = devid,
					.cap_offset = rd16(t, off + 6),
					.segment = seg,
					.type = type,
				};
			else if (!seen && seg == 0)
				a->iommu_bad++;
			if (!seen && seg == 0)
				ivhd_special(t, off + (type == 0x10 ? 24 : 40), off + len, a);
		} else if (type >= 0x20 && type <= 0x22 && len >= 32) {
			u64 base = rd64(t, off + 16), size = rd64(t, off + 24);
			if (size && (t[off + 1] & 1)) /* unity (IVMD flags bit 0) */
				add_rmrr(a, base, base + size - 1);
		}
		off += len;
	}
}

/* SPCR (Microsoft, "Serial Port Console Redirection Table", revision 2
 * layout, 80 bytes): interface type at 36, the base address (a GAS) at
 * 40, the configured baud rate's code at 58. */
static void parse_spcr(const struct acpi_sdt_header *h, struct acpi_info *a)
{
	static const u32 bauds[8] = { [3] = 9600, [4] = 19200, [6] = 57600, [7] = 115200 };
	const u8 *t = (const u8 *)h;

	if (h->length < 80)
		return;
	a->have_spcr = true;
	a->spcr_type = t[36];
	memcpy(&a->spcr_base, t + 40, sizeof(a->spcr_base));
	a->spcr_baud = t[58] < 8 ? bauds[t[58]] : 0;
}

const char *acpi_spcr_console(const struct acpi_info *a, u16 *port, u32 *baud)
{
	if (!a->have_spcr)
		return "no SPCR table";
	if (a->spcr_type != 0 && a->spcr_type != 1 && a->spcr_type != 0x12)
		return "its UART is not 16550-compatible";
	if (a->spcr_base.space != 1)
		return "its UART is memory-mapped (the console drives I/O-port UARTs)";
	if (!a->spcr_base.address || a->spcr_base.address > 0xfff8)
		return "its UART's I/O port is out of range";
	*port = (u16)a->spcr_base.address;
	*baud = a->spcr_baud;
	return NULL;
}

static void parse_table(const struct acpi_sdt_header *h, u64 pa, acpi_map_fn map,
			struct acpi_info *a)
{
	if (a->ntables < ARRAY_SIZE(a->table_sigs)) {
		memcpy(a->table_sigs[a->ntables], h->signature, 4);
		a->table_sigs[a->ntables++][4] = 0;
	}
	if (!memcmp(h->signature, "APIC", 4)) {
		parse_madt(h, a);
	} else if (!memcmp(h->signature, "FACP", 4)) {
		parse_fadt(h, map, a);
	} else if (!memcmp(h->signature, "HPET", 4)) {
		if (h->length >= 56 && ((const u8 *)h)[40] == 0)
			a->hpet_addr = rd64((const u8 *)h, 44);
	} else if (!memcmp(h->signature, "SPCR", 4)) {
		parse_spcr(h, a);
	} else if (!memcmp(h->signature, "DMAR", 4)) {
		parse_dmar(h, pa, a);
	} else if (!memcmp(h->signature, "IVRS", 4)) {
		parse_ivrs(h, pa, a);
	} else if (!memcmp(h->signature, "MCFG", 4)) {
		const u8 *t = (const u8 *)h;
		for (u32 off = 44; off + 16 <= h->length; off += 16) {
			if (rd16(t, off + 8) == 0) {
				a->mcfg_addr = rd64(t, off);
				a->mcfg_bus_start = t[off + 10];
				a->mcfg_bus_end = t[off + 11];
				break;
			}
		}
	}
}

static const struct acpi_rsdp *scan_bios(acpi_map_fn map)
{
	/* EBDA first KiB, then the BIOS area (ACPI 6.5 5.2.5.1). */
	const u16 *ebda_ptr = map(0x40e, 2);
	u64 areas[2][2] = { { ebda_ptr ? (u64)*ebda_ptr << 4 : 0, 1024 },
			    { 0xe0000, 0x20000 } };

	for (int i = 0; i < 2; i++) {
		if (!areas[i][0])
			continue;
		const u8 *p = map(areas[i][0], areas[i][1]);
		if (!p)
			continue;
		for (u64 off = 0; off + 20 <= areas[i][1]; off += 16) {
			/* A v2 RSDP (revision at byte 15) is copied whole: all
			 * 36 bytes must lie inside the mapped area. */
			if (!memcmp(p + off, "RSD PTR ", 8) && acpi_checksum_ok(p + off, 20) &&
			    (p[off + 15] < 2 || off + sizeof(struct acpi_rsdp) <= areas[i][1]))
				return (const void *)(p + off);
		}
	}
	return NULL;
}

const char *acpi_parse(const void *rsdp_copy, u32 rsdp_len, acpi_map_fn map,
		       struct acpi_info *a)
{
	struct acpi_rsdp rsdp;

	memset(a, 0, sizeof(*a));
	memset(&rsdp, 0, sizeof(rsdp));
	if (rsdp_copy && rsdp_len >= 20) {
		memcpy(&rsdp, rsdp_copy, MIN(rsdp_len, (u32)sizeof(rsdp)));
	} else {
		const struct acpi_rsdp *found = scan_bios(map);
		if (!found)
			return "no ACPI RSDP found";
		memcpy(&rsdp, found, found->revision >= 2 ? sizeof(rsdp) : 20);
	}
	if (memcmp(rsdp.signature, "RSD PTR ", 8) || !acpi_checksum_ok(&rsdp, 20))
		return "ACPI RSDP is corrupt";
	a->revision = rsdp.revision;

	const struct acpi_sdt_header *root = NULL;
	u32 entry_size = 4;
	if (rsdp.revision >= 2 && rsdp.xsdt && acpi_checksum_ok(&rsdp, sizeof(rsdp))) {
		root = map_table(map, rsdp.xsdt);
		if (root && !memcmp(root->signature, "XSDT", 4)) {
			entry_size = 8;
			a->have_xsdt = true;
		} else {
			root = NULL;
		}
	}
	if (!root) {
		root = map_table(map, rsdp.rsdt);
		if (!root || memcmp(root->signature, "RSDT", 4))
			return "no valid RSDT or XSDT";
	}

	const u8 *t = (const u8 *)root;
	u32 n = (root->length - (u32)sizeof(*root)) / entry_size;
	for (u32 i = 0; i < n; i++) {
		u32 off = (u32)sizeof(*root) + i * entry_size;
		u64 pa = entry_size == 8 ? rd64(t, off) : rd32(t, off);
		const struct acpi_sdt_header *h = map_table(map, pa);
		if (h)
			parse_table(h, pa, map, a);
	}
	return NULL;
}
