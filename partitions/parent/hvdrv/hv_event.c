// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hv events: read() returns whole struct hv_event records from the
 * hypervisor's event ring (HVC_EVENT_READ), oldest first, from the file's
 * position; poll() says when one waits.
 *
 * Readers sleep on one wait queue and wake when the event generation
 * changes. Under a Hyper-V-looking hypervisor (as Debian's kernel sees
 * ours) Linux owns HYPERVISOR_CALLBACK_VECTOR and calls the handler
 * hv_setup_vmbus_handler() installs: the hypervisor raises that vector
 * for each new event (HVC_EVENT_NOTIFY). Elsewhere, or if the hypervisor
 * refuses, a work item polls the ring every HV_POLL_MS while a file is
 * open.
 *
 * The channels (hv_chan.c) use the same vector: it is set up at load,
 * whoever reads events, and each interrupt wakes the channels' pollers
 * too; without it the poll work wakes them at each round.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <asm/hypervisor.h>
#include <asm/irq_vectors.h>
#if IS_ENABLED(CONFIG_HYPERV)
#include <asm/mshyperv.h>
#endif

#include "hv_drv.h"

#define HV_POLL_MS 100
/* Batches needed to walk the whole ring, and one more. */
#define HV_EVENT_WALK (HV_EVENTS_KEPT / HV_EVENT_BATCH + 2)

static bool events_irq = true;
module_param(events_irq, bool, 0444);
MODULE_PARM_DESC(events_irq, "events notified on the Hyper-V callback vector (else polled)");

static DECLARE_WAIT_QUEUE_HEAD(hv_event_wq);
static atomic_t hv_event_gen = ATOMIC_INIT(0);
static bool hv_event_irq; /* notified through the callback vector */

static void hv_poll_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(hv_poll_work, hv_poll_fn);
static atomic_t hv_open_files = ATOMIC_INIT(0);
static struct hv_event *hv_poll_buf; /* the poll work's own */
static u64 hv_poll_seq;              /* newest event the poll work saw */

static void hv_events_changed(void)
{
	atomic_inc(&hv_event_gen);
	wake_up_interruptible_all(&hv_event_wq);
}

/*
 * Up to @max events with seq >= @from into @buf (kmalloc'd). The answer
 * is checked: seqs from @from on, increasing; strings terminated.
 * Returns the number of events or -errno.
 */
static long hv_event_fetch(struct hv_event *buf, unsigned int max, u64 from)
{
	long i, n;

	n = hv_errno(hv_hypercall(HVC_EVENT_READ, virt_to_phys(buf), max, from, 0));
	if (n <= 0)
		return n;
	n = min_t(long, n, max);
	for (i = 0; i < n; i++) {
		if (buf[i].seq < from || (i && buf[i].seq <= buf[i - 1].seq)) {
			pr_warn_ratelimited("event ring out of order at seq %llu\n",
					    buf[i].seq);
			return -EIO;
		}
		buf[i].name[sizeof(buf[i].name) - 1] = '\0';
		buf[i].reason[sizeof(buf[i].reason) - 1] = '\0';
	}
	return n;
}

/* The seq of the newest event kept (0 if none) into *newest. */
static int hv_event_newest(struct hv_event *buf, u64 from, u64 *newest)
{
	int i;

	*newest = from ? from - 1 : 0;
	for (i = 0; i < HV_EVENT_WALK; i++) {
		long n = hv_event_fetch(buf, HV_EVENT_BATCH, *newest + 1);

		if (n < 0)
			return n;
		if (!n)
			break;
		*newest = buf[n - 1].seq;
		if (n < HV_EVENT_BATCH)
			break;
	}
	return 0;
}

static void hv_poll_fn(struct work_struct *work)
{
	u64 seq = hv_poll_seq;

	if (!hv_event_newest(hv_poll_buf, hv_poll_seq + 1, &seq) &&
	    seq != hv_poll_seq) {
		hv_poll_seq = seq;
		hv_events_changed();
	}
	hv_chan_wake();
	if (atomic_read(&hv_open_files))
		schedule_delayed_work(&hv_poll_work, msecs_to_jiffies(HV_POLL_MS));
}

#if IS_ENABLED(CONFIG_HYPERV)
/* HYPERVISOR_CALLBACK_VECTOR, in interrupt context: wake, nothing more.
 * The vector does not say whether an event or a channel raised it. */
static void hv_event_isr(void)
{
	hv_events_changed();
	hv_chan_wake();
}

static bool hv_event_irq_setup(void)
{
	long r;

	if (!events_irq || x86_hyper_type != X86_HYPER_MS_HYPERV)
		return false;
	/* Without this hint Linux expects the vector auto-EOI'd and would
	 * leave it in service, blocking every lower vector. */
	if (!(ms_hyperv.hints & HV_DEPRECATING_AEOI_RECOMMENDED)) {
		pr_info("Linux does not EOI the Hyper-V callback vector here (no deprecating-AEOI hint)\n");
		return false;
	}
	hv_setup_vmbus_handler(hv_event_isr);
	r = hv_hypercall(HVC_EVENT_NOTIFY, HYPERVISOR_CALLBACK_VECTOR, 0, 0, 0);
	if (r) {
		hv_remove_vmbus_handler();
		synchronize_rcu();
		pr_info("HVC_EVENT_NOTIFY(%#x) answered %ld\n",
			HYPERVISOR_CALLBACK_VECTOR, r);
		return false;
	}
	pr_info("events: notified through vector %#x\n",
		HYPERVISOR_CALLBACK_VECTOR);
	return true;
}

static void hv_event_irq_remove(void)
{
	hv_hypercall(HVC_EVENT_NOTIFY, 0, 0, 0, 0);
	hv_remove_vmbus_handler();
	/* A handler already running on another CPU has returned. */
	synchronize_rcu();
}
#else
static bool hv_event_irq_setup(void)
{
	return false;
}

static void hv_event_irq_remove(void)
{
}
#endif

/**
 * hv_events_init() - start event notification
 *
 * Return: 0, or -ENOMEM.
 */
int hv_events_init(void)
{
	hv_poll_buf = kmalloc_array(HV_EVENT_BATCH, sizeof(*hv_poll_buf), GFP_KERNEL);
	if (!hv_poll_buf)
		return -ENOMEM;
	if (hv_event_newest(hv_poll_buf, 0, &hv_poll_seq))
		hv_poll_seq = 0;
	hv_event_irq = hv_event_irq_setup();
	if (!hv_event_irq)
		pr_info("events: polled every %d ms\n", HV_POLL_MS);
	return 0;
}

/**
 * hv_events_exit() - stop event notification (no file is open)
 */
void hv_events_exit(void)
{
	if (hv_event_irq)
		hv_event_irq_remove();
	cancel_delayed_work_sync(&hv_poll_work);
	kfree(hv_poll_buf);
}

/**
 * hv_events_vector() - the vector the hypervisor raises for the parent
 *
 * Return: HYPERVISOR_CALLBACK_VECTOR when its handler is installed and
 * the hypervisor took it for events, else 0 (none: polled).
 */
unsigned int hv_events_vector(void)
{
#if IS_ENABLED(CONFIG_HYPERV)
	if (hv_event_irq)
		return HYPERVISOR_CALLBACK_VECTOR;
#endif
	return 0;
}

/**
 * hv_events_open() - a new file's event state
 * @hf: the file
 *
 * The file starts after the newest event kept now.
 *
 * Return: 0, or -ENOMEM.
 */
int hv_events_open(struct hv_file *hf)
{
	u64 newest;

	hf->events = kmalloc_array(HV_EVENT_BATCH, sizeof(*hf->events), GFP_KERNEL);
	if (!hf->events)
		return -ENOMEM;
	/* No ring to read (an error) reads as an empty one. */
	if (hv_event_newest(hf->events, 0, &newest))
		newest = 0;
	hf->pos = newest + 1;
	atomic_inc(&hv_open_files);
	if (!hv_event_irq)
		schedule_delayed_work(&hv_poll_work, msecs_to_jiffies(HV_POLL_MS));
	return 0;
}

void hv_events_release(struct hv_file *hf)
{
	atomic_dec(&hv_open_files);
	kfree(hf->events);
}

/**
 * hv_events_read() - read() of /dev/hv
 * @file: the file
 * @ubuf: where the events go
 * @count: its size: whole struct hv_event records are returned
 * @ppos: unused: the file's event position is its own
 *
 * Blocks until an event arrives unless O_NONBLOCK.
 *
 * Return: bytes read, or -errno (-EINVAL when @count holds no record).
 */
ssize_t hv_events_read(struct file *file, char __user *ubuf, size_t count,
		       loff_t *ppos)
{
	struct hv_file *hf = file->private_data;
	size_t max = min_t(size_t, count / sizeof(struct hv_event), HV_EVENT_BATCH);
	long n;
	int gen;

	if (!max)
		return -EINVAL;
	for (;;) {
		/* Sampled before the look: a later event changes it. */
		gen = atomic_read(&hv_event_gen);
		if (mutex_lock_interruptible(&hf->lock))
			return -ERESTARTSYS;
		n = hv_event_fetch(hf->events, max, hf->pos);
		if (n > 0) {
			if (copy_to_user(ubuf, hf->events, n * sizeof(struct hv_event)))
				n = -EFAULT;
			else
				hf->pos = hf->events[n - 1].seq + 1;
		}
		mutex_unlock(&hf->lock);
		if (n > 0)
			return n * sizeof(struct hv_event);
		if (n < 0)
			return n;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(hv_event_wq,
					     atomic_read(&hv_event_gen) != gen))
			return -ERESTARTSYS;
	}
}

/**
 * hv_events_poll() - poll() of /dev/hv
 * @file: the file
 * @wait: the poll table
 *
 * Return: EPOLLIN when an event waits at the file's position, EPOLLERR
 * when the hypervisor's ring cannot be read.
 */
__poll_t hv_events_poll(struct file *file, struct poll_table_struct *wait)
{
	struct hv_file *hf = file->private_data;
	long n;

	poll_wait(file, &hv_event_wq, wait);
	mutex_lock(&hf->lock);
	n = hv_event_fetch(hf->events, 1, hf->pos);
	mutex_unlock(&hf->lock);
	if (n < 0)
		return EPOLLERR;
	return n ? EPOLLIN | EPOLLRDNORM : 0;
}

/**
 * hv_events_from() - HV_IOC_EVENTS_FROM
 * @hf: the file
 * @uarg: the seq to start from (1 = everything kept)
 *
 * Return: 0 or -EFAULT.
 */
long hv_events_from(struct hv_file *hf, u64 __user *uarg)
{
	u64 seq;

	if (get_user(seq, uarg))
		return -EFAULT;
	mutex_lock(&hf->lock);
	hf->pos = max_t(u64, seq, 1);
	mutex_unlock(&hf->lock);
	/* Sleepers on this file look again from the new position. */
	hv_events_changed();
	return 0;
}
