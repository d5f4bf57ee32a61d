// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MSR policy (vmm/msr.c), driven through the RDMSR and WRMSR exit
 * handlers as the backends call them, with the real virtual LAPIC
 * (vmm/dev/vlapic.c) behind IA32_APIC_BASE, TSC_DEADLINE and the x2APIC
 * range. Checks that every MSR outside the policy's table gets #GP (a scan
 * of the architectural ranges against this file's own list), that the
 * values the policy refuses (EFER reserved bits and SVME, PAT and MTRR
 * memory types, APIC base states, SPEC_CTRL bits not offered) get #GP and
 * leave the state alone, that PRED_CMD is write-only and reaches the CPU
 * only as an IBPB, and that the pass-through MSRs (FS/GS/KERNEL_GS_BASE,
 * STAR..SFMASK, SYSENTER) are what msr_passthrough() lists and, should
 * one exit anyway, are refused rather than read from or written to the
 * hypervisor's own registers. A #GP leaves RIP, RAX and RDX as they were;
 * a success moves RIP past the instruction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "vmm/base/percpu.h"
#include "tests/unit/fake_backend.h"
#include "vmm/backend.h"
#include "vmm/event.h"
#include "vmm/exit.h"
#include "vmm/base/heap.h"
#include "vmm/base/log.h"
#include "vmm/hyperv.h"
#include "vmm/msr.h"
#include "vmm/base/cpu.h"
#include "vmm/partition.h"
#include "vmm/sched.h"
#include "vmm/spec.h"
#include "vmm/dev/platform.h"
#include "vmm/dev/vlapic.h"
#include "drivers/timer.h"

/* ---- stubs: the backend's registers, events, the scheduler ---- */

#define INSN_LEN FAKE_INSN_LEN
#define POISON 0x5a5a5a5a5a5a5a5aULL

static u32 gp_count, gp_error;
static u32 hv_reads, hv_writes, hv_last_msr;
static u64 hv_last_val;
static u32 wrmsr_count, wrmsr_last_msr;
static u64 wrmsr_last_val;
static u32 timer_changes;

u64 tsc_khz = 2000000;
struct spec_policy spec;
struct cpu_info boot_cpu = { .phys_addr_bits = 40 };

void vcpu_inject_gp(struct vcpu *v, u32 error)
{
	(void)v;
	gp_count++;
	gp_error = error;
}

void host_wrmsr(u32 msr, u64 val)
{
	wrmsr_count++;
	wrmsr_last_msr = msr;
	wrmsr_last_val = val;
}

/* The Hyper-V MSRs have their own tests' worth of policy: here only
 * whether the range reaches them. */
int hyperv_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)v;
	hv_reads++;
	hv_last_msr = msr;
	*val = 0x1122334455667788ULL;
	return 0;
}

int hyperv_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)v;
	hv_writes++;
	hv_last_msr = msr;
	hv_last_val = val;
	return 0;
}

void log_limited(struct log_ratelimit *rl, int level, const char *fmt, ...)
{
	(void)rl;
	(void)level;
	(void)fmt;
}

void sched_kick(struct vcpu *v)
{
	(void)v;
}

void sched_timer_changed(struct vcpu *v)
{
	(void)v;
	timer_changes++;
}

void vioapic_eoi(struct vcpu *v, u8 vector)
{
	(void)v;
	(void)vector;
}

void *kzalloc(size_t size)
{
	return calloc(1, size);
}

void kfree(void *p)
{
	free(p);
}

/* ---- the vCPU ---- */

static struct partition part;
static struct vcpu vcpu;

static void fresh(u32 apic_id, bool lapic)
{
	if (vcpu.lapic)
		vlapic_destroy(vcpu.lapic);
	memset(&part, 0, sizeof(part));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(regs, 0, sizeof(regs));
	snprintf(part.cfg.name, sizeof(part.cfg.name), "guest");
	vcpu.part = &part;
	vcpu.id = apic_id;
	vcpu.apic_id = apic_id;
	part.vcpu[0] = &vcpu;
	part.nr_vcpus = 1;
	vcpu.lapic = lapic ? vlapic_create(&vcpu) : NULL;
	vcpu.mtrr_def_type = 0xc06;
	vcpu.misc_enable = MISC_ENABLE_RESET;
	regs[VREG_CR0] = CR0_PE | CR0_PG;
	regs[VREG_EFER] = EFER_LME | EFER_LMA;
	regs[VREG_PAT] = 0x0007040600070406ULL;
	memset(&spec, 0, sizeof(spec));
	gp_count = hv_reads = hv_writes = wrmsr_count = timer_changes = 0;
}

/*
 * RDMSR and WRMSR through the exit handlers. RCX's upper half and those
 * of RAX/RDX are garbage the CPU ignores. Returns 0, or -1 when the guest
 * got #GP(0); every other effect is checked here and reported at the
 * caller's line.
 */
static int do_rdmsr(int line, u32 msr, u64 *val)
{
	u32 gps = gp_count;

	regs[VREG_RIP] = 0x1000;
	vcpu.gpr[GPR_RCX] = 0xdeadbeef00000000ULL | msr;
	vcpu.gpr[GPR_RAX] = vcpu.gpr[GPR_RDX] = POISON;
	if (vmm_handle_rdmsr(&vcpu) != EXIT_RESUME)
		harness_fail(__FILE__, line, "rdmsr %#x: not resumed", msr);
	if (gp_count != gps) {
		if (gp_count != gps + 1 || gp_error != 0)
			harness_fail(__FILE__, line, "rdmsr %#x: %u #GP, error %u", msr,
				     gp_count - gps, gp_error);
		if (regs[VREG_RIP] != 0x1000 || vcpu.gpr[GPR_RAX] != POISON ||
		    vcpu.gpr[GPR_RDX] != POISON)
			harness_fail(__FILE__, line, "rdmsr %#x: #GP but RIP/RAX/RDX changed", msr);
		return -1;
	}
	if (regs[VREG_RIP] != 0x1000 + INSN_LEN)
		harness_fail(__FILE__, line, "rdmsr %#x: RIP not advanced", msr);
	if ((vcpu.gpr[GPR_RAX] >> 32) || (vcpu.gpr[GPR_RDX] >> 32))
		harness_fail(__FILE__, line, "rdmsr %#x: RAX/RDX upper halves not zeroed", msr);
	*val = (vcpu.gpr[GPR_RDX] << 32) | vcpu.gpr[GPR_RAX];
	return 0;
}

static int do_wrmsr(int line, u32 msr, u64 val)
{
	u32 gps = gp_count;

	regs[VREG_RIP] = 0x2000;
	vcpu.gpr[GPR_RCX] = 0xfeedface00000000ULL | msr;
	vcpu.gpr[GPR_RAX] = 0xabcdef0100000000ULL | (u32)val;
	vcpu.gpr[GPR_RDX] = 0x1234567800000000ULL | (val >> 32);
	if (vmm_handle_wrmsr(&vcpu) != EXIT_RESUME)
		harness_fail(__FILE__, line, "wrmsr %#x: not resumed", msr);
	if (gp_count != gps) {
		if (gp_count != gps + 1 || gp_error != 0)
			harness_fail(__FILE__, line, "wrmsr %#x: %u #GP, error %u", msr,
				     gp_count - gps, gp_error);
		if (regs[VREG_RIP] != 0x2000)
			harness_fail(__FILE__, line, "wrmsr %#x: #GP but RIP moved", msr);
		return -1;
	}
	if (regs[VREG_RIP] != 0x2000 + INSN_LEN)
		harness_fail(__FILE__, line, "wrmsr %#x: RIP not advanced", msr);
	return 0;
}

/* The read must succeed with exactly want. */
#define RD_EQ(msr, want)                                                         \
	do {                                                                     \
		u64 got_ = ~0ULL;                                                \
		if (do_rdmsr(__LINE__, (msr), &got_))                           \
			harness_fail(__FILE__, __LINE__, "rdmsr %#x: #GP", (u32)(msr)); \
		else if (got_ != (u64)(want))                                    \
			harness_fail(__FILE__, __LINE__, "rdmsr %#x: %#llx, want %#llx", \
				     (u32)(msr), (unsigned long long)got_,       \
				     (unsigned long long)(want));                \
	} while (0)
#define RD_GP(msr)                                                               \
	do {                                                                     \
		u64 got_;                                                        \
		if (!do_rdmsr(__LINE__, (msr), &got_))                          \
			harness_fail(__FILE__, __LINE__, "rdmsr %#x: no #GP", (u32)(msr)); \
	} while (0)
#define WR_OK(msr, val)                                                          \
	do {                                                                     \
		if (do_wrmsr(__LINE__, (msr), (val)))                           \
			harness_fail(__FILE__, __LINE__, "wrmsr %#x <- %#llx: #GP", \
				     (u32)(msr), (unsigned long long)(val));     \
	} while (0)
#define WR_GP(msr, val)                                                          \
	do {                                                                     \
		if (!do_wrmsr(__LINE__, (msr), (val)))                          \
			harness_fail(__FILE__, __LINE__, "wrmsr %#x <- %#llx: no #GP", \
				     (u32)(msr), (unsigned long long)(val));     \
	} while (0)

/* ---- the policy as this test states it ---- */

/* Every MSR the policy knows: passed through to the hardware (W_PASS) or
 * handled by the hypervisor (W_OTHER). */
enum want_kind { W_PASS, W_OTHER };

static const struct { u32 first, last; enum want_kind kind; } known[] = {
	{ 0x0, 0x1, W_OTHER },                  /* P5 machine-check address/type */
	{ 0x10, 0x10, W_OTHER },                /* TSC */
	{ 0x17, 0x17, W_OTHER },                /* PLATFORM_ID */
	{ 0x1b, 0x1b, W_OTHER },                /* APIC_BASE */
	{ 0x3a, 0x3a, W_OTHER },                /* FEATURE_CONTROL */
	{ 0x48, 0x49, W_OTHER },                /* SPEC_CTRL, PRED_CMD */
	{ 0x79, 0x79, W_OTHER },                /* BIOS_UPDT_TRIG */
	{ 0x8b, 0x8b, W_OTHER },                /* BIOS_SIGN_ID */
	{ 0xfe, 0xfe, W_OTHER },                /* MTRRCAP */
	{ 0x174, 0x176, W_PASS },               /* SYSENTER_CS/ESP/EIP */
	{ 0x179, 0x17a, W_OTHER },              /* MCG_CAP, MCG_STATUS */
	{ 0x1a0, 0x1a0, W_OTHER },              /* MISC_ENABLE */
	{ 0x1d9, 0x1d9, W_OTHER },              /* DEBUGCTL */
	{ 0x200, 0x20f, W_OTHER },              /* variable MTRRs */
	{ 0x250, 0x250, W_OTHER },
	{ 0x258, 0x259, W_OTHER },
	{ 0x268, 0x26f, W_OTHER },              /* fixed MTRRs */
	{ 0x277, 0x277, W_OTHER },              /* PAT */
	{ 0x2ff, 0x2ff, W_OTHER },              /* MTRR_DEF_TYPE */
	{ 0x6e0, 0x6e0, W_OTHER },              /* TSC_DEADLINE */
	{ 0x800, 0x8ff, W_OTHER },              /* x2APIC */
	{ 0x40000000, 0x400000ff, W_OTHER },    /* Hyper-V */
	{ 0xc0000080, 0xc0000080, W_OTHER },    /* EFER */
	{ 0xc0000081, 0xc0000084, W_PASS },     /* STAR, LSTAR, CSTAR, SFMASK */
	{ 0xc0000100, 0xc0000102, W_PASS },     /* FS_BASE, GS_BASE, KERNEL_GS_BASE */
	{ 0xc0010015, 0xc0010015, W_OTHER },    /* HWCR */
	{ 0xc0010114, 0xc0010114, W_OTHER },    /* VM_CR */
};

static int known_kind(u32 msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (msr >= known[i].first && msr <= known[i].last)
			return (int)known[i].kind;
	return -1;
}

/* ---- cases ---- */

/* Whether msr is refused whole: #GP on read and on writes, no pass-through. */
static bool refused(u32 msr)
{
	u32 before = gp_count;
	u64 v;

	return do_rdmsr(__LINE__, msr, &v) == -1 && do_wrmsr(__LINE__, msr, 0) == -1 &&
	       do_wrmsr(__LINE__, msr, 0x8000000000000001ULL) == -1 &&
	       gp_count == before + 3 && !msr_passthrough(msr, false) &&
	       !msr_passthrough(msr, true);
}

/* Every MSR of the architectural and AMD ranges the policy does not name:
 * #GP on read and on write (whatever the value), and never passed through. */
/* Single-stepped: an MSR access the hypervisor completes ends with the
 * #DB (DR6.BS); one that faults raises only its #GP, the instruction not
 * having completed. */
TEST(single_step)
{
	u64 v;

	fresh(0, true);
	regs[VREG_RFLAGS] = RFLAGS_FIXED | RFLAGS_TF;
	regs[VREG_DR6] = 0xffff0ff0;
	fake_db_count = 0;
	CHECK_EQ(do_rdmsr(__LINE__, MSR_APIC_BASE, &v), 0);
	CHECK_EQ(fake_db_count, 1);
	CHECK_EQ(regs[VREG_DR6], 0xffff0ff0 | DR6_BS);
	CHECK_EQ(do_wrmsr(__LINE__, 0x0badc0de, 1), -1);
	CHECK_EQ(fake_db_count, 1);
}

TEST(unknown_msrs_gp)
{
	static const struct { u32 first, last; } scan[] = {
		{ 0x0, 0x1fff },
		{ 0x3ffffff0, 0x400001ff },
		{ 0xc0000000, 0xc00001ff },
		{ 0xc0010000, 0xc00102ff },
		{ 0xc0011000, 0xc00110ff },
	};
	/* A few by name, for the reader: what a guest might try. */
	static const u32 named[] = {
		0x3b,         /* TSC_ADJUST (not in CPUID) */
		0x10a,        /* ARCH_CAPABILITIES (not in CPUID) */
		0x10b,        /* FLUSH_CMD */
		0x480,        /* VMX_BASIC: no nested VMX */
		0xc0000103,   /* TSC_AUX: RDTSCP is hidden */
		0xc0010117,   /* VM_HSAVE_PA: no nested SVM */
		0xc0011029,   /* DE_CFG */
		0x80000000, 0xffffffff,
	};
	u32 bad = 0;

	fresh(0, true);
	for (size_t i = 0; i < ARRAY_SIZE(named); i++) {
		REQUIRE(known_kind(named[i]) < 0);
		RD_GP(named[i]);
		WR_GP(named[i], 0);
	}
	for (size_t s = 0; s < ARRAY_SIZE(scan); s++) {
		for (u32 msr = scan[s].first;; msr++) {
			if (known_kind(msr) < 0 && !refused(msr) && bad++ < 8)
				harness_fail(__FILE__, __LINE__,
					     "MSR %#x outside the policy is allowed", msr);
			if (msr == scan[s].last)
				break;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(hv_reads + hv_writes, 0);
	CHECK_EQ(wrmsr_count, 0);
}

/* msr_passthrough() lists exactly the MSRs the backends switch (and TSC
 * reads): the MSR bitmaps are built from it. */
TEST(passthrough_list)
{
	static const struct { u32 first, last; } scan[] = {
		{ 0x0, 0x1fff },
		{ 0x40000000, 0x400001ff },
		{ 0xc0000000, 0xc00001ff },
		{ 0xc0010000, 0xc00102ff },
	};
	u32 bad = 0;

	for (size_t s = 0; s < ARRAY_SIZE(scan); s++) {
		for (u32 msr = scan[s].first; msr <= scan[s].last; msr++) {
			bool pass = known_kind(msr) == W_PASS;
			if (msr_passthrough(msr, false) != (pass || msr == MSR_TSC) ||
			    msr_passthrough(msr, true) != pass) {
				if (bad++ < 8)
					harness_fail(__FILE__, __LINE__,
						     "MSR %#x: passthrough read %d write %d", msr,
						     msr_passthrough(msr, false),
						     msr_passthrough(msr, true));
			}
		}
	}
	CHECK_EQ(bad, 0);
	/* Named, so that a change shows here by name. */
	CHECK(msr_passthrough(MSR_FS_BASE, true));
	CHECK(msr_passthrough(MSR_GS_BASE, true));
	CHECK(msr_passthrough(MSR_KERNEL_GS_BASE, true));
	CHECK(msr_passthrough(MSR_STAR, false));
	CHECK(msr_passthrough(MSR_SFMASK, true));
	CHECK(msr_passthrough(MSR_SYSENTER_EIP, true));
	CHECK(msr_passthrough(MSR_TSC, false));
	CHECK(!msr_passthrough(MSR_TSC, true));
	CHECK(!msr_passthrough(MSR_TSC_AUX, false));
	CHECK(!msr_passthrough(MSR_EFER, false));
	CHECK(!msr_passthrough(MSR_SPEC_CTRL, false));
	CHECK(!msr_passthrough(MSR_PRED_CMD, true));
	CHECK(!msr_passthrough(MSR_APIC_BASE, false));
	CHECK(!msr_passthrough(0x830, true));
}

/* A pass-through MSR that exits anyway (a bitmap gone wrong) is refused:
 * never a fallback to the hypervisor's own FS/GS/SYSCALL state. */
TEST(passthrough_msr_exiting_is_refused)
{
	static const u32 pass[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR,
		MSR_CSTAR, MSR_SFMASK, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
	};

	fresh(0, true);
	for (size_t i = 0; i < ARRAY_SIZE(pass); i++) {
		RD_GP(pass[i]);
		WR_GP(pass[i], 0);
		WR_GP(pass[i], 0xffff800000001000ULL);
	}
	CHECK_EQ(gp_count, 3 * ARRAY_SIZE(pass));
	CHECK_EQ(wrmsr_count, 0);
}

/* EFER: SCE, LME, NXE writable; LMA kept as it is; LME frozen while
 * paging is on; everything else (SVME above all) refused, state kept. */
TEST(efer_policy)
{
	static const struct {
		u64 old, cr0, val;
		bool gp;
		u64 now;
	} cases[] = {
		/* paging off: the guest's bits go in */
		{ 0, 0, EFER_SCE | EFER_LME | EFER_NXE, false, EFER_SCE | EFER_LME | EFER_NXE },
		{ EFER_LME, CR0_PE, 0, false, 0 },
		/* LMA is the CPU's: neither set nor cleared by WRMSR */
		{ 0, 0, EFER_LMA, false, 0 },
		{ EFER_LME | EFER_LMA, CR0_PE | CR0_PG, EFER_LME, false, EFER_LME | EFER_LMA },
		{ EFER_LME | EFER_LMA, CR0_PE | CR0_PG, EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE,
		  false, EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE },
		/* LME may not change while CR0.PG is set */
		{ EFER_LME | EFER_LMA, CR0_PE | CR0_PG, EFER_LMA, true, EFER_LME | EFER_LMA },
		{ 0, CR0_PE | CR0_PG, EFER_LME, true, 0 },
		{ EFER_SCE, CR0_PE | CR0_PG, EFER_NXE, false, EFER_NXE },
		/* reserved and unsupported bits, each on its own */
		{ EFER_SCE, 0, EFER_SCE | BIT(1), true, EFER_SCE },
		{ EFER_SCE, 0, EFER_SCE | BIT(7), true, EFER_SCE },
		{ EFER_SCE, 0, EFER_SCE | BIT(9), true, EFER_SCE },
		{ EFER_SCE, 0, EFER_SCE | EFER_SVME, true, EFER_SCE },
		{ EFER_SCE, 0, EFER_SCE | BIT(13), true, EFER_SCE },  /* LMSLE */
		{ EFER_SCE, 0, EFER_SCE | BIT(14), true, EFER_SCE },  /* FFXSR */
		{ EFER_SCE, 0, EFER_SCE | BIT(15), true, EFER_SCE },  /* TCE */
		{ EFER_SCE, 0, EFER_SCE | BIT(17), true, EFER_SCE },  /* MCOMMIT */
		{ EFER_SCE, 0, EFER_SCE | BIT(18), true, EFER_SCE },  /* INTWB */
		{ EFER_SCE, 0, EFER_SCE | BIT(20), true, EFER_SCE },  /* UAIE */
		{ EFER_SCE, 0, EFER_SCE | BIT(21), true, EFER_SCE },  /* AIBRSE */
		{ EFER_SCE, 0, EFER_SCE | BIT(32), true, EFER_SCE },
		{ EFER_SCE, 0, EFER_SCE | BIT(63), true, EFER_SCE },
		{ EFER_LME | EFER_LMA, CR0_PE | CR0_PG, EFER_LME | EFER_LMA | EFER_SVME, true,
		  EFER_LME | EFER_LMA },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		fresh(0, true);
		regs[VREG_EFER] = cases[i].old;
		regs[VREG_CR0] = cases[i].cr0;
		if (cases[i].gp)
			WR_GP(MSR_EFER, cases[i].val);
		else
			WR_OK(MSR_EFER, cases[i].val);
		if (regs[VREG_EFER] != cases[i].now)
			harness_fail(__FILE__, __LINE__, "case %zu: EFER %#llx, want %#llx", i,
				     (unsigned long long)regs[VREG_EFER],
				     (unsigned long long)cases[i].now);
		RD_EQ(MSR_EFER, cases[i].now);
	}
	/* Every single bit outside SCE/LME/LMA/NXE is refused. */
	for (int b = 0; b < 64; b++) {
		u64 bit = BIT(b);
		if (bit & (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
			continue;
		fresh(0, true);
		regs[VREG_CR0] = 0;
		regs[VREG_EFER] = EFER_NXE;
		WR_GP(MSR_EFER, EFER_NXE | bit);
		CHECK_EQ(regs[VREG_EFER], EFER_NXE);
	}
}

/* PAT: each of the eight entries must be UC, WC, WT, WP, WB or UC-
 * (0, 1, 4, 5, 6, 7); any other byte in any entry is refused whole. */
TEST(pat_memory_types)
{
	const u64 base = 0x0007040600070406ULL; /* the power-on PAT */
	u32 bad = 0;

	fresh(0, true);
	for (int e = 0; e < 8; e++) {
		for (u32 t = 0; t < 256; t++) {
			u64 val = (base & ~(0xffULL << (8 * e))) | ((u64)t << (8 * e));
			bool ok = t == 0 || t == 1 || t == 4 || t == 5 || t == 6 || t == 7;
			regs[VREG_PAT] = base;
			int r = do_wrmsr(__LINE__, MSR_PAT, val);
			u64 want = ok ? val : base;
			if ((r == 0) != ok || regs[VREG_PAT] != want) {
				if (bad++ < 8)
					harness_fail(__FILE__, __LINE__,
						     "PAT entry %d type %#x: wrmsr %d, PAT %#llx",
						     e, t, r, (unsigned long long)regs[VREG_PAT]);
			}
		}
	}
	CHECK_EQ(bad, 0);
	regs[VREG_PAT] = 0x0106050407040100ULL;
	RD_EQ(MSR_PAT, 0x0106050407040100ULL);
}

/* A different valid value for each fixed-range MTRR: types 0, 1, 4, 5, 6. */
static u64 fixed_pattern(size_t i)
{
	static const u8 types[] = { 0, 1, 4, 5, 6 };
	u64 v = 0;

	for (int k = 0; k < 8; k++)
		v |= (u64)types[(i + (size_t)k * (i % 3 + 1)) % 5] << (8 * k);
	return v;
}

/* The MTRRs are the vCPU's own: MTRRCAP fixed and read-only, the
 * default type with only its E/FE bits, every type checked (0, 1, 4, 5,
 * 6: no UC- in an MTRR), each of the 11 fixed and 16 variable registers
 * stored on its own. */
TEST(mtrr_policy)
{
	static const u32 fixed[] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b,
				     0x26c, 0x26d, 0x26e, 0x26f };

	fresh(0, true);
	RD_EQ(MSR_MTRRCAP, 0x508); /* 8 variable, fixed, WC */
	WR_GP(MSR_MTRRCAP, 0x508);
	WR_GP(MSR_MTRRCAP, 0);
	RD_EQ(MSR_MTRR_DEF_TYPE, 0xc06);
	for (u32 t = 0; t < 256; t++) {
		bool ok = t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
		vcpu.mtrr_def_type = 0xc06;
	vcpu.misc_enable = MISC_ENABLE_RESET;
		int r = do_wrmsr(__LINE__, MSR_MTRR_DEF_TYPE, 0x800 | t);
		if ((r == 0) != ok || vcpu.mtrr_def_type != (ok ? 0x800 | t : 0xc06))
			harness_fail(__FILE__, __LINE__, "DEF_TYPE type %#x: wrmsr %d", t, r);
	}
	vcpu.mtrr_def_type = 0xc06;
	vcpu.misc_enable = MISC_ENABLE_RESET;
	WR_GP(MSR_MTRR_DEF_TYPE, 0x106);    /* reserved bit 8 */
	WR_GP(MSR_MTRR_DEF_TYPE, 0x206);
	WR_GP(MSR_MTRR_DEF_TYPE, 0x1000 | 6);
	WR_GP(MSR_MTRR_DEF_TYPE, BIT(63) | 6);
	RD_EQ(MSR_MTRR_DEF_TYPE, 0xc06);
	WR_OK(MSR_MTRR_DEF_TYPE, 0x400);
	RD_EQ(MSR_MTRR_DEF_TYPE, 0x400);

	/* Fixed ranges: one bad byte anywhere refuses the register. */
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		WR_OK(fixed[i], fixed_pattern(i));
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		RD_EQ(fixed[i], fixed_pattern(i));
		CHECK_EQ(vcpu.mtrr_fixed[i], fixed_pattern(i));
	}
	for (int e = 0; e < 8; e++) {
		WR_GP(0x268, 0x0606060606060606ULL | (7ULL << (8 * e)));
		WR_GP(0x250, 0x0606060606060606ULL ^ (4ULL << (8 * e))); /* 2 */
	}
	WR_OK(0x259, 0x0001040506000104ULL);
	RD_EQ(0x259, 0x0001040506000104ULL);
	RD_EQ(0x268, fixed_pattern(3));

	/* Variable ranges: PHYSBASE (even) carries a type, PHYSMASK not. */
	for (u32 i = 0; i < 16; i++)
		WR_OK(0x200 + i, (0x100000ULL * (i + 1)) | (i & 1 ? 0x800 : 6));
	for (u32 i = 0; i < 16; i++) {
		RD_EQ(0x200 + i, (0x100000ULL * (i + 1)) | (i & 1 ? 0x800 : 6));
		CHECK_EQ(vcpu.mtrr_var[i], (0x100000ULL * (i + 1)) | (i & 1 ? 0x800 : 6));
	}
	WR_GP(0x204, 0x200002);
	WR_GP(0x204, 0x200007);
	RD_EQ(0x204, 0x500006);
	WR_OK(0x205, 0xfffff800); /* a mask: the low byte is no type */
	/* Reserved bits (SDM Vol. 3A 12.11.2.3): PHYSBASE 8-11, PHYSMASK
	 * 0-10, both at and above MAXPHYADDR (40 bits here). */
	WR_GP(0x204, 0x500106);
	WR_GP(0x204, 0x500806);
	WR_GP(0x205, 0xfffff801);
	WR_GP(0x205, 0xfffff000 | 0x400);
	WR_GP(0x204, (1ULL << 40) | 6);
	WR_GP(0x205, (1ULL << 40) | 0x800);
	WR_OK(0x204, ((1ULL << 40) - 0x1000) | 6);
	WR_OK(0x205, ((1ULL << 40) - 0x1000) | 0x800);
	RD_EQ(0x205, ((1ULL << 40) - 0x1000) | 0x800);
}

/* IA32_SPEC_CTRL: present exactly when some bit is offered, and only the
 * offered bits may be set; IA32_PRED_CMD: write-only, IBPB (bit 0) only,
 * and only when IBPB is offered; an IBPB goes to the CPU. */
TEST(spec_ctrl_and_pred_cmd)
{
	static const struct {
		u64 bits;
		bool ibpb;
	} configs[] = {
		{ 0, false },
		{ 0, true },
		{ SPEC_CTRL_SSBD, false },
		{ SPEC_CTRL_IBRS | SPEC_CTRL_STIBP | SPEC_CTRL_SSBD, true },
		{ SPEC_CTRL_IBRS | SPEC_CTRL_STIBP, true },
	};

	for (size_t c = 0; c < ARRAY_SIZE(configs); c++) {
		fresh(0, true);
		spec.guest_spec_ctrl_bits = configs[c].bits;
		spec.ibpb = configs[c].ibpb;
		if (!configs[c].bits) {
			RD_GP(MSR_SPEC_CTRL);
			WR_GP(MSR_SPEC_CTRL, 0);
		} else {
			RD_EQ(MSR_SPEC_CTRL, 0);
			for (u64 val = 0; val < 16; val++) {
				vcpu.spec_ctrl = 0;
				bool ok = !(val & ~configs[c].bits);
				int r = do_wrmsr(__LINE__, MSR_SPEC_CTRL, val);
				if ((r == 0) != ok || vcpu.spec_ctrl != (ok ? val : 0))
					harness_fail(__FILE__, __LINE__,
						     "config %zu: SPEC_CTRL <- %#llx: wrmsr %d",
						     c, (unsigned long long)val, r);
			}
			vcpu.spec_ctrl = configs[c].bits;
			WR_GP(MSR_SPEC_CTRL, BIT(7));
			WR_GP(MSR_SPEC_CTRL, BIT(32));
			CHECK_EQ(vcpu.spec_ctrl, configs[c].bits);
			RD_EQ(MSR_SPEC_CTRL, configs[c].bits);
		}
		/* PRED_CMD */
		RD_GP(MSR_PRED_CMD);
		wrmsr_count = 0;
		if (configs[c].ibpb) {
			WR_OK(MSR_PRED_CMD, 0);
			CHECK_EQ(wrmsr_count, 0);
			WR_OK(MSR_PRED_CMD, 1);
			CHECK_EQ(wrmsr_count, 1);
			CHECK_EQ(wrmsr_last_msr, MSR_PRED_CMD);
			CHECK_EQ(wrmsr_last_val, 1);
		} else {
			WR_GP(MSR_PRED_CMD, 0);
			WR_GP(MSR_PRED_CMD, 1);
		}
		WR_GP(MSR_PRED_CMD, 2);
		WR_GP(MSR_PRED_CMD, BIT(7)); /* SBPB is not offered */
		WR_GP(MSR_PRED_CMD, 3);
		CHECK_EQ(wrmsr_count, configs[c].ibpb ? 1 : 0);
	}
}

/* The TSC reads with the vCPU's offset and a write sets the offset. */
TEST(tsc)
{
	fresh(0, true);
	regs[VREG_TSC_OFFSET] = 1000000000000ULL;
	u64 before = rdtsc(), val;
	REQUIRE(do_rdmsr(__LINE__, MSR_TSC, &val) == 0);
	u64 after = rdtsc();
	CHECK(val >= before + 1000000000000ULL && val <= after + 1000000000000ULL);

	u64 target = 0x100000;
	before = rdtsc();
	WR_OK(MSR_TSC, target);
	after = rdtsc();
	/* offset = target - TSC at the write */
	CHECK(regs[VREG_TSC_OFFSET] <= target - before && regs[VREG_TSC_OFFSET] >= target - after);
	REQUIRE(do_rdmsr(__LINE__, MSR_TSC, &val) == 0);
	CHECK(val >= target && val - target <= rdtsc() - before);
}

/* x2APIC IPIs through the ICR: a logical destination names cluster and
 * bit, and FFFF_FFFFH is a broadcast in logical as in physical mode
 * (SDM Vol. 3A 11.12.10.2). */
TEST(x2apic_ipi_destinations)
{
	fresh(0, true);
	WR_OK(MSR_APIC_BASE, 0xfee00d00); /* EN | EXTD */
	WR_OK(0x80f, 0x1ff);              /* SVR: enabled */
	WR_OK(0x830, (0xffffffffULL << 32) | BIT(11) | 0x41); /* logical broadcast */
	RD_EQ(0x822, 1u << 1);            /* IRR 0x40-0x5f: vector 0x41 */
	WR_OK(0x830, (0x00010001ULL << 32) | BIT(11) | 0x42); /* cluster 1: not us */
	RD_EQ(0x822, 1u << 1);
	WR_OK(0x830, (0x00000001ULL << 32) | BIT(11) | 0x43); /* cluster 0, ID 0 */
	RD_EQ(0x822, (1u << 1) | (1u << 3));
	WR_OK(0x830, (0xffffffffULL << 32) | 0x44);           /* physical broadcast */
	RD_EQ(0x822, (1u << 1) | (1u << 3) | (1u << 4));
}

/* IA32_APIC_BASE, TSC_DEADLINE and the x2APIC range belong to the vCPU's
 * virtual LAPIC: its refusals come back as #GP; without a LAPIC, #GP. */
TEST(apic_msrs)
{
	fresh(0, false);
	RD_GP(MSR_APIC_BASE);
	WR_GP(MSR_APIC_BASE, 0xfee00900);
	RD_GP(0x6e0);
	WR_GP(0x6e0, 0);
	RD_GP(0x802);
	WR_GP(0x808, 0);

	/* The BSP (APIC ID 0) and an AP (ID 3). */
	fresh(3, true);
	RD_EQ(MSR_APIC_BASE, 0xfee00800);
	fresh(0, true);
	RD_EQ(MSR_APIC_BASE, 0xfee00900);

	static const struct {
		u64 val;
		bool gp;
	} base_writes[] = {
		{ 0xfee00900 | BIT(9), true },         /* reserved bit 9 */
		{ 0xfee00900 | BIT(0), true },         /* reserved low bits */
		{ 0xfee00900 | BIT(52), true },        /* above the address width */
		{ 0xfee00900 | BIT(63), true },
		{ 0xfee00000 | BIT(10) | BIT(8), true }, /* EXTD without EN: invalid */
		{ 0xfee00800, true },                  /* clearing BSP */
		{ 0xfed00900, false },                 /* moved */
		{ 0xfee00900, false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(base_writes); i++) {
		u64 before;
		REQUIRE(do_rdmsr(__LINE__, MSR_APIC_BASE, &before) == 0);
		if (base_writes[i].gp) {
			WR_GP(MSR_APIC_BASE, base_writes[i].val);
			RD_EQ(MSR_APIC_BASE, before);
		} else {
			WR_OK(MSR_APIC_BASE, base_writes[i].val);
			RD_EQ(MSR_APIC_BASE, base_writes[i].val);
		}
	}

	/* x2APIC registers #GP in xAPIC mode, work in x2APIC mode. */
	RD_GP(0x802);
	WR_GP(0x808, 0x20);
	WR_OK(MSR_APIC_BASE, 0xfee00d00); /* EN | EXTD */
	RD_EQ(0x802, 0);                   /* ID */
	RD_EQ(0x803, 0x60014);             /* version */
	WR_OK(0x808, 0x20);                /* TPR */
	RD_EQ(0x808, 0x20);
	WR_GP(0x808, 0x100000020ULL);      /* upper half of a 32-bit register */
	RD_GP(0x80b);                      /* EOI: write-only */
	RD_GP(0x83f);                      /* SELF IPI: write-only */
	WR_GP(0x80b, 1);                   /* EOI takes 0 only */
	RD_GP(0x801);                      /* no such register */
	RD_GP(0x8ff);
	/* x2APIC -> xAPIC only through disabled. */
	WR_GP(MSR_APIC_BASE, 0xfee00900);
	RD_EQ(MSR_APIC_BASE, 0xfee00d00);
	WR_OK(MSR_APIC_BASE, 0xfee00100);
	WR_OK(MSR_APIC_BASE, 0xfee00900);
	RD_EQ(MSR_APIC_BASE, 0xfee00900);

	/* TSC_DEADLINE: ignored (reads 0) outside TSC-deadline mode. */
	WR_OK(MSR_APIC_BASE, 0xfee00d00);
	WR_OK(0x6e0, 12345);
	RD_EQ(0x6e0, 0);
	WR_OK(0x80f, 0x1ff);               /* SVR: enabled */
	WR_OK(0x832, (2u << 17) | 0xec);   /* LVT timer: TSC deadline */
	u32 changes = timer_changes;
	WR_OK(0x6e0, 0x123456789ULL);
	RD_EQ(0x6e0, 0x123456789ULL);
	CHECK(timer_changes > changes);
	/* Only the x2APIC range: its neighbours are nobody's. */
	RD_GP(0x7ff);
	RD_GP(0x900);
	RD_GP(0x6df);
	RD_GP(0x6e1);
}

/* The Hyper-V synthetic range goes to vmm/hyperv.c, and no further. */
TEST(hyperv_range)
{
	static const u32 in[] = { 0x40000000, 0x40000001, 0x40000073, 0x400000ff };

	fresh(0, true);
	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		hv_reads = hv_writes = 0;
		RD_EQ(in[i], 0x1122334455667788ULL);
		WR_OK(in[i], 0xfedcba9876543210ULL);
		CHECK_EQ(hv_reads, 1);
		CHECK_EQ(hv_writes, 1);
		CHECK_EQ(hv_last_msr, in[i]);
		CHECK_EQ(hv_last_val, 0xfedcba9876543210ULL);
	}
	hv_reads = hv_writes = 0;
	RD_GP(0x3fffffff);
	RD_GP(0x40000100);
	WR_GP(0x40000100, 0);
	CHECK_EQ(hv_reads + hv_writes, 0);
}

/* The MSRs with a fixed answer: identification and machine-check status
 * read 0, FEATURE_CONTROL locked with VMX off, VM_CR with SVM disabled;
 * which writes each one takes. */
TEST(fixed_answers)
{
	static const struct {
		u32 msr;
		u64 read;
		u64 write;
		bool write_gp;
	} cases[] = {
		{ 0x0, 0, 0, false },
		{ 0x0, 0, 1, true },
		{ 0x1, 0, 0x10, true },
		{ 0x17, 0, 0, false },
		{ 0x17, 0, 1ULL << 50, true },
		{ 0x79, 0, 0x12345678, false },       /* microcode update: ignored */
		{ 0x8b, 0, ~0ULL, false },
		{ 0x179, 0, 0, true },                /* MCG_CAP: read-only, no banks */
		{ 0x179, 0, 0x10, true },
		{ 0x17a, 0, 0, false },
		{ 0x17a, 0, 4, true },
		{ MSR_FEATURE_CONTROL, 1, 1, true },  /* locked */
		{ MSR_FEATURE_CONTROL, 1, 5, true },  /* VMX on: never */
		{ MSR_FEATURE_CONTROL, 1, 0, true },
		{ 0x1d9, 0, 0, false },               /* DEBUGCTL */
		{ 0x1d9, 0, 1, true },                /* LBR */
		{ 0x1d9, 0, 2, true },                /* BTF */
		{ 0xc0010015, 0, 0, false },          /* HWCR */
		{ 0xc0010015, 0, BIT(24), true },
		{ 0xc0010114, 0x18, 0x18, true },     /* VM_CR: LOCK | SVMDIS */
		{ 0xc0010114, 0x18, 0, true },
	};

	fresh(0, true);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		RD_EQ(cases[i].msr, cases[i].read);
		if (cases[i].write_gp)
			WR_GP(cases[i].msr, cases[i].write);
		else
			WR_OK(cases[i].msr, cases[i].write);
		RD_EQ(cases[i].msr, cases[i].read);
	}
	CHECK_EQ(wrmsr_count, 0);
}

/* IA32_MISC_ENABLE (Intel): the vCPU's own, fast strings and TCC
 * writable, BTS/PEBS-unavailable read-only (a change faults), the EMON
 * bit ignored, anything else refused; on AMD no such MSR. */
TEST(misc_enable)
{
	fresh(0, true);
	vcpu.misc_enable = MISC_ENABLE_RESET;
	boot_cpu.vendor = VENDOR_INTEL;
	RD_EQ(MSR_MISC_ENABLE, 0x1801);
	WR_OK(MSR_MISC_ENABLE, 0x1800);                /* fast strings off */
	RD_EQ(MSR_MISC_ENABLE, 0x1800);
	WR_OK(MSR_MISC_ENABLE, 0x1809);                /* and TCC on */
	RD_EQ(MSR_MISC_ENABLE, 0x1809);
	WR_OK(MSR_MISC_ENABLE, 0x1889);                /* EMON: ignored */
	RD_EQ(MSR_MISC_ENABLE, 0x1809);
	WR_GP(MSR_MISC_ENABLE, 0x0809);                /* PEBS unavailable: read-only */
	WR_GP(MSR_MISC_ENABLE, 0x1809 | BIT(18));      /* MONITOR: not offered */
	WR_GP(MSR_MISC_ENABLE, 0x1809 | BIT(22));      /* limit CPUID: not honoured */
	WR_GP(MSR_MISC_ENABLE, 0x1809 | (1ULL << 34)); /* XD disable: NX stays */
	RD_EQ(MSR_MISC_ENABLE, 0x1809);
	CHECK_EQ(wrmsr_count, 0);
	boot_cpu.vendor = VENDOR_AMD;
	RD_GP(MSR_MISC_ENABLE);
	WR_GP(MSR_MISC_ENABLE, 0x1801);
	boot_cpu.vendor = 0;
}

u32 this_cpu_id(void)
{
	return 0;
}

/* IA32_TSC_AUX: the vCPU's 32 bits where RDTSCP is offered (#GP above
 * them), #GP where it is not; loaded into the CPU only when it differs. */
TEST(tsc_aux)
{
	fresh(0, true);
	guest_rdtscp = false;
	RD_GP(MSR_TSC_AUX);
	WR_GP(MSR_TSC_AUX, 1);
	guest_rdtscp = true;
	RD_EQ(MSR_TSC_AUX, 0);
	WR_OK(MSR_TSC_AUX, 0x1234);    /* in the CPU at once: the vCPU runs here */
	CHECK_EQ(wrmsr_count, 1);
	CHECK_EQ(wrmsr_last_msr, MSR_TSC_AUX);
	RD_EQ(MSR_TSC_AUX, 0x1234);
	WR_GP(MSR_TSC_AUX, 1ULL << 32);
	RD_EQ(MSR_TSC_AUX, 0x1234);
	msr_load_tsc_aux(&vcpu);       /* already there */
	CHECK_EQ(wrmsr_count, 1);
	guest_rdtscp = false;
}

/* AMD's legacy counters read back what was written (counters 48 bits)
 * and never count; SYSCFG reads 0 and takes only 0. On Intel all of
 * them #GP (unknown_msrs_gp, with the default vendor). */
TEST(amd_legacy_pmu_and_syscfg)
{
	fresh(0, true);
	boot_cpu.vendor = VENDOR_AMD;
	for (u32 msr = 0xc0010000; msr <= 0xc0010007; msr++) {
		RD_EQ(msr, 0);
		WR_OK(msr, 0xffff000012345678ULL);
		RD_EQ(msr, msr < 0xc0010004 ? 0xffff000012345678ULL : 0x000000012345678ULL);
	}
	RD_EQ(0xc0010000, 0xffff000012345678ULL); /* no counting meanwhile */
	RD_EQ(0xc0010010, 0);
	WR_OK(0xc0010010, 0);
	WR_GP(0xc0010010, BIT(23)); /* SME: not offered */
	RD_GP(0xc0010008);
	RD_EQ(0xc0010055, 0); /* INT_PENDING_MSG: no C1E */
	WR_OK(0xc0010055, 0);
	WR_GP(0xc0010055, 1ULL << 27);
	CHECK_EQ(wrmsr_count, 0);
	boot_cpu.vendor = 0;
	RD_GP(0xc0010055);
	RD_GP(0xc0010000);
	WR_GP(0xc0010004, 1);
	RD_GP(0xc0010010);
}

/* WRMSR takes EDX:EAX whatever the upper halves hold; RDMSR splits the
 * value into EDX:EAX and zeroes the upper halves. */
TEST(register_halves)
{
	fresh(0, true);
	regs[VREG_PAT] = 0x0007040600070406ULL;
	RD_EQ(MSR_PAT, 0x0007040600070406ULL);
	CHECK_EQ(vcpu.gpr[GPR_RAX], 0x00070406);
	CHECK_EQ(vcpu.gpr[GPR_RDX], 0x00070406);
	regs[VREG_RIP] = 0x3000;
	vcpu.gpr[GPR_RCX] = 0xffffffff00000000ULL | MSR_PAT;
	vcpu.gpr[GPR_RAX] = 0x0202020200000106ULL; /* invalid types above EAX */
	vcpu.gpr[GPR_RDX] = 0x0303030304050607ULL;
	CHECK_EQ(vmm_handle_wrmsr(&vcpu), EXIT_RESUME);
	CHECK_EQ(gp_count, 0);
	CHECK_EQ(regs[VREG_PAT], 0x0405060700000106ULL);
	CHECK_EQ(regs[VREG_RIP], 0x3000 + INSN_LEN);
}

int main(void)
{
	RUN(unknown_msrs_gp);
	RUN(single_step);
	RUN(x2apic_ipi_destinations);
	RUN(passthrough_list);
	RUN(passthrough_msr_exiting_is_refused);
	RUN(efer_policy);
	RUN(pat_memory_types);
	RUN(mtrr_policy);
	RUN(spec_ctrl_and_pred_cmd);
	RUN(tsc);
	RUN(apic_msrs);
	RUN(hyperv_range);
	RUN(fixed_answers);
	RUN(misc_enable);
	RUN(amd_legacy_pmu_and_syscfg);
	RUN(register_halves);
	RUN(tsc_aux);
	fresh(0, false);
	return harness_finish();
}
