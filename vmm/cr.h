/* SPDX-License-Identifier: GPL-2.0-only */
/* Control-register writes and reads the backend had to intercept (VT-x
 * owns some CR0/CR4 bits and CR8). Values are checked like the CPU does. */
#ifndef VMM_CR_H
#define VMM_CR_H

#include "vmm/exit.h"

enum exit_action vmm_handle_cr_write(struct vcpu *v, int cr, u64 val);
enum exit_action vmm_handle_cr_read(struct vcpu *v, int cr, int gpr);

#endif
