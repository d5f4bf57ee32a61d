// SPDX-License-Identifier: GPL-2.0-only
/* The test device through which guests print and report results. */
#include "vmm/dev/testdev.h"
#include "vmm/base/fmt.h"
#include "vmm/base/log.h"
#include "vmm/base/string.h"

static void flush_locked(struct partition *p)
{
	struct testdev *t = &p->testdev;

	if (!t->len)
		return;
	t->line[t->len] = 0;
	if (partition_console_allow(p, t->len))
		log_guest("[%s] %s", p->cfg.name, t->line);
	t->len = 0;
}

void testdev_console_flush(struct partition *p)
{
	u64 f = spin_lock_irqsave(&p->testdev.lock);
	flush_locked(p);
	spin_unlock_irqrestore(&p->testdev.lock, f);
}

void testdev_console_putc(struct partition *p, char c)
{
	struct testdev *t = &p->testdev;

	if (c == '\r')
		return;
	u64 f = spin_lock_irqsave(&t->lock);
	if (c == '\n') {
		flush_locked(p);
	} else {
		/* Guests print what they like; the log gets printable text. */
		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			c = '.';
		t->line[t->len++] = c;
		if (t->len >= sizeof(t->line) - 1)
			flush_locked(p);
	}
	spin_unlock_irqrestore(&t->lock, f);
}

static int port_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val)
{
	(void)v;
	(void)opaque;
	(void)port;
	(void)size;
	*val = 0;
	return 0;
}

static int port_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val)
{
	struct partition *p = v->part;
	(void)opaque;
	(void)size;

	switch (port & ~3) {
	case HV_TESTDEV_PORT_CONSOLE:
		if (port == HV_TESTDEV_PORT_CONSOLE) {
			char c = (char)val;
			partition_console_record(p, &c, 1);
			testdev_console_putc(p, c);
		}
		break;
	case HV_TESTDEV_PORT_RESULT: {
		char why[48];
		testdev_console_flush(p);
		p->result_code = val;
		if (val == 0) {
			partition_stop(p, OUTCOME_PASS, "the guest reported success");
		} else {
			hv_snprintf(why, sizeof(why), "the guest reported failure %u", val);
			partition_stop(p, OUTCOME_FAIL, why);
		}
		break;
	}
	default: /* the no-op port */
		break;
	}
	return 0;
}

static int mmio_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val)
{
	struct testdev *t = &v->part->testdev;
	(void)opaque;

	t->mmio_accesses++;
	*val = 0;
	if (off + size <= sizeof(t->scratch))
		memcpy(val, t->scratch + off, size);
	else if (off >= 0x100 && off + size <= 0x110) {
		/* Counter and magic, whole or by halves (32-bit guests). */
		u64 regs[2] = { t->mmio_accesses, HV_TESTDEV_MAGIC };
		memcpy(val, (u8 *)regs + (off - 0x100), size);
	}
	return 0;
}

static int mmio_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val)
{
	struct testdev *t = &v->part->testdev;
	(void)opaque;

	t->mmio_accesses++;
	if (off + size <= sizeof(t->scratch))
		memcpy(t->scratch + off, &val, size);
	return 0;
}

int testdev_attach(struct partition *p)
{
	struct io_device io = {
		.base = HV_TESTDEV_PORT_CONSOLE, .count = 12,
		.read = port_read, .write = port_write,
	};
	struct mmio_device mm = {
		.base = HV_TESTDEV_MMIO, .size = PAGE_SIZE,
		.read = mmio_read, .write = mmio_write,
	};

	if (partition_add_io(p, &io) || partition_add_mmio(p, &mm))
		return -1;
	return 0;
}

static int exit_port_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val)
{
	struct partition *p = v->part;
	char why[64];
	(void)opaque;

	if (p->cfg.testdev)
		testdev_console_flush(p);
	/* The value as the write carried it: a byte write at port + 1 is
	 * the second byte of the register. */
	val = (val & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1))
	      << (8 * ((port - p->cfg.exit_port) & 3));
	p->result_code = val;
	hv_snprintf(why, sizeof(why), "the guest wrote %u to its exit port", val);
	partition_stop(p, val ? OUTCOME_FAIL : OUTCOME_PASS, why);
	return 0;
}

const char *exit_port_attach(struct partition *p, u16 port)
{
	struct io_device io = {
		.base = port, .count = 4, .read = port_read, .write = exit_port_write,
	};

	for (u16 q = port; q < port + 4; q++)
		if (partition_find_io(p, q))
			return "the exit port overlaps one of its devices' ports";
	return partition_add_io(p, &io) ? "too many devices" : NULL;
}
