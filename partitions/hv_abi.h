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

#define HV_ABI_VERSION 1

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
/* Parent only (reserved: the parent partition arrives later). */
#define HVC_PARENT_FIRST 0x100
#define HVC_PARTITION_LIST 0x100 /* (gpa, max) -> count */
#define HVC_COUNT_MAX 0x200      /* numbers >= this are never valid */

/* Errors, returned negated in RAX. */
#define HV_EPERM 1
#define HV_ENOENT 2
#define HV_E2BIG 7
#define HV_EAGAIN 11
#define HV_ENOMEM 12
#define HV_EFAULT 14
#define HV_EBUSY 16
#define HV_EINVAL 22
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
