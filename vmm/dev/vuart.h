/* SPDX-License-Identifier: GPL-2.0-only */
/* The virtual 16550A UART of the PC platform (vmm/vuart.c). */
#ifndef VMM_DEV_VUART_H
#define VMM_DEV_VUART_H

#include "vmm/base/types.h"

struct partition;

/* Queues a byte from the hypervisor console for p's UART, as if it came
 * in on the serial line: it lands in the receiver (FIFO of 16, overrun
 * beyond), and raises the receive interrupt if enabled. Dropped when p
 * has no UART or the UART is in loopback mode. Safe from any CPU and
 * from interrupt context. */
void vuart_input(struct partition *p, char c);
/* Whether p's receiver can take a byte now without an overrun. */
bool vuart_input_room(const struct partition *p);
/* Whether p has the UART (the PC platform). */
bool vuart_present(const struct partition *p);

#endif
