// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/gmem.h"
#include "vmm/backend.h"
#include "vmm/base/errno.h"
#include "vmm/base/layout.h"
#include "vmm/partition.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"

void *gpa_to_hva(struct partition *p, u64 gpa, u64 len)
{
	if (gpa + len < gpa)
		return NULL;
	for (u32 i = 0; i < p->nr_ram; i++) {
		const struct mem_region *r = &p->ram[i];
		if (gpa >= r->gpa && gpa + len <= r->gpa + r->size)
			return phys_to_virt(r->hpa + (gpa - r->gpa));
	}
	return NULL;
}

/* Largest piece at gpa, up to len, that one RAM region holds. */
static u64 ram_run(struct partition *p, u64 gpa, u64 len, void **hva)
{
	for (u32 i = 0; i < p->nr_ram; i++) {
		const struct mem_region *r = &p->ram[i];
		if (gpa >= r->gpa && gpa < r->gpa + r->size) {
			*hva = phys_to_virt(r->hpa + (gpa - r->gpa));
			return MIN(len, r->gpa + r->size - gpa);
		}
	}
	return 0;
}

static int gpa_copy(struct partition *p, u64 gpa, void *buf, const void *src, u64 len)
{
	if (gpa + len < gpa)
		return -EFAULT;
	while (len) {
		void *hva;
		u64 n = ram_run(p, gpa, len, &hva);
		if (!n)
			return -EFAULT;
		if (buf)
			memcpy(buf, hva, n);
		else if (src)
			memcpy(hva, src, n);
		else
			memset(hva, 0, n);
		gpa += n;
		len -= n;
		if (buf)
			buf = (u8 *)buf + n;
		if (src)
			src = (const u8 *)src + n;
	}
	return 0;
}

int gpa_read(struct partition *p, u64 gpa, void *buf, u64 len)
{
	return gpa_copy(p, gpa, buf, NULL, len);
}

int gpa_write(struct partition *p, u64 gpa, const void *buf, u64 len)
{
	return len ? gpa_copy(p, gpa, NULL, buf, len) : 0;
}

int gpa_zero(struct partition *p, u64 gpa, u64 len)
{
	return gpa_copy(p, gpa, NULL, NULL, len);
}

#define PF_P BIT(0)
#define PF_W BIT(1)
#define PF_U BIT(2)
#define PF_RSVD BIT(3)
#define PF_I BIT(4)

/*
 * The rights of a translation are those of all its levels together (SDM
 * Vol. 3A 4.6): writable only if every level is, user only if every level
 * is, executable unless a level says NX. They are checked once the walk
 * reached the page; a level that is not present ends it first, and the
 * fault then says "not present" (error code P = 0) whatever the levels
 * above allowed.
 */
struct rights {
	bool w, u, nx;
};

static bool rights_ok(const struct rights *r, u32 access, bool wp, bool nxe)
{
	if ((access & ACC_WRITE) && !r->w && ((access & ACC_USER) || wp))
		return false;
	if ((access & ACC_USER) && !r->u)
		return false;
	if ((access & ACC_FETCH) && nxe && r->nx)
		return false;
	return true;
}

static void rights_add(struct rights *r, u64 e)
{
	r->w = r->w && (e & PTE_W);
	r->u = r->u && (e & PTE_U);
	r->nx = r->nx || (e & PTE_NX);
}

/* The end of a walk: the page at gpa, if the rights allow the access;
 * else -EPF with the error code of a protection fault. */
static int finish(const struct rights *r, u32 access, bool wp, bool nxe, u32 err, u64 gpa,
		  u64 *out, u32 *pf_error, bool *user)
{
	*user = r->u;
	if (!rights_ok(r, access, wp, nxe)) {
		*pf_error = err | PF_P;
		return -EPF;
	}
	*out = gpa;
	return 0;
}

/* Walks 64-bit entries from `level` down (4-level or the PAE directory
 * and table levels); large pages end the walk at levels 2 and 3. *user
 * says whether every level allowed user accesses (a user page). */
static int walk_64bit(struct partition *p, u64 table, int level, u64 gva, u32 access, bool wp,
		      bool nxe, u32 err, u64 *gpa, u32 *pf_error, bool *user)
{
	struct rights r = { true, true, false };

	*user = false;
	for (; level >= 1; level--) {
		u64 e;
		unsigned idx = (gva >> (12 + 9 * (level - 1))) & 511;
		if (gpa_read(p, table + idx * 8, &e, 8))
			return -EFAULT;
		if (!(e & PTE_P)) {
			*pf_error = err;
			return -EPF;
		}
		rights_add(&r, e);
		if (level == 1 || ((e & PTE_PS) && level <= 3)) {
			u64 size = 1ULL << (12 + 9 * (level - 1));
			return finish(&r, access, wp, nxe, err,
				      (e & PTE_ADDR_MASK & ~(size - 1)) | (gva & (size - 1)), gpa,
				      pf_error, user);
		}
		table = e & PTE_ADDR_MASK;
	}
	return -EFAULT;
}

static bool canonical48(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

/* The walk itself: paging's own rights (U/S, R/W with CR0.WP, NX). */
static int walk(struct vcpu *v, u64 gva, u32 access, u64 *gpa, u32 *pf_error, bool *user)
{
	u64 cr0 = backend->get_reg(v, VREG_CR0);
	u64 cr4 = backend->get_reg(v, VREG_CR4);
	u64 efer = backend->get_reg(v, VREG_EFER);
	u64 cr3 = backend->get_reg(v, VREG_CR3);
	bool wp = cr0 & CR0_WP, nxe = efer & EFER_NXE;
	u32 err = (access & ACC_WRITE ? PF_W : 0) | (access & ACC_USER ? PF_U : 0) |
		  (access & ACC_FETCH && nxe ? PF_I : 0);
	struct partition *p = v->part;

	*pf_error = 0;
	*user = false;
	if (!(cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffULL;
		return 0;
	}
	if (efer & EFER_LMA) {
		if (cr4 & CR4_LA57)
			return -ENOTSUP;
		if (!canonical48(gva))
			return -ERANGE; /* #GP, not #PF (SDM Vol. 3A 3.3.7.1) */
		return walk_64bit(p, cr3 & PTE_ADDR_MASK, 4, gva, access, wp, nxe, err, gpa,
				  pf_error, user);
	}
	gva &= 0xffffffffULL;
	if (cr4 & CR4_PAE) {
		u64 pdpte;
		if (gpa_read(p, (cr3 & 0xffffffe0ULL) + ((gva >> 30) & 3) * 8, &pdpte, 8))
			return -EFAULT;
		if (!(pdpte & PTE_P)) {
			*pf_error = err;
			return -EPF;
		}
		/* PDPTEs carry no U/S bit: the lower levels decide. */
		return walk_64bit(p, pdpte & PTE_ADDR_MASK, 2, gva, access, wp, nxe, err, gpa,
				  pf_error, user);
	}
	/* 32-bit paging: 4 KiB pages, or 4 MiB ones with CR4.PSE. */
	u32 pde, pte;
	struct rights r = { true, true, false };
	if (gpa_read(p, (cr3 & 0xfffff000ULL) + ((gva >> 22) & 1023) * 4, &pde, 4))
		return -EFAULT;
	if (!(pde & PTE_P)) {
		*pf_error = err;
		return -EPF;
	}
	rights_add(&r, pde);
	if ((pde & PTE_PS) && (cr4 & CR4_PSE))
		return finish(&r, access, wp, false, err,
			      ((u64)(pde & 0xffc00000u) | ((u64)(pde >> 13) & 0xff) << 32) |
				      (gva & 0x3fffff), gpa, pf_error, user);
	if (gpa_read(p, (pde & 0xfffff000u) + ((gva >> 12) & 1023) * 4, &pte, 4))
		return -EFAULT;
	if (!(pte & PTE_P)) {
		*pf_error = err;
		return -EPF;
	}
	rights_add(&r, pte);
	return finish(&r, access, wp, false, err, (pte & 0xfffff000u) | (gva & 0xfff), gpa,
		      pf_error, user);
}

int gva_to_gpa(struct vcpu *v, u64 gva, u32 access, u64 *gpa, u32 *pf_error)
{
	bool user;
	int r = walk(v, gva, access, gpa, pf_error, &user);

	if (r || (access & ACC_USER) || !user)
		return r;
	/* A supervisor access to a user page: SMEP forbids fetching from it,
	 * SMAP reading or writing it unless RFLAGS.AC is set (SDM Vol. 3A
	 * 4.6.1); the fault reports a present page. */
	u64 cr4 = backend->get_reg(v, VREG_CR4);
	bool fetch = access & ACC_FETCH;
	if ((fetch && (cr4 & CR4_SMEP)) ||
	    (!fetch && (cr4 & CR4_SMAP) && !(backend->get_reg(v, VREG_RFLAGS) & RFLAGS_AC))) {
		*pf_error = PF_P | (access & ACC_WRITE ? PF_W : 0) |
			    (fetch && (backend->get_reg(v, VREG_EFER) & EFER_NXE) ? PF_I : 0);
		return -EPF;
	}
	return 0;
}

static int gva_copy(struct vcpu *v, u64 gva, void *dst, const void *src, u32 len, u32 access,
		    u32 *pf_error)
{
	while (len) {
		u64 gpa;
		u32 n = (u32)MIN((u64)len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
		int r = gva_to_gpa(v, gva, access, &gpa, pf_error);
		if (r)
			return r;
		r = dst ? gpa_read(v->part, gpa, dst, n) : gpa_write(v->part, gpa, src, n);
		if (r)
			return r;
		gva += n;
		len -= n;
		if (dst)
			dst = (u8 *)dst + n;
		else
			src = (const u8 *)src + n;
	}
	return 0;
}

int gva_read(struct vcpu *v, u64 gva, void *buf, u32 len, u32 access, u32 *pf_error)
{
	return gva_copy(v, gva, buf, NULL, len, access, pf_error);
}

int gva_write(struct vcpu *v, u64 gva, const void *buf, u32 len, u32 access, u32 *pf_error)
{
	return gva_copy(v, gva, NULL, buf, len, access | ACC_WRITE, pf_error);
}
