// SPDX-License-Identifier: GPL-2.0-only
/*
 * Emulation of decoded MMIO instructions: MOV/MOVZX/MOVSX(D), STOS, MOVS,
 * ADD/SUB/AND/OR/XOR/CMP/TEST and BT, against callbacks for registers,
 * flags, segment bases and linear memory.
 *
 * Ordering rule: all reads of an instruction happen before its first
 * write, and registers/flags are updated last, so a failing callback
 * leaves the instruction without effect (REP: without the effect of the
 * failing and later iterations).
 */
#include "vmm/insn/emulate.h"
#include "vmm/base/errno.h"
#include "vmm/base/string.h"

#define ARITH_FLAGS (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | \
		     X86_FLAG_SF | X86_FLAG_OF)
/* AF is undefined after logic ops (SDM AND/OR/XOR/TEST): left as it was. */
#define LOGIC_FLAGS (ARITH_FLAGS & ~X86_FLAG_AF)

static u64 size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : BIT(size * 8) - 1;
}

static u64 sign_extend(u64 v, unsigned size)
{
	u64 sign = BIT(size * 8 - 1);

	if (size >= 8)
		return v;
	v &= size_mask(size);
	return (v ^ sign) - sign;
}

static bool valid_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static u64 reg_read(const struct x86_emu_ops *ops, void *ctx, int reg, unsigned size,
		    bool high_byte)
{
	u64 v = ops->get_reg(ctx, reg);

	if (high_byte)
		return (v >> 8) & 0xff;
	return v & size_mask(size);
}

/*
 * Register writes: 8- and 16-bit writes leave the other bits alone; a
 * 32-bit write zero-extends into bits 63:32 (SDM Vol. 1 3.4.1.1). Outside
 * 64-bit mode those bits are architecturally undefined, and processors
 * zero them the same way, so one rule serves every mode.
 */
static void reg_write(const struct x86_emu_ops *ops, void *ctx, int reg, unsigned size,
		      bool high_byte, u64 val)
{
	u64 old, v;

	switch (size) {
	case 1:
		old = ops->get_reg(ctx, reg);
		if (high_byte)
			v = (old & ~0xff00ULL) | ((val & 0xff) << 8);
		else
			v = (old & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		old = ops->get_reg(ctx, reg);
		v = (old & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		v = val & 0xffffffffULL;
		break;
	default:
		v = val;
		break;
	}
	ops->set_reg(ctx, reg, v);
}

/* Segment base + offset (SDM Vol. 3A 3.4). */
static u64 linear_address(enum x86_mode mode, const struct x86_emu_ops *ops, void *ctx,
			  int seg, u64 offset)
{
	/* In 64-bit mode only FS and GS have a base (SDM Vol. 1 3.4.2.1). */
	if (mode == X86_MODE_LONG64)
		return (seg == X86_SEG_FS || seg == X86_SEG_GS) ?
			offset + ops->seg_base(ctx, seg) : offset;
	/* Linear addresses are 32 bits wide outside 64-bit mode. */
	return (ops->seg_base(ctx, seg) + offset) & 0xffffffffULL;
}

static int mem_read(const struct x86_emu_ops *ops, void *ctx, u64 linear, unsigned size,
		    u64 *val)
{
	u8 buf[8] = { 0 };
	u64 v = 0;
	int ret = ops->read(ctx, linear, buf, size);

	if (ret)
		return ret < 0 ? ret : -EIO;
	while (size--)
		v = (v << 8) | buf[size];
	*val = v;
	return 0;
}

static int mem_write(const struct x86_emu_ops *ops, void *ctx, u64 linear, unsigned size,
		     u64 val)
{
	u8 buf[8];
	unsigned n;
	int ret;

	for (n = 0; n < size; n++)
		buf[n] = (u8)(val >> (8 * n));
	ret = ops->write(ctx, linear, buf, size);
	if (ret)
		return ret < 0 ? ret : -EIO;
	return 0;
}

/* SF, ZF and PF of a result (PF: even parity of the low byte). */
static u64 flags_szp(u64 res, unsigned size)
{
	u64 f = 0;
	u8 p = (u8)res;

	res &= size_mask(size);
	if (!res)
		f |= X86_FLAG_ZF;
	if (res & BIT(size * 8 - 1))
		f |= X86_FLAG_SF;
	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		f |= X86_FLAG_PF;
	return f;
}

/*
 * a op b at the given size. Returns the result; *flags receives the new
 * status flags and *changed which of them the instruction defines.
 */
static u64 alu(enum x86_op op, u64 a, u64 b, unsigned size, u64 *flags, u64 *changed)
{
	u64 mask = size_mask(size), sign = BIT(size * 8 - 1), r;

	a &= mask;
	b &= mask;
	switch (op) {
	case X86_OP_ADD:
		r = (a + b) & mask;
		*flags = flags_szp(r, size);
		if (r < a)
			*flags |= X86_FLAG_CF;
		if (~(a ^ b) & (a ^ r) & sign)  /* same-sign inputs, sign flipped */
			*flags |= X86_FLAG_OF;
		if ((a ^ b ^ r) & 0x10)  /* carry out of bit 3 */
			*flags |= X86_FLAG_AF;
		*changed = ARITH_FLAGS;
		return r;
	case X86_OP_SUB:
	case X86_OP_CMP:
		r = (a - b) & mask;
		*flags = flags_szp(r, size);
		if (a < b)  /* borrow */
			*flags |= X86_FLAG_CF;
		if ((a ^ b) & (a ^ r) & sign)
			*flags |= X86_FLAG_OF;
		if ((a ^ b ^ r) & 0x10)
			*flags |= X86_FLAG_AF;
		*changed = ARITH_FLAGS;
		return r;
	case X86_OP_AND:
	case X86_OP_TEST:
		r = a & b;
		break;
	case X86_OP_OR:
		r = a | b;
		break;
	default: /* X86_OP_XOR */
		r = a ^ b;
		break;
	}
	/* Logic ops: CF = OF = 0, SF/ZF/PF from the result. */
	*flags = flags_szp(r, size);
	*changed = LOGIC_FLAGS;
	return r;
}

static void update_flags(const struct x86_emu_ops *ops, void *ctx, u64 flags, u64 changed)
{
	u64 rflags = ops->get_rflags(ctx);

	ops->set_rflags(ctx, (rflags & ~changed) | (flags & changed));
}

/*
 * STOS and MOVS (SDM STOS, MOVS, REP). rSI/rDI/rCX are used and updated
 * at the address size: 16-bit updates wrap within the low word and keep
 * the rest of the register. The updates of completed iterations are
 * committed even when a later one fails, as on a fault in a REP.
 */
static int emulate_string(const struct x86_insn *i, u64 rip,
			  const struct x86_emu_ops *ops, void *ctx, u64 *next_rip)
{
	unsigned size = i->opsize, asz = i->addr_size, n;
	u64 amask = size_mask(asz);
	u64 flags = ops->get_rflags(ctx);
	u64 step = (flags & X86_FLAG_DF) ? -(u64)size : size;
	u64 rdi = ops->get_reg(ctx, X86_REG_RDI);
	u64 rsi = ops->get_reg(ctx, X86_REG_RSI);
	u64 count = 1, val = 0;
	/* F2 with MOVS/STOS repeats like F3 on real processors. */
	bool rep = i->rep != X86_REP_NONE;
	int ret = 0;

	if (rep)
		count = ops->get_reg(ctx, X86_REG_RCX) & amask;
	if (i->op == X86_OP_STOS)
		val = reg_read(ops, ctx, X86_REG_RAX, size, false);

	/* Single-stepped, each iteration traps (SDM Vol. 3B 18.3.1.4). */
	unsigned max = (flags & X86_FLAG_TF) ? 1 : X86_REP_MAX_ITER;

	for (n = 0; count && n < max; n++) {
		if (i->op == X86_OP_MOVS) {
			ret = mem_read(ops, ctx, linear_address(i->mode, ops, ctx, i->seg, rsi & amask),
				       size, &val);
			if (ret)
				break;
		}
		ret = mem_write(ops, ctx, linear_address(i->mode, ops, ctx, X86_SEG_ES, rdi & amask),
				size, val);
		if (ret)
			break;
		rdi += step;
		rsi += step;
		count--;
	}

	if (n) {
		reg_write(ops, ctx, X86_REG_RDI, asz, false, rdi);
		if (i->op == X86_OP_MOVS)
			reg_write(ops, ctx, X86_REG_RSI, asz, false, rsi);
		if (rep)
			reg_write(ops, ctx, X86_REG_RCX, asz, false, count);
	}
	if (ret)
		return ret;
	*next_rip = (rep && count) ? rip : rip + i->len;
	return 0;
}

/*
 * BT on memory (SDM BT): with an immediate the offset is taken modulo the
 * operand size; a register offset is signed and selects the operand-sized
 * unit at EA + opsize * floor(offset / bits), bit offset mod bits.
 */
static int emulate_bt(const struct x86_insn *i, u64 ea, const struct x86_emu_ops *ops,
		      void *ctx)
{
	unsigned size = i->opsize, bits = size * 8;
	u64 bit, val;
	int ret;

	if (size == 1)
		return -EINVAL;
	if (i->form == X86_FORM_MEM_IMM) {
		bit = i->imm & (bits - 1);
	} else {
		s64 off = (s64)sign_extend(reg_read(ops, ctx, i->reg, size, false), size);

		bit = (u64)off & (bits - 1);
		/* off - bit is a multiple of bits: exact, and cannot overflow. */
		ea += (u64)((off - (s64)bit) / (s64)bits) * size;
		ea &= size_mask(i->addr_size);
	}
	ret = mem_read(ops, ctx, linear_address(i->mode, ops, ctx, i->seg, ea), size, &val);
	if (ret)
		return ret;
	/* CF is the bit; ZF unchanged; OF, SF, AF, PF undefined: unchanged. */
	update_flags(ops, ctx, ((val >> bit) & 1) ? X86_FLAG_CF : 0, X86_FLAG_CF);
	return 0;
}

static int emulate_alu(const struct x86_insn *i, u64 linear, const struct x86_emu_ops *ops,
		       void *ctx)
{
	unsigned size = i->opsize;
	u64 mem, a, b, res, flags, changed;
	int ret = mem_read(ops, ctx, linear, size, &mem);

	if (ret)
		return ret;
	switch (i->form) {
	case X86_FORM_MEM_IMM:
		a = mem;
		b = i->imm;
		break;
	case X86_FORM_MEM_REG:
		a = mem;
		b = reg_read(ops, ctx, i->reg, size, i->reg_high_byte);
		break;
	default: /* X86_FORM_REG_MEM */
		a = reg_read(ops, ctx, i->reg, size, i->reg_high_byte);
		b = mem;
		break;
	}
	res = alu(i->op, a, b, size, &flags, &changed);
	if (i->op != X86_OP_CMP && i->op != X86_OP_TEST) {
		if (i->form == X86_FORM_REG_MEM) {
			reg_write(ops, ctx, i->reg, size, i->reg_high_byte, res);
		} else {
			ret = mem_write(ops, ctx, linear, size, res);
			if (ret)
				return ret;
		}
	}
	update_flags(ops, ctx, flags, changed);
	return 0;
}

static int emulate_mov(const struct x86_insn *i, u64 linear, const struct x86_emu_ops *ops,
		       void *ctx)
{
	u64 val;
	int ret;

	switch (i->form) {
	case X86_FORM_MEM_REG:
		val = reg_read(ops, ctx, i->reg, i->opsize, i->reg_high_byte);
		return mem_write(ops, ctx, linear, i->opsize, val);
	case X86_FORM_MEM_IMM:
		return mem_write(ops, ctx, linear, i->opsize, i->imm);
	case X86_FORM_REG_MEM:
		ret = mem_read(ops, ctx, linear, i->src_size, &val);
		if (ret)
			return ret;
		if (i->op == X86_OP_MOVSX)
			val = sign_extend(val, i->src_size);
		reg_write(ops, ctx, i->reg, i->opsize, i->reg_high_byte, val);
		return 0;
	default:
		return -EINVAL;
	}
}

/* Rejects an x86_insn that x86_decode() could not have produced. */
static bool insn_consistent(const struct x86_insn *i, enum x86_mode mode)
{
	bool needs_reg = i->form == X86_FORM_MEM_REG || i->form == X86_FORM_REG_MEM ||
			 i->form == X86_FORM_STRING;

	if (i->mode != mode || i->len < 1 || i->len > X86_MAX_INSN_LEN)
		return false;
	if (!valid_size(i->opsize) || !valid_size(i->src_size) || i->src_size > i->opsize)
		return false;
	if (i->addr_size != 2 && i->addr_size != 4 && i->addr_size != 8)
		return false;
	if (i->seg > X86_SEG_GS)
		return false;
	if (needs_reg && (i->reg < 0 || i->reg >= X86_NR_REGS))
		return false;
	if (i->reg_high_byte && (i->opsize != 1 || i->reg < 0 || i->reg > X86_REG_RBX))
		return false;
	if ((i->op == X86_OP_MOVZX || i->op == X86_OP_MOVSX) && i->form != X86_FORM_REG_MEM)
		return false;
	if ((i->op == X86_OP_STOS || i->op == X86_OP_MOVS) != (i->form == X86_FORM_STRING))
		return false;
	return i->op <= X86_OP_BT && i->form <= X86_FORM_STRING;
}

int x86_emulate(const struct x86_insn *i, enum x86_mode mode, u64 rip,
		const struct x86_emu_ops *ops, void *ctx, u64 *next_rip)
{
	/* EIP/IP arithmetic is 32-bit outside 64-bit mode. */
	u64 rip_mask = mode == X86_MODE_LONG64 ? ~0ULL : 0xffffffffULL;
	u64 rip_next = (rip + i->len) & rip_mask;
	u64 ea, linear;
	int ret;

	if (!insn_consistent(i, mode))
		return -EINVAL;
	if (i->form == X86_FORM_STRING) {
		ret = emulate_string(i, rip, ops, ctx, next_rip);
		if (!ret)
			*next_rip &= rip_mask;
		return ret;
	}

	ret = x86_effective_address(i, ops->get_reg, ctx, rip_next, &ea);
	if (ret)
		return ret;
	linear = linear_address(mode, ops, ctx, i->seg, ea);

	switch (i->op) {
	case X86_OP_MOV:
	case X86_OP_MOVZX:
	case X86_OP_MOVSX:
		ret = emulate_mov(i, linear, ops, ctx);
		break;
	case X86_OP_BT:
		ret = emulate_bt(i, ea, ops, ctx);
		break;
	case X86_OP_ADD:
	case X86_OP_SUB:
	case X86_OP_AND:
	case X86_OP_OR:
	case X86_OP_XOR:
	case X86_OP_CMP:
	case X86_OP_TEST:
		ret = emulate_alu(i, linear, ops, ctx);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret)
		return ret;
	*next_rip = rip_next;
	return 0;
}
