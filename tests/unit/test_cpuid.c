// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPUID a guest sees (vmm/cpuid.c), through the CPUID exit handler,
 * against fake host CPUs (vmm/base/x86.h's host hook): an Intel and an
 * AMD CPU, a recent one and an old Intel one with few basic leaves.
 * Each is run twice, once with every feature bit of every leaf set and
 * once with none, so that each bit of the guest's view shows whether the
 * policy passes it (set only on the first), hides it (never set) or
 * forces it (always set). Over vCPU counts, XSAVE components, CR4.OSXSAVE
 * and speculation controls, the view is compared bit by bit with this
 * file's own statement of the policy: VMX, SMX and SVM hidden, the
 * hypervisor bit, x2APIC and TSC-deadline set, topology from the
 * partition, XSAVE leaf 0xD only for the allowed components, the leaf 7
 * masks, the 0x80000008 EBX allowlist, SPEC_CTRL/IBPB/STIBP/SSBD
 * enumerated per vendor exactly as offered, leaf 0x15 for Intel, and the
 * leaves past the host's (or the policy's) maximum zeroed.
 */
#include <stdio.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_backend.h"
#include "vmm/backend.h"
#include "vmm/base/cpu.h"
#include "vmm/event.h"
#include "vmm/exit.h"
#include "vmm/fpu.h"
#include "vmm/hyperv.h"
#include "vmm/partition.h"
#include "vmm/spec.h"
#include "vmm/dev/vlapic.h"
#include "drivers/timer.h"

/* ---- stubs ---- */

#define INSN_LEN FAKE_INSN_LEN

static u64 xcr0_allowed;
static u32 area_size;

struct cpu_info boot_cpu;
struct spec_policy spec;
u64 tsc_khz = 2345678;
bool guest_rdtscp; /* vmm/msr.c: set by the backend */

u64 fpu_xcr0_allowed(void)
{
	return xcr0_allowed;
}

u32 fpu_area_size(void)
{
	return area_size;
}

/* The vCPU's local APIC: present (IA32_APIC_BASE.EN) or not. */
static bool apic_present = true;
static char fake_lapic[16];

bool vlapic_present(const struct vlapic *l)
{
	(void)l;
	return apic_present;
}

/* The Hyper-V leaves are vmm/hyperv.c's: a recognisable answer. */
static struct cpuid_regs hyperv_answer(u32 leaf)
{
	return (struct cpuid_regs){ leaf ^ 0x5555, 0x48763132, ~leaf, 0x600d };
}

bool hyperv_cpuid(struct vcpu *v, u32 leaf, struct cpuid_regs *r)
{
	(void)v;
	if (leaf < 0x40000000 || leaf > 0x400000ff)
		return false;
	*r = hyperv_answer(leaf);
	return true;
}

/* ---- the fake host CPU ---- */

struct host {
	const char *name;
	enum cpu_vendor vendor;
	u32 max_leaf, max_ext;
};

static const struct host intel = { "intel", VENDOR_INTEL, 0x20, 0x80000008 };
static const struct host intel_old = { "intel-old", VENDOR_INTEL, 0xd, 0x80000008 };
static const struct host amd = { "amd", VENDOR_AMD, 0x10, 0x80000028 };

static const struct host *cur_host;
static bool host_ones; /* every feature bit set, or none */

static u32 str4(const char *s)
{
	u32 v;

	memcpy(&v, s, 4);
	return v;
}

static struct cpuid_regs fake_host(u32 leaf, u32 sub)
{
	bool is_intel = cur_host->vendor == VENDOR_INTEL;
	u32 b = str4(is_intel ? "Genu" : "Auth"), d = str4(is_intel ? "ineI" : "enti");
	u32 c = str4(is_intel ? "ntel" : "cAMD");
	u32 f = host_ones ? 0xffffffffu : 0;

	(void)sub;
	if (leaf == 0)
		return (struct cpuid_regs){ cur_host->max_leaf, b, c, d };
	if (leaf == 0x80000000)
		return (struct cpuid_regs){ cur_host->max_ext, f, f, f };
	return (struct cpuid_regs){ f, f, f, f };
}

void host_cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r)
{
	*r = fake_host(leaf, sub);
}

/* ---- the guest ---- */

static struct partition part;
static struct vcpu vcpu;

static void use_host(const struct host *h, bool ones)
{
	cur_host = h;
	host_ones = ones;
	memset(&boot_cpu, 0, sizeof(boot_cpu));
	boot_cpu.vendor = h->vendor;
	boot_cpu.max_leaf = h->max_leaf;
	boot_cpu.max_ext_leaf = h->max_ext;
}

static void guest(u32 nr_vcpus, u32 id, u32 apic_id)
{
	memset(&part, 0, sizeof(part));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(regs, 0, sizeof(regs));
	vcpu.part = &part;
	vcpu.lapic = (struct vlapic *)fake_lapic;
	apic_present = true;
	vcpu.id = id;
	vcpu.apic_id = apic_id;
	part.nr_vcpus = nr_vcpus;
	part.id = 7;
}

/* CPUID through the exit handler; garbage in the upper halves of RAX and
 * RCX is ignored, and the results zero-extend. */
static struct cpuid_regs guest_cpuid(u32 leaf, u32 sub)
{
	regs[VREG_RIP] = 0x4000;
	vcpu.gpr[GPR_RAX] = 0xdead000000000000ULL | leaf;
	vcpu.gpr[GPR_RCX] = 0xbeef000000000000ULL | sub;
	vcpu.gpr[GPR_RBX] = vcpu.gpr[GPR_RDX] = ~0ULL;
	CHECK_EQ(vmm_handle_cpuid(&vcpu), EXIT_RESUME);
	CHECK_EQ(regs[VREG_RIP], 0x4000 + INSN_LEN);
	if ((vcpu.gpr[GPR_RAX] | vcpu.gpr[GPR_RBX] | vcpu.gpr[GPR_RCX] | vcpu.gpr[GPR_RDX]) >> 32)
		harness_fail(__FILE__, __LINE__, "leaf %#x.%u: upper halves not zeroed", leaf, sub);
	return (struct cpuid_regs){ (u32)vcpu.gpr[GPR_RAX], (u32)vcpu.gpr[GPR_RBX],
				    (u32)vcpu.gpr[GPR_RCX], (u32)vcpu.gpr[GPR_RDX] };
}

/* ---- the policy, as this test states it ---- */

/* Leaf 1 ECX: MONITOR, DS-CPL, VMX, SMX, EST, TM2, SDBG, PDCM, DCA, OSXSAVE
 * (3-8, 11, 15, 18, 27). */
#define L1C_HIDDEN 0x080489f8u
#define L1C_XSAVE 0x04000000u
#define L1C_AVX 0x30001000u     /* AVX, F16C, FMA */
#define L1C_FORCED 0x81200000u  /* hypervisor, TSC deadline, x2APIC */
#define L1C_OSXSAVE 0x08000000u
/* Leaf 1 EDX: DS, ACPI, TM, PBE; HTT from the vCPU count. */
#define L1D_HIDDEN 0xa0600000u
#define L1D_HTT 0x10000000u
/* Leaf 7.0 EBX: FSGSBASE, BMI1, SMEP, BMI2, ERMS, ADX, SMAP, CLFLUSHOPT,
 * CLWB, SHA; AVX2; AVX512F/DQ/IFMA/CD/BW/VL. ECX: AVX512 VBMI, VBMI2,
 * VNNI, BITALG, VPOPCNTDQ. */
#define L7B_KEEP 0x21980389u
#define L7B_AVX2 0x00000020u
#define L7B_AVX512 0xd0230000u
#define L7C_AVX512 0x00005842u
/* Leaf 7.0 EDX (Intel): MD_CLEAR from the host; SPEC_CTRL, STIBP, SSBD. */
#define L7D_MD_CLEAR 0x00000400u
#define L7D_SPEC_CTRL 0x04000000u
#define L7D_STIBP 0x08000000u
#define L7D_SSBD 0x80000000u
/* 0x80000001 ECX: SVM, SKINIT, WDT, LWP, TOPOEXT, PERFCTR_CORE, MWAITX; EDX: RDTSCP
 * (unless the backend offers it: guest_rdtscp). */
#define E1C_HIDDEN 0x20c0b004u
#define E1D_HIDDEN 0x08000000u
/* 0x80000008 EBX: CLZERO, XSAVEERPTR, WBNOINVD; (AMD) IBPB, IBRS, STIBP, SSBD. */
#define E8B_KEEP 0x00000205u
#define E8B_IBPB 0x00001000u
#define E8B_IBRS 0x00004000u
#define E8B_STIBP 0x00008000u
#define E8B_SSBD 0x01000000u

struct config {
	u32 nr, id, apic_id, shift; /* shift: bits of the x2APIC ID the cores take */
	u64 xcr0;
	u32 area;
	bool osxsave;
	u64 spec_bits;
	bool ibpb;
};

static const struct cpuid_regs zero;

static struct cpuid_regs want(const struct config *c, u32 leaf, u32 sub)
{
	struct cpuid_regs h = fake_host(leaf, sub), r = h;
	bool is_intel = cur_host->vendor == VENDOR_INTEL;
	u32 max_basic = MIN(cur_host->max_leaf, 0x15u);
	u64 x = c->xcr0;

	if (leaf < 0x80000000 && leaf > max_basic && leaf != 0x15)
		return zero;
	if (leaf >= 0x80000000 && leaf > cur_host->max_ext)
		return zero;
	/* Extended leaves: up to 0x80000008, and 0x80000021. */
	if (leaf > 0x80000008 && leaf != 0x80000021)
		return zero;
	switch (leaf) {
	case 0x80000000:
		r.eax = MIN(h.eax, 0x80000021u);
		break;
	case 0x80000007: /* invariant TSC only */
		r = (struct cpuid_regs){ 0, 0, 0, h.edx & 0x100 };
		break;
	case 0x80000021: /* no nested data breakpoints, LFENCE serializing, null
			  * selector clears base; not AutoIBRS, not SBPB */
		r = (struct cpuid_regs){ h.eax & 0x45, 0, 0, 0 };
		break;
	case 0:
		r.eax = is_intel ? 0x15 : max_basic;
		break;
	case 1:
		r.ebx = (h.ebx & 0xffff) | (c->apic_id << 24) | (MIN(c->nr, 255u) << 16);
		r.ecx = h.ecx & ~L1C_HIDDEN;
		if (!x)
			r.ecx &= ~L1C_XSAVE;
		if (!(x & 4))
			r.ecx &= ~L1C_AVX;
		r.ecx |= L1C_FORCED | (c->osxsave ? L1C_OSXSAVE : 0);
		r.edx = (h.edx & ~(L1D_HIDDEN | L1D_HTT)) | (c->nr > 1 ? L1D_HTT : 0) |
			BIT(9); /* the virtual local APIC, present */
		break;
	case 4:
		r.eax = (h.eax & 0x03ffffff) | ((MIN(c->nr, 64u) - 1) << 26);
		break;
	case 6:
	case 0xa:
		return zero;
	case 7:
		if (sub)
			return zero;
		r.eax = 0;
		r.ebx = h.ebx & (L7B_KEEP | ((x & 4) ? L7B_AVX2 : 0) |
				 ((x & 0xe0) ? L7B_AVX512 : 0));
		r.ecx = (x & 0xe0) ? h.ecx & L7C_AVX512 : 0;
		r.edx = 0;
		if (is_intel) {
			r.edx = h.edx & L7D_MD_CLEAR;
			if (c->ibpb && (c->spec_bits & SPEC_CTRL_IBRS))
				r.edx |= L7D_SPEC_CTRL;
			if (c->spec_bits & SPEC_CTRL_STIBP)
				r.edx |= L7D_STIBP;
			if (c->spec_bits & SPEC_CTRL_SSBD)
				r.edx |= L7D_SSBD;
		}
		break;
	case 0xb:
		r = (struct cpuid_regs){ 0, 0, sub & 0xff, c->apic_id };
		if (sub == 0) {
			r.ebx = 1;
			r.ecx |= 0x100;
		} else if (sub == 1) {
			r.eax = c->shift;
			r.ebx = c->nr;
			r.ecx |= 0x200;
		}
		break;
	case 0xd:
		if (!x || (sub >= 2 && (sub >= 64 || !(x & BIT(sub)))))
			return zero;
		if (sub == 0) {
			r.eax = (u32)x;
			r.ecx = c->area;
			r.edx = (u32)(x >> 32);
		} else if (sub == 1) {
			r.eax = h.eax & 7; /* XSAVEOPT, XSAVEC, XGETBV1; not XSAVES */
			r.ecx = r.edx = 0;
		}
		break;
	case 0x15:
		if (!is_intel)
			return zero;
		r = (struct cpuid_regs){ 100000, (u32)tsc_khz, 100000000, 0 };
		break;
	case 0x80000001:
		r.ecx = h.ecx & ~E1C_HIDDEN;
		r.edx = h.edx & ~E1D_HIDDEN;
		break;
	case 0x80000008:
		r.ebx = h.ebx & E8B_KEEP;
		if (!is_intel) {
			r.ebx |= c->ibpb ? E8B_IBPB : 0;
			r.ebx |= (c->spec_bits & SPEC_CTRL_IBRS) ? E8B_IBRS : 0;
			r.ebx |= (c->spec_bits & SPEC_CTRL_STIBP) ? E8B_STIBP : 0;
			r.ebx |= (c->spec_bits & SPEC_CTRL_SSBD) ? E8B_SSBD : 0;
		}
		r.ecx = (h.ecx & ~0xffu) | (MIN(c->nr, 256u) - 1);
		break;
	default:
		break;
	}
	return r;
}

/*
 * The leaves compared. Those marked `beyond` pass the host's value
 * through; they are only checked where the host lacks them (zero).
 */
static const struct probe {
	u32 leaf;
	u32 subs[16];
	u32 nsubs;
	bool beyond;
} probes[] = {
	{ 0x0, { 0 }, 1, false },
	{ 0x1, { 0 }, 1, false },
	{ 0x2, { 0 }, 1, false },
	{ 0x3, { 0 }, 1, true },
	{ 0x4, { 0, 1, 2, 3 }, 4, false },
	{ 0x5, { 0 }, 1, true },
	{ 0x6, { 0 }, 1, false },
	{ 0x7, { 0, 1, 2 }, 3, false },
	{ 0x9, { 0 }, 1, true },
	{ 0xa, { 0 }, 1, false },
	{ 0xb, { 0, 1, 2, 3, 0xff, 0x100 }, 6, false },
	{ 0xd, { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 18, 62, 63, 64, 0xffffffff }, 16, false },
	{ 0xe, { 0 }, 1, true },
	{ 0xf, { 0, 1 }, 2, true },
	{ 0x10, { 0, 1 }, 2, true },
	{ 0x12, { 0 }, 1, true },
	{ 0x14, { 0 }, 1, true },
	{ 0x15, { 0 }, 1, false },
	{ 0x16, { 0 }, 1, false },
	{ 0x17, { 0 }, 1, false },
	{ 0x1d, { 0 }, 1, false },
	{ 0x1f, { 0, 1 }, 2, false },
	{ 0x20, { 0 }, 1, false },
	{ 0x21, { 0 }, 1, false },
	{ 0x3fffffff, { 0 }, 1, false },
	{ 0x40010000, { 0 }, 1, false },
	{ 0x7fffffff, { 0 }, 1, false },
	{ 0x80000000, { 0 }, 1, false },
	{ 0x80000001, { 0 }, 1, false },
	{ 0x80000002, { 0 }, 1, false },
	{ 0x80000003, { 0 }, 1, false },
	{ 0x80000004, { 0 }, 1, false },
	{ 0x80000005, { 0 }, 1, false },
	{ 0x80000006, { 0 }, 1, false },
	{ 0x80000007, { 0 }, 1, false },
	{ 0x80000008, { 0 }, 1, false },
	{ 0x80000009, { 0 }, 1, false },
	{ 0x80000019, { 0 }, 1, false },
	{ 0x80000020, { 0 }, 1, false },
	{ 0x80000021, { 0 }, 1, false },
	{ 0x80000026, { 0 }, 1, false },
	{ 0x8000000a, { 0 }, 1, false },
	{ 0x8000001d, { 0, 1 }, 2, false },
	{ 0x8000001e, { 0 }, 1, false },
	{ 0x8000001f, { 0 }, 1, false },
	{ 0x80000029, { 0 }, 1, false },
	{ 0x8fffffff, { 0 }, 1, false },
	{ 0xc0000000, { 0 }, 1, false },
	{ 0xffffffff, { 0 }, 1, false },
};

static const struct config configs[] = {
	/* one vCPU, no XSAVE, no speculation controls */
	{ 1, 0, 0, 0, 0, 0, false, 0, false },
	/* four vCPUs, x87/SSE only, CR4.OSXSAVE on */
	{ 4, 3, 3, 2, 0x3, 0x240, true, SPEC_CTRL_SSBD, false },
	/* AVX, every speculation control */
	{ 5, 4, 4, 3, 0x7, 0x340, false, SPEC_CTRL_IBRS | SPEC_CTRL_STIBP | SPEC_CTRL_SSBD, true },
	/* AVX-512, IBPB without IBRS */
	{ 64, 63, 63, 6, 0xe7, 0xa88, true, SPEC_CTRL_STIBP, true },
	/* a parent-like vCPU whose APIC ID is the physical CPU's */
	{ 3, 1, 0x25, 2, 0xe7, 0xa88, false, SPEC_CTRL_IBRS, true },
};

static void apply(const struct config *c)
{
	guest(c->nr, c->id, c->apic_id);
	xcr0_allowed = c->xcr0;
	area_size = c->area;
	regs[VREG_CR4] = c->osxsave ? CR4_OSXSAVE : 0;
	memset(&spec, 0, sizeof(spec));
	spec.guest_spec_ctrl_bits = c->spec_bits;
	spec.ibpb = c->ibpb;
}

static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };

/* One leaf against want(), register by register, bit by bit. */
static void compare_leaf(const struct config *c, size_t ci, u32 leaf, u32 sub, u32 *bad)
{
	struct cpuid_regs got = guest_cpuid(leaf, sub), exp = want(c, leaf, sub);
	const u32 *g = &got.eax, *e = &exp.eax;

	for (int r = 0; r < 4; r++) {
		if (g[r] == e[r] || (*bad)++ >= 10)
			continue;
		harness_fail(__FILE__, __LINE__,
			     "%s host %s, config %zu: leaf %#x.%#x %s %#010x, want %#010x "
			     "(bits %#010x)", cur_host->name, host_ones ? "all ones" : "all zeros",
			     ci, leaf, sub, reg_names[r], g[r], e[r], g[r] ^ e[r]);
	}
}

/* Every probe leaf, on the host with every bit and with none. */
static void compare_all(const struct host *h)
{
	u32 bad = 0;

	for (int ones = 0; ones < 2; ones++) {
		use_host(h, ones);
		for (size_t ci = 0; ci < ARRAY_SIZE(configs); ci++) {
			for (size_t pi = 0; pi < ARRAY_SIZE(probes); pi++) {
				const struct probe *p = &probes[pi];
				bool beyond = p->leaf < 0x80000000 ?
					p->leaf > MIN(h->max_leaf, 0x15u) && p->leaf != 0x15 :
					p->leaf > h->max_ext;
				if (p->beyond && !beyond)
					continue;
				for (u32 si = 0; si < p->nsubs; si++) {
					apply(&configs[ci]);
					compare_leaf(&configs[ci], ci, p->leaf, p->subs[si], &bad);
				}
			}
		}
	}
	CHECK_EQ(bad, 0);
}

/* ---- cases ---- */

TEST(intel_view_bit_by_bit)
{
	compare_all(&intel);
}

TEST(old_intel_view_bit_by_bit)
{
	compare_all(&intel_old);
}

TEST(amd_view_bit_by_bit)
{
	compare_all(&amd);
}

/* The headline items by name, on hosts with every bit set. */
TEST(virtualization_hidden_hypervisor_shown)
{
	use_host(&intel, true);
	apply(&configs[3]);
	struct cpuid_regs r = guest_cpuid(1, 0);
	CHECK(!(r.ecx & BIT(5)));       /* VMX */
	CHECK(!(r.ecx & BIT(6)));       /* SMX */
	CHECK(!(r.ecx & BIT(3)));       /* MONITOR */
	CHECK(r.ecx & BIT(31));         /* hypervisor */
	CHECK(r.ecx & BIT(21));         /* x2APIC */
	CHECK(r.ecx & BIT(24));         /* TSC deadline */
	CHECK_EQ(guest_cpuid(6, 0).eax, 0);   /* power management */
	CHECK_EQ(guest_cpuid(0xa, 0).eax, 0); /* performance counters */

	use_host(&amd, true);
	apply(&configs[3]);
	r = guest_cpuid(0x80000001, 0);
	CHECK(!(r.ecx & BIT(2)));       /* SVM */
	CHECK(!(r.ecx & BIT(12)));      /* SKINIT */
	CHECK(!(r.edx & BIT(27)));      /* RDTSCP: not offered by the backend */
	guest_rdtscp = true;            /* offered: the host's bit shows */
	CHECK(guest_cpuid(0x80000001, 0).edx & BIT(27));
	guest_rdtscp = false;
	r = guest_cpuid(0x8000000a, 0); /* the SVM leaf */
	CHECK_EQ(r.eax | r.ebx | r.ecx | r.edx, 0);

	/* On a host with nothing, the forced bits are still there. */
	use_host(&amd, false);
	apply(&configs[0]);
	r = guest_cpuid(1, 0);
	CHECK_EQ(r.ecx, BIT(31) | BIT(24) | BIT(21));
	CHECK_EQ(r.edx, BIT(9)); /* the virtual local APIC */
}

/* The speculation controls: Intel enumerates them in leaf 7 EDX, AMD in
 * 0x80000008 EBX, never both, and only what the MSR policy offers. */
TEST(spec_ctrl_bits_per_vendor)
{
	static const struct {
		u64 bits;
		bool ibpb;
		u32 intel_7d, amd_8b;
	} cases[] = {
		{ 0, false, 0, 0 },
		{ 0, true, 0, E8B_IBPB },
		{ SPEC_CTRL_IBRS, false, 0, E8B_IBRS },
		{ SPEC_CTRL_IBRS, true, L7D_SPEC_CTRL, E8B_IBPB | E8B_IBRS },
		{ SPEC_CTRL_STIBP, false, L7D_STIBP, E8B_STIBP },
		{ SPEC_CTRL_SSBD, false, L7D_SSBD, E8B_SSBD },
		{ 7, true, L7D_SPEC_CTRL | L7D_STIBP | L7D_SSBD,
		  E8B_IBPB | E8B_IBRS | E8B_STIBP | E8B_SSBD },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		for (int ones = 0; ones < 2; ones++) {
			use_host(&intel, ones);
			apply(&configs[0]);
			spec.guest_spec_ctrl_bits = cases[i].bits;
			spec.ibpb = cases[i].ibpb;
			CHECK_EQ(guest_cpuid(7, 0).edx,
				 cases[i].intel_7d | (ones ? L7D_MD_CLEAR : 0));
			CHECK_EQ(guest_cpuid(0x80000008, 0).ebx, ones ? E8B_KEEP : 0);

			use_host(&amd, ones);
			apply(&configs[0]);
			spec.guest_spec_ctrl_bits = cases[i].bits;
			spec.ibpb = cases[i].ibpb;
			CHECK_EQ(guest_cpuid(7, 0).edx, 0);
			CHECK_EQ(guest_cpuid(0x80000008, 0).ebx,
				 cases[i].amd_8b | (ones ? E8B_KEEP : 0));
		}
	}
}

/* Leaf 0xD: nothing without XSAVE; the allowed components, the size for
 * all of them, no XSAVES/XFD; components outside XCR0's allowed set read
 * as absent. */
TEST(xsave_leaf)
{
	use_host(&intel, true);
	apply(&configs[0]);
	for (u32 sub = 0; sub < 70; sub++) {
		struct cpuid_regs r = guest_cpuid(0xd, sub);
		CHECK_EQ(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
	CHECK(!(guest_cpuid(1, 0).ecx & BIT(26)));
	CHECK(!(guest_cpuid(1, 0).ecx & BIT(28)));

	apply(&configs[3]); /* x87, SSE, AVX, AVX-512 */
	struct cpuid_regs r = guest_cpuid(0xd, 0);
	CHECK_EQ(r.eax, 0xe7);
	CHECK_EQ(r.edx, 0);
	CHECK_EQ(r.ecx, 0xa88);
	r = guest_cpuid(0xd, 1);
	CHECK_EQ(r.eax, 0x7);
	CHECK_EQ(r.ecx | r.edx, 0);
	for (u32 sub = 2; sub < 64; sub++) {
		r = guest_cpuid(0xd, sub);
		bool on = sub == 2 || sub == 5 || sub == 6 || sub == 7;
		if ((r.eax != 0) != on)
			harness_fail(__FILE__, __LINE__, "leaf 0xd.%u: %#x", sub, r.eax);
	}
	CHECK(guest_cpuid(1, 0).ecx & BIT(26));
	CHECK(guest_cpuid(7, 0).ebx & BIT(16)); /* AVX512F */

	apply(&configs[1]); /* x87 and SSE: no AVX anywhere */
	CHECK_EQ(guest_cpuid(0xd, 2).eax, 0);
	CHECK(!(guest_cpuid(1, 0).ecx & BIT(28)));
	CHECK(!(guest_cpuid(7, 0).ebx & BIT(5)));
	CHECK(!(guest_cpuid(7, 0).ebx & BIT(16)));
}

/* OSXSAVE mirrors the guest's CR4, whatever the host says. */
/* CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN (SDM Vol. 3A 11.4.3), and
 * AMD's copy in 0x80000001 EDX too; Intel's 0x80000001 EDX bit 9 stays. */
TEST(apic_bit_follows_apic_base)
{
	for (int amd_host = 0; amd_host < 2; amd_host++) {
		use_host(amd_host ? &amd : &intel, true);
		apply(&configs[2]);
		CHECK(guest_cpuid(1, 0).edx & BIT(9));
		apic_present = false;
		CHECK(!(guest_cpuid(1, 0).edx & BIT(9)));
		if (amd_host)
			CHECK(!(guest_cpuid(0x80000001, 0).edx & BIT(9)));
		apic_present = true;
		CHECK(guest_cpuid(1, 0).edx & BIT(9));
		if (amd_host)
			CHECK(guest_cpuid(0x80000001, 0).edx & BIT(9));
	}
}

TEST(osxsave_follows_guest_cr4)
{
	for (int ones = 0; ones < 2; ones++) {
		use_host(&intel, ones);
		apply(&configs[2]);
		regs[VREG_CR4] = 0;
		CHECK(!(guest_cpuid(1, 0).ecx & BIT(27)));
		regs[VREG_CR4] = CR4_OSXSAVE;
		CHECK(guest_cpuid(1, 0).ecx & BIT(27));
	}
}

/* Topology: one thread per core, every vCPU a core of one package. */
TEST(topology)
{
	use_host(&intel, false);
	apply(&configs[2]); /* 5 vCPUs, APIC ID 4 */
	struct cpuid_regs r = guest_cpuid(0xb, 0);
	CHECK_EQ(r.eax, 0);
	CHECK_EQ(r.ebx, 1);
	CHECK_EQ(r.ecx, 0x100);
	CHECK_EQ(r.edx, 4);
	r = guest_cpuid(0xb, 1);
	CHECK_EQ(r.eax, 3);
	CHECK_EQ(r.ebx, 5);
	CHECK_EQ(r.ecx, 0x201);
	CHECK_EQ(r.edx, 4);
	r = guest_cpuid(0xb, 2);
	CHECK_EQ(r.eax | r.ebx, 0);
	CHECK_EQ(r.ecx, 2);
	r = guest_cpuid(1, 0);
	CHECK_EQ(r.ebx >> 24, 4);
	CHECK_EQ((r.ebx >> 16) & 0xff, 5);
	CHECK(r.edx & BIT(28));
	CHECK_EQ(guest_cpuid(4, 0).eax >> 26, 4);
	CHECK_EQ(guest_cpuid(0x80000008, 0).ecx & 0xff, 4);
	/* 0x1f is past the policy's maximum: leaf 0xb is the only one. */
	r = guest_cpuid(0x1f, 1);
	CHECK_EQ(r.eax | r.ebx | r.ecx | r.edx, 0);

	/* The parent's APIC IDs are the physical CPUs', sparse with
	 * smt=off: the core field covers the highest (0x25: 6 bits). */
	static struct vcpu others[3];
	guest(3, 1, 0x25);
	for (u32 i = 0; i < 3; i++) {
		others[i].part = &part;
		others[i].apic_id = i == 1 ? 0x25 : i * 2;
		part.vcpu[i] = &others[i];
	}
	r = guest_cpuid(0xb, 1);
	CHECK_EQ(r.eax, 6);
	CHECK_EQ(r.ebx, 3);
	CHECK_EQ(r.edx, 0x25);
}

/* Leaf 0x15: the virtual LAPIC's 100 MHz crystal and the TSC, for Intel
 * guests, even where the host stops below 0x15; leaf 0 says so. */
TEST(tsc_leaf)
{
	use_host(&intel_old, false);
	apply(&configs[0]);
	CHECK_EQ(guest_cpuid(0, 0).eax, 0x15);
	struct cpuid_regs r = guest_cpuid(0x15, 0);
	CHECK_EQ(r.eax, 100000);
	CHECK_EQ(r.ebx, 2345678);
	CHECK_EQ(r.ecx, 100000000);
	CHECK_EQ(guest_cpuid(0xe, 0).eax, 0); /* between the host's max and 0x15 */

	use_host(&amd, true);
	apply(&configs[0]);
	CHECK_EQ(guest_cpuid(0, 0).eax, 0x10);
	r = guest_cpuid(0x15, 0);
	CHECK_EQ(r.eax | r.ebx | r.ecx | r.edx, 0);
}

/* The hypervisor's leaves: Hyper-V's from 0x40000000 (vmm/hyperv.c), the
 * hypervisor's own from 0x40000100, nothing past 0x40000102. */
TEST(hypervisor_leaves)
{
	use_host(&intel, true);
	apply(&configs[2]);
	vcpu.id = 2;
	for (u32 leaf = 0x40000000; leaf <= 0x400000ff; leaf += 0x33) {
		struct cpuid_regs r = guest_cpuid(leaf, 0), e = hyperv_answer(leaf);
		CHECK(!memcmp(&r, &e, sizeof(r)));
	}
	struct cpuid_regs r = guest_cpuid(0x40000100, 0);
	CHECK_EQ(r.eax, 0x40000102);
	CHECK_EQ(r.ebx, str4("hvhy"));
	CHECK_EQ(r.ecx, str4("perv"));
	CHECK_EQ(r.edx, str4("isor"));
	r = guest_cpuid(0x40000101, 0);
	CHECK_EQ(r.eax, HV_ABI_VERSION);
	CHECK_EQ(r.ebx, 2); /* the vCPU's index */
	CHECK_EQ(r.ecx, 5); /* vCPUs */
	CHECK_EQ(r.edx, 7); /* partition id */
	static const struct {
		enum image_kind kind;
		bool start_all;
		u32 eax;
	} flags[] = {
		{ IMAGE_PLAIN, false, 0 },
		{ IMAGE_PLAIN, true, HV_CPUID_FLAG_START_ALL },
		{ IMAGE_LINUX, true, 0 },
		{ IMAGE_MULTIBOOT, true, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		part.kind = flags[i].kind;
		part.cfg.start_all = flags[i].start_all;
		r = guest_cpuid(0x40000102, 0);
		CHECK_EQ(r.eax, flags[i].eax);
		CHECK_EQ(r.ebx | r.ecx | r.edx, 0);
	}
	static const u32 empty[] = { 0x40000103, 0x400001ff, 0x4000ffff, 0x40010000 };
	for (size_t i = 0; i < ARRAY_SIZE(empty); i++) {
		r = guest_cpuid(empty[i], 0);
		CHECK_EQ(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
}

/* CPUID single-stepped: the #DB after it with DR6.BS, B0-B3 cleared;
 * the interrupt shadow ended. */
TEST(single_step)
{
	guest(1, 0, 0);
	fake_db_count = 0;
	regs[VREG_RFLAGS] = RFLAGS_FIXED | RFLAGS_TF;
	regs[VREG_DR6] = 0xffff0ff0 | 0x9;
	regs[VREG_INTR_SHADOW] = 1;
	guest_cpuid(0, 0);
	CHECK_EQ(fake_db_count, 1);
	CHECK_EQ(regs[VREG_DR6], 0xffff0ff0 | DR6_BS);
	CHECK_EQ(regs[VREG_INTR_SHADOW], 0);
	regs[VREG_RFLAGS] = RFLAGS_FIXED;
	guest_cpuid(0, 0);
	CHECK_EQ(fake_db_count, 1);
}

int main(void)
{
	RUN(intel_view_bit_by_bit);
	RUN(old_intel_view_bit_by_bit);
	RUN(amd_view_bit_by_bit);
	RUN(virtualization_hidden_hypervisor_shown);
	RUN(spec_ctrl_bits_per_vendor);
	RUN(xsave_leaf);
	RUN(apic_bit_follows_apic_base);
	RUN(osxsave_follows_guest_cr4);
	RUN(topology);
	RUN(tsc_leaf);
	RUN(hypervisor_leaves);
	RUN(single_step);
	return harness_finish();
}
