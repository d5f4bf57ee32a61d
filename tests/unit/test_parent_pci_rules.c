// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parent's PCI configuration writes, judged (partitions/
 * parent_pci_rules.c) against a fake function's configuration space:
 * the hypervisor's functions hidden, MSI messages checked when MSI is on
 * or being turned on (address, delivery mode, vector block, destination)
 * through any width and byte lane; MSI-X turned on only over a good,
 * mediated table, whose BAR stays in place while it decodes; and
 * everything else passed.
 */
#include <string.h>

#include "tests/unit/harness.h"
#include "partitions/parent_pci_rules.h"
#include "vmm/iommu.h"
#include "drivers/pci.h"

#define DEV 0x0018u  /* 00:03.0 */
#define HIDDEN 0x0010u /* 00:02.0 */
#define MSI_AT 0x50u

static unsigned char cfg[256];
static char why[200];

static u32 rd32(void *ctx, u32 bdf, u32 reg)
{
	(void)ctx;
	if (bdf != DEV || reg > 252)
		return 0xffffffffu;
	u32 v;
	memcpy(&v, cfg + (reg & ~3u), 4);
	return v;
}

static bool hidden(void *ctx, u32 bdf)
{
	(void)ctx;
	return bdf == HIDDEN;
}

/* The parent's vCPUs: physical APIC IDs 0-3; logical bit 0-3 of flat mode. */
static bool dest_ok(void *ctx, u8 dest, bool logical)
{
	(void)ctx;
	return logical ? (dest & 0x0f) != 0 : dest < 4;
}

/* The fake function's MSI-X table: BAR 1, mediated at TABLE_BAR; what
 * the table holds is the test's to say (msix_bad). */
#define MSIX_AT 0x60u
#define TABLE_BAR 0xfebf0000u
static const char *msix_bad;
static bool msix_mediated = true;

static const char *msix_live(void *ctx, u32 bdf)
{
	(void)ctx;
	(void)bdf;
	return msix_mediated ? msix_bad : "its table is not one the hypervisor mediates";
}

static bool msix_bar(void *ctx, u32 bdf, u32 bar, u64 *addr)
{
	(void)ctx;
	if (bdf != DEV || bar != 1 || !msix_mediated)
		return false;
	*addr = TABLE_BAR;
	return true;
}

static const struct cfg_env env = { .read32 = rd32, .hidden = hidden, .dest_ok = dest_ok,
				    .msix_live = msix_live, .msix_bar = msix_bar,
				    .vec_first = 0x20, .vec_last = 0xef };

static void put32(u32 reg, u32 v)
{
	memcpy(cfg + reg, &v, 4);
}

/* A function with a vendor capability at 0x40, then MSI (64-bit when
 * wide) at 0x50, holding a valid message, MSI off. */
static void device(bool wide)
{
	memset(cfg, 0, sizeof(cfg));
	put32(0x00, 0x11e81234);
	put32(0x04, 1u << 20);
	cfg[0x34] = 0x40;
	put32(0x40, 0x00005009); /* vendor-specific, next 0x50 */
	put32(MSI_AT, (wide ? 0x0080u : 0) << 16 | PCI_CAP_MSI);
	put32(MSI_AT + 4, 0xfee01000); /* to APIC ID 1 */
	put32(MSI_AT + (wide ? 12 : 8), 0x0041);
	cfg[MSI_AT + 1] = MSIX_AT;
	put32(MSIX_AT, 0x0003u << 16 | PCI_CAP_MSIX); /* 4 entries */
	put32(MSIX_AT + 4, 1);                        /* BAR 1, offset 0 */
	put32(0x14, TABLE_BAR);
	put32(0x04, 1u << 20 | 0x6);                  /* decoding on */
	msix_bad = NULL;
	msix_mediated = true;
	why[0] = 0;
}

static bool refused(u32 reg, u8 size, u32 val)
{
	why[0] = 0;
	return parent_cfg_refused(&env, DEV, reg, size, val, why, sizeof(why));
}

/* The write made, as the hardware would keep it. */
static void write(u32 reg, u8 size, u32 val)
{
	memcpy(cfg + reg, &val, size);
}

TEST(valid_message_enables)
{
	device(true);
	CHECK(!refused(MSI_AT + 2, 2, 0x0081));
	CHECK(!refused(MSI_AT, 4, 0x00810005));
}

TEST(enable_refused_for_each_bad_message)
{
	static const struct { u32 lo, hi, data; const char *why; } bad[] = {
		{ 0xfee01000, 1, 0x41, "above 4 GiB" },
		{ 0xfed01000, 0, 0x41, "not a message address" },
		{ 0xfee01010, 0, 0x41, "not a message address" },  /* remappable format */
		{ 0xfee01000, 0, 0x0441, "NMI delivery" },
		{ 0xfee01000, 0, 0x0541, "INIT delivery" },
		{ 0xfee01000, 0, 0x0241, "SMI delivery" },
		{ 0xfee01000, 0, 0x0741, "ExtINT delivery" },
		{ 0xfee01000, 0, 0x00f0, "vector 0xf0 is outside 0x20-0xef" },
		{ 0xfee01000, 0, 0x0002, "vector 0x2 is outside" },
		{ 0xfee09000, 0, 0x41, "physical destination 0x9 is none of the parent's vCPUs" },
		{ 0xfee30004, 0, 0x41, "logical destination 0x30" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		device(true);
		put32(MSI_AT + 4, bad[i].lo);
		put32(MSI_AT + 8, bad[i].hi);
		put32(MSI_AT + 12, bad[i].data);
		CHECK(refused(MSI_AT + 2, 2, 0x0081));
		if (!harness_contains(why, bad[i].why))
			harness_fail(__FILE__, __LINE__, "case %u: reason '%s' lacks '%s'", i, why,
				     bad[i].why);
		CHECK(harness_contains(why, "MSI of 00:03.0"));
	}
}

TEST(lowest_priority_and_logical_pass)
{
	device(false);
	put32(MSI_AT + 4, 0xfee01004); /* logical, bit 0 */
	put32(MSI_AT + 8, 0x0141);
	CHECK(!refused(MSI_AT + 2, 1, 0x01));
}

TEST(messages_written_while_off_are_kept)
{
	device(true);
	CHECK(!refused(MSI_AT + 12, 2, 0x0400)); /* NMI, but MSI is off */
	write(MSI_AT + 12, 2, 0x0400);
	CHECK(!refused(MSI_AT + 4, 4, 0));       /* Linux clears it when done */
	write(MSI_AT + 4, 4, 0);
	CHECK(refused(MSI_AT + 2, 2, 0x0081));   /* but cannot turn it on */
	CHECK(!refused(MSI_AT + 2, 2, 0x0080));  /* writing it off again is fine */
}

TEST(while_on_each_register_and_lane_is_judged)
{
	device(true);
	write(MSI_AT + 2, 2, 0x0081);
	CHECK(!refused(MSI_AT + 12, 2, 0x0042));  /* another good vector */
	CHECK(refused(MSI_AT + 12, 2, 0x0442));   /* NMI */
	CHECK(refused(MSI_AT + 13, 1, 0x04));     /* its delivery byte alone */
	CHECK(refused(MSI_AT + 12, 1, 0xf1));     /* the vector byte alone */
	CHECK(refused(MSI_AT + 5, 1, 0x70));      /* destination 0x70 via a byte */
	CHECK(refused(MSI_AT + 8, 4, 0x1));       /* the upper address */
	CHECK(!refused(MSI_AT + 4, 4, 0xfee03000)); /* APIC ID 3 */
	CHECK(!refused(MSI_AT + 14, 2, 0xffff));  /* extended data: not the message */
	CHECK(!refused(MSI_AT + 16, 4, 0xffffffff)); /* mask bits */
}

TEST(thirty_two_bit_layout)
{
	device(false);
	write(MSI_AT + 2, 2, 0x0001);
	CHECK(!refused(MSI_AT + 8, 2, 0x0043));
	CHECK(refused(MSI_AT + 8, 2, 0x0500));
	CHECK(!refused(MSI_AT + 12, 4, 0xffffffff)); /* past a 32-bit message */
}

TEST(vector_blocks)
{
	device(true);
	put32(MSI_AT + 12, 0x00e8);
	CHECK(!refused(MSI_AT + 2, 2, 0x00b1));   /* 8 vectors: 0xe8-0xef */
	put32(MSI_AT + 12, 0x00f0 - 8 + 8);
	CHECK(refused(MSI_AT + 2, 2, 0x00b1));    /* 0xf0-0xf7 */
	put32(MSI_AT + 12, 0x0020);
	CHECK(!refused(MSI_AT + 2, 2, 0x00d1));   /* 32 vectors from 0x20 */
	put32(MSI_AT + 12, 0x00e0);
	CHECK(refused(MSI_AT + 2, 2, 0x00d1));    /* 0xe0-0xff */
	CHECK(!refused(MSI_AT + 2, 2, 0x00f0));   /* off, any count */
}

TEST(header_and_other_registers_pass)
{
	device(true);
	write(MSI_AT + 2, 2, 0x0081);
	put32(MSI_AT + 12, 0x0400); /* an enabled bad message (firmware's) */
	CHECK(!refused(0x04, 2, 0x0006));
	CHECK(!refused(0x10, 4, 0xffffffff));
	CHECK(!refused(0x40, 4, 0xdeadbeef));
	CHECK(refused(MSI_AT + 4, 4, 0xfee00000)); /* still judged as a whole */
	CHECK(!refused(MSI_AT + 2, 2, 0x0080));    /* turning it off is fine */
}

TEST(no_capability_list)
{
	device(true);
	put32(0x04, 0);
	write(MSI_AT + 2, 2, 0x0081);
	CHECK(!refused(MSI_AT + 12, 2, 0x0400));
	CHECK_EQ(pci_find_cap(&env, DEV, PCI_CAP_MSI), 0);
}

TEST(looping_capability_list_ends)
{
	device(true);
	put32(0x40, 0x00004009); /* points at itself */
	CHECK_EQ(pci_find_cap(&env, DEV, PCI_CAP_MSI), 0);
	put32(0x40, 0x00000009);
	CHECK_EQ(pci_find_cap(&env, DEV, PCI_CAP_MSI), 0);
	put32(0x40, 0x00005009);
	CHECK_EQ(pci_find_cap(&env, DEV, PCI_CAP_MSI), MSI_AT);
}

TEST(msix_on_judged_over_the_table)
{
	device(true);
	CHECK(!refused(MSIX_AT + 2, 2, 0xc003));  /* on, function-masked */
	CHECK(!refused(MSIX_AT + 2, 2, 0x8003));  /* on and live: the table is good */
	msix_bad = "entry 2 (address 0xfee00000, data 0x400): it asks for NMI delivery";
	CHECK(!refused(MSIX_AT + 2, 2, 0xc003));  /* masked: entries may be anything */
	CHECK(refused(MSIX_AT + 2, 2, 0x8003));
	CHECK(harness_contains(why, "MSI-X of 00:03.0: entry 2"));
	CHECK(refused(MSIX_AT + 3, 1, 0x80));     /* the high byte alone */
	CHECK(refused(MSIX_AT, 4, 0x80036011));   /* the whole dword */
	CHECK(!refused(MSIX_AT + 2, 2, 0x0003));  /* off */
	CHECK(!refused(MSIX_AT + 4, 4, 0x1));     /* table offset: read-only anyway */
}

TEST(msix_without_a_mediated_table)
{
	device(true);
	msix_mediated = false;
	CHECK(refused(MSIX_AT + 2, 2, 0x8003));
	CHECK(harness_contains(why, "not one the hypervisor mediates"));
	CHECK(!refused(0x14, 4, 0xffffffff));     /* nothing to keep in place */
}

TEST(table_bar_stays_while_decoding)
{
	device(true);
	CHECK(refused(0x14, 4, 0xfebe0000));
	CHECK(harness_contains(why, "moves BAR 1 of 00:03.0"));
	CHECK(refused(0x16, 2, 0xfebe));          /* a half of it */
	CHECK(!refused(0x14, 4, TABLE_BAR));      /* the same address */
	CHECK(!refused(0x10, 4, 0xfe000000));     /* another BAR */
	CHECK(!refused(0x04, 2, 0x0006));         /* decoding stays on, BAR in place */
	/* Linux's sizing: decoding off, all ones, the address back, on. */
	CHECK(!refused(0x04, 2, 0x0004));
	write(0x04, 2, 0x0004);
	CHECK(!refused(0x14, 4, 0xffffffff));
	write(0x14, 4, 0xffffc000);
	CHECK(refused(0x04, 2, 0x0006));          /* not while it is away */
	CHECK(harness_contains(why, "away from its MSI-X table's mediated 0xfebf0000"));
	CHECK(!refused(0x04, 2, 0x0005));         /* I/O decoding is no matter */
	CHECK(!refused(0x14, 4, TABLE_BAR));
	write(0x14, 4, TABLE_BAR);
	CHECK(!refused(0x04, 2, 0x0006));
	/* A dword over command and status turns decoding on too. */
	write(0x14, 4, 0xfe000000);
	CHECK(refused(0x04, 4, 0x00000002));
}

TEST(sixty_four_bit_table_bar)
{
	device(true);
	put32(0x14, TABLE_BAR | 0x4);             /* 64-bit, upper half in 0x18 */
	put32(0x18, 0);
	CHECK(refused(0x18, 4, 0x1));             /* the upper half moves it */
	CHECK(!refused(0x18, 4, 0x0));
	CHECK(!refused(0x14, 4, TABLE_BAR | 0x4));
}

TEST(hidden_function)
{
	device(true);
	why[0] = 0;
	CHECK(parent_cfg_refused(&env, HIDDEN, 0x04, 2, 0x6, why, sizeof(why)));
	CHECK(harness_contains(why, "00:02.0 is the hypervisor's"));
}

/* ---- the requester a function's messages carry ---- */

/* A small machine: a root port 00:1c.0 (bus 1), a conventional PCI
 * bridge 00:1e.0 (buses 2-3) with another below it, 02:05.0 (bus 3). */
struct fake_fn {
	u32 bdf;
	u8 cfg[256];
};
static struct fake_fn topo[8];
static u32 ntopo;

static struct fake_fn *fn_add(u32 bdf, u8 hdr)
{
	struct fake_fn *f = &topo[ntopo++];
	memset(f, 0, sizeof(*f));
	f->bdf = bdf;
	f->cfg[0] = 0x86;
	f->cfg[1] = 0x80;
	f->cfg[0x0e] = hdr;
	return f;
}

static void fn_bridge(struct fake_fn *f, u8 sec, u8 sub, u8 exp_type)
{
	f->cfg[0x19] = sec;
	f->cfg[0x1a] = sub;
	if (exp_type) { /* a PCI Express capability at 0x40 */
		f->cfg[0x06] = 0x10;
		f->cfg[0x34] = 0x40;
		f->cfg[0x40] = 0x10;
		f->cfg[0x42] = (u8)(exp_type << 4);
	}
}

static u32 topo_rd32(void *ctx, u32 bdf, u32 reg)
{
	(void)ctx;
	for (u32 i = 0; i < ntopo; i++)
		if (topo[i].bdf == bdf && reg <= 252) {
			u32 v;
			memcpy(&v, topo[i].cfg + (reg & ~3u), 4);
			return v;
		}
	return 0xffffffffu;
}

TEST(msi_source_follows_the_bridges)
{
	const struct cfg_env t = { .read32 = topo_rd32 };
	ntopo = 0;
	fn_add(0x0000, 0);
	fn_bridge(fn_add(PCI_BDF(0, 0x1c, 0), 1), 1, 1, PCI_EXP_ROOT_PORT);
	fn_bridge(fn_add(PCI_BDF(0, 0x1e, 0), 1), 2, 3, 0);
	fn_bridge(fn_add(PCI_BDF(2, 5, 0), 1), 3, 3, 0);
	fn_add(PCI_BDF(1, 0, 0), 0);
	fn_add(PCI_BDF(2, 3, 0), 0);
	fn_add(PCI_BDF(3, 0, 0), 0);
	CHECK_EQ(pci_msi_source(&t, PCI_BDF(0, 2, 0)), PCI_BDF(0, 2, 0)); /* root bus */
	CHECK_EQ(pci_msi_source(&t, PCI_BDF(1, 0, 0)), PCI_BDF(1, 0, 0)); /* below a root port */
	/* Below conventional bridges: any requester on the bridge's buses. */
	CHECK_EQ(pci_msi_source(&t, PCI_BDF(2, 3, 0)), IR_SRC_BUSES(0, 3));
	CHECK_EQ(pci_msi_source(&t, PCI_BDF(3, 0, 0)), IR_SRC_BUSES(2, 3));
	CHECK_EQ(pci_msi_source(&t, PCI_BDF(5, 0, 0)), IR_SRC_ANY);     /* no bridge leads there */
	/* A downstream port is as good as a root port; a PCIe-to-PCI bridge
	 * (type 7) is not. */
	topo[2].cfg[0x06] = 0x10;
	topo[2].cfg[0x34] = 0x40;
	topo[2].cfg[0x40] = 0x10;
	topo[2].cfg[0x42] = PCI_EXP_DOWNSTREAM << 4;
	CHECK_EQ(pci_msi_source(&t, PCI_BDF(2, 3, 0)), PCI_BDF(2, 3, 0));
	topo[2].cfg[0x42] = 7 << 4;
	CHECK_EQ(pci_msi_source(&t, PCI_BDF(2, 3, 0)), IR_SRC_BUSES(0, 3));
	/* A bridge loop (secondary at or below its own bus) is not followed. */
	topo[3].cfg[0x19] = 2;
	topo[3].cfg[0x1a] = 3;
	CHECK_EQ(pci_msi_source(&t, PCI_BDF(3, 0, 0)), IR_SRC_ANY);
}

int main(void)
{
	RUN(valid_message_enables);
	RUN(enable_refused_for_each_bad_message);
	RUN(lowest_priority_and_logical_pass);
	RUN(messages_written_while_off_are_kept);
	RUN(while_on_each_register_and_lane_is_judged);
	RUN(thirty_two_bit_layout);
	RUN(vector_blocks);
	RUN(header_and_other_registers_pass);
	RUN(no_capability_list);
	RUN(looping_capability_list_ends);
	RUN(msix_on_judged_over_the_table);
	RUN(msix_without_a_mediated_table);
	RUN(table_bar_stays_while_decoding);
	RUN(sixty_four_bit_table_bar);
	RUN(hidden_function);
	RUN(msi_source_follows_the_bridges);
	return harness_finish();
}
