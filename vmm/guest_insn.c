// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/guest_insn.h"
#include "vmm/backend.h"
#include "vmm/base/errno.h"
#include "vmm/gmem.h"
#include "vmm/base/x86.h"

enum x86_mode vcpu_cpu_mode(struct vcpu *v)
{
	struct segment cs;

	if (!(backend->get_reg(v, VREG_CR0) & CR0_PE) ||
	    (backend->get_reg(v, VREG_RFLAGS) & RFLAGS_VM))
		return X86_MODE_REAL16;
	backend->get_seg(v, SEG_CS, &cs);
	if ((backend->get_reg(v, VREG_EFER) & EFER_LMA) && (cs.attr & SEG_ATTR_L))
		return X86_MODE_LONG64;
	return (cs.attr & SEG_ATTR_DB) ? X86_MODE_PROT32 : X86_MODE_PROT16;
}

u64 vcpu_linear(struct vcpu *v, enum seg_reg seg, u64 offset)
{
	struct segment s;
	enum x86_mode m = vcpu_cpu_mode(v);

	if (m == X86_MODE_LONG64) {
		/* Only FS and GS keep a base in 64-bit mode (SDM Vol. 3A 3.4.4). */
		if (seg != SEG_FS && seg != SEG_GS)
			return offset;
		backend->get_seg(v, seg, &s);
		return s.base + offset;
	}
	backend->get_seg(v, seg, &s);
	return (s.base + offset) & 0xffffffffULL;
}

static bool canonical48(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

int vcpu_seg_check(struct vcpu *v, enum seg_reg seg, u64 offset, u32 size, bool write)
{
	enum x86_mode m = vcpu_cpu_mode(v);
	int fault = seg == SEG_SS ? 12 : 13;
	struct segment s;

	if (m == X86_MODE_LONG64) {
		u64 lin = vcpu_linear(v, seg, offset);
		return canonical48(lin) && canonical48(lin + size - 1) ? 0 : fault;
	}
	backend->get_seg(v, seg, &s);
	u64 last = offset + size - 1;
	if (m != X86_MODE_REAL16) {
		u16 type = SEG_ATTR_TYPE(s.attr);
		bool code = type & 8;
		/* A null selector or a system descriptor: not a data segment. */
		if (!(s.attr & SEG_ATTR_P) || !(s.attr & SEG_ATTR_S) || (seg != SEG_CS && !s.sel))
			return fault;
		if (write && (code || !(type & 2)))
			return fault; /* code segments and read-only data */
		if (!write && code && !(type & 2))
			return fault; /* execute-only code */
		if (!code && (type & 4)) { /* expand-down: above the limit */
			u64 top = (s.attr & SEG_ATTR_DB) ? 0xffffffffULL : 0xffffULL;
			return offset > s.limit && last <= top ? 0 : fault;
		}
	}
	return last <= s.limit ? 0 : fault;
}

int insn_fetch(struct vcpu *v, u8 *buf, struct fetch_fault *f)
{
	enum x86_mode m = vcpu_cpu_mode(v);
	u64 rip = backend->get_reg(v, VREG_RIP);
	u64 lin = vcpu_linear(v, SEG_CS, m == X86_MODE_LONG64 ? rip : rip & 0xffffffffULL);
	u32 user = backend->get_reg(v, VREG_CPL) == 3 ? ACC_USER : 0;
	u32 got = 0;

	while (got < X86_MAX_INSN_LEN) {
		u32 n = (u32)MIN((u64)(X86_MAX_INSN_LEN - got), PAGE_SIZE - (lin & (PAGE_SIZE - 1)));
		u32 pf = 0;
		int r = gva_read(v, lin, buf + got, n, ACC_FETCH | user, &pf);
		if (r == -EPF)
			*f = (struct fetch_fault){ true, lin, pf };
		if (r)
			return got ? (int)got : r;
		got += n;
		lin += n;
		if (m != X86_MODE_LONG64)
			lin &= 0xffffffffULL;
	}
	return (int)got;
}

int insn_length_at_rip(struct vcpu *v)
{
	u8 buf[X86_MAX_INSN_LEN];
	struct fetch_fault f = { 0 };
	int n = insn_fetch(v, buf, &f);

	if (n < 0)
		return n;
	return x86_insn_length(buf, (size_t)n, vcpu_cpu_mode(v));
}

int insn_mov_to_cr(struct vcpu *v, int *cr, int *gpr)
{
	u8 buf[X86_MAX_INSN_LEN];
	struct fetch_fault f = { 0 };
	int n = insn_fetch(v, buf, &f);
	bool long64 = vcpu_cpu_mode(v) == X86_MODE_LONG64;
	u8 rex = 0;
	int i = 0;

	if (n < 0)
		return n;
	/* Legacy prefixes change nothing here (SDM Vol. 2B MOV-Control
	 * Registers); a REX prefix must come last. */
	while (i < n && (buf[i] == 0x66 || buf[i] == 0x67 || buf[i] == 0xf2 || buf[i] == 0xf3 ||
			 buf[i] == 0x2e || buf[i] == 0x36 || buf[i] == 0x3e || buf[i] == 0x26 ||
			 buf[i] == 0x64 || buf[i] == 0x65))
		i++;
	if (long64 && i < n && (buf[i] & 0xf0) == 0x40)
		rex = buf[i++];
	if (i + 3 > n || buf[i] != 0x0f || buf[i + 1] != 0x22)
		return -EINVAL;
	u8 modrm = buf[i + 2]; /* the mod field is ignored: always a register */
	*cr = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
	*gpr = (modrm & 7) | ((rex & 1) ? 8 : 0);
	return 0;
}
