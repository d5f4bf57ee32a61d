/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include "vmm/base/types.h"

struct uart {
	u16 port;   /* 0 = no UART */
	u32 baud;
};

void uart_init(struct uart *u, u16 port, u32 baud);
void uart_putc(struct uart *u, char c);
/* Writes what the transmitter takes without waiting (up to its FIFO's
 * 16 bytes when it is empty); returns the count. A missing UART takes
 * everything. */
size_t uart_write_nowait(struct uart *u, const char *s, size_t n);
/* Returns -1 when no byte is waiting. */
int uart_getc(struct uart *u);

#endif
