/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Real-mode guest with the PC platform (platform=pc), written as old
 * DOS-era code is: it trusts the firmware's state. Without touching the
 * PIT, the 8259A or the local APIC, it hooks the BIOS timer vector (IVT
 * entry 8, IRQ 0 at the firmware's master base 0x08) and waits in
 * `sti; hlt` for ticks of the firmware's 18.2 Hz PIT, ending each with a
 * non-specific EOI to the master 8259A. Then it reprograms counter 0 to
 * mode 2 at 1 kHz and counts 20 more ticks, and times counter 2 gated
 * through port 0x61, with the TSC at the rate of the timing leaf
 * (CPUID 0x40000010); it reports through the test device.
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

	movw $timer_isr, 8 * 4
	movw $0, 8 * 4 + 2

	/* The firmware's tick wakes `sti; hlt`: three of them. */
	movw $0, ticks
1:	sti
	hlt
	cli
	cmpw $3, ticks
	jb 1b
	mov $msg_bios, %si
	call puts

	/* The TSC's rate from the timing leaf (EAX: TSC kHz). */
	mov $0x40000010, %eax
	cpuid
	mov %eax, tsc_per_ms
	test %eax, %eax
	jz fail

	/* Counter 2 gated through port 0x61: gate low, mode 0, count
	 * 11932 (10 ms), gate high; OUT2 (bit 5) rises, never before its
	 * 10 ms (later only when this vCPU lost its CPU meanwhile). */
	in $0x61, %al
	and $0xfc, %al
	out %al, $0x61
	mov $0xb0, %al
	out %al, $0x43
	mov $(11932 & 0xff), %al
	out %al, $0x42
	mov $(11932 >> 8), %al
	out %al, $0x42
	in $0x61, %al
	test $0x20, %al
	jnz fail                  /* high before the gate opened */
	rdtsc
	mov %eax, t0
	mov %edx, t0 + 4
	in $0x61, %al
	or $1, %al
	out %al, $0x61
	mov $0x1000000, %ecx
2:	in $0x61, %al
	test $0x20, %al
	jnz 3f
	dec %ecx
	jnz 2b
	jmp fail                  /* OUT2 never rose */
3:	rdtsc
	sub t0, %eax
	sbb t0 + 4, %edx
	mov $100, %ecx
	mul %ecx                  /* x100: hundredths of a millisecond */
	divl tsc_per_ms
	mov %eax, out2_cms
	cmp $990, %eax
	jb fail

	/* Counter 0 at 1 kHz (mode 2, count 1193): 20 ticks take 20 ms,
	 * timed from before the count is written: a tick never comes
	 * before its time (late ones may come close together, when the
	 * host catches up with ticks this vCPU was not there to take). */
	movw $0, ticks
	rdtsc
	mov %eax, t0
	mov %edx, t0 + 4
	mov $0x34, %al
	out %al, $0x43
	mov $(1193 & 0xff), %al
	out %al, $0x40
	mov $(1193 >> 8), %al
	out %al, $0x40
4:	sti
	hlt
	cli
	cmpw $20, ticks
	jb 4b
	rdtsc
	sub t0, %eax
	sbb t0 + 4, %edx
	divl tsc_per_ms           /* milliseconds for the 20 ticks */
	mov %eax, %ebx
	/* Stop the PIT: a control word without a count. */
	mov $0x30, %al
	out %al, $0x43

	mov $msg_ms, %si
	call puts
	mov %ebx, %eax
	call putdec
	mov $msg_out2, %si
	call puts
	mov out2_cms, %eax
	call putdec
	mov $msg_nl, %si
	call puts
	/* 20 ticks at 1 kHz: 20 ms. Not fewer than 19 (no tick too many);
	 * not more than 200, when the firmware's 18.2 Hz would take a
	 * second (a slow host delays ticks, and catches up). */
	cmp $19, %ebx
	jb fail
	cmp $200, %ebx
	ja fail

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
5:	cli
	hlt
	jmp 5b

timer_isr:
	push %ax
	incw %cs:ticks
	mov $0x20, %al            /* non-specific EOI */
	out %al, $0x20
	pop %ax
	iret

puts:
	mov $0x500, %dx
1:	lodsb
	test %al, %al
	jz 2f
	out %al, %dx
	jmp 1b
2:	ret

/* Prints %eax in decimal. */
putdec:
	push %ebx
	mov $10, %ecx
	xor %bx, %bx
1:	xor %edx, %edx
	div %ecx
	push %dx
	inc %bx
	test %eax, %eax
	jnz 1b
	mov $0x500, %dx
2:	pop %ax
	add $'0', %al
	out %al, %dx
	dec %bx
	jnz 2b
	pop %ebx
	ret

	.balign 4
t0:	.long 0, 0
tsc_per_ms: .long 0
out2_cms: .long 0
ticks:	.word 0
msg_hello: .asciz "pitreal: hello\n"
msg_bios: .asciz "pitreal: three ticks of the firmware's timer woke sti;hlt\n"
msg_ms:	.asciz "pitreal: 20 ticks at 1 kHz took ms: "
msg_out2: .asciz " (counter 2's OUT2 after 10 ms rose at x10 us: "
msg_nl:	.asciz ")\n"
msg_ok:	.asciz "pitreal: PIT and 8259A in real mode: ok\n"
msg_fail: .asciz "pitreal: FAILED\n"
	.section .note.GNU-stack, "", @progbits
