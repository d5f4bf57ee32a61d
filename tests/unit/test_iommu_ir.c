// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt remapping's table, entries and message formats
 * (vmm/iommu_ir.c) against fake units: VT-d entries (VT-d 3.4 9.10) in
 * xAPIC and x2APIC form, remappable messages (5.1.5.2) and I/O APIC
 * entries (5.1.5.1) naming them, aligned blocks for multi-message MSI,
 * all-or-none enabling; AMD-Vi basic entries (48882 2.2.5.1), messages
 * naming them by their data, I/O APIC entries by their vector field, and
 * the limits of the one shared table.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "vmm/iommu.h"
#include "vmm/base/percpu.h"
#include "vmm/base/pmm.h"
#include "drivers/amdvi.h"
#include "drivers/lapic.h"
#include "drivers/vtd.h"

struct percpu *cpus[MAX_CPUS];
u32 nr_cpus;

static bool x2apic, capable = true;
static int fail_unit = -1, enabled, disabled, flushes, freed;
static u64 irta[4];
static void *allocs[8]; /* what the module holds, freed between cases */
static u32 nallocs;

paddr_t pmm_alloc_zeroed(u64 pages, u64 align, paddr_t max)
{
	(void)max;
	void *p = aligned_alloc(align, pages * 4096);
	if (p)
		memset(p, 0, pages * 4096);
	if (nallocs < 8)
		allocs[nallocs++] = p;
	return (paddr_t)(uintptr_t)p; /* the host tests' direct map is 1:1 */
}

void pmm_free(paddr_t pa, u64 pages)
{
	(void)pages;
	for (u32 i = 0; i < nallocs; i++)
		if (allocs[i] == (void *)(uintptr_t)pa)
			allocs[i] = NULL;
	free((void *)(uintptr_t)pa);
	freed++;
}

bool lapic_x2apic_mode(void) { return x2apic; }
bool vtd_ir_capable(const struct vtd *u) { (void)u; return capable; }
void vtd_ir_disable(struct vtd *u) { (void)u; disabled++; }
void vtd_ir_flush(struct vtd *u) { (void)u; flushes++; }
bool amdvi_ir_capable(const struct amdvi *u) { (void)u; return capable; }
void amdvi_ir_flush(struct amdvi *u) { (void)u; flushes++; }

const char *vtd_ir_enable(struct vtd *u, paddr_t irt, u32 entries_log2, bool x2)
{
	(void)u;
	if (enabled == fail_unit)
		return "refused";
	irta[enabled++] = irt | entries_log2 | (x2 ? 0x800 : 0);
	return NULL;
}

static struct vtd units[2];
static struct amdvi amd[2];
static struct percpu cpu_a = { .apic_id = 0 }, cpu_b = { .apic_id = 7 };

static void fresh(bool x2)
{
	iommu_ir_reset();
	while (nallocs)
		free(allocs[--nallocs]);
	x2apic = x2;
	capable = true;
	fail_unit = -1;
	enabled = disabled = flushes = freed = 0;
	memset(irta, 0, sizeof(irta));
	cpus[0] = &cpu_a;
	cpus[1] = &cpu_b;
	cpu_b.apic_id = 7;
	nr_cpus = 2;
}

/* The table the units were given (the first unit's). */
static volatile u64 *vtd_table(void)
{
	return (volatile u64 *)(uintptr_t)(irta[0] & ~0xfffull);
}

TEST(vtd_entries_and_messages)
{
	fresh(false);
	REQUIRE(iommu_ir_start_vtd(units, 2) == NULL);
	CHECK(iommu_ir_on());
	CHECK_EQ(enabled, 2);
	CHECK_EQ(irta[0] & 0xfff, 14);        /* 2^14 entries, xAPIC */
	CHECK_EQ(irta[0], irta[1]);           /* one table for every unit */

	int h = iommu_irte_alloc(1);
	CHECK_EQ(h, 1);                       /* entry 0 is never handed out */
	CHECK_EQ(iommu_irte_alloc(4), 4);     /* aligned for multi-message MSI */
	CHECK_EQ(iommu_irte_alloc(32), 32);
	CHECK_EQ(iommu_irte_alloc(3), -1);    /* not a power of two */
	CHECK_EQ(iommu_irte_alloc(128), -1);

	flushes = 0;
	iommu_irte_set((u32)h, 0x41, 3, true, true, IR_SRC_ANY);
	volatile u64 *t = vtd_table();
	/* P, TM level, DLM lowest priority, vector, xAPIC destination 47:40 */
	CHECK_EQ(t[h * 2], 0x1ull | 0x10 | (1ull << 5) | (0x41ull << 16) | (3ull << 40));
	CHECK_EQ(t[h * 2 + 1], 0);            /* no requester check */
	CHECK_EQ(flushes, 2);                 /* each unit drops its cached copy */
	iommu_irte_clear((u32)h);
	CHECK_EQ(t[h * 2], 0);
	iommu_irte_set(1u << 14, 0x41, 3, false, false, IR_SRC_ANY); /* past the table: nothing */

	u32 addr, data;
	iommu_ir_msi(0x8123, &addr, &data);   /* handle bit 15 goes to bit 2 */
	CHECK_EQ(addr, 0xfee00000u | (0x123u << 5) | 0x10 | 0x08 | 0x04);
	CHECK_EQ(data, 0);                    /* subhandle 0; a device adds k */
	iommu_ir_msi(5, &addr, &data);
	CHECK_EQ(addr, 0xfee000b8u);
	/* An I/O APIC entry: vector, polarity, trigger, mask kept; the
	 * destination and delivery mode give way to the handle. */
	u64 rte = 0x0300000000000000ull | BIT(16) | BIT(15) | BIT(13) | BIT(11) | (5u << 8) | 0x51;
	CHECK_EQ(iommu_ir_rte(0x8005, rte),
		 (5ull << 49) | BIT(48) | BIT(16) | BIT(15) | BIT(13) | BIT(11) | 0x51);
	CHECK_EQ(iommu_ir_rte(5, 0x51) & BIT(11), 0);
	/* Pins take any entry on VT-d. */
	CHECK_EQ(iommu_irte_alloc_pin(), 2);
}

/* The requester check of the parent's entries: exactly one requester, a
 * range of buses (SVT 10b: SID 15:8 first, 7:0 last), or none; an entry
 * whose check changes is not present meanwhile. */
TEST(vtd_entry_requester_checks)
{
	fresh(false);
	REQUIRE(iommu_ir_start_vtd(units, 1) == NULL);
	volatile u64 *t = vtd_table();
	iommu_irte_set(3, 0x41, 1, false, false, 0x0108);
	CHECK_EQ(t[7], 0x0108ull | (1ull << 18));
	iommu_irte_set(3, 0x41, 1, false, false, IR_SRC_BUSES(2, 5));
	CHECK_EQ(t[7], 0x0205ull | (1ull << 19));
	CHECK_EQ(t[6], 0x1ull | (0x41ull << 16) | (1ull << 40));
	iommu_irte_set(3, 0x41, 1, false, false, IR_SRC_ANY);
	CHECK_EQ(t[7], 0);
	iommu_irte_clear(3);
	CHECK_EQ(t[6], 0);
}

TEST(vtd_x2apic_destination)
{
	fresh(true);
	REQUIRE(iommu_ir_start_vtd(units, 1) == NULL);
	CHECK_EQ(irta[0] & 0x800, 0x800);     /* extended interrupt mode */
	iommu_irte_set(2, 0x99, 0x1234, false, false, IR_SRC_ANY);
	CHECK_EQ(vtd_table()[4], 0x1ull | (0x99ull << 16) | (0x1234ull << 32));
}

TEST(vtd_all_or_none)
{
	fresh(false);
	fail_unit = 1;
	CHECK(iommu_ir_start_vtd(units, 2) != NULL);
	CHECK_EQ(disabled, 1);                /* the first unit turned off again */
	CHECK_EQ(freed, 1);
	CHECK(!iommu_ir_on());
	CHECK_EQ(iommu_irte_alloc(1), -1);
	fresh(false);
	capable = false;
	CHECK(iommu_ir_start_vtd(units, 2) != NULL);
	CHECK_EQ(enabled, 0);
	CHECK(!iommu_ir_on());
}

TEST(amdvi_entries_and_messages)
{
	fresh(true);
	paddr_t pa = iommu_ir_table_amdvi(amd, 2);
	REQUIRE(pa != 0);
	CHECK(!iommu_ir_on());                /* until the units run */
	iommu_ir_start_amdvi(amd, 2);
	CHECK(iommu_ir_on());
	volatile u32 *t = (volatile u32 *)(uintptr_t)pa;

	/* Messages from the top of the 512 a fixed or lowest-priority
	 * message can name, blocks aligned; pins from 0x20. */
	CHECK_EQ(iommu_irte_alloc(1), 0x1ff);
	CHECK_EQ(iommu_irte_alloc(4), 0x1f8);
	CHECK_EQ(iommu_irte_alloc_pin(), 0x20);
	u32 addr, data;
	iommu_ir_msi(0x1f8, &addr, &data);
	CHECK_EQ(addr, 0xfee00000u);
	CHECK_EQ(data, 0x1f8);                /* the index, data 10:8 = 1: arbitrated */

	flushes = 0;
	iommu_irte_set(0x1f8, 0x42, 7, true, true, IR_SRC_ANY);
	/* RemapEn, IntType arbitrated, destination 15:8, vector 23:16 */
	CHECK_EQ(t[0x1f8], 0x1u | (1u << 2) | (7u << 8) | (0x42u << 16));
	CHECK_EQ(flushes, 2);
	iommu_irte_set(0x20, 0x31, 0, false, true, IR_SRC_ANY);
	CHECK_EQ(t[0x20], 0x1u | (0x31u << 16));
	iommu_irte_set(0x200, 0x31, 0, false, false, IR_SRC_ANY); /* past the usable ones */
	/* An I/O APIC entry names its entry by its vector field. */
	u64 rte = 0x0700000000000000ull | BIT(16) | BIT(15) | BIT(13) | (1u << 8) | 0x51;
	CHECK_EQ(iommu_ir_rte(0x20, rte), BIT(16) | BIT(15) | BIT(13) | 0x20);
}

/* A passed-through function's entries (VT-d): in the common table, each
 * checking that the requester is the function (SVT 01b, SQ 00b, SID). */
TEST(vtd_function_entries_check_requester)
{
	fresh(false);
	REQUIRE(iommu_ir_start_vtd(units, 1) == NULL);
	CHECK(iommu_dev_ir_open(0x0100) == NULL);
	u32 log2;
	CHECK_EQ(iommu_dev_ir_table(0x0100, &log2), 0); /* no table of its own */
	int h = iommu_dev_irte_alloc(0x0100);
	CHECK_EQ(h, 1);
	iommu_dev_irte_set(0x0100, (u32)h, 0xf4, 7);
	volatile u64 *t = vtd_table();
	CHECK_EQ(t[h * 2 + 1], 0x0100ull | (1ull << 18));
	CHECK_EQ(t[h * 2], 0x1ull | (0xf4ull << 16) | (7ull << 40));
	iommu_dev_irte_clear(0x0100, (u32)h);
	CHECK_EQ(t[h * 2], 0);
	CHECK_EQ(t[h * 2 + 1], 0);
	CHECK_EQ(iommu_dev_irte_alloc(0x0100), h); /* free again */
}

/* AMD-Vi: a table of its own, apart from the common one. */
TEST(amdvi_function_table)
{
	fresh(false);
	paddr_t common = iommu_ir_table_amdvi(amd, 1);
	REQUIRE(common != 0);
	iommu_ir_start_amdvi(amd, 1);
	u32 log2 = 0;
	CHECK_EQ(iommu_ir_common_table(&log2), common);
	CHECK_EQ(log2, 11);
	CHECK_EQ(iommu_dev_irte_alloc(0x30), -1); /* not opened */
	REQUIRE(iommu_dev_ir_open(0x30) == NULL);
	paddr_t own = iommu_dev_ir_table(0x30, &log2);
	REQUIRE(own != 0);
	CHECK(own != common);
	CHECK_EQ(log2, 9);
	int h = iommu_dev_irte_alloc(0x30);
	CHECK_EQ(h, 1);
	iommu_dev_irte_set(0x30, (u32)h, 0xf5, 7);
	CHECK_EQ(((volatile u32 *)(uintptr_t)own)[h], 0x1u | (7u << 8) | (0xf5u << 16));
	CHECK_EQ(((volatile u32 *)(uintptr_t)common)[h], 0); /* the parent's stays */
	freed = 0;
	iommu_dev_ir_close(0x30);
	CHECK_EQ(freed, 1);
	CHECK_EQ(iommu_dev_ir_table(0x30, &log2), 0);
}

TEST(amdvi_pins_run_out)
{
	fresh(false);
	REQUIRE(iommu_ir_table_amdvi(amd, 1) != 0);
	iommu_ir_start_amdvi(amd, 1);
	int last = 0;
	for (u32 n = 0; n < 0x100 - 0x20; n++)
		last = iommu_irte_alloc_pin();
	CHECK_EQ(last, 0xff);
	CHECK_EQ(iommu_irte_alloc_pin(), -1); /* a vector field is 8 bits */
}

TEST(amdvi_refused)
{
	fresh(true);
	cpu_b.apic_id = 0x100;                /* would need 128-bit entries */
	CHECK_EQ(iommu_ir_table_amdvi(amd, 2), 0);
	fresh(false);
	capable = false;                      /* no INVALIDATE_IOMMU_ALL */
	CHECK_EQ(iommu_ir_table_amdvi(amd, 2), 0);
	CHECK(!iommu_ir_on());
}

int main(void)
{
	RUN(vtd_entries_and_messages);
	RUN(vtd_entry_requester_checks);
	RUN(vtd_x2apic_destination);
	RUN(vtd_all_or_none);
	RUN(amdvi_entries_and_messages);
	RUN(amdvi_pins_run_out);
	RUN(vtd_function_entries_check_requester);
	RUN(amdvi_function_table);
	RUN(amdvi_refused);
	fresh(false);
	return harness_finish();
}
