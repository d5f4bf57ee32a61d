// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parent's device calls (hv_abi.h, "devices and the channel"): add a
 * virtio device to a child being built, query and acknowledge a device,
 * open, signal and close the child's channel, and share the child's RAM
 * with the parent for its backends. As with every management call, the
 * arguments are hostile input and each call holds partition_mgmt_lock,
 * which keeps a destroy from freeing the child under it.
 */
#include "partitions/manage.h"
#include "vmm/channel.h"
#include "vmm/gmem.h"
#include "vmm/hypercall.h"
#include "vmm/share.h"
#include "vmm/base/string.h"
#include "partitions/parent.h"
#include "vmm/dev/passthru.h"
#include "vmm/dev/virtio_pci.h"
#include "vmm/base/log.h"
#include "drivers/pci.h"

#define SHARE_MAX 64u

static struct hc_result err(s64 e)
{
	return hc_ok(-e);
}

/* A child the parent manages (devices are for those only). */
static struct partition *child(u64 id, s64 *e)
{
	struct partition *p = partition_by_id(id);

	*e = 0;
	if (!p || p->state == PART_DYING)
		*e = HV_ENOENT;
	else if (p->is_parent || !p->cfg.managed)
		*e = HV_EPERM;
	return *e ? NULL : p;
}

static struct hc_result hc_device_add(struct vcpu *v, const struct hc_args *a)
{
	static struct hv_device d; /* under partition_mgmt_lock */
	s64 e;
	struct partition *p = child(a->a[0], &e);

	if (!p)
		return err(e);
	if (p->state != PART_CREATED)
		return err(HV_EBUSY); /* devices before it starts */
	if (gpa_read(v->part, a->a[1], &d, sizeof(d)))
		return err(HV_EFAULT);
	int r = virtio_pci_add(p, &d);
	return r < 0 ? err(-r) : hc_ok(r);
}

static struct hc_result hc_device_query(struct vcpu *v, const struct hc_args *a)
{
	static struct hv_device_state st;
	s64 e;
	struct partition *p = child(a->a[0], &e);

	if (!p)
		return err(e);
	if (a->a[1] >= HV_DEVICES_MAX)
		return err(HV_ENOENT);
	int r = virtio_pci_query(p, (u32)a->a[1], &st);
	if (r < 0)
		return err(-r);
	if (gpa_write(v->part, a->a[2], &st, sizeof(st)))
		return err(HV_EFAULT);
	return hc_ok(0);
}

static struct hc_result hc_device_ack(struct vcpu *v, const struct hc_args *a)
{
	char reason[HV_REASON_MAX + 1];
	s64 e;
	struct partition *p = child(a->a[0], &e);

	if (!p)
		return err(e);
	if (a->a[1] >= HV_DEVICES_MAX || a->a[2] > 0xffffffffULL)
		return err(a->a[1] >= HV_DEVICES_MAX ? HV_ENOENT : HV_EINVAL);
	reason[0] = 0;
	if (a->a[3]) {
		if (gpa_read(v->part, a->a[3], reason, HV_REASON_MAX))
			return err(HV_EFAULT);
		reason[HV_REASON_MAX] = 0;
		/* Into the log: printable ASCII only. */
		for (char *c = reason; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				*c = '?';
	}
	int r = virtio_pci_ack(p, (u32)a->a[1], (u32)a->a[2], reason);
	return r < 0 ? err(-r) : hc_ok(0);
}

static struct hc_result hc_channel_open(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = child(a->a[0], &e);

	if (!p)
		return err(e);
	if (a->a[3] > 0xff || (a->a[3] && a->a[3] < 0x20))
		return err(HV_EINVAL);
	int r = channel_open(p, v->part, a->a[1], a->a[2], (u8)a->a[3]);
	return r < 0 ? err(-r) : hc_ok(0);
}

static void take_record(struct partition *p, const struct hv_chan_record *r)
{
	/* Unknown records are the parent's bug; they change nothing. */
	if (r->type == HV_CHAN_IRQ)
		virtio_pci_irq(p, r->device, r->queue);
}

static struct hc_result hc_channel_signal(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = child(a->a[0], &e);
	(void)v;

	if (!p)
		return err(e);
	s64 n = channel_receive(p, take_record);
	return n < 0 ? err(-n) : hc_ok(n);
}

static struct hc_result hc_channel_close(struct vcpu *v, const struct hc_args *a)
{
	/* A dying child too: its destroy waits for this (the backend's
	 * mappings of its RAM are gone once its file is). */
	struct partition *p = partition_by_id(a->a[0]);
	(void)v;

	if (!p)
		return err(HV_ENOENT);
	if (p->is_parent || !p->cfg.managed)
		return err(HV_EPERM);
	channel_detach(p);
	if (p->state != PART_DYING)
		virtio_pci_backend_gone(p);
	return hc_ok(0);
}

static struct hc_result hc_memory_share(struct vcpu *v, const struct hc_args *a)
{
	static struct hv_mem_range out[SHARE_MAX];
	s64 e;
	struct partition *p = child(a->a[0], &e);

	if (!p)
		return err(e);
	if (a->a[2] > SHARE_MAX)
		return err(HV_EINVAL);
	if (p->populated < p->cfg.mem)
		return err(HV_EBUSY); /* populate it first */
	int n = partition_share_ram(p, v->part, out, SHARE_MAX);
	if (n < 0)
		return err(HV_ENOMEM);
	u32 copy = MIN((u32)n, (u32)a->a[2]);
	if (copy && gpa_write(v->part, a->a[1], out, copy * sizeof(out[0])))
		return err(HV_EFAULT);
	return hc_ok(n);
}

/* The reason of a refused passthrough call, into the log (the call
 * answers only an errno). */
static struct hc_result pci_refused(const char *what, u32 bdf, int r, const char *why)
{
	static struct log_ratelimit rl;

	log_limited(&rl, LOG_WARN, "passthrough: %s of %02x:%02x.%u refused: %s", what,
		    PCI_BUS(bdf), PCI_DEV(bdf), PCI_FN(bdf), why ? why : "?");
	return err(-r);
}

static struct hc_result hc_pci_assign(struct vcpu *v, const struct hc_args *a)
{
	s64 e;
	struct partition *p = child(a->a[0], &e);
	const char *why;

	if (!p)
		return err(e);
	if (a->a[1] > 0xffff)
		return err(HV_EINVAL);
	/* The bus walk only for a function the hypervisor does not hold yet
	 * (not on each HV_MORE repeat). */
	if (!passthru_holds_function((u32)a->a[1]) &&
	    (why = parent_pci_not_isolated(v->part, (u32)a->a[1])))
		return pci_refused("assignment", (u32)a->a[1], -HV_EINVAL, why);
	int r = passthru_assign(v->part, p, (u32)a->a[1], &why);
	return r < 0 ? pci_refused("assignment", (u32)a->a[1], r, why) : hc_ok(r);
}

static struct hc_result hc_pci_return(struct vcpu *v, const struct hc_args *a)
{
	const char *why;
	(void)v;

	if (a->a[0] > 0xffff)
		return err(HV_EINVAL);
	int r = passthru_return((u32)a->a[0], &why);
	return r < 0 ? pci_refused("return", (u32)a->a[0], r, why) : hc_ok(0);
}

static struct hc_result hc_pci_list(struct vcpu *v, const struct hc_args *a)
{
	static struct hv_pci_dev out[HV_PCI_PT_MAX];

	if (a->a[1] > HV_PCI_PT_MAX)
		return err(HV_EINVAL);
	u32 n = passthru_list(out, HV_PCI_PT_MAX);
	u32 copy = MIN(n, (u32)a->a[1]);
	if (copy && gpa_write(v->part, a->a[0], out, copy * sizeof(out[0])))
		return err(HV_EFAULT);
	return hc_ok(n);
}

LOCKED(hc_device_add)
LOCKED(hc_device_query)
LOCKED(hc_device_ack)
LOCKED(hc_channel_open)
LOCKED(hc_channel_signal)
LOCKED(hc_channel_close)
LOCKED(hc_memory_share)
LOCKED(hc_pci_assign)
LOCKED(hc_pci_return)
LOCKED(hc_pci_list)

void manage_dev_init(void)
{
	hypercall_register(HVC_DEVICE_ADD, locked_hc_device_add, "device_add", HC_PARENT);
	hypercall_register(HVC_DEVICE_QUERY, locked_hc_device_query, "device_query", HC_PARENT);
	hypercall_register(HVC_DEVICE_ACK, locked_hc_device_ack, "device_ack", HC_PARENT);
	hypercall_register(HVC_CHANNEL_OPEN, locked_hc_channel_open, "channel_open", HC_PARENT);
	hypercall_register(HVC_CHANNEL_SIGNAL, locked_hc_channel_signal, "channel_signal",
			   HC_PARENT);
	hypercall_register(HVC_CHANNEL_CLOSE, locked_hc_channel_close, "channel_close", HC_PARENT);
	hypercall_register(HVC_MEMORY_SHARE, locked_hc_memory_share, "memory_share", HC_PARENT);
	hypercall_register(HVC_PCI_ASSIGN, locked_hc_pci_assign, "pci_assign", HC_PARENT);
	hypercall_register(HVC_PCI_RETURN, locked_hc_pci_return, "pci_return", HC_PARENT);
	hypercall_register(HVC_PCI_LIST, locked_hc_pci_list, "pci_list", HC_PARENT);
	passthru_init();
}
