// SPDX-License-Identifier: GPL-2.0-only
/* A child's device channel (vmm/channel.h). */
#include "vmm/channel.h"
#include "vmm/sched.h"
#include "vmm/base/heap.h"
#include "vmm/base/log.h"
#include "vmm/base/string.h"
#include "vmm/dev/vlapic.h"

struct channel {
	spinlock_t lock;
	bool open;
	bool attached;              /* opened by the parent and not yet closed by
				     * it: its backend may still map the child */
	struct partition *to;
	u8 vector;
	u32 size;                   /* data bytes per ring */
	struct hv_chan_ctl *in, *out;
	u8 *in_data, *out_data;
	u32 in_w, out_r;            /* the indices this side owns, kept here:
				     * what the parent writes over them is ignored */
};

/* Records taken per batch at HVC_CHANNEL_SIGNAL, handled with no lock held. */
#define BATCH 32

int channel_open(struct partition *c, struct partition *to, u64 gpa, u64 bytes, u8 vector)
{
	if ((gpa | bytes) & (PAGE_SIZE - 1) || bytes < HV_CHAN_PAGES_MIN * PAGE_SIZE ||
	    bytes > HV_CHAN_PAGES_MAX * PAGE_SIZE)
		return -HV_EINVAL;
	if (vector && vector < 0x20)
		return -HV_EINVAL;
	/* The parent's own RAM, all of it in one region. */
	u8 *base = gpa_to_hva(to, gpa, bytes);
	if (!base)
		return -HV_EFAULT;
	if (!c->chan && !(c->chan = kzalloc(sizeof(*c->chan))))
		return -HV_ENOMEM;
	struct channel *ch = c->chan;
	u64 f = spin_lock_irqsave(&ch->lock);
	if (ch->open) {
		spin_unlock_irqrestore(&ch->lock, f);
		return -HV_EBUSY;
	}
	u32 pages = (u32)(bytes / PAGE_SIZE);
	ch->size = (pages - 1) / 2 * PAGE_SIZE;
	ch->in = (struct hv_chan_ctl *)base;
	ch->out = (struct hv_chan_ctl *)(base + 2048);
	ch->in_data = base + PAGE_SIZE;
	ch->out_data = base + PAGE_SIZE + ch->size;
	memset(base, 0, PAGE_SIZE);
	ch->in->data_size = ch->out->data_size = ch->size;
	ch->in_w = ch->out_r = 0;
	ch->to = to;
	ch->vector = vector;
	ch->open = true;
	ch->attached = true;
	spin_unlock_irqrestore(&ch->lock, f);
	pr_info("partition '%s': device channel open (%u KiB rings)", c->cfg.name,
		ch->size / 1024);
	return 0;
}

static void close_locked(struct partition *c, struct channel *ch, const char *why)
{
	if (!ch->open)
		return;
	ch->open = false;
	/* The reader learns it from the ring itself (its poll says so). */
	__atomic_fetch_or(&ch->in->flags, HV_CHAN_CLOSED, __ATOMIC_SEQ_CST);
	if (ch->vector && ch->to->vcpu[0]->lapic &&
	    vlapic_set_irq(ch->to->vcpu[0]->lapic, ch->vector, false))
		sched_kick(ch->to->vcpu[0]);
	pr_info("partition '%s': device channel closed: %s", c->cfg.name, why);
}

void channel_close(struct partition *c, const char *why)
{
	struct channel *ch = c->chan;

	if (!ch)
		return;
	u64 f = spin_lock_irqsave(&ch->lock);
	close_locked(c, ch, why);
	spin_unlock_irqrestore(&ch->lock, f);
}

void channel_detach(struct partition *c)
{
	struct channel *ch = c->chan;

	if (!ch)
		return;
	u64 f = spin_lock_irqsave(&ch->lock);
	close_locked(c, ch, "its backend closed it");
	ch->attached = false;
	spin_unlock_irqrestore(&ch->lock, f);
}

bool channel_parent_attached(const struct partition *c)
{
	return c->chan && READ_ONCE(c->chan->attached);
}

/* A ring index from the parent: inside the data and record-aligned. */
static bool index_ok(const struct channel *ch, u32 i)
{
	return i < ch->size && !(i % HV_CHAN_RECORD);
}

bool channel_send(struct partition *c, u8 type, u8 device, u16 queue, u32 value)
{
	struct channel *ch = c->chan;
	struct vcpu *notify = NULL;

	if (!ch)
		return false;
	u64 f = spin_lock_irqsave(&ch->lock);
	if (!ch->open) {
		spin_unlock_irqrestore(&ch->lock, f);
		return false;
	}
	u32 r = READ_ONCE(ch->in->read_index), w = ch->in_w;
	if (!index_ok(ch, r)) {
		close_locked(c, ch, "the parent wrote a bad IN read index");
		spin_unlock_irqrestore(&ch->lock, f);
		return false;
	}
	u32 used = (w + ch->size - r) % ch->size;
	if (ch->size - used <= HV_CHAN_RECORD) {
		/* Full: the reader was interrupted when it filled; it looks
		 * at every queue when it sees the flag. */
		__atomic_fetch_or(&ch->in->flags, HV_CHAN_OVERFLOW, __ATOMIC_SEQ_CST);
		spin_unlock_irqrestore(&ch->lock, f);
		return true;
	}
	struct hv_chan_record rec = { .type = type, .device = device, .queue = queue,
				      .value = value };
	memcpy(ch->in_data + w, &rec, sizeof(rec));
	ch->in_w = (w + HV_CHAN_RECORD) % ch->size;
	/* The record before the index (x86 keeps stores in order; the
	 * compiler must too), then a full barrier before reading the
	 * reader's mask and index: the reader does the mirror image
	 * (clears its mask, fences, reads write_index). */
	__atomic_store_n(&ch->in->write_index, ch->in_w, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!READ_ONCE(ch->in->interrupt_mask) && READ_ONCE(ch->in->read_index) == w)
		notify = ch->to->vcpu[0];
	u8 vec = ch->vector;
	spin_unlock_irqrestore(&ch->lock, f);
	if (notify && vec && notify->lapic && vlapic_set_irq(notify->lapic, vec, false))
		sched_kick(notify);
	return true;
}

s64 channel_receive(struct partition *c,
		    void (*fn)(struct partition *c, const struct hv_chan_record *r))
{
	struct channel *ch = c->chan;
	struct hv_chan_record batch[BATCH];
	s64 total = 0;

	if (!ch)
		return -HV_ENOENT;
	for (;;) {
		u32 n = 0;
		u64 f = spin_lock_irqsave(&ch->lock);
		if (!ch->open) {
			spin_unlock_irqrestore(&ch->lock, f);
			return total ? total : -HV_ENOENT;
		}
		u32 w = __atomic_load_n(&ch->out->write_index, __ATOMIC_ACQUIRE);
		if (!index_ok(ch, w)) {
			close_locked(c, ch, "the parent wrote a bad OUT write index");
			spin_unlock_irqrestore(&ch->lock, f);
			return -HV_EINVAL;
		}
		/* At most one ring's worth per call: bounded work. */
		while (ch->out_r != w && n < BATCH && total + n < ch->size / HV_CHAN_RECORD) {
			memcpy(&batch[n++], ch->out_data + ch->out_r, sizeof(batch[0]));
			ch->out_r = (ch->out_r + HV_CHAN_RECORD) % ch->size;
		}
		__atomic_store_n(&ch->out->read_index, ch->out_r, __ATOMIC_RELEASE);
		spin_unlock_irqrestore(&ch->lock, f);
		for (u32 i = 0; i < n; i++)
			fn(c, &batch[i]);
		total += n;
		if (n < BATCH)
			return total;
	}
}

void channel_free(struct partition *c)
{
	kfree(c->chan);
	c->chan = NULL;
}
