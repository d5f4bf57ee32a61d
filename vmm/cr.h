/* SPDX-License-Identifier: GPL-2.0-only */
/* Control-register writes and reads the backend had to intercept (VT-x
 * owns some CR0/CR4 bits and CR8). Values are checked like the CPU does. */
#ifndef VMM_CR_H
#define VMM_CR_H

#include "vmm/exit.h"

/* The CR4 bits guests may set; writing any other raises #GP, so each
 * backend traps writes to all the rest. */
u64 cr4_guest_allowed(void);
enum exit_action vmm_handle_cr_write(struct vcpu *v, int cr, u64 val);
enum exit_action vmm_handle_cr_read(struct vcpu *v, int cr, int gpr);

#endif
