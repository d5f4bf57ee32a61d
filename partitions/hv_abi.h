/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The hypervisor's public ABI: what a guest (or the parent's driver) may
 * rely on. Versioned; layouts are pinned with static assertions.
 *
 * Hypercalls: VMMCALL on AMD, VMCALL on Intel, from CPL 0 only (any other
 * privilege level gets #UD). RAX = call number; arguments in RDI, RSI,
 * RDX, R10, R8, R9; the result comes back in RAX: >= 0 on success, or
 * -HV_E* on error. Callers outside 64-bit mode pass 32-bit arguments in
 * the low halves and get the 64-bit result in EDX:EAX. Every other
 * register is preserved. Each call names the partitions allowed to make
 * it; others get -HV_EPERM.
 */
#ifndef HV_ABI_H
#define HV_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef __u8 hv_u8;
typedef __u16 hv_u16;
typedef __u32 hv_u32;
typedef __u64 hv_u64;
#else
#include <stdint.h>
typedef uint8_t hv_u8;
typedef uint16_t hv_u16;
typedef uint32_t hv_u32;
typedef uint64_t hv_u64;
#endif

#define HV_ABI_VERSION 3

/* CPUID: the hypervisor's vendor leaf, found by scanning 0x40000000 up
 * in steps of 0x100 for the signature (as with KVM's leaves). The range
 * at 0x40000000 itself holds the Hyper-V (TLFS) leaves Linux reads for
 * its clock, so this leaf sits at 0x40000100. */
#define HV_CPUID_BASE 0x40000100u
#define HV_CPUID_SIGNATURE "hvhypervisor" /* EBX, ECX, EDX */
/* base + 1: EAX = ABI version, EBX = vCPU index, ECX = vCPU count,
 * EDX = partition id.
 * base + 2: EAX = partition flags. */
#define HV_CPUID_FLAG_START_ALL (1u << 0) /* every vCPU started at the entry */

/* Hypercall numbers. */
#define HVC_VERSION 0          /* () -> HV_ABI_VERSION */
#define HVC_CONSOLE_WRITE 1    /* (gpa, len <= 4096) -> bytes written (0 for len 0) */
#define HVC_PARTITION_INFO 2   /* (gpa of struct hv_partition_info) -> 0 */
#define HVC_YIELD 3            /* () -> 0: give up the rest of the slice */
#define HVC_TIME_NS 4          /* () -> nanoseconds since hypervisor boot */
#define HVC_EXIT 5             /* (status) -> stops the calling partition */

/*
 * Parent only: managing partitions (HV_ABI_VERSION 2). A partition is
 * named by its id (1, 2, ... in creation order, never reused: a call with
 * the id of a partition that is gone gets -HV_ENOENT). At most
 * HV_PARTITIONS_MAX partitions exist at once.
 * Every address is a guest-physical address in the parent's memory (the
 * parent's memory is identity-mapped, so a kernel buffer's physical
 * address). A call that would take long -- populate, destroy -- does a
 * bounded share of the work and returns HV_MORE: call it again with the
 * same arguments until it returns 0.
 */
#define HVC_PARENT_FIRST 0x100
#define HVC_PARTITION_LIST 0x100     /* (gpa of hv_u32 ids[max], max) -> count (may exceed max) */
#define HVC_PARTITION_STATUS 0x101   /* (id, gpa of struct hv_partition_status) -> 0 */
#define HVC_PARTITION_CREATE 0x102   /* (gpa of struct hv_create) -> id */
#define HVC_PARTITION_POPULATE 0x103 /* (id) -> 0 or HV_MORE: RAM from the pool, scrubbed */
#define HVC_PARTITION_WRITE 0x104    /* (id, child gpa, parent gpa, len <= HV_WRITE_MAX) -> 0 */
#define HVC_VCPU_SET_STATE 0x105     /* (id, vcpu, gpa of struct hv_vcpu_state) -> 0 */
#define HVC_PARTITION_START 0x106    /* (id) -> 0 */
#define HVC_PARTITION_PAUSE 0x107    /* (id) -> 0 */
#define HVC_PARTITION_RESUME 0x108   /* (id) -> 0 */
#define HVC_PARTITION_SHUTDOWN 0x109 /* (id) -> 0: presses its ACPI power button */
#define HVC_PARTITION_RESET 0x10a    /* (id) -> 0: a hard reset, then its on_reboot */
#define HVC_PARTITION_DESTROY 0x10b  /* (id) -> 0 or HV_MORE */
#define HVC_PARTITION_SCHED 0x10c    /* (id, weight, cap) -> 0 */
#define HVC_CONSOLE_READ 0x10d       /* (id, gpa of struct hv_ring_read) -> bytes */
#define HVC_CONSOLE_INPUT 0x10e      /* (id, gpa, len <= HV_INPUT_MAX) -> bytes taken */
#define HVC_LOG_READ 0x10f           /* (gpa of struct hv_ring_read) -> bytes */
#define HVC_EVENT_READ 0x110         /* (gpa of struct hv_event[max], max, from seq) -> count */
#define HVC_EVENT_NOTIFY 0x111       /* (vector 0x20-0xff, or 0 for none) -> 0 */
#define HVC_POOL_INFO 0x112          /* (gpa of struct hv_pool_info) -> 0 */
/* Devices and the channel (HV_ABI_VERSION 3; see "the channel" below). */
#define HVC_DEVICE_ADD 0x113     /* (id, gpa of struct hv_device) -> device index */
#define HVC_DEVICE_QUERY 0x114   /* (id, device, gpa of struct hv_device_state) -> 0 */
#define HVC_DEVICE_ACK 0x115     /* (id, device, HV_ACK_*, gpa of reason or 0) -> 0 */
#define HVC_CHANNEL_OPEN 0x116   /* (id, gpa of the ring area, bytes, vector or 0) -> 0 */
#define HVC_CHANNEL_SIGNAL 0x117 /* (id) -> records taken from the out ring */
#define HVC_CHANNEL_CLOSE 0x118  /* (id) -> 0 */
#define HVC_MEMORY_SHARE 0x119   /* (id, gpa of struct hv_mem_range[max], max) -> count */
/* PCI passthrough (struct hv_pci_dev below) */
#define HVC_PCI_ASSIGN 0x11a     /* (id, bdf) -> 0: the parent's function to a child */
#define HVC_PCI_RETURN 0x11b     /* (bdf) -> 0: an assignable function back to the parent */
#define HVC_PCI_LIST 0x11c       /* (gpa of struct hv_pci_dev[max], max) -> count */
#define HVC_PARENT_LAST HVC_PCI_LIST /* the highest call defined */
#define HVC_COUNT_MAX 0x200          /* numbers >= this are never valid */

/* A call that did part of its work: call again. */
#define HV_MORE 1

/* Errors, returned negated in RAX; the values are Linux's errno values. */
#define HV_EPERM 1
#define HV_ENOENT 2
#define HV_E2BIG 7
#define HV_EAGAIN 11
#define HV_ENOMEM 12
#define HV_EFAULT 14
#define HV_EBUSY 16
#define HV_EEXIST 17
#define HV_EINVAL 22
#define HV_ENOSPC 28
#define HV_ENOSYS 38

#define HV_NAME_MAX 32

struct hv_partition_info {
	hv_u32 id;
	hv_u32 vcpus;
	hv_u64 memory_bytes;
	char name[HV_NAME_MAX];
	hv_u64 exits;        /* total exits so far */
	hv_u64 reserved[4];
};

#ifndef __cplusplus
_Static_assert(sizeof(struct hv_partition_info) == 88, "hv_partition_info layout");
#endif

/* ---- management (parent only) ------------------------------------------- */

#define HV_PARTITIONS_MAX 64
#define HV_VCPUS_MAX 64
#define HV_WRITE_MAX 0x10000u  /* bytes per HVC_PARTITION_WRITE */
#define HV_INPUT_MAX 256u      /* bytes per HVC_CONSOLE_INPUT */
#define HV_WEIGHT_DEFAULT 256
#define HV_WEIGHT_MAX 65535
#define HV_MEMORY_MIN (2ull << 20)
#define HV_MEMORY_MAX (256ull << 30)
#define HV_MEMORY_ALIGN (2ull << 20)

/*
 * A child's guest-physical layout: RAM from 0 up to min(memory, 3 GiB),
 * the rest from 4 GiB; 3-4 GiB holds its devices (local APIC 0xfee00000,
 * I/O APIC 0xfec00000). With HV_CREATE_PLATFORM_PC, HVC_PARTITION_START
 * writes its ACPI tables at HV_ACPI_BASE (RSDP first) over whatever is
 * there; an OS should treat [HV_LOW_RAM_END, 1 MiB) as reserved, as on a
 * PC. The PC platform: 16550 UART at 0x3f8 (IRQ 4), CMOS RTC, ACPI PM
 * block with the power button (fixed feature, SCI on IRQ 9), reset
 * register 0xcf9, i8042 reset, pvpanic (ACPI QEMU0001) at port 0x510.
 */
#define HV_LOW_RAM_MAX (3ull << 30)
#define HV_HIGH_RAM_BASE (4ull << 30)
#define HV_ACPI_BASE 0xe0000ull
#define HV_LOW_RAM_END 0x9fc00ull

/* hv_create.flags */
#define HV_CREATE_PLATFORM_PC (1u << 0) /* the virtual PC above */
/* An access to a guest-physical address with nothing behind it stops the
 * child (for hostile-guest tests). Without it such reads return all ones
 * and writes are dropped, as on a PC's bus (logged, rate-limited). */
#define HV_CREATE_STOP_UNCLAIMED (1u << 1)
#define HV_CREATE_FLAGS_ALL (HV_CREATE_PLATFORM_PC | HV_CREATE_STOP_UNCLAIMED)

/* What happens when a child powers off, reboots or crashes. */
#define HV_ACTION_DESTROY 0  /* it goes; its memory returns to the pool */
#define HV_ACTION_RESTART 1  /* memory scrubbed, vCPUs and devices reset;
			      * it waits in HV_STATE_REBUILD for its builder
			      * to load it and start it again (a pre-launched
			      * child the hypervisor reloads itself) */
#define HV_ACTION_PRESERVE 2 /* kept stopped for inspection */
#define HV_ACTION_MAX 2

struct hv_create {
	char name[HV_NAME_MAX]; /* 1-31 of [A-Za-z0-9_.-], NUL-terminated, unique */
	hv_u64 memory_bytes;    /* HV_MEMORY_MIN..HV_MEMORY_MAX, HV_MEMORY_ALIGN multiple */
	hv_u64 cpus;            /* physical CPUs its vCPUs may run on; 0 = any */
	hv_u32 vcpus;           /* 1..HV_VCPUS_MAX */
	hv_u32 flags;           /* HV_CREATE_* */
	hv_u32 weight;          /* scheduler share, 1..HV_WEIGHT_MAX; 0 = default */
	hv_u32 cap;             /* % of one CPU it may use, 0 = none, <= 100 * vcpus */
	hv_u8 on_poweroff, on_reboot, on_crash; /* HV_ACTION_* */
	hv_u8 reserved0;
	hv_u32 reserved[7];     /* zero */
};

/* hv_vcpu_state.mode */
#define HV_MODE_REAL 0      /* CS:IP = rip >> 4 : rip & 15, segments at 0 */
#define HV_MODE_PROTECTED 1 /* flat 4 GiB 32-bit CS/DS/ES/SS, paging off */
#define HV_MODE_LONG 2      /* flat 64-bit CS, PAE paging from cr3 */
/* hv_vcpu_state.flags */
#define HV_VCPU_RUNNABLE (1u << 0) /* runs at start; else waits for INIT/SIPI */

struct hv_vcpu_state {
	hv_u32 mode;
	hv_u32 flags;
	hv_u64 rip;
	hv_u64 cr3;         /* HV_MODE_LONG: page-aligned, inside its RAM */
	hv_u64 gpr[16];     /* RAX RCX RDX RBX RSP RBP RSI RDI R8-R15 */
	hv_u64 reserved[4]; /* zero */
};

/* hv_partition_status.state */
#define HV_STATE_CREATED 0  /* being built: populate, write, set vCPUs, start */
#define HV_STATE_RUNNING 1
#define HV_STATE_PAUSED 2
#define HV_STATE_STOPPED 3  /* kept (preserve, or a test outcome) */
#define HV_STATE_REBUILD 4  /* restarting: waits for its builder (HV_ACTION_RESTART) */
#define HV_STATE_DYING 5    /* being destroyed */
/* hv_partition_status.flags */
#define HV_STATUS_PARENT (1u << 0)
#define HV_STATUS_PRELAUNCHED (1u << 1) /* from the boot configuration */
#define HV_STATUS_PLATFORM_PC (1u << 2)
/* hv_partition_status.outcome: how it stopped last */
#define HV_OUTCOME_NONE 0
#define HV_OUTCOME_POWEROFF 1
#define HV_OUTCOME_REBOOT 2
#define HV_OUTCOME_CRASH 3    /* triple fault, unrecoverable exit, pvpanic */
#define HV_OUTCOME_EXIT 4     /* HVC_EXIT or a test result */
#define HV_OUTCOME_TIMEOUT 5
#define HV_OUTCOME_DESTROYED 6

/* Exit counters, by reason (hv_partition_status.exits). */
#define HV_EXIT_REASONS 24
#define HV_EXIT_REASON_NAMES { "cpuid", "io", "rdmsr", "wrmsr", "mmio", "hlt", \
	"hypercall", "intr", "intr-window", "exception", "npf", "shutdown", "pause", \
	"cr", "xsetbv", "virt-insn", "invd", "timer", "invalid", "other" }

struct hv_partition_status {
	hv_u32 id;
	hv_u32 state;            /* HV_STATE_* */
	char name[HV_NAME_MAX];
	hv_u32 vcpus;
	hv_u32 flags;            /* HV_STATUS_* */
	hv_u64 memory_bytes;     /* its size */
	hv_u64 populated_bytes;  /* of which taken from the pool so far */
	hv_u64 cpus;             /* allowed physical CPUs, 0 = any */
	hv_u32 weight, cap;
	hv_u32 outcome;          /* HV_OUTCOME_* */
	hv_u32 restarts;
	hv_u8 on_poweroff, on_reboot, on_crash, reserved0;
	hv_u32 reserved1;
	hv_u64 uptime_ns;        /* since it last started */
	hv_u64 run_ns;           /* CPU time, all vCPUs */
	hv_u64 wait_ns;          /* runnable but waiting for a CPU */
	hv_u64 capped_ns;        /* runnable but held back by its cap */
	hv_u64 vcpu_run_ns[HV_VCPUS_MAX];
	hv_u64 exits[HV_EXIT_REASONS];
	char stop_reason[128];
	hv_u64 reserved[8];
};

/* HVC_CONSOLE_READ, HVC_LOG_READ: bytes from a ring. Positions count
 * every byte the ring has taken; the ring keeps the newest ones. */
struct hv_ring_read {
	hv_u64 pos;   /* in: first byte wanted; out: first byte returned (later
		       * than asked when the ring no longer holds it) */
	hv_u64 end;   /* out: position after the newest byte */
	hv_u64 buf;   /* gpa of the buffer */
	hv_u32 len;   /* its size, <= HV_WRITE_MAX */
	hv_u32 reserved;
};

/* Events, in a ring of the newest HV_EVENTS_KEPT; seq counts from 1. */
#define HV_EVENTS_KEPT 256
#define HV_EVENT_CREATED 1
#define HV_EVENT_STARTED 2
#define HV_EVENT_PAUSED 3
#define HV_EVENT_RESUMED 4
#define HV_EVENT_REBOOTED 5   /* it reset; action = what followed */
#define HV_EVENT_POWEROFF 6   /* it powered off; action = what followed */
#define HV_EVENT_CRASHED 7    /* reason says how; action = what followed */
#define HV_EVENT_STOPPED 8    /* another ending (HVC_EXIT, test result, timeout) */
#define HV_EVENT_DESTROYED 9
#define HV_EVENT_SHUTDOWN_REQUESTED 10 /* its power button was pressed */

struct hv_event {
	hv_u64 seq;
	hv_u64 time_ns;     /* since the hypervisor started */
	hv_u32 id;          /* the partition */
	hv_u32 type;        /* HV_EVENT_* */
	hv_u32 action;      /* HV_ACTION_* for REBOOTED, POWEROFF, CRASHED */
	hv_u32 reserved;
	char name[HV_NAME_MAX];
	char reason[96];
};

struct hv_pool_info {
	hv_u64 total_bytes;  /* memory the pool started with */
	hv_u64 free_bytes;   /* what a new child can have now */
	hv_u64 reserved_bytes; /* kept for the hypervisor's own use */
	hv_u32 cpus;         /* physical CPUs online */
	hv_u32 partitions;   /* partitions now */
	hv_u64 reserved[4];
};

/* ---- devices and the channel (parent only, HV_ABI_VERSION 3) ------------ *
 *
 * A child's devices are virtio devices (virtio 1.2, "modern" PCI transport
 * only) on a PCI host bridge its ACPI tables describe (DSDT PNP0A08 on bus
 * 0, MCFG for ECAM at HV_PCI_ECAM_BASE; config mechanism #1 at ports
 * 0xcf8/0xcfc works too). The hypervisor emulates only the transport:
 * config space, the virtio capabilities, the common configuration, the
 * ISR, the MSI-X table. What a device does happens in the parent, in a
 * backend process that
 *  - adds the device before the child starts (HVC_DEVICE_ADD: its virtio
 *    device type, offered features, queues and the bytes of its
 *    device-specific configuration, which the hypervisor serves);
 *  - sees the child's RAM (HVC_MEMORY_SHARE maps it into the parent at the
 *    host addresses it returns, until the child is destroyed);
 *  - opens the child's channel (HVC_CHANNEL_OPEN): two rings in the
 *    parent's own memory. The hypervisor writes to the IN ring what the
 *    child's driver did (a queue notification, a status or configuration
 *    write) and the child's vCPU resumes at once: it never waits for the
 *    parent. The parent writes to the OUT ring "raise queue Q's interrupt
 *    in device D" records and drains many with one HVC_CHANNEL_SIGNAL.
 *
 * Device index d is PCI device d + 1 on bus 0 (function 0). Its BARs, as
 * the hypervisor assigns them at start (the guest may move them within
 * the windows below): BAR0, I/O, HV_PCI_IO_BAR_SIZE ports: the queue
 * notification registers (queue q at offset 2q, a 16-bit write; port I/O
 * so that a kick exits with the port number and needs no instruction
 * decode); BAR1, 32-bit memory, HV_PCI_MEM_BAR_SIZE: common configuration
 * at 0, ISR at 0x1000, device configuration at 0x2000, MSI-X table at
 * 0x3000 (queues + 1 vectors), PBA at 0x3800. Interrupts are MSI-X only.
 */
#define HV_PCI_ECAM_BASE 0xe0000000ull  /* bus 0 only: 1 MiB */
#define HV_PCI_ECAM_SIZE 0x100000ull
#define HV_PCI_MEM_BASE 0xc0000000ull   /* the 32-bit BAR window */
#define HV_PCI_MEM_SIZE 0x10000000ull
#define HV_PCI_IO_BASE 0xc000u          /* the I/O BAR window */
#define HV_PCI_IO_SIZE 0x1000u
#define HV_PCI_IO_BAR_SIZE 0x20u
#define HV_PCI_MEM_BAR_SIZE 0x4000u

#define HV_DEVICES_MAX 8         /* per child */
#define HV_QUEUES_MAX 8          /* per device */
#define HV_QUEUE_SIZE_MAX 1024   /* a power of two */
#define HV_DEVICE_CONFIG_MAX 256
/* hv_device.type: virtio device IDs (virtio 1.2 5). */
#define HV_VIRTIO_NET 1
#define HV_VIRTIO_BLOCK 2
#define HV_VIRTIO_CONSOLE 3
#define HV_VIRTIO_RNG 4
#define HV_VIRTIO_F_VERSION_1 (1ull << 32) /* must be offered */

struct hv_device {
	hv_u32 type;           /* HV_VIRTIO_* */
	hv_u16 queues;         /* 1..HV_QUEUES_MAX */
	hv_u16 queue_size;     /* largest queue, a power of two <= HV_QUEUE_SIZE_MAX */
	hv_u64 features;       /* offered; HV_VIRTIO_F_VERSION_1 required */
	hv_u32 config_len;     /* <= HV_DEVICE_CONFIG_MAX */
	hv_u32 reserved0;
	hv_u8 config[HV_DEVICE_CONFIG_MAX]; /* device-specific configuration */
	hv_u64 reserved[4];    /* zero */
};

struct hv_queue_state {
	hv_u64 desc, driver, device; /* guest-physical: descriptor table, available, used ring */
	hv_u16 size;           /* as the driver set it */
	hv_u16 msix_vector;    /* 0xffff: none */
	hv_u16 enabled;
	hv_u16 reserved;
};

/* hv_device_state.status: the virtio device status the driver wrote. */
#define HV_VIRTIO_S_ACKNOWLEDGE 1
#define HV_VIRTIO_S_DRIVER 2
#define HV_VIRTIO_S_DRIVER_OK 4
#define HV_VIRTIO_S_FEATURES_OK 8
#define HV_VIRTIO_S_NEEDS_RESET 0x40
#define HV_VIRTIO_S_FAILED 0x80

struct hv_device_state {
	hv_u32 type;
	hv_u8 status;          /* HV_VIRTIO_S_* */
	hv_u8 reset_pending;   /* the driver reset it; waits for HV_ACK_RESET */
	hv_u16 queues;
	hv_u64 driver_features;
	hv_u32 resets;         /* how many resets the driver asked for */
	hv_u32 config_len;
	hv_u8 config[HV_DEVICE_CONFIG_MAX]; /* as now, with the driver's writes */
	struct hv_queue_state queue[HV_QUEUES_MAX];
	hv_u64 reserved[4];
};

/* HVC_DEVICE_ACK: what the backend says of a device. */
#define HV_ACK_RESET 1   /* done with the reset the driver asked for: it reads
			  * status 0 from now on */
#define HV_ACK_BROKEN 2  /* the driver broke the virtio rules: status
			  * NEEDS_RESET, a configuration interrupt, a log
			  * line with the reason (a NUL-terminated string of
			  * at most HV_REASON_MAX bytes in the parent) */
#define HV_REASON_MAX 96

/*
 * The channel. The ring area (HVC_CHANNEL_OPEN) is page-aligned parent
 * memory of 3 to 64 pages: page 0 holds the two rings' control blocks
 * (IN at 0, OUT at 2048); the IN ring's data takes the first half of the
 * remaining pages, the OUT ring's the second half (so their data sizes
 * are (bytes - 4096) / 2 rounded down to a page). A ring's indices are
 * byte offsets into its data, always multiples of HV_CHAN_RECORD; the
 * writer owns write_index, the reader read_index; equal means empty, and
 * the writer keeps one record free. The hypervisor reads the parent's
 * indices once per use and checks them: a bad one closes the channel.
 *
 * IN ring (hypervisor -> parent): the hypervisor raises the vector given
 * at open (0x20-0xff; 0: none, the reader polls) in the parent's vCPU 0
 * when a record makes the ring non-empty while interrupt_mask is 0. The reader sets interrupt_mask while it
 * drains, clears it, then looks once more (the usual race). A full IN
 * ring sets HV_CHAN_OVERFLOW in flags and drops the record: notifications
 * are idempotent, and a reader that sees the flag clears it and looks at
 * every queue of every device.
 * OUT ring (parent -> hypervisor): records the hypervisor takes at
 * HVC_CHANNEL_SIGNAL, at most the ring's worth per call.
 * Unlike VMBus there is no pending-send size: neither side ever waits for
 * room -- the hypervisor drops an idempotent notification and sets the
 * overflow flag, and the parent's SIGNAL empties the OUT ring at once.
 */
#define HV_CHAN_PAGES_MIN 3
#define HV_CHAN_PAGES_MAX 64
#define HV_CHAN_RECORD 8
#define HV_CHAN_OVERFLOW (1u << 0)
#define HV_CHAN_CLOSED (1u << 1)   /* in IN's flags: the hypervisor closed it */

struct hv_chan_ctl {
	hv_u32 write_index;
	hv_u32 read_index;
	hv_u32 interrupt_mask;
	hv_u32 flags;          /* HV_CHAN_OVERFLOW, HV_CHAN_CLOSED */
	hv_u32 data_size;      /* bytes of data (set by the hypervisor at open) */
	hv_u32 reserved[11];
};

/* A record. IN: HV_CHAN_KICK (the driver notified queue `queue`),
 * HV_CHAN_STATUS (it wrote device status `value`; 0 is a reset, which the
 * backend answers with HV_ACK_RESET; HVC_DEVICE_QUERY tells the queues'
 * addresses and the features once DRIVER_OK is set). OUT: HV_CHAN_IRQ
 * (raise queue `queue`'s MSI-X vector, HV_CHAN_CONFIG_IRQ for the
 * configuration vector; a masked vector stays pending until unmasked). */
#define HV_CHAN_KICK 1
#define HV_CHAN_STATUS 2
#define HV_CHAN_IRQ 3
#define HV_CHAN_CONFIG_IRQ 0xffff
struct hv_chan_record {
	hv_u8 type;
	hv_u8 device;
	hv_u16 queue;
	hv_u32 value;
};

/* HVC_MEMORY_SHARE: where the child's RAM is visible to the parent. */
struct hv_mem_range {
	hv_u64 child_gpa;
	hv_u64 parent_gpa;     /* where the parent sees it (its physical address) */
	hv_u64 size;
};

#ifndef __cplusplus
_Static_assert(sizeof(struct hv_device) == 312, "hv_device layout");
_Static_assert(sizeof(struct hv_queue_state) == 32, "hv_queue_state layout");
_Static_assert(sizeof(struct hv_device_state) == 568, "hv_device_state layout");
_Static_assert(sizeof(struct hv_chan_ctl) == 64, "hv_chan_ctl layout");
_Static_assert(sizeof(struct hv_chan_record) == HV_CHAN_RECORD, "hv_chan_record layout");
_Static_assert(sizeof(struct hv_mem_range) == 24, "hv_mem_range layout");
#endif

/*
 * PCI passthrough. A PCI function (segment 0; bdf = bus << 8 | device <<
 * 3 | function) the parent owns goes to a child with HVC_PCI_ASSIGN while
 * the child is built (before HVC_PARTITION_START), once the parent's own
 * driver has let go of it: the hypervisor turns its decoding and bus
 * mastering off, hides it from the parent (configuration reads all ones,
 * its BARs unmapped), confines its DMA to the child's memory and shows it
 * to the child at PCI 00:HV_PCI_PT_SLOT+n.0. It needs the IOMMU with
 * interrupt remapping (HV_EPERM without). When the child is destroyed the
 * function is reset (FLR where it has it) and stays "assignable" (held by
 * the hypervisor, DMA blocked) until HVC_PCI_RETURN gives it back to the
 * parent or HVC_PCI_ASSIGN to another child. Errors: HV_ENOENT (no such
 * function or child), HV_EBUSY (assigned already, or the child started),
 * HV_EINVAL (a bridge, a host bridge, the IOMMU's own, a function without
 * MSI or MSI-X, BARs that do not fit), HV_ENOSPC (too many).
 */
#define HV_PCI_PT_SLOT 16
#define HV_PCI_PT_MAX 8          /* assigned or assignable at once */
#define HV_PCI_ASSIGNED 1        /* to a child (owner) */
#define HV_PCI_ASSIGNABLE 2      /* held, reset, waiting for HVC_PCI_RETURN */
struct hv_pci_dev {
	hv_u32 bdf;
	hv_u32 state;            /* HV_PCI_* */
	hv_u32 owner;            /* the child's id (HV_PCI_ASSIGNED), else 0 */
	hv_u16 vendor, device;
	hv_u32 resets;           /* function level resets done on it */
	hv_u32 mapped_kib;       /* of its BARs mapped straight into the owner */
	hv_u32 forwarded;        /* BAR accesses the hypervisor carried out (wraps) */
	hv_u32 msix_traps;       /* of those, to the MSI-X table or pending bits */
};

#ifndef __cplusplus
_Static_assert(sizeof(struct hv_pci_dev) == 32, "hv_pci_dev layout");
_Static_assert(sizeof(struct hv_create) == 96, "hv_create layout");
_Static_assert(sizeof(struct hv_vcpu_state) == 184, "hv_vcpu_state layout");
_Static_assert(sizeof(struct hv_partition_status) == 1024, "hv_partition_status layout");
_Static_assert(sizeof(struct hv_ring_read) == 32, "hv_ring_read layout");
_Static_assert(sizeof(struct hv_event) == 160, "hv_event layout");
_Static_assert(sizeof(struct hv_pool_info) == 64, "hv_pool_info layout");
#endif

/*
 * Test device, in a child given testdev=on, and by default in every child
 * while the hypervisor runs in test mode (test=1):
 *   port 0x500 (byte out)  console: bytes are line-buffered into the log
 *   port 0x504 (u32 out)   result: 0 = pass, anything else = fail code;
 *                          the partition stops with that result
 *   port 0x508 (any)       no-op: handled in the hypervisor, no effect
 *                          (a minimal exit for benchmarks)
 * and an MMIO page at HV_TESTDEV_MMIO:
 *   0x000-0x0ff  scratch: reads return what was written
 *   0x100 (u64)  count of MMIO accesses to the page so far (read-only)
 *   0x108 (u64)  HV_TESTDEV_MAGIC (read-only)
 */
#define HV_TESTDEV_PORT_CONSOLE 0x500
#define HV_TESTDEV_PORT_RESULT 0x504
#define HV_TESTDEV_PORT_NOP 0x508
#define HV_TESTDEV_MMIO 0xfeb00000u
#define HV_TESTDEV_MAGIC 0x4d4d545345545648ull /* "HVTESTMM" little-endian */

/*
 * State at a pre-launched image's entry point: RDI (EDI, DI) = vCPU index,
 * RSI = the partition's memory size in bytes (ESI saturates at 4 GiB-1;
 * real mode gets the size in KiB in SI, saturated at 0xffff).
 * Protected-mode entry: flat 4 GiB CS/DS/SS, paging off. Long-mode entry:
 * the first 4 GiB of guest-physical space identity-mapped with 2 MiB pages
 * (tables at the top of the partition's memory, which the image must not
 * overwrite), flat 64-bit CS. Real-mode entry: CS:IP = entry >> 4 : entry & 15.
 */

#endif
