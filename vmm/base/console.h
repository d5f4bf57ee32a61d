/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_CONSOLE_H
#define VMM_BASE_CONSOLE_H

#include "vmm/base/types.h"

/* Parses "com1", "com2", "com3", "com4", "0x3f8", optionally ",BAUD", or
 * "none". Returns false on a malformed value. */
bool console_parse(const char *opt, u16 *port, u32 *baud);
void console_init(u16 port, u32 baud);
/* Waits for the UART: the panic path and flushes. */
void console_write_bytes(const char *s, size_t n);
/* What the UART takes now without waiting (see uart_write_nowait). */
size_t console_write_nowait(const char *s, size_t n);
u16 console_port(void);
u32 console_baud(void);
/* A byte received on the console UART, or -1 when none is waiting (one
 * port read). Not serialized: see console_input_poll(). */
int console_getc(void);

#endif
