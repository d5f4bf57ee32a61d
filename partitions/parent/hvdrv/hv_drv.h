/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parent's /dev/hv driver: what its files share.
 */
#ifndef HV_DRV_H
#define HV_DRV_H

#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/types.h>

#include "hv_ioctl.h"

/* Events per HVC_EVENT_READ: as many as fit in one page. */
#define HV_EVENT_BATCH (PAGE_SIZE / sizeof(struct hv_event))

struct hv_chan;
struct vm_area_struct;

/**
 * struct hv_file - an open /dev/hv
 * @lock: serializes @pos and @events
 * @pos: seq of the next event read() returns
 * @events: bounce buffer of HV_EVENT_BATCH events (kmalloc, one page)
 * @chan: its channel (hv_chan.c), NULL until HV_IOC_CHANNEL_ATTACH; set
 *	once, read with smp_load_acquire()
 */
struct hv_file {
	struct mutex lock;
	u64 pos;
	struct hv_event *events;
	struct hv_chan *chan;
};

long hv_hypercall(unsigned long nr, unsigned long a0, unsigned long a1,
		  unsigned long a2, unsigned long a3);
long hv_errno(long ret);
long hv_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

int hv_events_init(void);
void hv_events_exit(void);
int hv_events_open(struct hv_file *hf);
void hv_events_release(struct hv_file *hf);
ssize_t hv_events_read(struct file *file, char __user *buf, size_t count,
		       loff_t *ppos);
__poll_t hv_events_poll(struct file *file, struct poll_table_struct *wait);
long hv_events_from(struct hv_file *hf, u64 __user *uarg);
unsigned int hv_events_vector(void);

long hv_chan_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int hv_chan_mmap(struct file *file, struct vm_area_struct *vma);
bool hv_chan_poll(struct file *file, struct poll_table_struct *wait,
		  __poll_t *mask);
void hv_chan_release(struct hv_file *hf);
void hv_chan_wake(void);

long hv_pci_assign(const struct hv_ioc_pci_assign __user *uarg);
long hv_pci_return(const u32 __user *uarg);
long hv_pci_list(struct hv_ioc_pci_list __user *uarg);
void hv_pci_exit(void);

#endif
