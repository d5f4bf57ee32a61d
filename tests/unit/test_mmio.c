// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest-physical accesses that miss RAM (vmm/mmio.c), through
 * vmm_handle_gpa_fault() as the backends call it, with the real
 * instruction fetch, decoder and emulator and the real guest page walks
 * (vmm/guest_insn.c, vmm/insn/, vmm/gmem.c). The guest's instructions sit
 * in its RAM; devices log what they get. Checks that the faulting
 * instruction is emulated against the device with the right offset, size
 * and value (reads into the right register bits, RIP past it, flags
 * updated), that the vCPU's own xAPIC page comes before any device (and
 * not in x2APIC mode), that memory hidden from a partition reads all ones
 * and swallows writes (and is reported), that addresses with nothing
 * behind them, instruction fetches from devices and events delivered
 * through them stop the partition, that accesses straddling a device's
 * end or failing in the device stop it, that the other operand of MOVS
 * is ordinary memory with the guest's rights (#PF, #GP for
 * non-canonical), and that what cannot be fetched or decoded stops it
 * with a reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_backend.h"
#include "vmm/backend.h"
#include "vmm/base/errno.h"
#include "vmm/base/log.h"
#include "vmm/event.h"
#include "vmm/exit.h"
#include "vmm/partition.h"
#include "vmm/dev/vlapic.h"
#include "vmm/insn/emulate.h"

/* ---- stubs: backend registers, events, vmm_stop, the LAPIC ---- */

#define RAM_SIZE 0x100000
#define CODE 0x1000ULL

static u8 *ram;
static u32 gps, pfs, stops, dbs;
static u32 pf_error;
static u64 pf_addr;
static char stop_reason[200];
static u32 counted[NR_EXIT_STATS];

/* The single-step trap (vmm/step.c) queues #DB; nothing else here does. */
bool vcpu_queue_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	(void)v;
	(void)has_error;
	(void)error;
	if (vector == VEC_DB)
		dbs++;
	return true;
}

void vcpu_inject_gp(struct vcpu *v, u32 error)
{
	(void)v;
	(void)error;
	gps++;
}

void vcpu_inject_pf(struct vcpu *v, u64 addr, u32 error)
{
	(void)v;
	pfs++;
	pf_addr = addr;
	pf_error = error;
}

/* The rate-limited warnings (an unclaimed address, the parent's unknown
 * instruction at hidden memory): counted, so a test can see one. */
static unsigned limited_logs;
void log_limited(struct log_ratelimit *rl, int level, const char *fmt, ...)
{
	(void)rl;
	(void)level;
	(void)fmt;
	limited_logs++;
}

enum exit_action vmm_stop(struct vcpu *v, const char *fmt, ...)
{
	va_list ap;

	(void)v;
	va_start(ap, fmt);
	vsnprintf(stop_reason, sizeof(stop_reason), fmt, ap);
	va_end(ap);
	stops++;
	return EXIT_STOP_PARTITION;
}

void vmm_count_exit(struct vcpu *v, unsigned stat)
{
	(void)v;
	if (stat < NR_EXIT_STATS)
		counted[stat]++;
}

/* As vmm/partition.c finds an address's device. */
const struct mmio_device *partition_find_mmio(struct partition *p, u64 gpa)
{
	for (u32 i = 0; i < p->nr_mmio; i++)
		if (gpa >= p->mmio[i].base && gpa - p->mmio[i].base < p->mmio[i].size)
			return &p->mmio[i];
	return NULL;
}

/* ---- devices that log every access ---- */

#define LAPIC 9 /* the vCPU's LAPIC in the log */

struct access {
	int who;
	bool write;
	u64 off;
	u8 size;
	u64 val;
};

static struct access log_[256];
static u32 nlog;
static int fail_dev = -1, stop_dev = -1;

static struct partition part;
static struct vcpu vcpu;

static void record(int who, bool write, u64 off, u8 size, u64 val)
{
	if (nlog < ARRAY_SIZE(log_))
		log_[nlog] = (struct access){ who, write, off, size, write ? val : 0 };
	nlog++;
}

/* What a device reads: its number and the offset in the low bytes, a
 * pattern above, more than any access asks for. */
static u64 dev_value(int who, u64 off)
{
	return 0x8877665544330000ULL | ((u64)who << 8) | (off & 0xff);
}

static int dev_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val)
{
	int who = (int)(uintptr_t)opaque;
	(void)v;

	record(who, false, off, size, 0);
	if (who == fail_dev)
		return -EIO;
	*val = dev_value(who, off);
	return 0;
}

static int dev_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val)
{
	int who = (int)(uintptr_t)opaque;
	(void)v;

	record(who, true, off, size, val);
	if (who == fail_dev)
		return -EIO;
	if (who == stop_dev)
		part.state = PART_STOPPED;
	return 0;
}

/* The local APIC: where its page is, its mode, its registers. */
struct vlapic {
	u64 base;
	bool x2apic;
	bool absent; /* IA32_APIC_BASE.EN clear */
};

static struct vlapic lapic;

u64 vlapic_base(struct vlapic *l)
{
	return l->base;
}

bool vlapic_x2apic(struct vlapic *l)
{
	return l->x2apic;
}

bool vlapic_present(const struct vlapic *l)
{
	return !l->absent;
}

int vlapic_mmio_read(struct vcpu *v, void *opaque, u64 off, u8 size, u64 *val)
{
	(void)v;
	(void)opaque;
	record(LAPIC, false, off, size, 0);
	*val = dev_value(LAPIC, off);
	return 0;
}

int vlapic_mmio_write(struct vcpu *v, void *opaque, u64 off, u8 size, u64 val)
{
	(void)v;
	(void)opaque;
	record(LAPIC, true, off, size, val);
	return 0;
}

/* Memory hidden from the partition (the parent's view of the
 * hypervisor's), and pages mapped on demand. */
#define HIDDEN 0xe0000000ULL
#define ON_DEMAND 0xd0000000ULL

static u32 denied_count;
static u64 denied_gpa;
static bool denied_write;
static u32 demand_calls;

static bool hidden(const struct partition *p, u64 gpa)
{
	(void)p;
	return gpa >= HIDDEN && gpa < HIDDEN + 0x100000;
}

static void denied(const struct partition *p, u64 gpa, bool write)
{
	(void)p;
	denied_count++;
	denied_gpa = gpa;
	denied_write = write;
}

static bool map_on_demand(struct partition *p, u64 gpa)
{
	(void)p;
	demand_calls++;
	return gpa >= ON_DEMAND && gpa < ON_DEMAND + 0x1000;
}

static const struct partition_ops ops = {
	.hidden = hidden, .denied = denied, .map_on_demand = map_on_demand,
};

#define DEV_A 0xfed00000ULL /* 4 KiB */
#define DEV_B 0xfed01000ULL /* 16 bytes */
#define DEV_C 0xfee00000ULL /* where the LAPIC's page is by default */

/* ---- the guest ---- */

enum mode { M32, M64, M32_PAGING };

static void put32(u64 gpa, u32 v)
{
	memcpy(ram + gpa, &v, 4);
}

static void put64(u64 gpa, u64 v)
{
	memcpy(ram + gpa, &v, 8);
}

/* 32-bit paging: the first MiB mapped to itself through the table at
 * 0x3000, and the device pages A and B through the table at 0x4000
 * (directory entry 0x3fb), all user and writable unless changed. */
#define PD32 0x2000
#define PT_LOW 0x3000
#define PT_DEV 0x4000

static void paging32(void)
{
	put32(PD32, PT_LOW | PTE_P | PTE_W | PTE_U);
	put32(PD32 + 4 * 0x3fb, PT_DEV | PTE_P | PTE_W | PTE_U);
	for (u32 i = 0; i < 256; i++)
		put32(PT_LOW + 4 * i, (i << 12) | PTE_P | PTE_W | PTE_U);
	put32(PT_DEV + 4 * 0x100, (u32)DEV_A | PTE_P | PTE_W | PTE_U);
	put32(PT_DEV + 4 * 0x101, (u32)DEV_B | PTE_P | PTE_W | PTE_U);
	regs[VREG_CR0] = CR0_PE | CR0_PG | CR0_WP;
	regs[VREG_CR3] = PD32;
}

/* 4-level paging: the first 4 GiB mapped to themselves with 1 GiB pages. */
static void paging64(void)
{
	put64(0x2000, 0x3000 | PTE_P | PTE_W | PTE_U);
	for (u64 i = 0; i < 4; i++)
		put64(0x3000 + 8 * i, (i << 30) | PTE_P | PTE_W | PTE_U | PTE_PS);
	regs[VREG_CR0] = CR0_PE | CR0_PG;
	regs[VREG_CR3] = 0x2000;
	regs[VREG_CR4] = CR4_PAE;
	regs[VREG_EFER] = EFER_LME | EFER_LMA;
	segs[SEG_CS].attr = SEG_ATTR_TYPE(0xb) | SEG_ATTR_S | SEG_ATTR_P | SEG_ATTR_L;
}

static void setup(enum mode m, const u8 *code, size_t len)
{
	memset(&part, 0, sizeof(part));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(regs, 0, sizeof(regs));
	memset(segs, 0, sizeof(segs));
	memset(ram, 0, RAM_SIZE);
	memset(counted, 0, sizeof(counted));
	vcpu.part = &part;
	part.state = PART_RUNNING;
	/* The strict partitions of the hostile tests; unclaimed_floats
	 * turns it off. */
	part.cfg.stop_unclaimed = true;
	part.ram[0] = (struct mem_region){ 0, RAM_SIZE, (paddr_t)(uintptr_t)ram, false };
	part.nr_ram = 1;
	part.mmio[part.nr_mmio++] = (struct mmio_device){ DEV_A, 0x1000, (void *)1,
							  dev_read, dev_write };
	part.mmio[part.nr_mmio++] = (struct mmio_device){ DEV_B, 0x10, (void *)2,
							  dev_read, dev_write };
	nlog = gps = pfs = stops = denied_count = demand_calls = 0;
	stop_reason[0] = 0;
	fail_dev = stop_dev = -1;
	memcpy(ram + CODE, code, len);
	regs[VREG_RIP] = CODE;
	regs[VREG_RFLAGS] = RFLAGS_FIXED;
	regs[VREG_CR0] = CR0_PE;
	segs[SEG_CS] = (struct segment){ 0x08, SEG_ATTR_TYPE(0xb) | SEG_ATTR_S | SEG_ATTR_P |
					 SEG_ATTR_DB | SEG_ATTR_G, 0xffffffff, 0 };
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			segs[s] = (struct segment){ 0x10, SEG_ATTR_TYPE(3) | SEG_ATTR_S |
						    SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G,
						    0xffffffff, 0 };
	if (m == M64)
		paging64();
	else if (m == M32_PAGING)
		paging32();
}

/* ---- emulated accesses ---- */

#define RAX GPR_RAX
#define RBX GPR_RBX
#define RSI GPR_RSI
#define RDI GPR_RDI

static const struct emu_case {
	const char *what;
	enum mode mode;
	u8 code[15];
	u8 len;
	u64 rax, rbx, rsi, rdi;
	u64 gpa;          /* the access that exited */
	bool write;
	u32 n;
	struct access acc[2];
	u64 rax_after;
	u64 ram8000;      /* RAM at 0x8000 afterwards (MOVS) */
} emu_cases[] = {
	{ "mov [ebx], eax", M32, { 0x89, 0x03 }, 2,
	  0xffffffffcafebabeULL, DEV_A + 0x10, 0, 0, DEV_A + 0x10, true,
	  1, { { 1, true, 0x10, 4, 0xcafebabe } }, 0xffffffffcafebabeULL, 0 },
	{ "mov [ebx+1], al", M32, { 0x88, 0x43, 0x01 }, 3,
	  0xcafebabe, DEV_A + 0x10, 0, 0, DEV_A + 0x11, true,
	  1, { { 1, true, 0x11, 1, 0xbe } }, 0xcafebabe, 0 },
	{ "mov [ebx], ax", M32, { 0x66, 0x89, 0x03 }, 3,
	  0xcafebabe, DEV_A + 0x10, 0, 0, DEV_A + 0x10, true,
	  1, { { 1, true, 0x10, 2, 0xbabe } }, 0xcafebabe, 0 },
	{ "mov dword [ebx], imm32", M32, { 0xc7, 0x03, 0x78, 0x56, 0x34, 0x12 }, 6,
	  0, DEV_A + 0x10, 0, 0, DEV_A + 0x10, true,
	  1, { { 1, true, 0x10, 4, 0x12345678 } }, 0, 0 },
	{ "mov [moffs32], eax", M32, { 0xa3, 0x20, 0x00, 0xd0, 0xfe }, 5,
	  0x01020304, 0, 0, 0, DEV_A + 0x20, true,
	  1, { { 1, true, 0x20, 4, 0x01020304 } }, 0x01020304, 0 },
	{ "mov eax, [ebx]", M32, { 0x8b, 0x03 }, 2,
	  0xffffffffffffffffULL, DEV_A + 0x10, 0, 0, DEV_A + 0x10, false,
	  1, { { 1, false, 0x10, 4, 0 } }, 0x44330110ULL, 0 },
	{ "movzx eax, byte [ebx]", M32, { 0x0f, 0xb6, 0x03 }, 3,
	  0xffffffff, DEV_A + 0x24, 0, 0, DEV_A + 0x24, false,
	  1, { { 1, false, 0x24, 1, 0 } }, 0x24, 0 },
	{ "mov al, [ebx]", M32, { 0x8a, 0x03 }, 2,
	  0x12345678, DEV_A + 0x33, 0, 0, DEV_A + 0x33, false,
	  1, { { 1, false, 0x33, 1, 0 } }, 0x12345633, 0 },
	{ "mov ax, [ebx] in B", M32, { 0x66, 0x8b, 0x03 }, 3,
	  0x12345678, DEV_B + 0xe, 0, 0, DEV_B + 0xe, false,
	  1, { { 2, false, 0xe, 2, 0 } }, 0x1234020e, 0 },
	{ "or dword [ebx], 0x1000: read, then write", M32,
	  { 0x81, 0x0b, 0x00, 0x10, 0x00, 0x00 }, 6,
	  0, DEV_A + 0x40, 0, 0, DEV_A + 0x40, true,
	  2, { { 1, false, 0x40, 4, 0 }, { 1, true, 0x40, 4, 0x44331140 } }, 0, 0 },
	{ "stosd", M32, { 0xab }, 1,
	  0x55aa55aa, 0, 0, DEV_A + 0x30, DEV_A + 0x30, true,
	  1, { { 1, true, 0x30, 4, 0x55aa55aa } }, 0x55aa55aa, 0 },
	{ "movsd from RAM to the device", M32, { 0xa5 }, 1,
	  0, 0, 0x8000, DEV_A + 0x40, DEV_A + 0x40, true,
	  1, { { 1, true, 0x40, 4, 0x600dcafe } }, 0, 0x600dcafe },
	{ "movsd from the device to RAM", M32, { 0xa5 }, 1,
	  0, 0, DEV_A + 0x50, 0x8000, DEV_A + 0x50, false,
	  1, { { 1, false, 0x50, 4, 0 } }, 0, 0x44330150 },
	{ "mov [rbx], rax", M64, { 0x48, 0x89, 0x03 }, 3,
	  0x0123456789abcdefULL, DEV_A + 0x18, 0, 0, DEV_A + 0x18, true,
	  1, { { 1, true, 0x18, 8, 0x0123456789abcdefULL } }, 0x0123456789abcdefULL, 0 },
	{ "mov rax, [rbx]", M64, { 0x48, 0x8b, 0x03 }, 3,
	  0, DEV_A + 0x18, 0, 0, DEV_A + 0x18, false,
	  1, { { 1, false, 0x18, 8, 0 } }, 0x8877665544330118ULL, 0 },
	{ "mov eax, [rbx] zero-extends", M64, { 0x8b, 0x03 }, 2,
	  0xffffffffffffffffULL, DEV_A + 0x18, 0, 0, DEV_A + 0x18, false,
	  1, { { 1, false, 0x18, 4, 0 } }, 0x44330118ULL, 0 },
	{ "mov [rbx+8], eax, 64-bit", M64, { 0x89, 0x43, 0x08 }, 3,
	  0xffffffff87654321ULL, DEV_B, 0, 0, DEV_B + 8, true,
	  1, { { 2, true, 8, 4, 0x87654321 } }, 0xffffffff87654321ULL, 0 },
};

TEST(emulated_accesses)
{
	for (size_t i = 0; i < ARRAY_SIZE(emu_cases); i++) {
		const struct emu_case *c = &emu_cases[i];
		setup(c->mode, c->code, c->len);
		vcpu.gpr[RAX] = c->rax;
		vcpu.gpr[RBX] = c->rbx;
		vcpu.gpr[RSI] = c->rsi;
		vcpu.gpr[RDI] = c->rdi;
		put32(0x8000, 0x600dcafe);
		enum exit_action a = vmm_handle_gpa_fault(&vcpu, c->gpa, c->write, false);
		if (a != EXIT_RESUME || stops || gps || pfs)
			harness_fail(__FILE__, __LINE__,
				     "%s: action %d, stops %u (%s), #GP %u, #PF %u", c->what, a,
				     stops, stop_reason, gps, pfs);
		if (regs[VREG_RIP] != CODE + c->len)
			harness_fail(__FILE__, __LINE__, "%s: RIP %#llx", c->what,
				     (unsigned long long)regs[VREG_RIP]);
		if (vcpu.gpr[RAX] != c->rax_after)
			harness_fail(__FILE__, __LINE__, "%s: RAX %#llx, want %#llx", c->what,
				     (unsigned long long)vcpu.gpr[RAX],
				     (unsigned long long)c->rax_after);
		if (counted[STAT_MMIO] != 1 || counted[STAT_NPF])
			harness_fail(__FILE__, __LINE__, "%s: counted mmio %u npf %u", c->what,
				     counted[STAT_MMIO], counted[STAT_NPF]);
		if (c->ram8000) {
			u32 got;
			memcpy(&got, ram + 0x8000, 4);
			if (got != c->ram8000)
				harness_fail(__FILE__, __LINE__, "%s: RAM %#x", c->what, got);
		}
		if (nlog != c->n) {
			harness_fail(__FILE__, __LINE__, "%s: %u accesses, want %u", c->what,
				     nlog, c->n);
			continue;
		}
		for (u32 k = 0; k < c->n; k++) {
			const struct access *g = &log_[k], *w = &c->acc[k];
			if (g->who != w->who || g->write != w->write || g->off != w->off ||
			    g->size != w->size || g->val != w->val)
				harness_fail(__FILE__, __LINE__,
					     "%s: access %u: dev %d %s off %#llx size %u val %#llx",
					     c->what, k, g->who, g->write ? "write" : "read",
					     (unsigned long long)g->off, g->size,
					     (unsigned long long)g->val);
		}
	}
}

/* String registers move with the emulated MOVS/STOS; REP runs a bounded
 * number of iterations per exit, RIP staying on the instruction. */
TEST(string_instructions)
{
	static const u8 movsd[] = { 0xa5 };
	static const u8 rep_stosd[] = { 0xf3, 0xab };
	static const u8 std_movsb[] = { 0xa4 };

	setup(M32, movsd, sizeof(movsd));
	vcpu.gpr[RSI] = 0x8000;
	vcpu.gpr[RDI] = DEV_A + 0x40;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 0x40, true, false), EXIT_RESUME);
	CHECK_EQ(vcpu.gpr[RSI], 0x8004);
	CHECK_EQ(vcpu.gpr[RDI], DEV_A + 0x44);

	setup(M32, std_movsb, sizeof(std_movsb));
	regs[VREG_RFLAGS] |= RFLAGS_DF;
	vcpu.gpr[RSI] = DEV_A + 0x10;
	vcpu.gpr[RDI] = 0x8000;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 0x10, false, false), EXIT_RESUME);
	CHECK_EQ(vcpu.gpr[RSI], DEV_A + 0xf);
	CHECK_EQ(vcpu.gpr[RDI], 0x7fff);
	CHECK_EQ(ram[0x8000], 0x10);

	setup(M32, rep_stosd, sizeof(rep_stosd));
	vcpu.gpr[RAX] = 0xa5a5a5a5;
	vcpu.gpr[RDI] = DEV_A;
	vcpu.gpr[GPR_RCX] = 1000;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, true, false), EXIT_RESUME);
	CHECK_EQ(nlog, X86_REP_MAX_ITER);
	CHECK_EQ(vcpu.gpr[GPR_RCX], 1000 - X86_REP_MAX_ITER);
	CHECK_EQ(vcpu.gpr[RDI], DEV_A + 4 * X86_REP_MAX_ITER);
	CHECK_EQ(regs[VREG_RIP], CODE); /* again at the next exit */
	CHECK_EQ(log_[X86_REP_MAX_ITER - 1].off, 4 * (X86_REP_MAX_ITER - 1));
}

/* Single-stepped (RFLAGS.TF), an emulated access ends with the #DB the
 * CPU would raise, DR6.BS set and B0-B3 cleared; a REP instruction does
 * one iteration per exit, each with its trap, RIP staying on it until
 * the last. The interrupt shadow ends with the instruction. */
TEST(single_step)
{
	static const u8 mov_load[] = { 0x8b, 0x03 }; /* mov eax, [ebx] */
	static const u8 rep_stosd[] = { 0xf3, 0xab };

	setup(M32, mov_load, sizeof(mov_load));
	dbs = 0;
	vcpu.gpr[RBX] = DEV_A + 4;
	regs[VREG_RFLAGS] = RFLAGS_FIXED | RFLAGS_TF;
	regs[VREG_DR6] = 0xffff0ff0 | 0x5;
	regs[VREG_INTR_SHADOW] = 1;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 4, false, false), EXIT_RESUME);
	CHECK_EQ(regs[VREG_RIP], CODE + sizeof(mov_load));
	CHECK_EQ(dbs, 1);
	CHECK_EQ(regs[VREG_DR6], 0xffff0ff0 | DR6_BS);
	CHECK_EQ(regs[VREG_INTR_SHADOW], 0);

	/* TF clear: no trap, DR6 alone. */
	setup(M32, mov_load, sizeof(mov_load));
	dbs = 0;
	vcpu.gpr[RBX] = DEV_A + 4;
	regs[VREG_DR6] = 0xffff0ff0;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 4, false, false), EXIT_RESUME);
	CHECK_EQ(dbs, 0);
	CHECK_EQ(regs[VREG_DR6], 0xffff0ff0);

	setup(M32, rep_stosd, sizeof(rep_stosd));
	dbs = 0;
	regs[VREG_RFLAGS] = RFLAGS_FIXED | RFLAGS_TF;
	vcpu.gpr[RAX] = 0x11223344;
	vcpu.gpr[RDI] = DEV_A;
	vcpu.gpr[GPR_RCX] = 3;
	for (u32 k = 1; k <= 3; k++) {
		CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 4 * (k - 1), true, false), EXIT_RESUME);
		CHECK_EQ(nlog, k);
		CHECK_EQ(dbs, k);
		CHECK_EQ(vcpu.gpr[GPR_RCX], 3 - k);
		CHECK_EQ(regs[VREG_RIP], k < 3 ? CODE : CODE + sizeof(rep_stosd));
	}
}

/* Flags come from the emulated operation and go back through the backend. */
TEST(flags)
{
	static const u8 and_zero[] = { 0x83, 0x23, 0x00 };  /* and dword [ebx], 0 */
	/* cmp dword [ebx], 0x7fffffff */
	static const u8 cmp_big[] = { 0x81, 0x3b, 0xff, 0xff, 0xff, 0x7f };

	setup(M32, and_zero, sizeof(and_zero));
	vcpu.gpr[RBX] = DEV_A + 4;
	regs[VREG_RFLAGS] = RFLAGS_FIXED | RFLAGS_CF | RFLAGS_IF;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 4, true, false), EXIT_RESUME);
	CHECK_EQ(regs[VREG_RFLAGS], RFLAGS_FIXED | RFLAGS_IF | RFLAGS_ZF | RFLAGS_PF);
	REQUIRE(nlog == 2);
	CHECK_EQ(log_[1].val, 0);

	setup(M32, cmp_big, sizeof(cmp_big));
	vcpu.gpr[RBX] = DEV_A + 4;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 4, false, false), EXIT_RESUME);
	/* 0x44330104 - 0x7fffffff borrows and goes negative */
	CHECK(regs[VREG_RFLAGS] & RFLAGS_CF);
	CHECK(regs[VREG_RFLAGS] & RFLAGS_SF);
	CHECK(!(regs[VREG_RFLAGS] & RFLAGS_ZF));
	CHECK_EQ(nlog, 1); /* CMP only reads */
}

/* Segment bases: outside 64-bit mode every segment's; in 64-bit mode
 * only FS and GS have one. */
TEST(segment_bases)
{
	static const u8 mov_ds[] = { 0x89, 0x03 };             /* mov [ebx], eax */
	static const u8 mov_fs[] = { 0x64, 0x89, 0x03 };       /* mov fs:[rbx], eax */

	setup(M32, mov_ds, sizeof(mov_ds));
	segs[SEG_DS].base = DEV_A;
	vcpu.gpr[RBX] = 0x60;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 0x60, true, false), EXIT_RESUME);
	REQUIRE(nlog == 1);
	CHECK_EQ(log_[0].off, 0x60);

	setup(M64, mov_ds, sizeof(mov_ds));
	segs[SEG_DS].base = 0x1000;
	vcpu.gpr[RBX] = DEV_A + 0x60;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 0x60, true, false), EXIT_RESUME);
	REQUIRE(nlog == 1);
	CHECK_EQ(log_[0].off, 0x60);

	setup(M64, mov_fs, sizeof(mov_fs));
	segs[SEG_FS].base = 0x70;
	vcpu.gpr[RBX] = DEV_A;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 0x70, true, false), EXIT_RESUME);
	REQUIRE(nlog == 1);
	CHECK_EQ(log_[0].off, 0x70);
}

/* The vCPU's own xAPIC page comes first, wherever its base is; in x2APIC
 * mode there is no page, and the address is the partition's again. */
TEST(lapic_page_first)
{
	static const u8 mov[] = { 0x89, 0x03 };

	setup(M32, mov, sizeof(mov));
	part.mmio[part.nr_mmio++] = (struct mmio_device){ DEV_C, 0x1000, (void *)3,
							  dev_read, dev_write };
	vcpu.lapic = &lapic;
	lapic = (struct vlapic){ DEV_C, false, false };
	vcpu.gpr[RAX] = 0x20;
	vcpu.gpr[RBX] = DEV_C + 0x80;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_C + 0x80, true, false), EXIT_RESUME);
	REQUIRE(nlog == 1);
	CHECK_EQ(log_[0].who, LAPIC);
	CHECK_EQ(log_[0].off, 0x80);
	CHECK_EQ(log_[0].val, 0x20);

	/* Moved over device A: A's page is the LAPIC's now. */
	setup(M32, mov, sizeof(mov));
	vcpu.lapic = &lapic;
	lapic = (struct vlapic){ DEV_A, false, false };
	vcpu.gpr[RBX] = DEV_A + 0x300;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 0x300, true, false), EXIT_RESUME);
	REQUIRE(nlog == 1);
	CHECK_EQ(log_[0].who, LAPIC);
	CHECK_EQ(log_[0].off, 0x300);

	/* x2APIC: the page is device C's, or nobody's. */
	setup(M32, mov, sizeof(mov));
	part.mmio[part.nr_mmio++] = (struct mmio_device){ DEV_C, 0x1000, (void *)3,
							  dev_read, dev_write };
	vcpu.lapic = &lapic;
	lapic = (struct vlapic){ DEV_C, true, false };
	vcpu.gpr[RBX] = DEV_C + 0x80;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_C + 0x80, true, false), EXIT_RESUME);
	REQUIRE(nlog == 1);
	CHECK_EQ(log_[0].who, 3);

	setup(M32, mov, sizeof(mov));
	vcpu.lapic = &lapic;
	lapic = (struct vlapic){ DEV_C, true, false };
	vcpu.gpr[RBX] = DEV_C + 0x80;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_C + 0x80, true, false), EXIT_STOP_PARTITION);
	CHECK_EQ(nlog, 0);
	CHECK(harness_contains(stop_reason, "which it does not own"));

	/* Globally disabled (SDM Vol. 3A 11.4.3): not the APIC's page any
	 * more either; a child's write there vanishes as at any unclaimed
	 * address. */
	setup(M32, mov, sizeof(mov));
	part.cfg.stop_unclaimed = false;
	vcpu.lapic = &lapic;
	lapic = (struct vlapic){ DEV_C, false, true };
	vcpu.gpr[RBX] = DEV_C + 0x80;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_C + 0x80, true, false), EXIT_RESUME);
	CHECK_EQ(nlog, 0);
}

/* Memory hidden from the partition: reads float high at every size,
 * writes vanish, and the builder hears of each. */
TEST(hidden_memory_floats)
{
	static const struct {
		u8 code[4];
		u8 len;
		bool write;
		u64 rax_after;
	} cases[] = {
		{ { 0x8a, 0x03 }, 2, false, 0x01234567890abcffULL },        /* mov al, [rbx] */
		{ { 0x66, 0x8b, 0x03 }, 3, false, 0x0123456789abffffULL },  /* mov ax, [rbx] */
		{ { 0x8b, 0x03 }, 2, false, 0xffffffffULL },                /* mov eax, [rbx] */
		{ { 0x48, 0x8b, 0x03 }, 3, false, ~0ULL },                  /* mov rax, [rbx] */
		{ { 0x48, 0x89, 0x03 }, 3, true, 0x0123456789abcdefULL },   /* mov [rbx], rax */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		setup(M64, cases[i].code, cases[i].len);
		part.ops = &ops;
		vcpu.gpr[RAX] = i == 0 ? 0x01234567890abcdeULL : 0x0123456789abcdefULL;
		vcpu.gpr[RBX] = HIDDEN + 0x5008;
		CHECK_EQ(vmm_handle_gpa_fault(&vcpu, HIDDEN + 0x5008, cases[i].write, false),
			 EXIT_RESUME);
		CHECK_EQ(vcpu.gpr[RAX], cases[i].rax_after);
		CHECK_EQ(regs[VREG_RIP], CODE + cases[i].len);
		CHECK_EQ(denied_count, 1);
		CHECK_EQ(denied_gpa, HIDDEN + 0x5008);
		CHECK_EQ(denied_write, cases[i].write);
		CHECK_EQ(nlog, 0);
	}

	/* The parent at hidden memory with an instruction the emulator does
	 * not know (MOVUPS [rbx], xmm0): #GP, not a stopped parent; a child
	 * with the same is stopped. */
	static const u8 movups[] = { 0x0f, 0x11, 0x03 };
	setup(M64, movups, sizeof(movups));
	part.ops = &ops;
	part.is_parent = true;
	gps = 0;
	vcpu.gpr[RBX] = HIDDEN + 0x5008;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, HIDDEN + 0x5008, true, false), EXIT_RESUME);
	CHECK_EQ(gps, 1);
	CHECK_EQ(regs[VREG_RIP], CODE);
	setup(M64, movups, sizeof(movups));
	part.ops = &ops;
	vcpu.gpr[RBX] = HIDDEN + 0x5008;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, HIDDEN + 0x5008, true, false), EXIT_STOP_PARTITION);

	/* Not hidden, not a device: stopped, and nobody told. */
	static const u8 mov[] = { 0x8b, 0x03 };
	setup(M64, mov, sizeof(mov));
	part.ops = &ops;
	vcpu.gpr[RBX] = HIDDEN + 0x100000;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, HIDDEN + 0x100000, false, false),
		 EXIT_STOP_PARTITION);
	CHECK_EQ(denied_count, 0);
}

/* A child made without stop_unclaimed, at an address with nothing behind
 * it: data reads float high, writes vanish, each logged (rate-limited);
 * a fetch or an event delivery there still stops it; the parent's rules
 * are its builder's (hidden/denied), not this. */
TEST(unclaimed_floats)
{
	static const u8 rd[] = { 0x48, 0x8b, 0x03 }; /* mov rax, [rbx] */
	static const u8 wr[] = { 0x89, 0x03 };       /* mov [rbx], eax */

	setup(M64, rd, sizeof(rd));
	part.cfg.stop_unclaimed = false;
	limited_logs = 0;
	vcpu.gpr[RBX] = 0xc0000000;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, 0xc0000000, false, false), EXIT_RESUME);
	CHECK_EQ(vcpu.gpr[RAX], ~0ULL);
	CHECK_EQ(regs[VREG_RIP], CODE + sizeof(rd));
	CHECK_EQ(limited_logs, 1);

	setup(M64, wr, sizeof(wr));
	part.cfg.stop_unclaimed = false;
	vcpu.gpr[RBX] = 0xc0000000;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, 0xc0000000, true, false), EXIT_RESUME);
	CHECK_EQ(regs[VREG_RIP], CODE + sizeof(wr));
	CHECK_EQ(limited_logs, 2);
	CHECK_EQ(nlog, 0);

	setup(M64, wr, sizeof(wr));
	part.cfg.stop_unclaimed = false;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, 0xc0000000, false, true), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "executes guest-physical address 0xc0000000"));

	setup(M64, wr, sizeof(wr));
	part.cfg.stop_unclaimed = false;
	vcpu.event.valid = true;
	vcpu.gpr[RBX] = 0xc0000000;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, 0xc0000000, true, false), EXIT_STOP_PARTITION);

	/* The parent: not this rule (stopped here: its test ops hide nothing
	 * at this address). */
	setup(M64, rd, sizeof(rd));
	part.cfg.stop_unclaimed = false;
	part.is_parent = true;
	vcpu.gpr[RBX] = 0xc0000000;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, 0xc0000000, false, false), EXIT_STOP_PARTITION);
}

/* An address the builder maps on its first access: retried, nothing
 * emulated; one it does not map falls through to the rest. */
TEST(map_on_demand)
{
	static const u8 mov[] = { 0x89, 0x03 };

	setup(M32, mov, sizeof(mov));
	part.ops = &ops;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, ON_DEMAND + 0x10, true, false), EXIT_RESUME);
	CHECK_EQ(demand_calls, 1);
	CHECK_EQ(regs[VREG_RIP], CODE);
	CHECK_EQ(nlog, 0);
	CHECK_EQ(counted[STAT_MMIO] + counted[STAT_NPF], 0);

	setup(M32, mov, sizeof(mov));
	part.ops = &ops;
	vcpu.gpr[RBX] = DEV_A;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, true, false), EXIT_RESUME);
	CHECK_EQ(demand_calls, 1);
	CHECK_EQ(nlog, 1);
}

/* What stops the partition, with the reason it gives. */
TEST(stops)
{
	static const u8 mov[] = { 0x89, 0x03 };
	static const u8 ud2[] = { 0x0f, 0x0b };
	static const u8 reg_mov[] = { 0x89, 0xc3 };         /* mov ebx, eax: no memory */
	static const u8 cpuid_insn[] = { 0x0f, 0xa2 };
	static const u8 truncated[] = { 0xc7, 0x03, 0x78 }; /* at the end of RAM */

	/* Nothing there: read, write, fetch; nothing emulated, NPF counted. */
	static const struct {
		bool write, fetch;
		const char *reason;
	} unowned[] = {
		{ false, false, "reads guest-physical address 0xc0000000, which it does not own" },
		{ true, false, "writes guest-physical address 0xc0000000" },
		{ false, true, "executes guest-physical address 0xc0000000" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(unowned); i++) {
		setup(M32, mov, sizeof(mov));
		vcpu.gpr[RBX] = 0xc0000000;
		CHECK_EQ(vmm_handle_gpa_fault(&vcpu, 0xc0000000, unowned[i].write,
					      unowned[i].fetch), EXIT_STOP_PARTITION);
		CHECK(harness_contains(stop_reason, unowned[i].reason));
		CHECK_EQ(counted[STAT_NPF], 1);
		CHECK_EQ(counted[STAT_MMIO], 0);
		CHECK_EQ(regs[VREG_RIP], CODE);
	}

	setup(M32, mov, sizeof(mov));
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, false, true), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "executes device memory at 0xfed00000"));
	CHECK_EQ(nlog, 0);

	setup(M32, mov, sizeof(mov));
	vcpu.event.valid = true;
	vcpu.gpr[RBX] = DEV_A;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, true, false), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "delivers an event through device memory"));
	CHECK_EQ(nlog, 0);

	/* Instructions outside the emulator's set, or without a memory operand. */
	setup(M32, ud2, sizeof(ud2));
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, true, false), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "cannot emulate the access to device 0xfed00000"));
	CHECK(harness_contains(stop_reason, "0f 0b"));
	setup(M32, reg_mov, sizeof(reg_mov));
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, true, false), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "(invalid)"));
	setup(M32, cpuid_insn, sizeof(cpuid_insn));
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, true, false), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "(unsupported)"));
	CHECK_EQ(regs[VREG_RIP], CODE);
	CHECK_EQ(nlog, 0);

	/* An instruction cut short by the end of the partition's RAM. */
	setup(M32, mov, sizeof(mov));
	memcpy(ram + RAM_SIZE - sizeof(truncated), truncated, sizeof(truncated));
	regs[VREG_RIP] = RAM_SIZE - sizeof(truncated);
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, true, false), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "(truncated)"));

	/* RIP outside RAM, paging off: no instruction to read. */
	setup(M32, mov, sizeof(mov));
	regs[VREG_RIP] = 0x40000000;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, true, false), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "cannot read the instruction"));

	/* Straddling the end of device B: nothing reaches it. */
	setup(M32, mov, sizeof(mov));
	vcpu.gpr[RBX] = DEV_B + 0xe;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_B + 0xe, true, false), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "near device 0xfed0100e failed (error at"));
	CHECK_EQ(nlog, 0);
	CHECK_EQ(regs[VREG_RIP], CODE);

	/* The device's own error. */
	setup(M32, mov, sizeof(mov));
	fail_dev = 1;
	vcpu.gpr[RBX] = DEV_A + 8;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A + 8, true, false), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "emulated access near device 0xfed00008 failed"));
	CHECK_EQ(regs[VREG_RIP], CODE);

	/* MOVS whose other operand is memory the partition does not own. */
	static const u8 movsd[] = { 0xa5 };
	setup(M32, movsd, sizeof(movsd));
	vcpu.gpr[RSI] = DEV_A;
	vcpu.gpr[RDI] = 0x40000000;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, false, false), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "memory it does not own at 0x40000000"));
	CHECK_EQ(vcpu.gpr[RSI], DEV_A);
	CHECK_EQ(regs[VREG_RIP], CODE);

	/* The device stopped the partition: the instruction completed. */
	setup(M32, mov, sizeof(mov));
	stop_dev = 1;
	vcpu.gpr[RBX] = DEV_A;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, true, false), EXIT_STOP_PARTITION);
	CHECK_EQ(stops, 0);
	CHECK_EQ(regs[VREG_RIP], CODE + 2);
}

/* The emulated accesses have the guest's rights: a CPL 3 access to a
 * supervisor device page, a write through a read-only page, and a MOVS
 * whose other operand faults get #PF; a non-canonical one #GP. Neither
 * reaches the device, and RIP stays. */
TEST(guest_rights)
{
	static const u8 mov_w[] = { 0x89, 0x03 };
	static const u8 mov_r[] = { 0x8b, 0x03 };
	static const u8 movsd[] = { 0xa5 };
	static const u8 movsq[] = { 0x48, 0xa5 };
	static const struct {
		const char *what;
		const u8 *code;
		u8 len;
		u32 dev_pte;   /* flags of device A's page */
		u32 ram_pte;   /* flags of page 0x8 (RAM at 0x8000) */
		u8 cpl;
		bool write;
		u64 fault;
		u32 error;
	} cases[] = {
		{ "CPL 3 write to a supervisor device page", mov_w, 2,
		  PTE_P | PTE_W, PTE_P | PTE_W | PTE_U, 3, true, DEV_A + 0x10, 0x7 },
		{ "CPL 3 read of a supervisor device page", mov_r, 2,
		  PTE_P | PTE_W, PTE_P | PTE_W | PTE_U, 3, false, DEV_A + 0x10, 0x5 },
		{ "CPL 0 write through a read-only page (CR0.WP)", mov_w, 2,
		  PTE_P | PTE_U, PTE_P | PTE_W | PTE_U, 0, true, DEV_A + 0x10, 0x3 },
		{ "MOVS to a read-only RAM page", movsd, 1,
		  PTE_P | PTE_W | PTE_U, PTE_P | PTE_U, 0, false, 0x8000, 0x3 },
		{ "CPL 3 MOVS to a supervisor RAM page", movsd, 1,
		  PTE_P | PTE_W | PTE_U, PTE_P | PTE_W, 3, false, 0x8000, 0x7 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		setup(M32_PAGING, cases[i].code, cases[i].len);
		put32(PT_DEV + 4 * 0x100, (u32)DEV_A | cases[i].dev_pte);
		put32(PT_LOW + 4 * 8, 0x8000 | cases[i].ram_pte);
		regs[VREG_CPL] = cases[i].cpl;
		vcpu.gpr[RBX] = DEV_A + 0x10;
		vcpu.gpr[RSI] = DEV_A + 0x10;
		vcpu.gpr[RDI] = 0x8000;
		enum exit_action a = vmm_handle_gpa_fault(&vcpu, DEV_A + 0x10, cases[i].write,
							  false);
		if (a != EXIT_RESUME || pfs != 1 || pf_addr != cases[i].fault ||
		    pf_error != cases[i].error || regs[VREG_RIP] != CODE || stops ||
		    ram[0x8000] != 0)
			harness_fail(__FILE__, __LINE__,
				     "%s: action %d, #PF %u at %#llx error %#x, RIP %#llx, "
				     "stops %u (%s)", cases[i].what, a, pfs,
				     (unsigned long long)pf_addr, pf_error,
				     (unsigned long long)regs[VREG_RIP], stops, stop_reason);
		/* MOVS reads the device before it writes RAM; nothing else
		 * reaches it. */
		CHECK_EQ(nlog, cases[i].code == movsd ? 1u : 0u);
		CHECK(nlog == 0 || !log_[0].write);
	}

	/* 64-bit MOVSQ to a non-canonical RDI: #GP(0). */
	setup(M64, movsq, sizeof(movsq));
	vcpu.gpr[RSI] = DEV_A;
	vcpu.gpr[RDI] = 0x0000800000000000ULL;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, false, false), EXIT_RESUME);
	CHECK_EQ(gps, 1);
	CHECK_EQ(pfs, 0);
	CHECK_EQ(regs[VREG_RIP], CODE);
	CHECK_EQ(vcpu.gpr[RSI], DEV_A);

	/* The instruction itself on a page CPL 3 may not fetch: #PF at RIP. */
	setup(M32_PAGING, mov_w, sizeof(mov_w));
	put32(PT_LOW + 4 * 1, CODE | PTE_P | PTE_W);
	regs[VREG_CPL] = 3;
	vcpu.gpr[RBX] = DEV_A;
	CHECK_EQ(vmm_handle_gpa_fault(&vcpu, DEV_A, true, false), EXIT_RESUME);
	CHECK_EQ(pfs, 1);
	CHECK_EQ(pf_addr, CODE);
	CHECK_EQ(pf_error, 0x5);
	CHECK_EQ(nlog, 0);
}

int main(void)
{
	ram = calloc(1, RAM_SIZE);
	if (!ram)
		return 1;
	RUN(emulated_accesses);
	RUN(string_instructions);
	RUN(single_step);
	RUN(flags);
	RUN(segment_bases);
	RUN(lapic_page_first);
	RUN(hidden_memory_floats);
	RUN(unclaimed_floats);
	RUN(map_on_demand);
	RUN(stops);
	RUN(guest_rights);
	int r = harness_finish();
	free(ram);
	return r;
}
