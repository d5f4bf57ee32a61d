// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hv ioctls: the hypervisor's management calls for the caller. Each
 * copies its argument in, checks what it can, bounces user buffers
 * through kmalloc'd memory whose physical address the hypervisor gets,
 * and copies the answer out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "hv_drv.h"

/* HV_IOC_SCHED reads the settings it keeps, then writes both. */
static DEFINE_MUTEX(hv_sched_lock);

static unsigned long hv_pa(void *p)
{
	return virt_to_phys(p);
}

/*
 * A partition id the caller names: 1, 2, ... in creation order and never
 * reused (hv_abi.h), so any id but 0 may name one; the hypervisor answers
 * ENOENT for one that is gone.
 */
static int hv_check_id(u32 id)
{
	return id ? 0 : -EINVAL;
}

static int hv_get_id(const u32 __user *uarg, u32 *id)
{
	if (get_user(*id, uarg))
		return -EFAULT;
	return hv_check_id(*id);
}

/*
 * A bounce buffer of *size bytes, or of one page when that much
 * contiguous memory is not to be had (*size says which).
 */
static void *hv_alloc_bounce(size_t *size)
{
	void *buf = kmalloc(*size, GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY);

	if (!buf && *size > PAGE_SIZE) {
		*size = PAGE_SIZE;
		buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	}
	return buf;
}

/* A call on one partition that answers 0. */
static long hv_ioc_simple(unsigned long nr, const u32 __user *uarg)
{
	u32 id;
	long r = hv_get_id(uarg, &id);

	if (r)
		return r;
	r = hv_errno(hv_hypercall(nr, id, 0, 0, 0));
	return r > 0 ? -EIO : r;
}

/*
 * A call the hypervisor splits: repeated while it answers HV_MORE. The
 * hypervisor also carries a destroy on by itself between calls, so a
 * destroy it had begun may be gone by the next call: -ENOENT then means
 * done.
 */
static long hv_ioc_repeat(unsigned long nr, const u32 __user *uarg)
{
	bool begun = false;
	u32 id;
	long r = hv_get_id(uarg, &id);

	if (r)
		return r;
	for (;;) {
		r = hv_hypercall(nr, id, 0, 0, 0);
		if (r != HV_MORE)
			break;
		begun = true;
		if (signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	if (r == -ENOENT && begun && nr == HVC_PARTITION_DESTROY)
		return 0;
	r = hv_errno(r);
	return r > 0 ? -EIO : r;
}

static long hv_ioc_version(u32 __user *uarg)
{
	long r = hv_errno(hv_hypercall(HVC_VERSION, 0, 0, 0, 0));

	if (r < 0)
		return r;
	return put_user((u32)r, uarg);
}

static long hv_ioc_list(struct hv_ioc_list __user *uarg)
{
	struct hv_ioc_list l;
	u32 *ids, max, n;
	long r;

	if (copy_from_user(&l, uarg, sizeof(l)))
		return -EFAULT;
	/* At most HV_PARTITIONS_MAX partitions exist at once: no list is
	 * longer (their ids may be any, never reused). */
	max = min_t(u32, l.max, HV_PARTITIONS_MAX);
	ids = kcalloc(HV_PARTITIONS_MAX, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	r = hv_errno(hv_hypercall(HVC_PARTITION_LIST, hv_pa(ids), max, 0, 0));
	if (r < 0)
		goto out;
	if (r > HV_PARTITIONS_MAX) {
		r = -EIO;
		goto out;
	}
	n = min_t(u32, r, max);
	if ((n && copy_to_user(u64_to_user_ptr(l.uaddr), ids, n * sizeof(*ids))) ||
	    put_user((u32)r, &uarg->count))
		r = -EFAULT;
	else
		r = 0;
out:
	kfree(ids);
	return r;
}

static long hv_ioc_status(struct hv_ioc_status __user *uarg)
{
	struct hv_partition_status *st;
	u32 id, reserved;
	long r;

	if (get_user(id, &uarg->id) || get_user(reserved, &uarg->reserved))
		return -EFAULT;
	if (reserved)
		return -EINVAL;
	r = hv_check_id(id);
	if (r)
		return r;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	r = hv_errno(hv_hypercall(HVC_PARTITION_STATUS, id, hv_pa(st), 0, 0));
	if (r > 0)
		r = -EIO;
	if (!r) {
		st->name[sizeof(st->name) - 1] = '\0';
		st->stop_reason[sizeof(st->stop_reason) - 1] = '\0';
		if (copy_to_user(&uarg->status, st, sizeof(*st)))
			r = -EFAULT;
	}
	kfree(st);
	return r;
}

/* 1-31 of [A-Za-z0-9_.-], NUL-terminated; the bytes after the NUL are
 * zeroed so the hypervisor sees one spelling of each name. */
static bool hv_name_ok(char *name)
{
	size_t i, len = strnlen(name, HV_NAME_MAX);

	if (!len || len == HV_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	memset(name + len, 0, HV_NAME_MAX - len);
	return true;
}

static bool hv_create_ok(struct hv_create *c)
{
	return hv_name_ok(c->name) &&
	       c->memory_bytes >= HV_MEMORY_MIN &&
	       c->memory_bytes <= HV_MEMORY_MAX &&
	       !(c->memory_bytes % HV_MEMORY_ALIGN) &&
	       c->vcpus >= 1 && c->vcpus <= HV_VCPUS_MAX &&
	       !(c->flags & ~HV_CREATE_FLAGS_ALL) &&
	       c->weight <= HV_WEIGHT_MAX &&
	       c->cap <= 100 * c->vcpus &&
	       c->on_poweroff <= HV_ACTION_MAX &&
	       c->on_reboot <= HV_ACTION_MAX &&
	       c->on_crash <= HV_ACTION_MAX &&
	       !c->reserved0 &&
	       !memchr_inv(c->reserved, 0, sizeof(c->reserved));
}

static long hv_ioc_create(struct hv_ioc_create __user *uarg)
{
	struct hv_ioc_create *ioc = memdup_user(uarg, sizeof(*ioc));
	long r;

	if (IS_ERR(ioc))
		return PTR_ERR(ioc);
	r = -EINVAL;
	if (ioc->reserved || !hv_create_ok(&ioc->create))
		goto out;
	r = hv_errno(hv_hypercall(HVC_PARTITION_CREATE, hv_pa(&ioc->create),
				  0, 0, 0));
	if (r < 0)
		goto out;
	if (!r || r > U32_MAX) {
		pr_warn_ratelimited("create answered id %ld\n", r);
		r = -EIO;
		goto out;
	}
	r = put_user((u32)r, &uarg->id);
out:
	kfree(ioc);
	return r;
}

static long hv_ioc_write(const struct hv_ioc_write __user *uarg)
{
	size_t size = HV_WRITE_MAX;
	struct hv_ioc_write w;
	u64 done = 0;
	void *buf;
	long r;

	if (copy_from_user(&w, uarg, sizeof(w)))
		return -EFAULT;
	if (w.reserved)
		return -EINVAL;
	r = hv_check_id(w.id);
	if (r)
		return r;
	if (!w.len)
		return 0;
	if (w.len > U64_MAX - w.gpa || w.len > U64_MAX - w.uaddr)
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(w.uaddr), w.len))
		return -EFAULT;
	buf = hv_alloc_bounce(&size);
	if (!buf)
		return -ENOMEM;
	while (done < w.len) {
		size_t chunk = min_t(u64, w.len - done, size);

		if (copy_from_user(buf, u64_to_user_ptr(w.uaddr + done), chunk)) {
			r = -EFAULT;
			break;
		}
		r = hv_errno(hv_hypercall(HVC_PARTITION_WRITE, w.id, w.gpa + done,
					  hv_pa(buf), chunk));
		if (r) {
			r = r > 0 ? -EIO : r;
			break;
		}
		done += chunk;
		if (done < w.len) {
			if (signal_pending(current)) {
				r = -EINTR;
				break;
			}
			cond_resched();
		}
	}
	kfree(buf);
	return r;
}

static long hv_ioc_vcpu_set(const struct hv_ioc_vcpu __user *uarg)
{
	struct hv_ioc_vcpu *v = memdup_user(uarg, sizeof(*v));
	struct hv_vcpu_state *s;
	long r;

	if (IS_ERR(v))
		return PTR_ERR(v);
	s = &v->state;
	r = hv_check_id(v->id);
	if (r)
		goto out;
	r = -EINVAL;
	if (v->vcpu >= HV_VCPUS_MAX || s->mode > HV_MODE_LONG ||
	    (s->flags & ~HV_VCPU_RUNNABLE) ||
	    memchr_inv(s->reserved, 0, sizeof(s->reserved)) ||
	    (s->mode == HV_MODE_LONG && (s->cr3 & ~PAGE_MASK)))
		goto out;
	r = hv_errno(hv_hypercall(HVC_VCPU_SET_STATE, v->id, v->vcpu, hv_pa(s), 0));
	if (r > 0)
		r = -EIO;
out:
	kfree(v);
	return r;
}

static long hv_ioc_sched(const struct hv_ioc_sched __user *uarg)
{
	struct hv_partition_status *st = NULL;
	struct hv_ioc_sched s;
	u32 weight, cap;
	long r;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (s.reserved || s.weight > HV_WEIGHT_MAX ||
	    (s.cap != HV_IOC_CAP_KEEP && s.cap > 100 * HV_VCPUS_MAX))
		return -EINVAL;
	r = hv_check_id(s.id);
	if (r)
		return r;
	weight = s.weight;
	cap = s.cap;
	mutex_lock(&hv_sched_lock);
	if (!weight || cap == HV_IOC_CAP_KEEP) {
		/* The call sets both: keep what the caller leaves as is. */
		st = kzalloc(sizeof(*st), GFP_KERNEL);
		r = -ENOMEM;
		if (!st)
			goto out;
		r = hv_errno(hv_hypercall(HVC_PARTITION_STATUS, s.id, hv_pa(st), 0, 0));
		if (r)
			goto out;
		if (!weight)
			weight = st->weight;
		if (cap == HV_IOC_CAP_KEEP)
			cap = st->cap;
	}
	r = hv_errno(hv_hypercall(HVC_PARTITION_SCHED, s.id, weight, cap, 0));
out:
	mutex_unlock(&hv_sched_lock);
	kfree(st);
	return r > 0 ? -EIO : r;
}

/* HV_IOC_CONSOLE_READ (@log false) and HV_IOC_LOG_READ (@log true). */
static long hv_ioc_ring(struct hv_ioc_ring __user *uarg, bool log)
{
	struct hv_ring_read *rr;
	struct hv_ioc_ring ring;
	size_t size;
	void *buf;
	long r;

	if (copy_from_user(&ring, uarg, sizeof(ring)))
		return -EFAULT;
	if (!log) {
		r = hv_check_id(ring.id);
		if (r)
			return r;
	}
	size = max_t(size_t, min_t(u32, ring.len, HV_WRITE_MAX), 1);
	rr = kzalloc(sizeof(*rr), GFP_KERNEL);
	buf = hv_alloc_bounce(&size);
	r = -ENOMEM;
	if (!rr || !buf)
		goto out;
	rr->pos = ring.pos;
	rr->buf = hv_pa(buf);
	rr->len = min_t(u32, ring.len, size);
	if (log)
		r = hv_hypercall(HVC_LOG_READ, hv_pa(rr), 0, 0, 0);
	else
		r = hv_hypercall(HVC_CONSOLE_READ, ring.id, hv_pa(rr), 0, 0);
	r = hv_errno(r);
	if (r < 0)
		goto out;
	if (r > rr->len) {
		r = -EIO;
		goto out;
	}
	if ((r && copy_to_user(u64_to_user_ptr(ring.uaddr), buf, r)) ||
	    put_user(rr->pos, &uarg->pos) || put_user(rr->end, &uarg->end))
		r = -EFAULT;
out:
	kfree(buf);
	kfree(rr);
	return r;
}

static long hv_ioc_input(const struct hv_ioc_input __user *uarg)
{
	struct hv_ioc_input in;
	void *buf;
	long r;

	if (copy_from_user(&in, uarg, sizeof(in)))
		return -EFAULT;
	r = hv_check_id(in.id);
	if (r)
		return r;
	if (in.len > HV_INPUT_MAX)
		return -E2BIG;
	if (!in.len)
		return 0;
	buf = memdup_user(u64_to_user_ptr(in.uaddr), in.len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	r = hv_errno(hv_hypercall(HVC_CONSOLE_INPUT, in.id, hv_pa(buf), in.len, 0));
	if (r > in.len)
		r = -EIO;
	kfree(buf);
	return r;
}

static long hv_ioc_pool(struct hv_pool_info __user *uarg)
{
	struct hv_pool_info *pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	long r;

	if (!pool)
		return -ENOMEM;
	r = hv_errno(hv_hypercall(HVC_POOL_INFO, hv_pa(pool), 0, 0, 0));
	if (r > 0)
		r = -EIO;
	if (!r && copy_to_user(uarg, pool, sizeof(*pool)))
		r = -EFAULT;
	kfree(pool);
	return r;
}

/**
 * hv_ioctl() - the ioctls of /dev/hv (hv_ioctl.h)
 * @file: the file
 * @cmd: HV_IOC_*
 * @arg: its argument, in the caller's memory
 *
 * Return: 0, a count where hv_ioctl.h says so, or -errno.
 */
long hv_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case HV_IOC_VERSION:
		return hv_ioc_version(uarg);
	case HV_IOC_LIST:
		return hv_ioc_list(uarg);
	case HV_IOC_STATUS:
		return hv_ioc_status(uarg);
	case HV_IOC_CREATE:
		return hv_ioc_create(uarg);
	case HV_IOC_POPULATE:
		return hv_ioc_repeat(HVC_PARTITION_POPULATE, uarg);
	case HV_IOC_WRITE:
		return hv_ioc_write(uarg);
	case HV_IOC_VCPU_SET:
		return hv_ioc_vcpu_set(uarg);
	case HV_IOC_START:
		return hv_ioc_simple(HVC_PARTITION_START, uarg);
	case HV_IOC_PAUSE:
		return hv_ioc_simple(HVC_PARTITION_PAUSE, uarg);
	case HV_IOC_RESUME:
		return hv_ioc_simple(HVC_PARTITION_RESUME, uarg);
	case HV_IOC_SHUTDOWN:
		return hv_ioc_simple(HVC_PARTITION_SHUTDOWN, uarg);
	case HV_IOC_RESET:
		return hv_ioc_simple(HVC_PARTITION_RESET, uarg);
	case HV_IOC_DESTROY:
		return hv_ioc_repeat(HVC_PARTITION_DESTROY, uarg);
	case HV_IOC_SCHED:
		return hv_ioc_sched(uarg);
	case HV_IOC_CONSOLE_READ:
		return hv_ioc_ring(uarg, false);
	case HV_IOC_CONSOLE_INPUT:
		return hv_ioc_input(uarg);
	case HV_IOC_LOG_READ:
		return hv_ioc_ring(uarg, true);
	case HV_IOC_POOL:
		return hv_ioc_pool(uarg);
	case HV_IOC_EVENTS_FROM:
		return hv_events_from(file->private_data, uarg);
	case HV_IOC_PCI_ASSIGN:
		return hv_pci_assign(uarg);
	case HV_IOC_PCI_RETURN:
		return hv_pci_return(uarg);
	case HV_IOC_PCI_LIST:
		return hv_pci_list(uarg);
	default:
		return -ENOTTY;
	}
}
