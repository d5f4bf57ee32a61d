/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Child definition files in the `key = value` syntax of Xen's xl.cfg:
 * `#` comments to the end of the line, settings separated by newlines or
 * `;`, values that are strings ("..." with C escapes, '...' verbatim),
 * integers (decimal or 0x hex), or lists `[ "a", "b", ]` that may span
 * lines. Unknown keys are refused; parsing stops at the first error.
 *
 * cfg_parse is a pure function over a buffer: no I/O, so the host unit
 * tests drive it (tests/unit/test_hvctl_cfg.c).
 */
#ifndef HVCTL_CFG_H
#define HVCTL_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../hv_abi.h"

#define CFG_PATH_MAX 4096
#define CFG_CMDLINE_MAX 4096
#define CFG_ERR_MAX 512
#define CFG_MEMORY_DEFAULT_MIB 128
#define CFG_DISKS_MAX 4
#define CFG_VIFS_MAX 2
#define CFG_PCI_MAX HV_PCI_PT_MAX
/* "0000:BB:DD.F" and its NUL */
#define CFG_BDF_LEN 13

enum cfg_platform {
	CFG_PLATFORM_DEFAULT, /* pc for Linux kernels, none for ELF images */
	CFG_PLATFORM_PC,
	CFG_PLATFORM_NONE,
};

/* The keys whose line numbers later checks (the loaders) report. */
enum cfg_key_line {
	CFG_LINE_NAME,
	CFG_LINE_MEMORY,
	CFG_LINE_KERNEL,
	CFG_LINE_RAMDISK,
	CFG_LINE_CMDLINE, /* cmdline, or root/extra when they make it */
	CFG_LINE_PLATFORM,
	CFG_LINE_CPUS,
	CFG_LINE_PCI,
	CFG_LINES,
};

struct cfg {
	char name[HV_NAME_MAX];
	uint64_t memory_mib;
	uint32_t vcpus;
	uint64_t cpus;      /* physical CPU mask; 0 = any */
	uint32_t weight;    /* 0 = the hypervisor's default */
	uint32_t cap;       /* % of one CPU; 0 = none */
	uint8_t on_poweroff, on_reboot, on_crash; /* HV_ACTION_* */
	enum cfg_platform platform;
	char kernel[CFG_PATH_MAX];  /* resolved against the file's directory */
	char ramdisk[CFG_PATH_MAX]; /* "" = none */
	char cmdline[CFG_CMDLINE_MAX];
	bool has_cmdline;           /* cmdline, root or extra given */
	struct {
		char path[CFG_PATH_MAX]; /* an image file or a block device */
		bool ro;
	} disk[CFG_DISKS_MAX];
	unsigned ndisks;
	struct {
		char bridge[16];
		uint8_t mac[6];
		bool has_mac;
	} vif[CFG_VIFS_MAX];
	unsigned nvifs;
	uint32_t pci[CFG_PCI_MAX];  /* bdf (hv_abi.h): the child's 00:10.0, 00:11.0, ... */
	unsigned npci;
	bool rng;                   /* a virtio entropy device (default) */
	bool vconsole;              /* a virtio console, hvc0 (default) */
	bool stop_unclaimed;        /* unclaimed = "stop" */
	int line[CFG_LINES];        /* 0 = not given */
};

/*
 * Parses len bytes of buf. file names the file in messages; dir is the
 * directory relative kernel and ramdisk paths are taken from ("" or "."
 * leaves them as written). Returns 0, or -1 with one line in err (no
 * newline): "FILE:LINE: KEY: what is wrong", "FILE:LINE: what is wrong"
 * for syntax, "FILE: KEY: what is wrong" for a missing key.
 */
int cfg_parse(const char *buf, size_t len, const char *file, const char *dir,
	      struct cfg *out, char *err, size_t errlen);

/* The creation request for the hypervisor; pc says whether the child
 * gets the virtual PC platform (cfg->platform, or the image's default). */
void cfg_to_create(const struct cfg *c, bool pc, struct hv_create *out);

/* "destroy", "restart", "preserve" */
const char *cfg_action_name(unsigned action);

/*
 * Parses a CPU list: "all", or numbers and ranges with optional ^
 * exclusions ("0-3,^1", "2,5-6"), CPUs 0-63. Returns 0 with the mask
 * (0 for "all"), or -1 with a message in err.
 */
int cfg_parse_cpus(const char *s, uint64_t *mask, char *err, size_t errlen);

/* Formats a CPU mask as a list ("0-1,3"; "all" for 0) into buf. */
void cfg_format_cpus(uint64_t mask, char *buf, size_t len);

/*
 * Parses a PCI function's address as xl.cfg writes it, "0000:BB:DD.F" or
 * "BB:DD.F" (hex; segment 0 only). Returns 0 with bdf = bus << 8 |
 * device << 3 | function, or -1 with a message in err.
 */
int cfg_parse_bdf(const char *s, uint32_t *bdf, char *err, size_t errlen);

/* Formats a bdf as "0000:BB:DD.F" into buf (CFG_BDF_LEN bytes). */
void cfg_format_bdf(uint32_t bdf, char *buf, size_t len);

/* Whether s is a valid partition name (1-31 of [A-Za-z0-9_.-]). */
bool cfg_name_valid(const char *s);

#endif
