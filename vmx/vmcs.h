/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMCS field encodings (SDM Vol. 3D Appendix B) and width-checked
 * accessors: a field's width is in bits 14:13 of its encoding, and
 * vmcs_read32(GUEST_RIP) fails to compile. The _safe flavours return the
 * VM-instruction error instead of panicking.
 */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include "vmm/base/types.h"

/* 16-bit */
#define VIRTUAL_PROCESSOR_ID 0x0000
#define GUEST_ES_SELECTOR 0x0800
#define GUEST_CS_SELECTOR 0x0802
#define GUEST_SS_SELECTOR 0x0804
#define GUEST_DS_SELECTOR 0x0806
#define GUEST_FS_SELECTOR 0x0808
#define GUEST_GS_SELECTOR 0x080a
#define GUEST_LDTR_SELECTOR 0x080c
#define GUEST_TR_SELECTOR 0x080e
#define HOST_ES_SELECTOR 0x0c00
#define HOST_CS_SELECTOR 0x0c02
#define HOST_SS_SELECTOR 0x0c04
#define HOST_DS_SELECTOR 0x0c06
#define HOST_FS_SELECTOR 0x0c08
#define HOST_GS_SELECTOR 0x0c0a
#define HOST_TR_SELECTOR 0x0c0c
/* 64-bit */
#define IO_BITMAP_A 0x2000
#define IO_BITMAP_B 0x2002
#define MSR_BITMAP 0x2004
#define TSC_OFFSET 0x2010
#define EPT_POINTER 0x201a
#define GUEST_PHYSICAL_ADDRESS 0x2400
#define VMCS_LINK_POINTER 0x2800
#define GUEST_IA32_DEBUGCTL 0x2802
#define GUEST_IA32_PAT 0x2804
#define GUEST_IA32_EFER 0x2806
#define GUEST_PDPTE0 0x280a /* PDPTE1-3 follow, 2 apart */
#define HOST_IA32_PAT 0x2c00
#define HOST_IA32_EFER 0x2c02
/* 32-bit */
#define PIN_BASED_VM_EXEC_CONTROL 0x4000
#define CPU_BASED_VM_EXEC_CONTROL 0x4002
#define EXCEPTION_BITMAP 0x4004
#define CR3_TARGET_COUNT 0x400a
#define VM_EXIT_CONTROLS 0x400c
#define VM_EXIT_MSR_STORE_COUNT 0x400e
#define VM_EXIT_MSR_LOAD_COUNT 0x4010
#define VM_ENTRY_CONTROLS 0x4012
#define VM_ENTRY_MSR_LOAD_COUNT 0x4014
#define VM_ENTRY_INTR_INFO 0x4016
#define VM_ENTRY_EXCEPTION_ERROR_CODE 0x4018
#define VM_ENTRY_INSTRUCTION_LEN 0x401a
#define SECONDARY_VM_EXEC_CONTROL 0x401e
#define VM_INSTRUCTION_ERROR 0x4400
#define VM_EXIT_REASON 0x4402
#define VM_EXIT_INTR_INFO 0x4404
#define VM_EXIT_INTR_ERROR_CODE 0x4406
#define IDT_VECTORING_INFO 0x4408
#define IDT_VECTORING_ERROR_CODE 0x440a
#define VM_EXIT_INSTRUCTION_LEN 0x440c
#define VM_EXIT_INSTRUCTION_INFO 0x440e
#define GUEST_ES_LIMIT 0x4800
#define GUEST_CS_LIMIT 0x4802
#define GUEST_SS_LIMIT 0x4804
#define GUEST_DS_LIMIT 0x4806
#define GUEST_FS_LIMIT 0x4808
#define GUEST_GS_LIMIT 0x480a
#define GUEST_LDTR_LIMIT 0x480c
#define GUEST_TR_LIMIT 0x480e
#define GUEST_GDTR_LIMIT 0x4810
#define GUEST_IDTR_LIMIT 0x4812
#define GUEST_ES_AR_BYTES 0x4814
#define GUEST_CS_AR_BYTES 0x4816
#define GUEST_SS_AR_BYTES 0x4818
#define GUEST_DS_AR_BYTES 0x481a
#define GUEST_FS_AR_BYTES 0x481c
#define GUEST_GS_AR_BYTES 0x481e
#define GUEST_LDTR_AR_BYTES 0x4820
#define GUEST_TR_AR_BYTES 0x4822
#define GUEST_INTERRUPTIBILITY_INFO 0x4824
#define GUEST_ACTIVITY_STATE 0x4826
#define GUEST_SYSENTER_CS 0x482a
#define VMX_PREEMPTION_TIMER_VALUE 0x482e
#define HOST_IA32_SYSENTER_CS 0x4c00
/* natural width */
#define CR0_GUEST_HOST_MASK 0x6000
#define CR4_GUEST_HOST_MASK 0x6002
#define CR0_READ_SHADOW 0x6004
#define CR4_READ_SHADOW 0x6006
#define EXIT_QUALIFICATION 0x6400
#define GUEST_CR0 0x6800
#define GUEST_CR3 0x6802
#define GUEST_CR4 0x6804
#define GUEST_ES_BASE 0x6806
#define GUEST_CS_BASE 0x6808
#define GUEST_SS_BASE 0x680a
#define GUEST_DS_BASE 0x680c
#define GUEST_FS_BASE 0x680e
#define GUEST_GS_BASE 0x6810
#define GUEST_LDTR_BASE 0x6812
#define GUEST_TR_BASE 0x6814
#define GUEST_GDTR_BASE 0x6816
#define GUEST_IDTR_BASE 0x6818
#define GUEST_DR7 0x681a
#define GUEST_RSP 0x681c
#define GUEST_RIP 0x681e
#define GUEST_RFLAGS 0x6820
#define GUEST_PENDING_DBG_EXCEPTIONS 0x6822
#define GUEST_SYSENTER_ESP 0x6824
#define GUEST_SYSENTER_EIP 0x6826
#define HOST_CR0 0x6c00
#define HOST_CR3 0x6c02
#define HOST_CR4 0x6c04
#define HOST_FS_BASE 0x6c06
#define HOST_GS_BASE 0x6c08
#define HOST_TR_BASE 0x6c0a
#define HOST_GDTR_BASE 0x6c0c
#define HOST_IDTR_BASE 0x6c0e
#define HOST_IA32_SYSENTER_ESP 0x6c10
#define HOST_IA32_SYSENTER_EIP 0x6c12
#define HOST_RSP 0x6c14
#define HOST_RIP 0x6c16

#define VMCS_WIDTH(f) (((f) >> 13) & 3)
#define VMCS_W16 0
#define VMCS_W64 1
#define VMCS_W32 2
#define VMCS_WNAT 3

/* Raw instructions. VMX instructions report failure in RFLAGS: CF for
 * VMfailInvalid, ZF for VMfailValid (SDM Vol. 3C 31.2). */
static inline bool vmx_vmread(u64 field, u64 *val)
{
	bool fail;
	__asm__ __volatile__("vmread %2, %1; setbe %0" : "=qm"(fail), "=rm"(*val) : "r"(field)
			     : "cc");
	return !fail;
}

static inline bool vmx_vmwrite(u64 field, u64 val)
{
	bool fail;
	__asm__ __volatile__("vmwrite %2, %1; setbe %0" : "=qm"(fail) : "r"(field), "rm"(val)
			     : "cc");
	return !fail;
}

u64 vmcs_read_checked(u64 field);
void vmcs_write_checked(u64 field, u64 val);
/* The VM-instruction error of the last failed VMREAD/VMWRITE, 0 if none. */
u32 vmcs_read_safe(u64 field, u64 *val);
u32 vmcs_write_safe(u64 field, u64 val);

#define VMCS_CHECK(f, w) \
	_Static_assert(VMCS_WIDTH(f) == (w) && !((f) & 1), "VMCS field " #f " has another width")

#define vmcs_read16(f) ({ VMCS_CHECK(f, VMCS_W16); (u16)vmcs_read_checked(f); })
#define vmcs_read32(f) ({ VMCS_CHECK(f, VMCS_W32); (u32)vmcs_read_checked(f); })
#define vmcs_read64(f) ({ VMCS_CHECK(f, VMCS_W64); (u64)vmcs_read_checked(f); })
#define vmcs_readl(f) ({ VMCS_CHECK(f, VMCS_WNAT); (u64)vmcs_read_checked(f); })
#define vmcs_write16(f, v) do { VMCS_CHECK(f, VMCS_W16); vmcs_write_checked(f, (u16)(v)); } while (0)
#define vmcs_write32(f, v) do { VMCS_CHECK(f, VMCS_W32); vmcs_write_checked(f, (u32)(v)); } while (0)
#define vmcs_write64(f, v) do { VMCS_CHECK(f, VMCS_W64); vmcs_write_checked(f, (u64)(v)); } while (0)
#define vmcs_writel(f, v) do { VMCS_CHECK(f, VMCS_WNAT); vmcs_write_checked(f, (u64)(v)); } while (0)

/* Controls (SDM Vol. 3C 25.6). */
#define PIN_EXT_INTR_EXITING BIT(0)
#define PIN_NMI_EXITING BIT(3)
#define PIN_VIRTUAL_NMIS BIT(5)
#define PIN_PREEMPTION_TIMER BIT(6)

#define CPU_INTR_WINDOW_EXITING BIT(2)
#define CPU_USE_TSC_OFFSETTING BIT(3)
#define CPU_HLT_EXITING BIT(7)
#define CPU_INVLPG_EXITING BIT(9)
#define CPU_MWAIT_EXITING BIT(10)
#define CPU_RDPMC_EXITING BIT(11)
#define CPU_RDTSC_EXITING BIT(12)
#define CPU_CR3_LOAD_EXITING BIT(15)
#define CPU_CR3_STORE_EXITING BIT(16)
#define CPU_CR8_LOAD_EXITING BIT(19)
#define CPU_CR8_STORE_EXITING BIT(20)
#define CPU_TPR_SHADOW BIT(21)
#define CPU_NMI_WINDOW_EXITING BIT(22)
#define CPU_MOV_DR_EXITING BIT(23)
#define CPU_UNCOND_IO_EXITING BIT(24)
#define CPU_USE_IO_BITMAPS BIT(25)
#define CPU_USE_MSR_BITMAPS BIT(28)
#define CPU_MONITOR_EXITING BIT(29)
#define CPU_PAUSE_EXITING BIT(30)
#define CPU_SECONDARY_CONTROLS BIT(31)

#define CPU2_ENABLE_EPT BIT(1)
#define CPU2_ENABLE_RDTSCP BIT(3)
#define CPU2_ENABLE_VPID BIT(5)
#define CPU2_WBINVD_EXITING BIT(6)
#define CPU2_UNRESTRICTED_GUEST BIT(7)

#define EXIT_SAVE_DEBUG_CONTROLS BIT(2)
#define EXIT_HOST_ADDR_SPACE_SIZE BIT(9)
#define EXIT_SAVE_IA32_PAT BIT(18)
#define EXIT_LOAD_IA32_PAT BIT(19)
#define EXIT_SAVE_IA32_EFER BIT(20)
#define EXIT_LOAD_IA32_EFER BIT(21)

#define ENTRY_LOAD_DEBUG_CONTROLS BIT(2)
#define ENTRY_IA32E_MODE BIT(9)
#define ENTRY_LOAD_IA32_PAT BIT(14)
#define ENTRY_LOAD_IA32_EFER BIT(15)

/* Interruption information (entry, exit, IDT vectoring). */
#define INTR_INFO_VALID BIT(31)
#define INTR_INFO_DELIVER_CODE BIT(11)
#define INTR_INFO_TYPE_SHIFT 8
#define INTR_TYPE_EXT_INTR 0
#define INTR_TYPE_NMI 2
#define INTR_TYPE_HW_EXCEPTION 3
#define INTR_TYPE_SW_INTR 4
#define INTR_TYPE_PRIV_SW_EXCEPTION 5
#define INTR_TYPE_SW_EXCEPTION 6

/* Guest interruptibility state. */
#define GUEST_INTR_STI BIT(0)
#define GUEST_INTR_MOV_SS BIT(1)
#define GUEST_INTR_NMI BIT(3)

/* Access rights: the descriptor bits plus "unusable" in bit 16. */
#define AR_UNUSABLE BIT(16)

/* Basic exit reasons (SDM Vol. 3D Appendix C). */
#define EXIT_REASON_EXCEPTION_NMI 0
#define EXIT_REASON_EXTERNAL_INTERRUPT 1
#define EXIT_REASON_TRIPLE_FAULT 2
#define EXIT_REASON_INIT 3
#define EXIT_REASON_SIPI 4
#define EXIT_REASON_INTERRUPT_WINDOW 7
#define EXIT_REASON_NMI_WINDOW 8
#define EXIT_REASON_TASK_SWITCH 9
#define EXIT_REASON_CPUID 10
#define EXIT_REASON_GETSEC 11
#define EXIT_REASON_HLT 12
#define EXIT_REASON_INVD 13
#define EXIT_REASON_INVLPG 14
#define EXIT_REASON_RDPMC 15
#define EXIT_REASON_RDTSC 16
#define EXIT_REASON_VMCALL 18
#define EXIT_REASON_VMCLEAR 19
#define EXIT_REASON_VMLAUNCH 20
#define EXIT_REASON_VMPTRLD 21
#define EXIT_REASON_VMPTRST 22
#define EXIT_REASON_VMREAD 23
#define EXIT_REASON_VMRESUME 24
#define EXIT_REASON_VMWRITE 25
#define EXIT_REASON_VMXOFF 26
#define EXIT_REASON_VMXON 27
#define EXIT_REASON_CR_ACCESS 28
#define EXIT_REASON_DR_ACCESS 29
#define EXIT_REASON_IO_INSTRUCTION 30
#define EXIT_REASON_MSR_READ 31
#define EXIT_REASON_MSR_WRITE 32
#define EXIT_REASON_INVALID_STATE 33
#define EXIT_REASON_MSR_LOAD_FAIL 34
#define EXIT_REASON_MWAIT 36
#define EXIT_REASON_MONITOR_TRAP 37
#define EXIT_REASON_MONITOR 39
#define EXIT_REASON_PAUSE 40
#define EXIT_REASON_MCE_DURING_ENTRY 41
#define EXIT_REASON_EPT_VIOLATION 48
#define EXIT_REASON_EPT_MISCONFIG 49
#define EXIT_REASON_INVEPT 50
#define EXIT_REASON_RDTSCP 51
#define EXIT_REASON_PREEMPTION_TIMER 52
#define EXIT_REASON_INVVPID 53
#define EXIT_REASON_WBINVD 54
#define EXIT_REASON_XSETBV 55
#define EXIT_REASON_RDRAND 57
#define EXIT_REASON_INVPCID 58
#define EXIT_REASON_VMFUNC 59
#define EXIT_REASON_RDSEED 61
#define EXIT_REASON_XSAVES 63
#define EXIT_REASON_XRSTORS 64
#define VMX_EXIT_TABLE_SIZE 65
#define EXIT_REASON_ENTRY_FAILED BIT(31)

#endif
