// SPDX-License-Identifier: GPL-2.0-only
/* Intel VT-d DMA remapping (vtd.h). Section numbers are VT-d 3.4's. */
#include "drivers/vtd.h"
#include "drivers/timer.h"
#include "vmm/base/layout.h"
#include "vmm/base/paging.h"
#include "vmm/base/pmm.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"

/* Registers (11.4) */
#define VER 0x00
#define CAP 0x08
#define ECAP 0x10
#define GCMD 0x18
#define GSTS 0x1c
#define RTADDR 0x20
#define CCMD 0x28
#define FSTS 0x34
#define FECTL 0x38
#define FEDATA 0x3c
#define FEADDR 0x40
#define FEUADDR 0x44
#define PMEN 0x64
#define IQH 0x80
#define IQT 0x88
#define IQA 0x90
#define IRTA 0xb8

/* Global command and status bits (11.4.4): the same positions. */
#define G_TE BIT(31)
#define G_SRTP BIT(30)
#define G_WBF BIT(27)
#define G_QIE BIT(26)
#define G_IRE BIT(25)
#define G_SIRTP BIT(24)
#define G_CFI BIT(23)
/* Persistent bits a GCMD write must carry over from GSTS (11.4.4.1). */
#define G_KEEP (G_TE | G_QIE | G_IRE | G_CFI)

#define CAP_RWBF BIT(4)
#define CAP_PLMR BIT(5)
#define CAP_PHMR BIT(6)
#define CAP_CM BIT(7)
#define CAP_SAGAW(c) (((c) >> 8) & 0x1f)
#define CAP_MGAW(c) ((u8)((((c) >> 16) & 0x3f) + 1))
#define CAP_FRO(c) ((u32)(((c) >> 24) & 0x3ff) * 16)
#define CAP_SLLPS(c) (((c) >> 34) & 0xf)
#define CAP_NFR(c) ((u32)(((c) >> 40) & 0xff) + 1)
#define ECAP_C BIT(0)
#define ECAP_QI BIT(1)
#define ECAP_IR BIT(3)
#define ECAP_EIM BIT(4)
#define IRTA_EIME BIT(11)
#define ECAP_IRO(e) ((u32)(((e) >> 8) & 0x3ff) * 16)

#define FSTS_PFO BIT(0)
#define FSTS_PPF BIT(1)
#define FSTS_IQE BIT(4)
#define FSTS_FRI(s) (((s) >> 8) & 0xff)
#define FECTL_IM BIT(31)
#define PMEN_EPM BIT(31)
#define PMEN_PRS BIT(0)

/* Context-cache and IOTLB invalidation, register form (11.4.5, 11.4.8) */
#define CCMD_ICC BIT(63)
#define CCMD_GLOBAL (1ull << 61)
#define IOTLB_IVT BIT(63)
#define IOTLB_GLOBAL (1ull << 60)
#define IOTLB_DR BIT(49)
#define IOTLB_DW BIT(48)

/* Invalidation descriptors, 128-bit (6.5.2) */
#define QI_CC 0x1
#define QI_IOTLB 0x2
#define QI_IEC 0x4
#define QI_WAIT 0x5
#define QI_G_GLOBAL (1ull << 4)
#define QI_IOTLB_DR BIT(7)
#define QI_IOTLB_DW BIT(6)
#define QI_WAIT_SW BIT(5)
#define QI_WAIT_FN BIT(6)
#define IQ_ENTRIES 256 /* one page of 16-byte descriptors (QS = 0) */

/* The one domain every device is in; 0 is reserved when CAP.CM is set. */
#define DOMAIN_ID 1

#define WAIT_MS 1000

static u32 rd32(const struct vtd *u, u32 off) { return *(volatile u32 *)(u->regs + off); }
static u64 rd64(const struct vtd *u, u32 off) { return *(volatile u64 *)(u->regs + off); }
static void wr32(struct vtd *u, u32 off, u32 v) { *(volatile u32 *)(u->regs + off) = v; }
static void wr64(struct vtd *u, u32 off, u64 v) { *(volatile u64 *)(u->regs + off) = v; }

/* Polls until (reg & mask) == want, for up to WAIT_MS; a 32- or 64-bit
 * register. */
static bool wait_reg(struct vtd *u, u32 off, u64 mask, u64 want, bool wide)
{
	u64 end = rdtsc() + WAIT_MS * tsc_khz;

	while (((wide ? rd64(u, off) : rd32(u, off)) & mask) != want) {
		if (rdtsc() > end)
			return false;
		cpu_relax();
	}
	return true;
}

/* Sets or clears one persistent bit, or issues a one-shot command, and
 * waits for the status to follow (11.4.4). */
static bool gcmd(struct vtd *u, u32 bit, bool on)
{
	u32 keep = rd32(u, GSTS) & G_KEEP;

	wr32(u, GCMD, on ? keep | bit : keep & ~bit);
	if (bit & G_KEEP)
		return wait_reg(u, GSTS, bit, on ? bit : 0, false);
	return wait_reg(u, GSTS, bit, bit, false); /* SRTP/WBF: status set when done */
}

const char *vtd_reason(u8 r)
{
	switch (r) {
	case 0x01: return "no present root entry";
	case 0x02: return "no present context entry";
	case 0x03: return "invalid context entry";
	case 0x04: return "address beyond the domain's width";
	case 0x05: return "write to a read-only page";
	case 0x06: return "read of a page without read access";
	case 0x07: return "invalid second-level table entry";
	case 0x08: return "root table unreadable";
	case 0x09: return "context table unreadable";
	case 0x0a: return "reserved bits in a root entry";
	case 0x0b: return "reserved bits in a context entry";
	case 0x0c: return "reserved bits in a table entry";
	/* Interrupt remapping (7.1.3, table 26) */
	case 0x20: return "reserved bits in an interrupt request";
	case 0x21: return "interrupt index beyond the table";
	case 0x22: return "interrupt table entry not present";
	case 0x23: return "interrupt table unreadable";
	case 0x24: return "reserved bits in an interrupt table entry";
	case 0x25: return "compatibility-format interrupt (not remappable)";
	case 0x26: return "interrupt request from a source the entry does not allow";
	default: return "other";
	}
}

const char *vtd_probe(struct vtd *u, u64 base, u32 size)
{
	memset(u, 0, sizeof(*u));
	u->base = base;
	if (base & (PAGE_SIZE - 1))
		return "registers not page-aligned";
	u->regs = ioremap(base, size < PAGE_SIZE ? PAGE_SIZE : size);
	if (!u->regs)
		return "cannot map its registers";
	if (rd32(u, VER) == 0xffffffff)
		return "no unit answers at that address";
	u->cap = rd64(u, CAP);
	u->ecap = rd64(u, ECAP);
	u32 sagaw = (u32)CAP_SAGAW(u->cap);
	if (sagaw & BIT(2))
		u->levels = 4; /* 48-bit, 4-level (11.4.2) */
	else if (sagaw & BIT(1))
		u->levels = 3; /* 39-bit, 3-level */
	else
		return "no 3- or 4-level second-level tables (SAGAW)";
	u->mgaw = CAP_MGAW(u->cap);
	u64 sllps = CAP_SLLPS(u->cap);
	u->leaf_max = (sllps & 1) ? ((sllps & 2) ? 3 : 2) : 1;
	u->coherent = u->ecap & ECAP_C;
	if (CAP_FRO(u->cap) + CAP_NFR(u->cap) * 16 > (size < PAGE_SIZE ? PAGE_SIZE : size) ||
	    ECAP_IRO(u->ecap) + 16 > (size < PAGE_SIZE ? PAGE_SIZE : size))
		return "fault or IOTLB registers outside its register space";
	return NULL;
}

/* ---- invalidation ------------------------------------------------------------ */

static bool qi_submit(struct vtd *u, u64 lo, u64 hi)
{
	volatile u64 *q = phys_to_virt(u->iq);

	q[u->iq_tail * 2] = lo;
	q[u->iq_tail * 2 + 1] = hi;
	u->iq_tail = (u->iq_tail + 1) % IQ_ENTRIES;
	/* A wait descriptor behind it, then the tail moves (6.5.2.8). */
	u32 seq = ++u->wait_seq;
	q[u->iq_tail * 2] = QI_WAIT | QI_WAIT_SW | QI_WAIT_FN | ((u64)seq << 32);
	q[u->iq_tail * 2 + 1] = u->wait_pa;
	u->iq_tail = (u->iq_tail + 1) % IQ_ENTRIES;
	__asm__ __volatile__("sfence" ::: "memory"); /* descriptors before the tail */
	wr64(u, IQT, (u64)u->iq_tail << 4);
	u64 end = rdtsc() + WAIT_MS * tsc_khz;
	while (READ_ONCE(*u->wait) != seq) {
		if ((rd32(u, FSTS) & FSTS_IQE) || rdtsc() > end)
			return false;
		cpu_relax();
	}
	return true;
}

void vtd_flush(struct vtd *u)
{
	if (!u->coherent)
		wbinvd(); /* its walks do not snoop: tables to memory (6.6) */
	if (u->qi) {
		qi_submit(u, QI_CC | QI_G_GLOBAL, 0);
		qi_submit(u, QI_IOTLB | QI_G_GLOBAL | QI_IOTLB_DR | QI_IOTLB_DW, 0);
		return;
	}
	wr64(u, CCMD, CCMD_ICC | CCMD_GLOBAL);
	wait_reg(u, CCMD, CCMD_ICC, 0, true);
	u32 iotlb = ECAP_IRO(u->ecap) + 8;
	wr64(u, iotlb, IOTLB_IVT | IOTLB_GLOBAL | IOTLB_DR | IOTLB_DW);
	wait_reg(u, iotlb, IOTLB_IVT, 0, true);
}

/* ---- turning it on ------------------------------------------------------------- */

const char *vtd_enable(struct vtd *u, paddr_t slpt, u8 vector, u32 apic_id)
{
	if (rd32(u, GSTS) & G_TE)
		return "translation is on already (left on by the firmware or an earlier boot)";
	/* Protected memory regions a firmware may have set would block DMA
	 * regardless of the tables (11.4.13): off. */
	if ((u->cap & (CAP_PLMR | CAP_PHMR)) && (rd32(u, PMEN) & PMEN_PRS)) {
		wr32(u, PMEN, 0);
		if (!wait_reg(u, PMEN, PMEN_PRS, 0, false))
			return "protected memory regions would not turn off";
	}

	/* Root table: every bus points at one context table, whose every
	 * entry puts its device in DOMAIN_ID with the given tables
	 * (9.1-9.3; translation type 0: untranslated requests only). */
	u->root = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	u->context = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	u->iq = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	u->wait_pa = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	if (!u->root || !u->context || !u->iq || !u->wait_pa)
		return "out of memory";
	u->wait = phys_to_virt(u->wait_pa);
	paddr_t top = slpt;
	if (u->levels == 3) {
		/* The 4-level root's first entry covers the 39 bits. */
		top = *(u64 *)phys_to_virt(slpt) & 0x000ffffffffff000ull;
		if (!top)
			return "the tables map nothing below 512 GiB";
	}
	u->top = top;
	u64 *root = phys_to_virt(u->root), *ctx = phys_to_virt(u->context);
	for (u32 bus = 0; bus < 256; bus++)
		root[bus * 2] = u->context | 1;
	u64 aw = u->levels == 4 ? 2 : 1;
	for (u32 devfn = 0; devfn < 256; devfn++) {
		ctx[devfn * 2] = top | 1;
		ctx[devfn * 2 + 1] = aw | ((u64)DOMAIN_ID << 8);
	}
	if (!u->coherent)
		wbinvd();

	if (u->ecap & ECAP_QI) {
		wr64(u, IQT, 0);
		wr64(u, IQA, u->iq); /* 128-bit descriptors, one page */
		u->iq_tail = 0;
		if (!gcmd(u, G_QIE, true))
			return "queued invalidation would not start";
		u->qi = true;
	}
	wr64(u, RTADDR, u->root); /* legacy mode (TTM 00) */
	if (!gcmd(u, G_SRTP, true))
		return "the root table pointer was not taken";
	if (u->cap & CAP_RWBF) {
		if (!gcmd(u, G_WBF, true))
			return "the write buffer would not flush";
	}
	vtd_flush(u);

	/* Faults: recorded, and an interrupt to the hypervisor (7.3). */
	wr32(u, FSTS, rd32(u, FSTS)); /* clear what is left from before */
	wr32(u, FEDATA, vector);
	wr32(u, FEADDR, 0xfee00000u | ((apic_id & 0xff) << 12));
	wr32(u, FEUADDR, apic_id & 0xffffff00u);
	wr32(u, FECTL, 0);

	if (!gcmd(u, G_TE, true))
		return "translation would not turn on";
	return NULL;
}

/* A bus's own context table, copied from the shared one the first time
 * one of its functions leaves the common domain. */
static u64 *bus_context(struct vtd *u, u32 bus)
{
	u64 *root = phys_to_virt(u->root);
	paddr_t ctx = root[bus * 2] & 0x000ffffffffff000ull;

	if (ctx == u->context) {
		paddr_t own = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
		if (!own)
			return NULL;
		memcpy(phys_to_virt(own), phys_to_virt(u->context), PAGE_SIZE);
		root[bus * 2] = own | 1;
		ctx = own;
	}
	return phys_to_virt(ctx);
}

/* One function's context entry: the tables the unit walks at `top` under
 * `domain`, or not present (top 0: blocked, every request faults "no
 * present context entry"); not present first, then the new one (9.3). */
static const char *set_context(struct vtd *u, u32 bdf, paddr_t top, u16 domain)
{
	if (bdf > 0xffff)
		return "no such requester";
	u64 *ctx = bus_context(u, bdf >> 8);
	if (!ctx)
		return "out of memory";
	volatile u64 *e = ctx + (bdf & 0xff) * 2;
	e[0] = 0;
	if (top) {
		e[1] = (u64)(u->levels == 4 ? 2 : 1) | ((u64)domain << 8);
		e[0] = top | 1;
	}
	vtd_flush(u);
	return NULL;
}

const char *vtd_set_device(struct vtd *u, u32 bdf, paddr_t slpt, u16 domain)
{
	paddr_t top = slpt;

	if (slpt && u->levels == 3) {
		/* The 4-level root's first entry covers the 39 bits. */
		top = *(u64 *)phys_to_virt(slpt) & 0x000ffffffffff000ull;
		if (!top)
			return "the tables map nothing below 512 GiB";
	}
	return set_context(u, bdf, top, domain);
}

const char *vtd_reset_device(struct vtd *u, u32 bdf)
{
	return set_context(u, bdf, u->top, DOMAIN_ID);
}

/* ---- interrupt remapping (5.1) ------------------------------------------------------ */

bool vtd_ir_capable(const struct vtd *u)
{
	return (u->ecap & ECAP_IR) && u->qi;
}

void vtd_ir_flush(struct vtd *u)
{
	if (!u->coherent)
		wbinvd();
	qi_submit(u, QI_IEC, 0); /* every entry (G = 0: global, 6.5.2.7) */
}

void vtd_ir_disable(struct vtd *u)
{
	gcmd(u, G_IRE, false);
}

const char *vtd_ir_enable(struct vtd *u, paddr_t irt, u32 entries_log2, bool x2apic)
{
	if (!vtd_ir_capable(u))
		return "no interrupt remapping (ECAP.IR), or no queued invalidation to drive it";
	if (x2apic && !(u->ecap & ECAP_EIM))
		return "x2APIC destinations need extended interrupt mode (ECAP.EIM)";
	wr64(u, IRTA, irt | (x2apic ? IRTA_EIME : 0) | (entries_log2 - 1));
	if (!gcmd(u, G_SIRTP, true))
		return "the interrupt table pointer was not taken";
	vtd_ir_flush(u);
	/* Compatibility-format interrupts stay blocked (CFI clear): every
	 * message must name an entry of the table (5.1.2.1). */
	if (rd32(u, GSTS) & G_CFI)
		gcmd(u, G_CFI, false);
	if (!gcmd(u, G_IRE, true))
		return "interrupt remapping would not turn on";
	return NULL;
}

/* ---- faults ------------------------------------------------------------------------ */

bool vtd_next_fault(struct vtd *u, struct vtd_fault *f, bool *lost)
{
	u32 st = rd32(u, FSTS);

	if (st & FSTS_PFO) {
		*lost = true;
		wr32(u, FSTS, FSTS_PFO);
	}
	if (!(st & FSTS_PPF))
		return false;
	u32 n = CAP_NFR(u->cap), fro = CAP_FRO(u->cap);
	u32 first = (u32)FSTS_FRI(st);
	for (u32 k = 0, i = first < n ? first : 0; k < n; k++, i = (i + 1) % n) {
		u32 off = fro + i * 16;
		u64 hi = rd64(u, off + 8);
		if (!(hi & BIT(63)))
			continue;
		u64 lo = rd64(u, off);
		*f = (struct vtd_fault){
			.source = (u16)hi,
			.reason = (u8)(hi >> 32),
			.write = !(hi & BIT(62)), /* T: 0 write, 1 read (11.4.14) */
			.addr = lo & ~0xfffull,
		};
		/* An interrupt request's record holds its index (FI[63:48]). */
		if (f->reason >= 0x20 && f->reason < 0x30) {
			f->interrupt = true;
			f->addr = lo >> 48;
		}
		wr32(u, off + 12, 0x80000000u); /* F is write-1-to-clear */
		return true;
	}
	return false;
}
