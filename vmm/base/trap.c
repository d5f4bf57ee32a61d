// SPDX-License-Identifier: GPL-2.0-only
/* Exception and interrupt dispatch, fault reports and panic. */
#include "vmm/base/trap.h"
#include "vmm/base/fmt.h"
#include "vmm/base/layout.h"
#include "vmm/base/log.h"
#include "vmm/base/percpu.h"
#include "vmm/base/power.h"
#include "vmm/base/x86.h"
#include "drivers/lapic.h"

_Static_assert(offsetof(struct trap_frame, rax) == 14 * 8, "frame matches trap_common");
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "frame matches trap_common");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8, "frame matches the CPU push");

extern const struct extable_entry __extable_start[], __extable_end[];

static irq_handler_fn irq_handlers[256];
static volatile int panicking;

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization exception",
	"#CP control protection", "reserved 22", "reserved 23", "reserved 24",
	"reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

void irq_register(u8 vector, irq_handler_fn fn)
{
	irq_handlers[vector] = fn;
}

static bool fixup(struct trap_frame *f)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
		if (e->insn == f->rip) {
			f->rip = e->fixup;
			return true;
		}
	}
	return false;
}

static void raw_printf(const char *fmt, ...) __printf(1, 2);
static void raw_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_raw(buf);
}

static bool kernel_addr(u64 a)
{
	return a >= DIRECT_MAP_BASE && (a & 7) == 0;
}

void backtrace_from(u64 rbp, u64 rip)
{
	raw_printf("backtrace (addr2line -e build/hv.elf):\n  %#lx\n", (unsigned long)rip);
	for (int depth = 0; depth < 24 && kernel_addr(rbp); depth++) {
		const u64 *frame = (const u64 *)(uintptr_t)rbp;
		u64 ret = frame[1];
		if (ret < KERNEL_VBASE)
			break;
		raw_printf("  %#lx\n", (unsigned long)ret);
		if (frame[0] <= rbp)
			break; /* frames grow upwards; anything else is garbage */
		rbp = frame[0];
	}
}

void dump_frame(const struct trap_frame *f)
{
	raw_printf("RIP %016lx  CS %04lx  RFLAGS %016lx  vector %lu error %#lx\n",
		   f->rip, f->cs, f->rflags, f->vector, f->error);
	raw_printf("RSP %016lx  SS %04lx  CR2 %016lx  CR3 %016lx\n", f->rsp, f->ss,
		   read_cr2(), read_cr3());
	raw_printf("RAX %016lx  RBX %016lx  RCX %016lx  RDX %016lx\n", f->rax, f->rbx,
		   f->rcx, f->rdx);
	raw_printf("RSI %016lx  RDI %016lx  RBP %016lx  R8  %016lx\n", f->rsi, f->rdi,
		   f->rbp, f->r8);
	raw_printf("R9  %016lx  R10 %016lx  R11 %016lx  R12 %016lx\n", f->r9, f->r10,
		   f->r11, f->r12);
	raw_printf("R13 %016lx  R14 %016lx  R15 %016lx  CR0 %016lx CR4 %016lx\n", f->r13,
		   f->r14, f->r15, read_cr0(), read_cr4());
	backtrace_from(f->rbp, f->rip);
}

/* Stops every other CPU so a panic report is not interleaved or undone. */
static void stop_other_cpus(void)
{
	if (nr_cpus_online > 1 && lapic_ready())
		lapic_send_nmi_all_but_self();
}

static __noreturn void halt_cpu(void)
{
	for (;;) {
		irq_disable();
		cpu_hlt();
	}
}

/* The reporting CPU ends a test run as a failure; others just stop. */
static __noreturn void die(void)
{
	power_on_panic();
	halt_cpu();
}

static __noreturn void fatal_exception(struct trap_frame *f)
{
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		halt_cpu(); /* someone else is already reporting */
	stop_other_cpus();
	raw_printf("\n*** hypervisor fault on cpu%u: %s ***\n", this_cpu_id(),
		   f->vector < 32 ? exc_names[f->vector] : "interrupt");
	dump_frame(f);
	raw_printf("*** hypervisor halted ***\n");
	die();
}

void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
	u64 v = f->vector;

	if (v == VEC_NMI) {
		if (panicking)
			halt_cpu(); /* another CPU is panicking: stand still */
		/* No lock here: the NMI may have come while this CPU held the
		 * log's. trap_report_nmis() says so later. */
		this_cpu()->nmis++;
		this_cpu()->last_nmi_rip = f->rip;
		return;
	}
	if (v == VEC_SX) {
		/* An INIT while the hypervisor ran, which SVM's VM_CR.R_INIT
		 * turns into #SX (APM Vol. 2 15.29) instead of a CPU reset. */
		static struct log_ratelimit rl;
		log_limited(&rl, LOG_WARN, "INIT signal (#SX, error %#lx) at %#lx: ignored",
			    (unsigned long)f->error, (unsigned long)f->rip);
		return;
	}
	if (v < 32) {
		if (fixup(f))
			return;
		fatal_exception(f);
	}
	if (irq_handlers[v]) {
		irq_handlers[v](f);
	} else if (v != VEC_SPURIOUS) {
		pr_warn("unhandled interrupt vector %lu", (unsigned long)v);
	}
	/* Spurious interrupts must not be acknowledged (SDM Vol. 3A 11.9). */
	if (v != VEC_SPURIOUS)
		lapic_eoi();
}

void trap_report_nmis(void)
{
	struct percpu *c = this_cpu();
	u64 n = READ_ONCE(c->nmis);

	if (n != c->nmis_reported) {
		pr_warn("%lu unexpected NMI%s (the last at %#lx)", (unsigned long)(n - c->nmis_reported),
			n - c->nmis_reported == 1 ? "" : "s", (unsigned long)READ_ONCE(c->last_nmi_rip));
		c->nmis_reported = n;
	}
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		halt_cpu();
	stop_other_cpus();
	va_start(ap, fmt);
	hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	raw_printf("\n*** hypervisor panic on cpu%u: %s ***\n", this_cpu_id(), buf);
	backtrace_from((u64)(uintptr_t)__builtin_frame_address(0),
		       (u64)(uintptr_t)__builtin_return_address(0));
	raw_printf("*** hypervisor halted ***\n");
	die();
}
