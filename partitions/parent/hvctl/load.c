// SPDX-License-Identifier: GPL-2.0-only
/* What the loaders share (load.h): detection, the child's RAM, the plan. */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum load_kind load_detect(const uint8_t *img, size_t size)
{
	if (size >= 5 && !memcmp(img, "\177ELF", 4))
		return img[4] == 2 ? LOAD_ELF64 : LOAD_ELF32;
	/* boot.rst: boot_flag 0xAA55 at 0x1fe, "HdrS" at 0x202. */
	if (size >= 0x206 && img[0x1fe] == 0x55 && img[0x1ff] == 0xaa &&
	    !memcmp(img + 0x202, "HdrS", 4))
		return LOAD_LINUX;
	return LOAD_UNKNOWN;
}

const char *load_kind_name(enum load_kind kind)
{
	switch (kind) {
	case LOAD_LINUX: return "Linux bzImage";
	case LOAD_ELF32: return "ELF32 image";
	case LOAD_ELF64: return "ELF64 image";
	case LOAD_UNKNOWN: break;
	}
	return "unknown image";
}

uint64_t load_low_top(uint64_t memory)
{
	return memory < HV_LOW_RAM_MAX ? memory : HV_LOW_RAM_MAX;
}

uint64_t load_high_size(uint64_t memory)
{
	return memory > HV_LOW_RAM_MAX ? memory - HV_LOW_RAM_MAX : 0;
}

bool load_in_ram(uint64_t memory, uint64_t gpa, uint64_t len)
{
	uint64_t low = load_low_top(memory), high = load_high_size(memory);

	if (gpa < low)
		return len <= low - gpa;
	if (gpa >= HV_HIGH_RAM_BASE && gpa - HV_HIGH_RAM_BASE < high)
		return len <= high - (gpa - HV_HIGH_RAM_BASE);
	return false;
}

bool load_add(struct load_plan *plan, uint64_t gpa, const void *data, uint64_t len,
	      const char *what)
{
	if (!len)
		return true;
	if (plan->nw >= LOAD_WRITES_MAX)
		return false;
	plan->w[plan->nw++] = (struct load_write){ gpa, data, len, what };
	return true;
}

void load_plan_free(struct load_plan *plan)
{
	for (int i = 0; i < LOAD_OWNED_MAX; i++) {
		free(plan->owned[i]);
		plan->owned[i] = NULL;
	}
	plan->nw = 0;
}

int load_plan_build(const struct load_input *in, struct load_plan *plan, char *err, size_t errlen)
{
	switch (load_detect(in->image, in->size)) {
	case LOAD_LINUX:
		return load_linux(in, plan, err, errlen);
	case LOAD_ELF32:
	case LOAD_ELF64:
		return load_elf(in, plan, err, errlen);
	case LOAD_UNKNOWN:
		break;
	}
	memset(plan, 0, sizeof(*plan));
	plan->blame = LOAD_BLAME_KERNEL;
	snprintf(err, errlen, "neither a Linux bzImage nor an ELF image");
	return -1;
}
