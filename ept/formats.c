// SPDX-License-Identifier: GPL-2.0-only
/* Bit layouts of the three table formats the engine builds. */
#include "ept/pt.h"
#include "vmm/base/x86.h"

/* x86-64 4-level paging (SDM Vol. 3A 4.5): the hypervisor's own tables.
 * UC is PCD|PWT, PAT entry 3, which is UC in the power-on PAT. */
const struct pt_format pt_format_x86 = {
	.name = "x86-64",
	.table_bits = PTE_P | PTE_W,
	.present_mask = PTE_P,
	.leaf_bits = PTE_P,
	.write_bit = PTE_W,
	.nx_bit = PTE_NX,
	.user_bit = PTE_U,
	.global_bit = PTE_G,
	.large_bit = PTE_PS,
	.uc_bits = PTE_PCD | PTE_PWT,
	.memtype_mask = PTE_PCD | PTE_PWT,
};

/* AMD-V nested tables use the long-mode format; every access through
 * them is a user access, so U must be set at every level (APM Vol. 2
 * 15.25.5). */
const struct pt_format pt_format_npt = {
	.name = "NPT",
	.table_bits = PTE_P | PTE_W | PTE_U,
	.present_mask = PTE_P,
	.leaf_bits = PTE_P | PTE_U,
	.write_bit = PTE_W,
	.nx_bit = PTE_NX,
	.large_bit = PTE_PS,
	.uc_bits = PTE_PCD | PTE_PWT,
	.memtype_mask = PTE_PCD | PTE_PWT,
};

/* Intel EPT (SDM Vol. 3C 29.3.2): R/W/X in bits 0-2, memory type in
 * bits 5:3 of leaves (0 = UC, 6 = WB). */
#define EPT_R BIT(0)
#define EPT_W BIT(1)
#define EPT_X BIT(2)
#define EPT_MT_SHIFT 3

const struct pt_format pt_format_ept = {
	.name = "EPT",
	.table_bits = EPT_R | EPT_W | EPT_X,
	.present_mask = EPT_R | EPT_W | EPT_X,
	.read_bit = EPT_R,
	.write_bit = EPT_W,
	.exec_bit = EPT_X,
	.large_bit = BIT(7),
	.wb_bits = 6ULL << EPT_MT_SHIFT,
	.uc_bits = 0,
	.memtype_mask = 7ULL << EPT_MT_SHIFT,
};

/* Intel VT-d second-level tables (VT-d 3.4 9.8): R and W in bits 0-1,
 * PS in bit 7; no execute right and no memory type for DMA (snoop
 * control is not used). Present means readable or writable. */
const struct pt_format pt_format_vtd = {
	.name = "VT-d",
	.table_bits = EPT_R | EPT_W,
	.present_mask = EPT_R | EPT_W,
	.read_bit = EPT_R,
	.write_bit = EPT_W,
	.large_bit = BIT(7),
};

/* AMD-Vi I/O page tables (AMD IOMMU spec 48882 2.2.3): PR in bit 0,
 * NextLevel in bits 11:9 (the level of the table an entry points to; 0
 * in a leaf, whose size its level gives), IR/IW in bits 61/62 -- in
 * table entries too, as rights are ANDed down the walk. */
#define AMDVI_PR BIT(0)
#define AMDVI_IR BIT(61)
#define AMDVI_IW BIT(62)

const struct pt_format pt_format_amdvi = {
	.name = "AMD-Vi",
	.table_bits = AMDVI_PR | AMDVI_IR | AMDVI_IW,
	.present_mask = AMDVI_PR,
	.leaf_bits = AMDVI_PR,
	.read_bit = AMDVI_IR,
	.write_bit = AMDVI_IW,
	.next_level_mask = 7ULL << 9,
	.next_level_shift = 9,
};
