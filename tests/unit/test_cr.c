// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control-register writes the hypervisor carries out (vmm/cr.c), and the
 * instruction pointer after an instruction it completes (vmm/step.c):
 * every CR0/CR4 value the CPU refuses gets #GP and leaves the register
 * and RIP alone -- each of them one VM entry or VMRUN would otherwise
 * reject (SDM Vol. 3C 26.3.1, APM Vol. 2 15.5.1) -- and a good value is
 * taken with RIP past the instruction; outside 64-bit mode RIP wraps at
 * 4 GiB (64 KiB in 16-bit code) instead of growing past it.
 */
#include "tests/unit/harness.h"
#include "tests/unit/fake_backend.h"
#include "vmm/cr.h"
#include "vmm/event.h"
#include "vmm/fpu.h"
#include "vmm/gmem.h"
#include "vmm/guest_insn.h"
#include "vmm/dev/vlapic.h"
#include "vmm/base/cpu.h"
#include "vmm/base/x86.h"

/* ---- stubs ---- */

struct cpu_info boot_cpu = { .phys_addr_bits = 40 };
static u32 gp_count;
static enum x86_mode mode;

void vcpu_inject_gp(struct vcpu *v, u32 error)
{
	(void)v;
	(void)error;
	gp_count++;
}

void vcpu_inject_ud(struct vcpu *v)
{
	(void)v;
}

u32 vlapic_get_tpr(struct vlapic *l)
{
	(void)l;
	return 0;
}

void vlapic_set_tpr(struct vlapic *l, u32 tpr)
{
	(void)l;
	(void)tpr;
}

u64 fpu_xcr0_allowed(void)
{
	return 0;
}

/* The guest's memory: one PDPT at PDPT_GPA, the rest unreadable. */
#define PDPT_GPA 0x5000
static u64 pdpt[4];

int gpa_read(struct partition *p, u64 gpa, void *buf, u64 len)
{
	(void)p;
	if (gpa != PDPT_GPA || len != sizeof(pdpt))
		return -1;
	__builtin_memcpy(buf, pdpt, sizeof(pdpt));
	return 0;
}

/* The mode is the test's to set (the real one reads these registers). */
enum x86_mode vcpu_cpu_mode(struct vcpu *v)
{
	(void)v;
	return mode;
}

static struct vcpu vcpu;

#define ATTR_CODE (SEG_ATTR_TYPE(0xb) | SEG_ATTR_S | SEG_ATTR_P)
#define RIP0 0x1000

/* 64-bit mode as a long-mode image starts. */
static void long_mode(void)
{
	__builtin_memset(regs, 0, sizeof(regs));
	regs[VREG_CR0] = CR0_PE | CR0_ET | CR0_NE | CR0_PG | CR0_WP;
	regs[VREG_CR3] = 0x10000;
	regs[VREG_CR4] = CR4_PAE;
	regs[VREG_EFER] = EFER_LME | EFER_LMA;
	regs[VREG_RFLAGS] = RFLAGS_FIXED;
	regs[VREG_RIP] = RIP0;
	segs[SEG_CS].attr = ATTR_CODE | SEG_ATTR_L | SEG_ATTR_G;
	mode = X86_MODE_LONG64;
	gp_count = 0;
	fake_db_count = 0;
}

/* Protected mode, paging off, a flat 32-bit CS. */
static void prot_mode(void)
{
	long_mode();
	regs[VREG_CR0] = CR0_PE | CR0_ET | CR0_NE;
	regs[VREG_CR4] = 0;
	regs[VREG_EFER] = 0;
	segs[SEG_CS].attr = ATTR_CODE | SEG_ATTR_DB | SEG_ATTR_G;
	mode = X86_MODE_PROT32;
}

static void refused_at(int line, int cr, u64 val)
{
	u64 before = regs[cr == 0 ? VREG_CR0 : VREG_CR4];
	u32 gp = gp_count;

	vmm_handle_cr_write(&vcpu, cr, val);
	if (gp_count != gp + 1)
		harness_fail(__FILE__, line, "CR%d <- %#llx: no #GP", cr, (unsigned long long)val);
	if (regs[cr == 0 ? VREG_CR0 : VREG_CR4] != before || regs[VREG_RIP] != RIP0)
		harness_fail(__FILE__, line, "CR%d <- %#llx: state changed", cr,
			     (unsigned long long)val);
}

static void taken_at(int line, int cr, u64 val)
{
	u32 gp = gp_count;

	vmm_handle_cr_write(&vcpu, cr, val);
	if (gp_count != gp || regs[cr == 0 ? VREG_CR0 : VREG_CR4] != val ||
	    regs[VREG_RIP] != RIP0 + FAKE_INSN_LEN)
		harness_fail(__FILE__, line, "CR%d <- %#llx: not taken", cr,
			     (unsigned long long)val);
	regs[VREG_RIP] = RIP0;
}
#define refused(cr, val) refused_at(__LINE__, cr, val)
#define taken(cr, val) taken_at(__LINE__, cr, val)

TEST(cr0_refusals)
{
	long_mode();
	u64 cr0 = regs[VREG_CR0];
	refused(0, cr0 | (1ULL << 32));             /* bits 63:32 */
	refused(0, cr0 | CR0_NW);                   /* NW without CD */
	refused(0, cr0 & ~CR0_PG);                  /* paging off in 64-bit mode */
	taken(0, cr0 | CR0_CD | CR0_NW);
	taken(0, cr0 & ~CR0_NE);

	/* Compatibility mode may leave long mode, but not with PCIDE. */
	long_mode();
	mode = X86_MODE_PROT32;
	segs[SEG_CS].attr = ATTR_CODE | SEG_ATTR_DB | SEG_ATTR_G;
	regs[VREG_CR4] |= CR4_PCIDE;
	refused(0, regs[VREG_CR0] & ~CR0_PG);
	regs[VREG_CR4] &= ~CR4_PCIDE;
	taken(0, regs[VREG_CR0] & ~CR0_PG);

	prot_mode();
	cr0 = regs[VREG_CR0];
	refused(0, (cr0 & ~CR0_PE) | CR0_PG);       /* PG without PE */
	regs[VREG_EFER] = EFER_LME;
	refused(0, cr0 | CR0_PG);                   /* IA-32e mode without PAE */
	regs[VREG_CR4] = CR4_PAE;
	segs[SEG_CS].attr = ATTR_CODE | SEG_ATTR_L;
	refused(0, cr0 | CR0_PG);                   /* ...with a 64-bit CS loaded */
	segs[SEG_CS].attr = ATTR_CODE | SEG_ATTR_DB | SEG_ATTR_G;
	taken(0, cr0 | CR0_PG);
}

TEST(cr4_refusals)
{
	long_mode();
	u64 cr4 = regs[VREG_CR4];
	refused(4, ~0ULL);
	refused(4, cr4 | (1ULL << 32));
	refused(4, cr4 | CR4_VMXE);
	refused(4, cr4 & ~CR4_PAE);                 /* PAE off in IA-32e mode */
	taken(4, cr4 | CR4_PGE | CR4_OSFXSR);
	if (cr4_guest_allowed() & CR4_PCIDE) {
		regs[VREG_CR3] = 0x10001;
		refused(4, cr4 | CR4_PCIDE);        /* PCID not 0 in CR3 */
		regs[VREG_CR3] = 0x10000;
		taken(4, cr4 | CR4_PCIDE);
		prot_mode();
		refused(4, CR4_PCIDE);              /* outside IA-32e mode */
	}
	prot_mode();
	mode = X86_MODE_LONG64; /* a 64-bit source's high half is kept there */
	regs[VREG_EFER] = EFER_LMA | EFER_LME;
	regs[VREG_CR4] = CR4_PAE;
	refused(4, CR4_PAE | (1ULL << 40));
}

/* Turning PAE paging on loads the PDPTEs: a present one with a reserved
 * bit is #GP (SDM Vol. 3A 4.4.1), as is a table outside the RAM. */
TEST(pae_pdptes)
{
	prot_mode();
	regs[VREG_CR4] = CR4_PAE;
	regs[VREG_CR3] = PDPT_GPA | 0x18; /* bits 4:3 are PWT/PCD, 2:0 ignored */
	u64 cr0 = regs[VREG_CR0];
	pdpt[0] = 0x7000 | 1;
	pdpt[1] = 0x8000 | 1 | 2;               /* bit 1 reserved */
	refused(0, cr0 | CR0_PG);
	pdpt[1] = 0x8000 | 1 | (1ULL << 40);    /* at MAXPHYADDR */
	refused(0, cr0 | CR0_PG);
	pdpt[1] = 0x8000 | 2;                   /* not present: not checked */
	pdpt[2] = 0x9000 | 1 | 0x18;            /* PWT, PCD */
	taken(0, cr0 | CR0_PG);
	/* CD changes under PAE paging reload them too. */
	pdpt[3] = 1 | 0x20;
	refused(0, regs[VREG_CR0] | CR0_CD);
	pdpt[3] = 0;
	taken(0, regs[VREG_CR0] | CR0_CD);
	prot_mode();
	regs[VREG_CR4] = CR4_PAE;
	regs[VREG_CR3] = 0x6000;                /* not the guest's RAM */
	refused(0, regs[VREG_CR0] | CR0_PG);
	regs[VREG_EFER] = EFER_LME;             /* IA-32e paging: no PDPTEs */
	taken(0, regs[VREG_CR0] | CR0_PG);
}

TEST(cr3_reserved_bits)
{
	long_mode();
	vmm_handle_cr_write(&vcpu, 3, 0x10000 | (1ULL << 40)); /* at MAXPHYADDR */
	CHECK_EQ(gp_count, 1);
	vmm_handle_cr_write(&vcpu, 3, 0x10000 | (1ULL << 63));
	CHECK_EQ(gp_count, 2);
	CHECK_EQ(regs[VREG_CR3], 0x10000);
	CHECK_EQ(regs[VREG_RIP], RIP0);
	regs[VREG_CR4] |= CR4_PCIDE; /* bit 63: no flush, not stored */
	vmm_handle_cr_write(&vcpu, 3, 0x20001 | (1ULL << 63));
	CHECK_EQ(gp_count, 2);
	CHECK_EQ(regs[VREG_CR3], 0x20001);
	prot_mode(); /* outside IA-32e mode a 32-bit value, never refused */
	vmm_handle_cr_write(&vcpu, 3, 0xfffff000);
	CHECK_EQ(gp_count, 0);
	CHECK_EQ(regs[VREG_CR3], 0xfffff000);
}

TEST(rip_wraps_outside_64bit_mode)
{
	/* CPUID at 0xfffffffe in 32-bit code: the next EIP is 0. */
	prot_mode();
	regs[VREG_RIP] = 0xfffffffeULL;
	vcpu_skip_insn(&vcpu);
	CHECK_EQ(regs[VREG_RIP], 0);
	/* Real mode: IP wraps at 64 KiB. */
	prot_mode();
	regs[VREG_CR0] = CR0_ET;
	segs[SEG_CS].attr = ATTR_CODE;
	regs[VREG_RIP] = 0xffff;
	vcpu_skip_insn(&vcpu);
	CHECK_EQ(regs[VREG_RIP], 1);
	/* 16-bit protected mode too. */
	prot_mode();
	segs[SEG_CS].attr = ATTR_CODE;
	regs[VREG_RIP] = 0xfffe;
	vcpu_skip_insn(&vcpu);
	CHECK_EQ(regs[VREG_RIP], 0);
	/* 32-bit code crossing 64 KiB, and 64-bit code crossing 4 GiB:
	 * no wrap. */
	prot_mode();
	regs[VREG_RIP] = 0xffff;
	vcpu_skip_insn(&vcpu);
	CHECK_EQ(regs[VREG_RIP], 0x10001);
	long_mode();
	regs[VREG_RIP] = 0xffffffffULL;
	vcpu_skip_insn(&vcpu);
	CHECK_EQ(regs[VREG_RIP], 0x100000001ULL);
	/* The step trap still follows a wrapped RIP. */
	prot_mode();
	regs[VREG_RFLAGS] |= RFLAGS_TF;
	regs[VREG_RIP] = 0xffffffffULL;
	vcpu_skip_insn(&vcpu);
	CHECK_EQ(regs[VREG_RIP], 1);
	CHECK_EQ(fake_db_count, 1);
}

int main(void)
{
	RUN(cr0_refusals);
	RUN(cr4_refusals);
	RUN(cr3_reserved_bits);
	RUN(pae_pdptes);
	RUN(rip_wraps_outside_64bit_mode);
	return harness_finish();
}
