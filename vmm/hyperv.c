// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/hyperv.h"
#include "vmm/backend.h"
#include "vmm/base/cpu.h"
#include "vmm/base/errno.h"
#include "vmm/gmem.h"
#include "vmm/guest_insn.h"
#include "vmm/base/math.h"
#include "vmm/partition.h"
#include "vmm/base/string.h"
#include "vmm/dev/vlapic.h"
#include "drivers/timer.h"

/* Partition privileges, CPUID 0x40000003 EAX (TLFS 2.4.2). */
#define PRIV_TIME_REF_COUNT BIT(1)
#define PRIV_HYPERCALL_MSRS BIT(5)
#define PRIV_APIC_ACCESS BIT(4)
#define PRIV_VP_INDEX BIT(6)
#define PRIV_REFERENCE_TSC BIT(9)
#define PRIV_FREQUENCY_MSRS BIT(11)
/* Features EDX: the frequency MSRs can be read (TLFS 2.4.2). */
#define FEAT_FREQUENCY_MSRS BIT(8)
/* Recommendations, CPUID 0x40000004 EAX: relaxed timing (TLFS 2.4.5):
 * vCPUs are time-sliced, so guests should not treat slow progress as a
 * hang. */
#define HINT_RELAXED_TIMING BIT(5)
/* Use the APIC MSRs (EOI, ICR, TPR) rather than the xAPIC page, and the
 * VP assist page's EOI assist: Linux's enlightened APIC (hv_apic.c) goes
 * with this hint alone (TLFS 2.4.5). */
#define HINT_APIC_ACCESS BIT(3)
/* No auto-EOI (there is no SynIC): a guest EOIs its hypervisor callback
 * vector itself -- Linux's handler of HYPERVISOR_CALLBACK_VECTOR does so
 * only with this hint, and the parent's /dev/hv driver takes partition
 * events on that vector (TLFS 2.4.5, "deprecating AutoEOI"). */
#define HINT_DEPRECATING_AEOI BIT(9)

#define MSR_ENABLE BIT(0)
#define MSR_LOCKED BIT(1)
#define REF_HZ 10000000ULL /* the reference counter ticks in 100 ns units */

bool hyperv_cpuid(struct vcpu *v, u32 leaf, struct cpuid_regs *r)
{
	if (leaf < HV_CPUID_FIRST || leaf > 0x400000ff)
		return false;
	memset(r, 0, sizeof(*r));
	switch (leaf) {
	case 0x40000000:
		r->eax = HV_CPUID_LAST;
		memcpy(&r->ebx, "Micr", 4);
		memcpy(&r->ecx, "osof", 4);
		memcpy(&r->edx, "t Hv", 4);
		break;
	case 0x40000001:
		memcpy(&r->eax, "Hv#1", 4); /* interface signature */
		break;
	case 0x40000002:
		r->eax = 1;          /* build */
		r->ebx = 0x00010000; /* version 1.0 */
		break;
	case 0x40000003:
		r->eax = PRIV_TIME_REF_COUNT | PRIV_HYPERCALL_MSRS | PRIV_VP_INDEX |
			 PRIV_REFERENCE_TSC | PRIV_FREQUENCY_MSRS | PRIV_APIC_ACCESS;
		r->edx = FEAT_FREQUENCY_MSRS;
		break;
	case 0x40000004:
		r->eax = HINT_RELAXED_TIMING | HINT_DEPRECATING_AEOI | HINT_APIC_ACCESS;
		r->ebx = 0xffffffff; /* never notify on spinlock retries */
		break;
	case 0x40000005:
		r->eax = MAX_VCPUS;
		r->ebx = MAX_VCPUS;
		break;
	case 0x40000010:
		/* The timing leaf VMware defined and KVM and bhyve offer: TSC
		 * and local APIC bus frequencies in kHz, for guests that find
		 * a hypervisor and calibrate nothing themselves; the same
		 * figures as the frequency MSRs. */
		r->eax = (u32)tsc_khz;
		r->ebx = VLAPIC_BUS_KHZ;
		break;
	default:
		break; /* 0x40000006 hardware features and the rest: none */
	}
	(void)v;
	return true;
}

/* Reference time of partition p: 100 ns units since it started. */
static u64 reference_time(struct partition *p)
{
	return muldiv64(rdtsc() - p->start_tsc, REF_HZ, tsc_khz * 1000);
}

/*
 * The reference TSC page (TLFS 12.7): the guest computes
 * ((guest TSC * scale) >> 64) + offset. Guest TSC is host TSC plus the
 * vCPU's TSC offset, the same for every vCPU unless the guest writes the
 * TSC, which Linux does not.
 */
static int write_tsc_page(struct vcpu *v, u64 gpa)
{
	struct partition *p = v->part;
	struct {
		u32 sequence;
		u32 reserved;
		u64 scale;
		s64 offset;
	} page;
	u64 scale = div128_hi(REF_HZ, tsc_khz * 1000);
	u64 guest_start = p->start_tsc + backend->get_reg(v, VREG_TSC_OFFSET);

	page.sequence = 1; /* 0 and 0xffffffff mean "use the MSR" */
	page.reserved = 0;
	page.scale = scale;
	page.offset = -(s64)mul_hi64(guest_start, scale);
	if (gpa_zero(p, gpa, PAGE_SIZE) || gpa_write(p, gpa, &page, sizeof(page)))
		return -EINVAL;
	return 0;
}

/* The hypercall page holds our VMCALL or VMMCALL and a RET (TLFS 3.13). */
static int write_hypercall_page(struct vcpu *v, u64 gpa)
{
	static const u8 vmcall[] = { 0x0f, 0x01, 0xc1, 0xc3 };
	static const u8 vmmcall[] = { 0x0f, 0x01, 0xd9, 0xc3 };
	const u8 *code = boot_cpu.vendor == VENDOR_AMD ? vmmcall : vmcall;

	if (gpa_zero(v->part, gpa, PAGE_SIZE) || gpa_write(v->part, gpa, code, sizeof(vmcall)))
		return -EINVAL;
	return 0;
}

int hyperv_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	struct hyperv_state *h = &v->part->hyperv;

	switch (msr) {
	case HV_MSR_GUEST_OS_ID: *val = h->guest_os_id; return 0;
	case HV_MSR_HYPERCALL: *val = h->hypercall; return 0;
	case HV_MSR_VP_INDEX: *val = v->id; return 0;
	case HV_MSR_TIME_REF_COUNT: *val = reference_time(v->part); return 0;
	case HV_MSR_REFERENCE_TSC: *val = h->reference_tsc; return 0;
	case HV_MSR_TSC_FREQUENCY: *val = tsc_khz * 1000; return 0;
	case HV_MSR_APIC_FREQUENCY: *val = VLAPIC_BUS_KHZ * 1000; return 0;
	case HV_MSR_VP_ASSIST_PAGE: *val = v->hv_vp_assist; return 0;
	case HV_MSR_EOI:
		/* Write-only in the TLFS; reads 0, as the EOI register does
		 * (and as KVM answers), so a stray read faults nothing. */
		if (!v->lapic || !vlapic_present(v->lapic))
			return -EINVAL;
		*val = 0;
		return 0;
	case HV_MSR_ICR:
		if (!v->lapic || !vlapic_present(v->lapic))
			return -EINVAL;
		*val = vlapic_icr_read64(v->lapic);
		return 0;
	case HV_MSR_TPR:
		if (!v->lapic || !vlapic_present(v->lapic))
			return -EINVAL;
		*val = vlapic_get_tpr(v->lapic);
		return 0;
	default: return -EINVAL;
	}
}

int hyperv_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct hyperv_state *h = &v->part->hyperv;

	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		h->guest_os_id = val;
		if (!val) /* clearing the id disables the hypercall page */
			h->hypercall &= ~MSR_ENABLE;
		return 0;
	case HV_MSR_HYPERCALL:
		if (h->hypercall & MSR_LOCKED)
			return 0; /* locked: writes are ignored (TLFS 3.13) */
		if ((val & MSR_ENABLE) && !h->guest_os_id)
			val &= ~MSR_ENABLE; /* the id must be set first */
		if ((val & MSR_ENABLE) && write_hypercall_page(v, val & PAGE_MASK))
			return -EINVAL;
		h->hypercall = val & (PAGE_MASK | MSR_ENABLE | MSR_LOCKED);
		return 0;
	case HV_MSR_REFERENCE_TSC:
		if ((val & MSR_ENABLE) && write_tsc_page(v, val & PAGE_MASK))
			return -EINVAL;
		h->reference_tsc = val & (PAGE_MASK | MSR_ENABLE);
		return 0;
	case HV_MSR_VP_ASSIST_PAGE:
		/* Linux enables it on every vCPU once the hypercall page is
		 * there (TLFS 7.8.7), for the EOI assist; it must name guest
		 * RAM, as on Hyper-V. An offer made on the old page is void
		 * (this exit's sync has settled it). */
		if (val & MSR_ENABLE) {
			u8 probe;
			if (gpa_read(v->part, val & PAGE_MASK, &probe, 1))
				return -EINVAL;
		}
		v->hv_vp_assist = val & (PAGE_MASK | MSR_ENABLE);
		v->hv_eoi_armed = false;
		return 0;
	/* The APIC MSRs (TLFS 10.5.1): the registers they name, in either
	 * APIC mode, while the APIC is globally enabled. */
	case HV_MSR_EOI:
		if (!v->lapic || !vlapic_present(v->lapic) || (val >> 32))
			return -EINVAL;
		vlapic_eoi(v->lapic);
		return 0;
	case HV_MSR_ICR:
		if (!v->lapic || !vlapic_present(v->lapic))
			return -EINVAL;
		return vlapic_icr_write64(v->lapic, val);
	case HV_MSR_TPR:
		if (!v->lapic || !vlapic_present(v->lapic) || (val >> 8))
			return -EINVAL;
		vlapic_set_tpr(v->lapic, (u32)val);
		return 0;
	default:
		return -EINVAL; /* the rest are read-only or absent */
	}
}

/* The VP assist page's first dword: bit 0, "no EOI required". */
#define ASSIST_NO_EOI BIT(0)

static int assist_write(struct vcpu *v, u32 word)
{
	return gpa_write(v->part, v->hv_vp_assist & PAGE_MASK, &word, sizeof(word));
}

void hyperv_eoi_arm(struct vcpu *v)
{
	if (!(v->hv_vp_assist & MSR_ENABLE) || !v->lapic)
		return;
	bool ok = vlapic_eoi_avoidable(v->lapic);
	if (v->hv_eoi_armed) {
		/* Something the EOI would let in has come since the offer
		 * (an interrupt waits in the IRR -- the exit just handled
		 * may have sent it): withdrawn, so the guest's EOI exits and
		 * the interrupt follows it, as without the assist. The guest
		 * runs no code in between, so the bit cannot be taken while
		 * it is cleared. */
		if (!ok) {
			assist_write(v, 0);
			v->hv_eoi_armed = false;
		}
		return;
	}
	if (ok && assist_write(v, ASSIST_NO_EOI) == 0)
		v->hv_eoi_armed = true;
}

void hyperv_eoi_sync(struct vcpu *v)
{
	u32 word;

	if (!v->hv_eoi_armed)
		return;
	if (gpa_read(v->part, v->hv_vp_assist & PAGE_MASK, &word, sizeof(word))) {
		v->hv_eoi_armed = false;
		return;
	}
	if (!(word & ASSIST_NO_EOI)) {
		/* Taken: the guest skipped its EOI, which is done now. */
		v->hv_eoi_armed = false;
		vlapic_eoi(v->lapic);
	}
}

/*
 * Whether the VMCALL/VMMCALL at RIP is a Hyper-V hypercall: one made
 * through the hypercall page the guest enabled (TLFS 3.13). Linux enables
 * that page as soon as it sees Hyper-V, and then still makes our own calls
 * (the parent's /dev/hv driver) with its own VMCALL: those come from
 * anywhere else. The instruction is found where the CPU fetched it: RIP
 * through CS and the guest's paging.
 */
bool hyperv_hypercall_from_page(struct vcpu *v)
{
	u64 page = v->part->hyperv.hypercall;
	u64 gpa;
	u32 pf;

	if (!(page & MSR_ENABLE))
		return false;
	u64 lin = vcpu_linear(v, SEG_CS, backend->get_reg(v, VREG_RIP));
	if (gva_to_gpa(v, lin, ACC_FETCH, &gpa, &pf))
		return false;
	return (gpa & PAGE_MASK) == (page & PAGE_MASK);
}
