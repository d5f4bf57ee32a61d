// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/fpu.h"
#include "vmm/base/heap.h"
#include "vmm/base/string.h"
#include "vmm/base/x86.h"

#define FXSAVE_SIZE 512

/* FXSAVE area after FNINIT: FCW 0x37f, MXCSR 0x1f80 (SDM Vol. 1 10.5.1). */
static void fpu_default(u8 *area)
{
	memset(area, 0, FXSAVE_SIZE);
	area[0] = 0x7f;
	area[1] = 0x03;
	area[24] = 0x80;
	area[25] = 0x1f;
}

int fpu_init_vcpu(struct vcpu *v)
{
	/* kmalloc blocks are 16-byte aligned, as FXSAVE requires. */
	v->fpu = kmalloc(FXSAVE_SIZE);
	if (!v->fpu)
		return -1;
	fpu_default(v->fpu);
	return 0;
}

void fpu_reset(struct vcpu *v)
{
	fpu_default(v->fpu);
}

void fpu_switch(struct vcpu *from, struct vcpu *to)
{
	if (from && from->fpu)
		__asm__ __volatile__("fxsave64 %0" : "=m"(*(u8(*)[FXSAVE_SIZE])from->fpu));
	if (to && to->fpu)
		__asm__ __volatile__("fxrstor64 %0" ::"m"(*(u8(*)[FXSAVE_SIZE])to->fpu));
}
