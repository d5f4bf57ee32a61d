/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The devices of the virtual PC (vmm/platform.h), as the files that model
 * them (vioapic.c, vpic.c, vuart.c, vrtc.c, vpm.c) and platform.c, which
 * wires them to a partition, share them. Every device keeps its state
 * under its own spinlock, taken with interrupts off (the console-input
 * poll feeds the UART from the timer interrupt). Lock order: UART, then
 * I/O APIC; nothing is called with a device lock held that could wait
 * for another CPU.
 *
 * Every port or MMIO callback takes the partition's struct platform_state
 * as its opaque pointer.
 */
#ifndef VMM_DEV_PLATFORM_DEV_H
#define VMM_DEV_PLATFORM_DEV_H

#include "vmm/base/types.h"
#include "vmm/base/spinlock.h"
#include "vmm/dev/platform.h"
#include "drivers/rtc.h"
#include "partitions/hv_abi.h"

struct partition;
struct vcpu;

/* ---- I/O APIC (vioapic.c) ---- */
struct vioapic {
	spinlock_t lock;
	u32 ioregsel;   /* bits 7:0 of IOREGSEL */
	u32 id;         /* ID register: the ID in bits 31:24 */
	u32 lines;      /* inputs asserted now, bit n = pin n */
	u64 redir[PLAT_IOAPIC_PINS];
};

/* ---- 8259A pair and ELCR (vpic.c) ---- */
struct vpic_chip {
	u8 imr;
	u8 icw_next;     /* initialization word expected next: 2, 3, 4, or 0 = done */
	bool want_icw4, single;
	u8 vector_base;  /* ICW2 */
	u8 icw3, icw4;
	bool read_isr;   /* OCW3: port A0=0 reads ISR, else IRR */
	bool poll;       /* OCW3 poll command: the next read is the poll byte */
	bool special_mask;
	bool rotate_aeoi; /* OCW2: rotate priorities on automatic EOIs */
	u8 irr, isr;
	u8 lines;        /* input levels (edge detection, level mode) */
	u8 lowest;       /* the input of lowest priority (7 after reset) */
};

struct vpic {
	spinlock_t lock;
	struct vpic_chip chip[2]; /* master (0x20), slave (0xa0) */
	u8 elcr[2];
};

/* ---- 8254 PIT and port 0x61 (vpit.c) ---- */
#define VPIT_HZ 1193182
#define VPIT_BASE 0x40
#define VPIT_PORT61 0x61

struct vpit_counter {
	u8 mode;          /* 0-5 (6 and 7 are written as 2 and 3) */
	u8 rw;            /* access: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	bool loaded;      /* a count was written since the control word */
	bool null_count;  /* status bit 6: written, not yet counting */
	bool triggered;   /* counting (modes 1 and 5: after a gate edge) */
	bool frozen;      /* counter 2's gate low: the count stands */
	u32 count;        /* the initial count, 1..65536 (10000 in BCD) */
	u32 held;         /* the value shown while no count is loaded */
	u64 start_tsc;    /* host TSC the count started at */
	u64 frozen_ticks; /* ticks counted when it stopped */
	u64 edge_tick;    /* counter 0: tick of the next edge to send, 0: to plan */
	bool write_msb_next, read_msb_next, latch_msb_next;
	u8 write_lsb;
	bool count_latched, status_latched;
	u16 latched;
	u8 status;
};

struct vpit {
	spinlock_t lock;
	struct vpit_counter ch[3];
	u8 port61;        /* bits 3:0 as written */
	bool gate2;
	u64 edge_tsc;     /* host TSC of counter 0's next rising edge, 0: none */
	u64 last_edge_tsc;
	u64 edges;        /* IRQ 0 pulses sent */
};

/* ---- HPET (vhpet.c) ---- */
#define VHPET_TIMERS 3
#define VHPET_HZ 100000000ULL
#define VHPET_SIZE 0x400

struct vhpet_timer {
	u64 conf;         /* Tn_CONF as written (writable bits) */
	u64 cmp;          /* the comparator */
	u64 period;       /* periodic mode: added at each match */
	u64 target;       /* main counter value of the next match, 0: none */
	u64 fire_tsc;     /* host TSC of that match, 0: none */
};

struct vhpet {
	spinlock_t lock;
	u64 conf;         /* GEN_CONF: ENABLE_CNF, LEG_RT_CNF */
	u64 isr;          /* GINTR_STA: level-mode timers interrupting */
	u64 counter;      /* the main counter at base_tsc (or held: halted) */
	u64 base_tsc;
	u64 last_event_tsc;
	u64 next_tsc;     /* the earliest timer event, 0: none (read lock-free) */
	struct vhpet_timer t[VHPET_TIMERS];
};

/* ---- 16550A UART (vuart.c) ---- */
#define VUART_FIFO_SIZE 16

struct vuart {
	spinlock_t lock;
	u8 ier, lcr, mcr, scr, dll, dlm;
	u8 fcr;          /* FIFO enable, DMA mode and trigger bits as written */
	u8 lsr_err;      /* OE, PE, FE, BI: held until LSR is read */
	u8 msr_delta;    /* MSR bits 3:0, cleared by reading MSR */
	u8 msr_lines;    /* MSR bits 7:4 as last computed */
	bool thre_pending; /* THR-empty interrupt (cleared by IIR read or THR write) */
	bool irq_out;    /* level last driven onto the I/O APIC pin */
	u8 rx[VUART_FIFO_SIZE];
	u8 rx_head, rx_count;
};

/* ---- MC146818 RTC and CMOS RAM (vrtc.c) ---- */
struct vrtc {
	spinlock_t lock;
	u8 index;        /* port 0x70 as written: register in 6:0, NMI mask in 7 */
	u8 ram[128];     /* A, B, the alarms and the general-purpose bytes */
	s64 offset;      /* guest time minus host time, seconds */
	bool frozen;     /* register B SET: the clock stands while the guest sets it */
	struct rtc_time set_tm; /* the time being set, field by field */
	u64 last_c_us;   /* host uptime at the last read of register C */
};

/* ---- ACPI fixed hardware, reset register, i8042 (vpm.c) ---- */
struct vpm {
	spinlock_t lock;
	u16 sts_wak;     /* PM1_STS bits held (WAK_STS) */
	u16 en;          /* PM1_EN */
	u16 cnt;         /* PM1_CNT bits held (BM_RLD, SLP_TYP) */
	u64 tmr_base_tsc;
	u64 tmr_last;    /* highest tick count handed out: monotonic across CPUs */
	u64 tmr_sts_base;/* tick count when TMR_STS was last cleared */
	u8 reset_reg;    /* 0xcf9 bits that read back */
	bool kbd_cmd_last; /* i8042 status A2: the last write was a command */
};

struct pci_bus;
struct virtio_dev;

struct platform_state {
	struct partition *part;
	struct platform_config cfg;
	struct vioapic ioapic;
	struct vpic pic;
	struct vpit pit;       /* a child's only (not the machine's devices) */
	struct vhpet hpet;     /* a child's only */
	struct vuart uart;
	struct vrtc rtc;
	struct vpm pm;
	struct pci_bus *pci;   /* a child's PCI bus 0 (pci.h); NULL for the parent */
	struct virtio_dev *vdev[HV_DEVICES_MAX]; /* its virtio devices (virtio_pci.c) */
	u32 nr_vdev;
};

/* Resets (also the initial state). */
void vioapic_reset(struct platform_state *ps);
void vpic_reset(struct platform_state *ps);
void vuart_reset(struct platform_state *ps);
void vrtc_init(struct platform_state *ps);   /* power-on: time and CMOS RAM */
void vrtc_reset(struct platform_state *ps);  /* hardware reset: keeps both */
void vpm_init(struct platform_state *ps);
void vpm_reset(struct platform_state *ps);
void vpm_power_button(struct platform_state *ps);

void vpit_reset(struct platform_state *ps);
/* Counter 0 as a PC's firmware leaves it (mode 3, 18.2 Hz), from `now`. */
void vpit_firmware(struct platform_state *ps, u64 now);
/* Fires counter 0's due edge on IRQ 0 at host TSC `now`; returns the
 * host TSC of the next one, or 0. Called on the first vCPU's CPU. */
u64 vpit_timer_update(struct platform_state *ps, u64 now);
/* One byte of the PIT's ports or port 0x61 at host TSC `now` (the port
 * callbacks take rdtsc(); the unit tests their own clock). */
u8 vpit_read_at(struct platform_state *ps, u16 port, u64 now);
void vpit_write_at(struct platform_state *ps, u16 port, u8 val, u64 now);

void vhpet_reset(struct platform_state *ps);
/* Fires the HPET's due timers at host TSC `now`; returns the host TSC
 * of the next, or 0. Called on the first vCPU's CPU. */
u64 vhpet_timer_update(struct platform_state *ps, u64 now);
/* Whether its legacy replacement route is on (the PIT's IRQ 0 cut off). */
bool vhpet_legacy(struct platform_state *ps);
/* A register access at offset `off` at host TSC `now` (the MMIO
 * callbacks take rdtsc(); the unit tests their own clock). */
u64 vhpet_read_at(struct platform_state *ps, u64 off, u8 size, u64 now);
void vhpet_write_at(struct platform_state *ps, u64 off, u8 size, u64 val, u64 now);

/* The 8259A pair's input `irq` (0-15) at `level` (vpic.c). */
void vpic_set_irq(struct platform_state *ps, u32 irq, bool level);
/* Whether the master's INT output asks for the CPU. */
bool vpic_output(struct platform_state *ps);
/* The interrupt acknowledge cycle: the vector (the spurious IRQ 7 or 15
 * vector when the request went away). */
u8 vpic_intack(struct platform_state *ps);
/* An ISA interrupt line: the 8259A's input and the I/O APIC's (IRQ 0 on
 * pin 2, as the MADT's override says; platform.c). */
void platform_isa_irq(struct platform_state *ps, u32 irq, bool level);

/* Port and MMIO callbacks (struct io_device / struct mmio_device). */
int vioapic_mmio_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val);
int vioapic_mmio_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val);
int vpic_io_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val);
int vpic_io_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val);
int vhpet_mmio_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val);
int vhpet_mmio_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val);
int vpit_io_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val);
int vpit_io_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val);
int vuart_io_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val);
int vuart_io_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val);
int vrtc_io_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val);
int vrtc_io_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val);
int vpm_io_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val);
int vpm_io_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val);

/* Port ranges the callbacks above serve. */
#define VPIC_MASTER 0x20
#define VPIC_SLAVE 0xa0
#define VPIC_ELCR 0x4d0

/*
 * An 8-bit ISA device sees a wider port access as byte accesses at
 * consecutive ports (the chipset splits it); bytes beyond the device's
 * own ports float high on reads and vanish on writes. `first` is the
 * device's first port and `count` its number of ports.
 */
static inline bool isa_byte_in_range(u16 port, u8 i, u16 first, u16 count)
{
	u32 p = (u32)port + i;
	return p >= first && p - first < count;
}

#endif
