// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hv devices and the channel, for a child's device backend: the
 * device ioctls, HV_IOC_CHANNEL_ATTACH (the ring area, HVC_CHANNEL_OPEN,
 * HVC_MEMORY_SHARE), HV_IOC_CHANNEL_SIGNAL, mmap() of the rings and of
 * the child's RAM, and poll() of the IN ring.
 *
 * The channel's interrupt is the events interrupt (hv_event.c): the same
 * vector, the same handler, which wakes hv_chan_wq as well; every file
 * sleeping there looks at its own ring. Without that interrupt the
 * events' poll work wakes hv_chan_wq every HV_POLL_MS.
 *
 * A file's channel is set once, by the attach, and stays until the file
 * is released, which happens only when no mapping and no call uses the
 * file any more: poll, mmap and signal read hf->chan without a lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/pgtable.h>
#include <asm/processor.h>

#include "hv_drv.h"

/**
 * struct hv_chan - a file's channel to a child
 * @node: in hv_chans
 * @id: the child
 * @pages: size of the ring area the hypervisor was given, in pages
 * @order: of the allocation holding it (at least @pages pages)
 * @ring: the ring area: physically contiguous, zeroed at the attach
 * @nranges: entries of @ranges in use
 * @ranges: where the child's RAM is in the parent (HVC_MEMORY_SHARE);
 *	checked: page-aligned, non-empty, not the parent's own RAM
 */
struct hv_chan {
	struct list_head node;
	u32 id;
	u32 pages;
	unsigned int order;
	struct page *ring;
	u32 nranges;
	struct hv_mem_range ranges[HV_IOC_RANGES_MAX];
};

/* Serializes attaches and releases; guards hv_chans. */
static DEFINE_MUTEX(hv_chan_lock);
/* Every attached channel: one per child, so that closing one file's
 * channel (HVC_CHANNEL_CLOSE names only the child) never closes
 * another file's. */
static LIST_HEAD(hv_chans);
static DECLARE_WAIT_QUEUE_HEAD(hv_chan_wq);

/**
 * hv_chan_wake() - wake every file sleeping on a channel
 *
 * From the events interrupt handler (hard interrupt context) or the
 * events' poll work; each woken file looks at its own IN ring.
 */
void hv_chan_wake(void)
{
	wake_up_interruptible_all(&hv_chan_wq);
}

/* A child id the caller names, checked as hv_mgmt.c does (any but 0). */
static int hv_chan_check_id(u32 id)
{
	return id ? 0 : -EINVAL;
}

/* The device calls answer 0; anything else positive is not this ABI. */
static long hv_chan_zero(long r)
{
	r = hv_errno(r);
	return r > 0 ? -EIO : r;
}

static bool hv_device_ok(struct hv_device *d)
{
	if (!d->type || d->queues < 1 || d->queues > HV_QUEUES_MAX ||
	    !d->queue_size || d->queue_size > HV_QUEUE_SIZE_MAX ||
	    !is_power_of_2(d->queue_size) ||
	    !(d->features & HV_VIRTIO_F_VERSION_1) ||
	    d->config_len > HV_DEVICE_CONFIG_MAX || d->reserved0 ||
	    memchr_inv(d->reserved, 0, sizeof(d->reserved)))
		return false;
	/* One spelling of each configuration for the hypervisor. */
	memset(d->config + d->config_len, 0, HV_DEVICE_CONFIG_MAX - d->config_len);
	return true;
}

static long hv_ioc_device_add(struct hv_ioc_device_add __user *uarg)
{
	struct hv_ioc_device_add *a = memdup_user(uarg, sizeof(*a));
	long r;

	if (IS_ERR(a))
		return PTR_ERR(a);
	r = hv_chan_check_id(a->id);
	if (r)
		goto out;
	r = -EINVAL;
	if (!hv_device_ok(&a->dev))
		goto out;
	r = hv_errno(hv_hypercall(HVC_DEVICE_ADD, a->id, virt_to_phys(&a->dev),
				  0, 0));
	if (r < 0)
		goto out;
	if (r >= HV_DEVICES_MAX) {
		pr_warn_ratelimited("device add answered index %ld\n", r);
		r = -EIO;
		goto out;
	}
	r = put_user((u32)r, &uarg->device);
out:
	kfree(a);
	return r;
}

static long hv_ioc_device_query(struct hv_ioc_device_query __user *uarg)
{
	struct hv_device_state *st;
	u32 id, device;
	long r;

	if (get_user(id, &uarg->id) || get_user(device, &uarg->device))
		return -EFAULT;
	r = hv_chan_check_id(id);
	if (r)
		return r;
	if (device >= HV_DEVICES_MAX)
		return -ENOENT;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	r = hv_chan_zero(hv_hypercall(HVC_DEVICE_QUERY, id, device,
				      virt_to_phys(st), 0));
	if (!r && (st->config_len > HV_DEVICE_CONFIG_MAX ||
		   st->queues > HV_QUEUES_MAX)) {
		pr_warn_ratelimited("device query answered %u queues, %u config bytes\n",
				    st->queues, st->config_len);
		r = -EIO;
	}
	if (!r && copy_to_user(&uarg->state, st, sizeof(*st)))
		r = -EFAULT;
	kfree(st);
	return r;
}

static long hv_ioc_device_ack(const struct hv_ioc_device_ack __user *uarg)
{
	struct hv_ioc_device_ack *a = memdup_user(uarg, sizeof(*a));
	unsigned long reason = 0;
	size_t len;
	long r;

	if (IS_ERR(a))
		return PTR_ERR(a);
	r = hv_chan_check_id(a->id);
	if (r)
		goto out;
	r = -ENOENT;
	if (a->device >= HV_DEVICES_MAX)
		goto out;
	r = -EINVAL;
	len = strnlen(a->reason, HV_REASON_MAX);
	if ((a->what != HV_ACK_RESET && a->what != HV_ACK_BROKEN) ||
	    len == HV_REASON_MAX)
		goto out;
	if (len) {
		memset(a->reason + len, 0, HV_REASON_MAX - len);
		reason = virt_to_phys(a->reason);
	}
	r = hv_chan_zero(hv_hypercall(HVC_DEVICE_ACK, a->id, a->device, a->what,
				      reason));
out:
	kfree(a);
	return r;
}

/* Called with hv_chan_lock held. */
static bool hv_chan_taken(u32 id)
{
	struct hv_chan *ch;

	list_for_each_entry(ch, &hv_chans, node)
		if (ch->id == id)
			return true;
	return false;
}

/*
 * HVC_CHANNEL_CLOSE. True when the hypervisor no longer uses the ring
 * area: it closed the channel (0), or the child is gone and its channel
 * with it (-ENOENT). On any other answer the pages are kept for good:
 * a leak is better than the hypervisor writing into freed memory.
 */
static bool hv_chan_close(struct hv_chan *ch)
{
	long r = hv_hypercall(HVC_CHANNEL_CLOSE, ch->id, 0, 0, 0);

	if (!r || r == -ENOENT)
		return true;
	pr_warn("HVC_CHANNEL_CLOSE(%u) answered %ld: its %u ring pages are never freed\n",
		ch->id, r, ch->pages);
	return false;
}

/*
 * The ranges HVC_MEMORY_SHARE answered, before mmap() trusts them: whole
 * pages, addresses the CPU can map, and none of the parent's own RAM (a
 * mapping of that would hand the kernel's memory to user space).
 */
static int hv_chan_check_ranges(const struct hv_chan *ch)
{
	u32 i;

	for (i = 0; i < ch->nranges; i++) {
		const struct hv_mem_range *m = &ch->ranges[i];

		if (!m->size || !PAGE_ALIGNED(m->size) ||
		    !PAGE_ALIGNED(m->child_gpa) || !PAGE_ALIGNED(m->parent_gpa) ||
		    m->child_gpa + m->size < m->child_gpa ||
		    m->parent_gpa + m->size < m->parent_gpa ||
		    m->parent_gpa + m->size > BIT_ULL(boot_cpu_data.x86_phys_bits) ||
		    region_intersects(m->parent_gpa, m->size, IORESOURCE_SYSTEM_RAM,
				      IORES_DESC_NONE) != REGION_DISJOINT) {
			pr_warn_ratelimited("child %u: memory share answered a bad range: child %#llx parent %#llx size %#llx\n",
					    ch->id, m->child_gpa, m->parent_gpa,
					    m->size);
			return -EIO;
		}
	}
	return 0;
}

static long hv_ioc_channel_attach(struct hv_file *hf,
				  struct hv_ioc_channel_attach __user *uarg)
{
	u32 id, pages, reserved;
	struct hv_chan *ch;
	long r;

	if (get_user(id, &uarg->id) || get_user(pages, &uarg->pages) ||
	    get_user(reserved, &uarg->reserved))
		return -EFAULT;
	if (reserved || pages < HV_CHAN_PAGES_MIN || pages > HV_CHAN_PAGES_MAX)
		return -EINVAL;
	r = hv_chan_check_id(id);
	if (r)
		return r;
	/* Its ranges are the bounce buffer HVC_MEMORY_SHARE writes. */
	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return -ENOMEM;
	ch->id = id;
	ch->pages = pages;
	ch->order = get_order((size_t)pages << PAGE_SHIFT);

	mutex_lock(&hv_chan_lock);
	r = -EBUSY;
	if (hf->chan || hv_chan_taken(id))
		goto unlock;
	r = -ENOMEM;
	ch->ring = alloc_pages(GFP_KERNEL | __GFP_ZERO, ch->order);
	if (!ch->ring)
		goto unlock;

	/* The events' vector, or 0 (none) where the driver polls instead. */
	r = hv_hypercall(HVC_CHANNEL_OPEN, id, page_to_phys(ch->ring),
			 (unsigned long)pages << PAGE_SHIFT, hv_events_vector());
	if (r < 0) {
		r = hv_errno(r);
		goto free;
	}
	if (r) {
		r = -EIO;
		goto close;
	}
	r = hv_hypercall(HVC_MEMORY_SHARE, id, virt_to_phys(ch->ranges),
			 HV_IOC_RANGES_MAX, 0);
	if (r < 0) {
		r = hv_errno(r);
		goto close;
	}
	if (r > HV_IOC_RANGES_MAX) {
		pr_warn_ratelimited("child %u: memory share answered %ld ranges, at most %d fit\n",
				    id, r, HV_IOC_RANGES_MAX);
		r = -EIO;
		goto close;
	}
	ch->nranges = r;
	r = hv_chan_check_ranges(ch);
	if (r)
		goto close;

	if (put_user(ch->nranges, &uarg->nranges) ||
	    copy_to_user(uarg->ranges, ch->ranges,
			 ch->nranges * sizeof(ch->ranges[0]))) {
		r = -EFAULT;
		goto close;
	}
	list_add(&ch->node, &hv_chans);
	/* mmap and poll read hf->chan without the lock: a whole channel. */
	smp_store_release(&hf->chan, ch);
	mutex_unlock(&hv_chan_lock);
	return 0;

close:
	if (!hv_chan_close(ch))
		ch->ring = NULL;
free:
	if (ch->ring)
		__free_pages(ch->ring, ch->order);
unlock:
	mutex_unlock(&hv_chan_lock);
	kfree(ch);
	return r;
}

static long hv_ioc_channel_signal(struct hv_file *hf)
{
	struct hv_chan *ch = smp_load_acquire(&hf->chan);

	if (!ch)
		return -ENOTCONN;
	return hv_errno(hv_hypercall(HVC_CHANNEL_SIGNAL, ch->id, 0, 0, 0));
}

/**
 * hv_chan_ioctl() - the device and channel ioctls of /dev/hv
 * @file: the file
 * @cmd: HV_IOC_*
 * @arg: its argument, in the caller's memory
 *
 * Return: 0, a count where hv_ioctl.h says so, -errno, or -ENOIOCTLCMD
 * for a command that is not one of these.
 */
long hv_chan_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case HV_IOC_DEVICE_ADD:
		return hv_ioc_device_add(uarg);
	case HV_IOC_DEVICE_QUERY:
		return hv_ioc_device_query(uarg);
	case HV_IOC_DEVICE_ACK:
		return hv_ioc_device_ack(uarg);
	case HV_IOC_CHANNEL_ATTACH:
		return hv_ioc_channel_attach(file->private_data, uarg);
	case HV_IOC_CHANNEL_SIGNAL:
		return hv_ioc_channel_signal(file->private_data);
	default:
		return -ENOIOCTLCMD;
	}
}

/**
 * hv_chan_poll() - poll() of an attached file
 * @file: the file
 * @wait: the poll table
 * @mask: out: EPOLLIN when the IN ring holds a record or has overflowed
 *
 * Waits on hv_chan_wq whether or not the file is attached, so that a
 * poll set up before the attach is woken by the channel too.
 *
 * Return: whether the file is attached (else @mask is not set: the
 * caller asks the events).
 */
bool hv_chan_poll(struct file *file, struct poll_table_struct *wait,
		  __poll_t *mask)
{
	struct hv_file *hf = file->private_data;
	const struct hv_chan_ctl *in;
	struct hv_chan *ch;

	poll_wait(file, &hv_chan_wq, wait);
	ch = smp_load_acquire(&hf->chan);
	if (!ch)
		return false;
	/* The hypervisor and the backend write these as the kernel reads. */
	in = page_address(ch->ring);
	if (READ_ONCE(in->write_index) != READ_ONCE(in->read_index) ||
	    (READ_ONCE(in->flags) & HV_CHAN_OVERFLOW))
		*mask = EPOLLIN | EPOLLRDNORM;
	else
		*mask = 0;
	return true;
}

/*
 * Whether the child-RAM mapping at vma->vm_start came out write-back.
 *
 * The child's RAM is not RAM this kernel manages, so x86 PAT treats the
 * remap_pfn_range() of it as it treats a device: track_pfn_remap()
 * reserves the memory type for the range, and a write-back request is
 * granted write-back only where the MTRRs say write-back for the whole
 * range (pat_x_mtrr_type()); anywhere else it silently becomes UC-.
 * There is no exported way to reserve write-back for a range ahead, nor
 * a pgprot_writeback() on x86: write-back is simply the mmap default
 * (no cache bits), which vma->vm_page_prot already is. The hypervisor
 * gives the parent's vCPUs MTRRs with the default type write-back and no
 * variable range, so the request is granted; this check turns a future
 * UC- (the child's RAM shared at a hundredth of its speed, and aliased
 * with the child's own write-back mapping) into a refused mmap() and a
 * log line instead. PAT gives the whole VMA one type: the first PTE
 * tells.
 */
static int hv_chan_check_wb(struct vm_area_struct *vma, u64 phys)
{
	unsigned long cache;
	spinlock_t *ptl;
	pte_t *pte;

	if (follow_pte(vma->vm_mm, vma->vm_start, &pte, &ptl))
		return -EFAULT;
	cache = pte_flags(ptep_get(pte)) & _PAGE_CACHE_MASK;
	pte_unmap_unlock(pte, ptl);
	if (cache == cachemode2protval(_PAGE_CACHE_MODE_WB))
		return 0;
	pr_warn_ratelimited("child RAM at parent %#llx would be mapped uncached (PTE cache bits %#lx): MTRRs not write-back there?\n",
			    phys, cache);
	return -EINVAL;
}

static int hv_chan_mmap_child(struct hv_chan *ch, struct vm_area_struct *vma,
			      u64 gpa, unsigned long len)
{
	const struct hv_mem_range *m;
	u64 phys;
	int r;
	u32 i;

	for (i = 0; i < ch->nranges; i++) {
		m = &ch->ranges[i];
		if (gpa >= m->child_gpa && gpa - m->child_gpa < m->size &&
		    len <= m->size - (gpa - m->child_gpa))
			break;
	}
	if (i == ch->nranges)
		return -EINVAL;
	phys = m->parent_gpa + (gpa - m->child_gpa);
	r = remap_pfn_range(vma, vma->vm_start, PHYS_PFN(phys), len,
			    vma->vm_page_prot);
	if (r)
		return r;
	/* On failure mmap() unmaps what was mapped (and its PAT type). */
	return hv_chan_check_wb(vma, phys);
}

/**
 * hv_chan_mmap() - mmap() of /dev/hv
 * @file: the file
 * @vma: the mapping
 *
 * HV_MMAP_RING + n: the ring area from byte n; HV_MMAP_CHILD + gpa: the
 * child's RAM from guest-physical gpa. Shared mappings only: both are
 * memory another party writes. remap_pfn_range() makes the VMA
 * VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP: no page behind it is
 * the caller's, none grows, none goes into a core dump. The ring pages
 * are kernel RAM mapped write-back (PAT takes their own type); the
 * child's RAM see hv_chan_check_wb().
 *
 * Return: 0, -ENOTCONN before the attach, -EINVAL for a private mapping
 * or one outside the ring area or the child's ranges.
 */
int hv_chan_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct hv_file *hf = file->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	u64 ring_bytes, off;
	struct hv_chan *ch;

	ch = smp_load_acquire(&hf->chan);
	if (!ch)
		return -ENOTCONN;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* vm_pgoff may be up to 2^52 pages: keep the byte offset in range. */
	if (vma->vm_pgoff > (U64_MAX >> PAGE_SHIFT))
		return -EINVAL;
	off = PFN_PHYS((u64)vma->vm_pgoff);
	if (off >= HV_MMAP_CHILD)
		return hv_chan_mmap_child(ch, vma, off - HV_MMAP_CHILD, len);
	ring_bytes = (u64)ch->pages << PAGE_SHIFT;
	if (off > ring_bytes || len > ring_bytes - off)
		return -EINVAL;
	return remap_pfn_range(vma, vma->vm_start,
			       page_to_pfn(ch->ring) + vma->vm_pgoff, len,
			       vma->vm_page_prot);
}

/**
 * hv_chan_release() - close a released file's channel
 * @hf: the file, with no mapping and no call left
 *
 * Closes the channel and frees the ring area; the child is not touched.
 */
void hv_chan_release(struct hv_file *hf)
{
	struct hv_chan *ch = hf->chan;

	if (!ch)
		return;
	mutex_lock(&hv_chan_lock);
	list_del(&ch->node);
	if (hv_chan_close(ch))
		__free_pages(ch->ring, ch->order);
	mutex_unlock(&hv_chan_lock);
	kfree(ch);
}
