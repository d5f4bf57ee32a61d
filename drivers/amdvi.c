// SPDX-License-Identifier: GPL-2.0-only
/* AMD-Vi DMA remapping (amdvi.h). Section numbers are the spec's (48882). */
#include "drivers/amdvi.h"
#include "drivers/timer.h"
#include "vmm/base/layout.h"
#include "vmm/base/paging.h"
#include "vmm/base/pmm.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"

/* MMIO registers (3.4) */
#define DEVTAB_BASE 0x0000
#define CMD_BASE 0x0008
#define EVT_BASE 0x0010
#define CONTROL 0x0018
#define EXT_FEATURES 0x0030
#define CMD_HEAD 0x2000
#define CMD_TAIL 0x2008
#define EVT_HEAD 0x2010
#define EVT_TAIL 0x2018
#define STATUS 0x2020
#define REG_SPACE KiB(16)

#define CTL_IOMMU_EN BIT(0)
#define CTL_EVTLOG_EN BIT(2)
#define CTL_CMDBUF_EN BIT(12)
#define ST_EVT_OVERFLOW BIT(0)

/* 65536 device IDs of 32 bytes (2.2.2): 2 MiB, size field 511 pages. */
#define DEVTAB_BYTES MiB(2)
#define DTE_V BIT(0)
#define DTE_TV BIT(1)
#define DTE_MODE_SHIFT 9
#define DTE_IR BIT(61)
#define DTE_IW BIT(62)
#define DOMAIN_ID 1

/* Command buffer and event log: 256 entries of 16 bytes (len field 8). */
#define RING_ENTRIES 256
#define RING_LEN_FIELD (8ull << 56)

/* Commands (2.4) */
#define CMD_COMPLETION_WAIT 0x1
#define CMD_INV_DEVTAB 0x2
#define CMD_INV_PAGES 0x3
#define CMD_INV_INTR 0x5
#define CMD_INV_ALL 0x8
#define EFR_IA BIT(6)              /* INVALIDATE_IOMMU_ALL (3.4.12) */

/* Interrupt remapping in a device table entry's third quadword (2.2.2.2):
 * IV, IntTabLen 2^11, the table, IntCtl 10b (remap fixed and arbitrated
 * messages); the *Pass bits stay clear, so NMI, INIT, ExtINT and LINT
 * messages from devices are blocked. */
#define DTE_IV BIT(0)
#define DTE_INT_TAB_LEN(n) ((u64)(n) << 1)
#define DTE_INT_TABLE_MASK 0x000fffffffffffc0ull
#define DTE_INT_CTL_REMAP (2ull << 60)
#define IRT_LOG2 11
#define CW_STORE BIT(0)

#define WAIT_MS 1000

static u64 rd64(const struct amdvi *u, u32 off) { return *(volatile u64 *)(u->regs + off); }
static void wr64(struct amdvi *u, u32 off, u64 v) { *(volatile u64 *)(u->regs + off) = v; }

const char *amdvi_event_name(u8 code)
{
	switch (code) {
	case 0x1: return "illegal device table entry";
	case 0x2: return "I/O page fault";
	case 0x3: return "device table hardware error";
	case 0x4: return "page table hardware error";
	case 0x5: return "illegal command";
	case 0x6: return "command hardware error";
	case 0x7: return "IOTLB invalidation timeout";
	case 0x8: return "invalid device request";
	default: return "unknown event";
	}
}

const char *amdvi_probe(struct amdvi *u, u64 base)
{
	memset(u, 0, sizeof(*u));
	u->base = base;
	if (base & (KiB(16) - 1))
		return "registers not 16 KiB-aligned";
	u->regs = ioremap(base, REG_SPACE);
	if (!u->regs)
		return "cannot map its registers";
	if (rd64(u, CONTROL) == ~0ull)
		return "no unit answers at that address";
	u->efr = rd64(u, EXT_FEATURES);
	return NULL;
}

/* One command, then a COMPLETION_WAIT that stores a new sequence number
 * where we poll for it (2.4.1). */
static bool submit(struct amdvi *u, const u32 c[4])
{
	volatile u32 *ring = phys_to_virt(u->cmd);
	u64 seq = ++u->sem_seq;
	u32 wait[4] = {
		(u32)(u->sem & 0xfffffff8u) | CW_STORE,
		(u32)(u->sem >> 32) | (CMD_COMPLETION_WAIT << 28),
		(u32)seq,
		(u32)(seq >> 32),
	};

	for (u32 n = 0; n < 2; n++) {
		const u32 *w = n ? wait : c;
		u32 next = (u->cmd_tail + 1) % RING_ENTRIES;
		if (next == (u32)((rd64(u, CMD_HEAD) >> 4) % RING_ENTRIES))
			return false; /* full: cannot happen with one waiter */
		for (u32 i = 0; i < 4; i++)
			ring[u->cmd_tail * 4 + i] = w[i];
		u->cmd_tail = next;
	}
	__asm__ __volatile__("sfence" ::: "memory"); /* commands before the tail */
	wr64(u, CMD_TAIL, (u64)u->cmd_tail << 4);
	u64 end = rdtsc() + WAIT_MS * tsc_khz;
	while (READ_ONCE(*u->sem_va) != seq) {
		if (rdtsc() > end)
			return false;
		cpu_relax();
	}
	return true;
}

static bool flush_domain(struct amdvi *u, u16 domain)
{
	/* INVALIDATE_IOMMU_PAGES, S=1 and every address bit set but 63:
	 * the whole domain, page directory entries too (2.4.3). */
	u32 c[4] = { 0, domain | (CMD_INV_PAGES << 28), 0xfffff000u | 0x3, 0x7fffffffu };
	return submit(u, c);
}

bool amdvi_flush(struct amdvi *u)
{
	return flush_domain(u, DOMAIN_ID);
}

bool amdvi_set_device(struct amdvi *u, u16 devid, paddr_t root, u16 domain, paddr_t irt,
		      u32 irt_log2)
{
	volatile u64 *dte = (volatile u64 *)phys_to_virt(u->devtab) + devid * 4u;
	u16 old = (u16)dte[1];

	/* Blocked: translation valid, mode 0 (no translation) with neither
	 * read nor write allowed -- every request target-aborted (2.2.2.1,
	 * Table 7). Interrupts through its table, or none at all (IV set,
	 * IntCtl 00b: every message target-aborted, 2.2.2.2). */
	if (!domain)
		domain = DOMAIN_ID;
	dte[0] = DTE_V | DTE_TV; /* stops the old tables first */
	dte[2] = irt ? DTE_IV | DTE_INT_TAB_LEN(irt_log2) | (irt & DTE_INT_TABLE_MASK) |
			       DTE_INT_CTL_REMAP
		     : DTE_IV;
	dte[1] = domain;
	dte[0] = root ? DTE_V | DTE_TV | (4ull << DTE_MODE_SHIFT) | root | DTE_IR | DTE_IW
		      : DTE_V | DTE_TV;
	wbinvd(); /* table walks need not snoop (2.2.2.1) */
	u32 c[4] = { devid, CMD_INV_DEVTAB << 28, 0, 0 };
	u32 ci[4] = { devid, CMD_INV_INTR << 28, 0, 0 };
	return submit(u, c) && submit(u, ci) && flush_domain(u, old) && flush_domain(u, domain);
}

bool amdvi_ir_capable(const struct amdvi *u)
{
	return u->efr & EFR_IA;
}

void amdvi_ir_flush(struct amdvi *u)
{
	u32 c[4] = { 0, CMD_INV_ALL << 28, 0, 0 };

	wbinvd(); /* table walks need not snoop (2.2.2.1) */
	submit(u, c);
}

const char *amdvi_enable(struct amdvi *u, paddr_t root, paddr_t irt)
{
	if (rd64(u, CONTROL) & CTL_IOMMU_EN)
		return "translation is on already (left on by the firmware or an earlier boot)";
	u->devtab = pmm_alloc_zeroed(DEVTAB_BYTES / PAGE_SIZE, DEVTAB_BYTES, 0);
	u->cmd = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	u->evt = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	u->sem = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	if (!u->devtab || !u->cmd || !u->evt || !u->sem)
		return "out of memory";
	u->sem_va = phys_to_virt(u->sem);

	/* Every device ID valid and translated (2.2.2.1): an entry left
	 * invalid would let its device's DMA through untranslated. Mode 4:
	 * four levels from root; read and write allowed at the top. */
	u64 *dte = phys_to_virt(u->devtab);
	for (u32 id = 0; id < 65536; id++) {
		dte[id * 4] = DTE_V | DTE_TV | (4ull << DTE_MODE_SHIFT) | root | DTE_IR | DTE_IW;
		dte[id * 4 + 1] = DOMAIN_ID;
		if (irt)
			dte[id * 4 + 2] = DTE_IV | DTE_INT_TAB_LEN(IRT_LOG2) |
					  (irt & DTE_INT_TABLE_MASK) | DTE_INT_CTL_REMAP;
	}
	wbinvd(); /* table walks need not snoop (2.2.2.1) */

	wr64(u, DEVTAB_BASE, u->devtab | (DEVTAB_BYTES / PAGE_SIZE - 1));
	wr64(u, CMD_BASE, u->cmd | RING_LEN_FIELD);
	wr64(u, EVT_BASE, u->evt | RING_LEN_FIELD);
	wr64(u, CMD_HEAD, 0);
	wr64(u, CMD_TAIL, 0);
	wr64(u, EVT_HEAD, 0);
	wr64(u, EVT_TAIL, 0);
	u->cmd_tail = u->evt_head = 0;
	wr64(u, STATUS, rd64(u, STATUS)); /* RW1C: what is left from before */
	/* Commands run only while IommuEn is set too (3.4.3): all three on
	 * at once, then the (cold) caches flushed as a check the unit runs
	 * its commands; off again if it does not. */
	u64 ctl = rd64(u, CONTROL);
	wr64(u, CONTROL, ctl | CTL_CMDBUF_EN | CTL_EVTLOG_EN | CTL_IOMMU_EN);
	if (!amdvi_flush(u)) {
		wr64(u, CONTROL, ctl);
		return "its command buffer does not answer";
	}
	return NULL;
}

bool amdvi_next_event(struct amdvi *u, struct amdvi_event *e, bool *lost)
{
	u64 st = rd64(u, STATUS);

	if (st & ST_EVT_OVERFLOW) {
		/* The log stops when it overflows: empty it and start it
		 * again (2.5.1). */
		*lost = true;
		u64 ctl = rd64(u, CONTROL);
		wr64(u, CONTROL, ctl & ~CTL_EVTLOG_EN);
		wr64(u, EVT_HEAD, 0);
		wr64(u, EVT_TAIL, 0);
		u->evt_head = 0;
		wr64(u, STATUS, ST_EVT_OVERFLOW);
		wr64(u, CONTROL, ctl | CTL_EVTLOG_EN);
		return false;
	}
	u32 tail = (u32)((rd64(u, EVT_TAIL) >> 4) % RING_ENTRIES);
	if (tail == u->evt_head)
		return false;
	const volatile u32 *ring = phys_to_virt(u->evt);
	for (u32 i = 0; i < 4; i++)
		e->raw[i] = ring[u->evt_head * 4 + i];
	/* IO_PAGE_FAULT layout (2.5.2.2): DeviceID in 15:0, DomainID in
	 * 47:32, flags in 59:48 (RW at 53), EventCode in 63:60, address. */
	e->code = (u8)(e->raw[1] >> 28);
	e->device = (u16)e->raw[0];
	e->domain = (u16)e->raw[1];
	e->write = e->raw[1] & BIT(21);
	e->addr = (u64)e->raw[3] << 32 | e->raw[2];
	u->evt_head = (u->evt_head + 1) % RING_ENTRIES;
	wr64(u, EVT_HEAD, (u64)u->evt_head << 4);
	return true;
}
