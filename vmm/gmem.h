/* SPDX-License-Identifier: GPL-2.0-only */
/* Hypervisor access to guest memory, by guest-physical or guest-virtual
 * address. Every address is guest-supplied: all of them are checked. */
#ifndef VMM_GMEM_H
#define VMM_GMEM_H

#include "vmm/vcpu.h"

struct partition;

/* Copies to/from guest RAM; -EFAULT when any byte is not the partition's RAM. */
int gpa_read(struct partition *p, u64 gpa, void *buf, u64 len);
int gpa_write(struct partition *p, u64 gpa, const void *buf, u64 len);
int gpa_zero(struct partition *p, u64 gpa, u64 len);

#define ACC_WRITE BIT(0)
#define ACC_USER BIT(1)
#define ACC_FETCH BIT(2)

/*
 * Translates a linear address through the guest's paging (none, 32-bit,
 * PAE or 4-level, from CR0/CR4/EFER), with the rights of the access:
 * ACC_USER for an access at CPL 3; a supervisor access to a user page
 * obeys SMEP and SMAP. On a guest page fault returns -EPF and sets
 * *pf_error to the #PF error code the guest should get (which may be 0:
 * a supervisor read of a page that is not present); -ERANGE for a
 * non-canonical address in long mode (the guest gets #GP); -EFAULT when
 * the walk or the page leaves the partition's RAM.
 */
int gva_to_gpa(struct vcpu *v, u64 gva, u32 access, u64 *gpa, u32 *pf_error);
/* Reads len bytes at a linear address, page by page. */
int gva_read(struct vcpu *v, u64 gva, void *buf, u32 len, u32 access, u32 *pf_error);
int gva_write(struct vcpu *v, u64 gva, const void *buf, u32 len, u32 access, u32 *pf_error);

#endif
