/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A definition's image files read and turned into a load plan: what
 * `create` does before it asks the hypervisor for anything, and what the
 * monitor does again at each restart (it reads the files anew, as Xen's
 * domain builder does on reboot).
 */
#ifndef HVCTL_IMAGE_H
#define HVCTL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "load.h"

struct image {
	uint8_t *kernel;
	size_t kernel_size;
	uint8_t *ramdisk; /* NULL: none */
	size_t ramdisk_size;
	bool pc;          /* the child gets the virtual PC platform */
	struct load_plan plan;
};

/*
 * Reads c's kernel and ramdisk and builds the plan. file names the
 * definition in messages. pc_known < 0 decides the platform from the
 * definition and the image; else it is pc_known (a restart keeps what
 * the child was created with). Returns 0, or -1 with one line in err
 * ("FILE:LINE: KEY: ...").
 */
int image_prepare(const char *file, const struct cfg *c, int pc_known, struct image *img,
		  char *err, size_t errlen);
void image_release(struct image *img);

/* Reads a whole regular file (at most max bytes): 0, or -1 with errno
 * (EFBIG past max, EISDIR for a directory). */
int read_whole_file(const char *path, size_t max, uint8_t **buf, size_t *len);

#endif
