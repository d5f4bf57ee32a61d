/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Real-mode guest (flat binary at 0x7c00): CPUID, port I/O, a hypercall,
 * and a periodic x2APIC timer interrupt through the real-mode IVT waking
 * HLT. Reports through the test device.
 */
	.code16
	.section .text
	.globl _start
_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %sp

	mov $msg_hello, %si
	call puts

	/* The vendor leaf says "hvhypervisor". */
	mov $0x40000100, %eax
	cpuid
	cmp $0x79687668, %ebx     /* "hvhy" */
	jne fail

	/* Hypercall: VMMCALL on AMD, VMCALL on Intel. */
	xor %eax, %eax
	cpuid
	mov %ebx, %esi
	xor %eax, %eax            /* HVC_VERSION */
	cmp $0x68747541, %esi     /* "Auth" */
	jne 1f
	vmmcall
	jmp 2f
1:	vmcall
2:	cmp $HV_ABI_VERSION_NUM, %eax /* from partitions/hv_abi.h (guests.mk) */
	jne fail

	/* Unclaimed ports read all ones. */
	in $0x80, %al
	cmp $0xff, %al
	jne fail

	/* IVT entry 0x40 -> timer handler. */
	movw $timer_isr, 0x40 * 4
	movw $0, 0x40 * 4 + 2

	/* x2APIC on, software-enabled, periodic timer at vector 0x40. */
	mov $0x1b, %ecx
	rdmsr
	or $0xc00, %eax
	wrmsr
	mov $0x80f, %ecx
	mov $0x1ff, %eax
	xor %edx, %edx
	wrmsr
	mov $0x83e, %ecx          /* divide by 1 */
	mov $0xb, %eax
	wrmsr
	mov $0x832, %ecx          /* LVT timer: periodic, vector 0x40 */
	mov $0x20040, %eax
	wrmsr
	mov $0x838, %ecx          /* initial count: 1 ms at 100 MHz */
	mov $100000, %eax
	wrmsr

wait:	sti
	hlt
	cli
	cmpw $3, ticks
	jb wait

	mov $0x832, %ecx          /* mask the timer */
	mov $0x10040, %eax
	xor %edx, %edx
	wrmsr

	mov $msg_ok, %si
	call puts
	xor %eax, %eax
	jmp report
fail:
	mov $msg_fail, %si
	call puts
	mov $1, %eax
report:
	mov $0x504, %dx
	out %eax, %dx
1:	cli
	hlt
	jmp 1b

timer_isr:
	push %eax
	push %ecx
	push %edx
	incw ticks
	mov $0x80b, %ecx          /* EOI */
	xor %eax, %eax
	xor %edx, %edx
	wrmsr
	pop %edx
	pop %ecx
	pop %eax
	iret

puts:
	mov $0x500, %dx
1:	lodsb
	test %al, %al
	jz 2f
	out %al, %dx
	jmp 1b
2:	ret

ticks:	.word 0
msg_hello: .asciz "real mode: hello\n"
msg_ok:	.asciz "real mode: cpuid, hypercall, ports, timer interrupts: ok\n"
msg_fail: .asciz "real mode: FAILED\n"
	.section .note.GNU-stack, "", @progbits
