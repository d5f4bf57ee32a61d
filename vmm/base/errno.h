/* SPDX-License-Identifier: GPL-2.0-only */
/* Error codes, returned negated. Numbers follow Linux for familiarity. */
#ifndef VMM_BASE_ERRNO_H
#define VMM_BASE_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define ENOTSUP 95
/* Hypervisor-internal: the guest takes a page fault (vmm/gmem.h). */
#define EPF 256

#endif
