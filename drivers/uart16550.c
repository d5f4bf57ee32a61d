// SPDX-License-Identifier: GPL-2.0-only
/* 16550 UART: polled output for the hypervisor console. */
#include "drivers/uart16550.h"
#include "vmm/base/x86.h"

#define UART_THR 0
#define UART_RBR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LSR_DR BIT(0)
#define LSR_THRE BIT(5)
#define LCR_DLAB BIT(7)

void uart_init(struct uart *u, u16 port, u32 baud)
{
	u->port = 0;
	u->baud = baud;
	if (!port)
		return;
	/* A missing UART reads back 0xff; the scratch register proves one. */
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	if (baud) {
		u16 div = (u16)(115200 / baud ? 115200 / baud : 1);
		outb(port + UART_DLL, div & 0xff);
		outb(port + UART_DLM, div >> 8);
	} else {
		/* The rate the firmware set (a divisor of 115200 baud). */
		u16 div = (u16)(inb(port + UART_DLL) | inb(port + UART_DLM) << 8);
		u->baud = 115200 / (div ? div : 1);
	}
	outb(port + UART_LCR, 0x03); /* 8n1 */
	outb(port + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(port + UART_MCR, 0x03); /* DTR, RTS */
	u->port = port;
}

void uart_putc(struct uart *u, char c)
{
	if (!u->port)
		return;
	/* Bounded wait: a wedged UART must not hang the hypervisor. */
	for (int i = 0; i < 100000; i++) {
		if (inb(u->port + UART_LSR) & LSR_THRE)
			break;
		__asm__ __volatile__("pause");
	}
	outb(u->port + UART_THR, (u8)c);
}

#define FIFO_SIZE 16

size_t uart_write_nowait(struct uart *u, const char *s, size_t n)
{
	if (!u->port)
		return n;
	if (!(inb(u->port + UART_LSR) & LSR_THRE))
		return 0;
	/* THRE with the FIFO on: the FIFO is empty (16550 datasheet). */
	size_t k = n < FIFO_SIZE ? n : FIFO_SIZE;
	for (size_t i = 0; i < k; i++)
		outb(u->port + UART_THR, (u8)s[i]);
	return k;
}

int uart_getc(struct uart *u)
{
	if (!u->port || !(inb(u->port + UART_LSR) & LSR_DR))
		return -1;
	return inb(u->port + UART_RBR);
}
