// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtual PC platform (vmm/platform.h): attaches the device models to
 * a partition and carries out what the guest asks of the machine as a
 * whole (power-off, reset).
 */
#include "vmm/dev/platform_dev.h"
#include "vmm/dev/pci.h"
#include "vmm/dev/virtio_pci.h"
#include "vmm/dev/passthru.h"
#include "vmm/dev/vlapic.h"
#include "vmm/base/x86.h"
#include "vmm/base/heap.h"
#include "vmm/base/log.h"
#include "vmm/partition.h"
#include "drivers/rtc.h"
#include "drivers/timer.h"

/*
 * pvpanic (QEMU's docs/specs/pvpanic.txt; Linux's pvpanic-mmio driver
 * binds the ACPI device QEMU0001 the DSDT describes): a read gives the
 * events it knows, PANICKED and CRASH_LOADED; a write of PANICKED says
 * the guest's kernel panicked, and the partition stops as crashed.
 */
#define PVPANIC_PANICKED BIT(0)
#define PVPANIC_CRASH_LOADED BIT(1)

static int pvpanic_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val)
{
	(void)v;
	(void)opaque;
	(void)port;
	(void)size;
	*val = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
	return 0;
}

static int pvpanic_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val)
{
	(void)opaque;
	(void)port;
	(void)size;
	if (val & PVPANIC_PANICKED)
		partition_stop(v->part, OUTCOME_PANIC, "its kernel panicked (pvpanic)");
	else if (val & PVPANIC_CRASH_LOADED)
		pr_info("partition '%s': its kernel panicked; a crash kernel takes over",
			v->part->cfg.name);
	return 0;
}

static int add_ports(struct partition *p, struct platform_state *ps, u16 base, u16 count,
		     int (*rd)(struct vcpu *, void *, u16, u8, u32 *),
		     int (*wr)(struct vcpu *, void *, u16, u8, u32))
{
	struct io_device d = { .base = base, .count = count, .opaque = ps, .read = rd, .write = wr };

	return partition_add_io(p, &d);
}

int platform_attach(struct partition *p, const struct platform_config *cfg)
{
	struct platform_state *ps = kzalloc(sizeof(*ps));

	if (!ps)
		return -1;
	ps->part = p; /* zeroed: every device lock starts unlocked */
	ps->cfg = cfg ? *cfg : (struct platform_config){ .ioapic_base = PLAT_IOAPIC_BASE,
							 .ioapic_id = p->cfg.vcpus };
	vioapic_reset(ps);
	vpic_reset(ps);
	vpit_reset(ps);
	vhpet_reset(ps);
	vuart_reset(ps);
	vrtc_init(ps);
	vpm_init(ps);
	p->platform = ps;

	struct mmio_device ioapic = {
		.base = ps->cfg.ioapic_base, .size = PAGE_SIZE,
		.opaque = ps, .read = vioapic_mmio_read, .write = vioapic_mmio_write,
	};
	int err = partition_add_mmio(p, &ioapic);
	err = err ?: add_ports(p, ps, VPIC_MASTER, 2, vpic_io_read, vpic_io_write);
	err = err ?: add_ports(p, ps, VPIC_SLAVE, 2, vpic_io_read, vpic_io_write);
	err = err ?: add_ports(p, ps, VPIC_ELCR, 2, vpic_io_read, vpic_io_write);
	err = err ?: add_ports(p, ps, PLAT_UART_PORT, 8, vuart_io_read, vuart_io_write);
	if (ps->cfg.machine_devices)
		return err ? -1 : 0;
	struct mmio_device hpet = {
		.base = PLAT_HPET_BASE, .size = PAGE_SIZE,
		.opaque = ps, .read = vhpet_mmio_read, .write = vhpet_mmio_write,
	};
	err = err ?: partition_add_mmio(p, &hpet);
	err = err ?: add_ports(p, ps, VPIT_BASE, 4, vpit_io_read, vpit_io_write);
	err = err ?: add_ports(p, ps, VPIT_PORT61, 1, vpit_io_read, vpit_io_write);
	err = err ?: add_ports(p, ps, PLAT_RTC_PORT, 2, vrtc_io_read, vrtc_io_write);
	err = err ?: add_ports(p, ps, PLAT_PM1A_EVT, 4, vpm_io_read, vpm_io_write);
	err = err ?: add_ports(p, ps, PLAT_PM1A_CNT, 2, vpm_io_read, vpm_io_write);
	err = err ?: add_ports(p, ps, PLAT_PM_TMR, 4, vpm_io_read, vpm_io_write);
	/* The reset register at 0xcf9 sits inside PCI configuration
	 * mechanism #1's ports: the PCI bus passes its byte on to vpm. */
	err = err ?: pci_attach(p, ps);
	err = err ?: add_ports(p, ps, PLAT_I8042_DATA, 1, vpm_io_read, vpm_io_write);
	err = err ?: add_ports(p, ps, PLAT_I8042_CMD, 1, vpm_io_read, vpm_io_write);
	err = err ?: add_ports(p, ps, PLAT_PVPANIC_PORT, 1, pvpanic_read, pvpanic_write);
	/* On failure the partition is not created; platform_detach frees. */
	return err ? -1 : 0;
}

void platform_detach(struct partition *p)
{
	passthru_release(p);
	virtio_pci_free_all(p);
	pci_detach(p);
	kfree(p->platform);
	p->platform = NULL;
}

void platform_devices_reset(struct partition *p)
{
	struct platform_state *ps = p->platform;

	if (!ps)
		return;
	/* The UART first: it drops its line, then the I/O APIC forgets all
	 * input levels and masks every pin. */
	vuart_reset(ps);
	vpic_reset(ps);
	vpit_reset(ps);
	vhpet_reset(ps);
	vrtc_reset(ps);
	vpm_reset(ps);
	vioapic_reset(ps);
	virtio_pci_reset_all(p);
	platform_firmware_state(p);
}

/* The 8259A's output reaches the first vCPU only (its LINT0). */
static struct platform_state *extint_source(struct vcpu *v)
{
	struct platform_state *ps = v->part->platform;

	return ps && v->id == 0 && v->lapic && vlapic_extint_open(v->lapic) ? ps : NULL;
}

bool platform_extint_pending(struct vcpu *v)
{
	struct platform_state *ps = extint_source(v);

	return ps && vpic_output(ps);
}

u8 platform_extint_ack(struct vcpu *v)
{
	return vpic_intack(v->part->platform);
}

u64 platform_timer_update(struct partition *p, u64 now)
{
	struct platform_state *ps = p->platform;

	if (!ps || ps->cfg.machine_devices)
		return 0;
	u64 a = vpit_timer_update(ps, now), b = vhpet_timer_update(ps, now);
	return !a ? b : !b ? a : MIN(a, b);
}

void platform_isa_irq(struct platform_state *ps, u32 irq, bool level)
{
	vpic_set_irq(ps, irq, level);
	vioapic_set_irq(ps->part, irq == 0 ? 2 : irq, level);
}

/*
 * What a PC's BIOS leaves for the system it boots, and what a child's
 * kernel finds (the hypervisor loads it in the firmware's place): the
 * 8259A pair initialized (vectors 0x08 and 0x70, cascade on IRQ 2, IRQ 0
 * unmasked), the PIT's counter 0 ticking at 18.2 Hz, and the first
 * vCPU's LINT0 in virtual-wire mode (ExtINT), LINT1 NMI, its local APIC
 * software-enabled (MP specification 1.4, 3.6.2.2: virtual wire mode). A
 * kernel that uses the I/O APIC masks the 8259A and stops the PIT, as it
 * does on a PC. The parent's PC is the machine's: its firmware ran.
 */
void platform_firmware_state(struct partition *p)
{
	struct platform_state *ps = p->platform;
	static const u8 master[] = { 0x11, 0x08, 0x04, 0x01, 0xfa };
	static const u8 slave[] = { 0x11, 0x70, 0x02, 0x01, 0xff };

	if (!ps || ps->cfg.machine_devices)
		return;
	for (u32 i = 0; i < sizeof(master); i++) {
		u32 v = master[i], w = slave[i];
		vpic_io_write(NULL, ps, i ? VPIC_MASTER + 1 : VPIC_MASTER, 1, v);
		vpic_io_write(NULL, ps, i ? VPIC_SLAVE + 1 : VPIC_SLAVE, 1, w);
	}
	vpit_firmware(ps, rdtsc());
	if (p->nr_vcpus && p->vcpu[0] && p->vcpu[0]->lapic)
		vlapic_virtual_wire(p->vcpu[0]->lapic);
}

void platform_poweroff(struct partition *p)
{
	partition_stop(p, OUTCOME_POWEROFF, "powered off through ACPI");
}

int platform_power_button(struct partition *p)
{
	struct platform_state *ps = p->platform;

	if (!ps || ps->cfg.machine_devices)
		return -1;
	vpm_power_button(ps);
	return 0;
}

void platform_reset(struct partition *p)
{
	/* Called with no device lock held: a restart resets the devices. */
	if (p->cfg.restart_on_reset && partition_restart(p) == 0)
		return;
	partition_stop(p, OUTCOME_RESET, "reset requested");
}

void platform_host_clock_init(void)
{
	u64 now = rtc_read_unix_time();
	u64 up = timer_uptime_us() / 1000000;

	if (!now) {
		pr_warn("rtc: no readable real-time clock; guests' clocks start at 1970");
		host_boot_unix_time = 0;
		return;
	}
	host_boot_unix_time = now > up ? now - up : 0;
	struct rtc_time tm;
	rtc_unix_to_time((s64)now, &tm);
	pr_info("rtc: host time %04u-%02u-%02u %02u:%02u:%02u UTC", tm.year, tm.mon, tm.mday,
		tm.hour, tm.min, tm.sec);
}
