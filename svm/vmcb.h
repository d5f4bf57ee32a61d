/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Virtual Machine Control Block (AMD APM Vol. 2, Appendix B), as a
 * packed struct whose every field offset is pinned below against the
 * APM's tables, so a typo fails the build instead of a guest.
 */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include "vmm/base/types.h"

struct vmcb_seg {
	u16 sel;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

struct vmcb_control {
	u32 intercept_cr;        /* 0x000: reads 0-15, writes 16-31 */
	u32 intercept_dr;        /* 0x004 */
	u32 intercept_exceptions;/* 0x008 */
	u32 intercept_misc1;     /* 0x00c */
	u32 intercept_misc2;     /* 0x010 */
	u32 intercept_misc3;     /* 0x014 */
	u8 reserved1[0x3c - 0x18];
	u16 pause_filter_threshold; /* 0x03c */
	u16 pause_filter_count;  /* 0x03e */
	u64 iopm_base_pa;        /* 0x040 */
	u64 msrpm_base_pa;       /* 0x048 */
	u64 tsc_offset;          /* 0x050 */
	u32 asid;                /* 0x058 */
	u8 tlb_control;          /* 0x05c */
	u8 reserved2[3];
	u64 vintr;               /* 0x060 */
	u64 interrupt_shadow;    /* 0x068 */
	u64 exitcode;            /* 0x070 */
	u64 exitinfo1;           /* 0x078 */
	u64 exitinfo2;           /* 0x080 */
	u64 exitintinfo;         /* 0x088 */
	u64 np_enable;           /* 0x090 */
	u64 avic_apic_bar;       /* 0x098 */
	u64 ghcb_pa;             /* 0x0a0 */
	u64 eventinj;            /* 0x0a8 */
	u64 n_cr3;               /* 0x0b0 */
	u64 virt_ext;            /* 0x0b8: LBR and VMSAVE/VMLOAD virtualization */
	u32 clean;               /* 0x0c0 */
	u32 reserved3;
	u64 nrip;                /* 0x0c8 */
	u8 insn_len;             /* 0x0d0 */
	u8 insn_bytes[15];       /* 0x0d1 */
	u8 reserved4[0x400 - 0xe0];
} __packed;

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs; /* 0x400 .. */
	struct vmcb_seg gdtr, ldtr, idtr, tr;   /* 0x460 .. */
	u8 reserved1[0x4cb - 0x4a0];
	u8 cpl;                  /* 0x4cb */
	u32 reserved2;
	u64 efer;                /* 0x4d0 */
	u8 reserved3[0x548 - 0x4d8];
	u64 cr4;                 /* 0x548 */
	u64 cr3;                 /* 0x550 */
	u64 cr0;                 /* 0x558 */
	u64 dr7;                 /* 0x560 */
	u64 dr6;                 /* 0x568 */
	u64 rflags;              /* 0x570 */
	u64 rip;                 /* 0x578 */
	u8 reserved4[0x5d8 - 0x580];
	u64 rsp;                 /* 0x5d8 */
	u64 s_cet, ssp, isst_addr; /* 0x5e0 */
	u64 rax;                 /* 0x5f8 */
	u64 star;                /* 0x600 */
	u64 lstar;
	u64 cstar;
	u64 sfmask;
	u64 kernel_gs_base;      /* 0x620 */
	u64 sysenter_cs;
	u64 sysenter_esp;
	u64 sysenter_eip;
	u64 cr2;                 /* 0x640 */
	u8 reserved5[0x668 - 0x648];
	u64 g_pat;               /* 0x668 */
	u64 dbgctl;
	u64 br_from, br_to, last_excp_from, last_excp_to; /* 0x678 .. 0x698 */
	u8 reserved6[0x1000 - 0x698];
} __packed;

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
} __packed;

#define VMCB_OFF(f) offsetof(struct vmcb, f)
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(VMCB_OFF(ctl.pause_filter_threshold) == 0x03c, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.iopm_base_pa) == 0x040, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.tsc_offset) == 0x050, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.asid) == 0x058, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.tlb_control) == 0x05c, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.vintr) == 0x060, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.exitcode) == 0x070, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.exitintinfo) == 0x088, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.np_enable) == 0x090, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.eventinj) == 0x0a8, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.n_cr3) == 0x0b0, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.clean) == 0x0c0, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.nrip) == 0x0c8, "APM Table B-1");
_Static_assert(VMCB_OFF(ctl.insn_len) == 0x0d0, "APM Table B-1");
_Static_assert(VMCB_OFF(save.es) == 0x400, "APM Table B-2");
_Static_assert(VMCB_OFF(save.gdtr) == 0x460, "APM Table B-2");
_Static_assert(VMCB_OFF(save.tr) == 0x490, "APM Table B-2");
_Static_assert(VMCB_OFF(save.cpl) == 0x4cb, "APM Table B-2");
_Static_assert(VMCB_OFF(save.efer) == 0x4d0, "APM Table B-2");
_Static_assert(VMCB_OFF(save.cr4) == 0x548, "APM Table B-2");
_Static_assert(VMCB_OFF(save.rflags) == 0x570, "APM Table B-2");
_Static_assert(VMCB_OFF(save.rip) == 0x578, "APM Table B-2");
_Static_assert(VMCB_OFF(save.rsp) == 0x5d8, "APM Table B-2");
_Static_assert(VMCB_OFF(save.rax) == 0x5f8, "APM Table B-2");
_Static_assert(VMCB_OFF(save.star) == 0x600, "APM Table B-2");
_Static_assert(VMCB_OFF(save.kernel_gs_base) == 0x620, "APM Table B-2");
_Static_assert(VMCB_OFF(save.cr2) == 0x640, "APM Table B-2");
_Static_assert(VMCB_OFF(save.g_pat) == 0x668, "APM Table B-2");

/* Intercept bits (APM Vol. 2 B-1). */
#define INTERCEPT_INTR BIT(0)
#define INTERCEPT_NMI BIT(1)
#define INTERCEPT_SMI BIT(2)
#define INTERCEPT_INIT BIT(3)
#define INTERCEPT_VINTR BIT(4)
#define INTERCEPT_RDPMC BIT(15)
#define INTERCEPT_CPUID BIT(18)
#define INTERCEPT_IRET BIT(20)
#define INTERCEPT_INVD BIT(22)
#define INTERCEPT_PAUSE BIT(23)
#define INTERCEPT_HLT BIT(24)
#define INTERCEPT_INVLPGA BIT(26)
#define INTERCEPT_IOIO BIT(27)
#define INTERCEPT_MSR BIT(28)
#define INTERCEPT_TASK_SWITCH BIT(29)
#define INTERCEPT_SHUTDOWN BIT(31)
/* misc2 */
#define INTERCEPT_VMRUN BIT(0)
#define INTERCEPT_VMMCALL BIT(1)
#define INTERCEPT_VMLOAD BIT(2)
#define INTERCEPT_VMSAVE BIT(3)
#define INTERCEPT_STGI BIT(4)
#define INTERCEPT_CLGI BIT(5)
#define INTERCEPT_SKINIT BIT(6)
#define INTERCEPT_RDTSCP BIT(7)
#define INTERCEPT_WBINVD BIT(9)
#define INTERCEPT_MONITOR BIT(10)
#define INTERCEPT_MWAIT BIT(11)
#define INTERCEPT_XSETBV BIT(13)
#define INTERCEPT_RDPRU BIT(14)
/* intercept_misc3 */
#define INTERCEPT_INVLPGB BIT(0)
#define INTERCEPT_INVLPGB_ILLEGAL BIT(1)

/* V_INTR fields (offset 0x60). */
#define VINTR_TPR_MASK 0xffULL
#define VINTR_IRQ BIT(8)
#define VINTR_PRIO_SHIFT 16
#define VINTR_IGN_TPR BIT(20)
#define VINTR_MASKING BIT(24)
#define VINTR_VECTOR_SHIFT 32

/* EVENTINJ and EXITINTINFO (APM 15.20). */
#define EVENT_VALID BIT(31)
#define EVENT_EV BIT(11)
#define EVENT_TYPE_SHIFT 8

#define TLB_CONTROL_NONE 0
#define TLB_CONTROL_FLUSH_ALL 1
#define TLB_CONTROL_FLUSH_ASID 3

/* Exit codes (APM Vol. 2 Appendix C). */
#define SVM_EXIT_CR0_READ 0x00
#define SVM_EXIT_CR0_WRITE 0x10
#define SVM_EXIT_EXCP_BASE 0x40
#define SVM_EXIT_INTR 0x60
#define SVM_EXIT_NMI 0x61
#define SVM_EXIT_SMI 0x62
#define SVM_EXIT_INIT 0x63
#define SVM_EXIT_VINTR 0x64
#define SVM_EXIT_RDPMC 0x6f
#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_IRET 0x74
#define SVM_EXIT_INVD 0x76
#define SVM_EXIT_PAUSE 0x77
#define SVM_EXIT_HLT 0x78
#define SVM_EXIT_INVLPGA 0x7a
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_EXIT_TASK_SWITCH 0x7d
#define SVM_EXIT_SHUTDOWN 0x7f
#define SVM_EXIT_VMRUN 0x80
#define SVM_EXIT_VMMCALL 0x81
#define SVM_EXIT_VMLOAD 0x82
#define SVM_EXIT_VMSAVE 0x83
#define SVM_EXIT_STGI 0x84
#define SVM_EXIT_CLGI 0x85
#define SVM_EXIT_SKINIT 0x86
#define SVM_EXIT_RDTSCP 0x87
#define SVM_EXIT_WBINVD 0x89
#define SVM_EXIT_MONITOR 0x8a
#define SVM_EXIT_MWAIT 0x8b
#define SVM_EXIT_XSETBV 0x8d
#define SVM_EXIT_RDPRU 0x8e
#define SVM_EXIT_INVLPGB 0xa0
#define SVM_EXIT_INVLPGB_ILLEGAL 0xa1
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_TABLE_SIZE 0x401
#define SVM_EXIT_INVALID ((u64)-1)

/* IOIO EXITINFO1 (APM 15.10.2). */
#define IOIO_IN BIT(0)
#define IOIO_STR BIT(2)
#define IOIO_REP BIT(3)
#define IOIO_SZ_SHIFT 4
#define IOIO_A_SHIFT 7
#define IOIO_SEG_SHIFT 10
#define IOIO_PORT_SHIFT 16

/* NPF EXITINFO1 (APM 15.25.6). */
#define NPF_PRESENT BIT(0)
#define NPF_WRITE BIT(1)
#define NPF_USER BIT(2)
#define NPF_RSVD BIT(3)
#define NPF_FETCH BIT(4)

#endif
