// SPDX-License-Identifier: GPL-2.0-only
/* Port I/O: device models, string I/O, and the floating bus. */
#include "vmm/exit.h"
#include "vmm/backend.h"
#include "vmm/base/errno.h"
#include "vmm/event.h"
#include "vmm/gmem.h"
#include "vmm/guest_insn.h"
#include "vmm/base/log.h"
#include "vmm/partition.h"
#include "vmm/base/x86.h"

/* Bytes of string I/O done per exit; the rest restarts the instruction. */
#define STRING_IO_BUDGET 4096

static u32 size_mask(u8 size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* The device that claims port `port + lane`; NULL for none, and for the
 * lanes of an access that runs past port 0xffff, which reach nothing. */
static const struct io_device *lane_owner(struct partition *p, u16 port, u8 lane, bool *beyond)
{
	u32 q = (u32)port + lane;

	*beyond = q > 0xffff;
	return *beyond ? NULL : partition_find_io(p, (u16)q);
}

/* One access to one owner: a device, the partition's builder (the
 * parent's machine ports), or nothing (reads float high, writes vanish). */
static int owner_access(struct vcpu *v, const struct io_device *d, bool beyond, u16 port,
			u8 size, bool in, u32 *val)
{
	const struct partition_ops *ops = v->part->ops;

	if (!d && !beyond && ops && ops->unclaimed_port) {
		/* The builder, too, sees and answers only the access's lanes. */
		if (!in)
			*val &= size_mask(size);
		ops->unclaimed_port(v, port, size, in, val);
		if (in)
			*val &= size_mask(size);
		return 0;
	}
	if (!d) {
		if (in)
			*val = size_mask(size);
		return 0;
	}
	if (in) {
		*val = 0;
		int r = d->read ? d->read(v, d->opaque, port, size, val) : 0;
		*val &= size_mask(size);
		return r;
	}
	return d->write ? d->write(v, d->opaque, port, size, *val & size_mask(size)) : 0;
}

/*
 * One access. Each byte lane belongs to whoever claims its port; an
 * access whose lanes have different owners (a word at the last port of
 * one device and the first of the next, or half on a device and half on
 * the machine) goes to each owner a byte at a time, as an ISA bus splits
 * it, so no owner sees a lane that is not its own.
 */
static int port_access(struct vcpu *v, u16 port, u8 size, bool in, u32 *val)
{
	bool beyond, b;
	const struct io_device *d = lane_owner(v->part, port, 0, &beyond);
	bool whole = true;

	for (u8 i = 1; i < size; i++)
		if (lane_owner(v->part, port, i, &b) != d || b != beyond)
			whole = false;
	if (whole)
		return owner_access(v, d, beyond, port, size, in, val);
	u32 out = 0;
	for (u8 i = 0; i < size; i++) {
		u32 lane = (*val >> (8 * i)) & 0xff;
		const struct io_device *o = lane_owner(v->part, port, i, &b);
		int r = owner_access(v, o, b, (u16)(port + i), 1, in, &lane);
		if (r)
			return r;
		out |= (lane & 0xff) << (8 * i);
	}
	if (in)
		*val = out;
	return 0;
}

static u64 addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : addr_size == 4 ? 0xffffffffULL : 0xffffULL;
}

/* Writes a string register keeping the bits above the address size. */
static void set_index(struct vcpu *v, int reg, u64 val, u8 addr_size)
{
	u64 m = addr_mask(addr_size);

	if (addr_size == 4)
		v->gpr[reg] = val & m; /* 32-bit writes zero-extend */
	else
		v->gpr[reg] = (v->gpr[reg] & ~m) | (val & m);
}

/* INS/OUTS, with or without REP, bounded per exit (SDM Vol. 2 INS/OUTS). */
static enum exit_action string_io(struct vcpu *v, const struct io_access *io)
{
	int idx = io->in ? GPR_RDI : GPR_RSI;
	enum seg_reg seg = io->in ? SEG_ES : (enum seg_reg)io->seg;
	u64 mask = addr_mask(io->addr_size);
	u64 rflags = backend->get_reg(v, VREG_RFLAGS);
	bool down = rflags & RFLAGS_DF;
	u64 count = io->rep ? v->gpr[GPR_RCX] & mask : 1;
	/* Single-stepped, each iteration ends with its own trap (SDM Vol.
	 * 3B 18.3.1.4): one per exit. */
	u32 budget = (rflags & RFLAGS_TF) ? 1 : STRING_IO_BUDGET / io->size;

	u32 restarts = v->part->restarts;
	/* The memory operand is an ordinary data access of the instruction:
	 * with the caller's privilege (a CPL 3 process with IOPL 3 or an
	 * I/O-bitmap port reaches only user pages, and SMAP holds for the
	 * kernel), its segment's type and limit, and canonical. */
	u32 access = backend->get_reg(v, VREG_CPL) == 3 ? ACC_USER : 0;

	while (count && budget--) {
		u64 off = v->gpr[idx] & mask;
		u64 lin = vcpu_linear(v, seg, off);
		u32 val = 0, pf = 0;
		int r = vcpu_seg_check(v, seg, off, io->size, io->in);
		if (r) {
			vcpu_queue_exception(v, (u8)r, true, 0);
			return EXIT_RESUME;
		}
		if (io->in) {
			/* The write must be allowed before the port is read: an
			 * IN has side effects (SDM Vol. 2B INS: the fault comes
			 * first). */
			u64 gpa, last = lin + io->size - 1;
			r = gva_to_gpa(v, lin, access | ACC_WRITE, &gpa, &pf);
			if (!r && (last & ~(u64)(PAGE_SIZE - 1)) != (lin & ~(u64)(PAGE_SIZE - 1))) {
				/* Its last bytes are on the next page: that one must
				 * take the write too, before the port is read. */
				r = gva_to_gpa(v, last, access | ACC_WRITE, &gpa, &pf);
				if (r == -EPF)
					lin = last & ~(u64)(PAGE_SIZE - 1);
			}
			if (!r) {
				if (port_access(v, io->port, io->size, true, &val))
					return vmm_stop(v, "device error on port %#x", io->port);
				r = gva_write(v, lin, &val, io->size, access, &pf);
			}
		} else {
			r = gva_read(v, lin, &val, io->size, access, &pf);
			if (!r && port_access(v, io->port, io->size, false, &val))
				return vmm_stop(v, "device error on port %#x", io->port);
			if (v->part->restarts != restarts)
				return EXIT_YIELD; /* restarted by the device, as above */
		}
		if (r == -ERANGE) {
			vcpu_inject_gp(v, 0);
			return EXIT_RESUME;
		}
		if (r) {
			if (r == -EPF) {
				vcpu_inject_pf(v, lin, pf);
				return EXIT_RESUME;
			}
			return vmm_stop(v, "string I/O on port %#x touches memory it does not own",
					io->port);
		}
		set_index(v, idx, down ? off - io->size : off + io->size, io->addr_size);
		count--;
		if (io->rep)
			set_index(v, GPR_RCX, count, io->addr_size);
	}
	/* Leave RIP on a REP instruction with work left: it continues. */
	if (!count)
		vcpu_skip_insn(v);
	else
		vcpu_step_trap(v, rflags);
	return EXIT_RESUME;
}

enum exit_action vmm_handle_io(struct vcpu *v, const struct io_access *io)
{
	if (io->size != 1 && io->size != 2 && io->size != 4)
		return vmm_stop(v, "port access of impossible size %u", io->size);
	if (io->string)
		return string_io(v, io);

	u32 val = (u32)v->gpr[GPR_RAX];
	u32 restarts = v->part->restarts;
	if (port_access(v, io->port, io->size, io->in, &val))
		return vmm_stop(v, "device error on port %#x", io->port);
	/* The device restarted the partition (a reset register): the vCPU
	 * holds its new entry state, which completing the old instruction
	 * would overwrite. */
	if (v->part->restarts != restarts)
		return EXIT_YIELD;
	if (io->in) {
		if (io->size == 4)
			v->gpr[GPR_RAX] = val; /* IN EAX zero-extends into RAX */
		else
			v->gpr[GPR_RAX] = (v->gpr[GPR_RAX] & ~(u64)size_mask(io->size)) | val;
	}
	if (v->part->state != PART_RUNNING)
		return EXIT_STOP_PARTITION;
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
