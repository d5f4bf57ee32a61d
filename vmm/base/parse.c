// SPDX-License-Identifier: GPL-2.0-only
/* Small parsing helpers shared by the command line and config parsers. */
#include "vmm/base/string.h"

size_t hv_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = 0;
	}
	return len;
}

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool parse_u64(const char *s, u64 *out, const char **end, bool allow_suffix)
{
	unsigned base = 10;
	u64 v = 0;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		int d = hex_digit(*s);
		if (d < 0 || (unsigned)d >= base)
			break;
		if (v > (UINT64_MAX - (u64)d) / base)
			return false;
		v = v * base + (u64)d;
		digits++;
	}
	if (!digits)
		return false;
	if (allow_suffix) {
		unsigned shift = 0;
		switch (*s) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: break;
		}
		if (shift) {
			if (v > (UINT64_MAX >> shift))
				return false;
			v <<= shift;
			s++;
		}
	}
	*out = v;
	if (end)
		*end = s;
	return true;
}
