/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VCPU_STATE_H
#define VMM_VCPU_STATE_H

#include "vmm/partition.h"

/* Architectural starting states (vcpu_state.c): a boot image's entry
 * point (see hv_abi.h for the contract), INIT, and a start-up IPI. */
void vcpu_state_entry(enum entry_mode mode, u64 entry, u64 cr3, u32 vcpu_id, u64 mem,
		      struct vcpu_state *s);
void vcpu_state_init(struct vcpu_state *s);
void vcpu_state_sipi(struct vcpu_state *s, u8 vector);

#endif
