// SPDX-License-Identifier: GPL-2.0-only
/* The parent's writes to PCI configuration space, judged (parent_pci_rules.h). */
#include "partitions/parent_pci_rules.h"
#include "vmm/base/fmt.h"
#include "drivers/pci.h"
#include "vmm/iommu.h"

#define PCI_STATUS_CAP_LIST BIT(20) /* of the dword at 0x04 */
#define PCI_CAP_PTR 0x34
#define DATA_DELMODE(d) (((d) >> 8) & 7)
#define DELMODE_FIXED 0
#define DELMODE_LOWEST 1

static const char *const delmode_name[8] = {
	"fixed", "lowest priority", "SMI", "reserved (3)", "NMI", "INIT", "reserved (6)", "ExtINT",
};

u32 pci_find_cap(const struct cfg_env *e, u32 bdf, u8 id)
{
	if (!(e->read32(e->ctx, bdf, 0x04) & PCI_STATUS_CAP_LIST))
		return 0;
	u32 at = e->read32(e->ctx, bdf, PCI_CAP_PTR) & 0xfc;
	/* 48 capabilities fill the 192 bytes after the header: a longer
	 * (looping) list is the device's bug, not a reason to spin. */
	for (u32 i = 0; i < 48 && at >= 0x40; i++) {
		u32 dw = e->read32(e->ctx, bdf, at);
		if ((dw & 0xff) == id)
			return at;
		at = (dw >> 8) & 0xfc;
	}
	return 0;
}

/* The bridge (type 1 header) on bus `bus` or below whose secondary bus is
 * `target`, walking down from `bus` through the bridges' bus ranges. */
static bool upstream_bridge(const struct cfg_env *e, u32 bus, u32 target, u32 depth, u32 *out)
{
	if (depth > 8)
		return false;
	for (u32 dev = 0; dev < 32; dev++) {
		for (u32 fn = 0; fn < 8; fn++) {
			u32 bdf = bus << 8 | dev << 3 | fn;
			u32 id = e->read32(e->ctx, bdf, 0x00);
			if ((id & 0xffff) == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			u32 hdr = (e->read32(e->ctx, bdf, 0x0c) >> 16) & 0xff;
			if ((hdr & 0x7f) == 1) {
				u32 buses = e->read32(e->ctx, bdf, 0x18);
				u32 sec = (buses >> 8) & 0xff, sub = (buses >> 16) & 0xff;
				if (sec == target) {
					*out = bdf;
					return true;
				}
				if (sec > bus && target > sec && target <= sub &&
				    upstream_bridge(e, sec, target, depth + 1, out))
					return true;
			}
			if (fn == 0 && !(hdr & 0x80))
				break; /* not a multi-function device */
		}
	}
	return false;
}

u32 pci_msi_source(const struct cfg_env *e, u32 bdf)
{
	u32 bus = bdf >> 8, br;

	if (bus == 0)
		return bdf; /* on the root bus: its own ID */
	if (!upstream_bridge(e, 0, bus, 0, &br))
		return IR_SRC_ANY;
	/* Below a PCI Express root or downstream port the function's own
	 * requests carry its ID; below a bridge to conventional PCI they may
	 * carry the bridge's, or its secondary bus's (PCIe-to-PCI Bridge 1.0
	 * 2.3): any requester on the bridge's bus range. */
	u32 cap = pci_find_cap(e, br, PCI_CAP_EXP);
	u32 type = cap ? (e->read32(e->ctx, br, cap) >> 20) & 0xf : 0;
	if (type == PCI_EXP_ROOT_PORT || type == PCI_EXP_DOWNSTREAM)
		return bdf;
	u32 sub = (e->read32(e->ctx, br, 0x18) >> 16) & 0xff;
	return IR_SRC_BUSES(br >> 8, sub);
}

const char *msi_message_check(const struct cfg_env *e, u32 addr_lo, u32 addr_hi, u32 data,
			      u32 nvec)
{
	static char why[96];
	u8 vec = (u8)data;
	u32 mode = DATA_DELMODE(data);

	if (addr_hi)
		return "its address is above 4 GiB, not the interrupt range";
	/* Bits 11:4 are reserved in this format (with an IOMMU's interrupt
	 * remapping, bit 4 would make it a remappable message). */
	if ((addr_lo & 0xfff00000u) != MSI_ADDR_BASE || (addr_lo & 0xff3))
		return "its address is not a message address (0xfee00000-0xfeeff00c)";
	if (mode != DELMODE_FIXED && mode != DELMODE_LOWEST) {
		hv_snprintf(why, sizeof(why), "it asks for %s delivery", delmode_name[mode]);
		return why;
	}
	/* Several vectors: the low bits of the vector count them (6.8.1.3). */
	u8 first = (u8)(vec & ~(nvec - 1)), last = (u8)(first + nvec - 1);
	if (first < e->vec_first || last > e->vec_last) {
		hv_snprintf(why, sizeof(why), "vector %#x%s is outside %#x-%#x", vec,
			    nvec > 1 ? " (with its block)" : "", e->vec_first, e->vec_last);
		return why;
	}
	if (!e->dest_ok(e->ctx, (u8)MSI_ADDR_DEST(addr_lo), addr_lo & MSI_ADDR_LOGICAL)) {
		hv_snprintf(why, sizeof(why), "its %s destination %#x is none of the parent's vCPUs",
			    addr_lo & MSI_ADDR_LOGICAL ? "logical" : "physical", MSI_ADDR_DEST(addr_lo));
		return why;
	}
	return NULL;
}

/* The dword at `at` after the write of [reg, reg+size) with val. */
static u32 merged(const struct cfg_env *e, u32 bdf, u32 at, u32 reg, u8 size, u32 val)
{
	u32 old = e->read32(e->ctx, bdf, at);

	if (reg < at || reg >= at + 4)
		return old;
	u32 shift = (reg - at) * 8;
	u32 mask = (size == 4 ? 0xffffffffu : ((1u << (8 * size)) - 1)) << shift;
	return (old & ~mask) | ((val << shift) & mask);
}

static bool msi_refused(const struct cfg_env *e, u32 bdf, u32 cap, u32 reg, u8 size, u32 val,
			char *why, size_t n)
{
	u32 ctrl = merged(e, bdf, cap, reg, size, val) >> 16;
	bool wide = ctrl & MSI_CTRL_64BIT;
	u32 data_at = cap + (wide ? 12 : 8);

	if (reg < cap || reg >= data_at + 2)
		return false; /* past the message: extended data, mask and pending bits */
	if (!(ctrl & MSI_CTRL_ENABLE))
		return false;
	u32 lo = merged(e, bdf, cap + 4, reg, size, val);
	u32 hi = wide ? merged(e, bdf, cap + 8, reg, size, val) : 0;
	u32 data = merged(e, bdf, data_at, reg, size, val) & 0xffff;
	u32 mme = MSI_CTRL_MME(ctrl);
	const char *bad = msi_message_check(e, lo, hi, data, 1u << (mme > 5 ? 5 : mme));
	if (!bad)
		return false;
	hv_snprintf(why, n, "MSI of %02x:%02x.%u with address %#x data %#x: %s", PCI_BUS(bdf),
		    PCI_DEV(bdf), PCI_FN(bdf), lo, data, bad);
	return true;
}

static bool msix_refused(const struct cfg_env *e, u32 bdf, u32 cap, u32 reg, u8 size, u32 val,
			 char *why, size_t n)
{
	if (reg < cap || reg >= cap + 4)
		return false;
	u32 ctrl = merged(e, bdf, cap, reg, size, val) >> 16;
	if (!(ctrl & MSIX_CTRL_ENABLE) || (ctrl & MSIX_CTRL_MASKALL))
		return false;
	const char *bad = e->msix_live(e->ctx, bdf);
	if (!bad)
		return false;
	hv_snprintf(why, n, "MSI-X of %02x:%02x.%u: %s", PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf),
		    bad);
	return true;
}

/* The address BAR `bar` decodes, with the write applied. */
static u64 bar_address(const struct cfg_env *e, u32 bdf, u32 bar, u32 reg, u8 size, u32 val)
{
	u32 at = 0x10 + 4 * bar;
	u32 lo = merged(e, bdf, at, reg, size, val);
	u64 a = lo & ~0xfu;

	if ((lo & 0x6) == 0x4 && bar < 5) /* 64-bit memory BAR */
		a |= (u64)merged(e, bdf, at + 4, reg, size, val) << 32;
	return a;
}

/* BAR moves and memory decoding of a function with a mediated table. */
static bool bar_refused(const struct cfg_env *e, u32 bdf, u32 reg, u8 size, u32 val, char *why,
			size_t n)
{
	u64 at;

	bool command = reg < 0x06 && reg + size > 0x04, bars = reg >= 0x10 && reg < 0x28;

	if (!command && !bars)
		return false;
	bool decode_now = e->read32(e->ctx, bdf, 0x04) & PCI_COMMAND_MEMORY;
	bool decode = merged(e, bdf, 0x04, reg, size, val) & PCI_COMMAND_MEMORY;
	for (u32 bar = 0; bar < 6; bar++) {
		if (!e->msix_bar(e->ctx, bdf, bar, &at))
			continue;
		u64 now = bar_address(e, bdf, bar, 0, 0, 0), next = bar_address(e, bdf, bar, reg, size, val);
		if (decode_now && decode && next != now) {
			hv_snprintf(why, n, "it moves BAR %u of %02x:%02x.%u (its MSI-X table, mediated "
				    "at %#lx) while memory decoding is on", bar, PCI_BUS(bdf),
				    PCI_DEV(bdf), PCI_FN(bdf), (unsigned long)at);
			return true;
		}
		if (decode && next != at) {
			hv_snprintf(why, n, "it turns on memory decoding of %02x:%02x.%u with BAR %u "
				    "at %#lx, away from its MSI-X table's mediated %#lx", PCI_BUS(bdf),
				    PCI_DEV(bdf), PCI_FN(bdf), bar, (unsigned long)next,
				    (unsigned long)at);
			return true;
		}
	}
	return false;
}

enum cfg_refusal parent_cfg_refused(const struct cfg_env *e, u32 bdf, u32 reg, u8 size, u32 val,
				    char *why, size_t n)
{
	if (e->hidden(e->ctx, bdf)) {
		hv_snprintf(why, n, "%02x:%02x.%u is the hypervisor's", PCI_BUS(bdf),
			    PCI_DEV(bdf), PCI_FN(bdf));
		return CFG_HIDDEN;
	}
	if (bar_refused(e, bdf, reg, size, val, why, n))
		return CFG_BAR;
	/* Only writes that reach past the header can touch a capability. */
	if (reg < 0x40)
		return CFG_PASS;
	u32 msi = pci_find_cap(e, bdf, PCI_CAP_MSI);
	if (msi && msi_refused(e, bdf, msi, reg, size, val, why, n))
		return CFG_MSI;
	u32 msix = pci_find_cap(e, bdf, PCI_CAP_MSIX);
	return msix && msix_refused(e, bdf, msix, reg, size, val, why, n) ? CFG_MSIX : CFG_PASS;
}
