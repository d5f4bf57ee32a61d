// SPDX-License-Identifier: GPL-2.0-only
/* Intel VT-x: per-CPU VMXON, VMCS set-up, entry, events, EPT and VPID. */
#include "vmx/vmx.h"
#include "vmx/state_check.h"
#include "vmm/base/cpu.h"
#include "vmm/cr.h"
#include "vmm/event.h"
#include "vmm/hyperv.h"
#include "vmm/base/fmt.h"
#include "vmm/base/heap.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/msr.h"
#include "vmm/partition.h"
#include "vmm/spec.h"
#include "vmm/base/percpu.h"
#include "vmm/base/pmm.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"

#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED_CTLS 0x481
#define MSR_VMX_PROCBASED_CTLS 0x482
#define MSR_VMX_EXIT_CTLS 0x483
#define MSR_VMX_ENTRY_CTLS 0x484
#define MSR_VMX_MISC 0x485
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_PROCBASED_CTLS2 0x48b
#define MSR_VMX_EPT_VPID_CAP 0x48c
#define MSR_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS 0x490

#define FC_LOCKED BIT(0)
#define FC_VMX_OUTSIDE_SMX BIT(2)

#define EPT_CAP_WALK4 BIT(6)
#define EPT_CAP_WB BIT(14)
#define EPT_CAP_2M BIT(16)
#define EPT_CAP_1G BIT(17)
#define EPT_CAP_INVEPT BIT(20)
#define EPT_CAP_AD BIT(21)
#define EPT_CAP_INVEPT_SINGLE BIT(25)
#define EPT_CAP_INVEPT_ALL BIT(26)
#define VPID_CAP_INVVPID BIT(32)
#define VPID_CAP_SINGLE BIT(41)
#define VPID_CAP_ALL BIT(42)

#define GUEST_PAT 0x0007040600070406ULL

struct vmx_cpu {
	paddr_t vmxon_pa;
	paddr_t current;           /* VMCS loaded with VMPTRLD */
	struct vcpu *state_owner;  /* whose CR2 and SYSCALL MSRs are loaded */
};

static struct vmx_cpu vmx_cpu[MAX_CPUS];

static struct {
	u32 revision;
	u32 pin, cpu, cpu2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 ept_cap;
	bool ug, vpid, ins_outs_info;
	u8 preempt_shift; /* the preemption timer ticks every 2^shift TSC ticks */
} caps;

static paddr_t msr_bitmap_pa, io_bitmap_pa;
static volatile u32 next_vpid = 1;

extern char vmx_exit_point[];
int vmx_enter(u64 *gpr, u32 launched, u64 *host_rsp);

static inline struct vmx_vcpu *to_vmx(struct vcpu *v)
{
	return v->arch;
}

/* ---- VMCS access ---- */

static const char *const insn_errors[] = {
	[1] = "VMCALL in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "Invalid operand to INVEPT/INVVPID",
};

static const char *insn_error_name(u32 e)
{
	return e < ARRAY_SIZE(insn_errors) && insn_errors[e] ? insn_errors[e] : "unknown";
}

static u32 last_insn_error(void)
{
	u64 e;
	return vmx_vmread(VM_INSTRUCTION_ERROR, &e) ? (u32)e : 0xffffffffu;
}

u32 vmcs_read_safe(u64 field, u64 *val)
{
	return vmx_vmread(field, val) ? 0 : last_insn_error();
}

u32 vmcs_write_safe(u64 field, u64 val)
{
	return vmx_vmwrite(field, val) ? 0 : last_insn_error();
}

u64 vmcs_read_checked(u64 field)
{
	u64 v;
	u32 e = vmcs_read_safe(field, &v);

	if (e)
		panic("VMREAD %#lx failed: %u (%s)", (unsigned long)field, e, insn_error_name(e));
	return v;
}

void vmcs_write_checked(u64 field, u64 val)
{
	u32 e = vmcs_write_safe(field, val);

	if (e)
		panic("VMWRITE %#lx <- %#lx failed: %u (%s)", (unsigned long)field,
		      (unsigned long)val, e, insn_error_name(e));
}

/* ---- capabilities and per-CPU enable ---- */

/* A control value with the bits the CPU forces and without the ones it
 * forbids (SDM Vol. 3D A.3); *missing gets required bits it lacks. */
static u32 adjust(u32 msr, u32 want, u32 need, u32 *missing)
{
	u64 cap = rdmsr(msr);
	u32 v = (want | (u32)cap) & (u32)(cap >> 32);

	*missing |= need & ~v;
	return v;
}

static void build_msr_bitmap(u8 *bm)
{
	/* Read-low, read-high, write-low, write-high, 1 KiB each (SDM 25.6.9). */
	memset(bm, 0xff, PAGE_SIZE);
	for (u32 i = 0; i < 0x2000; i++) {
		u32 lo = i, hi = 0xc0000000 + i;
		if (msr_passthrough(lo, false))
			bm[i / 8] &= (u8)~(1u << (i % 8));
		if (msr_passthrough(hi, false))
			bm[1024 + i / 8] &= (u8)~(1u << (i % 8));
		if (msr_passthrough(lo, true))
			bm[2048 + i / 8] &= (u8)~(1u << (i % 8));
		if (msr_passthrough(hi, true))
			bm[3072 + i / 8] &= (u8)~(1u << (i % 8));
	}
}

static const char *vmx_global_init(void)
{
	u64 basic = rdmsr(MSR_VMX_BASIC);
	bool true_ctls = basic & BIT(55);
	u32 missing = 0;

	caps.revision = basic & 0x7fffffff;
	caps.ins_outs_info = basic & BIT(54);
	if (((basic >> 50) & 0xf) != 6)
		return "VMCS memory type is not write-back";
	/*
	 * Time slices end with the VMX-preemption timer where the CPU has it
	 * (SDM Vol. 3C 26.5.1): it counts down in the guest whatever the
	 * guest does with RFLAGS.IF and costs no host interrupt. The LAPIC
	 * timer still wakes idle CPUs, and is the fallback.
	 */
	caps.pin = adjust(true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS,
			  PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS |
			  PIN_PREEMPTION_TIMER,
			  PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, &missing);
	caps.preempt_shift = rdmsr(MSR_VMX_MISC) & 0x1f;
	caps.cpu = adjust(true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS,
			  CPU_USE_TSC_OFFSETTING | CPU_HLT_EXITING | CPU_MWAIT_EXITING |
			  CPU_RDPMC_EXITING | CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING |
			  CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS | CPU_MONITOR_EXITING |
			  CPU_SECONDARY_CONTROLS,
			  CPU_HLT_EXITING | CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS |
			  CPU_SECONDARY_CONTROLS | CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING |
			  CPU_USE_TSC_OFFSETTING, &missing);
	caps.cpu2 = adjust(MSR_VMX_PROCBASED_CTLS2,
			   CPU2_ENABLE_EPT | CPU2_ENABLE_VPID | CPU2_UNRESTRICTED_GUEST |
				   CPU2_WBINVD_EXITING | CPU2_ENABLE_RDTSCP,
			   CPU2_ENABLE_EPT, &missing);
	/* The guest's DR7 and DEBUGCTL live in the VMCS across exits (the
	 * debug-control bits; a VM exit otherwise leaves DR7 at 0x400). */
	caps.exit = adjust(true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS,
			   EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_PAT |
			   EXIT_LOAD_IA32_PAT | EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER,
			   EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_PAT |
			   EXIT_LOAD_IA32_PAT | EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER, &missing);
	caps.entry = adjust(true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS,
			    ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_IA32_EFER,
			    ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_IA32_EFER,
			    &missing);
	caps.entry &= ~ENTRY_IA32E_MODE; /* per vCPU, from its EFER.LMA */
	if (missing)
		return "a required VMX control is missing";
	/* RDTSCP (and TSC_AUX) where both the CPU and "enable RDTSCP" allow:
	 * it then runs in the guest with the vCPU's TSC_AUX (vmm/msr.c). */
	guest_rdtscp = (caps.cpu2 & CPU2_ENABLE_RDTSCP) && (cpuid(0x80000001).edx & BIT(27));
	caps.ug = caps.cpu2 & CPU2_UNRESTRICTED_GUEST;
	caps.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	caps.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	caps.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	caps.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	caps.ept_cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
	u64 need = EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE;
	if ((caps.ept_cap & need) != need)
		return "EPT lacks 4-level walks, write-back or INVEPT";
	caps.vpid = (caps.cpu2 & CPU2_ENABLE_VPID) &&
		    (caps.ept_cap & (VPID_CAP_INVVPID | VPID_CAP_SINGLE)) ==
			    (VPID_CAP_INVVPID | VPID_CAP_SINGLE);
	if (!caps.vpid)
		caps.cpu2 &= ~CPU2_ENABLE_VPID;

	msr_bitmap_pa = pmm_alloc(1, PAGE_SIZE, 0);
	io_bitmap_pa = pmm_alloc(2, PAGE_SIZE, 0);
	if (!msr_bitmap_pa || !io_bitmap_pa)
		return "out of memory for the VMX bitmaps";
	build_msr_bitmap(phys_to_virt(msr_bitmap_pa));
	memset(phys_to_virt(io_bitmap_pa), 0xff, 2 * PAGE_SIZE); /* every port exits */
	pr_info("vmx: VMCS revision %#x, EPT%s%s, VPID %s, unrestricted guest %s, "
		"INS/OUTS info %s, preemption timer %s", caps.revision,
		(caps.ept_cap & EPT_CAP_2M) ? " 2M" : "", (caps.ept_cap & EPT_CAP_1G) ? " 1G" : "",
		caps.vpid ? "yes" : "no", caps.ug ? "yes" : "no",
		caps.ins_outs_info ? "yes" : "no",
		(caps.pin & PIN_PREEMPTION_TIMER) ? "yes" : "no");
	return NULL;
}

static const char *vmx_cpu_init(void)
{
	static volatile int global_done;
	static spinlock_t init_lock = SPINLOCK_INIT;
	struct vmx_cpu *c = &vmx_cpu[this_cpu_id()];

	if (!(cpuid(1).ecx & BIT(5)))
		return "no VMX on this CPU";
	/* VMXON needs the feature-control MSR locked with VMX enabled
	 * (SDM Vol. 3C 24.7); firmware may have locked it off. */
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);
	if (fc & FC_LOCKED) {
		if (!(fc & FC_VMX_OUTSIDE_SMX))
			return "VMX disabled by firmware (IA32_FEATURE_CONTROL)";
	} else {
		wrmsr(MSR_FEATURE_CONTROL, fc | FC_LOCKED | FC_VMX_OUTSIDE_SMX);
	}
	spin_lock(&init_lock);
	if (!global_done) {
		const char *err = vmx_global_init();
		if (err) {
			spin_unlock(&init_lock);
			return err;
		}
		global_done = 1;
	}
	spin_unlock(&init_lock);

	/* CR0 and CR4 bits VMX operation requires (SDM Vol. 3D A.7, A.8). */
	write_cr0((read_cr0() | caps.cr0_fixed0) & caps.cr0_fixed1);
	write_cr4(((read_cr4() | CR4_VMXE) | caps.cr4_fixed0) & caps.cr4_fixed1);

	c->vmxon_pa = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	if (!c->vmxon_pa)
		return "out of memory for the VMXON region";
	*(u32 *)phys_to_virt(c->vmxon_pa) = caps.revision;
	bool fail;
	__asm__ __volatile__("vmxon %1; setbe %0" : "=qm"(fail) : "m"(c->vmxon_pa) : "cc", "memory");
	if (fail)
		return "VMXON failed";
	c->current = 0;
	return NULL;
}

/* ---- TLB ---- */

struct inv_desc {
	u64 a, b;
};

static void invept_single(paddr_t eptp)
{
	struct inv_desc d = { eptp, 0 };
	__asm__ __volatile__("invept %0, %1" ::"m"(d), "r"(1ULL) : "cc", "memory");
}

static void invvpid_single(u16 vpid)
{
	struct inv_desc d = { vpid, 0 };
	__asm__ __volatile__("invvpid %0, %1" ::"m"(d), "r"(1ULL) : "cc", "memory");
}

static u64 eptp_of(struct vcpu *v)
{
	/* Write-back, 4-level walk (SDM Vol. 3C 25.6.11). */
	return v->part->slat.root | 6 | (3 << 3);
}

/* ---- guest state ---- */

static const struct {
	u32 sel, base, limit, ar;
} seg_fields[NR_SEGS] = {
	[SEG_ES] = { GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
	[SEG_CS] = { GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES },
	[SEG_SS] = { GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
	[SEG_DS] = { GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
	[SEG_FS] = { GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
	[SEG_GS] = { GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
	[SEG_LDTR] = { GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES },
	[SEG_TR] = { GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES },
};

/* Our segment attributes use AMD's packing; VMX's access rights move the
 * high nibble up by four and add "unusable" (SDM Vol. 3C 25.4.1). */
static u32 attr_to_ar(u16 attr)
{
	if (!(attr & SEG_ATTR_P))
		return AR_UNUSABLE;
	return (attr & 0xff) | ((u32)(attr & 0xf00) << 4);
}

static u16 ar_to_attr(u32 ar)
{
	if (ar & AR_UNUSABLE)
		return 0;
	return (u16)((ar & 0xff) | ((ar >> 4) & 0xf00));
}

/* CR0/CR4 bits the hardware forces in VMX operation are owned by us: the
 * guest sees its own values through the read shadows (SDM 25.6.6). */
static u64 cr0_forced_on(void)
{
	u64 on = caps.cr0_fixed0;
	if (caps.ug)
		on &= ~(CR0_PE | CR0_PG);
	return on & 0xffffffffULL;
}

/* CD and NW too: VM entry never loads them (SDM Vol. 3C 26.3.2.1), so a
 * guest that set them through a write the hypervisor carried out would
 * read the CPU's own back; they are the guest's through the shadow (as
 * KVM keeps them). Writes that change them exit; caching stays the
 * hypervisor's (the guest's memory types come from PAT and EPT). */
static u64 cr0_mask(void)
{
	return cr0_forced_on() | (~caps.cr0_fixed1 & 0xffffffffULL) | CR0_CD | CR0_NW;
}

/* CR4 bits the guest does not own: those it may not set (writing one
 * exits, and vmm/cr.c answers with #GP), and those VMX fixes. */
static u64 cr4_mask(void)
{
	return ~cr4_guest_allowed() | caps.cr4_fixed0 | CR4_VMXE;
}

static void guest_write_cr0(struct vcpu *v, u64 val);
static void guest_write_cr4(struct vcpu *v, u64 val);
static void guest_write_efer(struct vcpu *v, u64 val);

static void apply_state(struct vcpu *v, const struct vcpu_state *s)
{
	struct vmx_vcpu *x = to_vmx(v);

	for (int i = 0; i < NR_SEGS; i++) {
		vmcs_write_checked(seg_fields[i].sel, s->seg[i].sel);
		vmcs_write_checked(seg_fields[i].base, s->seg[i].base);
		vmcs_write_checked(seg_fields[i].limit, s->seg[i].limit);
		vmcs_write_checked(seg_fields[i].ar, attr_to_ar(s->seg[i].attr));
	}
	vmcs_writel(GUEST_GDTR_BASE, s->gdtr.base);
	vmcs_write32(GUEST_GDTR_LIMIT, s->gdtr.limit);
	vmcs_writel(GUEST_IDTR_BASE, s->idtr.base);
	vmcs_write32(GUEST_IDTR_LIMIT, s->idtr.limit);
	vmcs_writel(GUEST_CR3, s->cr3);
	guest_write_efer(v, s->efer);
	guest_write_cr4(v, s->cr4);
	guest_write_cr0(v, s->cr0);
	vmcs_writel(GUEST_DR7, 0x400);
	vmcs_writel(GUEST_RSP, s->gpr[GPR_RSP]);
	vmcs_writel(GUEST_RIP, s->rip);
	vmcs_writel(GUEST_RFLAGS, s->rflags | RFLAGS_FIXED);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write64(GUEST_IA32_PAT, GUEST_PAT);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writel(GUEST_SYSENTER_ESP, 0);
	vmcs_writel(GUEST_SYSENTER_EIP, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO, 0);
	memcpy(v->gpr, s->gpr, sizeof(v->gpr));
	x->kernel_gs_base = x->star = x->lstar = x->cstar = x->sfmask = 0;
	x->cr2 = s->cr2;
	if (vmx_cpu[this_cpu_id()].state_owner == v)
		write_cr2(s->cr2);
	x->cache_valid = x->cache_dirty = 0;
	v->event.valid = false;
}

static void setup_vmcs(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct percpu *p = this_cpu();
	struct desc_ptr idtr;

	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, caps.pin);
	x->cpu_ctl = caps.cpu;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, x->cpu_ctl);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, caps.cpu2);
	vmcs_write32(VM_EXIT_CONTROLS, caps.exit);
	vmcs_write32(VM_ENTRY_CONTROLS, caps.entry);
	vmcs_write32(EXCEPTION_BITMAP, INTERCEPTED_EXCEPTIONS);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	/* Bitmap A covers ports 0-0x7fff, B 0x8000-0xffff (SDM Vol. 3C 25.6.4):
	 * the partition's own pair when it passes ports to the hardware. */
	paddr_t io = v->part->port_bitmap ? v->part->port_bitmap : io_bitmap_pa;
	vmcs_write64(IO_BITMAP_A, io);
	vmcs_write64(IO_BITMAP_B, io + PAGE_SIZE);
	vmcs_write64(MSR_BITMAP, msr_bitmap_pa);
	vmcs_write64(TSC_OFFSET, 0);
	vmcs_write64(EPT_POINTER, eptp_of(v));
	if (caps.vpid)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, x->vpid);
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	vmcs_writel(CR0_GUEST_HOST_MASK, cr0_mask());
	vmcs_writel(CR4_GUEST_HOST_MASK, cr4_mask());

	/* Host state: this CPU's own descriptor tables and per-CPU area. */
	vmcs_writel(HOST_CR0, read_cr0());
	vmcs_writel(HOST_CR3, read_cr3());
	vmcs_writel(HOST_CR4, read_cr4());
	vmcs_write16(HOST_CS_SELECTOR, SEL_CODE);
	vmcs_write16(HOST_SS_SELECTOR, SEL_DATA);
	vmcs_write16(HOST_DS_SELECTOR, SEL_DATA);
	vmcs_write16(HOST_ES_SELECTOR, SEL_DATA);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, SEL_TSS);
	vmcs_writel(HOST_FS_BASE, 0);
	vmcs_writel(HOST_GS_BASE, (u64)(uintptr_t)p);
	vmcs_writel(HOST_TR_BASE, (u64)(uintptr_t)&p->tss);
	vmcs_writel(HOST_GDTR_BASE, (u64)(uintptr_t)&p->gdt);
	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	vmcs_writel(HOST_IDTR_BASE, idtr.base);
	vmcs_write32(HOST_IA32_SYSENTER_CS, 0);
	vmcs_writel(HOST_IA32_SYSENTER_ESP, 0);
	vmcs_writel(HOST_IA32_SYSENTER_EIP, 0);
	vmcs_write64(HOST_IA32_PAT, rdmsr(MSR_PAT));
	vmcs_write64(HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmcs_writel(HOST_RIP, (u64)(uintptr_t)vmx_exit_point);
	x->host_rsp = 0;
	x->initialized = true;
}

/* Makes v's VMCS the current one on this CPU, setting it up the first
 * time. A vCPU never leaves the CPU it was placed on. */
static void load_vmcs(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vmx_cpu *c = &vmx_cpu[this_cpu_id()];
	bool fail;

	if (c->current == x->vmcs_pa)
		return;
	if (!x->initialized) {
		__asm__ __volatile__("vmclear %1; setbe %0" : "=qm"(fail) : "m"(x->vmcs_pa) : "cc", "memory");
		if (fail)
			panic("VMCLEAR of a new VMCS failed");
	}
	__asm__ __volatile__("vmptrld %1; setbe %0" : "=qm"(fail) : "m"(x->vmcs_pa) : "cc", "memory");
	if (fail)
		panic("VMPTRLD failed: %u (%s)", last_insn_error(), insn_error_name(last_insn_error()));
	c->current = x->vmcs_pa;
	if (!x->initialized) {
		setup_vmcs(v);
		/* A new VPID or EPTP must not inherit stale translations. */
		invept_single(eptp_of(v));
		if (caps.vpid)
			invvpid_single(x->vpid);
		x->slat_generation = v->part->slat_generation;
	}
}

static int vmx_vcpu_create(struct vcpu *v, const struct vcpu_state *s)
{
	struct vmx_vcpu *x = kzalloc(sizeof(*x));

	if (!x)
		return -1;
	x->vmcs_pa = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	if (!x->vmcs_pa) {
		kfree(x);
		return -1;
	}
	*(u32 *)phys_to_virt(x->vmcs_pa) = caps.revision;
	x->vpid = (u16)(__atomic_fetch_add(&next_vpid, 1, __ATOMIC_SEQ_CST) % 0xffff + 1);
	/* The VMCS is set up on the CPU that runs the vCPU, at its first
	 * entry; until then the state waits here. */
	x->pending = *s;
	x->state_pending = true;
	memcpy(v->gpr, s->gpr, sizeof(v->gpr));
	v->arch = x;
	return 0;
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (!x)
		return;
	pmm_free(x->vmcs_pa, 1);
	kfree(x);
	v->arch = NULL;
}

static bool on_own_cpu(struct vcpu *v)
{
	return v->pcpu == this_cpu_id() && to_vmx(v)->initialized;
}

static void vmx_set_state(struct vcpu *v, const struct vcpu_state *s)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (on_own_cpu(v)) {
		load_vmcs(v);
		apply_state(v, s);
		x->state_pending = false;
	} else {
		x->pending = *s;
		x->state_pending = true;
		memcpy(v->gpr, s->gpr, sizeof(v->gpr));
	}
}

/* ---- register cache ---- */

static const u32 cached_field[NR_VMX_CACHED] = {
	[VC_RIP] = GUEST_RIP, [VC_RSP] = GUEST_RSP, [VC_RFLAGS] = GUEST_RFLAGS,
	[VC_INTR] = GUEST_INTERRUPTIBILITY_INFO,
};

u64 vmx_cached_read(struct vcpu *v, enum vmx_cached c)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (!(x->cache_valid & BIT(c))) {
		x->cache[c] = vmcs_read_checked(cached_field[c]);
		x->cache_valid |= (u8)BIT(c);
	}
	return x->cache[c];
}

static void cached_write(struct vcpu *v, enum vmx_cached c, u64 val)
{
	struct vmx_vcpu *x = to_vmx(v);

	x->cache[c] = val;
	x->cache_valid |= (u8)BIT(c);
	x->cache_dirty |= (u8)BIT(c);
}

static void flush_cache(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	for (int c = 0; c < NR_VMX_CACHED; c++)
		if (x->cache_dirty & BIT(c))
			vmcs_write_checked(cached_field[c], x->cache[c]);
	x->cache_dirty = 0;
}

static void guest_write_efer(struct vcpu *v, u64 val)
{
	u32 entry = caps.entry;

	(void)v;
	if (val & EFER_LMA)
		entry |= ENTRY_IA32E_MODE;
	vmcs_write64(GUEST_IA32_EFER, val);
	vmcs_write32(VM_ENTRY_CONTROLS, entry);
}

static void guest_write_cr0(struct vcpu *v, u64 val)
{
	struct vmx_vcpu *x = to_vmx(v);
	u64 efer = vmcs_read64(GUEST_IA32_EFER);
	/* The guest's CR0 before: the bits it owns (PG among them) live. */
	u64 old = (vmcs_readl(GUEST_CR0) & ~cr0_mask()) | (x->cr0_shadow & cr0_mask());

	x->cr0_shadow = val;
	vmcs_writel(CR0_READ_SHADOW, val);
	vmcs_writel(GUEST_CR0, (val | cr0_forced_on()) & caps.cr0_fixed1);
	/* With EPT, VM entry takes PAE paging's PDPTEs from the VMCS (SDM
	 * Vol. 3C 26.3.2.4): a write that turns PAE paging on, or changes
	 * CD or NW under it, loads them as the CPU's own MOV would (SDM Vol.
	 * 3A 4.4.1; vmm/cr.c has refused reserved bits already). */
	/* Paging turned on or off by a write the CPU did not execute: flush
	 * the guest's translations as its own MOV would (SDM Vol. 3A
	 * 4.10.4.1). */
	if ((val ^ old) & CR0_PG)
		x->flush_guest_tlb = true;
	if (cr0_loads_pdptes(old, val, vmcs_readl(GUEST_CR4), efer)) {
		u64 pdpte[4];
		if (!vcpu_read_pdptes(v, vmcs_readl(GUEST_CR3), pdpte))
			for (int i = 0; i < 4; i++)
				vmcs_write_checked(GUEST_PDPTE0 + 2 * i, pdpte[i]);
	}
	/* Paging on with LME set enters long mode; off leaves it (SDM Vol. 3A
	 * 10.8.5): the hardware does this only when it runs the MOV itself. */
	bool lma = (val & CR0_PG) && (efer & EFER_LME);
	if (lma != !!(efer & EFER_LMA))
		guest_write_efer(v, lma ? efer | EFER_LMA : efer & ~EFER_LMA);
}

static void guest_write_cr4(struct vcpu *v, u64 val)
{
	struct vmx_vcpu *x = to_vmx(v);

	/* A CR4 write the CPU did not execute: flush the guest's
	 * translations as its own MOV to CR4 would have (SDM Vol. 3A 4.10.4.1). */
	x->flush_guest_tlb = true;
	x->cr4_shadow = val;
	vmcs_writel(CR4_READ_SHADOW, val);
	vmcs_writel(GUEST_CR4, (val | caps.cr4_fixed0 | CR4_VMXE) & caps.cr4_fixed1);
}

static u64 vmx_get_reg(struct vcpu *v, enum vreg r)
{
	struct vmx_vcpu *x = to_vmx(v);

	switch (r) {
	case VREG_RIP: return vmx_cached_read(v, VC_RIP);
	case VREG_RFLAGS: return vmx_cached_read(v, VC_RFLAGS);
	case VREG_CR0:
		return (vmcs_readl(GUEST_CR0) & ~cr0_mask()) | (x->cr0_shadow & cr0_mask());
	case VREG_CR2: return read_cr2(); /* not in the VMCS: see switch_vcpu_state() */
	case VREG_CR3: return vmcs_readl(GUEST_CR3);
	case VREG_CR4:
		return (vmcs_readl(GUEST_CR4) & ~cr4_mask()) | (x->cr4_shadow & cr4_mask());
	case VREG_EFER: return vmcs_read64(GUEST_IA32_EFER);
	case VREG_CPL: return (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3;
	case VREG_PAT: return vmcs_read64(GUEST_IA32_PAT);
	case VREG_TSC_OFFSET: return vmcs_read64(TSC_OFFSET);
	/* No VMCS field: the vCPU's DR6 is in the register while it is
	 * this CPU's (vmm/debugreg.h), as it is during its exits. */
	case VREG_DR6: return read_dr6();
	case VREG_INTR_SHADOW: return vmx_cached_read(v, VC_INTR) & (GUEST_INTR_STI | GUEST_INTR_MOV_SS);
	}
	return 0;
}

static void vmx_set_reg(struct vcpu *v, enum vreg r, u64 val)
{
	switch (r) {
	case VREG_RIP: cached_write(v, VC_RIP, val); break;
	case VREG_RFLAGS: cached_write(v, VC_RFLAGS, val | RFLAGS_FIXED); break;
	case VREG_CR0: guest_write_cr0(v, val); break;
	case VREG_CR2: write_cr2(val); break;
	case VREG_CR3: vmcs_writel(GUEST_CR3, val); break;
	case VREG_CR4: guest_write_cr4(v, val); break;
	case VREG_EFER: guest_write_efer(v, val); break;
	case VREG_CPL: break; /* follows SS.DPL */
	case VREG_PAT: vmcs_write64(GUEST_IA32_PAT, val); break;
	case VREG_TSC_OFFSET: vmcs_write64(TSC_OFFSET, val); break;
	case VREG_DR6: write_dr6(val); break;
	case VREG_INTR_SHADOW: {
		u64 cur = vmx_cached_read(v, VC_INTR);
		u64 intr = (cur & ~(GUEST_INTR_STI | GUEST_INTR_MOV_SS)) | (val ? GUEST_INTR_STI : 0);
		if (intr != cur)
			cached_write(v, VC_INTR, intr);
		break;
	}
	}
}

static void vmx_get_seg(struct vcpu *v, enum seg_reg s, struct segment *out)
{
	(void)v;
	out->sel = (u16)vmcs_read_checked(seg_fields[s].sel);
	out->base = vmcs_read_checked(seg_fields[s].base);
	out->limit = (u32)vmcs_read_checked(seg_fields[s].limit);
	out->attr = ar_to_attr((u32)vmcs_read_checked(seg_fields[s].ar));
}

static u64 vmx_next_rip(struct vcpu *v)
{
	return vmx_cached_read(v, VC_RIP) + vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
}

static void vmx_insn_state(struct vcpu *v, u64 *rip, u64 *rflags)
{
	*rip = vmx_cached_read(v, VC_RIP);
	*rflags = vmx_cached_read(v, VC_RFLAGS);
}

static void vmx_insn_done(struct vcpu *v, u64 next)
{
	u64 intr = vmx_cached_read(v, VC_INTR);

	cached_write(v, VC_RIP, next);
	if (intr & (GUEST_INTR_STI | GUEST_INTR_MOV_SS))
		cached_write(v, VC_INTR, intr & ~(u64)(GUEST_INTR_STI | GUEST_INTR_MOV_SS));
}

static bool vmx_interrupts_open(struct vcpu *v)
{
	return (vmx_cached_read(v, VC_RFLAGS) & RFLAGS_IF) &&
	       !(vmx_cached_read(v, VC_INTR) & (GUEST_INTR_STI | GUEST_INTR_MOV_SS));
}

/* With virtual NMIs the CPU tracks NMI blocking itself (SDM 26.3.1.5). */
static bool vmx_nmi_open(struct vcpu *v)
{
	/* Blocking by STI counts too: some CPUs refuse NMI injection over it
	 * (SDM Vol. 3C 27.3.1.5). */
	return !(vmx_cached_read(v, VC_INTR) &
		 (GUEST_INTR_NMI | GUEST_INTR_MOV_SS | GUEST_INTR_STI));
}

/* A VM exit in the middle of NMI delivery leaves no NMI blocking behind
 * (SDM Vol. 3C 28.2.3): nothing to undo. */
static void vmx_nmi_undeliver(struct vcpu *v)
{
	(void)v;
}

static void set_cpu_ctl(struct vcpu *v, u32 bits, bool on)
{
	struct vmx_vcpu *x = to_vmx(v);
	u32 ctl = on ? x->cpu_ctl | bits : x->cpu_ctl & ~bits;

	if (ctl != x->cpu_ctl) {
		x->cpu_ctl = ctl;
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, ctl);
	}
}

void vmx_clear_window(struct vcpu *v, bool nmi);
void vmx_clear_window(struct vcpu *v, bool nmi)
{
	set_cpu_ctl(v, nmi ? CPU_NMI_WINDOW_EXITING : CPU_INTR_WINDOW_EXITING, false);
}

/*
 * In an STI or MOV SS shadow with RFLAGS.TF set (and DEBUGCTL.BTF clear:
 * guests keep DEBUGCTL at 0, vmm/msr.c), VM entry requires the pending
 * single step (BS) in the pending-debug-exceptions field (SDM Vol. 3C
 * 26.3.1.5), and the CPU does not record it when a #DB exits -- the
 * shadow of `sti` single-stepped with #DB intercepted (Xen's XSA-308,
 * KVM's "Set vmcs.PENDING_DBG.BS on #DB in STI/MOVSS blocking shadow").
 * An entry injecting a hardware exception, NMI or external interrupt
 * delivers no pending debug exception (SDM Vol. 3C 26.6.3), so setting
 * BS for it changes nothing the guest sees.
 */
static void keep_single_step_pending(struct vcpu *v)
{
	if (!(vmx_cached_read(v, VC_RFLAGS) & RFLAGS_TF) ||
	    !(vmx_cached_read(v, VC_INTR) & (GUEST_INTR_STI | GUEST_INTR_MOV_SS)))
		return;
	u64 pending = vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS);
	if (!(pending & DR6_BS))
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, pending | DR6_BS);
}

/* The common code picks the event; we encode it, or ask for a window
 * exit when it has to wait (SDM Vol. 3C 26.6, 27.7). */
static void vmx_inject(struct vcpu *v)
{
	struct pending_event ev;
	bool window = false;

	if (event_next(v, &ev, &window)) {
		u32 info = ev.vector | ((u32)ev.type << INTR_INFO_TYPE_SHIFT) | INTR_INFO_VALID;
		if (ev.has_error) {
			info |= INTR_INFO_DELIVER_CODE;
			vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, ev.error);
		}
		if (ev.type >= INTR_TYPE_SW_INTR)
			vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, ev.insn_len);
		else
			keep_single_step_pending(v);
		vmcs_write32(VM_ENTRY_INTR_INFO, info);
	}
	set_cpu_ctl(v, CPU_INTR_WINDOW_EXITING, window);
	set_cpu_ctl(v, CPU_NMI_WINDOW_EXITING, v->nmi_pending && !vmx_nmi_open(v));
}

/* An exit that interrupted event delivery: deliver it again (SDM 28.2.4). */
static void save_interrupted_event(struct vcpu *v)
{
	u32 info = vmcs_read32(IDT_VECTORING_INFO);

	if (!(info & INTR_INFO_VALID))
		return;
	v->event.valid = true;
	v->event.vector = info & 0xff;
	v->event.type = (info >> INTR_INFO_TYPE_SHIFT) & 7;
	v->event.has_error = info & INTR_INFO_DELIVER_CODE;
	v->event.error = v->event.has_error ? vmcs_read32(IDT_VECTORING_ERROR_CODE) : 0;
	v->event.insn_len = (u8)vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
}

/* CR2 and the SYSCALL/SWAPGS MSRs are not part of the VMCS (SDM Vol. 3C
 * 27.3, 28.5): they stay in the CPU across exits, and move only when
 * another vCPU takes this CPU. The hypervisor itself never uses them. */
static void switch_vcpu_state(struct vcpu *v)
{
	struct vmx_cpu *c = &vmx_cpu[this_cpu_id()];
	struct vcpu *old = c->state_owner;

	if (old == v)
		return;
	if (old && old->arch) {
		struct vmx_vcpu *o = to_vmx(old);
		o->cr2 = read_cr2();
		o->kernel_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
		o->star = rdmsr(MSR_STAR);
		o->lstar = rdmsr(MSR_LSTAR);
		o->cstar = rdmsr(MSR_CSTAR);
		o->sfmask = rdmsr(MSR_SFMASK);
	}
	struct vmx_vcpu *x = to_vmx(v);
	write_cr2(x->cr2);
	wrmsr(MSR_KERNEL_GS_BASE, x->kernel_gs_base);
	wrmsr(MSR_STAR, x->star);
	wrmsr(MSR_LSTAR, x->lstar);
	wrmsr(MSR_CSTAR, x->cstar);
	wrmsr(MSR_SFMASK, x->sfmask);
	c->state_owner = v;
}

static const char *const entry_fail[] = {
	[EXIT_REASON_INVALID_STATE] = "invalid guest state",
	[EXIT_REASON_MSR_LOAD_FAIL] = "MSR loading",
	[EXIT_REASON_MCE_DURING_ENTRY] = "machine check",
};

static void vmx_dump(struct vcpu *v);

/*
 * VM entry refused the guest state (exit reason 33): name the check it
 * fails (vmx/state_check.c over the fields it reads; the exit
 * qualification's cases, SDM Vol. 3C 26.8, first). Only this failure
 * pays for the reads.
 */
static const char *invalid_state_reason(u64 qual)
{
	struct vmx_guest_state g;

	if (qual == 2)
		return "loading the PDPTEs (a PDPTE reserved bit)";
	if (qual == 3)
		return "an NMI injected over blocking by STI";
	if (qual == 4)
		return "the VMCS link pointer";
	for (int i = 0; i < NR_SEGS; i++) {
		g.seg[i].sel = (u16)vmcs_read_checked(seg_fields[i].sel);
		g.seg[i].base = vmcs_read_checked(seg_fields[i].base);
		g.seg[i].limit = (u32)vmcs_read_checked(seg_fields[i].limit);
		g.seg[i].ar = (u32)vmcs_read_checked(seg_fields[i].ar);
	}
	g.cr0 = vmcs_readl(GUEST_CR0);
	g.cr3 = vmcs_readl(GUEST_CR3);
	g.cr4 = vmcs_readl(GUEST_CR4);
	g.dr7 = vmcs_readl(GUEST_DR7);
	g.rflags = vmcs_readl(GUEST_RFLAGS);
	g.rip = vmcs_readl(GUEST_RIP);
	g.efer = vmcs_read64(GUEST_IA32_EFER);
	g.pat = vmcs_read64(GUEST_IA32_PAT);
	g.debugctl = vmcs_read64(GUEST_IA32_DEBUGCTL);
	g.pending_dbg = vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS);
	g.sysenter_esp = vmcs_readl(GUEST_SYSENTER_ESP);
	g.sysenter_eip = vmcs_readl(GUEST_SYSENTER_EIP);
	g.link_pointer = vmcs_read64(VMCS_LINK_POINTER);
	g.gdtr_base = vmcs_readl(GUEST_GDTR_BASE);
	g.idtr_base = vmcs_readl(GUEST_IDTR_BASE);
	g.gdtr_limit = vmcs_read32(GUEST_GDTR_LIMIT);
	g.idtr_limit = vmcs_read32(GUEST_IDTR_LIMIT);
	g.intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	g.activity = vmcs_read32(GUEST_ACTIVITY_STATE);
	g.pin = vmcs_read32(PIN_BASED_VM_EXEC_CONTROL);
	g.cpu2 = vmcs_read32(SECONDARY_VM_EXEC_CONTROL);
	g.entry_ctls = vmcs_read32(VM_ENTRY_CONTROLS);
	g.entry_intr_info = vmcs_read32(VM_ENTRY_INTR_INFO);
	const struct vmx_check_limits l = {
		.cr0_fixed0 = caps.cr0_fixed0, .cr0_fixed1 = caps.cr0_fixed1,
		.cr4_fixed0 = caps.cr4_fixed0, .cr4_fixed1 = caps.cr4_fixed1,
		.efer_allowed = EFER_GUEST_BITS, .phys_bits = boot_cpu.phys_addr_bits,
	};
	const char *why = vmx_state_check(&g, &l);
	return why ? why : "no check of SDM Vol. 3C 26.3.1 fails on the VMCS";
}

static enum exit_action vmx_run(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	load_vmcs(v);
	if (x->state_pending) {
		apply_state(v, &x->pending);
		x->state_pending = false;
	}
	switch_vcpu_state(v);
	u64 gen = READ_ONCE(v->part->slat_generation);
	if (x->slat_generation != gen) {
		x->slat_generation = gen;
		invept_single(eptp_of(v));
	}
	vmx_inject(v);
	hyperv_eoi_arm(v);
	flush_cache(v);
	if (x->flush_guest_tlb) {
		x->flush_guest_tlb = false;
		if (caps.vpid)
			invvpid_single(x->vpid); /* without VPID, every entry flushes */
	}
	if (caps.pin & PIN_PREEMPTION_TIMER) {
		u64 now = rdtsc();
		u64 left = v->run_until > now ? (v->run_until - now) >> caps.preempt_shift : 0;
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, (u32)MIN(left, 0xffffffffULL));
	}
	u64 rsp = v->gpr[GPR_RSP];
	if (!(x->cache_valid & BIT(VC_RSP)) || rsp != x->cache[VC_RSP])
		vmcs_writel(GUEST_RSP, rsp);

	u64 t0 = rdtsc();
	spec_guest_enter(v);
	int fail = vmx_enter(v->gpr, x->launched, &x->host_rsp);
	spec_guest_exit(v);
	v->run_tsc += rdtsc() - t0;
	x->cache_valid = 0;

	if (fail) {
		u32 e = last_insn_error();
		pr_err("%s: vCPU %u: VM entry failed: VM-instruction error %u (%s)",
		       v->part->cfg.name, v->id, e, insn_error_name(e));
		vmx_dump(v);
		vmm_count_exit(v, STAT_INVALID);
		return vmm_stop(v, "VM entry failed: VM-instruction error %u (%s)", e,
				insn_error_name(e));
	}
	x->launched = true;
	v->gpr[GPR_RSP] = vmx_cached_read(v, VC_RSP);
	x->exit_reason = vmcs_read32(VM_EXIT_REASON);
	if (x->exit_reason & EXIT_REASON_ENTRY_FAILED) {
		u32 basic = x->exit_reason & 0xffff;
		u64 qual = vmcs_readl(EXIT_QUALIFICATION);
		const char *why = basic < ARRAY_SIZE(entry_fail) && entry_fail[basic] ?
				  entry_fail[basic] : "unknown";
		const char *check = basic == EXIT_REASON_INVALID_STATE ? invalid_state_reason(qual) : "";
		pr_err("%s: vCPU %u: VM entry failed: %s%s%s (reason %u, qualification %#lx)",
		       v->part->cfg.name, v->id, why, *check ? ": " : "", check, basic,
		       (unsigned long)qual);
		vmx_dump(v);
		vmm_count_exit(v, STAT_INVALID);
		return vmm_stop(v, "VM entry failed: %s%s%s", why, *check ? ": " : "", check);
	}
	save_interrupted_event(v);
	hyperv_eoi_sync(v);
	return vmx_dispatch(v, x->exit_reason & 0xffff);
}

static void vmx_dump(struct vcpu *v)
{
	load_vmcs(v);
	pr_err("  VMCS exit reason %#x qual %#lx intr %#x idt %#x",
	       vmcs_read32(VM_EXIT_REASON), (unsigned long)vmcs_readl(EXIT_QUALIFICATION),
	       vmcs_read32(VM_EXIT_INTR_INFO), vmcs_read32(IDT_VECTORING_INFO));
	pr_err("  rip %#lx rsp %#lx rflags %#lx efer %#lx entry %#x intr %#x act %u",
	       (unsigned long)vmcs_readl(GUEST_RIP), (unsigned long)vmcs_readl(GUEST_RSP),
	       (unsigned long)vmcs_readl(GUEST_RFLAGS), (unsigned long)vmcs_read64(GUEST_IA32_EFER),
	       vmcs_read32(VM_ENTRY_CONTROLS), vmcs_read32(GUEST_INTERRUPTIBILITY_INFO),
	       vmcs_read32(GUEST_ACTIVITY_STATE));
	pr_err("  cr0 %#lx (shadow %#lx) cr3 %#lx cr4 %#lx (shadow %#lx)",
	       (unsigned long)vmcs_readl(GUEST_CR0), (unsigned long)vmcs_readl(CR0_READ_SHADOW),
	       (unsigned long)vmcs_readl(GUEST_CR3), (unsigned long)vmcs_readl(GUEST_CR4),
	       (unsigned long)vmcs_readl(CR4_READ_SHADOW));
	for (int i = 0; i < NR_SEGS; i++) {
		static const char *const names[NR_SEGS] = { "es", "cs", "ss", "ds", "fs", "gs",
							    "ldtr", "tr" };
		pr_err("  %-4s sel %04lx base %#lx limit %#lx ar %#lx", names[i],
		       (unsigned long)vmcs_read_checked(seg_fields[i].sel),
		       (unsigned long)vmcs_read_checked(seg_fields[i].base),
		       (unsigned long)vmcs_read_checked(seg_fields[i].limit),
		       (unsigned long)vmcs_read_checked(seg_fields[i].ar));
	}
	pr_err("  pin %#x cpu %#x cpu2 %#x exit %#x", vmcs_read32(PIN_BASED_VM_EXEC_CONTROL),
	       vmcs_read32(CPU_BASED_VM_EXEC_CONTROL), vmcs_read32(SECONDARY_VM_EXEC_CONTROL),
	       vmcs_read32(VM_EXIT_CONTROLS));
}

static void vmx_describe(struct vcpu *v, char *buf, size_t size)
{
	if (!to_vmx(v)->initialized) {
		hv_snprintf(buf, size, "never entered");
		return;
	}
	load_vmcs(v);
	hv_snprintf(buf, size,
		    "rip %#lx rflags %#lx cpl %u intr %#x activity %u entry-intr %#x last exit %u",
		    (unsigned long)vmcs_readl(GUEST_RIP), (unsigned long)vmcs_readl(GUEST_RFLAGS),
		    (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3, vmcs_read32(GUEST_INTERRUPTIBILITY_INFO),
		    vmcs_read32(GUEST_ACTIVITY_STATE), vmcs_read32(VM_ENTRY_INTR_INFO),
		    vmcs_read32(VM_EXIT_REASON) & 0xffff);
}

bool vmx_has_ins_outs_info(void);
bool vmx_has_ins_outs_info(void)
{
	return caps.ins_outs_info;
}

const struct backend_ops vmx_backend_ops = {
	.name = "VT-x",
	.slat_format = &pt_format_ept,
	.cpu_init = vmx_cpu_init,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.set_state = vmx_set_state,
	.run = vmx_run,
	.get_reg = vmx_get_reg,
	.set_reg = vmx_set_reg,
	.get_seg = vmx_get_seg,
	.next_rip = vmx_next_rip,
	.insn_state = vmx_insn_state,
	.insn_done = vmx_insn_done,
	.interrupts_open = vmx_interrupts_open,
	.nmi_open = vmx_nmi_open,
	.nmi_undeliver = vmx_nmi_undeliver,
	.dump = vmx_dump,
	.describe = vmx_describe,
};
