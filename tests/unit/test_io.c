// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port I/O dispatch (vmm/io.c) through vmm_handle_io(), as the backends
 * call it, with the real guest-memory and segment code (vmm/gmem.c,
 * vmm/guest_insn.c) under string I/O. Checks that each byte lane reaches
 * only the device that claims its port (an access straddling two devices,
 * or a device and nothing, is split into bytes; a whole access stays
 * whole), that unclaimed lanes float high or go to the builder's hook
 * with only their own bits, that lanes past port 0xffff reach nothing
 * (no wrap to port 0), that IN merges into RAX by size (IN EAX zeroing the
 * upper half), that device errors, restarts and stops end the
 * instruction, and that INS/OUTS honour DF, the address size, segments,
 * the per-exit budget, paging faults (INS faults before the port is read)
 * and memory the partition does not own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_backend.h"
#include "vmm/backend.h"
#include "vmm/base/errno.h"
#include "vmm/event.h"
#include "vmm/exit.h"
#include "vmm/partition.h"

/* ---- stubs: backend registers, events, vmm_stop ---- */

#define INSN_LEN FAKE_INSN_LEN
#define RAM_SIZE 0x100000

static u8 *ram;
static u32 exc_count, stops;
static u8 exc_vector;
static u32 exc_error;
static u64 exc_cr2;
static char stop_reason[160];

bool vcpu_queue_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	(void)v;
	exc_count++;
	exc_vector = vector;
	exc_error = has_error ? error : ~0u;
	return true;
}

void vcpu_inject_gp(struct vcpu *v, u32 error)
{
	vcpu_queue_exception(v, VEC_GP, true, error);
}

void vcpu_inject_pf(struct vcpu *v, u64 addr, u32 error)
{
	exc_cr2 = addr;
	vcpu_queue_exception(v, VEC_PF_V, true, error);
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

/* As vmm/partition.c finds a port's device. */
const struct io_device *partition_find_io(struct partition *p, u16 port)
{
	for (u32 i = 0; i < p->nr_io; i++)
		if (port >= p->io[i].base && port - p->io[i].base < p->io[i].count)
			return &p->io[i];
	return NULL;
}

/* ---- devices that log every access ---- */

#define HOOK 9 /* the builder's unclaimed_port hook in the log */

struct access {
	int who;
	u16 port;
	u8 size;
	bool in;
	u32 val; /* OUT: the value the owner got */
};

static struct access log_[64];
static u32 nlog;
static int fail_dev = -1;      /* this device's accesses fail */
static int restart_dev = -1;   /* this device's writes restart the partition */
static int stop_dev = -1;      /* this device's writes stop the partition */
static u32 in_seq;             /* string INS: successive values */
static bool in_seq_on;

static struct partition part;
static struct vcpu vcpu;

static void record(int who, u16 port, u8 size, bool in, u32 val)
{
	if (nlog < ARRAY_SIZE(log_))
		log_[nlog] = (struct access){ who, port, size, in, in ? 0 : val };
	nlog++;
}

/* A device's byte at a port: (device << 4) | low nibble of the port. */
static u8 dev_byte(int who, u32 port)
{
	return (u8)((who << 4) | (port & 0xf));
}

static int dev_read(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val)
{
	int who = (int)(uintptr_t)opaque;
	(void)v;

	record(who, port, size, true, 0);
	if (who == fail_dev)
		return -EIO;
	if (in_seq_on) {
		*val = in_seq++;
		return 0;
	}
	/* Its bytes in the lanes asked for, and garbage above them. */
	*val = 0xdeadbeef;
	for (u8 i = 0; i < size; i++) {
		*val &= ~(0xffu << (8 * i));
		*val |= (u32)dev_byte(who, (u32)port + i) << (8 * i);
	}
	return 0;
}

static int dev_write(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val)
{
	int who = (int)(uintptr_t)opaque;
	(void)v;

	record(who, port, size, false, val);
	if (who == fail_dev)
		return -EIO;
	if (who == restart_dev)
		part.restarts++;
	if (who == stop_dev)
		part.state = PART_STOPPED;
	return 0;
}

static void hook(struct vcpu *v, u16 port, u8 size, bool in, u32 *val)
{
	(void)v;
	record(HOOK, port, size, in, *val);
	if (in)
		*val = 0xabcdef00u | ((port & 0xff) ^ 0x5a); /* more than asked for */
}

static const struct partition_ops hook_ops = { .unclaimed_port = hook };

/* The devices; `which` is a mask of their numbers. */
static const struct { int who; u16 base, count; } devices[] = {
	{ 1, 0x70, 2 },     /* A */
	{ 2, 0x72, 2 },     /* B, right after A */
	{ 3, 0x80, 1 },     /* C, alone */
	{ 4, 0xfffe, 2 },   /* D, the last two ports */
	{ 5, 0x0000, 4 },   /* E, the first four: nothing may wrap to it */
	{ 6, 0x00e9, 1 },   /* F, a debug port for string I/O */
};

static void setup(u32 which, bool with_hook)
{
	memset(&part, 0, sizeof(part));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(regs, 0, sizeof(regs));
	memset(segs, 0, sizeof(segs));
	memset(ram, 0, RAM_SIZE);
	vcpu.part = &part;
	part.state = PART_RUNNING;
	part.ops = with_hook ? &hook_ops : NULL;
	part.ram[0] = (struct mem_region){ 0, RAM_SIZE, (paddr_t)(uintptr_t)ram, false };
	part.nr_ram = 1;
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		if (!(which & (1u << devices[i].who)))
			continue;
		part.io[part.nr_io++] = (struct io_device){
			.base = devices[i].base, .count = devices[i].count,
			.opaque = (void *)(uintptr_t)devices[i].who,
			.read = dev_read, .write = dev_write,
		};
	}
	nlog = exc_count = stops = 0;
	stop_reason[0] = 0;
	fail_dev = restart_dev = stop_dev = -1;
	in_seq_on = false;
	/* Flat 32-bit protected mode, paging off, CPL 0. */
	regs[VREG_CR0] = CR0_PE;
	regs[VREG_RFLAGS] = RFLAGS_FIXED;
	regs[VREG_RIP] = 0x1000;
	segs[SEG_CS] = (struct segment){ 0x08, SEG_ATTR_TYPE(0xb) | SEG_ATTR_S | SEG_ATTR_P |
					 SEG_ATTR_DB | SEG_ATTR_G, 0xffffffff, 0 };
	for (int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			segs[s] = (struct segment){ 0x10, SEG_ATTR_TYPE(3) | SEG_ATTR_S |
						    SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G,
						    0xffffffff, 0 };
}

#define ALL_DEVS 0x7e

static enum exit_action port_io(u16 port, u8 size, bool in)
{
	struct io_access io = { .port = port, .size = size, .in = in };

	return vmm_handle_io(&vcpu, &io);
}

/* ---- simple IN/OUT ---- */

static const struct lane_case {
	const char *what;
	u32 devs;
	bool hook;
	u16 port;
	u8 size;
	bool in;
	u64 rax, rax_after;
	u32 n;
	struct access log[4];
} lane_cases[] = {
	{ "outl over A and B", ALL_DEVS, false, 0x70, 4, false,
	  0xffffffff44332211ULL, 0xffffffff44332211ULL, 4,
	  { { 1, 0x70, 1, false, 0x11 }, { 1, 0x71, 1, false, 0x22 },
	    { 2, 0x72, 1, false, 0x33 }, { 2, 0x73, 1, false, 0x44 } } },
	{ "outw within A stays whole", ALL_DEVS, false, 0x70, 2, false,
	  0x99999999ccddbbaaULL, 0x99999999ccddbbaaULL, 1, { { 1, 0x70, 2, false, 0xbbaa } } },
	{ "outw from A's last port", ALL_DEVS, false, 0x71, 2, false,
	  0x123456ccbbaaULL, 0x123456ccbbaaULL, 2,
	  { { 1, 0x71, 1, false, 0xaa }, { 2, 0x72, 1, false, 0xbb } } },
	{ "outb sees AL only", ALL_DEVS, false, 0x72, 1, false,
	  0x7766554433221155ULL, 0x7766554433221155ULL, 1, { { 2, 0x72, 1, false, 0x55 } } },
	{ "outw sees AX only", ALL_DEVS, false, 0x70, 2, false,
	  0x1111111122223344ULL, 0x1111111122223344ULL, 1, { { 1, 0x70, 2, false, 0x3344 } } },
	{ "inl over A and B", ALL_DEVS, false, 0x70, 4, true,
	  0xffffffffffffffffULL, 0x23221110ULL, 4,
	  { { 1, 0x70, 1, true, 0 }, { 1, 0x71, 1, true, 0 },
	    { 2, 0x72, 1, true, 0 }, { 2, 0x73, 1, true, 0 } } },
	{ "inw within B, upper RAX kept", ALL_DEVS, false, 0x72, 2, true,
	  0x0123456789abcdefULL, 0x0123456789ab2322ULL, 1, { { 2, 0x72, 2, true, 0 } } },
	{ "inb of B's second port", ALL_DEVS, false, 0x73, 1, true,
	  0x0123456789abcdefULL, 0x0123456789abcd23ULL, 1, { { 2, 0x73, 1, true, 0 } } },
	{ "inl around C floats the rest", ALL_DEVS, false, 0x7f, 4, true,
	  0x5555555555555555ULL, 0xffff30ffULL, 1, { { 3, 0x80, 1, true, 0 } } },
	{ "outl around C gives C its lane", ALL_DEVS, false, 0x7f, 4, false,
	  0x44332211ULL, 0x44332211ULL, 1, { { 3, 0x80, 1, false, 0x22 } } },
	{ "inl at 0xfffe: two lanes past the end", ALL_DEVS, false, 0xfffe, 4, true,
	  0, 0xffff4f4eULL, 2, { { 4, 0xfffe, 1, true, 0 }, { 4, 0xffff, 1, true, 0 } } },
	{ "outl at 0xfffe: nothing wraps to port 0", ALL_DEVS, false, 0xfffe, 4, false,
	  0x44332211ULL, 0x44332211ULL, 2,
	  { { 4, 0xfffe, 1, false, 0x11 }, { 4, 0xffff, 1, false, 0x22 } } },
	{ "inw at 0xffff", ALL_DEVS, false, 0xffff, 2, true,
	  0xaaaaaaaaaaaaaaaaULL, 0xaaaaaaaaaaaaff4fULL, 1, { { 4, 0xffff, 1, true, 0 } } },
	{ "inb of nothing floats", ALL_DEVS, false, 0x90, 1, true,
	  0x0123456789abcdefULL, 0x0123456789abcdffULL, 0, { { 0 } } },
	{ "inw of nothing floats", ALL_DEVS, false, 0x90, 2, true,
	  0x0123456789abcdefULL, 0x0123456789abffffULL, 0, { { 0 } } },
	{ "inl of nothing floats, upper RAX cleared", ALL_DEVS, false, 0x90, 4, true,
	  0x0123456789abcdefULL, 0xffffffffULL, 0, { { 0 } } },
	{ "inl past the end with nothing there", 0, false, 0xfffd, 4, true,
	  0, 0xffffffffULL, 0, { { 0 } } },
	{ "outw to nothing vanishes", ALL_DEVS, false, 0x90, 2, false,
	  0x1234, 0x1234, 0, { { 0 } } },
	/* With the builder's hook for unclaimed ports (the parent's). */
	{ "hook: whole access to nothing", ALL_DEVS, true, 0x1f0, 2, true,
	  0x0123456789abcdefULL, 0x0123456789abefaaULL, 1, { { HOOK, 0x1f0, 2, true, 0 } } },
	{ "hook: inb answers AL only", ALL_DEVS, true, 0x90, 1, true,
	  0x0123456789abcdefULL, 0x0123456789abcdcaULL, 1, { { HOOK, 0x90, 1, true, 0 } } },
	{ "hook: outb sees AL only", ALL_DEVS, true, 0x90, 1, false,
	  0x0123456789abcd34ULL, 0x0123456789abcd34ULL, 1, { { HOOK, 0x90, 1, false, 0x34 } } },
	{ "hook: outw sees AX only", ALL_DEVS, true, 0x90, 2, false,
	  0x0123456789ab1234ULL, 0x0123456789ab1234ULL, 1, { { HOOK, 0x90, 2, false, 0x1234 } } },
	{ "hook: lanes around C", ALL_DEVS, true, 0x7f, 4, true,
	  0, 0xd8db3025ULL, 4,
	  { { HOOK, 0x7f, 1, true, 0 }, { 3, 0x80, 1, true, 0 },
	    { HOOK, 0x81, 1, true, 0 }, { HOOK, 0x82, 1, true, 0 } } },
	{ "hook: outl around C", ALL_DEVS, true, 0x7f, 4, false,
	  0x44332211ULL, 0x44332211ULL, 4,
	  { { HOOK, 0x7f, 1, false, 0x11 }, { 3, 0x80, 1, false, 0x22 },
	    { HOOK, 0x81, 1, false, 0x33 }, { HOOK, 0x82, 1, false, 0x44 } } },
	{ "hook: never for lanes past 0xffff", 0x20, true, 0xfffe, 4, true,
	  0, 0xffffa5a4ULL, 2, { { HOOK, 0xfffe, 1, true, 0 }, { HOOK, 0xffff, 1, true, 0 } } },
	{ "hook: outw at 0xffff", 0x20, true, 0xffff, 2, false,
	  0xbbaa, 0xbbaa, 1, { { HOOK, 0xffff, 1, false, 0xaa } } },
};

TEST(byte_lanes)
{
	for (size_t i = 0; i < ARRAY_SIZE(lane_cases); i++) {
		const struct lane_case *c = &lane_cases[i];
		setup(c->devs, c->hook);
		vcpu.gpr[GPR_RAX] = c->rax;
		enum exit_action a = port_io(c->port, c->size, c->in);
		if (a != EXIT_RESUME || regs[VREG_RIP] != 0x1000 + INSN_LEN || stops)
			harness_fail(__FILE__, __LINE__, "%s: action %d, RIP %#llx, stops %u",
				     c->what, a, (unsigned long long)regs[VREG_RIP], stops);
		if (vcpu.gpr[GPR_RAX] != c->rax_after)
			harness_fail(__FILE__, __LINE__, "%s: RAX %#llx, want %#llx", c->what,
				     (unsigned long long)vcpu.gpr[GPR_RAX],
				     (unsigned long long)c->rax_after);
		if (nlog != c->n) {
			harness_fail(__FILE__, __LINE__, "%s: %u accesses, want %u", c->what,
				     nlog, c->n);
			continue;
		}
		for (u32 k = 0; k < c->n; k++) {
			const struct access *g = &log_[k], *w = &c->log[k];
			if (g->who != w->who || g->port != w->port || g->size != w->size ||
			    g->in != w->in || g->val != w->val)
				harness_fail(__FILE__, __LINE__,
					     "%s: access %u: %d port %#x size %u %s %#x, want "
					     "%d port %#x size %u %s %#x", c->what, k, g->who,
					     g->port, g->size, g->in ? "in" : "out", g->val,
					     w->who, w->port, w->size, w->in ? "in" : "out",
					     w->val);
		}
	}
}

/* A device's error stops the partition at once: no later lane, no RIP
 * or RAX change; so does an access of a size no instruction has. */
TEST(errors_stop)
{
	setup(ALL_DEVS, false);
	fail_dev = 1;
	vcpu.gpr[GPR_RAX] = 0x44332211;
	CHECK_EQ(port_io(0x70, 4, false), EXIT_STOP_PARTITION);
	CHECK_EQ(nlog, 1); /* A's first lane; B never reached */
	CHECK_EQ(stops, 1);
	CHECK(harness_contains(stop_reason, "device error on port 0x70"));
	CHECK_EQ(regs[VREG_RIP], 0x1000);

	setup(ALL_DEVS, false);
	fail_dev = 2;
	vcpu.gpr[GPR_RAX] = 0x1234;
	CHECK_EQ(port_io(0x72, 2, true), EXIT_STOP_PARTITION);
	CHECK_EQ(vcpu.gpr[GPR_RAX], 0x1234);
	CHECK_EQ(regs[VREG_RIP], 0x1000);

	static const u8 bad_sizes[] = { 0, 3, 5, 8, 255 };
	for (size_t i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		setup(ALL_DEVS, true);
		CHECK_EQ(port_io(0x70, bad_sizes[i], true), EXIT_STOP_PARTITION);
		CHECK_EQ(nlog, 0);
		CHECK(harness_contains(stop_reason, "impossible size"));
		CHECK_EQ(regs[VREG_RIP], 0x1000);
	}
}

/* A device that restarts the partition (a reset register): the vCPU holds
 * its new entry state, which finishing the instruction would overwrite.
 * One that stops it: the partition stops. */
TEST(restart_and_stop)
{
	setup(ALL_DEVS, false);
	restart_dev = 3;
	vcpu.gpr[GPR_RAX] = 0xfe;
	CHECK_EQ(port_io(0x80, 1, false), EXIT_YIELD);
	CHECK_EQ(regs[VREG_RIP], 0x1000);

	setup(ALL_DEVS, false);
	stop_dev = 3;
	CHECK_EQ(port_io(0x80, 1, false), EXIT_STOP_PARTITION);
	CHECK_EQ(regs[VREG_RIP], 0x1000);
}

/* ---- string I/O ---- */

static enum exit_action string_io(u16 port, u8 size, bool in, bool rep, u8 addr_size, u8 seg)
{
	struct io_access io = { .port = port, .size = size, .in = in, .string = true,
				.rep = rep, .addr_size = addr_size, .seg = seg };

	return vmm_handle_io(&vcpu, &io);
}

/* REP OUTSB, REP OUTSW backwards, REP INSD: every element in order, the
 * index registers and RCX moved, RIP past the instruction at the end. */
TEST(string_basic)
{
	setup(ALL_DEVS, false);
	memcpy(ram + 0x5000, "hello", 5);
	vcpu.gpr[GPR_RSI] = 0x5000;
	vcpu.gpr[GPR_RCX] = 5;
	CHECK_EQ(string_io(0xe9, 1, false, true, 4, SEG_DS), EXIT_RESUME);
	REQUIRE(nlog == 5);
	for (u32 k = 0; k < 5; k++) {
		CHECK_EQ(log_[k].who, 6);
		CHECK_EQ(log_[k].size, 1);
		CHECK_EQ(log_[k].val, (u8)"hello"[k]);
	}
	CHECK_EQ(vcpu.gpr[GPR_RSI], 0x5005);
	CHECK_EQ(vcpu.gpr[GPR_RCX], 0);
	CHECK_EQ(regs[VREG_RIP], 0x1000 + INSN_LEN);

	/* DF=1: downwards; a segment override with its own base. */
	setup(ALL_DEVS, false);
	regs[VREG_RFLAGS] |= RFLAGS_DF;
	segs[SEG_FS].base = 0x1000;
	memcpy(ram + 0x5004, "\x01\x02\x03\x04\x05\x06", 6);
	vcpu.gpr[GPR_RSI] = 0x4008;
	vcpu.gpr[GPR_RCX] = 3;
	CHECK_EQ(string_io(0x70, 2, false, true, 4, SEG_FS), EXIT_RESUME);
	REQUIRE(nlog == 3);
	CHECK_EQ(log_[0].val, 0x0605);
	CHECK_EQ(log_[1].val, 0x0403);
	CHECK_EQ(log_[2].val, 0x0201);
	CHECK_EQ(vcpu.gpr[GPR_RSI], 0x4002);

	/* INS goes to ES:EDI whatever the override. */
	setup(ALL_DEVS, false);
	segs[SEG_DS].base = 0x10000;
	in_seq_on = true;
	in_seq = 0x11223344;
	vcpu.gpr[GPR_RDI] = 0x6000;
	vcpu.gpr[GPR_RCX] = 4;
	CHECK_EQ(string_io(0x0000, 4, true, true, 4, SEG_DS), EXIT_RESUME);
	CHECK_EQ(nlog, 4);
	for (u32 k = 0; k < 4; k++) {
		u32 got;
		memcpy(&got, ram + 0x6000 + 4 * k, 4);
		CHECK_EQ(got, 0x11223344 + k);
	}
	CHECK_EQ(vcpu.gpr[GPR_RDI], 0x6010);
	CHECK_EQ(regs[VREG_RIP], 0x1000 + INSN_LEN);

	/* Without REP: one element, RCX untouched. */
	setup(ALL_DEVS, false);
	ram[0x5000] = 0x42;
	vcpu.gpr[GPR_RSI] = 0x5000;
	vcpu.gpr[GPR_RCX] = 77;
	CHECK_EQ(string_io(0xe9, 1, false, false, 4, SEG_DS), EXIT_RESUME);
	CHECK_EQ(nlog, 1);
	CHECK_EQ(log_[0].val, 0x42);
	CHECK_EQ(vcpu.gpr[GPR_RCX], 77);
	CHECK_EQ(vcpu.gpr[GPR_RSI], 0x5001);
}

/* The address size: 16-bit SI/CX wrap and keep the bits above them, a
 * 32-bit write zero-extends, RCX counts only its address-size bits. */
TEST(string_address_size)
{
	setup(ALL_DEVS, false);
	regs[VREG_CR0] = 0; /* real mode */
	segs[SEG_DS] = (struct segment){ 0x200, SEG_ATTR_TYPE(3) | SEG_ATTR_S | SEG_ATTR_P,
					 0xffff, 0x2000 };
	ram[0x2000 + 0xfffe] = 0xaa;
	ram[0x2000 + 0xffff] = 0xbb;
	ram[0x2000] = 0xcc;
	ram[0x2001] = 0xdd;
	vcpu.gpr[GPR_RSI] = 0x123456780000fffeULL;
	vcpu.gpr[GPR_RCX] = 0xabcdef0100000002ULL;
	CHECK_EQ(string_io(0x70, 2, false, true, 2, SEG_DS), EXIT_RESUME);
	REQUIRE(nlog == 2);
	CHECK_EQ(log_[0].val, 0xbbaa);
	CHECK_EQ(log_[1].val, 0xddcc);
	CHECK_EQ(vcpu.gpr[GPR_RSI], 0x1234567800000002ULL);
	CHECK_EQ(vcpu.gpr[GPR_RCX], 0xabcdef0100000000ULL);

	/* CX = 0 although RCX is not: nothing to do. */
	setup(ALL_DEVS, false);
	vcpu.gpr[GPR_RCX] = 0x10000;
	CHECK_EQ(string_io(0xe9, 1, false, true, 2, SEG_DS), EXIT_RESUME);
	CHECK_EQ(nlog, 0);
	CHECK_EQ(regs[VREG_RIP], 0x1000 + INSN_LEN);

	/* 32-bit: the write clears the upper half. */
	setup(ALL_DEVS, false);
	vcpu.gpr[GPR_RSI] = 0xffffffff00005000ULL;
	CHECK_EQ(string_io(0xe9, 1, false, false, 4, SEG_DS), EXIT_RESUME);
	CHECK_EQ(vcpu.gpr[GPR_RSI], 0x5001);
}

/* At most 4 KiB per exit: RIP stays on the REP instruction with RCX
 * counting what is left, and the next exit goes on. */
TEST(string_budget)
{
	setup(ALL_DEVS, false);
	vcpu.gpr[GPR_RSI] = 0x10000;
	vcpu.gpr[GPR_RCX] = 5000;
	CHECK_EQ(string_io(0xe9, 1, false, true, 4, SEG_DS), EXIT_RESUME);
	CHECK_EQ(nlog, 4096);
	CHECK_EQ(vcpu.gpr[GPR_RCX], 904);
	CHECK_EQ(vcpu.gpr[GPR_RSI], 0x11000);
	CHECK_EQ(regs[VREG_RIP], 0x1000);
	CHECK_EQ(string_io(0xe9, 1, false, true, 4, SEG_DS), EXIT_RESUME);
	CHECK_EQ(nlog, 5000);
	CHECK_EQ(vcpu.gpr[GPR_RCX], 0);
	CHECK_EQ(regs[VREG_RIP], 0x1000 + INSN_LEN);

	setup(ALL_DEVS, false);
	vcpu.gpr[GPR_RSI] = 0x10000;
	vcpu.gpr[GPR_RCX] = 2000;
	CHECK_EQ(string_io(0x70, 4, false, true, 4, SEG_DS), EXIT_RESUME);
	CHECK_EQ(vcpu.gpr[GPR_RCX], 2000 - 1024);
	CHECK_EQ(regs[VREG_RIP], 0x1000);
}

/* Single-stepped (RFLAGS.TF): a port access ends with #DB and DR6.BS; a
 * REP string instruction does one element per exit, each with its trap,
 * RIP on the instruction until the last (SDM Vol. 3B 18.3.1.4). */
TEST(single_step)
{
	setup(ALL_DEVS, false);
	regs[VREG_RFLAGS] |= RFLAGS_TF;
	regs[VREG_DR6] = 0xffff0ff0 | 0x2;
	vcpu.gpr[GPR_RAX] = 0x41;
	CHECK_EQ(port_io(0xe9, 1, false), EXIT_RESUME);
	CHECK_EQ(nlog, 1);
	CHECK_EQ(exc_count, 1);
	CHECK_EQ(exc_vector, VEC_DB);
	CHECK_EQ(regs[VREG_DR6], 0xffff0ff0 | DR6_BS);
	CHECK_EQ(regs[VREG_RIP], 0x1000 + INSN_LEN);

	setup(ALL_DEVS, false);
	regs[VREG_RFLAGS] |= RFLAGS_TF;
	memcpy(ram + 0x5000, "abc", 3);
	vcpu.gpr[GPR_RSI] = 0x5000;
	vcpu.gpr[GPR_RCX] = 3;
	for (u32 k = 1; k <= 3; k++) {
		CHECK_EQ(string_io(0xe9, 1, false, true, 4, SEG_DS), EXIT_RESUME);
		CHECK_EQ(nlog, k);
		CHECK_EQ(exc_count, k);
		CHECK_EQ(vcpu.gpr[GPR_RCX], 3 - k);
		CHECK_EQ(regs[VREG_RIP], k < 3 ? 0x1000 : 0x1000 + INSN_LEN);
	}
	CHECK_EQ(log_[2].val, 'c');

	/* TF clear: no trap. */
	setup(ALL_DEVS, false);
	CHECK_EQ(port_io(0xe9, 1, false), EXIT_RESUME);
	CHECK_EQ(exc_count, 0);
}

/* Memory the partition does not own, segment violations and
 * non-canonical addresses: the device is never reached. */
TEST(string_refusals)
{
	setup(ALL_DEVS, false);
	vcpu.gpr[GPR_RSI] = RAM_SIZE + 0x1000;
	CHECK_EQ(string_io(0xe9, 1, false, false, 4, SEG_DS), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "does not own"));
	CHECK_EQ(nlog, 0);

	setup(ALL_DEVS, false);
	vcpu.gpr[GPR_RDI] = RAM_SIZE + 0x1000;
	CHECK_EQ(string_io(0x70, 1, true, false, 4, SEG_DS), EXIT_STOP_PARTITION);
	CHECK(harness_contains(stop_reason, "does not own"));

	/* Past DS's limit: #GP(0). */
	setup(ALL_DEVS, false);
	segs[SEG_DS].limit = 0xfff;
	segs[SEG_DS].attr &= (u16)~SEG_ATTR_G;
	vcpu.gpr[GPR_RSI] = 0xfff;
	CHECK_EQ(string_io(0x70, 2, false, false, 4, SEG_DS), EXIT_RESUME);
	CHECK_EQ(exc_count, 1);
	CHECK_EQ(exc_vector, VEC_GP);
	CHECK_EQ(exc_error, 0);
	CHECK_EQ(nlog, 0);
	CHECK_EQ(regs[VREG_RIP], 0x1000);

	/* INS into a read-only ES: #GP, and the port is not read. */
	setup(ALL_DEVS, false);
	segs[SEG_ES].attr = (u16)((segs[SEG_ES].attr & ~0xf) | SEG_ATTR_TYPE(1));
	vcpu.gpr[GPR_RDI] = 0x5000;
	CHECK_EQ(string_io(0x70, 1, true, false, 4, SEG_DS), EXIT_RESUME);
	CHECK_EQ(exc_vector, VEC_GP);
	CHECK_EQ(nlog, 0);

	/* A null DS. */
	setup(ALL_DEVS, false);
	segs[SEG_DS].sel = 0;
	CHECK_EQ(string_io(0xe9, 1, false, false, 4, SEG_DS), EXIT_RESUME);
	CHECK_EQ(exc_vector, VEC_GP);
	CHECK_EQ(nlog, 0);

	/* 64-bit mode, a non-canonical RSI. */
	setup(ALL_DEVS, false);
	regs[VREG_CR0] = CR0_PE | CR0_PG;
	regs[VREG_CR4] = CR4_PAE;
	regs[VREG_EFER] = EFER_LME | EFER_LMA;
	segs[SEG_CS].attr = SEG_ATTR_TYPE(0xb) | SEG_ATTR_S | SEG_ATTR_P | SEG_ATTR_L;
	vcpu.gpr[GPR_RSI] = 0x0000800000000000ULL;
	CHECK_EQ(string_io(0xe9, 1, false, false, 8, SEG_DS), EXIT_RESUME);
	CHECK_EQ(exc_count, 1);
	CHECK_EQ(exc_vector, VEC_GP);
	CHECK_EQ(nlog, 0);
}

/* 32-bit paging: page directory at 0x1000, one table at 0x2000 mapping
 * the first 4 MiB to themselves, user and writable unless changed. */
#define PD 0x1000
#define PT 0x2000

static void paging32(void)
{
	u32 pde = PT | PTE_P | PTE_W | PTE_U;

	memcpy(ram + PD, &pde, 4);
	for (u32 i = 0; i < 256; i++) {
		u32 pte = (i << 12) | PTE_P | PTE_W | PTE_U;
		memcpy(ram + PT + 4 * i, &pte, 4);
	}
	regs[VREG_CR0] = CR0_PE | CR0_PG | CR0_WP;
	regs[VREG_CR3] = PD;
}

static void set_pte(u32 page, u32 flags)
{
	u32 pte = (page << 12) | flags;

	memcpy(ram + PT + 4 * page, &pte, 4);
}

/* Paging faults become #PF with the guest's error code and address; an
 * INS faults before the port is read (the read has side effects), an
 * OUTS before the port is written. */
TEST(string_page_faults)
{
	static const struct {
		const char *what;
		bool in;
		u32 flags;  /* of page 0x50 */
		u8 cpl;
		u32 error;
	} cases[] = {
		{ "INS to a read-only page (CR0.WP)", true, PTE_P | PTE_U, 0, 0x3 },
		{ "INS from CPL 3 to a supervisor page", true, PTE_P | PTE_W, 3, 0x7 },
		{ "INS from CPL 3 to a read-only user page", true, PTE_P | PTE_U, 3, 0x7 },
		{ "OUTS from CPL 3 of a supervisor page", false, PTE_P | PTE_W, 3, 0x5 },
		/* Not present: P = 0 though the directory above is present,
		 * and an error code of 0 (a CPL 0 read) is a #PF all the same. */
		{ "OUTS at CPL 0 from a page that is not present", false, 0, 0, 0x0 },
		{ "INS at CPL 0 to a page that is not present", true, 0, 0, 0x2 },
		{ "OUTS from CPL 3 of a page that is not present", false, PTE_U, 3, 0x4 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		setup(ALL_DEVS, false);
		paging32();
		set_pte(0x50, cases[i].flags);
		regs[VREG_CPL] = cases[i].cpl;
		vcpu.gpr[cases[i].in ? GPR_RDI : GPR_RSI] = 0x50010;
		vcpu.gpr[GPR_RCX] = 3;
		enum exit_action a = string_io(0x70, 1, cases[i].in, true, 4, SEG_DS);
		if (a != EXIT_RESUME || nlog || exc_count != 1 || exc_vector != VEC_PF_V ||
		    exc_error != cases[i].error || exc_cr2 != 0x50010 ||
		    regs[VREG_RIP] != 0x1000 || vcpu.gpr[GPR_RCX] != 3)
			harness_fail(__FILE__, __LINE__,
				     "%s: action %d, %u device accesses, %u exceptions "
				     "(vector %u error %#x cr2 %#llx), RCX %llu", cases[i].what,
				     a, nlog, exc_count, exc_vector, exc_error,
				     (unsigned long long)exc_cr2,
				     (unsigned long long)vcpu.gpr[GPR_RCX]);
	}

	/* A REP that reaches a supervisor page midway at CPL 3: the elements
	 * before it are done, and RCX/RSI say where it stopped. */
	setup(ALL_DEVS, false);
	paging32();
	set_pte(0x51, PTE_P | PTE_W);
	regs[VREG_CPL] = 3;
	vcpu.gpr[GPR_RSI] = 0x50ffe;
	vcpu.gpr[GPR_RCX] = 4;
	CHECK_EQ(string_io(0xe9, 1, false, true, 4, SEG_DS), EXIT_RESUME);
	CHECK_EQ(nlog, 2);
	CHECK_EQ(vcpu.gpr[GPR_RSI], 0x51000);
	CHECK_EQ(vcpu.gpr[GPR_RCX], 2);
	CHECK_EQ(exc_vector, VEC_PF_V);
	CHECK_EQ(exc_cr2, 0x51000);
	CHECK_EQ(regs[VREG_RIP], 0x1000);
}

/* An INS whose element runs onto a page it may not write: the fault
 * comes before the port is read (no device access), naming that page. */
TEST(string_ins_across_pages)
{
	setup(ALL_DEVS, false);
	paging32();
	set_pte(0x51, PTE_P | PTE_U); /* read-only; 0x50 writable */
	vcpu.gpr[GPR_RDI] = 0x50ffe;
	vcpu.gpr[GPR_RCX] = 1;
	CHECK_EQ(string_io(0x70, 4, true, true, 4, SEG_DS), EXIT_RESUME);
	CHECK_EQ(nlog, 0);
	CHECK_EQ(exc_vector, VEC_PF_V);
	CHECK_EQ(exc_error, 0x3);
	CHECK_EQ(exc_cr2, 0x51000);
	CHECK_EQ(vcpu.gpr[GPR_RCX], 1);
	CHECK_EQ(vcpu.gpr[GPR_RDI], 0x50ffe);
	/* Both pages writable: the port is read, the dword split over them. */
	setup(ALL_DEVS, false);
	paging32();
	vcpu.gpr[GPR_RDI] = 0x50ffe;
	vcpu.gpr[GPR_RCX] = 1;
	CHECK_EQ(string_io(0x70, 4, true, true, 4, SEG_DS), EXIT_RESUME);
	CHECK(nlog > 0);
	CHECK_EQ(exc_count, 0);
	CHECK_EQ(vcpu.gpr[GPR_RDI], 0x51002);
}

/* A device that restarts the partition or fails during OUTS. */
TEST(string_restart_and_error)
{
	setup(ALL_DEVS, false);
	restart_dev = 6;
	vcpu.gpr[GPR_RSI] = 0x5000;
	vcpu.gpr[GPR_RCX] = 10;
	CHECK_EQ(string_io(0xe9, 1, false, true, 4, SEG_DS), EXIT_YIELD);
	CHECK_EQ(nlog, 1);
	CHECK_EQ(regs[VREG_RIP], 0x1000);

	setup(ALL_DEVS, false);
	fail_dev = 6;
	vcpu.gpr[GPR_RSI] = 0x5000;
	vcpu.gpr[GPR_RCX] = 10;
	CHECK_EQ(string_io(0xe9, 1, false, true, 4, SEG_DS), EXIT_STOP_PARTITION);
	CHECK_EQ(nlog, 1);
	CHECK(harness_contains(stop_reason, "device error on port 0xe9"));

	setup(ALL_DEVS, false);
	fail_dev = 1;
	vcpu.gpr[GPR_RDI] = 0x5000;
	ram[0x5000] = 0x77;
	CHECK_EQ(string_io(0x70, 1, true, false, 4, SEG_DS), EXIT_STOP_PARTITION);
	CHECK_EQ(ram[0x5000], 0x77);
}

int main(void)
{
	ram = calloc(1, RAM_SIZE);
	if (!ram)
		return 1;
	RUN(byte_lanes);
	RUN(errors_stop);
	RUN(restart_and_stop);
	RUN(string_basic);
	RUN(string_address_size);
	RUN(string_budget);
	RUN(single_step);
	RUN(string_refusals);
	RUN(string_page_faults);
	RUN(string_ins_across_pages);
	RUN(string_restart_and_error);
	int r = harness_finish();
	free(ram);
	return r;
}
