// SPDX-License-Identifier: GPL-2.0-only
/*
 * A child on the virtual PC (definition file: platform = "pc") that the
 * parent drives through its console and its power button
 * (tests/parent/manage.sh): it says it is ready on its 16550 at 0x3f8,
 * echoes each line typed at it ("pcguest: got LINE"), and when the ACPI
 * power button is pressed (PWRBTN_STS, polled; PWRBTN_EN set as an OS
 * does) it says so and powers off through PM1a_CNT with S5.
 */
#include "guest.h"
#include "vmm/dev/platform.h"

#define LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define PM1_PWRBTN (1u << 8)

static void uart_putc(char c)
{
	while (!(inb(PLAT_UART_PORT + LSR) & LSR_THRE))
		pause();
	outb(PLAT_UART_PORT, (u8)c);
}

static void uart_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s);
	}
}

int guest_main(u32 vcpu, u64 mem)
{
	char line[80];
	u32 len = 0;
	(void)vcpu;
	(void)mem;

	outb(PLAT_UART_PORT + 2, 0x07); /* FIFOs on, cleared */
	outb(PLAT_UART_PORT + 3, 0x03); /* 8N1 */
	outw(PLAT_PM1A_EVT + 2, PM1_PWRBTN); /* PWRBTN_EN */
	uart_puts("pcguest: ready\n");
	for (;;) {
		if (inw(PLAT_PM1A_EVT) & PM1_PWRBTN) {
			outw(PLAT_PM1A_EVT, PM1_PWRBTN); /* clear it */
			uart_puts("pcguest: power button pressed, powering off\n");
			outw(PLAT_PM1A_CNT, (PLAT_SLP_TYP_S5 << 10) | (1u << 13));
			for (;;)
				hlt();
		}
		if (!(inb(PLAT_UART_PORT + LSR) & LSR_DR)) {
			pause();
			continue;
		}
		char c = (char)inb(PLAT_UART_PORT);
		if (c == '\r' || c == '\n') {
			if (!len)
				continue;
			line[len] = 0;
			uart_puts("pcguest: got ");
			uart_puts(line);
			uart_puts("\n");
			len = 0;
		} else if (len < sizeof(line) - 1 && c >= 0x20 && c < 0x7f) {
			line[len++] = c;
		}
	}
}
