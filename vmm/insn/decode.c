// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 instruction length and MMIO-instruction decoding.
 *
 * Layout of an instruction (Intel SDM Vol. 2A 2.1, AMD APM Vol. 3 1.1):
 *
 *   legacy prefixes | REX | opcode (1-3 bytes) | ModRM | SIB | disp | imm
 *
 * or, instead of REX and the opcode escapes, a VEX (C4/C5), EVEX (62) or
 * XOP (8F) prefix that names the opcode map itself. Which parts follow
 * the opcode is a property of the opcode, taken from the opcode maps of
 * SDM Vol. 2D Appendix A / APM Vol. 3 Appendix A, encoded in the tables
 * below.
 *
 * Every byte is fetched through fetch(), which refuses to read at or past
 * avail (-E2BIG: the caller may fetch more) or past the 15-byte limit
 * (-EINVAL); displacement and immediate sizes are added to the length
 * and checked against both limits before any of those bytes is read.
 */
#include "vmm/insn/decode.h"
#include "vmm/base/errno.h"
#include "vmm/base/string.h"

/* What follows an opcode. The low four bits are the immediate kind. */
enum imm_kind {
	IMM_NONE,
	IMM_B,      /* imm8 or rel8 */
	IMM_BB,     /* two imm8 (SSE4a EXTRQ/INSERTQ) */
	IMM_W,      /* imm16 */
	IMM_D,      /* imm32 regardless of operand size (XOP map 10) */
	IMM_Z,      /* imm16 for 16-bit operands, else imm32 */
	IMM_V,      /* imm16/32/64 by operand size: MOV r, imm (B8+r) */
	IMM_WB,     /* imm16 then imm8: ENTER */
	IMM_AP,     /* far pointer ptr16:16 or ptr16:32 */
	IMM_MOFFS,  /* an offset of the address size: MOV A0-A3 */
	IMM_GRP3,   /* F6/F7: TEST (/0, /1) takes Ib/Iz, the others nothing */
	IMM_JZ,     /* rel16/rel32; always rel32 in 64-bit mode */
};
#define ATTR_IMM 0x0f
#define ATTR_MODRM 0x10
#define ATTR_I64 0x20  /* invalid in 64-bit mode */
#define ATTR_UD 0x40   /* undefined: #UD */
#define ATTR_PFX 0x80  /* a prefix or escape; never looked up */

/* Table shorthands, undefined again after the tables. */
#define NO IMM_NONE
#define IB IMM_B
#define IW IMM_W
#define IZ IMM_Z
#define IV IMM_V
#define JZ IMM_JZ
#define MO IMM_MOFFS
#define MD ATTR_MODRM
#define MB (ATTR_MODRM | IMM_B)
#define MZ (ATTR_MODRM | IMM_Z)
#define G3 (ATTR_MODRM | IMM_GRP3)
#define AP (IMM_AP | ATTR_I64)
#define WB IMM_WB
#define X6 ATTR_I64
#define UD ATTR_UD
#define PF ATTR_PFX

/*
 * The one-byte map (SDM Vol. 2D Table A-2). 40-4F are REX in 64-bit mode
 * and consumed as prefixes before the lookup. 62, C4, C5 and 8F describe
 * BOUND, LES, LDS and POP r/m here; their VEX/EVEX/XOP readings are
 * recognised before the lookup. D6 is SALC, undocumented by Intel but
 * executed by every processor outside 64-bit mode.
 */
static const u8 onebyte[256] = {
	/*      0   1   2   3   4   5   6   7   8   9   a   b   c   d   e   f */
	/* 0 */ MD, MD, MD, MD, IB, IZ, X6, X6, MD, MD, MD, MD, IB, IZ, X6, PF,
	/* 1 */ MD, MD, MD, MD, IB, IZ, X6, X6, MD, MD, MD, MD, IB, IZ, X6, X6,
	/* 2 */ MD, MD, MD, MD, IB, IZ, PF, X6, MD, MD, MD, MD, IB, IZ, PF, X6,
	/* 3 */ MD, MD, MD, MD, IB, IZ, PF, X6, MD, MD, MD, MD, IB, IZ, PF, X6,
	/* 4 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
	/* 5 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
	/* 6 */ X6, X6, MD | X6, MD, PF, PF, PF, PF, IZ, MZ, IB, MB, NO, NO, NO, NO,
	/* 7 */ IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB,
	/* 8 */ MB, MZ, MB | X6, MB, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD,
	/* 9 */ NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, AP, NO, NO, NO, NO, NO,
	/* a */ MO, MO, MO, MO, NO, NO, NO, NO, IB, IZ, NO, NO, NO, NO, NO, NO,
	/* b */ IB, IB, IB, IB, IB, IB, IB, IB, IV, IV, IV, IV, IV, IV, IV, IV,
	/* c */ MB, MB, IW, NO, MD | X6, MD | X6, MB, MZ, WB, NO, IW, NO, NO, IB, X6, NO,
	/* d */ MD, MD, MD, MD, IB | X6, IB | X6, X6, NO, MD, MD, MD, MD, MD, MD, MD, MD,
	/* e */ IB, IB, IB, IB, IB, IB, IB, IB, JZ, JZ, AP, IB, NO, NO, NO, NO,
	/* f */ PF, NO, PF, PF, NO, NO, G3, G3, NO, NO, NO, NO, NO, NO, MD, MD,
};

/*
 * The two-byte map, 0F xx (SDM Vol. 2D Table A-3). 0F 0F is 3DNow!: its
 * real opcode is a trailing byte, taken as an imm8 and checked. 0F 78 with
 * 66 or F2 (EXTRQ/INSERTQ) has two imm8; that is patched in by the
 * decoder. 0F FF (UD0) is left undefined: Intel gives it a ModRM, AMD
 * does not, so its length is not knowable.
 */
static const u8 twobyte[256] = {
	/*      0   1   2   3   4   5   6   7   8   9   a   b   c   d   e   f */
	/* 0 */ MD, MD, MD, MD, UD, NO, NO, NO, NO, NO, UD, NO, UD, MD, NO, MB,
	/* 1 */ MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD,
	/* 2 */ MD, MD, MD, MD, UD, UD, UD, UD, MD, MD, MD, MD, MD, MD, MD, MD,
	/* 3 */ NO, NO, NO, NO, NO, NO, UD, NO, PF, UD, PF, UD, UD, UD, UD, UD,
	/* 4 */ MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD,
	/* 5 */ MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD,
	/* 6 */ MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD,
	/* 7 */ MB, MB, MB, MB, MD, MD, MD, NO, MD, MD, UD, UD, MD, MD, MD, MD,
	/* 8 */ JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ,
	/* 9 */ MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD,
	/* a */ NO, NO, NO, MD, MB, MD, UD, UD, NO, NO, NO, MD, MB, MD, MD, MD,
	/* b */ MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MB, MD, MD, MD, MD, MD,
	/* c */ MD, MD, MB, MD, MB, MB, MB, MD, NO, NO, NO, NO, NO, NO, NO, NO,
	/* d */ MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD,
	/* e */ MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD,
	/* f */ MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, MD, UD,
};

#undef NO
#undef IB
#undef IW
#undef IZ
#undef IV
#undef JZ
#undef MO
#undef MD
#undef MB
#undef MZ
#undef G3
#undef AP
#undef WB
#undef X6
#undef UD
#undef PF

/*
 * The legacy (non-VEX) opcodes of the 0F 38 map, all with ModRM and no
 * immediate (SDM Vol. 2D Table A-4, plus SHA, AES, Key Locker, MOVBE,
 * CRC32, ADCX/ADOX, shadow-stack, MOVDIR*, ENQCMD and RAO-INT).
 */
static bool map0f38_defined(u8 op)
{
	switch (op) {
	case 0x00 ... 0x0b:
	case 0x10:
	case 0x14 ... 0x15:
	case 0x17:
	case 0x1c ... 0x1e:
	case 0x20 ... 0x25:
	case 0x28 ... 0x2b:
	case 0x30 ... 0x35:
	case 0x37 ... 0x41:
	case 0x80 ... 0x82:
	case 0xc8 ... 0xcd:
	case 0xcf:
	case 0xd8 ... 0xdf:
	case 0xf0 ... 0xf1:
	case 0xf5 ... 0xf6:
	case 0xf8 ... 0xfc:
		return true;
	default:
		return false;
	}
}

/* The legacy opcodes of the 0F 3A map, all with ModRM and an imm8 (Table A-5). */
static bool map0f3a_defined(u8 op)
{
	switch (op) {
	case 0x08 ... 0x0f:
	case 0x14 ... 0x17:
	case 0x20 ... 0x22:
	case 0x40 ... 0x42:
	case 0x44:
	case 0x60 ... 0x63:
	case 0xcc:
	case 0xce ... 0xcf:
	case 0xdf:
		return true;
	default:
		return false;
	}
}

/* The 3DNow! opcodes, which come after ModRM/SIB/disp (APM Vol. 3 A.3). */
static bool amd3dnow_defined(u8 op)
{
	switch (op) {
	case 0x0c: case 0x0d: case 0x1c: case 0x1d: case 0x8a: case 0x8e:
	case 0x90: case 0x94: case 0x96: case 0x97: case 0x9a: case 0x9e:
	case 0xa0: case 0xa4: case 0xa6: case 0xa7: case 0xaa: case 0xae:
	case 0xb0: case 0xb4: case 0xb6: case 0xb7: case 0xbb: case 0xbf:
		return true;
	default:
		return false;
	}
}

/* Opcode maps, numbered as VEX.mmmmm / EVEX.mmm / XOP.mmmmm number them. */
enum {
	MAP_1BYTE = 0,
	MAP_0F = 1,
	MAP_0F38 = 2,
	MAP_0F3A = 3,
	MAP_XOP8 = 8,
	MAP_XOP9 = 9,
	MAP_XOPA = 10,
};

/* The first byte of a VEX-class prefix, in struct raw.vex. */
#define VEX3 0xc4
#define VEX2 0xc5
#define EVEX 0x62
#define XOP 0x8f

/* Everything the length decoder learns; x86_decode() interprets it. */
struct raw {
	const u8 *b;
	size_t avail;
	enum x86_mode mode;
	u8 len;         /* bytes consumed; the full length once decoded */
	u8 opsize;      /* 2, 4 or 8 */
	u8 addr_size;   /* 2, 4 or 8 */
	bool p66, p67, lock;
	u8 rep;         /* X86_REP_*: the last of F2/F3 */
	s8 seg;         /* the last segment override, or -1 */
	u8 rex;         /* the REX in effect, 0 if none */
	u8 vex;         /* 0, or the VEX-class prefix byte */
	u8 map;
	u8 opcode;
	u8 attr;
	u8 modrm, sib;
	bool has_modrm, has_sib;
	u8 disp_off, disp_size;
	u8 imm_off, imm_size;
};

static bool mode64(const struct raw *r)
{
	return r->mode == X86_MODE_LONG64;
}

static int peek(const struct raw *r, u8 *byte)
{
	if (r->len >= X86_MAX_INSN_LEN)
		return -EINVAL;
	if (r->len >= r->avail)
		return -E2BIG;
	*byte = r->b[r->len];
	return 0;
}

static int fetch(struct raw *r, u8 *byte)
{
	int ret = peek(r, byte);

	if (!ret)
		r->len++;
	return ret;
}

/* Consumes the prefixes and returns the first byte after them in *op. */
static int parse_prefixes(struct raw *r, u8 *op)
{
	for (;;) {
		u8 c;
		int ret = fetch(r, &c);

		if (ret)
			return ret;
		switch (c) {
		case 0x26: r->seg = X86_SEG_ES; break;
		case 0x2e: r->seg = X86_SEG_CS; break;
		case 0x36: r->seg = X86_SEG_SS; break;
		case 0x3e: r->seg = X86_SEG_DS; break;
		case 0x64: r->seg = X86_SEG_FS; break;
		case 0x65: r->seg = X86_SEG_GS; break;
		case 0x66: r->p66 = true; break;
		case 0x67: r->p67 = true; break;
		case 0xf0: r->lock = true; break;
		case 0xf2:
		case 0xf3: r->rep = c; break;
		default:
			if (mode64(r) && (c & 0xf0) == 0x40) {
				r->rex = c;
				continue;
			}
			*op = c;
			return 0;
		}
		/*
		 * A REX prefix counts only right before the opcode; one that
		 * a legacy prefix follows is ignored (SDM Vol. 2A 2.2.1).
		 */
		r->rex = 0;
	}
}

/* Default sizes and the 66/67/REX.W overrides (SDM Vol. 1 3.6, Table 3-4). */
static void set_sizes(struct raw *r)
{
	switch (r->mode) {
	case X86_MODE_REAL16:
	case X86_MODE_PROT16:
		r->opsize = r->p66 ? 4 : 2;
		r->addr_size = r->p67 ? 4 : 2;
		break;
	case X86_MODE_PROT32:
		r->opsize = r->p66 ? 2 : 4;
		r->addr_size = r->p67 ? 2 : 4;
		break;
	case X86_MODE_LONG64:
		r->opsize = (r->rex & 0x08) ? 8 : r->p66 ? 2 : 4;
		r->addr_size = r->p67 ? 4 : 8;
		break;
	}
}

/* VEX/EVEX map-1 opcodes that take an imm8 (PSHUF*, shift groups, CMP, PINSRW, PEXTRW, SHUF). */
static bool vex_map1_imm8(u8 op)
{
	return (op >= 0x70 && op <= 0x73) || op == 0xc2 || (op >= 0xc4 && op <= 0xc6);
}

/*
 * C4, C5, 62 or 8F: returns 1 after consuming a VEX, EVEX or XOP prefix
 * and the opcode, 0 if the byte is the legacy instruction instead.
 */
static int parse_vex(struct raw *r, u8 c)
{
	u8 next, p1, p2, op;
	bool is_vex;
	int ret = peek(r, &next);

	if (ret)
		return ret;
	if (c == XOP) {
		/*
		 * XOP.mmmmm >= 8; as ModRM of POP r/m that is a reg field
		 * of 1-3 or 5-7, all undefined (APM Vol. 3 1.8).
		 */
		is_vex = (next & 0x1f) >= 8;
	} else {
		/*
		 * In 64-bit mode LES, LDS and BOUND do not exist. Elsewhere
		 * they need a memory operand, so a following byte with
		 * mod=11 means VEX/EVEX (SDM Vol. 2A 2.3.5, 2.7.1).
		 */
		is_vex = mode64(r) || (next & 0xc0) == 0xc0;
	}
	if (!is_vex)
		return 0;
	/*
	 * #UD in real mode, and after 66, F2, F3, F0 or REX (SDM Vol. 2A
	 * 2.3.2; for LES/LDS/BOUND mod=11 would be #UD as well).
	 */
	if (r->mode == X86_MODE_REAL16 || r->p66 || r->rep || r->lock || r->rex)
		return -EINVAL;
	r->vex = c;
	r->len++;
	switch (c) {
	case VEX2:
		r->map = MAP_0F;
		break;
	case VEX3:
		r->map = next & 0x1f;
		if ((ret = fetch(r, &p2)))
			return ret;
		if (r->map < MAP_0F || r->map > MAP_0F3A)
			return -EINVAL;
		break;
	case EVEX:
		/* mmm 5 and 6 are the AVX512-FP16 maps; 4 and 7 belong to APX. */
		r->map = next & 0x07;
		if ((ret = fetch(r, &p1)) || (ret = fetch(r, &p2)))
			return ret;
		if (r->map == 0 || r->map == 4 || r->map == 7)
			return -EINVAL;
		if (!(p1 & 0x04))  /* P1 bit 2 must be 1 (SDM Vol. 2A 2.7.1) */
			return -EINVAL;
		break;
	case XOP:
		r->map = next & 0x1f;
		if ((ret = fetch(r, &p2)))
			return ret;
		if (r->map > MAP_XOPA)
			return -EINVAL;
		break;
	}
	if ((ret = fetch(r, &op)))
		return ret;
	r->opcode = op;
	r->attr = ATTR_MODRM;
	if (c == XOP) {
		if (r->map == MAP_XOP8)
			r->attr |= IMM_B;
		else if (r->map == MAP_XOPA)
			r->attr |= IMM_D;
	} else if (r->map == MAP_0F3A || (r->map == MAP_0F && vex_map1_imm8(op))) {
		r->attr |= IMM_B;
	} else if (c != EVEX && r->map == MAP_0F && op == 0x77) {
		r->attr = 0;  /* VZEROUPPER/VZEROALL: no operands */
	}
	return 1;
}

/* Reads ModRM and SIB and works out the displacement size. */
static int parse_modrm(struct raw *r)
{
	u8 mod, rm;
	int ret = fetch(r, &r->modrm);

	if (ret)
		return ret;
	r->has_modrm = true;
	mod = r->modrm >> 6;
	rm = r->modrm & 7;
	if (mod == 3)
		return 0;
	/* MOV to/from CR and DR ignore mod: always registers (SDM MOV-CR). */
	if (!r->vex && r->map == MAP_0F && r->opcode >= 0x20 && r->opcode <= 0x23)
		return 0;
	if (r->addr_size == 2) {
		/* SDM Vol. 2A Table 2-1: [disp16] replaces [BP] under mod=00. */
		if (mod == 1)
			r->disp_size = 1;
		else if (mod == 2 || rm == 6)
			r->disp_size = 2;
		return 0;
	}
	/* Table 2-2/2-3: rm=100 means SIB; base 101 under mod=00 means disp32. */
	if (rm == 4) {
		if ((ret = fetch(r, &r->sib)))
			return ret;
		r->has_sib = true;
	}
	if (mod == 1)
		r->disp_size = 1;
	else if (mod == 2)
		r->disp_size = 4;
	else if (rm == 5 || (rm == 4 && (r->sib & 7) == 5))
		r->disp_size = 4;  /* disp32, RIP-relative in 64-bit mode */
	return 0;
}

/* Opcodes with undefined ModRM.reg values or forms (groups, Table A-6). */
static bool group_undefined(const struct raw *r)
{
	u8 mod = r->modrm >> 6, reg = (r->modrm >> 3) & 7;

	if (r->vex)
		return false;
	if (r->map == MAP_1BYTE) {
		switch (r->opcode) {
		case 0x8c: return reg > 5;                   /* MOV r/m, Sreg */
		case 0x8e: return reg > 5 || reg == 1;      /* MOV Sreg (not CS) */
		case 0x8d: return mod == 3;                  /* LEA */
		case 0x8f: return reg != 0;                  /* POP r/m */
		case 0xc6:                                   /* MOV r/m, imm; XABORT */
		case 0xc7: return reg != 0 && r->modrm != 0xf8;  /* ...; XBEGIN */
		case 0xfe: return reg > 1;                   /* INC/DEC r/m8 */
		case 0xff: return reg == 7 || ((reg == 3 || reg == 5) && mod == 3);
		default: return false;
		}
	}
	if (r->map == MAP_0F) {
		switch (r->opcode) {
		case 0x00: return reg > 5;                   /* group 6 */
		case 0xb2: case 0xb4: case 0xb5:             /* LSS/LFS/LGS */
			return mod == 3;
		case 0xba: return reg < 4;                   /* group 8 */
		case 0xc7: return reg == 0 || reg == 2;      /* group 9 */
		default: return false;
		}
	}
	return false;
}

static unsigned imm_size(const struct raw *r)
{
	switch (r->attr & ATTR_IMM) {
	case IMM_B: return 1;
	case IMM_BB: return 2;
	case IMM_W: return 2;
	case IMM_D: return 4;
	case IMM_Z: return r->opsize == 2 ? 2 : 4;
	case IMM_V: return r->opsize;
	case IMM_WB: return 3;
	case IMM_AP: return r->opsize == 2 ? 4 : 6;
	case IMM_MOFFS: return r->addr_size;
	case IMM_GRP3:
		if (((r->modrm >> 3) & 7) > 1)
			return 0;
		return (r->opcode & 1) ? (r->opsize == 2 ? 2 : 4) : 1;
	case IMM_JZ:
		/*
		 * Near branches have 64-bit operands in 64-bit mode; Intel
		 * ignores 66 there (rel32), AMD would take rel16. We follow
		 * Intel: branches do not cause the exits this serves.
		 */
		if (mode64(r))
			return 4;
		return r->opsize == 2 ? 2 : 4;
	default: return 0;
	}
}

/* Looks up the opcode of a legacy (non-VEX) instruction. */
static int parse_legacy_opcode(struct raw *r, u8 c)
{
	int ret;

	if (c != 0x0f) {
		r->map = MAP_1BYTE;
		r->opcode = c;
		r->attr = onebyte[c];
		return 0;
	}
	if ((ret = fetch(r, &c)))
		return ret;
	if (c == 0x38 || c == 0x3a) {
		r->map = c == 0x38 ? MAP_0F38 : MAP_0F3A;
		if ((ret = fetch(r, &r->opcode)))
			return ret;
		if (c == 0x38)
			r->attr = map0f38_defined(r->opcode) ? ATTR_MODRM : ATTR_UD;
		else
			r->attr = map0f3a_defined(r->opcode) ? (ATTR_MODRM | IMM_B) : ATTR_UD;
		return 0;
	}
	r->map = MAP_0F;
	r->opcode = c;
	r->attr = twobyte[c];
	if (c == 0x78) {
		/* VMREAD; with 66 EXTRQ, with F2 INSERTQ, each with two imm8. */
		if (r->rep == X86_REP_F3)
			return -EINVAL;
		if (r->rep == X86_REP_F2 || r->p66)
			r->attr |= IMM_BB;
	}
	return 0;
}

static int decode_raw(const u8 *b, size_t avail, enum x86_mode mode, struct raw *r)
{
	u8 c;
	int ret;

	memset(r, 0, sizeof(*r));
	r->b = b;
	r->avail = b ? avail : 0;
	r->mode = mode;
	r->seg = -1;
	if ((unsigned)mode > X86_MODE_LONG64)
		return -EINVAL;

	if ((ret = parse_prefixes(r, &c)))
		return ret;
	set_sizes(r);

	ret = 0;
	if (c == VEX3 || c == VEX2 || c == EVEX || c == XOP)
		ret = parse_vex(r, c);
	if (ret < 0)
		return ret;
	if (ret == 0 && (ret = parse_legacy_opcode(r, c)))
		return ret;

	if (r->attr & (ATTR_UD | ATTR_PFX))
		return -EINVAL;
	if ((r->attr & ATTR_I64) && mode64(r))
		return -EINVAL;
	if (r->attr & ATTR_MODRM) {
		if ((ret = parse_modrm(r)))
			return ret;
		if (group_undefined(r))
			return -EINVAL;
	}

	/* The sizes are known now: check the limits before reading on. */
	r->disp_off = r->len;
	r->len += r->disp_size;
	r->imm_off = r->len;
	r->imm_size = imm_size(r);
	r->len += r->imm_size;
	if (r->len > X86_MAX_INSN_LEN)
		return -EINVAL;
	if (r->len > r->avail)
		return -E2BIG;

	if (!r->vex && r->map == MAP_0F && r->opcode == 0x0f &&
	    !amd3dnow_defined(b[r->len - 1]))
		return -EINVAL;
	return 0;
}

int x86_insn_length(const u8 *b, size_t avail, enum x86_mode mode)
{
	struct raw r;
	int ret = decode_raw(b, avail, mode, &r);

	return ret ? ret : r.len;
}

/* ---- Full decoding of the MMIO instruction set ---- */

static u64 read_le(const u8 *p, unsigned size)
{
	u64 v = 0;

	while (size--)
		v = (v << 8) | p[size];
	return v;
}

static u64 sign_extend(u64 v, unsigned size)
{
	u64 sign;

	if (size == 0 || size >= 8)
		return v;
	sign = BIT(size * 8 - 1);
	v &= (sign << 1) - 1;
	return (v ^ sign) - sign;
}

/* The ModRM.reg operand of the given size (SDM Vol. 2A 2.1.5, 2.2.1.2). */
static void set_reg_operand(const struct raw *r, struct x86_insn *i, unsigned size)
{
	int reg = ((r->modrm >> 3) & 7) | ((r->rex & 0x04) << 1);

	/* Without any REX, byte registers 4-7 are AH, CH, DH, BH. */
	if (size == 1 && !r->rex && reg >= 4) {
		reg -= 4;
		i->reg_high_byte = true;
	}
	i->reg = (s8)reg;
}

/* The ModRM memory operand (SDM Vol. 2A Tables 2-1 to 2-3, 2.2.1.6). */
static void set_mem_operand(const struct raw *r, struct x86_insn *i)
{
	static const s8 base16[8] = {
		X86_REG_RBX, X86_REG_RBX, X86_REG_RBP, X86_REG_RBP,
		X86_REG_NONE, X86_REG_NONE, X86_REG_RBP, X86_REG_RBX,
	};
	static const s8 index16[8] = {
		X86_REG_RSI, X86_REG_RDI, X86_REG_RSI, X86_REG_RDI,
		X86_REG_RSI, X86_REG_RDI, X86_REG_NONE, X86_REG_NONE,
	};
	struct x86_mem *m = &i->mem;
	u8 mod = r->modrm >> 6, rm = r->modrm & 7;
	int rex_b = (r->rex & 0x01) << 3, rex_x = (r->rex & 0x02) << 2;

	m->base = X86_REG_NONE;
	m->index = X86_REG_NONE;
	m->scale = 1;
	m->disp = (s64)sign_extend(read_le(r->b + r->disp_off, r->disp_size), r->disp_size);

	if (r->addr_size == 2) {
		m->base = base16[rm];
		m->index = index16[rm];
		if (mod == 0 && rm == 6)
			m->base = X86_REG_NONE;  /* [disp16] */
	} else if (rm == 4) {
		u8 base = r->sib & 7, index = ((r->sib >> 3) & 7) | rex_x;

		m->scale = 1 << (r->sib >> 6);
		if (index != 4)  /* 100 is "no index"; with REX.X it is R12 */
			m->index = (s8)index;
		if (!(base == 5 && mod == 0))
			m->base = (s8)(base | rex_b);
	} else if (rm == 5 && mod == 0) {
		/* disp32: absolute, or relative to the next RIP in 64-bit mode. */
		m->rip_rel = mode64(r);
	} else {
		m->base = (s8)(rm | rex_b);
	}

	/* rBP and rSP as base imply SS (SDM Vol. 1 3.7.4). */
	if (r->seg >= 0)
		i->seg = (u8)r->seg;
	else if (m->base == X86_REG_RBP || m->base == X86_REG_RSP)
		i->seg = X86_SEG_SS;
	else
		i->seg = X86_SEG_DS;
}

/* The ALU ops selected by opcode bits 5:3 or ModRM.reg of group 1. */
static int alu_op(unsigned n, enum x86_op *op)
{
	static const s8 ops[8] = {
		X86_OP_ADD, X86_OP_OR, -1 /* ADC */, -1 /* SBB */,
		X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
	};

	if (ops[n & 7] < 0)
		return -ENOTSUP;
	*op = (enum x86_op)ops[n & 7];
	return 0;
}

/* Sets op/form/sizes/register for one-byte-map instructions. */
static int classify_1byte(const struct raw *r, struct x86_insn *i)
{
	u8 op = r->opcode, reg = (r->modrm >> 3) & 7;
	unsigned width = (op & 1) ? r->opsize : 1;  /* the w bit */

	switch (op) {
	case 0x00 ... 0x3f:
		/* ALU r/m,r (bit 1 clear) and r,r/m (bit 1 set) */
		if ((op & 7) > 3 || alu_op(op >> 3, &i->op))
			return -ENOTSUP;
		i->form = (op & 2) ? X86_FORM_REG_MEM : X86_FORM_MEM_REG;
		i->opsize = (u8)width;
		set_reg_operand(r, i, width);
		return 0;
	case 0x63:
		/* MOVSXD in 64-bit mode (ARPL elsewhere); without REX.W a plain move. */
		if (!mode64(r))
			return -ENOTSUP;
		i->op = X86_OP_MOVSX;
		i->form = X86_FORM_REG_MEM;
		i->src_size = r->opsize == 8 ? 4 : r->opsize;
		set_reg_operand(r, i, r->opsize);
		return 0;
	case 0x80 ... 0x83:
		/* Group 1; 83 sign-extends its imm8 (SDM ADD et al.). */
		if (alu_op(reg, &i->op))
			return -ENOTSUP;
		i->form = X86_FORM_MEM_IMM;
		i->opsize = (u8)(op == 0x81 || op == 0x83 ? r->opsize : 1);
		return 0;
	case 0x84:
	case 0x85:
		i->op = X86_OP_TEST;
		i->form = X86_FORM_MEM_REG;
		i->opsize = (u8)width;
		set_reg_operand(r, i, width);
		return 0;
	case 0x88 ... 0x8b:
		i->op = X86_OP_MOV;
		i->form = (op & 2) ? X86_FORM_REG_MEM : X86_FORM_MEM_REG;
		i->opsize = (u8)width;
		set_reg_operand(r, i, width);
		return 0;
	case 0xa0 ... 0xa3:
		/* MOV AL/rAX <-> moffs: an offset of the address size, no ModRM. */
		i->op = X86_OP_MOV;
		i->form = (op & 2) ? X86_FORM_MEM_REG : X86_FORM_REG_MEM;
		i->opsize = (u8)width;
		i->reg = X86_REG_RAX;
		return 0;
	case 0xa4:
	case 0xa5:
	case 0xaa:
	case 0xab:
		i->op = op >= 0xaa ? X86_OP_STOS : X86_OP_MOVS;
		i->form = X86_FORM_STRING;
		i->opsize = (u8)width;
		i->reg = X86_REG_RAX;
		return 0;
	case 0xc6:
	case 0xc7:
		if (reg != 0)
			return -ENOTSUP;  /* XABORT, XBEGIN */
		i->op = X86_OP_MOV;
		i->form = X86_FORM_MEM_IMM;
		i->opsize = (u8)width;
		return 0;
	case 0xf6:
	case 0xf7:
		if (reg > 1)
			return -ENOTSUP;  /* /1 is an alias of TEST /0 */
		i->op = X86_OP_TEST;
		i->form = X86_FORM_MEM_IMM;
		i->opsize = (u8)width;
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* The same for the 0F map. */
static int classify_0f(const struct raw *r, struct x86_insn *i)
{
	u8 op = r->opcode, reg = (r->modrm >> 3) & 7;

	/* With F2/F3 these opcodes are other instructions or reserved. */
	if (r->rep)
		return -ENOTSUP;
	switch (op) {
	case 0xa3:
		i->op = X86_OP_BT;
		i->form = X86_FORM_MEM_REG;
		set_reg_operand(r, i, r->opsize);
		return 0;
	case 0xba:
		if (reg != 4)
			return -ENOTSUP;  /* BTS, BTR, BTC */
		i->op = X86_OP_BT;
		i->form = X86_FORM_MEM_IMM;
		return 0;
	case 0xb6:
	case 0xb7:
	case 0xbe:
	case 0xbf:
		i->op = op < 0xbe ? X86_OP_MOVZX : X86_OP_MOVSX;
		i->form = X86_FORM_REG_MEM;
		i->src_size = (op & 1) ? 2 : 1;
		set_reg_operand(r, i, r->opsize);
		return 0;
	default:
		return -ENOTSUP;
	}
}

int x86_decode(const u8 *b, size_t avail, enum x86_mode mode, struct x86_insn *out)
{
	struct raw r;
	int ret = decode_raw(b, avail, mode, &r);

	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	out->len = r.len;
	out->mode = mode;
	out->opsize = r.opsize;
	out->addr_size = r.addr_size;
	out->seg_override = r.seg >= 0;
	out->rep = r.rep;
	out->lock = r.lock;
	out->rex = r.rex;
	out->reg = X86_REG_NONE;

	if (r.vex)
		return -ENOTSUP;
	if (r.map == MAP_1BYTE)
		ret = classify_1byte(&r, out);
	else if (r.map == MAP_0F)
		ret = classify_0f(&r, out);
	else
		ret = -ENOTSUP;
	if (ret)
		return ret;
	if (!out->src_size)
		out->src_size = out->opsize;

	/* LOCK only on read-modify-write of memory (SDM LOCK: else #UD). */
	if (r.lock && (out->form == X86_FORM_REG_MEM || out->form == X86_FORM_STRING ||
		       out->op == X86_OP_MOV || out->op == X86_OP_CMP ||
		       out->op == X86_OP_TEST || out->op == X86_OP_BT))
		return -EINVAL;

	if (r.imm_size && out->form == X86_FORM_MEM_IMM)
		out->imm = sign_extend(read_le(b + r.imm_off, r.imm_size), r.imm_size);

	if (out->form == X86_FORM_STRING) {
		/* MOVS reads seg:[rSI] (default DS); both write ES:[rDI]. */
		if (out->op == X86_OP_MOVS)
			out->seg = r.seg >= 0 ? (u8)r.seg : X86_SEG_DS;
		else
			out->seg = X86_SEG_ES;
		return 0;
	}
	if (!r.has_modrm) {
		/* moffs: no base or index; the offset is unsigned. */
		out->mem.base = X86_REG_NONE;
		out->mem.index = X86_REG_NONE;
		out->mem.scale = 1;
		out->mem.disp = (s64)read_le(b + r.imm_off, r.imm_size);
		out->seg = r.seg >= 0 ? (u8)r.seg : X86_SEG_DS;
		return 0;
	}
	if ((r.modrm >> 6) == 3)
		return -EINVAL;  /* register operand: cannot be the faulting access */
	set_mem_operand(&r, out);
	return 0;
}

static u64 addr_mask(unsigned addr_size)
{
	return addr_size >= 8 ? ~0ULL : BIT(addr_size * 8) - 1;
}

int x86_effective_address(const struct x86_insn *i, u64 (*get_reg)(void *ctx, int reg),
			  void *ctx, u64 rip_next, u64 *ea)
{
	const struct x86_mem *m = &i->mem;
	u64 a = (u64)m->disp;

	if (i->form == X86_FORM_STRING)
		return -EINVAL;
	if (m->base >= X86_NR_REGS || m->index >= X86_NR_REGS ||
	    m->base < X86_REG_NONE || m->index < X86_REG_NONE)
		return -EINVAL;
	/*
	 * Wrapping sums truncated once at the end equal the architectural
	 * address-size arithmetic (SDM Vol. 1 3.7.5: 16/32-bit sums wrap).
	 */
	if (m->base != X86_REG_NONE)
		a += get_reg(ctx, m->base);
	if (m->index != X86_REG_NONE)
		a += get_reg(ctx, m->index) * m->scale;
	if (m->rip_rel)
		a += rip_next;
	*ea = a & addr_mask(i->addr_size);
	return 0;
}
