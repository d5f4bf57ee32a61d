// SPDX-License-Identifier: GPL-2.0-only
/* Partition names, from boot lines and from the parent (config.h). */
#include "partitions/config.h"

bool part_name_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}
