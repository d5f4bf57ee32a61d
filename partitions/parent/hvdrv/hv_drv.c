// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hv: the parent partition's interface to the hypervisor's
 * management hypercalls (partitions/hv_abi.h), with the ioctls of
 * partitions/parent/include/hv_ioctl.h.
 *
 * The parent's memory is identity-mapped (guest-physical = physical), so
 * a buffer the hypervisor reads or writes is passed as the physical
 * address of kmalloc'd memory, which is physically contiguous; never
 * stack or vmalloc memory. What the caller gives is bounced through such
 * buffers: the hypervisor never sees a user address. The driver checks
 * what it can before a call; the hypervisor checks everything again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#include "hv_drv.h"

/* VMMCALL (AMD, Hygon) or VMCALL (Intel and the rest), chosen at load. */
static bool hv_vmmcall __ro_after_init;

/**
 * hv_hypercall() - call the hypervisor
 * @nr: HVC_* call number
 * @a0: first argument (RDI)
 * @a1: second argument (RSI)
 * @a2: third argument (RDX)
 * @a3: fourth argument (R10)
 *
 * Every register but RAX is preserved by the hypervisor; it may read and
 * write memory whose physical address it is given.
 *
 * Return: the hypervisor's answer: >= 0, or -HV_E* (Linux errno values).
 */
long hv_hypercall(unsigned long nr, unsigned long a0, unsigned long a1,
		  unsigned long a2, unsigned long a3)
{
	register unsigned long r10 asm("r10") = a3;
	long ret;

	if (hv_vmmcall)
		asm volatile("vmmcall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
			     : "memory");
	else
		asm volatile("vmcall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
			     : "memory");
	return ret;
}

/**
 * hv_errno() - a hypervisor answer as a kernel return value
 * @ret: what hv_hypercall() returned
 *
 * Return: @ret when it is a result or an errno user space may see;
 * -EIO for any other negative value (never a kernel-internal code).
 */
long hv_errno(long ret)
{
	return ret >= -EHWPOISON ? ret : -EIO;
}

static int hv_open(struct inode *inode, struct file *file)
{
	struct hv_file *hf;
	int r;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	r = nonseekable_open(inode, file);
	if (r)
		return r;
	hf = kzalloc(sizeof(*hf), GFP_KERNEL);
	if (!hf)
		return -ENOMEM;
	mutex_init(&hf->lock);
	r = hv_events_open(hf);
	if (r) {
		kfree(hf);
		return r;
	}
	file->private_data = hf;
	return 0;
}

/* Closing never touches a partition: partitions live in the hypervisor.
 * An attached file's channel closes (no mapping holds the file any more). */
static int hv_release(struct inode *inode, struct file *file)
{
	struct hv_file *hf = file->private_data;

	hv_chan_release(hf);
	hv_events_release(hf);
	mutex_destroy(&hf->lock);
	kfree(hf);
	return 0;
}

/* An attached file polls its channel, any other the events (hv_ioctl.h). */
static __poll_t hv_poll(struct file *file, struct poll_table_struct *wait)
{
	__poll_t mask;

	if (hv_chan_poll(file, wait, &mask))
		return mask;
	return hv_events_poll(file, wait);
}

static long hv_unlocked_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	long r = hv_chan_ioctl(file, cmd, arg);

	return r == -ENOIOCTLCMD ? hv_ioctl(file, cmd, arg) : r;
}

static const struct file_operations hv_fops = {
	.owner = THIS_MODULE,
	.open = hv_open,
	.release = hv_release,
	.read = hv_events_read,
	.poll = hv_poll,
	.mmap = hv_chan_mmap,
	.unlocked_ioctl = hv_unlocked_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice hv_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hv",
	.fops = &hv_fops,
	.mode = 0600,
};

/*
 * The hypervisor: its CPUID leaf and ABI version, then the calls
 * themselves. A call that is never valid must answer -ENOSYS: when the
 * parent's Linux has enabled the Hyper-V hypercall page, the hypervisor
 * takes VMCALL/VMMCALL as Hyper-V calls and answers with a TLFS status
 * instead (2, HV_STATUS_INVALID_HYPERCALL_CODE, for anything), which a
 * version check alone would not notice.
 */
static int __init hv_detect(void)
{
	u32 eax, sig[3];
	long r;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR)) {
		pr_err("no hypervisor (CPUID hypervisor bit clear): not loading\n");
		return -ENODEV;
	}
	cpuid(HV_CPUID_BASE, &eax, &sig[0], &sig[1], &sig[2]);
	if (memcmp(sig, HV_CPUID_SIGNATURE, sizeof(sig))) {
		pr_err("no \"%s\" signature at CPUID %#x: not this project's hypervisor, not loading\n",
		       HV_CPUID_SIGNATURE, HV_CPUID_BASE);
		return -ENODEV;
	}
	eax = cpuid_eax(HV_CPUID_BASE + 1);
	if (eax != HV_ABI_VERSION) {
		pr_err("hypervisor ABI version %u, this driver needs %d: not loading\n",
		       eax, HV_ABI_VERSION);
		return -ENODEV;
	}
	hv_vmmcall = boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
		     boot_cpu_data.x86_vendor == X86_VENDOR_HYGON;
	r = hv_hypercall(HVC_VERSION, 0, 0, 0, 0);
	if (r != HV_ABI_VERSION) {
		pr_err("HVC_VERSION answered %ld, expected %d: not loading\n",
		       r, HV_ABI_VERSION);
		return -ENODEV;
	}
	r = hv_hypercall(HVC_COUNT_MAX, 0, 0, 0, 0);
	if (r != -ENOSYS) {
		pr_err("an invalid hypercall answered %ld instead of %d (-ENOSYS): the hypervisor does not take this ABI's calls from here (Hyper-V hypercall page enabled?), not loading\n",
		       r, -ENOSYS);
		return -ENODEV;
	}
	return 0;
}

static int __init hv_init(void)
{
	int r = hv_detect();

	if (r)
		return r;
	r = hv_events_init();
	if (r)
		return r;
	r = misc_register(&hv_misc);
	if (r) {
		pr_err("cannot register /dev/hv: %d\n", r);
		hv_events_exit();
		return r;
	}
	pr_info("/dev/hv ready: hypervisor ABI %d, %s\n", HV_ABI_VERSION,
		hv_vmmcall ? "VMMCALL" : "VMCALL");
	return 0;
}

static void __exit hv_exit(void)
{
	misc_deregister(&hv_misc);
	hv_events_exit();
	hv_pci_exit();
}

module_init(hv_init);
module_exit(hv_exit);

MODULE_DESCRIPTION("/dev/hv: the parent partition's interface to the hv hypervisor");
MODULE_LICENSE("GPL");
