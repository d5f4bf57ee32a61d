// SPDX-License-Identifier: GPL-2.0-only
/* A definition's images, read and planned (image.h). */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMAGE_MAX (2ull << 30) /* kernel or ramdisk */

int read_whole_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (S_ISDIR(sb.st_mode) || !S_ISREG(sb.st_mode)) {
		close(fd);
		errno = S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	if ((uint64_t)sb.st_size > max) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	size_t size = (size_t)sb.st_size, got = 0;
	uint8_t *b = malloc(size ? size : 1);
	if (!b) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	while (got < size) {
		ssize_t n = read(fd, b + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO; /* shrank while read */
			free(b);
			close(fd);
			errno = e;
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	*buf = b;
	*len = size;
	return 0;
}

static const char *read_error(int e)
{
	switch (e) {
	case EFBIG: return "file is larger than 2 GiB";
	case EISDIR: return "is a directory";
	case EINVAL: return "not a regular file";
	case EIO: return "file changed while it was read";
	default: return strerror(e);
	}
}

/* "FILE:LINE: KEY: " (or "FILE: KEY: " for a key the file left out). */
static int where(char *buf, size_t len, const char *file, int line, const char *key)
{
	if (line)
		return snprintf(buf, len, "%s:%d: %s: ", file, line, key);
	return snprintf(buf, len, "%s: %s: ", file, key);
}

int image_prepare(const char *file, const struct cfg *c, int pc_known, struct image *img,
		  char *err, size_t errlen)
{
	char msg[CFG_ERR_MAX], at[CFG_PATH_MAX + 64];

	memset(img, 0, sizeof(*img));
	if (read_whole_file(c->kernel, IMAGE_MAX, &img->kernel, &img->kernel_size)) {
		where(at, sizeof(at), file, c->line[CFG_LINE_KERNEL], "kernel");
		snprintf(err, errlen, "%scannot read %s: %s", at, c->kernel, read_error(errno));
		return -1;
	}
	if (c->ramdisk[0] &&
	    read_whole_file(c->ramdisk, IMAGE_MAX, &img->ramdisk, &img->ramdisk_size)) {
		where(at, sizeof(at), file, c->line[CFG_LINE_RAMDISK], "ramdisk");
		snprintf(err, errlen, "%scannot read %s: %s", at, c->ramdisk, read_error(errno));
		image_release(img);
		return -1;
	}
	enum load_kind kind = load_detect(img->kernel, img->kernel_size);
	if (kind == LOAD_UNKNOWN) {
		where(at, sizeof(at), file, c->line[CFG_LINE_KERNEL], "kernel");
		snprintf(err, errlen, "%s%s is neither a Linux bzImage nor an ELF image", at,
			 c->kernel);
		image_release(img);
		return -1;
	}
	if (kind != LOAD_LINUX && c->has_cmdline) {
		where(at, sizeof(at), file, c->line[CFG_LINE_CMDLINE], "cmdline");
		snprintf(err, errlen, "%s%s is an ELF image, which takes no command line "
			 "(only a Linux kernel does)", at, c->kernel);
		image_release(img);
		return -1;
	}
	if (pc_known >= 0)
		img->pc = pc_known;
	else
		img->pc = c->platform == CFG_PLATFORM_PC ||
			  (c->platform == CFG_PLATFORM_DEFAULT && kind == LOAD_LINUX);

	struct load_input in = {
		.image = img->kernel,
		.size = img->kernel_size,
		.initrd = img->ramdisk,
		.initrd_size = img->ramdisk_size,
		.cmdline = c->has_cmdline ? c->cmdline : NULL,
		.memory = c->memory_mib << 20,
		.pc = img->pc,
	};
	if (load_plan_build(&in, &img->plan, msg, sizeof(msg))) {
		switch (img->plan.blame) {
		case LOAD_BLAME_RAMDISK:
			where(at, sizeof(at), file, c->line[CFG_LINE_RAMDISK], "ramdisk");
			snprintf(err, errlen, "%s%s: %s", at, c->ramdisk[0] ? c->ramdisk : "", msg);
			break;
		case LOAD_BLAME_CMDLINE:
			where(at, sizeof(at), file, c->line[CFG_LINE_CMDLINE], "cmdline");
			snprintf(err, errlen, "%s%s", at, msg);
			break;
		case LOAD_BLAME_MEMORY:
			where(at, sizeof(at), file, c->line[CFG_LINE_MEMORY], "memory");
			snprintf(err, errlen, "%s%s%s", at, msg,
				 c->line[CFG_LINE_MEMORY] ? "" : " (the default is 128 MiB)");
			break;
		case LOAD_BLAME_KERNEL:
		default:
			where(at, sizeof(at), file, c->line[CFG_LINE_KERNEL], "kernel");
			snprintf(err, errlen, "%s%s: %s", at, c->kernel, msg);
			break;
		}
		image_release(img);
		return -1;
	}
	return 0;
}

void image_release(struct image *img)
{
	load_plan_free(&img->plan);
	free(img->kernel);
	free(img->ramdisk);
	img->kernel = img->ramdisk = NULL;
}
