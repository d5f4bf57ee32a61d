/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parent partition: an unmodified Linux that owns the machine's
 * devices (Hyper-V's root, Xen's dom0). What makes it different from a
 * child is all here:
 *  - memory: identity-mapped (guest-physical = host-physical, because
 *    its devices DMA to the addresses it programs): the RAM below 1 MiB
 *    and every frame the hypervisor has not used, less a reserve for the
 *    hypervisor and capped by parent_mem=, described by a memory map
 *    built from the machine's;
 *  - the machine's ACPI tables, MMIO and I/O ports, identity-mapped or
 *    passed through on first use, except what the hypervisor owns: its
 *    memory, the pool, the other partitions', the local APIC and I/O
 *    APIC pages (virtual), the PIT, its console UART (virtual), and in
 *    test mode the emulators' exit ports;
 *  - one vCPU per physical CPU, pinned, with that CPU's APIC ID;
 *  - powering it off (ACPI S5) or resetting it (reset register, port
 *    0xcf9, 8042 pulse) powers off or resets the machine after stopping
 *    every other partition.
 */
#ifndef PARTITIONS_PARENT_H
#define PARTITIONS_PARENT_H

#include "vmm/partition.h"
#include "vmm/exit.h"
#include "vmm/dev/platform.h"
#include "boot/boot_info.h"
#include "partitions/parent_pci_rules.h"
#include "vmm/base/spinlock.h"

struct guest_mem_range;

/* Gives p its memory, vCPU count and devices; NULL or why not. */
const char *parent_setup(struct partition *p, const struct boot_info *bi, u64 parent_mem);
/* Physical CPU of the parent's vCPU i. */
u32 parent_vcpu_cpu(u32 i);
/* The machine's memory map (parent_map.c): parent_map_init keeps bi;
 * the type of the range that holds pa (0: none, device space); whether
 * a range of a type overlaps [base, base+len); the parent's RAM region
 * holding pa; and the map as the parent sees it (like guest_memory_map):
 * usable RAM it owns, the rest of usable RAM reserved, other ranges as
 * the machine's. */
void parent_map_init(const struct boot_info *bi);
u32 parent_host_type(u64 pa);
bool parent_host_overlaps(u64 base, u64 len, u32 type);
const struct mem_region *parent_owned(const struct partition *p, u64 pa);
int parent_memory_map(const struct partition *p, struct guest_mem_range *out, int max);
/* Where its copy of the machine's RSDP is (boot_params.acpi_rsdp_addr). */
u64 parent_rsdp(void);
/* The machine's ports and power registers (parent_io.c): passes the
 * parent's ports to the hardware but for the hypervisor's and those that
 * sleep or reset the machine, which it mediates byte lane by byte lane. */
const char *parent_io_setup(struct partition *p);
/* PCI configuration space (parent_pci.c): traps its ports and its ECAM
 * window; parent_pci_port takes a port access that is the parent's
 * CONFIG_ADDRESS or CONFIG_DATA, and says whether it was one. */
const char *parent_pci_setup(struct partition *p);
bool parent_pci_port(struct vcpu *v, u16 port, u8 size, bool in, u32 *val);
/* The rules' view of the machine for the parent (parent_pci_rules.h),
 * and the lock that orders every judged write with the state it reads. */
struct cfg_env parent_cfg_env(struct partition *p);
extern spinlock_t parent_cfg_lock;
/* Under interrupt remapping: entries [irte, irte + n) deliver the
 * parent's message (address lo/hi, data; n vectors from its block) when
 * it comes from `src` (pci_msi_source), or nothing when the message is
 * not good. */
/* Why the function's requests need not carry its own requester ID (a
 * bridge to conventional PCI above it may send them under its own, shared
 * with the functions beside it), so it cannot be kept apart from them by
 * the IOMMU and passed through; NULL when they do. */
const char *parent_pci_not_isolated(struct partition *p, u32 bdf);
void parent_irte_program(struct partition *p, const struct cfg_env *e, u32 irte, u32 n,
			 u32 lo, u32 hi, u32 data, u32 src);
/* MSI-X tables (parent_msix.c): found and mediated at set-up; the
 * rules' msix_live and msix_bar. */
const char *parent_msix_setup(struct partition *p);
const char *parent_msix_live(struct partition *p, u32 bdf);
bool parent_msix_bar(u32 bdf, u32 bar, u64 *addr);
void parent_unclaimed_port(struct vcpu *v, u16 port, u8 size, bool in, u32 *val);
/* Its PC: the machine's I/O APIC, RTC, ACPI hardware and console. */
const struct platform_config *parent_platform(void);
/* What the core asks of it: the machine's ports, pages mapped on demand,
 * the hypervisor's memory hidden. */
extern const struct partition_ops parent_ops;

/* Whether gpa is the hypervisor's (its memory, the pool, other
 * partitions', the local APIC and I/O APIC pages): the parent's accesses
 * there read all ones and vanish; parent_report_denied logs the first
 * few, once per access. */
bool parent_gpa_hidden(const struct partition *p, u64 gpa);
void parent_report_denied(const struct partition *p, u64 gpa, bool write);
/* Maps the machine page (or 2 MiB) at gpa into the parent on its first
 * access; false when gpa is not for the parent to map. */
bool parent_map_on_demand(struct partition *p, u64 gpa);

#endif
