/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What happens to partitions, for the parent (HVC_EVENT_READ): a ring of
 * the newest HV_EVENTS_KEPT events, numbered from 1, and an interrupt to
 * the parent's vCPU 0 on each new one when the parent asked for it
 * (HVC_EVENT_NOTIFY).
 */
#ifndef VMM_PART_EVENT_H
#define VMM_PART_EVENT_H

#include "vmm/partition.h"

/* From any context but NMI; reason may be NULL. */
void part_event(const struct partition *p, u32 type, u32 action, const char *reason);
/* Copies up to max events with seq >= from into out; returns the count. */
u32 part_event_read(struct hv_event *out, u32 max, u64 from);
/* The vector to raise in v's local APIC on each event (0: none). */
void part_event_notify(struct vcpu *v, u8 vector);
/* p is going: no more notifications to its vCPUs. */
void part_event_forget(const struct partition *p);

#endif
