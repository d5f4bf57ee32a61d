/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_CMDLINE_H
#define VMM_BASE_CMDLINE_H

#include "vmm/base/types.h"

#define CMDLINE_KEY_MAX 32
#define CMDLINE_VAL_MAX 256

/*
 * Splits "key=value key2 'quoted value' ..." one token at a time. A token
 * without '=' has an empty value and *has_value false. Returns false at
 * the end of the line; a key or value longer than its buffer is reported
 * through *too_long (the token is consumed).
 */
struct cmdline_token {
	char key[CMDLINE_KEY_MAX];
	char val[CMDLINE_VAL_MAX];
	bool has_value;
	bool too_long;
};
bool cmdline_next(const char **p, struct cmdline_token *t);

/* Hypervisor options from its own command line. */
struct hv_options {
	u16 console_port;
	u32 console_baud;
	bool console_auto;   /* console=auto: the UART the ACPI SPCR names */
	int loglevel;
	bool test;      /* power off with a pass/fail status when done */
	u32 max_cpus;   /* 0 = every CPU the firmware lists */
	bool x2apic;    /* use x2APIC mode when the CPU has it */
	bool smt;       /* bring up sibling threads (smt=off keeps them offline) */
	u64 parent_mem; /* 0 = all memory not otherwise used */
	u64 pool;       /* memory kept for children the parent creates */
	bool pool_set;  /* pool= given (else a quarter of the free memory) */
	char selftest[16]; /* "fault": take a page fault at boot (tests the report) */
	u8 iommu;       /* IOMMU_* below: iommu=off|on|required */
};

#define IOMMU_ON 0       /* use IOMMUs the firmware describes; warn if none */
#define IOMMU_OFF 1      /* leave them off (the parent's devices reach all) */
#define IOMMU_REQUIRED 2 /* refuse to start the parent without one */

typedef void (*cmdline_warn_fn)(const char *what, const char *key, const char *val);

void hv_options_default(struct hv_options *o);
/* Returns the number of rejected tokens; each is reported through warn. */
int hv_options_parse(struct hv_options *o, const char *cmdline, cmdline_warn_fn warn);

/* Parses on/off/yes/no/1/0/true/false; a bare key means on. */
bool parse_bool(const struct cmdline_token *t, bool *out);

#endif
