// SPDX-License-Identifier: GPL-2.0-only
/* Partition events for the parent (vmm/part_event.h). */
#include "vmm/part_event.h"
#include "vmm/sched.h"
#include "vmm/base/string.h"
#include "vmm/dev/vlapic.h"
#include "drivers/timer.h"

static struct hv_event ring[HV_EVENTS_KEPT];
static u64 next_seq = 1;
static spinlock_t ring_lock = SPINLOCK_INIT;
static struct vcpu *notify_vcpu;
static u8 notify_vector;

void part_event(const struct partition *p, u32 type, u32 action, const char *reason)
{
	struct hv_event e;

	memset(&e, 0, sizeof(e));
	e.time_ns = timer_uptime_us() * 1000;
	e.id = p->id;
	e.type = type;
	e.action = action;
	hv_strlcpy(e.name, p->cfg.name, sizeof(e.name));
	if (reason)
		hv_strlcpy(e.reason, reason, sizeof(e.reason));

	u64 f = spin_lock_irqsave(&ring_lock);
	e.seq = next_seq++;
	ring[e.seq % HV_EVENTS_KEPT] = e;
	struct vcpu *v = notify_vcpu;
	u8 vec = notify_vector;
	if (v && vec && v->lapic && vlapic_set_irq(v->lapic, vec, false))
		sched_kick(v);
	spin_unlock_irqrestore(&ring_lock, f);
}

u32 part_event_read(struct hv_event *out, u32 max, u64 from)
{
	u32 n = 0;

	u64 f = spin_lock_irqsave(&ring_lock);
	u64 oldest = next_seq > HV_EVENTS_KEPT ? next_seq - HV_EVENTS_KEPT : 1;
	for (u64 s = from < oldest ? oldest : from; s < next_seq && n < max; s++)
		out[n++] = ring[s % HV_EVENTS_KEPT];
	spin_unlock_irqrestore(&ring_lock, f);
	return n;
}

void part_event_notify(struct vcpu *v, u8 vector)
{
	u64 f = spin_lock_irqsave(&ring_lock);
	notify_vcpu = vector ? v : NULL;
	notify_vector = vector;
	spin_unlock_irqrestore(&ring_lock, f);
}

void part_event_forget(const struct partition *p)
{
	u64 f = spin_lock_irqsave(&ring_lock);
	if (notify_vcpu && notify_vcpu->part == p) {
		notify_vcpu = NULL;
		notify_vector = 0;
	}
	spin_unlock_irqrestore(&ring_lock, f);
}
