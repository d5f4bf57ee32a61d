// SPDX-License-Identifier: GPL-2.0-only
/* The hypervisor console: a 16550 UART chosen by console= (default COM1). */
#include "vmm/base/console.h"
#include "vmm/base/string.h"
#include "drivers/uart16550.h"

static struct uart console_uart;

static const u16 com_ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

bool console_parse(const char *opt, u16 *port, u32 *baud)
{
	const char *end = opt;
	u64 v;

	*baud = 115200;
	if (!strcmp(opt, "none")) {
		*port = 0;
		return true;
	}
	if (!strncmp(opt, "com", 3) && opt[3] >= '1' && opt[3] <= '4') {
		*port = com_ports[opt[3] - '1'];
		end = opt + 4;
	} else if (parse_u64(opt, &v, &end, false) && v > 0 && v <= 0xfff8) {
		*port = (u16)v;
	} else {
		return false;
	}
	if (*end == ',') {
		if (!parse_u64(end + 1, &v, &end, false) || v < 50 || v > 115200)
			return false;
		*baud = (u32)v;
	}
	return *end == 0;
}

void console_init(u16 port, u32 baud)
{
	uart_init(&console_uart, port, baud);
}

u16 console_port(void)
{
	return console_uart.port;
}

u32 console_baud(void)
{
	return console_uart.baud;
}

int console_getc(void)
{
	return uart_getc(&console_uart);
}

void console_write_bytes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		uart_putc(&console_uart, s[i]);
}

size_t console_write_nowait(const char *s, size_t n)
{
	return uart_write_nowait(&console_uart, s, n);
}
