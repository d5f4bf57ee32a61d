// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/debugreg.h"
#include "vmm/base/x86.h"

void debugreg_init(struct vcpu *v)
{
	for (int i = 0; i < 4; i++)
		v->dr[i] = 0;
	v->dr6 = DR6_INIT;
}

void debugreg_switch(struct vcpu *from, struct vcpu *to)
{
	if (from) {
		from->dr[0] = read_dr0();
		from->dr[1] = read_dr1();
		from->dr[2] = read_dr2();
		from->dr[3] = read_dr3();
		from->dr6 = read_dr6();
	}
	write_dr0(to->dr[0]);
	write_dr1(to->dr[1]);
	write_dr2(to->dr[2]);
	write_dr3(to->dr[3]);
	write_dr6(to->dr6);
}
