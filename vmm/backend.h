/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one interface between the vendor-neutral core and a virtualization
 * backend (svm/ or vmx/), chosen once at boot. vmm/ never touches a VMCB
 * or VMCS; it asks through these hooks.
 */
#ifndef VMM_BACKEND_H
#define VMM_BACKEND_H

#include "vmm/vcpu.h"
#include "vmm/exit.h"
#include "ept/pt.h"

struct partition;

struct backend_ops {
	const char *name;
	const struct pt_format *slat_format;
	/* Enables virtualization on the calling CPU; NULL or an error. */
	const char *(*cpu_init)(void);
	/* Allocates the VMCB/VMCS for v and loads the state. */
	int (*vcpu_create)(struct vcpu *v, const struct vcpu_state *s);
	void (*vcpu_destroy)(struct vcpu *v);
	/* Replaces the architectural state (INIT/SIPI, reset). */
	void (*set_state)(struct vcpu *v, const struct vcpu_state *s);
	/* Enters the guest once, handles the exit through the backend's
	 * table and returns what the handler decided. */
	enum exit_action (*run)(struct vcpu *v);
	u64 (*get_reg)(struct vcpu *v, enum vreg r);
	void (*set_reg)(struct vcpu *v, enum vreg r, u64 val);
	void (*get_seg)(struct vcpu *v, enum seg_reg s, struct segment *out);
	/* Address of the instruction after the one that caused this exit. */
	u64 (*next_rip)(struct vcpu *v);
	/* RIP and RFLAGS at once, and RIP moved with the interrupt shadow
	 * ended at once: the two calls of every instruction the hypervisor
	 * completes (vmm/step.c), each of them one indirect call on the exit
	 * path instead of two. */
	void (*insn_state)(struct vcpu *v, u64 *rip, u64 *rflags);
	void (*insn_done)(struct vcpu *v, u64 next);
	/* Whether the guest can take an external interrupt right now
	 * (RFLAGS.IF and no interrupt shadow). */
	bool (*interrupts_open)(struct vcpu *v);
	/* Whether an NMI may be injected (not still handling the last one). */
	bool (*nmi_open)(struct vcpu *v);
	/* An injected NMI was not delivered after all (vcpu_queue_exception
	 * put it back): NMIs are no longer blocked on its account. */
	void (*nmi_undeliver)(struct vcpu *v);
	/* Writes the backend's view of v (VMCB/VMCS) to the log. */
	void (*dump)(struct vcpu *v);
	/* One line of v's registers and event state for a diagnostic dump,
	 * on v's own CPU outside the guest (any vCPU placed there). */
	void (*describe)(struct vcpu *v, char *buf, size_t size);
};

extern const struct backend_ops *backend;
extern const struct backend_ops svm_backend_ops;
extern const struct backend_ops vmx_backend_ops;

/* Picks SVM or VMX from CPUID; NULL when the CPU has neither. */
const struct backend_ops *backend_probe(const char **why);

static inline u64 vcpu_rip(struct vcpu *v) { return backend->get_reg(v, VREG_RIP); }
static inline void vcpu_set_rip(struct vcpu *v, u64 rip) { backend->set_reg(v, VREG_RIP, rip); }
/* Completes the instruction the guest exited on, the hypervisor having
 * carried it out: RIP to next, any STI or MOV SS shadow ended with it (so
 * interrupts may be injected right away), and the single-step trap it
 * owes a guest with RFLAGS.TF set (vmm/event.c). vcpu_skip_insn: to the
 * next instruction. */
void vcpu_complete_insn(struct vcpu *v, u64 next);
void vcpu_skip_insn(struct vcpu *v);

#endif
