/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Emulation of the instructions x86_decode() understands, for guest
 * accesses to emulated device registers (MMIO). Architectural state is
 * reached only through callbacks, so the same code serves both backends
 * and the host unit tests.
 */
#ifndef VMM_INSN_EMULATE_H
#define VMM_INSN_EMULATE_H

#include "vmm/base/types.h"
#include "vmm/insn/decode.h"

/* RFLAGS bits the emulator reads or writes (SDM Vol. 1 3.4.3). */
#define X86_FLAG_CF BIT(0)
#define X86_FLAG_PF BIT(2)
#define X86_FLAG_AF BIT(4)
#define X86_FLAG_ZF BIT(6)
#define X86_FLAG_SF BIT(7)
#define X86_FLAG_TF BIT(8)
#define X86_FLAG_DF BIT(10)
#define X86_FLAG_OF BIT(11)

/*
 * REP string instructions run at most this many iterations per call and
 * then restart (next RIP = RIP), as if interrupted: a guest cannot keep
 * the hypervisor busy with a huge RCX.
 */
#define X86_REP_MAX_ITER 128

struct x86_emu_ops {
	/* Registers 0..15 in encoding order (X86_REG_*), all 64 bits. */
	u64 (*get_reg)(void *ctx, int reg);
	void (*set_reg)(void *ctx, int reg, u64 val);
	u64 (*get_rflags)(void *ctx);
	void (*set_rflags)(void *ctx, u64 val);
	/* Segment base for segment register 0..5 (ES CS SS DS FS GS), for linear addresses. */
	u64 (*seg_base)(void *ctx, int seg);
	/*
	 * Memory at a linear address (the caller translates through the
	 * guest's paging and dispatches to RAM or to a device). Return 0 or
	 * a negative error; a non-zero return aborts the emulation with that
	 * error and no architectural state changed by this instruction
	 * (except completed REP iterations).
	 */
	int (*read)(void *ctx, u64 linear, void *buf, unsigned size);
	int (*write)(void *ctx, u64 linear, const void *buf, unsigned size);
};

/*
 * Executes the instruction i (decoded for mode) at rip. On success returns
 * 0 and stores the RIP to resume at in *next_rip: rip + length, or rip
 * itself when a REP instruction has iterations left. Memory accesses are
 * little-endian buffers of the operand size; for an instruction that reads
 * and writes, every read precedes the first write. Returns -EINVAL for an
 * inconsistent i, or the first error of a read/write callback.
 */
int x86_emulate(const struct x86_insn *i, enum x86_mode mode, u64 rip,
		const struct x86_emu_ops *ops, void *ctx, u64 *next_rip);

#endif
