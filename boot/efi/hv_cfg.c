// SPDX-License-Identifier: GPL-2.0-only
#include "boot/efi/hv_cfg.h"
#include "vmm/base/string.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Copies [s, e) trimmed of blanks into dst; false when it does not fit. */
static int copy_trimmed(char *dst, size_t cap, const char *s, const char *e)
{
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	if ((size_t)(e - s) >= cap)
		return 0;
	memcpy(dst, s, (size_t)(e - s));
	dst[e - s] = 0;
	return 1;
}

const char *hv_cfg_parse(const char *text, size_t len, struct hv_cfg *cfg, int *line)
{
	const char *p = text, *end = text + len;
	int have_cmdline = 0;

	memset(cfg, 0, sizeof(*cfg));
	*line = 0;
	while (p < end) {
		const char *eol = p;
		while (eol < end && *eol != '\n')
			eol++;
		(*line)++;
		const char *s = p;
		p = eol < end ? eol + 1 : end;

		while (s < eol && is_blank(*s))
			s++;
		if (s == eol || *s == '#')
			continue;
		for (const char *c = s; c < eol; c++)
			if (*c == 0)
				return "NUL byte in the file";
		const char *kw = s;
		while (s < eol && !is_blank(*s))
			s++;
		size_t kwlen = (size_t)(s - kw);

		if (kwlen == 7 && !memcmp(kw, "cmdline", 7)) {
			if (have_cmdline)
				return "cmdline given twice";
			if (!copy_trimmed(cfg->cmdline, sizeof(cfg->cmdline), s, eol))
				return "cmdline too long";
			have_cmdline = 1;
		} else if (kwlen == 6 && !memcmp(kw, "module", 6)) {
			if (cfg->nmodules >= BOOT_MODULES_MAX)
				return "too many modules";
			struct hv_cfg_module *m = &cfg->modules[cfg->nmodules];
			while (s < eol && is_blank(*s))
				s++;
			const char *path = s;
			while (s < eol && !is_blank(*s))
				s++;
			if (s == path)
				return "module needs a file name";
			if (!copy_trimmed(m->path, sizeof(m->path), path, s))
				return "module file name too long";
			if (!copy_trimmed(m->cmdline, sizeof(m->cmdline), s, eol))
				return "module arguments too long";
			cfg->nmodules++;
		} else {
			return "unknown directive (expected cmdline or module)";
		}
	}
	*line = 0;
	return NULL;
}
