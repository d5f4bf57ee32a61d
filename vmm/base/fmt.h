/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_FMT_H
#define VMM_BASE_FMT_H

#include "vmm/base/types.h"

/*
 * printf-style formatting: %d %i %u %x %X %o %p %s %c %%, the l/ll/z/h/hh
 * length modifiers, width (or *), precision for strings, and the 0, -, +,
 * space and # flags. Always NUL-terminates when size > 0 and returns the
 * length the full output would have had.
 */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) __printf(3, 0);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
