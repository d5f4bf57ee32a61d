// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of vmm/insn/decode.c: instruction lengths (exits on
 * AMD-V without NRIP-save) and full decoding of MMIO instructions.
 *
 * Every call gets its bytes at the very end of a page followed by a
 * PROT_NONE guard page, with avail = the bytes supplied, so reading one
 * byte too far crashes the test instead of going unnoticed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/unit/harness.h"
#include "vmm/base/errno.h"
#include "vmm/insn/decode.h"

/* ---- The guard page ---- */

static u8 *page;  /* a readable page; the next one is PROT_NONE */
static long page_size;

static void guard_setup(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	page = mmap(NULL, 2 * (size_t)page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || mprotect(page + page_size, (size_t)page_size, PROT_NONE)) {
		perror("guard page");
		exit(2);
	}
}

/* Copies n bytes so that they end exactly at the guard page. */
static const u8 *at_end(const u8 *b, size_t n)
{
	u8 *p = page + page_size - n;

	memcpy(p, b, n);
	return p;
}

static int length_of(const u8 *b, size_t n, enum x86_mode mode)
{
	return x86_insn_length(at_end(b, n), n, mode);
}

static int decode(const u8 *b, size_t n, enum x86_mode mode, struct x86_insn *out)
{
	return x86_decode(at_end(b, n), n, mode, out);
}

#define R16 X86_MODE_REAL16
#define P16 X86_MODE_PROT16
#define P32 X86_MODE_PROT32
#define L64 X86_MODE_LONG64

#define BYTES(...) .n = sizeof((const u8[]){ __VA_ARGS__ }), .b = { __VA_ARGS__ }
#define D32 0x78, 0x56, 0x34, 0x12
#define D16 0x34, 0x12
#define I64 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11

/* ---- Instruction lengths ---- */

struct len_case {
	const char *name;
	enum x86_mode mode;
	int expect;  /* the length, or a negative error */
	u8 n;
	u8 b[20];
};

#define LEN(nm, md, ex, ...) { .name = nm, .mode = md, .expect = ex, BYTES(__VA_ARGS__) }
#define BAD(nm, md, ...) LEN(nm, md, -EINVAL, __VA_ARGS__)

static const struct len_case len_cases[] = {
	/* Instructions that cause exits. */
	LEN("cpuid", L64, 2, 0x0f, 0xa2),
	LEN("cpuid_real", R16, 2, 0x0f, 0xa2),
	LEN("rdmsr", L64, 2, 0x0f, 0x32),
	LEN("wrmsr", P32, 2, 0x0f, 0x30),
	LEN("rdtsc", L64, 2, 0x0f, 0x31),
	LEN("rdpmc", L64, 2, 0x0f, 0x33),
	LEN("rdtscp", L64, 3, 0x0f, 0x01, 0xf9),
	LEN("hlt", L64, 1, 0xf4),
	LEN("pause", L64, 2, 0xf3, 0x90),
	LEN("vmmcall", L64, 3, 0x0f, 0x01, 0xd9),
	LEN("vmcall", L64, 3, 0x0f, 0x01, 0xc1),
	LEN("vmrun", L64, 3, 0x0f, 0x01, 0xd8),
	LEN("vmload", L64, 3, 0x0f, 0x01, 0xda),
	LEN("stgi", L64, 3, 0x0f, 0x01, 0xdc),
	LEN("invlpga", L64, 3, 0x0f, 0x01, 0xdf),
	LEN("xsetbv", L64, 3, 0x0f, 0x01, 0xd1),
	LEN("monitor", L64, 3, 0x0f, 0x01, 0xc8),
	LEN("mwait", L64, 3, 0x0f, 0x01, 0xc9),
	LEN("swapgs", L64, 3, 0x0f, 0x01, 0xf8),
	LEN("invlpg_rax", L64, 3, 0x0f, 0x01, 0x38),
	LEN("invlpg_rip", L64, 7, 0x0f, 0x01, 0x3d, D32),
	LEN("invlpg_rsp_disp8", L64, 5, 0x0f, 0x01, 0x7c, 0x24, 0x08),
	LEN("invlpg_abs32", P32, 7, 0x0f, 0x01, 0x3d, D32),
	LEN("lgdt_rax", L64, 3, 0x0f, 0x01, 0x10),
	LEN("lidt_rip", L64, 7, 0x0f, 0x01, 0x1d, D32),
	LEN("lgdt_disp16_real", R16, 5, 0x0f, 0x01, 0x16, D16),
	LEN("lgdt_o32_real", R16, 6, 0x66, 0x0f, 0x01, 0x16, D16),
	LEN("sgdt_bx_si_prot16", P16, 3, 0x0f, 0x01, 0x00),
	LEN("smsw_reg", L64, 3, 0x0f, 0x01, 0xe0),
	LEN("lmsw_reg", L64, 3, 0x0f, 0x01, 0xf0),
	LEN("sldt_mem", L64, 3, 0x0f, 0x00, 0x00),
	LEN("ltr_reg", L64, 3, 0x0f, 0x00, 0xd8),
	LEN("verw_mem_disp8", L64, 4, 0x0f, 0x00, 0x68, 0x10),
	BAD("grp6_slash6", L64, 0x0f, 0x00, 0x30),
	BAD("grp6_slash7", L64, 0x0f, 0x00, 0x38),
	LEN("mov_from_cr0", L64, 3, 0x0f, 0x20, 0xc0),
	LEN("mov_to_cr3", L64, 3, 0x0f, 0x22, 0xd8),
	LEN("mov_from_cr8", L64, 4, 0x44, 0x0f, 0x20, 0xc0),
	/* MOV CR/DR ignore mod: mod=00 rm=101 is still a register, no disp32. */
	LEN("mov_cr_mod00_rm101", L64, 3, 0x0f, 0x22, 0x05),
	LEN("mov_cr_mod01", P32, 3, 0x0f, 0x20, 0x44),
	LEN("mov_from_dr7", L64, 3, 0x0f, 0x21, 0xf8),
	LEN("mov_to_dr0", P32, 3, 0x0f, 0x23, 0xc0),
	BAD("mov_tr_gone", P32, 0x0f, 0x24, 0xc0),
	LEN("in_al_imm8", L64, 2, 0xe4, 0x60),
	LEN("in_eax_imm8", L64, 2, 0xe5, 0x60),
	LEN("out_imm8_al", L64, 2, 0xe6, 0x80),
	LEN("out_imm8_eax", L64, 2, 0xe7, 0x80),
	LEN("in_al_dx", L64, 1, 0xec),
	LEN("in_ax_dx", L64, 2, 0x66, 0xed),
	LEN("out_dx_al", L64, 1, 0xee),
	LEN("out_dx_eax", P32, 1, 0xef),
	LEN("rep_outsb", L64, 2, 0xf3, 0x6e),
	LEN("rep_insw", R16, 2, 0xf3, 0x6d),
	LEN("invd", L64, 2, 0x0f, 0x08),
	LEN("wbinvd", L64, 2, 0x0f, 0x09),
	LEN("clts", P32, 2, 0x0f, 0x06),
	LEN("syscall", L64, 2, 0x0f, 0x05),
	LEN("sysretq", L64, 3, 0x48, 0x0f, 0x07),
	LEN("sysenter", P32, 2, 0x0f, 0x34),
	LEN("int3", L64, 1, 0xcc),
	LEN("int_imm8", L64, 2, 0xcd, 0x80),
	LEN("iretq", L64, 2, 0x48, 0xcf),
	LEN("invept", L64, 5, 0x66, 0x0f, 0x38, 0x80, 0x08),
	LEN("invpcid_rsp", L64, 6, 0x66, 0x0f, 0x38, 0x82, 0x0c, 0x24),
	LEN("vmread", L64, 3, 0x0f, 0x78, 0xc1),
	LEN("vmwrite_mem", L64, 4, 0x0f, 0x79, 0x41, 0x08),
	LEN("vmxon", L64, 4, 0xf3, 0x0f, 0xc7, 0x30),
	LEN("vmptrld", L64, 3, 0x0f, 0xc7, 0x30),
	LEN("rdrand", L64, 3, 0x0f, 0xc7, 0xf0),
	BAD("grp9_slash0", L64, 0x0f, 0xc7, 0x00),
	LEN("extrq_imm", L64, 6, 0x66, 0x0f, 0x78, 0xc0, 0x05, 0x06),
	LEN("insertq_imm", L64, 6, 0xf2, 0x0f, 0x78, 0xc1, 0x05, 0x06),
	BAD("f3_0f78", L64, 0xf3, 0x0f, 0x78, 0xc1),
	LEN("xsave_rax", L64, 3, 0x0f, 0xae, 0x20),
	LEN("lfence", L64, 3, 0x0f, 0xae, 0xe8),
	LEN("clflush", L64, 3, 0x0f, 0xae, 0x38),
	LEN("prefetch", L64, 3, 0x0f, 0x18, 0x08),
	LEN("nopl_5", L64, 5, 0x0f, 0x1f, 0x44, 0x00, 0x00),
	LEN("nopw_9", L64, 9, 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00),
	LEN("endbr64", L64, 4, 0xf3, 0x0f, 0x1e, 0xfa),
	LEN("ud2", L64, 2, 0x0f, 0x0b),
	LEN("ud1", L64, 3, 0x0f, 0xb9, 0xc0),
	LEN("xgetbv", L64, 3, 0x0f, 0x01, 0xd0),

	/* Legacy prefixes. */
	LEN("pfx_66", L64, 2, 0x66, 0x90),
	LEN("pfx_cs", L64, 3, 0x2e, 0x8b, 0x00),
	LEN("pfx_ss", P32, 3, 0x36, 0x8b, 0x00),
	LEN("pfx_ds", P32, 3, 0x3e, 0x8b, 0x00),
	LEN("pfx_es", P32, 3, 0x26, 0x8b, 0x00),
	LEN("pfx_fs", L64, 3, 0x64, 0x8b, 0x00),
	LEN("pfx_gs", L64, 3, 0x65, 0x8b, 0x00),
	LEN("pfx_67", L64, 3, 0x67, 0x8b, 0x00),
	LEN("pfx_lock", L64, 3, 0xf0, 0x01, 0x00),
	LEN("pfx_repne", L64, 2, 0xf2, 0xae),
	LEN("pfx_rep", L64, 2, 0xf3, 0xa4),
	LEN("pfx_many", L64, 6, 0x66, 0x67, 0xf3, 0x2e, 0x64, 0xa5),
	LEN("pfx_14_redundant", L64, 15, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90),
	BAD("pfx_15_redundant", L64, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90),
	BAD("pfx_only_15", P32, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
	    0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e),
	LEN("movabs_5pfx_15", L64, 15, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x48, 0xb8, I64),
	/* 16 bytes: too long, and known to be so before the immediate is read. */
	BAD("movabs_6pfx_16", L64, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x48, 0xb8, I64),
	BAD("movabs_6pfx_avail15", L64, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x48, 0xb8,
	    0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22),
	BAD("disp_imm_16", L64, 0x66, 0x66, 0x66, 0x66, 0x2e, 0x48, 0xc7, 0x84, 0x24, D32, D32),

	/* REX. */
	LEN("rex_w_mov", L64, 3, 0x48, 0x89, 0xc8),
	LEN("movabs_rax", L64, 10, 0x48, 0xb8, I64),
	LEN("movabs_r15", L64, 10, 0x49, 0xbf, I64),
	LEN("mov_r16_imm", L64, 4, 0x66, 0xb8, D16),
	LEN("mov_r32_imm", L64, 5, 0xb8, D32),
	LEN("mov_imm_rexw_beats_66", L64, 11, 0x66, 0x48, 0xb8, I64),
	/* REX then a legacy prefix: the REX is ignored (imm16 from 66). */
	LEN("rex_then_66_ignored", L64, 5, 0x48, 0x66, 0xb8, D16),
	LEN("two_rex_last_w", L64, 11, 0x41, 0x48, 0xb8, I64),
	LEN("two_rex_last_not_w", L64, 7, 0x48, 0x41, 0xb8, D32),
	LEN("rex_is_dec_in_32bit", P32, 1, 0x48),
	LEN("rex_is_inc_in_16bit", R16, 1, 0x40),
	BAD("rex_only_15", L64, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48,
	    0x48, 0x48, 0x48, 0x48, 0x48, 0x48),

	/* ModRM, SIB and displacements, 32/64-bit addressing. */
	LEN("modrm_reg", L64, 2, 0x8b, 0xc0),
	LEN("modrm_rax", L64, 2, 0x8b, 0x00),
	LEN("modrm_rsp_sib", L64, 3, 0x8b, 0x04, 0x24),
	LEN("modrm_r12_sib", L64, 4, 0x41, 0x8b, 0x04, 0x24),
	LEN("modrm_rbp_disp8", L64, 3, 0x8b, 0x45, 0x00),
	LEN("modrm_r13_disp8", L64, 4, 0x41, 0x8b, 0x45, 0x00),
	LEN("modrm_riprel", L64, 6, 0x8b, 0x05, D32),
	LEN("modrm_riprel_rexb", L64, 7, 0x41, 0x8b, 0x05, D32),
	LEN("modrm_eiprel_67", L64, 7, 0x67, 0x8b, 0x05, D32),
	LEN("sib_no_base_no_index", L64, 7, 0x8b, 0x04, 0x25, D32),
	LEN("sib_no_base_rexb", L64, 8, 0x41, 0x8b, 0x04, 0x25, D32),
	LEN("sib_index_no_base", L64, 7, 0x8b, 0x04, 0x85, D32),
	LEN("sib_rbp_base_mod01", L64, 4, 0x8b, 0x44, 0x25, 0x08),
	LEN("sib_disp8", L64, 4, 0x8b, 0x44, 0x24, 0x08),
	LEN("sib_disp32", L64, 7, 0x8b, 0x84, 0x24, D32),
	LEN("modrm_disp32", L64, 6, 0x8b, 0x80, D32),
	LEN("modrm_disp8", L64, 3, 0x8b, 0x40, 0x08),
	LEN("abs_disp32_prot32", P32, 6, 0x8b, 0x05, D32),
	LEN("addr16_in_prot32", P32, 5, 0x67, 0x8b, 0x06, D16),
	LEN("addr16_bp_in_prot32", P32, 4, 0x67, 0x8b, 0x46, 0x08),

	/* 16-bit addressing. */
	LEN("a16_bx_si", R16, 2, 0x8b, 0x00),
	LEN("a16_disp16", R16, 4, 0x8b, 0x06, D16),
	LEN("a16_bp_disp8", R16, 3, 0x8b, 0x46, 0x08),
	LEN("a16_bp_disp16", P16, 4, 0x8b, 0x86, D16),
	LEN("a16_bx_di_disp8", R16, 3, 0x8b, 0x41, 0x08),
	LEN("a16_no_sib_rm100", R16, 2, 0x8b, 0x04),
	LEN("a32_in_real_sib", R16, 4, 0x67, 0x8b, 0x04, 0x24),
	LEN("a32_in_real_abs", R16, 7, 0x67, 0x8b, 0x05, D32),

	/* moffs: address-sized offsets. */
	LEN("moffs64_load", L64, 9, 0xa1, I64),
	LEN("moffs64_load_rexw", L64, 10, 0x48, 0xa1, I64),
	LEN("moffs64_store8", L64, 9, 0xa2, I64),
	LEN("moffs64_store16", L64, 10, 0x66, 0xa3, I64),
	LEN("moffs32_in_64_via_67", L64, 6, 0x67, 0xa0, D32),
	LEN("moffs32_prot32", P32, 5, 0xa1, D32),
	LEN("moffs16_prot32_67", P32, 4, 0x67, 0xa1, D16),
	LEN("moffs16_real", R16, 3, 0xa1, D16),
	LEN("moffs32_real_67", R16, 6, 0x67, 0xa3, D32),

	/* Immediates. */
	LEN("mov_rm32_imm32", L64, 6, 0xc7, 0x00, D32),
	LEN("mov_rm16_imm16", L64, 5, 0x66, 0xc7, 0x00, D16),
	LEN("mov_rm64_imm32", L64, 7, 0x48, 0xc7, 0x00, D32),
	LEN("mov_rm8_imm8", L64, 3, 0xc6, 0x00, 0x01),
	LEN("mov_rm16_imm16_real", R16, 4, 0xc7, 0x07, D16),
	LEN("mov_rm32_imm32_real66", R16, 7, 0x66, 0xc7, 0x07, D32),
	LEN("xbegin", L64, 6, 0xc7, 0xf8, D32),
	LEN("xabort", L64, 3, 0xc6, 0xf8, 0x01),
	BAD("grp11_slash1", L64, 0xc7, 0xc8, D32),
	LEN("grp1_81", L64, 6, 0x81, 0xc0, D32),
	LEN("grp1_81_o16", L64, 5, 0x66, 0x81, 0xc0, D16),
	LEN("grp1_83", L64, 3, 0x83, 0xc0, 0x01),
	LEN("grp1_80", L64, 3, 0x80, 0x00, 0x01),
	BAD("grp1_82_64", L64, 0x82, 0xc0, 0x01),
	LEN("grp1_82_32", P32, 3, 0x82, 0xc0, 0x01),
	LEN("test_f6_imm8", L64, 3, 0xf6, 0x00, 0x01),
	LEN("test_f6_slash1", L64, 3, 0xf6, 0x08, 0x01),
	LEN("not_f6_no_imm", L64, 2, 0xf6, 0x10),
	LEN("neg_f6_no_imm", L64, 2, 0xf6, 0x18),
	LEN("test_f7_imm32", L64, 6, 0xf7, 0x00, D32),
	LEN("test_f7_imm16", L64, 5, 0x66, 0xf7, 0x00, D16),
	LEN("test_f7_rexw_imm32", L64, 7, 0x48, 0xf7, 0xc0, D32),
	LEN("neg_f7_no_imm", L64, 2, 0xf7, 0xd8),
	LEN("div_f7_no_imm", L64, 2, 0xf7, 0xf0),
	LEN("test_f7_sib_disp32_imm32", L64, 11, 0xf7, 0x84, 0x24, D32, D32),
	LEN("enter", L64, 4, 0xc8, 0x10, 0x00, 0x01),
	LEN("ret_imm16", L64, 3, 0xc2, 0x08, 0x00),
	LEN("retf_imm16", L64, 3, 0xca, 0x08, 0x00),
	LEN("push_imm32", L64, 5, 0x68, D32),
	LEN("push_imm16", L64, 4, 0x66, 0x68, D16),
	LEN("push_imm8", L64, 2, 0x6a, 0x01),
	LEN("imul_imm32", L64, 6, 0x69, 0xc0, D32),
	LEN("imul_imm8", L64, 3, 0x6b, 0xc0, 0x01),
	LEN("shl_imm8", L64, 3, 0xc1, 0xe0, 0x04),
	LEN("alu_al_imm8", L64, 2, 0x24, 0x01),
	LEN("alu_eax_imm32", L64, 5, 0x25, D32),
	LEN("alu_ax_imm16", L64, 4, 0x66, 0x25, D16),
	LEN("test_al_imm8", L64, 2, 0xa8, 0x01),
	LEN("mov_r8_imm8", L64, 2, 0xb0, 0x01),
	LEN("call_rel32", L64, 5, 0xe8, D32),
	LEN("jmp_rel32", L64, 5, 0xe9, D32),
	LEN("jmp_rel8", L64, 2, 0xeb, 0xfe),
	LEN("jcc_rel8", L64, 2, 0x74, 0x00),
	LEN("jcc_rel32", L64, 6, 0x0f, 0x84, D32),
	LEN("loop_rel8", L64, 2, 0xe2, 0xfe),
	/* 66 on near branches in 64-bit mode: Intel ignores it (rel32); see vmm/insn/decode.c. */
	LEN("call_rel32_o16_64", L64, 6, 0x66, 0xe8, D32),
	LEN("jcc_rel32_o16_64", L64, 7, 0x66, 0x0f, 0x84, D32),
	LEN("jmp_rel16_o16_32", P32, 4, 0x66, 0xe9, D16),
	LEN("call_rel16_real", R16, 3, 0xe8, D16),
	LEN("call_rel32_real66", R16, 6, 0x66, 0xe8, D32),
	LEN("jcc_rel16_real", R16, 4, 0x0f, 0x84, D16),
	LEN("callf_ptr16_32", P32, 7, 0x9a, D32, D16),
	LEN("callf_ptr16_16", R16, 5, 0x9a, D16, D16),
	LEN("jmpf_ptr16_32_o32_real", R16, 8, 0x66, 0xea, D32, D16),
	BAD("callf_ptr_64", L64, 0x9a, D32, D16),
	BAD("jmpf_ptr_64", L64, 0xea, D32, D16),
	LEN("callf_indirect_mem", L64, 2, 0xff, 0x18),
	BAD("callf_indirect_reg", L64, 0xff, 0xd8),
	BAD("grp5_slash7", L64, 0xff, 0x38),
	BAD("grp4_slash2", L64, 0xfe, 0x10),
	LEN("bt_imm8", L64, 4, 0x0f, 0xba, 0xe0, 0x05),
	LEN("bt_mem_imm8", L64, 4, 0x0f, 0xba, 0x20, 0x05),
	BAD("grp8_slash0", L64, 0x0f, 0xba, 0x00, 0x05),
	LEN("shld_imm8", L64, 4, 0x0f, 0xa4, 0xc0, 0x04),
	LEN("aam_32", P32, 2, 0xd4, 0x0a),
	BAD("aam_64", L64, 0xd4, 0x0a),
	LEN("aad_32", P32, 2, 0xd5, 0x0a),
	LEN("pshufw_imm8", L64, 4, 0x0f, 0x70, 0xc1, 0x1b),
	LEN("palignr_mmx", L64, 5, 0x0f, 0x3a, 0x0f, 0xc1, 0x08),
	LEN("palignr_xmm", L64, 6, 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08),
	LEN("pshufb_xmm", L64, 5, 0x66, 0x0f, 0x38, 0x00, 0xc1),
	LEN("crc32", L64, 5, 0xf2, 0x0f, 0x38, 0xf1, 0xc1),
	LEN("pclmulqdq_riprel", L64, 10, 0x66, 0x0f, 0x3a, 0x44, 0x05, D32, 0x00),
	LEN("x87_fld_mem", L64, 2, 0xd9, 0x00),
	LEN("x87_fadd_reg", L64, 2, 0xd8, 0xc1),
	LEN("fwait_alone", L64, 1, 0x9b),

	/* VEX, EVEX, XOP, 3DNow!. */
	LEN("vex2_vzeroupper", L64, 3, 0xc5, 0xf8, 0x77),
	LEN("vex2_vzeroall", L64, 3, 0xc5, 0xfc, 0x77),
	LEN("vex2_vmovdqa_load", L64, 4, 0xc5, 0xf9, 0x6f, 0x00),
	LEN("vex2_vpshufd_imm8", L64, 5, 0xc5, 0xfd, 0x70, 0xc1, 0x1b),
	LEN("vex2_vcmpps_imm8", L64, 5, 0xc5, 0xf8, 0xc2, 0xc1, 0x01),
	LEN("vex3_map2", L64, 5, 0xc4, 0xe2, 0x79, 0x00, 0xc1),
	LEN("vex3_map3_imm8", L64, 6, 0xc4, 0xe3, 0x79, 0x0f, 0xc1, 0x08),
	LEN("vex3_vmovq", L64, 5, 0xc4, 0xe1, 0xf9, 0x7e, 0xc0),
	LEN("vex3_riprel", L64, 9, 0xc4, 0xe2, 0x7d, 0x18, 0x05, D32),
	LEN("vex3_vzeroupper", L64, 4, 0xc4, 0xe1, 0x78, 0x77),
	BAD("vex3_map0", L64, 0xc4, 0xe0, 0x79, 0x00, 0xc1),
	BAD("vex3_map4", L64, 0xc4, 0xe4, 0x79, 0x00, 0xc1),
	BAD("vex_after_66", L64, 0x66, 0xc5, 0xf8, 0x77),
	BAD("vex_after_f3", L64, 0xf3, 0xc5, 0xf8, 0x77),
	BAD("vex_after_lock", L64, 0xf0, 0xc5, 0xf8, 0x77),
	BAD("vex_after_rex", L64, 0x48, 0xc5, 0xf8, 0x77),
	LEN("vex_after_seg", L64, 4, 0x2e, 0xc5, 0xf8, 0x77),
	LEN("evex_zmm_load", L64, 6, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x00),
	LEN("evex_disp8", L64, 7, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x40, 0x01),
	LEN("evex_sib", L64, 7, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x04, 0x24),
	LEN("evex_map3_imm8", L64, 7, 0x62, 0xf3, 0x7d, 0x48, 0x0f, 0xc1, 0x08),
	LEN("evex_map5_fp16", L64, 6, 0x62, 0xf5, 0x7c, 0x48, 0x58, 0xc1),
	BAD("evex_p1_bit2_clear", L64, 0x62, 0xf1, 0x78, 0x48, 0x10, 0x00),
	BAD("evex_map0", L64, 0x62, 0xf0, 0x7c, 0x48, 0x10, 0x00),
	LEN("evex_in_32bit", P32, 6, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x00),
	LEN("bound_in_32bit", P32, 2, 0x62, 0x00),
	LEN("bound_disp32_32bit", P32, 6, 0x62, 0x05, D32),
	LEN("les_in_32bit", P32, 2, 0xc4, 0x00),
	LEN("lds_disp32_32bit", P32, 6, 0xc5, 0x05, D32),
	LEN("vex2_in_32bit", P32, 3, 0xc5, 0xf8, 0x77),
	LEN("vex3_in_32bit", P32, 5, 0xc4, 0xe2, 0x79, 0x00, 0xc1),
	LEN("les_in_16bit", P16, 2, 0xc4, 0x00),
	LEN("vex_in_prot16", P16, 3, 0xc5, 0xf8, 0x77),
	LEN("les_real", R16, 4, 0xc4, 0x06, D16),
	BAD("vex_real", R16, 0xc5, 0xf8, 0x77),
	BAD("les_is_vex_in_64", L64, 0xc4, 0x00, 0x00, 0x00),
	LEN("xop_map8_imm8", L64, 6, 0x8f, 0xe8, 0x78, 0xc0, 0xc1, 0x05),
	LEN("xop_map9", L64, 5, 0x8f, 0xe9, 0x78, 0x81, 0xc1),
	LEN("xop_map10_imm32", L64, 9, 0x8f, 0xea, 0x78, 0x10, 0xc0, D32),
	LEN("xop_in_32bit", P32, 6, 0x8f, 0xe8, 0x78, 0xc0, 0xc1, 0x05),
	BAD("xop_map11", L64, 0x8f, 0xeb, 0x78, 0x10, 0xc0),
	LEN("pop_rm_reg", L64, 2, 0x8f, 0xc0),
	LEN("pop_rm_mem", L64, 2, 0x8f, 0x00),
	LEN("pop_rm_disp8", P32, 3, 0x8f, 0x40, 0x08),
	BAD("pop_rm_slash4", L64, 0x8f, 0x20),
	LEN("3dnow_pfadd", L64, 4, 0x0f, 0x0f, 0xc1, 0x9e),
	LEN("3dnow_pfmul_disp8", L64, 5, 0x0f, 0x0f, 0x40, 0x08, 0xb4),
	LEN("3dnow_riprel", L64, 8, 0x0f, 0x0f, 0x05, D32, 0x9e),
	LEN("3dnow_sib", P32, 5, 0x0f, 0x0f, 0x04, 0x24, 0xbf),
	BAD("3dnow_bad_suffix", L64, 0x0f, 0x0f, 0xc1, 0x00),
	LEN("femms", L64, 2, 0x0f, 0x0e),

	/* Undefined opcodes and modes. */
	BAD("ud0", L64, 0x0f, 0xff, 0xc0),
	BAD("0f04", L64, 0x0f, 0x04),
	BAD("0f0a", L64, 0x0f, 0x0a),
	BAD("0f0c", L64, 0x0f, 0x0c),
	BAD("0f36", L64, 0x0f, 0x36),
	BAD("0f39", L64, 0x0f, 0x39),
	BAD("0f3b", L64, 0x0f, 0x3b),
	BAD("0f7a", L64, 0x0f, 0x7a, 0xc0),
	BAD("0fa6", P32, 0x0f, 0xa6, 0xc0),
	BAD("0f38_ff", L64, 0x0f, 0x38, 0xff, 0xc0),
	BAD("0f38_50", L64, 0x0f, 0x38, 0x50, 0xc0),
	BAD("0f3a_ff", L64, 0x0f, 0x3a, 0xff, 0xc0, 0x00),
	BAD("0f3a_00", L64, 0x0f, 0x3a, 0x00, 0xc0, 0x00),
	BAD("salc_64", L64, 0xd6),
	LEN("salc_32", P32, 1, 0xd6),
	BAD("push_es_64", L64, 0x06),
	LEN("push_es_32", P32, 1, 0x06),
	BAD("pop_ds_64", L64, 0x1f),
	BAD("daa_64", L64, 0x27),
	BAD("aas_64", L64, 0x3f),
	BAD("pusha_64", L64, 0x60),
	LEN("pusha_16", R16, 1, 0x60),
	BAD("into_64", L64, 0xce),
	LEN("into_32", P32, 1, 0xce),
	BAD("lea_reg", L64, 0x8d, 0xc0),
	LEN("lea_mem", L64, 3, 0x8d, 0x40, 0x08),
	BAD("mov_to_cs", L64, 0x8e, 0xc8),
	LEN("mov_to_ds", P32, 2, 0x8e, 0xd8),
	BAD("mov_from_sreg6", L64, 0x8c, 0xf0),
	BAD("lss_reg", L64, 0x0f, 0xb2, 0xc0),
	LEN("movsxd", L64, 3, 0x48, 0x63, 0xc1),
	LEN("arpl", P32, 2, 0x63, 0xc1),
};

/* One row of len_cases (arg); every row is a case of its own. */
static void check_len_case(void *arg)
{
	const struct len_case *c = arg;
	int ret = length_of(c->b, c->n, c->mode);

	CHECK_EQ(ret, c->expect);
	if (c->expect > 0) {
		/* Supplied exactly; every shorter prefix must ask for more. */
		CHECK_EQ(c->n, c->expect);
		for (size_t k = 0; k < c->n; k++) {
			int r = length_of(c->b, k, c->mode);

			if (r != -E2BIG)
				harness_fail(__FILE__, __LINE__,
					     "truncated to %zu bytes: %d, expected -E2BIG", k, r);
		}
	}
}

/* ---- Full decoding ---- */

#define NONE X86_REG_NONE
#define MR X86_FORM_MEM_REG
#define RM X86_FORM_REG_MEM
#define MI X86_FORM_MEM_IMM
#define STR X86_FORM_STRING

struct dec_case {
	const char *name;
	enum x86_mode mode;
	int ret;
	u8 n;
	u8 b[20];
	/* Expected fields when ret == 0 (len is n). */
	enum x86_op op;
	enum x86_form form;
	u8 opsize, src_size, addr_size, seg;
	bool seg_override;
	u8 rep;
	bool lock;
	u8 rex;  /* checked when non-zero */
	s8 reg;
	bool high;
	s8 base, index;
	u8 scale;
	bool rip_rel;
	s64 disp;
	u64 imm;
};

/* Shorthands: sizes (op, src, addr), register operand, memory operand. */
#define SZ(o, s, a) .opsize = (o), .src_size = (s), .addr_size = (a)
#define REG(r) .reg = (r)
#define HREG(r) .reg = (r), .high = true
#define MEM(b_, i_, s_, d_) .base = (b_), .index = (i_), .scale = (s_), .disp = (d_)
#define SEG(s) .seg = X86_SEG_##s
#define OP(o, f) .op = X86_OP_##o, .form = (f)
#define DEC(nm, md, ...) { .name = nm, .mode = md, __VA_ARGS__ }
#define DERR(nm, md, err, ...) { .name = nm, .mode = md, .ret = (err), BYTES(__VA_ARGS__) }

static const struct dec_case dec_cases[] = {
	/* MOV */
	DEC("mov_store32", L64, BYTES(0x89, 0x03), OP(MOV, MR), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("mov_store64", L64, BYTES(0x48, 0x89, 0x03), OP(MOV, MR), SZ(8, 8, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("mov_store16", L64, BYTES(0x66, 0x89, 0x03), OP(MOV, MR), SZ(2, 2, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("mov_store_ah", L64, BYTES(0x88, 0x23), OP(MOV, MR), SZ(1, 1, 8), HREG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("mov_store_bh", P32, BYTES(0x88, 0x3b), OP(MOV, MR), SZ(1, 1, 4), HREG(3),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("mov_store_spl_rex", L64, BYTES(0x40, 0x88, 0x23), OP(MOV, MR), SZ(1, 1, 8), REG(4),
	    MEM(3, NONE, 1, 0), SEG(DS), .rex = 0x40),
	DEC("mov_store_r8b", L64, BYTES(0x44, 0x88, 0x03), OP(MOV, MR), SZ(1, 1, 8), REG(8),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("mov_load_bh", L64, BYTES(0x8a, 0x3b), OP(MOV, RM), SZ(1, 1, 8), HREG(3),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("mov_load_riprel", L64, BYTES(0x8b, 0x05, 0x10, 0x00, 0x00, 0x00), OP(MOV, RM),
	    SZ(4, 4, 8), REG(0), MEM(NONE, NONE, 1, 0x10), .rip_rel = true, SEG(DS)),
	DEC("mov_load_riprel_neg", L64, BYTES(0x48, 0x8b, 0x0d, 0xf0, 0xff, 0xff, 0xff),
	    OP(MOV, RM), SZ(8, 8, 8), REG(1), MEM(NONE, NONE, 1, -16), .rip_rel = true, SEG(DS)),
	DEC("mov_load_eiprel_67", L64, BYTES(0x67, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00),
	    OP(MOV, RM), SZ(4, 4, 4), REG(0), MEM(NONE, NONE, 1, 0x10), .rip_rel = true,
	    SEG(DS)),
	DEC("mov_load_abs32_prot32", P32, BYTES(0x8b, 0x05, 0x30, 0x00, 0xe0, 0xfe),
	    OP(MOV, RM), SZ(4, 4, 4), REG(0), MEM(NONE, NONE, 1, (s32)0xfee00030), SEG(DS)),
	DEC("mov_load_r12_base", L64, BYTES(0x45, 0x8b, 0x0c, 0x24), OP(MOV, RM), SZ(4, 4, 8),
	    REG(9), MEM(12, NONE, 1, 0), SEG(DS)),
	DEC("mov_load_r13_base", L64, BYTES(0x41, 0x8b, 0x45, 0x00), OP(MOV, RM), SZ(4, 4, 8),
	    REG(0), MEM(13, NONE, 1, 0), SEG(DS)),
	DEC("sib_no_base_no_index", L64, BYTES(0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00),
	    OP(MOV, RM), SZ(4, 4, 8), REG(0), MEM(NONE, NONE, 1, 0x1000), SEG(DS)),
	DEC("sib_rexx_index_r12", L64, BYTES(0x42, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00),
	    OP(MOV, RM), SZ(4, 4, 8), REG(0), MEM(NONE, 12, 1, 0x1000), SEG(DS)),
	DEC("sib_rbp_index4_disp8", L64, BYTES(0x8b, 0x44, 0x8d, 0xf0), OP(MOV, RM),
	    SZ(4, 4, 8), REG(0), MEM(5, 1, 4, -16), SEG(SS)),
	DEC("sib_r13_r12x8", L64, BYTES(0x4b, 0x8b, 0x44, 0xe5, 0x08), OP(MOV, RM),
	    SZ(8, 8, 8), REG(0), MEM(13, 12, 8, 8), SEG(DS), .rex = 0x4b),
	DEC("sib_index_no_base", P32, BYTES(0x8b, 0x04, 0x8d, 0x00, 0x01, 0x00, 0x00),
	    OP(MOV, RM), SZ(4, 4, 4), REG(0), MEM(NONE, 1, 4, 0x100), SEG(DS)),
	DEC("esp_base_ss", P32, BYTES(0x8b, 0x44, 0x24, 0x04), OP(MOV, RM), SZ(4, 4, 4),
	    REG(0), MEM(4, NONE, 1, 4), SEG(SS)),
	DEC("addr32_in_64", L64, BYTES(0x67, 0x8b, 0x03), OP(MOV, RM), SZ(4, 4, 4), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("fs_override", L64, BYTES(0x64, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00),
	    OP(MOV, RM), SZ(4, 4, 8), REG(0), MEM(NONE, NONE, 1, 0), SEG(FS),
	    .seg_override = true),
	DEC("gs_override_rexw", L64,
	    BYTES(0x65, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00), OP(MOV, RM),
	    SZ(8, 8, 8), REG(0), MEM(NONE, NONE, 1, 0x28), SEG(GS), .seg_override = true,
	    .rex = 0x48),
	DEC("es_override_64", L64, BYTES(0x26, 0x89, 0x03), OP(MOV, MR), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(ES), .seg_override = true),
	DEC("rex_before_66_ignored", L64, BYTES(0x48, 0x66, 0x89, 0x03), OP(MOV, MR),
	    SZ(2, 2, 8), REG(0), MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("o16_in_prot32", P32, BYTES(0x66, 0x89, 0x03), OP(MOV, MR), SZ(2, 2, 4), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	/* 16-bit addressing */
	DEC("a16_bx_si", R16, BYTES(0x8b, 0x00), OP(MOV, RM), SZ(2, 2, 2), REG(0),
	    MEM(3, 6, 1, 0), SEG(DS)),
	DEC("a16_bp_si_disp8", R16, BYTES(0x89, 0x42, 0x10), OP(MOV, MR), SZ(2, 2, 2), REG(0),
	    MEM(5, 6, 1, 0x10), SEG(SS)),
	DEC("a16_bp_di_disp16", P16, BYTES(0x89, 0x83, 0x00, 0x80), OP(MOV, MR), SZ(2, 2, 2),
	    REG(0), MEM(5, 7, 1, -0x8000), SEG(SS)),
	DEC("a16_disp16", R16, BYTES(0x8b, 0x06, 0x00, 0xfe), OP(MOV, RM), SZ(2, 2, 2), REG(0),
	    MEM(NONE, NONE, 1, -0x200), SEG(DS)),
	DEC("a16_bp_disp8_al", R16, BYTES(0x8a, 0x46, 0xff), OP(MOV, RM), SZ(1, 1, 2), REG(0),
	    MEM(5, NONE, 1, -1), SEG(SS)),
	DEC("a16_si", R16, BYTES(0x88, 0x24), OP(MOV, MR), SZ(1, 1, 2), HREG(0),
	    MEM(NONE, 6, 1, 0), SEG(DS)),
	DEC("a16_di", R16, BYTES(0x88, 0x05), OP(MOV, MR), SZ(1, 1, 2), REG(0),
	    MEM(NONE, 7, 1, 0), SEG(DS)),
	DEC("a16_bx", R16, BYTES(0x66, 0x8b, 0x07), OP(MOV, RM), SZ(4, 4, 2), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("a16_bp_ds_override", R16, BYTES(0x3e, 0x8b, 0x46, 0x00), OP(MOV, RM),
	    SZ(2, 2, 2), REG(0), MEM(5, NONE, 1, 0), SEG(DS), .seg_override = true),
	DEC("a16_in_prot32", P32, BYTES(0x67, 0x8b, 0x01), OP(MOV, RM), SZ(4, 4, 2), REG(0),
	    MEM(3, 7, 1, 0), SEG(DS)),
	/* MOV immediate */
	DEC("mov_imm32_sext", L64, BYTES(0xc7, 0x00, 0xff, 0xff, 0xff, 0xff), OP(MOV, MI),
	    SZ(4, 4, 8), REG(NONE), MEM(0, NONE, 1, 0), SEG(DS), .imm = ~0ULL),
	DEC("mov_imm64_pos", L64, BYTES(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0x7f),
	    OP(MOV, MI), SZ(8, 8, 8), REG(NONE), MEM(0, NONE, 1, 0), SEG(DS),
	    .imm = 0x7fffffff, .rex = 0x48),
	DEC("mov_imm64_neg", L64, BYTES(0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80),
	    OP(MOV, MI), SZ(8, 8, 8), REG(NONE), MEM(0, NONE, 1, 0), SEG(DS),
	    .imm = 0xffffffff80000000ULL, .rex = 0x48),
	DEC("mov_imm16", L64, BYTES(0x66, 0xc7, 0x00, 0x34, 0x12), OP(MOV, MI), SZ(2, 2, 8),
	    REG(NONE), MEM(0, NONE, 1, 0), SEG(DS), .imm = 0x1234),
	DEC("mov_imm8_disp8", L64, BYTES(0xc6, 0x40, 0x10, 0xab), OP(MOV, MI), SZ(1, 1, 8),
	    REG(NONE), MEM(0, NONE, 1, 0x10), SEG(DS), .imm = 0xffffffffffffffabULL),
	DEC("mov_imm_sib_disp32", L64,
	    BYTES(0xc7, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
	    OP(MOV, MI), SZ(4, 4, 8), REG(NONE), MEM(4, NONE, 1, 0x100), SEG(SS),
	    .imm = 0x12345678),
	/* moffs */
	DEC("moffs64_load", L64, BYTES(0xa1, I64), OP(MOV, RM), SZ(4, 4, 8), REG(0),
	    MEM(NONE, NONE, 1, 0x1122334455667788LL), SEG(DS)),
	DEC("moffs64_store_rexw", L64, BYTES(0x48, 0xa3, I64), OP(MOV, MR), SZ(8, 8, 8),
	    REG(0), MEM(NONE, NONE, 1, 0x1122334455667788LL), SEG(DS), .rex = 0x48),
	DEC("moffs32_67_byte", L64, BYTES(0x67, 0xa0, 0x30, 0x00, 0xe0, 0xfe), OP(MOV, RM),
	    SZ(1, 1, 4), REG(0), MEM(NONE, NONE, 1, 0xfee00030), SEG(DS)),
	DEC("moffs32_prot32_fs", P32, BYTES(0x64, 0xa3, 0x30, 0x00, 0xe0, 0xfe), OP(MOV, MR),
	    SZ(4, 4, 4), REG(0), MEM(NONE, NONE, 1, 0xfee00030), SEG(FS),
	    .seg_override = true),
	DEC("moffs16_real", R16, BYTES(0xa2, 0x00, 0x80), OP(MOV, MR), SZ(1, 1, 2), REG(0),
	    MEM(NONE, NONE, 1, 0x8000), SEG(DS)),
	/* MOVZX/MOVSX/MOVSXD */
	DEC("movzx_byte", L64, BYTES(0x0f, 0xb6, 0x03), OP(MOVZX, RM), SZ(4, 1, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("movzx_word_rexw", L64, BYTES(0x48, 0x0f, 0xb7, 0x0b), OP(MOVZX, RM), SZ(8, 2, 8),
	    REG(1), MEM(3, NONE, 1, 0), SEG(DS), .rex = 0x48),
	DEC("movzx_byte_o16", L64, BYTES(0x66, 0x0f, 0xb6, 0x03), OP(MOVZX, RM), SZ(2, 1, 8),
	    REG(0), MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("movzx_r15", L64, BYTES(0x44, 0x0f, 0xb6, 0x3b), OP(MOVZX, RM), SZ(4, 1, 8),
	    REG(15), MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("movsx_byte", L64, BYTES(0x0f, 0xbe, 0x03), OP(MOVSX, RM), SZ(4, 1, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("movsx_word_rexw", L64, BYTES(0x48, 0x0f, 0xbf, 0x03), OP(MOVSX, RM), SZ(8, 2, 8),
	    REG(0), MEM(3, NONE, 1, 0), SEG(DS), .rex = 0x48),
	DEC("movsxd", L64, BYTES(0x48, 0x63, 0x03), OP(MOVSX, RM), SZ(8, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS), .rex = 0x48),
	DEC("movsxd_no_rexw", L64, BYTES(0x63, 0x03), OP(MOVSX, RM), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DERR("arpl_32", P32, -ENOTSUP, 0x63, 0x03),
	/* STOS/MOVS */
	DEC("stosb", L64, BYTES(0xaa), OP(STOS, STR), SZ(1, 1, 8), REG(0), SEG(ES)),
	DEC("rep_stosq", L64, BYTES(0xf3, 0x48, 0xab), OP(STOS, STR), SZ(8, 8, 8), REG(0),
	    SEG(ES), .rep = X86_REP_F3, .rex = 0x48),
	DEC("rep_stosw_real", R16, BYTES(0xf3, 0xab), OP(STOS, STR), SZ(2, 2, 2), REG(0),
	    SEG(ES), .rep = X86_REP_F3),
	DEC("stos_override_ignored", P32, BYTES(0x2e, 0xaa), OP(STOS, STR), SZ(1, 1, 4),
	    REG(0), SEG(ES), .seg_override = true),
	DEC("rep_movsd", L64, BYTES(0xf3, 0xa5), OP(MOVS, STR), SZ(4, 4, 8), REG(0), SEG(DS),
	    .rep = X86_REP_F3),
	DEC("rep_movsb_a32", L64, BYTES(0xf3, 0x67, 0xa4), OP(MOVS, STR), SZ(1, 1, 4), REG(0),
	    SEG(DS), .rep = X86_REP_F3),
	DEC("movsb_fs_source", L64, BYTES(0x64, 0xa4), OP(MOVS, STR), SZ(1, 1, 8), REG(0),
	    SEG(FS), .seg_override = true),
	/* Logic, arithmetic, compare */
	DEC("and_mr", L64, BYTES(0x21, 0x03), OP(AND, MR), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("and_rm", L64, BYTES(0x23, 0x03), OP(AND, RM), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("and_byte_mr", L64, BYTES(0x20, 0x03), OP(AND, MR), SZ(1, 1, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("and_imm32", L64, BYTES(0x81, 0x23, 0x00, 0xff, 0xff, 0xff), OP(AND, MI),
	    SZ(4, 4, 8), REG(NONE), MEM(3, NONE, 1, 0), SEG(DS), .imm = 0xffffffffffffff00ULL),
	DEC("and_imm8_rexw", L64, BYTES(0x48, 0x83, 0x23, 0xf0), OP(AND, MI), SZ(8, 8, 8),
	    REG(NONE), MEM(3, NONE, 1, 0), SEG(DS), .imm = 0xfffffffffffffff0ULL, .rex = 0x48),
	DEC("or_mr", L64, BYTES(0x09, 0x03), OP(OR, MR), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("or_rm_byte_ch", L64, BYTES(0x0a, 0x2b), OP(OR, RM), SZ(1, 1, 8), HREG(1),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("or_imm8_sext", L64, BYTES(0x83, 0x0b, 0xff), OP(OR, MI), SZ(4, 4, 8), REG(NONE),
	    MEM(3, NONE, 1, 0), SEG(DS), .imm = ~0ULL),
	DEC("lock_or", L64, BYTES(0xf0, 0x09, 0x03), OP(OR, MR), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS), .lock = true),
	DEC("xor_mr", L64, BYTES(0x31, 0x03), OP(XOR, MR), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("xor_rm", L64, BYTES(0x33, 0x03), OP(XOR, RM), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("xor_byte_imm", L64, BYTES(0x80, 0x33, 0x0f), OP(XOR, MI), SZ(1, 1, 8), REG(NONE),
	    MEM(3, NONE, 1, 0), SEG(DS), .imm = 0x0f),
	DEC("add_mr", L64, BYTES(0x01, 0x03), OP(ADD, MR), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("add_rm", L64, BYTES(0x03, 0x03), OP(ADD, RM), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("add_imm8", L64, BYTES(0x83, 0x03, 0x01), OP(ADD, MI), SZ(4, 4, 8), REG(NONE),
	    MEM(3, NONE, 1, 0), SEG(DS), .imm = 1),
	DEC("lock_add_imm", L64, BYTES(0xf0, 0x83, 0x03, 0x01), OP(ADD, MI), SZ(4, 4, 8),
	    REG(NONE), MEM(3, NONE, 1, 0), SEG(DS), .imm = 1, .lock = true),
	DEC("sub_mr", L64, BYTES(0x29, 0x03), OP(SUB, MR), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("sub_rm", L64, BYTES(0x2b, 0x03), OP(SUB, RM), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("sub_imm8", L64, BYTES(0x83, 0x2b, 0x01), OP(SUB, MI), SZ(4, 4, 8), REG(NONE),
	    MEM(3, NONE, 1, 0), SEG(DS), .imm = 1),
	DEC("cmp_mr", L64, BYTES(0x39, 0x03), OP(CMP, MR), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("cmp_rm", L64, BYTES(0x3b, 0x03), OP(CMP, RM), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("cmp_imm8", L64, BYTES(0x83, 0x3b, 0x05), OP(CMP, MI), SZ(4, 4, 8), REG(NONE),
	    MEM(3, NONE, 1, 0), SEG(DS), .imm = 5),
	DEC("cmp_byte_imm", L64, BYTES(0x80, 0x3b, 0x05), OP(CMP, MI), SZ(1, 1, 8), REG(NONE),
	    MEM(3, NONE, 1, 0), SEG(DS), .imm = 5),
	DEC("test_mr", L64, BYTES(0x85, 0x03), OP(TEST, MR), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("test_byte_imm", L64, BYTES(0xf6, 0x03, 0x80), OP(TEST, MI), SZ(1, 1, 8),
	    REG(NONE), MEM(3, NONE, 1, 0), SEG(DS), .imm = 0xffffffffffffff80ULL),
	DEC("test_imm32", L64, BYTES(0xf7, 0x03, 0x00, 0x00, 0x00, 0x80), OP(TEST, MI),
	    SZ(4, 4, 8), REG(NONE), MEM(3, NONE, 1, 0), SEG(DS), .imm = 0xffffffff80000000ULL),
	DEC("test_slash1_alias", L64, BYTES(0xf7, 0x0b, 0x01, 0x00, 0x00, 0x00), OP(TEST, MI),
	    SZ(4, 4, 8), REG(NONE), MEM(3, NONE, 1, 0), SEG(DS), .imm = 1),
	/* BT */
	DEC("bt_reg", L64, BYTES(0x0f, 0xa3, 0x03), OP(BT, MR), SZ(4, 4, 8), REG(0),
	    MEM(3, NONE, 1, 0), SEG(DS)),
	DEC("bt_reg_rexw", L64, BYTES(0x48, 0x0f, 0xa3, 0x0b), OP(BT, MR), SZ(8, 8, 8), REG(1),
	    MEM(3, NONE, 1, 0), SEG(DS), .rex = 0x48),
	DEC("bt_imm8", L64, BYTES(0x0f, 0xba, 0x23, 0x05), OP(BT, MI), SZ(4, 4, 8), REG(NONE),
	    MEM(3, NONE, 1, 0), SEG(DS), .imm = 5),
	DEC("bt_imm8_o16", R16, BYTES(0x0f, 0xba, 0x27, 0x0f), OP(BT, MI), SZ(2, 2, 2),
	    REG(NONE), MEM(3, NONE, 1, 0), SEG(DS), .imm = 15),
	/* Register operands: no memory access, so no MMIO fault. */
	DERR("reg_form_mov", L64, -EINVAL, 0x89, 0xc3),
	DERR("reg_form_movzx", L64, -EINVAL, 0x0f, 0xb6, 0xc3),
	DERR("reg_form_and_imm", L64, -EINVAL, 0x81, 0xe3, D32),
	DERR("reg_form_test_imm", L64, -EINVAL, 0xf6, 0xc3, 0x01),
	DERR("reg_form_bt", L64, -EINVAL, 0x0f, 0xa3, 0xc3),
	DERR("reg_form_mov_imm", L64, -EINVAL, 0xc7, 0xc0, D32),
	/* LOCK where it is #UD. */
	DERR("lock_mov", L64, -EINVAL, 0xf0, 0x89, 0x03),
	DERR("lock_cmp", L64, -EINVAL, 0xf0, 0x39, 0x03),
	DERR("lock_or_to_reg", L64, -EINVAL, 0xf0, 0x0b, 0x03),
	DERR("lock_stos", L64, -EINVAL, 0xf0, 0xaa),
	DERR("lock_bt", L64, -EINVAL, 0xf0, 0x0f, 0xa3, 0x03),
	/* Valid but not supported. */
	DERR("adc", L64, -ENOTSUP, 0x11, 0x03),
	DERR("sbb_imm", L64, -ENOTSUP, 0x83, 0x1b, 0x01),
	DERR("cpuid", L64, -ENOTSUP, 0x0f, 0xa2),
	DERR("bts_imm", L64, -ENOTSUP, 0x0f, 0xba, 0x2b, 0x05),
	DERR("bts_reg", L64, -ENOTSUP, 0x0f, 0xab, 0x03),
	DERR("vmovdqa_load", L64, -ENOTSUP, 0xc5, 0xf9, 0x6f, 0x00),
	DERR("lea", L64, -ENOTSUP, 0x8d, 0x03),
	DERR("inc_mem", L64, -ENOTSUP, 0xff, 0x03),
	DERR("lodsb", L64, -ENOTSUP, 0xac),
	DERR("xbegin", L64, -ENOTSUP, 0xc7, 0xf8, D32),
	DERR("not_mem", L64, -ENOTSUP, 0xf7, 0x13),
	DERR("movzx_with_f3", L64, -ENOTSUP, 0xf3, 0x0f, 0xb6, 0x03),
	DERR("and_al_imm8", L64, -ENOTSUP, 0x24, 0x01),
	/* Invalid or truncated. */
	DERR("ud0", L64, -EINVAL, 0x0f, 0xff, 0x03),
	DERR("trunc_opcode_only", L64, -E2BIG, 0x89),
	DERR("trunc_disp", L64, -E2BIG, 0x8b, 0x05, 0x00),
	DERR("trunc_imm", L64, -E2BIG, 0xc7, 0x03, 0x00, 0x00),
	DERR("too_long", L64, -EINVAL, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
	     0xc7, 0x84, 0x24, D32, D32),
};

/* One row of dec_cases (arg); every row is a case of its own. */
static void check_dec_case(void *arg)
{
	const struct dec_case *c = arg;
	struct x86_insn i;
	int ret = decode(c->b, c->n, c->mode, &i);

	CHECK_EQ(ret, c->ret);
	if (ret == 0 && c->ret == 0) {
		CHECK_EQ(i.len, c->n);
		CHECK_EQ(i.mode, c->mode);
		CHECK_EQ(i.op, c->op);
		CHECK_EQ(i.form, c->form);
		CHECK_EQ(i.opsize, c->opsize);
		CHECK_EQ(i.src_size, c->src_size);
		CHECK_EQ(i.addr_size, c->addr_size);
		CHECK_EQ(i.seg, c->seg);
		CHECK_EQ(i.seg_override, c->seg_override);
		CHECK_EQ(i.rep, c->rep);
		CHECK_EQ(i.lock, c->lock);
		CHECK_EQ(i.reg, c->reg);
		CHECK_EQ(i.reg_high_byte, c->high);
		CHECK_EQ(i.imm, c->imm);
		if (c->rex)
			CHECK_EQ(i.rex, c->rex);
		if (c->form != X86_FORM_STRING) {
			CHECK_EQ(i.mem.base, c->base);
			CHECK_EQ(i.mem.index, c->index);
			CHECK_EQ(i.mem.scale, c->scale);
			CHECK_EQ(i.mem.rip_rel, c->rip_rel);
			CHECK_EQ(i.mem.disp, c->disp);
		}
		/* Both decoders agree on the length. */
		CHECK_EQ(length_of(c->b, c->n, c->mode), c->n);
		for (size_t k = 0; k < c->n; k++) {
			int r = decode(c->b, k, c->mode, &i);

			if (r != -E2BIG)
				harness_fail(__FILE__, __LINE__,
					     "truncated to %zu bytes: %d, expected -E2BIG", k, r);
		}
	}
}

/* ---- Effective addresses ---- */

static u64 fake_regs[16];

static u64 get_fake_reg(void *ctx, int reg)
{
	(void)ctx;
	return fake_regs[reg];
}

static u64 ea_of(const u8 *b, size_t n, enum x86_mode mode, u64 rip_next, int *ret)
{
	struct x86_insn i;
	u64 ea = 0xdeadbeef;

	*ret = decode(b, n, mode, &i);
	if (*ret == 0)
		*ret = x86_effective_address(&i, get_fake_reg, NULL, rip_next, &ea);
	return ea;
}

#define EA(mode, rip_next, ret, ...)                                           \
	ea_of((const u8[]){ __VA_ARGS__ }, sizeof((const u8[]){ __VA_ARGS__ }), \
	      mode, rip_next, ret)

TEST(ea_forms)
{
	int ret;

	memset(fake_regs, 0, sizeof(fake_regs));
	fake_regs[X86_REG_RBP] = 0x1000;
	fake_regs[X86_REG_RCX] = 3;
	/* mov eax, [rbp + rcx*4 - 16] */
	CHECK_EQ(EA(L64, 0, &ret, 0x8b, 0x44, 0x8d, 0xf0), 0x1000 + 12 - 16);
	CHECK_EQ(ret, 0);
	/* RIP-relative: relative to the next instruction. */
	CHECK_EQ(EA(L64, 0x401006, &ret, 0x8b, 0x05, 0xfa, 0xff, 0xff, 0xff), 0x401000);
	CHECK_EQ(ret, 0);
	/* [r13 + r12*8 + 8] */
	fake_regs[12] = 0x10;
	fake_regs[13] = 0xffff800000000000ULL;
	CHECK_EQ(EA(L64, 0, &ret, 0x4b, 0x8b, 0x44, 0xe5, 0x08), 0xffff800000000088ULL);
	/* moffs64 */
	CHECK_EQ(EA(L64, 0, &ret, 0xa1, I64), 0x1122334455667788ULL);
	/* [disp32] without base: sign-extended to 64 bits */
	CHECK_EQ(EA(L64, 0, &ret, 0x8b, 0x04, 0x25, 0x00, 0x00, 0xe0, 0xfe),
		 0xfffffffffee00000ULL);
	/* 67 in 64-bit mode: 32-bit wrap, upper register bits ignored. */
	fake_regs[X86_REG_RBX] = 0xabcd0000ffffffffULL;
	CHECK_EQ(EA(L64, 0, &ret, 0x67, 0x8b, 0x43, 0x02), 1);
	/* EIP-relative wraps at 4 GiB. */
	CHECK_EQ(EA(L64, 0xfffffff0ULL, &ret, 0x67, 0x8b, 0x05, 0x20, 0, 0, 0), 0x10);
	/* 16-bit: [bx+si] wraps at 64 KiB. */
	fake_regs[X86_REG_RBX] = 0x1234ffff;
	fake_regs[X86_REG_RSI] = 2;
	CHECK_EQ(EA(R16, 0, &ret, 0x8b, 0x00), 1);
	/* [bp+di-1] */
	fake_regs[X86_REG_RBP] = 0;
	fake_regs[X86_REG_RDI] = 0;
	CHECK_EQ(EA(R16, 0, &ret, 0x8b, 0x43, 0xff), 0xffff);
	/* [disp16] is zero-extended by the 16-bit mask */
	CHECK_EQ(EA(P16, 0, &ret, 0x8b, 0x06, 0x00, 0xfe), 0xfe00);
	/* 32-bit wrap in protected mode */
	fake_regs[X86_REG_RAX] = 0xfffffff0;
	CHECK_EQ(EA(P32, 0, &ret, 0x8b, 0x40, 0x20), 0x10);
	/* String instructions have no ModRM operand. */
	EA(L64, 0, &ret, 0xa4);
	CHECK_EQ(ret, -EINVAL);
}

/* ---- Hostile input ---- */

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Bytes biased towards prefixes and escapes, to reach deep paths. */
static u8 fuzz_byte(void)
{
	static const u8 interesting[] = {
		0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x64, 0x40, 0x48, 0x4f, 0x0f,
		0x38, 0x3a, 0xc4, 0xc5, 0x62, 0x8f, 0xc7, 0xf7, 0xa1, 0x04, 0x05,
		0x24, 0x25, 0x84, 0x44, 0xb8,
	};
	u64 r = rng();

	if ((r & 3) == 0)
		return interesting[(r >> 8) % sizeof(interesting)];
	return (u8)(r >> 16);
}

/*
 * Random bytes in every mode at every truncation: only lengths 1..avail,
 * -E2BIG or -EINVAL; the answers at different avail agree; x86_decode
 * agrees with x86_insn_length; and nothing reads past the guard.
 */
TEST(fuzz_consistency)
{
	unsigned iters = 60000, bad = 0;

	for (unsigned it = 0; it < iters && !bad; it++) {
		u8 b[X86_MAX_INSN_LEN + 1];
		enum x86_mode mode = (enum x86_mode)(it & 3);
		int full;

		for (size_t k = 0; k < sizeof(b); k++)
			b[k] = fuzz_byte();
		full = length_of(b, sizeof(b), mode);
		if (!(full == -EINVAL || (full >= 1 && full <= X86_MAX_INSN_LEN))) {
			harness_fail(__FILE__, __LINE__, "iteration %u: length %d", it, full);
			bad++;
		}
		for (size_t k = 0; k < sizeof(b); k++) {
			int r = length_of(b, k, mode);
			struct x86_insn i;
			int d = decode(b, k, mode, &i);
			int want = (full > 0 && (size_t)full > k) ? -E2BIG : full;

			if (full > 0 ? r != want : (r != -E2BIG && r != -EINVAL)) {
				harness_fail(__FILE__, __LINE__,
					     "iteration %u avail %zu: %d, full %d", it, k, r, full);
				bad++;
				break;
			}
			if (d == 0 && (r != i.len || i.reg >= 16 || i.addr_size > 8 ||
				       i.mem.base >= 16 || i.mem.index >= 16)) {
				harness_fail(__FILE__, __LINE__,
					     "iteration %u avail %zu: decode len %u vs %d", it, k,
					     i.len, r);
				bad++;
				break;
			}
			if (d < 0 && d != -EINVAL && d != -E2BIG && d != -ENOTSUP) {
				harness_fail(__FILE__, __LINE__, "iteration %u: decode returned %d",
					     it, d);
				bad++;
				break;
			}
		}
	}
}

/* Long instructions cut at every point: -E2BIG each time, never a read past avail. */
TEST(truncation_points)
{
	static const struct {
		enum x86_mode mode;
		u8 n;
		u8 b[15];
	} longs[] = {
		{ L64, 15, { 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x48, 0xb8, I64 } },
		{ L64, 12, { 0x66, 0x67, 0x2e, 0xf7, 0x84, 0x24, D32, D16 } },
		{ L64, 13, { 0x26, 0x48, 0xc7, 0x84, 0x8b, D32, D32, 0x90 } },
		{ L64, 12, { 0x62, 0xf3, 0x7d, 0x48, 0x0f, 0x84, 0x24, D32, 0x08 } },
		{ L64, 9, { 0x8f, 0xea, 0x78, 0x10, 0xc0, D32, 0x90 } },
		{ P32, 11, { 0x66, 0x0f, 0x3a, 0x44, 0x84, 0x24, D32, 0x00 } },
		{ R16, 12, { 0x66, 0x67, 0xc7, 0x80, D32, D32 } },
		{ P32, 9, { 0x0f, 0x0f, 0x84, 0x24, D32, 0x9e } },
	};

	for (size_t c = 0; c < ARRAY_SIZE(longs); c++) {
		/* n is the expected length; the array may hold one extra byte. */
		CHECK_EQ(length_of(longs[c].b, longs[c].n, longs[c].mode), longs[c].n);
		for (size_t k = 0; k < longs[c].n; k++) {
			int r = length_of(longs[c].b, k, longs[c].mode);

			if (r != -E2BIG)
				harness_fail(__FILE__, __LINE__, "case %zu avail %zu: %d", c, k, r);
		}
	}
}

TEST(null_and_empty)
{
	struct x86_insn i;

	CHECK_EQ(x86_insn_length(NULL, 0, L64), -E2BIG);
	CHECK_EQ(x86_insn_length(NULL, 15, L64), -E2BIG);
	CHECK_EQ(x86_decode(NULL, 0, L64, &i), -E2BIG);
	CHECK_EQ(length_of((const u8[]){ 0x90 }, 1, (enum x86_mode)7), -EINVAL);
}

int main(void)
{
	guard_setup();
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (size_t k = 0; k < ARRAY_SIZE(len_cases); k++) {
		char name[96];
		struct len_case c = len_cases[k];

		snprintf(name, sizeof(name), "len_%s", c.name);
		harness_run_named(__FILE__, name, check_len_case, &c);
	}
	for (size_t k = 0; k < ARRAY_SIZE(dec_cases); k++) {
		char name[96];
		struct dec_case c = dec_cases[k];

		snprintf(name, sizeof(name), "decode_%s", c.name);
		harness_run_named(__FILE__, name, check_dec_case, &c);
	}
	RUN(ea_forms);
	RUN(truncation_points);
	RUN(fuzz_consistency);
	RUN(null_and_empty);
	return harness_finish();
}
