// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual 16550A UART at PLAT_UART_PORT (COM1), IRQ PLAT_UART_IRQ through
 * the I/O APIC. The register model follows the National PC16550D
 * datasheet ("Register Description" and its interrupt-control table):
 *
 *  - Transmission is instantaneous: THR and the transmitter are always
 *    empty (LSR THRE and TEMT set), and each byte written goes straight to
 *    the hypervisor console, line-buffered and tagged with the partition
 *    name (testdev_console_putc). The divisor latch, word length, parity
 *    and stop bits are stored and read back but do not slow anything.
 *  - The receiver is a 16-byte FIFO (one holding register with FIFOs off)
 *    fed by vuart_input() from the hypervisor console, or by the
 *    transmitter in loopback mode. A byte arriving when it is full is lost
 *    and sets Overrun (LSR OE).
 *  - Interrupt identification in the datasheet's priority order: receiver
 *    line status, received data (or, in FIFO mode below the trigger level,
 *    character timeout), THR empty, modem status.
 *  - The interrupt reaches the I/O APIC only while MCR OUT2 is set, as on
 *    a PC, where the /OUT2 pin enables the IRQ driver; in loopback mode
 *    the modem-control pins are forced inactive (datasheet, MCR bit 4),
 *    so no interrupt leaves the chip then.
 *  - The modem inputs of a line with a terminal on it: CTS, DSR and DCD
 *    on, RI off; in loopback they follow RTS, DTR, OUT1 and OUT2.
 *
 * Left out: parity/framing errors and break (the host line never has
 * them), the character timeout's four-character delay (a byte below the
 * trigger level is reported at once: host bytes come one at a time, not
 * at line rate), DMA mode signalling, and the scratch-pad-less 8250 and
 * 16450 variants.
 */
#include "vmm/dev/vuart.h"
#include "vmm/base/log.h"
#include "vmm/dev/platform_dev.h"
#include "vmm/partition.h"
#include "vmm/dev/testdev.h"

enum { REG_RBR_THR = 0, REG_IER = 1, REG_IIR_FCR = 2, REG_LCR = 3, REG_MCR = 4, REG_LSR = 5,
       REG_MSR = 6, REG_SCR = 7, NR_REGS = 8 };

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI 0x08

#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO_ON 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_DMA 0x08
#define FCR_TRIGGER 0xc0

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

/* Bytes one access can transmit (an OUTSD to THR: four). */
#define TX_MAX 4

bool vuart_present(const struct partition *p)
{
	return p && p->platform;
}

static bool fifo_on(const struct vuart *u)
{
	return u->fcr & FCR_ENABLE;
}

static u32 rx_capacity(const struct vuart *u)
{
	return fifo_on(u) ? VUART_FIFO_SIZE : 1;
}

static u32 rx_trigger(const struct vuart *u)
{
	static const u8 levels[4] = { 1, 4, 8, 14 };
	return levels[(u->fcr >> 6) & 3];
}

static void rx_clear(struct vuart *u)
{
	u->rx_head = u->rx_count = 0;
}

static void rx_push(struct vuart *u, u8 c)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_err |= LSR_OE; /* the new byte is lost */
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % VUART_FIFO_SIZE] = c;
	u->rx_count++;
}

static u8 rx_pop(struct vuart *u)
{
	if (!u->rx_count)
		return 0;
	u8 c = u->rx[u->rx_head % VUART_FIFO_SIZE];
	u->rx_head = (u8)((u->rx_head + 1) % VUART_FIFO_SIZE);
	u->rx_count--;
	return c;
}

/* The modem-status inputs (MSR bits 7:4) as the chip sees them. */
static u8 modem_inputs(const struct vuart *u)
{
	if (!(u->mcr & MCR_LOOP))
		return MSR_CTS | MSR_DSR | MSR_DCD;
	u8 m = 0;
	if (u->mcr & MCR_RTS)
		m |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		m |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		m |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		m |= MSR_DCD;
	return m;
}

/* Records changes of the modem inputs in the MSR delta bits; TERI is the
 * trailing edge of RI only. */
static void modem_update(struct vuart *u)
{
	u8 now = modem_inputs(u), changed = now ^ u->msr_lines;

	if (changed & MSR_CTS)
		u->msr_delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		u->msr_delta |= MSR_DDSR;
	if ((changed & MSR_RI) && !(now & MSR_RI))
		u->msr_delta |= MSR_TERI;
	if (changed & MSR_DCD)
		u->msr_delta |= MSR_DDCD;
	u->msr_lines = now;
}

/* Interrupt identification, bits 3:0 of IIR, highest priority first. */
static u8 iir_id(const struct vuart *u)
{
	if ((u->ier & IER_RLSI) && (u->lsr_err & LSR_ERRORS))
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count) {
		if (!fifo_on(u) || u->rx_count >= rx_trigger(u))
			return IIR_RDI;
		return IIR_TIMEOUT;
	}
	if ((u->ier & IER_THRI) && u->thre_pending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && u->msr_delta)
		return IIR_MSI;
	return IIR_NO_INT;
}

/* Drives the I/O APIC pin from the interrupt logic; under the UART lock,
 * so that two CPUs never deliver levels out of order. */
static void update_irq(struct platform_state *ps)
{
	struct vuart *u = &ps->uart;
	bool level = iir_id(u) != IIR_NO_INT && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);

	if (level == u->irq_out)
		return;
	u->irq_out = level;
	platform_isa_irq(ps, PLAT_UART_IRQ, level);
}

void vuart_reset(struct platform_state *ps)
{
	struct vuart *u = &ps->uart;
	u64 f = spin_lock_irqsave(&u->lock);

	/* PC16550D "UART Reset Configuration": IER, FCR, LCR, MCR cleared,
	 * LSR THRE and TEMT set, no interrupt pending. The divisor (left
	 * undefined by a reset) starts at 12, 9600 baud. */
	u->ier = u->lcr = u->mcr = u->scr = u->fcr = 0;
	u->dll = 12;
	u->dlm = 0;
	u->lsr_err = 0;
	u->msr_delta = 0;
	u->msr_lines = modem_inputs(u);
	u->thre_pending = false;
	rx_clear(u);
	/* The I/O APIC is reset with the platform; the pin is low. */
	u->irq_out = false;
	spin_unlock_irqrestore(&u->lock, f);
}

static u8 reg_read(struct vuart *u, u32 reg)
{
	u8 v;

	switch (reg) {
	case REG_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		return rx_pop(u);
	case REG_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case REG_IIR_FCR:
		v = iir_id(u);
		/* Reading IIR while it reports THR empty clears that source. */
		if (v == IIR_THRI)
			u->thre_pending = false;
		return v | (fifo_on(u) ? IIR_FIFO_ON : 0);
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		v = (u->rx_count ? LSR_DR : 0) | u->lsr_err | LSR_THRE | LSR_TEMT;
		u->lsr_err = 0; /* OE, PE, FE and BI clear on read */
		return v;
	case REG_MSR:
		v = u->msr_lines | u->msr_delta;
		u->msr_delta = 0;
		return v;
	default:
		return u->scr;
	}
}

/* Returns the byte to transmit, or -1. */
static int reg_write(struct vuart *u, u32 reg, u8 val)
{
	switch (reg) {
	case REG_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			return -1;
		}
		/* Writing THR clears its interrupt; the byte leaves at once
		 * and THR is empty again, which raises it anew. */
		u->thre_pending = true;
		if (u->mcr & MCR_LOOP) {
			rx_push(u, val); /* loopback: straight to the receiver */
			return -1;
		}
		return val;
	case REG_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
		} else {
			/* Enabling the THR-empty interrupt while THR is empty
			 * raises it (what Linux's 8250 driver tests for). */
			if ((val & IER_THRI) && !(u->ier & IER_THRI))
				u->thre_pending = true;
			u->ier = val & 0x0f;
		}
		return -1;
	case REG_IIR_FCR:
		/* Changing the FIFO enable clears both FIFOs; with it off the
		 * other bits are not programmed (PC16550D FCR bit 0). */
		if ((val ^ u->fcr) & FCR_ENABLE)
			rx_clear(u);
		if (val & FCR_ENABLE) {
			if (val & FCR_CLEAR_RX)
				rx_clear(u);
			u->fcr = val & (FCR_ENABLE | FCR_DMA | FCR_TRIGGER);
		} else {
			u->fcr = 0;
		}
		return -1;
	case REG_LCR:
		u->lcr = val;
		return -1;
	case REG_MCR:
		u->mcr = val & 0x1f;
		modem_update(u);
		return -1;
	case REG_SCR:
		u->scr = val;
		return -1;
	default:
		return -1; /* LSR and MSR: factory test only, ignored */
	}
}

int vuart_io_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val)
{
	struct platform_state *ps = opaque;
	struct vuart *u = &ps->uart;
	u32 r = 0;
	(void)v;

	u64 f = spin_lock_irqsave(&u->lock);
	for (u8 i = 0; i < size && i < 4; i++) {
		u8 b = 0xff;
		if (isa_byte_in_range(port, i, PLAT_UART_PORT, NR_REGS))
			b = reg_read(u, (u32)(port + i - PLAT_UART_PORT));
		r |= (u32)b << (8 * i);
	}
	update_irq(ps);
	spin_unlock_irqrestore(&u->lock, f);
	*val = r;
	return 0;
}

int vuart_io_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val)
{
	struct platform_state *ps = opaque;
	struct vuart *u = &ps->uart;
	char tx[TX_MAX];
	u32 ntx = 0;
	(void)v;

	u64 f = spin_lock_irqsave(&u->lock);
	for (u8 i = 0; i < size && i < 4; i++) {
		if (!isa_byte_in_range(port, i, PLAT_UART_PORT, NR_REGS))
			continue;
		int c = reg_write(u, (u32)(port + i - PLAT_UART_PORT), (u8)(val >> (8 * i)));
		if (c >= 0 && ntx < TX_MAX)
			tx[ntx++] = (char)c;
	}
	update_irq(ps);
	spin_unlock_irqrestore(&u->lock, f);
	/* The console line (and its log output, which can take a while on a
	 * physical serial port) outside the UART lock. */
	if (ps->cfg.raw_console) {
		/* The machine's console (the parent's serial port): its bytes
		 * go out as they come, so its shell's prompt and echo show. */
		if (ntx && partition_console_allow(ps->part, ntx))
			log_stream(tx, ntx);
		return 0;
	}
	partition_console_record(ps->part, tx, ntx);
	if (ps->part->cfg.console_log)
		for (u32 i = 0; i < ntx; i++)
			testdev_console_putc(ps->part, tx[i]);
	return 0;
}

bool vuart_input_room(const struct partition *p)
{
	struct platform_state *ps = p ? p->platform : NULL;

	if (!ps)
		return false;
	struct vuart *u = &ps->uart;
	u64 f = spin_lock_irqsave(&u->lock);
	bool room = u->rx_count < rx_capacity(u);
	spin_unlock_irqrestore(&u->lock, f);
	return room;
}

void vuart_input(struct partition *p, char c)
{
	struct platform_state *ps = p ? p->platform : NULL;

	if (!ps)
		return;
	struct vuart *u = &ps->uart;
	u64 f = spin_lock_irqsave(&u->lock);
	if (!(u->mcr & MCR_LOOP)) /* loopback disconnects the serial input */
		rx_push(u, (u8)c);
	update_irq(ps);
	spin_unlock_irqrestore(&u->lock, f);
}
