// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest-physical accesses that miss the partition's RAM: either a device
 * the hypervisor emulates (the instruction is decoded and executed
 * against it), or an address with nothing behind it, which a child finds
 * as on a PC's bus -- reads all ones, writes dropped, a rate-limited log
 * line -- unless it was made with stop_unclaimed (then it is stopped, as
 * the parent is for an address its builder does not hand out).
 */
#include "vmm/exit.h"
#include "vmm/backend.h"
#include "vmm/base/errno.h"
#include "vmm/event.h"
#include "vmm/gmem.h"
#include "vmm/guest_insn.h"
#include "vmm/base/log.h"
#include "vmm/partition.h"
#include "vmm/base/string.h"
#include "vmm/dev/vlapic.h"
#include "vmm/insn/emulate.h"

struct emu_ctx {
	struct vcpu *v;
	u64 fault_lin;
	u32 pf_error;     /* set when a walk faulted: inject #PF */
	bool pf;
	bool gp;          /* a non-canonical address: inject #GP */
	bool bad_target;  /* access to neither RAM nor a device */
};

static const struct mmio_device lapic_device = {
	.base = 0, .size = PAGE_SIZE,
	.read = vlapic_mmio_read, .write = vlapic_mmio_write,
};

static int void_read(struct vcpu *v, void *opaque, u64 offset, u8 size, u64 *val)
{
	(void)v;
	(void)opaque;
	(void)offset;
	*val = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	return 0;
}

/* What a partition finds where memory is hidden from it (the parent,
 * where the hypervisor's memory or devices are): reads float high,
 * writes vanish. */
static const struct mmio_device void_device = {
	.base = 0, .size = PAGE_SIZE, .read = void_read,
};

/* The same for a child's address with nothing behind it (a PC's floating
 * bus); told apart so that only data accesses float. */
static const struct mmio_device unclaimed_device = {
	.base = 0, .size = PAGE_SIZE, .read = void_read,
};

/* The device at gpa, with the vCPU's own LAPIC page first (while its
 * APIC is present and in xAPIC mode: otherwise the page is not the APIC). */
static const struct mmio_device *find_device(struct vcpu *v, u64 gpa, u64 *offset)
{
	if (v->lapic && vlapic_present(v->lapic) && !vlapic_x2apic(v->lapic)) {
		u64 base = vlapic_base(v->lapic);
		if (gpa >= base && gpa < base + PAGE_SIZE) {
			*offset = gpa - base;
			return &lapic_device;
		}
	}
	const struct mmio_device *d = partition_find_mmio(v->part, gpa);
	if (d) {
		*offset = gpa - d->base;
		return d;
	}
	const struct partition_ops *ops = v->part->ops;
	if (ops && ops->hidden && ops->hidden(v->part, gpa)) {
		*offset = gpa & (PAGE_SIZE - 1);
		return &void_device;
	}
	/* A child's unclaimed address: nothing answers, as on a PC. */
	if (!v->part->is_parent && !v->part->cfg.stop_unclaimed && !gpa_to_hva(v->part, gpa, 1)) {
		*offset = gpa & (PAGE_SIZE - 1);
		return &unclaimed_device;
	}
	return NULL;
}

static u64 emu_get_reg(void *c, int reg)
{
	return ((struct emu_ctx *)c)->v->gpr[reg & 15];
}

static void emu_set_reg(void *c, int reg, u64 val)
{
	((struct emu_ctx *)c)->v->gpr[reg & 15] = val;
}

static u64 emu_get_rflags(void *c)
{
	return backend->get_reg(((struct emu_ctx *)c)->v, VREG_RFLAGS);
}

static void emu_set_rflags(void *c, u64 val)
{
	backend->set_reg(((struct emu_ctx *)c)->v, VREG_RFLAGS, val);
}

static u64 emu_seg_base(void *c, int seg)
{
	struct vcpu *v = ((struct emu_ctx *)c)->v;
	struct segment s;

	if (vcpu_cpu_mode(v) == X86_MODE_LONG64 && seg != SEG_FS && seg != SEG_GS)
		return 0;
	backend->get_seg(v, (enum seg_reg)(seg & 7), &s);
	return s.base;
}

static int emu_access(struct emu_ctx *c, u64 lin, void *buf, unsigned size, bool write)
{
	struct vcpu *v = c->v;
	u32 access = (write ? ACC_WRITE : 0) |
		     (backend->get_reg(v, VREG_CPL) == 3 ? ACC_USER : 0);
	u64 gpa, offset;

	int w = gva_to_gpa(v, lin, access, &gpa, &c->pf_error);
	if (w == -ERANGE) {
		c->gp = true; /* non-canonical: #GP */
		return -EFAULT;
	}
	if (w) {
		c->pf = w == -EPF;
		c->bad_target = !c->pf;
		c->fault_lin = lin;
		return -EFAULT;
	}
	const struct mmio_device *d = find_device(v, gpa, &offset);
	if (d == &void_device && v->part->ops && v->part->ops->denied) {
		v->part->ops->denied(v->part, gpa, write);
	} else if (d == &unclaimed_device) {
		static struct log_ratelimit rl;
		log_limited(&rl, LOG_WARN, "partition '%s' %s unclaimed guest-physical address "
			    "%#lx: %s", v->part->cfg.name, write ? "writes" : "reads",
			    (unsigned long)gpa, write ? "dropped" : "all ones");
	}
	if (d) {
		if (size > 8 || offset + size > d->size)
			return -EFAULT; /* straddles the device's end */
		u64 val = 0;
		if (write) {
			memcpy(&val, buf, size);
			return d->write ? d->write(v, d->opaque, offset, (u8)size, val) : 0;
		}
		int r = d->read ? d->read(v, d->opaque, offset, (u8)size, &val) : 0;
		memcpy(buf, &val, size);
		return r;
	}
	/* Ordinary memory: the other operand of MOVS, for instance. */
	int r = write ? gva_write(v, lin, buf, size, access, &c->pf_error)
		      : gva_read(v, lin, buf, size, access, &c->pf_error);
	if (r) {
		c->pf = r == -EPF;
		c->bad_target = !c->pf;
		c->fault_lin = lin;
		return -EFAULT;
	}
	return 0;
}

static int emu_read(void *c, u64 lin, void *buf, unsigned size)
{
	return emu_access(c, lin, buf, size, false);
}

static int emu_write(void *c, u64 lin, const void *buf, unsigned size)
{
	return emu_access(c, lin, (void *)buf, size, true);
}

static const struct x86_emu_ops emu_ops = {
	.get_reg = emu_get_reg,
	.set_reg = emu_set_reg,
	.get_rflags = emu_get_rflags,
	.set_rflags = emu_set_rflags,
	.seg_base = emu_seg_base,
	.read = emu_read,
	.write = emu_write,
};

static enum exit_action emulate(struct vcpu *v, u64 gpa, bool hidden)
{
	u8 bytes[X86_MAX_INSN_LEN];
	struct fetch_fault f = { 0 };
	struct x86_insn insn;
	int n = insn_fetch(v, bytes, &f);

	if (n <= 0) {
		if (f.faulted) {
			vcpu_inject_pf(v, f.lin, f.error);
			return EXIT_RESUME;
		}
		return vmm_stop(v, "cannot read the instruction that accessed device %#lx",
				(unsigned long)gpa);
	}
	enum x86_mode mode = vcpu_cpu_mode(v);
	int r = x86_decode(bytes, (size_t)n, mode, &insn);
	if (r == -E2BIG && f.faulted) {
		/* The instruction runs into a page the guest cannot fetch from:
		 * the #PF it would take there. */
		vcpu_inject_pf(v, f.lin, f.error);
		return EXIT_RESUME;
	}
	if (r && hidden && v->part->is_parent) {
		/* The parent at memory hidden from it (the hypervisor's, or a
		 * child's RAM its backend held past the grace) with an
		 * instruction the emulator does not know (an SSE move, say):
		 * stopping the parent would stop the machine, so the access
		 * faults instead -- a process gets SIGSEGV, not the parent. */
		static struct log_ratelimit rl;
		log_limited(&rl, LOG_WARN, "parent: an instruction the emulator does not know "
			    "(%02x %02x %02x) at hidden %#lx, CPL %lu: #GP", bytes[0],
			    n > 1 ? bytes[1] : 0, n > 2 ? bytes[2] : 0, (unsigned long)gpa,
			    (unsigned long)backend->get_reg(v, VREG_CPL));
		vcpu_inject_gp(v, 0);
		return EXIT_RESUME;
	}
	if (r) {
		return vmm_stop(v, "cannot emulate the access to device %#lx: instruction "
				"%02x %02x %02x %02x %02x %02x (%s)", (unsigned long)gpa,
				bytes[0], n > 1 ? bytes[1] : 0, n > 2 ? bytes[2] : 0,
				n > 3 ? bytes[3] : 0, n > 4 ? bytes[4] : 0, n > 5 ? bytes[5] : 0,
				r == -ENOTSUP ? "unsupported" : r == -E2BIG ? "truncated" : "invalid");
	}
	struct emu_ctx c = { .v = v };
	u64 rip = backend->get_reg(v, VREG_RIP), next;
	r = x86_emulate(&insn, mode, rip, &emu_ops, &c, &next);
	if (r) {
		if (c.gp) {
			vcpu_inject_gp(v, 0);
			return EXIT_RESUME;
		}
		if (c.pf) {
			vcpu_inject_pf(v, c.fault_lin, c.pf_error);
			return EXIT_RESUME;
		}
		return vmm_stop(v, "emulated access near device %#lx failed (%s %#lx)",
				(unsigned long)gpa,
				c.bad_target ? "memory it does not own at" : "error at",
				(unsigned long)c.fault_lin);
	}
	vcpu_complete_insn(v, next);
	return v->part->state == PART_RUNNING ? EXIT_RESUME : EXIT_STOP_PARTITION;
}

enum exit_action vmm_handle_gpa_fault(struct vcpu *v, u64 gpa, bool write, bool fetch)
{
	u64 offset;

	/* Pages its builder maps on their first access (the parent's machine
	 * pages; never a device of its own, which the hook leaves alone). */
	const struct partition_ops *ops = v->part->ops;
	if (ops && ops->map_on_demand && ops->map_on_demand(v->part, gpa))
		return EXIT_RESUME;
	const struct mmio_device *d = find_device(v, gpa, &offset);
	/* Executing from, or delivering an event through, an address with
	 * nothing behind it is no data access to float: stopped below. */
	if (d == &unclaimed_device && (fetch || v->event.valid))
		d = NULL;
	if (d) {
		if (fetch)
			return vmm_stop(v, "executes device memory at %#lx", (unsigned long)gpa);
		/* The CPU itself touched the device while delivering an event
		 * (an IDT or stack there): there is no instruction to emulate. */
		if (v->event.valid)
			return vmm_stop(v, "delivers an event through device memory at %#lx",
					(unsigned long)gpa);
		vmm_count_exit(v, STAT_MMIO);
		return emulate(v, gpa, d == &void_device);
	}
	vmm_count_exit(v, STAT_NPF);
	return vmm_stop(v, "%s guest-physical address %#lx, which it does not own",
			fetch ? "executes" : write ? "writes" : "reads", (unsigned long)gpa);
}
