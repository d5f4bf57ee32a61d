// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine's ports and power registers as the parent reaches them.
 *
 * The parent's port accesses go straight to the hardware, except those
 * that touch a port the hypervisor traps (partition_trap_ports): its own
 * ports (the PIT, its console UART, the emulators' exit ports in test
 * mode) and every register that sleeps or resets the machine -- the PM1
 * event and control blocks, the hardware-reduced sleep registers, the
 * FADT reset register, the chipset's 0xcf9, port 0x92's fast reset and
 * the i8042's reset pulse and output port. The CPU makes an access exit
 * when any byte it touches is trapped, and here every byte lane of such
 * an access is judged on its own, so a byte written to the high half of
 * PM1_CNT, or a dword that straddles two registers, is seen for what it
 * does:
 *  - a lane on one of the hypervisor's ports refuses the whole access
 *    (reads float high, writes vanish);
 *  - a write that sets SLP_EN sleeps the machine: S5 powers it off after
 *    every other partition has stopped and been scrubbed; any other sleep
 *    state is refused (a machine resumed from S3 would run the parent's
 *    waking vector with virtualization off);
 *  - a write that resets the machine does so the same way, after the stop
 *    and the scrub;
 *  - anything else goes to the hardware as it was made.
 * The same rules hold for the registers a FADT puts in memory space: the
 * page holding one is not mapped into the parent but reached through a
 * device that passes every other byte of it through.
 */
#include "partitions/parent.h"
#include "partitions/parent_lanes.h"
#include "vmm/base/console.h"
#include "vmm/base/fmt.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/paging.h"
#include "vmm/base/power.h"
#include "vmm/base/spinlock.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"
#include "drivers/acpi.h"

static spinlock_t io_lock = SPINLOCK_INIT;
static struct lane_state lanes;
static struct log_ratelimit refusals;

/* ---- the machine's power ----------------------------------------------- */

/* The parent turned the machine off or reset it: every partition stops
 * and its memory is scrubbed (in test mode the last stop ends the run),
 * then the machine does as asked. */
static void machine_power(struct partition *p, bool reset)
{
	const char *what = reset ? "reset the machine" : "powered the machine off";
	enum part_outcome o = reset ? OUTCOME_RESET : OUTCOME_POWEROFF;
	char why[64];

	pr_info("parent: %s", what);
	hv_snprintf(why, sizeof(why), "the parent %s", what);
	for (u32 i = 0; i < MAX_PARTITIONS; i++) {
		struct partition *q = partitions[i];
		if (q && q != p) {
			partition_stop(q, o, why);
			partition_scrub(q);
		}
	}
	partition_stop(p, o, what);
	if (power_test_mode())
		return;
	if (reset)
		power_reset();
	power_off();
}

void parent_unclaimed_port(struct vcpu *v, u16 port, u8 size, bool in, u32 *val)
{
	char why[120] = "";

	if (parent_pci_port(v, port, size, in, val))
		return;
	u64 f = spin_lock_irqsave(&io_lock);
	enum lane_verdict verdict = parent_port_verdict(&lanes, port, size, in, *val, why,
							sizeof(why));
	if (verdict == LANE_PASS)
		hw_port_io(port, size, in, val);
	spin_unlock_irqrestore(&io_lock, f);

	switch (verdict) {
	case LANE_PASS:
		return;
	case LANE_REFUSE:
		log_limited(&refusals, LOG_WARN, "parent: %s %#x (%u byte%s, value %#x): refused: %s",
			    in ? "in" : "out", port, size, size == 1 ? "" : "s", in ? 0 : *val, why);
		if (in)
			*val = 0xffffffffu;
		return;
	case LANE_SLEEP_S5:
	case LANE_RESET:
		machine_power(v->part, verdict == LANE_RESET);
		return;
	}
}

/* ---- registers in memory space ------------------------------------------ */

#define MAX_MEDIATED_PAGES 4

struct mediated_page {
	u64 page;
	volatile u8 *map;
};

static struct mediated_page mpages[MAX_MEDIATED_PAGES];

static int mediated_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val)
{
	struct mediated_page *mp = opaque;
	(void)v;

	if (off + size > PAGE_SIZE || (size != 1 && size != 2 && size != 4 && size != 8)) {
		*val = ~0ULL;
		return 0;
	}
	hw_mmio_access(mp->map + off, size, false, val);
	return 0;
}

static int mediated_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val)
{
	struct mediated_page *mp = opaque;
	char why[120] = "";

	if (off + size > PAGE_SIZE || (size != 1 && size != 2 && size != 4 && size != 8))
		return 0;
	enum lane_verdict verdict = parent_mem_verdict(mp->page + off, size, val, why, sizeof(why));
	if (verdict == LANE_PASS) {
		hw_mmio_access(mp->map + off, size, true, &val);
	} else if (verdict == LANE_REFUSE) {
		log_limited(&refusals, LOG_WARN, "parent: write to %#lx (%u bytes, value %#lx): refused: %s",
			    (unsigned long)(mp->page + off), size, (unsigned long)val, why);
	} else {
		machine_power(v->part, verdict == LANE_RESET);
	}
	return 0;
}

/* The page of a register in memory space becomes a mediated device. */
static const char *mediate_page(struct partition *p, u64 addr)
{
	u64 page = ALIGN_DOWN(addr, PAGE_SIZE);
	u32 i;

	if (!addr)
		return NULL;
	for (i = 0; i < MAX_MEDIATED_PAGES && mpages[i].map; i++)
		if (mpages[i].page == page)
			return NULL;
	if (i == MAX_MEDIATED_PAGES)
		return "too many power registers in memory space";
	mpages[i].map = ioremap(page, PAGE_SIZE);
	if (!mpages[i].map)
		return "cannot map a power register";
	mpages[i].page = page;
	struct mmio_device d = { .base = page, .size = PAGE_SIZE, .opaque = &mpages[i],
				 .read = mediated_read, .write = mediated_write };
	return partition_add_mmio(p, &d) ? "too many devices" : NULL;
}

/* ---- set-up ------------------------------------------------------------------ */

const char *parent_io_setup(struct partition *p)
{
	const char *err = partition_pass_ports(p);
	u16 con = console_port();

	if (err)
		return err;
	partition_trap_ports(p, PIT_FIRST, PIT_LAST - PIT_FIRST + 1);
	if (con && con != PLAT_UART_PORT)
		partition_trap_ports(p, con, 8);
	if (power_test_mode()) {
		partition_trap_ports(p, QEMU_EXIT_PORT, QEMU_EXIT_LEN);
		partition_trap_ports(p, BOCHS_EXIT_PORT, 1);
	}
	partition_trap_ports(p, acpi.pm1a_evt, acpi.pm1_evt_len);
	partition_trap_ports(p, acpi.pm1b_evt, acpi.pm1_evt_len);
	partition_trap_ports(p, acpi.pm1a_cnt, acpi.pm1_cnt_len);
	partition_trap_ports(p, acpi.pm1b_cnt, acpi.pm1_cnt_len);
	partition_trap_ports(p, parent_gas_port(&acpi.sleep_control), 1);
	partition_trap_ports(p, parent_gas_port(&acpi.sleep_status), 1);
	if (acpi.reset_supported)
		partition_trap_ports(p, parent_gas_port(&acpi.reset_reg), 1);
	partition_trap_ports(p, PORT_CF9, 1);
	partition_trap_ports(p, PORT_92, 1);
	partition_trap_ports(p, PORT_I8042_DATA, 1);
	partition_trap_ports(p, PORT_I8042_CMD, 1);

	if ((err = mediate_page(p, acpi.pm1a_cnt_mem)) || (err = mediate_page(p, acpi.pm1b_cnt_mem)))
		return err;
	if (acpi.sleep_control.space == 0 && (err = mediate_page(p, acpi.sleep_control.address)))
		return err;
	if (acpi.reset_supported && acpi.reset_reg.space == 0 &&
	    (err = mediate_page(p, acpi.reset_reg.address)))
		return err;
	return parent_pci_setup(p);
}
