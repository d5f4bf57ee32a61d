/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BASE_STRING_H
#define VMM_BASE_STRING_H

#include "vmm/base/types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t hv_strlcpy(char *dst, const char *src, size_t size);

/*
 * Parses an unsigned number in base 10, or 16 with a 0x prefix, with an
 * optional K/M/G suffix when allow_suffix is set. Returns false on any
 * malformed input or overflow; *end receives the first unparsed char.
 */
bool parse_u64(const char *s, u64 *out, const char **end, bool allow_suffix);
/* A hexadecimal digit's value, or -1. */
int hex_digit(char c);

#endif
