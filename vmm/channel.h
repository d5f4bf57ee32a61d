/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A child's device channel (hv_abi.h, "the channel"): two rings in the
 * parent's memory. The hypervisor appends to the IN ring what the child's
 * drivers did and interrupts the parent only on an empty -> non-empty
 * transition it has not masked; the parent's OUT ring records are taken
 * at HVC_CHANNEL_SIGNAL. The parent's indices are hostile input: each is
 * read once per use and checked, and a bad one closes the channel.
 */
#ifndef VMM_CHANNEL_H
#define VMM_CHANNEL_H

#include "vmm/partition.h"

/* Opens child's channel on the parent memory at gpa (bytes long), raising
 * `vector` in to's vCPU 0. Returns 0 or -HV_E*. */
int channel_open(struct partition *child, struct partition *to, u64 gpa, u64 bytes, u8 vector);
void channel_close(struct partition *child, const char *why);
/* Appends a record; false when there is no open channel (the caller
 * keeps what it needs for a backend that attaches later). */
bool channel_send(struct partition *child, u8 type, u8 device, u16 queue, u32 value);
/* Takes up to the OUT ring's worth of records, calling fn for each;
 * returns how many, or -HV_E*. */
s64 channel_receive(struct partition *child,
		    void (*fn)(struct partition *child, const struct hv_chan_record *r));

/* The parent closed it (its backend's file went, and with it every
 * mapping of the child's RAM that backend had). */
void channel_detach(struct partition *child);
/* Whether the parent opened the channel and has not closed it yet. */
bool channel_parent_attached(const struct partition *child);
/* Its channel's memory goes with it (partition_free). */
void channel_free(struct partition *child);

#endif
