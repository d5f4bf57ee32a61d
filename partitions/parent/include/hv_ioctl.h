/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * /dev/hv: the parent's interface to the hypervisor's management calls
 * (partitions/hv_abi.h), for hvctl and device backends. Root only.
 *
 * Every ioctl returns 0 (or a count where said) or -1 with errno: the
 * hypervisor's HV_E* codes are Linux errno values (EPERM, ENOENT, E2BIG,
 * EAGAIN, ENOMEM, EFAULT, EBUSY, EEXIST, EINVAL, ENOSPC, ENOSYS); ENODEV
 * means no hypervisor answered. Calls the hypervisor splits (HV_MORE)
 * are repeated by the driver until done; a signal interrupts them with
 * EINTR (the partition stays as it was left: call again, or destroy it).
 *
 * What the errors mean, call by call (the hypervisor's HV_E* codes):
 *   any call naming a partition: ENOENT no such id (or it is being
 *     destroyed; ids are never reused), EPERM the parent itself where
 *     only a child may be named (pause, destroy, console, ...);
 *   CREATE: EINVAL a field out of range or a reserved field set (name,
 *     memory, vCPUs, flags, CPUs none of which is online, weight, cap,
 *     on_* action), EEXIST the name is taken, ENOMEM the pool has not
 *     that much free (HV_IOC_POOL says how much);
 *   POPULATE: EBUSY not being built, ENOMEM/ENOSPC the pool ran out or is
 *     too fragmented;
 *   WRITE, VCPU_SET, START: EBUSY not being built (not CREATED or
 *     REBUILD; START also before POPULATE finished), EFAULT an address
 *     outside its populated RAM, EINVAL a bad vCPU state or index, ENOSPC
 *     its ACPI tables do not fit;
 *   PAUSE, RESUME, SHUTDOWN, RESET: EBUSY not in a state that allows it,
 *     ENOSYS (SHUTDOWN) no ACPI power button (no PC platform);
 *   CONSOLE_INPUT: ENOSYS no UART; E2BIG more than HV_INPUT_MAX bytes;
 *   SCHED: EINVAL weight or cap out of range, or a cap for the parent;
 *   device and channel calls: EPERM also a pre-launched child (devices
 *     are for children the parent created);
 *   DEVICE_ADD: EINVAL a field out of range or a reserved field set
 *     (type not an HV_VIRTIO_*, queues, queue_size, no
 *     HV_VIRTIO_F_VERSION_1, config_len) or a child without the PC
 *     platform (no PCI bus), EBUSY the child is not being built (devices
 *     come before START), ENOSPC it has HV_DEVICES_MAX devices already;
 *   DEVICE_QUERY, DEVICE_ACK: ENOENT no such device; ACK also EINVAL an
 *     unknown `what` or a reason without its NUL in HV_REASON_MAX bytes;
 *   CHANNEL_ATTACH: EINVAL pages out of range or reserved set, EBUSY this
 *     file is attached already, the child has a channel (from any file)
 *     or is not populated yet (attach after POPULATE), ENOMEM no
 *     contiguous pages for the ring area, EIO the hypervisor answered
 *     ranges the driver will not map (logged);
 *   CHANNEL_SIGNAL: ENOTCONN this file is not attached, ENOENT the
 *     channel was closed under it (the child is gone, or the hypervisor
 *     closed it), EINVAL the hypervisor closed it now: the backend wrote
 *     a bad OUT write index (logged by the hypervisor);
 *   PCI_ASSIGN: EPERM no IOMMU with interrupt remapping (passthrough is
 *     refused), ENOENT no such function or child, EBUSY the function is
 *     assigned already, the child has started, or a driver of the
 *     parent is still bound to it (the driver checks), EINVAL id 0, a
 *     bdf above 0xffff, or a function that cannot be passed through (a
 *     bridge, a host bridge, the IOMMU's own, no MSI or MSI-X, BARs that
 *     do not fit), ENOSPC HV_PCI_PT_MAX functions held already;
 *   PCI_RETURN: ENOENT the hypervisor does not hold it, EBUSY it is
 *     assigned to a child (destroy that first), EINVAL a bdf above 0xffff.
 *
 * read() returns whole struct hv_event records, oldest first, from the
 * file's position: events after the open unless HV_IOC_EVENTS_FROM moved
 * it. It blocks unless O_NONBLOCK; poll() says POLLIN when one waits --
 * except on a file attached to a channel, whose poll() tells of the
 * channel only (below): a backend reads events from another file.
 * Closing the file never touches a partition: partitions live in the
 * hypervisor (closing an attached file closes its channel only).
 */
#ifndef HV_IOCTL_H
#define HV_IOCTL_H

#include "hv_abi.h"

#ifdef __KERNEL__
#include <linux/ioctl.h>
#else
#include <sys/ioctl.h>
#endif

#define HV_DEVICE "/dev/hv"
#define HV_IOC_MAGIC 0xB5

struct hv_ioc_create {
	struct hv_create create;     /* in */
	hv_u32 id;                   /* out */
	hv_u32 reserved;
};

/* Copies len bytes from the caller's memory at uaddr into the child's
 * guest-physical memory at gpa (any length: the driver splits it). */
struct hv_ioc_write {
	hv_u32 id;
	hv_u32 reserved;
	hv_u64 gpa;
	hv_u64 uaddr;
	hv_u64 len;
};

struct hv_ioc_vcpu {
	hv_u32 id;
	hv_u32 vcpu;
	struct hv_vcpu_state state;
};

struct hv_ioc_sched {
	hv_u32 id;
	hv_u32 weight;               /* 0 = leave as is */
	hv_u32 cap;                  /* % of one CPU; HV_IOC_CAP_KEEP = leave as is */
	hv_u32 reserved;
};
#define HV_IOC_CAP_KEEP 0xffffffffu

struct hv_ioc_list {
	hv_u64 uaddr;                /* hv_u32 ids[max] */
	hv_u32 max;
	hv_u32 count;                /* out: partitions now (may exceed max) */
};

struct hv_ioc_status {
	hv_u32 id;
	hv_u32 reserved;
	struct hv_partition_status status; /* out */
};

/* HV_IOC_CONSOLE_READ (a child's console output) and HV_IOC_LOG_READ
 * (the hypervisor's log; id ignored). Returns the bytes copied. */
struct hv_ioc_ring {
	hv_u32 id;
	hv_u32 len;                  /* buffer size; at most HV_WRITE_MAX is used */
	hv_u64 pos;                  /* in: first byte wanted; out: first returned */
	hv_u64 end;                  /* out: position after the newest byte */
	hv_u64 uaddr;
};

/* Bytes typed at a child's console (its UART's receive side); returns
 * how many it took (fewer when its buffer is full: retry the rest). */
struct hv_ioc_input {
	hv_u32 id;
	hv_u32 len;                  /* at most HV_INPUT_MAX */
	hv_u64 uaddr;
};

#define HV_IOC_VERSION _IOR(HV_IOC_MAGIC, 0x00, hv_u32)
#define HV_IOC_LIST _IOWR(HV_IOC_MAGIC, 0x01, struct hv_ioc_list)
#define HV_IOC_STATUS _IOWR(HV_IOC_MAGIC, 0x02, struct hv_ioc_status)
#define HV_IOC_CREATE _IOWR(HV_IOC_MAGIC, 0x03, struct hv_ioc_create)
#define HV_IOC_POPULATE _IOW(HV_IOC_MAGIC, 0x04, hv_u32)
#define HV_IOC_WRITE _IOW(HV_IOC_MAGIC, 0x05, struct hv_ioc_write)
#define HV_IOC_VCPU_SET _IOW(HV_IOC_MAGIC, 0x06, struct hv_ioc_vcpu)
#define HV_IOC_START _IOW(HV_IOC_MAGIC, 0x07, hv_u32)
#define HV_IOC_PAUSE _IOW(HV_IOC_MAGIC, 0x08, hv_u32)
#define HV_IOC_RESUME _IOW(HV_IOC_MAGIC, 0x09, hv_u32)
#define HV_IOC_SHUTDOWN _IOW(HV_IOC_MAGIC, 0x0a, hv_u32)
#define HV_IOC_RESET _IOW(HV_IOC_MAGIC, 0x0b, hv_u32)
#define HV_IOC_DESTROY _IOW(HV_IOC_MAGIC, 0x0c, hv_u32)
#define HV_IOC_SCHED _IOW(HV_IOC_MAGIC, 0x0d, struct hv_ioc_sched)
#define HV_IOC_CONSOLE_READ _IOWR(HV_IOC_MAGIC, 0x0e, struct hv_ioc_ring)
#define HV_IOC_CONSOLE_INPUT _IOW(HV_IOC_MAGIC, 0x0f, struct hv_ioc_input)
#define HV_IOC_LOG_READ _IOWR(HV_IOC_MAGIC, 0x10, struct hv_ioc_ring)
#define HV_IOC_POOL _IOR(HV_IOC_MAGIC, 0x11, struct hv_pool_info)
/* Moves this file's event position: the next read() starts at the
 * oldest kept event with seq >= the argument (1 = everything kept). */
#define HV_IOC_EVENTS_FROM _IOW(HV_IOC_MAGIC, 0x12, hv_u64)

/*
 * Devices and the channel, for a child's device backend (hv_abi.h,
 * "devices and the channel"). Devices are added while the child is
 * built, before HV_IOC_START.
 *
 * HV_IOC_CHANNEL_ATTACH binds the file to a child's channel: the driver
 * allocates the ring area (`pages` zeroed pages), opens the channel on
 * it, and answers where the child's RAM is in the parent's physical
 * address space (HVC_MEMORY_SHARE). One channel per file and per child;
 * closing the file closes the channel, never the child. An attached
 * file then
 *  - mmap()s, MAP_SHARED only, at offset HV_MMAP_RING (up to pages *
 *    4096 bytes) the ring area as hv_abi.h lays it out, and at offset
 *    HV_MMAP_CHILD + gpa the child's RAM from guest-physical address gpa
 *    (page-aligned; the whole mapping inside one of `ranges`), cached
 *    write-back. mmap() fails with ENOTCONN before the attach, EINVAL for
 *    a private mapping or one outside the rings or the ranges. The
 *    child's RAM stays mapped after the child is gone: stop using it
 *    when its HV_EVENT_DESTROYED comes;
 *  - poll()s EPOLLIN when the IN ring is not empty or HV_CHAN_OVERFLOW is
 *    set, woken by the channel's interrupt (the events' vector; where the
 *    driver has none, "events: polled" in its log, it opens the channel
 *    without an interrupt and looks every 100 ms): clear
 *    interrupt_mask and look at the ring once more before sleeping
 *    (hv_abi.h), or no interrupt comes;
 *  - drains the OUT ring with HV_IOC_CHANNEL_SIGNAL, which returns the
 *    number of records the hypervisor took.
 */
struct hv_ioc_device_add {
	hv_u32 id;
	hv_u32 device;               /* out: its index, 0..HV_DEVICES_MAX-1 */
	struct hv_device dev;
};

struct hv_ioc_device_query {
	hv_u32 id;
	hv_u32 device;
	struct hv_device_state state; /* out */
};

struct hv_ioc_device_ack {
	hv_u32 id;
	hv_u32 device;
	hv_u32 what;                 /* HV_ACK_* */
	char reason[HV_REASON_MAX];  /* NUL-terminated; "" for none */
};

/* A child's RAM is at most this many ranges (the pool's pieces). */
#define HV_IOC_RANGES_MAX 64
struct hv_ioc_channel_attach {
	hv_u32 id;
	hv_u32 pages;                /* HV_CHAN_PAGES_MIN..HV_CHAN_PAGES_MAX */
	hv_u32 nranges;              /* out: entries of ranges used */
	hv_u32 reserved;             /* zero */
	struct hv_mem_range ranges[HV_IOC_RANGES_MAX]; /* out */
};

/* mmap() offsets of an attached file. */
#define HV_MMAP_RING 0ull
#define HV_MMAP_CHILD (1ull << 40)

#define HV_IOC_DEVICE_ADD _IOWR(HV_IOC_MAGIC, 0x13, struct hv_ioc_device_add)
#define HV_IOC_DEVICE_QUERY _IOWR(HV_IOC_MAGIC, 0x14, struct hv_ioc_device_query)
#define HV_IOC_DEVICE_ACK _IOW(HV_IOC_MAGIC, 0x15, struct hv_ioc_device_ack)
#define HV_IOC_CHANNEL_ATTACH _IOWR(HV_IOC_MAGIC, 0x16, struct hv_ioc_channel_attach)
#define HV_IOC_CHANNEL_SIGNAL _IO(HV_IOC_MAGIC, 0x17)

/*
 * PCI passthrough (hv_abi.h, HVC_PCI_*). HV_IOC_PCI_ASSIGN gives a
 * function the parent's driver has let go of (unbind it first) to a child
 * being built; HV_IOC_PCI_RETURN gives an assignable one back (probe it
 * again afterwards: /sys/bus/pci/drivers_probe); HV_IOC_PCI_LIST answers
 * every assigned or assignable function. Errors are the hypercall's, as
 * errno, and the driver's own checks (above). While the hypervisor holds
 * a function the driver keeps the parent's kernel off it: its
 * driver_override names no driver (so no probe binds it; one set before
 * is replaced, and cleared at the return), and the configuration the
 * parent's kernel gave it (BARs, command, capabilities) is saved at the
 * assign and written back at the return, when the module has not been
 * reloaded in between.
 */
struct hv_ioc_pci_assign {
	hv_u32 id;
	hv_u32 bdf;
};
struct hv_ioc_pci_list {
	hv_u32 count;                /* out: functions held */
	hv_u32 reserved;
	struct hv_pci_dev dev[HV_PCI_PT_MAX]; /* out: the first `count` */
};
#define HV_IOC_PCI_ASSIGN _IOW(HV_IOC_MAGIC, 0x18, struct hv_ioc_pci_assign)
#define HV_IOC_PCI_RETURN _IOW(HV_IOC_MAGIC, 0x19, hv_u32)
#define HV_IOC_PCI_LIST _IOR(HV_IOC_MAGIC, 0x1a, struct hv_ioc_pci_list)

#ifndef __cplusplus
_Static_assert(sizeof(struct hv_ioc_pci_list) == 264, "hv_ioc_pci_list layout");
_Static_assert(sizeof(struct hv_ioc_device_add) == 320, "hv_ioc_device_add layout");
_Static_assert(sizeof(struct hv_ioc_device_query) == 576, "hv_ioc_device_query layout");
_Static_assert(sizeof(struct hv_ioc_device_ack) == 108, "hv_ioc_device_ack layout");
_Static_assert(sizeof(struct hv_ioc_channel_attach) == 1552, "hv_ioc_channel_attach layout");
#endif

#endif
