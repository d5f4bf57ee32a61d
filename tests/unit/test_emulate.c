// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of vmm/insn/emulate.c: instructions are encoded as bytes,
 * decoded with x86_decode() and run against a fake CPU (16 registers,
 * RFLAGS, segment bases) and fake memory (RAM at linear 0-0x1ffff and a
 * 4 KiB "MMIO" window that logs every access). Flags are checked against
 * the same operation executed natively on the host.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "vmm/base/errno.h"
#include "vmm/insn/emulate.h"

/* ---- The fake CPU and memory ---- */

#define RAX 0
#define RCX 1
#define RDX 2
#define RBX 3
#define RSP 4
#define RBP 5
#define RSI 6
#define RDI 7
#define R8 8

#define L64 X86_MODE_LONG64
#define P32 X86_MODE_PROT32
#define P16 X86_MODE_PROT16
#define R16 X86_MODE_REAL16

#define RAM_SIZE 0x20000
#define MMIO_SIZE 0x1000
#define MMIO 0xfee00000ULL
#define RFLAGS_FIXED 0x2ULL
#define ARITH (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | X86_FLAG_SF | X86_FLAG_OF)

struct access {
	bool write;
	u64 addr;
	unsigned size;
	u64 val;
};

static struct {
	u64 regs[16];
	u64 rflags;
	u64 seg_base[6];
} cpu;

static u8 ram[RAM_SIZE];        /* linear 0 .. RAM_SIZE-1 */
static u8 mmio[MMIO_SIZE];      /* linear MMIO .. MMIO+MMIO_SIZE-1 */
static struct access log_[1024];
static unsigned nlog, nreads, nwrites, nstray;
static int fail_read_at = -1, fail_write_at = -1;  /* index of the access to fail */
static int fail_value = -EIO;

static void reset(void)
{
	memset(&cpu, 0, sizeof(cpu));
	cpu.rflags = RFLAGS_FIXED;
	memset(ram, 0, sizeof(ram));
	memset(mmio, 0, sizeof(mmio));
	nlog = nreads = nwrites = nstray = 0;
	fail_read_at = fail_write_at = -1;
	fail_value = -EIO;
}

static u64 get_reg(void *ctx, int reg)
{
	(void)ctx;
	if (reg < 0 || reg > 15)
		abort();
	return cpu.regs[reg];
}

static void set_reg(void *ctx, int reg, u64 val)
{
	(void)ctx;
	if (reg < 0 || reg > 15)
		abort();
	cpu.regs[reg] = val;
}

static u64 get_rflags(void *ctx)
{
	(void)ctx;
	return cpu.rflags;
}

static void set_rflags(void *ctx, u64 val)
{
	(void)ctx;
	cpu.rflags = val;
}

static u64 seg_base(void *ctx, int seg)
{
	(void)ctx;
	if (seg < 0 || seg > 5)
		abort();
	return cpu.seg_base[seg];
}

/* The backing bytes of [linear, linear+size), or NULL. */
static u8 *backing(u64 linear, unsigned size, bool *is_mmio)
{
	*is_mmio = false;
	if (linear < RAM_SIZE && size <= RAM_SIZE - linear)
		return ram + linear;
	if (linear >= MMIO && linear - MMIO < MMIO_SIZE && size <= MMIO_SIZE - (linear - MMIO)) {
		*is_mmio = true;
		return mmio + (linear - MMIO);
	}
	return NULL;
}

static u64 le(const u8 *p, unsigned size)
{
	u64 v = 0;

	while (size--)
		v = (v << 8) | p[size];
	return v;
}

static void record(bool write, u64 addr, unsigned size, u64 val)
{
	if (nlog < sizeof(log_) / sizeof(log_[0]))
		log_[nlog++] = (struct access){ write, addr, size, val };
}

static int mem_read(void *ctx, u64 linear, void *buf, unsigned size)
{
	bool is_mmio;
	u8 *p = backing(linear, size, &is_mmio);

	(void)ctx;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
	if ((int)nreads++ == fail_read_at)
		return fail_value;
	if (!p) {
		nstray++;
		return -EFAULT;
	}
	memcpy(buf, p, size);
	record(false, linear, size, le(p, size));
	return 0;
}

static int mem_write(void *ctx, u64 linear, const void *buf, unsigned size)
{
	bool is_mmio;
	u8 *p = backing(linear, size, &is_mmio);

	(void)ctx;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
	if ((int)nwrites++ == fail_write_at)
		return fail_value;
	if (!p) {
		nstray++;
		return -EFAULT;
	}
	memcpy(p, buf, size);
	record(true, linear, size, le(p, size));
	return 0;
}

static const struct x86_emu_ops ops = {
	.get_reg = get_reg,
	.set_reg = set_reg,
	.get_rflags = get_rflags,
	.set_rflags = set_rflags,
	.seg_base = seg_base,
	.read = mem_read,
	.write = mem_write,
};

/* Decodes and emulates; returns x86_emulate's result (decode failures fail the case). */
static int emu(enum x86_mode mode, u64 rip, u64 *next, const u8 *b, size_t n, int line)
{
	struct x86_insn i;
	u64 dummy;
	int ret = x86_decode(b, n, mode, &i);

	if (ret) {
		harness_fail(__FILE__, line, "x86_decode: %d", ret);
		return ret;
	}
	if (i.len != n)
		harness_fail(__FILE__, line, "decoded length %u, expected %zu", i.len, n);
	return x86_emulate(&i, mode, rip, &ops, NULL, next ? next : &dummy);
}

#define EMU(mode, rip, next, ...)                                                 \
	emu(mode, rip, next, (const u8[]){ __VA_ARGS__ }, sizeof((const u8[]){ __VA_ARGS__ }), \
	    __LINE__)

static void put(u8 *p, u64 v, unsigned size)
{
	for (unsigned k = 0; k < size; k++)
		p[k] = (u8)(v >> (8 * k));
}

static u64 mmio_get(unsigned off, unsigned size)
{
	return le(mmio + off, size);
}

static void check_access(int line, unsigned k, bool write, u64 addr, unsigned size, u64 val)
{
	if (k >= nlog) {
		harness_fail(__FILE__, line, "access %u missing (%u logged)", k, nlog);
		return;
	}
	if (log_[k].write != write || log_[k].addr != addr || log_[k].size != size ||
	    log_[k].val != val)
		harness_fail(__FILE__, line,
			     "access %u: %s %#llx/%u = %#llx, expected %s %#llx/%u = %#llx", k,
			     log_[k].write ? "write" : "read", (unsigned long long)log_[k].addr,
			     log_[k].size, (unsigned long long)log_[k].val,
			     write ? "write" : "read", (unsigned long long)addr, size,
			     (unsigned long long)val);
}

#define ACCESS(k, w, addr, size, val) check_access(__LINE__, k, w, addr, size, val)

/* ---- Native reference: the same operation on the host, with pushf ---- */

/*
 * The red zone below RSP may hold the compiler's data, so step over it
 * before pushing. Only status flags are loaded with POPF (never DF).
 */
#define HOST_ONE(mnem, sfx, mod)                                                      \
	asm volatile("sub $128, %%rsp\n\tpushq %[f]\n\tpopfq\n\t" mnem sfx " %" mod "[b], %" \
		     mod "[a]\n\tpushfq\n\tpopq %[f]\n\tadd $128, %%rsp"                     \
		     : [a] "+r"(a), [f] "+r"(f)                                               \
		     : [b] "r"(b)                                                             \
		     : "cc", "memory")

#define HOST_ALU(fn, mnem)                                         \
	static u64 fn(unsigned size, u64 a, u64 b, u64 *flags)     \
	{                                                          \
		u64 f = (*flags & ARITH) | RFLAGS_FIXED;           \
		switch (size) {                                    \
		case 1: HOST_ONE(mnem, "b", "b"); break;           \
		case 2: HOST_ONE(mnem, "w", "w"); break;           \
		case 4: HOST_ONE(mnem, "l", "k"); break;           \
		default: HOST_ONE(mnem, "q", "q"); break;          \
		}                                                  \
		*flags = f;                                        \
		return a;                                          \
	}

HOST_ALU(host_add, "add")
HOST_ALU(host_sub, "sub")
HOST_ALU(host_and, "and")
HOST_ALU(host_or, "or")
HOST_ALU(host_xor, "xor")
HOST_ALU(host_cmp, "cmp")
HOST_ALU(host_test, "test")

/* BT with a register offset on memory: CF. */
static bool host_bt(const void *base, s64 off, unsigned size)
{
	u8 cf;

	switch (size) {
	case 2:
		asm volatile("btw %w[o], (%[p])\n\tsetc %[cf]"
			     : [cf] "=q"(cf) : [p] "r"(base), [o] "r"(off) : "cc", "memory");
		break;
	case 4:
		asm volatile("btl %k[o], (%[p])\n\tsetc %[cf]"
			     : [cf] "=q"(cf) : [p] "r"(base), [o] "r"(off) : "cc", "memory");
		break;
	default:
		asm volatile("btq %q[o], (%[p])\n\tsetc %[cf]"
			     : [cf] "=q"(cf) : [p] "r"(base), [o] "r"(off) : "cc", "memory");
		break;
	}
	return cf;
}

static u64 mask_of(unsigned size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static u64 sext(u64 v, unsigned size)
{
	u64 sign = 1ULL << (size * 8 - 1);

	v &= mask_of(size);
	return (v ^ sign) - sign;
}

/* ---- Data movement ---- */

TEST(mov_store_sizes)
{
	u64 next = 0;

	reset();
	cpu.regs[RAX] = 0x1122334455667788ULL;
	cpu.regs[RBX] = MMIO + 0x10;
	CHECK_EQ(EMU(L64, 0x1000, &next, 0x88, 0x03), 0);          /* mov [rbx], al */
	CHECK_EQ(next, 0x1002);
	ACCESS(0, true, MMIO + 0x10, 1, 0x88);
	CHECK_EQ(EMU(L64, 0x1000, &next, 0x66, 0x89, 0x03), 0);    /* mov [rbx], ax */
	CHECK_EQ(next, 0x1003);
	ACCESS(1, true, MMIO + 0x10, 2, 0x7788);
	CHECK_EQ(EMU(L64, 0x1000, &next, 0x89, 0x03), 0);          /* mov [rbx], eax */
	ACCESS(2, true, MMIO + 0x10, 4, 0x55667788);
	CHECK_EQ(EMU(L64, 0x1000, &next, 0x48, 0x89, 0x03), 0);    /* mov [rbx], rax */
	ACCESS(3, true, MMIO + 0x10, 8, 0x1122334455667788ULL);
	CHECK_EQ(EMU(L64, 0, NULL, 0x4c, 0x89, 0x43, 0x08), 0);    /* mov [rbx+8], r8 */
	ACCESS(4, true, MMIO + 0x18, 8, 0);
	CHECK_EQ(nlog, 5);
	CHECK_EQ(cpu.regs[RAX], 0x1122334455667788ULL);
	CHECK_EQ(cpu.rflags, RFLAGS_FIXED);
}

TEST(mov_load_sizes)
{
	reset();
	put(mmio + 0x20, 0xf8f7f6f5f4f3f2f1ULL, 8);
	cpu.regs[RSI] = MMIO + 0x20;
	cpu.regs[RAX] = 0xaaaaaaaaaaaaaaaaULL;
	CHECK_EQ(EMU(L64, 0, NULL, 0x8a, 0x06), 0);                /* mov al, [rsi] */
	CHECK_EQ(cpu.regs[RAX], 0xaaaaaaaaaaaaaaf1ULL);
	CHECK_EQ(EMU(L64, 0, NULL, 0x66, 0x8b, 0x06), 0);          /* mov ax, [rsi] */
	CHECK_EQ(cpu.regs[RAX], 0xaaaaaaaaaaaaf2f1ULL);
	/* A 32-bit destination zero-extends into bits 63:32. */
	CHECK_EQ(EMU(L64, 0, NULL, 0x8b, 0x06), 0);                /* mov eax, [rsi] */
	CHECK_EQ(cpu.regs[RAX], 0xf4f3f2f1ULL);
	CHECK_EQ(EMU(L64, 0, NULL, 0x48, 0x8b, 0x06), 0);          /* mov rax, [rsi] */
	CHECK_EQ(cpu.regs[RAX], 0xf8f7f6f5f4f3f2f1ULL);
	cpu.regs[15] = ~0ULL;
	CHECK_EQ(EMU(L64, 0, NULL, 0x44, 0x8b, 0x3e), 0);          /* mov r15d, [rsi] */
	CHECK_EQ(cpu.regs[15], 0xf4f3f2f1ULL);
	ACCESS(0, false, MMIO + 0x20, 1, 0xf1);
	ACCESS(1, false, MMIO + 0x20, 2, 0xf2f1);
	ACCESS(2, false, MMIO + 0x20, 4, 0xf4f3f2f1);
	ACCESS(3, false, MMIO + 0x20, 8, 0xf8f7f6f5f4f3f2f1ULL);
	CHECK_EQ(nwrites, 0);
}

TEST(mov_high_byte_regs)
{
	reset();
	cpu.regs[RAX] = 0x1122334455667788ULL;
	cpu.regs[RBX] = 0x1111111111111111ULL;
	cpu.regs[RSI] = MMIO;
	mmio[0x40] = 0x5a;
	CHECK_EQ(EMU(L64, 0, NULL, 0x88, 0x26), 0);                /* mov [rsi], ah */
	ACCESS(0, true, MMIO, 1, 0x77);
	cpu.regs[RSI] = MMIO + 0x40;
	CHECK_EQ(EMU(L64, 0, NULL, 0x8a, 0x3e), 0);                /* mov bh, [rsi] */
	CHECK_EQ(cpu.regs[RBX], 0x1111111111115a11ULL);
	/* With REX, 4-7 are SPL/BPL/SIL/DIL. */
	CHECK_EQ(EMU(L64, 0, NULL, 0x40, 0x88, 0x36), 0);          /* mov [rsi], sil */
	ACCESS(2, true, MMIO + 0x40, 1, 0x40);
	cpu.regs[RDI] = 0xffffffffffffff00ULL;
	CHECK_EQ(EMU(L64, 0, NULL, 0x40, 0x8a, 0x3e), 0);          /* mov dil, [rsi] */
	CHECK_EQ(cpu.regs[RDI], 0xffffffffffffff40ULL);
	/* 16-bit code: CH */
	cpu.regs[RCX] = 0xabcd;
	cpu.regs[RBX] = 0x40;
	cpu.seg_base[X86_SEG_DS] = MMIO;
	CHECK_EQ(EMU(R16, 0, NULL, 0x8a, 0x2f), 0);                /* mov ch, [bx] */
	CHECK_EQ(cpu.regs[RCX], 0x40cd);
}

TEST(mov_zero_extension_modes)
{
	reset();
	put(mmio, 0x89abcdef, 4);
	cpu.regs[RBX] = MMIO;
	cpu.regs[RAX] = 0xffffffff00000000ULL;
	CHECK_EQ(EMU(P32, 0, NULL, 0x8b, 0x03), 0);                /* mov eax, [ebx] */
	CHECK_EQ(cpu.regs[RAX], 0x89abcdefULL);
	cpu.regs[RAX] = 0xffffffffffff0000ULL;
	cpu.regs[RBX] = 0;
	cpu.seg_base[X86_SEG_DS] = MMIO;
	CHECK_EQ(EMU(R16, 0, NULL, 0x8b, 0x07), 0);                /* mov ax, [bx] */
	CHECK_EQ(cpu.regs[RAX], 0xffffffffffffcdefULL);
	CHECK_EQ(EMU(R16, 0, NULL, 0x66, 0x8b, 0x07), 0);          /* mov eax, [bx] */
	CHECK_EQ(cpu.regs[RAX], 0x89abcdefULL);
}

TEST(mov_immediates)
{
	reset();
	cpu.regs[RBX] = MMIO;
	CHECK_EQ(EMU(L64, 0, NULL, 0xc6, 0x03, 0xab), 0);
	ACCESS(0, true, MMIO, 1, 0xab);
	CHECK_EQ(EMU(L64, 0, NULL, 0x66, 0xc7, 0x03, 0x34, 0x12), 0);
	ACCESS(1, true, MMIO, 2, 0x1234);
	CHECK_EQ(EMU(L64, 0, NULL, 0xc7, 0x03, 0x78, 0x56, 0x34, 0x12), 0);
	ACCESS(2, true, MMIO, 4, 0x12345678);
	CHECK_EQ(EMU(L64, 0, NULL, 0x48, 0xc7, 0x03, 0x00, 0x00, 0x00, 0x80), 0);
	ACCESS(3, true, MMIO, 8, 0xffffffff80000000ULL);
	CHECK_EQ(EMU(L64, 0, NULL, 0x48, 0xc7, 0x43, 0x08, 0xff, 0xff, 0xff, 0x7f), 0);
	ACCESS(4, true, MMIO + 8, 8, 0x7fffffffULL);
	CHECK_EQ(nreads, 0);
}

TEST(mov_moffs)
{
	u64 next;

	reset();
	put(mmio + 4, 0xcafef00d, 4);
	/* mov eax, [moffs64] */
	CHECK_EQ(EMU(L64, 0x100, &next, 0xa1, 0x04, 0x00, 0xe0, 0xfe, 0, 0, 0, 0), 0);
	CHECK_EQ(cpu.regs[RAX], 0xcafef00d);
	CHECK_EQ(next, 0x109);
	/* mov [moffs64], rax */
	cpu.regs[RAX] = 0x0102030405060708ULL;
	CHECK_EQ(EMU(L64, 0, NULL, 0x48, 0xa3, 0x10, 0x00, 0xe0, 0xfe, 0, 0, 0, 0), 0);
	ACCESS(1, true, MMIO + 0x10, 8, 0x0102030405060708ULL);
	/* mov al, [moffs32] (67) */
	CHECK_EQ(EMU(L64, 0, NULL, 0x67, 0xa0, 0x10, 0x00, 0xe0, 0xfe), 0);
	CHECK_EQ(cpu.regs[RAX], 0x0102030405060708ULL);
	/* 32-bit mode with a DS base */
	cpu.seg_base[X86_SEG_DS] = MMIO;
	CHECK_EQ(EMU(P32, 0, NULL, 0x66, 0xa1, 0x04, 0x00, 0x00, 0x00), 0);
	CHECK_EQ(cpu.regs[RAX], 0x010203040506f00dULL);
	/* real mode: moffs16 */
	CHECK_EQ(EMU(R16, 0, NULL, 0xa2, 0x20, 0x00), 0);
	ACCESS(4, true, MMIO + 0x20, 1, 0x0d);
}

TEST(movzx_movsx)
{
	reset();
	put(mmio, 0x80000000ff80ULL, 8);  /* byte 0x80, word 0xff80, dword 0x0000ff80 */
	put(mmio + 8, 0x80000000ULL, 4);
	cpu.regs[RBX] = MMIO;
	cpu.regs[RAX] = ~0ULL;
	CHECK_EQ(EMU(L64, 0, NULL, 0x0f, 0xb6, 0x03), 0);          /* movzx eax, byte */
	CHECK_EQ(cpu.regs[RAX], 0x80);
	CHECK_EQ(EMU(L64, 0, NULL, 0x0f, 0xbe, 0x03), 0);          /* movsx eax, byte */
	CHECK_EQ(cpu.regs[RAX], 0xffffff80ULL);
	CHECK_EQ(EMU(L64, 0, NULL, 0x48, 0x0f, 0xbe, 0x03), 0);    /* movsx rax, byte */
	CHECK_EQ(cpu.regs[RAX], 0xffffffffffffff80ULL);
	cpu.regs[RAX] = 0x1234567800000000ULL;
	CHECK_EQ(EMU(L64, 0, NULL, 0x66, 0x0f, 0xbe, 0x03), 0);    /* movsx ax, byte */
	CHECK_EQ(cpu.regs[RAX], 0x123456780000ff80ULL);
	CHECK_EQ(EMU(L64, 0, NULL, 0x66, 0x0f, 0xb6, 0x03), 0);    /* movzx ax, byte */
	CHECK_EQ(cpu.regs[RAX], 0x1234567800000080ULL);
	CHECK_EQ(EMU(L64, 0, NULL, 0x0f, 0xb7, 0x03), 0);          /* movzx eax, word */
	CHECK_EQ(cpu.regs[RAX], 0xff80);
	CHECK_EQ(EMU(L64, 0, NULL, 0x0f, 0xbf, 0x03), 0);          /* movsx eax, word */
	CHECK_EQ(cpu.regs[RAX], 0xffffff80ULL);
	CHECK_EQ(EMU(L64, 0, NULL, 0x48, 0x0f, 0xbf, 0x0b), 0);    /* movsx rcx, word */
	CHECK_EQ(cpu.regs[RCX], 0xffffffffffffff80ULL);
	CHECK_EQ(EMU(L64, 0, NULL, 0x48, 0x63, 0x43, 0x08), 0);    /* movsxd rax, [rbx+8] */
	CHECK_EQ(cpu.regs[RAX], 0xffffffff80000000ULL);
	CHECK_EQ(EMU(L64, 0, NULL, 0x63, 0x43, 0x08), 0);          /* movsxd eax (no REX.W) */
	CHECK_EQ(cpu.regs[RAX], 0x80000000ULL);
	ACCESS(0, false, MMIO, 1, 0x80);
	ACCESS(5, false, MMIO, 2, 0xff80);
	ACCESS(8, false, MMIO + 8, 4, 0x80000000);
	CHECK_EQ(nwrites, 0);
}

/* ---- Arithmetic and logic against the host ---- */

static const u64 pairs[][2] = {
	{ 0, 0 }, { 1, 1 }, { 0, 1 }, { 1, 0 }, { 0x0f, 0x01 }, { 0x10, 0x01 },
	{ 0x7f, 1 }, { 0x80, 1 }, { 0x80, 0x80 }, { 0xff, 1 }, { 0xff, 0xff },
	{ 0x7fff, 1 }, { 0x8000, 0x8000 }, { 0xffff, 1 }, { 0x7fffffff, 1 },
	{ 0x80000000, 0x80000000 }, { 0xffffffff, 1 }, { 0x7fffffffffffffffULL, 1 },
	{ 0x8000000000000000ULL, 0x8000000000000000ULL }, { ~0ULL, 1 }, { ~0ULL, ~0ULL },
	{ 0x123456789abcdef0ULL, 0x0fedcba987654321ULL }, { 3, 5 }, { 5, 3 },
	{ 0x8000000000000000ULL, 1 }, { 0x5555555555555555ULL, 0xaaaaaaaaaaaaaaaaULL },
};

struct alu_desc {
	enum x86_op op;
	u8 opc;      /* the r/m,r opcode of the byte form */
	u8 grp1;     /* group 1 /digit, or 0xff */
	u64 (*host)(unsigned size, u64 a, u64 b, u64 *flags);
	bool writes;
	u64 defined; /* flags the instruction defines */
};

static const struct alu_desc alus[] = {
	{ X86_OP_ADD, 0x00, 0, host_add, true, ARITH },
	{ X86_OP_SUB, 0x28, 5, host_sub, true, ARITH },
	{ X86_OP_AND, 0x20, 4, host_and, true, ARITH & ~X86_FLAG_AF },
	{ X86_OP_OR, 0x08, 1, host_or, true, ARITH & ~X86_FLAG_AF },
	{ X86_OP_XOR, 0x30, 6, host_xor, true, ARITH & ~X86_FLAG_AF },
	{ X86_OP_CMP, 0x38, 7, host_cmp, false, ARITH },
	{ X86_OP_TEST, 0x84, 0xff, host_test, false, ARITH & ~X86_FLAG_AF },
};

enum alu_form { F_MEM_REG, F_REG_MEM, F_IMM8, F_IMMZ };

/* Encodes "op [rbx], rcx" / "op rcx, [rbx]" / "op [rbx], imm" of the given size. */
static size_t encode_alu(const struct alu_desc *d, enum alu_form form, unsigned size, u64 imm,
			 u8 *b)
{
	size_t n = 0;

	if (size == 2)
		b[n++] = 0x66;
	if (size == 8)
		b[n++] = 0x48;
	switch (form) {
	case F_MEM_REG:
	case F_REG_MEM:
		b[n++] = (u8)(d->opc + (size > 1) + (form == F_REG_MEM ? 2 : 0));
		b[n++] = 0x0b;  /* mod=00 reg=rcx rm=rbx */
		break;
	case F_IMM8:
		if (d->op == X86_OP_TEST)
			return 0;  /* TEST has no imm8 form for wide operands */
		b[n++] = size == 1 ? 0x80 : 0x83;
		b[n++] = (u8)(0x03 | d->grp1 << 3);
		b[n++] = (u8)imm;
		break;
	case F_IMMZ:
		b[n++] = d->op == X86_OP_TEST ? (size == 1 ? 0xf6 : 0xf7) : (size == 1 ? 0x80 : 0x81);
		b[n++] = (u8)(0x03 | (d->op == X86_OP_TEST ? 0 : d->grp1) << 3);
		for (unsigned k = 0; k < (size == 1 ? 1u : size == 2 ? 2u : 4u); k++)
			b[n++] = (u8)(imm >> (8 * k));
		break;
	}
	return n;
}

static void alu_against_host(const struct alu_desc *d)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	static const u64 start_flags[] = {
		RFLAGS_FIXED,
		RFLAGS_FIXED | ARITH,
		RFLAGS_FIXED | X86_FLAG_AF | X86_FLAG_DF,
	};
	unsigned checked = 0;

	for (unsigned si = 0; si < 4; si++)
	for (unsigned form = F_MEM_REG; form <= F_IMMZ; form++)
	for (unsigned pi = 0; pi < sizeof(pairs) / sizeof(pairs[0]); pi++)
	for (unsigned fi = 0; fi < 3; fi++) {
		unsigned size = sizes[si];
		u64 m = mask_of(size), a = pairs[pi][0], b = pairs[pi][1];
		u64 host_flags = start_flags[fi], want, got, rcx_before;
		u8 insn[16];
		size_t n;
		int ret;

		if (form == F_REG_MEM && d->op == X86_OP_TEST)
			continue;
		/* What the instruction really uses as its second operand. */
		if (form == F_IMM8)
			b = sext(b, 1);
		else if (form == F_IMMZ)
			b = size == 8 ? sext(b, 4) : b & m;
		n = encode_alu(d, (enum alu_form)form, size, b, insn);
		if (!n)
			continue;

		reset();
		cpu.rflags = start_flags[fi];
		cpu.regs[RBX] = MMIO + 0x100;
		if (form == F_REG_MEM) {
			/* op rcx, [rbx]: rcx = a, memory = b */
			cpu.regs[RCX] = 0x5a5a5a5a5a5a5a5aULL & ~m;
			cpu.regs[RCX] |= a & m;
			put(mmio + 0x100, b, size);
		} else {
			cpu.regs[RCX] = b;
			put(mmio + 0x100, a, size);
		}
		rcx_before = cpu.regs[RCX];
		want = d->host(size, a & m, b & m, &host_flags) & m;

		ret = emu(L64, 0x1000, NULL, insn, n, __LINE__);
		if (ret) {
			harness_fail(__FILE__, __LINE__, "size %u form %u pair %u: emulate %d",
				     size, form, pi, ret);
			return;
		}
		if (form == F_REG_MEM) {
			got = cpu.regs[RCX];
			if (!d->writes)
				want = rcx_before;
			else if (size == 4)
				want = want & m;  /* zero-extended */
			else
				want = (rcx_before & ~m) | want;
			if (nwrites)
				harness_fail(__FILE__, __LINE__,
					     "size %u pair %u: register form wrote memory",
					     size, pi);
		} else {
			got = mmio_get(0x100, size);
			if (!d->writes)
				want = a & m;
			if (nwrites != (d->writes ? 1u : 0u))
				harness_fail(__FILE__, __LINE__,
					     "size %u form %u pair %u: %u writes", size, form,
					     pi, nwrites);
			if (cpu.regs[RCX] != rcx_before)
				harness_fail(__FILE__, __LINE__,
					     "size %u form %u pair %u: rcx changed", size, form,
					     pi);
		}
		if (got != want)
			harness_fail(__FILE__, __LINE__,
				     "size %u form %u a %#llx b %#llx: result %#llx, host %#llx",
				     size, form, (unsigned long long)a, (unsigned long long)b,
				     (unsigned long long)got, (unsigned long long)want);
		if ((cpu.rflags ^ host_flags) & d->defined)
			harness_fail(__FILE__, __LINE__,
				     "size %u form %u a %#llx b %#llx: flags %#llx, host %#llx",
				     size, form, (unsigned long long)a, (unsigned long long)b,
				     (unsigned long long)cpu.rflags,
				     (unsigned long long)host_flags);
		/* Undefined AF and all non-status flags stay as they were. */
		if ((cpu.rflags ^ start_flags[fi]) & ~d->defined)
			harness_fail(__FILE__, __LINE__,
				     "size %u form %u pair %u: flags outside %#llx changed: %#llx",
				     size, form, pi, (unsigned long long)d->defined,
				     (unsigned long long)cpu.rflags);
		checked++;
	}
	CHECK(checked > 500);
}

TEST(alu_add) { alu_against_host(&alus[0]); }
TEST(alu_sub) { alu_against_host(&alus[1]); }
TEST(alu_and) { alu_against_host(&alus[2]); }
TEST(alu_or) { alu_against_host(&alus[3]); }
TEST(alu_xor) { alu_against_host(&alus[4]); }
TEST(alu_cmp) { alu_against_host(&alus[5]); }
TEST(alu_test) { alu_against_host(&alus[6]); }

TEST(alu_high_byte_and_lock)
{
	reset();
	cpu.regs[RAX] = 0x1111111111113311ULL;
	cpu.regs[RBX] = MMIO;
	mmio[0] = 0x34;
	/* sub ah, [rbx]: 0x33 - 0x34 = 0xff, CF, SF, AF, PF */
	CHECK_EQ(EMU(L64, 0, NULL, 0x2a, 0x23), 0);
	CHECK_EQ(cpu.regs[RAX], 0x111111111111ff11ULL);
	CHECK_EQ(cpu.rflags & ARITH, X86_FLAG_CF | X86_FLAG_SF | X86_FLAG_AF | X86_FLAG_PF);
	/* lock or [rbx], ah */
	CHECK_EQ(EMU(L64, 0, NULL, 0xf0, 0x08, 0x23), 0);
	CHECK_EQ(mmio[0], 0xff);
	CHECK_EQ(cpu.rflags & (ARITH & ~X86_FLAG_AF), X86_FLAG_SF | X86_FLAG_PF);
	ACCESS(0, false, MMIO, 1, 0x34);
	ACCESS(1, false, MMIO, 1, 0x34);
	ACCESS(2, true, MMIO, 1, 0xff);
}

/* ---- BT ---- */

TEST(bt_immediate)
{
	reset();
	cpu.regs[RBX] = MMIO + 0x10;
	put(mmio + 0x10, 0x0000002000000020ULL, 8);  /* bits 5 and 37 */
	cpu.rflags = RFLAGS_FIXED | X86_FLAG_ZF | X86_FLAG_OF;
	CHECK_EQ(EMU(L64, 0, NULL, 0x0f, 0xba, 0x23, 0x05), 0);        /* bt dword [rbx], 5 */
	CHECK_EQ(cpu.rflags, RFLAGS_FIXED | X86_FLAG_ZF | X86_FLAG_OF | X86_FLAG_CF);
	CHECK_EQ(EMU(L64, 0, NULL, 0x0f, 0xba, 0x23, 0x04), 0);        /* bit 4 */
	CHECK_EQ(cpu.rflags & X86_FLAG_CF, 0);
	/* The immediate is taken modulo the operand size: no other address. */
	CHECK_EQ(EMU(L64, 0, NULL, 0x0f, 0xba, 0x23, 0x25), 0);        /* 37 mod 32 = 5 */
	CHECK_EQ(cpu.rflags & X86_FLAG_CF, X86_FLAG_CF);
	CHECK_EQ(EMU(L64, 0, NULL, 0x66, 0x0f, 0xba, 0x23, 0x15), 0);  /* 21 mod 16 = 5 */
	CHECK_EQ(cpu.rflags & X86_FLAG_CF, X86_FLAG_CF);
	CHECK_EQ(EMU(L64, 0, NULL, 0x48, 0x0f, 0xba, 0x23, 0x65), 0);  /* 101 mod 64 = 37 */
	CHECK_EQ(cpu.rflags & X86_FLAG_CF, X86_FLAG_CF);
	ACCESS(0, false, MMIO + 0x10, 4, 0x20);
	ACCESS(2, false, MMIO + 0x10, 4, 0x20);
	ACCESS(3, false, MMIO + 0x10, 2, 0x20);
	ACCESS(4, false, MMIO + 0x10, 8, 0x0000002000000020ULL);
	CHECK_EQ(nwrites, 0);
}

/*
 * A register bit offset is signed and may address memory outside the
 * operand: compare with the host's BT on the same bytes, and check which
 * operand-sized unit was read.
 */
TEST(bt_register_offsets)
{
	static const s64 offsets[] = {
		-1000, -129, -65, -64, -33, -32, -17, -16, -1, 0, 1, 7, 8, 15, 16, 31, 32,
		33, 63, 64, 100, 200, 1000,
	};
	static const unsigned sizes[] = { 2, 4, 8 };
	const u64 base = 0x8000;

	reset();
	for (unsigned k = 0; k < 0x400; k++)
		ram[base - 0x200 + k] = (u8)(k * 37 + (k >> 3));

	for (unsigned si = 0; si < 3; si++) {
		for (unsigned oi = 0; oi < sizeof(offsets) / sizeof(offsets[0]); oi++) {
			unsigned size = sizes[si], bits = size * 8;
			s64 off = offsets[oi];
			bool want = host_bt(ram + base, off, size);
			s64 unit = off >= 0 ? off / bits : -((-off + bits - 1) / bits);
			u64 addr = base + (u64)(unit * (s64)size);
			int ret;

			nlog = 0;
			cpu.regs[RBX] = base;
			cpu.regs[RDX] = (u64)off;
			cpu.rflags = RFLAGS_FIXED | (want ? 0 : X86_FLAG_CF);
			if (size == 2)
				ret = EMU(L64, 0, NULL, 0x66, 0x0f, 0xa3, 0x13);  /* bt [rbx], dx */
			else if (size == 4)
				ret = EMU(L64, 0, NULL, 0x0f, 0xa3, 0x13);        /* bt [rbx], edx */
			else
				ret = EMU(L64, 0, NULL, 0x48, 0x0f, 0xa3, 0x13);  /* bt [rbx], rdx */
			CHECK_EQ(ret, 0);
			if (!!(cpu.rflags & X86_FLAG_CF) != want)
				harness_fail(__FILE__, __LINE__,
					     "size %u offset %lld: CF %d, host %d", size,
					     (long long)off, !!(cpu.rflags & X86_FLAG_CF), want);
			if (nlog != 1 || log_[0].addr != addr || log_[0].size != size)
				harness_fail(__FILE__, __LINE__,
					     "size %u offset %lld: read %#llx/%u, expected %#llx/%u",
					     size, (long long)off,
					     (unsigned long long)log_[0].addr, log_[0].size,
					     (unsigned long long)addr, size);
		}
	}
	/* Only the low operand-size bits of the register count: dx = -1 as a word. */
	nlog = 0;
	cpu.regs[RDX] = 0x12340000ffffULL;
	CHECK_EQ(EMU(L64, 0, NULL, 0x66, 0x0f, 0xa3, 0x13), 0);
	ACCESS(0, false, base - 2, 2, le(ram + base - 2, 2));
	/* 16-bit addressing: the unit address wraps at 64 KiB. */
	nlog = 0;
	cpu.regs[RBX] = 0;
	cpu.regs[RDX] = (u64)-1;
	CHECK_EQ(EMU(R16, 0, NULL, 0x0f, 0xa3, 0x17), 0);                 /* bt [bx], dx */
	ACCESS(0, false, 0xfffe, 2, le(ram + 0xfffe, 2));
}

/* ---- String instructions ---- */

TEST(stos_single)
{
	u64 next;

	reset();
	cpu.regs[RAX] = 0x1122334455667788ULL;
	cpu.regs[RDI] = MMIO;
	cpu.regs[RCX] = 7;
	CHECK_EQ(EMU(L64, 0x40, &next, 0xaa), 0);                  /* stosb */
	CHECK_EQ(next, 0x41);
	CHECK_EQ(cpu.regs[RDI], MMIO + 1);
	CHECK_EQ(EMU(L64, 0x40, &next, 0x66, 0xab), 0);            /* stosw */
	CHECK_EQ(cpu.regs[RDI], MMIO + 3);
	CHECK_EQ(EMU(L64, 0x40, &next, 0xab), 0);                  /* stosd */
	CHECK_EQ(cpu.regs[RDI], MMIO + 7);
	CHECK_EQ(EMU(L64, 0x40, &next, 0x48, 0xab), 0);            /* stosq */
	CHECK_EQ(cpu.regs[RDI], MMIO + 15);
	CHECK_EQ(next, 0x42);
	CHECK_EQ(cpu.regs[RCX], 7);  /* no REP: RCX untouched */
	ACCESS(0, true, MMIO, 1, 0x88);
	ACCESS(1, true, MMIO + 1, 2, 0x7788);
	ACCESS(2, true, MMIO + 3, 4, 0x55667788);
	ACCESS(3, true, MMIO + 7, 8, 0x1122334455667788ULL);
	CHECK_EQ(nreads, 0);
}

TEST(rep_stos_forward_backward)
{
	u64 next;

	reset();
	cpu.regs[RAX] = 0xdeadbeef;
	cpu.regs[RDI] = 0x1000;
	cpu.regs[RCX] = 5;
	CHECK_EQ(EMU(L64, 0x40, &next, 0xf3, 0xab), 0);            /* rep stosd */
	CHECK_EQ(next, 0x42);
	CHECK_EQ(cpu.regs[RCX], 0);
	CHECK_EQ(cpu.regs[RDI], 0x1014);
	CHECK_EQ(nwrites, 5);
	for (unsigned k = 0; k < 5; k++)
		ACCESS(k, true, 0x1000 + 4 * k, 4, 0xdeadbeef);

	/* DF=1: downwards */
	nlog = nwrites = 0;
	cpu.rflags |= X86_FLAG_DF;
	cpu.regs[RDI] = 0x1010;
	cpu.regs[RCX] = 3;
	CHECK_EQ(EMU(L64, 0x40, &next, 0xf3, 0x66, 0xab), 0);      /* rep stosw */
	CHECK_EQ(cpu.regs[RDI], 0x100a);
	CHECK_EQ(cpu.regs[RCX], 0);
	ACCESS(0, true, 0x1010, 2, 0xbeef);
	ACCESS(1, true, 0x100e, 2, 0xbeef);
	ACCESS(2, true, 0x100c, 2, 0xbeef);
	CHECK_EQ(nwrites, 3);
	CHECK_EQ(cpu.rflags, RFLAGS_FIXED | X86_FLAG_DF);  /* STOS changes no flags */

	/* F2 repeats too */
	nlog = nwrites = 0;
	cpu.rflags = RFLAGS_FIXED;
	cpu.regs[RCX] = 2;
	CHECK_EQ(EMU(L64, 0x40, &next, 0xf2, 0xaa), 0);
	CHECK_EQ(nwrites, 2);
	CHECK_EQ(next, 0x42);
}

TEST(rep_zero_count)
{
	u64 next;

	reset();
	cpu.regs[RDI] = MMIO;
	cpu.regs[RSI] = 0x1000;
	cpu.regs[RCX] = 0;
	CHECK_EQ(EMU(L64, 0x40, &next, 0xf3, 0xaa), 0);
	CHECK_EQ(next, 0x42);
	CHECK_EQ(EMU(L64, 0x40, &next, 0xf3, 0x48, 0xa5), 0);
	CHECK_EQ(next, 0x43);
	CHECK_EQ(nreads + nwrites, 0);
	CHECK_EQ(cpu.regs[RDI], MMIO);
	CHECK_EQ(cpu.regs[RSI], 0x1000);
	/* Only the address-size bits of RCX count: CX = 0 here. */
	cpu.regs[RCX] = 0x10000;
	cpu.regs[RDI] = 0x100;
	CHECK_EQ(EMU(R16, 0x40, &next, 0xf3, 0xaa), 0);
	CHECK_EQ(nwrites, 0);
	CHECK_EQ(cpu.regs[RCX], 0x10000);
}

TEST(rep_bounded_iterations)
{
	u64 next;

	reset();
	cpu.regs[RAX] = 0xab;
	cpu.regs[RDI] = 0x2000;
	cpu.regs[RCX] = 200;
	CHECK_EQ(EMU(L64, 0x40, &next, 0xf3, 0xaa), 0);
	CHECK_EQ(nwrites, X86_REP_MAX_ITER);
	CHECK_EQ(cpu.regs[RCX], 200 - X86_REP_MAX_ITER);
	CHECK_EQ(cpu.regs[RDI], 0x2000 + X86_REP_MAX_ITER);
	CHECK_EQ(next, 0x40);  /* restart: the guest re-executes the REP */
	CHECK_EQ(EMU(L64, 0x40, &next, 0xf3, 0xaa), 0);
	CHECK_EQ(nwrites, 200);
	CHECK_EQ(cpu.regs[RCX], 0);
	CHECK_EQ(cpu.regs[RDI], 0x2000 + 200);
	CHECK_EQ(next, 0x42);
	for (unsigned k = 0; k < 200; k++)
		if (ram[0x2000 + k] != 0xab)
			harness_fail(__FILE__, __LINE__, "byte %u not written", k);
	CHECK_EQ(ram[0x2000 + 200], 0);
	/* Exactly 128 finishes in one call. */
	cpu.regs[RCX] = X86_REP_MAX_ITER;
	CHECK_EQ(EMU(L64, 0x40, &next, 0xf3, 0xaa), 0);
	CHECK_EQ(next, 0x42);
	CHECK_EQ(cpu.regs[RCX], 0);
}

TEST(rep_movs_forward_backward)
{
	u64 next;

	reset();
	put(ram + 0x3000, 0x0807060504030201ULL, 8);
	put(ram + 0x3008, 0x100f0e0d0c0b0a09ULL, 8);
	cpu.regs[RSI] = 0x3000;
	cpu.regs[RDI] = MMIO + 0x80;
	cpu.regs[RCX] = 4;
	CHECK_EQ(EMU(L64, 0x40, &next, 0xf3, 0xa5), 0);            /* rep movsd */
	CHECK_EQ(next, 0x42);
	CHECK_EQ(cpu.regs[RSI], 0x3010);
	CHECK_EQ(cpu.regs[RDI], MMIO + 0x90);
	CHECK_EQ(cpu.regs[RCX], 0);
	/* Each element is read, then written. */
	ACCESS(0, false, 0x3000, 4, 0x04030201);
	ACCESS(1, true, MMIO + 0x80, 4, 0x04030201);
	ACCESS(6, false, 0x300c, 4, 0x100f0e0d);
	ACCESS(7, true, MMIO + 0x8c, 4, 0x100f0e0d);
	CHECK_EQ(nlog, 8);

	/* Backwards, bytes, MMIO to RAM */
	reset();
	put(mmio, 0x44332211, 4);
	cpu.rflags |= X86_FLAG_DF;
	cpu.regs[RSI] = MMIO + 3;
	cpu.regs[RDI] = 0x4003;
	cpu.regs[RCX] = 4;
	CHECK_EQ(EMU(L64, 0x40, &next, 0xf3, 0xa4), 0);            /* std; rep movsb */
	CHECK_EQ(le(ram + 0x4000, 4), 0x44332211);
	CHECK_EQ(cpu.regs[RSI], MMIO - 1);
	CHECK_EQ(cpu.regs[RDI], 0x3fff);
	ACCESS(0, false, MMIO + 3, 1, 0x44);
	ACCESS(7, true, 0x4000, 1, 0x11);

	/* Single MOVSQ */
	reset();
	put(ram + 0x100, 0x1122334455667788ULL, 8);
	cpu.regs[RSI] = 0x100;
	cpu.regs[RDI] = MMIO;
	CHECK_EQ(EMU(L64, 0x40, &next, 0x48, 0xa5), 0);
	CHECK_EQ(mmio_get(0, 8), 0x1122334455667788ULL);
	CHECK_EQ(cpu.regs[RSI], 0x108);
	CHECK_EQ(cpu.regs[RDI], MMIO + 8);
}

TEST(rep_movs_address_size_wrap)
{
	u64 next;

	/* 16-bit: SI/DI/CX wrap inside their low word; the rest is kept. */
	reset();
	cpu.seg_base[X86_SEG_ES] = 0x10000;
	cpu.seg_base[X86_SEG_DS] = 0;
	ram[0xfffe] = 1;
	ram[0xffff] = 2;
	ram[0x0000] = 3;
	ram[0x0001] = 4;
	cpu.regs[RSI] = 0x12340000fffeULL;
	cpu.regs[RDI] = 0xdead0000fffeULL;
	cpu.regs[RCX] = 0xabcd0004ULL;
	CHECK_EQ(EMU(R16, 0x7c00, &next, 0xf3, 0xa4), 0);
	CHECK_EQ(next, 0x7c02);
	CHECK_EQ(cpu.regs[RSI], 0x123400000002ULL);
	CHECK_EQ(cpu.regs[RDI], 0xdead00000002ULL);
	CHECK_EQ(cpu.regs[RCX], 0xabcd0000ULL);
	ACCESS(0, false, 0xfffe, 1, 1);
	ACCESS(1, true, 0x1fffe, 1, 1);
	ACCESS(3, true, 0x1ffff, 1, 2);
	ACCESS(4, false, 0x0000, 1, 3);
	ACCESS(5, true, 0x10000, 1, 3);
	ACCESS(7, true, 0x10001, 1, 4);

	/* 16-bit stosw downwards through 0 */
	reset();
	cpu.seg_base[X86_SEG_ES] = 0x10000;
	cpu.rflags |= X86_FLAG_DF;
	cpu.regs[RDI] = 0x0002;
	cpu.regs[RCX] = 3;
	cpu.regs[RAX] = 0x5566;
	CHECK_EQ(EMU(R16, 0, &next, 0xf3, 0xab), 0);
	ACCESS(0, true, 0x10002, 2, 0x5566);
	ACCESS(1, true, 0x10000, 2, 0x5566);
	ACCESS(2, true, 0x1fffe, 2, 0x5566);
	CHECK_EQ(cpu.regs[RDI], 0xfffc);

	/* 67 in 64-bit mode: ECX/ESI/EDI, zero-extended when written. */
	reset();
	cpu.regs[RSI] = 0xaaaa00001000ULL;
	cpu.regs[RDI] = 0xbbbb00002000ULL;
	cpu.regs[RCX] = 0x100000002ULL;  /* ECX = 2 */
	CHECK_EQ(EMU(L64, 0, &next, 0xf3, 0x67, 0xa4), 0);
	CHECK_EQ(nwrites, 2);
	CHECK_EQ(cpu.regs[RSI], 0x1002);
	CHECK_EQ(cpu.regs[RDI], 0x2002);
	CHECK_EQ(cpu.regs[RCX], 0);
	ACCESS(0, false, 0x1000, 1, 0);
	ACCESS(1, true, 0x2000, 1, 0);
}

TEST(string_segments)
{
	/* 64-bit: DS/ES bases ignored, an FS override on the source applies. */
	reset();
	cpu.seg_base[X86_SEG_DS] = 0x5000;
	cpu.seg_base[X86_SEG_ES] = 0x6000;
	cpu.seg_base[X86_SEG_FS] = MMIO - 0x100;
	mmio[0] = 0x77;
	cpu.regs[RSI] = 0x100;
	cpu.regs[RDI] = 0x200;
	CHECK_EQ(EMU(L64, 0, NULL, 0x64, 0xa4), 0);                /* movsb fs:[rsi] */
	ACCESS(0, false, MMIO, 1, 0x77);
	ACCESS(1, true, 0x200, 1, 0x77);
	/* 32-bit: bases apply; STOS always uses ES even with an override. */
	reset();
	cpu.seg_base[X86_SEG_ES] = 0x1000;
	cpu.seg_base[X86_SEG_CS] = 0x9000;
	cpu.regs[RDI] = 0x10;
	CHECK_EQ(EMU(P32, 0, NULL, 0x2e, 0xaa), 0);
	ACCESS(0, true, 0x1010, 1, 0);
}

/* ---- Addressing ---- */

TEST(segments_and_wrap)
{
	u64 next;

	reset();
	put(mmio + 0x100, 0x600df00d, 4);
	/* 32-bit: DS base added. */
	cpu.seg_base[X86_SEG_DS] = MMIO;
	cpu.regs[RBX] = 0x100;
	CHECK_EQ(EMU(P32, 0, NULL, 0x8b, 0x03), 0);
	CHECK_EQ(cpu.regs[RAX], 0x600df00d);
	/* Linear addresses wrap at 4 GiB outside 64-bit mode. */
	cpu.seg_base[X86_SEG_DS] = 0xfffff000;
	cpu.regs[RBX] = 0x2000;
	CHECK_EQ(EMU(P32, 0, NULL, 0x89, 0x03), 0);
	ACCESS(1, true, 0x1000, 4, 0x600df00d);
	/* [ebp] defaults to SS */
	cpu.seg_base[X86_SEG_SS] = MMIO;
	cpu.regs[RBP] = 0x100;
	CHECK_EQ(EMU(P32, 0, NULL, 0x8b, 0x4d, 0x00), 0);          /* mov ecx, [ebp+0] */
	CHECK_EQ(cpu.regs[RCX], 0x600df00d);
	/* 64-bit: DS base ignored, GS base used. */
	reset();
	put(mmio + 0x28, 0x1234, 2);
	cpu.seg_base[X86_SEG_DS] = 0x10000;
	cpu.seg_base[X86_SEG_GS] = MMIO;
	cpu.regs[RBX] = 0x500;
	CHECK_EQ(EMU(L64, 0, NULL, 0x89, 0x03), 0);                /* mov [rbx], eax */
	ACCESS(0, true, 0x500, 4, 0);
	CHECK_EQ(EMU(L64, 0, NULL, 0x65, 0x66, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0), 0);
	CHECK_EQ(cpu.regs[RAX] & 0xffff, 0x1234);
	/* Next RIP wraps at 4 GiB in 32-bit code. */
	reset();
	cpu.regs[RBX] = 0x100;
	CHECK_EQ(EMU(P32, 0xfffffffeULL, &next, 0x89, 0x43, 0x00), 0);
	CHECK_EQ(next, 1);
}

TEST(rip_relative)
{
	u64 next, rip = MMIO - 0x1000;

	reset();
	put(mmio + 0x10, 0xfeedface, 4);
	/* mov eax, [rip + 0x100a]: next RIP = rip + 6 */
	CHECK_EQ(EMU(L64, rip, &next, 0x8b, 0x05, 0x0a, 0x10, 0x00, 0x00), 0);
	CHECK_EQ(next, rip + 6);
	CHECK_EQ(cpu.regs[RAX], 0xfeedface);
	/* mov dword [rip + disp], imm32: the immediate is part of the length. */
	CHECK_EQ(EMU(L64, rip, &next, 0xc7, 0x05, 0x0a, 0x10, 0, 0, 0x01, 0, 0, 0), 0);
	ACCESS(1, true, rip + 10 + 0x100a, 4, 1);
}

/* ---- Errors ---- */

TEST(read_error_aborts)
{
	u64 next = 0x1234, regs[16], flags;

	reset();
	cpu.regs[RAX] = 0x1111;
	cpu.regs[RBX] = MMIO;
	cpu.rflags = RFLAGS_FIXED | X86_FLAG_ZF;
	memcpy(regs, cpu.regs, sizeof(regs));
	flags = cpu.rflags;

	fail_read_at = 0;
	CHECK_EQ(EMU(L64, 0, &next, 0x01, 0x03), (u64)-EIO);       /* add [rbx], eax */
	CHECK_EQ(nwrites, 0);
	CHECK_EQ(next, 0x1234);
	CHECK_EQ(cpu.rflags, flags);
	CHECK(!memcmp(regs, cpu.regs, sizeof(regs)));

	reset();
	cpu.regs[RAX] = 0x1111;
	cpu.regs[RBX] = MMIO;
	fail_read_at = 0;
	CHECK_EQ(EMU(L64, 0, NULL, 0x8b, 0x03), (u64)-EIO);        /* mov eax, [rbx] */
	CHECK_EQ(cpu.regs[RAX], 0x1111);
	CHECK_EQ(EMU(L64, 0, NULL, 0x0f, 0xa3, 0x03), 0);          /* later reads work */

	/* CMP/BT/MOVZX: no flags or register change on a failed read. */
	reset();
	cpu.regs[RBX] = MMIO;
	cpu.rflags = RFLAGS_FIXED | ARITH;
	fail_read_at = 0;
	CHECK_EQ(EMU(L64, 0, NULL, 0x39, 0x03), (u64)-EIO);
	CHECK_EQ(cpu.rflags, RFLAGS_FIXED | ARITH);
	fail_read_at = 1;
	fail_value = -EFAULT;
	CHECK_EQ(EMU(L64, 0, NULL, 0x0f, 0xba, 0x23, 0x01), (u64)-EFAULT);
	CHECK_EQ(cpu.rflags, RFLAGS_FIXED | ARITH);

	/* MOVS: the third read fails; two iterations stay done. */
	reset();
	cpu.regs[RSI] = 0x1000;
	cpu.regs[RDI] = MMIO;
	cpu.regs[RCX] = 5;
	fail_read_at = 2;
	CHECK_EQ(EMU(L64, 0, &next, 0xf3, 0xa4), (u64)-EIO);
	CHECK_EQ(nwrites, 2);
	CHECK_EQ(cpu.regs[RCX], 3);
	CHECK_EQ(cpu.regs[RSI], 0x1002);
	CHECK_EQ(cpu.regs[RDI], MMIO + 2);
	/* The first read fails: nothing at all. */
	reset();
	cpu.regs[RSI] = 0x1000;
	cpu.regs[RDI] = MMIO;
	cpu.regs[RCX] = 5;
	fail_read_at = 0;
	CHECK_EQ(EMU(L64, 0, &next, 0xf3, 0xa4), (u64)-EIO);
	CHECK_EQ(nwrites, 0);
	CHECK_EQ(cpu.regs[RCX], 5);
	CHECK_EQ(cpu.regs[RSI], 0x1000);
	CHECK_EQ(cpu.regs[RDI], MMIO);
}

TEST(write_error_aborts)
{
	u64 next = 0x1234;

	reset();
	cpu.regs[RBX] = MMIO;
	cpu.regs[RAX] = 1;
	cpu.rflags = RFLAGS_FIXED;
	fail_write_at = 0;
	CHECK_EQ(EMU(L64, 0, &next, 0x01, 0x03), (u64)-EIO);       /* add [rbx], eax */
	CHECK_EQ(cpu.rflags, RFLAGS_FIXED);                      /* flags untouched */
	CHECK_EQ(next, 0x1234);
	CHECK_EQ(mmio_get(0, 4), 0);
	fail_write_at = 1;
	CHECK_EQ(EMU(L64, 0, &next, 0x89, 0x03), (u64)-EIO);       /* mov [rbx], eax */
	/* A positive callback result is still an error. */
	reset();
	cpu.regs[RBX] = MMIO;
	fail_write_at = 0;
	fail_value = 1;
	CHECK_EQ(EMU(L64, 0, NULL, 0x89, 0x03), (u64)-EIO);
	/* STOS: the write of the second iteration fails. */
	reset();
	cpu.regs[RDI] = MMIO;
	cpu.regs[RCX] = 4;
	fail_write_at = 1;
	CHECK_EQ(EMU(L64, 0, &next, 0xf3, 0xaa), (u64)-EIO);
	CHECK_EQ(cpu.regs[RCX], 3);
	CHECK_EQ(cpu.regs[RDI], MMIO + 1);
	/* An address outside the fake memory: the callback's error. */
	reset();
	cpu.regs[RBX] = 0x40000000;
	CHECK_EQ(EMU(L64, 0, NULL, 0x8b, 0x03), (u64)-EFAULT);
}

TEST(inconsistent_insn)
{
	struct x86_insn i;
	u64 next;
	static const u8 mov[] = { 0x89, 0x03 };

	reset();
	cpu.regs[RBX] = MMIO;
	CHECK_EQ(x86_decode(mov, sizeof(mov), L64, &i), 0);
	/* Decoded for one mode, emulated in another. */
	CHECK_EQ(x86_emulate(&i, P32, 0, &ops, NULL, &next), (u64)-EINVAL);
	i.opsize = 3;
	CHECK_EQ(x86_emulate(&i, L64, 0, &ops, NULL, &next), (u64)-EINVAL);
	i.opsize = 4;
	i.reg = 16;
	CHECK_EQ(x86_emulate(&i, L64, 0, &ops, NULL, &next), (u64)-EINVAL);
	i.reg = 0;
	i.mem.base = 99;
	CHECK_EQ(x86_emulate(&i, L64, 0, &ops, NULL, &next), (u64)-EINVAL);
	i.mem.base = RBX;
	i.seg = 6;
	CHECK_EQ(x86_emulate(&i, L64, 0, &ops, NULL, &next), (u64)-EINVAL);
	i.seg = X86_SEG_DS;
	CHECK_EQ(x86_emulate(&i, L64, 0, &ops, NULL, &next), 0);
	CHECK_EQ(nstray + nreads, 0);
	CHECK_EQ(nwrites, 1);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(mov_store_sizes);
	RUN(mov_load_sizes);
	RUN(mov_high_byte_regs);
	RUN(mov_zero_extension_modes);
	RUN(mov_immediates);
	RUN(mov_moffs);
	RUN(movzx_movsx);
	RUN(alu_add);
	RUN(alu_sub);
	RUN(alu_and);
	RUN(alu_or);
	RUN(alu_xor);
	RUN(alu_cmp);
	RUN(alu_test);
	RUN(alu_high_byte_and_lock);
	RUN(bt_immediate);
	RUN(bt_register_offsets);
	RUN(stos_single);
	RUN(rep_stos_forward_backward);
	RUN(rep_zero_count);
	RUN(rep_bounded_iterations);
	RUN(rep_movs_forward_backward);
	RUN(rep_movs_address_size_wrap);
	RUN(string_segments);
	RUN(segments_and_wrap);
	RUN(rip_relative);
	RUN(read_error_aborts);
	RUN(write_error_aborts);
	RUN(inconsistent_insn);
	return harness_finish();
}
