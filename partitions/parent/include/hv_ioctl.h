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
 *   SCHED: EINVAL weight or cap out of range, or a cap for the parent.
 *
 * read() returns whole struct hv_event records, oldest first, from the
 * file's position: events after the open unless HV_IOC_EVENTS_FROM moved
 * it. It blocks unless O_NONBLOCK; poll() says POLLIN when one waits.
 * Closing the file never touches a partition: partitions live in the
 * hypervisor.
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

#endif
