// SPDX-License-Identifier: GPL-2.0-only
/* AMD-V: per-CPU enable, VMCB set-up, entry, events, TLB control. */
#include "svm/svm.h"
#include "vmm/base/cpu.h"
#include "vmm/event.h"
#include "vmm/hyperv.h"
#include "vmm/base/fmt.h"
#include "vmm/base/heap.h"
#include "vmm/guest_insn.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/msr.h"
#include "vmm/partition.h"
#include "vmm/spec.h"
#include "vmm/base/percpu.h"
#include "vmm/base/pmm.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"
#include "vmm/dev/vlapic.h"

#define MSR_VM_CR 0xc0010114
#define MSR_VM_HSAVE_PA 0xc0010117
#define VM_CR_SVMDIS BIT(4)
#define VM_CR_R_INIT BIT(1)

#define SVM_FEAT_NP BIT(0)
#define SVM_FEAT_NRIPS BIT(3)
#define SVM_FEAT_VMCB_CLEAN BIT(5)
#define SVM_FEAT_FLUSH_BY_ASID BIT(6)
#define SVM_FEAT_DECODE_ASSISTS BIT(7)

#define GUEST_PAT 0x0007040600070406ULL /* the power-on PAT */

struct svm_cpu {
	paddr_t hsave_pa;   /* VM_HSAVE_PA: the CPU's own save area */
	paddr_t host_vmcb;  /* our FS/GS/TR/LDTR, VMSAVEd once */
	u32 next_asid;
	u32 generation;     /* bumped when ASIDs wrap: everything is flushed */
};

static struct svm_cpu svm_cpu[MAX_CPUS];
static u32 svm_features;
static u32 svm_nasid;
static paddr_t iopm_pa;  /* every port intercepted */
static paddr_t msrpm_pa; /* from the vmm/ MSR policy */

void svm_enter(u64 *gpr, u64 vmcb_pa, u64 host_vmcb_pa);

static inline struct svm_vcpu *to_svm(struct vcpu *v)
{
	return v->arch;
}

static inline void vmsave(paddr_t pa)
{
	__asm__ __volatile__("vmsave %0" ::"a"(pa) : "memory");
}

/* MSRPM: two bits per MSR (read, write) over three ranges of 8192 MSRs
 * (APM Vol. 2 15.11); MSRs outside them always exit. */
static void msrpm_build(u8 *pm)
{
	static const u32 range_base[3] = { 0x00000000, 0xc0000000, 0xc0010000 };

	memset(pm, 0xff, 2 * PAGE_SIZE);
	for (int r = 0; r < 3; r++) {
		for (u32 i = 0; i < 8192; i++) {
			u32 msr = range_base[r] + i;
			u32 bit = r * 8192 * 2 + i * 2;
			if (msr_passthrough(msr, false))
				pm[bit / 8] &= (u8)~(1u << (bit % 8));
			if (msr_passthrough(msr, true))
				pm[(bit + 1) / 8] &= (u8)~(1u << ((bit + 1) % 8));
		}
	}
}

static const char *svm_global_init(void)
{
	struct cpuid_regs r = cpuid(0x8000000a);

	svm_features = r.edx;
	svm_nasid = r.ebx;
	if (!(svm_features & SVM_FEAT_NP))
		return "CPU has SVM but no nested paging";
	if (svm_nasid < 2)
		return "CPU offers no guest ASIDs";
	iopm_pa = pmm_alloc(3, PAGE_SIZE, 0);
	msrpm_pa = pmm_alloc(2, PAGE_SIZE, 0);
	if (!iopm_pa || !msrpm_pa)
		return "out of memory for the permission maps";
	memset(phys_to_virt(iopm_pa), 0xff, 3 * PAGE_SIZE);
	/* RDTSCP runs in the guest with the vCPU's TSC_AUX loaded (vmm/msr.c)
	 * where the CPU has it. */
	guest_rdtscp = cpuid(0x80000001).edx & BIT(27);
	msrpm_build(phys_to_virt(msrpm_pa));
	pr_info("svm: revision %u, %u ASIDs, NRIP save %s, flush by ASID %s, decode assists %s",
		r.eax & 0xff, svm_nasid, (svm_features & SVM_FEAT_NRIPS) ? "yes" : "no",
		(svm_features & SVM_FEAT_FLUSH_BY_ASID) ? "yes" : "no",
		(svm_features & SVM_FEAT_DECODE_ASSISTS) ? "yes" : "no");
	return NULL;
}

static const char *svm_cpu_init(void)
{
	static volatile int global_done;
	static spinlock_t init_lock = SPINLOCK_INIT;
	struct svm_cpu *c = &svm_cpu[this_cpu_id()];

	if (!(cpuid(0x80000001).ecx & BIT(2)))
		return "no SVM on this CPU";
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return "SVM disabled by firmware (VM_CR.SVMDIS)";
	spin_lock(&init_lock);
	if (!global_done) {
		const char *err = svm_global_init();
		if (err) {
			spin_unlock(&init_lock);
			return err;
		}
		global_done = 1;
	}
	spin_unlock(&init_lock);

	c->hsave_pa = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	c->host_vmcb = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	if (!c->hsave_pa || !c->host_vmcb)
		return "out of memory for the host save area";
	/* An INIT while the hypervisor itself runs becomes #SX instead of a
	 * CPU reset (APM Vol. 2 15.29, VM_CR.R_INIT); trap.c ignores it. */
	wrmsr(MSR_VM_CR, rdmsr(MSR_VM_CR) | VM_CR_R_INIT);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, c->hsave_pa);
	/* Our FS/GS/TR/LDTR never change: save them once for every exit. */
	vmsave(c->host_vmcb);
	c->next_asid = 1;
	c->generation = 1;
	return NULL;
}

static void seg_to_vmcb(struct vmcb_seg *d, const struct segment *s)
{
	d->sel = s->sel;
	d->attrib = s->attr;
	d->limit = s->limit;
	d->base = s->base;
}

static void seg_from_vmcb(struct segment *d, const struct vmcb_seg *s)
{
	d->sel = s->sel;
	d->attr = s->attrib;
	d->limit = s->limit;
	d->base = s->base;
}

static struct vmcb_seg *vmcb_seg(struct vmcb *vmcb, enum seg_reg s)
{
	switch (s) {
	case SEG_ES: return &vmcb->save.es;
	case SEG_CS: return &vmcb->save.cs;
	case SEG_SS: return &vmcb->save.ss;
	case SEG_DS: return &vmcb->save.ds;
	case SEG_FS: return &vmcb->save.fs;
	case SEG_GS: return &vmcb->save.gs;
	case SEG_LDTR: return &vmcb->save.ldtr;
	default: return &vmcb->save.tr;
	}
}

static void svm_set_state(struct vcpu *v, const struct vcpu_state *s)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;

	for (int i = 0; i < NR_SEGS; i++)
		seg_to_vmcb(vmcb_seg(vmcb, (enum seg_reg)i), &s->seg[i]);
	vmcb->save.gdtr.base = s->gdtr.base;
	vmcb->save.gdtr.limit = s->gdtr.limit;
	vmcb->save.idtr.base = s->idtr.base;
	vmcb->save.idtr.limit = s->idtr.limit;
	/* CPL follows SS.DPL (APM 15.5.1 recommends keeping them equal). */
	vmcb->save.cpl = (s->seg[SEG_SS].attr >> 5) & 3;
	vmcb->save.efer = s->efer | EFER_SVME;
	vmcb->save.cr0 = s->cr0;
	vmcb->save.cr2 = s->cr2;
	vmcb->save.cr3 = s->cr3;
	vmcb->save.cr4 = s->cr4;
	vmcb->save.dr6 = 0xffff0ff0;
	vmcb->save.dr7 = 0x400;
	vmcb->save.rflags = s->rflags | RFLAGS_FIXED;
	vmcb->save.rip = s->rip;
	vmcb->save.rsp = s->gpr[GPR_RSP];
	vmcb->save.rax = s->gpr[GPR_RAX];
	vmcb->save.g_pat = GUEST_PAT;
	/* The MSRs VMLOAD/VMSAVE switch start from their reset values too
	 * (SDM Vol. 3A Table 9-1 / APM 14.1.3: zero after RESET and INIT). */
	vmcb->save.star = vmcb->save.lstar = vmcb->save.cstar = vmcb->save.sfmask = 0;
	vmcb->save.kernel_gs_base = 0;
	vmcb->save.sysenter_cs = vmcb->save.sysenter_esp = vmcb->save.sysenter_eip = 0;
	vmcb->save.dbgctl = 0;
	vmcb->ctl.interrupt_shadow = 0;
	vmcb->ctl.eventinj = 0;
	memcpy(v->gpr, s->gpr, sizeof(v->gpr));
	v->event.valid = false;
}

static int svm_vcpu_create(struct vcpu *v, const struct vcpu_state *s)
{
	struct svm_vcpu *sv = kzalloc(sizeof(*sv));

	if (!sv)
		return -1;
	sv->vmcb_pa = pmm_alloc_zeroed(1, PAGE_SIZE, 0);
	if (!sv->vmcb_pa) {
		kfree(sv);
		return -1;
	}
	sv->vmcb = phys_to_virt(sv->vmcb_pa);
	v->arch = sv;

	struct vmcb_control *c = &sv->vmcb->ctl;
	/* CR4 writes: the guest owns only the bits it may set (vmm/cr.c). */
	c->intercept_cr = BIT(16 + 4);
	c->intercept_exceptions = INTERCEPTED_EXCEPTIONS;
	/* INIT too: with it intercepted (and VM_CR.R_INIT outside guests) no
	 * INIT a partition arranges -- an MSI the parent programs with INIT
	 * delivery -- resets a CPU under the hypervisor. */
	c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT |
			     INTERCEPT_CPUID | INTERCEPT_RDPMC |
			     INTERCEPT_INVD | INTERCEPT_HLT | INTERCEPT_INVLPGA |
			     INTERCEPT_IOIO | INTERCEPT_MSR | INTERCEPT_SHUTDOWN;
	/* SVM is hidden from guests: its instructions must not run (#UD).
	 * VMRUN must always be intercepted (APM 15.5.1). The counters and
	 * cache instructions behave as under VT-x (vmm/exit.c): RDPMC and
	 * RDPRU would read the host's counters, WBINVD (and WBNOINVD, which
	 * its intercept covers) would flush every partition's cache lines,
	 * INVLPGB broadcast to other CPUs. RDTSCP runs, reading the vCPU's
	 * own TSC_AUX (vmm/msr.c), where the CPU has it (#UD otherwise). */
	c->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
			     INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI |
			     INTERCEPT_SKINIT | INTERCEPT_XSETBV | INTERCEPT_MONITOR |
			     INTERCEPT_MWAIT | INTERCEPT_WBINVD | INTERCEPT_RDPRU |
			     (guest_rdtscp ? 0 : INTERCEPT_RDTSCP);
	c->intercept_misc3 = INTERCEPT_INVLPGB | INTERCEPT_INVLPGB_ILLEGAL;
	/* The partition's own map when it passes ports to the hardware. */
	c->iopm_base_pa = v->part->port_bitmap ? v->part->port_bitmap : iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	c->tsc_offset = 0;
	c->vintr = VINTR_MASKING;
	c->np_enable = 1;
	c->n_cr3 = v->part->slat.root;
	sv->asid = 0; /* assigned on first run, on the CPU that runs it */
	svm_set_state(v, s);
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	if (!sv)
		return;
	pmm_free(sv->vmcb_pa, 1);
	kfree(sv);
	v->arch = NULL;
}

/*
 * ASIDs are per physical CPU. A vCPU keeps its ASID while it stays on
 * the CPU that gave it; when the CPU runs out it starts a new generation
 * and flushes everything. A nested-table change flushes the ASID (or the
 * whole TLB where flush-by-ASID is missing, as in QEMU TCG).
 */
static void svm_prepare_tlb(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);
	struct svm_cpu *c = &svm_cpu[this_cpu_id()];
	struct vmcb *vmcb = sv->vmcb;
	u8 flush = TLB_CONTROL_NONE;

	if (sv->asid == 0 || sv->asid_generation != c->generation || sv->asid_cpu != this_cpu_id()) {
		if (c->next_asid >= svm_nasid) {
			c->generation++;
			c->next_asid = 1;
			flush = TLB_CONTROL_FLUSH_ALL;
		}
		sv->asid = c->next_asid++;
		sv->asid_generation = c->generation;
		sv->asid_cpu = this_cpu_id();
		vmcb->ctl.asid = sv->asid;
		if (flush == TLB_CONTROL_NONE)
			flush = (svm_features & SVM_FEAT_FLUSH_BY_ASID) ? TLB_CONTROL_FLUSH_ASID
									 : TLB_CONTROL_FLUSH_ALL;
	}
	u64 gen = READ_ONCE(v->part->slat_generation);
	if (sv->slat_generation != gen || sv->flush_guest_tlb) {
		sv->slat_generation = gen;
		sv->flush_guest_tlb = false;
		if (flush == TLB_CONTROL_NONE)
			flush = (svm_features & SVM_FEAT_FLUSH_BY_ASID) ? TLB_CONTROL_FLUSH_ASID
									 : TLB_CONTROL_FLUSH_ALL;
	}
	vmcb->ctl.tlb_control = flush;
}

static u64 encode_event(const struct pending_event *e)
{
	u64 ev = e->vector | ((u64)e->type << EVENT_TYPE_SHIFT) | EVENT_VALID;

	if (e->has_error)
		ev |= EVENT_EV | ((u64)e->error << 32);
	return ev;
}

static bool svm_nmi_open(struct vcpu *v)
{
	return !to_svm(v)->nmi_masked;
}

static void svm_nmi_undeliver(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	sv->nmi_masked = false;
	sv->nmi_iret_seen = false;
	sv->vmcb->ctl.intercept_misc1 &= ~INTERCEPT_IRET;
	if (sv->nmi_step && !sv->nmi_step_tf)
		sv->vmcb->save.rflags &= ~RFLAGS_TF;
	sv->nmi_step = false;
}

static bool svm_interrupts_open(struct vcpu *v)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;

	return (vmcb->save.rflags & RFLAGS_IF) && !(vmcb->ctl.interrupt_shadow & 1);
}

/* The common code picks the event; we only encode it or ask for the
 * interrupt window (a virtual V_IRQ exits as soon as the guest could take
 * an interrupt, APM 15.21.4). */
static void svm_inject(struct vcpu *v)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	struct pending_event ev;
	bool window = false;

	vmcb->ctl.vintr &= ~(VINTR_IRQ | (0xffULL << VINTR_VECTOR_SHIFT));
	vmcb->ctl.intercept_misc1 &= ~INTERCEPT_VINTR;
	if (event_next(v, &ev, &window)) {
		vmcb->ctl.eventinj = encode_event(&ev);
		if (ev.type == EVENT_NMI) {
			/* SVM keeps no NMI-blocking state for us: the guest's
			 * IRET ends its NMI handler, so watch for it. */
			to_svm(v)->nmi_masked = true;
			vmcb->ctl.intercept_misc1 |= INTERCEPT_IRET;
		}
	} else if (window) {
		vmcb->ctl.vintr |= VINTR_IRQ | VINTR_IGN_TPR | (0xfULL << VINTR_PRIO_SHIFT);
		vmcb->ctl.intercept_misc1 |= INTERCEPT_VINTR;
	}
}

/* An exit that interrupted event delivery: deliver it again (APM 15.7.2). */
static void svm_save_interrupted_event(struct vcpu *v)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	u64 info = vmcb->ctl.exitintinfo;

	if (!(info & EVENT_VALID))
		return;
	v->event.valid = true;
	v->event.vector = info & 0xff;
	v->event.type = (info >> EVENT_TYPE_SHIFT) & 7;
	v->event.has_error = info & EVENT_EV;
	v->event.error = (u32)(info >> 32);
}

static enum exit_action svm_run(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb *vmcb = sv->vmcb;

	svm_prepare_tlb(v);
	/* CR8 is the TPR's class (SDM Vol. 3A 11.8.6.1; APM Vol. 2 15.21.1):
	 * the guest reaches V_TPR through CR8 and the virtual LAPIC's TPR
	 * through its registers; keep them one, as VT-x does by exiting. */
	u8 class = v->lapic ? (u8)(vlapic_get_tpr(v->lapic) >> 4) : 0;
	vmcb->ctl.vintr = (vmcb->ctl.vintr & ~VINTR_TPR_MASK) | class;
	svm_inject(v);
	hyperv_eoi_arm(v);
	vmcb->save.rax = v->gpr[GPR_RAX];
	vmcb->save.rsp = v->gpr[GPR_RSP];

	u64 t0 = rdtsc();
	spec_guest_enter(v);
	svm_enter(v->gpr, sv->vmcb_pa, svm_cpu[this_cpu_id()].host_vmcb);
	spec_guest_exit(v);
	v->run_tsc += rdtsc() - t0;

	v->gpr[GPR_RAX] = vmcb->save.rax;
	v->gpr[GPR_RSP] = vmcb->save.rsp;
	u8 cr8 = vmcb->ctl.vintr & 0xf;
	if (v->lapic && cr8 != class)
		vlapic_set_tpr(v->lapic, (u32)cr8 << 4);
	vmcb->ctl.tlb_control = TLB_CONTROL_NONE;
	vmcb->ctl.eventinj = 0;
	svm_save_interrupted_event(v);
	hyperv_eoi_sync(v);
	/* The IRET that ended the NMI handler has run by now. */
	if (sv->nmi_iret_seen && vmcb->ctl.exitcode != SVM_EXIT_IRET) {
		sv->nmi_iret_seen = false;
		sv->nmi_masked = false;
	}
	return svm_dispatch(v, vmcb->ctl.exitcode);
}

static u64 svm_get_reg(struct vcpu *v, enum vreg r)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;

	switch (r) {
	case VREG_RIP: return vmcb->save.rip;
	case VREG_RFLAGS: return vmcb->save.rflags;
	case VREG_CR0: return vmcb->save.cr0;
	case VREG_CR2: return vmcb->save.cr2;
	case VREG_CR3: return vmcb->save.cr3;
	case VREG_CR4: return vmcb->save.cr4;
	case VREG_EFER: return vmcb->save.efer & ~EFER_SVME; /* SVM is hidden */
	case VREG_CPL: return vmcb->save.cpl;
	case VREG_PAT: return vmcb->save.g_pat;
	case VREG_TSC_OFFSET: return vmcb->ctl.tsc_offset;
	case VREG_DR6: return vmcb->save.dr6;
	case VREG_INTR_SHADOW: return vmcb->ctl.interrupt_shadow & 1;
	}
	return 0;
}

static void svm_set_reg(struct vcpu *v, enum vreg r, u64 val)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;

	switch (r) {
	case VREG_RIP: vmcb->save.rip = val; break;
	case VREG_RFLAGS: vmcb->save.rflags = val | RFLAGS_FIXED; break;
	case VREG_CR0: vmcb->save.cr0 = val; break;
	case VREG_CR2: vmcb->save.cr2 = val; break;
	case VREG_CR3: vmcb->save.cr3 = val; break;
	case VREG_CR4:
		/* A CR4 write the CPU did not execute: flush the guest's
		 * translations as its own MOV to CR4 would have. */
		vmcb->save.cr4 = val;
		to_svm(v)->flush_guest_tlb = true;
		break;
	/* VMRUN requires EFER.SVME in the guest's EFER (APM 15.5.1). */
	case VREG_EFER: vmcb->save.efer = val | EFER_SVME; break;
	case VREG_CPL: vmcb->save.cpl = (u8)val; break;
	/* With nested paging the guest's PAT is g_pat (APM 15.25.8). */
	case VREG_PAT: vmcb->save.g_pat = val; break;
	case VREG_TSC_OFFSET: vmcb->ctl.tsc_offset = val; break;
	case VREG_DR6: vmcb->save.dr6 = val; break;
	case VREG_INTR_SHADOW:
		vmcb->ctl.interrupt_shadow = (vmcb->ctl.interrupt_shadow & ~1ULL) | (val & 1);
		break;
	}
}

static void svm_get_seg(struct vcpu *v, enum seg_reg s, struct segment *out)
{
	seg_from_vmcb(out, vmcb_seg(to_svm(v)->vmcb, s));
}

/*
 * The next RIP: NRIP save where the CPU has it (APM 15.7.1); otherwise
 * EXITINFO2 for port I/O, or the length of the instruction at RIP, read
 * through the guest's own page tables and measured by the decoder.
 */
static u64 svm_next_rip(struct vcpu *v)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;

	if (svm_features & SVM_FEAT_NRIPS)
		return vmcb->ctl.nrip;
	if (vmcb->ctl.exitcode == SVM_EXIT_IOIO)
		return vmcb->ctl.exitinfo2;
	int len = insn_length_at_rip(v);
	return vmcb->save.rip + (len > 0 ? (u64)len : 0);
}

static void svm_insn_state(struct vcpu *v, u64 *rip, u64 *rflags)
{
	const struct vmcb *vmcb = to_svm(v)->vmcb;

	*rip = vmcb->save.rip;
	*rflags = vmcb->save.rflags;
}

static void svm_insn_done(struct vcpu *v, u64 next)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;

	vmcb->save.rip = next;
	vmcb->ctl.interrupt_shadow &= ~1ULL;
}

static void svm_dump(struct vcpu *v)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	const struct vmcb_save *s = &vmcb->save;

	pr_err("  VMCB exitcode %#lx info1 %#lx info2 %#lx intinfo %#lx",
	       (unsigned long)vmcb->ctl.exitcode, (unsigned long)vmcb->ctl.exitinfo1,
	       (unsigned long)vmcb->ctl.exitinfo2, (unsigned long)vmcb->ctl.exitintinfo);
	pr_err("  rip %#lx rsp %#lx rflags %#lx cpl %u efer %#lx",
	       (unsigned long)s->rip, (unsigned long)s->rsp, (unsigned long)s->rflags, s->cpl,
	       (unsigned long)s->efer);
	pr_err("  cr0 %#lx cr2 %#lx cr3 %#lx cr4 %#lx", (unsigned long)s->cr0,
	       (unsigned long)s->cr2, (unsigned long)s->cr3, (unsigned long)s->cr4);
	pr_err("  cs %04x/%04x/%x/%lx ss %04x/%04x ds %04x tr %04x/%04x", s->cs.sel,
	       s->cs.attrib, s->cs.limit, (unsigned long)s->cs.base, s->ss.sel, s->ss.attrib,
	       s->ds.sel, s->tr.sel, s->tr.attrib);
}

static void svm_describe(struct vcpu *v, char *buf, size_t size)
{
	const struct vmcb *vmcb = to_svm(v)->vmcb;

	hv_snprintf(buf, size,
		    "rip %#lx rflags %#lx cpl %u shadow %lu vintr %#lx eventinj %#lx last exit %#lx",
		    (unsigned long)vmcb->save.rip, (unsigned long)vmcb->save.rflags, vmcb->save.cpl,
		    (unsigned long)(vmcb->ctl.interrupt_shadow & 1), (unsigned long)vmcb->ctl.vintr,
		    (unsigned long)vmcb->ctl.eventinj, (unsigned long)vmcb->ctl.exitcode);
}

const struct backend_ops svm_backend_ops = {
	.name = "AMD-V",
	.slat_format = &pt_format_npt,
	.cpu_init = svm_cpu_init,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.set_state = svm_set_state,
	.run = svm_run,
	.get_reg = svm_get_reg,
	.set_reg = svm_set_reg,
	.get_seg = svm_get_seg,
	.next_rip = svm_next_rip,
	.insn_state = svm_insn_state,
	.insn_done = svm_insn_done,
	.interrupts_open = svm_interrupts_open,
	.nmi_open = svm_nmi_open,
	.nmi_undeliver = svm_nmi_undeliver,
	.dump = svm_dump,
	.describe = svm_describe,
};
