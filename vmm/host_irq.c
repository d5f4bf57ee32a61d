// SPDX-License-Identifier: GPL-2.0-only
/*
 * Physical device interrupts, forwarded to the parent partition.
 *
 * The parent's vCPU n runs only on physical CPU n, and its local APIC
 * has that CPU's APIC ID. So an interrupt message addressed the way the
 * parent addressed it arrives on the physical CPU where the target vCPU
 * runs, with the parent's own vector:
 *  - INTx: each redirection entry the parent unmasks in its virtual I/O
 *    APIC is mirrored into the physical I/O APIC with its vector,
 *    trigger mode, polarity and (physical) destination. When it fires,
 *    the virtual I/O APIC's input of the same number is asserted, and
 *    the virtual I/O APIC delivers it as the entry says.
 *  - MSI and MSI-X: the parent programs them in the devices directly,
 *    through configuration space it owns; a vector that no forwarded pin
 *    claims is raised in the local APIC of the parent's vCPU on this CPU.
 * The hypervisor's own vectors are 0xf0 and above, outside the range
 * Linux gives devices, so every vector from 0x20 to 0xef is the parent's.
 *
 * A level-triggered pin is masked in the physical I/O APIC when it fires
 * and unmasked when the parent's EOI reaches the virtual I/O APIC: the
 * hypervisor EOIs its physical local APIC at once, which would otherwise
 * re-deliver the still-asserted line in a storm (the EOI clears Remote
 * IRR, SDM Vol. 3A 11.8.5 and 82093AA 3.2.4).
 *
 * The messages the parent programs are checked where it programs them
 * (partitions/parent_pci.c, parent_msix.c). With interrupt remapping
 * (vmm/iommu_ir.c) the devices and the I/O APIC hold only messages that
 * name entries of the hypervisor's table, so neither a device's own
 * writes nor anything else can reach another vector or CPU.
 */
#include "vmm/host_irq.h"
#include "vmm/iommu.h"
#include "vmm/base/log.h"
#include "vmm/partition.h"
#include "vmm/base/percpu.h"
#include "vmm/dev/platform.h"
#include "vmm/sched.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/trap.h"
#include "vmm/dev/vlapic.h"
#include "drivers/ioapic.h"

#define RTE_VECTOR(e) ((u8)((e) & 0xff))
#define RTE_DELMODE(e) ((u32)((e) >> 8) & 7)
#define RTE_LOGICAL BIT(11)
#define RTE_POLARITY BIT(13)
#define RTE_LEVEL BIT(15)
#define RTE_MASKED BIT(16)
#define RTE_DEST(e) ((u32)((e) >> 56))
#define DM_FIXED 0
#define DM_LOWEST 1

struct fwd_pin {
	bool on;     /* unmasked and mirrored */
	bool level;
	u8 vector;
	u32 apic_id; /* physical destination */
};

static struct partition *parent;
static struct fwd_pin pins[PLAT_IOAPIC_PINS];
/* With interrupt remapping, each mirrored pin's entry (vmm/iommu_ir.c),
 * allocated on first use; 0 = none yet (entry 0 is never handed out). */
static u32 pin_irte[PLAT_IOAPIC_PINS];
static spinlock_t pins_lock = SPINLOCK_INIT;
static u32 stray_reports;

bool host_irq_forwarded(const struct partition *p, u32 pin)
{
	return p && p == parent && pin < PLAT_IOAPIC_PINS && pin != PLAT_UART_IRQ;
}

/* The APIC ID of a parent vCPU the entry's destination names: the first
 * in logical mode (lowest priority picks one as well). */
static bool target_apic(struct partition *p, u64 rte, u32 *apic)
{
	bool logical = rte & RTE_LOGICAL;

	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *v = p->vcpu[i];
		if (v && v->lapic && vlapic_match_dest(v->lapic, RTE_DEST(rte), logical)) {
			*apic = v->apic_id;
			return true;
		}
	}
	return false;
}

void host_irq_route(struct partition *p, u32 pin, u64 rte)
{
	struct fwd_pin f = { 0 };
	u32 mode = RTE_DELMODE(rte);

	if (!host_irq_forwarded(p, pin))
		return;
	if (!(rte & RTE_MASKED) && (mode == DM_FIXED || mode == DM_LOWEST)) {
		u8 vec = RTE_VECTOR(rte);
		if (vec < HOST_IRQ_VEC_FIRST || vec > HOST_IRQ_VEC_LAST)
			pr_warn("parent: GSI %u asks for vector %#x, outside %#x-%#x: left masked", pin,
				vec, HOST_IRQ_VEC_FIRST, HOST_IRQ_VEC_LAST);
		else if (!target_apic(p, rte, &f.apic_id))
			pr_warn("parent: GSI %u is addressed to no vCPU: left masked", pin);
		else
			f = (struct fwd_pin){ true, (rte & RTE_LEVEL) != 0, vec, f.apic_id };
	}
	u64 flags = spin_lock_irqsave(&pins_lock);
	pins[pin] = f;
	u64 phys = RTE_MASKED;
	if (f.on)
		phys = f.vector | (rte & (RTE_POLARITY | RTE_LEVEL)) | ((u64)f.apic_id << 56);
	if (f.on && iommu_ir_on()) {
		/* The pin's interrupt through its remapping entry. */
		if (!pin_irte[pin]) {
			int h = iommu_irte_alloc_pin();
			pin_irte[pin] = h > 0 ? (u32)h : 0;
		}
		if (pin_irte[pin]) {
			iommu_irte_set(pin_irte[pin], f.vector, f.apic_id, false, f.level,
				       iommu_ioapic_source(pin));
			phys = iommu_ir_rte(pin_irte[pin], phys);
		} else {
			pr_warn("parent: GSI %u: the interrupt table is full: left masked", pin);
			pins[pin].on = false;
			phys = RTE_MASKED;
		}
	}
	ioapic_set_rte(pin, phys);
	spin_unlock_irqrestore(&pins_lock, flags);
}

void host_irq_eoi(u32 pin)
{
	if (pin >= PLAT_IOAPIC_PINS)
		return;
	u64 flags = spin_lock_irqsave(&pins_lock);
	if (pins[pin].on && pins[pin].level) {
		if (iommu_ir_on())
			ioapic_eoi_gsi(pin);
		ioapic_mask_gsi(pin, false);
	}
	spin_unlock_irqrestore(&pins_lock, flags);
}

/* The parent's vCPU that runs on this physical CPU, if any. */
static struct vcpu *local_vcpu(struct partition *p)
{
	u32 me = this_cpu_id();

	for (u32 i = 0; i < p->nr_vcpus; i++)
		if (p->vcpu[i] && p->vcpu[i]->pcpu == me)
			return p->vcpu[i];
	return NULL;
}

static void device_irq(struct trap_frame *tf)
{
	u8 vec = (u8)tf->vector;
	struct partition *p = parent;
	u32 hit = 0, level = 0;

	if (!p || p->state != PART_RUNNING) {
		if (stray_reports++ < 8)
			pr_warn("device interrupt on vector %#x with no running parent", vec);
		return;
	}
	u32 me = cpus[this_cpu_id()]->apic_id;
	spin_lock(&pins_lock); /* interrupts are off in a handler */
	for (u32 pin = 0; pin < PLAT_IOAPIC_PINS; pin++) {
		const struct fwd_pin *f = &pins[pin];
		if (!f->on || f->vector != vec || f->apic_id != me)
			continue;
		hit |= 1u << pin;
		if (f->level) {
			level |= 1u << pin;
			ioapic_mask_gsi(pin, true); /* until the parent's EOI */
		}
	}
	spin_unlock(&pins_lock);
	for (u32 pin = 0; pin < PLAT_IOAPIC_PINS; pin++) {
		if (!(hit & (1u << pin)))
			continue;
		vioapic_set_irq(p, pin, true);
		if (!(level & (1u << pin)))
			vioapic_set_irq(p, pin, false); /* edge: a pulse */
	}
	if (hit)
		return;
	/* No pin claims it: a message signalled interrupt for the vCPU here. */
	struct vcpu *v = local_vcpu(p);
	if (v && v->lapic) {
		if (vlapic_set_irq(v->lapic, vec, false))
			sched_kick(v);
	} else if (stray_reports++ < 8) {
		pr_warn("device interrupt on vector %#x on cpu%u, where no parent vCPU runs", vec,
			this_cpu_id());
	}
}

void host_irq_init(struct partition *p)
{
	parent = p;
	for (u32 v = HOST_IRQ_VEC_FIRST; v <= HOST_IRQ_VEC_LAST; v++)
		irq_register((u8)v, device_irq);
}
