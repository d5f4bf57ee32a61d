/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 instruction decoding for exits.
 *
 * x86_insn_length() finds the length of any instruction, so that an exit
 * handler can step over it when the hardware does not report the next RIP
 * (AMD-V without NRIP-save). x86_decode() fully decodes the small set of
 * instructions guests use on device registers, for MMIO emulation by
 * x86_emulate().
 *
 * The bytes come from the guest and are hostile: every function reads at
 * most min(avail, 15) bytes and reports malformed input as an error.
 */
#ifndef VMM_INSN_DECODE_H
#define VMM_INSN_DECODE_H

#include "vmm/base/types.h"

/* The longest legal instruction (SDM Vol. 2A 2.3.11; longer ones #GP/#UD). */
#define X86_MAX_INSN_LEN 15

/*
 * The code segment's default sizes. Real mode and 16-bit protected mode
 * (CS.D=0) both default to 16-bit operands and addresses; 32-bit protected
 * (or compatibility) mode to 32-bit; 64-bit mode (CS.L=1) to 32-bit
 * operands and 64-bit addresses.
 */
enum x86_mode {
	X86_MODE_REAL16,
	X86_MODE_PROT16,
	X86_MODE_PROT32,
	X86_MODE_LONG64,
};

/* Register numbers in encoding order; the same numbering as vmm/gpr.h. */
#define X86_REG_NONE (-1)
#define X86_REG_RAX 0
#define X86_REG_RCX 1
#define X86_REG_RDX 2
#define X86_REG_RBX 3
#define X86_REG_RSP 4
#define X86_REG_RBP 5
#define X86_REG_RSI 6
#define X86_REG_RDI 7
#define X86_REG_R8 8
#define X86_REG_R9 9
#define X86_REG_R10 10
#define X86_REG_R11 11
#define X86_REG_R12 12
#define X86_REG_R13 13
#define X86_REG_R14 14
#define X86_REG_R15 15
#define X86_NR_REGS 16

/* Segment registers in encoding order (Sreg field of MOV Sreg). */
#define X86_SEG_ES 0
#define X86_SEG_CS 1
#define X86_SEG_SS 2
#define X86_SEG_DS 3
#define X86_SEG_FS 4
#define X86_SEG_GS 5

/* The instructions x86_decode() understands. */
enum x86_op {
	X86_OP_MOV,    /* MOV: operand 1 <- operand 2 */
	X86_OP_MOVZX,  /* register <- zero-extended memory (src_size bytes) */
	X86_OP_MOVSX,  /* register <- sign-extended memory; also MOVSXD */
	X86_OP_STOS,   /* ES:[rDI] <- AL/AX/EAX/RAX */
	X86_OP_MOVS,   /* ES:[rDI] <- seg:[rSI] */
	X86_OP_ADD,
	X86_OP_SUB,
	X86_OP_AND,
	X86_OP_OR,
	X86_OP_XOR,
	X86_OP_CMP,    /* flags of operand 1 - operand 2 */
	X86_OP_TEST,   /* flags of operand 1 & operand 2 */
	X86_OP_BT,     /* CF <- bit (operand 2) of operand 1 */
};

/* Where the operands are, in Intel operand order. */
enum x86_form {
	X86_FORM_MEM_REG,  /* op mem, reg  (e.g. MOV [rbx], eax; CMP [m], r) */
	X86_FORM_REG_MEM,  /* op reg, mem  (e.g. MOV eax, [rbx]; MOVZX) */
	X86_FORM_MEM_IMM,  /* op mem, imm */
	X86_FORM_STRING,   /* STOS/MOVS: implicit rSI/rDI/rCX operands */
};

/* REP prefixes as recorded in x86_insn.rep (the last of F2/F3 wins). */
#define X86_REP_NONE 0
#define X86_REP_F3 0xf3  /* REP / REPE */
#define X86_REP_F2 0xf2  /* REPNE */

/*
 * A memory operand: offset = base + index * scale + disp (+ the address
 * of the next instruction when rip_rel), truncated to the address size.
 * 16-bit forms use the same fields: [BX+SI+disp] is base RBX, index RSI,
 * scale 1. For MOV moffs (A0-A3) disp holds the zero-extended offset.
 */
struct x86_mem {
	s8 base;     /* X86_REG_*, or X86_REG_NONE */
	s8 index;    /* X86_REG_*, or X86_REG_NONE */
	u8 scale;    /* 1, 2, 4 or 8 */
	bool rip_rel;
	s64 disp;
};

struct x86_insn {
	u8 len;          /* total length in bytes, 1..15 */
	enum x86_mode mode;
	enum x86_op op;
	enum x86_form form;
	u8 opsize;       /* operand size (destination size for MOVZX/MOVSX) */
	u8 src_size;     /* memory operand size of MOVZX/MOVSX; else opsize */
	u8 addr_size;    /* 2, 4 or 8 */
	u8 seg;          /* X86_SEG_* of the memory operand; MOVS: the source; STOS: ES */
	bool seg_override;
	u8 rep;          /* X86_REP_* */
	bool lock;
	u8 rex;          /* the REX prefix in effect, 0 if none */
	/*
	 * The register operand, or RAX for the implicit accumulator of
	 * MOV moffs. A byte register without REX numbered 4-7 is AH, CH, DH
	 * or BH: reg is then the full register (RAX..RBX) and reg_high_byte
	 * says the operand is its bits 15:8.
	 */
	s8 reg;
	bool reg_high_byte;
	/* The immediate, sign-extended to 64 bits; truncate to opsize. */
	u64 imm;
	struct x86_mem mem;  /* unused for X86_FORM_STRING */
};

/*
 * The length of the instruction at b (1..15); -E2BIG if the first avail
 * bytes do not contain all of it (fetch more and retry); -EINVAL if it is
 * not a valid instruction in this mode, or longer than 15 bytes.
 */
int x86_insn_length(const u8 *b, size_t avail, enum x86_mode mode);

/*
 * Decodes a memory-accessing instruction of the supported set. Returns 0,
 * -E2BIG as above, -EINVAL for invalid encodings and for supported
 * instructions without a memory operand (mod=11: they cannot have caused
 * a memory fault), or -ENOTSUP for valid instructions outside the set.
 */
int x86_decode(const u8 *b, size_t avail, enum x86_mode mode, struct x86_insn *out);

/*
 * The offset of i's memory operand within its segment, truncated to the
 * address size. rip_next is the address of the following instruction
 * (for RIP-relative operands). -EINVAL for string instructions.
 */
int x86_effective_address(const struct x86_insn *i, u64 (*get_reg)(void *ctx, int reg),
			  void *ctx, u64 rip_next, u64 *ea);

#endif
