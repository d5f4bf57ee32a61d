/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-pci transport of a child's devices (virtio 1.2 4.1, modern
 * devices only; hv_abi.h says where everything sits). The hypervisor
 * emulates the transport -- configuration space and capabilities, the
 * common configuration, the ISR, the device configuration bytes the
 * backend gave, the MSI-X table -- and passes what the driver does to the
 * device's backend in the parent over the child's channel
 * (vmm/channel.h): queue notifications and status changes, without
 * waiting for it. The backend raises the device's interrupts through the
 * channel (virtio_pci_irq).
 */
#ifndef VMM_DEV_VIRTIO_PCI_H
#define VMM_DEV_VIRTIO_PCI_H

#include "vmm/partition.h"

/* Adds a device described by d (checked: hostile input) to a child that
 * has not started. Returns its index, or -HV_E*. */
int virtio_pci_add(struct partition *p, const struct hv_device *d);
int virtio_pci_query(struct partition *p, u32 dev, struct hv_device_state *out);
/* HV_ACK_RESET or HV_ACK_BROKEN (reason: the backend's words). */
int virtio_pci_ack(struct partition *p, u32 dev, u32 what, const char *reason);
/* Raises queue q's vector (HV_CHAN_CONFIG_IRQ: the configuration one). */
void virtio_pci_irq(struct partition *p, u32 dev, u16 q);
/* The backend is gone: resets in progress complete. */
void virtio_pci_backend_gone(struct partition *p);
/* Hardware reset of every device (the partition resets). */
void virtio_pci_reset_all(struct partition *p);
void virtio_pci_free_all(struct partition *p);

#endif
