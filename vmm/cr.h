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
/* The four PDPTEs PAE paging loads from cr3 (SDM Vol. 3A 4.4.1); 0, or
 * -1 when one that is present has a reserved bit set (or the table is
 * not in the partition's RAM): the load is then #GP. */
int vcpu_read_pdptes(struct vcpu *v, u64 cr3, u64 pdpte[4]);
/* Whether a MOV to CR0 from old to val loads them: PAE paging after it
 * (CR4.PAE, not IA-32e mode) and PG, CD or NW changed. */
bool cr0_loads_pdptes(u64 old, u64 val, u64 cr4, u64 efer);
enum exit_action vmm_handle_cr_read(struct vcpu *v, int cr, int gpr);

#endif
