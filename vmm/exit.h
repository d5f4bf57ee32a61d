/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exit handling shared by both backends. Each backend has one table,
 * indexed by its raw exit code, whose entries name a handler here (or a
 * thin decoder of vendor-specific exit information that then calls one)
 * and the statistics bucket the exit is counted in.
 */
#ifndef VMM_EXIT_H
#define VMM_EXIT_H

#include "vmm/vcpu.h"

enum exit_action {
	EXIT_RESUME,          /* re-enter the guest */
	EXIT_YIELD,           /* give the physical CPU to someone else */
	EXIT_STOP_PARTITION,  /* the partition misbehaved or ended; stop it */
};

enum exit_stat {
	STAT_CPUID, STAT_IO, STAT_MSR_READ, STAT_MSR_WRITE, STAT_MMIO, STAT_HLT,
	STAT_HYPERCALL, STAT_INTR, STAT_INTR_WINDOW, STAT_EXCEPTION, STAT_NPF,
	STAT_SHUTDOWN, STAT_PAUSE, STAT_CR, STAT_XSETBV, STAT_VIRT_INSN, STAT_INVD,
	STAT_TIMER, STAT_INVALID, STAT_OTHER, NR_EXIT_STATS,
	STAT_BY_HANDLER = NR_EXIT_STATS, /* the handler knows which bucket */
};
extern const char *const exit_stat_names[NR_EXIT_STATS];

typedef enum exit_action (*exit_handler_fn)(struct vcpu *v);

struct exit_entry {
	exit_handler_fn fn;
	u8 stat;
};

/* A port access, decoded from the vendor's exit information. */
struct io_access {
	u16 port;
	u8 size;     /* 1, 2 or 4 */
	bool in;
	bool string; /* INS/OUTS */
	bool rep;
	u8 addr_size;
	u8 seg;      /* segment of the memory operand for OUTS */
};

enum exit_action vmm_handle_cpuid(struct vcpu *v);
enum exit_action vmm_handle_hlt(struct vcpu *v);
enum exit_action vmm_handle_hypercall(struct vcpu *v);
enum exit_action vmm_handle_rdmsr(struct vcpu *v);
enum exit_action vmm_handle_wrmsr(struct vcpu *v);
enum exit_action vmm_handle_io(struct vcpu *v, const struct io_access *io);
/* A guest-physical access that missed guest RAM: device or violation. */
enum exit_action vmm_handle_gpa_fault(struct vcpu *v, u64 gpa, bool write, bool fetch);
enum exit_action vmm_handle_shutdown(struct vcpu *v);
/* An intercepted exception (INTERCEPTED_EXCEPTIONS, vmm/event.h) the guest
 * raised: handed back to it, or for #MC the partition is stopped. type is
 * how it arose (enum event_type), insn_len for the software kinds. */
enum exit_action vmm_handle_exception(struct vcpu *v, u8 vector, u8 type, bool has_error,
				      u32 error, u8 insn_len);
enum exit_action vmm_handle_intr(struct vcpu *v);
enum exit_action vmm_handle_intr_window(struct vcpu *v);
enum exit_action vmm_handle_xsetbv(struct vcpu *v);
enum exit_action vmm_handle_pause(struct vcpu *v);
enum exit_action vmm_handle_nop_insn(struct vcpu *v);  /* INVD: skip */
enum exit_action vmm_handle_wbinvd(struct vcpu *v);    /* WBINVD, WBNOINVD */
enum exit_action vmm_handle_rdpmc(struct vcpu *v);     /* no counters: #GP */
enum exit_action vmm_handle_ud(struct vcpu *v);        /* inject #UD */
/* Stops the partition with a reason the log shows. */
enum exit_action vmm_stop(struct vcpu *v, const char *fmt, ...) __printf(2, 3);
/* An exit no table entry covers: dump state and stop the partition. */
enum exit_action vmm_unexpected_exit(struct vcpu *v, u64 code, const char *what);

/* Account an exit; called by the backends' dispatchers. */
void vmm_count_exit(struct vcpu *v, unsigned stat);

#endif
