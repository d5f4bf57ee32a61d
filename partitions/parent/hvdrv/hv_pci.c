// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hv PCI passthrough: HV_IOC_PCI_ASSIGN, HV_IOC_PCI_RETURN and
 * HV_IOC_PCI_LIST (hv_abi.h, HVC_PCI_*).
 *
 * The hypervisor decides what may be passed through. This side keeps the
 * parent's own kernel out of the way of a function it stops seeing:
 *  - a function a parent driver is still bound to is refused (EBUSY):
 *    that driver would go on using a device that reads all ones;
 *  - while the hypervisor holds it, its driver_override names no driver,
 *    so no probe (a module loaded later, drivers_probe) binds to it;
 *  - its configuration as the parent's kernel set it up (BARs, command,
 *    capabilities) is saved before the assign and written back after the
 *    return, as vfio-pci does around its resets: the reset the hypervisor
 *    gives it in between clears it, while the kernel still has its
 *    resources where it put them. What was saved is lost with an unload
 *    of the module (the hypervisor's own restore is then all there is).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "hv_drv.h"

/* The driver_override of a function the hypervisor holds: no driver has
 * this name, so none binds. */
#define HV_PCI_OVERRIDE "hv-passthrough"

/* A bdf is bus << 8 | device << 3 | function, segment 0 (hv_abi.h). */
#define HV_PCI_BDF_MAX 0xffff

/**
 * struct hv_pci_saved - a held function's configuration, as the parent had it
 * @bdf: the function
 * @state: from pci_store_saved_state(); NULL for a free entry
 */
struct hv_pci_saved {
	u32 bdf;
	struct pci_saved_state *state;
};

/* Serializes the three calls; guards hv_pci_saves. */
static DEFINE_MUTEX(hv_pci_lock);
static struct hv_pci_saved hv_pci_saves[HV_PCI_PT_MAX];

static struct hv_pci_saved *hv_pci_find(u32 bdf)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hv_pci_saves); i++)
		if (hv_pci_saves[i].state && hv_pci_saves[i].bdf == bdf)
			return &hv_pci_saves[i];
	return NULL;
}

static void hv_pci_forget(struct hv_pci_saved *s)
{
	kfree(s->state);
	s->state = NULL;
}

/* Saves what the parent's kernel set up in @pdev; nothing when every
 * entry is taken (the hypervisor holds at most HV_PCI_PT_MAX anyway). */
static struct hv_pci_saved *hv_pci_save(struct pci_dev *pdev, u32 bdf)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hv_pci_saves); i++) {
		struct hv_pci_saved *s = &hv_pci_saves[i];

		if (s->state)
			continue;
		pci_save_state(pdev);
		s->state = pci_store_saved_state(pdev);
		s->bdf = bdf;
		return s->state ? s : NULL;
	}
	return NULL;
}

static int hv_pci_override(struct pci_dev *pdev, bool on)
{
	if (on)
		return driver_set_override(&pdev->dev, &pdev->driver_override,
					   HV_PCI_OVERRIDE, strlen(HV_PCI_OVERRIDE));
	return driver_set_override(&pdev->dev, &pdev->driver_override, "", 0);
}

static bool hv_pci_bound(struct pci_dev *pdev)
{
	bool bound;

	device_lock(&pdev->dev);
	bound = pdev->dev.driver;
	device_unlock(&pdev->dev);
	return bound;
}

/*
 * Whether the parent still sees @pdev: a function the hypervisor holds
 * (assignable, or assigned before this module was loaded) reads all ones.
 */
static bool hv_pci_visible(struct pci_dev *pdev)
{
	u16 vendor;

	return !pci_read_config_word(pdev, PCI_VENDOR_ID, &vendor) && vendor != 0xffff;
}

static long hv_pci_zero(long r)
{
	r = hv_errno(r);
	return r > 0 ? -EIO : r;
}

/**
 * hv_pci_assign() - HV_IOC_PCI_ASSIGN
 * @uarg: struct hv_ioc_pci_assign
 *
 * A function the parent's kernel knows and still sees is refused while a
 * driver is bound to it (EBUSY), then gets its override and its saved
 * configuration before the call; both are undone when the call fails
 * and the parent still sees the function (a failure after the hypervisor
 * took it leaves it held, assignable: they stay for the return). One the
 * hypervisor already holds goes to the call as it is, as does one the
 * parent's kernel does not know (the hypervisor answers for those). The
 * call is repeated while the hypervisor answers HV_MORE (it waits for
 * the parent's CPUs to let go of the function's BARs); a signal ends
 * that with EINTR, the function held: the same call again carries on.
 *
 * Return: 0 or -errno.
 */
long hv_pci_assign(const struct hv_ioc_pci_assign __user *uarg)
{
	struct hv_pci_saved *saved = NULL;
	struct hv_ioc_pci_assign a;
	struct pci_dev *pdev;
	bool ours = false;
	long r;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (!a.id || a.bdf > HV_PCI_BDF_MAX)
		return -EINVAL;
	mutex_lock(&hv_pci_lock);
	pdev = pci_get_domain_bus_and_slot(0, a.bdf >> 8, a.bdf & 0xff);
	if (pdev && !hv_pci_find(a.bdf) && hv_pci_visible(pdev)) {
		/* The override first: no driver binds between the check
		 * and the call. */
		r = hv_pci_override(pdev, true);
		if (r)
			goto out;
		ours = true;
		if (hv_pci_bound(pdev)) {
			pr_info_ratelimited("PCI %s: a driver is bound to it: unbind it before the assign\n",
					    pci_name(pdev));
			r = -EBUSY;
			goto undo;
		}
		saved = hv_pci_save(pdev, a.bdf);
	}
	for (;;) {
		r = hv_hypercall(HVC_PCI_ASSIGN, a.id, a.bdf, 0, 0);
		if (r != HV_MORE)
			break;
		if (signal_pending(current)) {
			r = -EINTR;
			goto out;
		}
		cond_resched();
	}
	r = hv_pci_zero(r);
	if (!r || (ours && !hv_pci_visible(pdev)))
		goto out;
undo:
	if (saved)
		hv_pci_forget(saved);
	if (ours)
		hv_pci_override(pdev, false);
out:
	mutex_unlock(&hv_pci_lock);
	pci_dev_put(pdev);
	return r;
}

/**
 * hv_pci_return() - HV_IOC_PCI_RETURN
 * @uarg: the function's bdf
 *
 * Once the hypervisor gave it back, the configuration saved at its
 * assign is written back and its override cleared; probing it again is
 * the caller's (drivers_probe).
 *
 * Return: 0 or -errno.
 */
long hv_pci_return(const u32 __user *uarg)
{
	struct hv_pci_saved *saved;
	struct pci_dev *pdev;
	u32 bdf;
	long r;

	if (get_user(bdf, uarg))
		return -EFAULT;
	if (bdf > HV_PCI_BDF_MAX)
		return -EINVAL;
	mutex_lock(&hv_pci_lock);
	r = hv_pci_zero(hv_hypercall(HVC_PCI_RETURN, bdf, 0, 0, 0));
	if (r)
		goto out;
	saved = hv_pci_find(bdf);
	pdev = pci_get_domain_bus_and_slot(0, bdf >> 8, bdf & 0xff);
	if (pdev) {
		if (saved && !pci_load_and_free_saved_state(pdev, &saved->state))
			pci_restore_state(pdev);
		hv_pci_override(pdev, false);
		pci_dev_put(pdev);
	}
	if (saved)
		hv_pci_forget(saved);
out:
	mutex_unlock(&hv_pci_lock);
	return r;
}

/**
 * hv_pci_list() - HV_IOC_PCI_LIST
 * @uarg: struct hv_ioc_pci_list, filled
 *
 * Return: 0 or -errno.
 */
long hv_pci_list(struct hv_ioc_pci_list __user *uarg)
{
	struct hv_ioc_pci_list *l = kzalloc(sizeof(*l), GFP_KERNEL);
	long r;

	if (!l)
		return -ENOMEM;
	r = hv_errno(hv_hypercall(HVC_PCI_LIST, virt_to_phys(l->dev), HV_PCI_PT_MAX,
				  0, 0));
	if (r < 0)
		goto out;
	if (r > HV_PCI_PT_MAX) {
		pr_warn_ratelimited("PCI list answered %ld functions\n", r);
		r = -EIO;
		goto out;
	}
	l->count = r;
	r = copy_to_user(uarg, l, sizeof(*l)) ? -EFAULT : 0;
out:
	kfree(l);
	return r;
}

/* At unload: what was saved goes; the overrides of the functions the
 * hypervisor still holds stay (they are still hidden). */
void hv_pci_exit(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hv_pci_saves); i++)
		hv_pci_forget(&hv_pci_saves[i]);
}
