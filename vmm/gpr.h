/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * General-purpose register indices in x86 encoding order (the ModRM reg
 * numbers), shared by C and the entry stubs so neither hand-types offsets.
 */
#ifndef VMM_GPR_H
#define VMM_GPR_H

#define GPR_RAX 0
#define GPR_RCX 1
#define GPR_RDX 2
#define GPR_RBX 3
#define GPR_RSP 4
#define GPR_RBP 5
#define GPR_RSI 6
#define GPR_RDI 7
#define GPR_R8 8
#define GPR_R9 9
#define GPR_R10 10
#define GPR_R11 11
#define GPR_R12 12
#define GPR_R13 13
#define GPR_R14 14
#define GPR_R15 15
#define NR_GPRS 16

#endif
