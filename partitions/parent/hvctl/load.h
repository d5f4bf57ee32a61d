/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Image loaders, as Xen's domain builder in dom0: the hypervisor never
 * parses a child's image; hvctl turns it into a list of writes into the
 * child's memory (HV_IOC_WRITE) and vCPU 0's starting state
 * (HV_IOC_VCPU_SET). Pure functions over buffers, so the host unit tests
 * drive them (tests/unit/test_hvctl_load.c).
 *
 * The child's memory (hv_abi.h): RAM [0, min(memory, 3 GiB)) and, past
 * 3 GiB of memory, the rest from 4 GiB. It starts zeroed, so only bytes
 * that are not zero need writing (bss is never written).
 */
#ifndef HVCTL_LOAD_H
#define HVCTL_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../hv_abi.h"

enum load_kind {
	LOAD_UNKNOWN,
	LOAD_LINUX,  /* bzImage, 32-bit boot protocol */
	LOAD_ELF32,  /* entered in HV_MODE_PROTECTED */
	LOAD_ELF64,  /* entered in HV_MODE_LONG on an identity map */
};

/* Which input an error is about (for the definition file's line). */
enum load_blame { LOAD_BLAME_KERNEL, LOAD_BLAME_RAMDISK, LOAD_BLAME_CMDLINE, LOAD_BLAME_MEMORY };

struct load_input {
	const uint8_t *image;
	size_t size;
	const uint8_t *initrd; /* NULL: none */
	size_t initrd_size;
	const char *cmdline;   /* NULL: none */
	uint64_t memory;       /* the child's memory in bytes */
	bool pc;               /* it has the virtual PC platform (ACPI tables) */
};

struct load_write {
	uint64_t gpa;
	const void *data; /* into the input's buffers or the plan's own */
	uint64_t len;
	const char *what;
};

#define LOAD_WRITES_MAX 80
#define LOAD_OWNED_MAX 2

struct load_plan {
	enum load_kind kind;
	unsigned nw;
	struct load_write w[LOAD_WRITES_MAX];
	struct hv_vcpu_state vcpu0;  /* the only vCPU set; others wait for SIPI */
	/* what was decided, for messages and the dry run */
	uint16_t protocol;           /* Linux boot protocol version */
	uint64_t kernel_gpa, kernel_end, initrd_gpa, entry, tables_gpa;
	enum load_blame blame;       /* on error: which input is at fault */
	void *owned[LOAD_OWNED_MAX]; /* buffers the plan allocated */
};

/* Linux layout below 1 MiB (the 32-bit boot protocol needs no tables). */
#define LOAD_LINUX_STACK_TOP 0x9000ull
#define LOAD_LINUX_ZERO_PAGE 0x9000ull
#define LOAD_LINUX_CMDLINE 0xa000ull
#define LOAD_LINUX_KERNEL_MIN 0x100000ull
/* ELF64: PML4, PDPT and 4 PDs at the top of low RAM. */
#define LOAD_TABLES_SIZE (6 * 4096ull)

/* The kind of image by its first bytes. */
enum load_kind load_detect(const uint8_t *img, size_t size);
const char *load_kind_name(enum load_kind kind);

/*
 * Builds the plan for in (by its kind). Returns 0, or -1 with one line
 * in err (no prefix) and plan->blame set. The plan points into in's
 * buffers, which must outlive it; free it with load_plan_free.
 */
int load_plan_build(const struct load_input *in, struct load_plan *plan, char *err, size_t errlen);
int load_linux(const struct load_input *in, struct load_plan *plan, char *err, size_t errlen);
int load_elf(const struct load_input *in, struct load_plan *plan, char *err, size_t errlen);
void load_plan_free(struct load_plan *plan);

/* The child's RAM: low [0, low_top), high [4 GiB, 4 GiB + high). */
uint64_t load_low_top(uint64_t memory);
uint64_t load_high_size(uint64_t memory);
/* Whether [gpa, gpa + len) lies in one of the two RAM ranges. */
bool load_in_ram(uint64_t memory, uint64_t gpa, uint64_t len);

/* Internal to the loaders: appends a write (false when full). */
bool load_add(struct load_plan *plan, uint64_t gpa, const void *data, uint64_t len,
	      const char *what);

#endif
