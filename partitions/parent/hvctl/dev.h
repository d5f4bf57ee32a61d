/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /dev/hv for hvctl: opening it with messages a person can act on, the
 * ioctls, and partitions by name (HV_IOC_LIST + HV_IOC_STATUS).
 */
#ifndef HVCTL_DEV_H
#define HVCTL_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_ioctl.h"

/* The device, or $HVCTL_DEVICE. */
const char *hv_device_path(void);

/* Opens the device (flags added to O_RDWR | O_CLOEXEC) and checks the
 * hypervisor's ABI version. Returns the fd, or -1 after a message. */
int hv_open_flags(int flags);
int hv_open(void);

/* An ioctl, repeated while a signal interrupts it (EINTR: the driver
 * left the call to be made again). Returns its result, or -1 with errno. */
int hv_ioctl(int fd, unsigned long req, void *arg);

/* What errno means from the hypervisor, for the end of a message. */
const char *hv_strerror(int e);

/* Every partition's id; *ids is malloc'd. Returns the count or -1. */
int hv_list(int fd, uint32_t **ids);
/* Every partition's status, by id; *out is malloc'd. Count or -1. */
int hv_status_all(int fd, struct hv_partition_status **out);
/* One partition's status: 0 or -1 with errno. */
int hv_status(int fd, uint32_t id, struct hv_partition_status *st);
/* The partition whose name (or, failing that, decimal id) is name:
 * 0, or -1 after a message. */
int hv_find(int fd, const char *name, struct hv_partition_status *st);
/* By name only, silently: 0, or -1 with errno (ENOENT: no such name). */
int hv_find_quiet(int fd, const char *name, struct hv_partition_status *st);
/* A status' name as a C string (the array may lack its NUL). */
const char *hv_name(const struct hv_partition_status *st, char buf[HV_NAME_MAX]);

/* Says why a call on partition name failed: "cannot VERB 'NAME': why",
 * with the state when the call did not fit it. */
void hv_report(int fd, const char *verb, const char *name, uint32_t id, int e);

/* The pool, for "not enough memory" messages: "N MiB free of M MiB". */
void hv_pool_summary(int fd, char *buf, size_t len);

#endif
