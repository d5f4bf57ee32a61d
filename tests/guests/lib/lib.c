// SPDX-License-Identifier: GPL-2.0-only
/* The test-guest runtime (see guest.h). No libgcc: 64-bit divisions in
 * 32-bit builds go through divl by hand. */
#include "guest.h"
#include <stdarg.h>

int failures;
volatile int last_vector = -1;
volatile uword last_cr2;
volatile uword last_error;
volatile uword fixup_ip;
static irq_fn irq_table[256];

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;
	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *p = d;
	const u8 *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

void putc_dev(char c)
{
	outb(HV_TESTDEV_PORT_CONSOLE, (u8)c);
}

/* 64-bit value divided by a 32-bit one without libgcc. */
static u64 div_u64(u64 n, u32 d, u32 *rem)
{
#ifdef __x86_64__
	*rem = (u32)(n % d);
	return n / d;
#else
	u32 hi = (u32)(n >> 32), lo = (u32)n, qhi = hi / d, r = hi % d, qlo;
	__asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
	*rem = r;
	return ((u64)qhi << 32) | qlo;
#endif
}

static void print_num(u64 v, u32 base, int width, char pad)
{
	char buf[24];
	int n = 0;
	do {
		u32 r;
		v = div_u64(v, base, &r);
		buf[n++] = "0123456789abcdef"[r];
	} while (v);
	while (width-- > n)
		putc_dev(pad);
	while (n)
		putc_dev(buf[--n]);
}

/* One line at a time from all vCPUs. */
static volatile u32 print_lock;

void printf(const char *fmt, ...)
{
	va_list ap;
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		pause();
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc_dev(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		u64 v;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			while (*s)
				putc_dev(*s++);
			break;
		}
		case 'c':
			putc_dev((char)va_arg(ap, int));
			break;
		case 'd': {
			s64 sv = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
			if (sv < 0) {
				putc_dev('-');
				sv = -sv;
			}
			print_num((u64)sv, 10, width, pad);
			break;
		}
		case 'u': case 'x': case 'p':
			if (*fmt == 'p')
				v = (uword)va_arg(ap, void *);
			else
				v = lng >= 2 ? va_arg(ap, unsigned long long) :
				    lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			print_num(v, *fmt == 'u' ? 10 : 16, width, pad);
			break;
		default:
			putc_dev('%');
			putc_dev(*fmt);
		}
	}
	va_end(ap);
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

void guest_exit(u32 code)
{
	outl(HV_TESTDEV_PORT_RESULT, code);
	for (;;)
		cli(), hlt();
}

bool cpu_is_amd(void)
{
	u32 r[4];
	cpuid(0, 0, r);
	return r[1] == 0x68747541; /* "Auth" */
}

s64 hypercall(u64 nr, u64 a0, u64 a1, u64 a2)
{
	static int amd = -1;
	uword ret;
	if (amd < 0)
		amd = cpu_is_amd();
#ifdef __x86_64__
	if (amd)
		__asm__ __volatile__("vmmcall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	else
		__asm__ __volatile__("vmcall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	return (s64)ret;
#else
	/* 32-bit arguments; the 64-bit result comes back in EDX:EAX. */
	u32 hi = (u32)a2;
	if (amd)
		__asm__ __volatile__("vmmcall" : "=a"(ret), "+d"(hi) : "a"((u32)nr), "D"((u32)a0), "S"((u32)a1) : "memory");
	else
		__asm__ __volatile__("vmcall" : "=a"(ret), "+d"(hi) : "a"((u32)nr), "D"((u32)a0), "S"((u32)a1) : "memory");
	return (s64)(((u64)hi << 32) | (u32)ret);
#endif
}

void exceptions_reset(void)
{
	last_vector = -1;
	last_error = 0;
}

bool rdmsr_safe(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;
	exceptions_reset();
	__asm__ __volatile__(MOVP " $1f, %2\n\t"
			     "rdmsr\n"
			     "1:"
			     : "+a"(lo), "+d"(hi), "=m"(fixup_ip)
			     : "c"(msr)
			     : "memory");
	fixup_ip = 0;
	*val = ((u64)hi << 32) | lo;
	return last_vector < 0;
}

bool wrmsr_safe(u32 msr, u64 val)
{
	exceptions_reset();
	__asm__ __volatile__(MOVP " $1f, %0\n\t"
			     "wrmsr\n"
			     "1:"
			     : "=m"(fixup_ip)
			     : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
			     : "memory");
	fixup_ip = 0;
	return last_vector < 0;
}

u64 rdmsr(u32 msr)
{
	u64 v = 0;
	if (!rdmsr_safe(msr, &v)) {
		printf("unexpected #GP reading MSR %x\n", msr);
		failures++;
	}
	return v;
}

void wrmsr(u32 msr, u64 val)
{
	if (!wrmsr_safe(msr, val)) {
		printf("unexpected #GP writing MSR %x\n", msr);
		failures++;
	}
}

/* ---- descriptor tables ---- */

struct iframe {
	uword ip, cs, flags, sp, ss;
};

volatile u32 nmi_count;
void (*volatile nmi_hook)(void);

volatile bool step_rec;
volatile u32 step_n;
volatile uword step_ip[STEP_MAX], step_dr6[STEP_MAX];

static void exception(struct iframe *f, int vec, uword err)
{
	if (vec == 2) { /* NMI: not an error */
		nmi_count++;
		if (nmi_hook)
			nmi_hook();
		return;
	}
	if (vec == 1 && step_rec) {
		uword dr6;
		__asm__ __volatile__("mov %%db6, %0" : "=r"(dr6));
		__asm__ __volatile__("mov %0, %%db6" ::"r"((uword)0xffff0ff0u));
		if (step_n < STEP_MAX) {
			step_ip[step_n] = f->ip;
			step_dr6[step_n] = dr6;
		}
		step_n++;
		return;
	}
	last_vector = vec;
	last_error = err;
	if (vec == 14)
		__asm__ __volatile__("mov %%cr2, %0" : "=r"(last_cr2));
	if (vec == 1) {
		/* #DB: a trap (single step, data breakpoint, ICEBP) resumes
		 * after the instruction, with single-stepping off. */
		f->flags &= ~(uword)0x100;
		if (!fixup_ip)
			return;
	}
	if (fixup_ip) {
		f->ip = fixup_ip;
		fixup_ip = 0;
		return;
	}
	printf("unexpected exception %d (error %lx) at %lx\n", vec, (unsigned long)err,
	       (unsigned long)f->ip);
	guest_exit(0x100 + (u32)vec);
}

#define EXC(n) \
	__attribute__((interrupt)) static void exc##n(struct iframe *f) { exception(f, n, 0); }
#define EXC_ERR(n) \
	__attribute__((interrupt)) static void exc##n(struct iframe *f, uword e) { exception(f, n, e); }
EXC(0) EXC(1) EXC(2) EXC(3) EXC(4) EXC(5) EXC(6) EXC(7) EXC_ERR(8) EXC(9) EXC_ERR(10)
EXC_ERR(11) EXC_ERR(12) EXC_ERR(13) EXC_ERR(14) EXC(15) EXC(16) EXC_ERR(17) EXC(18) EXC(19)

static void irq(int vec)
{
	if (irq_table[vec])
		irq_table[vec]();
	if (vec != VEC_SPURIOUS)
		apic_eoi();
}

__attribute__((interrupt)) static void irq_timer(struct iframe *f) { (void)f; irq(VEC_TIMER); }
__attribute__((interrupt)) static void irq_ipi(struct iframe *f) { (void)f; irq(VEC_IPI); }
__attribute__((interrupt)) static void irq_spurious(struct iframe *f) { (void)f; irq(VEC_SPURIOUS); }

void set_irq_handler(u8 vector, irq_fn fn)
{
	irq_table[vector] = fn;
}

#ifdef __x86_64__
struct gate { u16 off0, sel; u8 ist, attr; u16 off1; u32 off2, zero; } __attribute__((packed));
#define SEL_UCODE 0x20
#define SEL_UDATA 0x18
#define SEL_TSS 0x28
struct tss64 { u32 r0; u64 rsp0, rsp1, rsp2, r1, ist[7], r2; u16 r3, iomap; } __attribute__((packed));
static struct tss64 tss[MAX_GUEST_VCPUS];
static u64 gdt[MAX_GUEST_VCPUS][7];
static u8 kstack[MAX_GUEST_VCPUS][4096] __attribute__((aligned(16)));
#else
struct gate { u16 off0, sel; u8 zero, attr; u16 off1; } __attribute__((packed));
static u64 gdt[MAX_GUEST_VCPUS][3];
#endif
static struct gate idt[256];

static void set_gate(int vec, void *fn)
{
	uword a = (uword)fn;
	struct gate *g = &idt[vec];
	memset(g, 0, sizeof(*g));
	g->off0 = (u16)a;
	g->sel = 0x08;
	g->attr = 0x8e;
	g->off1 = (u16)(a >> 16);
#ifdef __x86_64__
	g->off2 = (u32)(a >> 32);
#endif
}

#ifdef __x86_64__
/* ---- CPL 3 ---- */

/* The kernel's stack while run_user's function runs at CPL 3. */
static uword user_return_rsp __attribute__((used));
void user_exit(void);
void user_exit_gate(void);
void user_resume(void);

/* Where a CPL 3 function returns to: INT 0x81, whose gate (DPL 3) leads
 * back to run_user on its own stack. */
__asm__(".text\n"
	".globl user_exit\n"
	"user_exit:\n\t"
	"int $0x81\n"
	".globl user_exit_gate\n"
	"user_exit_gate:\n\t"
	"mov $0x10, %eax\n\t"
	"mov %eax, %ss\n\t"
	"mov %eax, %ds\n\t"
	"mov %eax, %es\n\t"
	"mov user_return_rsp(%rip), %rsp\n\t"
	"jmp user_resume\n");

void run_user(void (*fn)(void), void *stack)
{
	uword *sp = (uword *)stack;

	*--sp = (uword)user_exit;
	__asm__ __volatile__("push %%rbx; push %%rbp; push %%r12; push %%r13; push %%r14; push %%r15\n\t"
			     "mov %%rsp, user_return_rsp(%%rip)\n\t"
			     "pushq $0x1b\n\t"          /* SS: user data, RPL 3 */
			     "pushq %[sp]\n\t"
			     "pushfq\n\t"
			     "orq $0x3000, (%%rsp)\n\t" /* IOPL 3 */
			     "pushq $0x23\n\t"          /* CS: user code, RPL 3 */
			     "pushq %[fn]\n\t"
			     "iretq\n"
			     "user_resume:\n\t"
			     "pop %%r15; pop %%r14; pop %%r13; pop %%r12; pop %%rbp; pop %%rbx"
			     :
			     : [sp] "r"(sp), [fn] "r"(fn)
			     : "memory", "cc", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
			       "r11");
}
#endif

static void build_idt(void)
{
	void *exc[] = { exc0, exc1, exc2, exc3, exc4, exc5, exc6, exc7, exc8, exc9, exc10,
			exc11, exc12, exc13, exc14, exc15, exc16, exc17, exc18, exc19 };
	for (int i = 0; i < 20; i++)
		set_gate(i, exc[i]);
	set_gate(VEC_TIMER, irq_timer);
	set_gate(VEC_IPI, irq_ipi);
	set_gate(VEC_SPURIOUS, irq_spurious);
#ifdef __x86_64__
	set_gate(0x81, user_exit_gate);
	idt[0x81].attr = 0xee; /* DPL 3: INT 0x81 from CPL 3 */
#endif
}

struct dtr { u16 limit; uword base; } __attribute__((packed));

void cpu_tables_init(u32 vcpu)
{
	/* Every vCPU builds the (identical) IDT: with start=all an AP may get
	 * here before vCPU 0 does. */
	static volatile int idt_done;
	if (!idt_done) {
		build_idt();
		idt_done = 1;
	}
	u64 *g = gdt[vcpu % MAX_GUEST_VCPUS];
#ifdef __x86_64__
	g[0] = 0;
	g[1] = 0x00af9b000000ffffULL; /* kernel code 64 */
	g[2] = 0x00cf93000000ffffULL; /* kernel data */
	g[3] = 0x00cff3000000ffffULL; /* user data */
	g[4] = 0x00affb000000ffffULL; /* user code 64 */
	struct tss64 *t = &tss[vcpu % MAX_GUEST_VCPUS];
	t->rsp0 = (u64)(uword)(kstack[vcpu % MAX_GUEST_VCPUS] + 4096);
	t->iomap = sizeof(*t);
	u64 base = (u64)(uword)t, limit = sizeof(*t) - 1;
	g[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
	       (((base >> 24) & 0xff) << 56);
	g[6] = base >> 32;
	struct dtr gd = { sizeof(gdt[0]) - 1, (uword)g };
	__asm__ __volatile__("lgdt %0\n\t"
			     "pushq $0x08\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1: mov $0x10, %%eax\n\t"
			     "mov %%eax, %%ds\n\t"
			     "mov %%eax, %%es\n\t"
			     "mov %%eax, %%ss\n\t"
			     "mov $0x28, %%eax\n\t"
			     "ltr %%ax" ::"m"(gd) : "rax", "memory");
#else
	g[0] = 0;
	g[1] = 0x00cf9b000000ffffULL; /* code 32 */
	g[2] = 0x00cf93000000ffffULL; /* data */
	struct dtr gd = { sizeof(gdt[0]) - 1, (uword)g };
	__asm__ __volatile__("lgdt %0\n\t"
			     "ljmp $0x08, $1f\n"
			     "1: mov $0x10, %%eax\n\t"
			     "mov %%eax, %%ds\n\t"
			     "mov %%eax, %%es\n\t"
			     "mov %%eax, %%ss" ::"m"(gd) : "eax", "memory");
#endif
	struct dtr id = { sizeof(idt) - 1, (uword)idt };
	__asm__ __volatile__("lidt %0" ::"m"(id));
}

/* ---- local APIC ---- */

#define MSR_APIC_BASE 0x1b

/* Per-vCPU mode, cached so register access costs one exit, not two. */
static bool x2apic_mode[MAX_GUEST_VCPUS];

/* Which vCPU am I? Each runs on its own 16 KiB stack (start*.S), so the
 * stack pointer says, without an exit. */
extern char guest_stacks[];
u32 guest_vcpu_index(void)
{
	uword sp = (uword)__builtin_frame_address(0);
	return (u32)((sp - (uword)guest_stacks) / 16384) % MAX_GUEST_VCPUS;
}

bool apic_x2apic(void)
{
	return x2apic_mode[guest_vcpu_index()];
}

void apic_enable(bool x2apic)
{
	u64 base = rdmsr(MSR_APIC_BASE);
	base |= 1u << 11;
	if (x2apic)
		base |= 1u << 10;
	wrmsr(MSR_APIC_BASE, base);
	x2apic_mode[guest_vcpu_index()] = rdmsr(MSR_APIC_BASE) & (1u << 10);
	apic_write(0xf0, 0x100 | VEC_SPURIOUS); /* software enable */
	/* LINT0 masked: on a PC child the firmware's state leaves it in
	 * virtual-wire mode with the PIT ticking through the 8259A at
	 * vector 8, as an OS that uses the APICs would not (a guest that
	 * wants it unmasks it). */
	apic_write(0x350, 0x10700);
}

u32 apic_read(u32 reg)
{
	if (apic_x2apic())
		return (u32)rdmsr(0x800 + (reg >> 4));
	return *(volatile u32 *)(uword)(APIC_MMIO + reg);
}

void apic_write(u32 reg, u32 val)
{
	if (apic_x2apic())
		wrmsr(0x800 + (reg >> 4), val);
	else
		*(volatile u32 *)(uword)(APIC_MMIO + reg) = val;
}

/* Each vCPU's own VP assist page word: the page is per vCPU (TLFS 7.8.7). */
static volatile u32 *eoi_assist[MAX_GUEST_VCPUS];
u32 eoi_skipped;

void eoi_assist_use(volatile u32 *word)
{
	eoi_assist[guest_vcpu_index()] = word;
}

void apic_eoi(void)
{
	/* Hyper-V's EOI assist, as Linux uses it (hv_apic_eoi_write): the
	 * hypervisor's "no EOI required" bit, taken, stands for the EOI. */
	volatile u32 *a = eoi_assist[guest_vcpu_index()];
	if (a && (__atomic_exchange_n(a, 0, __ATOMIC_SEQ_CST) & 1)) {
		__atomic_fetch_add(&eoi_skipped, 1, __ATOMIC_SEQ_CST);
		return;
	}
	apic_write(0xb0, 0);
}

u32 apic_id(void)
{
	return apic_x2apic() ? apic_read(0x20) : apic_read(0x20) >> 24;
}

void apic_send_ipi(u32 dest, u32 lo)
{
	if (apic_x2apic()) {
		wrmsr(0x830, ((u64)dest << 32) | lo);
	} else {
		apic_write(0x310, dest << 24);
		apic_write(0x300, lo);
	}
}

u32 hv_cpuid_base(void)
{
	for (u32 base = 0x40000000; base < 0x40010000; base += 0x100) {
		u32 r[4];
		char sig[13];
		cpuid(base, 0, r);
		memcpy(sig, &r[1], 4);
		memcpy(sig + 4, &r[2], 4);
		memcpy(sig + 8, &r[3], 4);
		sig[12] = 0;
		if (!memcmp(sig, HV_CPUID_SIGNATURE, 12))
			return base;
	}
	return 0;
}

u64 rand64(u64 *s)
{
	u64 x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}
