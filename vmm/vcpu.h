/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vendor-neutral vCPU. Register state the handlers need lives here;
 * the VMCB or VMCS lives behind `arch`, owned by the backend, which syncs
 * the few fields kept here around each guest entry.
 */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include "vmm/base/types.h"
#include "vmm/base/spinlock.h"
#include "vmm/gpr.h"


enum seg_reg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, NR_SEGS };

/* Segment attributes in the AMD "attrib" packing: descriptor bits 40-47
 * in 0-7 (type, S, DPL, P) and bits 52-55 in 8-11 (AVL, L, D/B, G). */
#define SEG_ATTR_TYPE(t) ((t) & 0xf)
#define SEG_ATTR_S BIT(4)
#define SEG_ATTR_DPL(d) (((d) & 3) << 5)
#define SEG_ATTR_P BIT(7)
#define SEG_ATTR_L BIT(9)
#define SEG_ATTR_DB BIT(10)
#define SEG_ATTR_G BIT(11)

struct segment {
	u16 sel;
	u16 attr;
	u32 limit;
	u64 base;
};

struct dtable {
	u64 base;
	u32 limit;
};

/* A complete architectural starting point (boot, INIT/SIPI, reset). */
struct vcpu_state {
	u64 gpr[NR_GPRS];
	u64 rip, rflags;
	u64 cr0, cr2, cr3, cr4, efer;
	struct segment seg[NR_SEGS];
	struct dtable gdtr, idtr;
};

/* Registers read and written through the backend. */
enum vreg { VREG_RIP, VREG_RFLAGS, VREG_CR0, VREG_CR2, VREG_CR3, VREG_CR4, VREG_EFER, VREG_CPL,
	    VREG_PAT, VREG_TSC_OFFSET, VREG_DR6, VREG_INTR_SHADOW };

enum vcpu_run_state {
	VCPU_RUNNABLE,
	VCPU_HALTED,    /* HLT: waits for an interrupt */
	VCPU_WAIT_SIPI, /* application processor before its start-up IPI */
	VCPU_STOPPED,
};

/* Event types as VMX and SVM encode them (SDM Vol. 3C 25.8.3, APM Vol. 2
 * 15.20); the last two are VMX's (ICEBP's #DB; INT3 and INTO). */
enum event_type { EVENT_EXT_INTR = 0, EVENT_NMI = 2, EVENT_EXCEPTION = 3, EVENT_SOFT_INTR = 4,
		  EVENT_PRIV_SOFT_EXC = 5, EVENT_SOFT_EXC = 6 };

/* One event to deliver at the next entry (or re-deliver after an exit
 * that interrupted its delivery). */
struct pending_event {
	bool valid;
	u8 type;   /* enum event_type */
	u8 vector;
	bool has_error;
	u32 error;
	u8 insn_len; /* for software interrupts and exceptions on VMX */
};

struct partition;
struct vlapic;

struct vcpu {
	u64 gpr[NR_GPRS]; /* first: entry stubs index it directly */
	struct partition *part;
	u32 id;           /* index inside the partition */
	u32 apic_id;      /* its local APIC's ID: id, or the physical CPU's for the parent */
	u32 pcpu;         /* physical CPU it runs on */
	u64 cpu_mask;     /* physical CPUs it may be placed on; 0 = any */
	volatile u32 state;
	void *arch;       /* backend-owned */
	struct vlapic *lapic;
	struct pending_event event;  /* exception or re-injection */
	bool nmi_pending;
	/* The 8259A's vectors (0x100 | vector, 0: none): acknowledged and
	 * waiting to go in, and the last one that went in (so that its
	 * delivery, cut short by an exception, comes back here and not to
	 * the local APIC). */
	u16 extint_held, extint_last;
	bool halted_if;   /* RFLAGS.IF at HLT: only then do interrupts wake it */
	u32 masked_reinjects; /* external interrupts put back at IF=0 (event.c) */
	u64 xcr0;
	u64 spec_ctrl;    /* its IA32_SPEC_CTRL (vmm/spec.h) */
	void *fpu;        /* FXSAVE/XSAVE area, 64-byte aligned, in fpu_block */
	void *fpu_block;
	/* scheduling */
	struct vcpu *rq_next;
	u64 run_until;    /* host TSC at which the scheduler wants the CPU back */
	u64 run_tsc;      /* TSC ticks spent in the guest */
	u64 vruntime;     /* TSC ticks it held its CPU: the scheduler's fairness */
	u64 exits;
	u32 sipi_vector;
	u64 mtrr_def_type;
	u64 mtrr_fixed[11];
	u64 mtrr_var[16]; /* base/mask pairs */
	u64 perf_legacy[8]; /* AMD PERF_CTL0-3, PERF_CTR0-3: kept, never count */
	u64 hv_vp_assist;   /* Hyper-V VP assist page MSR (vmm/hyperv.c) */
	bool hv_eoi_armed;  /* its "no EOI required" bit set for this entry */
	u64 misc_enable;    /* IA32_MISC_ENABLE (Intel) */
	u32 tsc_aux;        /* IA32_TSC_AUX, in the CPU while it runs */
	bool sipi_pending;
	bool init_pending;
	volatile bool on_cpu;  /* inside run_vcpu(): in the guest or an exit handler */
	volatile bool in_guest; /* between the backend's entry and exit: its
				 * second-level TLB entries may be in use */
	u64 shootdown_exits;   /* exits when a shootdown began (vmm/share.c) */
	bool queued;           /* on its CPU's runqueue (sched_add) */
	volatile bool unlinked; /* taken off it again (its partition is dying) */
	u64 cpu_tsc;           /* TSC ticks it held its CPU: its CPU time */
	u64 wait_tsc;          /* runnable, waiting for its CPU */
	u64 capped_tsc;        /* runnable, held back by its partition's cap */
	bool fpu_reset;        /* a restart wants its x87/SSE state at power-on */
	bool shutdown_pending; /* a triple fault an exit handler raised */
	u64 dr[4], dr6;        /* debug registers while another vCPU has the CPU */
	bool dr_reset;         /* INIT or reset: back to their power-on values */
	/* A starting state the parent set (or a rebuild's reset), applied
	 * on the vCPU's own CPU before it next runs (vmm/sched.c). */
	struct vcpu_state *new_state;
	volatile bool new_state_pending;
};

/* Architectural INIT state (SDM Vol. 3A 9.1.1) and the start-up IPI. */
void vcpu_reset_to_init(struct vcpu *v);
/* What the hypervisor keeps of a vCPU at power-on (a partition built or
 * restarted): its local APIC reset, no event pending or held, TSC_AUX
 * and IA32_MISC_ENABLE at their reset values. */
void vcpu_reset_power_on(struct vcpu *v);
void vcpu_start_at_sipi(struct vcpu *v, u8 vector);

#endif
